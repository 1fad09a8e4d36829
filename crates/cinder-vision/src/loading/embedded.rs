//! cinder's embedded default CNN: ImageNet-pretrained MobileNet V1 (alpha 0.25, 128×128 input,
//! 1001 classes, 475,801 parameters; Apache-2.0, from google-coral/test_data, provenance in
//! `weights/README.md`), compiled into the library so every image command works without a weight
//! file or any download.

use std::path::{Path, PathBuf};

use burn::tensor::Device;

use crate::error::Result;
use crate::loading::pretrained::Pretrained;
use crate::loading::weights::WeightFile;
use crate::model::HeadChoice;

/// The embedded weights' file name (without extension).
pub const EMBEDDED_WEIGHTS_NAME: &str = "mobilenet_v1_0.25_128_imagenet";

/// The embedded safetensors bytes.
pub(crate) static EMBEDDED_WEIGHTS: &[u8] =
    include_bytes!("../../../../weights/mobilenet_v1_0.25_128_imagenet.safetensors");

static EMBEDDED_LABELS: &str =
    include_str!("../../../../weights/mobilenet_v1_0.25_128_imagenet.labels.txt");

/// The pseudo path that names the embedded weights in messages and as [`Pretrained::source`].
pub fn embedded_source() -> PathBuf {
    PathBuf::from(format!("<embedded>/{EMBEDDED_WEIGHTS_NAME}.safetensors"))
}

/// Whether `path` is [`embedded_source`].
pub fn is_embedded(path: &Path) -> bool {
    path == embedded_source()
}

/// The embedded network's 1001 ImageNet class names (index 0 = background).
pub fn embedded_labels() -> Vec<String> {
    EMBEDDED_LABELS
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

impl Pretrained {
    /// The embedded default CNN (MobileNet V1 0.25, 128×128, ImageNet), with its class names when
    /// the head is kept. Keras layout: TF "SAME" padding, whole-image bilinear resize to 128×128,
    /// `x / 127.5 − 1`.
    pub fn embedded(head: HeadChoice, device: &Device) -> Result<Self> {
        let source = embedded_source();
        let file =
            WeightFile::from_safetensors_bytes(EMBEDDED_WEIGHTS, source.display().to_string())?;
        let mut pretrained = Self::from_weight_file(file, &source, None, head, device)?;
        if pretrained.model.classes() == Some(1001) {
            pretrained.labels = Some(embedded_labels());
        }
        Ok(pretrained)
    }

    /// Whether this is the embedded default CNN.
    pub fn is_embedded(&self) -> bool {
        is_embedded(&self.source)
    }
}
