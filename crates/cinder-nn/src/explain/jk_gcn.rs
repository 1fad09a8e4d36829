//! The GCN of GNNExplainer's synthetic experiments (Ying et al. 2019): `L` graph convolutions
//! (ReLU after each) whose outputs are all concatenated ("jumping knowledge", Xu et al. 2018) and
//! classified by one linear layer:
//!
//! `H⁽ˡ⁾ = ReLU(Ŝ H⁽ˡ⁻¹⁾ Θ⁽ˡ⁾ + b⁽ˡ⁾)`, `logits = [H⁽¹⁾ ‖ … ‖ H⁽ᴸ⁾] W + c`.
//!
//! A node's class in BA-Shapes / Tree-Cycles is decided by structure `L` hops deep, which a
//! two-layer GCN cannot see; three layers with concatenation reach the paper's accuracy.
//! Trained full-batch with Adam and an L2 penalty on every weight.

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{Graph, seeded_shuffle};
use serde::{Deserialize, Serialize};

use crate::conv::gcn::{GcnConv, GcnConvConfig};
use crate::error::{NnError, Result};
use crate::init::derive_seed;
use crate::init::seeded_linear;
use crate::loss::{Reduction, cross_entropy};
use crate::metrics::{accuracy, argmax_rows};
use crate::ops::operator::SparseOperator;

/// GCN layers with concatenated outputs and a linear classifier.
#[derive(Module, Debug)]
pub struct JkGcn {
    /// The graph convolutions.
    pub convs: Vec<GcnConv>,
    /// Linear classifier of the concatenated layer outputs.
    pub head: Linear,
    /// Scale each node's embedding to unit L2 norm after every layer.
    pub embedding_normalization: bool,
    /// Classify the concatenation of every layer's output (else the last layer's only).
    pub jumping_knowledge: bool,
}

/// Architecture and training of a [`JkGcn`] (defaults: the GNNExplainer experiments' 3 × 20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JkGcnTraining {
    /// Graph convolutions. Default 3.
    pub layers: usize,
    /// Units per layer. Default 20.
    pub hidden: usize,
    /// Adam learning rate. Default 0.01.
    pub learning_rate: f64,
    /// L2 penalty `λ/2 · ‖θ‖²` on every weight. Default 0 (a penalty held the sums' models
    /// below 90% train accuracy on Tree-Cycles).
    pub weight_decay: f64,
    /// Full-batch epochs. Default 1000.
    pub epochs: usize,
    /// Clip each gradient tensor to this L2 norm (0: no clipping, the default).
    pub gradient_clip: f32,
    /// Independent initializations; the run with the lowest final training objective is kept
    /// (a sum-aggregating GCN on constant inputs sometimes stalls in a poor minimum from one
    /// initialization). Default 3.
    pub restarts: usize,
    /// Share of the nodes trained on (the rest are test nodes), drawn per class. Default 0.8.
    pub train_fraction: f64,
    /// Symmetric GCN normalization `D^-1/2 (A + I) D^-1/2`; without it the layers sum
    /// `(A + I) H` as the GNNExplainer code's GCN does.
    /// Default false: the sums carry the degrees that decide a node's role when every input
    /// feature is the same.
    pub normalize: bool,
    /// Add each node's own row (`A + I`). Default true. The GNNExplainer code's concatenating
    /// GCN sums the neighbours only (`add_self = not concat`).
    pub self_loops: bool,
    /// Scale every embedding to unit L2 norm (the GNNExplainer code's `normalize_embedding`).
    /// Default true.
    pub embedding_normalization: bool,
    /// Concatenate every layer's output before the classifier. Default true.
    pub jumping_knowledge: bool,
    /// Seed of the initialization and of the split.
    pub seed: u64,
}

impl Default for JkGcnTraining {
    fn default() -> Self {
        Self {
            layers: 3,
            hidden: 20,
            learning_rate: 0.01,
            weight_decay: 0.0,
            epochs: 1000,
            train_fraction: 0.8,
            restarts: 3,
            gradient_clip: 0.0,
            normalize: false,
            self_loops: true,
            embedding_normalization: true,
            jumping_knowledge: true,
            seed: 0,
        }
    }
}

/// A trained [`JkGcn`] with its operator, input features and accuracies.
#[derive(Debug, Clone)]
pub struct TrainedJkGcn {
    /// The model (on the autodiff device it was trained on).
    pub model: JkGcn,
    /// The GCN operator of the graph.
    pub operator: SparseOperator,
    /// The graph's input features (`nodes x width`).
    pub features: Tensor<2>,
    /// Train nodes.
    pub train: Vec<usize>,
    /// Test nodes.
    pub test: Vec<usize>,
    /// Prediction for every node.
    pub predictions: Vec<usize>,
    /// Accuracy on the train nodes.
    pub train_accuracy: f64,
    /// Accuracy on the test nodes.
    pub test_accuracy: f64,
}

