//! Everything `cinder train graph` does before and after training, as one request: read a graph
//! set (registered, or a TU folder, GIN text or SDF file), choose the node input features, check
//! the model can use the graphs, choose the evaluation protocol's folds (the dataset's fixed
//! folds, seeded stratified folds, or one hold-out split), and summarize the cross-validation.
//! Training itself is [`GraphExperiment`].

use std::path::{Path, PathBuf};

use cinder_datasets::{DataFormat, GraphSetDataset, load_registered_graphs, load_tu, open_dataset};
use cinder_graph::{Fold, stratified_folds, stratified_holdout};
use cinder_nn::{
    CrossValidationReport, FoldSelection, GraphModelKind, GraphSet, GraphTrainingConfig,
    InputFeatures, resolve_auto_features,
};
use serde::Serialize;

use crate::error::{Result, context, input, invalid};
use crate::graph::{GraphExperiment, readout_name};
use crate::observer::{Event, Observer};
use crate::resources::{peak_resident_megabytes, worker_threads};

/// Where a graph set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphSetSource {
    /// A registered name (MUTAG, PROTEINS, solubility, or one found in `$CINDER_DATA`).
    Registered(String),
    /// A file or folder.
    Path {
        /// The file or folder.
        path: PathBuf,
        /// Its format; `None`: detected from the extension or the folder's files.
        format: Option<DataFormat>,
        /// The dataset's name inside a TU folder (with the TU format; default: the folder's).
        tu_name: Option<String>,
        /// The SD property holding each molecule's class (SDF).
        label_property: String,
    },
}

impl GraphSetSource {
    /// Reads the graph set, as `cinder data info` reads the same path.
    pub fn load(&self) -> Result<GraphSetDataset> {
        let (path, format, tu_name, label_property) = match self {
            Self::Registered(name) => return Ok(load_registered_graphs(name)?),
            Self::Path {
                path,
                format,
                tu_name,
                label_property,
            } => (path, *format, tu_name, label_property),
        };
        if let (Some(DataFormat::Tu), Some(tu_name)) = (format, tu_name) {
            let loaded = load_tu(path, tu_name)?;
            return Ok(GraphSetDataset {
                name: tu_name.clone(),
                class_names: loaded.class_values.iter().map(i64::to_string).collect(),
                graphs: loaded.graphs,
                folds: None,
            });
        }
        let mut dataset = open_dataset(&path.to_string_lossy(), format, label_property)?
            .into_graphs()
            .map_err(context(format!(
                "{}: `cinder train graph` needs a set of labelled graphs (one graph with node labels trains with `cinder train node --data`; images with `cinder image graph`)",
                path.display()
            )))?;
        if dataset.name.is_empty() {
            dataset.name = path
                .file_stem()
                .map_or_else(|| "graphs".into(), |s| s.to_string_lossy().into_owned());
        }
        Ok(dataset)
    }
}

/// The node input features, and how they were chosen (recorded in the run directory).
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureChoice {
    /// `InputFeatures::Auto`, described by the rule's outcome on the graphs.
    Auto,
    /// These features, with the description to record.
    Fixed {
        /// The features.
        features: InputFeatures,
        /// Why, in words.
        description: String,
    },
}

/// Which graphs train and test: the evaluation protocol's splits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FoldProtocol {
    /// k-fold cross-validation: the dataset's own folds when it ships `folds` of them (unless
    /// `seeded`), otherwise seeded stratified folds.
    CrossValidation {
        /// The number of folds.
        folds: usize,
        /// Ignore the dataset's own folds.
        seeded: bool,
    },
    /// One seeded stratified split holding out `fraction` of the graphs for testing.
    Holdout {
        /// The test share, strictly between 0 and 1.
        fraction: f64,
    },
}

impl FoldProtocol {
    /// Refuses a hold-out fraction outside (0, 1).
    pub fn check(&self) -> Result<()> {
        match *self {
            Self::Holdout { fraction } if !(fraction > 0.0 && fraction < 1.0) => Err(invalid(
                "holdout",
                format!("must be a fraction strictly between 0 and 1, got {fraction}"),
            )),
            _ => Ok(()),
        }
    }

