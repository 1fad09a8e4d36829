//! cinder's generic CSV graph format: a folder with `edges.csv` and, optionally, `nodes.csv`.
//!
//! - `edges.csv`: `source,target[,weight][,type]`. `type` is a bond name (`single`, `double`,
//!   `triple`, `aromatic`) or any category.
//! - `nodes.csv`: `id[,label][,feature…]`. Ids may be any strings; edges refer to them. Without
//!   `nodes.csv`, nodes are the ids seen in `edges.csv`, numbered in order of appearance.
//!
//! A first row whose first field is a column name (`id`, `node`, `source`, `src`, `from`) is a
//! header, and then columns are found by name (`label`, `weight`, `type`; every other column of
//! `nodes.csv` is a feature). Without a header, columns are positional as above (a third edge
//! column is the weight; nodes: id, label, features). Lines starting with `#` are comments.

use std::collections::HashMap;
use std::path::Path;

use cinder_graph::{BondType, Direction, EdgeLabel, FeatureMatrix, Graph};

use crate::error::{DatasetError, Result};

const HEADER_NAMES: [&str; 5] = ["id", "node", "source", "src", "from"];

fn format_error(path: &Path, line: usize, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!("line {line}: {}", reason.into()),
    }
}

/// One data row: its line number and fields.
type Row = (usize, Vec<String>);

/// Rows of a CSV file with their line numbers, and the header (lower-cased) if the file has one.
fn read_rows(path: &Path) -> Result<(Option<Vec<String>>, Vec<Row>)> {
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rows: Vec<Row> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (i + 1, l.split(',').map(|f| f.trim().to_string()).collect()))
        .collect();
    let has_header = rows
        .first()
        .is_some_and(|(_, r)| HEADER_NAMES.contains(&r[0].to_lowercase().as_str()));
    let header = has_header.then(|| rows.remove(0).1.iter().map(|h| h.to_lowercase()).collect());
    Ok((header, rows))
}

fn edge_label(value: &str, categories: &mut HashMap<String, u32>) -> EdgeLabel {
    match value.to_lowercase().as_str() {
        "single" | "1" => EdgeLabel::Bond(BondType::Single),
        "double" | "2" => EdgeLabel::Bond(BondType::Double),
        "triple" | "3" => EdgeLabel::Bond(BondType::Triple),
        "aromatic" | "4" => EdgeLabel::Bond(BondType::Aromatic),
        other => {
            let next = categories.len() as u32;
            EdgeLabel::Category(*categories.entry(other.to_string()).or_insert(next))
        }
    }
}

