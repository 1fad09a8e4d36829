//! Judging explanations: the explanation subgraph (top-k messages or a threshold), fidelity
//! (PyG's `torch_geometric.explain.metric.fidelity`, model explanations) and the ROC AUC of an
//! edge mask against ground truth.
//!
//! - `fidelity+` = share of explained predictions that *change* when the explanation subgraph is
//!   removed (mask `1 − m`): high when the explanation was necessary.
//! - `fidelity−` = share that change when *only* the explanation subgraph is kept (mask `m`):
//!   low when the explanation is sufficient.
//!
//! Both use the hard mask `m ∈ {0, 1}` of the selected messages; self-loops and messages outside
//! the computation subgraph keep weight 1. Feature masks are not applied (edge explanations).

use burn::tensor::{Tensor, TensorData};

use crate::error::{NnError, Result};
use crate::explain::explainer::{Explanation, ExplanationTarget};
use crate::metrics::argmax_rows;
use crate::ops::operator::SparseOperator;

/// Which messages form the explanation subgraph.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum EdgeSelection {
    /// The `k` messages with the largest mask (ties: the earlier message).
    TopK(usize),
    /// Messages whose mask is at least the threshold.
    Threshold(f32),
}

impl Explanation {
    /// Per message of [`Explanation::edges`]: whether it is in the explanation subgraph.
    pub fn selected(&self, selection: EdgeSelection) -> Vec<bool> {
        match selection {
            EdgeSelection::Threshold(threshold) => {
                self.edge_mask.iter().map(|&m| m >= threshold).collect()
            }
            EdgeSelection::TopK(k) => {
                let mut order: Vec<usize> = (0..self.edge_mask.len()).collect();
                order.sort_by(|&a, &b| {
                    self.edge_mask[b]
                        .total_cmp(&self.edge_mask[a])
                        .then(a.cmp(&b))
                });
                let mut chosen = vec![false; self.edge_mask.len()];
                for &m in order.iter().take(k) {
                    chosen[m] = true;
                }
                chosen
            }
        }
    }

    /// The `k` strongest messages `((source, target), mask)`, strongest first.
    pub fn top_edges(&self, k: usize) -> Vec<((usize, usize), f32)> {
        let mut order: Vec<usize> = (0..self.edge_mask.len()).collect();
        order.sort_by(|&a, &b| {
            self.edge_mask[b]
                .total_cmp(&self.edge_mask[a])
                .then(a.cmp(&b))
        });
        order
            .into_iter()
            .take(k)
            .map(|m| (self.edges[m], self.edge_mask[m]))
            .collect()
    }
}

/// Whether the prediction changed: `(without the explanation, with only the explanation)` — the
/// per-prediction terms of fidelity+ and fidelity−. `model`, `operator` and `features` are those
/// the explanation was computed with (the whole graph).
pub fn prediction_changes<F>(
    model: F,
    operator: &SparseOperator,
    features: &Tensor<2>,
    target: ExplanationTarget,
    explanation: &Explanation,
    selection: EdgeSelection,
) -> Result<(bool, bool)>
where
    F: Fn(&SparseOperator, Tensor<2>) -> Result<Tensor<2>>,
{
    let row = match target {
        ExplanationTarget::Node { node, .. } => node,
        ExplanationTarget::Graph => 0,
    };
    let chosen = explanation.selected(selection);
    let predict = |keep_selected: bool| -> Result<usize> {
        let mut values = vec![1.0f32; operator.nnz()];
        for (messages, &is_chosen) in explanation.entries.iter().zip(&chosen) {
            for &entry in messages {
                values[entry] = if is_chosen == keep_selected { 1.0 } else { 0.0 };
            }
        }
        let device = features.device();
        let multipliers =
            Tensor::<1>::from_data(TensorData::new(values, [operator.nnz()]), &device);
        let logits = model(&operator.with_multipliers(multipliers)?, features.clone())?;
        let [rows, classes] = logits.dims();
        if row >= rows {
            return Err(NnError::ShapeMismatch {
                what: "logit rows of the explained model".into(),
                expected: row + 1,
                actual: rows,
            });
        }
        let values = logits
            .narrow(0, row, 1)
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| NnError::Empty(format!("logits ({e:?})")))?;
        Ok(argmax_rows(&values, classes)[0])
    };
    let without = predict(false)?;
    let only = predict(true)?;
    Ok((
        without != explanation.predicted_class,
        only != explanation.predicted_class,
    ))
}

/// Fidelity+ and fidelity− over many explained predictions, from their
/// [`prediction_changes`].
pub fn fidelity(changes: &[(bool, bool)]) -> (f64, f64) {
    if changes.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = changes.len() as f64;
    let plus = changes.iter().filter(|c| c.0).count() as f64 / n;
    let minus = changes.iter().filter(|c| c.1).count() as f64 / n;
    (plus, minus)
}

/// For edges selected by `kind(source, target)` (e.g. N–O bonds): their share of the explanation's
/// total mask mass, and their share of the explained edges by count — the mask concentrates on
/// that kind when the first exceeds the second. `None` for an explanation without edges or mass.
pub fn mask_mass_share(
    explanation: &Explanation,
    kind: impl Fn(usize, usize) -> bool,
) -> Option<(f64, f64)> {
    let total: f64 = explanation.edge_mask.iter().map(|&m| f64::from(m)).sum();
    if explanation.edges.is_empty() || total <= 0.0 {
        return None;
    }
    let (mut mass, mut count) = (0.0f64, 0usize);
    for (&(source, target), &m) in explanation.edges.iter().zip(&explanation.edge_mask) {
        if kind(source, target) {
            mass += f64::from(m);
            count += 1;
        }
    }
    Some((mass / total, count as f64 / explanation.edges.len() as f64))
}
