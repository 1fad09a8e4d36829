//! Explaining node classification as one library call: load a graph (a generated benchmark with
//! ground truth, a registered dataset or a graph directory), train the GNNExplainer paper's GCN
//! on it or load one from a run directory, explain one node or all of them, and write the run
//! (`explanation.json`, the model's checkpoint, `report.html` with the explanation subgraphs
//! drawn). `cinder explain node` maps its flags onto [`NodeExplanationRequest`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use burn::tensor::Tensor;
use cinder_datasets::{MotifBenchmark, load_registered_nodes, motif_benchmark, open_dataset};
use cinder_graph::Graph;
use cinder_nn::{
    EdgeSelection, ExplainedNode, ExplainerConfig, JkGcn, JkGcnTraining, NodeExplanations,
    NodeFeatures, NodeModel, NodeModelConfig, NodeModelKind, NodePropagation, NodeTrainingConfig,
    OptimizerConfig, SamplingConfig, SparseOperator, TrainedJkGcn, argmax_rows, evaluate_jk_gcn,
    explain_nodes_of, node_propagation, train_jk_gcn,
};
use cinder_plot::{ExplanationDrawing, Report, save};
use serde_json::json;

use crate::error::{ExperimentError, Result, invalid};
use crate::run_directory::RunDirectory;

/// Where the explained data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A registered name (`ba-shapes`, `tree-cycles`, `karate`, `cora`, `MUTAG`, …).
    Registered(String),
    /// A file or folder, its format detected as `cinder data info` detects it.
    Path(PathBuf),
}

/// The checkpoint file and model description a node-explanation run writes, and reads back
/// with [`NodeExplanationRequest::checkpoint`].
const NODE_CHECKPOINT: (&str, &str) = ("model", "gcn-jk");

/// Which nodes are explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeTargets {
    /// One node.
    One(usize),
    /// Every motif node of a benchmark with ground truth, every node otherwise.
    All,
}

/// Everything `cinder explain node` does, as options.
#[derive(Debug, Clone)]
pub struct NodeExplanationRequest {
    /// The graph (with node labels).
    pub data: DataSource,
    /// The nodes to explain.
    pub targets: NodeTargets,
    /// The model trained (ignored with a checkpoint: the run's own configuration is used).
    pub training: JkGcnTraining,
    /// A run directory to load the model from instead of training one: an earlier node
    /// explanation's (the paper's GCN) or a `cinder train node` run's (its first seed's model:
    /// GCN, GAT, GATv2, SAGE, SGC, APPNP or ChebNet).
    pub checkpoint: Option<PathBuf>,
    /// GNNExplainer's options.
    pub explainer: ExplainerConfig,
    /// Edges of the explanation subgraph (fidelity) and edges listed per node.
    pub top_k: usize,
}

/// A finished node explanation.
#[derive(Debug, Clone)]
pub struct NodeExplanationRun {
    /// Dataset name (or the path read).
    pub dataset: String,
    /// The graph explained.
    pub graph: Graph,
    /// The benchmark and its ground truth, for `ba-shapes` / `tree-cycles`.
    pub benchmark: Option<MotifBenchmark>,
    /// The model explained.
    pub model: NodeExplanationModel,
    /// The run directory the model was loaded from.
    pub checkpoint: Option<PathBuf>,
    /// The explanations and their summary (AUC, fidelity).
    pub explained: NodeExplanations,
    /// The explainer's options.
    pub explainer: ExplainerConfig,
    /// Edges of the explanation subgraph.
    pub top_k: usize,
    /// Seconds taken by [`NodeExplanationRequest::run`].
    pub seconds: f64,
}

/// The model a node explanation explains.
// One per run: the size difference between the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum NodeExplanationModel {
    /// The GNNExplainer paper's GCN ([`JkGcn`]), trained here or loaded from an explanation run.
    JkGcn {
        /// Its configuration (the checkpoint's when loaded).
        training: JkGcnTraining,
        /// The model, its operator, split and accuracies.
        trained: TrainedJkGcn,
    },
    /// The model of a `cinder train node` run (its first seed), on the structure its kind
    /// propagates over.
    Trained {
        /// The run's training configuration.
        config: NodeTrainingConfig,
        /// The seed whose model was loaded.
        seed: u64,
        /// The model.
        model: NodeModel,
        /// The structure it propagates over (GAT/GATv2: the attention edges' structure).
        operator: SparseOperator,
        /// Its input features (dense).
        features: Tensor<2>,
        /// Its accuracy over every labelled node (the run's own split is not recorded here).
        accuracy: f64,
    },
}

