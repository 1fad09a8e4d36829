//! The demo's Cora section (when `CINDER_DATA` holds Planetoid): Kipf & Welling's GCN on the
//! public split.

use cinder_datasets::load_registered_nodes;
use cinder_nn::{NodeTrainingConfig, train_node_classifier};
use cinder_plot::{ConfusionMatrix, save};
use serde::Serialize;

use super::section::{Section, save_node_training};
use crate::error::{Result, input};

/// The Cora section's headline number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoraSummary {
    /// Test accuracy on the public split.
    pub test_accuracy: f64,
}

/// Trains the GCN, draws its curves, test confusion and the degrees into `directory/charts`,
/// and adds the section to `report`.
pub(super) fn section(demo: &mut Section<'_>) -> Result<CoraSummary> {
    let dataset = load_registered_nodes("cora")?;
    let Some(split) = dataset.split else {
        return Err(input("cora", "no public split (Planetoid ships one)"));
    };
    let (_, result) = train_node_classifier(
        &dataset.graph,
        &split,
        &NodeTrainingConfig::new(),
        &demo.device.clone().autodiff(),
    )?;
    (demo.say)(format!(
        "Cora: GCN test accuracy {:.1}% (public split)",
        100.0 * result.test_accuracy
    ));
    let charts = demo.charts();
    save_node_training(&charts, "cora", "Cora", &result, dataset.graph.degrees())?;
    let names: Vec<String> = (0..result.test_confusion.len())
        .map(|c| format!("class {c}"))
        .collect();
    save(
        &ConfusionMatrix::new("Cora: test confusion", names, result.test_confusion.clone()),
        &charts.join("cora_confusion.png"),
        (800, 640),
    )?;
    demo.report
        .heading("Node classification: Cora (from CINDER_DATA)");
    demo.report.paragraph(&format!(
        "Kipf & Welling's GCN on the Planetoid public split (140 labelled papers): test accuracy {:.1}% (paper: 81.5%).",
        100.0 * result.test_accuracy
    ));
    demo.report.image(
        &charts.join("cora_curves.png"),
        "Training loss and accuracy.",
    )?;
    demo.report
        .image(&charts.join("cora_confusion.png"), "Test confusion matrix.")?;
    demo.report.image(
        &charts.join("cora_degrees.png"),
        "Degree distribution (log-log).",
    )?;
    Ok(CoraSummary {
        test_accuracy: result.test_accuracy,
    })
}
