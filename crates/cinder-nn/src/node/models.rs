//! The node-classification models beyond the GCN — GAT, GATv2, GraphSAGE, SGC, APPNP and
//! ChebNet — each as its paper trains it on the Planetoid citation graphs, behind one
//! [`NodeModel`] the training loop drives.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use cinder_graph::Graph;

use crate::conv::appnp::{Appnp, AppnpConfig};
use crate::conv::attention_edges::AttentionEdges;
use crate::conv::cheb::{ChebConv, ChebConvConfig};
use crate::conv::gat::{GatConv, GatConvConfig};
use crate::conv::gatv2::{Gatv2Conv, Gatv2ConvConfig};
use crate::conv::sage::{SageConv, SageConvConfig};
use crate::conv::sg::{SgConv, SgConvConfig};
use crate::error::{NnError, Result};
use crate::init::derive_seed;
use crate::init::seeded_linear;
use crate::node::config::{NodeModelConfig, NodeModelKind};
use crate::node::gcn::{NodeFeatures, NodeGcn, NodeGcnConfig};
use crate::ops::dropout::dropout;
use crate::ops::elu::elu;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// The propagation structure a model needs, built once per graph.
#[derive(Debug, Clone)]
pub enum NodePropagation {
    /// A sparse operator (GCN, SAGE mean, SGC/APPNP GCN operator, Chebyshev Laplacian).
    Operator(SparseOperator),
    /// Attention edges (GAT, GATv2).
    Attention(AttentionEdges),
}

impl NodePropagation {
    fn operator(&self) -> Result<&SparseOperator> {
        match self {
            Self::Operator(operator) => Ok(operator),
            Self::Attention(_) => Err(NnError::InvalidOption {
                option: "propagation",
                reason: "this model needs a sparse operator, not attention edges".into(),
            }),
        }
    }

    fn attention(&self) -> Result<&AttentionEdges> {
        match self {
            Self::Attention(edges) => Ok(edges),
            Self::Operator(_) => Err(NnError::InvalidOption {
                option: "propagation",
                reason: "an attention model needs attention edges, not an operator".into(),
            }),
        }
    }
}

/// Two-layer GAT / GATv2: dropout → attention (heads concatenated) → ELU → dropout →
/// attention (output heads averaged).
#[derive(Module, Debug)]
pub struct NodeGat {
    /// First layer (GAT).
    pub conv1: Option<GatConv>,
    /// Output layer (GAT).
    pub conv2: Option<GatConv>,
    /// First layer (GATv2).
    pub conv1_v2: Option<Gatv2Conv>,
    /// Output layer (GATv2).
    pub conv2_v2: Option<Gatv2Conv>,
    /// Dropout on the layer inputs.
    pub dropout: f32,
}

/// Two-layer GraphSAGE (mean): SAGE → ReLU → dropout → SAGE.
#[derive(Module, Debug)]
pub struct NodeSage {
    /// First layer.
    pub conv1: SageConv,
    /// Output layer.
    pub conv2: SageConv,
    /// Dropout on the layer inputs.
    pub dropout: f32,
}

/// SGC: `softmax(Ŝ^K X Θ)`.
#[derive(Module, Debug)]
pub struct NodeSgc {
    /// The layer (propagation cached).
    pub conv: SgConv,
}

/// APPNP: `Z = APPNP(MLP(X))`, MLP = dropout → linear → ReLU → dropout → linear.
#[derive(Module, Debug)]
pub struct NodeAppnp {
    /// First MLP layer.
    pub linear1: Linear,
    /// Second MLP layer.
    pub linear2: Linear,
    /// The propagation.
    pub propagation: Appnp,
    /// Dropout on the MLP inputs.
    pub dropout: f32,
}

/// Two-layer ChebNet: Cheb → ReLU → dropout → Cheb.
#[derive(Module, Debug)]
pub struct NodeCheb {
    /// First layer.
    pub conv1: ChebConv,
    /// Output layer.
    pub conv2: ChebConv,
    /// Dropout on the layer inputs.
    pub dropout: f32,
}

