//! Host kernels of the fused graph-attention op (Veličković et al. 2018, eq. 3–4): per-edge
//! scores, a softmax over each target's incoming edges and the weighted sum, forward and
//! backward, each a row-parallel pass over a CSR structure. Nothing of size
//! `edges x heads x channels` is ever materialised; per edge only `heads` numbers are kept.

use rayon::prelude::*;

use crate::operator::Csr;

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
fn per_row<'b>(buffer: &'b mut [f32], csr: &Csr, heads: usize) -> Vec<&'b mut [f32]> {
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
    let slope = problem.negative_slope;
    let mut attention = vec![0.0f32; csr.nnz() * heads];
    per_row(&mut attention, csr, heads)
        .into_par_iter()
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, row)| {
            let start = csr.indptr[target];
            let count = csr.indptr[target + 1] - start;
            for head in 0..heads {
                let mut maximum = f32::NEG_INFINITY;
                for offset in 0..count {
                    let k = start + offset;
                    let raw = problem.raw_score(k, csr.indices[k] as usize, target, head);
                    let score = if raw > 0.0 { raw } else { slope * raw };
                    row[offset * heads + head] = score;
                    maximum = maximum.max(score);
                }
                let mut total = 0.0f32;
                for offset in 0..count {
                    let weight = (row[offset * heads + head] - maximum).exp();
                    row[offset * heads + head] = weight;
                    total += weight;
                }
                for offset in 0..count {
                    row[offset * heads + head] /= total;
                }
            }
        });
    attention
}

/// `out[i, h, :] = Σₖ weights[k][h] · features[source(k), h, :]` over row `i`'s entries.
pub(crate) fn weighted_aggregation(problem: &AttentionProblem<'_>, weights: &[f32]) -> Vec<f32> {
    let csr = problem.csr;
    let (heads, channels, width) = (problem.heads, problem.channels, problem.width());
    let mut output = vec![0.0f32; csr.rows * width];
    if width == 0 {
        return output;
    }
    output
        .par_chunks_mut(width)
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, out)| {
            for k in csr.indptr[target]..csr.indptr[target + 1] {
                let source = csr.indices[k] as usize * width;
                for head in 0..heads {
                    let weight = weights[k * heads + head];
                    let range = head * channels..(head + 1) * channels;
                    let values = &problem.features[source + range.start..source + range.end];
                    for (o, &v) in out[range].iter_mut().zip(values) {
                        *o += weight * v;
                    }
                }
            }
        });
    output
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
    let slope = problem.negative_slope;

    // Pass 1, rows = targets: the raw-score gradient of every edge and the target scores'.
    let mut score_gradient = vec![0.0f32; csr.nnz() * heads];
    let mut target_scores = vec![0.0f32; csr.rows * heads];
    per_row(&mut score_gradient, csr, heads)
        .into_par_iter()
        .zip(target_scores.par_chunks_mut(heads.max(1)))
        .with_min_len(MIN_ROWS_PER_TASK)
        .enumerate()
        .for_each(|(target, (row, target_gradient))| {
            let start = csr.indptr[target];
            let count = csr.indptr[target + 1] - start;
            let gradient = &output_gradient[target * width..(target + 1) * width];
            for head in 0..heads {
                let range = head * channels..(head + 1) * channels;
                let mut weighted_sum = 0.0f32;
                for offset in 0..count {
                    let k = start + offset;
                    let source = csr.indices[k] as usize * width;
                    let values = &problem.features[source + range.start..source + range.end];
                    let mut d_weight = 0.0f32;
                    for (&g, &v) in gradient[range.clone()].iter().zip(values) {
                        d_weight += g * v;
                    }
                    let d_alpha = match dropout_scale {
                        Some(scale) => d_weight * scale[k * heads + head],
                        None => d_weight,
                    };
                    row[offset * heads + head] = d_alpha;
                    weighted_sum += attention[k * heads + head] * d_alpha;
                }
                let mut total = 0.0f32;
                for offset in 0..count {
                    let k = start + offset;
                    let d_z =
                        attention[k * heads + head] * (row[offset * heads + head] - weighted_sum);
                    let raw = problem.raw_score(k, csr.indices[k] as usize, target, head);
                    let d_raw = if raw > 0.0 { d_z } else { slope * d_z };
                    row[offset * heads + head] = d_raw;
                    total += d_raw;
                }
                target_gradient[head] = total;
            }
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
                let range = transpose.indptr[source]..transpose.indptr[source + 1];
                for (&k, &target) in transpose_source[range.clone()]
                    .iter()
                    .zip(&transpose.indices[range])
                {
                    let (k, target) = (k as usize, target as usize);
                    let gradient = &output_gradient[target * width..(target + 1) * width];
                    for head in 0..heads {
                        let weight = weights[k * heads + head];
                        let range = head * channels..(head + 1) * channels;
                        for (f, &g) in feature_gradient[range.clone()]
                            .iter_mut()
                            .zip(&gradient[range])
                        {
                            *f += weight * g;
                        }
                        source_gradient[head] += score_gradient[k * heads + head];
                    }
                }
            });
    }
    AttentionGradients {
        features,
        source_scores,
        target_scores,
        edge_scores: score_gradient,
    }
}
