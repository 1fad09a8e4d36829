//! GNNExplainer (Ying et al., NeurIPS 2019) for node and graph classification.
//!
//! For one prediction, learn a soft mask `σ(θ_e)` over the edges (messages) of its computation
//! subgraph and `σ(θ_f)` over the node-feature columns, the model frozen:
//!
//! `L = CE(f(X ⊙ σ(θ_f), S ∘ σ(θ_e))[t], ŷ_t) + α_e Σ σ(θ_e) + β_e mean H(σ(θ_e))
//!      + α_f mean σ(θ_f) + β_f mean H(σ(θ_f))`,
//!
//! with `ŷ_t` the model's own prediction and `H(p) = −p log p − (1 − p) log(1 − p)`. Defaults are
//! PyG's (`torch_geometric.explain.algorithm.GNNExplainer`): `α_e = 0.005` (sum),
//! `β_e = 1.0`, `α_f = 1.0` (mean), `β_f = 0.1`; 100 epochs of Adam, learning rate 0.01;
//! `θ_e ~ N(0, √2 · √(1/N))` (PyG's ReLU-gain init, `N` nodes, so every mask starts near
//! 0.5), `θ_f ~ N(0, 0.1)`.
//!
//! The mask multiplies each message *after* the model's normalization, and self-loops are not
//! masked — exactly as PyG's `MessagePassing` applies an explainer's edge mask (`gcn_norm` is
//! computed from the unmasked graph). The model runs on an operator carrying the mask as
//! multipliers ([`SparseOperator::with_multipliers`]), so any model built on
//! [`crate::ops::propagate`] can be explained: pass its forward pass as a closure
//! `(operator, features) → logits`.
//!
//! A node's prediction depends only on its `hops`-hop in-neighbourhood; the explainer runs the
//! model on that sub-operator (values kept from the whole graph, so the prediction is the same)
//! and masks the messages into nodes within `hops − 1` hops — the edges whose mask can matter.

use burn::tensor::activation::sigmoid;
use burn::tensor::{Int, Tensor, TensorData};

use crate::error::{NnError, Result};
use crate::init::{derive_seed, mix};
use crate::loss::{Reduction, cross_entropy, one_hot};
use crate::metrics::argmax_rows;
use crate::ops::operator::SparseOperator;

/// GNNExplainer's coefficients and optimization (PyG's defaults).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ExplainerConfig {
    /// Adam epochs. Default 100.
    pub epochs: usize,
    /// Adam learning rate. Default 0.01.
    pub learning_rate: f64,
    /// Weight of the summed edge mask. Default 0.005.
    pub edge_size: f64,
    /// Weight of the mean edge-mask entropy. Default 1.0.
    pub edge_entropy: f64,
    /// Weight of the mean feature mask. Default 1.0.
    pub feature_size: f64,
    /// Weight of the mean feature-mask entropy. Default 0.1.
    pub feature_entropy: f64,
    /// Learn a feature-column mask too. Default true.
    pub feature_mask: bool,
    /// Mean of the edge-mask parameters' normal initialization: 0 (PyG, masks start at 0.5) or
    /// 1 (the GNNExplainer paper's code, masks start at 0.73). Default 0.
    pub edge_mask_init: f32,
    /// One mask value per undirected edge: the messages `i → j` and `j → i` share it (as the
    /// GNNExplainer paper's symmetric mask). Default true; false masks each message separately
    /// (PyG's `edge_mask_type='object'`).
    pub undirected: bool,
    /// What the edge entropy is averaged over. Default [`EntropyMean::Edges`] (PyG).
    pub entropy_mean: EntropyMean,
    /// Seed of the mask initialization.
    pub seed: u64,
}

/// What the edge-mask entropy term is averaged over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntropyMean {
    /// The masked edges (PyG: `edge_mask` holds one value per edge).
    #[default]
    Edges,
    /// Every ordered node pair of the computation subgraph, `n²` entries of which the edges
    /// are a few: the GNNExplainer authors' code, whose mask is a dense `n × n` matrix (an
    /// undirected edge is two of its entries). The same coefficient then weighs each edge's
    /// entropy about `|E| / n²` as much as under [`EntropyMean::Edges`].
    NodePairs,
}

impl Default for ExplainerConfig {
    fn default() -> Self {
        Self {
            epochs: 100,
            learning_rate: 0.01,
            edge_size: 0.005,
            edge_entropy: 1.0,
            feature_size: 1.0,
            feature_entropy: 0.1,
            feature_mask: true,
            undirected: true,
            edge_mask_init: 0.0,
            entropy_mean: EntropyMean::Edges,
            seed: 0,
        }
    }
}

