//! Seeded parameter initialization, reproducible across runs and thread counts, on seeded,
//! counter-based random numbers (SplitMix64): initialization and dropout masks that do not depend
//! on thread count or on Burn's global generator.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

pub(crate) use cinder_graph::splitmix64 as mix;

/// Derives an independent seed for a named purpose (layer, epoch…) from a base seed.
pub(crate) fn derive_seed(seed: u64, purpose: u64) -> u64 {
    mix(seed ^ mix(purpose))
}

/// `len` numbers uniform in `[low, high)`.
pub(crate) fn uniform(len: usize, low: f32, high: f32, seed: u64) -> Vec<f32> {
    (0..len as u64)
        .map(|i| {
            let unit = (mix(seed.wrapping_add(i)) >> 40) as f32 / (1u64 << 24) as f32;
            low + (high - low) * unit
        })
        .collect()
}

/// A linear layer `in → out` initialized as PyTorch's `nn.Linear` (weights and bias uniform in
/// `±1/√in`), from `seed`.
pub(crate) fn seeded_linear(
    inputs: usize,
    outputs: usize,
    bias: bool,
    seed: u64,
    device: &Device,
) -> Linear {
    let bound = 1.0 / (inputs.max(1) as f32).sqrt();
    let weight = uniform(inputs * outputs, -bound, bound, derive_seed(seed, 1));
    let weight = Tensor::<2>::from_data(TensorData::new(weight, [inputs, outputs]), device);
    let bias = bias.then(|| {
        let values = uniform(outputs, -bound, bound, derive_seed(seed, 2));
        Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(values, [outputs]),
            device,
        ))
    });
    Linear {
        weight: Param::from_tensor(weight),
        bias,
    }
}

/// A `rows x columns` Glorot-uniform matrix (`±√(6 / (rows + columns))`), PyG's `glorot`.
pub(crate) fn glorot(rows: usize, columns: usize, seed: u64, device: &Device) -> Tensor<2> {
    let limit = (6.0 / (rows + columns).max(1) as f32).sqrt();
    let values = uniform(rows * columns, -limit, limit, seed);
    Tensor::from_data(TensorData::new(values, [rows, columns]), device)
}

/// `count` independent `rows x columns` Glorot matrices (the per-hop weights of a polynomial
/// filter such as ChebConv's or TAGConv's), seeded `seed`-derived 1, 2, ….
pub(crate) fn glorot_stack(
    count: usize,
    rows: usize,
    columns: usize,
    seed: u64,
    device: &Device,
) -> Vec<Param<Tensor<2>>> {
    (0..count)
        .map(|k| {
            Param::from_tensor(glorot(
                rows,
                columns,
                derive_seed(seed, k as u64 + 1),
                device,
            ))
        })
        .collect()
}
