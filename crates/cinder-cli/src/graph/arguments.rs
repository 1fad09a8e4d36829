//! The flags of `cinder train graph` and the [`GraphTrainingRequest`] they describe.

use std::path::PathBuf;

use anyhow::bail;
use cinder_experiment::{
    BatchNormStatistics, ConfigGrid, DataFormat, FeatureChoice, FoldProtocol, GraphModelKind,
    GraphSetSource, GraphTrainingConfig, GraphTrainingRequest, InputFeatures, Readout, Selection,
};
use clap::{Args, ValueEnum};

use crate::run_directory::RunFolderArguments;

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
    pub threads: Option<usize>,
    /// Train this many cross-validation folds at once, each on its own thread (small-graph
    /// batches leave cores idle: MUTAG GIN runs 2.0x faster with 2 on 2 cores). Results are
    /// identical to the sequential run; progress is shown per fold as each finishes. Default:
    /// one per worker thread (`--parallel-folds 1` trains one fold at a time, with per-epoch
    /// progress).
    #[arg(long)]
    parallel_folds: Option<usize>,
    /// Print one JSON object (and no progress bar) instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run_folder: RunFolderArguments,
    /// Continue a killed run from its run directory: the folds it finished (saved in
    /// `progress/`, with their models in `checkpoints/`) are kept and the rest are trained, with
    /// the flags the run was started with (other flags are ignored). The result equals an
    /// uninterrupted run: every fold trains from its own seed.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
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

/// The request the flags describe.
pub fn request(arguments: &GraphArguments) -> anyhow::Result<GraphTrainingRequest> {
    if arguments.protocol != ProtocolArgument::Errica {
        let given = [
            ("--grid-hidden", arguments.grid_hidden.is_empty()),
            ("--grid-layers", arguments.grid_layers.is_empty()),
            ("--grid-readout", arguments.grid_readout.is_empty()),
            ("--grid-dropout", arguments.grid_dropout.is_empty()),
            ("--grid-lr", arguments.grid_lr.is_empty()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, empty)| !empty) {
            anyhow::bail!(
                "{flag} is a model-selection grid: it takes effect with --protocol errica only (add it, or drop {flag})"
            );
        }
    }
    let data = match (&arguments.data, &arguments.dataset) {
        (Some(path), _) => GraphSetSource::Path {
            path: path.clone(),
            format: arguments.format.map(|format| match format {
                GraphFormat::Sdf => DataFormat::Sdf,
                GraphFormat::GinTxt => DataFormat::GinTxt,
                GraphFormat::Tu => DataFormat::Tu,
            }),
            tu_name: arguments.tu_name.clone(),
            label_property: arguments.label_property.clone(),
        },
        (None, Some(name)) => GraphSetSource::Registered(name.clone()),
        (None, None) => bail!(
            "name a dataset with --dataset (MUTAG, PROTEINS, solubility) or a file/folder with --data"
        ),
    };
    let fixed = |features, description: &str| FeatureChoice::Fixed {
        features,
        description: description.to_string(),
    };
    Ok(GraphTrainingRequest {
        data,
        config: config(arguments),
        features: match arguments.features {
            FeatureArgument::Auto => FeatureChoice::Auto,
            FeatureArgument::Labels => fixed(
                InputFeatures::NodeLabels,
                "one-hot node labels (--features labels)",
            ),
            FeatureArgument::Degree => fixed(
                InputFeatures::Degree { cap: 64 },
                "one-hot degree, cap 64 (--features degree)",
            ),
        },
        protocol: match arguments.holdout {
            Some(fraction) => FoldProtocol::Holdout { fraction },
            None => FoldProtocol::CrossValidation {
                folds: arguments.folds,
                seeded: arguments.seeded_folds,
            },
        },
        parallel_folds: arguments.parallel_folds,
    })
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
