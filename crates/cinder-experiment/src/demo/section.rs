//! What the demo's sections share: where they write and what they report to ([`Section`]), the
//! chart size, and the charts of node classification.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use cinder_nn::NodeTrainingReport;
use cinder_plot::{Curves, DegreeDistribution, Report, save};

use crate::error::Result;

/// What every section of the demo writes into and reports to.
pub(super) struct Section<'a> {
    /// The run directory.
    pub directory: &'a Path,
    /// The report the sections add to, in order.
    pub report: Report,
    /// Tells the caller a section's headline.
    pub say: &'a mut dyn FnMut(String),
    /// The device everything runs on.
    pub device: &'a Device,
}

impl Section<'_> {
    /// The folder of the charts.
    pub fn charts(&self) -> PathBuf {
        self.directory.join("charts")
    }
}

/// Size of the demo's line and bar charts, pixels.
pub(super) const SIZE: (u32, u32) = (900, 520);

/// Draws a node classifier's training curves (`<prefix>_curves.png`: loss and accuracy per
/// epoch) and the graph's degree distribution (`<prefix>_degrees.png`) into `charts`; `name`
/// titles both.
pub(super) fn save_node_training(
    charts: &Path,
    prefix: &str,
    name: &str,
    result: &NodeTrainingReport,
    degrees: Vec<usize>,
) -> Result<()> {
    let curves = Curves::new(&format!("{name} GCN: training"), "epoch", "loss / accuracy")
        .with_series(
            "train loss",
            result.history.iter().map(|e| e.train_loss).collect(),
        )
        .with_series(
            "train accuracy",
            result.history.iter().map(|e| e.train_accuracy).collect(),
        );
    save(&curves, &charts.join(format!("{prefix}_curves.png")), SIZE)?;
    save(
        &DegreeDistribution::new(&format!("{name}: degree distribution"), degrees),
        &charts.join(format!("{prefix}_degrees.png")),
        (700, 500),
    )?;
    Ok(())
}
