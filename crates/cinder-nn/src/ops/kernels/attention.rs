//! Host kernels of the fused graph-attention op (Veličković et al. 2018, eq. 3–4): per-edge
//! scores, a softmax over each target's incoming edges and the weighted sum, forward and
//! backward, each a row-parallel pass over a CSR structure. Nothing of size
//! `edges x heads x channels` is ever materialised; per edge only `heads` numbers are kept.

use cinder_graph::{PREFETCH_AHEAD, prefetch};
use rayon::prelude::*;

use crate::ops::operator::Csr;

/// Rows per rayon task below which splitting costs more than it saves.
const MIN_ROWS_PER_TASK: usize = 64;

/// Inputs shared by the forward and backward kernels.
///
/// Layouts (row-major): `features` is `sources x (heads · channels)` (head-major within a row),
/// `source_scores` `sources x heads`, `target_scores` `targets x heads`, `edge_scores`
/// `edges x heads` in the CSR order of `csr` (rows = targets, columns = sources).
pub(crate) struct AttentionProblem<'a> {
    pub(crate) csr: &'a Csr,
    pub(crate) features: &'a [f32],
    pub(crate) source_scores: &'a [f32],
    pub(crate) target_scores: &'a [f32],
    pub(crate) edge_scores: Option<&'a [f32]>,
    pub(crate) heads: usize,
    pub(crate) channels: usize,
    pub(crate) negative_slope: f32,
}

impl AttentionProblem<'_> {
    /// The score of entry `k` (edge `source → target`) for `head`, before the LeakyReLU.
    #[inline]
    fn raw_score(&self, k: usize, source: usize, target: usize, head: usize) -> f32 {
        let heads = self.heads;
        let mut score =
            self.source_scores[source * heads + head] + self.target_scores[target * heads + head];
        if let Some(edge_scores) = self.edge_scores {
            score += edge_scores[k * heads + head];
        }
        score
    }

    fn width(&self) -> usize {
        self.heads * self.channels
    }
}

/// Splits an `edges x heads` buffer into one mutable slice per CSR row.
pub(crate) fn per_row<'b>(buffer: &'b mut [f32], csr: &Csr, heads: usize) -> Vec<&'b mut [f32]> {
    let mut rows = Vec::with_capacity(csr.rows);
    let mut rest = buffer;
    for row in 0..csr.rows {
        let (head, tail) = rest.split_at_mut((csr.indptr[row + 1] - csr.indptr[row]) * heads);
        rows.push(head);
        rest = tail;
    }
    rows
}

/// The attention coefficients `α[k][h]` (softmax of `LeakyReLU(score)` over each row), computed
/// with the row maximum subtracted so no exponential overflows. A row without entries is empty.
pub(crate) fn attention_coefficients(problem: &AttentionProblem<'_>) -> Vec<f32> {
    let csr = problem.csr;
    let heads = problem.heads;
    let mut attention = vec![0.0f32; csr.nnz() * heads];
    per_row(&mut attention, csr, heads)
        .into_par_iter()
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, row)| coefficient_row(problem, target, row));
    attention
}

/// Most heads the row kernels keep per-head sums for on the stack; more heads use the heap.
const STACK_HEADS: usize = 16;

/// A per-head scratch buffer: on the stack for up to [`STACK_HEADS`] heads.
enum PerHead {
    Stack([f32; STACK_HEADS]),
    Heap(Vec<f32>),
}

impl PerHead {
    fn filled(heads: usize, value: f32) -> Self {
        if heads <= STACK_HEADS {
            Self::Stack([value; STACK_HEADS])
        } else {
            Self::Heap(vec![value; heads])
        }
    }

    fn values(&mut self, heads: usize) -> &mut [f32] {
        match self {
            Self::Stack(values) => &mut values[..heads],
            Self::Heap(values) => values,
        }
    }
}

