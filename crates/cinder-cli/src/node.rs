//! `cinder train node`: node classification (GCN, GAT, GATv2, GraphSAGE, SGC, APPNP, ChebNet) on
//! Planetoid, a graph directory or the karate club.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::Device;
use cinder_datasets::{NodeDataset, load_planetoid, load_registered_nodes};
use cinder_experiment::{
    NodeExperiment, NodeExperimentResult, NodeInput, RunDirectory, command_line, provenance,
};
use cinder_graph::{Fanout, Graph, NodeSplit, compact_labels};
use cinder_nn::{NodeModelKind, NodeTrainingConfig, NodeTrainingReport, SamplingConfig};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::progress::ProgressBars;
use crate::run_directory;

/// Options of `cinder train node`.
#[derive(Debug, Args)]
pub struct NodeArguments {
    /// A registered dataset (`cinder data list`): cora, citeseer, pubmed (Planetoid files under
    /// $CINDER_DATA/planetoid, public split), twitch-en (MUSAE, target `mature`, random split),
    /// karate (embedded; trains on the two leaders, tests on everyone else), ba-shapes,
    /// tree-cycles; or a MUSAE folder dropped into $CINDER_DATA/social/NAME.
    #[arg(long, conflicts_with = "data")]
    dataset: Option<String>,
    /// A dataset folder instead of a registered name (see --format).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Format of --data, detected from the files when omitted: `planetoid` (ind.<name>.* files;
    /// the name comes from --dataset-name) or `graph-dir` (edge_index/x/y/split as .npy or .csv,
    /// the PyG peer benchmark's format); detection also reads MUSAE, CSV and npz graphs.
    #[arg(long, value_enum)]
    format: Option<DataFormat>,
    /// Seed of the random 60/20/20 per-class split given to datasets without a split of their own
    /// (twitch-en, CSV and npz graphs); the same split serves every training seed.
    #[arg(long, default_value_t = 0)]
    split_seed: u64,
    /// Planetoid name for `--data DIR --format planetoid`.
    #[arg(long, default_value = "cora")]
    dataset_name: String,
    /// Number of seeds to train (seeds first-seed, first-seed+1, …); results are averaged.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Model: gcn (Kipf & Welling), gat (Veličković et al.), gatv2 (Brody et al.), sage (mean
    /// GraphSAGE), sgc (Wu et al.), appnp (Klicpera et al.) or cheb (ChebNet, K = 3). Every
    /// hyperparameter below defaults to that model's paper setting.
    #[arg(long, default_value = "gcn")]
    model: NodeModelKind,
    /// Maximum epochs [gcn, sage, cheb, appnp: 200; gat, gatv2: 1000; sgc: 100].
    #[arg(long)]
    epochs: Option<usize>,
    /// Early-stopping patience on validation loss; 0 trains all epochs [gcn, sage, cheb: 10;
    /// gat, gatv2, appnp: 100; sgc: 0].
    #[arg(long)]
    patience: Option<usize>,
    /// Hidden units (per head for GAT) [gcn, sage, cheb: 16; gat, gatv2: 8; appnp: 64].
    #[arg(long)]
    hidden: Option<usize>,
    /// Attention heads of the first GAT/GATv2 layer [8].
    #[arg(long)]
    heads: Option<usize>,
    /// Attention heads of the GAT/GATv2 output layer, averaged [1].
    #[arg(long)]
    output_heads: Option<usize>,
    /// Hops of SGC [2] and APPNP [10]; Chebyshev filter size of cheb [3].
    #[arg(long)]
    k: Option<usize>,
    /// APPNP teleport probability [0.1].
    #[arg(long)]
    alpha: Option<f32>,
    /// Dropout probability (inputs and hidden layer; attention too for GAT) [0.5; gat, gatv2:
    /// 0.6; sgc: 0].
    #[arg(long, allow_negative_numbers = true)]
    dropout: Option<f32>,
    /// Adam learning rate [0.01; gat, gatv2: 0.005; sgc: 0.2].
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// L2 penalty: on the first layer's weights for gcn, on every parameter for the other models
    /// [5e-4; sgc: 5e-5].
    #[arg(long, allow_negative_numbers = true)]
    weight_decay: Option<f64>,
    /// Row-normalize input features (each row sums to 1, as Kipf & Welling do for bag-of-words).
    /// `auto`: yes for Planetoid and karate, no for graph directories (as the PyG peer does).
    #[arg(long, value_enum, default_value_t = RowNormalize::Auto)]
    row_normalize: RowNormalize,
    /// Train on sampled mini-batches (sage, gcn): neighbours kept per node and hop, seeds first
    /// (as PyG's NeighborLoader), -1 for all; one per layer, e.g. `10,10`. Validation and test
    /// accuracy then come from exact layer-wise inference (full neighbourhoods).
    #[arg(long, allow_hyphen_values = true, value_name = "K1,K2")]
    fanout: Option<String>,
    /// Seed nodes per mini-batch (with --fanout).
    #[arg(long, default_value_t = 1024, requires = "fanout")]
    batch_size: usize,
    /// Worker threads for the CPU kernels (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Folder under which the run directory (config, metrics, charts, report.html) is created.
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Write no run directory or report.
    #[arg(long)]
    no_report: bool,
    /// Continue a killed run from its run directory: the seed runs it finished (saved in
    /// `progress/`, with their models in `checkpoints/`) are kept and the rest are trained, with
    /// the flags the run was started with (other flags are ignored). The result equals an
    /// uninterrupted run: every run trains from its own seed.
    #[arg(long, value_name = "RUN_DIR")]
    resume: Option<PathBuf>,
}

