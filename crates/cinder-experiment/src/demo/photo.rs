//! The demo's explainable-CNN section: the embedded MobileNet classifies a shipped photo, and
//! its feature maps and Grad-CAM show what it looks at.

use cinder_vision::{Pretrained, decode_rgb};
use serde::Serialize;

use super::section::Section;
use crate::error::{Result, input, io};
use crate::image::{FeatureMapRequest, write_feature_maps};

/// The photo section's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoSummary {
    /// The photo's file name.
    pub photo: &'static str,
    /// The top class's name.
    pub top1: Option<String>,
    /// Its probability.
    pub top1_probability: f32,
}

/// Classification, feature maps and Grad-CAM of the embedded MobileNet on a shipped photo.
pub(super) fn section(demo: &mut Section<'_>, classifier: &Pretrained) -> Result<PhotoSummary> {
    const PHOTO: &str = "parrot.jpg";
    let Some(bytes) = cinder_datasets::sample_photo(PHOTO) else {
        return Err(input(PHOTO, "not among the shipped sample photos"));
    };
    let inputs = demo.directory.join("inputs");
    std::fs::create_dir_all(&inputs).map_err(io(&inputs))?;
    let path = inputs.join(PHOTO);
    cinder_plot::write_atomically(&path, bytes)?;
    let top = classifier
        .classify(&[decode_rgb(bytes, PHOTO)?], 3, demo.device)?
        .remove(0);
    let written = write_feature_maps(
        classifier,
        &path,
        &FeatureMapRequest {
            stages: &[],
            class: None,
            channels: 32,
            with_report: false,
        },
        &demo.charts(),
        demo.device,
    )?;
    (demo.say)(format!(
        "explainable CNN: MobileNet V1 0.25 on {PHOTO}: {}",
        top.iter()
            .map(|s| format!(
                "{} {:.1}%",
                s.label.as_deref().unwrap_or("?"),
                100.0 * s.probability
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    demo.report
        .heading("Explainable CNN: what the network looks at");
    demo.report.paragraph(&format!(
        "The embedded MobileNet classifies a shipped photo ({PHOTO}, from google-coral/test_data, Apache-2.0) into ImageNet's 1000 classes; below, what two of its stages respond to and where the evidence for its top class lies (Grad-CAM, Selvaraju et al. 2017)."
    ));
    demo.report.table(
        &["rank", "class", "probability"],
        &top.iter()
            .enumerate()
            .map(|(r, s)| {
                vec![
                    (r + 1).to_string(),
                    s.label.clone().unwrap_or_default(),
                    format!("{:.1}%", 100.0 * s.probability),
                ]
            })
            .collect::<Vec<_>>(),
    );
    for (path, caption) in written {
        demo.report.image(&path, &caption)?;
    }
    Ok(PhotoSummary {
        photo: PHOTO,
        top1: top[0].label.clone(),
        top1_probability: top[0].probability,
    })
}
