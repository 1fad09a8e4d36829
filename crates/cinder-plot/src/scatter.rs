//! 2-D scatter of embeddings coloured by class (use [`crate::pca_2d`] for high-dimensional ones).

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::colors::class_color;
use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT, check_finite, padded_range};

/// Points with a class each.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    title: String,
    points: Vec<[f64; 2]>,
    labels: Vec<usize>,
    class_names: Vec<String>,
}

impl Scatter {
    /// `points[i]` drawn in the colour of class `labels[i]`, named in the legend by `class_names`.
    pub fn new(
        title: &str,
        points: Vec<[f64; 2]>,
        labels: Vec<usize>,
        class_names: Vec<String>,
    ) -> Self {
        Self {
            title: title.into(),
            points,
            labels,
            class_names,
        }
    }
}

impl Chart for Scatter {
    fn name(&self) -> &'static str {
        "scatter"
    }

    fn validate(&self) -> Result<()> {
        if self.points.is_empty() || self.points.len() != self.labels.len() {
            return Err(PlotError::InvalidData {
                chart: "scatter",
                reason: format!(
                    "{} points and {} labels",
                    self.points.len(),
                    self.labels.len()
                ),
            });
        }
        if let Some(&label) = self.labels.iter().find(|&&l| l >= self.class_names.len()) {
            return Err(PlotError::InvalidData {
                chart: "scatter",
                reason: format!(
                    "label {label} has no class name ({} names)",
                    self.class_names.len()
                ),
            });
        }
        check_finite("scatter", "points", self.points.iter().flatten().copied())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let (x0, x1) = padded_range(self.points.iter().map(|p| p[0]), 0.05);
        let (y0, y1) = padded_range(self.points.iter().map(|p| p[1]), 0.05);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.1))
            .x_desc("component 1")
            .y_desc("component 2")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        draw_class_points(&mut chart, &self.points, &self.labels, &self.class_names, 4)
    }
}

/// Draws points coloured by class, one legend entry per class, and the legend box.
pub(crate) fn draw_class_points<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: &[[f64; 2]],
    labels: &[usize],
    class_names: &[String],
    radius: i32,
) -> std::result::Result<(), String> {
    for (class, name) in class_names.iter().enumerate() {
        let color = class_color(class);
        let members = points
            .iter()
            .zip(labels)
            .filter(|&(_, &l)| l == class)
            .map(|(p, _)| Circle::new((p[0], p[1]), radius, color.filled()));
        chart
            .draw_series(members)
            .map_err(|e| e.to_string())?
            .label(name.as_str())
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()
        .map_err(|e| e.to_string())
}
