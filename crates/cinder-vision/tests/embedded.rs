//! The embedded default CNN needs no file: it classifies the shipped photos as the shipped
//! reference outputs say (Pillow-identical pixels for the BMP, top-5 probabilities within 1e-3),
//! its embedding matches the reference features, and it names its classes.

use burn::tensor::Device;
use cinder_vision::{HeadChoice, Pretrained, decode_rgb};
use serde_json::Value;
use sha2::{Digest, Sha256};

const REFERENCE: &str =
    include_str!("../../../weights/mobilenet_v1_0.25_128_imagenet.reference.json");

#[test]
fn embedded_mobilenet_reproduces_its_reference_outputs() {
    let device = Device::flex();
    let reference: Value = serde_json::from_str(REFERENCE).unwrap();
    let classifier = Pretrained::embedded(HeadChoice::Keep, &device).unwrap();
    assert!(classifier.is_embedded());
    assert_eq!(classifier.model.classes(), Some(1001));
    assert_eq!(classifier.preprocessing.size, (128, 128));
    let labels = classifier.labels.as_ref().expect("embedded class names");
    assert_eq!(labels.len(), 1001);
    assert_eq!(labels[0], "background");
    let backbone = Pretrained::embedded(HeadChoice::Drop, &device).unwrap();
    for name in cinder_datasets::sample_photo_names() {
        let expected = &reference["images"][name];
        assert!(expected.is_object(), "{name} has a reference");
        let image = decode_rgb(cinder_datasets::sample_photo(name).unwrap(), name).unwrap();
        let resized = classifier.preprocessing.resize_image(&image);
        let digest: String = Sha256::digest(resized.as_raw())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let same_pixels = digest == expected["resized_uint8_sha256"].as_str().unwrap();
        if name.ends_with(".bmp") {
            assert!(same_pixels, "{name}: resized pixels differ from Pillow's");
        }
        let tolerance = if same_pixels { 1e-3 } else { 0.03 };
        let top = &classifier
            .classify(std::slice::from_ref(&image), 5, &device)
            .unwrap()[0];
        for (rank, score) in top.iter().enumerate() {
            let want = expected["top5_indices"][rank].as_u64().unwrap() as usize;
            let want_p = expected["top5_probs"][rank].as_f64().unwrap();
            if rank == 0 {
                assert_eq!(score.index, want, "{name}: top-1");
                assert_eq!(score.label.as_deref(), expected["top5_labels"][0].as_str());
            }
            if score.index == want {
                assert!(
                    (f64::from(score.probability) - want_p).abs() < tolerance,
                    "{name} rank {rank}: {} vs {want_p}",
                    score.probability
                );
            }
        }
        let embedding: Vec<f32> = backbone
            .embed(&[image], &device)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(embedding.len(), 256, "alpha 0.25: 1024 · 0.25 channels");
        let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
        let want_norm = expected["features_l2_norm"].as_f64().unwrap();
        assert!(
            (f64::from(norm) - want_norm).abs() < 0.01 * want_norm,
            "{name}: embedding norm {norm} vs {want_norm}"
        );
        for (i, want) in expected["features_first16"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let want = want.as_f64().unwrap();
            assert!(
                (f64::from(embedding[i]) - want).abs() < 0.02 * (1.0 + want.abs()),
                "{name}: feature {i} {} vs {want}",
                embedding[i]
            );
        }
    }
}

#[test]
fn the_shipped_fashion_images_decode_to_ten_balanced_classes() {
    let set = cinder_datasets::fashion_mnist_sample();
    assert_eq!(set.class_names.len(), 10);
    assert_eq!(set.images.len(), 400);
    for class in 0..10 {
        assert_eq!(set.labels().iter().filter(|&&l| l == class).count(), 40);
    }
    for image in set.images.iter().step_by(37) {
        let pixels = decode_rgb(image.bytes, &image.name).unwrap();
        assert_eq!(pixels.dimensions(), (28, 28), "{}", image.name);
    }
    let broken = decode_rgb(&set.images[0].bytes[..40], "truncated.png").unwrap_err();
    assert!(broken.to_string().contains("truncated.png"), "{broken}");
}

/// `embed_images` decodes the next batch on a worker while the network runs: batches of one, two
/// and all images give the same rows, and an unreadable file in a later batch is an error that
/// names it (the worker stops, nothing hangs).
#[test]
fn batched_embedding_with_the_decoding_worker_is_exact_and_stops_on_a_bad_file() {
    use cinder_vision::embed::{ImageSource, embed_images};
    let device = Device::flex();
    let model = Pretrained::embedded(HeadChoice::Drop, &device)
        .unwrap()
        .folded();
    let folder = std::env::temp_dir().join(format!("cinder-embed-worker-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let mut sources = Vec::new();
    // Every shipped photo twice: four or more images, so batches of one and two are several.
    let names = cinder_datasets::sample_photo_names();
    for (i, name) in names.iter().chain(names.iter()).enumerate() {
        let path = folder.join(format!("{i}-{name}"));
        std::fs::write(&path, cinder_datasets::sample_photo(name).unwrap()).unwrap();
        sources.push(ImageSource::File(path));
    }
    assert!(sources.len() >= 4, "need at least four images");
    let whole = embed_images(&model, &sources, None, sources.len(), &device, |_| {}).unwrap();
    for batch_size in [1, 2] {
        let batched = embed_images(&model, &sources, None, batch_size, &device, |_| {}).unwrap();
        assert_eq!(batched.rows, whole.rows);
        for (a, b) in batched.values.iter().zip(&whole.values) {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "batch size {batch_size}: {a} vs {b}"
            );
        }
    }
    let bad = folder.join("not-an-image.png");
    std::fs::write(&bad, b"this is not a PNG").unwrap();
    let mut with_bad = sources.clone();
    with_bad.insert(2, ImageSource::File(bad));
    let error = embed_images(&model, &with_bad, None, 1, &device, |_| {})
        .expect_err("an unreadable image is an error")
        .to_string();
    assert!(error.contains("not-an-image.png"), "{error}");
    std::fs::remove_dir_all(&folder).unwrap();
}
