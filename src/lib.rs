//! # cinder
//!
//! A graph-first graph neural network framework in Rust. This facade re-exports cinder's crates:
//!
//! - [`graph`] (`cinder-graph`): graphs, CSR adjacency, node features, GCN normalization, batching.
//! - [`datasets`] (`cinder-datasets`): loaders (citation, social, TU benchmarks, molecules, meshes,
//!   image folders), a registry of names, checksummed downloads.
//! - [`nn`] (`cinder-nn`): sparse differentiable propagation on Burn, GCN/GIN/GraphSAGE/RGCN layers,
//!   readouts, node classification, graph classification with cross-validation.
//! - [`experiment`] (`cinder-experiment`): run directories with typed records, progress observers,
//!   resume, reports and devices by name: what the `cinder` CLI and the examples share.
//! - [`plot`] (`cinder-plot`): charts (PNG/SVG) and HTML reports from plain numbers.
//! - [`vision`] (`cinder-vision`): pretrained CNNs (MobileNet, ResNet, VGG, Inception V3, Xception)
//!   with strict weight import, preprocessing, transfer learning, feature maps and Grad-CAM.
//!
//! ```
//! let karate = cinder::graph::karate_club();
//! assert_eq!(karate.num_nodes(), 34);
//! ```

pub use cinder_datasets as datasets;
pub use cinder_experiment as experiment;
pub use cinder_graph as graph;
pub use cinder_nn as nn;
pub use cinder_plot as plot;
pub use cinder_vision as vision;

/// The README and the guides in `docs/`: their Rust examples compile and run as doctests, so what
/// they teach stays true (`crates/cinder-cli/tests/docs_commands.rs` checks their commands).
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../docs/data.md")]
    struct Data;
    #[doc = include_str!("../docs/explanations.md")]
    struct Explanations;
    #[doc = include_str!("../docs/graph-classification.md")]
    struct GraphClassification;
    #[doc = include_str!("../docs/link-prediction.md")]
    struct LinkPrediction;
    #[doc = include_str!("../docs/node-classification.md")]
    struct NodeClassification;
    #[doc = include_str!("../docs/reports.md")]
    struct Reports;
    #[doc = include_str!("../docs/sampling.md")]
    struct Sampling;
    #[doc = include_str!("../docs/scaling.md")]
    struct Scaling;
    #[doc = include_str!("../docs/vision.md")]
    struct Vision;
}
