//! `cinder image graph` as one request: an image folder through [`ImageGraphPipeline`] (the
//! optional GCN vs MLP comparison included), written as a cinder CSV graph (`nodes.csv` with the
//! image paths as ids, `edges.csv`) with a report: the embeddings in 2-D by class, the degree
//! distribution and, when run, GCN vs MLP.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use cinder_plot::{BarChart, DegreeDistribution, Report, Scatter, pca_2d, save};
use cinder_vision::embed::Embeddings;
use cinder_vision::{HeadChoice, Pretrained};
use serde::Serialize;

use super::embed::EmbeddingOptions;
use super::graph::{ImageGraph, ImageGraphPipeline};
use super::source::{CnnSource, file_sources, open_cache};
use crate::error::{Result, input, invalid, io};
use crate::observer::Observer;
use crate::provenance::command_line;

/// Everything `cinder image graph` does, as options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageGraphRequest {
    /// The CNN (its classifier is dropped).
    pub model: CnnSource,
    /// A folder of images: class subfolders (labels) or a flat folder (no labels).
    pub images: PathBuf,
    /// Neighbours per image.
    pub k: usize,
    /// Batch size and cache of the embedding.
    pub embedding: EmbeddingOptions,
    /// Reduce the node features to their first K principal components.
    pub pca: Option<usize>,
    /// Also compare a GCN on the graph with the same model without edges, from this many
    /// labelled images per class (needs class subfolders).
    pub labels_per_class: Option<usize>,
    /// Seeds of the comparison (at least 1 is used).
    pub seeds: u64,
    /// The output folder: `nodes.csv`, `edges.csv`, and `report.html` with `charts/`.
    pub out: PathBuf,
}

/// What `cinder image graph --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageGraphSummary {
    /// Images (nodes).
    pub images: usize,
    /// The CNN's architecture.
    pub architecture: String,
    /// Embedding width.
    pub embedding_dims: usize,
    /// Node-feature width (the PCA's, when asked).
    pub feature_dims: usize,
    /// Embeddings read from the cache.
    pub embeddings_from_cache: usize,
    /// Embeddings computed.
    pub embeddings_computed: usize,
    /// Neighbours per image.
    pub k: usize,
    /// Undirected edges.
    pub edges: usize,
    /// Share of edges joining images of the same class (`None` without labels).
    pub same_class_edge_fraction: Option<f64>,
    /// The output folder.
    pub out: String,
    /// Labelled images per class of the comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels_per_class: Option<usize>,
    /// The GCN's test accuracy per seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcn_test_accuracy: Option<Vec<f64>>,
    /// The edgeless model's (MLP's) test accuracy per seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlp_test_accuracy: Option<Vec<f64>>,
    /// The GCN's mean test accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcn_mean: Option<f64>,
    /// The MLP's mean test accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlp_mean: Option<f64>,
    /// Seconds from the request's start until the graph was written.
    pub seconds: f64,
    /// The report, once written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// A built image graph, ready to be written.
#[derive(Debug, Clone)]
pub struct ImageGraphRun {
    /// The pipeline's output: embeddings, graph, same-class share, comparison.
    pub result: ImageGraph,
    /// Class names (`None` for a flat folder).
    pub class_names: Option<Vec<String>>,
    /// Node ids: the image paths relative to the folder.
    pub ids: Vec<String>,
    /// What `--json` prints (seconds and report filled in by the writes).
    pub summary: ImageGraphSummary,
    out: PathBuf,
    started: Instant,
}

impl ImageGraphRequest {
    /// Loads the CNN, reads the folder (at least 2 images) and runs the pipeline on `device`,
    /// reporting progress to `observer`; nothing is written yet.
    pub fn run(&self, device: &Device, observer: &mut dyn Observer) -> Result<ImageGraphRun> {
        let started = Instant::now();
        if self.k == 0 {
            return Err(invalid("k", "must be at least 1 (neighbours per image)"));
        }
        let model = &self.model.open(HeadChoice::Drop, device)?.folded();
        let folder = cinder_datasets::load_image_folder(&self.images)?;
        if folder.images.len() < 2 {
            return Err(input(
                &self.images,
                format!("need at least 2 images, found {}", folder.images.len()),
            ));
        }
        let labelled = folder.labels.iter().all(Option::is_some) && !folder.class_names.is_empty();
        if self.labels_per_class.is_some() && !labelled {
            return Err(invalid(
                "labels_per_class",
                "needs labels: give `images` a folder of class subfolders",
            ));
        }
        let sources = file_sources(&folder);
        let labels: Vec<usize> = folder.labels.iter().map(|l| l.unwrap_or(0)).collect();
        let pipeline = ImageGraphPipeline {
            k: self.k,
            pca: self.pca,
            batch_size: self.embedding.batch_size,
            labels_per_class: self.labels_per_class,
            seeds: self.seeds.max(1),
            ..ImageGraphPipeline::default()
        };
        let cache = open_cache(self.embedding.cache.as_deref(), model)?;
        let result = pipeline.run(
            model,
            &sources,
            labelled.then_some(&labels[..]),
            cache.as_ref(),
            device,
            observer,
        )?;
        let ids = folder
            .images
            .iter()
            .map(|p| {
                p.strip_prefix(&self.images)
                    .unwrap_or(p)
                    .display()
                    .to_string()
            })
            .collect();
        let summary = self.summary(model, &result, labelled);
        Ok(ImageGraphRun {
            class_names: labelled.then_some(folder.class_names),
            ids,
            summary,
            result,
            out: self.out.clone(),
            started,
        })
    }

