//! Model selection inside each cross-validation fold, the protocol of Errica et al. 2020 ("A fair
//! comparison of graph neural networks for graph classification"): every configuration of a small
//! grid is trained on the fold's training graphs minus a stratified validation slice (the same
//! slice for every configuration), the configuration with the best validation accuracy is kept
//! (ties: lower validation loss, then the earlier grid entry), and only its model ever sees the
//! fold's test graphs, once.

use burn::tensor::Device;
use cinder_graph::Fold;
use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::graph_batches::GraphSet;
use crate::graph_classification::{
    FoldReport, GraphTrainingConfig, TrainingEvent, test, train_graph_fold,
};
use crate::graph_models::GraphClassifier;
use crate::readout::Readout;

/// The most configurations a grid may hold (each is trained once per fold).
pub const MAX_GRID_SIZE: usize = 64;

/// Values to try for some options; an empty list keeps the base configuration's value. The
/// candidates are the Cartesian product, in the order hidden → layers → readout → dropout →
/// learning rate (the last varies fastest).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConfigGrid {
    /// Hidden widths.
    #[serde(default)]
    pub hidden: Vec<usize>,
    /// Depths (as [`GraphTrainingConfig::layers`]).
    #[serde(default)]
    pub layers: Vec<usize>,
    /// Readouts.
    #[serde(default)]
    pub readout: Vec<Readout>,
    /// Dropout probabilities.
    #[serde(default)]
    pub dropout: Vec<f32>,
    /// Adam learning rates.
    #[serde(default)]
    pub learning_rate: Vec<f64>,
}

/// How one configuration of the grid did on a fold's validation slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The options this candidate sets, e.g. `hidden 32, readout sum`.
    pub description: String,
    /// Validation accuracy of its kept epoch.
    pub validation_accuracy: f64,
    /// Validation loss of its kept epoch.
    pub validation_loss: f64,
    /// Its kept epoch.
    pub best_epoch: usize,
}

/// The model selection of one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldSelection {
    /// Every candidate, in grid order.
    pub candidates: Vec<CandidateScore>,
    /// Index of the selected candidate.
    pub selected: usize,
    /// The selected configuration (the one the fold's model has).
    pub config: GraphTrainingConfig,
}

impl ConfigGrid {
    /// The default grid of `--protocol errica`: hidden width {32, 64} × readout {sum, mean}
    /// (a subset of Errica et al.'s grids, which also vary depth, dropout, learning rate and
    /// batch size; add axes with the other fields).
    pub fn errica() -> Self {
        Self {
            hidden: vec![32, 64],
            readout: vec![Readout::Sum, Readout::Mean],
            ..Self::default()
        }
    }

    /// Number of candidates (1 for an empty grid: the base configuration).
    pub fn len(&self) -> usize {
        [
            self.hidden.len(),
            self.layers.len(),
            self.readout.len(),
            self.dropout.len(),
            self.learning_rate.len(),
        ]
        .iter()
        .map(|&n| n.max(1))
        .product()
    }

    /// True when no option varies.
    pub fn is_empty(&self) -> bool {
        self.len() == 1
    }

