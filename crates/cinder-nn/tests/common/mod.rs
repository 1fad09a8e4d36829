//! Helpers shared by the PyG reference tests: JSON arrays to tensors and a tolerance check.
// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use burn::tensor::{Device, Tensor, TensorData};
use serde_json::Value;

/// Relative tolerance (absolute below 1) of every comparison with PyG.
pub const TOLERANCE: f64 = 1e-5;

/// All numbers of a nested JSON array, row-major.
pub fn flat(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().expect("a finite number")],
        other => panic!("not numeric: {other}"),
    }
}

/// The shape of a nested JSON array.
pub fn dims(value: &Value) -> Vec<usize> {
    match value {
        Value::Array(items) => {
            let mut shape = vec![items.len()];
            if let Some(first) = items.first() {
                shape.extend(dims(first));
            }
            shape
        }
        _ => vec![],
    }
}

/// A 2-D JSON array as a tensor.
pub fn matrix(value: &Value, device: &Device) -> Tensor<2> {
    let shape = dims(value);
    let values: Vec<f32> = flat(value).iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, [shape[0], shape[1]]), device)
}

/// A 1-D JSON array as a tensor.
pub fn vector(value: &Value, device: &Device) -> Tensor<1> {
    let values: Vec<f32> = flat(value).iter().map(|&v| v as f32).collect();
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

/// A tensor's values as f64.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f64> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .expect("an f32 tensor")
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Asserts `actual ≈ expected` within [`TOLERANCE`], naming the first entry that differs.
pub fn assert_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= TOLERANCE * e.abs().max(1.0),
            "{what}[{k}]: cinder {a}, PyG {e}"
        );
    }
}

/// Asserts `actual ≈ expected` within `tolerance` relative to the larger of the entry and the
/// whole vector's L2 norm (entries near zero in a large vector are not held to a tighter bound
/// than float32 gives), naming the first entry that differs.
pub fn assert_relative(actual: &[f64], expected: &[f64], tolerance: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let scale = expected.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-3);
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tolerance * scale.max(e.abs()),
            "{what}[{k}]: {a} vs {e} (scale {scale})"
        );
    }
}

/// Central differences (step 1e-6) of `loss` in every entry of each of its `N` inputs.
pub fn central_differences<const N: usize>(
    base: [Vec<f64>; N],
    loss: impl Fn(&[Vec<f64>; N]) -> f64,
) -> [Vec<f64>; N] {
    let step = 1e-6;
    std::array::from_fn(|which| {
        (0..base[which].len())
            .map(|k| {
                let mut plus = base.clone();
                let mut minus = base.clone();
                plus[which][k] += step;
                minus[which][k] -= step;
                (loss(&plus) - loss(&minus)) / (2.0 * step)
            })
            .collect()
    })
}

/// A deterministic stream of numbers in [0, 1) (SplitMix64), for random test problems.
pub struct Stream(pub u64);

impl Stream {
    /// The next number in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f64) as usize
    }

    /// `n` numbers uniform in `[-scale, scale)`.
    pub fn uniform(&mut self, n: usize, scale: f64) -> Vec<f64> {
        (0..n).map(|_| (self.next() * 2.0 - 1.0) * scale).collect()
    }

    /// `n` numbers uniform in `[-1, 1)` as f32.
    pub fn uniform_f32(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| (self.next() * 2.0 - 1.0) as f32).collect()
    }
}