/// Any node-classification model cinder trains.
// Burn modules cannot be boxed; one model exists per training run, so the size is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum NodeModel {
    /// GCN.
    Gcn(NodeGcn),
    /// GAT or GATv2.
    Gat(NodeGat),
    /// GraphSAGE.
    Sage(NodeSage),
    /// SGC.
    Sgc(NodeSgc),
    /// APPNP.
    Appnp(NodeAppnp),
    /// ChebNet.
    Cheb(NodeCheb),
}

impl NodeModelConfig {
    /// Builds the model for `in_features` inputs and `classes` outputs.
    pub fn init(
        &self,
        in_features: usize,
        classes: usize,
        seed: u64,
        device: &Device,
    ) -> Result<NodeModel> {
        self.check()?;
        let seed1 = derive_seed(seed, 1);
        let seed2 = derive_seed(seed, 2);
        let (hidden, dropout, k) = (self.hidden, self.dropout, self.hops());
        Ok(match self.kind {
            NodeModelKind::Gcn => NodeModel::Gcn(
                NodeGcnConfig::new(in_features, classes)
                    .with_hidden(hidden)
                    .with_dropout(dropout)
                    .with_seed(seed)
                    .init(device),
            ),
            NodeModelKind::Gat => NodeModel::Gat(NodeGat {
                conv1: Some(
                    GatConvConfig::new(in_features, hidden)
                        .with_heads(self.heads)
                        .with_dropout(dropout)
                        .with_seed(seed1)
                        .init(device),
                ),
                conv2: Some(
                    GatConvConfig::new(hidden * self.heads, classes)
                        .with_heads(self.output_heads)
                        .with_concat(false)
                        .with_dropout(dropout)
                        .with_seed(seed2)
                        .init(device),
                ),
                conv1_v2: None,
                conv2_v2: None,
                dropout,
            }),
            NodeModelKind::Gatv2 => NodeModel::Gat(NodeGat {
                conv1: None,
                conv2: None,
                conv1_v2: Some(
                    Gatv2ConvConfig::new(in_features, hidden)
                        .with_heads(self.heads)
                        .with_dropout(dropout)
                        .with_seed(seed1)
                        .init(device),
                ),
                conv2_v2: Some(
                    Gatv2ConvConfig::new(hidden * self.heads, classes)
                        .with_heads(self.output_heads)
                        .with_concat(false)
                        .with_dropout(dropout)
                        .with_seed(seed2)
                        .init(device),
                ),
                dropout,
            }),
            NodeModelKind::Sage => NodeModel::Sage(NodeSage {
                conv1: SageConvConfig::new(in_features, hidden)
                    .with_seed(seed1)
                    .init(device),
                conv2: SageConvConfig::new(hidden, classes)
                    .with_seed(seed2)
                    .init(device),
                dropout,
            }),
            NodeModelKind::Sgc => NodeModel::Sgc(NodeSgc {
                conv: SgConvConfig::new(in_features, classes)
                    .with_k(k)
                    .with_cached(true)
                    .with_seed(seed1)
                    .init(device),
            }),
            NodeModelKind::Appnp => NodeModel::Appnp(NodeAppnp {
                linear1: seeded_linear(in_features, hidden, true, seed1, device),
                linear2: seeded_linear(hidden, classes, true, seed2, device),
                propagation: AppnpConfig::new().with_k(k).with_alpha(self.alpha).init()?,
                dropout,
            }),
            NodeModelKind::Cheb => NodeModel::Cheb(NodeCheb {
                conv1: ChebConvConfig::new(in_features, hidden, k)
                    .with_seed(seed1)
                    .init(device)?,
                conv2: ChebConvConfig::new(hidden, classes, k)
                    .with_seed(seed2)
                    .init(device)?,
                dropout,
            }),
        })
    }
}

