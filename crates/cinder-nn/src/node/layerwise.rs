//! Exact layer-wise inference (as DGL's and PyG's large-graph examples evaluate): layer 1 for
//! every node in chunks, then layer 2 from layer 1's outputs, each with full neighbourhoods —
//! the full-batch forward pass without ever holding a whole-graph operator or a sampled
//! computation graph. Memory: the features, one `nodes x hidden` buffer per layer and a chunk.

use std::ops::Range;

use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{BlockWeights, FeatureMatrix, FullAggregation, InNeighbours};

use crate::conv::gcn::GcnConv;
use crate::conv::sage::SageConv;
use crate::error::{NnError, Result};
use crate::node::models::NodeModel;
use crate::ops::linear_relu_dropout::linear_relu_dropout;

/// The two layers of a model that layer-wise inference and mini-batch training support.
pub(crate) enum TwoLayers<'a> {
    /// GraphSAGE (mean).
    Sage(&'a SageConv, &'a SageConv),
    /// GCN.
    Gcn(&'a GcnConv, &'a GcnConv),
}

impl<'a> TwoLayers<'a> {
    /// The layers of `model`, or an error naming the models that sample.
    pub(crate) fn of(model: &'a NodeModel) -> Result<Self> {
        match model {
            NodeModel::Sage(model) => Ok(Self::Sage(&model.conv1, &model.conv2)),
            NodeModel::Gcn(model) => Ok(Self::Gcn(&model.conv1, &model.conv2)),
            _ => Err(NnError::InvalidOption {
                option: "model",
                reason: "mini-batch training and layer-wise inference support sage and gcn".into(),
            }),
        }
    }

    /// The block weights these layers aggregate with.
    pub(crate) fn weights(&self) -> BlockWeights {
        match self {
            Self::Sage(..) => BlockWeights::Mean,
            Self::Gcn(..) => BlockWeights::Gcn,
        }
    }

    /// Layer `layer` (0 or 1) as its weights: `aggregated · W + b (+ own · W_root)`.
    pub(crate) fn parts(&self, layer: usize) -> LayerParts {
        match self {
            Self::Sage(first, second) => {
                let conv = if layer == 0 { first } else { second };
                LayerParts {
                    neighbours: conv.linear_neighbours.weight.val(),
                    bias: conv.linear_neighbours.bias.as_ref().map(|b| b.val()),
                    root: conv.linear_root.as_ref().map(|root| root.weight.val()),
                }
            }
            Self::Gcn(first, second) => {
                let conv = if layer == 0 { first } else { second };
                LayerParts {
                    neighbours: conv.weight.val(),
                    bias: conv.bias.as_ref().map(|b| b.val()),
                    root: None,
                }
            }
        }
    }

    /// The first layer on prepared rows, then ReLU and dropout, fused
    /// ([`linear_relu_dropout`]): `[mean | x] · [W_l; W_r] + b` for SAGE with a root term,
    /// `aggregated · W + b` otherwise (see the mini-batch worker).
    pub(crate) fn first_layer_relu_dropout(
        &self,
        inputs: Tensor<2>,
        p: f32,
        seed: u64,
    ) -> Result<Tensor<2>> {
        let (weight, bias) = self.parts(0).joined();
        linear_relu_dropout(inputs, weight, bias, p, seed)
    }

    /// Layer `layer` on joined rows `[aggregated | own]` (or `aggregated` without a root term):
    /// `rows · [W; W_root] + b`.
    pub(crate) fn joined_layer(&self, layer: usize, rows: Tensor<2>) -> Tensor<2> {
        let (weight, bias) = self.parts(layer).joined();
        let output = rows.matmul(weight);
        match bias {
            Some(bias) => output + bias.unsqueeze_dim(0),
            None => output,
        }
    }

    /// Whether layer `layer` (0 or 1) has a root term, which reads its nodes' own rows.
    pub(crate) fn has_root(&self, layer: usize) -> bool {
        match self {
            Self::Sage(first, second) => {
                let conv = if layer == 0 { first } else { second };
                conv.linear_root.is_some()
            }
            Self::Gcn(..) => false,
        }
    }
}

/// One layer as its weights: `aggregated · neighbours + bias (+ own · root)`.
pub(crate) struct LayerParts {
    pub(crate) neighbours: Tensor<2>,
    pub(crate) bias: Option<Tensor<1>>,
    pub(crate) root: Option<Tensor<2>>,
}

impl LayerParts {
    /// The weight stacked for joined rows `[aggregated | own]` (`[W; W_root]`, or `W` without
    /// a root term), and the bias.
    pub(crate) fn joined(self) -> (Tensor<2>, Option<Tensor<1>>) {
        let weight = match self.root {
            Some(root) => Tensor::cat(vec![self.neighbours, root], 0),
            None => self.neighbours,
        };
        (weight, self.bias)
    }

