//! Testing a fine-tuned CNN: its predictions on held-out images, counted by `cinder_nn`'s
//! metrics (accuracy, confusion matrix), for `cinder image finetune` and the demo alike.

use burn::tensor::Device;
use cinder_nn::{accuracy, confusion_matrix};
use cinder_vision::Pretrained;
use cinder_vision::transfer::{FineTuned, LabelledImages};

/// Test predictions of a fine-tuned network, counted by `cinder_nn`'s metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// Share of test images classified correctly.
    pub accuracy: f64,
    /// Test images classified correctly.
    pub correct: usize,
    /// Confusion matrix `[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

/// Classifies `test` with `model` (fine-tuned from `pretrained`) and counts the outcome.
pub fn evaluate_fine_tuned(
    model: &FineTuned,
    pretrained: &Pretrained,
    test: &LabelledImages,
    device: &Device,
) -> TestOutcome {
    let inputs: Vec<_> = test.iter().map(|(image, _)| image.clone()).collect();
    let predictions = model.predict(pretrained, &inputs, device);
    let labels: Vec<usize> = test.iter().map(|(_, label)| *label).collect();
    let all: Vec<usize> = (0..test.len()).collect();
    let confusion = confusion_matrix(&predictions, &labels, &all, model.classes);
    TestOutcome {
        accuracy: accuracy(&predictions, &labels, &all),
        correct: (0..model.classes).map(|c| confusion[c][c]).sum(),
        confusion,
    }
}
