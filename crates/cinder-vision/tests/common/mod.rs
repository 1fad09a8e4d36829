//! Shared by the PyTorch-reference tests: the fixtures' weight and input formulas.

#![allow(dead_code)]

use burn::tensor::{Device, Tensor, TensorData};
use cinder_vision::weights::{StoredTensor, WeightFile};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The formula value of element `index` of tensor `key` (role and fan-in as in the fixtures'
/// README), rounded to float32.
pub fn formula_value(key: &str, role: &str, fan_in: usize, index: u64) -> f32 {
    let mut h: u32 = 2_166_136_261;
    for &byte in key.as_bytes() {
        h ^= byte as u32;
        h = h.wrapping_mul(16_777_619);
    }
    let mut v = h.wrapping_add((index as u32).wrapping_mul(2_654_435_761));
    v ^= v >> 16;
    v = v.wrapping_mul(0x7feb_352d);
    v ^= v >> 15;
    v = v.wrapping_mul(0x846c_a68b);
    v ^= v >> 16;
    let u = v as f64 / 4_294_967_296.0;
    let c = u - 0.5;
    let value = match role {
        "conv_weight" | "linear_weight" => c * (24.0 / fan_in as f64).sqrt(),
        "bn_weight" => 1.0 + 0.2 * c,
        "bn_running_var" => 1.0 + 0.5 * u,
        _ => 0.2 * c,
    };
    value as f32
}

/// Builds the fixture's formula weights as a weight file (PyTorch key names and layouts) and
/// checks them against the fixture's sha256.
pub fn formula_weights(fixture: &Value) -> WeightFile {
    let mut file = WeightFile {
        source: format!(
            "formula weights of {}",
            fixture["model"].as_str().unwrap_or("?")
        ),
        ..Default::default()
    };
    let mut hasher = Sha256::new();
    for entry in fixture["keys"].as_array().unwrap() {
        let key = entry[0].as_str().unwrap();
        let shape: Vec<usize> = entry[1]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let role = entry[2].as_str().unwrap();
        if role == "bn_num_batches_tracked" {
            continue;
        }
        let count: usize = shape.iter().product();
        let fan_in = if shape.is_empty() {
            1
        } else {
            count / shape[0]
        };
        let values: Vec<f32> = (0..count as u64)
            .map(|i| formula_value(key, role, fan_in, i))
            .collect();
        for v in &values {
            hasher.update(v.to_le_bytes());
        }
        file.tensors
            .insert(key.to_string(), StoredTensor { shape, values });
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        fixture["weights"]["sha256_f32_le"].as_str().unwrap(),
        "formula weights differ from the fixture's"
    );
    file
}

/// The fixtures' input: `((7h + 13w + 29c) mod 256) / 255`, ImageNet-normalized, NCHW.
pub fn formula_input(height: usize, width: usize, device: &Device) -> Tensor<4> {
    let mean = [0.485, 0.456, 0.406];
    let std = [0.229, 0.224, 0.225];
    let mut values = Vec::with_capacity(3 * height * width);
    for c in 0..3 {
        for h in 0..height {
            for w in 0..width {
                let x = ((7 * h + 13 * w + 29 * c) % 256) as f64 / 255.0;
                values.push(((x - mean[c]) / std[c]) as f32);
            }
        }
    }
    Tensor::from_data(TensorData::new(values, [1, 3, height, width]), device)
}

/// The numbers of a JSON array.
pub fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// `‖a − b‖ / ‖b‖` over the common prefix.
pub fn relative_l2(a: &[f32], b: &[f64]) -> f64 {
    let mut diff = 0.0;
    let mut norm = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        diff += (x as f64 - y).powi(2);
        norm += y * y;
    }
    (diff / norm.max(1e-300)).sqrt()
}

/// L2 norm.
pub fn l2(values: &[f32]) -> f64 {
    values
        .iter()
        .map(|&v| (v as f64).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Indices of the 5 largest values, largest first.
pub fn top5(values: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order.truncate(5);
    order
}

/// Reads a tensor's values.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}
