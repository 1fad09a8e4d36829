//! The shared ImageNet MobileNets classify the sample photos as their references say: the resized
//! pixels equal Pillow's (sha256) for the BMPs, and every image gets the reference top-1 with
//! top-5 probabilities within 0.03 (1e-3 when the pixels are identical).

use burn::tensor::Device;
use cinder_vision::{HeadChoice, Pretrained, load_rgb};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CLASSIFIERS: [&str; 4] = [
    "mobilenet_v1_0.25_128_imagenet",
    "mobilenet_v1_0.5_160_imagenet",
    "mobilenet_v1_0.75_192_imagenet",
    "mobilenet_v2_1.0_224_imagenet",
];

#[test]
fn sample_images_get_the_reference_classes() {
    let device = Device::flex();
    let Some(samples) = cinder_datasets::require_data("images/imagenet-samples") else {
        return;
    };
    let mut identical_pixels = 0;
    for name in CLASSIFIERS {
        let Some(path) = cinder_datasets::require_weights(&format!("{name}.safetensors")) else {
            return;
        };
        let reference: Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("reference.json")).unwrap(),
        )
        .unwrap();
        let model = Pretrained::open(&path, None, HeadChoice::Keep, &device)
            .unwrap()
            .with_labels(None)
            .unwrap();
        assert_eq!(
            model.labels.as_ref().map(Vec::len),
            Some(1001),
            "{name}: labels"
        );
        for (image_name, expected) in reference["images"].as_object().unwrap() {
            let image = load_rgb(&samples.join(image_name)).unwrap();
            let resized = model.preprocessing.resize_image(&image);
            let digest: String = Sha256::digest(resized.as_raw())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let same_pixels = digest == expected["resized_uint8_sha256"].as_str().unwrap();
            if image_name.ends_with(".bmp") {
                assert!(
                    same_pixels,
                    "{name} {image_name}: resized pixels differ from Pillow's"
                );
            }
            identical_pixels += same_pixels as usize;
            let top = &model.classify(&[image], 5, &device).unwrap()[0];
            let want: Vec<usize> = expected["top5_indices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(
                top[0].index, want[0],
                "{name} {image_name}: top-1 {:?}",
                top[0]
            );
            assert_eq!(
                top[0].label.as_deref(),
                expected["top5_labels"][0].as_str(),
                "{name} {image_name}: label"
            );
            let tolerance = if same_pixels { 1e-3 } else { 0.03 };
            for (rank, want_p) in expected["top5_probs"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let want_p = want_p.as_f64().unwrap();
                // Compare probabilities by class (low ranks may swap when pixels differ).
                let got = top
                    .iter()
                    .find(|s| s.index == want[rank])
                    .map(|s| s.probability as f64);
                match got {
                    Some(p) => assert!(
                        (p - want_p).abs() < tolerance,
                        "{name} {image_name}: class {} p {p} vs {want_p}",
                        want[rank]
                    ),
                    None => assert!(
                        want_p < tolerance + top[4].probability as f64,
                        "{name} {image_name}: class {} ({want_p}) left the top 5",
                        want[rank]
                    ),
                }
            }
        }
    }
    eprintln!("{identical_pixels} resized images identical to Pillow's");
}
