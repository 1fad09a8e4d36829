//! Confusion-matrix heatmap: true class per row, predicted class per column, counts in the cells.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT};

/// A confusion matrix `counts[true][predicted]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    title: String,
    class_names: Vec<String>,
    counts: Vec<Vec<usize>>,
}

impl ConfusionMatrix {
    /// A matrix with one row and one column per class.
    pub fn new(title: &str, class_names: Vec<String>, counts: Vec<Vec<usize>>) -> Self {
        Self {
            title: title.into(),
            class_names,
            counts,
        }
    }
}

impl Chart for ConfusionMatrix {
    fn name(&self) -> &'static str {
        "confusion matrix"
    }

    fn validate(&self) -> Result<()> {
        let classes = self.class_names.len();
        if classes == 0
            || self.counts.len() != classes
            || self.counts.iter().any(|r| r.len() != classes)
        {
            return Err(PlotError::InvalidData {
                chart: "confusion matrix",
                reason: format!(
                    "needs a {classes}x{classes} matrix of counts (one row and column per class name)"
                ),
            });
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let classes = self.class_names.len();
        let largest = self
            .counts
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(140)
            .build_cartesian_2d(0..classes, 0..classes)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.1))
            .disable_mesh()
            .x_desc("predicted class")
            .y_desc("true class")
            .x_labels(1)
            .y_labels(1)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        // Class names centred under each column and beside each row.
        for (class, name) in self.class_names.iter().enumerate() {
            let (left, bottom) = chart.backend_coord(&(class, 0));
            let (right, _) = chart.backend_coord(&(class + 1, 0));
            let label = (FONT, 14).into_font().color(&BLACK);
            let width = name.chars().count() as i32 * 4;
            area.draw(&Text::new(
                name.clone(),
                ((left + right) / 2 - width, bottom + 6),
                label.clone(),
            ))
            .map_err(|e| e.to_string())?;
            let row = classes - 1 - class;
            let (axis, top) = chart.backend_coord(&(0, row + 1));
            let (_, lower) = chart.backend_coord(&(0, row));
            area.draw(&Text::new(
                name.clone(),
                (axis - 8 - 2 * width, (top + lower) / 2 - 7),
                label,
            ))
            .map_err(|e| e.to_string())?;
        }
        // Row 0 (true class 0) at the top.
        let cells = self.counts.iter().enumerate().flat_map(|(truth, row)| {
            row.iter()
                .enumerate()
                .map(move |(predicted, &count)| (truth, predicted, count))
        });
        for (truth, predicted, count) in cells {
            let intensity = count as f64 / largest;
            let shade = (255.0 * (1.0 - 0.85 * intensity)) as u8;
            let y = classes - 1 - truth;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(predicted, y), (predicted + 1, y + 1)],
                    RGBColor(shade, shade, 255).filled(),
                )))
                .map_err(|e| e.to_string())?;
            let text_color = if intensity > 0.55 { WHITE } else { BLACK };
            let (left, top) = chart.backend_coord(&(predicted, y + 1));
            let (right, bottom) = chart.backend_coord(&(predicted + 1, y));
            area.draw(&Text::new(
                count.to_string(),
                ((left + right) / 2 - 8, (top + bottom) / 2 - 8),
                (FONT, 18).into_font().color(&text_color),
            ))
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
