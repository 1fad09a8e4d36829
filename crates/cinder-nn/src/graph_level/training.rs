//! Graph classification: training one configuration on one fold (mini-batches, Adam with step
//! decay, the kept epoch chosen on a validation slice of the training fold), testing it, and the
//! records a fold leaves (epochs, fold report, progress events). The configuration is in
//! `graph_training_config.rs`, model selection in `model_selection.rs`, cross-validation in
//! `cross_validation.rs`.

use std::time::Instant;

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use cinder_graph::{Fold, stratified_holdout};
use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::graph_level::batches::{GraphMiniBatch, GraphSet};
use crate::graph_level::config::{
    BatchNormStatistics, CandidateScore, FoldSelection, GraphTrainingConfig, Selection,
};
use crate::graph_level::models::GraphClassifier;
use crate::init::derive_seed;
use crate::loss::{Reduction, cross_entropy};
use crate::metrics::{argmax_rows, confusion_matrix};

/// One epoch of a fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training cross-entropy over the epoch's batches (dropout on).
    pub train_loss: f64,
    /// Training accuracy of those forward passes.
    pub train_accuracy: f64,
    /// Validation cross-entropy (evaluation mode).
    pub validation_loss: f64,
    /// Validation accuracy.
    pub validation_accuracy: f64,
    /// Wall time of the epoch's training: collation + forward + backward + optimizer steps (ms).
    pub epoch_ms: f64,
    /// Part of `epoch_ms` spent collating batches (ms).
    pub collate_ms: f64,
}

/// The outcome of one fold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoldReport {
    /// Fold number, from 1.
    pub fold: usize,
    /// Graphs trained on, held out for validation, and tested.
    pub sizes: [usize; 3],
    /// Per-epoch history.
    pub history: Vec<GraphEpochRecord>,
    /// Epoch whose weights were kept.
    pub best_epoch: usize,
    /// Validation accuracy of the kept weights.
    pub validation_accuracy: f64,
    /// Test accuracy of the kept weights.
    pub test_accuracy: f64,
    /// Test confusion matrix `[true][predicted]`.
    pub test_confusion: Vec<Vec<usize>>,
    /// With [`GraphTrainingConfig::model_selection`]: the candidates' validation scores and the
    /// configuration selected (whose run the rest of this report describes).
    #[serde(default)]
    pub selection: Option<FoldSelection>,
}

/// What a caller may display while training runs.
#[derive(Debug)]
pub enum TrainingEvent<'a> {
    /// A fold's kept model, right before [`TrainingEvent::FoldFinished`] (to checkpoint it).
    FoldModel {
        /// Fold number, from 1.
        fold: usize,
        /// The kept weights.
        model: &'a GraphClassifier,
    },
    /// A fold starts.
    FoldStarted {
        /// Fold number, from 1.
        fold: usize,
        /// Number of folds.
        folds: usize,
        /// Maximum epochs.
        epochs: usize,
    },
    /// An epoch ended.
    EpochFinished {
        /// Fold number, from 1.
        fold: usize,
        /// The epoch.
        record: &'a GraphEpochRecord,
    },
    /// With model selection: a candidate configuration of the fold finished training.
    CandidateFinished {
        /// Fold number, from 1.
        fold: usize,
        /// Candidate number, from 1.
        candidate: usize,
        /// Number of candidates.
        candidates: usize,
        /// Its validation score.
        score: &'a CandidateScore,
    },
    /// A fold ended.
    FoldFinished(&'a FoldReport),
}

