//! A loaded network with what it takes to use it: architecture, preprocessing and class names.

use std::path::{Path, PathBuf};

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use image::RgbImage;

use crate::architectures::architecture::Architecture;
use crate::error::{Result, VisionError};
use crate::images::preprocess::{Normalization, Preprocessing, Resize};
use crate::loading::weights::WeightFile;
use crate::model::{Cnn, HeadChoice, LoadOptions};

/// The largest side cinder accepts from a file's `input_size` metadata: larger values are a
/// corrupt header, and would make every preprocessed image allocate gigabytes.
pub const MAX_INPUT_SIZE: usize = 4096;

/// Parses a weight file's `input_size` metadata (`"224"`, also `"224x224"` or `"(224, 224)"`: the
/// first number counts): a size in `1..=MAX_INPUT_SIZE`.
fn metadata_input_size(path: &Path, text: &str) -> Result<usize> {
    let invalid = |reason: &str| VisionError::Metadata {
        path: path.to_path_buf(),
        field: "input_size",
        value: text.to_string(),
        reason: reason.to_string(),
    };
    let start = text
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| invalid("not a number"))?;
    if text[..start].contains('-') {
        return Err(invalid("negative"));
    }
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match digits.parse::<usize>() {
        Ok(size) if (1..=MAX_INPUT_SIZE).contains(&size) => Ok(size),
        _ => Err(invalid(&format!("expected 1 to {MAX_INPUT_SIZE} pixels"))),
    }
}

/// A network loaded from a weight file, with its preprocessing and (optional) class names.
#[derive(Debug)]
pub struct Pretrained {
    /// The network.
    pub model: Cnn,
    /// Its architecture.
    pub architecture: Architecture,
    /// How images are prepared for it.
    pub preprocessing: Preprocessing,
    /// Class names by index, when known.
    pub labels: Option<Vec<String>>,
    /// The weight file.
    pub source: PathBuf,
}

/// One class of a prediction.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassScore {
    /// Index in the weights' own class list.
    pub index: usize,
    /// Its name, when known.
    pub label: Option<String>,
    /// Softmax probability.
    pub probability: f32,
}

impl Pretrained {
    /// The inference form: batch norm folded into the convolutions ([`Cnn::folded`]), for
    /// classifying and embedding. Fine-tune, save or convert the model as loaded.
    pub fn folded(self) -> Self {
        Self {
            model: self.model.folded(),
            ..self
        }
    }

    /// Loads `path` (architecture from `architecture`, else from the file's metadata or keys).
    /// Keras-layout files use TF "SAME" padding and "tf" preprocessing at their `input_size`;
    /// PyTorch files use torchvision's resize + center crop and ImageNet mean/std (Xception: tf).
    pub fn open(
        path: &Path,
        architecture: Option<Architecture>,
        head: HeadChoice,
        device: &Device,
    ) -> Result<Self> {
        Self::from_weight_file(WeightFile::open(path)?, path, architecture, head, device)
    }

    /// Builds the network from already-read weights; `path` names them in errors and becomes
    /// [`Pretrained::source`].
    pub fn from_weight_file(
        file: WeightFile,
        path: &Path,
        architecture: Option<Architecture>,
        head: HeadChoice,
        device: &Device,
    ) -> Result<Self> {
        let keras = file.tensors.keys().any(|k| k.contains('/'));
        let input_size = file
            .metadata
            .get("input_size")
            .map(|text| metadata_input_size(path, text))
            .transpose()?;
        if let Some((key, _)) = file
            .tensors
            .iter()
            .find(|(_, tensor)| tensor.values.iter().any(|v| !v.is_finite()))
        {
            return Err(VisionError::NonFiniteWeights {
                path: path.to_path_buf(),
                key: key.clone(),
            });
        }
        let (model, architecture) = Cnn::load(file, LoadOptions { architecture, head }, device)?;
        let (default_h, _) = architecture.default_input();
        let size = input_size.unwrap_or(default_h);
        let preprocessing = if keras {
            Preprocessing::keras(size)
        } else {
            match architecture {
                Architecture::InceptionV3 => Preprocessing {
                    size: (size, size),
                    resize: Resize::ShorterThenCenterCrop { shorter: 342 },
                    normalization: Normalization::Torchvision,
                },
                Architecture::Xception => Preprocessing {
                    size: (size, size),
                    resize: Resize::ShorterThenCenterCrop { shorter: 333 },
                    normalization: Normalization::Tf,
                },
                _ => Preprocessing::torchvision(size),
            }
        };
        Ok(Self {
            model,
            architecture,
            preprocessing,
            labels: None,
            source: path.to_path_buf(),
        })
    }