impl NodeExplanationModel {
    /// The whole graph's operator and (dense, autodiff) features the model reads.
    pub fn inputs(&self) -> (&SparseOperator, &Tensor<2>) {
        match self {
            Self::JkGcn { trained, .. } => (&trained.operator, &trained.features),
            Self::Trained {
                operator, features, ..
            } => (operator, features),
        }
    }

    /// The hops a prediction depends on.
    pub fn hops(&self) -> usize {
        match self {
            Self::JkGcn { trained, .. } => trained.model.hops(),
            Self::Trained { model, .. } => model.hops(),
        }
    }

    /// Evaluation logits on `operator` (the whole graph's, or a masked sub-operator of it).
    pub fn forward_on(
        &self,
        operator: &SparseOperator,
        x: Tensor<2>,
    ) -> cinder_nn::Result<Tensor<2>> {
        match self {
            Self::JkGcn { trained, .. } => trained.model.forward(operator, x),
            Self::Trained { model, .. } => model.forward_on(operator, x),
        }
    }

    /// `{"kind", …configuration}` for `explanation.json`.
    fn describe(&self) -> serde_json::Value {
        match self {
            Self::JkGcn { training, .. } => {
                json!({"kind": NODE_CHECKPOINT.1, "training": training})
            }
            Self::Trained { config, seed, .. } => json!({
                "kind": config.model.kind.name(),
                "hyperparameters": config,
                "seed": seed,
            }),
        }
    }

    /// `{"train", "test"}` for the paper's GCN, `{"all_nodes"}` for a loaded training run's model.
    fn accuracy(&self) -> serde_json::Value {
        match self {
            Self::JkGcn { trained, .. } => {
                json!({"train": trained.train_accuracy, "test": trained.test_accuracy})
            }
            Self::Trained { accuracy, .. } => json!({"all_nodes": accuracy}),
        }
    }

    /// A one-line description for people.
    pub fn headline(&self) -> String {
        match self {
            Self::JkGcn { training, trained } => format!(
                "GCN ({} layers × {}), train accuracy {:.1}%, test {:.1}%",
                training.layers,
                training.hidden,
                100.0 * trained.train_accuracy,
                100.0 * trained.test_accuracy
            ),
            Self::Trained {
                config,
                seed,
                accuracy,
                ..
            } => format!(
                "{} of a training run (seed {seed}), accuracy {:.1}% over every node",
                config.model.kind.name(),
                100.0 * accuracy
            ),
        }
    }
}

/// Loads a graph with node labels, with the benchmark's ground truth where it has one.
fn load_nodes(source: &DataSource) -> Result<(String, Graph, Option<MotifBenchmark>)> {
    match source {
        DataSource::Path(path) => {
            let loaded = open_dataset(&path.to_string_lossy(), None, "")?.into_nodes()?;
            Ok((path.display().to_string(), loaded.graph, None))
        }
        DataSource::Registered(name) => {
            if let Some(benchmark) = motif_benchmark(name) {
                let benchmark = benchmark?;
                return Ok((
                    benchmark.name.clone(),
                    benchmark.graph.clone(),
                    Some(benchmark),
                ));
            }
            let loaded = load_registered_nodes(name)?;
            Ok((loaded.name, loaded.graph, None))
        }
    }
}

/// What a run directory holds for a node explanation.
enum NodeCheckpoint {
    /// An explanation run: the paper's GCN.
    JkGcn(JkGcnTraining, PathBuf),
    /// A `cinder train node` run: its configuration, first seed and that seed's model.
    Trained(NodeTrainingConfig, u64, PathBuf),
}

