//! The simplified graph convolution of Wu et al. (2019), PyG's `SGConv`.

use std::sync::{Arc, Mutex};

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use cinder_graph::{GcnNormalization, Graph, gcn_normalization};

use crate::error::check_width;
use crate::init::seeded_linear;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of an [`SgConv`] layer (PyG's defaults).
#[derive(Config, Debug)]
pub struct SgConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Number of hops `K`. Default 1.
    #[config(default = 1)]
    pub k: usize,
    /// Keep `Ŝ^K X` after the first call and reuse it (transductive training on fixed features;
    /// the cache holds no gradient). Default `false`.
    #[config(default = false)]
    pub cached: bool,
    /// Add a learnable bias. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// Seed of the initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Simplified graph convolution (Wu et al. 2019, eq. 8):
///
/// `X' = Ŝ^K X Θ + b`, `Ŝ = D̂^-1/2 (A + I) D̂^-1/2` (the GCN operator, [`SgConv::operator`]).
///
/// The `K` propagations have no parameters, so with `cached` they run once.
#[derive(Module, Debug)]
pub struct SgConv {
    /// Θ and b.
    pub linear: Linear,
    /// Hops.
    pub k: usize,
    /// Whether `Ŝ^K X` is cached.
    pub cached: bool,
    #[module(skip)]
    cache: Arc<Mutex<Option<Tensor<2>>>>,
}

impl SgConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> SgConv {
        SgConv {
            linear: seeded_linear(
                self.in_features,
                self.out_features,
                self.bias,
                self.seed,
                device,
            ),
            k: self.k,
            cached: self.cached,
            cache: Arc::new(Mutex::new(None)),
        }
    }
}

impl SgConv {
    /// The GCN operator `Ŝ` (self-loops added, symmetric normalization).
    pub fn operator(graph: &Graph) -> crate::Result<SparseOperator> {
        SparseOperator::new(&gcn_normalization(graph, GcnNormalization::default())?)
    }

    /// `Ŝ^K X` (from the cache when `cached` and already computed).
    pub fn propagate_features(
        &self,
        operator: &SparseOperator,
        x: Tensor<2>,
    ) -> crate::Result<Tensor<2>> {
        if self.cached
            && let Some(cached) = self.cache.lock().ok().and_then(|cache| cache.clone())
        {
            return Ok(cached);
        }
        let mut propagated = x;
        for _ in 0..self.k {
            propagated = propagate(operator, propagated)?;
        }
        if self.cached
            && let Ok(mut cache) = self.cache.lock()
        {
            *cache = Some(propagated.clone().detach());
        }
        Ok(propagated)
    }

    /// The layer's output.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "SgConv input features",
            self.linear.weight.dims()[0],
            x.dims()[1],
        )?;
        Ok(self.linear.forward(self.propagate_features(operator, x)?))
    }
}
