//! The channels-last engine of the folded ResNets and MobileNets against Burn's own layers on
//! the same folded weights: odd input sizes (padding at every edge, stride-2 convolutions of
//! odd maps), PyTorch and TensorFlow "SAME" padding, residual blocks with and without
//! projection, and more than one image per batch.

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use cinder_vision::layers::global_average;
use cinder_vision::{Architecture, ChannelsLastMap, ChannelsLastPlan, Cnn, Taps};

fn values<const D: usize>(x: Tensor<D>) -> Vec<f32> {
    x.into_data().try_to_vec::<f32>().unwrap()
}

fn relative_error(got: &[f32], want: &[f32]) -> f64 {
    assert_eq!(got.len(), want.len());
    let (mut diff, mut norm) = (0.0f64, 0.0f64);
    for (&g, &w) in got.iter().zip(want) {
        diff += (f64::from(g) - f64::from(w)).powi(2);
        norm += f64::from(w).powi(2);
    }
    assert!(
        norm > 0.0,
        "the reference is all zeros: nothing is compared"
    );
    (diff / norm).sqrt()
}

fn check(architecture: Architecture, keras: bool, height: usize, width: usize) {
    let device = Device::flex();
    let model = Cnn::random_base(architecture, keras, 7, &device)
        .unwrap()
        .folded();
    assert!(model.has_channels_last_plan(), "{architecture}: no plan");
    // Batches of different sizes one after the other: the plan reuses the buffers of earlier
    // maps, whose old values must never show.
    let mut last = None;
    for (batch, height, width) in [
        (2, height, width),
        (1, height + 9, width + 7),
        (3, height, width),
    ] {
        let x = Tensor::<4>::random(
            [batch, 3, height, width],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let label = format!("{architecture} (keras {keras}) at {batch}×{height}×{width}");
        let burn_map = model.backbone.forward_map(x.clone(), &mut Taps::none());
        let planned_map = model.feature_map(x.clone());
        assert_eq!(planned_map.dims(), burn_map.dims(), "{label}: map shape");
        let error = relative_error(&values(planned_map), &values(burn_map.clone()));
        assert!(
            error < 1e-5,
            "{label}: feature map relative error {error:.2e}"
        );
        let error = relative_error(
            &values(model.embed(x.clone())),
            &values(global_average(burn_map)),
        );
        assert!(
            error < 1e-5,
            "{label}: embedding relative error {error:.2e}"
        );
        last = Some(x);
    }
    let input = last.unwrap();
    let label = format!("{architecture} (keras {keras})");

    // An autodiff input keeps Burn's path, its gradient included.
    let tracked_device = device.clone().autodiff();
    let tracked = model.clone().to_device(&tracked_device);
    let x = Tensor::<4>::from_data(input.into_data(), &tracked_device).require_grad();
    let gradients = tracked.embed(x.clone()).sum().backward();
    assert!(x.grad(&gradients).is_some(), "{label}: no input gradient");
}

#[test]
fn resnets_match_burns_layers() {
    check(Architecture::ResNet { depth: 18 }, false, 67, 45);
    check(Architecture::ResNet { depth: 50 }, false, 64, 33);
    // Images smaller than every kernel: padding on all sides, 1×1 maps from the first stage on.
    check(Architecture::ResNet { depth: 18 }, false, 1, 2);
}

#[test]
fn mobilenets_match_burns_layers_with_both_paddings() {
    for keras in [false, true] {
        check(Architecture::MobileNetV2, keras, 71, 58);
        check(Architecture::MobileNetV1 { alpha: 0.25 }, keras, 65, 64);
        check(Architecture::MobileNetV2, keras, 2, 1);
    }
}

#[test]
fn other_architectures_and_unfolded_models_have_no_plan() {
    let device = Device::flex();
    let unfolded = Cnn::random_base(Architecture::ResNet { depth: 18 }, false, 1, &device).unwrap();
    assert!(!unfolded.has_channels_last_plan());
    let vgg = Cnn::random_base(
        Architecture::Vgg {
            depth: 11,
            batch_norm: true,
        },
        false,
        1,
        &device,
    )
    .unwrap()
    .folded();
    assert!(!vgg.has_channels_last_plan());
}

#[test]
fn layout_conversions_round_trip() {
    let (batch, channels, height, width) = (2, 3, 4, 5);
    let nchw: Vec<f32> = (0..batch * channels * height * width)
        .map(|v| v as f32)
        .collect();
    let map = ChannelsLastMap::from_nchw(&nchw, batch, channels, height, width).unwrap();
    // Image 1, channel 2, row 3, column 4 is the last value of both layouts.
    assert_eq!(map.values()[map.len() - 1], nchw[nchw.len() - 1]);
    // Image 0, pixel (0, 1): its three channels are 1, 21, 41 in NCHW.
    assert_eq!(&map.values()[3..6], &[1.0, 21.0, 41.0]);
    assert_eq!(map.to_nchw(), nchw);
    let means = map.global_average();
    assert_eq!(means.len(), batch * channels);
    // Channel 0 of image 0 averages 0..20.
    assert!((means[0] - 9.5).abs() < 1e-6);
}

#[test]
fn malformed_batches_are_errors_not_panics() {
    // Values that do not fill the stated shape.
    let error = ChannelsLastMap::from_nchw(&[0.0; 10], 1, 3, 2, 2)
        .expect_err("10 values are not 1×3×2×2")
        .to_string();
    assert!(
        error.contains("10 values") && error.contains("[1, 3, 2, 2]"),
        "{error}"
    );
    assert!(ChannelsLastMap::from_nchw(&[0.0; 4], usize::MAX, 2, 2, 1).is_err());

    let device = Device::flex();
    let model = Cnn::random_base(Architecture::MobileNetV2, false, 3, &device)
        .unwrap()
        .folded();
    let plan = ChannelsLastPlan::from_backbone(&model.backbone).unwrap();
    assert_eq!(plan.input_channels(), 3);
    // Four channels into a three-channel stem, and an empty batch.
    let four = ChannelsLastMap::from_nchw(&[0.5; 4 * 8 * 8], 1, 4, 8, 8).unwrap();
    let error = plan
        .feature_map(four)
        .expect_err("a 4-channel batch")
        .to_string();
    assert!(error.contains("3 channels"), "{error}");
    assert!(plan.feature_map_from_nchw(&[], 0, 3, 8, 8).is_err());
}
