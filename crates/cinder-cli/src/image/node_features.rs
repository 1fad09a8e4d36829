//! `cinder image node-features`: flags onto [`ImageNodeFeaturesRequest`], the graph written.

use std::path::PathBuf;

use cinder_experiment::{Device, ImageNodeFeaturesRequest};
use clap::Args;

use super::model::{EmbeddingArguments, MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;

/// Options of `cinder image node-features`.
#[derive(Debug, Args)]
pub struct NodeFeaturesArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// A cinder CSV graph folder (`nodes.csv` with a header, `edges.csv`).
    #[arg(long)]
    graph: PathBuf,
    /// The column of `nodes.csv` holding image paths (relative to --graph, or absolute).
    #[arg(long, default_value = "image")]
    image_column: String,
    /// Output folder: `nodes.csv` without the image column, with `e0, e1, …` embedding columns
    /// appended, and `edges.csv` copied.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    embedding: EmbeddingArguments,
}

/// Runs `cinder image node-features`.
pub fn run(arguments: &NodeFeaturesArguments, device: &Device) -> anyhow::Result<()> {
    let request = ImageNodeFeaturesRequest {
        model: arguments.model.source(),
        graph: arguments.graph.clone(),
        image_column: arguments.image_column.clone(),
        embedding: arguments.embedding.options()?,
        pca: arguments.embedding.pca,
    };
    let nodes = request
        .run(device, &mut ProgressBars::new(false))
        .map_err(|e| in_flag_terms(e, &MODEL_FLAGS))?;
    nodes.write(&arguments.out)?;
    println!(
        "{} nodes: {}-d embeddings of column {:?} ({} from the cache, {} computed) → {}",
        nodes.rows.len(),
        nodes.embeddings.dims,
        arguments.image_column,
        nodes.embeddings.cached,
        nodes.embeddings.computed,
        arguments.out.display()
    );
    Ok(())
}
