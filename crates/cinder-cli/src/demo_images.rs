//! The image part of `cinder demo`: transfer learning on scikit-learn's 8×8 digits (shipped), and
//! with `CINDER_WEIGHTS`/`CINDER_DATA` set, MobileNet feature maps and Grad-CAM on a sample photo.

use std::path::Path;

use burn::tensor::Device;
use cinder_datasets::{IdxImages, embedded_digits};
use cinder_plot::{BarChart, ConfusionMatrix, Curves, FeatureMapGrid, Report, save};
use cinder_vision::explain::feature_maps;
use cinder_vision::transfer::{
    FineTuneConfig, FineTuneReport, LabelledImages, Strategy, fine_tune,
};
use cinder_vision::{
    Architecture, Cnn, HeadChoice, Normalization, Preprocessing, Pretrained, Resize, RgbImage,
};

const SIZE: (u32, u32) = (900, 520);

fn rgb(data: &IdxImages, i: usize) -> RgbImage {
    let pixels: Vec<u8> = data.image(i).iter().flat_map(|&v| [v, v, v]).collect();
    RgbImage::from_raw(data.width as u32, data.height as u32, pixels).expect("sized buffer")
}

/// Digits `classes` (relabelled from 0), split per class: the first `train_per_class` for
/// training, the rest for testing.
fn split(
    data: &IdxImages,
    classes: &[u8],
    train_per_class: usize,
) -> (LabelledImages, LabelledImages) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let mut seen = [0usize; 10];
    for i in 0..data.len() {
        let label = data.labels[i];
        let Some(class) = classes.iter().position(|&c| c == label) else {
            continue;
        };
        seen[label as usize] += 1;
        let target = if seen[label as usize] <= train_per_class {
            &mut train
        } else {
            &mut test
        };
        target.push((rgb(data, i), class));
    }
    (train, test)
}

fn small(model: Cnn) -> Pretrained {
    Pretrained {
        model,
        architecture: Architecture::SmallCnn,
        preprocessing: Preprocessing {
            size: (8, 8),
            resize: Resize::Stretch,
            normalization: Normalization::Tf,
        },
        labels: None,
        source: "digits".into(),
    }
}

struct Outcome {
    name: String,
    accuracy: f64,
    report: FineTuneReport,
    confusion: Vec<Vec<usize>>,
}

fn evaluate(
    name: &str,
    pretrained: &Pretrained,
    train: &LabelledImages,
    test: &LabelledImages,
    config: &FineTuneConfig,
    classes: usize,
) -> anyhow::Result<(Outcome, Cnn)> {
    let device = Device::flex();
    let (model, report) = fine_tune(pretrained, train, classes, config, &device, |_| {})?;
    let inputs: Vec<RgbImage> = test.iter().map(|(i, _)| i.clone()).collect();
    let predictions = model.predict(pretrained, &inputs, &device);
    let mut confusion = vec![vec![0usize; classes]; classes];
    for (p, (_, y)) in predictions.iter().zip(test) {
        confusion[*y][*p] += 1;
    }
    let correct = predictions
        .iter()
        .zip(test)
        .filter(|(p, (_, y))| *p == y)
        .count();
    Ok((
        Outcome {
            name: name.into(),
            accuracy: correct as f64 / test.len() as f64,
            report,
            confusion,
        },
        model.model,
    ))
}

