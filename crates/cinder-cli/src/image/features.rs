//! `cinder image features`: flags onto [`ImageEmbedRequest`], its CSV written.

use std::path::PathBuf;

use cinder_experiment::{Device, EmbeddingOptions, ImageEmbedRequest};
use clap::Args;

use super::model::{CacheArguments, MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;

/// Options of `cinder image features`.
#[derive(Debug, Args)]
pub struct FeaturesArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// A folder of images: class subfolders (the label is the subfolder) or a flat folder.
    #[arg(long)]
    images: PathBuf,
    /// Output CSV: `path,label,f0,f1,…` (label empty for a flat folder), written atomically.
    #[arg(long)]
    out: PathBuf,
    /// Images per forward pass.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    #[command(flatten)]
    cache: CacheArguments,
}

/// Runs `cinder image features`.
pub fn run(arguments: &FeaturesArguments, device: &Device) -> anyhow::Result<()> {
    let request = ImageEmbedRequest {
        model: arguments.model.source(),
        images: arguments.images.clone(),
        embedding: EmbeddingOptions {
            cache: arguments.cache.folder()?,
            batch_size: arguments.batch_size,
        },
    };
    let embedded = request
        .run(device, &mut ProgressBars::new(false))
        .map_err(|e| in_flag_terms(e, &MODEL_FLAGS))?;
    embedded.write_csv(&arguments.out)?;
    eprintln!(
        "{} embeddings of {} values ({}) → {}",
        embedded.folder.images.len(),
        embedded.embeddings.dims,
        embedded.architecture,
        arguments.out.display()
    );
    Ok(())
}