/// Reads what a run directory recorded about its model: `explanation.json`'s `model.training`
/// (an explanation run) or `config.json`'s `hyperparameters` and first seed (a training run).
fn checkpoint_files(directory: &Path) -> Result<NodeCheckpoint> {
    let run = RunDirectory::open(directory)?;
    let checkpoint = if run.join("explanation.json").exists() {
        let summary: serde_json::Value = run.read_json("explanation.json")?;
        let model = &summary["model"];
        if model["kind"] != NODE_CHECKPOINT.1 {
            return Err(ExperimentError::Run {
                path: run.join("explanation.json"),
                reason: format!(
                    "holds no node-explanation model (model.kind is {}, expected \"{}\"); pass a run directory written by `cinder explain node` or `cinder train node`",
                    model["kind"], NODE_CHECKPOINT.1
                ),
            });
        }
        let training = serde_json::from_value(model["training"].clone()).map_err(|e| {
            ExperimentError::Json {
                path: run.join("explanation.json"),
                reason: format!("model.training: {e}"),
            }
        })?;
        NodeCheckpoint::JkGcn(
            training,
            run.checkpoint_path(NODE_CHECKPOINT.0, NODE_CHECKPOINT.1),
        )
    } else {
        let config: serde_json::Value = run.read_json("config.json")?;
        if config["kind"] != "node-classification" {
            return Err(ExperimentError::Run {
                path: run.join("config.json"),
                reason: format!(
                    "is a {} run; pass a run directory written by `cinder explain node` or `cinder train node`",
                    config["kind"]
                ),
            });
        }
        let json_error = |what: &str, e: String| ExperimentError::Json {
            path: run.join("config.json"),
            reason: format!("{what}: {e}"),
        };
        let hyperparameters = read_node_training_config(&config["hyperparameters"])
            .map_err(|e| json_error("hyperparameters", e.to_string()))?;
        let seed = config["seeds"][0]
            .as_u64()
            .ok_or_else(|| json_error("seeds", "no seed recorded".into()))?;
        NodeCheckpoint::Trained(hyperparameters, seed, run.checkpoint_path("seed", seed))
    };
    let path = match &checkpoint {
        NodeCheckpoint::JkGcn(_, path) | NodeCheckpoint::Trained(_, _, path) => path,
    };
    if !path.exists() {
        return Err(ExperimentError::Run {
            path: path.clone(),
            reason: "the run's model checkpoint is missing".into(),
        });
    }
    Ok(checkpoint)
}

/// Loads a training run's node model for `graph` and scores it on every labelled node.
fn load_trained(
    config: NodeTrainingConfig,
    seed: u64,
    path: &Path,
    graph: &Graph,
    dataset: &str,
    plain: &Device,
    device: &Device,
) -> Result<NodeExplanationModel> {
    let fail = |reason: String| ExperimentError::Run {
        path: path.to_path_buf(),
        reason,
    };
    let features = NodeFeatures::from_graph(graph, config.row_normalize, device)?
        .densified(device)
        .dense()?;
    let [_, width] = features.dims();
    let labels = graph
        .node_labels()
        .ok_or_else(|| fail(format!("{dataset} has no node labels")))?;
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let model = config
        .model
        .init(width, classes, seed, plain)?
        .try_load_file(path)
        .map_err(|e| {
            fail(format!(
                "cannot load the {} model for {dataset} ({width} input columns, {classes} classes): {e}",
                config.model.kind.name()
            ))
        })?
        .to_device(device);
    let operator = match node_propagation(config.model.kind, graph)? {
        NodePropagation::Operator(operator) => operator,
        NodePropagation::Attention(edges) => edges.structure().clone(),
    };
    let logits = model
        .forward_on(&operator, features.clone())
        .map_err(|e| fail(format!("the model does not fit {dataset}: {e}")))?;
    let [rows, columns] = logits.dims();
    if rows != labels.len() || columns != classes {
        return Err(fail(format!(
            "the model gives {rows} x {columns} logits for {dataset}'s {} nodes and {classes} classes",
            labels.len()
        )));
    }
    let values = logits
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| fail(format!("logits: {e:?}")))?;
    let predictions = argmax_rows(&values, classes);
    let correct = predictions
        .iter()
        .zip(labels)
        .filter(|(p, l)| p == l)
        .count();
    Ok(NodeExplanationModel::Trained {
        accuracy: correct as f64 / labels.len().max(1) as f64,
        config,
        seed,
        model,
        operator,
        features,
    })
}

