//! Node classification end to end: the karate club (embedded) and Cora (real data).

use burn::tensor::Device;
use cinder_datasets::{load_planetoid, require_data};
use cinder_graph::{NodeSplit, karate_club};
use cinder_nn::{NodeModelConfig, NodeTrainingConfig, train_node_classifier};

#[test]
fn karate_club_split_is_learned_from_two_labelled_members() {
    let graph = karate_club();
    // Only the two leaders are labelled; every other member is predicted.
    let split = NodeSplit {
        train: vec![0, 33],
        validation: vec![],
        test: (1..33).collect(),
    };
    let config = NodeTrainingConfig::new()
        .with_epochs(100)
        .with_patience(0)
        .with_model(NodeModelConfig::new().with_dropout(0.0));
    let (_, report) =
        train_node_classifier(&graph, &split, &config, &Device::flex().autodiff()).unwrap();
    assert_eq!(report.epochs_run, 100);
    let first = report.history.first().unwrap().train_loss;
    let last = report.history.last().unwrap().train_loss;
    assert!(last < 0.5 * first, "training loss {first} -> {last}");
    assert!(
        report.test_accuracy >= 0.8,
        "test accuracy {}",
        report.test_accuracy
    );
}

#[test]
fn cora_reaches_the_papers_accuracy_with_one_seed() {
    let Some(path) = require_data("planetoid/ind.cora.x") else {
        return;
    };
    let cora = load_planetoid(path.parent().unwrap(), "cora").unwrap();
    let config = NodeTrainingConfig::new().with_seed(1);
    let (_, report) = train_node_classifier(
        &cora.graph,
        &cora.split,
        &config,
        &Device::flex().autodiff(),
    )
    .unwrap();
    eprintln!(
        "cora: test accuracy {:.3}, macro-F1 {:.3}, epochs {}, best {}",
        report.test_accuracy, report.test_macro_f1, report.epochs_run, report.best_epoch
    );
    // Kipf & Welling report 81.5%; single seeds vary by about ±1 point.
    assert!(
        report.test_accuracy >= 0.78,
        "test accuracy {}",
        report.test_accuracy
    );
    assert!(
        report.test_macro_f1 >= 0.75,
        "macro-F1 {}",
        report.test_macro_f1
    );
}

#[test]
fn empty_training_set_is_an_error() {
    let graph = karate_club();
    let split = NodeSplit::default();
    let error = train_node_classifier(
        &graph,
        &split,
        &NodeTrainingConfig::new(),
        &Device::flex().autodiff(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("empty training set"), "{error}");
}
