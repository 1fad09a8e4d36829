//! Training curves: one line per run or fold (value per epoch), optionally with their mean and a
//! ±1 standard-deviation band.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::class_color;
use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT, check_finite, padded_range};

/// Curves over epochs (x = 1, 2, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<(String, Vec<f64>)>,
    mean_band: bool,
}

impl Curves {
    /// An empty chart with its title and axis labels.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            mean_band: false,
        }
    }

    /// Adds one named series (its value at epochs 1, 2, …).
    pub fn with_series(mut self, name: &str, values: Vec<f64>) -> Self {
        self.series.push((name.into(), values));
        self
    }

    /// Draws the per-epoch mean of all series (over the series that reach that epoch) with a ±1
    /// standard-deviation band; the series themselves become thin lines.
    pub fn with_mean_band(mut self, on: bool) -> Self {
        self.mean_band = on;
        self
    }

    /// Per-epoch mean and population std (divide by n) over the series: the definition of
    /// `cinder_nn::statistics`, which this crate cannot import (it knows nothing of Burn).
    fn mean_and_std(&self) -> Vec<(f64, f64)> {
        let length = self.series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        (0..length)
            .map(|epoch| {
                let values: Vec<f64> = self
                    .series
                    .iter()
                    .filter_map(|(_, v)| v.get(epoch).copied())
                    .collect();
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                let variance =
                    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
                (mean, variance.sqrt())
            })
            .collect()
    }
}

impl Chart for Curves {
    fn name(&self) -> &'static str {
        "curves"
    }

    fn validate(&self) -> Result<()> {
        if self.series.iter().all(|(_, v)| v.is_empty()) {
            return Err(PlotError::InvalidData {
                chart: "curves",
                reason: format!("{:?} has no values", self.title),
            });
        }
        for (name, values) in &self.series {
            check_finite("curves", name, values.iter().copied())?;
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let length = self.series.iter().map(|(_, v)| v.len()).max().unwrap_or(1);
        let band = self.mean_band.then(|| self.mean_and_std());
        let all = self.series.iter().flat_map(|(_, v)| v.iter().copied());
        let extremes = band.iter().flatten().flat_map(|&(m, s)| [m - s, m + s]);
        let (low, high) = padded_range(all.chain(extremes), 0.05);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..(length.max(2)) as f64, low..high)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.1))
            .x_labels(length.clamp(2, 10))
            .x_label_formatter(&|x: &f64| {
                // Epochs are whole numbers: label integer ticks only.
                if (x - x.round()).abs() < 1e-9 {
                    format!("{}", x.round() as i64)
                } else {
                    String::new()
                }
            })
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        let thin = band.is_some() && self.series.len() > 1;
        for (index, (name, values)) in self.series.iter().enumerate() {
            let color = class_color(index);
            let style = if thin {
                color.mix(0.45).stroke_width(1)
            } else {
                color.stroke_width(2)
            };
            let points = values.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v));
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        if let Some(band) = band {
            let upper = band
                .iter()
                .enumerate()
                .map(|(i, &(m, s))| ((i + 1) as f64, m + s));
            let lower = band
                .iter()
                .enumerate()
                .rev()
                .map(|(i, &(m, s))| ((i + 1) as f64, m - s));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    upper.chain(lower).collect::<Vec<_>>(),
                    BLACK.mix(0.12),
                )))
                .map_err(|e| e.to_string())?;
            let mean = band
                .iter()
                .enumerate()
                .map(|(i, &(m, _))| ((i + 1) as f64, m));
            chart
                .draw_series(LineSeries::new(mean, BLACK.stroke_width(3)))
                .map_err(|e| e.to_string())?
                .label("mean ± std")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())
    }
}
