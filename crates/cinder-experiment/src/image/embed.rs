//! Images → embeddings: a pretrained CNN's global average of its last feature map per image,
//! with progress events and the on-disk cache ([`embed_observed`]), and `cinder image features`:
//! one embedding per image of a folder into a CSV file ([`ImageEmbedRequest`]).

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use cinder_datasets::ImageFolder;
use cinder_vision::embed::{EmbeddingCache, Embeddings, ImageSource, embed_images};
use cinder_vision::{HeadChoice, Pretrained};

use super::source::{CnnSource, file_sources, load_images, open_cache};
use crate::error::Result;
use crate::observer::{Event, Observer, Unit};

/// Embeds `sources` with `model` (global average of the last feature map) in batches of
/// `batch_size`, reading and filling `cache` when given, reporting [`Event::Items`] to
/// `observer`.
pub fn embed_observed(
    model: &Pretrained,
    sources: &[ImageSource],
    cache: Option<&EmbeddingCache>,
    batch_size: usize,
    device: &Device,
    observer: &mut dyn Observer,
) -> Result<Embeddings> {
    observer.observe(&Event::Started {
        unit: Unit::Embedding,
        index: 1,
        count: 1,
        steps: sources.len(),
        label: "embedding",
    });
    let embeddings = embed_images(model, sources, cache, batch_size.max(1), device, |done| {
        observer.observe(&Event::Items {
            done,
            total: sources.len(),
        });
    })?;
    observer.observe(&Event::Finished {
        unit: Unit::Embedding,
        index: 1,
        count: 1,
        best_epoch: None,
        validation_accuracy: None,
        test_accuracy: None,
    });
    Ok(embeddings)
}

/// How images become embeddings (shared by the image commands that embed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingOptions {
    /// The embedding cache folder (keyed by image bytes, weights and preprocessing); `None`:
    /// no cache. [`default_embedding_cache`](super::source::default_embedding_cache) is the
    /// usual folder.
    pub cache: Option<PathBuf>,
    /// Images per forward pass.
    pub batch_size: usize,
}

impl EmbeddingOptions {
    /// Embeds `sources` with `model` (cache first), reporting progress to `observer`.
    pub fn embed(
        &self,
        model: &Pretrained,
        sources: &[ImageSource],
        device: &Device,
        observer: &mut dyn Observer,
    ) -> Result<Embeddings> {
        let cache = open_cache(self.cache.as_deref(), model)?;
        embed_observed(
            model,
            sources,
            cache.as_ref(),
            self.batch_size,
            device,
            observer,
        )
    }
}

/// `cinder image features`: one embedding per image of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEmbedRequest {
    /// The CNN (its classifier is dropped).
    pub model: CnnSource,
    /// A folder of images: class subfolders (the label is the subfolder) or a flat folder.
    pub images: PathBuf,
    /// Images per forward pass and the cache.
    pub embedding: EmbeddingOptions,
}

/// The embeddings of an image folder.
#[derive(Debug, Clone)]
pub struct ImageEmbedding {
    /// The CNN's architecture.
    pub architecture: String,
    /// The folder read.
    pub folder: ImageFolder,
    /// One embedding per image, in the folder's order.
    pub embeddings: Embeddings,
}

impl ImageEmbedRequest {
    /// Loads the CNN, reads the folder (refused without images) and embeds every image on
    /// `device`, reporting progress to `observer`.
    pub fn run(&self, device: &Device, observer: &mut dyn Observer) -> Result<ImageEmbedding> {
        let model = &self.model.open(HeadChoice::Drop, device)?.folded();
        let folder = load_images(&self.images)?;
        let sources = file_sources(&folder);
        let embeddings = self.embedding.embed(model, &sources, device, observer)?;
        Ok(ImageEmbedding {
            architecture: model.architecture.to_string(),
            folder,
            embeddings,
        })
    }
}

impl ImageEmbedding {
    /// Writes `path,label,f0,f1,…` (one row per image, the label empty for a flat folder) to
    /// `out`, atomically.
    pub fn write_csv(&self, out: &Path) -> Result<()> {
        let width = self.embeddings.dims;
        let header = ["path".to_string(), "label".to_string()]
            .into_iter()
            .chain((0..width).map(|i| format!("f{i}")))
            .collect::<Vec<_>>()
            .join(",");
        let mut csv = format!("{header}\n");
        for (row, (path, label)) in self
            .folder
            .images
            .iter()
            .zip(&self.folder.labels)
            .enumerate()
        {
            let label = label
                .map(|l| self.folder.class_names[l].clone())
                .unwrap_or_default();
            csv.push_str(&csv_field(&path.display().to_string()));
            csv.push(',');
            csv.push_str(&csv_field(&label));
            for value in &self.embeddings.values[row * width..(row + 1) * width] {
                csv.push_str(&format!(",{value}"));
            }
            csv.push('\n');
        }
        cinder_plot::write_atomically(out, csv.as_bytes())?;
        Ok(())
    }
}

/// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, quote or newline.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
