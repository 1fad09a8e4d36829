//! GATv2's per-edge attention scores (Brody et al. 2022, eq. 7), fused:
//!
//! `s[k, h] = Σ_c a[h, c] · LeakyReLU(xl[j, h, c] + xr[i, h, c])` for each entry `k` (edge
//! `j → i`) of a CSR structure (rows = targets `i`, columns = sources `j`).
//!
//! The LeakyReLU sits inside the dot product, so a Burn-ops version forms the
//! `edges x heads x channels` sums and keeps them (and the LeakyReLU's mask) for the backward
//! pass. On `Autodiff<Flex>` this is instead a custom autodiff op whose forward and backward are
//! row-parallel passes that recompute the sums per edge: only the `edges x heads` scores are
//! stored. Backward: `∂xr[i] = Σ_{k in row i} g[k]·a·LeakyReLU'(·)`, `∂xl[j]` the same over the
//! transpose's rows, `∂a = Σ_k g[k]·LeakyReLU(·)`. Other backends use the Burn-ops version
//! ([`gatv2_scores_generic`]).

use std::borrow::Cow;
use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{AutodiffBackend, Flex};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Int, Tensor, TensorData};
use cinder_graph::{PREFETCH_AHEAD, prefetch};
use rayon::prelude::*;

use crate::conv::gat::head_scores;
use crate::error::{NnError, check_size};
use crate::ops::dispatch::{FlexAutodiff, Path, flex_matrix, path};
use crate::ops::kernels::attention::per_row;
use crate::ops::operator::{Csr, SparseOperator};

type Primitive<B> = <B as burn::backend::BackendTypes>::FloatTensorPrimitive;

/// Rows per rayon task below which splitting costs more than it saves.
const MIN_ROWS_PER_TASK: usize = 64;

/// GATv2 scores `edges x heads` (CSR order of `structure`) from the source values `xl`
/// (`sources x (heads · channels)`), the target values `xr` (`targets x (heads · channels)`) and
/// the attention vectors `a` (`heads x channels`).
pub fn gatv2_scores(
    structure: &SparseOperator,
    source_values: Tensor<2>,
    target_values: Tensor<2>,
    attention: Tensor<2>,
    negative_slope: f32,
) -> crate::Result<Tensor<2>> {
    check_shapes(structure, &source_values, &target_values, &attention)?;
    match path([&source_values, &target_values, &attention]) {
        Path::Tracked(inputs) => {
            return Ok(Tensor::from_primitive::<FlexAutodiff>(autodiff_scores(
                structure,
                inputs,
                negative_slope,
            )));
        }
        Path::Plain([source, target, vectors]) => {
            let inputs = ScoreInputs::new(&structure.forward, [&source, &target, &vectors]);
            let scores = forward_scores(&inputs, negative_slope);
            return Ok(Tensor::from_primitive::<Flex>(FlexTensor::from_data(
                TensorData::new(scores, [structure.nnz(), inputs.heads]),
            )));
        }
        Path::Generic => {}
    }
    Ok(gatv2_scores_generic(
        structure,
        source_values,
        target_values,
        attention,
        negative_slope,
    ))
}

/// The same scores from Burn tensor ops (gathers, an `edges x heads x channels` LeakyReLU and a
/// per-head dot product): any backend, and the reference the fused op is tested against.
pub fn gatv2_scores_generic(
    structure: &SparseOperator,
    source_values: Tensor<2>,
    target_values: Tensor<2>,
    attention: Tensor<2>,
    negative_slope: f32,
) -> Tensor<2> {
    let device = source_values.device();
    let csr = &structure.forward;
    let mut targets = Vec::with_capacity(csr.nnz());
    for row in 0..csr.rows {
        targets.extend(std::iter::repeat_n(
            row as i64,
            csr.indptr[row + 1] - csr.indptr[row],
        ));
    }
    let sources: Vec<i64> = csr.indices.iter().map(|&j| i64::from(j)).collect();
    let index = |values: Vec<i64>| {
        let len = values.len();
        Tensor::<1, Int>::from_data(TensorData::new(values, [len]), &device)
    };
    let summed = source_values.select(0, index(sources)) + target_values.select(0, index(targets));
    head_scores(leaky_relu(summed, f64::from(negative_slope)), attention)
}

fn check_shapes(
    structure: &SparseOperator,
    source_values: &Tensor<2>,
    target_values: &Tensor<2>,
    attention: &Tensor<2>,
) -> crate::Result<()> {
    let (targets, sources) = structure.shape();
    let [heads, channels] = attention.dims();
    if heads == 0 {
        return Err(NnError::InvalidOption {
            option: "heads",
            reason: "GATv2 scores need at least one attention head".into(),
        });
    }
    let width = heads * channels;
    check_size(
        "GATv2 scores: source value rows",
        sources,
        source_values.dims()[0],
    )?;
    check_size(
        "GATv2 scores: source value columns (heads · channels)",
        width,
        source_values.dims()[1],
    )?;
    check_size(
        "GATv2 scores: target value rows",
        targets,
        target_values.dims()[0],
    )?;
    check_size(
        "GATv2 scores: target value columns (heads · channels)",
        width,
        target_values.dims()[1],
    )
}

