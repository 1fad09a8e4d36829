//! MUSAE social networks (Rozemberczki et al. 2019; e.g. Twitch-EN): `<P>_edges.csv` (`from,to`),
//! `<P>_target.csv` (a `new_id` node-id column plus target columns such as `mature`) and `<P>.json`
//! (`{"node": [feature ids]}`, sparse binary features).

use std::collections::HashMap;
use std::path::Path;

use cinder_graph::{Direction, FeatureMatrix, Graph};

use crate::checked::declared_size;
use crate::error::{DatasetError, Result};

fn format_error(path: &Path, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(file))
}

/// Loads a MUSAE graph with prefix `prefix` (e.g. `ENGB`) from `directory`, using `target` (a column
/// of the target file, e.g. `mature`) as the node label: booleans become 0/1, integers are mapped
/// to `0..classes` in sorted order.
pub fn load_musae(directory: &Path, prefix: &str, target: &str) -> Result<Graph> {
    let target_path = directory.join(format!("{prefix}_target.csv"));
    let mut reader = open_csv(&target_path)?;
    let headers = reader
        .headers()
        .map_err(|e| format_error(&target_path, e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            format_error(
                &target_path,
                format!(
                    "no column {name:?}; columns are {}",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    let (id_column, target_column) = (column("new_id")?, column(target)?);
    let mut raw_labels: Vec<(usize, i64)> = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record = record.map_err(|e| format_error(&target_path, format!("line {line}: {e}")))?;
        let id = record
            .get(id_column)
            .and_then(|v| v.trim().parse::<usize>().ok());
        let value = record
            .get(target_column)
            .map(str::trim)
            .and_then(|v| match v {
                "True" | "true" => Some(1),
                "False" | "false" => Some(0),
                other => other.parse::<i64>().ok(),
            });
        match (id, value) {
            (Some(id), Some(value)) => raw_labels.push((id, value)),
            _ => {
                return Err(format_error(
                    &target_path,
                    format!("line {line}: node id or {target:?} is not readable"),
                ));
            }
        }
    }
    // Ids are 0..rows, one row each: an id beyond the row count is refused before anything is
    // sized by it (one stray 4e9 would otherwise ask for a 32 GB label table).
    let num_nodes = raw_labels.len();
    if let Some(row) = raw_labels.iter().position(|&(id, _)| id >= num_nodes) {
        return Err(declared_size(
            &target_path,
            format!("line {}", row + 2),
            format!("node id {}", raw_labels[row].0),
            format!("the file has {num_nodes} rows (ids must be 0..{num_nodes})"),
        ));
    }
    let mut classes: Vec<i64> = raw_labels.iter().map(|&(_, v)| v).collect();
    classes.sort_unstable();
    classes.dedup();
    let mut labels = vec![usize::MAX; num_nodes];
    for &(id, value) in &raw_labels {
        labels[id] = classes.binary_search(&value).unwrap_or(0);
    }
    if let Some(missing) = labels.iter().position(|&l| l == usize::MAX) {
        return Err(format_error(
            &target_path,
            format!("node {missing} has no row (ids must be 0..{num_nodes})"),
        ));
    }

    let edges_path = directory.join(format!("{prefix}_edges.csv"));
    let mut edges = Vec::new();
    for (row, record) in open_csv(&edges_path)?.records().enumerate() {
        let line = row + 2;
        let record = record.map_err(|e| format_error(&edges_path, format!("line {line}: {e}")))?;
        let endpoint = |i: usize| {
            record
                .get(i)
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&n| n < num_nodes)
        };
        match (endpoint(0), endpoint(1)) {
            (Some(u), Some(v)) => edges.push((u, v)),
            _ => {
                return Err(format_error(
                    &edges_path,
                    format!("line {line}: endpoints must be node ids below {num_nodes}"),
                ));
            }
        }
    }

    let features_path = directory.join(format!("{prefix}.json"));
    let text = std::fs::read_to_string(&features_path).map_err(|source| DatasetError::Io {
        path: features_path.clone(),
        source,
    })?;
    let map: HashMap<String, Vec<u32>> =
        serde_json::from_str(&text).map_err(|e| format_error(&features_path, e.to_string()))?;
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); num_nodes];
    for (key, mut ids) in map {
        let node = key
            .parse::<usize>()
            .ok()
            .filter(|&n| n < num_nodes)
            .ok_or_else(|| {
                format_error(
                    &features_path,
                    format!("key {key:?} is not a node id below {num_nodes}"),
                )
            })?;
        ids.sort_unstable();
        ids.dedup();
        rows[node] = ids;
    }
    let width = rows
        .iter()
        .flatten()
        .map(|&f| f as usize + 1)
        .max()
        .unwrap_or(0);
    let mut indptr = vec![0usize];
    let mut indices = Vec::new();
    for row in &rows {
        indices.extend_from_slice(row);
        indptr.push(indices.len());
    }
    let data = vec![1.0f32; indices.len()];
    let matrix = sprs::CsMatI::<f32, u32, usize>::new((num_nodes, width), indptr, indices, data);
    let attach = |e| DatasetError::Graph {
        path: directory.to_path_buf(),
        source: e,
    };
    Graph::from_edges(num_nodes, edges, Direction::Undirected)
        .and_then(|g| g.with_node_features(FeatureMatrix::Sparse(matrix)))
        .and_then(|g| g.with_node_labels(labels))
        .map_err(attach)
}
