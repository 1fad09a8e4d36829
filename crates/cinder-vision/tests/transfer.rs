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
