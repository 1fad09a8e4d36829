//! Graph-classification benchmarks (TU Dortmund collection) in their two common formats:
//!
//! - the official TU format: `DS_A.txt` (1-based `i, j` edges, both directions),
//!   `DS_graph_indicator.txt`, `DS_graph_labels.txt`, and optionally `DS_node_labels.txt`,
//!   `DS_edge_labels.txt`, `DS_node_attributes.txt`;
//! - the GIN/DGCNN text format, read by [`crate::load_gin_text`] into the same [`GraphDataset`].
//!
//! Both give undirected graphs (each edge once), node labels mapped to `0..num_node_labels` and
//! graph labels mapped to `0..num_classes` in sorted order of the raw values.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cinder_graph::{Direction, EdgeLabel, FeatureMatrix, Graph};

use crate::checked::{index_below, invalid_value, parse_integer};
use crate::error::{DatasetError, Result};

/// A list of labelled graphs.
#[derive(Debug, Clone)]
pub struct GraphDataset {
    /// Dataset name.
    pub name: String,
    /// The graphs, each with a graph label and (where the data has them) node labels.
    pub graphs: Vec<Graph>,
    /// Raw graph-label values; class `c` is `class_values[c]`.
    pub class_values: Vec<i64>,
    /// Raw node-label values; node label `l` is `node_label_values[l]` (empty without labels).
    pub node_label_values: Vec<i64>,
}

impl GraphDataset {
    /// Number of graph classes.
    pub fn num_classes(&self) -> usize {
        self.class_values.len()
    }

    /// Total number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.graphs.iter().map(Graph::num_nodes).sum()
    }
}

