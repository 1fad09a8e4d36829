//! # cinder-nn
//!
//! Graph neural-network layers on Burn:
//!
//! - [`propagate`]: a differentiable sparse-dense product `S · X` (custom autodiff op with a
//!   multithreaded CPU kernel on Flex, Burn tensor ops elsewhere);
//! - layers [`GcnConv`], [`GinConv`], [`SageConv`] and graph [`readout`]s (mean, sum, max);
//! - cheap [`dropout`] and [`sparse_dropout`];
//! - node classification ([`NodeGcn`], [`train_node_classifier`]) with accuracy and macro-F1;
//! - graph classification: cached mini-batches ([`GraphSet`]), GCN / GIN / relational GCN models
//!   ([`GraphClassifier`]) and k-fold cross-validation ([`cross_validate`]).

mod dropout;
mod error;
mod flex;
mod gcn_conv;
mod gin_conv;
mod graph_batches;
mod graph_classification;
mod graph_models;
mod init;
mod kernel;
mod metrics;
mod node_classification;
mod operator;
mod propagate;
mod random;
mod readout;
mod relational_conv;
mod sage_conv;

pub use dropout::{dropout, sparse_dropout};
pub use error::{NnError, Result};
pub use gcn_conv::{GcnConv, GcnConvConfig};
pub use gin_conv::{GinConv, GinConvConfig};
pub use graph_batches::{GraphMiniBatch, GraphSet, InputFeatures, Propagation};
pub use graph_classification::{
    CrossValidationReport, FoldReport, GraphEpochRecord, GraphTrainingConfig, Selection,
    TrainingEvent, cross_validate, cross_validate_resuming, train_graph_fold,
};
pub use graph_models::{
    GraphClassifier, GraphGcn, GraphGin, GraphModelKind, GraphModelOptions, GraphRgcn,
};
pub use metrics::{accuracy, argmax_rows, confusion_matrix, macro_f1};
pub use node_classification::{
    EpochRecord, NodeFeatures, NodeGcn, NodeGcnConfig, NodeTrainingConfig, NodeTrainingReport,
    train_node_classifier,
};
pub use operator::SparseOperator;
pub use propagate::{propagate, propagate_generic};
pub use readout::{Readout, readout};
pub use relational_conv::{RelationalGcnConv, RelationalGcnConvConfig};
pub use sage_conv::{SageConv, SageConvConfig};