/// What is explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplanationTarget {
    /// Node `node`'s prediction from a model with `hops` message-passing layers.
    Node {
        /// The node.
        node: usize,
        /// Layers of the model (its receptive field).
        hops: usize,
    },
    /// The prediction for the whole graph (row 0 of the logits, one graph).
    Graph,
}

/// One explained prediction.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// The model's class for the target (what was explained).
    pub predicted_class: usize,
    /// Its probability under the unmasked model.
    pub probability: f64,
    /// The masked edges as `(source, target)` in the whole graph's node ids: one per undirected
    /// edge with [`ExplainerConfig::undirected`] (either direction), else one per message.
    pub edges: Vec<(usize, usize)>,
    /// `σ(θ_e)` per edge in `edges`.
    pub edge_mask: Vec<f32>,
    /// `σ(θ_f)` per feature column (empty without a feature mask).
    pub feature_mask: Vec<f32>,
    /// The objective at each epoch.
    pub loss: Vec<f64>,
    /// Nodes of the computation subgraph (whole-graph ids; the target node first).
    pub nodes: Vec<usize>,
    /// The messages of each edge of `edges`, as stored entries of the operator explained.
    #[serde(skip)]
    pub(crate) entries: Vec<Vec<usize>>,
}

/// The computation subgraph of a target: its nodes (target first), the restricted operator,
/// the restricted features, and which sub-operator entries are masked (with their entry index in
/// the whole operator).
struct Problem {
    nodes: Vec<usize>,
    operator: SparseOperator,
    features: Tensor<2>,
    /// `(sub-operator entry, whole-operator entry)` of each masked message.
    masked: Vec<(usize, usize)>,
    /// Logit row of the target in the sub-problem.
    row: usize,
}

fn problem(
    operator: &SparseOperator,
    features: &Tensor<2>,
    target: ExplanationTarget,
) -> Result<Problem> {
    let (rows, columns) = operator.shape();
    let [feature_rows, _] = features.dims();
    if rows != columns || feature_rows != columns {
        return Err(NnError::ShapeMismatch {
            what: "explained operator (square, one row per feature row)".into(),
            expected: feature_rows,
            actual: rows,
        });
    }
    match target {
        ExplanationTarget::Graph => {
            let masked = operator
                .coordinates()
                .into_iter()
                .enumerate()
                .filter(|(_, (i, j))| i != j)
                .map(|(k, _)| (k, k))
                .collect();
            Ok(Problem {
                nodes: (0..rows).collect(),
                operator: operator.unscaled(),
                features: features.clone(),
                masked,
                row: 0,
            })
        }
        ExplanationTarget::Node { node, hops } => {
            if node >= rows {
                return Err(NnError::InvalidOption {
                    option: "node",
                    reason: format!("node {node} is not below the node count {rows}"),
                });
            }
            if hops == 0 {
                return Err(NnError::InvalidOption {
                    option: "hops",
                    reason: "a model without message passing has no edges to explain".into(),
                });
            }
            let csr = &operator.forward;
            // Breadth-first over incoming messages (row → its columns).
            let mut distance = vec![usize::MAX; rows];
            distance[node] = 0;
            let mut nodes = vec![node];
            let mut frontier = vec![node];
            for hop in 1..=hops {
                let mut next = Vec::new();
                for &i in &frontier {
                    for k in csr.indptr[i]..csr.indptr[i + 1] {
                        let j = csr.indices[k] as usize;
                        if distance[j] == usize::MAX {
                            distance[j] = hop;
                            next.push(j);
                        }
                    }
                }
                nodes.extend_from_slice(&next);
                frontier = next;
            }
            let (sub, origin) = operator.restricted(&nodes);
            let masked = sub
                .coordinates()
                .into_iter()
                .enumerate()
                .filter(|&(_, (i, j))| i != j && distance[nodes[i]] < hops)
                .map(|(k, _)| (k, origin[k]))
                .collect();
            let index = Tensor::<1, Int>::from_data(
                TensorData::new(
                    nodes.iter().map(|&n| n as i64).collect::<Vec<_>>(),
                    [nodes.len()],
                ),
                &features.device(),
            );
            Ok(Problem {
                features: features.clone().select(0, index),
                operator: sub,
                nodes,
                masked,
                row: 0,
            })
        }
    }
}

