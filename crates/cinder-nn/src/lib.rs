//! # cinder-nn
//!
//! Graph neural-network layers on Burn:
//!
//! - [`propagate`]: a differentiable sparse-dense product `S · X` (custom autodiff op with a
//!   multithreaded CPU kernel on Flex, Burn tensor ops elsewhere);
//! - layers [`GcnConv`], [`GinConv`], [`SageConv`], [`GraphConv`], the propagation layers
//!   [`SgConv`], [`Appnp`], [`ChebConv`], [`TagConv`], the edge layer [`EdgeConv`], and graph
//!   attention [`GatConv`] / [`Gatv2Conv`] on the fused sparse op [`attention_aggregate`];
//! - graph [`readout`]s (mean, sum, max);
//! - cheap [`dropout`] and [`sparse_dropout`];
//! - node classification ([`NodeGcn`], [`train_node_classifier`]) with accuracy and macro-F1,
//!   full-batch or on sampled mini-batches ([`minibatch`]) with exact [`layerwise_inference`];
//! - explanations: GNNExplainer ([`explain`]) on operators with tracked edge multipliers
//!   ([`SparseOperator::with_multipliers`]), fidelity and ROC AUC against ground truth, and the
//!   [`JkGcn`] of its synthetic benchmarks;
//! - graph classification: cached mini-batches ([`GraphSet`]), GCN / GIN / relational GCN models
//!   ([`GraphClassifier`]), k-fold cross-validation ([`cross_validate`]) and model selection
//!   inside each fold ([`ConfigGrid`]).
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

mod activation;
mod appnp;
mod attention;
mod attention_edges;
mod attention_kernel;
mod cheb_conv;
mod cross_validation;
mod device;
mod dropout;
mod dropout_mask;
mod edge_ablation;
mod edge_conv;
mod error;
mod explain;
mod explain_graphs;
mod explain_metrics;
mod explain_nodes;
mod flex;
mod gat_conv;
mod gatv2_conv;
mod gatv2_scores;
mod gcn_conv;
mod gin_conv;
mod graph_batches;
mod graph_classification;
mod graph_conv;
mod graph_models;
mod graph_training_config;
mod init;
mod jk_gcn;
mod kernel;
mod layerwise;
mod linear_relu_dropout;
mod metrics;
pub mod minibatch;
mod model_selection;
mod node_classification;
mod node_models;
mod node_training;
mod operator;
mod propagate;
mod propagate_scaled;
mod random;
mod readout;
mod relational_conv;
mod sage_conv;
mod sg_conv;
pub mod statistics;
mod tag_conv;

pub use activation::elu;
pub use appnp::{Appnp, AppnpConfig};
pub use attention::{
    AttentionOptions, AttentionOutput, attention_aggregate, attention_aggregate_generic,
};
pub use attention_edges::AttentionEdges;
pub use cheb_conv::{ChebConv, ChebConvConfig};
pub use cross_validation::{
    CrossValidationReport, cross_validate, cross_validate_parallel, cross_validate_resuming,
    train_graph_fold,
};
pub use device::{DeviceChoice, describe_device};
pub use dropout::{dropout, sparse_dropout};
pub use edge_ablation::{EdgeAblation, edge_ablation, without_edges};
pub use edge_conv::{EdgeConv, EdgeConvConfig, EdgeNeighbourhood};
pub use error::{NnError, Result};
pub use explain::{EntropyMean, ExplainerConfig, Explanation, ExplanationTarget, explain};
pub use explain_graphs::{ExplainedGraph, explain_graph};
pub use explain_metrics::{EdgeSelection, fidelity, mask_mass_share, prediction_changes, roc_auc};
pub use explain_nodes::{ExplainedNode, NodeExplanations, explain_nodes, explain_nodes_of};
pub use gat_conv::{GatConv, GatConvConfig};
pub use gatv2_conv::{Gatv2Conv, Gatv2ConvConfig};
pub use gatv2_scores::{gatv2_scores, gatv2_scores_generic};
pub use gcn_conv::{GcnConv, GcnConvConfig};
pub use gin_conv::{GinConv, GinConvConfig};
pub use graph_batches::{
    GraphMiniBatch, GraphSet, InputFeatures, Propagation, resolve_auto_features,
};
pub use graph_classification::{FoldReport, GraphEpochRecord, TrainingEvent};
pub use graph_conv::{GraphConv, GraphConvConfig};
pub use graph_models::{
    GraphClassifier, GraphGcn, GraphGin, GraphModelKind, GraphModelOptions, GraphRgcn,
};
pub use graph_training_config::{
    BatchNormStatistics, CandidateScore, ConfigGrid, FoldSelection, GraphTrainingConfig,
    MAX_GRID_SIZE, Selection,
};
pub use jk_gcn::{JkGcn, JkGcnTraining, TrainedJkGcn, evaluate_jk_gcn, train_jk_gcn};
pub use layerwise::layerwise_inference;
pub use linear_relu_dropout::linear_relu_dropout;
pub use metrics::{accuracy, argmax_rows, confusion_matrix, macro_f1};
pub use minibatch::{SampledTiming, SamplingConfig, train_node_model_sampled, train_sampled};
pub use node_classification::{NodeFeatures, NodeGcn, NodeGcnConfig};
pub use node_models::{
    NodeAppnp, NodeCheb, NodeGat, NodeModel, NodeModelKind, NodeModelOptions, NodePropagation,
    NodeSage, NodeSgc, node_propagation,
};
pub use node_training::{
    EpochRecord, NodeTrainingConfig, NodeTrainingReport, train_node_classifier, train_node_model,
    train_node_model_observed, train_node_model_on_csr,
};
pub use operator::SparseOperator;
pub use propagate::{propagate, propagate_generic};
pub use readout::{Readout, readout};
pub use relational_conv::{RelationalGcnConv, RelationalGcnConvConfig};
pub use sage_conv::{SageConv, SageConvConfig};
pub use sg_conv::{SgConv, SgConvConfig};
pub use statistics::{mean, mean_std, median, std};
pub use tag_conv::{TagConv, TagConvConfig};
