//! Node features ready for a first layer (dense or sparse) and the two-layer GCN of Kipf &
//! Welling (2017); the training loop is in [`crate::node::training`].

use burn::config::Config;
use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{FeatureMatrix, Graph};

use crate::conv::gcn::{GcnConv, GcnConvConfig};
use crate::error::NnError;
use crate::init::derive_seed;
use crate::ops::dropout::{dropout, sparse_dropout};
use crate::ops::operator::SparseOperator;

/// Node features ready for the first layer: dense, or sparse (never densified).
#[derive(Debug, Clone)]
pub enum NodeFeatures {
    /// Dense `nodes x features` tensor.
    Dense(Box<Tensor<2>>),
    /// Sparse `nodes x features` matrix (bag-of-words, one-hot ids).
    Sparse(SparseOperator),
}

impl NodeFeatures {
    /// The graph's features (identity if it has none) on `device`, row-normalized if asked.
    ///
    /// Dense features that are mostly zeros (under 25% non-zero, e.g. a bag-of-words stored
    /// densely) are converted to sparse: the first layer then multiplies only the non-zeros, and
    /// dropout acts on them only — exactly equivalent, since dropping a zero is a no-op.
    pub fn from_graph(graph: &Graph, row_normalize: bool, device: &Device) -> crate::Result<Self> {
        Self::from_matrix(graph.features_or_identity(), row_normalize, device)
    }

    /// [`NodeFeatures::from_graph`] for a feature matrix held apart from a graph.
    pub fn from_matrix(
        features: FeatureMatrix,
        row_normalize: bool,
        device: &Device,
    ) -> crate::Result<Self> {
        let features = if row_normalize {
            features.row_normalized()
        } else {
            features
        };
        let features = match features {
            FeatureMatrix::Dense(matrix) if density(matrix.values()) < SPARSE_DENSITY => {
                FeatureMatrix::Sparse(dense_to_sparse(&matrix))
            }
            other => other,
        };
        Ok(match features {
            FeatureMatrix::Sparse(matrix) => Self::Sparse(SparseOperator::new(&matrix)?),
            FeatureMatrix::Dense(matrix) => {
                let shape = [matrix.rows(), matrix.columns()];
                Self::Dense(Box::new(Tensor::from_data(
                    TensorData::new(matrix.into_values(), shape),
                    device,
                )))
            }
        })
    }

    /// The dense tensor; fails for sparse features (see [`NodeFeatures::densified`]).
    pub fn dense(&self) -> crate::Result<Tensor<2>> {
        match self {
            Self::Dense(tensor) => Ok((**tensor).clone()),
            Self::Sparse(_) => Err(NnError::InvalidOption {
                option: "node features",
                reason: "this model needs dense features; densify them first".into(),
            }),
        }
    }

    /// The same features stored densely on `device`.
    pub fn densified(self, device: &Device) -> Self {
        match self {
            Self::Sparse(operator) => {
                let (rows, columns) = operator.shape();
                Self::Dense(Box::new(Tensor::from_data(
                    TensorData::new(operator.to_dense(), [rows, columns]),
                    device,
                )))
            }
            dense => dense,
        }
    }

    /// The features with inverted dropout while training (`seed = Some(..)`): on the stored
    /// non-zeros of sparse features, in one fused pass on dense ones; unchanged when `seed` is
    /// `None`. Cheap to clone either way (shared storage).
    pub fn dropped(&self, probability: f32, seed: Option<u64>) -> crate::Result<Self> {
        Ok(match (self, seed) {
            (Self::Sparse(x), Some(seed)) => Self::Sparse(sparse_dropout(x, probability, seed)?),
            (Self::Dense(x), Some(seed)) => {
                Self::Dense(Box::new(dropout((**x).clone(), probability, seed)?))
            }
            (features, None) => features.clone(),
        })
    }

    /// Feature dimension.
    pub fn width(&self) -> usize {
        match self {
            Self::Dense(tensor) => tensor.dims()[1],
            Self::Sparse(operator) => operator.shape().1,
        }
    }
}

/// Below this fraction of non-zeros, dense input features are handled as sparse.
const SPARSE_DENSITY: f64 = 0.25;

fn density(values: &[f32]) -> f64 {
    if values.is_empty() {
        return 1.0;
    }
    values.iter().filter(|&&v| v != 0.0).count() as f64 / values.len() as f64
}

fn dense_to_sparse(matrix: &cinder_graph::DenseMatrix) -> cinder_graph::SparseMatrix {
    let mut indptr = Vec::with_capacity(matrix.rows() + 1);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    indptr.push(0);
    for row in 0..matrix.rows() {
        for (column, &value) in matrix.row(row).iter().enumerate() {
            if value != 0.0 {
                indices.push(column as u32);
                data.push(value);
            }
        }
        indptr.push(indices.len());
    }
    cinder_graph::SparseMatrix::new((matrix.rows(), matrix.columns()), indptr, indices, data)
}

/// Configuration of [`NodeGcn`].
#[derive(Config, Debug)]
pub struct NodeGcnConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Number of classes.
    pub num_classes: usize,
    /// Hidden size. Default 16 (the paper's).
    #[config(default = 16)]
    pub hidden: usize,
    /// Dropout probability on the input and hidden layer. Default 0.5.
    #[config(default = 0.5)]
    pub dropout: f32,
    /// Seed of the weight initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Two-layer GCN: `softmax(Ŝ · ReLU(Ŝ X W₁) W₂)` with dropout before each layer.
#[derive(Module, Debug)]
pub struct NodeGcn {
    /// First layer (features → hidden).
    pub conv1: GcnConv,
    /// Second layer (hidden → classes).
    pub conv2: GcnConv,
    /// Dropout probability.
    pub dropout: f32,
}

impl NodeGcnConfig {
    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> NodeGcn {
        NodeGcn {
            conv1: GcnConvConfig::new(self.in_features, self.hidden)
                .with_cached(true)
                .with_seed(derive_seed(self.seed, 1))
                .init(device),
            conv2: GcnConvConfig::new(self.hidden, self.num_classes)
                .with_cached(true)
                .with_seed(derive_seed(self.seed, 2))
                .init(device),
            dropout: self.dropout,
        }
    }
}

impl NodeGcn {
    /// Class logits for every node. `dropout_seed = Some(..)` trains (dropout on), `None` evaluates.
    pub fn forward(
        &self,
        operator: &SparseOperator,
        features: &NodeFeatures,
        dropout_seed: Option<u64>,
    ) -> crate::Result<Tensor<2>> {
        let input = features.dropped(self.dropout, dropout_seed.map(|s| derive_seed(s, 1)))?;
        let hidden = match &input {
            NodeFeatures::Sparse(x) => self.conv1.forward_sparse(operator, x)?,
            NodeFeatures::Dense(x) => self.conv1.forward(operator, (**x).clone())?,
        };
        let hidden = relu(hidden);
        let hidden = match dropout_seed {
            Some(seed) => dropout(hidden, self.dropout, derive_seed(seed, 2))?,
            None => hidden,
        };
        self.conv2.forward(operator, hidden)
    }
}