/// Trains one configuration (its model-selection grid, if any, is ignored: see
/// [`crate::train_graph_fold`]) on `fold.train` minus a validation slice and tests on `fold.test`;
/// `fold_number` (from 1) seeds the run. Returns the kept model (in evaluation mode, on the plain
/// device) and the fold's report.
pub(crate) fn train_single_fold(
    set: &GraphSet,
    fold: &Fold,
    fold_number: usize,
    config: &GraphTrainingConfig,
    device: &Device,
    observer: &mut dyn FnMut(TrainingEvent<'_>),
) -> crate::Result<(GraphClassifier, FoldReport)> {
    config.check()?;
    fold.check(set.len())?;
    let expected = config.model.propagation(config.relations);
    if set.propagation() != expected {
        return Err(NnError::InvalidOption {
            option: "graph set",
            reason: format!(
                "a {} model with {} relation(s) needs graphs prepared with {expected:?}, got {:?}",
                config.model.name(),
                config.relations,
                set.propagation()
            ),
        });
    }
    let labels = set.labels();
    let seed = derive_seed(config.seed, fold_number as u64);
    let (mut train, mut validation) = stratified_holdout(
        &fold.train,
        &labels,
        config.validation_fraction,
        derive_seed(seed, 1),
    )?;
    let mut selection = config.selection;
    if !validation.is_empty()
        && validation.len() < config.min_validation_graphs
        && config.model_selection.is_none()
    {
        // Too few graphs to rank epochs: train on all of them and keep the last epoch, exactly
        // as `validation_fraction: 0.0, selection: Last` does (same graphs, same order).
        (train, validation) = stratified_holdout(&fold.train, &labels, 0.0, derive_seed(seed, 1))?;
        selection = Selection::Last;
    }
    let num_classes = set.num_classes();
    let mut model = config
        .model_options(set.width(), num_classes, seed)
        .init(device);
    let mut optimizer = AdamConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(
            (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay)),
        )
        .init();
    let validation_batch = (!validation.is_empty())
        .then(|| set.collate(&validation))
        .transpose()?;
    let evaluation_device = device.clone().inner();
    let statistics_batches = match config.batch_norm_statistics {
        BatchNormStatistics::Population => train
            .chunks(config.batch_size)
            .map(|members| set.collate(members))
            .collect::<crate::Result<Vec<_>>>()?,
        BatchNormStatistics::Running => Vec::new(),
    };

    let mut history: Vec<GraphEpochRecord> = Vec::with_capacity(config.epochs);
    // (validation accuracy, validation loss, epoch, model)
    let mut best: Option<(f64, f64, usize, Option<GraphClassifier>)> = None;
    for epoch in 1..=config.epochs {
        let learning_rate = match (epoch - 1).checked_div(config.decay_every) {
            Some(decays) => config.learning_rate * config.learning_rate_decay.powi(decays as i32),
            None => config.learning_rate,
        };
        let start = Instant::now();
        let mut collate_seconds = 0.0;
        let (mut loss_sum, mut correct, mut seen) = (0.0, 0usize, 0usize);
        let order = set.batches(
            &train,
            config.batch_size,
            Some(derive_seed(seed, 1000 + epoch as u64)),
        );
        for (step, members) in order.iter().enumerate() {
            let collate_start = Instant::now();
            let batch = set.collate(members)?;
            collate_seconds += collate_start.elapsed().as_secs_f64();
            let dropout_seed = derive_seed(seed, ((epoch as u64) << 20) + step as u64);
            let logits = model.forward(&batch, Some(dropout_seed))?;
            let loss = cross_entropy(
                logits.clone(),
                batch.one_hot_labels(num_classes, device),
                Reduction::Mean,
            );
            let gradients = GradientsParams::from_grads(loss.clone().backward(), &model);
            model = optimizer.step(learning_rate, model, gradients);
            let (batch_loss, batch_correct) = loss_and_correct(logits, loss, &batch)?;
            loss_sum += batch_loss * batch.num_graphs() as f64;
            correct += batch_correct;
            seen += batch.num_graphs();
        }
        let epoch_ms = start.elapsed().as_secs_f64() * 1e3;

        let train_loss = loss_sum / seen.max(1) as f64;
        if !train_loss.is_finite() {
            return Err(NnError::Diverged {
                epoch,
                what: format!("training loss of fold {fold_number}"),
            });
        }
        let train_accuracy = correct as f64 / seen.max(1) as f64;
        // `valid()` also copies batch-norm running statistics: a plain `clone()` would share them
        // with the model that keeps training.
        let snapshot = |model: &GraphClassifier| -> crate::Result<GraphClassifier> {
            let snapshot = model.valid();
            if statistics_batches.is_empty() {
                Ok(snapshot)
            } else {
                snapshot.with_population_statistics(&statistics_batches)
            }
        };
        let (validation_loss, validation_accuracy, evaluated) = match &validation_batch {
            Some(batch) => {
                let evaluated = snapshot(&model)?;
                let (loss, accuracy) =
                    evaluate(&evaluated, batch, num_classes, &evaluation_device)?;
                (loss, accuracy, Some(evaluated))
            }
            None => (train_loss, train_accuracy, None),
        };
        let record = GraphEpochRecord {
            epoch,
            train_loss,
            train_accuracy,
            validation_loss,
            validation_accuracy,
            epoch_ms,
            collate_ms: collate_seconds * 1e3,
        };
        observer(TrainingEvent::EpochFinished {
            fold: fold_number,
            record: &record,
        });
        history.push(record);

        let improved = best
            .as_ref()
            .is_none_or(|(accuracy, loss, _, _)| match selection {
                Selection::Accuracy => {
                    validation_accuracy > *accuracy
                        || (validation_accuracy == *accuracy && validation_loss < *loss)
                }
                Selection::Loss => validation_loss < *loss,
                Selection::Last => true,
            });
        if improved {
            // Without a validation slice, keeping the last epoch needs only the last snapshot.
            let skip = evaluated.is_none() && selection == Selection::Last && epoch < config.epochs;
            let kept = match evaluated {
                Some(evaluated) => Some(evaluated),
                None if skip => None,
                None => Some(snapshot(&model)?),
            };
            best = Some((validation_accuracy, validation_loss, epoch, kept));
        } else if config.patience > 0
            && best
                .as_ref()
                .is_some_and(|(_, _, best_epoch, _)| epoch - best_epoch >= config.patience)
        {
            break;
        }
    }
    let (validation_accuracy, _, best_epoch, model) =
        best.ok_or_else(|| NnError::Empty("training (0 epochs)".into()))?;
    let model = model.ok_or_else(|| NnError::Empty("the kept epoch's weights".into()))?;
    let (test_accuracy, test_confusion) = test(&model, set, &fold.test)?;
    let report = FoldReport {
        fold: fold_number,
        sizes: [train.len(), validation.len(), fold.test.len()],
        history,
        best_epoch,
        validation_accuracy,
        test_accuracy,
        test_confusion,
        selection: None,
    };
    Ok((model, report))
}

