//! Link-prediction training: binary cross-entropy of the training positives against negatives
//! redrawn every step from the step's seed (plus the `1/N`-scaled KL term of a VGAE), Adam, model
//! selection on a validation figure evaluated every few epochs, and the kept model's test report.

use std::sync::Arc;
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Device, Tensor};
use cinder_graph::{
    EdgeLookup, Graph, LinkSplit, per_source_negatives, seeded_shuffle, uniform_negatives,
};

use crate::error::{NnError, Result};
use crate::init::derive_seed;
use crate::link::config::{LinkTrainingConfig, MAX_DENSE_RECONSTRUCTION_NODES, NegativeSampler};
use crate::link::metrics::LinkScores;
use crate::link::model::{LinkModel, endpoint_index};
use crate::link::report::{LinkEpochRecord, LinkTrainingReport, auc_by_degree};
use crate::node::config::NodeModelKind;
use crate::node::gcn::NodeFeatures;
use crate::node::models::{NodePropagation, node_propagation};
use crate::node::report::scalar;
use crate::ops::reconstruction::{ReconstructionTarget, dense_reconstruction_loss};

/// Pairs scored per decoder call in evaluation.
const EVALUATION_CHUNK: usize = 1 << 16;

/// Trains the link model `config.model` describes on `graph` (its node features; its edges are
/// ignored: the encoder propagates over `split.train` only) with `split`, on `device` (an
/// autodiff device). Returns the kept model and the report.
///
/// ```
/// use burn::tensor::Device;
/// use cinder_graph::{LinkSplitConfig, karate_club, random_link_split};
/// use cinder_nn::{LinkTrainingConfig, train_link_model};
///
/// let graph = karate_club();
/// let split = random_link_split(&graph, &LinkSplitConfig::default(), 0)?;
/// let config = LinkTrainingConfig::new().with_epochs(20);
/// let (_model, report) = train_link_model(&graph, &split, &config, &Device::flex().autodiff())?;
/// assert_eq!(report.epochs_run, 20);
/// assert!(report.test.auc >= 0.0 && report.test.auc <= 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn train_link_model(
    graph: &Graph,
    split: &LinkSplit,
    config: &LinkTrainingConfig,
    device: &Device,
) -> Result<(LinkModel, LinkTrainingReport)> {
    train_link_model_observed(graph, split, config, device, &mut |_| {})
}

/// [`train_link_model`], calling `on_epoch` after every epoch with its record.
pub fn train_link_model_observed(
    graph: &Graph,
    split: &LinkSplit,
    config: &LinkTrainingConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&LinkEpochRecord),
) -> Result<(LinkModel, LinkTrainingReport)> {
    config.check()?;
    split.check()?;
    let config = &config.resolved(split.num_nodes);
    let training = split.training_graph(graph)?;
    let kind = config.model.encoder.node_kind();
    let features = if config.model.embedding.is_some() {
        // Unused: the embedding table is the input.
        NodeFeatures::Dense(Box::new(Tensor::zeros([1, 1], device)))
    } else {
        let features = NodeFeatures::from_graph(&training, config.row_normalize, device)?;
        match kind {
            NodeModelKind::Sgc | NodeModelKind::Cheb => features.densified(device),
            _ => features,
        }
    };
    let propagation = node_propagation(kind, &training)?;
    let lookup = EdgeLookup::new(split.num_nodes, &split.train, split.undirected)?;
    let mut model = config
        .model
        .init(features.width(), split.num_nodes, config.seed, device)?;
    let mut adam = AdamConfig::new().with_epsilon(1e-8);
    if config.optimizer.weight_decay > 0.0 {
        adam = adam.with_weight_decay(Some(WeightDecayConfig::new(
            config.optimizer.weight_decay as f32,
        )));
    }
    if let Some(clip) = config.gradient_clip {
        adam = adam.with_grad_clipping(Some(GradientClippingConfig::Norm(clip)));
    }
    let mut optimizer = adam.init();
    let evaluation = Evaluation {
        propagation: &propagation,
        features: &features,
        hits_k: config.hits_k,
        device,
    };

    let reconstruction = (config.negatives == NegativeSampler::All)
        .then(|| dense_target(&lookup))
        .transpose()?;
    let mut positives = split.train.clone();
    let batch = config.batch_size.unwrap_or(positives.len()).max(1);
    let mut history = Vec::with_capacity(config.epochs);
    let mut best: Option<(f64, usize, LinkModel)> = None;
    let mut evaluations_since_best = 0;
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        let epoch_seed = derive_seed(config.seed, 1000 + epoch as u64);
        if config.batch_size.is_some() {
            seeded_shuffle(&mut positives, epoch_seed);
        }
        let mut losses = Vec::new();
        for (step, chunk) in positives.chunks(batch).enumerate() {
            let step_seed = derive_seed(epoch_seed, step as u64);
            let encoded = model.encode(&propagation, &features, Some(step_seed))?;
            let mut loss = match &reconstruction {
                Some(target) => dense_reconstruction_loss(encoded.z.clone(), target),
                None => {
                    let negatives = draw_negatives(&lookup, chunk, config, step_seed)?;
                    sampled_loss(&model, &encoded.z, chunk, &negatives, step_seed, device)?
                }
            };
            if let Some(kl) = encoded.kl {
                loss = loss + kl / split.num_nodes as f64;
            }
            let value = scalar(loss.clone());
            if !value.is_finite() {
                return Err(NnError::Diverged {
                    epoch,
                    what: "training loss".into(),
                });
            }
            losses.push(value);
            let gradients = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(config.optimizer.learning_rate, model, gradients);
        }
        let step_ms = start.elapsed().as_secs_f64() * 1e3;

        let validation = (epoch % config.eval_every == 0 || epoch == config.epochs)
            .then(|| evaluation.scores(&model.valid(), &split.validation))
            .transpose()?
            .map(|(scores, _, _)| scores);
        let record = LinkEpochRecord {
            epoch,
            loss: losses.iter().sum::<f64>() / losses.len().max(1) as f64,
            validation,
            step_ms,
        };
        on_epoch(&record);
        history.push(record);
        if let Some(scores) = validation {
            let figure = scores.get(config.selection);
            let figure = if figure.is_nan() {
                f64::NEG_INFINITY
            } else {
                figure
            };
            if best.as_ref().is_none_or(|(value, _, _)| figure > *value) {
                best = Some((figure, epoch, model.clone()));
                evaluations_since_best = 0;
            } else {
                evaluations_since_best += 1;
                if config.patience > 0 && evaluations_since_best >= config.patience {
                    break;
                }
            }
        }
    }
    let (_, best_epoch, model) = best.ok_or_else(|| NnError::Empty("evaluated epochs".into()))?;
    let kept = model.valid();
    let (validation, _, _) = evaluation.scores(&kept, &split.validation)?;
    let (test, positive, negative) = evaluation.scores(&kept, &split.test)?;
    let degrees: Vec<usize> = (0..split.num_nodes).map(|n| lookup.degree(n)).collect();
    let auc_by_degree = auc_by_degree(
        &degrees,
        (&split.test.positive, &positive),
        (&split.test.negative, &negative),
    );
    let probability = |scores: Vec<f32>| -> Vec<f32> {
        scores
            .into_iter()
            .map(|s| 1.0 / (1.0 + (-s).exp()))
            .collect()
    };
    let report = LinkTrainingReport {
        epochs_run: history.len(),
        history,
        best_epoch,
        validation,
        test,
        test_positive_scores: probability(positive),
        test_negative_scores: probability(negative),
        auc_by_degree,
    };
    Ok((model, report))
}

