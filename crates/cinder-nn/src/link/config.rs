//! What a link-prediction run is asked to do: the encoder (any node model cinder has, or the graph
//! auto-encoders of Kipf & Welling 2016), the input (node features or a learnable embedding
//! table), the decoder (inner product or OGB's MLP on the Hadamard product), and the training
//! options. Nested configurations that serialize into the run directory as they are.

use std::fmt;
use std::str::FromStr;

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::link::metrics::LinkMetric;
use crate::node::config::{NodeModelConfig, NodeModelKind, OptimizerConfig};

/// The encoder that turns nodes into embeddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LinkEncoder {
    /// Graph auto-encoder: GCN(F, 2L) → ReLU → GCN(2L, L) (Kipf & Welling 2016).
    #[default]
    Gae,
    /// Variational GAE: a shared GCN layer, then GCN layers for μ and log σ; `z = μ + σ ε` in
    /// training, `μ` in evaluation; the KL term scaled `1/N` (as PyG).
    Vgae,
    /// A two-layer GCN.
    Gcn,
    /// GraphSAGE (mean).
    Sage,
    /// GAT.
    Gat,
    /// GATv2.
    Gatv2,
    /// APPNP.
    Appnp,
    /// SGC.
    Sgc,
    /// ChebNet.
    Cheb,
}

impl LinkEncoder {
    /// Every encoder, in the order the CLI lists them.
    pub const ALL: [Self; 9] = [
        Self::Gae,
        Self::Vgae,
        Self::Gcn,
        Self::Sage,
        Self::Gat,
        Self::Gatv2,
        Self::Appnp,
        Self::Sgc,
        Self::Cheb,
    ];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gae => "gae",
            Self::Vgae => "vgae",
            other => other.node_kind().name(),
        }
    }

    /// The node model that encodes (a GCN for GAE and VGAE).
    pub fn node_kind(self) -> NodeModelKind {
        match self {
            Self::Gae | Self::Vgae | Self::Gcn => NodeModelKind::Gcn,
            Self::Sage => NodeModelKind::Sage,
            Self::Gat => NodeModelKind::Gat,
            Self::Gatv2 => NodeModelKind::Gatv2,
            Self::Appnp => NodeModelKind::Appnp,
            Self::Sgc => NodeModelKind::Sgc,
            Self::Cheb => NodeModelKind::Cheb,
        }
    }

    /// Whether the encoder is variational (VGAE).
    pub fn is_variational(self) -> bool {
        self == Self::Vgae
    }
}

impl fmt::Display for LinkEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LinkEncoder {
    type Err = NnError;

    fn from_str(name: &str) -> crate::Result<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == name.to_ascii_lowercase())
            .ok_or_else(|| NnError::InvalidOption {
                option: "model",
                reason: format!(
                    "unknown link encoder {name:?}; choose one of {}",
                    Self::ALL.map(Self::name).join(", ")
                ),
            })
    }
}

/// How a pair of node embeddings is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LinkDecoder {
    /// The inner product `z_u · z_v` (GAE).
    #[default]
    Dot,
    /// An MLP on the Hadamard product `z_u ⊙ z_v` (OGB's `LinkPredictor`).
    Mlp,
}

impl LinkDecoder {
    /// The lower-case name (`dot`, `mlp`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Dot => "dot",
            Self::Mlp => "mlp",
        }
    }
}

impl FromStr for LinkDecoder {
    type Err = NnError;

    fn from_str(name: &str) -> crate::Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "dot" => Ok(Self::Dot),
            "mlp" => Ok(Self::Mlp),
            _ => Err(NnError::InvalidOption {
                option: "decoder",
                reason: format!("unknown decoder {name:?}; choose dot or mlp"),
            }),
        }
    }
}

/// Which negatives training draws each epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NegativeSampler {
    /// [`NegativeSampler::All`] for the graph auto-encoders (GAE, VGAE) with the inner product,
    /// trained full batch on graphs of at most [`MAX_DENSE_RECONSTRUCTION_NODES`] nodes — Kipf &
    /// Welling's own objective, the one their table was measured with; [`NegativeSampler::Uniform`]
    /// otherwise. Made concrete by [`LinkTrainingConfig::resolved`].
    #[default]
    Auto,
    /// Both endpoints uniform (PyG's `negative_sampling`).
    Uniform,
    /// The positive's source with a uniform non-neighbour (PyG's
    /// `structured_negative_sampling`).
    PerSource,
    /// Every pair: Kipf & Welling's reconstruction of the whole adjacency matrix (self-loops
    /// included as positives), positives weighted by `(N² − E) / E` and the loss by
    /// `N² / (2 (N² − E))`, as their GAE code trains. Dense `N × N`: small graphs and the
    /// inner-product decoder only.
    All,
}

