//! Images to network inputs: decoding (JPEG/PNG/BMP), Pillow-exact antialiased bilinear resizing,
//! center cropping, and the normalizations of each weight source.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;

use crate::error::{Result, VisionError};

/// How pixel values are normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    /// torchvision: `x / 255`, then ImageNet mean/std per RGB channel.
    Torchvision,
    /// TensorFlow/Keras "tf" mode: `x / 127.5 − 1` (range [−1, 1]).
    Tf,
    /// Caffe mode (Keras VGG/ResNet): RGB → BGR, then subtract the ImageNet BGR means (no scaling).
    Caffe,
}

impl Normalization {
    /// Parses `torchvision` (alias `torch`), `tf` (alias `keras`), `caffe`.
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "torchvision" | "torch" | "imagenet" => Ok(Self::Torchvision),
            "tf" | "keras" | "inception" => Ok(Self::Tf),
            "caffe" => Ok(Self::Caffe),
            other => Err(VisionError::InvalidArgument(format!(
                "unknown normalization '{other}' (expected torchvision, tf or caffe)"
            ))),
        }
    }

    /// Normalizes one 8-bit value of `channel` (0 = R, 1 = G, 2 = B of the *output* order).
    fn apply(self, value: u8, channel: usize) -> f32 {
        const MEAN: [f64; 3] = [0.485, 0.456, 0.406];
        const STD: [f64; 3] = [0.229, 0.224, 0.225];
        const CAFFE_BGR_MEAN: [f64; 3] = [103.939, 116.779, 123.68];
        let x = value as f64;
        (match self {
            Normalization::Torchvision => (x / 255.0 - MEAN[channel]) / STD[channel],
            Normalization::Tf => x / 127.5 - 1.0,
            Normalization::Caffe => x - CAFFE_BGR_MEAN[channel],
        }) as f32
    }
}

/// How an image is brought to the input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    /// Resize the whole image to the input size (aspect ratio not kept) — the shared Keras
    /// weights' references.
    Stretch,
    /// Resize the shorter side to `shorter` (keeping the aspect ratio), then crop the center to the
    /// input size — torchvision's `Resize(256)` + `CenterCrop(224)`.
    ShorterThenCenterCrop {
        /// Target of the shorter side.
        shorter: usize,
    },
}

/// The full preprocessing of one weight source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preprocessing {
    /// Input `(height, width)`.
    pub size: (usize, usize),
    /// Resizing.
    pub resize: Resize,
    /// Normalization.
    pub normalization: Normalization,
}

impl Preprocessing {
    /// torchvision's ImageNet evaluation transform at `size` (shorter side `size · 256 / 224`).
    pub fn torchvision(size: usize) -> Self {
        Self {
            size: (size, size),
            resize: Resize::ShorterThenCenterCrop {
                shorter: size * 256 / 224,
            },
            normalization: Normalization::Torchvision,
        }
    }

    /// The shared Keras MobileNets: stretch to `size`, `x / 127.5 − 1`.
    pub fn keras(size: usize) -> Self {
        Self {
            size: (size, size),
            resize: Resize::Stretch,
            normalization: Normalization::Tf,
        }
    }

    /// Resizes (and crops) an image to the input size, as 8-bit RGB.
    pub fn resize_image(&self, image: &RgbImage) -> RgbImage {
        let (height, width) = self.size;
        match self.resize {
            Resize::Stretch => resize_bilinear(image, width as u32, height as u32),
            Resize::ShorterThenCenterCrop { shorter } => {
                let (w, h) = image.dimensions();
                let (new_w, new_h) = if w <= h {
                    (
                        shorter as u32,
                        ((shorter as u64 * h as u64) / w.max(1) as u64) as u32,
                    )
                } else {
                    (
                        ((shorter as u64 * w as u64) / h.max(1) as u64) as u32,
                        shorter as u32,
                    )
                };
                let resized = resize_bilinear(image, new_w, new_h);
                center_crop(&resized, width as u32, height as u32)
            }
        }
    }

