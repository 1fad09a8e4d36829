//! Semi-supervised node classification training: Adam, an L2 penalty, early stopping on the
//! validation loss, and the report (accuracy, macro-F1, confusion matrix) of the kept weights.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use cinder_graph::{Block, FeatureMatrix, Graph, InNeighbours, NodeSplit};

use crate::error::NnError;
use crate::init::derive_seed;
use crate::loss::{Reduction, cross_entropy};
use crate::metrics::argmax_rows;
use crate::node::config::NodeModelKind;
use crate::node::config::NodeTrainingConfig;
use crate::node::gcn::{NodeFeatures, NodeGcn};
use crate::node::minibatch::{train_node_model_sampled, train_sampled};
use crate::node::models::{NodeModel, NodePropagation, node_propagation};
use crate::node::report::{EpochRecord, NodeTrainingReport, scalar};
use crate::ops::operator::SparseOperator;

/// Trains a [`NodeGcn`] on `graph` (features, labels) with `split`, on `device` (an autodiff
/// device, e.g. `Device::flex().autodiff()`). Returns the kept model and the report.
pub fn train_node_classifier(
    graph: &Graph,
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    device: &Device,
) -> crate::Result<(NodeGcn, NodeTrainingReport)> {
    if config.model.kind != NodeModelKind::Gcn {
        return Err(NnError::InvalidOption {
            option: "model",
            reason: format!(
                "train_node_classifier trains a GCN; use train_node_model for {}",
                config.model.kind
            ),
        });
    }
    let (model, report) = train_node_model(graph, split, config, device)?;
    let model = model
        .into_gcn()
        .ok_or_else(|| NnError::Empty("the trained GCN".into()))?;
    Ok((model, report))
}

/// Trains the model `config.model` describes on `graph` with `split`, on `device` (an autodiff
/// device). Returns the kept model (lowest validation loss) and the report.
///
/// ```
/// use burn::tensor::Device;
/// use cinder_graph::{NodeSplit, karate_club};
/// use cinder_nn::{NodeModelKind, NodeTrainingConfig, train_node_model};
///
/// let graph = karate_club();
/// let split = NodeSplit { train: vec![0, 33], validation: vec![], test: (1..33).collect() };
/// let config = NodeTrainingConfig::for_model(NodeModelKind::Gat).with_epochs(20).with_patience(0);
/// let (_model, report) = train_node_model(&graph, &split, &config, &Device::flex().autodiff())?;
/// assert_eq!(report.epochs_run, 20);
/// # Ok::<(), cinder_nn::NnError>(())
/// ```
pub fn train_node_model(
    graph: &Graph,
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    device: &Device,
) -> crate::Result<(NodeModel, NodeTrainingReport)> {
    train_node_model_observed(graph, split, config, device, &mut |_| {})
}

