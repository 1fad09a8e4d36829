//! Personalized-PageRank propagation of Klicpera et al. (2019), PyG's `APPNP`.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::Tensor;
use cinder_graph::{GcnNormalization, Graph, gcn_normalization};

use crate::error::NnError;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of [`Appnp`] (the paper's and PyG's values).
#[derive(Config, Debug)]
pub struct AppnpConfig {
    /// Power-iteration steps `K`. Default 10.
    #[config(default = 10)]
    pub k: usize,
    /// Teleport probability `α`. Default 0.1.
    #[config(default = 0.1)]
    pub alpha: f32,
}

/// Approximate personalized PageRank propagation (Klicpera et al. 2019, eq. 3), no parameters:
///
/// `Z⁰ = X`, `Z^{k+1} = (1 − α) Ŝ Z^k + α X`, output `Z^K`, with the GCN operator
/// `Ŝ = D̂^-1/2 (A + I) D̂^-1/2` ([`Appnp::operator`]).
#[derive(Module, Debug)]
pub struct Appnp {
    /// Steps `K`.
    pub k: usize,
    /// Teleport probability `α`.
    pub alpha: f32,
}

impl AppnpConfig {
    /// Builds the propagation, checking `0 ≤ α ≤ 1`.
    pub fn init(&self) -> crate::Result<Appnp> {
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(NnError::InvalidOption {
                option: "APPNP alpha",
                reason: format!("{} is not in [0, 1]", self.alpha),
            });
        }
        Ok(Appnp {
            k: self.k,
            alpha: self.alpha,
        })
    }
}

impl Appnp {
    /// The GCN operator `Ŝ`.
    pub fn operator(graph: &Graph) -> crate::Result<SparseOperator> {
        SparseOperator::new(&gcn_normalization(graph, GcnNormalization::default())?)
    }

    /// `Z^K`.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        let teleport = x.clone() * f64::from(self.alpha);
        let mut z = x;
        for _ in 0..self.k {
            z = propagate(operator, z)? * f64::from(1.0 - self.alpha) + teleport.clone();
        }
        Ok(z)
    }
}
