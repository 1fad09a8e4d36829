//! The shared ImageNet MobileNet V1/V2 weights (Keras layout, TF "SAME" padding) reproduce their
//! `*.reference.json` outputs on the synthetic input: features and logits to 1e-3, top-5 exact.

use burn::tensor::{Device, Tensor, TensorData};
use cinder_vision::{Cnn, LoadOptions, WeightFile};
use serde_json::Value;

const FILES: [&str; 5] = [
    "mobilenet_v1_0.25_128_imagenet",
    "mobilenet_v1_0.5_160_imagenet",
    "mobilenet_v1_0.75_192_imagenet",
    "mobilenet_v1_1.0_224_embedding",
    "mobilenet_v2_1.0_224_imagenet",
];

fn synthetic(size: usize, device: &Device) -> Tensor<4> {
    let mut values = Vec::with_capacity(3 * size * size);
    for c in 0..3 {
        for h in 0..size {
            for w in 0..size {
                values.push(((7 * h + 13 * w + 29 * c) % 256) as f32 / 127.5 - 1.0);
            }
        }
    }
    Tensor::from_data(TensorData::new(values, [1, 3, size, size]), device)
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect()
}

fn top5(values: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order.truncate(5);
    order
}

#[test]
fn keras_mobilenets_match_their_synthetic_references() {
    let device = Device::flex();
    for name in FILES {
        let Some(path) = cinder_datasets::require_weights(&format!("{name}.safetensors")) else {
            return;
        };
        let reference: Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("reference.json")).unwrap(),
        )
        .unwrap();
        let size = reference["input_size"].as_u64().unwrap() as usize;
        let file = WeightFile::open(&path).unwrap();
        let (model, architecture) = Cnn::load(file, LoadOptions::default(), &device).unwrap();
        let synthetic_ref = &reference["synthetic"];
        let features = model.features(synthetic(size, &device));
        let features: Vec<f32> = features.into_data().try_to_vec::<f32>().unwrap();
        let expected = floats(&synthetic_ref["features_first16"]);
        for (i, (&got, &want)) in features.iter().zip(&expected).enumerate() {
            assert!(
                (got as f64 - want).abs() < 1e-3,
                "{name} ({architecture}) feature {i}: {got} vs {want}"
            );
        }
        let l2 = features
            .iter()
            .map(|&v| (v as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        let want_l2 = synthetic_ref["features_l2_norm"].as_f64().unwrap();
        assert!(
            (l2 - want_l2).abs() < 1e-4 * want_l2.max(1.0),
            "{name}: L2 {l2} vs {want_l2}"
        );
        if model.head.is_none() {
            assert_eq!(features.len(), 1024, "{name}: embedding size");
            continue;
        }
        let logits = model.classify(Tensor::from_data(
            TensorData::new(features.clone(), [1, features.len()]),
            &device,
        ));
        let logits: Vec<f32> = logits.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(logits.len(), 1001, "{name}: classes");
        for (i, (&got, &want)) in logits
            .iter()
            .zip(&floats(&synthetic_ref["logits_first16"]))
            .enumerate()
        {
            assert!(
                (got as f64 - want).abs() < 1e-3,
                "{name} logit {i}: {got} vs {want}"
            );
        }
        let expected_top5: Vec<usize> = floats(&synthetic_ref["top5_indices"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(top5(&logits), expected_top5, "{name}: top-5");
        let max = logits.iter().cloned().fold(f32::MIN, f32::max) as f64;
        let total: f64 = logits.iter().map(|&v| (v as f64 - max).exp()).sum();
        for (&index, &want) in expected_top5
            .iter()
            .zip(&floats(&synthetic_ref["top5_probs"]))
        {
            let p = (logits[index] as f64 - max).exp() / total;
            assert!((p - want).abs() < 1e-3, "{name}: p[{index}] {p} vs {want}");
        }
    }
}
