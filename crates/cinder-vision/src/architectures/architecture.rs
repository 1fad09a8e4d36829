//! The architectures cinder-vision knows, parsed from names and detected from weight files.

use std::fmt;

use crate::error::{Result, VisionError};
use crate::loading::weights::WeightFile;

/// A CNN architecture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Architecture {
    /// MobileNet V1 with width multiplier α.
    MobileNetV1 {
        /// Width multiplier (0.25, 0.5, 0.75, 1.0).
        alpha: f64,
    },
    /// MobileNet V2 (α = 1).
    MobileNetV2,
    /// ResNet of depth 18, 34, 50, 101 or 152.
    ResNet {
        /// Depth.
        depth: usize,
    },
    /// VGG of depth 11, 13, 16 or 19, with or without batch norm.
    Vgg {
        /// Depth.
        depth: usize,
        /// Batch norm after every convolution.
        batch_norm: bool,
    },
    /// Inception V3 (299×299).
    InceptionV3,
    /// Xception (299×299), timm's `legacy_xception` layout.
    Xception,
    /// cinder's small CNN for tiny images (three conv layers, 64 features).
    SmallCnn,
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Architecture::MobileNetV1 { alpha } => write!(f, "mobilenet_v1_{alpha}"),
            Architecture::MobileNetV2 => write!(f, "mobilenet_v2"),
            Architecture::ResNet { depth } => write!(f, "resnet{depth}"),
            Architecture::Vgg { depth, batch_norm } => {
                write!(f, "vgg{depth}{}", if *batch_norm { "_bn" } else { "" })
            }
            Architecture::InceptionV3 => write!(f, "inception_v3"),
            Architecture::Xception => write!(f, "xception"),
            Architecture::SmallCnn => write!(f, "small_cnn"),
        }
    }
}

/// Names `parse` accepts, for messages and `--help`.
pub const ARCHITECTURE_NAMES: &str = "mobilenet_v1[_ALPHA], mobilenetv1_100, mobilenet_v2, resnet18, resnet34, resnet50, resnet101, resnet152, vgg11, vgg13, vgg16, vgg19 (each also _bn), inception_v3, xception (legacy_xception), small_cnn";

impl Architecture {
    /// Parses a name such as `mobilenet_v1_0.25`, `mobilenet_v2`, `resnet50`, `vgg16_bn`,
    /// `inception_v3`, `xception`.
    pub fn parse(name: &str) -> Result<Self> {
        let lower = name.trim().to_ascii_lowercase().replace('-', "_");
        let unknown = || {
            VisionError::Architecture(format!(
                "unknown architecture '{name}'; known: {ARCHITECTURE_NAMES}"
            ))
        };
        let parsed = match lower.as_str() {
            "mobilenet_v1" | "mobilenetv1" | "mobilenetv1_100" | "mobilenet" => {
                Architecture::MobileNetV1 { alpha: 1.0 }
            }
            "mobilenet_v2" | "mobilenetv2" | "mobilenetv2_100" => Architecture::MobileNetV2,
            "inception_v3" | "inceptionv3" => Architecture::InceptionV3,
            "xception" | "legacy_xception" => Architecture::Xception,
            "small_cnn" | "small" => Architecture::SmallCnn,
            other => {
                if let Some(alpha) = other.strip_prefix("mobilenet_v1_") {
                    let alpha: f64 = alpha.parse().map_err(|_| unknown())?;
                    if !(alpha > 0.0 && alpha <= 2.0) {
                        return Err(unknown());
                    }
                    Architecture::MobileNetV1 { alpha }
                } else if let Some(depth) = other.strip_prefix("resnet") {
                    let depth: usize = depth.parse().map_err(|_| unknown())?;
                    if ![18, 34, 50, 101, 152].contains(&depth) {
                        return Err(unknown());
                    }
                    Architecture::ResNet { depth }
                } else if let Some(rest) = other.strip_prefix("vgg") {
                    let (depth, batch_norm) = match rest.strip_suffix("_bn") {
                        Some(d) => (d, true),
                        None => (rest, false),
                    };
                    let depth: usize = depth.parse().map_err(|_| unknown())?;
                    if ![11, 13, 16, 19].contains(&depth) {
                        return Err(unknown());
                    }
                    Architecture::Vgg { depth, batch_norm }
                } else {
                    return Err(unknown());
                }
            }
        };
        Ok(parsed)
    }

