//! Graph-classification benchmarks (TU Dortmund collection) in their two common formats:
//!
//! - the official TU format: `DS_A.txt` (1-based `i, j` edges, both directions),
//!   `DS_graph_indicator.txt`, `DS_graph_labels.txt`, and optionally `DS_node_labels.txt`,
//!   `DS_edge_labels.txt`, `DS_node_attributes.txt`;
//! - the GIN/DGCNN text format (`DS.txt`: a graph count, then per graph `n label` and per node
//!   `tag degree neighbours… [attributes…]`), with its fixed `10fold_idx/{train,test}_idx-K.txt`.
//!
//! Both give undirected graphs (each edge once), node labels mapped to `0..num_node_labels` and
//! graph labels mapped to `0..num_classes` in sorted order of the raw values.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cinder_graph::{Direction, EdgeLabel, FeatureMatrix, Fold, Graph};

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

fn format_error(path: &Path, line: usize, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!("line {line}: {}", reason.into()),
    }
}

fn read_text(path: &Path) -> Result<String> {
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
struct RawGraph {
    num_nodes: usize,
    edges: Vec<(usize, usize)>,
    edge_labels: Option<Vec<i64>>,
    node_labels: Option<Vec<i64>>,
    attributes: Option<Vec<Vec<f32>>>,
    label: i64,
}

fn finish(name: String, raw: Vec<RawGraph>, source: &Path) -> Result<GraphDataset> {
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
                        .map(|&l| EdgeLabel::Category(l.max(0) as u32))
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
fn undirected_once(pairs: impl IntoIterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    let mut edges: Vec<(usize, usize)> = pairs
        .into_iter()
        .map(|(u, v)| (u.min(v), u.max(v)))
        .collect();
    edges.sort_unstable();
    edges.dedup();
    edges
}

/// Reads the GIN/DGCNN text format (`MUTAG.txt`).
pub fn load_gin_text(path: &Path) -> Result<GraphDataset> {
    let text = read_text(path)?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let mut next = |what: &str| -> Result<(usize, Vec<&str>)> {
        lines
            .next()
            .map(|(n, l)| (n, l.split_whitespace().collect()))
            .ok_or_else(|| {
                format_error(
                    path,
                    text.lines().count(),
                    format!("file ends where {what} was expected"),
                )
            })
    };
    let parse = |line: usize, field: &str, what: &str| -> Result<i64> {
        field
            .parse()
            .map_err(|_| format_error(path, line, format!("{what} {field:?} is not an integer")))
    };
    let (line, header) = next("the number of graphs")?;
    let count = parse(line, header.first().copied().unwrap_or(""), "graph count")?.max(0) as usize;
    // Counts come from the file: reserve no more than its lines could hold.
    let mut raw = Vec::with_capacity(count.min(text.len()));
    for graph in 0..count {
        let (line, fields) = next(&format!("the header of graph {graph}"))?;
        if fields.len() < 2 {
            return Err(format_error(
                path,
                line,
                format!("graph {graph}: expected `nodes label`"),
            ));
        }
        let num_nodes = parse(line, fields[0], "node count")?.max(0) as usize;
        let label = parse(line, fields[1], "graph label")?;
        let mut tags = Vec::with_capacity(num_nodes.min(text.len()));
        let mut pairs = Vec::new();
        let mut attributes = Vec::with_capacity(num_nodes.min(text.len()));
        for node in 0..num_nodes {
            let (line, fields) = next(&format!("node {node} of graph {graph}"))?;
            if fields.len() < 2 {
                return Err(format_error(
                    path,
                    line,
                    format!("graph {graph}, node {node}: expected `tag degree neighbours…`"),
                ));
            }
            tags.push(parse(line, fields[0], "node tag")?);
            let degree = parse(line, fields[1], "neighbour count")?.max(0) as usize;
            if fields.len() < 2 + degree {
                return Err(format_error(
                    path,
                    line,
                    format!(
                        "graph {graph}, node {node}: {degree} neighbours announced, {} given",
                        fields.len() - 2
                    ),
                ));
            }
            for field in &fields[2..2 + degree] {
                let neighbour = parse(line, field, "neighbour")?;
                if neighbour < 0 || neighbour as usize >= num_nodes {
                    return Err(format_error(
                        path,
                        line,
                        format!(
                            "graph {graph}, node {node}: neighbour {neighbour} is not one of its {num_nodes} nodes"
                        ),
                    ));
                }
                pairs.push((node, neighbour as usize));
            }
            let extra = fields[2 + degree..]
                .iter()
                .map(|f| {
                    f.parse::<f32>().map_err(|_| {
                        format_error(path, line, format!("attribute {f:?} is not a number"))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            attributes.push(extra);
        }
        raw.push(RawGraph {
            num_nodes,
            edges: undirected_once(pairs),
            edge_labels: None,
            node_labels: Some(tags),
            attributes: Some(attributes),
            label,
        });
    }
    let name = path
        .file_stem()
        .map_or_else(|| "graphs".into(), |s| s.to_string_lossy().into_owned());
    finish(name, raw, path)
}

/// Reads `10fold_idx/train_idx-K.txt` and `test_idx-K.txt` (0-based graph indices, K = 1..).
pub fn load_folds(directory: &Path, num_graphs: usize) -> Result<Vec<Fold>> {
    let mut folds = Vec::new();
    for k in 1.. {
        let train_path = directory.join(format!("train_idx-{k}.txt"));
        if !train_path.exists() {
            break;
        }
        let read = |path: PathBuf| -> Result<Vec<usize>> {
            read_text(&path)?
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| match l.trim().parse::<usize>() {
                    Ok(index) if index < num_graphs => Ok(index),
                    _ => Err(format_error(
                        &path,
                        i + 1,
                        format!("{:?} is not a graph index below {num_graphs}", l.trim()),
                    )),
                })
                .collect()
        };
        folds.push(Fold {
            train: read(train_path)?,
            test: read(directory.join(format!("test_idx-{k}.txt")))?,
        });
    }
    if folds.is_empty() {
        return Err(DatasetError::NotFound {
            what: "train_idx-1.txt".into(),
            looked_in: directory.display().to_string(),
        });
    }
    Ok(folds)
}

/// Reads the official TU format: `<directory>/<name>_A.txt` and its companions.
pub fn load_tu(directory: &Path, name: &str) -> Result<GraphDataset> {
    let file = |part: &str| directory.join(format!("{name}_{part}.txt"));
    let numbers = |path: &Path| -> Result<Vec<Vec<f64>>> {
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
    };
    let optional = |part: &str| -> Result<Option<Vec<Vec<f64>>>> {
        let path = file(part);
        if path.exists() {
            numbers(&path).map(Some)
        } else {
            Ok(None)
        }
    };
    let indicator_path = file("graph_indicator");
    let indicator: Vec<usize> = numbers(&indicator_path)?
        .iter()
        .map(|r| r[0] as usize)
        .collect();
    let labels: Vec<i64> = numbers(&file("graph_labels"))?
        .iter()
        .map(|r| r[0] as i64)
        .collect();
    let num_graphs = labels.len();
    if let Some((line, &g)) = indicator
        .iter()
        .enumerate()
        .find(|&(_, &g)| g == 0 || g > num_graphs)
    {
        return Err(format_error(
            &indicator_path,
            line + 1,
            format!("graph id {g} is not in 1..={num_graphs}"),
        ));
    }
    let node_labels = optional("node_labels")?;
    let edge_labels = optional("edge_labels")?;
    let attributes = optional("node_attributes")?;
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
            mine.push(all.get(node).map_or(0, |r| r[0] as i64));
        }
        if let (Some(all), Some(mine)) = (&attributes, raw[g - 1].attributes.as_mut()) {
            mine.push(
                all.get(node)
                    .map(|r| r.iter().map(|&v| v as f32).collect())
                    .unwrap_or_default(),
            );
        }
    }
    let edges_path = file("A");
    let mut seen = std::collections::HashSet::new();
    for (line, row) in numbers(&edges_path)?.iter().enumerate() {
        let (u, v) = match row.as_slice() {
            [u, v]
                if *u >= 1.0
                    && *v >= 1.0
                    && (*u as usize) <= indicator.len()
                    && (*v as usize) <= indicator.len() =>
            {
                (*u as usize - 1, *v as usize - 1)
            }
            _ => {
                return Err(format_error(
                    &edges_path,
                    line + 1,
                    format!("expected two node ids in 1..={}", indicator.len()),
                ));
            }
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
                mine.push(all.get(line).map_or(0, |r| r[0] as i64));
            }
        }
    }
    finish(name.to_string(), raw, directory)
}