/// One row of [`attention_coefficients`]: scores edge by edge (all heads of an edge together),
/// then the exponentials and the normalization over the row's contiguous `count x heads` block.
#[inline(never)]
fn coefficient_row(problem: &AttentionProblem<'_>, target: usize, row: &mut [f32]) {
    let csr = problem.csr;
    let heads = problem.heads;
    if heads == 0 {
        return;
    }
    let slope = problem.negative_slope;
    let start = csr.indptr[target];
    let own = &problem.target_scores[target * heads..(target + 1) * heads];
    let mut maxima = PerHead::filled(heads, f32::NEG_INFINITY);
    let maxima = maxima.values(heads);
    for (offset, scores) in row.chunks_exact_mut(heads).enumerate() {
        let k = start + offset;
        if let Some(&ahead) = csr.indices.get(k + PREFETCH_AHEAD) {
            prefetch(problem.source_scores, ahead as usize * heads, heads);
        }
        let source = csr.indices[k] as usize;
        let theirs = &problem.source_scores[source * heads..(source + 1) * heads];
        let edge = problem.edge_scores.map(|e| &e[k * heads..(k + 1) * heads]);
        for head in 0..heads {
            let mut raw = theirs[head] + own[head];
            if let Some(edge) = edge {
                raw += edge[head];
            }
            let score = if raw > 0.0 { raw } else { slope * raw };
            scores[head] = score;
            maxima[head] = maxima[head].max(score);
        }
    }
    let mut totals = PerHead::filled(heads, 0.0);
    let totals = totals.values(heads);
    for scores in row.chunks_exact_mut(heads) {
        for ((score, maximum), total) in scores.iter_mut().zip(&*maxima).zip(totals.iter_mut()) {
            *score = (*score - maximum).exp();
            *total += *score;
        }
    }
    for total in totals.iter_mut() {
        *total = 1.0 / *total;
    }
    for scores in row.chunks_exact_mut(heads) {
        for (score, inverse) in scores.iter_mut().zip(&*totals) {
            *score *= inverse;
        }
    }
}

/// `out[i, h, :] = Σₖ weights[k][h] · features[source(k), h, :]` over row `i`'s entries.
pub(crate) fn weighted_aggregation(problem: &AttentionProblem<'_>, weights: &[f32]) -> Vec<f32> {
    let csr = problem.csr;
    let width = problem.width();
    let mut output = vec![0.0f32; csr.rows * width];
    if width == 0 {
        return output;
    }
    output
        .par_chunks_mut(width)
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, out)| aggregate_row(problem, weights, target, out));
    output
}

/// `out[h, :] += w[h] · values[h, :]` for every head (`C` channels per head; `C = 0` reads the
/// channel count from the slices). Fixed channel counts let the compiler unroll and vectorize
/// the per-head update.
#[inline(always)]
fn scaled_add<const C: usize>(out: &mut [f32], values: &[f32], weights: &[f32], channels: usize) {
    let channels = if C == 0 { channels } else { C };
    for ((out, values), &weight) in out
        .chunks_exact_mut(channels)
        .zip(values.chunks_exact(channels))
        .zip(weights)
    {
        for (o, &v) in out.iter_mut().zip(values) {
            *o += weight * v;
        }
    }
}

/// [`scaled_add`] with the channel count of the common layer shapes fixed at compile time.
#[inline(always)]
fn scaled_add_any(out: &mut [f32], values: &[f32], weights: &[f32], channels: usize) {
    match channels {
        8 => scaled_add::<8>(out, values, weights, channels),
        16 => scaled_add::<16>(out, values, weights, channels),
        32 => scaled_add::<32>(out, values, weights, channels),
        64 => scaled_add::<64>(out, values, weights, channels),
        _ => scaled_add::<0>(out, values, weights, channels),
    }
}

/// One row of [`weighted_aggregation`].
#[inline(never)]
fn aggregate_row(problem: &AttentionProblem<'_>, weights: &[f32], target: usize, out: &mut [f32]) {
    let csr = problem.csr;
    let (heads, channels, width) = (problem.heads, problem.channels, problem.width());
    for k in csr.indptr[target]..csr.indptr[target + 1] {
        if let Some(&ahead) = csr.indices.get(k + PREFETCH_AHEAD) {
            prefetch(problem.features, ahead as usize * width, width);
        }
        let source = csr.indices[k] as usize * width;
        scaled_add_any(
            out,
            &problem.features[source..source + width],
            &weights[k * heads..(k + 1) * heads],
            channels,
        );
    }
}

