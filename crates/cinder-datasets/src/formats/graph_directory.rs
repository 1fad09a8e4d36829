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

use cinder_graph::{Direction, FeatureMatrix, Graph, InNeighbours, NodeSplit};

use crate::arrays::npy::{NpyArray, read_npy};
use crate::arrays::npy_stream::NpyFile;
use crate::checked::{index_below, invalid_value, shown};
use crate::error::{DatasetError, Result};

/// A node-classification graph read from a graph directory.
#[derive(Debug, Clone)]
pub struct GraphDirectory {
    /// The graph: edges exactly as listed (directed, since both directions are stored), dense
    /// features and labels.
    pub graph: Graph,
    /// Train/validation/test nodes from `split`.
    pub split: NodeSplit,
}

/// Reads a graph directory. Edge endpoints and labels must be integers below the node count (a
/// class index beyond the node count is refused: it would size per-class tables by itself), split
/// codes exactly -1, 0, 1 or 2.
pub fn load_graph_directory(directory: &Path) -> Result<GraphDirectory> {
    let edges = read_item(directory, "edge_index", "edges.csv", true)?;
    let features = read_item(directory, "x", "features.csv", false)?;
    let labels = read_item(directory, "y", "labels.csv", false)?;
    let split = read_item(directory, "split", "split.csv", false)?;

    let num_edges = match edges.array.shape.as_slice() {
        [2, e] => *e,
        shape => {
            return Err(format_error(
                &edges.path,
                format!("edge_index must have shape [2, E], found {shape:?}"),
            ));
        }
    };
    let (num_nodes, width) = match features.array.shape.as_slice() {
        [n, f] => (*n, *f),
        [n] => (*n, 1),
        shape => {
            return Err(format_error(
                &features.path,
                format!("features must be [N, F], found {shape:?}"),
            ));
        }
    };
    let node_id = format!("a node id in 0..{num_nodes}");
    let mut pairs = Vec::with_capacity(num_edges);
    for k in 0..num_edges {
        let source = edges.index(k, num_nodes, &node_id)?;
        let target = edges.index(num_edges + k, num_nodes, &node_id)?;
        pairs.push((source, target));
    }
    let labels = node_labels(&labels, num_nodes)?;
    let node_split = node_split(&split, num_nodes)?;
    let values: Vec<f32> = features.array.values.iter().map(|&v| v as f32).collect();
    let graph = Graph::from_edges(num_nodes, pairs, Direction::Directed)
        .and_then(|g| g.with_node_features(FeatureMatrix::dense(num_nodes, width, values)?))
        .and_then(|g| g.with_node_labels(labels))
        .map_err(|source| DatasetError::Graph {
            path: directory.to_path_buf(),
            source,
        })?;
    Ok(GraphDirectory {
        graph,
        split: node_split,
    })
}

/// The labels item as class indices below the node count.
fn node_labels(labels: &Item, num_nodes: usize) -> Result<Vec<usize>> {
    if labels.array.values.len() != num_nodes {
        return Err(format_error(
            &labels.path,
            format!("{} labels for {num_nodes} nodes", labels.array.values.len()),
        ));
    }
    let class = format!("a class index: an integer in 0..{num_nodes} (the node count)");
    (0..num_nodes)
        .map(|node| labels.index(node, num_nodes, &class))
        .collect()
}

/// The split item as train / validation / test node lists.
fn node_split(split: &Item, num_nodes: usize) -> Result<NodeSplit> {
    if split.array.values.len() != num_nodes {
        return Err(format_error(
            &split.path,
            format!(
                "{} split entries for {num_nodes} nodes",
                split.array.values.len()
            ),
        ));
    }
    let mut node_split = NodeSplit::default();
    for (node, &part) in split.array.values.iter().enumerate() {
        let part = match part {
            0.0 => &mut node_split.train,
            1.0 => &mut node_split.validation,
            2.0 => &mut node_split.test,
            -1.0 => continue,
            _ => {
                return Err(invalid_value(
                    &split.path,
                    split.location(node),
                    shown(part),
                    "a split code: 0 train, 1 validation, 2 test or -1 none",
                ));
            }
        };
        part.push(node);
    }
    Ok(node_split)
}

