//! The fused sparse attention op behind [`crate::GatConv`] and [`crate::Gatv2Conv`]:
//!
//! `out[i, h] = Σ_{k: j → i} dropout(α[k, h]) · features[j, h]`, with
//! `α[k, h] = softmax_{k ∈ row i}(LeakyReLU(s_src[j, h] + s_dst[i, h] + s_edge[k, h]))`.
//!
//! Paths, chosen from the tensors:
//! - `Autodiff<Flex>`: a custom autodiff op; forward and backward are row-parallel CSR kernels
//!   ([`crate::ops::kernels::attention`]) that keep `edges x heads` numbers and no
//!   `edges x heads x channels` intermediate. Gradients flow to the features and to all three
//!   score inputs (hence to the attention vectors and edge features through Burn's own ops).
//! - `Flex` without autodiff: the same kernels.
//! - any other backend, or a structure carrying multipliers (an explainer's edge mask): Burn
//!   tensor ops ([`attention_aggregate_generic`]), each message `α · x` multiplied by its
//!   entry's multiplier after the softmax.

use std::sync::Arc;

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{AutodiffBackend, Flex};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, IndexingUpdateOp, Int, Tensor, TensorData};

use crate::error::{NnError, check_size};
use crate::ops::dispatch::{FlexAutodiff, FlexInput, Path, flex_matrix, path};
use crate::ops::kernels::attention::{
    AttentionProblem, attention_backward, attention_coefficients, weighted_aggregation,
};
use crate::ops::kernels::dropout_mask::mask;
use crate::ops::operator::{Csr, SparseOperator};

type Primitive<B> = <B as burn::backend::BackendTypes>::FloatTensorPrimitive;

/// Options of [`attention_aggregate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttentionOptions {
    /// Number of heads `H`; the features have `H · C` columns.
    pub heads: usize,
    /// Slope of the LeakyReLU for negative scores (0.2 in GAT; 1.0 makes it the identity).
    pub negative_slope: f32,
    /// Dropout probability on the attention coefficients (0 in evaluation).
    pub dropout: f32,
    /// Seed of the dropout mask; `None` evaluates (no dropout).
    pub dropout_seed: Option<u64>,
}

/// What [`attention_aggregate`] returns.
#[derive(Debug, Clone)]
pub struct AttentionOutput {
    /// `targets x (heads · channels)`.
    pub output: Tensor<2>,
    /// `α`, `edges x heads` in the structure's CSR order (before dropout). Not tracked for
    /// gradients on Flex.
    pub attention: Tensor<2>,
}

/// The fused attention op. `structure` gives the edges (rows = targets, columns = sources; its
/// values are ignored); `features` is `sources x (heads · channels)`, `source_scores`
/// `sources x heads`, `target_scores` `targets x heads`, `edge_scores` `edges x heads` in CSR
/// order.
pub fn attention_aggregate(
    structure: &SparseOperator,
    features: Tensor<2>,
    source_scores: Tensor<2>,
    target_scores: Tensor<2>,
    edge_scores: Option<Tensor<2>>,
    options: &AttentionOptions,
) -> crate::Result<AttentionOutput> {
    check_shapes(
        structure,
        &features,
        &source_scores,
        &target_scores,
        edge_scores.as_ref(),
        options,
    )?;
    // Multipliers (an explainer's edge mask) take the generic path: the fused kernels have
    // no per-entry scale.
    if structure.multipliers().is_none() {
        let device = features.device();
        match path([&features, &source_scores, &target_scores]) {
            Path::Tracked(inputs) => {
                let edge_scores = match edge_scores.as_ref().map(FlexInput::tracked) {
                    None => None,
                    Some(Some(edge)) => Some(edge),
                    Some(None) => {
                        return Err(NnError::InvalidOption {
                            option: "edge_scores",
                            reason: "must live on the same backend as the features".into(),
                        });
                    }
                };
                let (output, attention) =
                    autodiff_attention(structure, inputs, edge_scores, options);
                return Ok(AttentionOutput {
                    output: Tensor::from_primitive::<FlexAutodiff>(output),
                    attention: Tensor::from_data(attention, &device),
                });
            }
            Path::Plain([features, source_scores, target_scores]) => {
                let edge_scores = edge_scores.as_ref().and_then(FlexInput::plain);
                let forward = flex_forward(
                    structure,
                    [&features, &source_scores, &target_scores],
                    edge_scores.as_ref(),
                    options,
                );
                let attention = forward.attention_data();
                return Ok(AttentionOutput {
                    output: Tensor::from_primitive::<Flex>(forward.output),
                    attention: Tensor::from_data(attention, &device),
                });
            }
            Path::Generic => {}
        }
    }
    Ok(generic_attention(
        structure,
        features,
        source_scores,
        target_scores,
        edge_scores,
        options,
    ))
}

