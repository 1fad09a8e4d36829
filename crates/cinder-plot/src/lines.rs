//! Lines through `(x, y)` points: ROC and precision–recall curves, score distributions, metrics
//! at the epochs that evaluated.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::class_color;
use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT, check_finite, padded_range};

/// Named lines through points, with an optional dashed reference line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<(String, Vec<(f64, f64)>)>,
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    reference: Option<(String, Vec<(f64, f64)>)>,
}

impl LineChart {
    /// An empty chart with its title and axis labels; ranges fit the data unless fixed.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            x_range: None,
            y_range: None,
            reference: None,
        }
    }

    /// Adds one named line.
    pub fn with_series(mut self, name: &str, points: Vec<(f64, f64)>) -> Self {
        self.series.push((name.into(), points));
        self
    }

    /// Fixes both axes' ranges (e.g. `[0, 1]` for ROC curves).
    pub fn with_ranges(mut self, x: (f64, f64), y: (f64, f64)) -> Self {
        self.x_range = Some(x);
        self.y_range = Some(y);
        self
    }

    /// A dashed grey reference line (a ROC curve's chance diagonal).
    pub fn with_reference(mut self, name: &str, points: Vec<(f64, f64)>) -> Self {
        self.reference = Some((name.into(), points));
        self
    }
}

impl Chart for LineChart {
    fn name(&self) -> &'static str {
        "lines"
    }

    fn validate(&self) -> Result<()> {
        if self.series.iter().all(|(_, points)| points.is_empty()) {
            return Err(PlotError::InvalidData {
                chart: "lines",
                reason: format!("{:?} has no points", self.title),
            });
        }
        for (name, points) in &self.series {
            check_finite("lines", name, points.iter().flat_map(|&(x, y)| [x, y]))?;
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let points = || self.series.iter().flat_map(|(_, p)| p.iter().copied());
        let (x_low, x_high) = self
            .x_range
            .unwrap_or_else(|| padded_range(points().map(|(x, _)| x), 0.02));
        let (y_low, y_high) = self
            .y_range
            .unwrap_or_else(|| padded_range(points().map(|(_, y)| y), 0.05));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.1))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some((name, points)) = &self.reference {
            let grey = BLACK.mix(0.4);
            chart
                .draw_series(DashedLineSeries::new(
                    points.clone(),
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], grey));
        }
        for (index, (name, points)) in self.series.iter().enumerate() {
            let color = class_color(index);
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 14))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::save;

    #[test]
    fn draws_a_roc_curve_and_refuses_non_finite_points() {
        let dir = std::env::temp_dir().join(format!("cinder-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("roc.png");
        let chart = LineChart::new("ROC", "false positive rate", "true positive rate")
            .with_series("test", vec![(0.0, 0.0), (0.1, 0.7), (1.0, 1.0)])
            .with_ranges((0.0, 1.0), (0.0, 1.0))
            .with_reference("chance", vec![(0.0, 0.0), (1.0, 1.0)]);
        save(&chart, &path, (400, 300)).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        let bad = LineChart::new("x", "x", "y").with_series("s", vec![(0.0, f64::NAN)]);
        assert!(save(&bad, &dir.join("bad.png"), (400, 300)).is_err());
        assert!(!dir.join("bad.png").exists());
    }
}
