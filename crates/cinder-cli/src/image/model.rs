//! The flags every image command shares: which CNN to load, and how images are embedded.

use std::path::PathBuf;

use anyhow::Context;
use cinder_experiment::{CnnSource, EmbeddingOptions, default_embedding_cache};
use clap::Args;

/// The request fields the model flags set, with their flags (for error messages).
pub const MODEL_FLAGS: [(&str, &str); 2] = [("architecture", "--arch"), ("weights", "--weights")];

/// Which network to load.
#[derive(Debug, Args)]
pub struct ModelArguments {
    /// Weights: safetensors (torchvision/timm key names, or the Keras layout of the shared
    /// MobileNets), a PyTorch state dict (.pth/.pt), or a cinder checkpoint (.bpk + .json).
    /// Default: cinder's embedded CNN, ImageNet-pretrained MobileNet V1 0.25 at 128×128 (1001
    /// classes with their names, 256-d embeddings; Apache-2.0, see weights/README.md).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Architecture: mobilenet_v1[_ALPHA], mobilenet_v2, resnet18/34/50/101/152, vgg11/13/16/19
    /// [_bn], inception_v3, xception. Default: from the file's metadata, else its key names.
    #[arg(long)]
    pub arch: Option<String>,
}

impl ModelArguments {
    /// The CNN these flags name.
    pub fn source(&self) -> CnnSource {
        CnnSource {
            weights: self.weights.clone(),
            architecture: self.arch.clone(),
        }
    }
}

/// Where embeddings are cached (every command that embeds).
#[derive(Debug, Args)]
pub struct CacheArguments {
    /// Embedding cache (keyed by image bytes, weights and preprocessing). Default:
    /// `$CINDER_CACHE/embeddings`, else `$XDG_CACHE_HOME/cinder/embeddings`, else
    /// `~/.cache/cinder/embeddings`.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not read or write the embedding cache.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArguments {
    /// The cache folder: `--cache`, else the default one; none with `--no-cache`.
    pub fn folder(&self) -> anyhow::Result<Option<PathBuf>> {
        if self.no_cache {
            return Ok(None);
        }
        match &self.cache {
            Some(folder) => Ok(Some(folder.clone())),
            None => default_embedding_cache()
                .context("no cache folder (set CINDER_CACHE or give --cache, or use --no-cache)")
                .map(Some),
        }
    }
}

/// How images become node features (shared by `image graph` and `image node-features`).
#[derive(Debug, Args)]
pub struct EmbeddingArguments {
    #[command(flatten)]
    cache: CacheArguments,
    /// Images per forward pass.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Reduce the node features to their first K principal components (`image graph` still
    /// finds neighbours on the full embeddings).
    #[arg(long, value_name = "K")]
    pub pca: Option<usize>,
}

impl EmbeddingArguments {
    /// The embedding options these flags set.
    pub fn options(&self) -> anyhow::Result<EmbeddingOptions> {
        Ok(EmbeddingOptions {
            cache: self.cache.folder()?,
            batch_size: self.batch_size,
        })
    }
}
