//! `cinder train node`: GCN node classification on Planetoid, a graph directory or the karate club.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::Device;
use cinder_datasets::{PLANETOID_NAMES, load_graph_directory, load_planetoid, planetoid_directory};
use cinder_graph::{Graph, NodeSplit, karate_club};
use cinder_nn::{NodeTrainingConfig, NodeTrainingReport, train_node_classifier};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::resources::{mean_std, median, peak_rss_mb};
use crate::run_directory;

/// Options of `cinder train node`.
#[derive(Debug, Args)]
pub struct NodeArguments {
    /// A registered dataset: cora, citeseer, pubmed (Planetoid files under $CINDER_DATA/planetoid)
    /// or karate (embedded; trains on the two leaders, tests on everyone else).
    #[arg(long, conflicts_with = "data")]
    dataset: Option<String>,
    /// A dataset folder instead of a registered name (see --format).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Format of --data: `planetoid` (ind.<name>.* files; the name comes from --dataset-name) or
    /// `graph-dir` (edge_index/x/y/split as .npy or .csv, the PyG peer benchmark's format).
    #[arg(long, value_enum, default_value_t = DataFormat::GraphDir)]
    format: DataFormat,
    /// Planetoid name for `--data DIR --format planetoid`.
    #[arg(long, default_value = "cora")]
    dataset_name: String,
    /// Number of seeds to train (seeds first-seed, first-seed+1, …); results are averaged.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Maximum epochs.
    #[arg(long, default_value_t = 200)]
    epochs: usize,
    /// Early-stopping patience on validation loss; 0 trains all epochs.
    #[arg(long, default_value_t = 10)]
    patience: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 16)]
    hidden: usize,
    /// Dropout probability (input and hidden layer).
    #[arg(long, default_value_t = 0.5)]
    dropout: f32,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// L2 penalty on the first layer's weights.
    #[arg(long, default_value_t = 5e-4)]
    weight_decay: f64,
    /// Row-normalize input features (each row sums to 1, as Kipf & Welling do for bag-of-words).
    /// `auto`: yes for Planetoid and karate, no for graph directories (as the PyG peer does).
    #[arg(long, value_enum, default_value_t = RowNormalize::Auto)]
    row_normalize: RowNormalize,
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
            Self::Auto => !(arguments.data.is_some() && arguments.format == DataFormat::GraphDir),
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
    model: &'static str,
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
    epochs_run: Vec<usize>,
    best_epoch: Vec<usize>,
    epoch_ms_median: f64,
    first_epoch_ms: f64,
    train_seconds_total: f64,
    peak_rss_mb: Option<f64>,
    threads: usize,
    config: NodeConfigSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_directory: Option<String>,
}

#[derive(Debug, Serialize)]
struct NodeConfigSummary {
    hidden: usize,
    dropout: f32,
    learning_rate: f64,
    weight_decay_first_layer: f64,
    max_epochs: usize,
    patience: usize,
    row_normalize: bool,
}

/// Loads the graph and split the arguments name.
fn load(arguments: &NodeArguments) -> anyhow::Result<(String, Graph, NodeSplit)> {
    if let Some(directory) = &arguments.data {
        return match arguments.format {
            DataFormat::GraphDir => {
                let loaded = load_graph_directory(directory)?;
                Ok((directory.display().to_string(), loaded.graph, loaded.split))
            }
            DataFormat::Planetoid => {
                let loaded = load_planetoid(directory, &arguments.dataset_name)?;
                Ok((loaded.name, loaded.graph, loaded.split))
            }
        };
    }
    let Some(name) = arguments.dataset.as_deref() else {
        bail!(
            "name a dataset with --dataset (cora, citeseer, pubmed, karate) or a folder with --data"
        );
    };
    match name.to_lowercase().as_str() {
        "karate" => {
            let split = NodeSplit {
                train: vec![0, 33],
                validation: vec![],
                test: (1..33).collect(),
            };
            Ok(("karate".into(), karate_club(), split))
        }
        planetoid => {
            if !PLANETOID_NAMES.contains(&planetoid) {
                bail!(
                    "unknown dataset {name:?}: registered names are karate, {}; or pass a folder with --data",
                    PLANETOID_NAMES.join(", ")
                );
            }
            let directory = planetoid_directory().context(
                "Planetoid files not found: set CINDER_DATA to the folder holding planetoid/ind.<name>.* (e.g. ../shared/datasets), or pass --data DIR --format planetoid",
            )?;
            let loaded = load_planetoid(&directory, planetoid)?;
            Ok((loaded.name, loaded.graph, loaded.split))
        }
    }
}

