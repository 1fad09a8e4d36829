//! Planetoid citation networks (Cora, CiteSeer, PubMed) from the original
//! `ind.<name>.{x,tx,allx,y,ty,ally,graph,test.index}` files of Yang et al. (2016), with the
//! standard public split used by Kipf & Welling (2017).
//!
//! The files are Python pickles (scipy CSR matrices, numpy arrays, a `defaultdict` of adjacency
//! lists); they are decoded by cinder's own pickle reader, without running any Python.

use std::path::{Path, PathBuf};

use cinder_graph::{Direction, FeatureMatrix, Graph, NodeSplit};

use crate::arrays::pickle::{self, NumpyArray, Value};
use crate::checked::{declared_size, invalid_value};
use crate::csr::Csr;
use crate::error::{DatasetError, Result};

/// The Planetoid datasets.
pub const PLANETOID_NAMES: [&str; 3] = ["cora", "citeseer", "pubmed"];

/// Number of validation nodes in the public split.
const VALIDATION_NODES: usize = 500;

/// A loaded Planetoid dataset.
#[derive(Debug, Clone)]
pub struct Planetoid {
    /// Lower-case dataset name.
    pub name: String,
    /// Undirected, unweighted citation graph with sparse bag-of-words features and class labels.
    pub graph: Graph,
    /// Number of classes.
    pub num_classes: usize,
    /// The public split (Kipf & Welling): 20 labelled nodes per class for training, 500 for
    /// validation, 1000 for testing.
    pub split: NodeSplit,
}

