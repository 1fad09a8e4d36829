//! Plain edge lists as SNAP, SEAL and most link-prediction sets ship them: one `src dst` pair per
//! line, separated by a comma, a tab or spaces, with an optional header line and `#` / `%`
//! comment lines. Node ids are any integers (negative, sparse, 64-bit); they are numbered
//! `0..n` in ascending order of id, and the original ids are kept.

use std::collections::HashMap;
use std::path::Path;

use cinder_graph::{Direction, Graph};

use crate::error::{DatasetError, Result};

/// An edge list read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeList {
    /// The graph (nodes numbered by ascending original id), undirected unless asked otherwise.
    pub graph: Graph,
    /// The original id of each node.
    pub node_ids: Vec<i64>,
}

fn format_error(path: &Path, line: usize, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!("line {line}: {}", reason.into()),
    }
}

/// Reads an edge list file (`.csv`, `.tsv`, `.txt`, `.edges`, any name). The first non-comment
/// line is a header when its first two fields are not both integers. Extra columns (weights,
/// timestamps) are ignored. Errors name the file and line.
pub fn load_edge_list(path: &Path, direction: Direction) -> Result<EdgeList> {
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut pairs: Vec<(i64, i64)> = Vec::new();
    let mut seen_data = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        let fields: Vec<&str> = line
            .split([',', '\t', ' ', ';'])
            .filter(|f| !f.is_empty())
            .collect();
        if fields.len() < 2 {
            return Err(format_error(
                path,
                number,
                format!(
                    "{line:?} has {} field(s); an edge is `source target`",
                    fields.len()
                ),
            ));
        }
        let parse = |field: &str| field.trim_matches('"').parse::<i64>();
        match (parse(fields[0]), parse(fields[1])) {
            (Ok(source), Ok(target)) => {
                pairs.push((source, target));
                seen_data = true;
            }
            _ if !seen_data => seen_data = true, // the header
            (source, _) => {
                let bad = if source.is_err() {
                    fields[0]
                } else {
                    fields[1]
                };
                return Err(format_error(
                    path,
                    number,
                    format!("node id {bad:?} is not an integer"),
                ));
            }
        }
    }
    if pairs.is_empty() {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            reason: "holds no edges (expected `source target` per line)".into(),
        });
    }
    let mut node_ids: Vec<i64> = pairs.iter().flat_map(|&(u, v)| [u, v]).collect();
    node_ids.sort_unstable();
    node_ids.dedup();
    if node_ids.len() > u32::MAX as usize {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            reason: format!(
                "{} distinct node ids exceed cinder's 32-bit node ids",
                node_ids.len()
            ),
        });
    }
    let index: HashMap<i64, usize> = node_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    let edges = pairs.iter().map(|(u, v)| (index[u], index[v]));
    let graph = Graph::from_edges(node_ids.len(), edges, direction).map_err(|error| {
        DatasetError::Format {
            path: path.to_path_buf(),
            reason: error.to_string(),
        }
    })?;
    Ok(EdgeList { graph, node_ids })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cinder-edge-list-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_separators_headers_comments_and_any_integer_ids() {
        let path = write(
            "a.tsv",
            "# SNAP\nFromNodeId\tToNodeId\n-5\t10\n10\t900000000000\n\n",
        );
        let list = load_edge_list(&path, Direction::Undirected).unwrap();
        assert_eq!(list.node_ids, vec![-5, 10, 900_000_000_000]);
        assert_eq!(list.graph.edges().collect::<Vec<_>>(), vec![(0, 1), (1, 2)]);
        let path = write("b.csv", "src,dst,weight\n1,2,0.5\n2,3,1\n");
        assert_eq!(
            load_edge_list(&path, Direction::Undirected)
                .unwrap()
                .graph
                .num_edges(),
            2
        );
        let path = write("c.txt", "1 2\n3   4\n");
        assert_eq!(
            load_edge_list(&path, Direction::Directed)
                .unwrap()
                .graph
                .num_nodes(),
            4
        );
    }

    #[test]
    fn errors_name_the_line() {
        let path = write("d.txt", "1 2\n3 x\n");
        let error = load_edge_list(&path, Direction::Undirected)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 2") && error.contains("\"x\" is not an integer"),
            "{error}"
        );
        let path = write("e.txt", "1 2\n7\n");
        let error = load_edge_list(&path, Direction::Undirected)
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 2"), "{error}");
        let path = write("f.txt", "# nothing\n");
        assert!(load_edge_list(&path, Direction::Undirected).is_err());
    }
}
