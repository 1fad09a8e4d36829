//! `cinder image node-features`: node features from images. A cinder CSV graph folder whose
//! `nodes.csv` has a column of image paths gets every node's image embedded; the graph is written
//! again with the embeddings as feature columns (`e0, e1, …`) instead of the image column.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use cinder_vision::HeadChoice;
use cinder_vision::embed::{Embeddings, ImageSource};
use cinder_vision::image_graph::embedding_features;

use super::embed::EmbeddingOptions;
use super::source::CnnSource;
use crate::error::{Result, input, io};
use crate::observer::Observer;

/// Everything `cinder image node-features` does, as options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageNodeFeaturesRequest {
    /// The CNN (its classifier is dropped).
    pub model: CnnSource,
    /// A cinder CSV graph folder (`nodes.csv` with a header, `edges.csv`).
    pub graph: PathBuf,
    /// The column of `nodes.csv` holding image paths (relative to `graph`, or absolute), matched
    /// without regard to case.
    pub image_column: String,
    /// Batch size and cache of the embedding.
    pub embedding: EmbeddingOptions,
    /// Reduce the features to their first K principal components.
    pub pca: Option<usize>,
}

/// The graph's nodes with their images embedded.
#[derive(Debug, Clone)]
pub struct ImageNodeFeatures {
    /// The folder read.
    pub graph: PathBuf,
    /// Columns of `nodes.csv` without the image column.
    pub columns: Vec<String>,
    /// Each node's fields without its image path.
    pub rows: Vec<Vec<String>>,
    /// The embeddings (and how many came from the cache).
    pub embeddings: Embeddings,
    /// The node features, row-major (`rows.len() × width`): the embeddings, PCA-reduced if asked.
    pub features: Vec<f32>,
    /// Features per node.
    pub width: usize,
}

impl ImageNodeFeaturesRequest {
    /// Loads the CNN, reads `nodes.csv`, checks every image path, and embeds the images on
    /// `device`, reporting progress to `observer`.
    pub fn run(&self, device: &Device, observer: &mut dyn Observer) -> Result<ImageNodeFeatures> {
        let model = &self.model.open(HeadChoice::Drop, device)?.folded();
        let nodes_path = self.graph.join("nodes.csv");
        let text = std::fs::read_to_string(&nodes_path).map_err(io(&nodes_path))?;
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
        let Some((_, header)) = lines.next() else {
            return Err(input(&nodes_path, "empty"));
        };
        let header: Vec<&str> = header.split(',').map(str::trim).collect();
        let Some(column) = header
            .iter()
            .position(|c| c.eq_ignore_ascii_case(&self.image_column))
        else {
            return Err(input(
                &nodes_path,
                format!(
                    "no column named {:?} (columns: {})",
                    self.image_column,
                    header.join(", ")
                ),
            ));
        };
        let mut rows = Vec::new();
        let mut sources = Vec::new();
        for (number, line) in lines {
            let mut fields: Vec<String> = line.split(',').map(|f| f.trim().to_string()).collect();
            let Some(path) = fields.get(column).filter(|p| !p.is_empty()) else {
                return Err(input(
                    &nodes_path,
                    format!(
                        "line {}: no image path in column {:?}",
                        number + 1,
                        self.image_column
                    ),
                ));
            };
            let path = self.graph.join(path);
            if !path.exists() {
                return Err(input(
                    &nodes_path,
                    format!(
                        "line {}: image {} does not exist",
                        number + 1,
                        path.display()
                    ),
                ));
            }
            sources.push(ImageSource::File(path));
            fields.remove(column);
            rows.push(fields);
        }
        let embeddings = self.embedding.embed(model, &sources, device, observer)?;
        let (features, width) = embedding_features(&embeddings, self.pca)?;
        let mut columns: Vec<String> = header.iter().map(|c| c.to_string()).collect();
        columns.remove(column);
        Ok(ImageNodeFeatures {
            graph: self.graph.clone(),
            columns,
            rows,
            embeddings,
            features,
            width,
        })
    }
}

impl ImageNodeFeatures {
    /// Writes `nodes.csv` (the kept columns, then `e0, e1, …`) and a copy of the graph's
    /// `edges.csv` into `out` (created if missing), each atomically.
    pub fn write(&self, out: &Path) -> Result<()> {
        let mut text = self.columns.join(",");
        for d in 0..self.width {
            text.push_str(&format!(",e{d}"));
        }
        text.push('\n');
        for (r, fields) in self.rows.iter().enumerate() {
            text.push_str(&fields.join(","));
            for value in &self.features[r * self.width..(r + 1) * self.width] {
                text.push_str(&format!(",{value}"));
            }
            text.push('\n');
        }
        std::fs::create_dir_all(out).map_err(io(out))?;
        cinder_plot::write_atomically(&out.join("nodes.csv"), text.as_bytes())?;
        let edges = self.graph.join("edges.csv");
        let edges_text = std::fs::read(&edges).map_err(io(&edges))?;
        cinder_plot::write_atomically(&out.join("edges.csv"), &edges_text)?;
        Ok(())
    }
}
