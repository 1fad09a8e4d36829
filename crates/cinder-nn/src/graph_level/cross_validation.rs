//! k-fold cross-validation of graph classifiers: each fold trains (selecting the model first when
//! the configuration carries a grid) and tests once; folds run one at a time or several at once
//! with identical results, and finished folds can be handed back in to resume.

use burn::tensor::Device;
use cinder_graph::Fold;
use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::graph_level::batches::GraphSet;
use crate::graph_level::config::GraphTrainingConfig;
use crate::graph_level::model_selection::select_and_train;
use crate::graph_level::models::GraphClassifier;
use crate::graph_level::training::{FoldReport, TrainingEvent, train_single_fold};
use crate::statistics::median;

/// Trains on `fold.train` (minus a validation slice) and tests on `fold.test`; `fold_number`
/// (from 1) seeds the run. With a model-selection grid in `config`, every candidate trains on the
/// same split and only the best on validation is tested. Returns the kept model (in evaluation
/// mode, on the plain device) and the fold's report.
pub fn train_graph_fold(
    set: &GraphSet,
    fold: &Fold,
    fold_number: usize,
    config: &GraphTrainingConfig,
    device: &Device,
    observer: &mut dyn FnMut(TrainingEvent<'_>),
) -> crate::Result<(GraphClassifier, FoldReport)> {
    match &config.model_selection {
        Some(grid) => select_and_train(set, fold, fold_number, config, grid, device, observer),
        None => train_single_fold(set, fold, fold_number, config, device, observer),
    }
}

/// The outcome of [`cross_validate`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrossValidationReport {
    /// The configuration used.
    pub config: GraphTrainingConfig,
    /// The protocol, in words.
    pub protocol: String,
    /// One report per fold.
    pub folds: Vec<FoldReport>,
    /// Test accuracy of each fold.
    pub per_fold_test_accuracy: Vec<f64>,
    /// Mean test accuracy over folds.
    pub mean_test_accuracy: f64,
    /// Population standard deviation of the folds' test accuracies.
    pub std_test_accuracy: f64,
    /// Median epoch time over all epochs of all folds (collation included), ms.
    pub epoch_ms_median: f64,
    /// Median collation time per epoch, ms.
    pub collate_ms_median: f64,
}

