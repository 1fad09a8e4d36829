//! Explaining graph classification as one library call: load a set of labelled graphs (MUTAG,
//! PROTEINS, solubility, a GIN-text or SDF file), train a GCN or GIN on a seeded 90% of them or
//! load one from a run directory (`cinder explain graph` or `cinder train graph`), explain
//! held-out graphs, score MUTAG's explanations against the chemistry (N–O bonds of nitro
//! groups), and write the run. `cinder explain graph` maps its flags onto
//! [`GraphExplanationRequest`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use cinder_datasets::{GraphSetDataset, MUTAG_ATOMS, load_registered_graphs, open_dataset};
use cinder_graph::{Fold, seeded_shuffle};
use cinder_nn::{
    EdgeSelection, ExplainedGraph, ExplainerConfig, FoldReport, GraphClassifier, GraphModelKind,
    GraphSet, GraphTrainingConfig, InputFeatures, Readout, explain_graph, fidelity,
    mask_mass_share, train_graph_fold,
};
use cinder_plot::{ExplanationDrawing, Report};
use serde::Serialize;
use serde_json::json;

use crate::error::{ExperimentError, Result};
use crate::explain_nodes::{DataSource, add_drawing, edge_row, finish_run};
use crate::run_directory::RunDirectory;

/// The checkpoint an explanation run writes: `checkpoints/model-graph.bpk`.
const GRAPH_CHECKPOINT: (&str, &str) = ("model", "graph");

/// Everything `cinder explain graph` does, as options.
#[derive(Debug, Clone)]
pub struct GraphExplanationRequest {
    /// The graph set.
    pub data: DataSource,
    /// SDF property holding the class (for an `.sdf` path).
    pub label_property: String,
    /// The graph to explain (kept out of training), or `None` for every held-out graph.
    pub graph: Option<usize>,
    /// Model trained when no checkpoint is given: [`GraphModelKind::Gcn`] (mean readout) or
    /// [`GraphModelKind::Gin`]. A checkpoint brings its own configuration.
    pub model: GraphModelKind,
    /// Training epochs.
    pub epochs: usize,
    /// A run directory to load the model from instead of training: one written by
    /// [`GraphExplanationRun::write`] or by `cinder train graph` (its fold-1 model).
    pub checkpoint: Option<PathBuf>,
    /// Seed of the holdout split and of training.
    pub seed: u64,
    /// GNNExplainer's options.
    pub explainer: ExplainerConfig,
    /// Edges of the explanation subgraph.
    pub top_k: usize,
}

/// The N–O bond statistics of MUTAG explanations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NitroStatistics {
    /// Graphs predicted mutagenic that were explained.
    pub graphs: usize,
    /// Mean share of the edge-mask mass on N–O bonds.
    pub mask_share: f64,
    /// Mean share of the edges that are N–O bonds.
    pub edge_share: f64,
}

/// A finished graph explanation.
#[derive(Debug, Clone)]
pub struct GraphExplanationRun {
    /// The graph set.
    pub dataset: GraphSetDataset,
    /// The model's configuration.
    pub training: GraphTrainingConfig,
    /// The model explained.
    pub model: GraphClassifier,
    /// Input feature columns of the model.
    pub width: usize,
    /// Held-out graphs of this run's seeded split (a loaded model's own training split is not
    /// known: it may have trained on some of them).
    pub test: Vec<usize>,
    /// Accuracy on them (`None` for a loaded model, whose holdout is unknown).
    pub test_accuracy: Option<f64>,
    /// The run directory the model was loaded from.
    pub checkpoint: Option<PathBuf>,
    /// The explained graphs.
    pub explained: Vec<ExplainedGraph>,
    /// Fidelity+ and fidelity− over them.
    pub fidelity: (f64, f64),
    /// For MUTAG: where the masks point.
    pub nitro: Option<NitroStatistics>,
    /// The explainer's options.
    pub explainer: ExplainerConfig,
    /// Edges of the explanation subgraph.
    pub top_k: usize,
    /// Seconds taken by [`GraphExplanationRequest::run`].
    pub seconds: f64,
}

fn load_graphs(source: &DataSource, label_property: &str) -> Result<GraphSetDataset> {
    Ok(match source {
        DataSource::Path(path) => {
            open_dataset(&path.to_string_lossy(), None, label_property)?.into_graphs()?
        }
        DataSource::Registered(name) => load_registered_graphs(name)?,
    })
}