impl JkGcn {
    /// Class logits (`nodes x classes`) on `operator` (which may carry an edge mask) and `x`.
    pub fn forward(&self, operator: &SparseOperator, x: Tensor<2>) -> Result<Tensor<2>> {
        let mut hidden = x;
        let mut outputs = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            hidden = relu(conv.forward(operator, hidden)?);
            if self.embedding_normalization {
                let norm = (hidden.clone() * hidden.clone()).sum_dim(1).sqrt() + 1e-12;
                hidden = hidden / norm;
            }
            outputs.push(hidden.clone());
        }
        if !self.jumping_knowledge {
            return Ok(self.head.forward(hidden));
        }
        Ok(self.head.forward(Tensor::cat(outputs, 1)))
    }

    /// An untrained model of `config`'s architecture for inputs of `width` columns and
    /// `classes` classes, initialized from `seed` (a checkpoint is loaded into it).
    pub fn new(
        config: &JkGcnTraining,
        width: usize,
        classes: usize,
        seed: u64,
        device: &Device,
    ) -> Self {
        Self {
            convs: (0..config.layers)
                .map(|layer| {
                    let inputs = if layer == 0 { width } else { config.hidden };
                    GcnConvConfig::new(inputs, config.hidden)
                        .with_seed(derive_seed(seed, layer as u64 + 1))
                        .init(device)
                })
                .collect(),
            head: seeded_linear(
                if config.jumping_knowledge {
                    config.hidden * config.layers
                } else {
                    config.hidden
                },
                classes,
                true,
                derive_seed(seed, 99),
                device,
            ),
            embedding_normalization: config.embedding_normalization,
            jumping_knowledge: config.jumping_knowledge,
        }
    }

    /// Number of graph convolutions (the hops a prediction depends on).
    pub fn hops(&self) -> usize {
        self.convs.len()
    }
}

/// Trains a [`JkGcn`] on a graph with node labels and features, on `device` (an autodiff
/// device). The split is stratified: `train_fraction` of each class trains.
pub fn train_jk_gcn(
    graph: &Graph,
    config: &JkGcnTraining,
    device: &Device,
) -> Result<TrainedJkGcn> {
    check(config)?;
    let inputs = JkGcnInputs::new(graph, config, device)?;
    let (labels, classes, width, nodes) =
        (inputs.labels, inputs.classes, inputs.width, inputs.nodes);
    let (operator, x) = (inputs.operator, inputs.features);

    let (train, test) = stratified_split(labels, classes, config.train_fraction, config.seed);
    let mut target = vec![0.0f32; nodes * classes];
    for &node in &train {
        target[node * classes + labels[node]] = 1.0 / train.len() as f32;
    }
    let target = Tensor::<2>::from_data(TensorData::new(target, [nodes, classes]), device);

    let mut best: Option<(f32, JkGcn)> = None;
    for restart in 0..config.restarts.max(1) {
        let seed = if restart == 0 {
            config.seed
        } else {
            derive_seed(config.seed, 500 + restart as u64)
        };
        let (model, loss) =
            train_once(config, seed, width, classes, &operator, &x, &target, device)?;
        if best.as_ref().is_none_or(|(best_loss, _)| loss < *best_loss) {
            best = Some((loss, model));
        }
    }
    let Some((_, model)) = best else {
        return Err(NnError::Empty("training runs".into()));
    };
    evaluated(model, operator, x, labels, train, test)
}

/// Rejects a configuration that cannot train (or whose split cannot be drawn).
fn check(config: &JkGcnTraining) -> Result<()> {
    if config.layers == 0 || config.hidden == 0 || config.epochs == 0 {
        return Err(NnError::InvalidOption {
            option: "layers/hidden/epochs",
            reason: "must be positive".into(),
        });
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return Err(NnError::InvalidOption {
            option: "learning_rate",
            reason: format!("{} is not a positive number", config.learning_rate),
        });
    }
    if !(config.train_fraction > 0.0 && config.train_fraction < 1.0) {
        return Err(NnError::InvalidOption {
            option: "train_fraction",
            reason: format!("{} is not in (0, 1)", config.train_fraction),
        });
    }
    Ok(())
}

/// A trained model's predictions and accuracies on its split.
fn evaluated(
    model: JkGcn,
    operator: SparseOperator,
    x: Tensor<2>,
    labels: &[usize],
    train: Vec<usize>,
    test: Vec<usize>,
) -> Result<TrainedJkGcn> {
    let predictions = predict(&model, &operator, x.clone())?;
    Ok(TrainedJkGcn {
        train_accuracy: accuracy(&predictions, labels, &train),
        test_accuracy: accuracy(&predictions, labels, &test),
        model,
        operator,
        features: x,
        train,
        test,
        predictions,
    })
}

/// What a [`JkGcn`] reads of a graph: labels, the operator of `config` and the features.
struct JkGcnInputs<'a> {
    labels: &'a [usize],
    classes: usize,
    width: usize,
    nodes: usize,
    operator: SparseOperator,
    features: Tensor<2>,
}

