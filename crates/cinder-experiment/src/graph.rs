//! Graph-classification experiments: k-fold cross-validation (optionally with model selection)
//! with progress events, per-fold checkpoints and progress records, resume, and the run
//! directory.

use burn::module::Module;
use burn::tensor::Device;
use cinder_graph::Fold;
use cinder_nn::{
    CrossValidationReport, FoldReport, GraphSet, GraphTrainingConfig, TrainingEvent,
    cross_validate_parallel,
};

use crate::error::{ExperimentError, Result};
use crate::observer::{Event, Observer, Unit};
use crate::provenance::summed_confusion;
use crate::records::{CandidateRecord, EpochRow, RunConfig, SelectionRecord, UnitRow};
use crate::report::build_report;
use crate::run_directory::RunDirectory;

/// The readout of `config` as recorded: the configured one, or "selected per fold" with a
/// readout grid.
pub fn readout_name(config: &GraphTrainingConfig) -> &'static str {
    match &config.model_selection {
        Some(grid) if !grid.readout.is_empty() => "selected per fold",
        _ => config.readout.name(),
    }
}

/// A cross-validation of `config` on `set` over `folds`.
#[derive(Debug, Clone)]
pub struct GraphExperiment<'a> {
    /// Dataset name, for records and the report.
    pub dataset: String,
    /// Class names in class order.
    pub class_names: Vec<String>,
    /// The prepared graphs.
    pub set: &'a GraphSet,
    /// The folds (train / test graph indices).
    pub folds: Vec<Fold>,
    /// Whether the folds are the dataset's own (fixed) folds.
    pub fixed_folds: bool,
    /// The training configuration (with a grid: model selection per fold).
    pub config: GraphTrainingConfig,
    /// Folds trained at once (results are identical to one at a time).
    pub parallel_folds: usize,
    /// How the node features were chosen, in words.
    pub feature_choice: String,
}