/// The largest graph [`NegativeSampler::All`] takes: every step scores all `N²` pairs (fused on
/// Flex, never stored; Burn's dense ops on other backends).
pub const MAX_DENSE_RECONSTRUCTION_NODES: usize = 20_000;

/// A link model's architecture.
#[derive(Config, Debug, PartialEq)]
pub struct LinkModelConfig {
    /// The encoder. Default GAE.
    #[config(default = "LinkEncoder::Gae")]
    pub encoder: LinkEncoder,
    /// Hidden units of the encoder's first layer. Default 32 (GAE).
    #[config(default = 32)]
    pub hidden: usize,
    /// Embedding width `L` the decoder sees. Default 16 (GAE).
    #[config(default = 16)]
    pub latent: usize,
    /// Encoder dropout. Default 0 (GAE).
    #[config(default = 0.0)]
    pub dropout: f32,
    /// Attention heads of a GAT encoder's first layer. Default 8.
    #[config(default = 8)]
    pub heads: usize,
    /// Hops of SGC / APPNP, filter size of ChebNet; `None`: the model's.
    #[config(default = "None")]
    pub k: Option<usize>,
    /// APPNP teleport probability. Default 0.1.
    #[config(default = 0.1)]
    pub alpha: f32,
    /// Learnable biases in a GCN encoder's layers (GAE, VGAE, gcn). Kipf & Welling's GAE code has
    /// none; PyG's `GCNConv` has them. Default true.
    #[config(default = true)]
    pub encoder_bias: bool,
    /// A learnable embedding table of this width as the encoder's input instead of the node
    /// features (graphs without features, as OGB's ddi examples). Default `None`.
    #[config(default = "None")]
    pub embedding: Option<usize>,
    /// The decoder. Default the inner product.
    #[config(default = "LinkDecoder::Dot")]
    pub decoder: LinkDecoder,
    /// Hidden width of the MLP decoder. Default 256 (OGB).
    #[config(default = 256)]
    pub decoder_hidden: usize,
    /// Layers of the MLP decoder (the last maps to one score). Default 2 (OGB).
    #[config(default = 2)]
    pub decoder_layers: usize,
    /// Dropout between the MLP decoder's layers. Default 0.5 (OGB).
    #[config(default = 0.5)]
    pub decoder_dropout: f32,
}

impl LinkModelConfig {
    /// The node model configuration of the encoder, for its output width.
    pub(crate) fn node_model(&self) -> NodeModelConfig {
        NodeModelConfig::new()
            .with_kind(self.encoder.node_kind())
            .with_hidden(self.hidden)
            .with_dropout(self.dropout)
            .with_heads(self.heads)
            .with_k(self.k)
            .with_alpha(self.alpha)
    }

    /// OGB's ogbl-ddi GraphSAGE example: a 256-wide learnable embedding, two SAGE layers of 256,
    /// dropout 0.5, the two-layer MLP predictor (256, dropout 0.5).
    pub fn ogb_ddi_sage() -> Self {
        Self::new()
            .with_encoder(LinkEncoder::Sage)
            .with_hidden(256)
            .with_latent(256)
            .with_dropout(0.5)
            .with_embedding(Some(256))
            .with_decoder(LinkDecoder::Mlp)
    }
}

