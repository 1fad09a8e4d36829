//! Link prediction: the metrics against scikit-learn and OGB's evaluator on fixed arrays, and the
//! graph auto-encoders on real Cora (one seed here; the paper's table is
//! `examples/link_prediction_targets.rs`).

use burn::tensor::Device;
use cinder_datasets::{load_planetoid, require_data};
use cinder_graph::{LinkSplitConfig, random_link_split};
use cinder_nn::{
    LinkTrainingConfig, NegativeSampler, average_precision, hits_at_k, link_auc,
    mean_reciprocal_rank, train_link_model,
};

const POSITIVE: [f32; 7] = [0.9, 0.8, 0.8, 0.3, 0.55, 0.1, 0.7];
const NEGATIVE: [f32; 8] = [0.8, 0.2, 0.4, 0.55, 0.05, 0.6, 0.3, 0.0];

#[test]
fn metrics_match_scikit_learn_and_ogb() {
    // scikit-learn 1.x `roc_auc_score` / `average_precision_score` on y_true = [1]*7 + [0]*8 and
    // these scores (ties included); OGB's `_eval_hits` and `_eval_mrr` (see
    // tools/link_metrics_reference.py).
    let auc = link_auc(&POSITIVE, &NEGATIVE).unwrap();
    assert!((auc - SKLEARN_AUC).abs() < 1e-12, "{auc}");
    let scores: Vec<f32> = POSITIVE.iter().chain(&NEGATIVE).copied().collect();
    let truth: Vec<bool> = (0..15).map(|i| i < 7).collect();
    let ap = average_precision(&scores, &truth).unwrap();
    assert!((ap - SKLEARN_AP).abs() < 1e-12, "{ap}");
    for (k, expected) in OGB_HITS {
        assert_eq!(hits_at_k(&POSITIVE, &NEGATIVE, k), expected, "Hits@{k}");
    }
    let mrr = mean_reciprocal_rank(
        &[0.9, 0.5, 0.3],
        &[0.95, 0.1, 0.5, 0.5, 0.5, 0.2, 0.1, 0.2, 0.29],
        3,
    )
    .unwrap();
    assert!((mrr - OGB_MRR).abs() < 1e-12, "{mrr}");
    assert!(mean_reciprocal_rank(&[0.9], &[0.1, 0.2], 3).is_err());
}

// `python tools/link_metrics_reference.py` in the PyG peer venv (scikit-learn 1.x).
const SKLEARN_AUC: f64 = 0.7321428571428572;
const SKLEARN_AP: f64 = 0.7155594405594405;
const OGB_HITS: [(usize, f64); 4] = [
    (1, 0.14285714285714285),
    (3, 0.5714285714285714),
    (5, 0.7142857142857143),
    (20, 1.0),
];
const OGB_MRR: f64 = 0.6666666666666666;

fn cora() -> Option<cinder_graph::Graph> {
    let path = require_data("planetoid/ind.cora.x")?;
    Some(
        load_planetoid(path.parent().unwrap(), "cora")
            .unwrap()
            .graph,
    )
}

#[test]
fn gae_on_cora_predicts_held_out_citations() {
    let Some(graph) = cora() else {
        return;
    };
    let split = random_link_split(&graph, &LinkSplitConfig::default(), 0).unwrap();
    assert_eq!(split.test.positive.len(), 527);
    let device = Device::flex().autodiff();
    // PyG's example objective (one uniform negative per positive, row-normalized features): the
    // fast one; Kipf & Welling's dense objective is the ignored reproduction below.
    let config = LinkTrainingConfig::new()
        .with_negatives(NegativeSampler::Uniform)
        .with_row_normalize(true);
    let (_, report) = train_link_model(&graph, &split, &config, &device).unwrap();
    eprintln!(
        "cora GAE seed 0, 200 epochs: test AUC {:.4} AP {:.4}, best epoch {}, {:.2} ms/epoch",
        report.test.auc,
        report.test.ap,
        report.best_epoch,
        report.epoch_ms_median()
    );
    assert!(report.test.auc > 0.88, "{}", report.test.auc);
    assert!(report.test.ap > 0.88, "{}", report.test.ap);
    // The degree view covers every test pair.
    let covered: usize = report.auc_by_degree.iter().map(|b| b.positives).sum();
    assert_eq!(covered, 527);
}
