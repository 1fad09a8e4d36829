//! Host-side helpers for the Flex CPU backend: reading a tensor's buffer, and the fused dropout
//! and ELU autodiff ops.

use std::borrow::Cow;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::par_zeroed_chunks;

use crate::dropout_mask::masked_copy;

type FlexAutodiff = Autodiff<Flex>;

/// A 2-D f32 Flex tensor's row-major values (copied only if it is not contiguous) and its width.
pub(crate) fn flex_matrix(x: &FlexTensor) -> (Cow<'_, [f32]>, usize) {
    let width = x.layout().shape()[1];
    match x.as_slice::<f32>() {
        Some(values) => (Cow::Borrowed(values), width),
        None => {
            let contiguous = x.to_contiguous();
            let values = contiguous
                .as_slice::<f32>()
                .map(<[f32]>::to_vec)
                .unwrap_or_default();
            (Cow::Owned(values), width)
        }
    }
}

/// A row-major matrix as a tensor on `device`. On Flex (with or without autodiff) the buffer is
/// used as it is; `Tensor::from_data` would copy it into a freshly aligned one — a serial copy of
/// every mini-batch's input rows.
pub(crate) fn matrix_tensor(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    let probe = Tensor::<1>::empty([0], device);
    let data = TensorData::new(values, shape);
    if probe.clone().try_into_primitive::<FlexAutodiff>().is_ok() {
        let inner = FlexTensor::from_data(data);
        return Tensor::from_primitive::<FlexAutodiff>(FlexAutodiff::from_inner(inner));
    }
    if probe.try_into_primitive::<Flex>().is_ok() {
        return Tensor::from_primitive::<Flex>(FlexTensor::from_data(data));
    }
    Tensor::from_data(data, device)
}

fn masked(x: &FlexTensor, p: f32, seed: u64) -> FlexTensor {
    let shape = x.layout().shape().clone();
    let (values, _) = flex_matrix(x);
    let values = masked_copy(&values, p, seed);
    FlexTensor::from_data(TensorData::new(values, [shape[0], shape[1]]))
}

/// Backward of dropout: the same mask, regenerated from `(p, seed)`.
#[derive(Debug)]
struct DropoutBackward;

impl Backward<Flex, 1> for DropoutBackward {
    type State = (f32, u64);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let Ops {
            parents,
            node,
            state: (p, seed),
        } = ops;
        unary::<Flex, _>(parents, node, grads, |grad| masked(&grad, p, seed));
    }
}

/// Dropout fused into one host pass when `x` lives on Flex (with or without autodiff); `None` for
/// other backends.
pub(crate) fn flex_dropout(x: &Tensor<2>, p: f32, seed: u64) -> Option<Tensor<2>> {
    if let Ok(tracked) = x.clone().try_into_primitive::<FlexAutodiff>() {
        let prepared = DropoutBackward
            .prepare::<NoCheckpointing>([tracked.node()])
            .compute_bound()
            .stateful();
        let output = masked(&FlexAutodiff::inner(tracked), p, seed);
        let output = match prepared {
            OpsKind::Tracked(prep) => prep.finish((p, seed), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        return Some(Tensor::from_primitive::<FlexAutodiff>(output));
    }
    if let Ok(plain) = x.clone().try_into_primitive::<Flex>() {
        return Some(Tensor::from_primitive::<Flex>(masked(&plain, p, seed)));
    }
    None
}

/// Elements per rayon task of the element-wise ops.
const ELEMENTS_PER_TASK: usize = 1 << 15;

/// `ELU(x) = x` for `x > 0`, `α (eˣ − 1)` otherwise, in one parallel pass.
fn elu_values(x: &FlexTensor, alpha: f32) -> FlexTensor {
    let shape = x.layout().shape().clone();
    let (values, width) = flex_matrix(x);
    let out = par_zeroed_chunks(values.len(), ELEMENTS_PER_TASK, 1, |chunk, out| {
        let start = chunk * ELEMENTS_PER_TASK;
        for (o, &v) in out.iter_mut().zip(&values[start..]) {
            *o = if v > 0.0 { v } else { alpha * v.exp_m1() };
        }
    });
    FlexTensor::from_data(TensorData::new(out, [shape[0], width]))
}

/// Backward of ELU from its output `y`: `∂x = ∂y` where `y > 0`, `∂y · (y + α)` elsewhere
/// (`y + α = α eˣ` there).
#[derive(Debug)]
struct EluBackward;

impl Backward<Flex, 1> for EluBackward {
    type State = (FlexTensor, f32);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let Ops {
            parents,
            node,
            state: (output, alpha),
        } = ops;
        unary::<Flex, _>(parents, node, grads, |grad| {
            let shape = grad.layout().shape().clone();
            let (gradient, _) = flex_matrix(&grad);
            let (output, _) = flex_matrix(&output);
            let values =
                par_zeroed_chunks(gradient.len(), ELEMENTS_PER_TASK, 1, |chunk, values| {
                    let start = chunk * ELEMENTS_PER_TASK;
                    let pairs = gradient[start..].iter().zip(&output[start..]);
                    for (v, (&g, &y)) in values.iter_mut().zip(pairs) {
                        *v = if y > 0.0 { g } else { g * (y + alpha) };
                    }
                });
            FlexTensor::from_data(TensorData::new(values, [shape[0], shape[1]]))
        });
    }
}

/// ELU fused into one host pass (and one for its gradient) when `x` lives on Flex, with or
/// without autodiff; `None` for other backends. Equals `burn::tensor::activation::elu`.
pub(crate) fn flex_elu(x: &Tensor<2>, alpha: f32) -> Option<Tensor<2>> {
    if let Ok(tracked) = x.clone().try_into_primitive::<FlexAutodiff>() {
        let prepared = EluBackward
            .prepare::<NoCheckpointing>([tracked.node()])
            .compute_bound()
            .stateful();
        let output = elu_values(&FlexAutodiff::inner(tracked), alpha);
        let output = match prepared {
            OpsKind::Tracked(prep) => prep.finish((output.clone(), alpha), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        return Some(Tensor::from_primitive::<FlexAutodiff>(output));
    }
    if let Ok(plain) = x.clone().try_into_primitive::<Flex>() {
        return Some(Tensor::from_primitive::<Flex>(elu_values(&plain, alpha)));
    }
    None
}
