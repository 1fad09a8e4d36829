//! `cinder image feature-maps`: flags onto [`FeatureMapRequest`], the written images listed.

use std::path::PathBuf;

use cinder_experiment::{Device, FeatureMapRequest, write_feature_maps};
use clap::Args;

use super::model::{MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;

/// Options of `cinder image feature-maps`.
#[derive(Debug, Args)]
pub struct FeatureMapsArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// The image.
    image: PathBuf,
    /// Stage to show (repeatable); an unknown name lists the model's stages. Default: a middle
    /// stage and the last one.
    #[arg(long = "stage")]
    stages: Vec<String>,
    /// Output folder: `<stage>.png` grids, `grad_cam.png`, `feature_maps.json`, `report.html`.
    #[arg(long)]
    out: PathBuf,
    /// Class for Grad-CAM (index in the weights' class list). Default: the predicted class.
    #[arg(long)]
    class: Option<usize>,
    /// Channels shown per stage grid (the first N).
    #[arg(long, default_value_t = 32)]
    channels: usize,
}

/// Runs `cinder image feature-maps`.
pub fn run(arguments: &FeatureMapsArguments, device: &Device) -> anyhow::Result<()> {
    let model = arguments
        .model
        .source()
        .open_classifier(None, device)
        .map_err(|e| in_flag_terms(e, &MODEL_FLAGS))?;
    let written = write_feature_maps(
        &model,
        &arguments.image,
        &FeatureMapRequest {
            stages: &arguments.stages,
            class: arguments.class,
            channels: arguments.channels,
            with_report: true,
        },
        &arguments.out,
        device,
    )?;
    for (path, _) in written {
        println!("{}", path.display());
    }
    Ok(())
}