/// Runs every fold of `folds` (`fixed_folds`: they come with the dataset, for the protocol text).
pub fn cross_validate(
    set: &GraphSet,
    folds: &[Fold],
    fixed_folds: bool,
    config: &GraphTrainingConfig,
    device: &Device,
    observer: &mut dyn FnMut(TrainingEvent<'_>),
) -> crate::Result<CrossValidationReport> {
    cross_validate_resuming(
        set,
        folds,
        fixed_folds,
        config,
        device,
        Vec::new(),
        observer,
    )
}

/// [`cross_validate`] continuing an interrupted run: `done` holds the reports of folds 1..=k
/// already trained (in order; their sizes must match `folds`), and only folds k+1.. are trained.
/// Each fold is trained from its own seed, so a resumed run gives the same numbers as an
/// uninterrupted one.
pub fn cross_validate_resuming(
    set: &GraphSet,
    folds: &[Fold],
    fixed_folds: bool,
    config: &GraphTrainingConfig,
    device: &Device,
    done: Vec<FoldReport>,
    observer: &mut dyn FnMut(TrainingEvent<'_>),
) -> crate::Result<CrossValidationReport> {
    cross_validate_parallel(set, folds, fixed_folds, config, device, done, 1, observer)
}

/// [`cross_validate_resuming`] training up to `parallel_folds` folds at once, each on its own
/// thread (small-graph batches leave cores idle). Results are identical to the sequential run:
/// each fold is seeded by its number. With more than one fold at a time, the observer receives
/// each fold's events (its epochs included) when the fold has finished, in fold order.
#[allow(clippy::too_many_arguments)]
pub fn cross_validate_parallel(
    set: &GraphSet,
    folds: &[Fold],
    fixed_folds: bool,
    config: &GraphTrainingConfig,
    device: &Device,
    done: Vec<FoldReport>,
    parallel_folds: usize,
    observer: &mut dyn FnMut(TrainingEvent<'_>),
) -> crate::Result<CrossValidationReport> {
    if folds.is_empty() {
        return Err(NnError::Empty("the list of folds".into()));
    }
    if done.len() > folds.len() {
        return Err(NnError::InvalidOption {
            option: "finished folds",
            reason: format!(
                "{} finished folds given for a {}-fold run",
                done.len(),
                folds.len()
            ),
        });
    }
    for (index, report) in done.iter().enumerate() {
        let fold = &folds[index];
        if report.fold != index + 1
            || report.sizes[0] + report.sizes[1] != fold.train.len()
            || report.sizes[2] != fold.test.len()
        {
            return Err(NnError::InvalidOption {
                option: "finished folds",
                reason: format!(
                    "finished fold {} (fold number {}, sizes {:?}) does not match fold {} of this run ({} training, {} test graphs)",
                    index + 1,
                    report.fold,
                    report.sizes,
                    index + 1,
                    fold.train.len(),
                    fold.test.len()
                ),
            });
        }
    }
    let mut reports = done;
    let pending: Vec<usize> = (reports.len()..folds.len()).collect();
    for wave in pending.chunks(parallel_folds.max(1)) {
        if let [index] = *wave {
            observer(TrainingEvent::FoldStarted {
                fold: index + 1,
                folds: folds.len(),
                epochs: config.epochs,
            });
            let (model, report) =
                train_graph_fold(set, &folds[index], index + 1, config, device, observer)?;
            observer(TrainingEvent::FoldModel {
                fold: index + 1,
                model: &model,
            });
            observer(TrainingEvent::FoldFinished(&report));
            reports.push(report);
            continue;
        }
        // Folds of a wave train on their own threads; each is seeded by its fold number, so the
        // results equal a sequential run. The observer sees each fold's events afterwards, in
        // fold order.
        let trained: Vec<crate::Result<(GraphClassifier, FoldReport)>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = wave
                    .iter()
                    .map(|&index| {
                        scope.spawn(move || {
                            train_graph_fold(
                                set,
                                &folds[index],
                                index + 1,
                                config,
                                device,
                                &mut |_| {},
                            )
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .zip(wave)
                    .map(|(handle, index)| {
                        handle.join().unwrap_or_else(|_| {
                            Err(NnError::InvalidOption {
                                option: "parallel folds",
                                reason: format!("the thread training fold {} panicked", index + 1),
                            })
                        })
                    })
                    .collect()
            });
        for (&index, result) in wave.iter().zip(trained) {
            let (model, report) = result?;
            observer(TrainingEvent::FoldStarted {
                fold: index + 1,
                folds: folds.len(),
                epochs: config.epochs,
            });
            for record in &report.history {
                observer(TrainingEvent::EpochFinished {
                    fold: index + 1,
                    record,
                });
            }
            if let Some(selection) = &report.selection {
                for (candidate, score) in selection.candidates.iter().enumerate() {
                    observer(TrainingEvent::CandidateFinished {
                        fold: index + 1,
                        candidate: candidate + 1,
                        candidates: selection.candidates.len(),
                        score,
                    });
                }
            }
            observer(TrainingEvent::FoldModel {
                fold: index + 1,
                model: &model,
            });
            observer(TrainingEvent::FoldFinished(&report));
            reports.push(report);
        }
    }
    let accuracies: Vec<f64> = reports.iter().map(|r| r.test_accuracy).collect();
    let (mean, std) = crate::statistics::mean_std(&accuracies);
    let epochs = reports.iter().flat_map(|r| &r.history);
    let epoch_ms: Vec<f64> = epochs.clone().map(|e| e.epoch_ms).collect();
    let collate_ms: Vec<f64> = epochs.map(|e| e.collate_ms).collect();
    Ok(CrossValidationReport {
        config: config.clone(),
        protocol: config.protocol(folds.len(), fixed_folds),
        folds: reports,
        per_fold_test_accuracy: accuracies,
        mean_test_accuracy: mean,
        std_test_accuracy: std,
        epoch_ms_median: median(&epoch_ms),
        collate_ms_median: median(&collate_ms),
    })
}
