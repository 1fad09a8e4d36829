//! Every torchvision/timm architecture matches PyTorch's float64 forward pass on the shared
//! fixtures: weights from the fixtures' formula, written as a safetensors file under the
//! torchvision/timm key names and loaded through the real (strict) import path; logits, pooled
//! features and every tapped stage to ~1e-4 relative, identical top-5.

mod common;

use burn::tensor::Device;
use cinder_vision::{Cnn, LoadOptions, Taps, WeightFile};
use common::*;
use serde_json::Value;

const TOLERANCE: f64 = 1e-4;

fn fixture(name: &str) -> Option<Value> {
    let path = cinder_datasets::require_fixture(&format!("cnn/{name}.json"))?;
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

/// Loads `file` (architecture detected from the keys) and checks both fixture input sizes.
fn check_model(name: &str, fixture: &Value, file: WeightFile) {
    let device = Device::flex();
    let (model, architecture) =
        Cnn::load(file, LoadOptions::default(), &device).unwrap_or_else(|e| panic!("{name}: {e}"));
    // Running the base in two parts (as fine-tuning from a cached cut does) gives the same map.
    let units = model.backbone.unit_count();
    let input = formula_input(96, 128, &device);
    let whole = values(model.feature_map(input.clone()));
    let cut = units / 2;
    let prefix = model.backbone.forward_units(input, 0, cut);
    let split = values(model.backbone.forward_units(prefix, cut, units));
    assert_eq!(whole, split, "{name}: units 0..{cut} then {cut}..{units}");
    // The inference form (batch norm folded into the convolutions) meets the same tolerances.
    let folded = model.clone().folded();
    for (model, form) in [(&model, "as loaded"), (&folded, "batch norm folded")] {
        check_cases(name, architecture, form, model, fixture, &device);
    }
}

/// The fixture's input cases against `model`.
fn check_cases(
    name: &str,
    architecture: cinder_vision::Architecture,
    form: &str,
    model: &Cnn,
    fixture: &Value,
    device: &Device,
) {
    let device = device.clone();
    for case in fixture["inputs"].as_array().unwrap() {
        let (height, width) = (
            case["height"].as_u64().unwrap() as usize,
            case["width"].as_u64().unwrap() as usize,
        );
        let label = format!("{name} ({architecture}, {form}) at {height}×{width}");
        let mut taps = Taps::all();
        let map = model
            .backbone
            .forward_map(formula_input(height, width, &device), &mut taps);
        let map_shape = map.dims();
        let features = values(model.pool(map));
        let logits = values(model.classify(burn::tensor::Tensor::from_data(
            burn::tensor::TensorData::new(features.clone(), [1, features.len()]),
            &device,
        )));

        let reference = &case["features"];
        assert_eq!(
            features.len(),
            reference["length"].as_u64().unwrap() as usize,
            "{label}: features"
        );
        let full = reference
            .get("values")
            .or_else(|| reference.get("first256"))
            .unwrap();
        let error = relative_l2(&features, &floats(full));
        assert!(
            error < TOLERANCE,
            "{label}: features relative error {error:.2e}"
        );
        let want = reference["l2"].as_f64().unwrap();
        assert!(
            (l2(&features) - want).abs() / want < TOLERANCE,
            "{label}: features L2 {} vs {want}",
            l2(&features)
        );

        let error = relative_l2(&logits[..16], &floats(&case["logits_first16"]));
        assert!(
            error < TOLERANCE,
            "{label}: logits relative error {error:.2e}"
        );
        let want = case["logits_l2"].as_f64().unwrap();
        assert!(
            (l2(&logits) - want).abs() / want < TOLERANCE,
            "{label}: logits L2"
        );
        // The model's own entry points: through the channels-last plan for the folded ResNets
        // and MobileNets, through Burn's layers otherwise.
        let planned = form == "batch norm folded"
            && matches!(
                architecture,
                cinder_vision::Architecture::ResNet { .. }
                    | cinder_vision::Architecture::MobileNetV1 { .. }
                    | cinder_vision::Architecture::MobileNetV2
            );
        assert_eq!(model.has_channels_last_plan(), planned, "{label}: plan");
        let path = if planned {
            "channels-last plan"
        } else {
            "Burn"
        };
        let input = formula_input(height, width, &device);
        let direct = values(model.features(input.clone()));
        let error = relative_l2(&direct, &floats(full));
        assert!(
            error < TOLERANCE,
            "{label}: Cnn::features ({path}) relative error {error:.2e}"
        );
        let direct_logits = values(model.forward(input.clone()));
        let error = relative_l2(&direct_logits[..16], &floats(&case["logits_first16"]));
        assert!(
            error < TOLERANCE,
            "{label}: Cnn::forward ({path}) logits relative error {error:.2e}"
        );
        assert_eq!(
            top5(&direct_logits),
            top5(&logits),
            "{label}: top-5 ({path})"
        );
        assert_eq!(
            model.feature_map(input).dims(),
            map_shape,
            "{label}: feature map shape ({path})"
        );

        let expected_top5: Vec<usize> = floats(&case["top5_indices"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(top5(&logits), expected_top5, "{label}: top-5");

        let mut compared = 0;
        for stage in case["stages"].as_array().unwrap() {
            let module = stage[0].as_str().unwrap();
            let Some(tensor) = taps.get(module) else {
                continue;
            };
            let shape: Vec<usize> = floats(&stage[1]).iter().map(|&d| d as usize).collect();
            assert_eq!(
                tensor.dims().to_vec(),
                shape,
                "{label}: stage {module} shape"
            );
            let got = values(tensor.clone());
            let want_l2 = stage[3].as_f64().unwrap();
            assert!(
                (l2(&got) - want_l2).abs() / want_l2 < TOLERANCE,
                "{label}: stage {module} L2 {} vs {want_l2}",
                l2(&got)
            );
            let mean = got.iter().map(|&v| v as f64).sum::<f64>() / got.len() as f64;
            let want_mean = stage[2].as_f64().unwrap();
            assert!(
                (mean - want_mean).abs()
                    < TOLERANCE * (want_l2 / (got.len() as f64).sqrt()).max(1e-3),
                "{label}: stage {module} mean {mean} vs {want_mean}"
            );
            let error = relative_l2(&got[..8], &floats(&stage[4]));
            assert!(
                error < 1e-3,
                "{label}: stage {module} first values, relative error {error:.2e}"
            );
            compared += 1;
        }
        assert!(
            compared >= 4,
            "{label}: only {compared} stages matched fixture names"
        );
    }
}

/// Formula weights → safetensors bytes → the safetensors reader → strict load → compare.
fn check(name: &str) {
    let Some(fixture) = fixture(name) else { return };
    let bytes = formula_weights(&fixture).to_safetensors_bytes();
    let file = WeightFile::from_safetensors_bytes(&bytes, format!("{name}.safetensors")).unwrap();
    drop(bytes);
    check_model(name, &fixture, file);
}

#[test]
fn resnet18_matches_pytorch() {
    // Through a real file on disk, as a user would.
    let Some(fixture) = fixture("resnet18") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("cinder-vision-{}", std::process::id()));
    let path = dir.join("resnet18.safetensors");
    formula_weights(&fixture).write_safetensors(&path).unwrap();
    let file = WeightFile::open(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    check_model("resnet18", &fixture, file);
}

#[test]
fn resnet50_matches_pytorch() {
    check("resnet50");
}

#[test]
fn vgg16_matches_pytorch() {
    check("vgg16");
}

#[test]
fn vgg19_matches_pytorch() {
    check("vgg19");
}

#[test]
fn vgg16_bn_matches_pytorch() {
    check("vgg16_bn");
}

#[test]
fn mobilenet_v2_matches_pytorch() {
    check("mobilenet_v2");
}

#[test]
fn mobilenet_v1_timm_matches_pytorch() {
    check("mobilenetv1_100");
}

#[test]
fn inception_v3_matches_pytorch() {
    check("inception_v3");
}

#[test]
fn xception_matches_pytorch() {
    check("legacy_xception");
}

#[test]
fn real_pth_and_safetensors_files_load_to_the_same_outputs() {
    let Some(fixture) = fixture("mobilenet_v2") else {
        return;
    };
    for file in [
        "cnn/mobilenet_v2_formula.pth",
        "cnn/mobilenet_v2_formula.safetensors",
    ] {
        let Some(path) = cinder_datasets::require_fixture(file) else {
            return;
        };
        let weights = WeightFile::open(&path).unwrap();
        let formula = formula_weights(&fixture);
        let float_tensors = weights
            .tensors
            .keys()
            .filter(|k| !k.ends_with("num_batches_tracked"))
            .count();
        assert_eq!(float_tensors, formula.tensors.len(), "{file}: tensor count");
        for (key, tensor) in &formula.tensors {
            assert_eq!(weights.tensors.get(key), Some(tensor), "{file}: {key}");
        }
        check_model(file, &fixture, weights);
    }
}