/// A graph directory read lean, for neighbour sampling on graphs of millions of nodes: the
/// in-neighbour CSR (`u32` ids) instead of an edge list, dense `f32` features, labels, split.
#[derive(Debug, Clone)]
pub struct GraphDirectoryCsr {
    /// The in-edges of every node (as listed: an undirected graph stores both directions).
    pub neighbours: InNeighbours,
    /// Node features.
    pub features: FeatureMatrix,
    /// Class of every node.
    pub labels: Vec<usize>,
    /// Train/validation/test nodes.
    pub split: NodeSplit,
    /// Edges listed in the files.
    pub num_edges: usize,
}

/// Reads a graph directory into a [`GraphDirectoryCsr`]. With `edge_index.npy` and `x.npy`
/// nothing large is held twice: `edge_index` is streamed twice from disk (destination counts,
/// then the fill) straight into the CSR, `x` is read straight into its final `f32` buffer.
/// An ogbn-products-sized directory (2.4M nodes, 123.7M stored edges, 100 features) then
/// needs about 1.5 GB. CSV directories are read by [`load_graph_directory`] and converted.
/// Errors as [`load_graph_directory`]'s: an endpoint out of range names its `[row, column]`.
pub fn load_graph_directory_csr(directory: &Path) -> Result<GraphDirectoryCsr> {
    let edges_path = directory.join("edge_index.npy");
    let features_path = directory.join("x.npy");
    if !(edges_path.exists() && features_path.exists()) {
        let loaded = load_graph_directory(directory)?;
        let graph_error = |source| DatasetError::Graph {
            path: directory.to_path_buf(),
            source,
        };
        let neighbours = InNeighbours::from_graph(&loaded.graph).map_err(graph_error)?;
        let graph = loaded.graph;
        return Ok(GraphDirectoryCsr {
            neighbours,
            features: graph.features_or_identity(),
            labels: graph
                .node_labels()
                .map(<[usize]>::to_vec)
                .unwrap_or_default(),
            split: loaded.split,
            num_edges: graph.num_edges(),
        });
    }
    let x = NpyFile::open(&features_path)?;
    let (num_nodes, width) = match x.header.shape.as_slice() {
        [n, f] => (*n, *f),
        [n] => (*n, 1),
        shape => {
            return Err(format_error(
                &features_path,
                format!("features must be [N, F], found {shape:?}"),
            ));
        }
    };
    if num_nodes > u32::MAX as usize {
        return Err(format_error(
            &features_path,
            format!(
                "{num_nodes} nodes exceed the {} node ids of the CSR",
                u32::MAX
            ),
        ));
    }
    let edges = NpyFile::open(&edges_path)?;
    let num_edges = match edges.header.shape.as_slice() {
        [2, e] => *e,
        shape => {
            return Err(format_error(
                &edges_path,
                format!("edge_index must have shape [2, E], found {shape:?}"),
            ));
        }
    };
    let node_id = format!("a node id in 0..{num_nodes}");
    let endpoint = |position: usize, value: f64| {
        index_below(value, num_nodes).ok_or_else(|| {
            let (row, column) = (position / num_edges.max(1), position % num_edges.max(1));
            invalid_value(
                &edges_path,
                format!("[{row}, {column}]"),
                shown(value),
                &node_id,
            )
        })
    };
    let mut degrees = vec![0u64; num_nodes];
    edges.for_each(num_edges, num_edges, |position, value| {
        degrees[endpoint(position, value)?] += 1;
        Ok(())
    })?;
    let mut builder = InNeighbours::builder(&degrees);
    drop(degrees);
    let chunk = 1 << 20;
    let mut sources = Vec::with_capacity(chunk);
    for start in (0..num_edges).step_by(chunk) {
        let take = chunk.min(num_edges - start);
        sources.clear();
        edges.for_each(start, take, |position, value| {
            sources.push(endpoint(position, value)? as u32);
            Ok(())
        })?;
        let mut sources = sources.iter();
        edges.for_each(num_edges + start, take, |_, value| {
            // Checked in the first pass.
            if let Some(&source) = sources.next() {
                builder.push(value as u32, source);
            }
            Ok(())
        })?;
    }
    let neighbours = builder.finish();
    let values = x.to_f32()?;
    let features =
        FeatureMatrix::dense(num_nodes, width, values).map_err(|source| DatasetError::Graph {
            path: features_path.clone(),
            source,
        })?;
    let labels = node_labels(&read_item(directory, "y", "labels.csv", false)?, num_nodes)?;
    let split = node_split(
        &read_item(directory, "split", "split.csv", false)?,
        num_nodes,
    )?;
    Ok(GraphDirectoryCsr {
        neighbours,
        features,
        labels,
        split,
        num_edges,
    })
}

