//! The image part of `cinder demo`, on what cinder ships: 400 Fashion-MNIST images and the
//! embedded ImageNet-pretrained MobileNet V1 0.25. Images as a graph (embeddings, cosine kNN, GCN
//! vs the same model without edges), transfer learning (head only vs fine-tuned vs the same
//! network from scratch), and feature maps + Grad-CAM on a shipped photo.

use std::path::Path;

use anyhow::Context;
use burn::tensor::Device;
use cinder_experiment::{ImageGraph, ImageGraphPipeline, Silent};
use cinder_plot::{
    BarChart, ConfusionMatrix, Curves, ImageGraphDrawing, Report, Scatter, Thumbnail, pca_2d, save,
};
use cinder_vision::embed::ImageSource;
use cinder_vision::transfer::{
    FineTuneConfig, FineTuneReport, LabelledImages, Strategy, fine_tune,
};
use cinder_vision::{Cnn, Pretrained, RgbImage, decode_rgb};
use serde_json::{Value, json};

const SIZE: (u32, u32) = (900, 520);

/// Labelled images per class in both experiments.
const LABELS_PER_CLASS: usize = 5;
/// Neighbours per image in the similarity graph.
const K: usize = 10;
/// Seeds of the GCN vs MLP comparison.
const SEEDS: u64 = 10;

/// The shipped Fashion-MNIST images, decoded.
pub struct Fashion {
    images: Vec<RgbImage>,
    labels: Vec<usize>,
    class_names: Vec<String>,
}