pub(crate) fn format_error(path: &Path, line: usize, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!("line {line}: {}", reason.into()),
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Maps raw values to indices in sorted order.
fn index_values(values: impl IntoIterator<Item = i64>) -> Vec<i64> {
    values
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn position(sorted: &[i64], value: i64) -> usize {
    sorted.binary_search(&value).unwrap_or(0)
}

/// Parsed per-graph data before label mapping.
pub(crate) struct RawGraph {
    pub(crate) num_nodes: usize,
    pub(crate) edges: Vec<(usize, usize)>,
    /// Edge categories, already mapped to `0..categories`.
    pub(crate) edge_labels: Option<Vec<u32>>,
    pub(crate) node_labels: Option<Vec<i64>>,
    pub(crate) attributes: Option<Vec<Vec<f32>>>,
    pub(crate) label: i64,
}

pub(crate) fn finish(name: String, raw: Vec<RawGraph>, source: &Path) -> Result<GraphDataset> {
    let class_values = index_values(raw.iter().map(|g| g.label));
    let node_label_values = index_values(
        raw.iter()
            .flat_map(|g| g.node_labels.iter().flatten().copied()),
    );
    let mut graphs = Vec::with_capacity(raw.len());
    for graph in raw {
        let mut built = Graph::from_edges(graph.num_nodes, graph.edges, Direction::Undirected)
            .map_err(|source_error| DatasetError::Graph {
                path: source.to_path_buf(),
                source: source_error,
            })?
            .with_graph_label(position(&class_values, graph.label));
        if let Some(labels) = graph.node_labels {
            built = attach(
                source,
                built.with_node_labels(
                    labels
                        .iter()
                        .map(|&l| position(&node_label_values, l))
                        .collect(),
                ),
            )?;
        }
        if let Some(labels) = graph.edge_labels {
            built = attach(
                source,
                built.with_edge_labels(
                    labels
                        .iter()
                        .map(|&category| EdgeLabel::Category(category))
                        .collect(),
                ),
            )?;
        }
        if let Some(rows) = graph.attributes
            && rows.first().is_some_and(|r| !r.is_empty())
        {
            let width = rows[0].len();
            let features = attach(
                source,
                FeatureMatrix::dense(rows.len(), width, rows.concat()),
            )?;
            built = attach(source, built.with_node_features(features))?;
        }
        graphs.push(built);
    }
    Ok(GraphDataset {
        name,
        graphs,
        class_values,
        node_label_values,
    })
}

/// A graph-model error, attributed to the file or folder being read.
fn attach<T>(path: &Path, result: cinder_graph::Result<T>) -> Result<T> {
    result.map_err(|source| DatasetError::Graph {
        path: path.to_path_buf(),
        source,
    })
}

/// Keeps each undirected edge once (`u <= v`), dropping the mirrored duplicate.
pub(crate) fn undirected_once(
    pairs: impl IntoIterator<Item = (usize, usize)>,
) -> Vec<(usize, usize)> {
    let mut edges: Vec<(usize, usize)> = pairs
        .into_iter()
        .map(|(u, v)| (u.min(v), u.max(v)))
        .collect();
    edges.sort_unstable();
    edges.dedup();
    edges
}

/// Reads the official TU format: `<directory>/<name>_A.txt` and its companions. Ids and labels
/// must be integers (`nan` or `0.5` is an error naming file and line); the optional label and
/// attribute files must have one line per node (per edge line for edge labels).
pub fn load_tu(directory: &Path, name: &str) -> Result<GraphDataset> {
    let file = |part: &str| directory.join(format!("{name}_{part}.txt"));
    let optional = |part: &str| file(part).exists().then(|| file(part));
    let indicator_path = file("graph_indicator");
    let labels = integers(&file("graph_labels"), "graph label")?;
    let num_graphs = labels.len();
    let indicator = integers(&indicator_path, "graph id")?
        .into_iter()
        .enumerate()
        .map(|(line, g)| match usize::try_from(g) {
            Ok(g) if (1..=num_graphs).contains(&g) => Ok(g),
            _ => Err(format_error(
                &indicator_path,
                line + 1,
                format!("graph id {g} is not in 1..={num_graphs}"),
            )),
        })
        .collect::<Result<Vec<usize>>>()?;
    let per_node = |path: Option<PathBuf>, what: &str| -> Result<Option<Vec<i64>>> {
        let Some(path) = path else { return Ok(None) };
        let values = integers(&path, what)?;
        same_length(&path, values.len(), indicator.len(), "nodes")?;
        Ok(Some(values))
    };
    let node_labels = per_node(optional("node_labels"), "node label")?;
    let attributes = match optional("node_attributes") {
        Some(path) => {
            let rows = numbers(&path)?;
            same_length(&path, rows.len(), indicator.len(), "nodes")?;
            Some(rows)
        }
        None => None,
    };
    let edges_path = file("A");
    let edge_rows = numbers(&edges_path)?;
    let edge_labels = match optional("edge_labels") {
        Some(path) => {
            let values = integers(&path, "edge label")?;
            same_length(
                &path,
                values.len(),
                edge_rows.len(),
                "lines of the edge file",
            )?;
            Some(values)
        }
        None => None,
    };
    // Edge labels are categories: mapped through their distinct values, like node labels, so a
    // stray 4e9 cannot make four billion relation types.
    let edge_label_values = index_values(edge_labels.iter().flatten().copied());
    // Nodes of graph g are contiguous in the TU format; their local ids start at the first one.
    let mut first_node = vec![usize::MAX; num_graphs];
    let mut counts = vec![0usize; num_graphs];
    for (node, &g) in indicator.iter().enumerate() {
        first_node[g - 1] = first_node[g - 1].min(node);
        counts[g - 1] += 1;
    }
    let mut raw: Vec<RawGraph> = (0..num_graphs)
        .map(|g| RawGraph {
            num_nodes: counts[g],
            edges: Vec::new(),
            edge_labels: edge_labels.as_ref().map(|_| Vec::new()),
            node_labels: node_labels.as_ref().map(|_| Vec::new()),
            attributes: attributes.as_ref().map(|_| Vec::new()),
            label: labels[g],
        })
        .collect();
    for (node, &g) in indicator.iter().enumerate() {
        if let (Some(all), Some(mine)) = (&node_labels, raw[g - 1].node_labels.as_mut()) {
            mine.push(all[node]);
        }
        if let (Some(all), Some(mine)) = (&attributes, raw[g - 1].attributes.as_mut()) {
            mine.push(all[node].iter().map(|&v| v as f32).collect());
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (line, row) in edge_rows.iter().enumerate() {
        let endpoint = |value: &f64| index_below(value - 1.0, indicator.len());
        let (Some(u), Some(v), 2) = (
            row.first().and_then(endpoint),
            row.get(1).and_then(endpoint),
            row.len(),
        ) else {
            return Err(format_error(
                &edges_path,
                line + 1,
                format!("expected two node ids in 1..={}", indicator.len()),
            ));
        };
        let g = indicator[u];
        if indicator[v] != g {
            return Err(format_error(
                &edges_path,
                line + 1,
                format!("edge joins graphs {g} and {}", indicator[v]),
            ));
        }
        let (a, b) = (u.min(v) - first_node[g - 1], u.max(v) - first_node[g - 1]);
        if seen.insert((g, a, b)) {
            raw[g - 1].edges.push((a, b));
            if let (Some(all), Some(mine)) = (&edge_labels, raw[g - 1].edge_labels.as_mut()) {
                mine.push(position(&edge_label_values, all[line]) as u32);
            }
        }
    }
    finish(name.to_string(), raw, directory)
}

/// Every non-blank line of a comma-separated file as numbers.
fn numbers(path: &Path) -> Result<Vec<Vec<f64>>> {
    read_text(path)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            l.split(',')
                .map(|f| {
                    f.trim().parse::<f64>().map_err(|_| {
                        format_error(path, i + 1, format!("{:?} is not a number", f.trim()))
                    })
                })
                .collect()
        })
        .collect()
}

/// The first field of every non-blank line as an integer; `what` names it in errors.
fn integers(path: &Path, what: &str) -> Result<Vec<i64>> {
    read_text(path)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let field = l.split(',').next().unwrap_or("").trim();
            parse_integer(field).ok_or_else(|| {
                invalid_value(
                    path,
                    format!("line {}", i + 1),
                    field,
                    format!("a {what} (an integer)"),
                )
            })
        })
        .collect()
}

/// An error unless a per-node (or per-edge) file has one line per node (edge).
fn same_length(path: &Path, lines: usize, expected: usize, per: &str) -> Result<()> {
    if lines == expected {
        return Ok(());
    }
    Err(DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!("{lines} lines, but there are {expected} {per}"),
    })
}
