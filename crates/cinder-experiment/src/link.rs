//! Link-prediction experiments: one training run per seed (each on its own edge split, or all on
//! the dataset's), with progress events, checkpoints, resume (finished runs are skipped), the
//! run directory's records and the summary `--json` prints.

use std::time::Instant;

use burn::tensor::Device;
use cinder_nn::{LinkModel, LinkTrainingReport, mean_std, median, train_link_model_observed};

use crate::error::{ExperimentError, Result};
use crate::link_records::{LinkEpochRow, LinkRun};
use crate::link_report::{LinkCurves, build_link_report};
use crate::link_request::{LinkRunRow, LinkTrainingRequest, LinkTrainingSummary, PreparedLinks};
use crate::observer::{EpochMetrics, Event, Observer, Unit};
use crate::records::RunConfig;
use crate::resources::{peak_resident_megabytes, worker_threads};
use crate::run_directory::RunDirectory;

/// The outcome of [`PreparedLinks::run`].
#[derive(Debug, Clone)]
pub struct LinkExperimentResult {
    /// One per seed, in seed order.
    pub runs: Vec<LinkRun>,
    /// The kept model of each run trained by this call (`None` for runs resumed from disk).
    pub models: Vec<Option<LinkModel>>,
    /// Median epoch time over every run's epochs after the first 10, ms.
    pub epoch_ms_median: f64,
    /// Wall time of this call, seconds.
    pub seconds: f64,
}

impl LinkExperimentResult {
    fn figures(&self, pick: fn(&LinkTrainingReport) -> f64) -> (f64, f64) {
        let values: Vec<f64> = self.runs.iter().map(|r| pick(&r.report)).collect();
        mean_std(&values)
    }
}

impl PreparedLinks {
    /// Trains every seed of `request` on `device` (a plain device; autodiff is enabled here),
    /// reporting progress to `observer`. With a run directory, each finished run is checkpointed
    /// (`checkpoints/seed-S.bpk`) and recorded (`progress/run-K.json`), and runs already recorded
    /// there are not trained again (resume).
    pub fn run(
        &self,
        request: &LinkTrainingRequest,
        device: &Device,
        observer: &mut dyn Observer,
        directory: Option<&RunDirectory>,
    ) -> Result<LinkExperimentResult> {
        request.check()?;
        let start = Instant::now();
        let device = device.clone().autodiff();
        let finished: Vec<LinkRun> = match directory {
            Some(directory) => directory.load_progress("run")?,
            None => Vec::new(),
        };
        let count = request.seeds.len();
        let (mut runs, mut models) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for (position, &seed) in request.seeds.iter().enumerate() {
            let index = position + 1;
            if let (Some(directory), Some(done)) = (directory, finished.get(position)) {
                directory.check_finished(index, done.seed, seed)?;
                observer.observe(&Event::Note(&format!(
                    "run {index}/{count} (seed {seed}): finished earlier, test AUC {:.4}",
                    done.report.test.auc
                )));
                runs.push(done.clone());
                models.push(None);
                continue;
            }
            let split = self.split_for(request, seed)?;
            let config = request.config.clone().with_seed(seed);
            observer.observe(&Event::Started {
                unit: Unit::Seed,
                index,
                count,
                steps: config.epochs,
                label: &format!("seed {seed}"),
            });
            let selection = config.selection;
            let mut last_validation = None;
            let (model, report) =
                train_link_model_observed(&self.graph, &split, &config, &device, &mut |record| {
                    if let Some(scores) = record.validation {
                        last_validation = Some(scores.get(selection));
                    }
                    observer.observe(&Event::Epoch {
                        unit: Unit::Seed,
                        index,
                        metrics: EpochMetrics {
                            epoch: record.epoch,
                            train_loss: record.loss,
                            train_accuracy: f64::NAN,
                            validation_loss: None,
                            validation_accuracy: last_validation,
                            ms: record.step_ms,
                        },
                    });
                })?;
            observer.observe(&Event::Finished {
                unit: Unit::Seed,
                index,
                count,
                best_epoch: Some(report.best_epoch),
                validation_accuracy: None,
                test_accuracy: None,
            });
            let run = LinkRun { seed, report };
            if let Some(directory) = directory {
                directory.save_checkpoint(model.clone(), "seed", seed)?;
                directory.save_progress("run", index, &run)?;
            }
            runs.push(run);
            models.push(Some(model));
        }
        let steps: Vec<f64> = runs
            .iter()
            .flat_map(|r| {
                let history = &r.report.history;
                let skip = 10.min(history.len().saturating_sub(1));
                history.iter().skip(skip).map(|e| e.step_ms)
            })
            .collect();
        Ok(LinkExperimentResult {
            epoch_ms_median: median(&steps),
            seconds: start.elapsed().as_secs_f64(),
            runs,
            models,
        })
    }

