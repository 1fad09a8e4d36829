//! Every node model trains end to end on the karate club (two labelled leaders) and separates
//! the clubs; training is reproducible from its seed; bad options are refused.

use burn::tensor::Device;
use cinder_graph::{NodeSplit, karate_club};
use cinder_nn::{NnError, NodeModelKind, NodeTrainingConfig, OptimizerConfig, train_node_model};

fn leaders_split() -> NodeSplit {
    NodeSplit {
        train: vec![0, 33],
        validation: vec![],
        test: (1..33).collect(),
    }
}

#[test]
fn every_model_separates_the_karate_clubs() {
    let graph = karate_club();
    let device = Device::flex().autodiff();
    for kind in NodeModelKind::ALL {
        let config = NodeTrainingConfig::for_model(kind)
            .with_epochs(100)
            .with_patience(0);
        let (_, report) = train_node_model(&graph, &leaders_split(), &config, &device).unwrap();
        assert_eq!(report.epochs_run, 100, "{kind}");
        // Training losses are measured with dropout on: compare the mean of the first and last
        // ten epochs, not two single noisy epochs.
        let mean = |epochs: &[cinder_nn::EpochRecord]| {
            epochs.iter().map(|e| e.train_loss).sum::<f64>() / epochs.len() as f64
        };
        let (first, last) = (mean(&report.history[..10]), mean(&report.history[90..]));
        assert!(last < first, "{kind}: mean training loss {first} -> {last}");
        // Chance is ~0.5 (two clubs); a two-label karate split is hard for the spectral filter.
        eprintln!("{kind}: test accuracy {:.3}", report.test_accuracy);
        assert!(
            report.test_accuracy >= 0.65,
            "{kind}: test accuracy {}",
            report.test_accuracy
        );
    }
}

#[test]
fn training_is_reproducible_from_the_seed() {
    let graph = karate_club();
    let device = Device::flex().autodiff();
    for kind in [NodeModelKind::Gat, NodeModelKind::Appnp] {
        let config = NodeTrainingConfig::for_model(kind)
            .with_epochs(30)
            .with_patience(0)
            .with_seed(3);
        let (_, a) = train_node_model(&graph, &leaders_split(), &config, &device).unwrap();
        let (_, b) = train_node_model(&graph, &leaders_split(), &config, &device).unwrap();
        assert_eq!(a.predictions, b.predictions, "{kind}");
        let losses = |r: &cinder_nn::NodeTrainingReport| -> Vec<f64> {
            r.history.iter().map(|e| e.train_loss).collect()
        };
        assert_eq!(losses(&a), losses(&b), "{kind}");
    }
}

#[test]
fn invalid_options_are_refused_before_training() {
    let graph = karate_club();
    let device = Device::flex().autodiff();
    let with = |kind, change: fn(&mut NodeTrainingConfig)| {
        let mut config = NodeTrainingConfig::for_model(kind);
        change(&mut config);
        config
    };
    for config in [
        with(NodeModelKind::Gat, |c| c.optimizer.learning_rate = f64::NAN),
        with(NodeModelKind::Gcn, |c| c.optimizer.learning_rate = -1.0),
        with(NodeModelKind::Sage, |c| {
            c.optimizer.weight_decay = f64::INFINITY
        }),
        with(NodeModelKind::Gcn, |c| c.model.hidden = 0),
        with(NodeModelKind::Gat, |c| c.model.heads = 0),
    ] {
        let error = train_node_model(&graph, &leaders_split(), &config, &device).unwrap_err();
        assert!(matches!(error, NnError::InvalidOption { .. }), "{error}");
    }
    assert!("transformer".parse::<NodeModelKind>().is_err());
    assert_eq!(
        "GATv2".parse::<NodeModelKind>().unwrap(),
        NodeModelKind::Gatv2
    );
}

#[test]
fn a_diverging_run_is_reported_with_its_epoch() {
    let graph = karate_club();
    let device = Device::flex().autodiff();
    let config = NodeTrainingConfig::for_model(NodeModelKind::Gcn)
        .with_optimizer(OptimizerConfig::new().with_learning_rate(1e30))
        .with_epochs(50)
        .with_patience(0);
    match train_node_model(&graph, &leaders_split(), &config, &device) {
        Err(NnError::Diverged { epoch, .. }) => assert!(epoch >= 1),
        other => panic!("expected divergence, got {other:?}"),
    }
}
