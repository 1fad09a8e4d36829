//! The flags of `cinder train node` and the [`NodeTrainingRequest`] they describe.

use std::path::PathBuf;

use anyhow::bail;
use cinder_experiment::{
    NodeDataSource, NodeModelKind, NodeTrainingConfig, NodeTrainingRequest, sampling_config,
};
use clap::{Args, ValueEnum};

use crate::flags::seed_range;
use crate::run_directory::RunFolderArguments;

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
    pub model: NodeModelKind,
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
    pub threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run_folder: RunFolderArguments,
    /// Continue a killed run from its run directory: the seed runs it finished (saved in
    /// `progress/`, with their models in `checkpoints/`) are kept and the rest are trained, with
    /// the flags the run was started with (other flags are ignored). The result equals an
    /// uninterrupted run: every run trains from its own seed.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
}

impl NodeArguments {
    /// The request these flags describe.
    pub fn request(&self) -> anyhow::Result<NodeTrainingRequest> {
        let data = match (&self.data, &self.dataset) {
            (Some(path), _) => match self.format {
                Some(DataFormat::Planetoid) => NodeDataSource::Planetoid {
                    path: path.clone(),
                    name: self.dataset_name.clone(),
                },
                format => NodeDataSource::Path {
                    path: path.clone(),
                    graph_directory: format == Some(DataFormat::GraphDir),
                },
            },
            (None, Some(name)) => NodeDataSource::Registered(name.clone()),
            (None, None) => bail!(
                "name a dataset with --dataset (see `cinder data list`) or a folder with --data"
            ),
        };
        let row_normalize = match self.row_normalize {
            RowNormalize::Yes => true,
            RowNormalize::No => false,
            RowNormalize::Auto => !data.is_graph_directory(),
        };
        Ok(NodeTrainingRequest {
            data,
            split_seed: self.split_seed,
            config: self.training_config(row_normalize)?,
            seeds: seed_range(self.first_seed, self.seeds)?,
        })
    }

    /// The training configuration: the model's paper settings, overridden by the flags given.
    fn training_config(&self, row_normalize: bool) -> anyhow::Result<NodeTrainingConfig> {
        let sampling = self
            .fanout
            .as_deref()
            .map(|fanouts| sampling_config(fanouts, self.batch_size))
            .transpose()?;
        let mut config = NodeTrainingConfig::for_model(self.model)
            .with_row_normalize(row_normalize)
            .with_seed(self.first_seed)
            .with_sampling(sampling);
        if let Some(epochs) = self.epochs {
            config.epochs = epochs;
        }
        if let Some(patience) = self.patience {
            config.patience = patience;
        }
        let model = &mut config.model;
        model.hidden = self.hidden.unwrap_or(model.hidden);
        model.heads = self.heads.unwrap_or(model.heads);
        model.output_heads = self.output_heads.unwrap_or(model.output_heads);
        model.k = self.k.or(model.k);
        model.alpha = self.alpha.unwrap_or(model.alpha);
        model.dropout = self.dropout.unwrap_or(model.dropout);
        let optimizer = &mut config.optimizer;
        optimizer.learning_rate = self.lr.unwrap_or(optimizer.learning_rate);
        optimizer.weight_decay = self.weight_decay.unwrap_or(optimizer.weight_decay);
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

/// Dataset folder formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// Original Planetoid `ind.<name>.*` pickles.
    Planetoid,
    /// PyG peer graph directory (.npy / .csv).
    GraphDir,
}