    /// Normalized `[3, height, width]` values of an already resized image (row-major CHW).
    pub fn normalize(&self, image: &RgbImage) -> Vec<f32> {
        let (w, h) = image.dimensions();
        let (w, h) = (w as usize, h as usize);
        let raw = image.as_raw();
        let mut values = vec![0.0; 3 * w * h];
        for out_channel in 0..3 {
            let source = if self.normalization == Normalization::Caffe {
                2 - out_channel
            } else {
                out_channel
            };
            let plane = &mut values[out_channel * w * h..(out_channel + 1) * w * h];
            for (i, v) in plane.iter_mut().enumerate() {
                *v = self.normalization.apply(raw[i * 3 + source], out_channel);
            }
        }
        values
    }

    /// A batch `[n, 3, height, width]` from decoded images, each resized and normalized in
    /// parallel straight into its slot of the batch.
    pub fn batch(&self, images: &[RgbImage], device: &Device) -> Tensor<4> {
        use rayon::prelude::*;
        let (height, width) = self.size;
        let plane = 3 * height * width;
        let mut values = vec![0.0f32; images.len() * plane];
        values
            .par_chunks_mut(plane)
            .zip(images.par_iter())
            .for_each(|(slot, image)| {
                slot.copy_from_slice(&self.normalize(&self.resize_image(image)));
            });
        Tensor::from_data(
            TensorData::new(values, [images.len(), 3, height, width]),
            device,
        )
    }
}

