//! The higher-order GNN layer of Morris et al. (2019), PyG's `GraphConv` with add aggregation.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use cinder_graph::{AdjacencyBuilder, Graph, Orientation};

use crate::error::check_width;
use crate::init::derive_seed;
use crate::init::seeded_linear;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`GraphConv`] layer.
#[derive(Config, Debug)]
pub struct GraphConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Seed of the initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Graph convolution with add aggregation (Morris et al. 2019, eq. 2):
///
/// `x'ᵢ = W_rel Σ_{j → i} e_ji xⱼ + b + W_root xᵢ`: raw weighted sums, no normalization, no
/// self-loops added (an input self-loop is an ordinary edge).
#[derive(Module, Debug)]
pub struct GraphConv {
    /// `W_rel` and `b` (PyG's `lin_rel`).
    pub linear_neighbours: Linear,
    /// `W_root`, no bias (PyG's `lin_root`).
    pub linear_root: Linear,
}

impl GraphConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> GraphConv {
        let (inputs, outputs) = (self.in_features, self.out_features);
        GraphConv {
            linear_neighbours: seeded_linear(
                inputs,
                outputs,
                true,
                derive_seed(self.seed, 1),
                device,
            ),
            linear_root: seeded_linear(inputs, outputs, false, derive_seed(self.seed, 2), device),
        }
    }
}

impl GraphConv {
    /// The sum operator: `S[i, j]` = total weight of the edges `j → i`.
    pub fn operator(graph: &Graph) -> crate::Result<SparseOperator> {
        let matrix = AdjacencyBuilder::new()
            .orientation(Orientation::TargetRows)
            .build(graph);
        SparseOperator::new(&matrix)
    }

    /// The layer's output.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "GraphConv input features",
            self.linear_root.weight.dims()[0],
            x.dims()[1],
        )?;
        let summed = propagate(operator, x.clone())?;
        Ok(self.linear_neighbours.forward(summed) + self.linear_root.forward(x))
    }
}
