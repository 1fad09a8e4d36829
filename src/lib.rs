//! # cinder
//!
//! A graph-first graph neural network framework in Rust. This facade re-exports cinder's crates:
//!
//! - [`graph`] (`cinder-graph`): graphs, CSR adjacency, node features, GCN normalization, batching.
//! - [`datasets`] (`cinder-datasets`): loaders (Planetoid citation networks, graph directories).
//! - [`nn`] (`cinder-nn`): sparse differentiable propagation on Burn, GCN/GIN/GraphSAGE layers,
//!   readouts, node-classification training.
//!
//! ```
//! let karate = cinder::graph::karate_club();
//! assert_eq!(karate.num_nodes(), 34);
//! ```

pub use cinder_datasets as datasets;
pub use cinder_graph as graph;
pub use cinder_nn as nn;
