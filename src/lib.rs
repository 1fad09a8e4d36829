//! # cinder
//!
//! A graph-first graph neural network framework in Rust. This facade re-exports cinder's crates:
//!
//! - [`graph`] (`cinder-graph`): graphs, CSR adjacency, node features, GCN normalization, batching.
//!
//! ```
//! let karate = cinder::graph::karate_club();
//! assert_eq!(karate.num_nodes(), 34);
//! ```

pub use cinder_graph as graph;