/// Standard normal numbers from a seed (Box–Muller on SplitMix64).
fn normals(count: usize, seed: u64) -> Vec<f32> {
    (0..count)
        .map(|i| {
            let u1 =
                ((mix(seed.wrapping_add(2 * i as u64)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            let u2 = (mix(seed.wrapping_add(2 * i as u64 + 1)) >> 11) as f64 / (1u64 << 53) as f64;
            ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
        })
        .collect()
}

/// Adam on host vectors (β = 0.9, 0.999; ε = 1e-8), as `torch.optim.Adam`.
struct Adam {
    first: Vec<f64>,
    second: Vec<f64>,
    step: i32,
}

impl Adam {
    fn new(len: usize) -> Self {
        Self {
            first: vec![0.0; len],
            second: vec![0.0; len],
            step: 0,
        }
    }

    fn update(&mut self, parameters: &mut [f32], gradient: &[f32], learning_rate: f64) {
        self.step += 1;
        let (b1, b2) = (0.9f64, 0.999f64);
        let correction1 = 1.0 - b1.powi(self.step);
        let correction2 = 1.0 - b2.powi(self.step);
        for (k, parameter) in parameters.iter_mut().enumerate() {
            let g = f64::from(gradient.get(k).copied().unwrap_or(0.0));
            self.first[k] = b1 * self.first[k] + (1.0 - b1) * g;
            self.second[k] = b2 * self.second[k] + (1.0 - b2) * g * g;
            let denominator = (self.second[k] / correction2).sqrt() + 1e-8;
            *parameter -= (learning_rate * (self.first[k] / correction1) / denominator) as f32;
        }
    }
}

fn entropy(p: Tensor<1>) -> Tensor<1> {
    let eps = 1e-15;
    -(p.clone() * (p.clone() + eps).log()) - (-p.clone() + 1.0) * ((-p + 1.0) + eps).log()
}

fn host(tensor: Tensor<1>) -> Result<Vec<f32>> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| NnError::Empty(format!("explainer tensor ({e:?})")))
}

/// Groups the masked messages into mask parameters: by unordered node pair when `undirected`.
fn parameter_groups(problem: &Problem, undirected: bool) -> Vec<Vec<usize>> {
    let coordinates = problem.operator.coordinates();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_pair = std::collections::HashMap::new();
    for (m, &(entry, _)) in problem.masked.iter().enumerate() {
        let (i, j) = coordinates[entry];
        if undirected {
            let slot = *by_pair.entry((i.min(j), i.max(j))).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[slot].push(m);
        } else {
            groups.push(vec![m]);
        }
    }
    groups
}

/// The operator's multipliers: `values[g]` on the messages of group `g`, 1 elsewhere.
fn multipliers(problem: &Problem, groups: &[Vec<usize>], values: Tensor<1>) -> Tensor<1> {
    let device = values.device();
    let nnz = problem.operator.nnz();
    let mut index = vec![groups.len() as i64; nnz];
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            index[problem.masked[m].0] = g as i64;
        }
    }
    let extended = Tensor::cat(vec![values, Tensor::<1>::ones([1], &device)], 0);
    extended.select(
        0,
        Tensor::<1, Int>::from_data(TensorData::new(index, [nnz]), &device),
    )
}

