//! The graph convolutional layer of Kipf & Welling (2017).

use std::sync::{Arc, Mutex};

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{
    AdjacencyBuilder, GcnNormalization, Graph, Orientation, SelfLoops, gcn_normalization,
};

use crate::error::check_width;
use crate::init::uniform;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`GcnConv`] layer (each with its default).
#[derive(Config, Debug)]
pub struct GcnConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Add a learnable bias. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// Use `A + 2I` instead of `A + I`. Default `false`.
    #[config(default = false)]
    pub improved: bool,
    /// Add self-loops where missing. Default `true`.
    #[config(default = true)]
    pub add_self_loops: bool,
    /// Apply the symmetric normalization `D^-1/2 Â D^-1/2`; without it the layer sums raw
    /// (weighted) neighbour messages. Default `true`.
    #[config(default = true)]
    pub normalize: bool,
    /// Compute the operator on the first call of [`GcnConv::operator`] and reuse it afterwards
    /// (transductive learning on one fixed graph). Default `false`.
    #[config(default = false)]
    pub cached: bool,
    /// Seed of the Glorot-uniform weight initialization. Default `0`.
    #[config(default = 0)]
    pub seed: u64,
}

/// Graph convolution (Kipf & Welling 2017, eq. 2):
///
/// `X' = D̂^-1/2 Â D̂^-1/2 X Θ + b`, with `Â = A + I` (or `A + 2I` when `improved`) and
/// `D̂ᵢᵢ = Σⱼ Âⱼᵢ` (degree over incoming edges, edge weights included).
///
/// Node-wise: `x'ᵢ = Θᵀ Σ_{j ∈ N(i) ∪ {i}} (eⱼᵢ / √(d̂ⱼ d̂ᵢ)) xⱼ + b`, where `eⱼᵢ` is the weight of
/// the edge `j → i` (1 by default).
///
/// The propagation is sparse (never an N×N dense matrix) and differentiable; see
/// [`crate::ops::propagate`]. Weights are Glorot-uniform, biases zero, as in the paper.
#[derive(Module, Debug)]
pub struct GcnConv {
    /// Θ, `in_features x out_features`.
    pub weight: Param<Tensor<2>>,
    /// b, `out_features`.
    pub bias: Option<Param<Tensor<1>>>,
    #[module(skip)]
    options: GcnNormalizationOptions,
    #[module(skip)]
    cache: Arc<Mutex<Option<SparseOperator>>>,
}

/// The normalization part of a layer's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GcnNormalizationOptions {
    improved: bool,
    add_self_loops: bool,
    normalize: bool,
    cached: bool,
}

impl GcnConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> GcnConv {
        let limit = (6.0 / (self.in_features + self.out_features).max(1) as f32).sqrt();
        let values = uniform(
            self.in_features * self.out_features,
            -limit,
            limit,
            self.seed,
        );
        let weight = Tensor::<2>::from_data(
            TensorData::new(values, [self.in_features, self.out_features]),
            device,
        );
        let bias = self
            .bias
            .then(|| Param::from_tensor(Tensor::<1>::zeros([self.out_features], device)));
        GcnConv {
            weight: Param::from_tensor(weight),
            bias,
            options: GcnNormalizationOptions {
                improved: self.improved,
                add_self_loops: self.add_self_loops,
                normalize: self.normalize,
                cached: self.cached,
            },
            cache: Arc::new(Mutex::new(None)),
        }
    }
}

impl GcnConv {
    /// The propagation operator this layer uses on `graph` (from the cache when `cached`).
    pub fn operator(&self, graph: &Graph) -> crate::Result<SparseOperator> {
        if self.options.cached
            && let Some(cached) = self.cache.lock().ok().and_then(|cache| cache.clone())
        {
            return Ok(cached);
        }
        let options = self.options;
        let matrix = if options.normalize {
            gcn_normalization(
                graph,
                GcnNormalization {
                    improved: options.improved,
                    add_self_loops: options.add_self_loops,
                },
            )?
        } else {
            let fill = if options.improved { 2.0 } else { 1.0 };
            let self_loops = if options.add_self_loops {
                SelfLoops::AddMissing(fill)
            } else {
                SelfLoops::Keep
            };
            AdjacencyBuilder::new()
                .orientation(Orientation::TargetRows)
                .self_loops(self_loops)
                .build(graph)
        };
        let operator = SparseOperator::new(&matrix)?;
        if options.cached
            && let Ok(mut cache) = self.cache.lock()
        {
            *cache = Some(operator.clone());
        }
        Ok(operator)
    }

    /// `S · (X Θ) + b` for dense node features `X`, computed as `(S · X) Θ + b` when that is
    /// cheaper: more output than input features, or a sampled block with far fewer rows than
    /// columns.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width("GcnConv input features", self.in_features(), x.dims()[1])?;
        let (rows, columns) = operator.shape();
        let (input, output) = (self.in_features(), self.out_features());
        let transform_first = columns * input * output + operator.nnz() * output;
        let aggregate_first = operator.nnz() * input + rows * input * output;
        if aggregate_first < transform_first {
            let aggregated = propagate(operator, x)?.matmul(self.weight.val());
            return Ok(match &self.bias {
                Some(bias) => aggregated + bias.val().unsqueeze_dim(0),
                None => aggregated,
            });
        }
        let transformed = x.matmul(self.weight.val());
        self.aggregate(operator, transformed)
    }

    /// `S · (X Θ) + b` for a sparse input feature matrix `X` (e.g. a bag-of-words), computed as
    /// a sparse product so `X` is never densified.
    pub fn forward_sparse(
        &self,
        operator: &SparseOperator,
        x: &SparseOperator,
    ) -> crate::Result<Tensor<2>> {
        check_width("GcnConv input features", self.in_features(), x.shape().1)?;
        let transformed = propagate(x, self.weight.val())?;
        self.aggregate(operator, transformed)
    }

    fn aggregate(
        &self,
        operator: &SparseOperator,
        transformed: Tensor<2>,
    ) -> crate::Result<Tensor<2>> {
        let output = propagate(operator, transformed)?;
        Ok(match &self.bias {
            Some(bias) => output + bias.val().unsqueeze_dim(0),
            None => output,
        })
    }

    /// Input feature size.
    pub fn in_features(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Output feature size.
    pub fn out_features(&self) -> usize {
        self.weight.dims()[1]
    }
}