/// Loads `directory/edges.csv` (and `nodes.csv` if present).
pub fn load_csv_graph(directory: &Path, direction: Direction) -> Result<Graph> {
    let nodes_path = directory.join("nodes.csv");
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut labels: Option<Vec<String>> = None;
    let mut features: Vec<Vec<f32>> = Vec::new();
    if nodes_path.exists() {
        let (header, rows) = read_rows(&nodes_path)?;
        let label_column = match &header {
            Some(h) => h.iter().position(|c| c == "label"),
            None => rows.first().and_then(|(_, r)| (r.len() > 1).then_some(1)),
        };
        labels = label_column.map(|_| Vec::new());
        for (line, row) in &rows {
            if ids.insert(row[0].clone(), order.len()).is_some() {
                return Err(format_error(
                    &nodes_path,
                    *line,
                    format!("node id {:?} appears twice", row[0]),
                ));
            }
            order.push(row[0].clone());
            if let (Some(column), Some(labels)) = (label_column, labels.as_mut()) {
                labels.push(row.get(column).cloned().unwrap_or_default());
            }
            let values = row
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != 0 && Some(i) != label_column)
                .map(|(_, v)| {
                    v.parse::<f32>().map_err(|_| {
                        format_error(&nodes_path, *line, format!("feature {v:?} is not a number"))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            if let Some(first) = features.first()
                && first.len() != values.len()
            {
                return Err(format_error(
                    &nodes_path,
                    *line,
                    format!("{} features, expected {}", values.len(), first.len()),
                ));
            }
            features.push(values);
        }
    }

    let edges_path = directory.join("edges.csv");
    let (header, rows) = read_rows(&edges_path)?;
    let column = |name: &str, fallback: Option<usize>| match &header {
        Some(h) => h.iter().position(|c| c == name),
        None => fallback,
    };
    let weight_column = column(
        "weight",
        rows.first().and_then(|(_, r)| (r.len() > 2).then_some(2)),
    );
    let type_column = column(
        "type",
        rows.first().and_then(|(_, r)| (r.len() > 3).then_some(3)),
    );
    let fixed_nodes = nodes_path.exists();
    let mut edges = Vec::with_capacity(rows.len());
    let mut weights = Vec::new();
    let mut types = Vec::new();
    let mut categories = HashMap::new();
    for (line, row) in &rows {
        if row.len() < 2 {
            return Err(format_error(
                &edges_path,
                *line,
                "expected at least `source,target`",
            ));
        }
        let mut endpoint = |id: &String| -> Result<usize> {
            if let Some(&index) = ids.get(id) {
                return Ok(index);
            }
            if fixed_nodes {
                return Err(format_error(
                    &edges_path,
                    *line,
                    format!("node {id:?} is not in nodes.csv"),
                ));
            }
            ids.insert(id.clone(), order.len());
            order.push(id.clone());
            Ok(order.len() - 1)
        };
        edges.push((endpoint(&row[0])?, endpoint(&row[1])?));
        if let Some(column) = weight_column {
            let value = row.get(column).and_then(|v| v.parse::<f32>().ok());
            weights.push(
                value.ok_or_else(|| format_error(&edges_path, *line, "weight is not a number"))?,
            );
        }
        if let Some(column) = type_column {
            types.push(edge_label(
                row.get(column).map_or("", String::as_str),
                &mut categories,
            ));
        }
    }
    let attach = |source| DatasetError::Graph {
        path: directory.to_path_buf(),
        source,
    };
    let mut graph = Graph::from_edges(order.len(), edges, direction).map_err(attach)?;
    if weight_column.is_some() {
        graph = graph.with_edge_weights(weights).map_err(attach)?;
    }
    if type_column.is_some() {
        graph = graph.with_edge_labels(types).map_err(attach)?;
    }
    if let Some(labels) = labels {
        let mut classes: Vec<&String> = labels.iter().collect();
        classes.sort_unstable_by(|a, b| match (a.parse::<i64>(), b.parse::<i64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.cmp(b),
        });
        classes.dedup();
        let indices = labels
            .iter()
            .map(|l| classes.iter().position(|c| *c == l).unwrap_or(0))
            .collect();
        graph = graph.with_node_labels(indices).map_err(attach)?;
    }
    if features.first().is_some_and(|f| !f.is_empty()) {
        let width = features[0].len();
        let matrix =
            FeatureMatrix::dense(features.len(), width, features.concat()).map_err(attach)?;
        graph = graph.with_node_features(matrix).map_err(attach)?;
    }
    Ok(graph)
}
/// Writes `graph` in cinder's CSV format into `directory` (created if needed): `nodes.csv` with
/// `id,label,f0,…` (ids are `ids` or the node indices; labels are `class_names[label]` or the
/// label index; dense features only) and `edges.csv` with `source,target[,weight]`. Each file is
/// written to a temporary name and renamed into place.
pub fn write_csv_graph(
    graph: &Graph,
    ids: Option<&[String]>,
    class_names: Option<&[String]>,
    directory: &Path,
) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DatasetError::Io { path, source }
    };
    std::fs::create_dir_all(directory).map_err(io(directory))?;
    let clean = |text: &str| text.replace([',', '\n', '\r'], " ");
    let id = |i: usize| ids.map_or_else(|| i.to_string(), |ids| clean(&ids[i]));
    let features = match graph.node_features() {
        Some(cinder_graph::FeatureMatrix::Dense(dense)) => Some(dense),
        Some(_) => {
            return Err(DatasetError::Format {
                path: directory.join("nodes.csv"),
                reason: "only dense node features can be written".into(),
            });
        }
        None => None,
    };
    let mut nodes = String::from("id");
    if graph.node_labels().is_some() {
        nodes.push_str(",label");
    }
    if let Some(features) = features {
        for c in 0..features.columns() {
            nodes.push_str(&format!(",f{c}"));
        }
    }
    nodes.push('\n');
    for i in 0..graph.num_nodes() {
        nodes.push_str(&id(i));
        if let Some(labels) = graph.node_labels() {
            let label = labels[i];
            let name = class_names
                .and_then(|names| names.get(label))
                .map_or_else(|| label.to_string(), |n| clean(n));
            nodes.push(',');
            nodes.push_str(&name);
        }
        if let Some(features) = features {
            for value in features.row(i) {
                nodes.push_str(&format!(",{value}"));
            }
        }
        nodes.push('\n');
    }
    let mut edges = String::from(if graph.edge_weights().is_some() {
        "source,target,weight\n"
    } else {
        "source,target\n"
    });
    for (e, (s, t)) in graph.edges().enumerate() {
        edges.push_str(&id(s));
        edges.push(',');
        edges.push_str(&id(t));
        if let Some(weights) = graph.edge_weights() {
            edges.push_str(&format!(",{}", weights[e]));
        }
        edges.push('\n');
    }
    for (name, text) in [("nodes.csv", nodes), ("edges.csv", edges)] {
        let path = directory.join(name);
        let temporary = directory.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&temporary, text).map_err(io(&path))?;
        std::fs::rename(&temporary, &path).map_err(io(&path))?;
    }
    Ok(())
}