impl NodeExplanationRequest {
    /// Loads the graph, trains (or loads) the model and explains the targets, on `device` (a
    /// plain device; autodiff is enabled here).
    pub fn run(&self, device: &Device) -> Result<NodeExplanationRun> {
        let start = Instant::now();
        if self.top_k == 0 {
            return Err(invalid(
                "top_k",
                "the explanation subgraph needs at least one edge",
            ));
        }
        let (dataset, graph, benchmark) = load_nodes(&self.data)?;
        if let NodeTargets::One(node) = self.targets
            && node >= graph.num_nodes()
        {
            return Err(invalid(
                "node",
                format!(
                    "node {node} is not a node of {dataset} (it has {} nodes, 0..{})",
                    graph.num_nodes(),
                    graph.num_nodes()
                ),
            ));
        }
        let plain = device;
        let device = device.clone().autodiff();
        let model = match self
            .checkpoint
            .as_deref()
            .map(checkpoint_files)
            .transpose()?
        {
            Some(NodeCheckpoint::JkGcn(training, path)) => {
                // The shapes come from this graph; loading checks them against the file.
                let inputs = graph.features_or_identity().columns();
                let classes = graph
                    .node_labels()
                    .and_then(|l| l.iter().max())
                    .map_or(0, |m| m + 1);
                // Loaded on the plain device and then moved: parameters loaded straight onto
                // the autodiff device keep the initialization's operations as history, which
                // the explainer's first backward pass consumes.
                let model = JkGcn::new(&training, inputs, classes, 0, plain)
                    .try_load_file(&path)
                    .map_err(|e| ExperimentError::Run {
                        path: path.clone(),
                        reason: format!(
                            "cannot load the model for {dataset} ({inputs} input columns, {classes} classes): {e}"
                        ),
                    })?;
                let trained = evaluate_jk_gcn(model, &graph, &training, &device).map_err(|e| {
                    ExperimentError::Run {
                        path: path.clone(),
                        reason: format!("the model does not fit {dataset}: {e}"),
                    }
                })?;
                NodeExplanationModel::JkGcn { training, trained }
            }
            Some(NodeCheckpoint::Trained(config, seed, path)) => {
                load_trained(config, seed, &path, &graph, &dataset, plain, &device)?
            }
            None => NodeExplanationModel::JkGcn {
                training: self.training.clone(),
                trained: train_jk_gcn(&graph, &self.training, &device)?,
            },
        };
        let nodes: Vec<usize> = match (self.targets, &benchmark) {
            (NodeTargets::One(node), _) => vec![node],
            (NodeTargets::All, Some(benchmark)) => (0..graph.num_nodes())
                .filter(|&n| benchmark.motif_of_node[n].is_some())
                .collect(),
            (NodeTargets::All, None) => (0..graph.num_nodes()).collect(),
        };
        let explained = {
            let truth = benchmark.as_ref().map(MotifBenchmark::explanation_truth);
            let truth_fn = truth
                .as_ref()
                .map(|truth| truth as &(dyn Fn(usize, usize, usize) -> bool + Sync));
            let (operator, features) = model.inputs();
            explain_nodes_of(
                |operator: &SparseOperator, x| model.forward_on(operator, x),
                model.hops(),
                operator,
                features,
                graph.node_labels(),
                &nodes,
                truth_fn,
                &self.explainer,
                EdgeSelection::TopK(self.top_k),
            )?
        };
        Ok(NodeExplanationRun {
            dataset,
            benchmark,
            model,
            checkpoint: self.checkpoint.clone(),
            explained,
            explainer: self.explainer,
            top_k: self.top_k,
            seconds: start.elapsed().as_secs_f64(),
            graph,
        })
    }
}

/// `{"source", "target", "mask"}` of one edge.
pub(crate) fn edge_row(edge: (usize, usize), mask: f32) -> serde_json::Value {
    json!({"source": edge.0, "target": edge.1, "mask": mask})
}

/// One explained node as JSON: prediction, AUC, fidelity terms, top and all edges.
fn node_json(explained: &ExplainedNode, top_k: usize) -> serde_json::Value {
    let e = &explained.explanation;
    json!({
        "node": explained.node,
        "label": explained.label,
        "predicted_class": e.predicted_class,
        "probability": e.probability,
        "auc": explained.auc,
        "prediction_changes_without_explanation": explained.changes.0,
        "prediction_changes_with_only_explanation": explained.changes.1,
        "top_edges": e.top_edges(top_k).into_iter().map(|(edge, m)| edge_row(edge, m)).collect::<Vec<_>>(),
        "edges": e.edges.iter().zip(&e.edge_mask).map(|(&edge, &m)| edge_row(edge, m)).collect::<Vec<_>>(),
        "feature_mask": e.feature_mask,
    })
}

