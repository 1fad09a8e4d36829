//! Semi-supervised node classification with a two-layer GCN (Kipf & Welling 2017): the model, its
//! training loop (Adam, L2 on the first layer, early stopping on validation loss) and its report.

use std::time::Instant;

use burn::config::Config;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use cinder_graph::{FeatureMatrix, Graph, NodeSplit};
use serde::{Deserialize, Serialize};

use crate::dropout::{dropout, sparse_dropout};
use crate::error::NnError;
use crate::gcn_conv::{GcnConv, GcnConvConfig};
use crate::metrics::{accuracy, argmax_rows, confusion_matrix, macro_f1};
use crate::operator::SparseOperator;
use crate::random::derive_seed;

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
        let features = graph.features_or_identity();
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
        let hidden = match (features, dropout_seed) {
            (NodeFeatures::Sparse(x), Some(seed)) => {
                let dropped = sparse_dropout(x, self.dropout, derive_seed(seed, 1))?;
                self.conv1.forward_sparse(operator, &dropped)?
            }
            (NodeFeatures::Sparse(x), None) => self.conv1.forward_sparse(operator, x)?,
            (NodeFeatures::Dense(x), Some(seed)) => {
                let dropped = dropout((**x).clone(), self.dropout, derive_seed(seed, 1))?;
                self.conv1.forward(operator, dropped)?
            }
            (NodeFeatures::Dense(x), None) => self.conv1.forward(operator, (**x).clone())?,
        };
        let hidden = relu(hidden);
        let hidden = match dropout_seed {
            Some(seed) => dropout(hidden, self.dropout, derive_seed(seed, 2))?,
            None => hidden,
        };
        self.conv2.forward(operator, hidden)
    }
}

/// Training options (defaults: Kipf & Welling's).
#[derive(Config, Debug)]
pub struct NodeTrainingConfig {
    /// Adam learning rate. Default 0.01.
    #[config(default = 0.01)]
    pub learning_rate: f64,
    /// L2 penalty `λ/2 · ‖W₁‖²` on the first layer's weights. Default 5e-4.
    #[config(default = 5e-4)]
    pub weight_decay: f64,
    /// Maximum epochs. Default 200.
    #[config(default = 200)]
    pub epochs: usize,
    /// Stop after this many epochs without a lower validation loss; 0 trains all epochs.
    /// Default 10.
    #[config(default = 10)]
    pub patience: usize,
    /// Hidden size. Default 16.
    #[config(default = 16)]
    pub hidden: usize,
    /// Dropout probability. Default 0.5.
    #[config(default = 0.5)]
    pub dropout: f32,
    /// Row-normalize the input features. Default true.
    #[config(default = true)]
    pub row_normalize: bool,
    /// Seed of initialization and dropout. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// One epoch of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Cross-entropy on the training nodes (with dropout), without the L2 term.
    pub train_loss: f64,
    /// Training accuracy of that forward pass.
    pub train_accuracy: f64,
    /// Cross-entropy on the validation nodes (evaluation mode).
    pub validation_loss: f64,
    /// Validation accuracy.
    pub validation_accuracy: f64,
    /// Wall time of forward + backward + optimizer step, in milliseconds.
    pub step_ms: f64,
}

/// The outcome of [`train_node_classifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeTrainingReport {
    /// Per-epoch history.
    pub history: Vec<EpochRecord>,
    /// Epochs run.
    pub epochs_run: usize,
    /// Epoch whose weights were kept (lowest validation loss; the last epoch without early
    /// stopping).
    pub best_epoch: usize,
    /// Validation accuracy of the kept weights.
    pub validation_accuracy: f64,
    /// Test accuracy of the kept weights.
    pub test_accuracy: f64,
    /// Test macro-F1 of the kept weights.
    pub test_macro_f1: f64,
    /// Test confusion matrix `[true][predicted]`.
    pub test_confusion: Vec<Vec<usize>>,
    /// Predicted class of every node.
    pub predictions: Vec<usize>,
}