/// The backend-generic path from Burn tensor ops (gather, scatter-add). Public so tests can
/// compare it with the fused op; it materialises `edges x heads x channels` messages.
pub fn attention_aggregate_generic(
    structure: &SparseOperator,
    features: Tensor<2>,
    source_scores: Tensor<2>,
    target_scores: Tensor<2>,
    edge_scores: Option<Tensor<2>>,
    options: &AttentionOptions,
) -> crate::Result<AttentionOutput> {
    check_shapes(
        structure,
        &features,
        &source_scores,
        &target_scores,
        edge_scores.as_ref(),
        options,
    )?;
    Ok(generic_attention(
        structure,
        features,
        source_scores,
        target_scores,
        edge_scores,
        options,
    ))
}

fn check_shapes(
    structure: &SparseOperator,
    features: &Tensor<2>,
    source_scores: &Tensor<2>,
    target_scores: &Tensor<2>,
    edge_scores: Option<&Tensor<2>>,
    options: &AttentionOptions,
) -> crate::Result<()> {
    let (targets, sources) = structure.shape();
    let heads = options.heads;
    if heads == 0 {
        return Err(NnError::InvalidOption {
            option: "heads",
            reason: "must be at least 1".into(),
        });
    }
    if !(0.0..1.0).contains(&options.dropout) {
        return Err(NnError::InvalidOption {
            option: "attention dropout",
            reason: format!("{} is not in [0, 1)", options.dropout),
        });
    }
    if !options.negative_slope.is_finite() {
        return Err(NnError::InvalidOption {
            option: "negative_slope",
            reason: format!("{} is not finite", options.negative_slope),
        });
    }
    let [feature_rows, width] = features.dims();
    check_size(
        "attention: feature rows (= source nodes)",
        sources,
        feature_rows,
    )?;
    if width % heads != 0 {
        return Err(NnError::ShapeMismatch {
            what: format!("attention: feature columns (a multiple of the {heads} heads)"),
            expected: width.next_multiple_of(heads),
            actual: width,
        });
    }
    check_size(
        "attention: source score rows",
        sources,
        source_scores.dims()[0],
    )?;
    check_size(
        "attention: source score columns (heads)",
        heads,
        source_scores.dims()[1],
    )?;
    check_size(
        "attention: target score rows",
        targets,
        target_scores.dims()[0],
    )?;
    check_size(
        "attention: target score columns (heads)",
        heads,
        target_scores.dims()[1],
    )?;
    if let Some(edge) = edge_scores {
        check_size(
            "attention: edge score rows (edges)",
            structure.nnz(),
            edge.dims()[0],
        )?;
        check_size(
            "attention: edge score columns (heads)",
            heads,
            edge.dims()[1],
        )?;
    }
    Ok(())
}

/// The forward results the backward pass needs.
struct FlexForward {
    output: FlexTensor,
    attention: Vec<f32>,
    weights: Option<Vec<f32>>,
    dropout_scale: Option<Vec<f32>>,
    edges: usize,
    heads: usize,
}

impl FlexForward {
    fn attention_data(&self) -> TensorData {
        TensorData::new(self.attention.clone(), [self.edges, self.heads])
    }
}

fn flex_forward(
    structure: &SparseOperator,
    [features, source_scores, target_scores]: [&FlexTensor; 3],
    edge_scores: Option<&FlexTensor>,
    options: &AttentionOptions,
) -> FlexForward {
    let (feature_values, width) = flex_matrix(features);
    let (source_values, _) = flex_matrix(source_scores);
    let (target_values, _) = flex_matrix(target_scores);
    let edge_values = edge_scores.map(|e| flex_matrix(e).0);
    let csr = &structure.forward;
    let problem = AttentionProblem {
        csr,
        features: &feature_values,
        source_scores: &source_values,
        target_scores: &target_values,
        edge_scores: edge_values.as_deref(),
        heads: options.heads,
        channels: width / options.heads,
        negative_slope: options.negative_slope,
    };
    let attention = attention_coefficients(&problem);
    let dropout_scale = match options.dropout_seed {
        Some(seed) if options.dropout > 0.0 => Some(mask(attention.len(), options.dropout, seed)),
        _ => None,
    };
    let weights = dropout_scale.as_ref().map(|scale| {
        attention
            .iter()
            .zip(scale)
            .map(|(a, s)| a * s)
            .collect::<Vec<f32>>()
    });
    let output = weighted_aggregation(&problem, weights.as_deref().unwrap_or(&attention));
    FlexForward {
        output: FlexTensor::from_data(TensorData::new(output, [csr.rows, width])),
        attention,
        weights,
        dropout_scale,
        edges: csr.nnz(),
        heads: options.heads,
    }
}

