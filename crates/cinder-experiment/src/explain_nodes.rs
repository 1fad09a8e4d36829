//! Explaining node classification as one library call: load a graph (a generated benchmark with
//! ground truth, a registered dataset or a graph directory), train the GNNExplainer paper's GCN
//! on it or load one from a run directory, explain one node or all of them, and write the run
//! (`explanation.json`, the model's checkpoint, `report.html` with the explanation subgraphs
//! drawn). `cinder explain node` maps its flags onto [`NodeExplanationRequest`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use cinder_datasets::{MotifBenchmark, load_registered_nodes, motif_benchmark, open_dataset};
use cinder_graph::Graph;
use cinder_nn::{
    EdgeSelection, ExplainedNode, ExplainerConfig, JkGcn, JkGcnTraining, NodeExplanations,
    TrainedJkGcn, evaluate_jk_gcn, explain_nodes, train_jk_gcn,
};
use cinder_plot::{ExplanationDrawing, Report, save};
use serde_json::json;

use crate::error::{ExperimentError, Result};
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
    /// A run directory written by an earlier node explanation: its model is loaded instead of
    /// training one.
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
    /// The model's configuration (the checkpoint's when one was loaded).
    pub training: JkGcnTraining,
    /// The run directory the model was loaded from.
    pub checkpoint: Option<PathBuf>,
    /// The model, its operator, split and accuracies.
    pub trained: TrainedJkGcn,
    /// The explanations and their summary (AUC, fidelity).
    pub explained: NodeExplanations,
    /// The explainer's options.
    pub explainer: ExplainerConfig,
    /// Edges of the explanation subgraph.
    pub top_k: usize,
    /// Seconds taken by [`NodeExplanationRequest::run`].
    pub seconds: f64,
}

fn invalid(option: &str, reason: String) -> ExperimentError {
    ExperimentError::Invalid {
        option: option.into(),
        reason,
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

/// Reads the model configuration a node-explanation run recorded (`explanation.json`'s
/// `model.training`) and the checkpoint beside it.
fn checkpoint_files(directory: &Path) -> Result<(JkGcnTraining, PathBuf)> {
    let run = RunDirectory::open(directory)?;
    let summary: serde_json::Value = run.read_json("explanation.json")?;
    let model = &summary["model"];
    if model["kind"] != NODE_CHECKPOINT.1 {
        return Err(ExperimentError::Run {
            path: run.join("explanation.json"),
            reason: format!(
                "holds no node-explanation model (model.kind is {}, expected \"{}\"); pass a run directory written by `cinder explain node`",
                model["kind"], NODE_CHECKPOINT.1
            ),
        });
    }
    let training: JkGcnTraining =
        serde_json::from_value(model["training"].clone()).map_err(|e| ExperimentError::Json {
            path: run.join("explanation.json"),
            reason: format!("model.training: {e}"),
        })?;
    let path = run.checkpoint_path(NODE_CHECKPOINT.0, NODE_CHECKPOINT.1);
    if !path.exists() {
        return Err(ExperimentError::Run {
            path,
            reason: "the run's model checkpoint is missing".into(),
        });
    }
    Ok((training, path))
}

impl NodeExplanationRequest {
    /// Loads the graph, trains (or loads) the model and explains the targets, on `device` (a
    /// plain device; autodiff is enabled here).
    pub fn run(&self, device: &Device) -> Result<NodeExplanationRun> {
        let start = Instant::now();
        if self.top_k == 0 {
            return Err(invalid(
                "top_k",
                "the explanation subgraph needs at least one edge".into(),
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
        let (training, trained) = match &self.checkpoint {
            Some(directory) => {
                let (training, path) = checkpoint_files(directory)?;
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
                (training, trained)
            }
            None => {
                let trained = train_jk_gcn(&graph, &self.training, &device)?;
                (self.training.clone(), trained)
            }
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
            explain_nodes(
                &trained,
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
            training,
            checkpoint: self.checkpoint.clone(),
            trained,
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
            "model": {"kind": NODE_CHECKPOINT.1, "training": self.training},
            "checkpoint": self.checkpoint.as_ref().map(|p| p.display().to_string()),
            "explainer": self.explainer,
            "model_accuracy": {"train": self.trained.train_accuracy, "test": self.trained.test_accuracy},
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

    /// Whether the edge `source`–`target` is in `node`'s ground-truth explanation (false
    /// without ground truth).
    pub fn in_ground_truth(&self, node: usize, source: usize, target: usize) -> bool {
        self.benchmark
            .as_ref()
            .is_some_and(|b| b.explanation_truth()(node, source, target))
    }

    /// Writes the run into a new run directory under `root` (`explain-<dataset>`):
    /// `explanation.json` ([`summary`](Self::summary) plus `command`), the model
    /// (`checkpoints/model-gcn-jk.bpk`, loadable with
    /// [`NodeExplanationRequest::checkpoint`]) and `report.html` with up to six explanation
    /// subgraphs drawn (edge colour and width = mask, the explained node ringed). Returns the
    /// report's path.
    pub fn write(&self, root: &Path, command: Option<String>) -> Result<PathBuf> {
        let directory = RunDirectory::create(root, &format!("explain-{}", self.dataset))?;
        directory.save_checkpoint(
            self.trained.model.clone(),
            NODE_CHECKPOINT.0,
            NODE_CHECKPOINT.1,
        )?;
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
                "train accuracy",
                "test accuracy",
                "explanation AUC",
                "fidelity+",
                "fidelity−",
            ],
            &[vec![
                self.explained.nodes.len().to_string(),
                format!("{:.3}", self.trained.train_accuracy),
                format!("{:.3}", self.trained.test_accuracy),
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
            let path = directory.join(format!("explanation-node-{}.png", explained.node));
            save(&drawing, &path, (900, 760))?;
            report.image(
                &path,
                &format!(
                    "Node {} (ringed in red) and its computation subgraph: edge colour and width follow the mask (yellow, wide = kept). Node colour = true class.",
                    explained.node
                ),
            )?;
        }
        directory.write_json("explanation.json", &summary)?;
        let path = directory.join("report.html");
        report.write(&path)?;
        Ok(path)
    }
}
