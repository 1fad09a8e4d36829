//! The flags of `cinder train link` and the [`LinkTrainingRequest`] they describe.

use std::path::PathBuf;

use anyhow::bail;
use cinder_experiment::{
    EdgeCount, LinkDataSource, LinkDecoder, LinkEncoder, LinkMetric, LinkSplitConfig,
    LinkTrainingRequest, NegativeSampler,
};
use clap::{Args, ValueEnum};

use crate::flags::seed_range;
use crate::node::RowNormalize;
use crate::run_directory::RunFolderArguments;

/// Options of `cinder train link`.
#[derive(Debug, Args)]
pub struct LinkArguments {
    /// A registered dataset: ogbl-ddi (OGB's split, as given), or a node dataset whose edges are
    /// split per seed (cora, citeseer, pubmed, karate, twitch-en; see `cinder data list`).
    #[arg(long, conflicts_with = "data")]
    dataset: Option<String>,
    /// A graph instead of a registered name: an edge-list file (`src dst` per line; CSV, TSV or
    /// whitespace; optional header; any integer node ids) or a folder `cinder data info` reads
    /// (a graph directory, Planetoid files, a CSV graph, …).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Encoder: gae or vgae (Kipf & Welling 2016), or any node model: gcn, sage, gat, gatv2,
    /// appnp, sgc, cheb [gae; ogbl-ddi: sage].
    #[arg(long)]
    pub model: Option<LinkEncoder>,
    /// Decoder: dot (inner product) or mlp (OGB's LinkPredictor on the Hadamard product)
    /// [dot; ogbl-ddi: mlp].
    #[arg(long)]
    decoder: Option<LinkDecoder>,
    /// Learn a node-embedding table of this width as the encoder's input instead of the node
    /// features (graphs without features) [ogbl-ddi: 256].
    #[arg(long, value_name = "DIM")]
    embedding: Option<usize>,
    /// Hidden units of the encoder's first layer [32; ogbl-ddi: 256].
    #[arg(long)]
    hidden: Option<usize>,
    /// Width of the node embeddings the decoder scores [16; ogbl-ddi: 256].
    #[arg(long)]
    latent: Option<usize>,
    /// Encoder dropout [0; ogbl-ddi: 0.5].
    #[arg(long, allow_negative_numbers = true)]
    dropout: Option<f32>,
    /// Attention heads of a gat/gatv2 encoder's first layer [8].
    #[arg(long)]
    heads: Option<usize>,
    /// Hops of sgc/appnp, filter size of cheb.
    #[arg(long)]
    k: Option<usize>,
    /// No biases in a GCN encoder's layers (gae, vgae, gcn), as Kipf & Welling's GAE code.
    #[arg(long)]
    no_bias: bool,
    /// Hidden width of the mlp decoder [256].
    #[arg(long)]
    decoder_hidden: Option<usize>,
    /// Layers of the mlp decoder [2].
    #[arg(long)]
    decoder_layers: Option<usize>,
    /// Dropout between the mlp decoder's layers [0.5].
    #[arg(long, allow_negative_numbers = true)]
    decoder_dropout: Option<f32>,
    /// Epochs [200].
    #[arg(long)]
    epochs: Option<usize>,
    /// Adam learning rate [0.01; ogbl-ddi: 0.005].
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// L2 penalty on every parameter (Adam's weight decay) [0].
    #[arg(long, allow_negative_numbers = true)]
    weight_decay: Option<f64>,
    /// Training edges per optimizer step (each step encodes the whole graph); all in one step
    /// when omitted [ogbl-ddi: 65536].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Training negatives: uniform (both ends uniform), per-source (each positive's source with
    /// a non-neighbour), all (Kipf & Welling's weighted reconstruction of the whole adjacency;
    /// graphs of at most 20,000 nodes, dot decoder, full batch) or auto (all for gae/vgae where
    /// it applies, uniform otherwise) [auto].
    #[arg(long)]
    negatives: Option<NegativeChoice>,
    /// Negatives drawn per training positive [1].
    #[arg(long)]
    negatives_per_positive: Option<usize>,
    /// Evaluate on the validation pairs every this many epochs [10; ogbl-ddi: 5].
    #[arg(long)]
    eval_every: Option<usize>,
    /// The validation figure that chooses the kept weights: auc, ap or hits [ap; ogbl-ddi:
    /// hits].
    #[arg(long)]
    select: Option<LinkMetric>,
    /// K of Hits@K [20].
    #[arg(long)]
    hits_k: Option<usize>,
    /// Stop after this many evaluations without a better validation figure; 0 never stops [0].
    #[arg(long)]
    patience: Option<usize>,
    /// Clip each parameter's gradient to this L2 norm [ogbl-ddi: 1].
    #[arg(long)]
    gradient_clip: Option<f32>,
    /// Validation edges: a fraction (0.05) or a count (500); datasets with their own split
    /// ignore it.
    #[arg(long, default_value = "0.05")]
    val: EdgeCount,
    /// Test edges: a fraction (0.1) or a count.
    #[arg(long, default_value = "0.1")]
    test: EdgeCount,
    /// Split directed edges instead of undirected pairs.
    #[arg(long)]
    directed: bool,
    /// Row-normalize input features. `auto`: no for gae/vgae (Kipf & Welling feed the raw
    /// bag-of-words), yes for the other encoders except on graph directories.
    #[arg(long, value_enum, default_value_t = RowNormalize::Auto)]
    row_normalize: RowNormalize,
    /// Number of seeds (seeds first-seed, first-seed+1, …); each draws its own edge split.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Worker threads for the CPU kernels (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run_folder: RunFolderArguments,
    /// Continue a killed run from its run directory: the seed runs it finished are kept and the
    /// rest are trained, with the flags the run was started with.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
}

