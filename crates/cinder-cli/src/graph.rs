//! `cinder train graph`: graph classification (GCN, GIN, relational GCN) with k-fold
//! cross-validation on TU benchmarks, SDF molecules or any registered graph set.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::Device;
use cinder_datasets::{GraphSetDataset, load_registered_graphs, load_tu};
use cinder_experiment::{GraphExperiment, RunDirectory, command_line, provenance};
use cinder_graph::{Fold, stratified_folds, stratified_holdout};
use cinder_nn::{
    BatchNormStatistics, ConfigGrid, CrossValidationReport, GraphModelKind, GraphSet,
    GraphTrainingConfig, InputFeatures, Readout, Selection,
};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::progress::ProgressBars;
use crate::run_directory;

/// Options of `cinder train graph`.
#[derive(Debug, Args)]
pub struct GraphArguments {
    /// A registered graph set: MUTAG, PROTEINS (under $CINDER_DATA/tu) or solubility (embedded).
    #[arg(long, conflicts_with = "data")]
    dataset: Option<String>,
    /// A file or folder instead of a registered name; its format is detected (see --format).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Format of --data, when detection is not wanted: `tu` (folder of NAME_A.txt,
    /// NAME_graph_indicator.txt, …; NAME from --tu-name or the folder name), `gin-txt` (NAME.txt
    /// with an optional 10fold_idx/ beside it) or `sdf` (molecules; the label is
    /// --label-property). Default: detected from the file extension or the folder's files.
    #[arg(long, value_enum)]
    format: Option<GraphFormat>,
    /// Dataset name inside a TU folder (default: the folder's name).
    #[arg(long)]
    tu_name: Option<String>,
    /// SD property used as the class of each molecule (`--format sdf`).
    #[arg(long, default_value = "SOL_classification")]
    label_property: String,
    /// Model: `gcn` (3 GCN layers → readout → linear), `gin` (GIN-0, 5 layers with batch norm,
    /// summed per-layer predictions) or `rgcn` (relational GCN, one propagation per bond type).
    #[arg(long, value_enum, default_value_t = ModelArgument::Gcn)]
    model: ModelArgument,
    /// Number of cross-validation folds. The dataset's fixed folds are used when it ships this
    /// many (MUTAG, PROTEINS: 10), otherwise seeded stratified folds.
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// Instead of cross-validation, one seeded stratified split holding out this fraction of the
    /// graphs for testing (e.g. 0.2).
    #[arg(long, conflicts_with = "seeded_folds", allow_negative_numbers = true)]
    holdout: Option<f64>,
    /// Ignore the dataset's fixed folds and make seeded stratified ones.
    #[arg(long)]
    seeded_folds: bool,
    /// Readout (default: sum for gcn and gin, mean for rgcn).
    #[arg(long, value_enum)]
    readout: Option<ReadoutArgument>,
    /// Hidden width.
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    /// Depth (default: 3 for gcn/rgcn, 5 for gin counting the input layer).
    #[arg(long)]
    layers: Option<usize>,
    /// Dropout before the classifier.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    dropout: f32,
    /// Adam learning rate (halved every --decay-every epochs).
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    lr: f64,
    /// L2 penalty on all weights (Adam weight decay).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    weight_decay: f32,
    /// Halve the learning rate every this many epochs (0: never).
    #[arg(long, default_value_t = 50)]
    decay_every: usize,
    /// Maximum epochs per fold.
    #[arg(long, default_value_t = 350)]
    epochs: usize,
    /// With --select accuracy|loss: stop a fold after this many epochs without a better score
    /// (0: never).
    #[arg(long, default_value_t = 100)]
    patience: usize,
    /// Graphs per mini-batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Fraction of each training fold held out for validation (default 0.1).
    #[arg(long, allow_negative_numbers = true)]
    validation_fraction: Option<f64>,
    /// Which epoch each fold keeps: the best on validation, `accuracy` (ties: lower loss;
    /// default) or `loss`, or `last` (no selection).
    #[arg(long, value_enum)]
    select: Option<SelectionArgument>,
    /// GCN/RGCN: classify every layer's readout (input layer included) and sum the scores, as GIN.
    #[arg(long)]
    layer_readouts: bool,
    /// No batch norm after GCN/RGCN layers (GIN always has it).
    #[arg(long)]
    no_batch_norm: bool,
    /// Evaluation protocol: `single` (the configuration given by the flags; each fold keeps
    /// the epoch with the best validation score) or `errica` (Errica et al. 2020: in each fold,
    /// every configuration of the grid trains on the same split and only the best on
    /// validation is tested; grid from the --grid-* flags, default hidden {32, 64} x readout
    /// {sum, mean}).
    #[arg(long, value_enum, default_value_t = ProtocolArgument::Single)]
    protocol: ProtocolArgument,
    /// With `--protocol errica`: hidden widths to select from (comma-separated).
    #[arg(long, value_delimiter = ',')]
    grid_hidden: Vec<usize>,
    /// With `--protocol errica`: depths to select from.
    #[arg(long, value_delimiter = ',')]
    grid_layers: Vec<usize>,
    /// With `--protocol errica`: readouts to select from.
    #[arg(long, value_enum, value_delimiter = ',')]
    grid_readout: Vec<ReadoutArgument>,
    /// With `--protocol errica`: dropout probabilities to select from.
    #[arg(long, value_delimiter = ',')]
    grid_dropout: Vec<f32>,
    /// With `--protocol errica`: learning rates to select from.
    #[arg(long, value_delimiter = ',')]
    grid_lr: Vec<f64>,
    /// Below this many validation graphs a fold does not select an epoch: it trains on all its
    /// training graphs and keeps the last epoch (a score over a handful of graphs is noise:
    /// MUTAG, 3 seeds, GIN 84.4% selecting on 17 graphs, 86.5% not). 0 always selects; ignored
    /// with --protocol errica.
    #[arg(long, default_value_t = 50)]
    min_validation_graphs: usize,
    /// Statistics of the batch norms when a model is evaluated: `population` (recomputed over
    /// the training graphs at the evaluated weights; stable validation scores) or `running`
    /// (the running averages kept during training, as PyTorch's `eval()`).
    #[arg(long, value_enum, default_value_t = BatchNormStatisticsArgument::Population)]
    batch_norm_statistics: BatchNormStatisticsArgument,
    /// Node input features: `auto` (the node features if they vary, else one-hot node labels if
    /// they take two or more values, else one-hot degree capped at 64: never a constant input),
    /// `labels` or `degree`. The choice is printed and recorded in the run directory.
    #[arg(long, value_enum, default_value_t = FeatureArgument::Auto)]
    features: FeatureArgument,
    /// With `--model rgcn`: merge all bond types into one relation (the no-bond-type baseline).
    #[arg(long)]
    ignore_edge_types: bool,
    /// Seed of folds, validation slices, initialization, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads for the CPU kernels (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Train this many cross-validation folds at once, each on its own thread (small-graph
    /// batches leave cores idle: MUTAG GIN runs 2.0x faster with 2 on 2 cores). Results are
    /// identical to the sequential run; progress is shown per fold as each finishes. Default:
    /// one per worker thread (`--parallel-folds 1` trains one fold at a time, with per-epoch
    /// progress).
    #[arg(long)]
    parallel_folds: Option<usize>,
    /// Print one JSON object (and no progress bar) instead of a table.
    #[arg(long)]
    json: bool,
    /// Folder under which the run directory (config, metrics, charts, report.html) is created.
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Write no run directory or report.
    #[arg(long)]
    no_report: bool,
    /// Continue a killed run from its run directory: the folds it finished (saved in
    /// `progress/`, with their models in `checkpoints/`) are kept and the rest are trained, with
    /// the flags the run was started with (other flags are ignored). The result equals an
    /// uninterrupted run: every fold trains from its own seed.
    #[arg(long, value_name = "RUN_DIR")]
    resume: Option<PathBuf>,
}

