//! The graph attention layer of Veličković et al. (2018), PyG's `GATConv`.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use crate::conv::attention_edges::AttentionEdges;
use crate::error::{NnError, check_width};
use crate::init::derive_seed;
use crate::init::glorot;
use crate::ops::attention::{AttentionOptions, AttentionOutput, attention_aggregate};

/// Options of a [`GatConv`] layer (PyG's defaults).
#[derive(Config, Debug)]
pub struct GatConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output size per head `C`.
    pub out_features: usize,
    /// Number of attention heads `H`. Default 1.
    #[config(default = 1)]
    pub heads: usize,
    /// Concatenate the heads (`H · C` outputs) or average them (`C`). Default `true`.
    #[config(default = true)]
    pub concat: bool,
    /// LeakyReLU slope of the scores. Default 0.2.
    #[config(default = 0.2)]
    pub negative_slope: f32,
    /// Dropout on the attention coefficients while training. Default 0.
    #[config(default = 0.0)]
    pub dropout: f32,
    /// Replace the input's self-loops by one loop per node (see [`AttentionEdges`]). Default
    /// `true`.
    #[config(default = true)]
    pub add_self_loops: bool,
    /// Add a learnable bias. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// Width of edge features that enter the scores (`None`: edges carry no features).
    #[config(default = "None")]
    pub edge_dim: Option<usize>,
    /// Seed of the Glorot initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Graph attention (Veličković et al. 2018, eq. 3–6), as PyG's `GATConv`:
///
/// `x'ᵢ = ‖_h Σ_{j ∈ N(i) ∪ {i}} α_ij^h Θ^h xⱼ + b` (heads concatenated; averaged when
/// `concat = false`), with
/// `α_ij^h = softmax_j(LeakyReLU(a_src^h · Θ^h xⱼ + a_dst^h · Θ^h xᵢ [+ a_edge^h · Θ_e^h e_ji]))`
/// over node `i`'s incoming edges, and dropout on `α` while training.
///
/// The softmax and the aggregation run in one fused sparse op ([`attention_aggregate`]).
#[derive(Module, Debug)]
pub struct GatConv {
    /// Θ, `in_features x (heads · out_features)` (PyG's `lin`, no bias).
    pub weight: Param<Tensor<2>>,
    /// `a_src`, `heads x out_features`.
    pub attention_source: Param<Tensor<2>>,
    /// `a_dst`, `heads x out_features`.
    pub attention_target: Param<Tensor<2>>,
    /// `a_edge`, `heads x out_features` (with edge features only).
    pub attention_edge: Option<Param<Tensor<2>>>,
    /// Θ_e, `edge_dim x (heads · out_features)` (with edge features only).
    pub edge_weight: Option<Param<Tensor<2>>>,
    /// b, `heads · out_features` (concat) or `out_features`.
    pub bias: Option<Param<Tensor<1>>>,
    /// Heads.
    pub heads: usize,
    /// Concatenate (true) or average (false) the heads.
    pub concat: bool,
    /// LeakyReLU slope.
    pub negative_slope: f32,
    /// Attention dropout.
    pub dropout: f32,
    /// Whether [`GatConv::edges`] adds self-loops.
    pub add_self_loops: bool,
}

impl GatConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> GatConv {
        let width = self.heads * self.out_features;
        let seed = |purpose| derive_seed(self.seed, purpose);
        GatConv {
            weight: Param::from_tensor(glorot(self.in_features, width, seed(1), device)),
            attention_source: Param::from_tensor(glorot(
                self.heads,
                self.out_features,
                seed(2),
                device,
            )),
            attention_target: Param::from_tensor(glorot(
                self.heads,
                self.out_features,
                seed(3),
                device,
            )),
            attention_edge: self.edge_dim.map(|_| {
                Param::from_tensor(glorot(self.heads, self.out_features, seed(4), device))
            }),
            edge_weight: self
                .edge_dim
                .map(|dim| Param::from_tensor(glorot(dim, width, seed(5), device))),
            bias: self.bias.then(|| {
                let size = if self.concat {
                    width
                } else {
                    self.out_features
                };
                Param::from_tensor(Tensor::<1>::zeros([size], device))
            }),
            heads: self.heads,
            concat: self.concat,
            negative_slope: self.negative_slope,
            dropout: self.dropout,
            add_self_loops: self.add_self_loops,
        }
    }
}