    /// The folds over graphs with `labels` (`dataset_folds`: the dataset's own), seeded by
    /// `seed`, and whether they are the dataset's own.
    pub fn folds(
        &self,
        dataset_folds: Option<&Vec<Fold>>,
        labels: &[usize],
        seed: u64,
    ) -> Result<(Vec<Fold>, bool)> {
        match (*self, dataset_folds) {
            (Self::Holdout { fraction }, _) => {
                let all: Vec<usize> = (0..labels.len()).collect();
                let (train, test) = stratified_holdout(&all, labels, fraction, seed)?;
                if test.is_empty() || train.is_empty() {
                    return Err(invalid(
                        "holdout",
                        format!(
                            "{fraction} splits the {} graphs into {} for training and {} for testing; both need at least one",
                            labels.len(),
                            train.len(),
                            test.len()
                        ),
                    ));
                }
                Ok((vec![Fold { train, test }], false))
            }
            (Self::CrossValidation { folds, seeded }, Some(fixed))
                if fixed.len() == folds && !seeded =>
            {
                Ok((fixed.clone(), true))
            }
            (Self::CrossValidation { folds, .. }, _) => {
                Ok((stratified_folds(labels, folds, seed)?, false))
            }
        }
    }
}

/// Everything `cinder train graph` does, as options.
#[derive(Debug, Clone)]
pub struct GraphTrainingRequest {
    /// The graph set.
    pub data: GraphSetSource,
    /// The training configuration (with a grid: model selection per fold).
    pub config: GraphTrainingConfig,
    /// The node input features.
    pub features: FeatureChoice,
    /// The folds.
    pub protocol: FoldProtocol,
    /// Folds trained at once; `None`: one per worker thread.
    pub parallel_folds: Option<usize>,
}

/// A graph set ready to cross-validate: the data, its prepared graphs and its folds.
#[derive(Debug, Clone)]
pub struct PreparedGraphs {
    /// The graph set as read.
    pub dataset: GraphSetDataset,
    /// The graphs with their input features and propagation structure.
    pub set: GraphSet,
    /// The folds.
    pub folds: Vec<Fold>,
    /// Whether they are the dataset's own.
    pub fixed_folds: bool,
    /// How the input features were chosen, in words.
    pub feature_choice: String,
}

impl GraphTrainingRequest {
    /// Refuses zero parallel folds and a hold-out fraction outside (0, 1).
    pub fn check(&self) -> Result<()> {
        if self.parallel_folds == Some(0) {
            return Err(invalid(
                "parallel_folds",
                "must be at least 1 (folds trained at once)",
            ));
        }
        self.protocol.check()
    }

    /// Reads the graphs, tells `observer` which input features they get (an [`Event::Note`]),
    /// checks a relational model has bond types to propagate over, prepares the graphs and
    /// chooses the folds.
    pub fn prepare(&self, observer: &mut dyn Observer) -> Result<PreparedGraphs> {
        self.check()?;
        let dataset = self.data.load()?;
        let config = &self.config;
        let (features, feature_choice) = match &self.features {
            FeatureChoice::Auto => (
                InputFeatures::Auto,
                resolve_auto_features(&dataset.graphs).1,
            ),
            FeatureChoice::Fixed {
                features,
                description,
            } => (*features, description.clone()),
        };
        observer.observe(&Event::Note(&format!("input features: {feature_choice}")));
        if config.model == GraphModelKind::Rgcn
            && config.relations > 1
            && let Some(index) = dataset
                .graphs
                .iter()
                .position(|g| g.edge_labels().is_none())
        {
            return Err(input(
                &dataset.name,
                format!(
                    "`model` rgcn propagates once per bond type, but graph {} has no edge types; pass `relations: 1` to treat all edges as one relation (or use `model` gcn)",
                    index + 1
                ),
            ));
        }
        let set = GraphSet::new(
            &dataset.graphs,
            config.model.propagation(config.relations),
            features,
        )
        .map_err(context(format!("preparing the graphs of {}", dataset.name)))?;
        let (folds, fixed_folds) =
            self.protocol
                .folds(dataset.folds.as_ref(), &set.labels(), config.seed)?;
        Ok(PreparedGraphs {
            dataset,
            set,
            folds,
            fixed_folds,
            feature_choice,
        })
    }
}

