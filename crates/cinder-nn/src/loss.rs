//! The one cross-entropy every trainer uses (node, sampled, graph, explainer, JK-GCN, and the CNN
//! heads of cinder-vision): `−Σᵢ Σ_c yᵢc log softmax(zᵢ)_c` over rows `i`, summed or averaged.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};

/// How the per-row losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// The mean over rows (an empty batch gives 0, not NaN): what mini-batch training minimizes.
    Mean,
    /// The sum over rows: the explainer's and the JK-GCN's objective, as their authors wrote it.
    Sum,
}

/// Cross-entropy of `logits` `[rows, classes]` against `targets` of the same shape (one-hot rows,
/// or any distribution per row), reduced over rows.
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<2>, reduction: Reduction) -> Tensor<1> {
    let rows = logits.dims()[0];
    let total = (log_softmax(logits, 1) * targets).sum().neg();
    match reduction {
        Reduction::Mean => total / rows.max(1) as f64,
        Reduction::Sum => total,
    }
}

/// Mean cross-entropy of `logits` against class indices `labels` (one per row, each below
/// `classes`).
pub fn cross_entropy_of_labels(logits: Tensor<2>, labels: &[usize], classes: usize) -> Tensor<1> {
    let targets = one_hot(labels, classes, &logits.device());
    cross_entropy(logits, targets, Reduction::Mean)
}

/// `[labels.len(), classes]` one-hot rows.
pub fn one_hot(labels: &[usize], classes: usize, device: &Device) -> Tensor<2> {
    let mut values = vec![0.0f32; labels.len() * classes];
    for (row, &label) in labels.iter().enumerate() {
        values[row * classes + label] = 1.0;
    }
    Tensor::from_data(TensorData::new(values, [labels.len(), classes]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sum_of_a_known_batch() {
        let device = Device::flex();
        // Row 0: logits (0, ln 3) → p(class 1) = 3/4; row 1: uniform over two classes.
        let logits = Tensor::<2>::from_data(
            TensorData::new(vec![0.0f32, 3f32.ln(), 1.0, 1.0], [2, 2]),
            &device,
        );
        let expected = -(0.75f64.ln()) - 0.5f64.ln();
        let sum = cross_entropy(logits.clone(), one_hot(&[1, 0], 2, &device), Reduction::Sum);
        let mean = cross_entropy_of_labels(logits, &[1, 0], 2);
        let (sum, mean) = (value(sum), value(mean));
        assert!((sum - expected).abs() < 1e-6, "{sum} vs {expected}");
        assert!((mean - expected / 2.0).abs() < 1e-6, "{mean}");
    }

    #[test]
    fn an_empty_batch_averages_to_zero() {
        let device = Device::flex();
        let logits = Tensor::<2>::zeros([0, 3], &device);
        assert_eq!(value(cross_entropy_of_labels(logits, &[], 3)), 0.0);
    }

    fn value(loss: Tensor<1>) -> f64 {
        let values = loss.into_data().try_to_vec::<f32>().expect("f32 values");
        f64::from(values[0])
    }
}
