//! The Chebyshev spectral graph convolution of Defferrard et al. (2016), PyG's `ChebConv`.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use cinder_graph::{Graph, chebyshev_laplacian};

use crate::error::{NnError, check_width};
use crate::init::glorot_stack;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`ChebConv`] layer.
#[derive(Config, Debug)]
pub struct ChebConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Chebyshev filter size `K` (terms `T_0 … T_{K-1}`, so `K − 1` hops); at least 1.
    pub k: usize,
    /// Add a learnable bias. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// Seed of the Glorot initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Chebyshev graph convolution (Defferrard et al. 2016, eq. 4; PyG's `ChebConv` with
/// `normalization='sym'`):
///
/// `X' = Σ_{k<K} T_k Θ_k + b`, `T_0 = X`, `T_1 = L̂ X`, `T_k = 2 L̂ T_{k−1} − T_{k−2}`, with
/// the scaled Laplacian `L̂ = 2L/λ_max − I`, `L = I − D^-1/2 A D^-1/2`
/// ([`cinder_graph::chebyshev_laplacian`]; `λ_max = 2` by default as in PyG).
#[derive(Module, Debug)]
pub struct ChebConv {
    /// Θ_0 … Θ_{K−1}, each `in x out`, no bias.
    pub weights: Vec<Param<Tensor<2>>>,
    /// b.
    pub bias: Option<Param<Tensor<1>>>,
}

impl ChebConvConfig {
    /// Builds the layer on `device`; `K` must be at least 1.
    pub fn init(&self, device: &Device) -> crate::Result<ChebConv> {
        if self.k == 0 {
            return Err(NnError::InvalidOption {
                option: "ChebConv K",
                reason: "must be at least 1 (the T_0 = X term)".into(),
            });
        }
        Ok(ChebConv {
            weights: glorot_stack(
                self.k,
                self.in_features,
                self.out_features,
                self.seed,
                device,
            ),
            bias: self
                .bias
                .then(|| Param::from_tensor(Tensor::<1>::zeros([self.out_features], device))),
        })
    }
}

impl ChebConv {
    /// The scaled Laplacian `L̂` of `graph` for the given largest eigenvalue (2.0 in PyG).
    pub fn operator(graph: &Graph, lambda_max: f32) -> crate::Result<SparseOperator> {
        SparseOperator::new(&chebyshev_laplacian(graph, lambda_max)?)
    }

    /// The layer's output.
    pub fn forward(&self, laplacian: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "ChebConv input features",
            self.weights[0].dims()[0],
            x.dims()[1],
        )?;
        let mut output = x.clone().matmul(self.weights[0].val());
        let (mut previous, mut current) = (x.clone(), x);
        for (k, weight) in self.weights.iter().enumerate().skip(1) {
            let next = if k == 1 {
                propagate(laplacian, current.clone())?
            } else {
                propagate(laplacian, current.clone())? * 2.0 - previous
            };
            output = output + next.clone().matmul(weight.val());
            previous = current;
            current = next;
        }
        Ok(match &self.bias {
            Some(bias) => output + bias.val().unsqueeze_dim(0),
            None => output,
        })
    }

    /// The filter size `K`.
    pub fn k(&self) -> usize {
        self.weights.len()
    }
}