impl NodeArguments {
    /// The training configuration: the model's paper settings, overridden by the flags given.
    fn training_config(&self, seed: u64) -> anyhow::Result<NodeTrainingConfig> {
        let sampling = match &self.fanout {
            Some(text) => {
                let fanouts = Fanout::parse_list(text)?
                    .into_iter()
                    .map(|fanout| match fanout {
                        Fanout::All => -1,
                        Fanout::Sample(k) => k as i64,
                    })
                    .collect();
                Some(SamplingConfig::new(fanouts, self.batch_size))
            }
            None => None,
        };
        let mut config = NodeTrainingConfig::for_model(self.model)
            .with_row_normalize(self.row_normalize.resolve(self))
            .with_seed(seed)
            .with_sampling(sampling);
        if let Some(epochs) = self.epochs {
            config.epochs = epochs;
        }
        if let Some(patience) = self.patience {
            config.patience = patience;
        }
        if let Some(hidden) = self.hidden {
            config.hidden = hidden;
        }
        if let Some(heads) = self.heads {
            config.heads = heads;
        }
        if let Some(heads) = self.output_heads {
            config.output_heads = heads;
        }
        if self.k.is_some() {
            config.k = self.k;
        }
        if let Some(alpha) = self.alpha {
            config.alpha = alpha;
        }
        if let Some(dropout) = self.dropout {
            config.dropout = dropout;
        }
        if let Some(lr) = self.lr {
            config.learning_rate = lr;
        }
        if let Some(weight_decay) = self.weight_decay {
            config.weight_decay = weight_decay;
        }
        Ok(config)
    }
}

/// Whether to row-normalize features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowNormalize {
    /// Planetoid and karate: yes; graph directories: no.
    Auto,
    /// Always.
    Yes,
    /// Never.
    No,
}

impl RowNormalize {
    fn resolve(self, arguments: &NodeArguments) -> bool {
        match self {
            Self::Yes => true,
            Self::No => false,
            Self::Auto => !arguments.data.as_deref().is_some_and(|directory| {
                arguments.format == Some(DataFormat::GraphDir)
                    || (arguments.format.is_none()
                        && cinder_datasets::detect_format(directory).ok()
                            == Some(cinder_datasets::DataFormat::GraphDir))
            }),
        }
    }
}

/// Dataset folder formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// Original Planetoid `ind.<name>.*` pickles.
    Planetoid,
    /// PyG peer graph directory (.npy / .csv).
    GraphDir,
}