/// Accuracy and confusion matrix `[true][predicted]` of `model` on the graphs `members` of `set`
/// (NaN and an empty matrix when there are none).
pub(crate) fn test(
    model: &GraphClassifier,
    set: &GraphSet,
    members: &[usize],
) -> crate::Result<(f64, Vec<Vec<usize>>)> {
    if members.is_empty() {
        return Ok((f64::NAN, Vec::new()));
    }
    let batch = set.collate(members)?;
    let predictions = predict(model, &batch)?;
    let truth = batch.labels();
    let all: Vec<usize> = (0..truth.len()).collect();
    let correct = predictions
        .iter()
        .zip(truth)
        .filter(|(p, t)| p == t)
        .count();
    Ok((
        correct as f64 / truth.len() as f64,
        confusion_matrix(&predictions, truth, &all, set.num_classes()),
    ))
}

fn host_values<const D: usize>(tensor: burn::tensor::Tensor<D>) -> crate::Result<Vec<f32>> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| NnError::Empty(format!("tensor values ({e:?})")))
}

fn loss_and_correct(
    logits: burn::tensor::Tensor<2>,
    loss: burn::tensor::Tensor<1>,
    batch: &GraphMiniBatch,
) -> crate::Result<(f64, usize)> {
    let [_, width] = logits.dims();
    let predictions = argmax_rows(&host_values(logits)?, width);
    let correct = predictions
        .iter()
        .zip(batch.labels())
        .filter(|(p, t)| p == t)
        .count();
    let loss = host_values(loss)?
        .first()
        .copied()
        .map_or(f64::NAN, f64::from);
    Ok((loss, correct))
}

fn predict(model: &GraphClassifier, batch: &GraphMiniBatch) -> crate::Result<Vec<usize>> {
    let logits = model.forward(batch, None)?;
    let [_, width] = logits.dims();
    Ok(argmax_rows(&host_values(logits)?, width))
}

fn evaluate(
    model: &GraphClassifier,
    batch: &GraphMiniBatch,
    num_classes: usize,
    device: &Device,
) -> crate::Result<(f64, f64)> {
    let logits = model.forward(batch, None)?;
    let loss = cross_entropy(
        logits.clone(),
        batch.one_hot_labels(num_classes, device),
        Reduction::Mean,
    );
    loss_and_correct(logits, loss, batch)
        .map(|(loss, correct)| (loss, correct as f64 / batch.num_graphs() as f64))
}