/// Parses the flags a run was started with (saved in its `arguments.json`).
#[derive(Debug, clap::Parser)]
struct SavedArguments {
    #[command(flatten)]
    arguments: GraphArguments,
}

/// Graph-set file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Official TU Dortmund text files.
    Tu,
    /// GIN/DGCNN text format.
    GinTxt,
    /// MDL SDF molecules.
    Sdf,
}

/// Models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArgument {
    /// Graph convolutional network.
    Gcn,
    /// Graph isomorphism network.
    Gin,
    /// Relational GCN (bond types).
    Rgcn,
}

/// Readouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadoutArgument {
    /// Mean of node vectors.
    Mean,
    /// Sum of node vectors.
    Sum,
    /// Element-wise maximum.
    Max,
}

/// Model-selection scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SelectionArgument {
    /// Validation accuracy.
    Accuracy,
    /// Validation loss.
    Loss,
    /// The last epoch (no selection).
    Last,
}

/// Evaluation protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArgument {
    /// One configuration; each fold keeps its best validation epoch.
    Single,
    /// Model selection from a grid inside each fold (Errica et al. 2020).
    Errica,
}

/// Batch-norm statistics at evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchNormStatisticsArgument {
    /// Recomputed over the training graphs at the evaluated weights.
    Population,
    /// The running averages kept during training.
    Running,
}