/// The JSON result of `cinder train node --json`.
#[derive(Debug, Serialize)]
struct NodeSummary {
    dataset: String,
    model: String,
    nodes: usize,
    edges: usize,
    features: usize,
    classes: usize,
    seeds: Vec<u64>,
    per_seed_test_accuracy: Vec<f64>,
    mean_test_accuracy: f64,
    std_test_accuracy: f64,
    per_seed_test_macro_f1: Vec<f64>,
    mean_test_macro_f1: f64,
    per_seed_validation_accuracy: Vec<f64>,
    mean_validation_accuracy: f64,
    epochs_run: Vec<usize>,
    best_epoch: Vec<usize>,
    epoch_ms_median: f64,
    first_epoch_ms: f64,
    train_seconds_total: f64,
    peak_rss_mb: Option<f64>,
    threads: usize,
    config: NodeConfigSummary,
    /// Mini-batch runs only (`--fanout`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    sampled: Option<SampledSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_directory: Option<String>,
}

/// What `--fanout` runs add to the JSON (medians over every seed's epochs after the first).
#[derive(Debug, Serialize)]
struct SampledSummary {
    fanouts: Vec<i64>,
    batch_size: usize,
    batches_per_epoch: usize,
    /// Worker time per epoch sampling, gathering features and building blocks (overlapped
    /// with training).
    sample_ms_median: f64,
    /// Layer-wise inference over every node (final evaluation), median over seeds.
    inference_ms: f64,
}

#[derive(Debug, Serialize)]
struct NodeConfigSummary {
    model: String,
    hidden: usize,
    heads: usize,
    output_heads: usize,
    k: usize,
    alpha: f32,
    dropout: f32,
    learning_rate: f64,
    weight_decay_first_layer: f64,
    max_epochs: usize,
    patience: usize,
    row_normalize: bool,
}

/// Loads the graph and split the arguments name: a registered (or `$CINDER_DATA`-discovered)
/// name through the registry, or a folder in the given or detected format; datasets without a
/// split of their own get the registry's seeded random split.
fn load(arguments: &NodeArguments) -> anyhow::Result<(String, Graph, NodeSplit)> {
    let dataset = if let Some(directory) = &arguments.data {
        match arguments.format {
            Some(DataFormat::Planetoid) => {
                let loaded = load_planetoid(directory, &arguments.dataset_name)?;
                NodeDataset {
                    name: loaded.name,
                    graph: loaded.graph,
                    split: Some(loaded.split),
                }
            }
            format => {
                // Undetectable folders are read as graph directories (the PyG peer's format,
                // the default before detection), whose loader names the files it misses.
                let format = match format {
                    Some(_) => Some(cinder_datasets::DataFormat::GraphDir),
                    None => cinder_datasets::detect_format(directory)
                        .ok()
                        .or(Some(cinder_datasets::DataFormat::GraphDir)),
                };
                let dataset =
                    cinder_datasets::open_dataset(&directory.to_string_lossy(), format, "")?;
                dataset.into_nodes().with_context(|| {
                    format!(
                        "{}: `cinder train node` needs one graph with node labels",
                        directory.display()
                    )
                })?
            }
        }
    } else {
        let Some(name) = arguments.dataset.as_deref() else {
            bail!("name a dataset with --dataset (see `cinder data list`) or a folder with --data");
        };
        load_registered_nodes(name)?
    };
    let split = dataset
        .split_or_random(arguments.split_seed)
        .with_context(|| format!("splitting {}", dataset.name))?;
    Ok((dataset.name, dataset.graph, split))
}

/// A graph directory of `.npy` files is read lean (CSR, no edge list) for sampled training and
/// for the operator-based models (gcn, sgc, appnp, sage); GAT and ChebNet need the edge list.
fn lean_directory(arguments: &NodeArguments) -> Option<&std::path::Path> {
    let directory = arguments.data.as_deref()?;
    let graph_dir = match arguments.format {
        Some(format) => format == DataFormat::GraphDir,
        None => {
            cinder_datasets::detect_format(directory).ok()
                == Some(cinder_datasets::DataFormat::GraphDir)
        }
    };
    let operator_model = matches!(
        arguments.model,
        NodeModelKind::Gcn | NodeModelKind::Sgc | NodeModelKind::Appnp | NodeModelKind::Sage
    );
    ((arguments.fanout.is_some() || operator_model)
        && graph_dir
        && directory.join("edge_index.npy").exists()
        && directory.join("x.npy").exists())
    .then_some(directory)
}

