//! Transfer learning from ImageNet to Fashion-MNIST with a real pretrained MobileNet: head only
//! (feature extraction) vs training the top of the network vs everything, on a small labelled
//! subset (the "small data, low similarity" corner of the rule of thumb).
//!
//! ```text
//! cargo run --release --example transfer_learning -- \
//!     [--fashion DIR] [--weights FILE] [--per-class 100] [--test 1000] [--epochs 15]
//! ```
//! Fashion-MNIST: Debian's `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist`, the
//! default; `apt-get download dataset-fashion-mnist && dpkg-deb -x …` works without installing).
//! Weights default to `$CINDER_WEIGHTS/mobilenet_v1_0.25_128_imagenet.safetensors`.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use cinder::datasets::{FASHION_MNIST_CLASSES, IdxImages, load_fashion_mnist};
use cinder::vision::RgbImage;
use cinder::vision::transfer::{FineTuneConfig, LabelledImages, Strategy, fine_tune};
use cinder::vision::{HeadChoice, Pretrained};

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The first `per_class` images of each class, as RGB.
fn subset(data: &IdxImages, per_class: usize, limit: usize) -> LabelledImages {
    let mut counts = [0usize; 10];
    let mut out = Vec::new();
    for i in 0..data.len() {
        let label = data.labels[i] as usize;
        if counts[label] >= per_class {
            continue;
        }
        counts[label] += 1;
        let gray = data.image(i);
        let rgb: Vec<u8> = gray.iter().flat_map(|&v| [v, v, v]).collect();
        let image = RgbImage::from_raw(data.width as u32, data.height as u32, rgb).expect("sized");
        out.push((image, label));
        if out.len() >= limit {
            break;
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let fashion = option(&args, "--fashion")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CINDER_FASHION_MNIST").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/usr/share/datasets/fashion-mnist"));
    let weights = option(&args, "--weights").map(PathBuf::from).or_else(|| {
        std::env::var_os("CINDER_WEIGHTS")
            .map(|w| PathBuf::from(w).join("mobilenet_v1_0.25_128_imagenet.safetensors"))
    });
    let Some(weights) = weights else {
        return Err("give --weights FILE or set CINDER_WEIGHTS".into());
    };
    let per_class: usize = option(&args, "--per-class").map_or(Ok(100), |v| v.parse())?;
    let test_count: usize = option(&args, "--test").map_or(Ok(1000), |v| v.parse())?;
    let epochs: usize = option(&args, "--epochs").map_or(Ok(15), |v| v.parse())?;

    let device = Device::flex();
    let pretrained = Pretrained::open(&weights, None, HeadChoice::Drop, &device)?;
    let train = subset(&load_fashion_mnist(&fashion, true)?, per_class, usize::MAX);
    let test = subset(
        &load_fashion_mnist(&fashion, false)?,
        usize::MAX,
        test_count,
    );
    let units = pretrained.model.backbone.unit_count();
    println!(
        "{} ({} units, input {:?}) on Fashion-MNIST: {} training images ({per_class} per class), {} test images, {epochs} epochs",
        pretrained.architecture,
        units,
        pretrained.preprocessing.size,
        train.len(),
        test.len()
    );
    println!("classes: {}", FASHION_MNIST_CLASSES.join(", "));
    println!(
        "rule of thumb for {per_class} per class, not similar to ImageNet: {:?}",
        Strategy::recommend(per_class, false, units)
    );
    println!(
        "| strategy | trained units | test accuracy | train accuracy (last epoch) | wall time |"
    );
    println!("|---|---|---|---|---|");
    for strategy in [
        Strategy::HeadOnly,
        Strategy::TopUnits(2),
        Strategy::TopUnits(units / 2),
        Strategy::Full,
    ] {
        let start = Instant::now();
        let config = FineTuneConfig {
            strategy,
            epochs,
            batch_size: 32,
            ..FineTuneConfig::default()
        };
        let (model, report) = fine_tune(&pretrained, &train, 10, &config, &device, |_| {})?;
        let accuracy = model.accuracy(&pretrained, &test, &device);
        println!(
            "| {} | {}/{} | {:.2}% | {:.2}% | {:.1} s |",
            report.strategy,
            report.trained_units,
            report.total_units,
            100.0 * accuracy,
            100.0 * report.history.last().map_or(0.0, |e| e.accuracy),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
