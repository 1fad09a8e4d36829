//! A dense layer fused with ReLU and inverted dropout: `dropout(relu(x · W + b), p, seed)` as
//! one op — the hidden layer of mini-batch training, where `x` has tens of thousands of rows.
//!
//! On `Autodiff<Flex>` it is a custom autodiff op: the product runs in one GEMM into a fresh
//! buffer, then one parallel pass adds the bias, applies the ReLU and the seeded dropout mask
//! (the same mask as [`crate::ops::dropout`] with the same seed). The backward pass needs no mask and
//! no pre-activation: the output `h` itself says where the gradient flows (`h > 0` exactly where
//! the unit was kept and active), so `∂z = ∂h · 1/(1 - p)` there and 0 elsewhere; then
//! `∂b = Σ_rows ∂z` (fixed row blocks summed in order: the same bits for any thread count),
//! `∂W = xᵀ ∂z` and `∂x = ∂z Wᵀ` (only when `x` is tracked). Burn's composition of the same
//! five ops keeps three full-size intermediates and makes six element-wise passes more; other
//! backends run that composition.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{AutodiffBackend, Flex};
use burn::tensor::activation::relu;
use burn::tensor::{Tensor, TensorData};
use cinder_graph::par_zeroed_chunks;
use rayon::prelude::*;

use crate::error::{Result, check_size};
use crate::init::mix;
use crate::ops::dispatch::{FlexAutodiff, Path, flex_matrix, flex_values, path};
use crate::ops::dropout::{check_probability, dropout};
use crate::ops::kernels::dropout_mask::{BLOCK, mask_block_in_place};
use cinder_graph::with_avx512;

type Primitive<B> = <B as burn::backend::BackendTypes>::FloatTensorPrimitive;

/// Products smaller than this (`m·n·k`) run on one thread, as Flex's own matmul decides.
const PARALLEL_PRODUCT: usize = 192 * 192 * 192;

/// Rows per slice of the weight gradient's product (see [`weight_gradient`]).
const GRADIENT_ROWS: usize = 2048;

/// Rows per block of the bias gradient's ordered sum.
const BIAS_ROWS: usize = 256;

/// `dropout(relu(x · weight + bias), p, seed)` for `x` `[n, k]`, `weight` `[k, m]` and `bias`
/// `[m]`: equal to composing Burn's `matmul`, the bias sum, `relu` and [`crate::ops::dropout`]
/// (same mask for the same seed), fused on Flex.
pub fn linear_relu_dropout(
    x: Tensor<2>,
    weight: Tensor<2>,
    bias: Option<Tensor<1>>,
    p: f32,
    seed: u64,
) -> Result<Tensor<2>> {
    check_probability(p)?;
    let [rows, inner] = x.dims();
    let [weight_rows, columns] = weight.dims();
    check_size(
        "linear_relu_dropout weight rows (the input's columns)",
        inner,
        weight_rows,
    )?;
    if let Some(bias) = &bias {
        check_size(
            "linear_relu_dropout bias (the weight's columns)",
            columns,
            bias.dims()[0],
        )?;
    }
    let bias = bias.unwrap_or_else(|| Tensor::zeros([columns], &weight.device()));
    match path([&x, &weight, &bias]) {
        Path::Tracked(inputs) => Ok(Tensor::from_primitive::<FlexAutodiff>(autodiff_forward(
            inputs,
            [rows, inner, columns],
            p,
            seed,
        ))),
        Path::Plain([x, weight, bias]) => {
            let output = forward_values(&x, &weight, &bias, [rows, inner, columns], p, seed);
            Ok(Tensor::from_primitive::<Flex>(output))
        }
        Path::Generic => dropout(relu(x.matmul(weight) + bias.unsqueeze_dim(0)), p, seed),
    }
}

/// What the backward pass keeps: the inputs and the output (`h`, whose positive entries are the
/// kept, active units).
#[derive(Debug)]
struct State {
    x: FlexTensor,
    weight: FlexTensor,
    output: FlexTensor,
    shape: [usize; 3],
    keep: f32,
}

#[derive(Debug)]
struct LinearReluDropoutBackward;

impl Backward<Flex, 3> for LinearReluDropoutBackward {
    type State = Arc<State>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let gradient = grads.consume::<Flex>(&ops.node);
        let [x_node, weight_node, bias_node] = ops.parents.map(|p| p.map(|n| n.id));
        let state = &ops.state;
        let [rows, inner, columns] = state.shape;
        let (gradient, _) = flex_matrix(&gradient);
        let (output, _) = flex_matrix(&state.output);
        let pre = pre_activation_gradient(&gradient, &output, state.keep);
        drop(gradient);
        if let Some(id) = bias_node {
            let values = column_sums(&pre, columns);
            grads.register::<Flex>(
                id,
                FlexTensor::from_data(TensorData::new(values, [columns])),
            );
        }
        if let Some(id) = weight_node {
            let (x, _) = flex_matrix(&state.x);
            let values = weight_gradient(&x, &pre, state.shape);
            grads.register::<Flex>(
                id,
                FlexTensor::from_data(TensorData::new(values, [inner, columns])),
            );
        }
        if let Some(id) = x_node {
            let (weight, _) = flex_matrix(&state.weight);
            let mut values = Vec::with_capacity(rows * inner);
            // ∂x [n, k] = ∂z [n, m] · Wᵀ [m, k]: W read column-major.
            // SAFETY: as above, `values` has room for `rows·inner` values, all written.
            unsafe {
                gemm_into(
                    values.as_mut_ptr(),
                    [rows, inner, columns],
                    (pre.as_ptr(), columns as isize, 1),
                    (weight.as_ptr(), 1, columns as isize),
                    parallelism(rows, inner, columns),
                );
                values.set_len(rows * inner);
            }
            grads.register::<Flex>(
                id,
                FlexTensor::from_data(TensorData::new(values, [rows, inner])),
            );
        }
    }
}