/// Feature sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeatureArgument {
    /// Node features, else node labels, else degrees.
    Auto,
    /// One-hot node labels.
    Labels,
    /// One-hot degrees (capped at 64).
    Degree,
}

/// The JSON result of `cinder train graph --json`.
#[derive(Debug, Serialize)]
struct GraphSummary<'a> {
    dataset: &'a str,
    model: &'static str,
    readout: &'static str,
    folds: usize,
    fixed_folds: bool,
    graphs: usize,
    classes: Vec<String>,
    input_features: usize,
    feature_source: String,
    feature_choice: String,
    per_fold_test_accuracy: &'a [f64],
    mean_test_accuracy: f64,
    std_test_accuracy: f64,
    per_fold_best_epoch: Vec<usize>,
    epoch_ms_median: f64,
    collate_ms_median: f64,
    train_seconds_total: f64,
    peak_rss_mb: Option<f64>,
    threads: usize,
    protocol: &'a str,
    config: &'a GraphTrainingConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_directory: Option<String>,
    per_fold: Vec<FoldSummary>,
}

/// One fold in `--json`: sizes, kept epoch and scores; the per-epoch curves are in the run
/// directory's `metrics.csv`, not on the terminal.
#[derive(Debug, Serialize)]
struct FoldSummary {
    fold: usize,
    train_validation_test: [usize; 3],
    best_epoch: usize,
    epochs_run: usize,
    validation_accuracy: f64,
    test_accuracy: f64,
    /// With `--protocol errica`: the selected configuration and every candidate's score.
    #[serde(skip_serializing_if = "Option::is_none")]
    selection: Option<cinder_nn::FoldSelection>,
}

fn load(arguments: &GraphArguments) -> anyhow::Result<GraphSetDataset> {
    let Some(path) = &arguments.data else {
        let Some(name) = arguments.dataset.as_deref() else {
            bail!(
                "name a dataset with --dataset (MUTAG, PROTEINS, solubility) or a file/folder with --data"
            );
        };
        return Ok(load_registered_graphs(name)?);
    };
    let name = path
        .file_stem()
        .map_or_else(|| "graphs".into(), |s| s.to_string_lossy().into_owned());
    if let Some(GraphFormat::Tu) = arguments.format
        && let Some(tu_name) = &arguments.tu_name
    {
        let loaded = load_tu(path, tu_name)?;
        return Ok(GraphSetDataset {
            name: tu_name.clone(),
            class_names: loaded.class_values.iter().map(i64::to_string).collect(),
            graphs: loaded.graphs,
            folds: None,
        });
    }
    // Every other case reads as `cinder data info` does: a file or folder, in the given format
    // or the detected one.
    let format = arguments.format.map(|format| match format {
        GraphFormat::Sdf => cinder_datasets::DataFormat::Sdf,
        GraphFormat::GinTxt => cinder_datasets::DataFormat::GinTxt,
        GraphFormat::Tu => cinder_datasets::DataFormat::Tu,
    });
    let mut dataset = cinder_datasets::open_dataset(
        &path.to_string_lossy(),
        format,
        &arguments.label_property,
    )?
    .into_graphs()
    .with_context(|| {
        format!(
            "{}: `cinder train graph` needs a set of labelled graphs (one graph with node labels trains with `cinder train node --data`; images with `cinder image graph`)",
            path.display()
        )
    })?;
    if dataset.name.is_empty() {
        dataset.name = name;
    }
    Ok(dataset)
}