impl NodeExplanationRun {
    /// The run as one JSON object: dataset, model (kind, configuration, accuracies), explainer,
    /// `explanation_auc` (mean over the nodes with ground truth), `per_node_auc`,
    /// `fidelity_plus`, `fidelity_minus`, and the explanation itself when one node was
    /// explained.
    pub fn summary(&self) -> serde_json::Value {
        let per_node_auc: Vec<serde_json::Value> = self
            .explained
            .nodes
            .iter()
            .map(|n| json!({"node": n.node, "auc": n.auc}))
            .collect();
        let mut summary = json!({
            "dataset": self.dataset,
            "explained_nodes": self.explained.nodes.len(),
            "model": self.model.describe(),
            "checkpoint": self.checkpoint.as_ref().map(|p| p.display().to_string()),
            "explainer": self.explainer,
            "model_accuracy": self.model.accuracy(),
            "explanation_auc": self.explained.explanation_auc,
            "per_node_auc": per_node_auc,
            "fidelity_plus": self.explained.fidelity_plus,
            "fidelity_minus": self.explained.fidelity_minus,
            "top_k": self.top_k,
            "seconds": self.seconds,
        });
        if self.explained.nodes.len() == 1 {
            summary["explanation"] = node_json(&self.explained.nodes[0], self.top_k);
        }
        summary
    }

    /// The ground truth of a benchmark, as `truth(node, source, target)`: whether the edge is in
    /// `node`'s explanation (`None` without ground truth). Build it once and query it often.
    pub fn ground_truth(&self) -> Option<impl Fn(usize, usize, usize) -> bool + '_> {
        self.benchmark
            .as_ref()
            .map(MotifBenchmark::explanation_truth)
    }

    /// Writes the run into a new run directory under `root` (`explain-<dataset>`):
    /// `explanation.json` ([`summary`](Self::summary) plus `command`), the model
    /// (`checkpoints/model-gcn-jk.bpk`, loadable with
    /// [`NodeExplanationRequest::checkpoint`]) and `report.html` with up to six explanation
    /// subgraphs drawn (edge colour and width = mask, the explained node ringed). Returns the
    /// report's path.
    pub fn write(&self, root: &Path, command: Option<String>) -> Result<PathBuf> {
        let directory = RunDirectory::create(root, &format!("explain-{}", self.dataset))?;
        // A training run's model stays in its own run directory (`checkpoint` names it).
        if let NodeExplanationModel::JkGcn { trained, .. } = &self.model {
            directory.save_checkpoint(
                trained.model.clone(),
                NODE_CHECKPOINT.0,
                NODE_CHECKPOINT.1,
            )?;
        }
        let mut summary = self.summary();
        summary["command"] = json!(command);
        let labels = self.graph.node_labels();
        let classes = labels.and_then(|l| l.iter().max()).map_or(1, |m| m + 1);
        let class_names: Vec<String> = match &self.benchmark {
            Some(benchmark) => benchmark.class_names.clone(),
            None => (0..classes).map(|c| format!("class {c}")).collect(),
        };
        let mut report = Report::new(&format!("GNNExplainer on {}", self.dataset));
        if let Some(command) = &command {
            report = report.with_command(command);
        }
        report.heading("Summary");
        let number = |value: Option<f64>| value.map_or_else(|| "—".into(), |v| format!("{v:.3}"));
        report.table(
            &[
                "explained nodes",
                "model",
                "explanation AUC",
                "fidelity+",
                "fidelity−",
            ],
            &[vec![
                self.explained.nodes.len().to_string(),
                self.model.headline(),
                number(self.explained.explanation_auc),
                format!("{:.3}", self.explained.fidelity_plus),
                format!("{:.3}", self.explained.fidelity_minus),
            ]],
        );
        report.paragraph(&format!(
            "Fidelity+ is the share of predictions that change when the top {k} edges are removed (high: the explanation was necessary); fidelity− the share that change when only they are kept (low: it suffices). The explanation AUC ranks each node's edge mask against its motif's edges.",
            k = self.top_k
        ));
        report.heading("Explanation subgraphs");
        for explained in self.explained.nodes.iter().take(6) {
            let e = &explained.explanation;
            let local: std::collections::HashMap<usize, usize> =
                e.nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
            let edges = e
                .edges
                .iter()
                .zip(&e.edge_mask)
                .filter_map(|(&(s, t), &m)| Some((*local.get(&s)?, *local.get(&t)?, f64::from(m))))
                .collect();
            let node_labels = e
                .nodes
                .iter()
                .map(|&n| labels.map_or(0, |l| l[n]))
                .collect();
            let names = e.nodes.iter().map(|n| n.to_string()).collect();
            let drawing = ExplanationDrawing::new(
                &format!(
                    "node {} (predicted {})",
                    explained.node,
                    class_names
                        .get(e.predicted_class)
                        .map_or("?", String::as_str)
                ),
                edges,
                node_labels,
                class_names.clone(),
                names,
                Some(0),
                self.explainer.seed,
            );
            add_drawing(
                &mut report,
                &directory,
                &drawing,
                &format!("explanation-node-{}.png", explained.node),
                &format!(
                    "Node {} (ringed in red) and its computation subgraph: edge colour and width follow the mask (yellow, wide = kept). Node colour = true class.",
                    explained.node
                ),
            )?;
        }
        finish_run(&directory, report, &summary)
    }
}

