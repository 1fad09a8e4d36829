//! # cinder-graph
//!
//! The graph data model of cinder: [`Graph`] (edges with optional weights and typed labels, node
//! features, labels), the CSR [`AdjacencyBuilder`], node [`FeatureMatrix`] builders, GCN
//! normalization ([`gcn_normalization`]) and block-diagonal batching
//! ([`block_diagonal_batch`]). No deep-learning dependency: everything here is plain data.
//!
//! ```
//! use cinder_graph::{GcnNormalization, gcn_normalization, karate_club};
//!
//! let graph = karate_club();
//! // Ŝ = D^-1/2 (A + I) D^-1/2, as a CSR matrix in message-passing layout.
//! let operator = gcn_normalization(&graph, GcnNormalization::default())?;
//! assert_eq!(operator.rows(), 34);
//! assert_eq!(operator.nnz(), 2 * 78 + 34);
//! # Ok::<(), cinder_graph::GraphError>(())
//! ```

mod adjacency;
mod aggregation;
mod batch;
mod error;
mod features;
mod graph;
mod in_neighbours;
mod interop;
mod karate;
mod kernels;
mod knn;
mod links;
mod normalize;
mod pca;
mod sampling;
mod sparse;
mod splits;

pub use adjacency::{AdjacencyBuilder, Orientation, SelfLoops};
pub use aggregation::{FullAggregation, aggregate_block, gather_feature_rows};
pub use batch::{GraphBatch, block_diagonal, block_diagonal_batch};
pub use error::{GraphError, Result};
pub use features::{DenseMatrix, FeatureMatrix};
pub use graph::{BondType, Direction, EdgeLabel, Graph};
pub use in_neighbours::{InNeighbours, InNeighboursBuilder};
pub use interop::EdgeWeightValue;
pub use karate::{KARATE_CLUB_NODES, karate_club};
pub use kernels::prefetch::{PREFETCH_AHEAD, prefetch};
pub use kernels::zeroed::par_zeroed_chunks;
pub use knn::{cosine_knn_graph, few_labels_split};
pub use links::edge_lookup::EdgeLookup;
pub use links::link_split::{
    EdgeCount, LabeledPairs, LinkSplit, LinkSplitConfig, distinct_pairs, random_link_split,
};
pub use links::negative_sampling::{distinct_negatives, per_source_negatives, uniform_negatives};
pub use normalize::{
    GcnNormalization, add_missing_self_loops, chebyshev_laplacian, gcn_normalization,
    gcn_normalize_matrix, random_walk_normalization, random_walk_normalize_matrix,
};
pub use pca::pca_reduce;
pub use sampling::{Block, BlockWeights, Fanout, NeighbourSampler, SampledBatch};
pub use sparse::{DuplicateEdges, SparseMatrix, canonical_csr, to_sparse_matrix, transpose};
pub use splits::classes::{CompactLabels, compact_labels};
pub use splits::folds::{Fold, seeded_shuffle, splitmix64, stratified_folds, stratified_holdout};
pub use splits::node_split::NodeSplit;
