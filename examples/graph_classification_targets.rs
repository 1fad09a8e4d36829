//! Reproduces the graph-classification targets of the project (10 fixed folds of the shared
//! GIN-format data, default settings): MUTAG GIN ≥ 85%, MUTAG GCN (max readout) ≥ 80%, PROTEINS
//! GIN and GCN (max readout) ≥ 72%. Minutes of training; exits non-zero if a target is missed.
//!
//! `CINDER_DATA=../shared/datasets cargo run --release --example graph_classification_targets`

use burn::tensor::Device;
use cinder::datasets::load_registered_graphs;
use cinder::nn::{
    GraphModelKind, GraphSet, GraphTrainingConfig, InputFeatures, Readout, cross_validate,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    let mut missed = Vec::new();
    for (dataset, model, readout, target) in [
        ("MUTAG", GraphModelKind::Gin, None, 0.85),
        ("MUTAG", GraphModelKind::Gcn, Some(Readout::Max), 0.80),
        ("PROTEINS", GraphModelKind::Gin, None, 0.72),
        ("PROTEINS", GraphModelKind::Gcn, Some(Readout::Max), 0.72),
    ] {
        let data = load_registered_graphs(dataset)?;
        let folds = data.folds.ok_or("the dataset ships no fixed folds")?;
        let mut config = GraphTrainingConfig::new(model);
        if let Some(readout) = readout {
            config.readout = readout;
        }
        let set = GraphSet::new(
            &data.graphs,
            model.propagation(config.relations),
            InputFeatures::Auto,
        )?;
        let report = cross_validate(&set, &folds, true, &config, &device, &mut |_| {})?;
        let mean = report.mean_test_accuracy;
        println!(
            "{dataset} {} ({:?} readout): {:.2}% ± {:.2} (target {:.0}%)",
            model.name(),
            config.readout,
            100.0 * mean,
            100.0 * report.std_test_accuracy,
            100.0 * target
        );
        if mean < target {
            missed.push(format!("{dataset} {}", model.name()));
        }
    }
    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!("targets missed: {}", missed.join(", ")).into())
    }
}