/// Gradients of the fused op with respect to each of its inputs.
pub(crate) struct AttentionGradients {
    /// `sources x (heads · channels)`.
    pub(crate) features: Vec<f32>,
    /// `sources x heads`.
    pub(crate) source_scores: Vec<f32>,
    /// `targets x heads`.
    pub(crate) target_scores: Vec<f32>,
    /// `edges x heads`, CSR order (also the gradient of the raw score of each edge).
    pub(crate) edge_scores: Vec<f32>,
}

/// Backward of `out = Σ dropout(softmax(LeakyReLU(score))) · features` given `∂L/∂out`.
///
/// With `w = α · m` (`m` the dropout scale, 1 without dropout):
/// `∂L/∂w[k] = g[target] · features[source]` per head; `∂L/∂α = m · ∂L/∂w`; the softmax gives
/// `∂L/∂z[k] = α[k] (∂L/∂α[k] − Σ_row α ∂L/∂α)`; the LeakyReLU multiplies by 1 or the slope;
/// the raw score's gradient then flows to both node scores and the edge score. The features
/// receive `Σ_{k: source(k) = j} w[k] · g[target(k)]`, gathered over the transpose.
pub(crate) fn attention_backward(
    problem: &AttentionProblem<'_>,
    transpose: &Csr,
    transpose_source: &[u32],
    attention: &[f32],
    weights: &[f32],
    dropout_scale: Option<&[f32]>,
    output_gradient: &[f32],
) -> AttentionGradients {
    let csr = problem.csr;
    let (heads, channels, width) = (problem.heads, problem.channels, problem.width());

    // Pass 1, rows = targets: the raw-score gradient of every edge and the target scores'.
    let mut score_gradient = vec![0.0f32; csr.nnz() * heads];
    let mut target_scores = vec![0.0f32; csr.rows * heads];
    per_row(&mut score_gradient, csr, heads)
        .into_par_iter()
        .zip(target_scores.par_chunks_mut(heads.max(1)))
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, (row, target_gradient))| {
            score_gradient_row(
                problem,
                attention,
                dropout_scale,
                output_gradient,
                target,
                row,
                target_gradient,
            );
        });

    // Pass 2, rows = sources (the transpose): features and source scores.
    let mut features = vec![0.0f32; transpose.rows * width];
    let mut source_scores = vec![0.0f32; transpose.rows * heads];
    if width > 0 {
        features
            .par_chunks_mut(width)
            .zip(source_scores.par_chunks_mut(heads))
            .with_min_len(MIN_ROWS_PER_TASK)
            .enumerate()
            .for_each(|(source, (feature_gradient, source_gradient))| {
                feature_gradient_row(
                    FeatureGradientInputs {
                        transpose,
                        transpose_source,
                        weights,
                        score_gradient: &score_gradient,
                        output_gradient,
                        heads,
                        channels,
                    },
                    source,
                    feature_gradient,
                    source_gradient,
                );
            });
    }
    AttentionGradients {
        features,
        source_scores,
        target_scores,
        edge_scores: score_gradient,
    }
}

/// `out[h] = a[h, :] · b[h, :]` for every head (`C` channels per head, `C = 0`: read from
/// `channels`).
#[inline(always)]
fn head_dots<const C: usize>(out: &mut [f32], a: &[f32], b: &[f32], channels: usize) {
    let channels = if C == 0 { channels } else { C };
    for ((out, a), b) in out
        .iter_mut()
        .zip(a.chunks_exact(channels))
        .zip(b.chunks_exact(channels))
    {
        *out = a.iter().zip(b).map(|(x, y)| x * y).sum();
    }
}

/// [`head_dots`] with the common channel counts fixed at compile time.
#[inline(always)]
fn head_dots_any(out: &mut [f32], a: &[f32], b: &[f32], channels: usize) {
    match channels {
        8 => head_dots::<8>(out, a, b, channels),
        16 => head_dots::<16>(out, a, b, channels),
        32 => head_dots::<32>(out, a, b, channels),
        64 => head_dots::<64>(out, a, b, channels),
        _ => head_dots::<0>(out, a, b, channels),
    }
}

