//! Model selection inside each cross-validation fold, the protocol of Errica et al. 2020 ("A fair
//! comparison of graph neural networks for graph classification"): every configuration of a small
//! grid is trained on the fold's training graphs minus a stratified validation slice (the same
//! slice for every configuration), the configuration with the best validation accuracy is kept
//! (ties: lower validation loss, then the earlier grid entry), and only its model ever sees the
//! fold's test graphs, once.

use burn::tensor::Device;
use cinder_graph::Fold;

use crate::error::NnError;
use crate::graph_level::batches::GraphSet;
use crate::graph_level::config::{CandidateScore, ConfigGrid, FoldSelection, GraphTrainingConfig};
use crate::graph_level::models::GraphClassifier;
use crate::graph_level::training::{FoldReport, TrainingEvent, test, train_single_fold};

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
    config.check()?;
    fold.check(set.len())?;
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
            train_single_fold(set, &inner, fold_number, &candidate, device, observer)?;
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
