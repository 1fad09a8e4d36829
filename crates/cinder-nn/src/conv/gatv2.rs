//! GATv2, the "dynamic" graph attention of Brody et al. (2022), PyG's `GATv2Conv`.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::conv::attention_edges::AttentionEdges;
use crate::conv::gat::combine_heads;
use crate::error::check_width;
use crate::init::derive_seed;
use crate::init::glorot;
use crate::ops::attention::{AttentionOptions, AttentionOutput, attention_aggregate};
use crate::ops::gatv2_scores::gatv2_scores;

/// Options of a [`Gatv2Conv`] layer (PyG's defaults).
#[derive(Config, Debug)]
pub struct Gatv2ConvConfig {
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
    /// LeakyReLU slope inside the score. Default 0.2.
    #[config(default = 0.2)]
    pub negative_slope: f32,
    /// Dropout on the attention coefficients while training. Default 0.
    #[config(default = 0.0)]
    pub dropout: f32,
    /// Replace the input's self-loops by one loop per node. Default `true`.
    #[config(default = true)]
    pub add_self_loops: bool,
    /// Add a learnable output bias. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// Seed of the Glorot initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// GATv2 (Brody et al. 2022, eq. 7), as PyG's `GATv2Conv` (separate source and target weights):
///
/// `x'ᵢ = ‖_h Σ_{j ∈ N(i) ∪ {i}} α_ij^h (Θ_l xⱼ + b_l)^h + b`, with
/// `α_ij^h = softmax_j(a^h · LeakyReLU((Θ_l xⱼ + b_l)^h + (Θ_r xᵢ + b_r)^h))`.
///
/// The LeakyReLU sits inside the dot product, so each score needs the edge's `H · C` values:
/// [`crate::ops::gatv2_scores`] recomputes them per edge in its forward and backward passes and keeps
/// only `edges x heads` scores; the softmax and the weighted sum run in the fused op
/// ([`attention_aggregate`]) with those scores as edge scores.
#[derive(Module, Debug)]
pub struct Gatv2Conv {
    /// Θ_l and b_l, applied to source nodes (PyG's `lin_l`).
    pub linear_source: Linear,
    /// Θ_r and b_r, applied to target nodes (PyG's `lin_r`).
    pub linear_target: Linear,
    /// `a`, `heads x out_features`.
    pub attention: Param<Tensor<2>>,
    /// b.
    pub bias: Option<Param<Tensor<1>>>,
    /// Heads.
    pub heads: usize,
    /// Concatenate (true) or average (false) the heads.
    pub concat: bool,
    /// LeakyReLU slope.
    pub negative_slope: f32,
    /// Attention dropout.
    pub dropout: f32,
    /// Whether [`Gatv2Conv::edges`] adds self-loops.
    pub add_self_loops: bool,
}

impl Gatv2ConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> Gatv2Conv {
        let width = self.heads * self.out_features;
        let seed = |purpose| derive_seed(self.seed, purpose);
        let linear = |purpose| Linear {
            weight: Param::from_tensor(glorot(self.in_features, width, seed(purpose), device)),
            bias: Some(Param::from_tensor(Tensor::<1>::zeros([width], device))),
        };
        Gatv2Conv {
            linear_source: linear(1),
            linear_target: linear(2),
            attention: Param::from_tensor(glorot(self.heads, self.out_features, seed(3), device)),
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

impl Gatv2Conv {
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
        Ok(self.forward_with_attention(edges, x, dropout_seed)?.output)
    }

    /// The output and the attention coefficients (`edges x heads`, in the order of
    /// [`AttentionEdges::edges`]).
    pub fn forward_with_attention(
        &self,
        edges: &AttentionEdges,
        x: Tensor<2>,
        dropout_seed: Option<u64>,
    ) -> crate::Result<AttentionOutput> {
        check_width(
            "Gatv2Conv input features",
            self.linear_source.weight.dims()[0],
            x.dims()[1],
        )?;
        let source_values = self.linear_source.forward(x.clone());
        let target_values = self.linear_target.forward(x);
        self.attend(edges, source_values, target_values, dropout_seed)
    }

    /// [`Gatv2Conv::forward_with_attention`] from `Θ_l x + b_l` and `Θ_r x + b_r` already
    /// computed (e.g. from a sparse input with [`crate::ops::propagate`]).
    pub fn attend(
        &self,
        edges: &AttentionEdges,
        source_values: Tensor<2>,
        target_values: Tensor<2>,
        dropout_seed: Option<u64>,
    ) -> crate::Result<AttentionOutput> {
        let width = self.linear_source.weight.dims()[1];
        check_width("Gatv2Conv source values", width, source_values.dims()[1])?;
        check_width("Gatv2Conv target values", width, target_values.dims()[1])?;
        let device = source_values.device();
        let [nodes, _] = source_values.dims();
        let edge_scores = gatv2_scores(
            edges.structure(),
            source_values.clone(),
            target_values,
            self.attention.val(),
            self.negative_slope,
        )?;
        let zeros = Tensor::<2>::zeros([nodes, self.heads], &device);
        let attended = attention_aggregate(
            edges.structure(),
            source_values,
            zeros.clone(),
            zeros,
            Some(edge_scores),
            &AttentionOptions {
                heads: self.heads,
                negative_slope: 1.0,
                dropout: self.dropout,
                dropout_seed,
            },
        )?;
        Ok(AttentionOutput {
            output: combine_heads(attended.output, self.heads, self.concat, self.bias.as_ref()),
            attention: attended.attention,
        })
    }
}
