//! Looking inside a CNN: feature-map grids of named stages and a Grad-CAM overlay for one image,
//! with their JSON summary and report (`cinder image feature-maps`, the demo).

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use cinder_plot::{FeatureMapGrid, HeatmapOverlay, Report, save};
use cinder_vision::explain::{feature_maps, grad_cam};
use cinder_vision::{Pretrained, load_rgb};

use crate::error::{ExperimentError, Result, io};
use crate::provenance::command_line;

/// What [`write_feature_maps`] draws.
#[derive(Debug, Clone, Copy)]
pub struct FeatureMapRequest<'a> {
    /// Stages to show (names from the model's stage list); empty: a middle stage and the last.
    pub stages: &'a [String],
    /// Class for Grad-CAM (index in the weights' class list); `None`: the predicted class.
    pub class: Option<usize>,
    /// Channels shown per stage grid (the first N).
    pub channels: usize,
    /// Also write `report.html`.
    pub with_report: bool,
}

/// Writes `<stage>.png` feature-map grids of the requested stages (default: a middle stage and
/// the last), a Grad-CAM overlay `grad_cam.png` when the model has a classifier,
/// `feature_maps.json` and (with `with_report`) `report.html` into `out`; returns the written
/// images with their captions.
pub fn write_feature_maps(
    model: &Pretrained,
    image_path: &Path,
    request: &FeatureMapRequest<'_>,
    out: &Path,
    device: &Device,
) -> Result<Vec<(PathBuf, String)>> {
    let FeatureMapRequest {
        stages,
        class,
        channels,
        with_report,
    } = *request;
    let image = load_rgb(image_path)?;
    let resized = model.preprocessing.resize_image(&image);
    let input = model.batch(&[image], device);
    let names = model.model.stage_names();
    let stages: Vec<String> = if stages.is_empty() {
        vec![
            names[names.len() / 2].clone(),
            names[names.len() - 1].clone(),
        ]
    } else {
        stages.to_vec()
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let architecture = model.architecture.to_string();
    let maps = feature_maps(&model.model, input.clone(), &stages, &architecture)?;
    let mut written = Vec::new();
    let mut summary = Vec::new();
    for stage in &maps {
        let shown = channels.clamp(1, stage.channels);
        let grid = FeatureMapGrid::new(
            &format!(
                "{architecture} {}: {shown} of {} channels, {}×{}",
                stage.stage, stage.channels, stage.height, stage.width
            ),
            (0..shown).map(|c| stage.channel(c).to_vec()).collect(),
            stage.height,
            stage.width,
            8,
        );
        let path = out.join(format!("{}.png", stage.stage.replace(['/', '.'], "_")));
        save(&grid, &path, (900, 900 * shown.div_ceil(8) as u32 / 8 + 80))?;
        written.push((
            path,
            format!(
                "Feature maps of stage {} (one colour scale for all channels).",
                stage.stage
            ),
        ));
        let mean = cinder_nn::mean(
            &stage
                .values
                .iter()
                .map(|&v| f64::from(v))
                .collect::<Vec<_>>(),
        );
        summary.push(serde_json::json!({
            "stage": stage.stage, "channels": stage.channels, "height": stage.height,
            "width": stage.width, "mean": mean,
        }));
    }
    let mut cam_json = serde_json::Value::Null;
    if model.model.head.is_some() {
        let cam = grad_cam(&model.model, input, class, device)?;
        let label = model
            .labels
            .as_ref()
            .map(|l| l[cam.class].clone())
            .unwrap_or_else(|| format!("class {}", cam.class));
        let (h, w) = cam.size;
        let overlay = HeatmapOverlay::new(
            &format!("Grad-CAM: {label} (score {:.2})", cam.score),
            resized.as_raw().clone(),
            (resized.height() as usize, resized.width() as usize),
            cam.heatmap.clone(),
            (h, w),
        );
        let path = out.join("grad_cam.png");
        save(&overlay, &path, (640, 680))?;
        written.push((path, format!("Grad-CAM of '{label}' on the last convolutional stage ({}×{}), upsampled over the input.", cam.map_size.0, cam.map_size.1)));
        cam_json = serde_json::json!({"class": cam.class, "label": label, "score": cam.score, "map_size": [cam.map_size.0, cam.map_size.1]});
    }
    let json = serde_json::json!({
        "image": image_path.display().to_string(),
        "architecture": architecture,
        "stages": summary,
        "available_stages": names,
        "grad_cam": cam_json,
    });
    let json_path = out.join("feature_maps.json");
    let text = serde_json::to_string_pretty(&json).map_err(|e| ExperimentError::Json {
        path: json_path.clone(),
        reason: e.to_string(),
    })?;
    cinder_plot::write_atomically(&json_path, text.as_bytes())?;
    let mut report = Report::new(&format!(
        "cinder: {architecture} feature maps of {}",
        image_path.display()
    ))
    .with_command(&command_line());
    for (path, caption) in &written {
        report.image(path, caption)?;
    }
    if with_report {
        report.write(&out.join("report.html"))?;
    }
    Ok(written)
}