/// The kernels' view of the inputs: row-major slices (copied only when a tensor is not
/// contiguous) and the head layout, read from the attention vectors' shape.
struct ScoreInputs<'a> {
    csr: &'a Csr,
    source: Cow<'a, [f32]>,
    target: Cow<'a, [f32]>,
    attention: Cow<'a, [f32]>,
    heads: usize,
    channels: usize,
}

impl<'a> ScoreInputs<'a> {
    fn new(csr: &'a Csr, [source, target, attention]: [&'a FlexTensor; 3]) -> Self {
        let heads = attention.layout().shape()[0];
        let (source, _) = flex_matrix(source);
        let (target, _) = flex_matrix(target);
        let (attention, channels) = flex_matrix(attention);
        Self {
            csr,
            source,
            target,
            attention,
            heads,
            channels,
        }
    }
}

#[inline]
fn leaky(z: f32, slope: f32) -> f32 {
    if z > 0.0 { z } else { slope * z }
}

fn forward_scores(inputs: &ScoreInputs<'_>, slope: f32) -> Vec<f32> {
    let (csr, heads, channels) = (inputs.csr, inputs.heads, inputs.channels);
    let width = heads * channels;
    let mut scores = vec![0.0f32; csr.nnz() * heads];
    per_row(&mut scores, csr, heads)
        .into_par_iter()
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, row)| {
            let start = csr.indptr[target];
            let xr = &inputs.target[target * width..(target + 1) * width];
            for (offset, out) in row.chunks_exact_mut(heads).enumerate() {
                if let Some(&ahead) = csr.indices.get(start + offset + PREFETCH_AHEAD) {
                    prefetch(&inputs.source, ahead as usize * width, width);
                }
                let source = csr.indices[start + offset] as usize;
                let xl = &inputs.source[source * width..(source + 1) * width];
                for (head, score) in out.iter_mut().enumerate() {
                    let range = head * channels..(head + 1) * channels;
                    *score = xl[range.clone()]
                        .iter()
                        .zip(&xr[range.clone()])
                        .zip(&inputs.attention[range])
                        .map(|((l, r), a)| a * leaky(l + r, slope))
                        .sum();
                }
            }
        });
    scores
}

/// Gradients of the scores' inputs given `∂L/∂s` (`edges x heads`, CSR order).
struct ScoreGradients {
    source: Vec<f32>,
    target: Vec<f32>,
    attention: Vec<f32>,
}

/// Rows per block of the `∂a` reduction (fixed, so the sum's order is too).
const ROWS_PER_BLOCK: usize = 256;

/// One target row of the backward pass: `∂xr[row]` into `out` and the row's `∂a` terms added to
/// `attention`.
fn target_gradient_row(
    inputs: &ScoreInputs<'_>,
    slope: f32,
    gradient: &[f32],
    row: usize,
    out: &mut [f32],
    attention: &mut [f32],
) {
    let (csr, heads, channels) = (inputs.csr, inputs.heads, inputs.channels);
    let width = heads * channels;
    let xr = &inputs.target[row * width..(row + 1) * width];
    for k in csr.indptr[row]..csr.indptr[row + 1] {
        if let Some(&ahead) = csr.indices.get(k + PREFETCH_AHEAD) {
            prefetch(&inputs.source, ahead as usize * width, width);
        }
        let source = csr.indices[k] as usize;
        let xl = &inputs.source[source * width..(source + 1) * width];
        for head in 0..heads {
            let g = gradient[k * heads + head];
            if g == 0.0 {
                continue;
            }
            for c in head * channels..(head + 1) * channels {
                let z = xl[c] + xr[c];
                let (value, derivative) = if z > 0.0 {
                    (z, 1.0)
                } else {
                    (slope * z, slope)
                };
                out[c] += g * inputs.attention[c] * derivative;
                attention[c] += g * value;
            }
        }
    }
}

