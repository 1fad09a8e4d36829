//! The demo's transfer-learning section: the embedded ImageNet-pretrained MobileNet on 10
//! Fashion-MNIST images per class — a new head on the frozen base, the whole network fine-tuned,
//! and the same network from random weights.

use burn::tensor::Device;
use cinder_plot::{BarChart, ConfusionMatrix, Curves, save};
use cinder_vision::transfer::{
    FineTuneConfig, FineTuneReport, LabelledImages, Strategy, fine_tune,
};
use cinder_vision::{Cnn, Pretrained};
use serde::Serialize;

use super::fashion::Fashion;
use super::section::{SIZE, Section};
use crate::error::{Result, context};
use crate::image::evaluate_fine_tuned;

/// The transfer section's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferSummary {
    /// Labelled training images per class.
    pub labels_per_class: usize,
    /// Training images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
    /// Test accuracy of a new head on the frozen base.
    pub head_only: f64,
    /// Test accuracy with the top of the base fine-tuned.
    pub fine_tuned: f64,
    /// Test accuracy of the same network from random weights.
    pub scratch: f64,
}

/// One approach: its training and its test outcome.
struct Outcome {
    name: &'static str,
    accuracy: f64,
    report: FineTuneReport,
    confusion: Vec<Vec<usize>>,
}

fn train_and_test(
    name: &'static str,
    pretrained: &Pretrained,
    train: &LabelledImages,
    test: &LabelledImages,
    config: &FineTuneConfig,
    classes: usize,
    device: &Device,
) -> Result<Outcome> {
    let (model, report) = fine_tune(pretrained, train, classes, config, device, |_| {})
        .map_err(context(format!("transfer learning: {name}")))?;
    let tested = evaluate_fine_tuned(&model, pretrained, test, device);
    Ok(Outcome {
        name,
        accuracy: tested.accuracy,
        report,
        confusion: tested.confusion,
    })
}

/// Transfer learning with the pretrained MobileNet from few labels per class: a new head on the
/// frozen base, the whole network fine-tuned, and the same network from random weights.
pub(super) fn section(
    demo: &mut Section<'_>,
    data: &Fashion,
    base: &Pretrained,
) -> Result<TransferSummary> {
    const PER_CLASS: usize = 10;
    let classes = data.class_names.len();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let mut seen = vec![0usize; classes];
    for (image, &label) in data.images.iter().zip(&data.labels) {
        seen[label] += 1;
        let target = if seen[label] <= PER_CLASS {
            &mut train
        } else {
            &mut test
        };
        target.push((image.clone(), label));
    }
    let config = |strategy, head_learning_rate, base_learning_rate, epochs| FineTuneConfig {
        strategy,
        epochs,
        batch_size: 20,
        head_learning_rate,
        base_learning_rate,
        seed: 3,
    };
    let head = train_and_test(
        "pretrained, head only",
        base,
        &train,
        &test,
        &config(Strategy::HeadOnly, 3e-3, 0.0, 60),
        classes,
        demo.device,
    )?;
    let tuned = train_and_test(
        "pretrained, fine-tuned",
        base,
        &train,
        &test,
        &config(Strategy::TopUnits(4), 3e-3, 3e-4, 30),
        classes,
        demo.device,
    )?;
    let random = Pretrained {
        model: Cnn::new(
            Cnn::random_base(base.architecture, true, 11, demo.device)?.backbone,
            None,
            base.model.grid_pool,
        ),
        architecture: base.architecture,
        preprocessing: base.preprocessing,
        labels: None,
        source: "random".into(),
    };
    let scratch = train_and_test(
        "same network from scratch",
        &random,
        &train,
        &test,
        &config(Strategy::Full, 3e-3, 3e-3, 20),
        classes,
        demo.device,
    )?;
    let outcomes = [head, tuned, scratch];
    (demo.say)(format!(
        "transfer learning, {PER_CLASS} labelled Fashion-MNIST images per class ({} test): {}",
        test.len(),
        outcomes
            .iter()
            .map(|o| format!("{} {:.1}%", o.name, 100.0 * o.accuracy))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let charts = demo.charts();
    save(
        &BarChart::new(
            &format!("{PER_CLASS} labelled images per class: test accuracy"),
            "test accuracy",
            outcomes.iter().map(|o| o.name.to_string()).collect(),
            outcomes.iter().map(|o| o.accuracy).collect(),
        )
        .with_reference("chance (10 classes)", 0.1),
        &charts.join("transfer_accuracy.png"),
        SIZE,
    )?;
    let mut curves = Curves::new("Transfer learning: training loss", "epoch", "cross-entropy");
    for o in &outcomes {
        curves = curves.with_series(o.name, o.report.history.iter().map(|e| e.loss).collect());
    }
    save(&curves, &charts.join("transfer_curves.png"), SIZE)?;
    let best = outcomes
        .iter()
        .max_by(|a, b| a.accuracy.total_cmp(&b.accuracy))
        .expect("three outcomes");
    save(
        &ConfusionMatrix::new(
            &format!("{}: test predictions", best.name),
            data.class_names.clone(),
            best.confusion.clone(),
        ),
        &charts.join("transfer_confusion.png"),
        (820, 700),
    )?;
    demo.report
        .heading("Transfer learning: an ImageNet CNN on 10 images per class");
    demo.report.paragraph(&format!(
        "The same MobileNet V1 0.25, pretrained on ImageNet photos, meets Fashion-MNIST's grayscale product shots with {PER_CLASS} labelled images per class ({} training, {} test images). Feature extraction trains a new 10-way head on the frozen base; fine-tuning also trains the top {} of the base's {} units with a 10× smaller learning rate than the head's; the baseline is the whole network from random weights on the same {} images, for 20 epochs.",
        train.len(),
        test.len(),
        outcomes[1].report.trained_units,
        outcomes[1].report.total_units,
        train.len()
    ));
    demo.report.table(
        &["approach", "test accuracy", "epochs", "final training loss"],
        &outcomes
            .iter()
            .map(|o| {
                vec![
                    o.name.to_string(),
                    format!("{:.1}%", 100.0 * o.accuracy),
                    o.report.history.len().to_string(),
                    format!(
                        "{:.3}",
                        o.report.history.last().map_or(f64::NAN, |e| e.loss)
                    ),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let pretrained_best = outcomes[0].accuracy.max(outcomes[1].accuracy);
    demo.report.paragraph(&format!(
        "Reading: what ImageNet taught the network carries over — {:.1}% from the pretrained base against {:.1}% from scratch, where {} images are far too few to learn features from.",
        100.0 * pretrained_best,
        100.0 * outcomes[2].accuracy,
        train.len()
    ));
    demo.report.image(
        &charts.join("transfer_accuracy.png"),
        "Test accuracy of the three approaches (dashed: chance).",
    )?;
    demo.report.image(
        &charts.join("transfer_curves.png"),
        "Training loss per epoch: a low loss from scratch with a low test accuracy is memorization.",
    )?;
    demo.report.image(
        &charts.join("transfer_confusion.png"),
        &format!(
            "Confusion matrix of the best approach ({}): rows are true classes.",
            best.name
        ),
    )?;
    Ok(TransferSummary {
        labels_per_class: PER_CLASS,
        train_images: train.len(),
        test_images: test.len(),
        head_only: outcomes[0].accuracy,
        fine_tuned: outcomes[1].accuracy,
        scratch: outcomes[2].accuracy,
    })
}
