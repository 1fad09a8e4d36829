//! `cinder image classify`: the top classes of each image (softmax probabilities), with class
//! names when known.

use std::path::PathBuf;

use burn::tensor::Device;
use cinder_vision::{ClassScore, Pretrained, load_rgb};
use serde::Serialize;

use super::source::CnnSource;
use crate::error::Result;

/// Everything `cinder image classify` does, as options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageClassifyRequest {
    /// The CNN, with its classifier.
    pub model: CnnSource,
    /// Class names, one per line (line i = class i). `None`: the embedded CNN's own ImageNet
    /// names without weights, else `<weights>.labels.txt`, else the shared ImageNet names for
    /// 1000/1001-class heads.
    pub labels: Option<PathBuf>,
    /// Classes kept per image (at least 1).
    pub top: usize,
    /// Image files (JPEG, PNG, BMP).
    pub images: Vec<PathBuf>,
}

/// One image's top classes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifiedImage {
    /// The image file.
    pub image: String,
    /// The top classes, most probable first.
    pub top: Vec<ClassScore>,
}

impl ImageClassifyRequest {
    /// Loads the CNN (inference form) with its class names on `device`.
    pub fn open_model(&self, device: &Device) -> Result<Pretrained> {
        Ok(self
            .model
            .open_classifier(self.labels.as_deref(), device)?
            .folded())
    }

    /// Classifies the images one by one with `model` (from [`open_model`](Self::open_model)), in
    /// order: a caller can show each as it comes and stop at the first error.
    pub fn classify<'a>(
        &'a self,
        model: &'a Pretrained,
        device: &'a Device,
    ) -> impl Iterator<Item = Result<ClassifiedImage>> + 'a {
        self.images.iter().map(move |path| {
            let image = load_rgb(path)?;
            let top = model.classify(&[image], self.top.max(1), device)?.remove(0);
            Ok(ClassifiedImage {
                image: path.display().to_string(),
                top,
            })
        })
    }
}