/// Pretrains the small CNN on digits 0–4, then transfers it to 5–9 from 10 labelled images per
/// class: head only vs fine-tuning everything vs the same network trained from scratch.
pub fn digits(directory: &Path, report: &mut Report) -> anyhow::Result<()> {
    let device = Device::flex();
    let data = embedded_digits()?;
    let charts = directory.join("charts");
    let (source_train, source_test) = split(&data, &[0, 1, 2, 3, 4], 140);
    let scratch = Cnn::random(Architecture::SmallCnn, 5, 7, &device)?;
    let pretraining = FineTuneConfig {
        strategy: Strategy::Full,
        epochs: 40,
        batch_size: 32,
        head_learning_rate: 3e-3,
        base_learning_rate: 3e-3,
        seed: 1,
    };
    let (source, source_model) = evaluate(
        "pretraining on 0–4",
        &small(scratch),
        &source_train,
        &source_test,
        &pretraining,
        5,
    )?;
    let (target_train, target_test) = split(&data, &[5, 6, 7, 8, 9], 10);
    let pretrained = small(Cnn {
        head: None,
        ..source_model
    });
    let transfer = |strategy, base_learning_rate| FineTuneConfig {
        strategy,
        epochs: 60,
        batch_size: 16,
        head_learning_rate: 3e-3,
        base_learning_rate,
        seed: 2,
    };
    let (head, _) = evaluate(
        "pretrained base, head only",
        &pretrained,
        &target_train,
        &target_test,
        &transfer(Strategy::HeadOnly, 0.0),
        5,
    )?;
    let (tuned, _) = evaluate(
        "pretrained base, fine-tuned",
        &pretrained,
        &target_train,
        &target_test,
        &transfer(Strategy::Full, 1e-3),
        5,
    )?;
    let fresh = small(Cnn::random(Architecture::SmallCnn, 5, 7, &device)?);
    let (from_scratch, _) = evaluate(
        "same network from scratch",
        &fresh,
        &target_train,
        &target_test,
        &transfer(Strategy::Full, 3e-3),
        5,
    )?;
    let outcomes = [head, tuned, from_scratch];
    println!(
        "digits: small CNN pretrained on 0–4 ({:.1}% on held-out 0–4); 5–9 from 10 images per class: {}",
        100.0 * source.accuracy,
        outcomes
            .iter()
            .map(|o| format!("{} {:.1}%", o.name, 100.0 * o.accuracy))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let bars = BarChart::new(
        "digits 5–9 from 10 labelled images per class: test accuracy",
        "test accuracy",
        outcomes.iter().map(|o| o.name.clone()).collect(),
        outcomes.iter().map(|o| o.accuracy).collect(),
    );
    save(&bars, &charts.join("digits_transfer.png"), SIZE)?;
    let mut curves = Curves::new("digits 5–9: training loss", "epoch", "cross-entropy");
    for o in &outcomes {
        curves = curves.with_series(&o.name, o.report.history.iter().map(|e| e.loss).collect());
    }
    save(&curves, &charts.join("digits_curves.png"), SIZE)?;
    let best = outcomes
        .iter()
        .max_by(|a, b| a.accuracy.total_cmp(&b.accuracy))
        .expect("three outcomes");
    let names: Vec<String> = (5..10).map(|d| d.to_string()).collect();
    save(
        &ConfusionMatrix::new(
            &format!("digits 5–9, {}: test predictions", best.name),
            names,
            best.confusion.clone(),
        ),
        &charts.join("digits_confusion.png"),
        (700, 560),
    )?;
    let sample = pretrained.batch(&[target_test[0].0.clone()], &device);
    let maps = feature_maps(&pretrained.model, sample, &["conv1".into()], "small_cnn")?;
    let first = &maps[0];
    save(
        &FeatureMapGrid::new(
            &format!(
                "pretrained small CNN, conv1 on a '{}': 16 channels, 8×8",
                target_test[0].1 + 5
            ),
            (0..first.channels)
                .map(|c| first.channel(c).to_vec())
                .collect(),
            first.height,
            first.width,
            8,
        ),
        &charts.join("digits_feature_maps.png"),
        (900, 300),
    )?;

    report.heading("Transfer learning: handwritten digits");
    report.paragraph(&format!(
        "A small CNN (three 3×3 conv layers, 16/32/64 channels) is trained from scratch on digits 0–4 ({} images; {:.1}% on {} held-out ones), then reused for digits 5–9 with only 10 labelled images per class ({} test images). Feature extraction trains a new head on the frozen base; fine-tuning also trains the base, with a 3× smaller learning rate than the head's; the baseline trains the same network from scratch on the same 50 images.",
        source_train.len(), 100.0 * source.accuracy, source_test.len(), target_test.len()
    ));
    report.table(
        &["approach", "test accuracy", "final training loss"],
        &outcomes
            .iter()
            .map(|o| {
                vec![
                    o.name.clone(),
                    format!("{:.1}%", 100.0 * o.accuracy),
                    format!("{:.3}", o.report.history.last().map_or(0.0, |e| e.loss)),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let best_transfer = outcomes[0].accuracy.max(outcomes[1].accuracy);
    report.paragraph(&if outcomes[2].accuracy >= best_transfer {
        format!(
            "Reading: the pretrained features carry over only partly (head only {:.1}%), and on these easy 8×8 images a network trained from scratch on the 50 labelled images does as well or better ({:.1}% vs {:.1}% fine-tuned): five source classes are too narrow a pretraining task to beat it. A rich source is what makes transfer pay (ImageNet-pretrained MobileNet on Fashion-MNIST: `cargo run --release --example transfer_learning`).",
            100.0 * outcomes[0].accuracy, 100.0 * outcomes[2].accuracy, 100.0 * outcomes[1].accuracy
        )
    } else {
        format!(
            "Reading: starting from the pretrained base beats training from scratch on the same 50 images ({:.1}% vs {:.1}%).",
            100.0 * best_transfer, 100.0 * outcomes[2].accuracy
        )
    });
    report.image(
        &charts.join("digits_transfer.png"),
        "Test accuracy on digits 5–9.",
    )?;
    report.image(
        &charts.join("digits_curves.png"),
        "Training loss per epoch.",
    )?;
    report.image(
        &charts.join("digits_confusion.png"),
        &format!("Confusion matrix of the best approach ({}).", best.name),
    )?;
    report.image(
        &charts.join("digits_feature_maps.png"),
        "What the pretrained first layer responds to.",
    )?;
    Ok(())
}

/// MobileNet V2 feature maps and Grad-CAM on `cat.bmp` (needs the shared weights and images).
pub fn mobilenet(directory: &Path, report: &mut Report) -> anyhow::Result<bool> {
    let (Some(weights), Some(image)) = (
        cinder_datasets::weights_path("mobilenet_v2_1.0_224_imagenet.safetensors"),
        cinder_datasets::data_path("images/imagenet-samples/cat.bmp"),
    ) else {
        return Ok(false);
    };
    let device = Device::flex();
    let model = Pretrained::open(&weights, None, HeadChoice::Keep, &device)?.with_labels(None)?;
    let top = model
        .classify(&[cinder_vision::load_rgb(&image)?], 3, &device)?
        .remove(0);
    let written = crate::image::write_feature_maps(
        &model,
        &image,
        &["block_3".into(), "Conv_1".into()],
        None,
        32,
        &directory.join("charts"),
        false,
    )?;
    println!(
        "MobileNet V2 on cat.bmp: {}",
        top.iter()
            .map(|s| format!(
                "{} {:.1}%",
                s.label.as_deref().unwrap_or("?"),
                100.0 * s.probability
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    report.heading("Pretrained CNN: MobileNet V2 on a photo (from CINDER_WEIGHTS)");
    report.table(
        &["rank", "class", "probability"],
        &top.iter()
            .enumerate()
            .map(|(r, s)| {
                vec![
                    (r + 1).to_string(),
                    s.label.clone().unwrap_or_default(),
                    format!("{:.1}%", 100.0 * s.probability),
                ]
            })
            .collect::<Vec<_>>(),
    );
    for (path, caption) in written {
        report.image(&path, &caption)?;
    }
    Ok(true)
}