/// `(x_h · a_h)` per node and head: `rows x heads` scores from `rows x (heads · C)` values.
pub(crate) fn head_scores(values: Tensor<2>, attention: Tensor<2>) -> Tensor<2> {
    let [rows, width] = values.dims();
    let [heads, channels] = attention.dims();
    debug_assert_eq!(width, heads * channels);
    (values.reshape([rows, heads, channels]) * attention.unsqueeze_dim::<3>(0))
        .sum_dim(2)
        .reshape([rows, heads])
}

/// Concatenates (`[rows, H·C]` as is) or averages (`[rows, C]`) the heads, then adds the bias.
pub(crate) fn combine_heads(
    output: Tensor<2>,
    heads: usize,
    concat: bool,
    bias: Option<&Param<Tensor<1>>>,
) -> Tensor<2> {
    let [rows, width] = output.dims();
    let combined = if concat || heads == 1 {
        output
    } else {
        output
            .reshape([rows, heads, width / heads])
            .mean_dim(1)
            .reshape([rows, width / heads])
    };
    match bias {
        Some(bias) => combined + bias.val().unsqueeze_dim(0),
        None => combined,
    }
}

impl GatConv {
    /// The edges this layer attends over on `graph`.
    pub fn edges(&self, graph: &cinder_graph::Graph) -> crate::Result<AttentionEdges> {
        AttentionEdges::new(graph, self.add_self_loops)
    }

    /// The layer's output. `dropout_seed = Some(..)` trains (attention dropout on).
    pub fn forward(
        &self,
        edges: &AttentionEdges,
        x: Tensor<2>,
        dropout_seed: Option<u64>,
    ) -> crate::Result<Tensor<2>> {
        Ok(self
            .forward_with_attention(edges, x, None, dropout_seed)?
            .output)
    }

    /// The output and the attention coefficients (`edges x heads`, in the order of
    /// [`AttentionEdges::edges`]). `edge_features` (`input edges x edge_dim`) are required
    /// exactly when the layer was built with `edge_dim`.
    pub fn forward_with_attention(
        &self,
        edges: &AttentionEdges,
        x: Tensor<2>,
        edge_features: Option<Tensor<2>>,
        dropout_seed: Option<u64>,
    ) -> crate::Result<AttentionOutput> {
        check_width("GatConv input features", self.weight.dims()[0], x.dims()[1])?;
        let transformed = x.matmul(self.weight.val());
        self.attend(edges, transformed, edge_features, dropout_seed)
    }

    /// [`GatConv::forward_with_attention`] for inputs already multiplied by Θ (`nodes x
    /// (heads · out)`), e.g. a sparse input multiplied with [`crate::ops::propagate`].
    pub fn attend(
        &self,
        edges: &AttentionEdges,
        transformed: Tensor<2>,
        edge_features: Option<Tensor<2>>,
        dropout_seed: Option<u64>,
    ) -> crate::Result<AttentionOutput> {
        check_width(
            "GatConv transformed features",
            self.weight.dims()[1],
            transformed.dims()[1],
        )?;
        let source_scores = head_scores(transformed.clone(), self.attention_source.val());
        let target_scores = head_scores(transformed.clone(), self.attention_target.val());
        let edge_scores = match (&self.edge_weight, &self.attention_edge, edge_features) {
            (Some(weight), Some(attention), Some(features)) => {
                check_width(
                    "GatConv edge features",
                    weight.dims()[0],
                    features.dims()[1],
                )?;
                let projected = edges.edge_features(features)?.matmul(weight.val());
                Some(head_scores(projected, attention.val()))
            }
            (None, _, None) => None,
            (Some(_), _, None) => {
                return Err(NnError::InvalidOption {
                    option: "edge features",
                    reason: "the layer was built with edge_dim; pass the edges' features".into(),
                });
            }
            _ => {
                return Err(NnError::InvalidOption {
                    option: "edge features",
                    reason: "the layer was built without edge_dim; it cannot use edge features"
                        .into(),
                });
            }
        };
        let attended = attention_aggregate(
            edges.structure(),
            transformed,
            source_scores,
            target_scores,
            edge_scores,
            &AttentionOptions {
                heads: self.heads,
                negative_slope: self.negative_slope,
                dropout: self.dropout,
                dropout_seed,
            },
        )?;
        Ok(AttentionOutput {
            output: combine_heads(attended.output, self.heads, self.concat, self.bias.as_ref()),
            attention: attended.attention,
        })
    }

    /// Output width: `heads · out` when concatenating, `out` otherwise.
    pub fn out_features(&self) -> usize {
        let width = self.weight.dims()[1];
        if self.concat {
            width
        } else {
            width / self.heads
        }
    }
}