/// One row of pass 1 of [`attention_backward`]: the raw-score gradients of target `target`'s
/// edges (`row`, `count x heads`) and its target-score gradient, edge by edge.
#[inline(never)]
fn score_gradient_row(
    problem: &AttentionProblem<'_>,
    attention: &[f32],
    dropout_scale: Option<&[f32]>,
    output_gradient: &[f32],
    target: usize,
    row: &mut [f32],
    target_gradient: &mut [f32],
) {
    let csr = problem.csr;
    let (heads, channels, width) = (problem.heads, problem.channels, problem.width());
    if heads == 0 {
        return;
    }
    let slope = problem.negative_slope;
    let start = csr.indptr[target];
    let gradient = &output_gradient[target * width..(target + 1) * width];
    let mut weighted_sums = PerHead::filled(heads, 0.0);
    let weighted_sums = weighted_sums.values(heads);
    // ∂L/∂α per edge and head, and Σ_row α ∂L/∂α per head.
    for (offset, d_alpha) in row.chunks_exact_mut(heads).enumerate() {
        let k = start + offset;
        if let Some(&ahead) = csr.indices.get(k + PREFETCH_AHEAD) {
            prefetch(problem.features, ahead as usize * width, width);
        }
        let source = csr.indices[k] as usize * width;
        head_dots_any(
            d_alpha,
            gradient,
            &problem.features[source..source + width],
            channels,
        );
        if let Some(scale) = dropout_scale {
            for (d, &m) in d_alpha.iter_mut().zip(&scale[k * heads..(k + 1) * heads]) {
                *d *= m;
            }
        }
        for ((sum, &a), &d) in weighted_sums
            .iter_mut()
            .zip(&attention[k * heads..(k + 1) * heads])
            .zip(&*d_alpha)
        {
            *sum += a * d;
        }
    }
    // Through the softmax and the LeakyReLU.
    target_gradient.fill(0.0);
    for (offset, d) in row.chunks_exact_mut(heads).enumerate() {
        let k = start + offset;
        let source = csr.indices[k] as usize;
        for head in 0..heads {
            let d_z = attention[k * heads + head] * (d[head] - weighted_sums[head]);
            let raw = problem.raw_score(k, source, target, head);
            let d_raw = if raw > 0.0 { d_z } else { slope * d_z };
            d[head] = d_raw;
            target_gradient[head] += d_raw;
        }
    }
}

/// What pass 2 of [`attention_backward`] reads.
#[derive(Clone, Copy)]
struct FeatureGradientInputs<'a> {
    transpose: &'a Csr,
    transpose_source: &'a [u32],
    weights: &'a [f32],
    score_gradient: &'a [f32],
    output_gradient: &'a [f32],
    heads: usize,
    channels: usize,
}

/// One row of pass 2 of [`attention_backward`]: source `source`'s feature and score gradients,
/// gathered over its outgoing edges (a row of the transpose).
#[inline(never)]
fn feature_gradient_row(
    inputs: FeatureGradientInputs<'_>,
    source: usize,
    feature_gradient: &mut [f32],
    source_gradient: &mut [f32],
) {
    let (heads, channels) = (inputs.heads, inputs.channels);
    let width = heads * channels;
    let transpose = inputs.transpose;
    let range = transpose.indptr[source]..transpose.indptr[source + 1];
    for (t, (&k, &target)) in inputs.transpose_source[range.clone()]
        .iter()
        .zip(&transpose.indices[range.clone()])
        .enumerate()
    {
        let ahead = range.start + t + PREFETCH_AHEAD;
        if let (Some(&k), Some(&target)) = (
            inputs.transpose_source.get(ahead),
            transpose.indices.get(ahead),
        ) {
            prefetch(inputs.output_gradient, target as usize * width, width);
            prefetch(inputs.weights, k as usize * heads, heads);
            prefetch(inputs.score_gradient, k as usize * heads, heads);
        }
        let (k, target) = (k as usize, target as usize);
        scaled_add_any(
            feature_gradient,
            &inputs.output_gradient[target * width..(target + 1) * width],
            &inputs.weights[k * heads..(k + 1) * heads],
            channels,
        );
        for (s, &g) in source_gradient
            .iter_mut()
            .zip(&inputs.score_gradient[k * heads..(k + 1) * heads])
        {
            *s += g;
        }
    }
}
