//! A graph drawing: force-directed positions, nodes coloured by label (or prediction), edges whose
//! width follows their weight.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{PlotError, Result};
use crate::layout::force_directed_layout;
use crate::output::{Chart, FONT, check_finite};
use crate::scatter::draw_class_points;

/// A graph to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphDrawing {
    title: String,
    positions: Vec<[f64; 2]>,
    edges: Vec<(usize, usize, f64)>,
    labels: Vec<usize>,
    class_names: Vec<String>,
}

impl GraphDrawing {
    /// Lays out `num_nodes` nodes and weighted `edges` (force-directed, `seed`), colouring node `i`
    /// by class `labels[i]` (named by `class_names`).
    pub fn new(
        title: &str,
        num_nodes: usize,
        edges: Vec<(usize, usize, f64)>,
        labels: Vec<usize>,
        class_names: Vec<String>,
        seed: u64,
    ) -> Self {
        let pairs: Vec<(usize, usize)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
        Self {
            title: title.into(),
            positions: force_directed_layout(num_nodes, &pairs, seed),
            edges,
            labels,
            class_names,
        }
    }

    /// The computed node positions (unit square).
    pub fn positions(&self) -> &[[f64; 2]] {
        &self.positions
    }
}

impl Chart for GraphDrawing {
    fn name(&self) -> &'static str {
        "graph drawing"
    }

    fn validate(&self) -> Result<()> {
        let nodes = self.positions.len();
        let invalid = |reason: String| {
            Err(PlotError::InvalidData {
                chart: "graph drawing",
                reason,
            })
        };
        if nodes == 0 || self.labels.len() != nodes {
            return invalid(format!("{nodes} nodes and {} labels", self.labels.len()));
        }
        if let Some(&(a, b, _)) = self
            .edges
            .iter()
            .find(|&&(a, b, _)| a >= nodes || b >= nodes)
        {
            return invalid(format!(
                "edge ({a}, {b}) has an endpoint out of range ({nodes} nodes)"
            ));
        }
        if let Some(&label) = self.labels.iter().find(|&&l| l >= self.class_names.len()) {
            return invalid(format!("label {label} has no class name"));
        }
        check_finite(
            "graph drawing",
            "edge weights",
            self.edges.iter().map(|e| e.2),
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(20)
            .build_cartesian_2d(-0.03f64..1.03, -0.03f64..1.03)
            .map_err(|e| e.to_string())?;
        let largest = self
            .edges
            .iter()
            .map(|e| e.2.abs())
            .fold(0.0, f64::max)
            .max(1e-12);
        let radius = if self.positions.len() > 500 { 2 } else { 6 };
        for &(a, b, weight) in &self.edges {
            let width = 1 + (3.0 * weight.abs() / largest).round() as u32;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![
                        (self.positions[a][0], self.positions[a][1]),
                        (self.positions[b][0], self.positions[b][1]),
                    ],
                    BLACK.mix(0.35).stroke_width(width),
                )))
                .map_err(|e| e.to_string())?;
        }
        draw_class_points(
            &mut chart,
            &self.positions,
            &self.labels,
            &self.class_names,
            radius,
        )
    }
}
