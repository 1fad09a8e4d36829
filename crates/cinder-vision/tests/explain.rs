//! Feature maps and Grad-CAM on a real photo with the real MobileNet V1 0.25 weights.

use burn::tensor::Device;
use cinder_vision::explain::{feature_maps, grad_cam};
use cinder_vision::{HeadChoice, Pretrained, load_rgb};

#[test]
fn grad_cam_equals_class_activation_mapping_for_a_pooled_linear_head() {
    let device = Device::flex();
    let Some(weights) =
        cinder_datasets::require_weights("mobilenet_v1_0.25_128_imagenet.safetensors")
    else {
        return;
    };
    let Some(samples) = cinder_datasets::require_data("images/imagenet-samples") else {
        return;
    };
    let model = Pretrained::open(&weights, None, HeadChoice::Keep, &device).unwrap();
    let input = model.batch(&[load_rgb(&samples.join("cat.bmp")).unwrap()], &device);

    let maps = feature_maps(
        &model.model,
        input.clone(),
        &["conv1".into(), "conv_pw_13".into()],
        "mobilenet_v1_0.25",
    )
    .unwrap();
    assert_eq!(
        (maps[0].channels, maps[0].height, maps[0].width),
        (8, 64, 64)
    );
    assert_eq!(
        (maps[1].channels, maps[1].height, maps[1].width),
        (256, 4, 4)
    );
    assert!(
        maps[1].values.iter().all(|&v| (0.0..=6.0).contains(&v)),
        "ReLU6 range"
    );
    let err = feature_maps(
        &model.model,
        input.clone(),
        &["layer9".into()],
        "mobilenet_v1_0.25",
    )
    .unwrap_err();
    assert!(err.to_string().contains("conv_pw_13"), "{err}");

    let cam = grad_cam(&model.model, input, None, &device).unwrap();
    assert_eq!(
        cam.class, 286,
        "the predicted class (Egyptian cat) by default"
    );
    assert_eq!(cam.map_size, (4, 4));
    assert_eq!(cam.size, (128, 128));
    // With global average pooling and one linear layer, ∂score/∂A[c,h,w] = W[c, class] / (h·w):
    // Grad-CAM is ReLU(Σ_c W[c, class] A_c) / (h·w), the CAM of Zhou et al.
    let head = model.model.head.as_ref().unwrap();
    let w: Vec<f32> = head
        .output
        .weight
        .val()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let classes = head.classes();
    let last = &maps[1];
    for p in 0..16 {
        let expected: f32 = (0..last.channels)
            .map(|c| w[c * classes + cam.class] * last.channel(c)[p])
            .sum::<f32>()
            .max(0.0)
            / 16.0;
        assert!(
            (cam.coarse[p] - expected).abs() < 1e-4 * expected.abs().max(1.0),
            "cell {p}: {} vs {expected}",
            cam.coarse[p]
        );
    }
    assert!(cam.heatmap.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(cam.heatmap.iter().any(|&v| v > 0.99) && cam.heatmap.iter().any(|&v| v < 0.01));
    assert!(
        grad_cam(
            &model.model,
            model.batch(&[load_rgb(&samples.join("cat.bmp")).unwrap()], &device),
            Some(5000),
            &device
        )
        .is_err()
    );
}
