//! The one error type of `cinder-graph`: every message names the index, field or value at fault.

/// Why a graph, a matrix or a batch could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// An edge points at a node that does not exist.
    #[error(
        "edge {edge} ({source_node} -> {target_node}) has an endpoint out of range: the graph has {num_nodes} nodes (ids 0..{num_nodes})"
    )]
    NodeOutOfRange {
        /// Position of the edge in the edge list.
        edge: usize,
        /// Source endpoint as given.
        source_node: usize,
        /// Target endpoint as given.
        target_node: usize,
        /// Number of nodes in the graph.
        num_nodes: usize,
    },
    /// A per-node or per-edge array does not have one entry per node or edge.
    #[error("{field} has {actual} entries but the graph has {expected} {per}")]
    LengthMismatch {
        /// Which array, e.g. `"node features"` or `"edge weights"`.
        field: &'static str,
        /// What its length should be.
        expected: usize,
        /// What its length is.
        actual: usize,
        /// `"nodes"` or `"edges"`.
        per: &'static str,
    },
    /// A feature value is NaN or infinite.
    #[error("node feature at row {row}, column {column} is {value}: features must be finite")]
    NonFiniteFeature {
        /// Node (row) index.
        row: usize,
        /// Feature (column) index.
        column: usize,
        /// The offending value.
        value: f32,
    },
    /// An edge weight is NaN or infinite.
    #[error("edge {edge} has weight {value}: edge weights must be finite")]
    NonFiniteWeight {
        /// Position of the edge (or stored entry of a matrix).
        edge: usize,
        /// The offending value.
        value: f32,
    },
    /// A negative weight where the operation needs non-negative ones (a degree would be negative).
    #[error("edge {edge} has negative weight {value}; {operation} needs non-negative edge weights")]
    NegativeWeight {
        /// Position of the edge (or stored entry of a matrix).
        edge: usize,
        /// The offending value.
        value: f32,
        /// The operation that refused it.
        operation: &'static str,
    },
    /// The operation needs at least one node (or one graph).
    #[error("{operation} needs a non-empty input, got {what}")]
    Empty {
        /// The operation that refused it.
        operation: &'static str,
        /// What was empty.
        what: &'static str,
    },
    /// More nodes than cinder's 32-bit node ids can address.
    #[error("{num_nodes} nodes exceed the limit of {} node ids", u32::MAX)]
    TooManyNodes {
        /// Requested number of nodes.
        num_nodes: usize,
    },
    /// A dense matrix whose buffer does not match its shape.
    #[error("dense matrix of shape {rows}x{columns} needs {} values, got {actual}", rows * columns)]
    DenseShape {
        /// Rows requested.
        rows: usize,
        /// Columns requested.
        columns: usize,
        /// Values supplied.
        actual: usize,
    },
    /// A matrix that must be square (an adjacency or propagation matrix) is not.
    #[error("{what} must be square, got {rows}x{columns}")]
    NotSquare {
        /// Which matrix.
        what: &'static str,
        /// Rows.
        rows: usize,
        /// Columns.
        columns: usize,
    },
    /// A sparse matrix is not a valid CSR matrix (unsorted or out-of-range indices, bad indptr).
    #[error("invalid CSR matrix for {what}: {reason}")]
    InvalidSparse {
        /// Which matrix.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An undirected graph was requested from a matrix that is not symmetric.
    #[error(
        "adjacency entry ({row}, {column}) = {value} has no mirror entry ({column}, {row}) with the same value; an undirected graph needs a symmetric matrix"
    )]
    NotSymmetric {
        /// Row of the unmatched entry.
        row: usize,
        /// Column of the unmatched entry.
        column: usize,
        /// Its value.
        value: f32,
    },
    /// A categorical label is not below the number of classes.
    #[error("{field}[{index}] = {label} is out of range for {num_classes} classes")]
    LabelOutOfRange {
        /// Which labels.
        field: &'static str,
        /// Position of the label.
        index: usize,
        /// The label.
        label: usize,
        /// Number of classes allowed.
        num_classes: usize,
    },
    /// A node index (in a split or a mask) that is not a node of the graph.
    #[error("{field}[{index}] = {node} is not a node of a graph with {num_nodes} nodes")]
    NodeIndexOutOfRange {
        /// Which list of nodes.
        field: &'static str,
        /// Position in the list.
        index: usize,
        /// The offending node id.
        node: usize,
        /// Number of nodes.
        num_nodes: usize,
    },
    /// Graphs that cannot share one batch (different feature widths, some weighted and some not…).
    #[error("graph {graph} cannot join the batch: {reason}")]
    IncompatibleBatch {
        /// Index of the first graph that disagrees with graph 0.
        graph: usize,
        /// What disagrees.
        reason: String,
    },
    /// A cross-validation fold or hold-out split that cannot be made or used.
    #[error("invalid split: {0}")]
    InvalidSplit(String),
    /// A numeric parameter outside its domain.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
}

/// Result alias of `cinder-graph`.
pub type Result<T> = std::result::Result<T, GraphError>;