/// The configuration and checkpoint of a run directory: an explanation run's
/// (`explanation.json` → `model.training`, `checkpoints/model-graph.bpk`) or a training run's
/// (`config.json` → `training`, `checkpoints/fold-1.bpk`, with fold 1's selected configuration
/// when it ran model selection).
fn checkpoint_files(directory: &Path) -> Result<(GraphTrainingConfig, PathBuf)> {
    let run = RunDirectory::open(directory)?;
    let parse = |value: &serde_json::Value, file: &str| -> Result<GraphTrainingConfig> {
        serde_json::from_value(value.clone()).map_err(|e| ExperimentError::Json {
            path: run.join(file),
            reason: format!("the model's training configuration: {e}"),
        })
    };
    let (config, path) = if run.join("explanation.json").exists() {
        let summary: serde_json::Value = run.read_json("explanation.json")?;
        if summary["model"]["kind"] != GRAPH_CHECKPOINT.1 {
            return Err(ExperimentError::Run {
                path: run.join("explanation.json"),
                reason: "holds no graph-classification model; pass a run directory written by `cinder explain graph` or `cinder train graph`".into(),
            });
        }
        (
            parse(&summary["model"]["training"], "explanation.json")?,
            run.checkpoint_path(GRAPH_CHECKPOINT.0, GRAPH_CHECKPOINT.1),
        )
    } else {
        let config: serde_json::Value = run.read_json("config.json")?;
        if config["kind"] != "graph-classification" {
            return Err(ExperimentError::Run {
                path: run.join("config.json"),
                reason: format!(
                    "is a {} run; pass a run directory written by `cinder explain graph` or `cinder train graph`",
                    config["kind"]
                ),
            });
        }
        let mut training = parse(&config["training"], "config.json")?;
        if run.join("progress/fold-1.json").exists() {
            let fold: FoldReport = run.read_json("progress/fold-1.json")?;
            if let Some(selection) = fold.selection {
                training = selection.config;
            }
        }
        (training, run.checkpoint_path("fold", 1))
    };
    if !path.exists() {
        return Err(ExperimentError::Run {
            path,
            reason: "the run's model checkpoint is missing".into(),
        });
    }
    Ok((config, path))
}

/// For MUTAG graphs predicted mutagenic (the larger label value, 1 of TU's ±1): the N–O bonds'
/// share of the edge-mask mass and of the edges, averaged over graphs.
fn nitro_statistics(dataset: &GraphSetDataset, explained: &[ExplainedGraph]) -> NitroStatistics {
    let mutagenic = dataset
        .class_names
        .iter()
        .enumerate()
        .filter_map(|(c, name)| name.parse::<i64>().ok().map(|v| (v, c)))
        .max()
        .map(|(_, c)| c);
    let (mut mass, mut count, mut graphs) = (0.0, 0.0, 0usize);
    for g in explained {
        if Some(g.explanation.predicted_class) != mutagenic {
            continue;
        }
        let atoms = atom_names(dataset, g.graph);
        let nitro = |s: usize, t: usize| {
            let pair = (atoms[s].as_str(), atoms[t].as_str());
            pair == ("N", "O") || pair == ("O", "N")
        };
        if let Some((m, c)) = mask_mass_share(&g.explanation, nitro) {
            mass += m;
            count += c;
            graphs += 1;
        }
    }
    let n = graphs as f64;
    NitroStatistics {
        graphs,
        mask_share: if graphs > 0 { mass / n } else { f64::NAN },
        edge_share: if graphs > 0 { count / n } else { f64::NAN },
    }
}

fn is_mutag(dataset: &GraphSetDataset) -> bool {
    dataset.name.eq_ignore_ascii_case("MUTAG")
}

/// Atom symbols of a MUTAG graph's nodes (empty strings for other datasets).
pub fn atom_names(dataset: &GraphSetDataset, graph: usize) -> Vec<String> {
    let graph = &dataset.graphs[graph];
    match graph.node_labels() {
        Some(tags) if is_mutag(dataset) => tags
            .iter()
            .map(|&t| MUTAG_ATOMS.get(t).map_or("?", |s| s).to_string())
            .collect(),
        _ => vec![String::new(); graph.num_nodes()],
    }
}