impl<'a> JkGcnInputs<'a> {
    fn new(graph: &'a Graph, config: &JkGcnTraining, device: &Device) -> Result<Self> {
        let labels = graph
            .node_labels()
            .ok_or_else(|| NnError::Empty("node labels of the graph to train on".into()))?;
        let classes = labels.iter().max().map_or(0, |m| m + 1);
        let features = graph.features_or_identity().to_dense();
        let width = features.columns();
        let nodes = graph.num_nodes();
        let values = features.values().to_vec();
        let features = Tensor::<2>::from_data(TensorData::new(values, [nodes, width]), device);
        let operator = GcnConvConfig::new(1, 1)
            .with_normalize(config.normalize)
            .with_add_self_loops(config.self_loops)
            .init(device)
            .operator(graph)?;
        Ok(Self {
            labels,
            classes,
            width,
            nodes,
            operator,
            features,
        })
    }
}

/// A [`JkGcn`] trained elsewhere (loaded from a checkpoint) on `graph`: its operator and
/// features built with `config` (the configuration it was trained with), its predictions, and
/// its accuracies on the split `config.seed` draws (the split [`train_jk_gcn`] trained on).
/// Fails when the model does not fit the graph (input width or class count).
pub fn evaluate_jk_gcn(
    model: JkGcn,
    graph: &Graph,
    config: &JkGcnTraining,
    device: &Device,
) -> Result<TrainedJkGcn> {
    check(config)?;
    let inputs = JkGcnInputs::new(graph, config, device)?;
    let [expected_width, _] = model.convs.first().map_or([0, 0], |c| c.weight.dims());
    if expected_width != inputs.width {
        return Err(NnError::ShapeMismatch {
            what: "input feature columns of the loaded model".into(),
            expected: expected_width,
            actual: inputs.width,
        });
    }
    let [_, model_classes] = model.head.weight.dims();
    if model_classes != inputs.classes {
        return Err(NnError::ShapeMismatch {
            what: "classes of the loaded model".into(),
            expected: model_classes,
            actual: inputs.classes,
        });
    }
    if model.convs.len() != config.layers {
        return Err(NnError::ShapeMismatch {
            what: "graph convolutions of the loaded model".into(),
            expected: config.layers,
            actual: model.convs.len(),
        });
    }
    let model = model.to_device(device);
    let (train, test) = stratified_split(
        inputs.labels,
        inputs.classes,
        config.train_fraction,
        config.seed,
    );
    evaluated(
        model,
        inputs.operator,
        inputs.features,
        inputs.labels,
        train,
        test,
    )
}

/// One training run from the initialization `seed`: the model and its final objective.
#[allow(clippy::too_many_arguments)]
fn train_once(
    config: &JkGcnTraining,
    seed: u64,
    width: usize,
    classes: usize,
    operator: &SparseOperator,
    x: &Tensor<2>,
    target: &Tensor<2>,
    device: &Device,
) -> Result<(JkGcn, f32)> {
    let mut model = JkGcn::new(config, width, classes, seed, device);
    let mut last_loss = f32::NAN;
    let mut optimizer = AdamConfig::new()
        .with_epsilon(1e-8)
        .with_grad_clipping(
            (config.gradient_clip > 0.0)
                .then_some(GradientClippingConfig::Norm(config.gradient_clip)),
        )
        .init();
    for epoch in 1..=config.epochs {
        let logits = model.forward(operator, x.clone())?;
        let loss = cross_entropy(logits, target.clone(), Reduction::Sum);
        let mut objective = loss.clone();
        if config.weight_decay > 0.0 {
            let mut penalty = Vec::new();
            for conv in &model.convs {
                penalty.push((conv.weight.val() * conv.weight.val()).sum());
            }
            penalty.push((model.head.weight.val() * model.head.weight.val()).sum());
            objective = objective + Tensor::cat(penalty, 0).sum() * (config.weight_decay / 2.0);
        }
        let value = objective
            .clone()
            .into_data()
            .try_to_vec::<f32>()
            .ok()
            .and_then(|v| v.first().copied())
            .unwrap_or(f32::NAN);
        last_loss = value;
        if !value.is_finite() {
            return Err(NnError::Diverged {
                epoch,
                what: "training loss".into(),
            });
        }
        let gradients = GradientsParams::from_grads(objective.backward(), &model);
        model = optimizer.step(config.learning_rate, model, gradients);
    }
    Ok((model, last_loss))
}

/// The model's class for every node.
pub(crate) fn predict(
    model: &JkGcn,
    operator: &SparseOperator,
    x: Tensor<2>,
) -> Result<Vec<usize>> {
    let logits = model.forward(operator, x)?;
    let [_, classes] = logits.dims();
    let values = logits
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| NnError::Empty(format!("logits ({e:?})")))?;
    Ok(argmax_rows(&values, classes))
}

/// Per class, a seeded shuffle of its nodes, the first `fraction` of them to train.
fn stratified_split(
    labels: &[usize],
    classes: usize,
    fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in 0..classes {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&n| labels[n] == class).collect();
        seeded_shuffle(&mut members, derive_seed(seed, 7000 + class as u64));
        let cut = (fraction * members.len() as f64).round() as usize;
        train.extend_from_slice(&members[..cut]);
        test.extend_from_slice(&members[cut..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}