/// Draws an explanation subgraph into `file` of the run directory and adds it to the report.
pub(crate) fn add_drawing(
    report: &mut Report,
    directory: &RunDirectory,
    drawing: &ExplanationDrawing,
    file: &str,
    caption: &str,
) -> Result<()> {
    let path = directory.join(file);
    save(drawing, &path, (900, 760))?;
    report.image(&path, caption)?;
    Ok(())
}

/// Writes `explanation.json` and `report.html` (last, so a run with a report is complete);
/// returns the report's path.
pub(crate) fn finish_run(
    directory: &RunDirectory,
    report: Report,
    summary: &serde_json::Value,
) -> Result<PathBuf> {
    directory.write_json("explanation.json", summary)?;
    let path = directory.join("report.html");
    report.write(&path)?;
    Ok(path)
}

/// A training run's `hyperparameters`: the nested [`NodeTrainingConfig`], or the flat form
/// `cinder train node` wrote before the configuration was nested (2026-12), read into it.
fn read_node_training_config(
    value: &serde_json::Value,
) -> std::result::Result<NodeTrainingConfig, serde_json::Error> {
    let nested = match serde_json::from_value::<NodeTrainingConfig>(value.clone()) {
        Ok(config) => return Ok(config),
        Err(error) => error,
    };
    let Ok(flat) = serde_json::from_value::<FlatNodeTrainingConfig>(value.clone()) else {
        return Err(nested);
    };
    Ok(NodeTrainingConfig::new()
        .with_model(
            NodeModelConfig::new()
                .with_kind(flat.model)
                .with_hidden(flat.hidden)
                .with_dropout(flat.dropout)
                .with_heads(flat.heads)
                .with_output_heads(flat.output_heads)
                .with_k(flat.k)
                .with_alpha(flat.alpha),
        )
        .with_optimizer(
            OptimizerConfig::new()
                .with_learning_rate(flat.learning_rate)
                .with_weight_decay(flat.weight_decay),
        )
        .with_epochs(flat.epochs)
        .with_patience(flat.patience)
        .with_row_normalize(flat.row_normalize)
        .with_seed(flat.seed)
        .with_sampling(flat.sampling))
}

/// The flat `hyperparameters` of runs written before the configuration was nested.
#[derive(serde::Deserialize)]
struct FlatNodeTrainingConfig {
    model: NodeModelKind,
    learning_rate: f64,
    weight_decay: f64,
    epochs: usize,
    patience: usize,
    hidden: usize,
    dropout: f32,
    heads: usize,
    output_heads: usize,
    k: Option<usize>,
    alpha: f32,
    row_normalize: bool,
    seed: u64,
    sampling: Option<SamplingConfig>,
}