impl GraphExplanationRequest {
    /// Loads the graphs, trains (or loads) the model and explains the targets, on `device` (a
    /// plain device; autodiff is enabled here).
    pub fn run(&self, device: &Device) -> Result<GraphExplanationRun> {
        let start = Instant::now();
        if self.top_k == 0 {
            return Err(ExperimentError::Invalid {
                option: "top_k".into(),
                reason: "the explanation subgraph needs at least one edge".into(),
            });
        }
        if self.epochs == 0 && self.checkpoint.is_none() {
            return Err(ExperimentError::Invalid {
                option: "epochs".into(),
                reason: "training needs at least one epoch".into(),
            });
        }
        let dataset = load_graphs(&self.data, &self.label_property)?;
        if let Some(index) = self.graph
            && index >= dataset.graphs.len()
        {
            return Err(ExperimentError::Invalid {
                option: "graph".into(),
                reason: format!(
                    "graph {index} is not a graph of {} (it has {})",
                    dataset.name,
                    dataset.graphs.len()
                ),
            });
        }
        let plain = device;
        let device = device.clone().autodiff();
        let loaded = self
            .checkpoint
            .as_deref()
            .map(checkpoint_files)
            .transpose()?;
        let training = match &loaded {
            Some((config, _)) => config.clone(),
            None => {
                let mut training = GraphTrainingConfig::new(self.model);
                // The model keeps the epoch chosen on a validation slice however small, and a
                // GCN reads out the mean: the settings the README's explanations were measured
                // with.
                if self.model == GraphModelKind::Gcn {
                    training.readout = Readout::Mean;
                }
                training.min_validation_graphs = 0;
                training.epochs = self.epochs;
                training.seed = self.seed;
                training
            }
        };
        if training.model == GraphModelKind::Rgcn {
            return Err(ExperimentError::Invalid {
                option: "model".into(),
                reason: "the relational GCN propagates over one operator per bond type; explain a GCN or GIN model".into(),
            });
        }
        if dataset.graphs.len() < 2 {
            return Err(ExperimentError::Invalid {
                option: "data".into(),
                reason: format!(
                    "{} holds {} graph(s); a held-out graph and a training set need at least 2",
                    dataset.name,
                    dataset.graphs.len()
                ),
            });
        }
        let set = GraphSet::new(
            &dataset.graphs,
            training.model.propagation(1),
            InputFeatures::Auto,
        )?;
        // A seeded 90/10 holdout; the explained graph (if one) is tested, never trained on.
        let mut order: Vec<usize> = (0..set.len()).collect();
        seeded_shuffle(&mut order, self.seed);
        let cut = (set.len() / 10).max(1);
        let mut test: Vec<usize> = order[..cut].to_vec();
        let mut train: Vec<usize> = order[cut..].to_vec();
        if let Some(index) = self.graph
            && let Some(position) = train.iter().position(|&g| g == index)
        {
            train.swap_remove(position);
            test.push(index);
        }
        let (model, test_accuracy) = match &loaded {
            Some((config, path)) => {
                let model = config
                    .model_options(set.width(), set.num_classes(), config.seed)
                    .init(plain)
                    .try_load_file(path)
                    .map_err(|e| ExperimentError::Run {
                        path: path.clone(),
                        reason: format!(
                            "cannot load the {} model for {} ({} input columns, {} classes): {e}",
                            config.model.name(),
                            dataset.name,
                            set.width(),
                            set.num_classes()
                        ),
                    })?;
                (model, None)
            }
            None => {
                let fold = Fold {
                    train,
                    test: test.clone(),
                };
                let (model, report) =
                    train_graph_fold(&set, &fold, 1, &training, &device, &mut |_| {})?;
                (model, Some(report.test_accuracy))
            }
        };
        let targets: Vec<usize> = match self.graph {
            Some(index) => vec![index],
            None => test.clone(),
        };
        let explained = targets
            .iter()
            .map(|&index| {
                explain_graph(
                    &model,
                    &set,
                    index,
                    &self.explainer,
                    EdgeSelection::TopK(self.top_k),
                    &device,
                )
            })
            .collect::<cinder_nn::Result<Vec<_>>>()?;
        let changes: Vec<(bool, bool)> = explained.iter().map(|e| e.changes).collect();
        let nitro = is_mutag(&dataset).then(|| nitro_statistics(&dataset, &explained));
        Ok(GraphExplanationRun {
            width: set.width(),
            training,
            model,
            test,
            test_accuracy,
            checkpoint: self.checkpoint.clone(),
            fidelity: fidelity(&changes),
            explained,
            nitro,
            explainer: self.explainer,
            top_k: self.top_k,
            seconds: start.elapsed().as_secs_f64(),
            dataset,
        })
    }
}