    /// Attaches class names: `explicit` if given, else `<weights>.labels.txt` beside the weights,
    /// else ImageNet's `imagenet_labels.txt` under `$CINDER_DATA/images/imagenet-samples/` when the
    /// head has 1001 classes (index 0 = background) or 1000 (the same list without it).
    pub fn with_labels(mut self, explicit: Option<&Path>) -> Result<Self> {
        let Some(classes) = self.model.classes() else {
            return Ok(self);
        };
        if explicit.is_none() && self.labels.is_some() {
            return Ok(self);
        }
        let candidates: Vec<PathBuf> = match explicit {
            Some(path) => vec![path.to_path_buf()],
            None => {
                let mut c = vec![self.source.with_extension("labels.txt")];
                if let Some(data) = std::env::var_os("CINDER_DATA") {
                    c.push(PathBuf::from(data).join("images/imagenet-samples/imagenet_labels.txt"));
                }
                c
            }
        };
        for path in candidates {
            if !path.exists() {
                if explicit.is_some() {
                    return Err(VisionError::Io {
                        path,
                        source: std::io::Error::from(std::io::ErrorKind::NotFound),
                    });
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| VisionError::Io {
                path: path.clone(),
                source,
            })?;
            let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
            while names.last().is_some_and(|l| l.is_empty()) {
                names.pop();
            }
            if names.len() == classes + 1 && classes == 1000 && names[0] == "background" {
                names.remove(0);
            }
            if names.len() == classes {
                self.labels = Some(names);
                return Ok(self);
            }
            if explicit.is_some() {
                return Err(VisionError::InvalidArgument(format!(
                    "{}: {} labels, but the model has {classes} classes",
                    path.display(),
                    names.len()
                )));
            }
        }
        Ok(self)
    }

    /// Decodes, resizes and normalizes images into one batch.
    pub fn batch(&self, images: &[RgbImage], device: &Device) -> Tensor<4> {
        self.preprocessing.batch(images, device)
    }

    /// The `top` most probable classes of each image.
    pub fn classify(
        &self,
        images: &[RgbImage],
        top: usize,
        device: &Device,
    ) -> Result<Vec<Vec<ClassScore>>> {
        if self.model.head.is_none() {
            return Err(VisionError::InvalidArgument(format!(
                "{}: the weights have no classifier (a backbone/embedding file); use `image features`",
                self.source.display()
            )));
        }
        let logits = self.model.forward(self.batch(images, device));
        let [batch, classes] = logits.dims();
        let probabilities: Vec<f32> = softmax(logits, 1)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap_or_default();
        if probabilities.iter().any(|p| !p.is_finite()) {
            return Err(VisionError::InvalidArgument(format!(
                "{}: the network's class scores are not finite (NaN or infinite weights, or values that overflow); the weights are unusable",
                self.source.display()
            )));
        }
        Ok((0..batch)
            .map(|b| {
                let row = &probabilities[b * classes..(b + 1) * classes];
                let mut order: Vec<usize> = (0..classes).collect();
                order.sort_by(|&x, &y| row[y].total_cmp(&row[x]));
                order
                    .into_iter()
                    .take(top)
                    .map(|index| ClassScore {
                        index,
                        label: self.labels.as_ref().map(|l| l[index].clone()),
                        probability: row[index],
                    })
                    .collect()
            })
            .collect())
    }

    /// Global-average embeddings `[n, channels]` of images.
    pub fn embed(&self, images: &[RgbImage], device: &Device) -> Tensor<2> {
        self.model.embed(self.batch(images, device))
    }
}
