//! The one error type of `cinder-nn`.

use cinder_graph::GraphError;

/// Why a layer, a model or a training run could not proceed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NnError {
    /// A graph-level problem (invalid graph, normalization refused).
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// An operator value is NaN or infinite.
    #[error("sparse operator entry {position} is {value}: values must be finite")]
    NonFiniteOperator {
        /// Position in CSR order.
        position: usize,
        /// The value.
        value: f32,
    },
    /// More stored entries than 32-bit entry ids can address.
    #[error(
        "sparse operator has {nnz} stored entries, more than {} supported",
        u32::MAX
    )]
    TooManyEntries {
        /// Stored entries.
        nnz: usize,
    },
    /// Two shapes that must agree do not.
    #[error("{what}: expected {expected}, got {actual}")]
    ShapeMismatch {
        /// What was being combined.
        what: String,
        /// Expected size.
        expected: usize,
        /// Actual size.
        actual: usize,
    },
    /// A label is not below the number of classes.
    #[error("label of node {node} is {label}, but the model has {num_classes} classes")]
    LabelOutOfRange {
        /// Node index.
        node: usize,
        /// The label.
        label: usize,
        /// Number of classes.
        num_classes: usize,
    },
    /// A graph without nodes where each graph must pool to a vector.
    #[error(
        "graph {graph} has no nodes: a readout (mean, sum or max over its nodes) is undefined; drop empty graphs from the dataset"
    )]
    EmptyGraph {
        /// Index of the graph (in its batch or dataset).
        graph: usize,
    },
    /// Something that must not be empty is.
    #[error("{0} is empty")]
    Empty(String),
    /// A compute device that cannot be used: its backend is not compiled in, or it has no usable
    /// adapter.
    #[error("device {device} is not available: {reason}")]
    DeviceUnavailable {
        /// The device as named (`wgpu:0`).
        device: String,
        /// Why, and what to do about it.
        reason: String,
    },
    /// An option value outside its domain.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Training produced a non-finite loss (a learning rate too large, exploding inputs).
    #[error(
        "training diverged at epoch {epoch}: the {what} is not finite; lower the learning rate or check the inputs"
    )]
    Diverged {
        /// The epoch (from 1).
        epoch: usize,
        /// Which quantity.
        what: String,
    },
    /// Reading or writing a checkpoint failed.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// Result alias of `cinder-nn`.
pub type Result<T> = std::result::Result<T, NnError>;

/// `Ok` when a size is as expected, else a [`NnError::ShapeMismatch`] naming `what`.
pub(crate) fn check_size(what: &str, expected: usize, actual: usize) -> Result<()> {
    if expected != actual {
        return Err(NnError::ShapeMismatch {
            what: what.into(),
            expected,
            actual,
        });
    }
    Ok(())
}

/// Fails with [`NnError::ShapeMismatch`] unless a layer receives the feature width it was built for.
pub(crate) fn check_width(what: &str, expected: usize, actual: usize) -> Result<()> {
    check_size(&format!("{what} (columns)"), expected, actual)
}
