//! Differentiable sparse-dense products `Y = S · X` for a constant [`SparseOperator`] `S`.
//!
//! Three paths, chosen from the tensor itself:
//! - `Autodiff<Flex>` (CPU training): a custom autodiff op. Forward runs the row-parallel CSR
//!   kernel on Flex's own buffers; backward computes `∂L/∂X = Sᵀ · ∂L/∂Y` with the cached
//!   transpose.
//! - `Flex` without autodiff (CPU inference): the same kernel, no graph.
//! - any other backend (wgpu, cuda): Burn tensor ops only — gather the source rows with `select`,
//!   weight them, and sum them into their target rows with `select_assign(.., Add)`.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::{AutodiffBackend, Flex};
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};

use crate::error::{NnError, Result};
use crate::ops::dispatch::{FlexAutodiff, Path, flex_matrix, path};
use crate::ops::kernels::csr::csr_times_dense;
use crate::ops::operator::{Csr, SparseOperator};
use crate::ops::propagate_scaled::{scaled_product, scaled_product_generic};

/// `S · X` (or `(S ∘ M) · X` for an operator with multipliers `M`). Fails if `X` does not have `S.columns` rows.
pub fn propagate(operator: &SparseOperator, x: Tensor<2>) -> Result<Tensor<2>> {
    let [rows, _] = x.dims();
    let (_, columns) = operator.shape();
    if rows != columns {
        return Err(NnError::ShapeMismatch {
            what: "rows of the dense operand of a sparse product (= columns of the operator)"
                .into(),
            expected: columns,
            actual: rows,
        });
    }
    if let Some(multipliers) = &operator.multipliers {
        return Ok(scaled_product(operator, x, (**multipliers).clone()));
    }
    Ok(match path([&x]) {
        Path::Tracked([tracked]) => {
            Tensor::from_primitive::<FlexAutodiff>(autodiff_product(operator, tracked))
        }
        Path::Plain([plain]) => {
            Tensor::from_primitive::<Flex>(flex_product(&operator.forward, plain))
        }
        Path::Generic => generic_product(operator, x),
    })
}

/// The backend-generic path, built only from Burn tensor ops. Public so tests can compare it
/// with the custom op on the same backend.
pub fn propagate_generic(operator: &SparseOperator, x: Tensor<2>) -> Result<Tensor<2>> {
    let [rows, _] = x.dims();
    if rows != operator.shape().1 {
        return Err(NnError::ShapeMismatch {
            what: "rows of the dense operand of a sparse product".into(),
            expected: operator.shape().1,
            actual: rows,
        });
    }
    if let Some(multipliers) = &operator.multipliers {
        return Ok(scaled_product_generic(operator, x, (**multipliers).clone()));
    }
    Ok(generic_product(operator, x))
}

fn generic_product(operator: &SparseOperator, x: Tensor<2>) -> Tensor<2> {
    let device = x.device();
    let csr = &operator.forward;
    let [_, width] = x.dims();
    let mut targets = Vec::with_capacity(csr.nnz());
    for row in 0..csr.rows {
        targets.extend(std::iter::repeat_n(
            row as i64,
            csr.indptr[row + 1] - csr.indptr[row],
        ));
    }
    let sources: Vec<i64> = csr.indices.iter().map(|&c| i64::from(c)).collect();
    let nnz = csr.nnz();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [nnz]), &device);
    let sources = Tensor::<1, Int>::from_data(TensorData::new(sources, [nnz]), &device);
    let weights = Tensor::<2>::from_data(TensorData::new(csr.values.clone(), [nnz, 1]), &device);
    let messages = x.select(0, sources) * weights;
    Tensor::<2>::zeros([csr.rows, width], &device).select_assign(
        0,
        targets,
        messages,
        IndexingUpdateOp::Add,
    )
}

fn flex_product(csr: &Csr, x: FlexTensor) -> FlexTensor {
    let (values, width) = flex_matrix(&x);
    let y = csr_times_dense(csr, &values, width);
    FlexTensor::from_data(TensorData::new(y, [csr.rows, width]))
}

/// Backward of `Y = S · X`: `∂L/∂X = Sᵀ · ∂L/∂Y`; the state is `Sᵀ`.
#[derive(Debug)]
struct SparseProductBackward;

impl Backward<Flex, 1> for SparseProductBackward {
    type State = Arc<Csr>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let Ops {
            parents,
            node,
            state: transpose,
        } = ops;
        unary::<Flex, _>(parents, node, grads, |grad| flex_product(&transpose, grad));
    }
}

fn autodiff_product(
    operator: &SparseOperator,
    x: <FlexAutodiff as burn::backend::BackendTypes>::FloatTensorPrimitive,
) -> <FlexAutodiff as burn::backend::BackendTypes>::FloatTensorPrimitive {
    let prepared = SparseProductBackward
        .prepare::<NoCheckpointing>([x.node()])
        .compute_bound()
        .stateful();
    let output = flex_product(&operator.forward, FlexAutodiff::inner(x));
    match prepared {
        OpsKind::Tracked(prep) => prep.finish(Arc::clone(&operator.backward), output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}