    fn summary(
        &self,
        model: &Pretrained,
        result: &ImageGraph,
        labelled: bool,
    ) -> ImageGraphSummary {
        let Embeddings {
            dims,
            cached,
            computed,
            ..
        } = result.embeddings;
        let ablation = result.ablation.as_ref();
        ImageGraphSummary {
            images: result.graph.num_nodes(),
            architecture: model.architecture.to_string(),
            embedding_dims: dims,
            feature_dims: result.graph.node_features().map_or(0, |f| f.columns()),
            embeddings_from_cache: cached,
            embeddings_computed: computed,
            k: self.k,
            edges: result.graph.num_edges(),
            same_class_edge_fraction: labelled
                .then(|| result.same_class_edge_fraction.unwrap_or(f64::NAN)),
            out: self.out.display().to_string(),
            labels_per_class: ablation.map(|a| a.labels_per_class),
            gcn_test_accuracy: ablation.map(|a| a.with_edges.clone()),
            mlp_test_accuracy: ablation.map(|a| a.without_edges.clone()),
            gcn_mean: ablation.map(|a| a.with_edges_mean_std().0),
            mlp_mean: ablation.map(|a| a.without_edges_mean_std().0),
            seconds: 0.0,
            report: None,
        }
    }
}

impl ImageGraphRun {
    /// Writes the graph (`nodes.csv`, `edges.csv`) into the output folder and records the
    /// seconds taken so far.
    pub fn write_graph(&mut self) -> Result<()> {
        cinder_datasets::write_csv_graph(
            &self.result.graph,
            Some(&self.ids),
            self.class_names.as_deref(),
            &self.out,
        )?;
        self.summary.seconds = self.started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Writes `report.html` and its charts into the output folder: the embeddings in 2-D (PCA)
    /// by class, the degree distribution and, when run, GCN vs MLP. Returns the report's path.
    pub fn write_report(&mut self) -> Result<PathBuf> {
        let charts = self.out.join("charts");
        std::fs::create_dir_all(&charts).map_err(io(&charts))?;
        let graph = &self.result.graph;
        let summary = &self.summary;
        let rows = graph.num_nodes();
        let mut report =
            Report::new("cinder: image similarity graph").with_command(&command_line());
        report.heading("Summary");
        report.table(
            &[
                "images",
                "model",
                "embedding",
                "k",
                "edges",
                "same-class edges",
                "from cache",
            ],
            &[vec![
                rows.to_string(),
                summary.architecture.clone(),
                format!("{}-d", summary.embedding_dims),
                summary.k.to_string(),
                graph.num_edges().to_string(),
                summary
                    .same_class_edge_fraction
                    .filter(|f| f.is_finite())
                    .map_or("n/a".into(), |f| format!("{:.1}%", 100.0 * f)),
                format!("{} of {}", summary.embeddings_from_cache, rows),
            ]],
        );
        self.draw_embeddings(&mut report, &charts)?;
        let degrees_path = charts.join("degrees.png");
        save(
            &DegreeDistribution::new("similarity graph: degree distribution", graph.degrees()),
            &degrees_path,
            (700, 500),
        )?;
        report.image(
            &degrees_path,
            "Degrees of the symmetrized k-nearest-neighbour graph (log-log).",
        )?;
        let means = summary.gcn_mean.zip(summary.mlp_mean);
        if let (Some((gcn, mlp)), Some(per_class)) = (
            means.filter(|(gcn, mlp)| gcn.is_finite() && mlp.is_finite()),
            summary.labels_per_class,
        ) {
            let bars = BarChart::new(
                &format!("{per_class} labelled images per class: test accuracy"),
                "test accuracy",
                vec![
                    "GCN on the similarity graph".into(),
                    "same model without edges (MLP)".into(),
                ],
                vec![gcn, mlp],
            );
            let bars_path = charts.join("gcn_vs_mlp.png");
            save(&bars, &bars_path, (800, 520))?;
            report.heading("Does the graph help?");
            report.image(&bars_path, "Mean test accuracy over seeds: the same two-layer model with and without the similarity graph's edges.")?;
        }
        let path = self.out.join("report.html");
        report.write(&path)?;
        self.summary.report = Some(path.display().to_string());
        Ok(path)
    }

    /// The embeddings projected on their first two principal components, by class.
    fn draw_embeddings(&self, report: &mut Report, charts: &Path) -> Result<()> {
        let graph = &self.result.graph;
        let embeddings = &self.result.embeddings;
        let rows = graph.num_nodes();
        let labels: Vec<usize> = graph
            .node_labels()
            .map_or_else(|| vec![0; rows], <[usize]>::to_vec);
        let names: Vec<String> = self
            .class_names
            .clone()
            .unwrap_or_else(|| vec!["images".to_string()]);
        let scatter = Scatter::new(
            "image embeddings, first two principal components",
            pca_2d(&embeddings.values, rows, embeddings.dims),
            labels,
            names,
        );
        let scatter_path = charts.join("embeddings_pca.png");
        save(&scatter, &scatter_path, (800, 640))?;
        report.image(
            &scatter_path,
            "The CNN embeddings projected on their first two principal components, coloured by class.",
        )?;
        Ok(())
    }
}
