//! ELU with a fused Flex path: one parallel pass forward and one backward (Burn's own `elu` runs
//! five element-wise ops and their gradients, on one thread each).

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, unary};
use burn::backend::flex::FlexTensor;
use burn::tensor::{Tensor, TensorData};
use cinder_graph::par_zeroed_chunks;

use crate::ops::dispatch::{flex_matrix, unary_flex_op};

/// `ELU(x) = x` for `x > 0`, `α (eˣ − 1)` otherwise (Clevert et al. 2016), as
/// `burn::tensor::activation::elu`: fused and parallel on Flex, Burn's ops elsewhere.
pub fn elu(x: Tensor<2>, alpha: f64) -> Tensor<2> {
    flex_elu(&x, alpha as f32).unwrap_or_else(|| burn::tensor::activation::elu(x, alpha))
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
fn flex_elu(x: &Tensor<2>, alpha: f32) -> Option<Tensor<2>> {
    let forward = |x: &FlexTensor| elu_values(x, alpha);
    unary_flex_op(x, EluBackward, forward, |output| (output.clone(), alpha))
}
