//! Mini-batch node classification on sampled neighbourhoods (GraphSAGE-style): shuffled batches
//! of training seeds, one [`NeighbourSampler`] batch each, with sampling, feature gathering and
//! block construction of the next batch on a worker thread (a bounded channel of two) while the
//! current batch trains; validation and test accuracy by exact [`layerwise_inference`].
//!
//! The models are the two-layer SAGE (mean) and GCN of [`NodeModel`], trained as DGL's and PyG's
//! mini-batch examples train them: layer → ReLU → dropout → layer (no dropout on the input
//! features), cross-entropy on the batch's seeds, Adam.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use cinder_graph::{
    FeatureMatrix, Graph, InNeighbours, NeighbourSampler, NodeSplit, aggregate_block,
    seeded_shuffle,
};

use crate::error::{NnError, Result};
use crate::init::derive_seed;
use crate::loss::cross_entropy_of_labels;
use crate::metrics::argmax_rows;
use crate::node::config::NodeModelKind;
use crate::node::config::NodeTrainingConfig;
pub use crate::node::config::SamplingConfig;
use crate::node::layerwise::{TwoLayers, layerwise_inference, values};
use crate::node::models::NodeModel;
pub use crate::node::report::SampledTiming;
use crate::node::report::{EpochRecord, NodeTrainingReport, scalar};
use crate::ops::dispatch::matrix_tensor;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// What the sampling worker sends: a prepared batch, or the end of an epoch with the time the
/// worker spent on it.
enum Message {
    Batch(Result<Prepared>),
    EpochEnd { busy_ms: f64 },
}

/// One prepared batch: its seeds, the first layer's aggregated inputs (and, for SAGE's root
/// term, its destinations' own features), and the second layer's block operator (for SAGE's
/// root term, with the destinations' own rows interleaved).
struct Prepared {
    seeds: Vec<u32>,
    /// Rows `[mean | x]` (SAGE with a root term) or the aggregated rows (GCN, SAGE without).
    inputs: Vec<f32>,
    rows: usize,
    second: SparseOperator,
}