fn autodiff_forward(
    [x, weight, bias]: [Primitive<FlexAutodiff>; 3],
    shape: [usize; 3],
    p: f32,
    seed: u64,
) -> Primitive<FlexAutodiff> {
    let nodes = [x.node(), weight.node(), bias.node()];
    let (x, weight, bias) = (
        FlexAutodiff::inner(x),
        FlexAutodiff::inner(weight),
        FlexAutodiff::inner(bias),
    );
    let output = forward_values(&x, &weight, &bias, shape, p, seed);
    match LinearReluDropoutBackward
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(
            Arc::new(State {
                x,
                weight,
                output: output.clone(),
                shape,
                keep: 1.0 / (1.0 - p),
            }),
            output,
        ),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}

/// `h = dropout(relu(x · W + b))`: one GEMM, then one parallel pass per dropout block.
fn forward_values(
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
    [rows, inner, columns]: [usize; 3],
    p: f32,
    seed: u64,
) -> FlexTensor {
    let (x, _) = flex_matrix(x);
    let (weight, _) = flex_matrix(weight);
    let bias = flex_values(bias);
    let mut values: Vec<f32> = Vec::with_capacity(rows * columns);
    // SAFETY: `x` holds `rows·inner` values, `weight` `inner·columns`, and `values` has room for
    // `rows·columns`, every one of which gemm writes (`read_dst` false).
    unsafe {
        gemm_into(
            values.as_mut_ptr(),
            [rows, columns, inner],
            (x.as_ptr(), inner as isize, 1),
            (weight.as_ptr(), columns as isize, 1),
            parallelism(rows, columns, inner),
        );
        values.set_len(rows * columns);
    }
    let keep = 1.0 / (1.0 - p);
    let threshold = (f64::from(p) * 65536.0).round() as u64;
    values
        .par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(block, values)| {
            let column = (block * BLOCK) % columns.max(1);
            bias_relu_block(values, &bias, column);
            if p > 0.0 {
                mask_block_in_place(values, mix(seed ^ mix(block as u64 + 1)), keep, threshold);
            }
        });
    FlexTensor::from_data(TensorData::new(values, [rows, columns]))
}

with_avx512!(
    /// `v = relu(v + b)` over one dropout block whose first value sits in column `column`; the
    /// block may start and end inside a row, so it runs in row segments.
    fn bias_relu_block(values: &mut [f32], bias: &[f32], column: usize) => bias_relu
);

#[inline(always)]
fn bias_relu(values: &mut [f32], bias: &[f32], mut column: usize) {
    let columns = bias.len();
    let mut rest = values;
    while !rest.is_empty() {
        let length = (columns - column).min(rest.len());
        let (segment, tail) = rest.split_at_mut(length);
        for (v, &b) in segment.iter_mut().zip(&bias[column..column + length]) {
            let z = *v + b;
            *v = if z <= 0.0 { 0.0 } else { z };
        }
        rest = tail;
        column = 0;
    }
}

/// `∂z = ∂h · keep` where `h > 0`, 0 elsewhere.
fn pre_activation_gradient(gradient: &[f32], output: &[f32], keep: f32) -> Vec<f32> {
    par_zeroed_chunks(gradient.len(), BLOCK, 1, |block, pre| {
        let start = block * BLOCK;
        let end = start + pre.len();
        pre_activation_block(pre, &gradient[start..end], &output[start..end], keep);
    })
}

with_avx512!(
    /// One block of [`pre_activation_gradient`]; the product is formed everywhere and selected,
    /// so the loop has no branch (the kept, active units are scattered at random) and vectorizes.
    fn pre_activation_block(pre: &mut [f32], gradient: &[f32], output: &[f32], keep: f32)
        => pre_activation
);

#[inline(always)]
fn pre_activation(pre: &mut [f32], gradient: &[f32], output: &[f32], keep: f32) {
    for ((d, &g), &h) in pre.iter_mut().zip(gradient).zip(output) {
        let scaled = g * keep;
        *d = if h > 0.0 { scaled } else { 0.0 };
    }
}