/// Parses the flags a run was started with (saved in its `arguments.json`).
#[derive(Debug, clap::Parser)]
struct SavedArguments {
    #[command(flatten)]
    arguments: NodeArguments,
}

/// Runs `cinder train node` (or resumes it with `--resume RUN_DIR`).
pub fn run(arguments: &NodeArguments, argv: &[String], device: &Device) -> anyhow::Result<()> {
    let Some(run) = &arguments.resume else {
        return train(arguments, argv, None, device);
    };
    let (parsed, directory) =
        run_directory::resume::<SavedArguments>(argv, &["train", "node"], run)?;
    train(&parsed.arguments, argv, Some(directory), device)
}

fn train(
    arguments: &NodeArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    cinder_experiment::set_worker_threads(arguments.threads)?;
    if arguments.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let (dataset, graph, lean, split) = match lean_directory(arguments) {
        Some(directory) => {
            let mut lean = cinder_datasets::load_graph_directory_csr(directory)?;
            let name = directory.file_name().map_or_else(
                || directory.display().to_string(),
                |n| n.to_string_lossy().into(),
            );
            let split = std::mem::take(&mut lean.split);
            (name, None, Some(lean), split)
        }
        None => {
            let (dataset, graph, split) = load(arguments)?;
            (dataset, Some(graph), None, split)
        }
    };
    if split.test.is_empty() {
        bail!(
            "{dataset}: the split has no test nodes, so there is no test accuracy to report (mark some nodes 2 = test in split)"
        );
    }
    let (graph, lean, class_values) = match (graph, lean) {
        (Some(graph), _) => {
            let (graph, classes) = with_compact_classes(graph)?;
            (Some(graph), None, classes)
        }
        (None, Some(mut lean)) => {
            let classes = compact_labels(&lean.labels);
            lean.labels = classes.indices;
            (None, Some(lean), classes.values)
        }
        (None, None) => bail!("{dataset}: nothing was loaded"),
    };
    let (input, shape) = match (&graph, &lean) {
        (Some(graph), _) => (
            NodeInput::Graph(graph),
            GraphShape {
                nodes: graph.num_nodes(),
                edges: graph.num_edges(),
                features: graph.features_or_identity().columns(),
            },
        ),
        (None, Some(lean)) => (
            NodeInput::Csr {
                neighbours: &lean.neighbours,
                features: &lean.features,
                labels: &lean.labels,
            },
            GraphShape {
                nodes: lean.neighbours.num_nodes(),
                edges: lean.num_edges,
                features: lean.features.columns(),
            },
        ),
        (None, None) => bail!("{dataset}: nothing was loaded"),
    };
    let experiment = NodeExperiment {
        dataset: dataset.clone(),
        graph: input,
        split: &split,
        config: arguments.training_config(arguments.first_seed)?,
        seeds: (arguments.first_seed..arguments.first_seed + arguments.seeds).collect(),
        class_names: class_values.iter().map(usize::to_string).collect(),
    };
    let directory = run_directory::start(
        resume,
        arguments.no_report,
        &arguments.out,
        &format!("{dataset}-{}", arguments.model.name()),
        argv,
        &["train", "node"],
    )?;
    let mut bars = ProgressBars::new(arguments.json);
    let result = experiment
        .run(device, &mut bars, directory.as_ref())
        .with_context(|| format!("training on {dataset}"))?;
    drop(bars);
    if !arguments.json {
        for run in &result.runs {
            let report = &run.report;
            println!(
                "seed {:>3}: test accuracy {:.4}  macro-F1 {:.4}  epochs {:>3} (best {:>3})  validation accuracy {}",
                run.seed,
                report.test_accuracy,
                report.test_macro_f1,
                report.epochs_run,
                report.best_epoch,
                if split.validation.is_empty() {
                    "n/a (no validation nodes)".to_string()
                } else {
                    format!("{:.4}", report.validation_accuracy)
                }
            );
        }
    }
    if let Some(directory) = &directory {
        let mut extra = serde_json::Map::new();
        extra.insert(
            "provenance".into(),
            serde_json::to_value(provenance(result.seconds, device, &[]))?,
        );
        experiment.write_run(directory, &result, Some(command_line()), extra)?;
    }
    let mut summary = summarize(dataset, &shape, &experiment, &result, arguments);
    summary.run_directory = directory.map(|d| d.path().display().to_string());
    if arguments.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{}: {} test accuracy {:.2}% ± {:.2} over {} seed(s); macro-F1 {:.4}; median epoch {:.2} ms; peak RSS {:.0} MB",
            summary.dataset,
            summary.model.to_uppercase(),
            100.0 * summary.mean_test_accuracy,
            100.0 * summary.std_test_accuracy,
            summary.seeds.len(),
            summary.mean_test_macro_f1,
            summary.epoch_ms_median,
            summary.peak_rss_mb.unwrap_or(f64::NAN)
        );
        if let Some(directory) = &summary.run_directory {
            println!("report: {directory}/report.html");
        }
    }
    Ok(())
}

