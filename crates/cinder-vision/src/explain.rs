//! Explainable CNN: the feature maps of named stages as plain arrays, and Grad-CAM (Selvaraju et
//! al. 2017) for a chosen class on the last convolutional stage.

use burn::module::Module;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Tensor};

use crate::error::{Result, VisionError};
use crate::model::Cnn;
use crate::taps::Taps;
use crate::transfer::argmax;

/// The channels of one stage for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMaps {
    /// Stage name.
    pub stage: String,
    /// Channels.
    pub channels: usize,
    /// Height.
    pub height: usize,
    /// Width.
    pub width: usize,
    /// `channels × height × width`, row-major.
    pub values: Vec<f32>,
}

impl StageMaps {
    /// Channel `c` as a row-major `height × width` slice.
    pub fn channel(&self, c: usize) -> &[f32] {
        let size = self.height * self.width;
        &self.values[c * size..(c + 1) * size]
    }
}

/// The feature maps of `stages` for the first image of `input` (stage names as
/// [`Cnn::stage_names`]; an unknown name is an error listing the available ones).
pub fn feature_maps(
    model: &Cnn,
    input: Tensor<4>,
    stages: &[String],
    architecture: &str,
) -> Result<Vec<StageMaps>> {
    for stage in stages {
        model.check_stage(architecture, stage)?;
    }
    let mut taps = Taps::only(stages);
    model.backbone.forward_map(input, &mut taps);
    Ok(stages
        .iter()
        .filter_map(|name| {
            let tensor = taps.get(name)?.clone();
            let [_, channels, height, width] = tensor.dims();
            let first = tensor.slice([0..1, 0..channels, 0..height, 0..width]);
            Some(StageMaps {
                stage: name.clone(),
                channels,
                height,
                width,
                values: first.into_data().try_to_vec::<f32>().unwrap_or_default(),
            })
        })
        .collect())
}

/// A Grad-CAM heatmap.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCam {
    /// The explained class.
    pub class: usize,
    /// Its score (logit).
    pub score: f32,
    /// `ReLU(Σ_c α_c A_c)` at the last stage's resolution, row-major `map_size`.
    pub coarse: Vec<f32>,
    /// `(height, width)` of `coarse`.
    pub map_size: (usize, usize),
    /// `coarse` upsampled (bilinear) to the input size and scaled to `[0, 1]`.
    pub heatmap: Vec<f32>,
    /// `(height, width)` of `heatmap`.
    pub size: (usize, usize),
}

/// Grad-CAM of `class` (default: the predicted class) for the first image of `input`: the
/// gradient of the class score with respect to the last convolutional stage, averaged over space
/// per channel (α_c), weights the stage's channels; ReLU of the sum, upsampled to the input.
pub fn grad_cam(
    model: &Cnn,
    input: Tensor<4>,
    class: Option<usize>,
    device: &Device,
) -> Result<GradCam> {
    let Some(head) = &model.head else {
        return Err(VisionError::InvalidArgument(
            "Grad-CAM needs a classifier head; these weights have none".into(),
        ));
    };
    let [batch, channels, input_h, input_w] = input.dims();
    let input = if batch > 1 {
        input.slice([0..1, 0..channels, 0..input_h, 0..input_w])
    } else {
        input
    };
    let map = model.feature_map(input);
    let [_, channels, height, width] = map.dims();
    let autodiff = device.clone().autodiff();
    let head = head.clone().fork(&autodiff);
    // Only the pooling and the head run with gradients: the map is the leaf Grad-CAM needs.
    let tracked = map.clone().autodiff().require_grad();
    let pooled = model.pool(tracked.clone());
    let logits = head.forward(pooled);
    let classes = logits.dims()[1];
    let class = class.unwrap_or_else(|| argmax(logits.clone().inner())[0]);
    if class >= classes {
        return Err(VisionError::InvalidArgument(format!(
            "class {class} out of range: the head has {classes} classes"
        )));
    }
    let score_tensor = logits.slice([0..1, class..class + 1]).sum();
    let score = score_tensor.clone().inner().into_scalar::<f32>();
    let gradients = score_tensor.backward();
    let gradient = tracked.grad(&gradients).ok_or_else(|| {
        VisionError::InvalidArgument("no gradient reached the feature map".into())
    })?;
    let weights = gradient
        .mean_dim(2)
        .mean_dim(3)
        .reshape([1, channels, 1, 1]);
    let weights = weights.to_device(device);
    let cam = burn::tensor::activation::relu((map * weights).sum_dim(1)); // [1, 1, h, w]
    let coarse: Vec<f32> = cam
        .clone()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap_or_default();
    let up = interpolate(
        cam,
        InterpolateOptions::new(InterpolateMode::Bilinear).with_output_size([input_h, input_w]),
    );
    let mut heatmap: Vec<f32> = up.into_data().try_to_vec::<f32>().unwrap_or_default();
    let (low, high) = heatmap
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let range = (high - low).max(1e-12);
    for v in &mut heatmap {
        *v = (*v - low) / range;
    }
    Ok(GradCam {
        class,
        score,
        coarse,
        map_size: (height, width),
        heatmap,
        size: (input_h, input_w),
    })
}
