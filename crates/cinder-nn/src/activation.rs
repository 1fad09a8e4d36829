//! Activations with a fused Flex path: ELU in one pass forward and one backward (Burn's own
//! `elu` runs five element-wise ops and their gradients, on one thread each).

use burn::tensor::Tensor;

use crate::flex::flex_elu;

/// `ELU(x) = x` for `x > 0`, `α (eˣ − 1)` otherwise (Clevert et al. 2016), as
/// `burn::tensor::activation::elu`: fused and parallel on Flex, Burn's ops elsewhere.
pub fn elu(x: Tensor<2>, alpha: f64) -> Tensor<2> {
    flex_elu(&x, alpha as f32).unwrap_or_else(|| burn::tensor::activation::elu(x, alpha))
}
