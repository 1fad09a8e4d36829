//! The demo's image-graph section: the shipped Fashion-MNIST images through the embedded
//! ImageNet-pretrained MobileNet V1 0.25, joined to their most similar images (cosine kNN), and a
//! GCN from 5 labelled images per class against the same model without edges.

use cinder_plot::{BarChart, ImageGraphDrawing, Scatter, Thumbnail, pca_2d, save};
use cinder_vision::Pretrained;
use cinder_vision::embed::ImageSource;
use serde::Serialize;

use super::fashion::Fashion;
use super::section::{SIZE, Section};
use crate::error::{Result, context, invalid};
use crate::image::{ImageGraph, ImageGraphPipeline};
use crate::observer::Silent;

/// Labelled images per class in both experiments.
const LABELS_PER_CLASS: usize = 5;
/// Neighbours per image in the similarity graph.
const K: usize = 10;
/// Seeds of the GCN vs MLP comparison.
const SEEDS: u64 = 10;

/// The image-graph section's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageGraphSummary {
    /// Images (nodes).
    pub images: usize,
    /// Embedding width.
    pub embedding_dims: usize,
    /// Neighbours per image.
    pub k: usize,
    /// Undirected edges.
    pub edges: usize,
    /// Share of edges within a class.
    pub same_class_edge_fraction: f64,
    /// Labelled images per class.
    pub labels_per_class: usize,
    /// Seeds of the comparison.
    pub seeds: u64,
    /// The GCN's mean test accuracy.
    pub gcn_accuracy: f64,
    /// Its population standard deviation over seeds.
    pub gcn_std: f64,
    /// The edgeless model's (MLP's) mean test accuracy.
    pub mlp_accuracy: f64,
    /// Its population standard deviation over seeds.
    pub mlp_std: f64,
}

/// Images as a graph: MobileNet embeddings as node features, the cosine kNN graph, a GCN from
/// 5 labelled images per class against the same model without edges over 10 seeds.
pub(super) fn section(
    demo: &mut Section<'_>,
    data: &Fashion,
    model: &Pretrained,
) -> Result<ImageGraphSummary> {
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
            demo.device,
            &mut Silent,
        )
        .map_err(context("the image graph and GCN vs MLP on it"))?;
    let Some(ablation) = ablation else {
        return Err(invalid(
            "labels_per_class",
            "the pipeline ran no GCN vs MLP comparison",
        ));
    };
    let homophily = same_class_edge_fraction.unwrap_or(f64::NAN);
    let (gcn, gcn_std) = ablation.with_edges_mean_std();
    let (mlp, mlp_std) = ablation.without_edges_mean_std();
    (demo.say)(format!(
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

    let charts = demo.charts();
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

    demo.report
        .heading("Images as a graph: Fashion-MNIST through a pretrained CNN");
    demo.report.paragraph(&format!(
        "The {} shipped Fashion-MNIST images (40 per class) go through cinder's embedded ImageNet-pretrained MobileNet V1 0.25 (no classifier): each becomes a node with its {}-d embedding as features, joined to its {K} most similar images (cosine, symmetrized: {} edges, {:.1}% of them between images of the same class). A two-layer GCN (hidden 64) learns the classes from {LABELS_PER_CLASS} labelled images per class ({LABELS_PER_CLASS} more for early stopping, {} for testing) and is compared with the same model without the edges, i.e. an MLP on the embeddings, over {SEEDS} seeds.",
        data.images.len(),
        embeddings.dims,
        graph.num_edges(),
        100.0 * homophily,
        ablation.test_nodes
    ));
    demo.report.table(
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
    demo.report.paragraph(&if gcn > mlp {
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
    demo.report.image(
        &charts.join("fashion_gcn_vs_mlp.png"),
        "Test accuracy with and without the similarity graph's edges (error bars: std over seeds; dashed: chance).",
    )?;
    demo.report.image(
        &charts.join("fashion_pca.png"),
        "The embeddings in 2-D (PCA), coloured by class: trousers, bags and footwear form their own clusters; shirts, pullovers and coats overlap — where a pretrained ImageNet CNN is least sure.",
    )?;
    demo.report.image(
        &charts.join("fashion_graph.png"),
        "The kNN graph drawn with the images as its nodes (frame: class), green edges within a class, red edges across: mistakes concentrate where the red edges are.",
    )?;
    Ok(ImageGraphSummary {
        images: data.images.len(),
        embedding_dims: embeddings.dims,
        k: K,
        edges: graph.num_edges(),
        same_class_edge_fraction: homophily,
        labels_per_class: LABELS_PER_CLASS,
        seeds: SEEDS,
        gcn_accuracy: gcn,
        gcn_std,
        mlp_accuracy: mlp,
        mlp_std,
    })
}
