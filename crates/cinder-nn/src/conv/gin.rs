//! The graph isomorphism network layer of Xu et al. (2019).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{AdjacencyBuilder, Graph, Orientation};

use crate::error::check_width;
use crate::init::derive_seed;
use crate::init::seeded_linear;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`GinConv`] layer.
#[derive(Config, Debug)]
pub struct GinConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Hidden size of the MLP.
    pub hidden: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Initial ε. Default 0 (GIN-0).
    #[config(default = 0.0)]
    pub eps: f32,
    /// Learn ε. Default `false`.
    #[config(default = false)]
    pub train_eps: bool,
    /// Batch-normalize the MLP's hidden layer (`Linear → BatchNorm → ReLU → Linear`, as in the
    /// paper's experiments). Default `false`.
    #[config(default = false)]
    pub batch_norm: bool,
    /// Seed of the MLP's initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Graph isomorphism convolution (Xu et al. 2019, eq. 4.1):
///
/// `x'ᵢ = MLP((1 + ε) · xᵢ + Σ_{j → i} xⱼ)`, with `MLP = Linear → ReLU → Linear`
/// (`Linear → BatchNorm → ReLU → Linear` with `batch_norm`).
///
/// Neighbours are summed without edge weights or normalization (sum aggregation is what makes GIN
/// as expressive as the Weisfeiler-Lehman test); a self-loop in the graph is an ordinary edge.
#[derive(Module, Debug)]
pub struct GinConv {
    /// First MLP layer.
    pub linear1: Linear,
    /// Batch norm of the MLP's hidden layer (with `batch_norm`).
    pub norm: Option<BatchNorm>,
    /// Second MLP layer.
    pub linear2: Linear,
    /// Learnable ε (when `train_eps`).
    pub eps: Option<Param<Tensor<1>>>,
    /// Fixed ε (when not `train_eps`).
    pub fixed_eps: f32,
}

impl GinConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> GinConv {
        GinConv {
            linear1: seeded_linear(
                self.in_features,
                self.hidden,
                true,
                derive_seed(self.seed, 1),
                device,
            ),
            norm: self
                .batch_norm
                .then(|| BatchNormConfig::new(self.hidden).init(device)),
            linear2: seeded_linear(
                self.hidden,
                self.out_features,
                true,
                derive_seed(self.seed, 2),
                device,
            ),
            eps: self.train_eps.then(|| {
                Param::from_tensor(Tensor::<1>::from_data(
                    TensorData::new(vec![self.eps], [1]),
                    device,
                ))
            }),
            fixed_eps: self.eps,
        }
    }
}

impl GinConv {
    /// The sum-aggregation operator: `S[i, j] = number of edges j → i` (both directions for an
    /// undirected graph), no self-loops added, weights ignored.
    pub fn operator(graph: &Graph) -> crate::Result<SparseOperator> {
        let matrix = AdjacencyBuilder::new()
            .orientation(Orientation::TargetRows)
            .weighted(false)
            .build(graph);
        SparseOperator::new(&matrix)
    }

    /// `(1 + ε) x + S x`, the MLP's input.
    pub fn aggregate(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "GinConv input features",
            self.linear1.weight.dims()[0],
            x.dims()[1],
        )?;
        let neighbours = propagate(operator, x.clone())?;
        let root = match &self.eps {
            Some(eps) => x * (eps.val() + 1.0).unsqueeze_dim(0),
            None => x * (1.0 + self.fixed_eps),
        };
        Ok(root + neighbours)
    }

    /// The layer's output.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        self.forward_normalized(operator, x, &mut |norm, hidden| norm.forward(hidden))
    }

    /// [`GinConv::forward`] with the MLP's batch norm applied by `normalize` (e.g. one that also
    /// records the batch statistics, see [`crate::BatchNormStatistics`]).
    pub fn forward_normalized(
        &self,
        operator: &SparseOperator,
        x: Tensor<2>,
        normalize: &mut dyn FnMut(&BatchNorm, Tensor<2>) -> Tensor<2>,
    ) -> crate::Result<Tensor<2>> {
        let aggregated = self.aggregate(operator, x)?;
        let hidden = self.linear1.forward(aggregated);
        let hidden = match &self.norm {
            Some(norm) => normalize(norm, hidden),
            None => hidden,
        };
        Ok(self.linear2.forward(relu(hidden)))
    }
}
