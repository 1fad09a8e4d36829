//! Burnpack checkpoints of a converted network: `<name>.bpk` (Burn's format, fast to reload) and
//! `<name>.json` beside it (architecture, layout, classes, preprocessing, labels), both written
//! atomically.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::architectures::architecture::Architecture;
use crate::architectures::backbone::Backbone;
use crate::architectures::head::Head;
use crate::error::{Result, VisionError};
use crate::images::preprocess::{Normalization, Preprocessing, Resize};
use crate::loading::loader::{MatrixLayout, WeightLoader};
use crate::loading::pretrained::Pretrained;
use crate::model::Cnn;

#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    architecture: String,
    keras: bool,
    classes: Option<usize>,
    input: (usize, usize),
    resize_shorter: Option<usize>,
    normalization: String,
    labels: Option<Vec<String>>,
}

fn sidecar_path(path: &Path) -> PathBuf {
    path.with_extension("json")
}

/// Refuses a checkpoint path whose JSON sidecar would be the checkpoint itself (`best.json`):
/// the sidecar, written second, would overwrite the weights.
pub fn check_checkpoint_path(path: &Path) -> Result<()> {
    if path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
    {
        return Err(VisionError::InvalidArgument(format!(
            "{}: a checkpoint cannot be named *.json, its JSON sidecar would overwrite it; name it *.bpk",
            path.display()
        )));
    }
    Ok(())
}

/// Saves `pretrained` as `path` (burnpack) plus its JSON sidecar.
pub fn save_checkpoint(pretrained: &Pretrained, path: &Path) -> Result<()> {
    check_checkpoint_path(path)?;
    let keras = match &pretrained.model.backbone {
        Backbone::MobileNetV1(m) => m.keras_names,
        Backbone::MobileNetV2(m) => m.keras_names,
        _ => false,
    };
    let p = pretrained.preprocessing;
    let sidecar = Sidecar {
        architecture: pretrained.architecture.to_string(),
        keras,
        classes: pretrained.model.classes(),
        input: p.size,
        resize_shorter: match p.resize {
            Resize::Stretch => None,
            Resize::ShorterThenCenterCrop { shorter } => Some(shorter),
        },
        normalization: match p.normalization {
            Normalization::Torchvision => "torchvision",
            Normalization::Tf => "tf",
            Normalization::Caffe => "caffe",
        }
        .into(),
        labels: pretrained.labels.clone(),
    };
    let model = pretrained.model.clone();
    crate::loading::weights::write_through_temporary(path, |temporary| {
        model.save_file(temporary).map_err(std::io::Error::other)
    })?;
    let json = serde_json::to_string_pretty(&sidecar).expect("serializable");
    crate::loading::weights::write_atomically(&sidecar_path(path), json.as_bytes())
}

/// Loads a checkpoint written by [`save_checkpoint`].
pub fn load_checkpoint(path: &Path, device: &Device) -> Result<Pretrained> {
    let sidecar_file = sidecar_path(path);
    let text = std::fs::read_to_string(&sidecar_file).map_err(|source| VisionError::Io {
        path: sidecar_file.clone(),
        source,
    })?;
    let sidecar: Sidecar = serde_json::from_str(&text).map_err(|e| {
        VisionError::InvalidArgument(format!(
            "{}: not a cinder checkpoint sidecar: {e}",
            sidecar_file.display()
        ))
    })?;
    let architecture = Architecture::parse(&sidecar.architecture)?;
    if let (Some(labels), Some(classes)) = (&sidecar.labels, sidecar.classes)
        && labels.len() != classes
    {
        return Err(VisionError::InvalidArgument(format!(
            "{}: {} labels for {classes} classes",
            sidecar_file.display(),
            labels.len()
        )));
    }
    // A skeleton of the same structure, then the stored values.
    let mut loader = WeightLoader::random(0, device);
    let mut skeleton = Cnn::random_base(architecture, sidecar.keras, 0, device)?;
    if let Some(classes) = sidecar.classes {
        let features = skeleton.feature_count();
        let hidden = if matches!(architecture, Architecture::Vgg { .. }) {
            vec![
                Head::linear(
                    &mut loader,
                    "h0.weight",
                    "h0.bias",
                    MatrixLayout::OutIn,
                    features,
                    4096,
                ),
                Head::linear(
                    &mut loader,
                    "h1.weight",
                    "h1.bias",
                    MatrixLayout::OutIn,
                    4096,
                    4096,
                ),
            ]
        } else {
            Vec::new()
        };
        let inputs = if hidden.is_empty() { features } else { 4096 };
        skeleton.head = Some(Head {
            hidden,
            output: Head::linear(
                &mut loader,
                "o.weight",
                "o.bias",
                MatrixLayout::OutIn,
                inputs,
                classes,
            ),
        });
    }
    let model = skeleton.try_load_file(path).map_err(|e| {
        VisionError::InvalidArgument(format!("{}: cannot load checkpoint: {e}", path.display()))
    })?;
    Ok(Pretrained {
        model,
        architecture,
        preprocessing: Preprocessing {
            size: sidecar.input,
            resize: match sidecar.resize_shorter {
                Some(shorter) => Resize::ShorterThenCenterCrop { shorter },
                None => Resize::Stretch,
            },
            normalization: Normalization::parse(&sidecar.normalization)?,
        },
        labels: sidecar.labels,
        source: path.to_path_buf(),
    })
}