/// Loads `ind.<name>.*` from `directory`.
///
/// Every id is checked before memory is sized by it: test indices against the nodes the files
/// hold (the rows of `allx` and `tx`, or the entries of `graph` where CiteSeer lists more), and
/// the keys and neighbours of `graph` against the node count (no phantom nodes).
pub fn load_planetoid(directory: &Path, name: &str) -> Result<Planetoid> {
    let name = name.to_lowercase();
    if !PLANETOID_NAMES.contains(&name.as_str()) {
        return Err(DatasetError::UnknownDataset {
            kind: "Planetoid",
            name,
            known: PLANETOID_NAMES.join(", "),
        });
    }
    let file = |part: &str| directory.join(format!("ind.{name}.{part}"));
    let csr = |part: &str| -> Result<Csr> {
        let path = file(part);
        pickle::scipy_csr(&read_pickle(&path)?)
            .map_err(|reason| format_error(&path, reason))?
            .raw()
            .canonical(&path, "")
    };
    let array = |part: &str| -> Result<NumpyArray> {
        let path = file(part);
        pickle::numpy_array(&read_pickle(&path)?).map_err(|reason| format_error(&path, reason))
    };
    let x = csr("x")?;
    let tx = csr("tx")?;
    let allx = csr("allx")?;
    let y = array("y")?;
    let ty = array("ty")?;
    let ally = array("ally")?;
    let width = allx.shape.1;
    for (part, matrix) in [("x", &x), ("tx", &tx)] {
        if matrix.shape.1 != width {
            return Err(format_error(
                &file(part),
                format!("{} feature columns, but allx has {width}", matrix.shape.1),
            ));
        }
    }
    let num_classes = label_width(&ally, &file("ally"))?;
    for (part, labels, rows) in [
        ("y", &y, x.shape.0),
        ("ty", &ty, tx.shape.0),
        ("ally", &ally, allx.shape.0),
    ] {
        if labels.shape != [rows, num_classes] {
            return Err(format_error(
                &file(part),
                format!(
                    "labels have shape {:?}, expected [{rows}, {num_classes}] (one one-hot row per feature row)",
                    labels.shape
                ),
            ));
        }
    }
    let graph_path = file("graph");
    let adjacency = read_adjacency_lists(&graph_path)?;
    let listed = (allx.shape.0 + tx.shape.0).max(adjacency.len());
    let test_index_path = file("test.index");
    let test_order = read_index_file(&test_index_path, listed)?;
    let mut test_sorted = test_order.clone();
    test_sorted.sort_unstable();
    if let Some(pair) = test_sorted.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(format_error(
            &test_index_path,
            format!("test node {} is listed twice", pair[0]),
        ));
    }
    let (test_min, test_max) = match (test_sorted.first(), test_sorted.last()) {
        (Some(&min), Some(&max)) => (min, max),
        _ => return Err(format_error(&test_index_path, "no test indices".into())),
    };
    if test_min != allx.shape.0 {
        return Err(format_error(
            &test_index_path,
            format!(
                "smallest test index is {test_min}, expected {} (the row after allx)",
                allx.shape.0
            ),
        ));
    }
    if tx.shape.0 != test_order.len() {
        return Err(format_error(
            &file("tx"),
            format!(
                "tx has {} rows, but test.index lists {} nodes",
                tx.shape.0,
                test_order.len()
            ),
        ));
    }
    // CiteSeer: some test ids have no features (isolated nodes). As the reference GCN code does,
    // the test block spans min..=max of the ids, and missing rows stay zero.
    let num_nodes = test_max + 1;
    let edges = checked_edges(&adjacency, num_nodes, &graph_path)?;
    // [allx; tx] with tx row i placed at node test_sorted[i] (zero rows where CiteSeer has no
    // features); then, as the reference code does, node test_order[i] takes the row that sat at
    // test_sorted[i].
    let mut stacked: Vec<Option<Source>> = vec![None; num_nodes];
    for (row, slot) in stacked.iter_mut().enumerate().take(allx.shape.0) {
        *slot = Some(Source::All(row));
    }
    for (i, &node) in test_sorted.iter().enumerate() {
        stacked[node] = Some(Source::Test(i));
    }
    let mut source_of_node = stacked.clone();
    for (&node, &from) in test_order.iter().zip(&test_sorted) {
        source_of_node[node] = stacked[from];
    }

    let features = gather_rows(&source_of_node, &allx, &tx, width, directory)?;
    let labels = gather_labels(&source_of_node, &ally, &ty, num_classes);
    let graph = Graph::from_edges(num_nodes, edges, Direction::Undirected)
        .and_then(|g| g.with_node_features(features))
        .and_then(|g| g.with_node_labels(labels))
        .map_err(|source| DatasetError::Graph {
            path: directory.to_path_buf(),
            source,
        })?;

    let train_count = x.shape.0;
    let split = NodeSplit {
        train: (0..train_count).collect(),
        validation: (train_count..(train_count + VALIDATION_NODES).min(allx.shape.0)).collect(),
        test: test_sorted,
    };
    Ok(Planetoid {
        name,
        graph,
        num_classes,
        split,
    })
}

/// The undirected edges of the adjacency lists, each once; every id must be below `num_nodes`.
fn checked_edges(
    adjacency: &[(usize, Vec<usize>)],
    num_nodes: usize,
    path: &Path,
) -> Result<Vec<(usize, usize)>> {
    let expected = || format!("a node id in 0..{num_nodes} (the rows of allx and the test span)");
    let mut edges = Vec::new();
    for (node, neighbours) in adjacency {
        if *node >= num_nodes {
            return Err(invalid_value(path, "a key", node.to_string(), expected()));
        }
        for &neighbour in neighbours {
            if neighbour >= num_nodes {
                return Err(invalid_value(
                    path,
                    format!("neighbours of node {node}"),
                    neighbour.to_string(),
                    expected(),
                ));
            }
            edges.push((neighbour.min(*node), neighbour.max(*node)));
        }
    }
    edges.sort_unstable();
    edges.dedup();
    Ok(edges)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    All(usize),
    Test(usize),
}

fn format_error(path: &Path, reason: String) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason,
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_pickle(path: &Path) -> Result<Value> {
    pickle::parse(&read_bytes(path)?).map_err(|reason| format_error(path, reason))
}