fn format_error(path: &Path, reason: String) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason,
    }
}

/// One item of the directory: its file, its values, and for CSV files the line of each row.
struct Item {
    path: PathBuf,
    array: NpyArray,
    /// `Some(lines)` for CSV: `lines[r]` is the 1-based line of row `r`.
    lines: Option<Vec<usize>>,
    /// CSV edges are stored transposed (one `src,dst` pair per line, `edge_index` is `[2, E]`).
    transposed: bool,
}

impl Item {
    /// Where value `position` (in `array.values` order) sits in the file, for errors.
    fn location(&self, position: usize) -> String {
        let Some(lines) = &self.lines else {
            // The element's index in the array, e.g. `[1, 7]` for the target of edge 7.
            let mut rest = position;
            let mut index: Vec<String> = Vec::with_capacity(self.array.shape.len());
            for &dimension in self.array.shape.iter().rev() {
                index.push((rest % dimension.max(1)).to_string());
                rest /= dimension.max(1);
            }
            index.reverse();
            return format!("[{}]", index.join(", "));
        };
        let rows = lines.len().max(1);
        let row = if self.transposed {
            position % rows
        } else {
            position / (self.array.values.len() / rows).max(1)
        };
        lines.get(row).map_or_else(
            || format!("entry {position}"),
            |line| format!("line {line}"),
        )
    }

    /// Value `position` as an index below `bound`, or an error showing the value the file holds.
    fn index(&self, position: usize, bound: usize, expected: &str) -> Result<usize> {
        let value = self.array.values[position];
        index_below(value, bound).ok_or_else(|| {
            invalid_value(&self.path, self.location(position), shown(value), expected)
        })
    }
}

/// `<stem>.npy` if present, else the CSV file (as a 1-D or 2-D array).
fn read_item(directory: &Path, stem: &str, csv_name: &str, transpose_csv: bool) -> Result<Item> {
    let npy_path = directory.join(format!("{stem}.npy"));
    if npy_path.exists() {
        return Ok(Item {
            array: read_npy(&npy_path)?,
            path: npy_path,
            lines: None,
            transposed: false,
        });
    }
    let csv_path = directory.join(csv_name);
    if !csv_path.exists() {
        return Err(DatasetError::MissingInPath {
            path: directory.to_path_buf(),
            what: format!("{stem}.npy or {csv_name}"),
        });
    }
    let text = std::fs::read_to_string(&csv_path).map_err(|source| DatasetError::Io {
        path: csv_path.clone(),
        source,
    })?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut lines = Vec::new();
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
        lines.push(number + 1);
    }
    let width = rows.first().map_or(0, Vec::len);
    let array = if transpose_csv {
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
    Ok(Item {
        path: csv_path,
        array,
        lines: Some(lines),
        transposed: transpose_csv,
    })
}
