//! Node-classification experiments: one training run per seed on the same graph and split, with
//! progress events, checkpoints, resume (finished runs are skipped) and the run directory.

use std::time::Instant;

use burn::tensor::Device;
use cinder_graph::{FeatureMatrix, Graph, InNeighbours, NodeSplit};
use cinder_nn::{
    EpochRecord, NodeModel, NodeTrainingConfig, NodeTrainingReport, mean, mean_std, median,
    train_node_model_observed, train_node_model_on_csr,
};
use serde::{Deserialize, Serialize};

use crate::error::{ExperimentError, Result};
use crate::observer::{Event, Observer, Unit};
use crate::provenance::summed_confusion;
use crate::records::{EpochRow, RunConfig, UnitRow};
use crate::report::build_report;
use crate::run_directory::RunDirectory;

/// The graph a [`NodeExperiment`] trains on.
#[derive(Debug, Clone, Copy)]
pub enum NodeInput<'a> {
    /// A graph with node features (or none: identity) and labels; every model, full batch or
    /// sampled mini-batches.
    Graph(&'a Graph),
    /// The lean form of a graph of millions of nodes (e.g. from
    /// `cinder_datasets::load_graph_directory_csr`): its in-neighbour CSR, features and labels,
    /// no edge list. Sampled mini-batches (`config.sampling`), or full batch for the
    /// operator-based models (GCN, SGC, APPNP, SAGE).
    Csr {
        /// The in-edges of every node.
        neighbours: &'a InNeighbours,
        /// Node features.
        features: &'a FeatureMatrix,
        /// Class of every node.
        labels: &'a [usize],
    },
}

impl NodeInput<'_> {
    /// The node labels.
    pub fn labels(&self) -> &[usize] {
        match self {
            Self::Graph(graph) => graph.node_labels().unwrap_or_default(),
            Self::Csr { labels, .. } => labels,
        }
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        match self {
            Self::Graph(graph) => graph.num_nodes(),
            Self::Csr { neighbours, .. } => neighbours.num_nodes(),
        }
    }
}

/// A repeated node-classification experiment: `config` trained once per seed in `seeds` on
/// `graph` (features and labels) with `split`.
#[derive(Debug, Clone)]
pub struct NodeExperiment<'a> {
    /// Dataset name, for records and the report.
    pub dataset: String,
    /// The graph, with node labels.
    pub graph: NodeInput<'a>,
    /// Train / validation / test nodes.
    pub split: &'a NodeSplit,
    /// The training configuration; its `seed` is replaced by each seed.
    pub config: NodeTrainingConfig,
    /// One run per seed.
    pub seeds: Vec<u64>,
    /// Class names in class order (empty: the class numbers).
    pub class_names: Vec<String>,
}

/// One finished run (saved in `progress/run-K.json` for resume).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeRun {
    /// Its seed.
    pub seed: u64,
    /// Its training report.
    pub report: NodeTrainingReport,
}

/// Timings of mini-batch runs, as medians over every run.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledMedians {
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// Worker time per epoch sampling, gathering and building blocks (overlapped with the
    /// training of the previous batch), over epochs after the first, ms.
    pub sample_ms_median: f64,
    /// Final layer-wise inference over every node, ms.
    pub inference_ms_median: f64,
}

impl SampledMedians {
    fn of(runs: &[NodeRun]) -> Option<Self> {
        let timings: Vec<&cinder_nn::SampledTiming> = runs
            .iter()
            .filter_map(|r| r.report.sampled.as_ref())
            .collect();
        let first = timings.first()?;
        let sample_ms: Vec<f64> = timings
            .iter()
            .flat_map(|t| t.sample_ms.iter().skip(usize::from(t.sample_ms.len() > 1)))
            .copied()
            .collect();
        let inference_ms: Vec<f64> = timings.iter().map(|t| t.inference_ms).collect();
        Some(Self {
            batches_per_epoch: first.batches_per_epoch,
            sample_ms_median: median(&sample_ms),
            inference_ms_median: median(&inference_ms),
        })
    }
}