/// What the backward pass keeps: the inputs (shared buffers), the structure and the forward's
/// per-edge numbers.
#[derive(Debug)]
struct AttentionState {
    forward: Arc<Csr>,
    transpose: Arc<Csr>,
    transpose_source: Arc<Vec<u32>>,
    features: FlexTensor,
    source_scores: FlexTensor,
    target_scores: FlexTensor,
    edge_scores: Option<FlexTensor>,
    attention: Vec<f32>,
    weights: Option<Vec<f32>>,
    dropout_scale: Option<Vec<f32>>,
    heads: usize,
    negative_slope: f32,
}

/// The four gradients as Flex tensors, in input order (features, source, target, edge scores).
fn flex_gradients(state: &AttentionState, output_gradient: FlexTensor) -> [FlexTensor; 4] {
    let (gradient, width) = flex_matrix(&output_gradient);
    let (features, _) = flex_matrix(&state.features);
    let (source_scores, _) = flex_matrix(&state.source_scores);
    let (target_scores, _) = flex_matrix(&state.target_scores);
    let edge_scores = state.edge_scores.as_ref().map(|e| flex_matrix(e).0);
    let problem = AttentionProblem {
        csr: &state.forward,
        features: &features,
        source_scores: &source_scores,
        target_scores: &target_scores,
        edge_scores: edge_scores.as_deref(),
        heads: state.heads,
        channels: width / state.heads,
        negative_slope: state.negative_slope,
    };
    let gradients = attention_backward(
        &problem,
        &state.transpose,
        &state.transpose_source,
        &state.attention,
        state.weights.as_deref().unwrap_or(&state.attention),
        state.dropout_scale.as_deref(),
        &gradient,
    );
    let heads = state.heads;
    let (targets, sources) = (state.forward.rows, state.forward.columns);
    let tensor = |values: Vec<f32>, rows: usize, columns: usize| {
        FlexTensor::from_data(TensorData::new(values, [rows, columns]))
    };
    [
        tensor(gradients.features, sources, width),
        tensor(gradients.source_scores, sources, heads),
        tensor(gradients.target_scores, targets, heads),
        tensor(gradients.edge_scores, state.forward.nnz(), heads),
    ]
}

/// Backward of the fused op with `N` tracked inputs (3 without edge scores, 4 with).
#[derive(Debug)]
struct AttentionBackward<const N: usize>;

fn register<const N: usize>(
    parents: [Option<NodeId>; N],
    node_gradient: FlexTensor,
    state: &AttentionState,
    grads: &mut Gradients,
) {
    if parents.iter().all(Option::is_none) {
        return;
    }
    let gradients = flex_gradients(state, node_gradient);
    for (parent, gradient) in parents.into_iter().zip(gradients) {
        if let Some(id) = parent {
            grads.register::<Flex>(id, gradient);
        }
    }
}

impl Backward<Flex, 3> for AttentionBackward<3> {
    type State = Arc<AttentionState>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let gradient = grads.consume::<Flex>(&ops.node);
        register(
            ops.parents.map(|p| p.map(|n| n.id)),
            gradient,
            &ops.state,
            grads,
        );
    }
}

impl Backward<Flex, 4> for AttentionBackward<4> {
    type State = Arc<AttentionState>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let gradient = grads.consume::<Flex>(&ops.node);
        register(
            ops.parents.map(|p| p.map(|n| n.id)),
            gradient,
            &ops.state,
            grads,
        );
    }
}

fn autodiff_attention(
    structure: &SparseOperator,
    [features, source_scores, target_scores]: [Primitive<FlexAutodiff>; 3],
    edge_scores: Option<Primitive<FlexAutodiff>>,
    options: &AttentionOptions,
) -> (Primitive<FlexAutodiff>, TensorData) {
    let inner = [
        FlexAutodiff::inner(features.clone()),
        FlexAutodiff::inner(source_scores.clone()),
        FlexAutodiff::inner(target_scores.clone()),
    ];
    let inner_edge = edge_scores.clone().map(FlexAutodiff::inner);
    let forward = flex_forward(
        structure,
        [&inner[0], &inner[1], &inner[2]],
        inner_edge.as_ref(),
        options,
    );
    let attention = forward.attention_data();
    let [features_inner, source_inner, target_inner] = inner;
    let state = |forward: FlexForward| {
        Arc::new(AttentionState {
            forward: Arc::clone(&structure.forward),
            transpose: Arc::clone(&structure.backward),
            transpose_source: Arc::clone(&structure.transpose_source),
            features: features_inner,
            source_scores: source_inner,
            target_scores: target_inner,
            edge_scores: inner_edge,
            attention: forward.attention,
            weights: forward.weights,
            dropout_scale: forward.dropout_scale,
            heads: options.heads,
            negative_slope: options.negative_slope,
        })
    };
    let output = forward.output.clone();
    let result = match edge_scores {
        None => match AttentionBackward::<3>
            .prepare::<NoCheckpointing>([
                features.node(),
                source_scores.node(),
                target_scores.node(),
            ])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state(forward), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        },
        Some(edge) => match AttentionBackward::<4>
            .prepare::<NoCheckpointing>([
                features.node(),
                source_scores.node(),
                target_scores.node(),
                edge.node(),
            ])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state(forward), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        },
    };
    (result, attention)
}

