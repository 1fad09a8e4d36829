//! The drawing of an explanation subgraph: edges coloured (viridis) and widened by their mask,
//! nodes coloured by class and labelled (atom symbols for molecules, else ids), the explained
//! node ringed in red.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colors::viridis;
use crate::error::{PlotError, Result};
use crate::layout::force_directed_layout;
use crate::output::{Chart, FONT, check_finite};
use crate::scatter::draw_class_points;

/// An explanation subgraph to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplanationDrawing {
    title: String,
    positions: Vec<[f64; 2]>,
    edges: Vec<(usize, usize, f64)>,
    labels: Vec<usize>,
    class_names: Vec<String>,
    node_names: Vec<String>,
    highlighted: Option<usize>,
}

impl ExplanationDrawing {
    /// `edges` are `(a, b, mask)` with masks in `[0, 1]`, between local node ids `0..labels.len()`;
    /// `node_names[i]` is written next to node `i` (empty to skip); `highlighted` is the explained
    /// node, if any. Force-directed layout from `seed`.
    pub fn new(
        title: &str,
        edges: Vec<(usize, usize, f64)>,
        labels: Vec<usize>,
        class_names: Vec<String>,
        node_names: Vec<String>,
        highlighted: Option<usize>,
        seed: u64,
    ) -> Self {
        let pairs: Vec<(usize, usize)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
        Self {
            title: title.into(),
            positions: force_directed_layout(labels.len(), &pairs, seed),
            edges,
            labels,
            class_names,
            node_names,
            highlighted,
        }
    }
}

impl Chart for ExplanationDrawing {
    fn name(&self) -> &'static str {
        "explanation drawing"
    }

    fn validate(&self) -> Result<()> {
        let nodes = self.labels.len();
        let invalid = |reason: String| {
            Err(PlotError::InvalidData {
                chart: "explanation drawing",
                reason,
            })
        };
        if nodes == 0 || self.node_names.len() != nodes {
            return invalid(format!(
                "{nodes} nodes and {} node names",
                self.node_names.len()
            ));
        }
        if let Some(&(a, b, _)) = self.edges.iter().find(|e| e.0 >= nodes || e.1 >= nodes) {
            return invalid(format!("edge ({a}, {b}) is out of range ({nodes} nodes)"));
        }
        if let Some(&label) = self.labels.iter().find(|&&l| l >= self.class_names.len()) {
            return invalid(format!("label {label} has no class name"));
        }
        if self.highlighted.is_some_and(|h| h >= nodes) {
            return invalid("the highlighted node is out of range".into());
        }
        check_finite(
            "explanation drawing",
            "edge masks",
            self.edges.iter().map(|e| e.2),
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 22))
            .margin(20)
            .build_cartesian_2d(-0.05f64..1.05, -0.05f64..1.05)
            .map_err(|e| e.to_string())?;
        // Weakest edges first, so strong ones are drawn on top.
        let mut order: Vec<&(usize, usize, f64)> = self.edges.iter().collect();
        order.sort_by(|a, b| a.2.total_cmp(&b.2));
        for &&(a, b, mask) in &order {
            let mask = mask.clamp(0.0, 1.0);
            let width = 1 + (5.0 * mask).round() as u32;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![
                        (self.positions[a][0], self.positions[a][1]),
                        (self.positions[b][0], self.positions[b][1]),
                    ],
                    viridis(mask).mix(0.35 + 0.65 * mask).stroke_width(width),
                )))
                .map_err(|e| e.to_string())?;
        }
        let radius = if self.labels.len() > 200 { 3 } else { 7 };
        if let Some(node) = self.highlighted {
            let p = self.positions[node];
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p[0], p[1]),
                    radius + 6,
                    RED.stroke_width(3),
                )))
                .map_err(|e| e.to_string())?;
        }
        draw_class_points(
            &mut chart,
            &self.positions,
            &self.labels,
            &self.class_names,
            radius,
        )?;
        let style = TextStyle::from((FONT, 12).into_font()).color(&BLACK);
        for (p, name) in self.positions.iter().zip(&self.node_names) {
            if !name.is_empty() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        name.clone(),
                        (p[0] + 0.012, p[1] + 0.012),
                        style.clone(),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}