/// `--negatives`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NegativeChoice {
    /// `all` for gae/vgae on small graphs, `uniform` otherwise.
    Auto,
    /// Both endpoints uniform.
    Uniform,
    /// The positive's source with a uniform non-neighbour.
    PerSource,
    /// Every pair (dense reconstruction).
    All,
}

impl LinkArguments {
    /// The request these flags describe.
    pub fn request(&self) -> anyhow::Result<LinkTrainingRequest> {
        let data = match (&self.data, &self.dataset) {
            (Some(path), _) => LinkDataSource::Path(path.clone()),
            (None, Some(name)) => LinkDataSource::Registered(name.clone()),
            (None, None) => bail!(
                "name a dataset with --dataset (cora, ogbl-ddi, …) or a graph with --data (an edge list or a folder)"
            ),
        };
        let mut config = data.preset();
        config.row_normalize = match self.row_normalize {
            RowNormalize::Yes => true,
            RowNormalize::No => false,
            RowNormalize::Auto => {
                data.row_normalize_by_default(self.model.unwrap_or(config.model.encoder))
            }
        };
        config.seed = self.first_seed;
        let model = &mut config.model;
        model.encoder = self.model.unwrap_or(model.encoder);
        model.decoder = self.decoder.unwrap_or(model.decoder);
        model.embedding = self.embedding.or(model.embedding);
        model.hidden = self.hidden.unwrap_or(model.hidden);
        model.latent = self.latent.unwrap_or(model.latent);
        model.dropout = self.dropout.unwrap_or(model.dropout);
        model.heads = self.heads.unwrap_or(model.heads);
        model.k = self.k.or(model.k);
        model.encoder_bias = model.encoder_bias && !self.no_bias;
        model.decoder_hidden = self.decoder_hidden.unwrap_or(model.decoder_hidden);
        model.decoder_layers = self.decoder_layers.unwrap_or(model.decoder_layers);
        model.decoder_dropout = self.decoder_dropout.unwrap_or(model.decoder_dropout);
        config.epochs = self.epochs.unwrap_or(config.epochs);
        config.optimizer.learning_rate = self.lr.unwrap_or(config.optimizer.learning_rate);
        config.optimizer.weight_decay = self.weight_decay.unwrap_or(config.optimizer.weight_decay);
        config.batch_size = self.batch_size.or(config.batch_size);
        if let Some(choice) = self.negatives {
            config.negatives = match choice {
                NegativeChoice::Auto => NegativeSampler::Auto,
                NegativeChoice::Uniform => NegativeSampler::Uniform,
                NegativeChoice::PerSource => NegativeSampler::PerSource,
                NegativeChoice::All => NegativeSampler::All,
            };
        }
        config.negatives_per_positive = self
            .negatives_per_positive
            .unwrap_or(config.negatives_per_positive);
        config.eval_every = self.eval_every.unwrap_or(config.eval_every);
        config.selection = self.select.unwrap_or(config.selection);
        config.hits_k = self.hits_k.unwrap_or(config.hits_k);
        config.patience = self.patience.unwrap_or(config.patience);
        config.gradient_clip = self.gradient_clip.or(config.gradient_clip);
        Ok(LinkTrainingRequest {
            data,
            split: LinkSplitConfig {
                validation: self.val,
                test: self.test,
                undirected: !self.directed,
            },
            config,
            seeds: seed_range(self.first_seed, self.seeds)?,
        })
    }
}
