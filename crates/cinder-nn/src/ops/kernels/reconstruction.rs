//! Kipf & Welling's weighted reconstruction loss of a whole adjacency matrix from node embeddings,
//! fused: the `N × N` logits `Z Zᵀ` are computed a row at a time and never stored.
//!
//! With `x = z_i · z_j`, `y = 1` on the target's positives (edges and self-loops), weight `w` and
//! scale `s = norm / N²`, TensorFlow's `weighted_cross_entropy_with_logits` averaged is
//! `s Σ [ (1 − y) x + (1 + (w − 1) y) softplus(−x) ]`, which is `s Σ softplus(x)` over all pairs
//! plus, at each positive, `w softplus(−x) − softplus(x)`. Its gradient is `(G + Gᵀ) Z = 2 G Z`
//! with `G = s σ(x)` plus `−w σ(−x) − σ(x)` at the positives (the target is symmetric).
//!
//! The dense terms use branch-free `exp` / `ln(1 + ·)` approximations (relative error below 1e-6)
//! that vectorize; the few positives use the standard library's.

use rayon::prelude::*;

/// The positives of each row (sorted, self-loop included), the positive weight and the scale.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconstructionTarget {
    /// Nodes.
    pub num_nodes: usize,
    /// Row `i`'s positives are `positives[offsets[i]..offsets[i + 1]]`.
    pub offsets: Vec<usize>,
    /// Sorted column ids of the positives.
    pub positives: Vec<u32>,
    /// `w`: the weight of a positive term.
    pub positive_weight: f32,
    /// `s = norm / N²`: the scale of every term.
    pub scale: f64,
}

impl ReconstructionTarget {
    /// The target of an undirected graph given as sorted neighbour lists (`neighbours(i)`), with
    /// self-loops added as positives: `w = (N² − E) / E` and `norm = N² / (2 (N² − E))` over the
    /// `E` stored (directed) edges, as Kipf & Welling's code computes them.
    pub fn new<'a>(num_nodes: usize, neighbours: impl Fn(usize) -> &'a [u32]) -> Self {
        let mut offsets = Vec::with_capacity(num_nodes + 1);
        let mut positives = Vec::new();
        let mut edges = 0usize;
        offsets.push(0);
        for node in 0..num_nodes {
            let row = neighbours(node);
            edges += row.iter().filter(|&&v| v as usize != node).count();
            let mut with_self: Vec<u32> = row.to_vec();
            if let Err(at) = with_self.binary_search(&(node as u32)) {
                with_self.insert(at, node as u32);
            }
            positives.extend(with_self);
            offsets.push(positives.len());
        }
        let pairs = (num_nodes * num_nodes) as f64;
        let edges = edges as f64;
        let norm = pairs / ((pairs - edges).max(1.0) * 2.0);
        Self {
            num_nodes,
            offsets,
            positives,
            positive_weight: ((pairs - edges) / edges.max(1.0)) as f32,
            scale: norm / pairs.max(1.0),
        }
    }

    fn row(&self, node: usize) -> &[u32] {
        &self.positives[self.offsets[node]..self.offsets[node + 1]]
    }
}

/// `eˣ` for `x ≤ 0` (clamped at −87), branch-free: `2ⁿ · p(r)` with `x = n ln 2 + r`.
#[inline(always)]
fn exp_negative(x: f32) -> f32 {
    let x = x.max(-87.0);
    // Round to nearest by adding and subtracting 1.5 · 2²³ (no libm call, so it vectorizes).
    const SHIFTER: f32 = 12_582_912.0;
    let n = (x * std::f32::consts::LOG2_E + SHIFTER) - SHIFTER;
    let r = x - n * std::f32::consts::LN_2;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    p * f32::from_bits(((n as i32 + 127) << 23) as u32)
}

/// `ln(1 + e)` for `e ∈ [0, 1]`: `2 atanh(s)`, `s = e / (2 + e) ≤ 1/3`, to `s¹¹`.
#[inline(always)]
fn ln_one_plus(e: f32) -> f32 {
    let s = e / (2.0 + e);
    let s2 = s * s;
    2.0 * s
        * (1.0
            + s2 * (1.0 / 3.0
                + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0))))))
}

/// `softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|)`.
#[inline(always)]
fn softplus_fast(x: f32) -> f32 {
    x.max(0.0) + ln_one_plus(exp_negative(-x.abs()))
}

/// `σ(x) = 1 / (1 + e^−x)`, branch-free.
#[inline(always)]
fn sigmoid_fast(x: f32) -> f32 {
    let e = exp_negative(-x.abs());
    let positive = 1.0 / (1.0 + e);
    if x >= 0.0 { positive } else { 1.0 - positive }
}