impl PreparedGraphs {
    /// The cross-validation of `request`'s configuration on these graphs.
    pub fn experiment(&self, request: &GraphTrainingRequest) -> GraphExperiment<'_> {
        GraphExperiment {
            dataset: self.dataset.name.clone(),
            class_names: self.dataset.class_names.clone(),
            set: &self.set,
            folds: self.folds.clone(),
            fixed_folds: self.fixed_folds,
            config: request.config.clone(),
            parallel_folds: request.parallel_folds.unwrap_or_else(worker_threads),
            feature_choice: self.feature_choice.clone(),
        }
    }

    /// The summary of `report` (cross-validated on these graphs in `seconds`, written into
    /// `run_directory` if any).
    pub fn summary(
        &self,
        report: &CrossValidationReport,
        seconds: f64,
        run_directory: Option<&Path>,
    ) -> GraphTrainingSummary {
        GraphTrainingSummary {
            dataset: self.dataset.name.clone(),
            model: report.config.model.name(),
            readout: readout_name(&report.config),
            folds: self.folds.len(),
            fixed_folds: self.fixed_folds,
            graphs: self.set.len(),
            classes: self.dataset.class_names.clone(),
            input_features: self.set.width(),
            feature_source: format!("{:?}", self.set.features()),
            feature_choice: self.feature_choice.clone(),
            per_fold_test_accuracy: report.per_fold_test_accuracy.clone(),
            mean_test_accuracy: report.mean_test_accuracy,
            std_test_accuracy: report.std_test_accuracy,
            per_fold_best_epoch: report.folds.iter().map(|f| f.best_epoch).collect(),
            epoch_ms_median: report.epoch_ms_median,
            collate_ms_median: report.collate_ms_median,
            train_seconds_total: seconds,
            peak_rss_mb: peak_resident_megabytes(),
            threads: worker_threads(),
            protocol: report.protocol.clone(),
            config: report.config.clone(),
            run_directory: run_directory.map(|d| d.display().to_string()),
            per_fold: report
                .folds
                .iter()
                .map(|f| FoldSummary {
                    fold: f.fold,
                    train_validation_test: f.sizes,
                    best_epoch: f.best_epoch,
                    epochs_run: f.history.len(),
                    validation_accuracy: f.validation_accuracy,
                    test_accuracy: f.test_accuracy,
                    selection: f.selection.clone(),
                })
                .collect(),
        }
    }
}

/// The result of `cinder train graph --json`.
#[derive(Debug, Clone, Serialize)]
pub struct GraphTrainingSummary {
    /// Dataset name.
    pub dataset: String,
    /// Model name.
    pub model: &'static str,
    /// Readout name, or "selected per fold".
    pub readout: &'static str,
    /// Folds (1 for a hold-out split).
    pub folds: usize,
    /// Whether the folds are the dataset's own.
    pub fixed_folds: bool,
    /// Graphs.
    pub graphs: usize,
    /// Class names.
    pub classes: Vec<String>,
    /// Input feature width.
    pub input_features: usize,
    /// The resolved input features.
    pub feature_source: String,
    /// How they were chosen, in words.
    pub feature_choice: String,
    /// Test accuracy of each fold.
    pub per_fold_test_accuracy: Vec<f64>,
    /// Their mean.
    pub mean_test_accuracy: f64,
    /// Their population standard deviation.
    pub std_test_accuracy: f64,
    /// The kept epoch of each fold.
    pub per_fold_best_epoch: Vec<usize>,
    /// Median epoch time, ms.
    pub epoch_ms_median: f64,
    /// Median time collating a mini-batch per epoch, ms.
    pub collate_ms_median: f64,
    /// Wall time of the cross-validation, s.
    pub train_seconds_total: f64,
    /// Peak resident memory, MB.
    pub peak_rss_mb: Option<f64>,
    /// Worker threads.
    pub threads: usize,
    /// The protocol, in words.
    pub protocol: String,
    /// The configuration trained.
    pub config: GraphTrainingConfig,
    /// The run directory, when one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_directory: Option<String>,
    /// One row per fold.
    pub per_fold: Vec<FoldSummary>,
}

/// One fold of a [`GraphTrainingSummary`]: sizes, kept epoch and scores; the per-epoch curves are
/// in the run directory's `metrics.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct FoldSummary {
    /// Fold number, from 1.
    pub fold: usize,
    /// Training, validation and test graphs.
    pub train_validation_test: [usize; 3],
    /// The kept epoch.
    pub best_epoch: usize,
    /// Epochs trained.
    pub epochs_run: usize,
    /// Validation accuracy of the kept epoch.
    pub validation_accuracy: f64,
    /// Test accuracy of the kept epoch.
    pub test_accuracy: f64,
    /// With model selection: the selected configuration and every candidate's score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<FoldSelection>,
}
