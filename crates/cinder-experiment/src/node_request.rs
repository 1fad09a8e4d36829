//! Everything `cinder train node` does around training, as one request: read the graph (a
//! registered name, a Planetoid folder, or any folder `cinder data info` reads; a graph directory
//! of `.npy` files lean, as its CSR, for the models that train from one), split it, number its
//! classes compactly, and summarize the seed runs. Training itself is [`NodeExperiment`].

use std::path::{Path, PathBuf};

use cinder_datasets::{
    DataFormat, GraphDirectoryCsr, NodeDataset, detect_format, load_graph_directory_csr,
    load_planetoid, load_registered_nodes, open_dataset,
};
use cinder_graph::{Fanout, Graph, NodeSplit, compact_labels};
use cinder_nn::{NodeTrainingConfig, NodeTrainingReport, SamplingConfig};

use crate::error::{Result, context, input, invalid};
use crate::node::{NodeExperiment, NodeExperimentResult, NodeInput};
use crate::node_summary::{NodeTrainingSummary, SampledSummary};
use crate::resources::{peak_resident_megabytes, worker_threads};

/// Where the graph of a node-classification run comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeDataSource {
    /// A registered name (or a MUSAE folder found in `$CINDER_DATA/social/NAME`).
    Registered(String),
    /// Original Planetoid `ind.<name>.*` files in a folder.
    Planetoid {
        /// The folder.
        path: PathBuf,
        /// The Planetoid name (cora, citeseer, pubmed).
        name: String,
    },
    /// A folder read as `cinder data info` reads it; with `graph_directory`, or when its format
    /// cannot be detected, as a graph directory (`edge_index`/`x`/`y`/`split` as `.npy` or
    /// `.csv`, the PyG peer benchmark's format).
    Path {
        /// The folder.
        path: PathBuf,
        /// Read it as a graph directory without detection.
        graph_directory: bool,
    },
}

/// The sampled mini-batch settings of fan-outs written `K1,K2` (neighbours kept per node and
/// hop, `-1` for all) and `batch_size` seed nodes per batch.
pub fn sampling_config(fanouts: &str, batch_size: usize) -> Result<SamplingConfig> {
    Ok(SamplingConfig::new(
        Fanout::parse_list(fanouts)?,
        batch_size,
    ))
}

impl NodeDataSource {
    /// Whether this is a graph directory (given as one, or detected), whose features are not
    /// row-normalized by default (as the PyG peer reads them).
    pub fn is_graph_directory(&self) -> bool {
        match self {
            Self::Path {
                graph_directory: true,
                ..
            } => true,
            Self::Path { path, .. } => detect_format(path).ok() == Some(DataFormat::GraphDir),
            _ => false,
        }
    }

    /// The folder to read lean (its CSR, no edge list) for `config`: a graph directory of `.npy`
    /// files, trained sampled or by a model that [`cinder_nn::NodeModelKind::trains_from_csr`].
    fn lean_folder(&self, config: &NodeTrainingConfig) -> Option<&Path> {
        let Self::Path { path, .. } = self else {
            return None;
        };
        ((config.sampling.is_some() || config.model.kind.trains_from_csr())
            && self.is_graph_directory()
            && path.join("edge_index.npy").exists()
            && path.join("x.npy").exists())
        .then_some(path.as_path())
    }

    /// Reads the graph, with its own split if it has one.
    fn load(&self) -> Result<NodeDataset> {
        Ok(match self {
            Self::Registered(name) => load_registered_nodes(name)?,
            Self::Planetoid { path, name } => {
                let loaded = load_planetoid(path, name)?;
                NodeDataset {
                    name: loaded.name,
                    graph: loaded.graph,
                    split: Some(loaded.split),
                }
            }
            Self::Path {
                path,
                graph_directory,
            } => {
                // Undetectable folders are read as graph directories, whose loader names the
                // files it misses.
                let format = if *graph_directory {
                    DataFormat::GraphDir
                } else {
                    detect_format(path).unwrap_or(DataFormat::GraphDir)
                };
                open_dataset(&path.to_string_lossy(), Some(format), "")?
                    .into_nodes()
                    .map_err(context(format!(
                        "{}: `cinder train node` needs one graph with node labels",
                        path.display()
                    )))?
            }
        })
    }
}

/// Everything `cinder train node` does, as options.
#[derive(Debug, Clone)]
pub struct NodeTrainingRequest {
    /// The graph.
    pub data: NodeDataSource,
    /// Seed of the random 60/20/20 per-class split given to graphs without a split of their own.
    pub split_seed: u64,
    /// The training configuration (its seed is replaced by each of `seeds`).
    pub config: NodeTrainingConfig,
    /// One run per seed.
    pub seeds: Vec<u64>,
}

/// The graph as trained on: whole, or lean (its CSR).
#[derive(Debug, Clone)]
pub enum NodeGraph {
    /// The graph with features, labels and edge list.
    Full(Graph),
    /// A graph directory's CSR, features and labels.
    Csr(GraphDirectoryCsr),
}

/// A graph ready to train on: split, with compact class numbers.
#[derive(Debug, Clone)]
pub struct PreparedNodes {
    /// Dataset name (a folder's name).
    pub dataset: String,
    /// The graph.
    pub graph: NodeGraph,
    /// Train / validation / test nodes.
    pub split: NodeSplit,
    /// The original label of each class.
    pub class_values: Vec<usize>,
}

impl NodeTrainingRequest {
    /// Refuses a request without seeds or with an option outside its domain.
    pub fn check(&self) -> Result<()> {
        if self.seeds.is_empty() {
            return Err(invalid("seeds", "must be at least 1"));
        }
        // Every option's domain, before any data is read or any run directory exists.
        self.config.check().map_err(|error| match error {
            cinder_nn::NnError::InvalidOption { option, reason } => invalid(option, reason),
            other => other.into(),
        })
    }

