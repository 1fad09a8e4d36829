//! # cinder-nn
//!
//! Graph neural-network layers and their training on Burn, as folders that say what they hold:
//!
//! - `ops/`: the custom autodiff ops, one file each — the differentiable sparse-dense product
//!   [`propagate`], fused graph attention [`attention_aggregate`], GATv2 scores
//!   [`gatv2_scores`], [`linear_relu_dropout`], [`dropout`] / [`sparse_dropout`], [`elu`] — with
//!   their host kernels in `ops/kernels/` and one dispatch (`ops/dispatch.rs`) choosing autodiff
//!   Flex, plain Flex or Burn's generic ops; [`SparseOperator`] is what they run on;
//! - `conv/`: one layer per file — [`GcnConv`], [`GinConv`], [`SageConv`], [`GraphConv`], the
//!   propagation layers [`SgConv`], [`Appnp`], [`ChebConv`], [`TagConv`], the edge layer
//!   [`EdgeConv`], graph attention [`GatConv`] / [`Gatv2Conv`] and [`RelationalGcnConv`];
//! - `node/`: node classification ([`NodeGcn`], [`NodeModel`], [`train_node_classifier`],
//!   [`train_node_model`]) with accuracy and macro-F1, full-batch or on sampled mini-batches
//!   ([`minibatch`]) with exact [`layerwise_inference`];
//! - `graph_level/`: graph classification — cached mini-batches ([`GraphSet`]), [`readout`]s,
//!   GCN / GIN / relational GCN models ([`GraphClassifier`]), k-fold cross-validation
//!   ([`cross_validate`]) and model selection inside each fold ([`ConfigGrid`]);
//! - `link/`: link prediction — GAE / VGAE or any node model as the encoder, a learnable
//!   embedding table, inner-product or MLP decoders ([`LinkModel`], [`train_link_model`]) and the
//!   metrics as scikit-learn and OGB compute them ([`link_auc`], [`average_precision`],
//!   [`hits_at_k`], [`mean_reciprocal_rank`]);
//! - `explain/`: GNNExplainer ([`explain`]) on operators with tracked edge multipliers
//!   ([`SparseOperator::with_multipliers`]), fidelity and ROC AUC against ground truth, and the
//!   [`JkGcn`] of its synthetic benchmarks;
//! - the shared pieces: [`cross_entropy`] (`loss.rs`), [`accuracy`] and friends (`metrics.rs`),
//!   [`statistics`], seeded initialization (`init.rs`), [`DeviceChoice`] (`device.rs`) and the
//!   error type [`NnError`].
//!
//! Every public item is re-exported here, so `cinder_nn::GcnConv` is the path to use; the folders
//! are the map for reading and extending the crate (see `docs/architecture.md`).
//!
//! A GCN layer on a triangle with a pendant node, two features in, three out; every layer takes
//! its operator from the graph once and propagates with it:
//!
//! ```
//! use burn::tensor::{Device, Tensor, TensorData};
//! use cinder_graph::{Direction, Graph};
//! use cinder_nn::GcnConvConfig;
//!
//! let graph = Graph::from_edges(4, [(0, 1), (1, 2), (2, 0), (2, 3)], Direction::Undirected)?;
//! let device = Device::flex();
//! let layer = GcnConvConfig::new(2, 3).with_seed(7).init(&device);
//! let operator = layer.operator(&graph)?;
//! let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32; 8], [4, 2]), &device);
//! let y = layer.forward(&operator, x)?;
//! assert_eq!(y.dims(), [4, 3]);
//! // Nodes 0 and 1 are interchangeable (same neighbours, same input), so their outputs agree;
//! // the pendant node 3 has another degree, so its normalized sum differs.
//! let rows = y.into_data().try_to_vec::<f32>().unwrap();
//! assert!((0..3).all(|j| (rows[j] - rows[3 + j]).abs() < 1e-6));
//! assert!((0..3).any(|j| (rows[j] - rows[9 + j]).abs() > 1e-3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod conv;
mod device;
mod error;
mod explain;
mod graph_level;
mod init;
mod link;
mod loss;
mod metrics;
mod node;
mod ops;
pub mod statistics;

