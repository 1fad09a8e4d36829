//! The demo's first section: a two-layer GCN on Zachary's karate club from the two faction
//! leaders' labels, its predictions drawn against the real split.

use cinder_datasets::load_registered_nodes;
use cinder_nn::{NodeModelConfig, NodeTrainingConfig, train_node_classifier};
use cinder_plot::{GraphDrawing, save};
use serde::Serialize;

use super::section::{Section, save_node_training};
use crate::error::{Result, context};

/// The karate section's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KarateSummary {
    /// Labelled members.
    pub labelled: usize,
    /// Members tested.
    pub test_nodes: usize,
    /// Test accuracy.
    pub test_accuracy: f64,
}

/// Trains the GCN, draws the club (truth, predictions), the training curves and the degrees into
/// `directory/charts`, and adds the section to `report`.
pub(super) fn section(demo: &mut Section<'_>) -> Result<KarateSummary> {
    let dataset = load_registered_nodes("karate")?;
    // The registry's split: the two faction leaders labelled, everyone else tested.
    let split = dataset.split_or_random(0)?;
    let graph = dataset.graph;
    let labels = graph
        .node_labels()
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    let config = NodeTrainingConfig::new()
        .with_epochs(100)
        .with_patience(0)
        .with_model(NodeModelConfig::new().with_dropout(0.0));
    let (_, result) =
        train_node_classifier(&graph, &split, &config, &demo.device.clone().autodiff())
            .map_err(context("training the karate-club GCN"))?;
    (demo.say)(format!(
        "karate club: GCN from 2 labelled members, test accuracy {:.1}% on the other 32",
        100.0 * result.test_accuracy
    ));
    let charts = demo.charts();
    let names = vec!["Mr. Hi".to_string(), "Officer".to_string()];
    let edges: Vec<(usize, usize, f64)> = graph
        .edges()
        .zip(
            graph
                .edge_weights()
                .map_or_else(|| vec![1.0; graph.num_edges()], <[f32]>::to_vec),
        )
        .map(|((a, b), w)| (a, b, f64::from(w)))
        .collect();
    let truth = GraphDrawing::new(
        "Karate club: the two factions",
        graph.num_nodes(),
        edges.clone(),
        labels,
        names.clone(),
        7,
    );
    save(&truth, &charts.join("karate_truth.png"), (700, 560))?;
    let predicted = GraphDrawing::new(
        "Karate club: GCN predictions",
        graph.num_nodes(),
        edges,
        result.predictions.clone(),
        names,
        7,
    );
    save(&predicted, &charts.join("karate_predicted.png"), (700, 560))?;
    save_node_training(&charts, "karate", "Karate club", &result, graph.degrees())?;
    demo.report
        .heading("Node classification: Zachary's karate club");
    demo.report.paragraph(&format!(
        "A two-layer GCN (Kipf & Welling 2017) sees the labels of the two leaders only (members 0 and 33) and predicts the faction of the 32 others: test accuracy {:.1}%.",
        100.0 * result.test_accuracy
    ));
    demo.report.image(
        &charts.join("karate_truth.png"),
        "The real split of the club (force-directed layout, edge width = interaction count).",
    )?;
    demo.report.image(
        &charts.join("karate_predicted.png"),
        "The GCN's predictions: against the real split above, the few mistakes are members tied to both leaders.",
    )?;
    demo.report.image(
        &charts.join("karate_curves.png"),
        "Training loss and accuracy per epoch on the two labelled members: the fit is immediate; the test accuracy above is what generalizes.",
    )?;
    demo.report.image(
        &charts.join("karate_degrees.png"),
        "Degree distribution (log-log): a few members (the two leaders) know most of the others.",
    )?;
    Ok(KarateSummary {
        labelled: 2,
        test_nodes: 32,
        test_accuracy: result.test_accuracy,
    })
}