/// Trains a [`NodeGcn`] on `graph` (features, labels) with `split`, on `device` (an autodiff
/// device, e.g. `Device::flex().autodiff()`). Returns the kept model and the report.
pub fn train_node_classifier(
    graph: &Graph,
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    device: &Device,
) -> crate::Result<(NodeGcn, NodeTrainingReport)> {
    split.check(graph.num_nodes())?;
    let labels = graph
        .node_labels()
        .ok_or_else(|| NnError::Empty("node labels of the graph".into()))?;
    let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
    if let Some(&node) = split.train.iter().find(|&&n| labels[n] >= num_classes) {
        return Err(NnError::LabelOutOfRange {
            node,
            label: labels[node],
            num_classes,
        });
    }
    let features = NodeFeatures::from_graph(graph, config.row_normalize, device)?;
    let mut model = NodeGcnConfig::new(features.width(), num_classes)
        .with_hidden(config.hidden)
        .with_dropout(config.dropout)
        .with_seed(config.seed)
        .init(device);
    let operator = model.conv1.operator(graph)?;
    let train = NodeTargets::new(labels, &split.train, num_classes, device);
    let validation = NodeTargets::new(labels, &split.validation, num_classes, device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();

    let mut history = Vec::with_capacity(config.epochs);
    let mut best = (f64::INFINITY, 0usize, model.clone());
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        let logits = model.forward(
            &operator,
            &features,
            Some(derive_seed(config.seed, 1000 + epoch as u64)),
        )?;
        let train_loss = train.cross_entropy(logits.clone());
        let weights = model.conv1.weight.val();
        let penalty = (weights.clone() * weights).sum() * (config.weight_decay / 2.0);
        let gradients = (train_loss.clone() + penalty).backward();
        let gradients = GradientsParams::from_grads(gradients, &model);
        model = optimizer.step(config.learning_rate, model, gradients);
        let step_ms = start.elapsed().as_secs_f64() * 1e3;

        let train_loss = scalar(train_loss);
        let train_accuracy = train.accuracy(&logits);
        let evaluation = model.valid();
        let logits = evaluation.forward(&operator, &features, None)?;
        let validation_loss = if validation.is_empty() {
            train_loss
        } else {
            scalar(validation.cross_entropy(logits.clone()))
        };
        let validation_accuracy = validation.accuracy(&logits);
        history.push(EpochRecord {
            epoch,
            train_loss,
            train_accuracy,
            validation_loss,
            validation_accuracy,
            step_ms,
        });

        // Without early stopping the last epoch is kept.
        if config.patience == 0 || validation_loss < best.0 {
            best = (validation_loss, epoch, model.clone());
        } else if epoch - best.1 >= config.patience {
            break;
        }
    }
    let (_, best_epoch, model) = best;
    let logits = model.valid().forward(&operator, &features, None)?;
    let [_, width] = logits.dims();
    let values = logits
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| NnError::Empty(format!("logits ({e:?})")))?;
    let predictions = argmax_rows(&values, width);
    let report = NodeTrainingReport {
        epochs_run: history.len(),
        history,
        best_epoch,
        validation_accuracy: accuracy(&predictions, labels, &split.validation),
        test_accuracy: accuracy(&predictions, labels, &split.test),
        test_macro_f1: macro_f1(&predictions, labels, &split.test, num_classes),
        test_confusion: confusion_matrix(&predictions, labels, &split.test, num_classes),
        predictions,
    };
    Ok((model, report))
}

fn scalar(tensor: Tensor<1>) -> f64 {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .ok()
        .and_then(|v| v.first().copied())
        .map_or(f64::NAN, f64::from)
}

/// The labelled nodes of one split part, as tensors.
struct NodeTargets {
    nodes: Vec<usize>,
    labels: Vec<usize>,
    index: Tensor<1, Int>,
    one_hot: Tensor<2>,
}

impl NodeTargets {
    fn new(all_labels: &[usize], nodes: &[usize], num_classes: usize, device: &Device) -> Self {
        let mut one_hot = vec![0.0f32; nodes.len() * num_classes];
        for (row, &node) in nodes.iter().enumerate() {
            one_hot[row * num_classes + all_labels[node]] = 1.0;
        }
        let index: Vec<i64> = nodes.iter().map(|&n| n as i64).collect();
        Self {
            nodes: nodes.to_vec(),
            labels: nodes.iter().map(|&n| all_labels[n]).collect(),
            index: Tensor::from_data(TensorData::new(index, [nodes.len()]), device),
            one_hot: Tensor::from_data(
                TensorData::new(one_hot, [nodes.len(), num_classes]),
                device,
            ),
        }
    }

    fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Mean cross-entropy of these nodes' logits.
    fn cross_entropy(&self, logits: Tensor<2>) -> Tensor<1> {
        let device = logits.device();
        let selected = logits.select(0, self.index.clone().to_device(&device));
        let log_probabilities = log_softmax(selected, 1);
        let picked = log_probabilities * self.one_hot.clone().to_device(&device);
        picked.sum().neg() / self.nodes.len().max(1) as f64
    }

    fn accuracy(&self, logits: &Tensor<2>) -> f64 {
        if self.nodes.is_empty() {
            return 0.0;
        }
        let [_, width] = logits.dims();
        let Ok(values) = logits.clone().into_data().try_to_vec::<f32>() else {
            return f64::NAN;
        };
        let predictions = argmax_rows(&values, width);
        let correct = self
            .nodes
            .iter()
            .zip(&self.labels)
            .filter(|&(&n, &l)| predictions[n] == l)
            .count();
        correct as f64 / self.nodes.len() as f64
    }
}