pub use conv::appnp::{Appnp, AppnpConfig};
pub use conv::attention_edges::AttentionEdges;
pub use conv::cheb::{ChebConv, ChebConvConfig};
pub use conv::edge_conv::{EdgeConv, EdgeConvConfig, EdgeNeighbourhood};
pub use conv::gat::{GatConv, GatConvConfig};
pub use conv::gatv2::{Gatv2Conv, Gatv2ConvConfig};
pub use conv::gcn::{GcnConv, GcnConvConfig};
pub use conv::gin::{GinConv, GinConvConfig};
pub use conv::graph_conv::{GraphConv, GraphConvConfig};
pub use conv::relational::{RelationalGcnConv, RelationalGcnConvConfig};
pub use conv::sage::{SageConv, SageConvConfig};
pub use conv::sg::{SgConv, SgConvConfig};
pub use conv::tag::{TagConv, TagConvConfig};
pub use device::{DeviceChoice, describe_device};
pub use error::{NnError, Result};
pub use explain::edge_ablation::{EdgeAblation, edge_ablation, without_edges};
pub use explain::explainer::{
    EntropyMean, ExplainerConfig, Explanation, ExplanationTarget, explain,
};
pub use explain::graphs::{ExplainedGraph, explain_graph};
pub use explain::jk_gcn::{JkGcn, JkGcnTraining, TrainedJkGcn, evaluate_jk_gcn, train_jk_gcn};
pub use explain::metrics::{EdgeSelection, fidelity, mask_mass_share, prediction_changes};
pub use explain::nodes::{ExplainedNode, NodeExplanations, explain_nodes, explain_nodes_of};
pub use graph_level::batches::{
    GraphMiniBatch, GraphSet, InputFeatures, Propagation, resolve_auto_features,
};
pub use graph_level::config::{
    BatchNormStatistics, CandidateScore, ConfigGrid, FoldSelection, GraphTrainingConfig,
    MAX_GRID_SIZE, Selection,
};
pub use graph_level::cross_validation::{
    CrossValidationReport, cross_validate, cross_validate_parallel, cross_validate_resuming,
    train_graph_fold,
};
pub use graph_level::models::{
    GraphClassifier, GraphGcn, GraphGin, GraphModelKind, GraphModelOptions, GraphRgcn,
};
pub use graph_level::readout::{Readout, readout};
pub use graph_level::training::{FoldReport, GraphEpochRecord, TrainingEvent};
pub use link::config::{
    LinkDecoder, LinkEncoder, LinkModelConfig, LinkTrainingConfig, MAX_DENSE_RECONSTRUCTION_NODES,
    NegativeSampler,
};
pub use link::metrics::{
    LinkMetric, LinkScores, average_precision, hits_at_k, link_auc, link_average_precision,
    mean_reciprocal_rank,
};
pub use link::model::{Encoded, LinkModel};
pub use link::report::{DegreeBucket, LinkEpochRecord, LinkTrainingReport};
pub use link::training::{train_link_model, train_link_model_observed};
pub use loss::{Reduction, cross_entropy, cross_entropy_of_labels, one_hot};
pub use metrics::{accuracy, argmax_rows, confusion_matrix, macro_f1, roc_auc};
pub use node::config::{
    NodeModelConfig, NodeModelKind, NodeTrainingConfig, OptimizerConfig, SamplingConfig,
};
pub use node::gcn::{NodeFeatures, NodeGcn, NodeGcnConfig};
pub use node::layerwise::layerwise_inference;
pub use node::minibatch;
pub use node::minibatch::{train_node_model_sampled, train_sampled};
pub use node::models::{
    NodeAppnp, NodeCheb, NodeGat, NodeModel, NodePropagation, NodeSage, NodeSgc, node_propagation,
};
pub use node::report::{EpochRecord, NodeTrainingReport, SampledTiming};
pub use node::training::{
    train_node_classifier, train_node_model, train_node_model_observed, train_node_model_on_csr,
};
pub use ops::attention::{
    AttentionOptions, AttentionOutput, attention_aggregate, attention_aggregate_generic,
};
pub use ops::dropout::{dropout, sparse_dropout};
pub use ops::elu::elu;
pub use ops::gatv2_scores::{gatv2_scores, gatv2_scores_generic};
pub use ops::linear_relu_dropout::linear_relu_dropout;
pub use ops::operator::SparseOperator;
pub use ops::propagate::{propagate, propagate_generic};
pub use statistics::{mean, mean_std, median, std};
