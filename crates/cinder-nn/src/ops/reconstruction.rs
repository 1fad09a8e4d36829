//! Kipf & Welling's weighted reconstruction loss of the whole adjacency matrix (their GAE and
//! VGAE objective), as one op: fused on Flex (the `N × N` logits are never stored; see
//! [`crate::ops::kernels::reconstruction`]), Burn's tensor ops elsewhere.

use std::sync::Arc;

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, unary};
use burn::backend::flex::FlexTensor;
use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Tensor, TensorData};

use crate::ops::dispatch::{flex_matrix, flex_values, unary_flex_op};
pub use crate::ops::kernels::reconstruction::ReconstructionTarget;
use crate::ops::kernels::reconstruction::{reconstruction_gradient, reconstruction_loss};

/// The loss of embeddings `z` (`N × L`) against `target`, as a one-element tensor.
pub fn dense_reconstruction_loss(z: Tensor<2>, target: &Arc<ReconstructionTarget>) -> Tensor<1> {
    let width = z.dims()[1];
    let forward = |z: &FlexTensor| {
        let values = flex_values(z);
        let loss = reconstruction_loss(&values, width, target) as f32;
        FlexTensor::from_data(TensorData::new(vec![loss], [1, 1]))
    };
    let fused = unary_flex_op(&z, ReconstructionBackward, forward, |_| {
        (z_state(&z), Arc::clone(target))
    });
    match fused {
        Some(loss) => loss.reshape([1]),
        None => generic_loss(z, target),
    }
}

/// The input embeddings, kept for the backward pass.
fn z_state(z: &Tensor<2>) -> FlexTensor {
    let [rows, width] = z.dims();
    let values = z
        .clone()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap_or_default();
    FlexTensor::from_data(TensorData::new(values, [rows, width]))
}

/// Burn's tensor ops on a dense label matrix (the reference and the GPU path).
fn generic_loss(z: Tensor<2>, target: &ReconstructionTarget) -> Tensor<1> {
    let n = target.num_nodes;
    let device = z.device();
    let mut label = vec![0.0f32; n * n];
    for i in 0..n {
        for &j in &target.positives[target.offsets[i]..target.offsets[i + 1]] {
            label[i * n + j as usize] = 1.0;
        }
    }
    let w = target.positive_weight;
    let one_minus: Vec<f32> = label.iter().map(|&y| 1.0 - y).collect();
    let weight: Vec<f32> = label.iter().map(|&y| 1.0 + (w - 1.0) * y).collect();
    let one_minus = Tensor::<2>::from_data(TensorData::new(one_minus, [n, n]), &device);
    let weight = Tensor::<2>::from_data(TensorData::new(weight, [n, n]), &device);
    let logits = z.clone().matmul(z.transpose());
    let terms = one_minus * logits.clone() - weight * log_sigmoid(logits);
    terms.sum() * target.scale
}

/// Backward: `2 G Z` times the upstream gradient.
#[derive(Debug)]
struct ReconstructionBackward;

impl Backward<Flex, 1> for ReconstructionBackward {
    type State = (FlexTensor, Arc<ReconstructionTarget>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let Ops {
            parents,
            node,
            state: (z, target),
        } = ops;
        unary::<Flex, _>(parents, node, grads, |grad| {
            let upstream = flex_values(&grad).first().copied().unwrap_or(0.0);
            let (values, width) = flex_matrix(&z);
            let gradient = reconstruction_gradient(&values, width, &target, upstream);
            FlexTensor::from_data(TensorData::new(gradient, [target.num_nodes, width]))
        });
    }
}