/// Runs `cinder train node`.
pub fn run(arguments: &NodeArguments) -> anyhow::Result<()> {
    if let Some(threads) = arguments.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("configuring the thread pool")?;
    }
    if arguments.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let (dataset, graph, split) = load(arguments)?;
    let device = Device::flex().autodiff();
    let seeds: Vec<u64> = (arguments.first_seed..arguments.first_seed + arguments.seeds).collect();
    let mut reports: Vec<NodeTrainingReport> = Vec::new();
    let mut models = Vec::new();
    let start = std::time::Instant::now();
    for &seed in &seeds {
        let config = NodeTrainingConfig::new()
            .with_epochs(arguments.epochs)
            .with_patience(arguments.patience)
            .with_hidden(arguments.hidden)
            .with_dropout(arguments.dropout)
            .with_learning_rate(arguments.lr)
            .with_weight_decay(arguments.weight_decay)
            .with_row_normalize(arguments.row_normalize.resolve(arguments))
            .with_seed(seed);
        let (model, report) = train_node_classifier(&graph, &split, &config, &device)
            .with_context(|| format!("training on {dataset} with seed {seed}"))?;
        if !arguments.no_report {
            models.push(model);
        }
        if !arguments.json {
            println!(
                "seed {seed:>3}: test accuracy {:.4}  macro-F1 {:.4}  epochs {:>3} (best {:>3})  validation accuracy {}",
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
        reports.push(report);
    }
    let run_directory = if arguments.no_report {
        None
    } else {
        let directory = write_run(&dataset, &graph, &seeds, &reports, arguments)?;
        let checkpoints = directory.join("checkpoints");
        std::fs::create_dir_all(&checkpoints)
            .with_context(|| format!("creating {}", checkpoints.display()))?;
        for (model, seed) in models.into_iter().zip(&seeds) {
            run_directory::save_checkpoint(model, &checkpoints.join(format!("seed-{seed}.bpk")))?;
        }
        Some(directory)
    };
    let mut summary = summarize(
        dataset,
        &graph,
        &seeds,
        &reports,
        arguments,
        start.elapsed().as_secs_f64(),
    );
    summary.run_directory = run_directory.map(|d| d.display().to_string());
    if arguments.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{}: GCN test accuracy {:.2}% ± {:.2} over {} seed(s); macro-F1 {:.4}; median epoch {:.2} ms; peak RSS {:.0} MB",
            summary.dataset,
            100.0 * summary.mean_test_accuracy,
            100.0 * summary.std_test_accuracy,
            seeds.len(),
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

fn summarize(
    dataset: String,
    graph: &Graph,
    seeds: &[u64],
    reports: &[NodeTrainingReport],
    arguments: &NodeArguments,
    seconds: f64,
) -> NodeSummary {
    let accuracies: Vec<f64> = reports.iter().map(|r| r.test_accuracy).collect();
    let f1: Vec<f64> = reports.iter().map(|r| r.test_macro_f1).collect();
    let (mean, std) = mean_std(&accuracies);
    // As the PyG peer measures: median over epochs after the first 10.
    let steps: Vec<f64> = reports
        .iter()
        .flat_map(|r| r.history.iter().skip(10).map(|e| e.step_ms))
        .collect();
    let first_epoch_ms = reports
        .first()
        .and_then(|r| r.history.first())
        .map_or(f64::NAN, |e| e.step_ms);
    NodeSummary {
        dataset,
        model: "gcn",
        nodes: graph.num_nodes(),
        edges: graph.num_edges(),
        features: graph.features_or_identity().columns(),
        classes: graph
            .node_labels()
            .and_then(|l| l.iter().max())
            .map_or(0, |m| m + 1),
        seeds: seeds.to_vec(),
        per_seed_test_accuracy: accuracies,
        mean_test_accuracy: mean,
        std_test_accuracy: std,
        mean_test_macro_f1: mean_std(&f1).0,
        per_seed_test_macro_f1: f1,
        epochs_run: reports.iter().map(|r| r.epochs_run).collect(),
        best_epoch: reports.iter().map(|r| r.best_epoch).collect(),
        epoch_ms_median: median(&steps),
        first_epoch_ms,
        train_seconds_total: seconds,
        peak_rss_mb: peak_rss_mb(),
        threads: rayon::current_num_threads(),
        config: NodeConfigSummary {
            hidden: arguments.hidden,
            dropout: arguments.dropout,
            learning_rate: arguments.lr,
            weight_decay_first_layer: arguments.weight_decay,
            max_epochs: arguments.epochs,
            patience: arguments.patience,
            row_normalize: arguments.row_normalize.resolve(arguments),
        },
        run_directory: None,
    }
}

/// Writes the run directory of a node-classification run (one "run" per seed) and its report.
fn write_run(
    dataset: &str,
    graph: &Graph,
    seeds: &[u64],
    reports: &[NodeTrainingReport],
    arguments: &NodeArguments,
) -> anyhow::Result<std::path::PathBuf> {
    let directory = run_directory::create(&arguments.out, &format!("{dataset}-gcn"))?;
    let classes = graph
        .node_labels()
        .and_then(|l| l.iter().max())
        .map_or(0, |m| m + 1);
    let confusion =
        run_directory::summed_confusion(reports.iter().map(|r| &r.test_confusion), classes);
    let accuracies: Vec<f64> = reports.iter().map(|r| r.test_accuracy).collect();
    let (mean, std) = mean_std(&accuracies);
    let config = serde_json::json!({
        "dataset": dataset,
        "model": "gcn",
        "unit": "run",
        "seeds": seeds,
        "command": run_directory::command_line(),
        "protocol": format!(
            "semi-supervised node classification, {} run(s) (seeds {:?}); each keeps the epoch with the lowest validation loss (patience {}) and is tested once",
            seeds.len(), seeds, arguments.patience
        ),
        "class_names": (0..classes).map(|c| c.to_string()).collect::<Vec<_>>(),
        "test_confusion": confusion,
        "mean_test_accuracy": mean,
        "std_test_accuracy": std,
    });
    run_directory::write(
        &directory,
        "config.json",
        &serde_json::to_string_pretty(&config)?,
    )?;
    let mut metrics = String::from(
        "run,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,step_ms\n",
    );
    let mut runs = String::from("run,best_epoch,validation_accuracy,test_accuracy\n");
    for (index, report) in reports.iter().enumerate() {
        for epoch in &report.history {
            metrics.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                index + 1,
                epoch.epoch,
                epoch.train_loss,
                epoch.train_accuracy,
                epoch.validation_loss,
                epoch.validation_accuracy,
                epoch.step_ms
            ));
        }
        runs.push_str(&format!(
            "{},{},{},{}\n",
            index + 1,
            report.best_epoch,
            report.validation_accuracy,
            report.test_accuracy
        ));
    }
    run_directory::write(&directory, "metrics.csv", &metrics)?;
    run_directory::write(&directory, "folds.csv", &runs)?;
    crate::report::build(&directory)?;
    Ok(directory)
}
