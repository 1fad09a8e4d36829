//! Inverted dropout that is cheap on CPU: the mask is drawn in parallel from a seeded counter-based
//! stream (the same seed gives the same mask whatever the thread count), and dropout on a sparse
//! input touches only its stored entries.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, unary};
use burn::backend::flex::FlexTensor;
use burn::tensor::{Tensor, TensorData};

use crate::error::{NnError, Result};
use crate::ops::dispatch::{flex_matrix, unary_flex_op};
use crate::ops::kernels::dropout_mask::{mask, masked_copy};
use crate::ops::operator::SparseOperator;

pub(crate) fn check_probability(p: f32) -> Result<()> {
    if !(0.0..1.0).contains(&p) {
        return Err(NnError::InvalidOption {
            option: "dropout probability",
            reason: format!("{p} is not in [0, 1)"),
        });
    }
    Ok(())
}

/// Inverted dropout on a dense tensor: each element is zeroed with probability `p` and the rest are
/// scaled by `1 / (1 - p)`, so the expectation is unchanged. Differentiable. On the Flex backend
/// the mask is fused into one parallel pass (and regenerated from the seed in the backward pass);
/// elsewhere it is a product with a constant mask tensor.
pub fn dropout(x: Tensor<2>, p: f32, seed: u64) -> Result<Tensor<2>> {
    check_probability(p)?;
    if p == 0.0 {
        return Ok(x);
    }
    if let Some(dropped) = flex_dropout(&x, p, seed) {
        return Ok(dropped);
    }
    let dims = x.dims();
    let values = mask(dims[0] * dims[1], p, seed);
    let mask = Tensor::<2>::from_data(TensorData::new(values, dims), &x.device());
    Ok(x * mask)
}

/// Inverted dropout on a sparse input (e.g. a bag-of-words feature matrix): only stored entries are
/// dropped or scaled, the zeros stay zeros, and nothing is densified.
pub fn sparse_dropout(input: &SparseOperator, p: f32, seed: u64) -> Result<SparseOperator> {
    check_probability(p)?;
    if p == 0.0 {
        return Ok(input.clone());
    }
    let mask = mask(input.nnz(), p, seed);
    let values = input
        .values()
        .iter()
        .zip(mask)
        .map(|(v, m)| v * m)
        .collect();
    Ok(input.with_values(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_the_expected_fraction_and_scale() {
        let values = mask(200_000, 0.5, 7);
        let kept = values.iter().filter(|&&v| v != 0.0).count() as f64 / values.len() as f64;
        assert!((kept - 0.5).abs() < 0.01, "kept {kept}");
        assert!(values.iter().all(|&v| v == 0.0 || v == 2.0));
        let mean: f64 = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
        assert_eq!(values, mask(200_000, 0.5, 7));
        assert_ne!(values, mask(200_000, 0.5, 8));
    }

    #[test]
    fn fused_dense_dropout_matches_its_mask_forward_and_backward() {
        use burn::tensor::Device;
        let device = Device::flex().autodiff();
        let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32; 6 * 7], [6, 7]), &device)
            .require_grad();
        let weights: Vec<f32> = (0..42).map(|i| i as f32 - 20.0).collect();
        let c = Tensor::<2>::from_data(TensorData::new(weights.clone(), [6, 7]), &device);
        let y = dropout(x.clone(), 0.3, 11).unwrap();
        let expected = mask(42, 0.3, 11);
        let forward = y.clone().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(forward, expected);
        let grads = (y * c).sum().backward();
        let gradient = x
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let oracle: Vec<f32> = expected.iter().zip(&weights).map(|(m, w)| m * w).collect();
        assert_eq!(gradient, oracle);
    }

    #[test]
    fn probability_must_be_below_one() {
        assert!(check_probability(1.0).is_err());
        assert!(check_probability(-0.1).is_err());
        assert!(check_probability(0.0).is_ok());
    }

    #[test]
    fn sparse_dropout_touches_only_stored_entries() {
        let matrix = cinder_graph::SparseMatrix::new(
            (2, 3),
            vec![0, 2, 3],
            vec![0, 2, 1],
            vec![1.0, 2.0, 3.0],
        );
        let operator = SparseOperator::new(&matrix).unwrap();
        let dropped = sparse_dropout(&operator, 0.5, 1).unwrap();
        assert_eq!(dropped.nnz(), 3);
        for (before, after) in operator.values().iter().zip(dropped.values()) {
            assert!(*after == 0.0 || *after == 2.0 * before);
        }
        // The cached transpose holds the same dropped values.
        let dense = dropped.to_dense();
        let transposed: Vec<f32> = (0..3)
            .flat_map(|j| (0..2).map(move |i| (i, j)))
            .map(|(i, j)| dense[i * 3 + j])
            .collect();
        let mut backward = vec![0.0; 6];
        let csr = &dropped.backward;
        for row in 0..csr.rows {
            for k in csr.indptr[row]..csr.indptr[row + 1] {
                backward[row * csr.columns + csr.indices[k] as usize] = csr.values[k];
            }
        }
        assert_eq!(backward, transposed);
    }
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
fn flex_dropout(x: &Tensor<2>, p: f32, seed: u64) -> Option<Tensor<2>> {
    let forward = |x: &FlexTensor| masked(x, p, seed);
    unary_flex_op(x, DropoutBackward, forward, |_| (p, seed))
}