/// Decodes the 400 shipped Fashion-MNIST images.
pub fn fashion() -> anyhow::Result<Fashion> {
    let set = cinder_datasets::fashion_mnist_sample();
    let images = set
        .images
        .iter()
        .map(|image| decode_rgb(image.bytes, &image.name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Fashion {
        images,
        labels: set.labels(),
        class_names: set.class_names,
    })
}

/// Images as a graph: MobileNet embeddings as node features, the cosine kNN graph, a GCN from
/// 5 labelled images per class against the same model without edges over 10 seeds.
pub fn image_graph(
    directory: &Path,
    report: &mut Report,
    data: &Fashion,
    model: &Pretrained,
    say: &dyn Fn(String),
    device: &Device,
) -> anyhow::Result<Value> {
    let sources: Vec<ImageSource> = data
        .images
        .iter()
        .cloned()
        .map(ImageSource::Pixels)
        .collect();
    let pipeline = ImageGraphPipeline {
        k: K,
        batch_size: 50,
        labels_per_class: Some(LABELS_PER_CLASS),
        seeds: SEEDS,
        ..ImageGraphPipeline::default()
    };
    let ImageGraph {
        embeddings,
        graph,
        same_class_edge_fraction,
        ablation,
    } = pipeline
        .run(
            model,
            &sources,
            Some(&data.labels),
            None,
            device,
            &mut Silent,
        )
        .context("the image graph and GCN vs MLP on it")?;
    let ablation = ablation.context("the pipeline ran the comparison")?;
    let homophily = same_class_edge_fraction.unwrap_or(f64::NAN);
    let (gcn, gcn_std) = ablation.with_edges_mean_std();
    let (mlp, mlp_std) = ablation.without_edges_mean_std();
    say(format!(
        "images as a graph: {} Fashion-MNIST images → {}-d MobileNet embeddings, k = {K}: {} edges, {:.1}% within a class; {LABELS_PER_CLASS} labels per class, {SEEDS} seeds: GCN {:.1}% ± {:.1}, same model without edges {:.1}% ± {:.1}",
        data.images.len(),
        embeddings.dims,
        graph.num_edges(),
        100.0 * homophily,
        100.0 * gcn,
        100.0 * gcn_std,
        100.0 * mlp,
        100.0 * mlp_std
    ));

    let charts = directory.join("charts");
    let scatter = Scatter::new(
        "MobileNet embeddings of the shipped images, first two principal components",
        pca_2d(&embeddings.values, embeddings.rows, embeddings.dims),
        data.labels.clone(),
        data.class_names.clone(),
    );
    save(&scatter, &charts.join("fashion_pca.png"), (900, 700))?;
    // The drawn graph: 12 images per class and the edges among them, to stay readable.
    let shown: Vec<usize> = (0..data.images.len())
        .filter(|&i| {
            data.labels[..i]
                .iter()
                .filter(|&&l| l == data.labels[i])
                .count()
                < 12
        })
        .collect();
    let local = |node: usize| shown.iter().position(|&s| s == node);
    let edges: Vec<(usize, usize)> = graph
        .edges()
        .filter_map(|(a, b)| Some((local(a)?, local(b)?)))
        .collect();
    let thumbnails: Vec<Thumbnail> = shown
        .iter()
        .map(|&i| {
            let image = &data.images[i];
            Thumbnail {
                width: image.width(),
                height: image.height(),
                rgb: image.as_raw().clone(),
            }
        })
        .collect();
    let drawing = ImageGraphDrawing::new(
        &format!(
            "Similarity graph (k = {K}) among {} of the images",
            shown.len()
        ),
        edges,
        thumbnails,
        shown.iter().map(|&i| data.labels[i]).collect(),
        data.class_names.clone(),
        5,
    );
    save(&drawing, &charts.join("fashion_graph.png"), (1200, 1000))?;
    let bars = BarChart::new(
        &format!("{LABELS_PER_CLASS} labelled images per class: test accuracy, mean ± std over {SEEDS} seeds"),
        "test accuracy",
        vec![
            "GCN on the similarity graph".into(),
            "same model without edges (MLP)".into(),
        ],
        vec![gcn, mlp],
    )
    .with_errors(vec![gcn_std, mlp_std])
    .with_reference("chance (10 classes)", 0.1);
    save(&bars, &charts.join("fashion_gcn_vs_mlp.png"), SIZE)?;

    report.heading("Images as a graph: Fashion-MNIST through a pretrained CNN");
    report.paragraph(&format!(
        "The {} shipped Fashion-MNIST images (40 per class) go through cinder's embedded ImageNet-pretrained MobileNet V1 0.25 (no classifier): each becomes a node with its {}-d embedding as features, joined to its {K} most similar images (cosine, symmetrized: {} edges, {:.1}% of them between images of the same class). A two-layer GCN (hidden 64) learns the classes from {LABELS_PER_CLASS} labelled images per class ({LABELS_PER_CLASS} more for early stopping, {} for testing) and is compared with the same model without the edges, i.e. an MLP on the embeddings, over {SEEDS} seeds.",
        data.images.len(),
        embeddings.dims,
        graph.num_edges(),
        100.0 * homophily,
        ablation.test_nodes
    ));
    report.table(
        &["model", "mean test accuracy", "std", "seeds"],
        &[
            vec![
                "GCN on the similarity graph".into(),
                format!("{:.1}%", 100.0 * gcn),
                format!("{:.1}", 100.0 * gcn_std),
                SEEDS.to_string(),
            ],
            vec![
                "same model without edges (MLP)".into(),
                format!("{:.1}%", 100.0 * mlp),
                format!("{:.1}", 100.0 * mlp_std),
                SEEDS.to_string(),
            ],
        ],
    );
    report.paragraph(&if gcn > mlp {
        format!(
            "Reading: the graph lets the {} labels reach the images similar to them, which the MLP cannot use: {:+.1} points on average.",
            LABELS_PER_CLASS * data.class_names.len(),
            100.0 * (gcn - mlp)
        )
    } else {
        format!(
            "Reading: on this run the graph did not help ({:+.1} points); with {:.0}% of edges within a class the neighbours add about as much noise as signal.",
            100.0 * (gcn - mlp),
            100.0 * homophily
        )
    });
    report.image(
        &charts.join("fashion_gcn_vs_mlp.png"),
        "Test accuracy with and without the similarity graph's edges (error bars: std over seeds; dashed: chance).",
    )?;
    report.image(
        &charts.join("fashion_pca.png"),
        "The embeddings in 2-D (PCA), coloured by class: trousers, bags and footwear form their own clusters; shirts, pullovers and coats overlap — where a pretrained ImageNet CNN is least sure.",
    )?;
    report.image(
        &charts.join("fashion_graph.png"),
        "The kNN graph drawn with the images as its nodes (frame: class), green edges within a class, red edges across: mistakes concentrate where the red edges are.",
    )?;
    Ok(json!({
        "images": data.images.len(),
        "embedding_dims": embeddings.dims,
        "k": K,
        "edges": graph.num_edges(),
        "same_class_edge_fraction": homophily,
        "labels_per_class": LABELS_PER_CLASS,
        "seeds": SEEDS,
        "gcn_accuracy": gcn,
        "gcn_std": gcn_std,
        "mlp_accuracy": mlp,
        "mlp_std": mlp_std,
    }))
}

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
) -> anyhow::Result<Outcome> {
    let (model, report) = fine_tune(pretrained, train, classes, config, device, |_| {})
        .with_context(|| format!("transfer learning: {name}"))?;
    let inputs: Vec<RgbImage> = test.iter().map(|(i, _)| i.clone()).collect();
    let predictions = model.predict(pretrained, &inputs, device);
    let labels: Vec<usize> = test.iter().map(|(_, y)| *y).collect();
    let all: Vec<usize> = (0..test.len()).collect();
    Ok(Outcome {
        name,
        accuracy: cinder_nn::accuracy(&predictions, &labels, &all),
        report,
        confusion: cinder_nn::confusion_matrix(&predictions, &labels, &all, classes),
    })
}