    /// The summary of `result` (written into `run_directory`, if any).
    pub fn summary(
        &self,
        request: &LinkTrainingRequest,
        result: &LinkExperimentResult,
        run_directory: Option<&std::path::Path>,
    ) -> LinkTrainingSummary {
        let (mean_test_auc, std_test_auc) = result.figures(|r| r.test.auc);
        let (mean_test_ap, std_test_ap) = result.figures(|r| r.test.ap);
        let (mean_test_hits, std_test_hits) = result.figures(|r| r.test.hits);
        LinkTrainingSummary {
            dataset: self.dataset.clone(),
            model: request.config.model.encoder.name().into(),
            decoder: request.config.model.decoder.name().into(),
            nodes: self.graph.num_nodes(),
            edges: self.graph.num_edges(),
            seeds: request.seeds.clone(),
            runs: result
                .runs
                .iter()
                .map(|run| LinkRunRow {
                    seed: run.seed,
                    test_auc: run.report.test.auc,
                    test_ap: run.report.test.ap,
                    test_hits: run.report.test.hits,
                    validation_auc: run.report.validation.auc,
                    validation_hits: run.report.validation.hits,
                    best_epoch: run.report.best_epoch,
                    epochs_run: run.report.epochs_run,
                })
                .collect(),
            mean_test_auc,
            std_test_auc,
            mean_test_ap,
            std_test_ap,
            mean_test_hits,
            std_test_hits,
            hits_k: request.config.hits_k,
            epoch_ms_median: result.epoch_ms_median,
            train_seconds_total: result.seconds,
            peak_rss_mb: peak_resident_megabytes(),
            threads: worker_threads(),
            config: request.config.resolved(self.graph.num_nodes()),
            split: request.split,
            run_directory: run_directory.map(|d| d.display().to_string()),
        }
    }

    /// Writes the run's records (`config.json`, `metrics.csv`, `runs.csv`, `curves.json`) and
    /// its `report.html` into `directory`; `extra` adds fields to `config.json`. Returns the
    /// report's path.
    pub fn write_run(
        &self,
        request: &LinkTrainingRequest,
        directory: &RunDirectory,
        result: &LinkExperimentResult,
        command: Option<String>,
        extra: serde_json::Map<String, serde_json::Value>,
    ) -> Result<std::path::PathBuf> {
        let json = |value: serde_json::Result<serde_json::Value>| {
            value.map_err(|e| ExperimentError::Json {
                path: directory.join("config.json"),
                reason: e.to_string(),
            })
        };
        let summary = self.summary(request, result, Some(directory.path()));
        let mut all_extra = serde_json::Map::new();
        all_extra.insert(
            "hyperparameters".into(),
            json(serde_json::to_value(&request.config))?,
        );
        all_extra.insert(
            "link_split".into(),
            json(serde_json::to_value(request.split))?,
        );
        all_extra.insert("link_summary".into(), json(serde_json::to_value(&summary))?);
        all_extra.extend(extra);
        let config = RunConfig {
            kind: "link-prediction".into(),
            dataset: self.dataset.clone(),
            model: request.config.model.encoder.name().into(),
            readout: None,
            unit: Unit::Seed.name().into(),
            seeds: request.seeds.clone(),
            command,
            protocol: Some(self.protocol(request)),
            class_names: Vec::new(),
            test_confusion: Vec::new(),
            mean_test_accuracy: None,
            std_test_accuracy: None,
            model_selection: Vec::new(),
            extra: all_extra,
        };
        directory.write_config(&config)?;
        let rows: Vec<LinkEpochRow> = result
            .runs
            .iter()
            .enumerate()
            .flat_map(|(index, run)| {
                run.report
                    .history
                    .iter()
                    .map(move |record| LinkEpochRow::of(index + 1, record))
            })
            .collect();
        directory.write_csv(
            "metrics.csv",
            &[
                "run",
                "epoch",
                "loss",
                "validation_auc",
                "validation_ap",
                "validation_hits",
                "step_ms",
            ],
            &rows,
        )?;
        directory.write_json("curves.json", &LinkCurves::of(&result.runs))?;
        build_link_report(directory)
    }
}