/// The outcome of a [`NodeExperiment`].
#[derive(Debug, Clone)]
pub struct NodeExperimentResult {
    /// One per seed, in seed order.
    pub runs: Vec<NodeRun>,
    /// The kept model of each run trained by this call (`None` for runs resumed from disk, whose
    /// checkpoints are in the run directory).
    pub models: Vec<Option<NodeModel>>,
    /// Mean test accuracy over runs.
    pub mean_test_accuracy: f64,
    /// Population std of the test accuracy (see `cinder_nn::statistics`).
    pub std_test_accuracy: f64,
    /// Mean test macro-F1.
    pub mean_test_macro_f1: f64,
    /// Mean validation accuracy (of each run's kept epoch).
    pub mean_validation_accuracy: f64,
    /// Median epoch time over every run's epochs after the first 10 (as the PyG peer measures;
    /// after the first for mini-batch runs, as the DGL peer).
    pub epoch_ms_median: f64,
    /// The first epoch's time of the first run (warm-up included).
    pub first_epoch_ms: f64,
    /// Mini-batch runs only: the medians of their sampling timings.
    pub sampled: Option<SampledMedians>,
    /// Wall time of this call, seconds.
    pub seconds: f64,
}

impl NodeExperiment<'_> {
    /// The number of classes (largest label + 1).
    pub fn num_classes(&self) -> usize {
        self.graph.labels().iter().max().map_or(0, |m| m + 1)
    }

    fn class_names(&self) -> Vec<String> {
        if self.class_names.is_empty() {
            (0..self.num_classes()).map(|c| c.to_string()).collect()
        } else {
            self.class_names.clone()
        }
    }

    /// One training run (full batch or sampled, as `config.sampling` says).
    fn train(
        &self,
        config: &NodeTrainingConfig,
        device: &Device,
        on_epoch: &mut dyn FnMut(&EpochRecord),
    ) -> Result<(NodeModel, NodeTrainingReport)> {
        Ok(match self.graph {
            NodeInput::Graph(graph) => {
                train_node_model_observed(graph, self.split, config, device, on_epoch)?
            }
            NodeInput::Csr {
                neighbours,
                features,
                labels,
            } => train_node_model_on_csr(
                neighbours, features, labels, self.split, config, device, on_epoch,
            )?,
        })
    }

    /// The protocol, in words.
    pub fn protocol(&self) -> String {
        format!(
            "semi-supervised node classification, {} run(s) (seeds {:?}); each keeps the epoch with the lowest validation loss (patience {}) and is tested once",
            self.seeds.len(),
            self.seeds,
            self.config.patience
        )
    }

    /// Trains every seed on `device` (a plain device; autodiff is enabled here), reporting
    /// progress to `observer`. With a run directory, each finished run is checkpointed
    /// (`checkpoints/seed-S.bpk`) and recorded (`progress/run-K.json`), and runs already recorded
    /// there are not trained again (resume).
    pub fn run(
        &self,
        device: &Device,
        observer: &mut dyn Observer,
        directory: Option<&RunDirectory>,
    ) -> Result<NodeExperimentResult> {
        if self.seeds.is_empty() {
            return Err(ExperimentError::Nn(cinder_nn::NnError::InvalidOption {
                option: "seeds",
                reason: "at least one seed is needed".into(),
            }));
        }
        let start = Instant::now();
        let device = device.clone().autodiff();
        let finished: Vec<NodeRun> = match directory {
            Some(directory) => directory.load_progress("run")?,
            None => Vec::new(),
        };
        let count = self.seeds.len();
        let mut runs = Vec::with_capacity(count);
        let mut models = Vec::with_capacity(count);
        for (position, &seed) in self.seeds.iter().enumerate() {
            let index = position + 1;
            if let (Some(directory), Some(done)) = (directory, finished.get(position)) {
                directory.check_finished(index, done.seed, seed)?;
                observer.observe(&Event::Note(&format!(
                    "run {index}/{count} (seed {seed}): finished earlier, test accuracy {:.4}",
                    done.report.test_accuracy
                )));
                runs.push(done.clone());
                models.push(None);
                continue;
            }
            let config = self.config.clone().with_seed(seed);
            observer.observe(&Event::Started {
                unit: Unit::Seed,
                index,
                count,
                steps: config.epochs,
                label: &format!("seed {seed}"),
            });
            let has_validation = !self.split.validation.is_empty();
            let (model, report) = self.train(&config, &device, &mut |record| {
                observer.observe(&Event::Epoch {
                    unit: Unit::Seed,
                    index,
                    metrics: EpochRow::of_node(index, record).metrics(has_validation),
                });
            })?;
            observer.observe(&Event::Finished {
                unit: Unit::Seed,
                index,
                count,
                best_epoch: Some(report.best_epoch),
                validation_accuracy: has_validation.then_some(report.validation_accuracy),
                test_accuracy: Some(report.test_accuracy),
            });
            let run = NodeRun { seed, report };
            if let Some(directory) = directory {
                directory.save_checkpoint(model.clone(), "seed", seed)?;
                directory.save_progress("run", index, &run)?;
            }
            runs.push(run);
            models.push(Some(model));
        }
        let accuracies: Vec<f64> = runs.iter().map(|r| r.report.test_accuracy).collect();
        let f1: Vec<f64> = runs.iter().map(|r| r.report.test_macro_f1).collect();
        let (mean_test_accuracy, std_test_accuracy) = mean_std(&accuracies);
        // Full batch: epochs after the first 10, as the PyG peer; mini-batch: after the first,
        // as the DGL peer (a short run keeps at least its last epoch).
        let warm_up = if self.config.sampling.is_some() {
            1
        } else {
            10
        };
        let steps: Vec<f64> = runs
            .iter()
            .flat_map(|r| {
                let history = &r.report.history;
                let skip = warm_up.min(history.len().saturating_sub(1));
                history.iter().skip(skip).map(|e| e.step_ms)
            })
            .collect();
        Ok(NodeExperimentResult {
            mean_test_accuracy,
            std_test_accuracy,
            mean_test_macro_f1: mean_std(&f1).0,
            mean_validation_accuracy: mean(
                &runs
                    .iter()
                    .map(|r| r.report.validation_accuracy)
                    .collect::<Vec<_>>(),
            ),
            epoch_ms_median: median(&steps),
            first_epoch_ms: runs
                .first()
                .and_then(|r| r.report.history.first())
                .map_or(f64::NAN, |e| e.step_ms),
            sampled: SampledMedians::of(&runs),
            seconds: start.elapsed().as_secs_f64(),
            runs,
            models,
        })
    }

    /// Writes the run's records (`config.json`, `metrics.csv`, `folds.csv`) and its
    /// `report.html` into `directory`; `extra` adds fields to `config.json` (the command line,
    /// `provenance` rows, …). Returns the report's path.
    pub fn write_run(
        &self,
        directory: &RunDirectory,
        result: &NodeExperimentResult,
        command: Option<String>,
        extra: serde_json::Map<String, serde_json::Value>,
    ) -> Result<std::path::PathBuf> {
        let mut all_extra = serde_json::Map::new();
        all_extra.insert(
            "hyperparameters".into(),
            serde_json::to_value(&self.config).map_err(|e| ExperimentError::Json {
                path: directory.join("config.json"),
                reason: e.to_string(),
            })?,
        );
        all_extra.extend(extra);
        let config = RunConfig {
            kind: "node-classification".into(),
            dataset: self.dataset.clone(),
            model: self.config.model.kind.name().into(),
            readout: None,
            unit: Unit::Seed.name().into(),
            seeds: self.seeds.clone(),
            command,
            protocol: Some(self.protocol()),
            class_names: self.class_names(),
            test_confusion: summed_confusion(
                result.runs.iter().map(|r| &r.report.test_confusion),
                self.num_classes(),
            ),
            mean_test_accuracy: Some(result.mean_test_accuracy),
            std_test_accuracy: Some(result.std_test_accuracy),
            model_selection: Vec::new(),
            extra: all_extra,
        };
        directory.write_config(&config)?;
        let epochs: Vec<EpochRow> = result
            .runs
            .iter()
            .enumerate()
            .flat_map(|(index, run)| {
                let history = run.report.history.iter();
                history.map(move |record| EpochRow::of_node(index + 1, record))
            })
            .collect();
        directory.write_epochs(Unit::Seed, &epochs)?;
        let units: Vec<UnitRow> = result
            .runs
            .iter()
            .enumerate()
            .map(|(index, run)| UnitRow {
                unit: index + 1,
                best_epoch: run.report.best_epoch,
                validation_accuracy: run.report.validation_accuracy,
                test_accuracy: run.report.test_accuracy,
            })
            .collect();
        directory.write_units(Unit::Seed, &units)?;
        build_report(directory)
    }
}
