//! The topology adaptive graph convolution of Du et al. (2017), PyG's `TAGConv`.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use cinder_graph::{GcnNormalization, Graph, gcn_normalization};

use crate::error::check_width;
use crate::init::glorot_stack;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`TagConv`] layer (PyG's defaults).
#[derive(Config, Debug)]
pub struct TagConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Hops `K`. Default 3.
    #[config(default = 3)]
    pub k: usize,
    /// Add a learnable bias. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// Seed of the Glorot initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Topology adaptive graph convolution (Du et al. 2017, eq. 3):
///
/// `X' = Σ_{k=0}^{K} P^k X Θ_k + b`, `P = D^-1/2 A D^-1/2` **without** added self-loops (degree
/// = weighted in-degree, any input self-loop included; a node of in-degree 0 propagates zeros).
#[derive(Module, Debug)]
pub struct TagConv {
    /// Θ_0 … Θ_K, each `in x out`.
    pub weights: Vec<Param<Tensor<2>>>,
    /// b.
    pub bias: Option<Param<Tensor<1>>>,
}

impl TagConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> TagConv {
        TagConv {
            weights: glorot_stack(
                self.k + 1,
                self.in_features,
                self.out_features,
                self.seed,
                device,
            ),
            bias: self
                .bias
                .then(|| Param::from_tensor(Tensor::<1>::zeros([self.out_features], device))),
        }
    }
}

impl TagConv {
    /// The operator `P` (symmetric normalization, no self-loops added).
    pub fn operator(graph: &Graph) -> crate::Result<SparseOperator> {
        let options = GcnNormalization {
            improved: false,
            add_self_loops: false,
        };
        SparseOperator::new(&gcn_normalization(graph, options)?)
    }

    /// The layer's output.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "TagConv input features",
            self.weights[0].dims()[0],
            x.dims()[1],
        )?;
        let mut hop = x.clone();
        let mut output = x.matmul(self.weights[0].val());
        for weight in &self.weights[1..] {
            hop = propagate(operator, hop)?;
            output = output + hop.clone().matmul(weight.val());
        }
        Ok(match &self.bias {
            Some(bias) => output + bias.val().unsqueeze_dim(0),
            None => output,
        })
    }
}