    /// Reads the graph (lean where it can be), splits it (refused without test nodes) and
    /// renumbers its classes through the labels present.
    pub fn prepare(&self) -> Result<PreparedNodes> {
        self.check()?;
        let (dataset, graph, split) = match self.data.lean_folder(&self.config) {
            Some(folder) => {
                let mut lean = load_graph_directory_csr(folder)?;
                let name = folder.file_name().map_or_else(
                    || folder.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                let split = std::mem::take(&mut lean.split);
                (name, NodeGraph::Csr(lean), split)
            }
            None => {
                let dataset = self.data.load()?;
                let split = dataset
                    .split_or_random(self.split_seed)
                    .map_err(context(format!("splitting {}", dataset.name)))?;
                (dataset.name, NodeGraph::Full(dataset.graph), split)
            }
        };
        if split.test.is_empty() {
            return Err(input(
                &dataset,
                "the split has no test nodes, so there is no test accuracy to report (mark some nodes 2 = test in split)",
            ));
        }
        let (graph, class_values) = match graph {
            NodeGraph::Full(graph) => {
                let (graph, classes) = with_compact_classes(graph)?;
                (NodeGraph::Full(graph), classes)
            }
            NodeGraph::Csr(mut lean) => {
                let classes = compact_labels(&lean.labels);
                lean.labels = classes.indices;
                (NodeGraph::Csr(lean), classes.values)
            }
        };
        Ok(PreparedNodes {
            dataset,
            graph,
            split,
            class_values,
        })
    }
}

/// Renumbers the graph's labels through the distinct values present, so that class tables are
/// sized by the classes there are, not by the largest label; returns the original label of each
/// class too.
fn with_compact_classes(graph: Graph) -> Result<(Graph, Vec<usize>)> {
    let Some(labels) = graph.node_labels() else {
        return Ok((graph, Vec::new()));
    };
    let classes = compact_labels(labels);
    if classes.values.len() == classes.values.last().map_or(0, |&last| last + 1) {
        return Ok((graph, classes.values));
    }
    Ok((graph.with_node_labels(classes.indices)?, classes.values))
}

impl PreparedNodes {
    /// The seed runs of `request` on this graph.
    pub fn experiment(&self, request: &NodeTrainingRequest) -> NodeExperiment<'_> {
        NodeExperiment {
            dataset: self.dataset.clone(),
            graph: match &self.graph {
                NodeGraph::Full(graph) => NodeInput::Graph(graph),
                NodeGraph::Csr(lean) => NodeInput::Csr {
                    neighbours: &lean.neighbours,
                    features: &lean.features,
                    labels: &lean.labels,
                },
            },
            split: &self.split,
            config: request.config.clone(),
            seeds: request.seeds.clone(),
            class_names: self.class_values.iter().map(usize::to_string).collect(),
        }
    }

    /// Nodes, edges and feature columns of the graph trained on.
    fn shape(&self) -> [usize; 3] {
        match &self.graph {
            NodeGraph::Full(graph) => [
                graph.num_nodes(),
                graph.num_edges(),
                graph.features_or_identity().columns(),
            ],
            NodeGraph::Csr(lean) => [
                lean.neighbours.num_nodes(),
                lean.num_edges,
                lean.features.columns(),
            ],
        }
    }

    /// The summary of `experiment`'s `result` on this graph (written into `run_directory`, if
    /// any).
    pub fn summary(
        &self,
        experiment: &NodeExperiment<'_>,
        result: &NodeExperimentResult,
        run_directory: Option<&Path>,
    ) -> NodeTrainingSummary {
        let reports: Vec<&NodeTrainingReport> = result.runs.iter().map(|r| &r.report).collect();
        let config = &experiment.config;
        let [nodes, edges, features] = self.shape();
        NodeTrainingSummary {
            dataset: self.dataset.clone(),
            model: config.model.kind.name().to_string(),
            nodes,
            edges,
            features,
            classes: experiment.num_classes(),
            seeds: experiment.seeds.clone(),
            per_seed_test_accuracy: reports.iter().map(|r| r.test_accuracy).collect(),
            mean_test_accuracy: result.mean_test_accuracy,
            std_test_accuracy: result.std_test_accuracy,
            per_seed_test_macro_f1: reports.iter().map(|r| r.test_macro_f1).collect(),
            mean_test_macro_f1: result.mean_test_macro_f1,
            per_seed_validation_accuracy: reports.iter().map(|r| r.validation_accuracy).collect(),
            mean_validation_accuracy: result.mean_validation_accuracy,
            epochs_run: reports.iter().map(|r| r.epochs_run).collect(),
            best_epoch: reports.iter().map(|r| r.best_epoch).collect(),
            epoch_ms_median: result.epoch_ms_median,
            first_epoch_ms: result.first_epoch_ms,
            train_seconds_total: result.seconds,
            peak_rss_mb: peak_resident_megabytes(),
            threads: worker_threads(),
            config: config.clone(),
            sampled: config.sampling.as_ref().zip(result.sampled.as_ref()).map(
                |(sampling, medians)| SampledSummary {
                    fanouts: sampling.fanouts.clone(),
                    batch_size: sampling.batch_size,
                    batches_per_epoch: medians.batches_per_epoch,
                    sample_ms_median: medians.sample_ms_median,
                    inference_ms: medians.inference_ms_median,
                },
            ),
            run_directory: run_directory.map(|d| d.display().to_string()),
        }
    }
}