fn generic_attention(
    structure: &SparseOperator,
    features: Tensor<2>,
    source_scores: Tensor<2>,
    target_scores: Tensor<2>,
    edge_scores: Option<Tensor<2>>,
    options: &AttentionOptions,
) -> AttentionOutput {
    let device = features.device();
    let csr = &structure.forward;
    let heads = options.heads;
    let [_, width] = features.dims();
    let channels = width / heads;
    let edges = csr.nnz();
    let (targets, sources) = csr_coordinates(csr);
    let target_index =
        Tensor::<1, Int>::from_data(TensorData::new(targets.clone(), [edges]), &device);
    let source_index = Tensor::<1, Int>::from_data(TensorData::new(sources, [edges]), &device);

    let mut raw = source_scores.select(0, source_index.clone())
        + target_scores.select(0, target_index.clone());
    if let Some(edge) = edge_scores {
        raw = raw + edge;
    }
    let scores = leaky_relu(raw, f64::from(options.negative_slope));
    // The row maximum, detached: softmax is shift-invariant, so the gradient is unchanged.
    let shift = row_maxima(&scores, &targets, csr.rows, heads, &device);
    let exponentials = (scores - shift.select(0, target_index.clone())).exp();
    let totals = Tensor::<2>::zeros([csr.rows, heads], &device).select_assign(
        0,
        target_index.clone(),
        exponentials.clone(),
        IndexingUpdateOp::Add,
    );
    let attention = exponentials / totals.select(0, target_index.clone());
    let weights = match options.dropout_seed {
        Some(seed) if options.dropout > 0.0 => {
            let scale = mask(edges * heads, options.dropout, seed);
            attention.clone()
                * Tensor::<2>::from_data(TensorData::new(scale, [edges, heads]), &device)
        }
        _ => attention.clone(),
    };
    let weights = match structure.multipliers() {
        Some(multipliers) => weights * multipliers.clone().unsqueeze_dim::<2>(1),
        None => weights,
    };
    let messages = features
        .reshape([csr.columns, heads, channels])
        .select(0, source_index)
        * weights.unsqueeze_dim::<3>(2);
    let output = Tensor::<3>::zeros([csr.rows, heads, channels], &device)
        .select_assign(0, target_index, messages, IndexingUpdateOp::Add)
        .reshape([csr.rows, width]);
    AttentionOutput {
        output,
        attention: attention.detach(),
    }
}

/// `(targets, sources)` of every stored entry, in CSR order.
fn csr_coordinates(csr: &Csr) -> (Vec<i64>, Vec<i64>) {
    let mut targets = Vec::with_capacity(csr.nnz());
    for row in 0..csr.rows {
        targets.extend(std::iter::repeat_n(
            row as i64,
            csr.indptr[row + 1] - csr.indptr[row],
        ));
    }
    let sources = csr.indices.iter().map(|&c| i64::from(c)).collect();
    (targets, sources)
}

/// Per-row, per-head maxima of `scores` (`edges x heads`), computed on the host; rows without
/// edges get 0.
fn row_maxima(
    scores: &Tensor<2>,
    targets: &[i64],
    rows: usize,
    heads: usize,
    device: &Device,
) -> Tensor<2> {
    let values = scores
        .clone()
        .detach()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap_or_default();
    let mut maxima = vec![f32::NEG_INFINITY; rows * heads];
    for (edge, &target) in targets.iter().enumerate() {
        for head in 0..heads {
            let slot = &mut maxima[target as usize * heads + head];
            *slot = slot.max(values.get(edge * heads + head).copied().unwrap_or(0.0));
        }
    }
    for value in &mut maxima {
        if !value.is_finite() {
            *value = 0.0;
        }
    }
    Tensor::from_data(TensorData::new(maxima, [rows, heads]), device)
}
