//! Degree distribution on log-log axes: how many nodes have each degree (degree ≥ 1).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::class_color;
use crate::error::{PlotError, Result};
use crate::output::{Chart, FONT};

/// The degrees of a graph's nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct DegreeDistribution {
    title: String,
    degrees: Vec<usize>,
}

impl DegreeDistribution {
    /// One degree per node.
    pub fn new(title: &str, degrees: Vec<usize>) -> Self {
        Self {
            title: title.into(),
            degrees,
        }
    }

    /// `(degree, number of nodes)` for every degree ≥ 1 that occurs.
    pub fn histogram(&self) -> Vec<(usize, usize)> {
        let largest = self.degrees.iter().copied().max().unwrap_or(0);
        let mut counts = vec![0usize; largest + 1];
        for &d in &self.degrees {
            counts[d] += 1;
        }
        counts
            .into_iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, c)| c > 0)
            .collect()
    }
}

impl Chart for DegreeDistribution {
    fn name(&self) -> &'static str {
        "degree distribution"
    }

    fn validate(&self) -> Result<()> {
        if self.histogram().is_empty() {
            return Err(PlotError::InvalidData {
                chart: "degree distribution",
                reason: "no node has degree 1 or more".into(),
            });
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let histogram = self.histogram();
        let max_degree = histogram.iter().map(|h| h.0).max().unwrap_or(1) as f64;
        let max_count = histogram.iter().map(|h| h.1).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (0.8f64..max_degree * 1.5).log_scale(),
                (0.8f64..max_count * 1.5).log_scale(),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("degree")
            .y_desc("number of nodes")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                histogram
                    .iter()
                    .map(|&(d, c)| Circle::new((d as f64, c as f64), 4, class_color(0).filled())),
            )
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
