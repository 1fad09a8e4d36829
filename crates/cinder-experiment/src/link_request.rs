//! Everything `cinder train link` does around training, as one request: read the graph (a
//! registered node dataset such as `cora`, a link dataset with its own split such as
//! `ogbl-ddi`, a folder `cinder data info` reads, or a plain edge-list file), split its edges
//! per seed (or take the dataset's split), and summarize the seed runs. The runs themselves are
//! [`crate::link::LinkExperiment`].

use std::path::{Path, PathBuf};

use cinder_datasets::{
    DataFormat, detect_format, load_edge_list, load_registered_links, load_registered_nodes,
    open_dataset,
};
use cinder_graph::{Direction, Graph, LinkSplit, LinkSplitConfig, random_link_split};
use cinder_nn::{LinkEncoder, LinkTrainingConfig};
use serde::Serialize;

use crate::error::{Result, context, invalid};

/// Where the graph of a link-prediction run comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkDataSource {
    /// A registered name: a link dataset with its split (`ogbl-ddi`) or a node dataset
    /// (`cora`, `citeseer`, …) whose edges are split.
    Registered(String),
    /// A folder `cinder data info` reads (a graph directory, Planetoid files, a CSV graph…), or
    /// an edge-list file (`src dst` per line, CSV, TSV or whitespace).
    Path(PathBuf),
}

impl LinkDataSource {
    /// The training settings this data starts from: OGB's GraphSAGE example for `ogbl-ddi`
    /// ([`LinkTrainingConfig::ogb_ddi`]), Kipf & Welling's GAE settings otherwise.
    pub fn preset(&self) -> LinkTrainingConfig {
        match self {
            Self::Registered(name) if name.to_ascii_lowercase().replace('_', "-") == "ogbl-ddi" => {
                LinkTrainingConfig::ogb_ddi()
            }
            _ => LinkTrainingConfig::new(),
        }
    }

    /// Whether `encoder`'s input features are row-normalized unless asked otherwise: not for
    /// GAE / VGAE (Kipf & Welling feed the raw bag-of-words), not for graph directories (as the
    /// PyG peer reads them), yes for the other encoders.
    pub fn row_normalize_by_default(&self, encoder: LinkEncoder) -> bool {
        let graph_directory = matches!(self, Self::Path(path) if path.is_dir()
            && (path.join("edge_index.npy").exists() || path.join("edges.csv").exists()));
        !graph_directory && !matches!(encoder, LinkEncoder::Gae | LinkEncoder::Vgae)
    }
}

/// Everything `cinder train link` does, as options.
#[derive(Debug, Clone)]
pub struct LinkTrainingRequest {
    /// The graph.
    pub data: LinkDataSource,
    /// How edges are split when the dataset has no split of its own (each seed draws its own).
    pub split: LinkSplitConfig,
    /// The training configuration (its seed is replaced by each of `seeds`).
    pub config: LinkTrainingConfig,
    /// One run per seed.
    pub seeds: Vec<u64>,
}

/// A graph ready for link prediction.
#[derive(Debug, Clone)]
pub struct PreparedLinks {
    /// Dataset name.
    pub dataset: String,
    /// The graph (node features, if any, are the encoder's input).
    pub graph: Graph,
    /// The dataset's own split, used as given for every seed; `None`: split per seed.
    pub fixed_split: Option<LinkSplit>,
}

impl LinkTrainingRequest {
    /// Refuses a request without seeds or with options outside their domain.
    pub fn check(&self) -> Result<()> {
        if self.seeds.is_empty() {
            return Err(invalid("seeds", "must be at least 1"));
        }
        self.config.check().map_err(|error| match error {
            cinder_nn::NnError::InvalidOption { option, reason } => invalid(option, reason),
            other => other.into(),
        })
    }

    /// Reads the graph (and its split, where the dataset has one).
    pub fn prepare(&self) -> Result<PreparedLinks> {
        self.check()?;
        match &self.data {
            LinkDataSource::Registered(name) => {
                if let Some(dataset) = load_registered_links(name) {
                    let dataset = dataset?;
                    return Ok(PreparedLinks {
                        dataset: dataset.name,
                        graph: dataset.graph,
                        fixed_split: Some(dataset.split),
                    });
                }
                let dataset = load_registered_nodes(name)?;
                Ok(PreparedLinks {
                    dataset: dataset.name,
                    graph: dataset.graph,
                    fixed_split: None,
                })
            }
            LinkDataSource::Path(path) => Ok(PreparedLinks {
                dataset: path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                ),
                graph: read_graph(path)?,
                fixed_split: None,
            }),
        }
    }
}