/// [`train_node_model`], calling `on_epoch` after every epoch with its record (for progress bars
/// and live metrics; `cinder-experiment`'s observers are fed from here).
pub fn train_node_model_observed(
    graph: &Graph,
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> crate::Result<(NodeModel, NodeTrainingReport)> {
    if let Some(sampling) = &config.sampling {
        return train_node_model_sampled(graph, split, config, sampling, device, on_epoch);
    }
    config.check()?;
    split.check(graph.num_nodes())?;
    let labels = graph
        .node_labels()
        .ok_or_else(|| NnError::Empty("node labels of the graph".into()))?;
    let features = NodeFeatures::from_graph(graph, config.row_normalize, device)?;
    let propagation = node_propagation(config.model.kind, graph)?;
    train_full_batch(
        &propagation,
        features,
        labels,
        split,
        config,
        device,
        on_epoch,
    )
}

/// Full-batch training of a graph held as its in-neighbour CSR (e.g.
/// `cinder_datasets::load_graph_directory_csr`), without an edge list: the operator-based models
/// (GCN, SGC, APPNP with the GCN operator; SAGE with the mean) on [`Block::full`]'s whole-graph
/// operator. GAT, GATv2 and ChebNet need the graph itself ([`train_node_model`]). With
/// `config.sampling` this trains on sampled mini-batches instead ([`train_sampled`]).
pub fn train_node_model_on_csr(
    neighbours: &InNeighbours,
    features: &FeatureMatrix,
    labels: &[usize],
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> crate::Result<(NodeModel, NodeTrainingReport)> {
    if let Some(sampling) = &config.sampling {
        return train_sampled(
            neighbours, features, labels, split, config, sampling, device, on_epoch,
        );
    }
    config.check()?;
    split.check(neighbours.num_nodes())?;
    let Some(weights) = config.model.kind.csr_block_weights() else {
        return Err(NnError::InvalidOption {
            option: "model",
            reason: format!(
                "{} needs the graph's edge list; a graph held as its CSR trains gcn, sgc, appnp and sage",
                config.model.kind
            ),
        });
    };
    if labels.len() != neighbours.num_nodes() {
        return Err(NnError::ShapeMismatch {
            what: "node labels (one per node of the graph)".into(),
            expected: neighbours.num_nodes(),
            actual: labels.len(),
        });
    }
    let operator = SparseOperator::from_block_owned(Block::full(neighbours, weights))?;
    let features = NodeFeatures::from_matrix(features.clone(), config.row_normalize, device)?;
    train_full_batch(
        &NodePropagation::Operator(operator),
        features,
        labels,
        split,
        config,
        device,
        on_epoch,
    )
}

/// The full-batch loop on a built propagation structure and features.
fn train_full_batch(
    propagation: &NodePropagation,
    features: NodeFeatures,
    labels: &[usize],
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> crate::Result<(NodeModel, NodeTrainingReport)> {
    let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
    if let Some(&node) = split.train.iter().find(|&&n| labels[n] >= num_classes) {
        return Err(NnError::LabelOutOfRange {
            node,
            label: labels[node],
            num_classes,
        });
    }
    let features = match config.model.kind {
        NodeModelKind::Sgc | NodeModelKind::Cheb => features.densified(device),
        _ => features,
    };
    let mut model = config
        .model
        .init(features.width(), num_classes, config.seed, device)?;
    let train = NodeTargets::new(labels, &split.train, num_classes, device);
    let validation = NodeTargets::new(labels, &split.validation, num_classes, device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();

    let mut history = Vec::with_capacity(config.epochs);
    let mut best = (f64::INFINITY, 0usize, model.clone());
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        let logits = model.forward(
            propagation,
            &features,
            Some(derive_seed(config.seed, 1000 + epoch as u64)),
        )?;
        let train_loss = train.cross_entropy(logits.clone());
        let mut objective = train_loss.clone();
        if config.optimizer.weight_decay > 0.0 {
            for parameter in model.penalized() {
                objective = objective
                    + (parameter.clone() * parameter).sum() * (config.optimizer.weight_decay / 2.0);
            }
        }
        let gradients = GradientsParams::from_grads(objective.backward(), &model);
        model = optimizer.step(config.optimizer.learning_rate, model, gradients);
        let step_ms = start.elapsed().as_secs_f64() * 1e3;

        let train_loss = scalar(train_loss);
        let train_accuracy = train.accuracy(&logits);
        let logits = model.valid().forward(propagation, &features, None)?;
        let validation_loss = if validation.is_empty() {
            train_loss
        } else {
            scalar(validation.cross_entropy(logits.clone()))
        };
        if !validation_loss.is_finite() {
            return Err(NnError::Diverged {
                epoch,
                what: "validation loss".into(),
            });
        }
        let validation_accuracy = validation.accuracy(&logits);
        history.push(EpochRecord {
            epoch,
            train_loss,
            train_accuracy,
            validation_loss,
            validation_accuracy,
            step_ms,
        });
        if let Some(record) = history.last() {
            on_epoch(record);
        }

        // Without early stopping the last epoch is kept.
        if config.patience == 0 || validation_loss < best.0 {
            best = (validation_loss, epoch, model.clone());
        } else if epoch - best.1 >= config.patience {
            break;
        }
    }
    let (_, best_epoch, model) = best;
    let logits = model.valid().forward(propagation, &features, None)?;
    let [_, width] = logits.dims();
    let values = logits
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| NnError::Empty(format!("logits ({e:?})")))?;
    let predictions = argmax_rows(&values, width);
    let report = NodeTrainingReport::new(history, best_epoch, predictions, labels, split, None);
    Ok((model, report))
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
        cross_entropy(
            selected,
            self.one_hot.clone().to_device(&device),
            Reduction::Mean,
        )
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
