//! Classification metrics over a subset of nodes (or graphs): accuracy, macro-F1, confusion matrix,
//! ROC AUC (explanations and link prediction share it);
//! the summary statistics of repeated runs are in [`crate::statistics`].

/// `confusion[true][predicted]` counts over `indices`.
pub fn confusion_matrix(
    predictions: &[usize],
    labels: &[usize],
    indices: &[usize],
    num_classes: usize,
) -> Vec<Vec<usize>> {
    let mut confusion = vec![vec![0usize; num_classes]; num_classes];
    for &i in indices {
        if labels[i] < num_classes && predictions[i] < num_classes {
            confusion[labels[i]][predictions[i]] += 1;
        }
    }
    confusion
}

/// Fraction of `indices` whose prediction equals the label (0 for an empty set).
pub fn accuracy(predictions: &[usize], labels: &[usize], indices: &[usize]) -> f64 {
    if indices.is_empty() {
        return 0.0;
    }
    let correct = indices
        .iter()
        .filter(|&&i| predictions[i] == labels[i])
        .count();
    correct as f64 / indices.len() as f64
}

/// Unweighted mean of per-class F1 over the classes that occur in the labels or predictions of
/// `indices` (scikit-learn's `f1_score(average="macro")` on those classes).
pub fn macro_f1(
    predictions: &[usize],
    labels: &[usize],
    indices: &[usize],
    num_classes: usize,
) -> f64 {
    let confusion = confusion_matrix(predictions, labels, indices, num_classes);
    let mut total = 0.0;
    let mut present = 0usize;
    for class in 0..num_classes {
        let true_positive = confusion[class][class] as f64;
        let actual: usize = confusion[class].iter().sum();
        let predicted: usize = confusion.iter().map(|row| row[class]).sum();
        if actual + predicted == 0 {
            continue;
        }
        present += 1;
        total += 2.0 * true_positive / (actual + predicted) as f64;
    }
    if present == 0 {
        0.0
    } else {
        total / present as f64
    }
}

/// Index of the largest value in each row of a row-major `rows x columns` buffer.
pub fn argmax_rows(values: &[f32], columns: usize) -> Vec<usize> {
    values
        .chunks(columns.max(1))
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
                    if v > best.1 { (i, v) } else { best }
                })
                .0
        })
        .collect()
}

/// Area under the ROC curve of `scores` for the positives in `truth` (the Mann–Whitney
/// statistic, ties counted half); `None` unless both classes occur.
pub fn roc_auc(scores: &[f32], truth: &[bool]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t).count();
    let negatives = truth.len() - positives;
    if positives == 0 || negatives == 0 || scores.len() != truth.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks (1-based) over ties.
    let mut rank_sum = 0.0f64;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let average = (start + 1 + end) as f64 / 2.0;
        rank_sum += average * order[start..end].iter().filter(|&&k| truth[k]).count() as f64;
        start = end;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computed_values() {
        let labels = [0, 0, 1, 1, 2, 2];
        let predictions = [0, 1, 1, 1, 2, 0];
        let all = [0, 1, 2, 3, 4, 5];
        assert!((accuracy(&predictions, &labels, &all) - 4.0 / 6.0).abs() < 1e-12);
        // F1: class 0: tp 1, actual 2, predicted 2 → 0.5; class 1: tp 2, 2, 3 → 0.8;
        // class 2: tp 1, 2, 1 → 2/3.
        let expected = (0.5 + 0.8 + 2.0 / 3.0) / 3.0;
        assert!((macro_f1(&predictions, &labels, &all, 3) - expected).abs() < 1e-12);
        assert_eq!(
            confusion_matrix(&predictions, &labels, &[0, 1], 3)[0],
            vec![1, 1, 0]
        );
        assert_eq!(argmax_rows(&[0.1, 0.9, 0.5, 0.2], 2), vec![1, 0]);
    }
}
