//! # cinder-plot
//!
//! Charts of cinder runs, drawn with `plotters` from plain numbers (no Burn, no datasets): training
//! curves with a mean band over folds, confusion matrices, per-fold/per-class bars, 2-D embedding
//! scatters (PCA built in), graph drawings (force-directed layout), degree distributions,
//! feature-map grids and heatmap overlays (Grad-CAM). Every chart saves as PNG (bitmap backend,
//! embedded DejaVu Sans font, no system font libraries) or SVG, chosen by the file extension, and
//! is written atomically. [`Report`] gathers charts and tables into one self-contained HTML page.
//!
//! ```no_run
//! use cinder_plot::{Curves, save};
//! let curves = Curves::new("Training loss", "epoch", "cross-entropy")
//!     .with_series("fold 1", vec![0.9, 0.6, 0.4])
//!     .with_series("fold 2", vec![0.8, 0.5, 0.45])
//!     .with_mean_band(true);
//! save(&curves, "loss.png".as_ref(), (800, 500))?;
//! # Ok::<(), cinder_plot::PlotError>(())
//! ```

mod bars;
mod colors;
mod confusion;
mod curves;
mod degree;
mod error;
mod explanation;
mod feature_maps;
mod graph_drawing;
mod image_graph;
mod layout;
mod lines;
mod output;
mod pca;
mod report;
mod scatter;

pub use bars::BarChart;
pub use colors::{class_color, viridis};
pub use confusion::ConfusionMatrix;
pub use curves::Curves;
pub use degree::DegreeDistribution;
pub use error::PlotError;
pub use explanation::ExplanationDrawing;
pub use feature_maps::{FeatureMapGrid, HeatmapOverlay};
pub use graph_drawing::GraphDrawing;
pub use image_graph::{ImageGraphDrawing, Thumbnail};
pub use layout::force_directed_layout;
pub use lines::LineChart;
pub use output::{Chart, save, write_atomically};
pub use pca::pca_2d;
pub use report::{Report, report_problems};
pub use scatter::Scatter;
