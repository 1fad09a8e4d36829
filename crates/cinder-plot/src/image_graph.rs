//! A graph whose nodes are drawn as the images themselves: force-directed positions, each image a
//! thumbnail framed in its class colour, edges green when they join two images of the same class
//! and red otherwise. For image similarity graphs.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::class_color;
use crate::error::{PlotError, Result};
use crate::layout::force_directed_layout;
use crate::output::{Chart, FONT};

/// An 8-bit RGB thumbnail, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width · height · 3` bytes.
    pub rgb: Vec<u8>,
}

/// A graph of images to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageGraphDrawing {
    title: String,
    positions: Vec<[f64; 2]>,
    edges: Vec<(usize, usize)>,
    thumbnails: Vec<Thumbnail>,
    labels: Vec<usize>,
    class_names: Vec<String>,
}

const SAME: RGBColor = RGBColor(44, 160, 44);
const DIFFERENT: RGBColor = RGBColor(214, 39, 40);

impl ImageGraphDrawing {
    /// Lays out one node per thumbnail joined by `edges` (force-directed, `seed`); node `i` is
    /// framed in the colour of class `labels[i]`.
    pub fn new(
        title: &str,
        edges: Vec<(usize, usize)>,
        thumbnails: Vec<Thumbnail>,
        labels: Vec<usize>,
        class_names: Vec<String>,
        seed: u64,
    ) -> Self {
        Self {
            title: title.into(),
            positions: force_directed_layout(thumbnails.len(), &edges, seed),
            edges,
            thumbnails,
            labels,
            class_names,
        }
    }

    /// The share of edges joining two images of the same class.
    pub fn same_class_share(&self) -> f64 {
        let same = self
            .edges
            .iter()
            .filter(|&&(a, b)| self.labels[a] == self.labels[b])
            .count();
        same as f64 / self.edges.len().max(1) as f64
    }
}

impl Chart for ImageGraphDrawing {
    fn name(&self) -> &'static str {
        "image graph"
    }

    fn validate(&self) -> Result<()> {
        let nodes = self.thumbnails.len();
        let invalid = |reason: String| {
            Err(PlotError::InvalidData {
                chart: "image graph",
                reason,
            })
        };
        if nodes == 0 || self.labels.len() != nodes {
            return invalid(format!("{nodes} images and {} labels", self.labels.len()));
        }
        if let Some(&(a, b)) = self.edges.iter().find(|&&(a, b)| a >= nodes || b >= nodes) {
            return invalid(format!(
                "edge ({a}, {b}) has an endpoint out of range ({nodes} images)"
            ));
        }
        if let Some(&label) = self.labels.iter().find(|&&l| l >= self.class_names.len()) {
            return invalid(format!("label {label} has no class name"));
        }
        if let Some((i, t)) = self.thumbnails.iter().enumerate().find(|(_, t)| {
            t.width == 0 || t.height == 0 || t.rgb.len() != t.width as usize * t.height as usize * 3
        }) {
            return invalid(format!(
                "thumbnail {i}: {}×{} pixels but {} bytes",
                t.width,
                t.height,
                t.rgb.len()
            ));
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let error = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plot, legend) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(190));
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, (FONT, 22))
            .margin(24)
            .build_cartesian_2d(-0.02f64..1.02, -0.02f64..1.02)
            .map_err(error)?;
        let at = |i: usize| (self.positions[i][0], self.positions[i][1]);
        for &(a, b) in &self.edges {
            let colour = if self.labels[a] == self.labels[b] {
                SAME.mix(0.35)
            } else {
                DIFFERENT.mix(0.5)
            };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![at(a), at(b)],
                    colour.stroke_width(1),
                )))
                .map_err(error)?;
        }
        for (i, thumbnail) in self.thumbnails.iter().enumerate() {
            let (w, h) = (thumbnail.width as i32, thumbnail.height as i32);
            let frame = class_color(self.labels[i]);
            let image = BitMapElement::with_owned_buffer(
                (-w / 2, -h / 2),
                (thumbnail.width, thumbnail.height),
                thumbnail.rgb.clone(),
            )
            .ok_or("thumbnail buffer size")?;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(at(i))
                        + Rectangle::new(
                            [(-w / 2 - 2, -h / 2 - 2), (w - w / 2 + 1, h - h / 2 + 1)],
                            frame.filled(),
                        )
                        + image,
                ))
                .map_err(error)?;
        }
        let mut y = 60;
        let text = |t: &str, y: i32| Text::new(t.to_string(), (8, y), (FONT, 15).into_font());
        legend.draw(&text("frame: class", y)).map_err(error)?;
        for (c, name) in self.class_names.iter().enumerate() {
            y += 22;
            legend
                .draw(&Rectangle::new(
                    [(8, y), (22, y + 14)],
                    class_color(c).filled(),
                ))
                .map_err(error)?;
            legend
                .draw(&Text::new(name.clone(), (28, y), (FONT, 15).into_font()))
                .map_err(error)?;
        }
        y += 40;
        legend.draw(&text("edge:", y)).map_err(error)?;
        for (colour, name) in [(SAME, "same class"), (DIFFERENT, "different class")] {
            y += 22;
            legend
                .draw(&PathElement::new(
                    vec![(8, y + 7), (24, y + 7)],
                    colour.stroke_width(3),
                ))
                .map_err(error)?;
            legend
                .draw(&Text::new(
                    name.to_string(),
                    (30, y),
                    (FONT, 15).into_font(),
                ))
                .map_err(error)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::save;

    fn square(value: u8) -> Thumbnail {
        Thumbnail {
            width: 6,
            height: 6,
            rgb: vec![value; 6 * 6 * 3],
        }
    }

    #[test]
    fn draws_thumbnails_and_rejects_bad_input() {
        let directory =
            std::env::temp_dir().join(format!("cinder-image-graph-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let drawing = ImageGraphDrawing::new(
            "four images",
            vec![(0, 1), (1, 2), (2, 3)],
            vec![square(0), square(80), square(160), square(240)],
            vec![0, 0, 1, 1],
            vec!["a".into(), "b".into()],
            3,
        );
        assert!((drawing.same_class_share() - 2.0 / 3.0).abs() < 1e-12);
        let path = directory.join("graph.png");
        save(&drawing, &path, (700, 500)).unwrap();
        let image = image::open(&path).unwrap().to_rgb8();
        // A thumbnail pixel of value 240 (light grey) is somewhere on the canvas.
        assert!(image.pixels().any(|p| p.0 == [240, 240, 240]));
        let broken = ImageGraphDrawing::new(
            "bad",
            vec![(0, 5)],
            vec![square(0), square(1)],
            vec![0, 0],
            vec!["a".into()],
            3,
        );
        assert!(save(&broken, &directory.join("bad.png"), (300, 300)).is_err());
        assert!(!directory.join("bad.png").exists());
        let short = ImageGraphDrawing::new(
            "short",
            vec![],
            vec![Thumbnail {
                width: 4,
                height: 4,
                rgb: vec![0; 5],
            }],
            vec![0],
            vec!["a".into()],
            3,
        );
        assert!(save(&short, &directory.join("short.png"), (300, 300)).is_err());
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
