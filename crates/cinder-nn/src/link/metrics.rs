//! Link-prediction metrics on the scores of positive and negative pairs, computed as
//! scikit-learn and OGB's `Evaluator` compute them: ROC AUC (`roc_auc_score`), average precision
//! (`average_precision_score`, step-wise, no interpolation), Hits@K (the share of positives scored
//! strictly above the K-th highest negative) and MRR (ties ranked half-way).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::metrics::roc_auc;

/// ROC AUC of positives against negatives; `None` unless both are non-empty.
pub fn link_auc(positive: &[f32], negative: &[f32]) -> Option<f64> {
    let (scores, truth) = labelled(positive, negative);
    roc_auc(&scores, &truth)
}

fn labelled(positive: &[f32], negative: &[f32]) -> (Vec<f32>, Vec<bool>) {
    let scores = positive.iter().chain(negative).copied().collect();
    let truth = (0..positive.len() + negative.len())
        .map(|i| i < positive.len())
        .collect();
    (scores, truth)
}

/// Average precision of `scores` for the positives in `truth`, as scikit-learn's
/// `average_precision_score`: `Σ (Rₙ − Rₙ₋₁) Pₙ` over the distinct score thresholds, highest
/// first. `None` without positives or when the lengths differ.
pub fn average_precision(scores: &[f32], truth: &[bool]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t).count();
    if positives == 0 || scores.len() != truth.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut true_positives, mut seen, mut previous_recall, mut sum) = (0usize, 0usize, 0.0, 0.0);
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        true_positives += order[start..end].iter().filter(|&&i| truth[i]).count();
        seen += end - start;
        let recall = true_positives as f64 / positives as f64;
        sum += (recall - previous_recall) * true_positives as f64 / seen as f64;
        previous_recall = recall;
        start = end;
    }
    Some(sum)
}

/// Average precision of positives against negatives.
pub fn link_average_precision(positive: &[f32], negative: &[f32]) -> Option<f64> {
    let (scores, truth) = labelled(positive, negative);
    average_precision(&scores, &truth)
}

/// Hits@K as OGB computes it for ogbl-ddi/collab/ppa: the share of positives scored strictly
/// above the K-th highest negative score; 1 when there are fewer than `k` negatives, `NaN`
/// without positives.
pub fn hits_at_k(positive: &[f32], negative: &[f32], k: usize) -> f64 {
    if positive.is_empty() {
        return f64::NAN;
    }
    if k == 0 || negative.len() < k {
        return 1.0;
    }
    let mut sorted = negative.to_vec();
    // The K-th largest: partition so that index k-1 holds it in descending order.
    sorted.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    let threshold = sorted[k - 1];
    positive.iter().filter(|&&s| s > threshold).count() as f64 / positive.len() as f64
}

/// Mean reciprocal rank as OGB computes it (ogbl-citation2, wikikg2): positive `i` is ranked
/// among its own `negatives_per_positive` negatives (row `i` of `negative`), ties half-way:
/// `rank = 1 + (#{neg > pos} + #{neg ≥ pos}) / 2`.
pub fn mean_reciprocal_rank(
    positive: &[f32],
    negative: &[f32],
    negatives_per_positive: usize,
) -> crate::Result<f64> {
    if positive.is_empty() || negative.len() != positive.len() * negatives_per_positive {
        return Err(NnError::ShapeMismatch {
            what: "negatives (one row per positive)".into(),
            expected: positive.len() * negatives_per_positive,
            actual: negative.len(),
        });
    }
    let mut sum = 0.0;
    for (row, &score) in positive.iter().enumerate() {
        let negatives = &negative[row * negatives_per_positive..(row + 1) * negatives_per_positive];
        let above = negatives.iter().filter(|&&n| n > score).count() as f64;
        let at_least = negatives.iter().filter(|&&n| n >= score).count() as f64;
        sum += 1.0 / (0.5 * (above + at_least) + 1.0);
    }
    Ok(sum / positive.len() as f64)
}

/// Which validation figure chooses the kept weights (and the early stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LinkMetric {
    /// ROC AUC.
    #[default]
    Auc,
    /// Average precision.
    Ap,
    /// Hits@K (the configured K).
    Hits,
}

impl LinkMetric {
    /// The name (`auc`, `ap`, `hits`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Auc => "auc",
            Self::Ap => "ap",
            Self::Hits => "hits",
        }
    }
}

impl FromStr for LinkMetric {
    type Err = NnError;

    fn from_str(name: &str) -> crate::Result<Self> {
        [Self::Auc, Self::Ap, Self::Hits]
            .into_iter()
            .find(|metric| metric.name() == name.to_ascii_lowercase())
            .ok_or_else(|| NnError::InvalidOption {
                option: "selection metric",
                reason: format!("unknown metric {name:?}; choose auc, ap or hits"),
            })
    }
}

/// ROC AUC, average precision and Hits@K of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkScores {
    /// ROC AUC.
    pub auc: f64,
    /// Average precision.
    pub ap: f64,
    /// Hits@`hits_k`.
    pub hits: f64,
    /// The K of Hits@K.
    pub hits_k: usize,
}

impl LinkScores {
    /// The three figures of `positive` against `negative` scores.
    pub fn of(positive: &[f32], negative: &[f32], hits_k: usize) -> Self {
        Self {
            auc: link_auc(positive, negative).unwrap_or(f64::NAN),
            ap: link_average_precision(positive, negative).unwrap_or(f64::NAN),
            hits: hits_at_k(positive, negative, hits_k),
            hits_k,
        }
    }

    /// The figure `metric` names.
    pub fn get(&self, metric: LinkMetric) -> f64 {
        match metric {
            LinkMetric::Auc => self.auc,
            LinkMetric::Ap => self.ap,
            LinkMetric::Hits => self.hits,
        }
    }
}