/// Transfer learning with the pretrained MobileNet from few labels per class: a new head on the
/// frozen base, the whole network fine-tuned, and the same network from random weights.
pub fn transfer(
    directory: &Path,
    report: &mut Report,
    data: &Fashion,
    base: &Pretrained,
    say: &dyn Fn(String),
    device: &Device,
) -> anyhow::Result<Value> {
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
        device,
    )?;
    let tuned = train_and_test(
        "pretrained, fine-tuned",
        base,
        &train,
        &test,
        &config(Strategy::TopUnits(4), 3e-3, 3e-4, 30),
        classes,
        device,
    )?;
    let random = Pretrained {
        model: Cnn::new(
            Cnn::random_base(base.architecture, true, 11, device)?.backbone,
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
        device,
    )?;
    let outcomes = [head, tuned, scratch];
    say(format!(
        "transfer learning, {PER_CLASS} labelled Fashion-MNIST images per class ({} test): {}",
        test.len(),
        outcomes
            .iter()
            .map(|o| format!("{} {:.1}%", o.name, 100.0 * o.accuracy))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let charts = directory.join("charts");
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
    report.heading("Transfer learning: an ImageNet CNN on 10 images per class");
    report.paragraph(&format!(
        "The same MobileNet V1 0.25, pretrained on ImageNet photos, meets Fashion-MNIST's grayscale product shots with {PER_CLASS} labelled images per class ({} training, {} test images). Feature extraction trains a new 10-way head on the frozen base; fine-tuning also trains the top {} of the base's {} units with a 10× smaller learning rate than the head's; the baseline is the whole network from random weights on the same {} images, for 20 epochs.",
        train.len(),
        test.len(),
        outcomes[1].report.trained_units,
        outcomes[1].report.total_units,
        train.len()
    ));
    report.table(
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
    report.paragraph(&format!(
        "Reading: what ImageNet taught the network carries over — {:.1}% from the pretrained base against {:.1}% from scratch, where {} images are far too few to learn features from.",
        100.0 * pretrained_best,
        100.0 * outcomes[2].accuracy,
        train.len()
    ));
    report.image(
        &charts.join("transfer_accuracy.png"),
        "Test accuracy of the three approaches (dashed: chance).",
    )?;
    report.image(
        &charts.join("transfer_curves.png"),
        "Training loss per epoch: a low loss from scratch with a low test accuracy is memorization.",
    )?;
    report.image(
        &charts.join("transfer_confusion.png"),
        &format!(
            "Confusion matrix of the best approach ({}): rows are true classes.",
            best.name
        ),
    )?;
    let accuracy = |i: usize| outcomes[i].accuracy;
    Ok(json!({
        "labels_per_class": PER_CLASS,
        "train_images": train.len(),
        "test_images": test.len(),
        "head_only": accuracy(0),
        "fine_tuned": accuracy(1),
        "scratch": accuracy(2),
    }))
}

/// Classification, feature maps and Grad-CAM of the embedded MobileNet on a shipped photo.
pub fn explain_photo(
    directory: &Path,
    report: &mut Report,
    classifier: &Pretrained,
    say: &dyn Fn(String),
    device: &Device,
) -> anyhow::Result<Value> {
    const PHOTO: &str = "parrot.jpg";
    let bytes = cinder_datasets::sample_photo(PHOTO).context("the shipped sample photo")?;
    let inputs = directory.join("inputs");
    std::fs::create_dir_all(&inputs).with_context(|| format!("creating {}", inputs.display()))?;
    let path = inputs.join(PHOTO);
    cinder_plot::write_atomically(&path, bytes)?;
    let top = classifier
        .classify(&[decode_rgb(bytes, PHOTO)?], 3, device)?
        .remove(0);
    let written = cinder_experiment::write_feature_maps(
        classifier,
        &path,
        &cinder_experiment::FeatureMapRequest {
            stages: &[],
            class: None,
            channels: 32,
            with_report: false,
        },
        &directory.join("charts"),
        device,
    )?;
    say(format!(
        "explainable CNN: MobileNet V1 0.25 on {PHOTO}: {}",
        top.iter()
            .map(|s| format!(
                "{} {:.1}%",
                s.label.as_deref().unwrap_or("?"),
                100.0 * s.probability
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.heading("Explainable CNN: what the network looks at");
    report.paragraph(&format!(
        "The embedded MobileNet classifies a shipped photo ({PHOTO}, from google-coral/test_data, Apache-2.0) into ImageNet's 1000 classes; below, what two of its stages respond to and where the evidence for its top class lies (Grad-CAM, Selvaraju et al. 2017)."
    ));
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
    Ok(json!({
        "photo": PHOTO,
        "top1": top[0].label,
        "top1_probability": top[0].probability,
    }))
}
