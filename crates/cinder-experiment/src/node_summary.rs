//! What `cinder train node --json` prints: the seed runs' scores and timings, the graph's sizes
//! and the hyperparameters trained ([`NodeTrainingSummary`], built by
//! `PreparedNodes::summary`).

use cinder_graph::Fanout;
use cinder_nn::NodeTrainingConfig;
use serde::Serialize;

/// The result of `cinder train node --json`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeTrainingSummary {
    /// Dataset name.
    pub dataset: String,
    /// Model name.
    pub model: String,
    /// Nodes.
    pub nodes: usize,
    /// Edges.
    pub edges: usize,
    /// Feature columns.
    pub features: usize,
    /// Classes.
    pub classes: usize,
    /// The seeds run.
    pub seeds: Vec<u64>,
    /// Test accuracy of each seed's run.
    pub per_seed_test_accuracy: Vec<f64>,
    /// Their mean.
    pub mean_test_accuracy: f64,
    /// Their population standard deviation.
    pub std_test_accuracy: f64,
    /// Test macro-F1 of each run.
    pub per_seed_test_macro_f1: Vec<f64>,
    /// Their mean.
    pub mean_test_macro_f1: f64,
    /// Validation accuracy of each run.
    pub per_seed_validation_accuracy: Vec<f64>,
    /// Their mean.
    pub mean_validation_accuracy: f64,
    /// Epochs each run trained.
    pub epochs_run: Vec<usize>,
    /// The kept epoch of each run.
    pub best_epoch: Vec<usize>,
    /// Median epoch time, ms.
    pub epoch_ms_median: f64,
    /// The first run's first epoch, ms.
    pub first_epoch_ms: f64,
    /// Wall time of the runs, s.
    pub train_seconds_total: f64,
    /// Peak resident memory, MB.
    pub peak_rss_mb: Option<f64>,
    /// Worker threads.
    pub threads: usize,
    /// The configuration trained.
    pub config: NodeTrainingConfig,
    /// Mini-batch runs only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub sampled: Option<SampledSummary>,
    /// The run directory, when one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_directory: Option<String>,
}

/// What sampled mini-batch runs add to a [`NodeTrainingSummary`] (medians over every run's
/// epochs after the first).
#[derive(Debug, Clone, Serialize)]
pub struct SampledSummary {
    /// Neighbours kept per node and hop (written -1 for all).
    pub fanouts: Vec<Fanout>,
    /// Seed nodes per mini-batch.
    pub batch_size: usize,
    /// Mini-batches per epoch.
    pub batches_per_epoch: usize,
    /// Worker time per epoch sampling, gathering features and building blocks (overlapped
    /// with training).
    pub sample_ms_median: f64,
    /// Layer-wise inference over every node (final evaluation), median over runs.
    pub inference_ms: f64,
}