    /// The grid in words, e.g. `hidden {32, 64} x readout {sum, mean}`.
    pub fn describe(&self) -> String {
        fn axis<T>(name: &str, values: &[T], show: impl Fn(&T) -> String) -> Option<String> {
            (!values.is_empty()).then(|| {
                let shown: Vec<String> = values.iter().map(show).collect();
                format!("{name} {{{}}}", shown.join(", "))
            })
        }
        let axes: Vec<String> = [
            axis("hidden", &self.hidden, |v| v.to_string()),
            axis("layers", &self.layers, |v| v.to_string()),
            axis("readout", &self.readout, |v| v.name().to_string()),
            axis("dropout", &self.dropout, |v| v.to_string()),
            axis("lr", &self.learning_rate, |v| v.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if axes.is_empty() {
            "the base configuration only".into()
        } else {
            axes.join(" x ")
        }
    }

    /// Checks the values and the grid's size.
    pub fn check(&self) -> crate::Result<()> {
        let invalid = |reason: String| {
            Err(NnError::InvalidOption {
                option: "model-selection grid",
                reason,
            })
        };
        if self.hidden.contains(&0) || self.layers.contains(&0) {
            return invalid("hidden widths and depths must be at least 1".into());
        }
        if let Some(p) = self.dropout.iter().find(|p| !(0.0..1.0).contains(*p)) {
            return invalid(format!("dropout {p} is not in [0, 1)"));
        }
        if let Some(lr) = self
            .learning_rate
            .iter()
            .find(|lr| !(**lr > 0.0 && lr.is_finite()))
        {
            return invalid(format!("learning rate {lr} is not positive"));
        }
        if self.len() > MAX_GRID_SIZE {
            return invalid(format!(
                "{} has {} configurations, more than {MAX_GRID_SIZE} (each trains once per fold)",
                self.describe(),
                self.len()
            ));
        }
        Ok(())
    }

    /// Every candidate: `base` with the grid's values set (and no grid of its own), with the
    /// options it sets in words.
    pub fn candidates(&self, base: &GraphTrainingConfig) -> Vec<(String, GraphTrainingConfig)> {
        let mut base = base.clone();
        base.model_selection = None;
        let mut out = vec![(Vec::<String>::new(), base)];
        fn expand<T: Copy>(
            out: Vec<(Vec<String>, GraphTrainingConfig)>,
            values: &[T],
            name: &str,
            show: impl Fn(T) -> String,
            set: impl Fn(&mut GraphTrainingConfig, T),
        ) -> Vec<(Vec<String>, GraphTrainingConfig)> {
            if values.is_empty() {
                return out;
            }
            let mut expanded = Vec::with_capacity(out.len() * values.len());
            for (words, config) in out {
                for &value in values {
                    let mut words = words.clone();
                    words.push(format!("{name} {}", show(value)));
                    let mut config = config.clone();
                    set(&mut config, value);
                    expanded.push((words, config));
                }
            }
            expanded
        }
        out = expand(
            out,
            &self.hidden,
            "hidden",
            |v| v.to_string(),
            |c, v| c.hidden = v,
        );
        out = expand(
            out,
            &self.layers,
            "layers",
            |v| v.to_string(),
            |c, v| c.layers = v,
        );
        out = expand(
            out,
            &self.readout,
            "readout",
            |v| v.name().to_string(),
            |c, v| c.readout = v,
        );
        out = expand(
            out,
            &self.dropout,
            "dropout",
            |v| v.to_string(),
            |c, v| c.dropout = v,
        );
        out = expand(
            out,
            &self.learning_rate,
            "lr",
            |v| v.to_string(),
            |c, v| c.learning_rate = v,
        );
        out.into_iter()
            .map(|(words, config)| {
                let words = if words.is_empty() {
                    "base configuration".to_string()
                } else {
                    words.join(", ")
                };
                (words, config)
            })
            .collect()
    }
}

/// Trains every candidate of `grid` on `fold.train` (each holding out the same validation slice:
/// they share the fold's seed), keeps the best on validation and tests only that one on
/// `fold.test`. The observer sees each candidate's epochs as they run and a
/// [`TrainingEvent::CandidateFinished`] after each.
pub(crate) fn select_and_train(
    set: &GraphSet,
    fold: &Fold,
    fold_number: usize,
    config: &GraphTrainingConfig,
    grid: &ConfigGrid,
    device: &Device,
    observer: &mut dyn FnMut(TrainingEvent<'_>),
) -> crate::Result<(GraphClassifier, FoldReport)> {
    grid.check()?;
    if config.validation_fraction <= 0.0 {
        return Err(NnError::InvalidOption {
            option: "model selection",
            reason: "candidates are compared on a validation slice: the validation fraction must be above 0 (GraphTrainingConfig::with_model_selection sets 0.1)".into(),
        });
    }
    let inner = Fold {
        train: fold.train.clone(),
        test: Vec::new(),
    };
    let candidates = grid.candidates(config);
    let count = candidates.len();
    let mut scores = Vec::with_capacity(count);
    let mut best: Option<(usize, GraphClassifier, FoldReport, GraphTrainingConfig)> = None;
    for (index, (description, candidate)) in candidates.into_iter().enumerate() {
        let (model, report) =
            train_graph_fold(set, &inner, fold_number, &candidate, device, observer)?;
        let validation_loss = report
            .history
            .get(report.best_epoch.saturating_sub(1))
            .map_or(f64::NAN, |record| record.validation_loss);
        let score = CandidateScore {
            description,
            validation_accuracy: report.validation_accuracy,
            validation_loss,
            best_epoch: report.best_epoch,
        };
        observer(TrainingEvent::CandidateFinished {
            fold: fold_number,
            candidate: index + 1,
            candidates: count,
            score: &score,
        });
        let better = best.as_ref().is_none_or(|(kept, ..)| {
            let kept: &CandidateScore = &scores[*kept];
            score.validation_accuracy > kept.validation_accuracy
                || (score.validation_accuracy == kept.validation_accuracy
                    && score.validation_loss < kept.validation_loss)
        });
        scores.push(score);
        if better {
            best = Some((index, model, report, candidate));
        }
    }
    let (selected, model, mut report, chosen) =
        best.ok_or_else(|| NnError::Empty("the model-selection grid".into()))?;
    let (test_accuracy, test_confusion) = test(&model, set, &fold.test)?;
    report.test_accuracy = test_accuracy;
    report.test_confusion = test_confusion;
    report.sizes[2] = fold.test.len();
    report.selection = Some(FoldSelection {
        candidates: scores,
        selected,
        config: chosen,
    });
    Ok((model, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph_models::GraphModelKind;

    #[test]
    fn candidates_are_the_cartesian_product_in_order() {
        let base = GraphTrainingConfig::new(GraphModelKind::Gcn);
        let grid = ConfigGrid {
            hidden: vec![16, 32],
            readout: vec![Readout::Sum, Readout::Mean, Readout::Max],
            ..ConfigGrid::default()
        };
        assert_eq!(grid.len(), 6);
        let candidates = grid.candidates(&base);
        assert_eq!(candidates.len(), 6);
        assert_eq!(candidates[0].0, "hidden 16, readout sum");
        assert_eq!(candidates[5].0, "hidden 32, readout max");
        assert_eq!(candidates[4].1.hidden, 32);
        assert_eq!(candidates[4].1.readout, Readout::Mean);
        assert_eq!(candidates[4].1.layers, base.layers);
        assert!(candidates.iter().all(|(_, c)| c.model_selection.is_none()));
        assert_eq!(
            grid.describe(),
            "hidden {16, 32} x readout {sum, mean, max}"
        );
        let empty = ConfigGrid::default();
        assert!(empty.is_empty());
        assert_eq!(empty.candidates(&base).len(), 1);
    }

    #[test]
    fn bad_grids_are_refused_with_the_reason() {
        let zero = ConfigGrid {
            hidden: vec![0],
            ..ConfigGrid::default()
        };
        assert!(zero.check().unwrap_err().to_string().contains("at least 1"));
        let dropout = ConfigGrid {
            dropout: vec![0.5, 1.0],
            ..ConfigGrid::default()
        };
        assert!(
            dropout
                .check()
                .unwrap_err()
                .to_string()
                .contains("dropout 1")
        );
        let huge = ConfigGrid {
            hidden: (1..=9).collect(),
            layers: (1..=9).collect(),
            ..ConfigGrid::default()
        };
        assert!(
            huge.check()
                .unwrap_err()
                .to_string()
                .contains("81 configurations")
        );
    }
}