/// Binary cross-entropy of one step's positives against its negatives (each side averaged).
fn sampled_loss(
    model: &LinkModel,
    z: &Tensor<2>,
    positives: &[(u32, u32)],
    negatives: &[(u32, u32)],
    seed: u64,
    device: &Device,
) -> Result<Tensor<1>> {
    let decoder_seed = derive_seed(seed, 7);
    let positive = model.decode(
        z,
        endpoint_index(positives, true, device),
        endpoint_index(positives, false, device),
        Some(decoder_seed),
    )?;
    let negative = model.decode(
        z,
        endpoint_index(negatives, true, device),
        endpoint_index(negatives, false, device),
        Some(derive_seed(decoder_seed, 1)),
    )?;
    Ok(-log_sigmoid(positive).mean() - log_sigmoid(-negative).mean())
}

/// Kipf & Welling's weighted reconstruction of the whole training adjacency (with self-loops),
/// refused beyond [`MAX_DENSE_RECONSTRUCTION_NODES`].
fn dense_target(lookup: &EdgeLookup) -> Result<Arc<ReconstructionTarget>> {
    let n = lookup.num_nodes();
    if n > MAX_DENSE_RECONSTRUCTION_NODES {
        return Err(NnError::InvalidOption {
            option: "negatives",
            reason: format!(
                "all pairs (the dense reconstruction) scores {n} × {n} pairs every step; it takes graphs of at most {MAX_DENSE_RECONSTRUCTION_NODES} nodes: sample negatives instead"
            ),
        });
    }
    Ok(Arc::new(ReconstructionTarget::new(n, |node| {
        lookup.neighbours(node)
    })))
}

/// The training negatives of one step.
fn draw_negatives(
    lookup: &EdgeLookup,
    positives: &[(u32, u32)],
    config: &LinkTrainingConfig,
    seed: u64,
) -> Result<Vec<(u32, u32)>> {
    let count = positives.len() * config.negatives_per_positive;
    let negatives = match config.negatives {
        NegativeSampler::Uniform | NegativeSampler::Auto => uniform_negatives(lookup, count, seed),
        NegativeSampler::All => Ok(Vec::new()),
        NegativeSampler::PerSource => {
            let repeated: Vec<(u32, u32)> = positives.iter().copied().cycle().take(count).collect();
            per_source_negatives(lookup, &repeated, seed)
        }
    };
    negatives.map_err(|error| NnError::InvalidOption {
        option: "negative sampling",
        reason: error.to_string(),
    })
}

/// What scoring a set of pairs needs.
struct Evaluation<'a> {
    propagation: &'a NodePropagation,
    features: &'a NodeFeatures,
    hits_k: usize,
    device: &'a Device,
}

impl Evaluation<'_> {
    /// The figures of `pairs` and the raw scores of its positives and negatives.
    fn scores(
        &self,
        model: &LinkModel,
        pairs: &cinder_graph::LabeledPairs,
    ) -> Result<(LinkScores, Vec<f32>, Vec<f32>)> {
        let z = model.encode(self.propagation, self.features, None)?.z;
        let positive = self.score(model, &z, &pairs.positive)?;
        let negative = self.score(model, &z, &pairs.negative)?;
        Ok((
            LinkScores::of(&positive, &negative, self.hits_k),
            positive,
            negative,
        ))
    }

    fn score(&self, model: &LinkModel, z: &Tensor<2>, pairs: &[(u32, u32)]) -> Result<Vec<f32>> {
        let mut scores = Vec::with_capacity(pairs.len());
        for chunk in pairs.chunks(EVALUATION_CHUNK) {
            let logits = model.decode(
                z,
                endpoint_index(chunk, true, self.device),
                endpoint_index(chunk, false, self.device),
                None,
            )?;
            let values = logits
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| NnError::Empty(format!("link scores ({e:?})")))?;
            scores.extend(values);
        }
        Ok(scores)
    }
}
