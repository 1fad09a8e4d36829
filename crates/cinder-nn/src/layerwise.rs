//! Exact layer-wise inference (as DGL's and PyG's large-graph examples evaluate): layer 1 for
//! every node in chunks, then layer 2 from layer 1's outputs, each with full neighbourhoods —
//! the full-batch forward pass without ever holding a whole-graph operator or a sampled
//! computation graph. Memory: the features, one `nodes x hidden` buffer per layer and a chunk.

use std::ops::Range;

use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{BlockWeights, FeatureMatrix, FullAggregation, InNeighbours};

use crate::error::{NnError, Result};
use crate::gcn_conv::GcnConv;
use crate::node_models::NodeModel;
use crate::sage_conv::SageConv;

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

    /// Layer `layer` (0 or 1) applied to already aggregated rows and (for SAGE's root term) the
    /// same nodes' own input rows.
    pub(crate) fn combine(
        &self,
        layer: usize,
        aggregated: Tensor<2>,
        own: Option<Tensor<2>>,
    ) -> Tensor<2> {
        match self {
            Self::Sage(first, second) => {
                let conv = if layer == 0 { first } else { second };
                let output = conv.linear_neighbours.forward(aggregated);
                match (&conv.linear_root, own) {
                    (Some(root), Some(own)) => output + root.forward(own),
                    _ => output,
                }
            }
            Self::Gcn(first, second) => {
                let conv = if layer == 0 { first } else { second };
                let output = aggregated.matmul(conv.weight.val());
                match &conv.bias {
                    Some(bias) => output + bias.val().unsqueeze_dim(0),
                    None => output,
                }
            }
        }
    }

    /// The first layer on prepared rows: `[mean | x] · [W_l; W_r] + b` for SAGE with a root
    /// term, `aggregated · W + b` otherwise (see the mini-batch worker).
    pub(crate) fn first_layer_joined(&self, inputs: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Sage(conv, _) => {
                let neighbours = &conv.linear_neighbours;
                let weight = match &conv.linear_root {
                    Some(root) => Tensor::cat(vec![neighbours.weight.val(), root.weight.val()], 0),
                    None => neighbours.weight.val(),
                };
                let output = inputs.matmul(weight);
                match &neighbours.bias {
                    Some(bias) => output + bias.val().unsqueeze_dim(0),
                    None => output,
                }
            }
            Self::Gcn(..) => self.combine(0, inputs, None),
        }
    }

    pub(crate) fn needs_own_rows(&self) -> bool {
        matches!(self, Self::Sage(conv, _) if conv.linear_root.is_some())
    }
}

/// Class logits of every node (row-major, `nodes x classes`) by exact layer-wise inference of
/// `model` (a SAGE or GCN [`NodeModel`], evaluated without dropout) on `graph`'s full
/// neighbourhoods, `chunk` destination nodes at a time. Equals the full-batch forward pass on the
/// same graph (up to float rounding). `device` is a plain (non-autodiff) device.
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

    let mut hidden: Vec<f32> = Vec::new();
    let mut hidden_width = 0;
    for range in chunks() {
        let aggregated = aggregation.features(features, range.clone());
        let own = layers
            .needs_own_rows()
            .then(|| own_feature_rows(features, range.clone()));
        let output = relu(
            layers.combine(
                0,
                matrix(aggregated, range.len(), device)?,
                own.map(|own| matrix(own, range.len(), device))
                    .transpose()?,
            ),
        );
        hidden_width = output.dims()[1];
        hidden.extend(values(output)?);
    }
    let mut logits = Vec::new();
    for range in chunks() {
        let aggregated = aggregation.dense(&hidden, hidden_width, range.clone());
        let own = layers
            .needs_own_rows()
            .then(|| hidden[range.start * hidden_width..range.end * hidden_width].to_vec());
        let output = layers.combine(
            1,
            matrix(aggregated, range.len(), device)?,
            own.map(|own| matrix(own, range.len(), device))
                .transpose()?,
        );
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
    let width = if rows == 0 { 0 } else { values.len() / rows };
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
