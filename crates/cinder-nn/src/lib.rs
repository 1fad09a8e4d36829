//! # cinder-nn
//!
//! Graph neural-network layers on Burn: a differentiable sparse propagation operator
//! ([`propagate`]) with a multithreaded CPU kernel and a backend-generic fallback.

mod dropout;
mod error;
mod flex;
mod gcn_conv;
mod kernel;
mod metrics;
mod node_classification;
mod operator;
mod propagate;
mod random;

pub use dropout::{dropout, sparse_dropout};
pub use error::{NnError, Result};
pub use gcn_conv::{GcnConv, GcnConvConfig};
pub use metrics::{accuracy, argmax_rows, confusion_matrix, macro_f1};
pub use node_classification::{
    EpochRecord, NodeFeatures, NodeGcn, NodeGcnConfig, NodeTrainingConfig, NodeTrainingReport,
    train_node_classifier,
};
pub use operator::SparseOperator;
pub use propagate::{propagate, propagate_generic};
