//! What a link-prediction run reports: its per-epoch history, the kept model's validation and
//! test figures, the test scores themselves (for ROC, precision–recall and score-distribution
//! plots) and the test AUC by endpoint degree — where a model fails on sparse, cold-start nodes.

use serde::{Deserialize, Serialize};

use crate::link::metrics::{LinkScores, link_auc};
use crate::statistics::median;

/// One epoch of link training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps (BCE on positives and negatives, plus the
    /// scaled KL term of a VGAE).
    pub loss: f64,
    /// Validation figures, on the epochs that evaluate.
    pub validation: Option<LinkScores>,
    /// Wall time of the epoch's training steps (negative sampling, forward, backward, optimizer),
    /// milliseconds; evaluation excluded.
    pub step_ms: f64,
}

/// Test AUC of the pairs whose endpoints' smaller training degree falls in `[low, high]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DegreeBucket {
    /// Smallest degree of the bucket.
    pub low: usize,
    /// Largest degree of the bucket (`usize::MAX`: unbounded).
    pub high: usize,
    /// Test positives in the bucket.
    pub positives: usize,
    /// Test negatives in the bucket.
    pub negatives: usize,
    /// AUC of the bucket's positives against its negatives (`None` without both).
    pub auc: Option<f64>,
}

impl DegreeBucket {
    /// `"0"`, `"1-2"`, `"21+"`.
    pub fn label(&self) -> String {
        match (self.low, self.high) {
            (low, usize::MAX) => format!("{low}+"),
            (low, high) if low == high => format!("{low}"),
            (low, high) => format!("{low}-{high}"),
        }
    }
}

/// The outcome of [`crate::train_link_model`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTrainingReport {
    /// Per-epoch history.
    pub history: Vec<LinkEpochRecord>,
    /// Epochs run.
    pub epochs_run: usize,
    /// Epoch whose weights were kept (best validation figure).
    pub best_epoch: usize,
    /// Validation figures of the kept weights.
    pub validation: LinkScores,
    /// Test figures of the kept weights.
    pub test: LinkScores,
    /// Test positives' probabilities `σ(score)`, in the split's order.
    pub test_positive_scores: Vec<f32>,
    /// Test negatives' probabilities.
    pub test_negative_scores: Vec<f32>,
    /// Test AUC by the smaller training degree of a pair's endpoints.
    pub auc_by_degree: Vec<DegreeBucket>,
}

impl LinkTrainingReport {
    /// Median epoch time (training steps only), ms.
    pub fn epoch_ms_median(&self) -> f64 {
        let times: Vec<f64> = self.history.iter().map(|r| r.step_ms).collect();
        median(&times)
    }
}

/// Degree bucket bounds: 0, 1–2, 3–5, 6–10, 11–20, 21–50, 51+.
const BUCKETS: [(usize, usize); 7] = [
    (0, 0),
    (1, 2),
    (3, 5),
    (6, 10),
    (11, 20),
    (21, 50),
    (51, usize::MAX),
];

/// The test AUC per bucket of `min(degree(u), degree(v))`; buckets without pairs are left out.
pub(crate) fn auc_by_degree(
    degrees: &[usize],
    positive: (&[(u32, u32)], &[f32]),
    negative: (&[(u32, u32)], &[f32]),
) -> Vec<DegreeBucket> {
    let bucket_of = |&(u, v): &(u32, u32)| {
        let degree = degrees[u as usize].min(degrees[v as usize]);
        BUCKETS
            .iter()
            .position(|&(low, high)| (low..=high).contains(&degree))
            .unwrap_or(BUCKETS.len() - 1)
    };
    let split = |(pairs, scores): (&[(u32, u32)], &[f32])| {
        let mut buckets = vec![Vec::new(); BUCKETS.len()];
        for (pair, &score) in pairs.iter().zip(scores) {
            buckets[bucket_of(pair)].push(score);
        }
        buckets
    };
    let (positives, negatives) = (split(positive), split(negative));
    BUCKETS
        .iter()
        .zip(positives.iter().zip(&negatives))
        .filter(|(_, (p, n))| !p.is_empty() || !n.is_empty())
        .map(|(&(low, high), (p, n))| DegreeBucket {
            low,
            high,
            positives: p.len(),
            negatives: n.len(),
            auc: link_auc(p, n),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_pairs_by_their_sparser_endpoint() {
        let degrees = [0, 1, 4, 30, 100];
        let positive_pairs = [(3, 4), (2, 3), (1, 4)];
        let negative_pairs = [(3, 4), (0, 4), (2, 4)];
        let buckets = auc_by_degree(
            &degrees,
            (&positive_pairs, &[0.9, 0.8, 0.7]),
            (&negative_pairs, &[0.1, 0.5, 0.9]),
        );
        let labels: Vec<String> = buckets.iter().map(DegreeBucket::label).collect();
        assert_eq!(labels, ["0", "1-2", "3-5", "21-50"]);
        assert_eq!(buckets[3].auc, Some(1.0));
        assert_eq!(buckets[2].auc, Some(0.0));
        assert_eq!(buckets[0].auc, None);
    }
}