/// `∂W [k, m] = xᵀ [k, n] · ∂z [n, m]` as a sum over fixed slices of [`GRADIENT_ROWS`] rows:
/// each slice's product runs on one thread, the slices in parallel, and the partial products
/// are added in slice order, so the result does not depend on the thread count. (One parallel
/// product over all rows can only split the small `k x m` output between threads, which ran
/// this long, thin shape about a third slower on two threads.)
fn weight_gradient(x: &[f32], pre: &[f32], [rows, inner, columns]: [usize; 3]) -> Vec<f32> {
    let product = |start: usize, count: usize, parallelism: gemm::Parallelism| {
        let mut values = Vec::with_capacity(inner * columns);
        // SAFETY: rows `start..start + count` of `x` (`inner` wide) and of `pre` (`columns`
        // wide) lie inside the slices; `values` has room for `inner·columns` values, all
        // written (`read_dst` false). `x` is read column-major as `xᵀ`.
        unsafe {
            gemm_into(
                values.as_mut_ptr(),
                [inner, columns, count],
                (x[start * inner..].as_ptr(), 1, inner as isize),
                (pre[start * columns..].as_ptr(), columns as isize, 1),
                parallelism,
            );
            values.set_len(inner * columns);
        }
        values
    };
    let slices = rows.div_ceil(GRADIENT_ROWS);
    if slices <= 1 {
        return product(0, rows, parallelism(inner, columns, rows));
    }
    let partials: Vec<Vec<f32>> = (0..slices)
        .into_par_iter()
        .map(|slice| {
            let start = slice * GRADIENT_ROWS;
            product(
                start,
                GRADIENT_ROWS.min(rows - start),
                gemm::Parallelism::None,
            )
        })
        .collect();
    let mut partials = partials.into_iter();
    let mut total = partials.next().unwrap_or_default();
    for partial in partials {
        for (t, p) in total.iter_mut().zip(partial) {
            *t += p;
        }
    }
    total
}

/// Column sums of a row-major matrix, per fixed block of [`BIAS_ROWS`] rows, blocks added in
/// order (deterministic whatever the thread count).
fn column_sums(values: &[f32], columns: usize) -> Vec<f32> {
    if columns == 0 {
        return Vec::new();
    }
    let partials: Vec<Vec<f32>> = values
        .par_chunks(BIAS_ROWS * columns)
        .map(|block| {
            let mut sums = vec![0.0f32; columns];
            for row in block.chunks_exact(columns) {
                for (s, &v) in sums.iter_mut().zip(row) {
                    *s += v;
                }
            }
            sums
        })
        .collect();
    let mut sums = vec![0.0f32; columns];
    for partial in partials {
        for (s, v) in sums.iter_mut().zip(partial) {
            *s += v;
        }
    }
    sums
}

/// Rayon's threads for a product of `m·n·k` multiply-adds when it is large (as Flex's matmul
/// decides), one thread otherwise.
fn parallelism(m: usize, n: usize, k: usize) -> gemm::Parallelism {
    if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_PRODUCT {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    }
}

/// `dst [m, n] (row-major) = lhs [m, k] · rhs [k, n]`, operands given as (pointer, row stride,
/// column stride).
///
/// # Safety
/// The operands must address `m·k` and `k·n` values with the given strides and `dst` must have
/// room for `m·n` values.
unsafe fn gemm_into(
    dst: *mut f32,
    [m, n, k]: [usize; 3],
    (lhs, lhs_row, lhs_column): (*const f32, isize, isize),
    (rhs, rhs_row, rhs_column): (*const f32, isize, isize),
    parallelism: gemm::Parallelism,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // SAFETY: `dst` has room for `m·n` values (the caller's contract).
        unsafe { std::ptr::write_bytes(dst, 0, m * n) };
        return;
    }
    // SAFETY: the caller's contract; gemm reads `lhs`/`rhs` and writes `dst` only.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            false,
            lhs,
            lhs_column,
            lhs_row,
            rhs,
            rhs_column,
            rhs_row,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: u64) -> Vec<f32> {
        (0..n)
            .map(|i| (mix(seed ^ i as u64) >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
            .collect()
    }

    #[test]
    fn the_run_time_choice_of_vector_unit_gives_the_same_bits() {
        // 1000 values of a 70-wide matrix starting in column 13: partial rows at both ends.
        let bias = values(70, 1);
        let input = values(1000, 2);
        let (mut dispatched, mut baseline) = (input.clone(), input.clone());
        bias_relu_block(&mut dispatched, &bias, 13);
        bias_relu(&mut baseline, &bias, 13);
        assert_eq!(dispatched, baseline);
        assert_eq!(baseline[0], (input[0] + bias[13]).max(0.0));
        assert_eq!(baseline[57], (input[57] + bias[0]).max(0.0));

        let gradient = values(1000, 3);
        let (mut dispatched, mut baseline) = (vec![0.0; 1000], vec![0.0; 1000]);
        pre_activation_block(&mut dispatched, &gradient, &input, 2.0);
        pre_activation(&mut baseline, &gradient, &input, 2.0);
        assert_eq!(dispatched, baseline);
    }
}