fn backward_scores(
    inputs: &ScoreInputs<'_>,
    slope: f32,
    transpose: &Csr,
    transpose_source: &[u32],
    gradient: &[f32],
) -> ScoreGradients {
    let (csr, heads, channels) = (inputs.csr, inputs.heads, inputs.channels);
    let width = heads * channels;
    // ∂xr and ∂a over the rows (targets). ∂a is summed per fixed block of rows and the blocks'
    // sums are added in block order, so it does not depend on how rayon splits the work.
    let mut target = vec![0.0f32; csr.rows * width];
    let block_partials: Vec<Vec<f32>> = target
        .par_chunks_mut((width * ROWS_PER_BLOCK).max(1))
        .enumerate()
        .map(|(block, out)| {
            let mut attention = vec![0.0f32; width];
            let first = block * ROWS_PER_BLOCK;
            for (offset, out) in out.chunks_exact_mut(width.max(1)).enumerate() {
                target_gradient_row(inputs, slope, gradient, first + offset, out, &mut attention);
            }
            attention
        })
        .collect();
    let mut attention = vec![0.0f32; width];
    for partial in block_partials {
        attention.iter_mut().zip(partial).for_each(|(a, p)| *a += p);
    }
    // ∂xl over the transpose's rows (sources).
    let mut source = vec![0.0f32; transpose.rows * width];
    source
        .par_chunks_mut(width.max(1))
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(column, out)| {
            let xl = &inputs.source[column * width..(column + 1) * width];
            let range = transpose.indptr[column]..transpose.indptr[column + 1];
            for (t, (&row, &k)) in transpose.indices[range.clone()]
                .iter()
                .zip(&transpose_source[range.clone()])
                .enumerate()
            {
                if let Some(&ahead) = transpose.indices.get(range.start + t + PREFETCH_AHEAD) {
                    prefetch(&inputs.target, ahead as usize * width, width);
                }
                let (row, k) = (row as usize, k as usize);
                let xr = &inputs.target[row * width..(row + 1) * width];
                for head in 0..heads {
                    let g = gradient[k * heads + head];
                    if g == 0.0 {
                        continue;
                    }
                    for c in head * channels..(head + 1) * channels {
                        let derivative = if xl[c] + xr[c] > 0.0 { 1.0 } else { slope };
                        out[c] += g * inputs.attention[c] * derivative;
                    }
                }
            }
        });
    ScoreGradients {
        source,
        target,
        attention,
    }
}

/// What the backward pass keeps: the inputs (shared buffers) and the structure.
#[derive(Debug)]
struct ScoreState {
    forward: Arc<Csr>,
    transpose: Arc<Csr>,
    transpose_source: Arc<Vec<u32>>,
    source: FlexTensor,
    target: FlexTensor,
    attention: FlexTensor,
    slope: f32,
}

#[derive(Debug)]
struct ScoreBackward;

impl Backward<Flex, 3> for ScoreBackward {
    type State = Arc<ScoreState>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let gradient = grads.consume::<Flex>(&ops.node);
        let parents = ops.parents.map(|p| p.map(|n| n.id));
        if parents.iter().all(Option::is_none) {
            return;
        }
        let state = &ops.state;
        let (gradient, _) = flex_matrix(&gradient);
        let inputs = ScoreInputs::new(
            &state.forward,
            [&state.source, &state.target, &state.attention],
        );
        let (heads, channels) = (inputs.heads, inputs.channels);
        let computed = backward_scores(
            &inputs,
            state.slope,
            &state.transpose,
            &state.transpose_source,
            &gradient,
        );
        let width = heads * channels;
        let tensor = |values: Vec<f32>, rows: usize, columns: usize| {
            FlexTensor::from_data(TensorData::new(values, [rows, columns]))
        };
        let gradients = [
            tensor(computed.source, state.forward.columns, width),
            tensor(computed.target, state.forward.rows, width),
            tensor(computed.attention, heads, channels),
        ];
        for (parent, gradient) in parents.into_iter().zip(gradients) {
            if let Some(id) = parent {
                grads.register::<Flex>(id, gradient);
            }
        }
    }
}

fn autodiff_scores(
    structure: &SparseOperator,
    [source, target, attention]: [Primitive<FlexAutodiff>; 3],
    slope: f32,
) -> Primitive<FlexAutodiff> {
    let inner = [
        FlexAutodiff::inner(source.clone()),
        FlexAutodiff::inner(target.clone()),
        FlexAutodiff::inner(attention.clone()),
    ];
    let inputs = ScoreInputs::new(&structure.forward, [&inner[0], &inner[1], &inner[2]]);
    let heads = inputs.heads;
    let scores = forward_scores(&inputs, slope);
    drop(inputs);
    let output = FlexTensor::from_data(TensorData::new(scores, [structure.nnz(), heads]));
    let [source_inner, target_inner, attention_inner] = inner;
    match ScoreBackward
        .prepare::<NoCheckpointing>([source.node(), target.node(), attention.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(
            Arc::new(ScoreState {
                forward: Arc::clone(&structure.forward),
                transpose: Arc::clone(&structure.backward),
                transpose_source: Arc::clone(&structure.transpose_source),
                source: source_inner,
                target: target_inner,
                attention: attention_inner,
                slope,
            }),
            output,
        ),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}