/// Link-prediction training options. `LinkTrainingConfig::new()` is Kipf & Welling's GAE
/// training (Adam 0.01, 200 epochs, raw features, their weighted reconstruction of the whole
/// adjacency on graphs where it fits: [`NegativeSampler::Auto`]) plus model selection on the
/// validation average precision every 10 epochs. PyG's example differs in three settings: 400
/// epochs, one uniform negative per positive, row-normalized features.
#[derive(Config, Debug)]
pub struct LinkTrainingConfig {
    /// The model.
    #[config(default = "LinkModelConfig::new()")]
    pub model: LinkModelConfig,
    /// Adam's learning rate and L2 penalty (every parameter). Default 0.01, no penalty.
    #[config(default = "OptimizerConfig::new().with_weight_decay(0.0)")]
    pub optimizer: OptimizerConfig,
    /// Epochs. Default 200.
    #[config(default = 200)]
    pub epochs: usize,
    /// Training positives per optimizer step; `None`: all of them in one step (full batch).
    /// Each step re-encodes the whole graph (as OGB's full-graph examples).
    #[config(default = "None")]
    pub batch_size: Option<usize>,
    /// Negatives drawn per positive each step. Default 1.
    #[config(default = 1)]
    pub negatives_per_positive: usize,
    /// How the negatives are drawn. Default [`NegativeSampler::Auto`].
    #[config(default = "NegativeSampler::Auto")]
    pub negatives: NegativeSampler,
    /// Evaluate on the validation pairs every this many epochs (and after the last). Default 10.
    #[config(default = 10)]
    pub eval_every: usize,
    /// The validation figure that chooses the kept weights. Default average precision (on Cora
    /// it keeps weights as good by AUC as selecting on AUC, and better by AP).
    #[config(default = "LinkMetric::Ap")]
    pub selection: LinkMetric,
    /// K of Hits@K. Default 20 (ogbl-ddi).
    #[config(default = 20)]
    pub hits_k: usize,
    /// Stop after this many evaluations without a better validation figure; 0 never stops.
    /// Default 0.
    #[config(default = 0)]
    pub patience: usize,
    /// Clip each parameter's gradient to this L2 norm. Default `None`.
    #[config(default = "None")]
    pub gradient_clip: Option<f32>,
    /// Row-normalize the input features (PyG's `NormalizeFeatures`). Default false (Kipf &
    /// Welling feed the raw bag-of-words).
    #[config(default = false)]
    pub row_normalize: bool,
    /// Seed of initialization, negatives, dropout and the VGAE noise. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

impl LinkTrainingConfig {
    /// OGB's ogbl-ddi GraphSAGE example settings: [`LinkModelConfig::ogb_ddi_sage`], Adam 0.005,
    /// batches of 65,536 training edges, 200 epochs, evaluation every 5, model selection on
    /// validation Hits@20, gradients clipped to norm 1.
    pub fn ogb_ddi() -> Self {
        Self::new()
            .with_model(LinkModelConfig::ogb_ddi_sage())
            .with_optimizer(
                OptimizerConfig::new()
                    .with_learning_rate(0.005)
                    .with_weight_decay(0.0),
            )
            .with_epochs(200)
            .with_batch_size(Some(64 * 1024))
            .with_eval_every(5)
            .with_selection(LinkMetric::Hits)
            .with_hits_k(20)
            .with_gradient_clip(Some(1.0))
            .with_row_normalize(false)
    }

    /// This configuration with [`NegativeSampler::Auto`] made concrete for a graph of
    /// `num_nodes` nodes.
    pub fn resolved(&self, num_nodes: usize) -> Self {
        let mut config = self.clone();
        if config.negatives == NegativeSampler::Auto {
            let model = &config.model;
            let dense = matches!(model.encoder, LinkEncoder::Gae | LinkEncoder::Vgae)
                && model.decoder == LinkDecoder::Dot
                && config.batch_size.is_none()
                && num_nodes <= MAX_DENSE_RECONSTRUCTION_NODES;
            config.negatives = if dense {
                NegativeSampler::All
            } else {
                NegativeSampler::Uniform
            };
        }
        config
    }

    /// Checks every option's domain.
    pub fn check(&self) -> crate::Result<()> {
        let invalid = |option, reason: String| Err(NnError::InvalidOption { option, reason });
        self.optimizer.check()?;
        let model = &self.model;
        for (option, value) in [
            ("epochs", self.epochs),
            ("eval every", self.eval_every),
            ("negatives per positive", self.negatives_per_positive),
            ("hits k", self.hits_k),
            ("hidden", model.hidden),
            ("latent", model.latent),
            ("heads", model.heads),
            ("decoder hidden", model.decoder_hidden),
            ("decoder layers", model.decoder_layers),
        ] {
            if value == 0 {
                return invalid(option, "must be at least 1".into());
            }
        }
        if self.negatives == NegativeSampler::All {
            if model.decoder != LinkDecoder::Dot {
                return invalid(
                    "negatives",
                    "all pairs (the dense reconstruction) scores with the inner product; use the dot decoder".into(),
                );
            }
            if self.batch_size.is_some() {
                return invalid(
                    "negatives",
                    "all pairs (the dense reconstruction) trains full batch; drop the batch size"
                        .into(),
                );
            }
        }
        if self.batch_size == Some(0) {
            return invalid("batch size", "must be at least 1".into());
        }
        if model.embedding == Some(0) {
            return invalid("embedding", "must be at least 1".into());
        }
        for (option, value) in [
            ("dropout", model.dropout),
            ("decoder dropout", model.decoder_dropout),
        ] {
            if !(0.0..1.0).contains(&value) {
                return invalid(option, format!("{value} is not in [0, 1)"));
            }
        }
        if let Some(clip) = self.gradient_clip
            && !(clip.is_finite() && clip > 0.0)
        {
            return invalid(
                "gradient clip",
                format!("{clip} must be positive and finite"),
            );
        }
        Ok(())
    }
}
