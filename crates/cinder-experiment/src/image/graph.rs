//! The images → graph pipeline: embed images with a pretrained CNN, connect each image to its k
//! most similar (cosine), attach labels, and optionally compare a few-labels GCN on that graph
//! with the same model without edges. `cinder image graph` ([`super::graph_request`]), the demo
//! and `examples/image_similarity_graph.rs` all run [`ImageGraphPipeline`].

use burn::tensor::Device;
use cinder_graph::Graph;
use cinder_nn::{EdgeAblation, NodeTrainingConfig, edge_ablation};
use cinder_vision::Pretrained;
use cinder_vision::embed::{EmbeddingCache, Embeddings, ImageSource};
use cinder_vision::image_graph::{
    ImageGraphOptions, image_similarity_graph, same_class_edge_fraction,
};

use super::embed::embed_observed;
use crate::error::{ExperimentError, Result};
use crate::observer::{Event, Observer, Unit};

/// The images → graph pipeline's settings.
#[derive(Debug, Clone)]
pub struct ImageGraphPipeline {
    /// Neighbours per image (the union of both directions becomes one undirected edge).
    pub k: usize,
    /// Reduce node features to their first K principal components (neighbours are still found
    /// on the full embeddings).
    pub pca: Option<usize>,
    /// Images per forward pass.
    pub batch_size: usize,
    /// With labels: train the GCN and the edgeless MLP from this many labelled images per class
    /// (as many again validate, the rest test).
    pub labels_per_class: Option<usize>,
    /// Seeds (splits and initializations) of the comparison.
    pub seeds: u64,
    /// The comparison's training settings.
    pub training: NodeTrainingConfig,
}

impl Default for ImageGraphPipeline {
    /// k = 10, no PCA, batches of 32, no comparison, 5 seeds, the dense-embedding GCN settings.
    fn default() -> Self {
        Self {
            k: 10,
            pca: None,
            batch_size: 32,
            labels_per_class: None,
            seeds: 5,
            training: NodeTrainingConfig::for_dense_embeddings(),
        }
    }
}

/// What the pipeline produced.
#[derive(Debug, Clone)]
pub struct ImageGraph {
    /// The embeddings (and how many came from the cache).
    pub embeddings: Embeddings,
    /// Nodes = images with their (optionally PCA-reduced) embeddings as features and labels;
    /// edges = k nearest neighbours by cosine similarity, weighted by it.
    pub graph: Graph,
    /// Share of edges joining two images of the same class (with labels).
    pub same_class_edge_fraction: Option<f64>,
    /// The GCN vs edgeless-MLP comparison (with `labels_per_class`).
    pub ablation: Option<EdgeAblation>,
}

impl ImageGraphPipeline {
    /// Runs the pipeline on `sources` (with `labels`, one class per image, if known) on `device`
    /// (a plain device), reporting progress to `observer`.
    pub fn run(
        &self,
        model: &Pretrained,
        sources: &[ImageSource],
        labels: Option<&[usize]>,
        cache: Option<&EmbeddingCache>,
        device: &Device,
        observer: &mut dyn Observer,
    ) -> Result<ImageGraph> {
        let invalid = |option: &'static str, reason: String| {
            ExperimentError::Nn(cinder_nn::NnError::InvalidOption { option, reason })
        };
        if self.k == 0 {
            return Err(invalid(
                "k",
                "must be at least 1 (neighbours per image)".into(),
            ));
        }
        if sources.len() < 2 {
            return Err(invalid(
                "images",
                format!("need at least 2 images, got {}", sources.len()),
            ));
        }
        if let Some(labels) = labels
            && labels.len() != sources.len()
        {
            return Err(invalid(
                "labels",
                format!("{} labels for {} images", labels.len(), sources.len()),
            ));
        }
        if self.labels_per_class.is_some() && labels.is_none() {
            return Err(invalid(
                "labels_per_class",
                "the GCN vs MLP comparison needs a label per image".into(),
            ));
        }
        let embeddings = embed_observed(model, sources, cache, self.batch_size, device, observer)?;
        let graph = image_similarity_graph(
            &embeddings,
            labels,
            ImageGraphOptions {
                k: self.k,
                pca: self.pca,
            },
        )?;
        let same_class = labels.and_then(|_| same_class_edge_fraction(&graph));
        let ablation = match self.labels_per_class {
            Some(per_class) => {
                let seeds = self.seeds.max(1);
                let label = format!("GCN vs MLP, {per_class} labelled per class");
                observer.observe(&Event::Started {
                    unit: Unit::Seed,
                    index: 1,
                    count: seeds as usize,
                    steps: seeds as usize,
                    label: &label,
                });
                let ablation = edge_ablation(
                    &graph,
                    per_class,
                    seeds,
                    &self.training,
                    &device.clone().autodiff(),
                    |done| {
                        observer.observe(&Event::Items {
                            done: done as usize,
                            total: seeds as usize,
                        });
                    },
                )?;
                Some(ablation)
            }
            None => None,
        };
        Ok(ImageGraph {
            embeddings,
            graph,
            same_class_edge_fraction: same_class,
            ablation,
        })
    }
}