impl GraphExplanationRun {
    /// The run as one JSON object: dataset, model, accuracy, fidelity, per graph its
    /// prediction and top edges, and for MUTAG the N–O statistics (`nitro`).
    pub fn summary(&self) -> serde_json::Value {
        let class = |c: usize| self.dataset.class_names.get(c);
        let mut summary = json!({
            "dataset": self.dataset.name,
            "model": {
                "kind": GRAPH_CHECKPOINT.1,
                "name": self.training.model.name(),
                "training": self.training,
                "input_width": self.width,
            },
            "checkpoint": self.checkpoint.as_ref().map(|p| p.display().to_string()),
            "explainer": self.explainer,
            "model_accuracy": {"test": self.test_accuracy, "test_graphs": self.test.len()},
            "explained_graphs": self.explained.len(),
            "fidelity_plus": self.fidelity.0,
            "fidelity_minus": self.fidelity.1,
            "top_k": self.top_k,
            "seconds": self.seconds,
            "graphs": self.explained.iter().map(|g| json!({
                "graph": g.graph,
                "label": class(g.label),
                "predicted": class(g.explanation.predicted_class),
                "probability": g.explanation.probability,
                "top_edges": g.explanation.top_edges(self.top_k).into_iter().map(|(e, m)| edge_row(e, m)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        if let Some(nitro) = &self.nitro {
            summary["nitro"] = json!(nitro);
        }
        summary
    }

    /// Writes the run into a new run directory under `root` (`explain-<dataset>`):
    /// `explanation.json`, the model (`checkpoints/model-graph.bpk`, loadable with
    /// [`GraphExplanationRequest::checkpoint`]) and `report.html` with up to six explained
    /// graphs drawn (atoms labelled for MUTAG). Returns the report's path.
    pub fn write(&self, root: &Path, command: Option<String>) -> Result<PathBuf> {
        let directory = RunDirectory::create(root, &format!("explain-{}", self.dataset.name))?;
        directory.save_checkpoint(self.model.clone(), GRAPH_CHECKPOINT.0, GRAPH_CHECKPOINT.1)?;
        let mut summary = self.summary();
        summary["command"] = json!(command);
        let mut report = Report::new(&format!("GNNExplainer on {}", self.dataset.name));
        if let Some(command) = &command {
            report = report.with_command(command);
        }
        report.heading("Summary");
        report.table(
            &[
                "explained graphs",
                "test accuracy",
                "fidelity+",
                "fidelity−",
            ],
            &[vec![
                self.explained.len().to_string(),
                self.test_accuracy
                    .map_or_else(|| "— (loaded model)".into(), |a| format!("{a:.3}")),
                format!("{:.3}", self.fidelity.0),
                format!("{:.3}", self.fidelity.1),
            ]],
        );
        if let Some(nitro) = &self.nitro {
            report.paragraph(&format!(
                "N–O bonds (nitro groups, the known mutagenic motif) carry {:.1}% of the edge-mask mass in the {} graphs predicted mutagenic, while they are {:.1}% of their edges.",
                100.0 * nitro.mask_share,
                nitro.graphs,
                100.0 * nitro.edge_share,
            ));
        }
        report.heading("Explanation subgraphs");
        let mutag = is_mutag(&self.dataset);
        for g in self.explained.iter().take(6) {
            let graph = &self.dataset.graphs[g.graph];
            let edges = g
                .explanation
                .edges
                .iter()
                .zip(&g.explanation.edge_mask)
                .map(|(&(s, t), &m)| (s, t, f64::from(m)))
                .collect();
            let (node_labels, class_names): (Vec<usize>, Vec<String>) = match graph.node_labels() {
                Some(tags) if mutag => (
                    tags.to_vec(),
                    MUTAG_ATOMS.iter().map(|s| (*s).to_string()).collect(),
                ),
                _ => (vec![0; graph.num_nodes()], vec!["node".into()]),
            };
            let drawing = ExplanationDrawing::new(
                &format!(
                    "graph {} (predicted {})",
                    g.graph,
                    self.dataset
                        .class_names
                        .get(g.explanation.predicted_class)
                        .map_or("?", String::as_str)
                ),
                edges,
                node_labels,
                class_names,
                atom_names(&self.dataset, g.graph),
                None,
                self.explainer.seed,
            );
            add_drawing(
                &mut report,
                &directory,
                &drawing,
                &format!("explanation-graph-{}.png", g.graph),
                &format!(
                    "Graph {}: edge colour and width follow the mask (yellow, wide = important); atoms labelled where known.",
                    g.graph
                ),
            )?;
        }
        finish_run(&directory, report, &summary)
    }
}