    /// The architecture of a weight file: its `architecture` (and `alpha`) metadata when present,
    /// else recognized from its key names and shapes.
    pub fn detect(file: &WeightFile) -> Result<Self> {
        if let Some(name) = file.metadata.get("architecture") {
            if name == "mobilenet_v1" {
                let alpha = file
                    .metadata
                    .get("alpha")
                    .and_then(|a| a.parse::<f64>().ok())
                    .unwrap_or(1.0);
                return Ok(Architecture::MobileNetV1 { alpha });
            }
            return Self::parse(name);
        }
        let has = |key: &str| file.tensors.contains_key(key);
        let shape = |key: &str| file.tensors.get(key).map(|t| t.shape.clone());
        if has("conv_dw_1/depthwise_kernel") {
            let alpha = shape("conv1/kernel")
                .map(|s| s[3] as f64 / 32.0)
                .unwrap_or(1.0);
            return Ok(Architecture::MobileNetV1 { alpha });
        }
        if has("Conv1/kernel") && has("block_1_expand/kernel") {
            return Ok(Architecture::MobileNetV2);
        }
        if has("conv_stem.weight") && has("blocks.0.0.conv_dw.weight") {
            let alpha = shape("conv_stem.weight")
                .map(|s| s[0] as f64 / 32.0)
                .unwrap_or(1.0);
            return Ok(Architecture::MobileNetV1 { alpha });
        }
        if has("features.1.conv.0.0.weight") {
            return Ok(Architecture::MobileNetV2);
        }
        if has("Mixed_7c.branch_pool.conv.weight") {
            return Ok(Architecture::InceptionV3);
        }
        if has("block12.skip.weight") && has("conv4.pointwise.weight") {
            return Ok(Architecture::Xception);
        }
        if has("convs.2.conv.weight") && has("convs.0.bn.weight") {
            return Ok(Architecture::SmallCnn);
        }
        if has("layer1.0.conv1.weight") {
            let count = |layer: usize| {
                (0..)
                    .take_while(|b| has(&format!("layer{layer}.{b}.conv1.weight")))
                    .count()
            };
            let bottleneck = has("layer1.0.conv3.weight");
            let blocks = [count(1), count(2), count(3), count(4)];
            let depth = match (bottleneck, blocks) {
                (false, [2, 2, 2, 2]) => 18,
                (false, [3, 4, 6, 3]) => 34,
                (true, [3, 4, 6, 3]) => 50,
                (true, [3, 4, 23, 3]) => 101,
                (true, [3, 8, 36, 3]) => 152,
                _ => {
                    return Err(VisionError::Architecture(format!(
                        "{}: a ResNet with blocks {blocks:?} is not a standard depth",
                        file.source
                    )));
                }
            };
            return Ok(Architecture::ResNet { depth });
        }
        if has("features.0.weight") {
            let convs = file
                .tensors
                .iter()
                .filter(|(k, t)| {
                    k.starts_with("features.") && k.ends_with(".weight") && t.shape.len() == 4
                })
                .count();
            let batch_norm = file.tensors.iter().any(|(k, t)| {
                k.starts_with("features.") && k.ends_with(".running_mean") && t.shape.len() == 1
            });
            let depth = convs + 3;
            if [11, 13, 16, 19].contains(&depth) {
                return Ok(Architecture::Vgg { depth, batch_norm });
            }
        }
        Err(VisionError::Architecture(format!(
            "{}: cannot tell the architecture from the keys (give it explicitly; known: {ARCHITECTURE_NAMES})",
            file.source
        )))
    }

    /// The default input size `(height, width)`.
    pub fn default_input(&self) -> (usize, usize) {
        match self {
            Architecture::InceptionV3 | Architecture::Xception => (299, 299),
            Architecture::SmallCnn => (8, 8),
            _ => (224, 224),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for name in [
            "mobilenet_v2",
            "resnet50",
            "resnet18",
            "vgg16",
            "vgg19_bn",
            "inception_v3",
            "xception",
            "mobilenet_v1_0.25",
        ] {
            assert_eq!(Architecture::parse(name).unwrap().to_string(), name);
        }
        assert_eq!(
            Architecture::parse("mobilenetv1_100").unwrap(),
            Architecture::MobileNetV1 { alpha: 1.0 }
        );
        let err = Architecture::parse("resnet51").unwrap_err().to_string();
        assert!(
            err.contains("resnet51") && err.contains("resnet50"),
            "{err}"
        );
    }
}
