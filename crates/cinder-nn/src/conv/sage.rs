//! GraphSAGE with mean aggregation (Hamilton et al. 2017).

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use cinder_graph::{Graph, random_walk_normalization};

use crate::error::check_width;
use crate::init::derive_seed;
use crate::init::seeded_linear;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`SageConv`] layer.
#[derive(Config, Debug)]
pub struct SageConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Add the root term `W_r xᵢ`. Default `true`.
    #[config(default = true)]
    pub root_weight: bool,
    /// Seed of the initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// GraphSAGE convolution with mean aggregation (PyG's `SAGEConv`):
///
/// `x'ᵢ = W_l · mean_{j → i} xⱼ + b + W_r · xᵢ`.
///
/// A node without incoming edges aggregates zeros. Edge weights are ignored by the mean.
#[derive(Module, Debug)]
pub struct SageConv {
    /// `W_l` and `b`, applied to the neighbour mean.
    pub linear_neighbours: Linear,
    /// `W_r`, applied to the node itself (no bias).
    pub linear_root: Option<Linear>,
}

impl SageConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> SageConv {
        SageConv {
            linear_neighbours: seeded_linear(
                self.in_features,
                self.out_features,
                true,
                derive_seed(self.seed, 1),
                device,
            ),
            linear_root: self.root_weight.then(|| {
                seeded_linear(
                    self.in_features,
                    self.out_features,
                    false,
                    derive_seed(self.seed, 2),
                    device,
                )
            }),
        }
    }
}

impl SageConv {
    /// The mean-aggregation operator: row `i` averages node `i`'s in-neighbours.
    pub fn operator(graph: &Graph) -> crate::Result<SparseOperator> {
        let unweighted = Graph::from_coordinates(
            graph.num_nodes(),
            graph.sources().to_vec(),
            graph.targets().to_vec(),
            graph.direction(),
        )?;
        SparseOperator::new(&random_walk_normalization(&unweighted, false)?)
    }

    /// The layer's output: one row per row of `operator`. On a sampled block (fewer rows than
    /// `x`), the destination nodes are `x`'s first rows, which the root term reads.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "SageConv input features",
            self.linear_neighbours.weight.dims()[0],
            x.dims()[1],
        )?;
        let mean = propagate(operator, x.clone())?;
        let output = self.linear_neighbours.forward(mean);
        let rows = operator.shape().0;
        Ok(match &self.linear_root {
            Some(root) if rows < x.dims()[0] => output + root.forward(x.narrow(0, 0, rows)),
            Some(root) => output + root.forward(x),
            None => output,
        })
    }
}