/// Explains `model`'s prediction for `target`. `model(operator, features)` must return the
/// logits (`rows x classes`) and may only read the graph through `operator` (which carries the
/// mask); `features` are the node features on an autodiff device. The model stays frozen: only
/// the masks are optimized.
pub fn explain<F>(
    model: F,
    operator: &SparseOperator,
    features: &Tensor<2>,
    target: ExplanationTarget,
    config: &ExplainerConfig,
) -> Result<Explanation>
where
    F: Fn(&SparseOperator, Tensor<2>) -> Result<Tensor<2>>,
{
    if config.epochs == 0 || !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return Err(NnError::InvalidOption {
            option: "explainer epochs / learning rate",
            reason: format!(
                "{} epochs at learning rate {} cannot train a mask",
                config.epochs, config.learning_rate
            ),
        });
    }
    let problem = problem(operator, features, target)?;
    let device = problem.features.device();
    let [_, width] = problem.features.dims();

    // The prediction to explain: the unmasked model's class at the target.
    let logits = model(&problem.operator, problem.features.clone())?.detach();
    let [_, classes] = logits.dims();
    let row = host(logits.clone().narrow(0, problem.row, 1).reshape([classes]))?;
    let predicted_class = argmax_rows(&row, classes)[0];
    let probabilities = host(burn::tensor::activation::softmax(
        logits.narrow(0, problem.row, 1).reshape([classes]),
        0,
    ))?;
    let probability = f64::from(probabilities[predicted_class]);
    let target = one_hot(&[predicted_class], classes, &device);

    let nodes_total = operator.shape().0.max(1);
    let std = std::f64::consts::SQRT_2 * (1.0 / nodes_total as f64).sqrt();
    let groups = parameter_groups(&problem, config.undirected);
    let mut edge_parameters: Vec<f32> = normals(groups.len(), derive_seed(config.seed, 1))
        .into_iter()
        .map(|z| config.edge_mask_init + (std as f32) * z)
        .collect();
    let mut feature_parameters: Vec<f32> = if config.feature_mask {
        normals(width, derive_seed(config.seed, 2))
            .into_iter()
            .map(|z| 0.1 * z)
            .collect()
    } else {
        Vec::new()
    };
    let mut edge_adam = Adam::new(edge_parameters.len());
    let mut feature_adam = Adam::new(feature_parameters.len());
    let mut losses = Vec::with_capacity(config.epochs);
    let edges = edge_parameters.len();
    for _ in 0..config.epochs {
        let theta_e =
            Tensor::<1>::from_data(TensorData::new(edge_parameters.clone(), [edges]), &device)
                .require_grad();
        let edge_mask = sigmoid(theta_e.clone());
        let masked_operator =
            problem
                .operator
                .with_multipliers(multipliers(&problem, &groups, edge_mask.clone()))?;
        let (x, theta_f) = if config.feature_mask {
            let theta_f = Tensor::<1>::from_data(
                TensorData::new(feature_parameters.clone(), [width]),
                &device,
            )
            .require_grad();
            let mask = sigmoid(theta_f.clone()).unsqueeze_dim::<2>(0);
            (problem.features.clone() * mask, Some(theta_f))
        } else {
            (problem.features.clone(), None)
        };
        let logits = model(&masked_operator, x)?;
        let row = logits.narrow(0, problem.row, 1);
        let mut loss = cross_entropy(row, target.clone(), Reduction::Sum);
        if edges > 0 {
            let entropy = match config.entropy_mean {
                EntropyMean::Edges => entropy(edge_mask.clone()).mean() * config.edge_entropy,
                EntropyMean::NodePairs => {
                    let entries = if config.undirected { 2.0 } else { 1.0 };
                    let pairs = (problem.nodes.len() as f64).powi(2);
                    entropy(edge_mask.clone()).sum() * (config.edge_entropy * entries / pairs)
                }
            };
            loss = loss + edge_mask.sum() * config.edge_size + entropy;
        }
        if let Some(theta_f) = &theta_f {
            let feature_mask = sigmoid(theta_f.clone());
            loss = loss
                + feature_mask.clone().mean() * config.feature_size
                + entropy(feature_mask).mean() * config.feature_entropy;
        }
        let value = f64::from(host(loss.clone())?[0]);
        if !value.is_finite() {
            return Err(NnError::Diverged {
                epoch: losses.len() + 1,
                what: "explainer objective".into(),
            });
        }
        losses.push(value);
        let gradients = loss.backward();
        if edges > 0
            && let Some(gradient) = theta_e.grad(&gradients)
        {
            let gradient = gradient.into_data().try_to_vec::<f32>().unwrap_or_default();
            edge_adam.update(&mut edge_parameters, &gradient, config.learning_rate);
        }
        if let Some(theta_f) = theta_f
            && let Some(gradient) = theta_f.grad(&gradients)
        {
            let gradient = gradient.into_data().try_to_vec::<f32>().unwrap_or_default();
            feature_adam.update(&mut feature_parameters, &gradient, config.learning_rate);
        }
    }
    let sigmoid_host = |v: &f32| 1.0 / (1.0 + (-v).exp());
    let coordinates = problem.operator.coordinates();
    Ok(Explanation {
        predicted_class,
        probability,
        edges: groups
            .iter()
            .map(|members| {
                let (i, j) = coordinates[problem.masked[members[0]].0];
                (problem.nodes[j], problem.nodes[i])
            })
            .collect(),
        edge_mask: edge_parameters.iter().map(sigmoid_host).collect(),
        feature_mask: feature_parameters.iter().map(sigmoid_host).collect(),
        loss: losses,
        nodes: problem.nodes.clone(),
        entries: groups
            .iter()
            .map(|members| members.iter().map(|&m| problem.masked[m].1).collect())
            .collect(),
    })
}
