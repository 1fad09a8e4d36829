//! Bar charts: per-fold test accuracy of a cross-validation, per-class scores… with optional error
//! bars and a dashed reference line (e.g. the mean, or a published number).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::class_color;
use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT, check_finite};

/// One bar per label.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    title: String,
    y_label: String,
    labels: Vec<String>,
    values: Vec<f64>,
    errors: Option<Vec<f64>>,
    reference: Option<(String, f64)>,
}

impl BarChart {
    /// Bars `values` named `labels`.
    pub fn new(title: &str, y_label: &str, labels: Vec<String>, values: Vec<f64>) -> Self {
        Self {
            title: title.into(),
            y_label: y_label.into(),
            labels,
            values,
            errors: None,
            reference: None,
        }
    }

    /// ± error bars, one per bar.
    pub fn with_errors(mut self, errors: Vec<f64>) -> Self {
        self.errors = Some(errors);
        self
    }

    /// A labelled horizontal line at `value`.
    pub fn with_reference(mut self, label: &str, value: f64) -> Self {
        self.reference = Some((label.into(), value));
        self
    }
}

impl Chart for BarChart {
    fn name(&self) -> &'static str {
        "bar chart"
    }

    fn validate(&self) -> Result<()> {
        let invalid = |reason: String| {
            Err(PlotError::InvalidData {
                chart: "bar chart",
                reason,
            })
        };
        if self.values.is_empty() || self.labels.len() != self.values.len() {
            return invalid(format!(
                "{} labels for {} values",
                self.labels.len(),
                self.values.len()
            ));
        }
        if let Some(errors) = &self.errors
            && errors.len() != self.values.len()
        {
            return invalid(format!(
                "{} error bars for {} values",
                errors.len(),
                self.values.len()
            ));
        }
        check_finite("bar chart", "values", self.values.iter().copied())?;
        check_finite("bar chart", "errors", self.errors.iter().flatten().copied())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let errors = self
            .errors
            .clone()
            .unwrap_or_else(|| vec![0.0; self.values.len()]);
        let top = self
            .values
            .iter()
            .zip(&errors)
            .map(|(v, e)| v + e)
            .chain(self.reference.iter().map(|r| r.1))
            .fold(0.0f64, f64::max);
        let bottom = self.values.iter().copied().fold(0.0f64, f64::min);
        let count = self.values.len();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..count as f64, bottom..(top * 1.1).max(1e-9))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.1))
            .disable_x_mesh()
            .x_labels(1)
            .x_label_formatter(&|_| String::new())
            .y_desc(&self.y_label)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        // Bar names centred under the bars (every bar up to 20, then every k-th).
        let every = count.div_ceil(20).max(1);
        for (index, name) in self.labels.iter().enumerate().step_by(every) {
            let (x, y) = chart.backend_coord(&(index as f64 + 0.5, bottom));
            let width = name.chars().count() as i32 * 3;
            area.draw(&Text::new(
                name.clone(),
                (x - width, y + 6),
                (FONT, 13).into_font().color(&BLACK),
            ))
            .map_err(|e| e.to_string())?;
        }
        for (index, (&value, &error)) in self.values.iter().zip(&errors).enumerate() {
            let x = index as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.15, 0.0), (x + 0.85, value)],
                    class_color(0).filled(),
                )))
                .map_err(|e| e.to_string())?;
            if error > 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x + 0.5, value - error), (x + 0.5, value + error)],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        if let Some((label, value)) = &self.reference {
            let value = *value;
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, value), (count as f64, value)],
                    8,
                    5,
                    class_color(3).stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(label.as_str())
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], class_color(3).stroke_width(2))
                });
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FONT, 13))
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
