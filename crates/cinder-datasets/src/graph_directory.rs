//! The "graph directory" format of the PyG peer benchmark: `edge_index`, `x`, `y` and `split` as
//! `.npy` (preferred) or `.csv` files, so cinder and PyTorch Geometric train on the same files.
//!
//! | item | .npy | .csv |
//! |---|---|---|
//! | edges | `edge_index.npy` int `[2, E]` (both directions listed) | `edges.csv`: `src,dst` per line |
//! | features | `x.npy` float32 `[N, F]` | `features.csv`: N lines of F values |
//! | labels | `y.npy` int `[N]` | `labels.csv`: one class per line |
//! | split | `split.npy` int8 `[N]`: 0 train, 1 val, 2 test, -1 none | `split.csv` |
//!
//! CSV lines starting with `#` are comments.

use std::path::{Path, PathBuf};

use cinder_graph::{Direction, FeatureMatrix, Graph, NodeSplit};

use crate::error::{DatasetError, Result};
use crate::npy::{NpyArray, read_npy};

/// A node-classification graph read from a graph directory.
#[derive(Debug, Clone)]
pub struct GraphDirectory {
    /// The graph: edges exactly as listed (directed, since both directions are stored), dense
    /// features and labels.
    pub graph: Graph,
    /// Train/validation/test nodes from `split`.
    pub split: NodeSplit,
}

/// Reads a graph directory.
pub fn load_graph_directory(directory: &Path) -> Result<GraphDirectory> {
    let edges = read_item(directory, "edge_index", "edges.csv", true)?;
    let features = read_item(directory, "x", "features.csv", false)?;
    let labels = read_item(directory, "y", "labels.csv", false)?;
    let split = read_item(directory, "split", "split.csv", false)?;

    let (edge_path, edges) = edges;
    let num_edges = match edges.shape.as_slice() {
        [2, e] => *e,
        shape => {
            return Err(format_error(
                &edge_path,
                format!("edge_index must have shape [2, E], found {shape:?}"),
            ));
        }
    };
    let (feature_path, features) = features;
    let (num_nodes, width) = match features.shape.as_slice() {
        [n, f] => (*n, *f),
        [n] => (*n, 1),
        shape => {
            return Err(format_error(
                &feature_path,
                format!("features must be [N, F], found {shape:?}"),
            ));
        }
    };
    let to_index = |path: &PathBuf, what: &str, v: f64, position: usize| -> Result<usize> {
        if v < 0.0 || v.fract() != 0.0 {
            return Err(format_error(
                path,
                format!("{what} {position} is {v}, not a node id / class"),
            ));
        }
        Ok(v as usize)
    };
    let mut pairs = Vec::with_capacity(num_edges);
    for k in 0..num_edges {
        let source = to_index(&edge_path, "edge", edges.values[k], k)?;
        let target = to_index(&edge_path, "edge", edges.values[num_edges + k], k)?;
        pairs.push((source, target));
    }
    let (label_path, labels) = labels;
    if labels.values.len() != num_nodes {
        return Err(format_error(
            &label_path,
            format!("{} labels for {num_nodes} nodes", labels.values.len()),
        ));
    }
    let labels = labels
        .values
        .iter()
        .enumerate()
        .map(|(i, &v)| to_index(&label_path, "label of node", v, i))
        .collect::<Result<Vec<_>>>()?;
    let (split_path, split_values) = split;
    if split_values.values.len() != num_nodes {
        return Err(format_error(
            &split_path,
            format!(
                "{} split entries for {num_nodes} nodes",
                split_values.values.len()
            ),
        ));
    }
    let mut split = NodeSplit::default();
    for (node, &part) in split_values.values.iter().enumerate() {
        match part as i64 {
            0 => split.train.push(node),
            1 => split.validation.push(node),
            2 => split.test.push(node),
            -1 => {}
            other => {
                return Err(format_error(
                    &split_path,
                    format!("node {node}: split value {other} is not -1, 0, 1 or 2"),
                ));
            }
        }
    }
    let values: Vec<f32> = features.values.iter().map(|&v| v as f32).collect();
    let graph = Graph::from_edges(num_nodes, pairs, Direction::Directed)
        .and_then(|g| g.with_node_features(FeatureMatrix::dense(num_nodes, width, values)?))
        .and_then(|g| g.with_node_labels(labels))
        .map_err(|source| DatasetError::Graph {
            path: directory.to_path_buf(),
            source,
        })?;
    Ok(GraphDirectory { graph, split })
}

fn format_error(path: &Path, reason: String) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason,
    }
}

/// `<stem>.npy` if present, else the CSV file (as a 1-D or 2-D array).
fn read_item(
    directory: &Path,
    stem: &str,
    csv_name: &str,
    transpose_csv: bool,
) -> Result<(PathBuf, NpyArray)> {
    let npy_path = directory.join(format!("{stem}.npy"));
    if npy_path.exists() {
        return Ok((npy_path.clone(), read_npy(&npy_path)?));
    }
    let csv_path = directory.join(csv_name);
    if !csv_path.exists() {
        return Err(DatasetError::NotFound {
            what: format!("{stem}.npy or {csv_name}"),
            looked_in: directory.display().to_string(),
        });
    }
    let text = std::fs::read_to_string(&csv_path).map_err(|source| DatasetError::Io {
        path: csv_path.clone(),
        source,
    })?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let row = line
            .split(',')
            .map(|field| field.trim().parse::<f64>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| {
                format_error(
                    &csv_path,
                    format!("line {}: {line:?} is not a list of numbers", number + 1),
                )
            })?;
        if let Some(first) = rows.first()
            && first.len() != row.len()
        {
            return Err(format_error(
                &csv_path,
                format!(
                    "line {}: {} values, expected {}",
                    number + 1,
                    row.len(),
                    first.len()
                ),
            ));
        }
        rows.push(row);
    }
    let width = rows.first().map_or(0, Vec::len);
    let array = if transpose_csv {
        // edges.csv lists one (src, dst) pair per line; edge_index is [2, E].
        let mut values: Vec<f64> = rows.iter().map(|r| r[0]).collect();
        values.extend(rows.iter().map(|r| r.get(1).copied().unwrap_or(f64::NAN)));
        NpyArray {
            shape: vec![2, rows.len()],
            values,
        }
    } else if width == 1 {
        NpyArray {
            shape: vec![rows.len()],
            values: rows.concat(),
        }
    } else {
        NpyArray {
            shape: vec![rows.len(), width],
            values: rows.concat(),
        }
    };
    Ok((csv_path, array))
}