    /// The layer on aggregated rows and (with a root weight) the same nodes' own rows.
    pub(crate) fn apply(&self, aggregated: Tensor<2>, own: Option<Tensor<2>>) -> Tensor<2> {
        let mut output = aggregated.matmul(self.neighbours.clone());
        if let Some(bias) = &self.bias {
            output = output + bias.clone().unsqueeze_dim(0);
        }
        match (&self.root, own) {
            (Some(root), Some(own)) => output + own.matmul(root.clone()),
            _ => output,
        }
    }
}

/// Class logits of every node (row-major, `nodes x classes`) by exact layer-wise inference of
/// `model` (a SAGE or GCN [`NodeModel`], evaluated without dropout) on `graph`'s full
/// neighbourhoods, `chunk` destination nodes at a time. Equals the full-batch forward pass on the
/// same graph (up to float rounding). `device` is a plain (non-autodiff) device.
///
/// Layer 1 aggregates the input features, then transforms. Layer 2 transforms first when it
/// narrows (hidden → classes; aggregation is linear, so `agg(h) W = agg(h W)`): each chunk of
/// layer 1's output is multiplied by layer 2's weights at once, and only the `nodes x classes`
/// products are kept — never the `nodes x hidden` activations (2.5 GB for 2.4M nodes × 256).
pub fn layerwise_inference(
    model: &NodeModel,
    graph: &InNeighbours,
    features: &FeatureMatrix,
    chunk: usize,
    device: &Device,
) -> Result<Vec<f32>> {
    let layers = TwoLayers::of(model)?;
    let nodes = graph.num_nodes();
    if features.rows() != nodes {
        return Err(NnError::ShapeMismatch {
            what: "rows of the node features (one per node of the graph)".into(),
            expected: nodes,
            actual: features.rows(),
        });
    }
    let chunk = chunk.max(1);
    let aggregation = FullAggregation::new(graph, layers.weights());
    let chunks = || {
        (0..nodes)
            .step_by(chunk)
            .map(move |s| s..(s + chunk).min(nodes))
    };
    let second = layers.parts(1);
    let [hidden_width, classes] = second.neighbours.dims();
    let transform_first = classes < hidden_width;

    // Layer 1 for every chunk; keep its output, or (transform first) layer 2's two products.
    let mut kept: Vec<f32> = Vec::with_capacity(
        nodes
            * if transform_first {
                classes
            } else {
                hidden_width
            },
    );
    let mut roots: Vec<f32> = Vec::new();
    for range in chunks() {
        let aggregated = matrix(
            aggregation.features(features, range.clone()),
            range.len(),
            device,
        )?;
        let own = match layers.parts(0).root {
            Some(_) => Some(matrix(
                own_feature_rows(features, range.clone()),
                range.len(),
                device,
            )?),
            None => None,
        };
        let hidden = relu(layers.parts(0).apply(aggregated, own));
        if transform_first {
            kept.extend(values(hidden.clone().matmul(second.neighbours.clone()))?);
            if let Some(root) = &second.root {
                roots.extend(values(hidden.matmul(root.clone()))?);
            }
        } else {
            kept.extend(values(hidden)?);
        }
    }
    let width = if transform_first {
        classes
    } else {
        hidden_width
    };
    let mut logits = Vec::with_capacity(nodes * classes);
    for range in chunks() {
        let aggregated = matrix(
            aggregation.dense(&kept, width, range.clone()),
            range.len(),
            device,
        )?;
        let output = if transform_first {
            let mut output = aggregated;
            if let Some(bias) = &second.bias {
                output = output + bias.clone().unsqueeze_dim(0);
            }
            if second.root.is_some() {
                let rows = roots[range.start * classes..range.end * classes].to_vec();
                output = output + matrix(rows, range.len(), device)?;
            }
            output
        } else {
            let own = match second.root {
                Some(_) => {
                    let rows = kept[range.start * width..range.end * width].to_vec();
                    Some(matrix(rows, range.len(), device)?)
                }
                None => None,
            };
            second.apply(aggregated, own)
        };
        logits.extend(values(output)?);
    }
    Ok(logits)
}

fn own_feature_rows(features: &FeatureMatrix, range: Range<usize>) -> Vec<f32> {
    match features {
        FeatureMatrix::Dense(matrix) => {
            let width = matrix.columns();
            matrix.values()[range.start * width..range.end * width].to_vec()
        }
        sparse => {
            let nodes: Vec<u32> = range.map(|n| n as u32).collect();
            cinder_graph::gather_feature_rows(sparse, &nodes)
        }
    }
}

fn matrix(values: Vec<f32>, rows: usize, device: &Device) -> Result<Tensor<2>> {
    let width = values.len().checked_div(rows).unwrap_or(0);
    if width * rows != values.len() {
        return Err(NnError::ShapeMismatch {
            what: "a chunk of layer-wise inference".into(),
            expected: rows * width,
            actual: values.len(),
        });
    }
    Ok(Tensor::from_data(
        TensorData::new(values, [rows, width]),
        device,
    ))
}

pub(crate) fn values(tensor: Tensor<2>) -> Result<Vec<f32>> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| NnError::Empty(format!("tensor values ({e:?})")))
}
