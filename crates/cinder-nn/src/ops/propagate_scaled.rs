//! `Y = (S ∘ M) · X` for a constant operator `S` and tracked per-entry multipliers `M` (an edge
//! mask): the product [`crate::ops::propagate`] computes when the operator carries multipliers
//! ([`SparseOperator::with_multipliers`]).
//!
//! Gradients, with `k` a stored entry at `(i, j)`:
//! - `∂L/∂X = (S ∘ M)ᵀ · ∂L/∂Y` (the cached transpose, re-valued);
//! - `∂L/∂M[k] = S[k] · ⟨∂L/∂Y[i], X[j]⟩`, one dot product per entry, rows in parallel.
//!
//! On `Autodiff<Flex>` a custom op with two parents; on plain Flex the forward kernel; elsewhere
//! Burn tensor ops (select, multiply, scatter-add), which differentiate both inputs themselves.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{AutodiffBackend, Flex};
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};
use rayon::prelude::*;

use crate::ops::dispatch::{FlexAutodiff, Path, flex_matrix, flex_values, path};
use crate::ops::kernels::csr::csr_values_times_dense;
use crate::ops::operator::{Csr, SparseOperator};

type Primitive<B> = <B as burn::backend::BackendTypes>::FloatTensorPrimitive;

/// `(S ∘ M) · X`; shapes were checked by the caller (`M` has one value per stored entry).
pub(crate) fn scaled_product(
    operator: &SparseOperator,
    x: Tensor<2>,
    multipliers: Tensor<1>,
) -> Tensor<2> {
    match path([&x, &multipliers]) {
        Path::Tracked([x, multipliers]) => {
            Tensor::from_primitive::<FlexAutodiff>(autodiff_scaled(operator, x, multipliers))
        }
        Path::Plain([x, multipliers]) => {
            let (values, width) = flex_matrix(&x);
            let effective = effective_values(&operator.forward, &flex_values(&multipliers));
            let y = csr_values_times_dense(&operator.forward, &effective, &values, width);
            Tensor::from_primitive::<Flex>(FlexTensor::from_data(TensorData::new(
                y,
                [operator.forward.rows, width],
            )))
        }
        Path::Generic => scaled_product_generic(operator, x, multipliers),
    }
}

/// The backend-generic `(S ∘ M) · X` from Burn tensor ops (tests compare it with the Flex op).
pub(crate) fn scaled_product_generic(
    operator: &SparseOperator,
    x: Tensor<2>,
    multipliers: Tensor<1>,
) -> Tensor<2> {
    let device = x.device();
    let csr = &operator.forward;
    let [_, width] = x.dims();
    let nnz = csr.nnz();
    let mut targets = Vec::with_capacity(nnz);
    for row in 0..csr.rows {
        targets.extend(std::iter::repeat_n(
            row as i64,
            csr.indptr[row + 1] - csr.indptr[row],
        ));
    }
    let sources: Vec<i64> = csr.indices.iter().map(|&c| i64::from(c)).collect();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [nnz]), &device);
    let sources = Tensor::<1, Int>::from_data(TensorData::new(sources, [nnz]), &device);
    let values = Tensor::<1>::from_data(TensorData::new(csr.values.clone(), [nnz]), &device);
    let weights = (values * multipliers).unsqueeze_dim::<2>(1);
    let messages = x.select(0, sources) * weights;
    Tensor::<2>::zeros([csr.rows, width], &device).select_assign(
        0,
        targets,
        messages,
        IndexingUpdateOp::Add,
    )
}

fn effective_values(csr: &Csr, multipliers: &[f32]) -> Vec<f32> {
    csr.values
        .iter()
        .zip(multipliers)
        .map(|(value, multiplier)| value * multiplier)
        .collect()
}

/// What the backward pass needs.
#[derive(Debug)]
struct ScaledState {
    forward: Arc<Csr>,
    transpose: Arc<Csr>,
    transpose_source: Arc<Vec<u32>>,
    /// `S ∘ M` in the forward CSR order.
    effective: Vec<f32>,
    /// `X`, row-major.
    x: Vec<f32>,
    width: usize,
}

#[derive(Debug)]
struct ScaledBackward;

impl Backward<Flex, 2> for ScaledBackward {
    type State = Arc<ScaledState>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let gradient = grads.consume::<Flex>(&ops.node);
        let [x_parent, m_parent] = ops.parents.map(|p| p.map(|n| n.id));
        let state = &ops.state;
        let (upstream, width) = flex_matrix(&gradient);
        if let Some(id) = x_parent {
            let transposed: Vec<f32> = state
                .transpose_source
                .iter()
                .map(|&k| state.effective[k as usize])
                .collect();
            let grad_x = csr_values_times_dense(&state.transpose, &transposed, &upstream, width);
            grads.register::<Flex>(
                id,
                FlexTensor::from_data(TensorData::new(grad_x, [state.transpose.rows, width])),
            );
        }
        if let Some(id) = m_parent {
            let grad_m = multiplier_gradient(&state.forward, &upstream, &state.x, state.width);
            let nnz = grad_m.len();
            grads.register::<Flex>(id, FlexTensor::from_data(TensorData::new(grad_m, [nnz])));
        }
    }
}

/// `∂L/∂M[k] = S[k] · ⟨G[row k], X[column k]⟩` for every stored entry, rows in parallel.
fn multiplier_gradient(csr: &Csr, upstream: &[f32], x: &[f32], width: usize) -> Vec<f32> {
    (0..csr.rows)
        .into_par_iter()
        .flat_map_iter(|row| {
            let g = &upstream[row * width..(row + 1) * width];
            (csr.indptr[row]..csr.indptr[row + 1]).map(move |k| {
                let start = csr.indices[k] as usize * width;
                let dot: f32 = g
                    .iter()
                    .zip(&x[start..start + width])
                    .map(|(a, b)| a * b)
                    .sum();
                csr.values[k] * dot
            })
        })
        .collect()
}

fn autodiff_scaled(
    operator: &SparseOperator,
    x: Primitive<FlexAutodiff>,
    multipliers: Primitive<FlexAutodiff>,
) -> Primitive<FlexAutodiff> {
    let prepared = ScaledBackward
        .prepare::<NoCheckpointing>([x.node(), multipliers.node()])
        .compute_bound()
        .stateful();
    let x_inner = FlexAutodiff::inner(x);
    let m_inner = FlexAutodiff::inner(multipliers);
    let (values, width) = flex_matrix(&x_inner);
    let effective = effective_values(&operator.forward, &flex_values(&m_inner));
    let y = csr_values_times_dense(&operator.forward, &effective, &values, width);
    let output = FlexTensor::from_data(TensorData::new(y, [operator.forward.rows, width]));
    match prepared {
        OpsKind::Tracked(prep) => {
            let state = Arc::new(ScaledState {
                forward: Arc::clone(&operator.forward),
                transpose: Arc::clone(&operator.backward),
                transpose_source: Arc::clone(&operator.transpose_source),
                effective,
                x: values.into_owned(),
                width,
            });
            prep.finish(state, output)
        }
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}