/// Trains `config.model` (SAGE or GCN) on sampled mini-batches of `split.train` and evaluates
/// the kept model by layer-wise inference. `device` is an autodiff device. `on_epoch` receives
/// each epoch's record (the validation columns are NaN when `patience` is 0: the validation set
/// is then evaluated only at the end).
pub fn train_node_model_sampled(
    graph: &Graph,
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    sampling: &SamplingConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> Result<(NodeModel, NodeTrainingReport)> {
    let neighbours = InNeighbours::from_graph(graph)?;
    let features = graph.features_or_identity();
    let labels = graph
        .node_labels()
        .ok_or_else(|| NnError::Empty("node labels of the graph".into()))?;
    train_sampled(
        &neighbours,
        &features,
        labels,
        split,
        config,
        sampling,
        device,
        on_epoch,
    )
}

/// [`train_node_model_sampled`] on a graph given as its parts (an [`InNeighbours`] CSR, features,
/// labels) — the lean path for graphs whose edge list should not be kept in memory. The features
/// are row-normalized here when `config.row_normalize` says so.
#[allow(clippy::too_many_arguments)]
pub fn train_sampled(
    graph: &InNeighbours,
    features: &FeatureMatrix,
    labels: &[usize],
    split: &NodeSplit,
    config: &NodeTrainingConfig,
    sampling: &SamplingConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> Result<(NodeModel, NodeTrainingReport)> {
    config.check()?;
    let nodes = graph.num_nodes();
    split.check(nodes)?;
    let fanouts = sampling.fanouts()?;
    if sampling.batch_size == 0 {
        return Err(NnError::InvalidOption {
            option: "batch size",
            reason: "must be at least 1".into(),
        });
    }
    if !matches!(config.model.kind, NodeModelKind::Sage | NodeModelKind::Gcn) {
        return Err(NnError::InvalidOption {
            option: "model",
            reason: format!(
                "mini-batch training (--fanout) supports sage and gcn, not {}",
                config.model.kind
            ),
        });
    }
    for (what, rows) in [
        ("node features", features.rows()),
        ("node labels", labels.len()),
    ] {
        if rows != nodes {
            return Err(NnError::ShapeMismatch {
                what: format!("{what} (one per node of the graph)"),
                expected: nodes,
                actual: rows,
            });
        }
    }
    let normalized;
    let features = if config.row_normalize {
        normalized = features.row_normalized();
        &normalized
    } else {
        features
    };
    let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
    let device = device.clone().autodiff();
    let plain = device.clone().inner();
    let mut model = config
        .model
        .init(features.columns(), num_classes, config.seed, &device)?;
    let (weights, own_rows) = {
        let layers = TwoLayers::of(&model)?;
        (layers.weights(), [layers.has_root(0), layers.has_root(1)])
    };
    let dropout_probability = config.model.dropout;
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let mut sampler = NeighbourSampler::new(graph, fanouts, weights);
    let evaluate_each_epoch = config.patience > 0 && !split.validation.is_empty();
    // Exact layer-wise inference of every node (per-epoch validation and the final report).
    let infer = |model: &NodeModel| {
        layerwise_inference(
            &model.valid(),
            graph,
            features,
            sampling.inference_chunk,
            &plain,
        )
    };

    let mut history = Vec::with_capacity(config.epochs);
    let mut timing = SampledTiming {
        epoch_ms: Vec::new(),
        sample_ms: Vec::new(),
        batches_per_epoch: split.train.len().div_ceil(sampling.batch_size),
        inference_ms: 0.0,
    };
    let mut best = (f64::INFINITY, 0usize, model.clone());
    // One worker for the whole run: it samples epoch after epoch (each epoch's order and seeds
    // fixed by `config.seed`), so the next epoch's first batches are ready when an epoch ends.
    // Dropping the receiver (early stop, an error) ends it at its next send.
    let (sender, receiver) = sync_channel::<Message>(2);
    let epochs = config.epochs;
    let outcome: Result<()> = std::thread::scope(|scope| {
        let worker_sampler = &mut sampler;
        let worker = scope.spawn(move || {
            for epoch in 1..=epochs {
                let mut order: Vec<u32> = split.train.iter().map(|&n| n as u32).collect();
                seeded_shuffle(&mut order, derive_seed(config.seed, 3000 + epoch as u64));
                let epoch_seed = batch_seed(config.seed, epoch);
                let mut busy = 0.0;
                for (index, seeds) in order.chunks(sampling.batch_size).enumerate() {
                    let started = Instant::now();
                    let prepared = prepare(
                        worker_sampler,
                        features,
                        own_rows,
                        seeds,
                        derive_seed(epoch_seed, index as u64),
                    );
                    busy += started.elapsed().as_secs_f64() * 1e3;
                    let failed = prepared.is_err();
                    if sender.send(Message::Batch(prepared)).is_err() || failed {
                        return;
                    }
                }
                if sender.send(Message::EpochEnd { busy_ms: busy }).is_err() {
                    return;
                }
            }
        });
        let receiver = receiver;
        for epoch in 1..=epochs {
            let start = Instant::now();
            let epoch_seed = batch_seed(config.seed, epoch);
            let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
            let mut index = 0usize;
            let sample_ms = loop {
                let message = receiver
                    .recv()
                    .map_err(|_| NnError::Empty("the sampling worker (it stopped)".into()))?;
                let prepared = match message {
                    Message::Batch(prepared) => prepared?,
                    Message::EpochEnd { busy_ms } => break busy_ms,
                };
                let batch_labels: Vec<usize> =
                    prepared.seeds.iter().map(|&n| labels[n as usize]).collect();
                let logits = forward_prepared(
                    &model,
                    prepared,
                    dropout_probability,
                    derive_seed(epoch_seed, 1 << 32 | index as u64),
                    &device,
                )?;
                index += 1;
                let loss = cross_entropy_of_labels(logits.clone(), &batch_labels, num_classes);
                let mut objective = loss.clone();
                if config.optimizer.weight_decay > 0.0 {
                    for parameter in model.penalized() {
                        objective = objective
                            + (parameter.clone() * parameter).sum()
                                * (config.optimizer.weight_decay / 2.0);
                    }
                }
                let gradients = GradientsParams::from_grads(objective.backward(), &model);
                model = optimizer.step(config.optimizer.learning_rate, model.clone(), gradients);
                let predictions = argmax_rows(&values(logits.inner())?, num_classes);
                correct += predictions
                    .iter()
                    .zip(&batch_labels)
                    .filter(|(p, l)| p == l)
                    .count();
                loss_sum += scalar(loss) * batch_labels.len() as f64;
                seen += batch_labels.len();
            };
            let epoch_ms = start.elapsed().as_secs_f64() * 1e3;
            timing.epoch_ms.push(epoch_ms);
            timing.sample_ms.push(sample_ms);
            let train_loss = loss_sum / seen.max(1) as f64;
            if !train_loss.is_finite() {
                return Err(NnError::Diverged {
                    epoch,
                    what: "training loss".into(),
                });
            }
            let (validation_loss, validation_accuracy) = if evaluate_each_epoch {
                evaluate(&infer(&model)?, labels, &split.validation, num_classes)
            } else {
                (f64::NAN, f64::NAN)
            };
            if evaluate_each_epoch && !validation_loss.is_finite() {
                return Err(NnError::Diverged {
                    epoch,
                    what: "validation loss".into(),
                });
            }
            history.push(EpochRecord {
                epoch,
                train_loss,
                train_accuracy: correct as f64 / seen.max(1) as f64,
                validation_loss,
                validation_accuracy,
                step_ms: epoch_ms,
            });
            if let Some(record) = history.last() {
                on_epoch(record);
            }
            if !evaluate_each_epoch || validation_loss < best.0 {
                best = (validation_loss, epoch, model.clone());
            } else if epoch - best.1 >= config.patience {
                break;
            }
        }
        drop(receiver);
        worker
            .join()
            .map_err(|_| NnError::Empty("the sampling worker (it panicked)".into()))
    });
    outcome?;
    let (_, best_epoch, model) = best;
    let started = Instant::now();
    let logits = infer(&model)?;
    timing.inference_ms = started.elapsed().as_secs_f64() * 1e3;
    let predictions = argmax_rows(&logits, num_classes);
    let report = NodeTrainingReport::new(
        history,
        best_epoch,
        predictions,
        labels,
        split,
        Some(timing),
    );
    Ok((model, report))
}

/// The seed of epoch `epoch`'s batches (sampling: batch index; dropout: `1 << 32 | index`),
/// shared by the worker and the training loop.
fn batch_seed(seed: u64, epoch: usize) -> u64 {
    derive_seed(seed, 4000 + epoch as u64)
}

/// Samples one batch and prepares it (worker side). The input features carry no gradient and
/// the first layer aggregates before it transforms, so its neighbour sums are computed here
/// from the feature matrix in place — no gather of the (much larger) set of input rows.
fn prepare(
    sampler: &mut NeighbourSampler<'_>,
    features: &FeatureMatrix,
    [own_rows, second_own_rows]: [bool; 2],
    seeds: &[u32],
    seed: u64,
) -> Result<Prepared> {
    let batch = sampler.sample(seeds, seed)?;
    let [first, second] = batch.blocks.as_slice() else {
        return Err(NnError::InvalidOption {
            option: "sampled blocks",
            reason: format!(
                "a two-layer model needs two blocks, got {}",
                batch.blocks.len()
            ),
        });
    };
    // SAGE's two first-layer products `mean · W_l + x · W_r` run as one product of the rows
    // `[mean | x]` with `[W_l; W_r]`: one larger GEMM instead of two and a sum.
    let inputs = aggregate_block(first, features, own_rows);
    // The second layer's root term the same way: its operator yields `[mean | h]` rows.
    let second = if second_own_rows {
        SparseOperator::from_block_with_own_rows(second)?
    } else {
        SparseOperator::from_block(second)?
    };
    Ok(Prepared {
        inputs,
        rows: first.destinations,
        second,
        seeds: batch.seeds,
    })
}

/// The two layers on a prepared batch: layer → ReLU → dropout (`p`) → layer, the first three
/// fused.
fn forward_prepared(
    model: &NodeModel,
    prepared: Prepared,
    p: f32,
    seed: u64,
    device: &Device,
) -> Result<Tensor<2>> {
    let layers = TwoLayers::of(model)?;
    let columns = prepared.inputs.len() / prepared.rows.max(1);
    let inputs = matrix_tensor(prepared.inputs, [prepared.rows, columns], device);
    let hidden = layers.first_layer_relu_dropout(inputs, p, seed)?;
    match layers {
        TwoLayers::Sage(..) if layers.has_root(1) => {
            // Rows `2i`, `2i + 1` of the product are seed `i`'s mean and own row.
            let stacked = propagate(&prepared.second, hidden)?;
            let [rows, width] = stacked.dims();
            Ok(layers.joined_layer(1, stacked.reshape([rows / 2, 2 * width])))
        }
        TwoLayers::Sage(_, conv) => conv.forward(&prepared.second, hidden),
        TwoLayers::Gcn(_, conv) => conv.forward(&prepared.second, hidden),
    }
}

/// Mean cross-entropy and accuracy of `nodes` from row-major logits.
fn evaluate(logits: &[f32], labels: &[usize], nodes: &[usize], classes: usize) -> (f64, f64) {
    if nodes.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let (mut loss, mut correct) = (0.0f64, 0usize);
    for &node in nodes {
        let row = &logits[node * classes..(node + 1) * classes];
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let log_sum = row
            .iter()
            .map(|&v| f64::from(v - max).exp())
            .sum::<f64>()
            .ln();
        loss -= f64::from(row[labels[node]] - max) - log_sum;
        let predicted = argmax_rows(row, classes)[0];
        correct += usize::from(predicted == labels[node]);
    }
    (
        loss / nodes.len() as f64,
        correct as f64 / nodes.len() as f64,
    )
}
