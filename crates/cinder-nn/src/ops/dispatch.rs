//! The one place that knows Burn's backends apart: the Flex types, and reading and building Flex
//! buffers. Every op in [`crate::ops`] asks [`path`] which way its inputs go — the fused host
//! kernel with its hand-written backward (autodiff on Flex), the same kernel without a graph
//! (plain Flex), or Burn's generic tensor ops (any other backend) — instead of matching on the
//! backend itself.

use std::borrow::Cow;

use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::ops::{Backward, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, BackendTypes, Flex};
use burn::tensor::{Device, Tensor, TensorData};

/// Flex with autodiff: the backend whose tensors the ops track with their own backward.
pub(crate) type FlexAutodiff = Autodiff<Flex>;

/// The primitive of an autodiff-Flex float tensor.
pub(crate) type Tracked = <FlexAutodiff as BackendTypes>::FloatTensorPrimitive;

/// The path an op takes for its inputs.
pub(crate) enum Path<const N: usize> {
    /// Every input is on Flex with autodiff: the host kernel and the op's own `Backward`.
    Tracked([Tracked; N]),
    /// Every input is on plain Flex: the host kernel, no graph.
    Plain([FlexTensor; N]),
    /// Anything else (another backend, or inputs on different ones): Burn's generic tensor ops.
    Generic,
}

/// A float tensor of any rank, as [`path`] sees it.
pub(crate) trait FlexInput {
    /// Its autodiff-Flex primitive, if it lives there.
    fn tracked(&self) -> Option<Tracked>;
    /// Its plain Flex buffer, if it lives on Flex without autodiff.
    fn plain(&self) -> Option<FlexTensor>;
}

impl<const D: usize> FlexInput for Tensor<D> {
    fn tracked(&self) -> Option<Tracked> {
        self.clone().try_into_primitive::<FlexAutodiff>().ok()
    }

    fn plain(&self) -> Option<FlexTensor> {
        self.clone().try_into_primitive::<Flex>().ok()
    }
}

/// Which path the op takes for `inputs`: the one dispatch every op in [`crate::ops`] goes
/// through.
pub(crate) fn path<const N: usize>(inputs: [&dyn FlexInput; N]) -> Path<N> {
    let tracked: Option<Vec<Tracked>> = inputs.iter().map(|input| input.tracked()).collect();
    if let Some(Ok(tracked)) = tracked.map(<[Tracked; N]>::try_from) {
        return Path::Tracked(tracked);
    }
    let plain: Option<Vec<FlexTensor>> = inputs.iter().map(|input| input.plain()).collect();
    if let Some(Ok(plain)) = plain.map(<[FlexTensor; N]>::try_from) {
        return Path::Plain(plain);
    }
    Path::Generic
}

/// A one-input op on Flex: `forward` on the buffer, and on the autodiff path `backward` with the
/// state `state_of(output)`; `None` for other backends (the caller takes Burn's ops).
pub(crate) fn unary_flex_op<B: Backward<Flex, 1>>(
    x: &Tensor<2>,
    backward: B,
    forward: impl Fn(&FlexTensor) -> FlexTensor,
    state_of: impl FnOnce(&FlexTensor) -> B::State,
) -> Option<Tensor<2>> {
    match path([x]) {
        Path::Tracked([tracked]) => {
            let prepared = backward
                .prepare::<NoCheckpointing>([tracked.node()])
                .compute_bound()
                .stateful();
            let output = forward(&FlexAutodiff::inner(tracked));
            let output = match prepared {
                OpsKind::Tracked(prep) => prep.finish(state_of(&output), output),
                OpsKind::UnTracked(prep) => prep.finish(output),
            };
            Some(Tensor::from_primitive::<FlexAutodiff>(output))
        }
        Path::Plain([plain]) => Some(Tensor::from_primitive::<Flex>(forward(&plain))),
        Path::Generic => None,
    }
}

/// A 2-D f32 Flex tensor's row-major values (copied only if it is not contiguous) and its width.
pub(crate) fn flex_matrix(x: &FlexTensor) -> (Cow<'_, [f32]>, usize) {
    (flex_values(x), x.layout().shape()[1])
}

/// A row-major matrix as a tensor on `device`. On Flex (with or without autodiff) the buffer is
/// used as it is; `Tensor::from_data` would copy it into a freshly aligned one — a serial copy of
/// every mini-batch's input rows.
pub(crate) fn matrix_tensor(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    let probe = Tensor::<1>::empty([0], device);
    let data = TensorData::new(values, shape);
    if probe.tracked().is_some() {
        let inner = FlexTensor::from_data(data);
        return Tensor::from_primitive::<FlexAutodiff>(FlexAutodiff::from_inner(inner));
    }
    if probe.plain().is_some() {
        return Tensor::from_primitive::<Flex>(FlexTensor::from_data(data));
    }
    Tensor::from_data(data, device)
}

/// A Flex tensor's values in row-major order, whatever its rank (copied only if it is not
/// contiguous).
pub(crate) fn flex_values(x: &FlexTensor) -> Cow<'_, [f32]> {
    match x.as_slice::<f32>() {
        Some(values) => Cow::Borrowed(values),
        None => Cow::Owned(
            x.to_contiguous()
                .as_slice::<f32>()
                .map(<[f32]>::to_vec)
                .unwrap_or_default(),
        ),
    }
}
