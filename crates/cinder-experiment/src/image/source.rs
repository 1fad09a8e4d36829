//! Where an image command's inputs come from: the pretrained CNN (a weight file of any supported
//! layout, a cinder checkpoint, or the embedded default), the embedding cache's default folder,
//! and image folders that must hold images.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use cinder_datasets::{ImageFolder, load_image_folder};
use cinder_vision::checkpoint::load_checkpoint;
use cinder_vision::embed::{EmbeddingCache, ImageSource};
use cinder_vision::{Architecture, HeadChoice, Pretrained};

use crate::error::{Result, input, invalid};

/// Which pretrained CNN to load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CnnSource {
    /// Weights: safetensors (torchvision/timm key names, or the Keras layout of the shared
    /// MobileNets), a PyTorch state dict (`.pth`/`.pt`), or a cinder checkpoint (`.bpk` + `.json`).
    /// `None`: cinder's embedded CNN, ImageNet-pretrained MobileNet V1 0.25 at 128×128.
    pub weights: Option<PathBuf>,
    /// Architecture name (see [`Architecture::parse`]); `None`: from the file's metadata, else
    /// its key names. Only with `weights`.
    pub architecture: Option<String>,
}

impl CnnSource {
    /// Loads the network with its classifier kept or dropped (`head`) on `device`.
    pub fn open(&self, head: HeadChoice, device: &Device) -> Result<Pretrained> {
        let Some(weights) = &self.weights else {
            if self.architecture.is_some() {
                return Err(invalid(
                    "architecture",
                    "needs `weights` (the embedded default CNN is a MobileNet V1 0.25)",
                ));
            }
            return Ok(Pretrained::embedded(head, device)?);
        };
        if !weights.exists() {
            return Err(input(weights, "no such weight file"));
        }
        if weights.extension().is_some_and(|e| e == "bpk") {
            return Ok(load_checkpoint(weights, device)?);
        }
        let architecture = self
            .architecture
            .as_deref()
            .map(Architecture::parse)
            .transpose()?;
        Ok(Pretrained::open(weights, architecture, head, device)?)
    }

    /// Loads the network with its classifier and class names (from `labels`, one per line, else
    /// the weights' own or the shared ImageNet names) on `device`.
    pub fn open_classifier(&self, labels: Option<&Path>, device: &Device) -> Result<Pretrained> {
        Ok(self.open(HeadChoice::Keep, device)?.with_labels(labels)?)
    }

    /// The weight file as given, or the embedded default's name.
    pub fn describe(&self) -> String {
        self.weights.as_ref().map_or_else(
            || {
                cinder_vision::embedded::embedded_source()
                    .display()
                    .to_string()
            },
            |weights| weights.display().to_string(),
        )
    }
}

/// The embedding cache's default folder: `embeddings/` in cinder's cache folder
/// (`$CINDER_CACHE`, else `$XDG_CACHE_HOME/cinder`, else `~/.cache/cinder`); `None` when none of
/// them is set.
pub fn default_embedding_cache() -> Option<PathBuf> {
    Some(cinder_datasets::cache_directory()?.join("embeddings"))
}

/// The embedding cache in `folder` for `model`, if a folder is given.
pub(crate) fn open_cache(
    folder: Option<&Path>,
    model: &Pretrained,
) -> Result<Option<EmbeddingCache>> {
    folder
        .map(|folder| EmbeddingCache::new(folder, model))
        .transpose()
        .map_err(Into::into)
}

/// The images of `folder`, as files to embed.
pub(crate) fn file_sources(folder: &ImageFolder) -> Vec<ImageSource> {
    folder
        .images
        .iter()
        .cloned()
        .map(ImageSource::File)
        .collect()
}

/// The image folder at `root` (class subfolders or flat), refused when it holds no image.
pub(crate) fn load_images(root: &Path) -> Result<ImageFolder> {
    let folder = load_image_folder(root)?;
    if folder.images.is_empty() {
        return Err(input(root, "no images (jpg, jpeg, png, bmp)"));
    }
    Ok(folder)
}
