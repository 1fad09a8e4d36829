//! Transfer learning on the shared cat/dog/hotdog images with the real MobileNet V2 weights:
//! every strategy trains, and the head-only classifier labels the held-out images.

use burn::tensor::Device;
use cinder_vision::transfer::{FineTuneConfig, LabelledImages, Strategy, fine_tune};
use cinder_vision::{HeadChoice, Pretrained, load_rgb};

const CLASSES: [&str; 3] = ["cat", "dog", "hotdog"];

fn images(dir: &std::path::Path, part: &str) -> LabelledImages {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(&format!("_{part}_")))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let class = CLASSES
                .iter()
                .position(|c| n.starts_with(&format!("{c}_")))
                .unwrap();
            (load_rgb(&dir.join(n)).unwrap(), class)
        })
        .collect()
}

#[test]
fn strategies_train_and_head_only_labels_held_out_images() {
    let device = Device::flex();
    let Some(dir) = cinder_datasets::require_data("images/imprinting") else {
        return;
    };
    let Some(weights) =
        cinder_datasets::require_weights("mobilenet_v2_1.0_224_imagenet.safetensors")
    else {
        return;
    };
    let pretrained = Pretrained::open(&weights, None, HeadChoice::Drop, &device).unwrap();
    let train = images(&dir, "train");
    let test = images(&dir, "test");
    assert_eq!((train.len(), test.len()), (4, 3));
    // Fewer epochs where each costs more (full fine-tuning runs the whole network per step).
    for (strategy, epochs) in [
        (Strategy::HeadOnly, 15),
        (Strategy::TopUnits(3), 8),
        (Strategy::Full, 4),
    ] {
        let config = FineTuneConfig {
            strategy,
            epochs,
            batch_size: 4,
            ..Default::default()
        };
        let (model, report) = fine_tune(&pretrained, &train, 3, &config, &device, |_| {}).unwrap();
        let first = report.history.first().unwrap().loss;
        let last = report.history.last().unwrap().loss;
        assert!(last < first * 0.5, "{strategy:?}: loss {first} → {last}");
        let accuracy = model.accuracy(&pretrained, &test, &device);
        eprintln!(
            "{strategy:?}: train loss {first:.3} → {last:.3}, test accuracy {accuracy:.3}, cache {:.2}s, epoch {:.0} ms",
            report.cache_seconds,
            report.history.last().unwrap().milliseconds
        );
        if strategy == Strategy::HeadOnly {
            assert_eq!(
                accuracy, 1.0,
                "head-only on ImageNet features labels all 3 held-out images"
            );
        }
    }
}

/// A fine-tuning killed after epoch 2 (a panic in the progress callback, before the epoch is
/// committed) and run again with the same checkpoint folder continues from the last committed
/// epoch and ends exactly as the uninterrupted run: same per-epoch losses, same predictions.
#[test]
fn killed_fine_tuning_resumes_to_the_uninterrupted_result() {
    use cinder_vision::transfer::fine_tune_resumable;
    let device = Device::flex();
    let pretrained = Pretrained::embedded(HeadChoice::Drop, &device).unwrap();
    let sample = cinder_datasets::fashion_mnist_sample();
    let mut per_class = [0usize; 3];
    let mut images: LabelledImages = Vec::new();
    for image in &sample.images {
        if image.class < 3 && per_class[image.class] < 4 {
            per_class[image.class] += 1;
            let rgb = cinder_vision::decode_rgb(image.bytes, &image.name).unwrap();
            images.push((rgb, image.class));
        }
    }
    let config = FineTuneConfig {
        strategy: Strategy::TopUnits(2),
        epochs: 5,
        batch_size: 4,
        ..Default::default()
    };
    let inputs: Vec<_> = images.iter().map(|(i, _)| i.clone()).collect();
    let (reference, reference_report) =
        fine_tune(&pretrained, &images, 3, &config, &device, |_| {}).unwrap();

    let folder =
        std::env::temp_dir().join(format!("cinder-finetune-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fine_tune_resumable(
            &pretrained,
            &images,
            3,
            &config,
            &device,
            Some(&folder),
            |epoch| {
                assert!(epoch.epoch < 3, "killed during epoch 3");
            },
        )
    }));
    assert!(killed.is_err());
    let mut resumed_epochs = Vec::new();
    let (resumed, report) = fine_tune_resumable(
        &pretrained,
        &images,
        3,
        &config,
        &device,
        Some(&folder),
        |e| resumed_epochs.push(e.epoch),
    )
    .unwrap();
    assert_eq!(resumed_epochs, [3, 4, 5], "epochs 1-2 were committed");
    let losses = |r: &cinder_vision::transfer::FineTuneReport| -> Vec<f64> {
        r.history.iter().map(|e| e.loss).collect()
    };
    assert_eq!(losses(&report), losses(&reference_report));
    assert_eq!(
        resumed.predict(&pretrained, &inputs, &device),
        reference.predict(&pretrained, &inputs, &device)
    );
    // A finished run returns at once; another configuration is refused.
    let (_, again) = fine_tune_resumable(
        &pretrained,
        &images,
        3,
        &config,
        &device,
        Some(&folder),
        |_| panic!("no epoch should run"),
    )
    .unwrap();
    assert_eq!(losses(&again), losses(&reference_report));
    let other = FineTuneConfig { seed: 9, ..config };
    let error = fine_tune_resumable(
        &pretrained,
        &images,
        3,
        &other,
        &device,
        Some(&folder),
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("another fine-tuning"), "{error}");
    std::fs::remove_dir_all(&folder).unwrap();
}