/// Renumbers the graph's labels through the distinct values present, so that class tables are
/// sized by the classes there are, not by the largest label; returns the original label of each
/// class too.
fn with_compact_classes(graph: Graph) -> anyhow::Result<(Graph, Vec<usize>)> {
    let Some(labels) = graph.node_labels() else {
        return Ok((graph, Vec::new()));
    };
    let classes = compact_labels(labels);
    if classes.values.len() == classes.values.last().map_or(0, |&last| last + 1) {
        return Ok((graph, classes.values));
    }
    Ok((graph.with_node_labels(classes.indices)?, classes.values))
}

/// Sizes of the graph trained on.
struct GraphShape {
    nodes: usize,
    edges: usize,
    features: usize,
}

fn summarize(
    dataset: String,
    graph: &GraphShape,
    experiment: &NodeExperiment<'_>,
    result: &NodeExperimentResult,
    arguments: &NodeArguments,
) -> NodeSummary {
    let reports: Vec<&NodeTrainingReport> = result.runs.iter().map(|r| &r.report).collect();
    let config = &experiment.config;
    NodeSummary {
        dataset,
        model: arguments.model.name().to_string(),
        nodes: graph.nodes,
        edges: graph.edges,
        features: graph.features,
        classes: experiment.num_classes(),
        seeds: experiment.seeds.clone(),
        per_seed_test_accuracy: reports.iter().map(|r| r.test_accuracy).collect(),
        mean_test_accuracy: result.mean_test_accuracy,
        std_test_accuracy: result.std_test_accuracy,
        per_seed_test_macro_f1: reports.iter().map(|r| r.test_macro_f1).collect(),
        mean_test_macro_f1: result.mean_test_macro_f1,
        per_seed_validation_accuracy: reports.iter().map(|r| r.validation_accuracy).collect(),
        mean_validation_accuracy: cinder_nn::mean(
            &reports
                .iter()
                .map(|r| r.validation_accuracy)
                .collect::<Vec<_>>(),
        ),
        epochs_run: reports.iter().map(|r| r.epochs_run).collect(),
        best_epoch: reports.iter().map(|r| r.best_epoch).collect(),
        epoch_ms_median: result.epoch_ms_median,
        first_epoch_ms: result.first_epoch_ms,
        train_seconds_total: result.seconds,
        peak_rss_mb: cinder_experiment::peak_resident_megabytes(),
        threads: cinder_experiment::worker_threads(),
        config: NodeConfigSummary {
            model: config.model.name().to_string(),
            hidden: config.hidden,
            heads: config.heads,
            output_heads: config.output_heads,
            k: config.hops(),
            alpha: config.alpha,
            dropout: config.dropout,
            learning_rate: config.learning_rate,
            weight_decay_first_layer: config.weight_decay,
            max_epochs: config.epochs,
            patience: config.patience,
            row_normalize: config.row_normalize,
        },
        sampled: config.sampling.as_ref().zip(result.sampled.as_ref()).map(
            |(sampling, medians)| SampledSummary {
                fanouts: sampling.fanouts.clone(),
                batch_size: sampling.batch_size,
                batches_per_epoch: medians.batches_per_epoch,
                sample_ms_median: medians.sample_ms_median,
                inference_ms: medians.inference_ms_median,
            },
        ),
        run_directory: None,
    }
}