/// The structure `kind` propagates over on `graph`.
pub fn node_propagation(kind: NodeModelKind, graph: &Graph) -> Result<NodePropagation> {
    Ok(match kind {
        NodeModelKind::Gcn | NodeModelKind::Sgc | NodeModelKind::Appnp => {
            NodePropagation::Operator(SgConv::operator(graph)?)
        }
        NodeModelKind::Sage => NodePropagation::Operator(SageConv::operator(graph)?),
        NodeModelKind::Cheb => NodePropagation::Operator(ChebConv::operator(graph, 2.0)?),
        NodeModelKind::Gat | NodeModelKind::Gatv2 => {
            NodePropagation::Attention(AttentionEdges::new(graph, true)?)
        }
    })
}

/// `X W (+ b)` for dense or sparse `X` (a sparse `X` is never densified).
fn input_linear(
    features: &NodeFeatures,
    weight: Tensor<2>,
    bias: Option<Tensor<1>>,
) -> Result<Tensor<2>> {
    let product = match features {
        NodeFeatures::Sparse(x) => propagate(x, weight)?,
        NodeFeatures::Dense(x) => (**x).clone().matmul(weight),
    };
    Ok(match bias {
        Some(bias) => product + bias.unsqueeze_dim(0),
        None => product,
    })
}

fn optional_bias(linear: &Linear) -> Option<Tensor<1>> {
    linear.bias.as_ref().map(Param::val)
}

fn maybe_dropout(x: Tensor<2>, p: f32, seed: Option<u64>) -> Result<Tensor<2>> {
    match seed {
        Some(seed) => dropout(x, p, seed),
        None => Ok(x),
    }
}

impl NodeModel {
    /// Class logits for every node. `dropout_seed = Some(..)` trains, `None` evaluates.
    pub fn forward(
        &self,
        propagation: &NodePropagation,
        features: &NodeFeatures,
        dropout_seed: Option<u64>,
    ) -> Result<Tensor<2>> {
        let seed = |purpose| dropout_seed.map(|s| derive_seed(s, purpose));
        match self {
            Self::Gcn(model) => model.forward(propagation.operator()?, features, dropout_seed),
            Self::Gat(model) => model.forward(propagation.attention()?, features, dropout_seed),
            Self::Sage(model) => {
                let operator = propagation.operator()?;
                let root = model.conv1.linear_root.as_ref();
                let neighbours = &model.conv1.linear_neighbours;
                // mean(X) W = S (X W): the sparse input is multiplied once per weight.
                let x = features.dropped(model.dropout, seed(1))?;
                let projected = input_linear(&x, neighbours.weight.val(), None)?;
                let mut hidden = propagate(operator, projected)?;
                if let Some(bias) = optional_bias(neighbours) {
                    hidden = hidden + bias.unsqueeze_dim(0);
                }
                if let Some(root) = root {
                    hidden = hidden + input_linear(&x, root.weight.val(), None)?;
                }
                let hidden = maybe_dropout(relu(hidden), model.dropout, seed(2))?;
                model.conv2.forward(operator, hidden)
            }
            Self::Sgc(model) => {
                let dense = features.dense()?;
                model.conv.forward(propagation.operator()?, dense)
            }
            Self::Appnp(model) => {
                let x = features.dropped(model.dropout, seed(1))?;
                let hidden = input_linear(
                    &x,
                    model.linear1.weight.val(),
                    optional_bias(&model.linear1),
                )?;
                let hidden = maybe_dropout(relu(hidden), model.dropout, seed(2))?;
                let logits = model.linear2.forward(hidden);
                model.propagation.forward(propagation.operator()?, logits)
            }
            Self::Cheb(model) => {
                let operator = propagation.operator()?;
                let x = maybe_dropout(features.dense()?, model.dropout, seed(1))?;
                let hidden = relu(model.conv1.forward(operator, x)?);
                let hidden = maybe_dropout(hidden, model.dropout, seed(2))?;
                model.conv2.forward(operator, hidden)
            }
        }
    }