fn config(arguments: &GraphArguments) -> GraphTrainingConfig {
    let model = match arguments.model {
        ModelArgument::Gcn => GraphModelKind::Gcn,
        ModelArgument::Gin => GraphModelKind::Gin,
        ModelArgument::Rgcn => GraphModelKind::Rgcn,
    };
    let mut config = GraphTrainingConfig::new(model);
    if arguments.protocol == ProtocolArgument::Errica {
        let grid = ConfigGrid {
            hidden: arguments.grid_hidden.clone(),
            layers: arguments.grid_layers.clone(),
            readout: arguments.grid_readout.iter().map(|&r| readout(r)).collect(),
            dropout: arguments.grid_dropout.clone(),
            learning_rate: arguments.grid_lr.clone(),
        };
        config = config.with_model_selection(if grid.is_empty() {
            ConfigGrid::errica()
        } else {
            grid
        });
    }
    if let Some(argument) = arguments.readout {
        config.readout = readout(argument);
    }
    if let Some(layers) = arguments.layers {
        config.layers = layers;
    }
    config.hidden = arguments.hidden;
    config.dropout = arguments.dropout;
    config.batch_norm = !arguments.no_batch_norm;
    config.layer_readouts = arguments.layer_readouts;
    config.batch_norm_statistics = match arguments.batch_norm_statistics {
        BatchNormStatisticsArgument::Population => BatchNormStatistics::Population,
        BatchNormStatisticsArgument::Running => BatchNormStatistics::Running,
    };
    if let Some(select) = arguments.select {
        config.selection = match select {
            SelectionArgument::Accuracy => Selection::Accuracy,
            SelectionArgument::Loss => Selection::Loss,
            SelectionArgument::Last => Selection::Last,
        };
    }
    config.learning_rate = arguments.lr;
    config.weight_decay = arguments.weight_decay;
    config.decay_every = arguments.decay_every;
    config.epochs = arguments.epochs;
    config.patience = arguments.patience;
    config.batch_size = arguments.batch_size;
    if let Some(fraction) = arguments.validation_fraction {
        config.validation_fraction = fraction;
    }
    if config.model_selection.is_none() {
        config.min_validation_graphs = arguments.min_validation_graphs;
    }
    config.relations = if arguments.ignore_edge_types { 1 } else { 4 };
    config.seed = arguments.seed;
    config
}

fn readout(argument: ReadoutArgument) -> Readout {
    match argument {
        ReadoutArgument::Mean => Readout::Mean,
        ReadoutArgument::Sum => Readout::Sum,
        ReadoutArgument::Max => Readout::Max,
    }
}

/// Runs `cinder train graph`.
pub fn run(arguments: &GraphArguments, argv: &[String], device: &Device) -> anyhow::Result<()> {
    let Some(run) = &arguments.resume else {
        return train(arguments, argv, None, device);
    };
    let (parsed, directory) =
        run_directory::resume::<SavedArguments>(argv, &["train", "graph"], run)?;
    eprintln!("resuming {}", run.display());
    train(&parsed.arguments, argv, Some(directory), device)
}