/// Node indices, one a line; each must be below `listed`, the nodes the other files hold.
fn read_index_file(path: &Path, listed: usize) -> Result<Vec<usize>> {
    let text = String::from_utf8(read_bytes(path)?)
        .map_err(|_| format_error(path, "not UTF-8 text".into()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            let index: usize = line.trim().parse().map_err(|_| {
                format_error(
                    path,
                    format!("line {}: {:?} is not a node index", number + 1, line.trim()),
                )
            })?;
            if index >= listed {
                return Err(declared_size(
                    path,
                    format!("line {}", number + 1),
                    format!("node {index}"),
                    format!("the feature and graph files hold {listed} nodes"),
                ));
            }
            Ok(index)
        })
        .collect()
}

fn read_adjacency_lists(path: &Path) -> Result<Vec<(usize, Vec<usize>)>> {
    let value = read_pickle(path)?;
    let pairs = match &value {
        Value::Dict(items) => items.borrow().clone(),
        Value::Object(object) => object.borrow().items.clone(),
        _ => {
            return Err(format_error(
                path,
                "expected a dict of adjacency lists".into(),
            ));
        }
    };
    pairs
        .into_iter()
        .map(|(key, neighbours)| {
            let node = key
                .as_int()
                .filter(|&n| n >= 0)
                .ok_or_else(|| format_error(path, format!("node key {key:?} is not a node id")))?;
            let Value::List(list) = neighbours else {
                return Err(format_error(
                    path,
                    format!("neighbours of node {node} are not a list"),
                ));
            };
            let list = list.borrow();
            let ids = list
                .iter()
                .map(|v| v.as_int().filter(|&n| n >= 0).map(|n| n as usize))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    format_error(
                        path,
                        format!("neighbours of node {node} are not all node ids"),
                    )
                })?;
            Ok((node as usize, ids))
        })
        .collect()
}

fn label_width(labels: &NumpyArray, path: &Path) -> Result<usize> {
    match labels.shape.as_slice() {
        [_, width] if *width > 0 => Ok(*width),
        shape => Err(format_error(
            path,
            format!("labels must be a one-hot matrix, found shape {shape:?}"),
        )),
    }
}

fn gather_rows(
    sources: &[Option<Source>],
    allx: &Csr,
    tx: &Csr,
    width: usize,
    directory: &Path,
) -> Result<FeatureMatrix> {
    let mut indptr = vec![0usize];
    let mut indices = Vec::new();
    let mut data = Vec::new();
    for source in sources {
        let (matrix, row) = match source {
            Some(Source::All(row)) => (allx, *row),
            Some(Source::Test(row)) => (tx, *row),
            None => {
                indptr.push(indices.len());
                continue;
            }
        };
        let stored = matrix.indptr[row]..matrix.indptr[row + 1];
        indices.extend_from_slice(&matrix.indices[stored.clone()]);
        data.extend_from_slice(&matrix.data[stored]);
        indptr.push(indices.len());
    }
    let matrix =
        sprs::CsMatI::<f32, u32, usize>::try_new((sources.len(), width), indptr, indices, data)
            .map_err(|(_, _, _, error)| {
                format_error(directory, format!("feature matrix: {error}"))
            })?;
    FeatureMatrix::sparse(&matrix).map_err(|source| DatasetError::Graph {
        path: directory.to_path_buf(),
        source,
    })
}

/// Class = position of the largest entry of a one-hot row (0 for an all-zero row, as PyG does).
fn gather_labels(
    sources: &[Option<Source>],
    ally: &NumpyArray,
    ty: &NumpyArray,
    width: usize,
) -> Vec<usize> {
    let argmax = |array: &NumpyArray, row: usize| {
        let values = &array.values[row * width..(row + 1) * width];
        values
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, &v)| {
                if v > best.1 { (i, v) } else { best }
            })
            .0
    };
    sources
        .iter()
        .map(|source| match source {
            Some(Source::All(row)) => argmax(ally, *row),
            Some(Source::Test(row)) => argmax(ty, *row),
            None => 0,
        })
        .collect()
}

/// The Planetoid folder under `CINDER_DATA` (`$CINDER_DATA/planetoid`), if present.
pub fn planetoid_directory() -> Option<PathBuf> {
    crate::sources::location::data_path("planetoid")
}
