//! CNN feature maps: the channels of one stage as a tiled grid on a shared colour scale, and a
//! heatmap (Grad-CAM) laid over the input image.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::{heat, viridis};
use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT, check_finite};

/// Channels `height x width` each, tiled in `columns` columns, one colour scale for all.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMapGrid {
    title: String,
    maps: Vec<Vec<f32>>,
    height: usize,
    width: usize,
    columns: usize,
}

impl FeatureMapGrid {
    /// `maps[c]` is channel `c`, row-major `height x width`.
    pub fn new(
        title: &str,
        maps: Vec<Vec<f32>>,
        height: usize,
        width: usize,
        columns: usize,
    ) -> Self {
        Self {
            title: title.into(),
            maps,
            height,
            width,
            columns: columns.max(1),
        }
    }

    /// The shared `(min, max)` of all channels.
    pub fn value_range(&self) -> (f32, f32) {
        self.maps
            .iter()
            .flatten()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            })
    }
}

impl Chart for FeatureMapGrid {
    fn name(&self) -> &'static str {
        "feature-map grid"
    }

    fn validate(&self) -> Result<()> {
        let size = self.height * self.width;
        if self.maps.is_empty() || size == 0 {
            return Err(PlotError::InvalidData {
                chart: "feature-map grid",
                reason: "no channels".into(),
            });
        }
        if let Some(channel) = self.maps.iter().position(|m| m.len() != size) {
            return Err(PlotError::InvalidData {
                chart: "feature-map grid",
                reason: format!(
                    "channel {channel} has {} values, expected {size}",
                    self.maps[channel].len()
                ),
            });
        }
        check_finite(
            "feature-map grid",
            "values",
            self.maps.iter().flatten().map(|&v| f64::from(v)),
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let (low, high) = self.value_range();
        let span = f64::from(high - low).max(1e-12);
        let (area_width, area_height) = area.dim_in_pixel();
        let title = area
            .titled(
                &format!("{} (shared scale {low:.3} … {high:.3})", self.title),
                (FONT, 20),
            )
            .map_err(|e| e.to_string())?;
        let rows = self.maps.len().div_ceil(self.columns);
        let cell = ((area_width as usize / self.columns)
            .min((area_height as usize).saturating_sub(40) / rows.max(1)))
        .max(2);
        let pixel = (cell.saturating_sub(4) as f64 / self.height.max(self.width) as f64).max(1.0);
        for (channel, values) in self.maps.iter().enumerate() {
            let (row, column) = (channel / self.columns, channel % self.columns);
            let (x0, y0) = ((column * cell + 2) as i32, (row * cell + 2) as i32);
            for (index, &value) in values.iter().enumerate() {
                let (y, x) = (index / self.width, index % self.width);
                let color = viridis(f64::from(value - low) / span);
                let left = x0 + (x as f64 * pixel) as i32;
                let top = y0 + (y as f64 * pixel) as i32;
                let right = x0 + ((x + 1) as f64 * pixel) as i32;
                let bottom = y0 + ((y + 1) as f64 * pixel) as i32;
                title
                    .draw(&Rectangle::new(
                        [(left, top), (right, bottom)],
                        color.filled(),
                    ))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// An RGB image with a `[0, 1]`-scaled heatmap (e.g. Grad-CAM) blended over it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapOverlay {
    title: String,
    image: Vec<u8>,
    image_size: (usize, usize),
    heat: Vec<f32>,
    heat_size: (usize, usize),
    opacity: f64,
}

impl HeatmapOverlay {
    /// `image`: row-major RGB bytes of `image_size = (height, width)`; `heat`: row-major
    /// `heat_size` values, normalized to `[0, 1]` by their min and max and stretched (nearest
    /// neighbour) over the image; blended at 45% opacity.
    pub fn new(
        title: &str,
        image: Vec<u8>,
        image_size: (usize, usize),
        heat: Vec<f32>,
        heat_size: (usize, usize),
    ) -> Self {
        Self {
            title: title.into(),
            image,
            image_size,
            heat,
            heat_size,
            opacity: 0.45,
        }
    }
}

impl Chart for HeatmapOverlay {
    fn name(&self) -> &'static str {
        "heatmap overlay"
    }

    fn validate(&self) -> Result<()> {
        let invalid = |reason: String| {
            Err(PlotError::InvalidData {
                chart: "heatmap overlay",
                reason,
            })
        };
        let (h, w) = self.image_size;
        if h * w == 0 || self.image.len() != h * w * 3 {
            return invalid(format!(
                "image of {h}x{w} needs {} RGB bytes, got {}",
                h * w * 3,
                self.image.len()
            ));
        }
        let (hh, hw) = self.heat_size;
        if hh * hw == 0 || self.heat.len() != hh * hw {
            return invalid(format!(
                "heatmap of {hh}x{hw} needs {} values, got {}",
                hh * hw,
                self.heat.len()
            ));
        }
        check_finite(
            "heatmap overlay",
            "heat",
            self.heat.iter().map(|&v| f64::from(v)),
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let area = area
            .titled(&self.title, (FONT, 20))
            .map_err(|e| e.to_string())?;
        let (width, height) = area.dim_in_pixel();
        let (image_height, image_width) = self.image_size;
        let scale = (width as f64 / image_width as f64).min(height as f64 / image_height as f64);
        let (low, high) = self
            .heat
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        let span = f64::from(high - low).max(1e-12);
        let (heat_height, heat_width) = self.heat_size;
        let output_width = (image_width as f64 * scale) as usize;
        let output_height = (image_height as f64 * scale) as usize;
        for y in 0..output_height {
            for x in 0..output_width {
                let (source_y, source_x) = (
                    ((y as f64 / scale) as usize).min(image_height - 1),
                    ((x as f64 / scale) as usize).min(image_width - 1),
                );
                let pixel = &self.image[(source_y * image_width + source_x) * 3..][..3];
                let heat_y = (source_y * heat_height / image_height).min(heat_height - 1);
                let heat_x = (source_x * heat_width / image_width).min(heat_width - 1);
                let value = f64::from(self.heat[heat_y * heat_width + heat_x] - low) / span;
                let overlay = heat(value);
                let blend = |base: u8, top: u8| {
                    (f64::from(base) * (1.0 - self.opacity) + f64::from(top) * self.opacity).round()
                        as u8
                };
                let color = RGBColor(
                    blend(pixel[0], overlay.0),
                    blend(pixel[1], overlay.1),
                    blend(pixel[2], overlay.2),
                );
                area.draw_pixel((x as i32, y as i32), &color)
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}
