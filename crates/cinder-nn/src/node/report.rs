//! What a node-classification run reports: its per-epoch history, the kept model's accuracy,
//! macro-F1 and confusion matrix, and the timings of a sampled run.

use burn::tensor::Tensor;
use cinder_graph::NodeSplit;
use serde::{Deserialize, Serialize};

use crate::metrics::{accuracy, confusion_matrix, macro_f1};
use crate::statistics::median;

/// One epoch of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Cross-entropy on the training nodes (with dropout), without the L2 term.
    pub train_loss: f64,
    /// Training accuracy of that forward pass.
    pub train_accuracy: f64,
    /// Cross-entropy on the validation nodes (evaluation mode).
    pub validation_loss: f64,
    /// Validation accuracy.
    pub validation_accuracy: f64,
    /// Wall time of forward + backward + optimizer step, in milliseconds.
    pub step_ms: f64,
}

/// The outcome of [`train_node_classifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeTrainingReport {
    /// Per-epoch history.
    pub history: Vec<EpochRecord>,
    /// Epochs run.
    pub epochs_run: usize,
    /// Epoch whose weights were kept (lowest validation loss; the last epoch without early
    /// stopping).
    pub best_epoch: usize,
    /// Validation accuracy of the kept weights.
    pub validation_accuracy: f64,
    /// Test accuracy of the kept weights.
    pub test_accuracy: f64,
    /// Test macro-F1 of the kept weights.
    pub test_macro_f1: f64,
    /// Test confusion matrix `[true][predicted]`.
    pub test_confusion: Vec<Vec<usize>>,
    /// Predicted class of every node.
    pub predictions: Vec<usize>,
    /// Timings of a mini-batch run (`None` for full-batch training).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled: Option<SampledTiming>,
}

impl NodeTrainingReport {
    /// The report of a finished run from its history and the kept model's predictions.
    pub(crate) fn new(
        history: Vec<EpochRecord>,
        best_epoch: usize,
        predictions: Vec<usize>,
        labels: &[usize],
        split: &NodeSplit,
        sampled: Option<SampledTiming>,
    ) -> Self {
        let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
        Self {
            epochs_run: history.len(),
            history,
            best_epoch,
            validation_accuracy: accuracy(&predictions, labels, &split.validation),
            test_accuracy: accuracy(&predictions, labels, &split.test),
            test_macro_f1: macro_f1(&predictions, labels, &split.test, num_classes),
            test_confusion: confusion_matrix(&predictions, labels, &split.test, num_classes),
            predictions,
            sampled,
        }
    }
}

pub(crate) fn scalar(tensor: Tensor<1>) -> f64 {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .ok()
        .and_then(|v| v.first().copied())
        .map_or(f64::NAN, f64::from)
}

/// Timings of a mini-batch run (in [`NodeTrainingReport::sampled`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampledTiming {
    /// Wall time of each epoch (all batches: sampling overlapped with training), ms.
    pub epoch_ms: Vec<f64>,
    /// Worker time per epoch spent sampling, gathering features and building blocks, ms (it
    /// overlaps the training of the previous batch).
    pub sample_ms: Vec<f64>,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// Layer-wise inference over every node for the final evaluation, ms.
    pub inference_ms: f64,
}

impl SampledTiming {
    /// Median epoch time, ms.
    pub fn epoch_ms_median(&self) -> f64 {
        median(&self.epoch_ms)
    }

    /// Median sampling + gathering time per epoch, ms.
    pub fn sample_ms_median(&self) -> f64 {
        median(&self.sample_ms)
    }
}