/// A file is an edge list; a folder is read as `cinder data info` reads it (a graph directory
/// when its format cannot be detected).
fn read_graph(path: &Path) -> Result<Graph> {
    if path.is_file() {
        return Ok(load_edge_list(path, Direction::Undirected)?.graph);
    }
    let format = detect_format(path).unwrap_or(DataFormat::GraphDir);
    let dataset = open_dataset(&path.to_string_lossy(), Some(format), "")?;
    Ok(dataset
        .into_nodes()
        .map_err(context(format!(
            "{}: `cinder train link` needs one graph (an edge list or a folder with one graph)",
            path.display()
        )))?
        .graph)
}

impl PreparedLinks {
    /// The split of run `seed`: the dataset's own, or a fresh seeded split of the graph.
    pub fn split_for(&self, request: &LinkTrainingRequest, seed: u64) -> Result<LinkSplit> {
        match &self.fixed_split {
            Some(split) => Ok(split.clone()),
            None => random_link_split(&self.graph, &request.split, seed)
                .map_err(context(format!("splitting the edges of {}", self.dataset))),
        }
    }

    /// The protocol, in words.
    pub fn protocol(&self, request: &LinkTrainingRequest) -> String {
        let config = &request.config;
        let split = match &self.fixed_split {
            Some(split) => format!(
                "the dataset's own split ({} training edges, {} / {} validation and {} / {} test positives / negatives)",
                split.train.len(),
                split.validation.positive.len(),
                split.validation.negative.len(),
                split.test.positive.len(),
                split.test.negative.len()
            ),
            None => format!(
                "a seeded edge split per run ({} validation, {} test, {}; as many fixed negatives)",
                request.split.validation,
                request.split.test,
                if request.split.undirected {
                    "undirected pairs"
                } else {
                    "directed edges"
                }
            ),
        };
        format!(
            "link prediction, {} run(s) (seeds {:?}) on {split}; each keeps the weights with the best validation {} (evaluated every {} epochs) and is tested once",
            request.seeds.len(),
            request.seeds,
            match config.selection {
                cinder_nn::LinkMetric::Hits => format!("Hits@{}", config.hits_k),
                other => other.name().to_uppercase(),
            },
            config.eval_every
        )
    }
}

/// The result of `cinder train link --json`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkTrainingSummary {
    /// Dataset name.
    pub dataset: String,
    /// Encoder name.
    pub model: String,
    /// Decoder name.
    pub decoder: String,
    /// Nodes.
    pub nodes: usize,
    /// Edges of the graph as loaded.
    pub edges: usize,
    /// The seeds run.
    pub seeds: Vec<u64>,
    /// One row per seed.
    pub runs: Vec<LinkRunRow>,
    /// Mean test ROC AUC.
    pub mean_test_auc: f64,
    /// Its population standard deviation.
    pub std_test_auc: f64,
    /// Mean test average precision.
    pub mean_test_ap: f64,
    /// Its population standard deviation.
    pub std_test_ap: f64,
    /// Mean test Hits@K.
    pub mean_test_hits: f64,
    /// Its population standard deviation.
    pub std_test_hits: f64,
    /// The K of Hits@K.
    pub hits_k: usize,
    /// Median epoch time (training steps, evaluation excluded) over every run's epochs after
    /// the first 10, ms.
    pub epoch_ms_median: f64,
    /// Wall time of all runs, seconds.
    pub train_seconds_total: f64,
    /// Peak resident memory of the process, MB.
    pub peak_rss_mb: Option<f64>,
    /// Worker threads.
    pub threads: usize,
    /// The hyperparameters.
    pub config: LinkTrainingConfig,
    /// The edge split options (unused with the dataset's own split).
    pub split: LinkSplitConfig,
    /// The run directory, if one was written.
    pub run_directory: Option<String>,
}

/// One seed's figures in [`LinkTrainingSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRunRow {
    /// The seed.
    pub seed: u64,
    /// Test ROC AUC.
    pub test_auc: f64,
    /// Test average precision.
    pub test_ap: f64,
    /// Test Hits@K.
    pub test_hits: f64,
    /// Validation figure of the kept weights (the selection metric).
    pub validation_auc: f64,
    /// Validation Hits@K of the kept weights.
    pub validation_hits: f64,
    /// Epoch of the kept weights.
    pub best_epoch: usize,
    /// Epochs run.
    pub epochs_run: usize,
}