/// Decodes an image file (JPEG, PNG, BMP) to 8-bit RGB.
pub fn load_rgb(path: &Path) -> Result<RgbImage> {
    let reader = image::ImageReader::open(path)
        .map_err(|source| VisionError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .with_guessed_format()
        .map_err(|source| VisionError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let decoded = reader.decode().map_err(|e| VisionError::Image {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(decoded.to_rgb8())
}

/// Decodes an encoded image (JPEG, PNG, BMP) held in memory to 8-bit RGB; `name` labels it in
/// errors.
pub fn decode_rgb(bytes: &[u8], name: &str) -> Result<RgbImage> {
    let decoded = image::load_from_memory(bytes).map_err(|e| VisionError::Image {
        path: Path::new(name).to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(decoded.to_rgb8())
}

/// Crops the center `width × height` (as torchvision: offsets rounded from `(W − w) / 2`).
pub fn center_crop(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    if w < width || h < height {
        return resize_bilinear(image, width, height);
    }
    let left = ((w - width) as f64 / 2.0).round() as u32;
    let top = ((h - height) as f64 / 2.0).round() as u32;
    image::imageops::crop_imm(image, left, top, width, height).to_image()
}

const PRECISION_BITS: u32 = 32 - 8 - 2;

/// Pillow's `Image.resize(size, BILINEAR)` bit for bit: a separable triangle filter whose support
/// grows with the downscale factor (antialiasing), fixed-point coefficients with 22 fraction bits,
/// horizontal pass first, each pass rounded to 8 bits.
pub fn resize_bilinear(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (in_w, in_h) = image.dimensions();
    if (in_w, in_h) == (width, height) {
        return image.clone();
    }
    if width == 0 || height == 0 || in_w == 0 || in_h == 0 {
        // Nothing to sample from, or nothing to fill: an all-black image of the asked size.
        return RgbImage::new(width, height);
    }
    let (horizontal_bounds, horizontal) = coefficients(in_w as usize, width as usize);
    let (vertical_bounds, vertical) = coefficients(in_h as usize, height as usize);
    // Rows of the source the vertical pass reads.
    let first_row = vertical_bounds[0].0;
    let last = vertical_bounds[height as usize - 1];
    let last_row = last.0 + last.1;
    let raw = image.as_raw();
    let in_w = in_w as usize;
    let width = width as usize;
    let height = height as usize;
    // Horizontal pass over the needed rows.
    let rows = last_row - first_row;
    let temp: Vec<u8> = if in_w != width {
        let ksize = horizontal.len() / width;
        let mut temp = vec![0u8; rows * width * 3];
        for y in 0..rows {
            let source = &raw[(y + first_row) * in_w * 3..(y + first_row + 1) * in_w * 3];
            for x in 0..width {
                let (start, count) = horizontal_bounds[x];
                let k = &horizontal[x * ksize..x * ksize + count];
                for channel in 0..3 {
                    let mut sum: i64 = 1 << (PRECISION_BITS - 1);
                    for (i, &weight) in k.iter().enumerate() {
                        sum += source[(start + i) * 3 + channel] as i64 * weight as i64;
                    }
                    temp[(y * width + x) * 3 + channel] = clip8(sum);
                }
            }
        }
        temp
    } else {
        raw[first_row * in_w * 3..last_row * in_w * 3].to_vec()
    };
    if image.height() as usize == height {
        // Pillow skips the vertical pass when the height does not change.
        return RgbImage::from_raw(width as u32, height as u32, temp).expect("sized buffer");
    }
    let ksize = vertical.len() / height;
    let mut out = vec![0u8; width * height * 3];
    for y in 0..height {
        let (start, count) = vertical_bounds[y];
        let k = &vertical[y * ksize..y * ksize + count];
        for x in 0..width {
            for channel in 0..3 {
                let mut sum: i64 = 1 << (PRECISION_BITS - 1);
                for (i, &weight) in k.iter().enumerate() {
                    sum += temp[((start - first_row + i) * width + x) * 3 + channel] as i64
                        * weight as i64;
                }
                out[(y * width + x) * 3 + channel] = clip8(sum);
            }
        }
    }
    RgbImage::from_raw(width as u32, height as u32, out).expect("sized buffer")
}

fn clip8(sum: i64) -> u8 {
    (sum >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the triangle filter: per output
/// pixel the first input index and tap count, and `ksize` fixed-point weights.
fn coefficients(input: usize, output: usize) -> (Vec<(usize, usize)>, Vec<i32>) {
    let scale = input as f64 / output as f64;
    let filter_scale = scale.max(1.0);
    let support = filter_scale; // triangle support 1.0 × filter scale
    let ksize = support.ceil() as usize * 2 + 1;
    let mut bounds = Vec::with_capacity(output);
    let mut weights = vec![0i32; output * ksize];
    for x in 0..output {
        let center = (x as f64 + 0.5) * scale;
        let inverse = 1.0 / filter_scale;
        let min = ((center - support + 0.5) as i64).max(0) as usize;
        let max =
            (((center + support + 0.5) as i64).min(input as i64) as usize).saturating_sub(min);
        let mut k: Vec<f64> = (0..max)
            .map(|i| {
                let t = ((i + min) as f64 - center + 0.5) * inverse;
                let t = t.abs();
                if t < 1.0 { 1.0 - t } else { 0.0 }
            })
            .collect();
        let total: f64 = k.iter().sum();
        if total != 0.0 {
            for w in &mut k {
                *w /= total;
            }
        }
        for (i, w) in k.iter().enumerate() {
            let fixed = w * (1u64 << PRECISION_BITS) as f64;
            weights[x * ksize + i] = if *w < 0.0 {
                (-0.5 + fixed) as i32
            } else {
                (0.5 + fixed) as i32
            };
        }
        bounds.push((min, max));
    }
    (bounds, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_a_ramp_averages_neighbours() {
        let mut image = RgbImage::new(4, 1);
        for x in 0..4 {
            image.put_pixel(x, 0, image::Rgb([x as u8 * 10, 100, 200]));
        }
        let half = resize_bilinear(&image, 2, 1);
        // Triangle of support 2 centred at 1.0 and 3.0: weights 1/8, 3/8, 3/8, 1/8 (clipped).
        assert_eq!(half.get_pixel(0, 0).0[1], 100);
        let left = half.get_pixel(0, 0).0[0];
        let right = half.get_pixel(1, 0).0[0];
        assert!(
            left < right && (3..=8).contains(&left) && (22..=27).contains(&right),
            "{left} {right}"
        );
    }

    #[test]
    fn empty_sizes_give_empty_or_black_images_instead_of_panicking() {
        let image = RgbImage::from_pixel(3, 2, image::Rgb([200, 10, 10]));
        assert_eq!(resize_bilinear(&image, 0, 5).dimensions(), (0, 5));
        let from_nothing = resize_bilinear(&RgbImage::new(0, 0), 4, 4);
        assert_eq!(from_nothing.dimensions(), (4, 4));
        assert!(from_nothing.pixels().all(|p| p.0 == [0, 0, 0]));
    }

    #[test]
    fn normalizations_follow_their_conventions() {
        assert_eq!(Normalization::Tf.apply(255, 0), 1.0);
        assert_eq!(Normalization::Tf.apply(0, 2), -1.0);
        assert!((Normalization::Torchvision.apply(124, 0) - 0.005_55).abs() < 1e-4);
        assert!((Normalization::Caffe.apply(104, 0) - 0.061).abs() < 1e-3);
        assert!(Normalization::parse("sepia").is_err());
    }
}
