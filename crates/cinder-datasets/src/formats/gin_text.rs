//! The GIN/DGCNN text format of graph-classification benchmarks (`DS.txt`: a graph count, then per
//! graph `n label` and per node `tag degree neighbours… [attributes…]`) and its fixed
//! `10fold_idx/{train,test}_idx-K.txt` cross-validation folds.

use std::path::Path;

use cinder_graph::Fold;

use crate::checked::invalid_value;
use crate::error::{DatasetError, Result};
use crate::formats::tu::{
    GraphDataset, RawGraph, finish, format_error, read_text, undirected_once,
};

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
    let non_negative = |line: usize, field: &str, what: &str| -> Result<usize> {
        usize::try_from(parse(line, field, what)?).map_err(|_| {
            invalid_value(
                path,
                format!("line {line}"),
                field,
                format!("a {what} (at least 0)"),
            )
        })
    };
    let (line, header) = next("the number of graphs")?;
    let count = non_negative(line, header.first().copied().unwrap_or(""), "graph count")?;
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
        let num_nodes = non_negative(line, fields[0], "node count")?;
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
            let degree = non_negative(line, fields[1], "neighbour count")?;
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
///
/// The folds expected are K = 1 up to the largest K of any fold file, and at least the N of a
/// folder named `Nfold_idx`: a missing file is an [`DatasetError::IncompleteFolds`] error, never
/// a quiet switch to fewer folds.
pub fn load_folds(directory: &Path, num_graphs: usize) -> Result<Vec<Fold>> {
    let numbered = |name: &str| {
        ["train_idx-", "test_idx-"].iter().find_map(|prefix| {
            name.strip_prefix(prefix)?
                .strip_suffix(".txt")?
                .parse::<usize>()
                .ok()
        })
    };
    let largest_file = std::fs::read_dir(directory)
        .map_err(|source| DatasetError::Io {
            path: directory.to_path_buf(),
            source,
        })?
        .filter_map(|entry| numbered(&entry.ok()?.file_name().to_string_lossy()))
        .max()
        .unwrap_or(0);
    let named = directory
        .file_name()
        .and_then(|name| {
            name.to_str()?
                .strip_suffix("fold_idx")?
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    let expected = largest_file.max(named);
    if expected == 0 {
        return Err(DatasetError::MissingInPath {
            path: directory.to_path_buf(),
            what: "train_idx-1.txt".into(),
        });
    }
    let mut folds = Vec::with_capacity(expected);
    for k in 1..=expected {
        let [train, test] =
            ["train", "test"].map(|part| directory.join(format!("{part}_idx-{k}.txt")));
        if let Some(missing) = [&train, &test].into_iter().find(|path| !path.exists()) {
            return Err(DatasetError::IncompleteFolds {
                directory: directory.to_path_buf(),
                missing: missing.clone(),
                complete: (1..=expected)
                    .filter(|k| {
                        ["train", "test"]
                            .iter()
                            .all(|part| directory.join(format!("{part}_idx-{k}.txt")).exists())
                    })
                    .count(),
                expected,
            });
        }
        folds.push(Fold {
            train: graph_indices(&train, num_graphs)?,
            test: graph_indices(&test, num_graphs)?,
        });
    }
    Ok(folds)
}

fn graph_indices(path: &Path, num_graphs: usize) -> Result<Vec<usize>> {
    read_text(path)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| match l.trim().parse::<usize>() {
            Ok(index) if index < num_graphs => Ok(index),
            _ => Err(format_error(
                path,
                i + 1,
                format!("{:?} is not a graph index below {num_graphs}", l.trim()),
            )),
        })
        .collect()
}