fn softplus(x: f32) -> f64 {
    let x = f64::from(x);
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn sigmoid(x: f32) -> f64 {
    1.0 / (1.0 + (-f64::from(x)).exp())
}

/// `Zᵀ` (`width × n`): rows of the product become contiguous sweeps over `j`.
fn transposed(z: &[f32], n: usize, width: usize) -> Vec<f32> {
    let mut t = vec![0.0f32; z.len()];
    for i in 0..n {
        for k in 0..width {
            t[k * n + i] = z[i * width + k];
        }
    }
    t
}

/// The sum of `values` in eight independent lanes (a serial sum of floats cannot vectorize).
fn lane_sum(values: &[f32]) -> f64 {
    let mut lanes = [0.0f32; 8];
    let chunks = values.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + f64::from(tail)
}

/// `x_i[j] = z_i · z_j` for every `j`, into `row`.
#[inline]
fn logits_row(z: &[f32], zt: &[f32], width: usize, i: usize, row: &mut [f32]) {
    let n = row.len();
    row.fill(0.0);
    for k in 0..width {
        let coefficient = z[i * width + k];
        for (x, &t) in row.iter_mut().zip(&zt[k * n..(k + 1) * n]) {
            *x += coefficient * t;
        }
    }
}

/// The loss of embeddings `z` (`n × width`, row-major).
pub(crate) fn reconstruction_loss(z: &[f32], width: usize, target: &ReconstructionTarget) -> f64 {
    let n = target.num_nodes;
    let zt = transposed(z, n, width);
    let w = f64::from(target.positive_weight);
    let total: f64 = (0..n)
        .into_par_iter()
        .map_init(
            || vec![0.0f32; n],
            |row, i| {
                logits_row(z, &zt, width, i, row);
                let correction: f64 = target
                    .row(i)
                    .iter()
                    .map(|&j| {
                        let x = row[j as usize];
                        w * softplus(-x) - softplus(x)
                    })
                    .sum();
                for x in row.iter_mut() {
                    *x = softplus_fast(*x);
                }
                let dense = lane_sum(row);
                dense + correction
            },
        )
        .sum();
    total * target.scale
}

/// `∂loss/∂z · upstream`: `2 G Z` (`n × width`, row-major).
pub(crate) fn reconstruction_gradient(
    z: &[f32],
    width: usize,
    target: &ReconstructionTarget,
    upstream: f32,
) -> Vec<f32> {
    let n = target.num_nodes;
    let zt = transposed(z, n, width);
    let w = f64::from(target.positive_weight);
    let factor = (2.0 * target.scale * f64::from(upstream)) as f32;
    let mut gradient = vec![0.0f32; n * width];
    gradient
        .par_chunks_mut(width.max(1))
        .enumerate()
        .for_each_init(
            || vec![0.0f32; n],
            |row, (i, out)| {
                logits_row(z, &zt, width, i, row);
                let positives = target.row(i);
                let logits: Vec<f32> = positives.iter().map(|&j| row[j as usize]).collect();
                for x in row.iter_mut() {
                    *x = sigmoid_fast(*x);
                }
                // The dense pass put σ(x) at every column; a positive's term is −w σ(−x).
                for (&j, &x) in positives.iter().zip(&logits) {
                    row[j as usize] = (-w * sigmoid(-x)) as f32;
                }
                // out = Σ_j g_j z_j: a row of Z at a time, so the update is a vector FMA over the
                // embedding's width (a dot product over j would be a serial chain of adds).
                for (&g, z_j) in row.iter().zip(z.chunks_exact(width)) {
                    for (value, &zj) in out.iter_mut().zip(z_j) {
                        *value += g * zj;
                    }
                }
                for value in out.iter_mut() {
                    *value *= factor;
                }
            },
        );
    gradient
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, pair by pair, in f64.
    fn naive(z: &[f32], width: usize, target: &ReconstructionTarget) -> (f64, Vec<f64>) {
        let n = target.num_nodes;
        let w = f64::from(target.positive_weight);
        let (mut loss, mut g) = (0.0, vec![0.0f64; n * n]);
        for i in 0..n {
            for j in 0..n {
                let x: f32 = (0..width)
                    .map(|k| z[i * width + k] * z[j * width + k])
                    .sum();
                let y = target.row(i).contains(&(j as u32));
                let xf = f64::from(x);
                loss += if y {
                    w * softplus(-x)
                } else {
                    xf + softplus(-x)
                };
                g[i * n + j] = if y { -w * sigmoid(-x) } else { sigmoid(x) };
            }
        }
        let mut gradient = vec![0.0f64; n * width];
        for i in 0..n {
            for k in 0..width {
                gradient[i * width + k] = (0..n)
                    .map(|j| (g[i * n + j] + g[j * n + i]) * f64::from(z[j * width + k]))
                    .sum::<f64>()
                    * target.scale;
            }
        }
        (loss * target.scale, gradient)
    }

    #[test]
    fn fast_functions_match_the_standard_ones() {
        for i in -2000..=2000 {
            let x = i as f32 / 40.0;
            let exact = softplus(x);
            assert!(
                (f64::from(softplus_fast(x)) - exact).abs() <= 1e-6 * exact.max(1.0),
                "{x}"
            );
            let exact = sigmoid(x);
            assert!((f64::from(sigmoid_fast(x)) - exact).abs() <= 1e-6, "{x}");
        }
    }

    #[test]
    fn loss_and_gradient_match_the_definition() {
        let (n, width) = (23, 5);
        let z: Vec<f32> = (0..n * width)
            .map(|i| ((i * 37 % 17) as f32 - 8.0) / 6.0)
            .collect();
        let lists: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                let mut row = vec![((i + 1) % n) as u32, ((i + n - 1) % n) as u32];
                row.sort_unstable();
                row
            })
            .collect();
        let target = ReconstructionTarget::new(n, |i| &lists[i]);
        assert_eq!(target.row(0), &[0, 1, 22]);
        let (loss, gradient) = naive(&z, width, &target);
        let fused = reconstruction_loss(&z, width, &target);
        assert!(
            (fused - loss).abs() < 1e-5 * loss.abs(),
            "{fused} vs {loss}"
        );
        let fused = reconstruction_gradient(&z, width, &target, 1.0);
        for (a, b) in fused.iter().zip(&gradient) {
            assert!(
                (f64::from(*a) - b).abs() < 1e-5 * b.abs().max(1e-3),
                "{a} vs {b}"
            );
        }
    }
}