    /// The parameters under the L2 penalty: the first layer's weights for GCN (Kipf & Welling),
    /// every parameter for the others (PyTorch's Adam `weight_decay`, as the papers' code and
    /// PyG's examples train them).
    pub fn penalized(&self) -> Vec<Tensor<2>> {
        match self {
            Self::Gcn(model) => vec![model.conv1.weight.val()],
            other => {
                let mut collector = Collector(Vec::new());
                other.visit(&mut collector);
                collector.0
            }
        }
    }

    /// The hops a node's prediction depends on: 2 for the two-layer models, `K` for SGC and
    /// APPNP, `2 (K − 1)` for two Chebyshev layers of filter size `K`.
    pub fn hops(&self) -> usize {
        match self {
            Self::Gcn(_) | Self::Gat(_) | Self::Sage(_) => 2,
            Self::Sgc(model) => model.conv.k,
            Self::Appnp(model) => model.propagation.k,
            Self::Cheb(model) => {
                model.conv1.weights.len().saturating_sub(1)
                    + model.conv2.weights.len().saturating_sub(1)
            }
        }
    }

    /// Evaluation logits on `operator` and dense `x`: `operator` is the structure
    /// [`node_propagation`] builds for this model's kind (for GAT/GATv2, its attention edges'
    /// structure), possibly restricted to a subgraph and carrying an explainer's multipliers —
    /// how a trained node model is explained. SGC's cache is bypassed: a cached `Ŝ^K X` would
    /// ignore the multipliers.
    pub fn forward_on(&self, operator: &SparseOperator, x: Tensor<2>) -> Result<Tensor<2>> {
        let features = NodeFeatures::Dense(Box::new(x));
        match self {
            Self::Gat(_) => self.forward(
                &NodePropagation::Attention(AttentionEdges::from_operator(operator)?),
                &features,
                None,
            ),
            Self::Sgc(model) => {
                let mut propagated = features.dense()?;
                for _ in 0..model.conv.k {
                    propagated = propagate(operator, propagated)?;
                }
                Ok(model.conv.linear.forward(propagated))
            }
            _ => self.forward(
                &NodePropagation::Operator(operator.clone()),
                &features,
                None,
            ),
        }
    }

    /// The GCN inside, if this is one.
    pub fn into_gcn(self) -> Option<NodeGcn> {
        match self {
            Self::Gcn(model) => Some(model),
            _ => None,
        }
    }
}

/// Collects every float parameter as a 2-D tensor (vectors as one row).
struct Collector(Vec<Tensor<2>>);

impl burn::module::ModuleVisitor for Collector {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let count = value.shape().num_elements();
        self.0.push(value.reshape([1, count]));
    }
}

impl NodeGat {
    fn forward(
        &self,
        edges: &AttentionEdges,
        features: &NodeFeatures,
        dropout_seed: Option<u64>,
    ) -> Result<Tensor<2>> {
        let seed = |purpose| dropout_seed.map(|s| derive_seed(s, purpose));
        let x = features.dropped(self.dropout, seed(1))?;
        let hidden = match (&self.conv1, &self.conv1_v2) {
            (Some(conv), _) => {
                let transformed = input_linear(&x, conv.weight.val(), None)?;
                conv.attend(edges, transformed, None, seed(2))?.output
            }
            (None, Some(conv)) => {
                let source = input_linear(
                    &x,
                    conv.linear_source.weight.val(),
                    optional_bias(&conv.linear_source),
                )?;
                let target = input_linear(
                    &x,
                    conv.linear_target.weight.val(),
                    optional_bias(&conv.linear_target),
                )?;
                conv.attend(edges, source, target, seed(2))?.output
            }
            (None, None) => return Err(NnError::Empty("GAT model layers".into())),
        };
        let hidden = maybe_dropout(elu(hidden, 1.0), self.dropout, seed(3))?;
        match (&self.conv2, &self.conv2_v2) {
            (Some(conv), _) => conv.forward(edges, hidden, seed(4)),
            (None, Some(conv)) => conv.forward(edges, hidden, seed(4)),
            (None, None) => Err(NnError::Empty("GAT model layers".into())),
        }
    }
}