impl GraphExperiment<'_> {
    /// The readout as recorded: the configured one, or "selected per fold" with a readout grid.
    pub fn readout(&self) -> &'static str {
        readout_name(&self.config)
    }

    /// Cross-validates on `device` (a plain device), reporting progress to `observer`. With a
    /// run directory, each finished fold's model (`checkpoints/fold-K.bpk`) and report
    /// (`progress/fold-K.json`) are saved as it ends, and folds already saved there are kept
    /// instead of trained again (resume; refused when a saved model cannot be loaded).
    pub fn run(
        &self,
        device: &Device,
        observer: &mut dyn Observer,
        directory: Option<&RunDirectory>,
    ) -> Result<CrossValidationReport> {
        let device = device.clone().autodiff();
        let done: Vec<FoldReport> = match directory {
            Some(directory) => {
                let done = directory.load_progress("fold")?;
                self.check_checkpoints(directory, &done, &device)?;
                for report in &done {
                    observer.observe(&Event::Note(&format!(
                        "fold {:>2}: finished earlier, test accuracy {:.4}",
                        report.fold, report.test_accuracy
                    )));
                }
                done
            }
            None => Vec::new(),
        };
        let mut persist_error = None;
        let report = cross_validate_parallel(
            self.set,
            &self.folds,
            self.fixed_folds,
            &self.config,
            &device,
            done,
            self.parallel_folds.max(1),
            &mut |event| {
                if let Some(directory) = directory
                    && persist_error.is_none()
                    && let Err(error) = persist(directory, &event)
                {
                    persist_error = Some(error);
                }
                forward(&event, self.folds.len(), observer);
            },
        )?;
        if let Some(error) = persist_error {
            return Err(error);
        }
        Ok(report)
    }

    /// Refuses to resume a run whose finished folds lack a loadable model (missing, truncated or
    /// of another shape): the resumed run would report models it does not have.
    fn check_checkpoints(
        &self,
        directory: &RunDirectory,
        finished: &[FoldReport],
        device: &Device,
    ) -> Result<()> {
        for report in finished {
            let fold = report.fold;
            // With model selection, the fold's model has the selected configuration's shape.
            let config = report
                .selection
                .as_ref()
                .map_or(&self.config, |s| &s.config);
            let options =
                config.model_options(self.set.width(), self.set.num_classes(), config.seed);
            let path = directory.checkpoint_path("fold", fold);
            let loaded = if path.exists() {
                options
                    .init(device)
                    .try_load_file(&path)
                    .map(|_| ())
                    .map_err(|error| error.to_string())
            } else {
                Err("missing".to_string())
            };
            if let Err(reason) = loaded {
                return Err(ExperimentError::Run {
                    path,
                    reason: format!(
                        "the model of finished fold {fold} cannot be loaded ({reason}); delete {} and the later progress files to retrain from fold {fold}",
                        directory
                            .join(format!("progress/fold-{fold}.json"))
                            .display()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Writes the run's records (`config.json`, `metrics.csv`, `folds.csv`) and `report.html`
    /// into `directory`; `extra` adds fields to `config.json`. Returns the report's path.
    pub fn write_run(
        &self,
        directory: &RunDirectory,
        report: &CrossValidationReport,
        command: Option<String>,
        extra: serde_json::Map<String, serde_json::Value>,
    ) -> Result<std::path::PathBuf> {
        let json_error = |e: serde_json::Error| ExperimentError::Json {
            path: directory.join("config.json"),
            reason: e.to_string(),
        };
        let mut all_extra = serde_json::Map::new();
        all_extra.insert("input_features".into(), self.feature_choice.clone().into());
        all_extra.insert(
            "training".into(),
            serde_json::to_value(&report.config).map_err(json_error)?,
        );
        all_extra.extend(extra);
        let model_selection = report
            .folds
            .iter()
            .filter_map(|fold| {
                let selection = fold.selection.as_ref()?;
                let candidates = selection
                    .candidates
                    .iter()
                    .map(|c| CandidateRecord {
                        description: c.description.clone(),
                        validation_accuracy: c.validation_accuracy,
                        extra: serde_json::Map::from_iter([
                            ("validation_loss".to_string(), c.validation_loss.into()),
                            ("best_epoch".to_string(), c.best_epoch.into()),
                        ]),
                    })
                    .collect();
                Some(SelectionRecord {
                    fold: fold.fold,
                    selected: selection.candidates[selection.selected].description.clone(),
                    candidates,
                })
            })
            .collect();
        let config = RunConfig {
            kind: "graph-classification".into(),
            dataset: self.dataset.clone(),
            model: report.config.model.name().into(),
            readout: Some(self.readout().into()),
            unit: Unit::Fold.name().into(),
            seeds: Vec::new(),
            command,
            protocol: Some(report.protocol.clone()),
            class_names: self.class_names.clone(),
            test_confusion: summed_confusion(
                report.folds.iter().map(|f| &f.test_confusion),
                self.class_names.len(),
            ),
            mean_test_accuracy: Some(report.mean_test_accuracy),
            std_test_accuracy: Some(report.std_test_accuracy),
            model_selection,
            extra: all_extra,
        };
        directory.write_config(&config)?;
        let epochs: Vec<EpochRow> = report
            .folds
            .iter()
            .flat_map(|fold| {
                let history = fold.history.iter();
                history.map(|record| EpochRow::of_graph(fold.fold, record))
            })
            .collect();
        directory.write_epochs(Unit::Fold, &epochs)?;
        let units: Vec<UnitRow> = report
            .folds
            .iter()
            .map(|fold| UnitRow {
                unit: fold.fold,
                best_epoch: fold.best_epoch,
                validation_accuracy: fold.validation_accuracy,
                test_accuracy: fold.test_accuracy,
            })
            .collect();
        directory.write_units(Unit::Fold, &units)?;
        build_report(directory)
    }
}

/// Saves a finished fold (its kept model, then its report) into the run directory.
fn persist(directory: &RunDirectory, event: &TrainingEvent<'_>) -> Result<()> {
    match event {
        TrainingEvent::FoldModel { fold, model } => {
            directory.save_checkpoint((*model).clone(), "fold", fold)?;
        }
        TrainingEvent::FoldFinished(report) => {
            directory.save_progress("fold", report.fold, report)?;
        }
        _ => {}
    }
    Ok(())
}

/// Turns cross-validation's events into observer events.
fn forward(event: &TrainingEvent<'_>, folds: usize, observer: &mut dyn Observer) {
    match event {
        TrainingEvent::FoldModel { .. } => {}
        TrainingEvent::FoldStarted { fold, epochs, .. } => observer.observe(&Event::Started {
            unit: Unit::Fold,
            index: *fold,
            count: folds,
            steps: *epochs,
            label: &format!("fold {fold}/{folds}"),
        }),
        TrainingEvent::EpochFinished { fold, record } => observer.observe(&Event::Epoch {
            unit: Unit::Fold,
            index: *fold,
            metrics: EpochRow::of_graph(*fold, record).metrics(true),
        }),
        TrainingEvent::CandidateFinished {
            fold,
            candidate,
            candidates,
            score,
        } => observer.observe(&Event::Note(&format!(
            "fold {fold:>2} candidate {candidate}/{candidates} ({}): validation accuracy {:.4}, loss {:.4} (epoch {})",
            score.description, score.validation_accuracy, score.validation_loss, score.best_epoch
        ))),
        TrainingEvent::FoldFinished(report) => {
            if let Some(selection) = &report.selection {
                observer.observe(&Event::Note(&format!(
                    "fold {:>2}: selected {}",
                    report.fold, selection.candidates[selection.selected].description
                )));
            }
            observer.observe(&Event::Note(&format!(
                "fold {:>2}: test accuracy {:.4}  (validation {:.4}, best epoch {:>3} of {:>3}; train/val/test {}/{}/{})",
                report.fold,
                report.test_accuracy,
                report.validation_accuracy,
                report.best_epoch,
                report.history.len(),
                report.sizes[0],
                report.sizes[1],
                report.sizes[2]
            )));
            observer.observe(&Event::Finished {
                unit: Unit::Fold,
                index: report.fold,
                count: folds,
                best_epoch: Some(report.best_epoch),
                validation_accuracy: Some(report.validation_accuracy),
                test_accuracy: Some(report.test_accuracy),
            });
        }
    }
}