fn train(
    arguments: &GraphArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    if arguments.parallel_folds == Some(0) {
        bail!("--parallel-folds must be at least 1 (folds trained at once)");
    }
    cinder_experiment::set_worker_threads(arguments.threads)?;
    if let Some(fraction) = arguments.holdout
        && !(fraction > 0.0 && fraction < 1.0)
    {
        bail!("--holdout must be a fraction strictly between 0 and 1, got {fraction}");
    }
    let dataset = load(arguments)?;
    let config = config(arguments);
    let features = match arguments.features {
        FeatureArgument::Auto => InputFeatures::Auto,
        FeatureArgument::Labels => InputFeatures::NodeLabels,
        FeatureArgument::Degree => InputFeatures::Degree { cap: 64 },
    };
    let feature_choice = match arguments.features {
        FeatureArgument::Auto => cinder_nn::resolve_auto_features(&dataset.graphs).1,
        FeatureArgument::Labels => "one-hot node labels (--features labels)".to_string(),
        FeatureArgument::Degree => "one-hot degree, cap 64 (--features degree)".to_string(),
    };
    if !arguments.json {
        println!("input features: {feature_choice}");
    }
    if arguments.model == ModelArgument::Rgcn
        && !arguments.ignore_edge_types
        && let Some(index) = dataset
            .graphs
            .iter()
            .position(|g| g.edge_labels().is_none())
    {
        bail!(
            "{}: --model rgcn propagates once per bond type, but graph {} has no edge types; pass --ignore-edge-types to treat all edges as one relation (or use --model gcn)",
            dataset.name,
            index + 1
        );
    }
    let set = GraphSet::new(
        &dataset.graphs,
        config.model.propagation(config.relations),
        features,
    )
    .with_context(|| format!("preparing the graphs of {}", dataset.name))?;
    let (folds, fixed_folds) = match &dataset.folds {
        _ if arguments.holdout.is_some() => {
            let all: Vec<usize> = (0..set.len()).collect();
            let fraction = arguments.holdout.unwrap_or_default();
            let (train, test) = stratified_holdout(&all, &set.labels(), fraction, arguments.seed)?;
            if test.is_empty() || train.is_empty() {
                bail!(
                    "--holdout {fraction} splits the {} graphs into {} for training and {} for testing; both need at least one",
                    set.len(),
                    train.len(),
                    test.len()
                );
            }
            (vec![Fold { train, test }], false)
        }
        Some(folds) if folds.len() == arguments.folds && !arguments.seeded_folds => {
            (folds.clone(), true)
        }
        _ => (
            stratified_folds(&set.labels(), arguments.folds, arguments.seed)?,
            false,
        ),
    };
    let experiment = GraphExperiment {
        dataset: dataset.name.clone(),
        class_names: dataset.class_names.clone(),
        set: &set,
        folds: folds.clone(),
        fixed_folds,
        config,
        parallel_folds: arguments
            .parallel_folds
            .unwrap_or_else(cinder_experiment::worker_threads),
        feature_choice: feature_choice.clone(),
    };
    let directory = run_directory::start(
        resume,
        arguments.no_report,
        &arguments.out,
        &format!("{}-{}", dataset.name, experiment.config.model.name()),
        argv,
        &["train", "graph"],
    )?;
    let start = std::time::Instant::now();
    let mut bars = ProgressBars::new(arguments.json);
    let report = experiment
        .run(device, &mut bars, directory.as_ref())
        .with_context(|| format!("cross-validating on {}", dataset.name))?;
    drop(bars);
    let seconds = start.elapsed().as_secs_f64();
    if let Some(directory) = &directory {
        let mut extra = serde_json::Map::new();
        extra.insert(
            "provenance".into(),
            serde_json::to_value(provenance(seconds, device, &[]))?,
        );
        experiment.write_run(directory, &report, Some(command_line()), extra)?;
    }
    print_report(
        arguments,
        &dataset,
        &set,
        &folds,
        fixed_folds,
        &report,
        seconds,
        directory.as_ref().map(RunDirectory::path),
        &feature_choice,
    )
}

#[allow(clippy::too_many_arguments)]
fn print_report(
    arguments: &GraphArguments,
    dataset: &GraphSetDataset,
    set: &GraphSet,
    folds: &[Fold],
    fixed_folds: bool,
    report: &CrossValidationReport,
    seconds: f64,
    run_directory: Option<&Path>,
    feature_choice: &str,
) -> anyhow::Result<()> {
    let readout = match &report.config.model_selection {
        Some(grid) if !grid.readout.is_empty() => "selected per fold",
        _ => report.config.readout.name(),
    };
    if !arguments.json {
        println!(
            "{}: {} ({} readout) test accuracy {:.2}% ± {:.2} over {} folds; median epoch {:.2} ms (collation {:.2} ms); {:.1} s",
            dataset.name,
            report.config.model.name(),
            readout,
            100.0 * report.mean_test_accuracy,
            100.0 * report.std_test_accuracy,
            folds.len(),
            report.epoch_ms_median,
            report.collate_ms_median,
            seconds
        );
        println!("protocol: {}", report.protocol);
        if let Some(directory) = run_directory {
            println!("report: {}", directory.join("report.html").display());
        }
        return Ok(());
    }
    let summary = GraphSummary {
        dataset: &dataset.name,
        model: report.config.model.name(),
        readout,
        folds: folds.len(),
        fixed_folds,
        graphs: set.len(),
        classes: dataset.class_names.clone(),
        input_features: set.width(),
        feature_source: format!("{:?}", set.features()),
        feature_choice: feature_choice.to_string(),
        per_fold_test_accuracy: &report.per_fold_test_accuracy,
        mean_test_accuracy: report.mean_test_accuracy,
        std_test_accuracy: report.std_test_accuracy,
        per_fold_best_epoch: report.folds.iter().map(|f| f.best_epoch).collect(),
        epoch_ms_median: report.epoch_ms_median,
        collate_ms_median: report.collate_ms_median,
        train_seconds_total: seconds,
        peak_rss_mb: cinder_experiment::peak_resident_megabytes(),
        threads: cinder_experiment::worker_threads(),
        protocol: &report.protocol,
        config: &report.config,
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
    };
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}
