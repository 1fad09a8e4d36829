//! NumPy `.npz` archives (a ZIP of `.npy` files, stored or deflated) and the GNN-benchmark graph
//! format built on them (Shchur et al. 2018, e.g. `cora.npz`): the adjacency as CSR arrays
//! `adj_data`, `adj_indices`, `adj_indptr`, `adj_shape`; features as `attr_*` CSR arrays (or a
//! dense `attr_matrix`); `labels`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use cinder_graph::{Direction, FeatureMatrix, Graph, SparseMatrix};

use crate::arrays::npy::{NpyArray, NpyError, parse_npy};
use crate::checked::{index_below, invalid_value, shown};
use crate::csr::RawCsr;
use crate::error::{DatasetError, Result};

fn error(path: &Path, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// The raw members of a ZIP archive: name → uncompressed bytes.
pub(crate) fn read_zip(bytes: &[u8], path: &Path) -> Result<HashMap<String, Vec<u8>>> {
    const END: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let search_from = bytes.len().saturating_sub(22 + 65_535);
    let end = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..i + 4] == END)
        .ok_or_else(|| error(path, "not a ZIP/.npz archive (no end-of-directory record)"))?;
    let corrupt = |what: &str| error(path, format!("corrupt archive: {what}"));
    let entries = u16_at(bytes, end + 10).ok_or_else(|| corrupt("end record"))?;
    let mut offset = u32_at(bytes, end + 16).ok_or_else(|| corrupt("end record"))?;
    let mut members = HashMap::new();
    for entry in 0..entries {
        if bytes.get(offset..offset + 4) != Some(&[0x50, 0x4b, 0x01, 0x02]) {
            return Err(corrupt(&format!("central directory entry {entry}")));
        }
        let field = |at: usize, size: usize| {
            if size == 2 {
                u16_at(bytes, offset + at)
            } else {
                u32_at(bytes, offset + at)
            }
            .ok_or_else(|| corrupt(&format!("central directory entry {entry}")))
        };
        let method = field(10, 2)?;
        let crc = field(16, 4)? as u32;
        let compressed = field(20, 4)?;
        let uncompressed = field(24, 4)?;
        let (name_length, extra_length, comment_length) =
            (field(28, 2)?, field(30, 2)?, field(32, 2)?);
        let local = field(42, 4)?;
        let name = bytes
            .get(offset + 46..offset + 46 + name_length)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .ok_or_else(|| corrupt("member name"))?;
        offset += 46 + name_length + extra_length + comment_length;
        if compressed == u32::MAX as usize || uncompressed == u32::MAX as usize {
            return Err(error(
                path,
                format!("member {name}: ZIP64 archives are not supported"),
            ));
        }
        let data_start = local
            + 30
            + u16_at(bytes, local + 26).ok_or_else(|| corrupt("local header"))?
            + u16_at(bytes, local + 28).ok_or_else(|| corrupt("local header"))?;
        let data = bytes
            .get(data_start..data_start + compressed)
            .ok_or_else(|| corrupt(&format!("member {name} runs past the end of the file")))?;
        let content = match method {
            0 => data.to_vec(),
            8 => {
                // Inflate no more than the declared size: a lying header cannot exhaust memory.
                let mut content = Vec::with_capacity(uncompressed.min(64 << 20));
                flate2::read::DeflateDecoder::new(data)
                    .take(uncompressed as u64)
                    .read_to_end(&mut content)
                    .map_err(|e| error(path, format!("member {name}: {e}")))?;
                content
            }
            other => {
                return Err(error(
                    path,
                    format!(
                        "member {name}: compression method {other} is not supported (stored or deflate only)"
                    ),
                ));
            }
        };
        let mut computed = flate2::Crc::new();
        computed.update(&content);
        if computed.sum() != crc {
            return Err(corrupt(&format!(
                "member {name} fails its CRC-32 check (stored {crc:08x}, computed {:08x})",
                computed.sum()
            )));
        }
        members.insert(name, content);
    }
    Ok(members)
}

/// The numeric arrays of an archive: name → (shape, values).
pub type NpzArrays = HashMap<String, (Vec<usize>, Vec<f64>)>;

/// Reads every numeric array of an `.npz` archive (members with non-numeric dtypes, such as pickled
/// object arrays of names, are left out; a corrupt numeric member is an error). Keys drop the
/// `.npy` suffix.
pub fn load_npz(path: &Path) -> Result<NpzArrays> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut arrays = NpzArrays::new();
    for (name, content) in read_zip(&bytes, path)? {
        match parse_npy(&content) {
            Ok(NpyArray { shape, values }) => {
                let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
                arrays.insert(key, (shape, values));
            }
            Err(NpyError::NotNumeric(_)) => {}
            Err(other) => return Err(other.at(path, &name)),
        }
    }
    Ok(arrays)
}

fn csr(arrays: &NpzArrays, prefix: &str, path: &Path) -> Result<Option<SparseMatrix>> {
    let get = |suffix: &str| arrays.get(&format!("{prefix}_{suffix}")).map(|(_, v)| v);
    let (Some(data), Some(indices), Some(indptr), Some(shape)) =
        (get("data"), get("indices"), get("indptr"), get("shape"))
    else {
        return Ok(None);
    };
    let raw = RawCsr {
        shape,
        indptr,
        indices,
        data,
    };
    let matrix = raw.canonical(path, &format!("{prefix}_"))?;
    matrix.into_sparse(path).map(Some)
}

/// Loads a GNN-benchmark `.npz` graph: directed edges exactly as the adjacency stores them (the
/// files list both directions of undirected graphs), edge weights where they are not all 1,
/// features (sparse) and labels. Column indices may be unsorted within rows, as scipy allows.
pub fn load_npz_graph(path: &Path) -> Result<Graph> {
    npz_graph(&load_npz(path)?, path)
}

/// [`load_npz_graph`] for arrays already read; `path` names their file in errors.
pub(crate) fn npz_graph(arrays: &NpzArrays, path: &Path) -> Result<Graph> {
    let adjacency = csr(arrays, "adj", path)?
        .ok_or_else(|| error(path, "missing adj_data/adj_indices/adj_indptr/adj_shape"))?;
    if adjacency.rows() != adjacency.cols() {
        return Err(error(
            path,
            format!(
                "adjacency is {}x{}, not square",
                adjacency.rows(),
                adjacency.cols()
            ),
        ));
    }
    let nodes = adjacency.rows();
    let mut edges = Vec::with_capacity(adjacency.nnz());
    let mut weights = Vec::with_capacity(adjacency.nnz());
    for (&value, (row, column)) in adjacency.iter() {
        edges.push((row as usize, column as usize));
        weights.push(value);
    }
    let graph_error = |source| DatasetError::Graph {
        path: path.to_path_buf(),
        source,
    };
    let mut graph = Graph::from_edges(nodes, edges, Direction::Directed).map_err(graph_error)?;
    if weights.iter().any(|&w| w != 1.0) {
        graph = graph.with_edge_weights(weights).map_err(graph_error)?;
    }
    let features = match csr(arrays, "attr", path)? {
        Some(matrix) => Some(FeatureMatrix::Sparse(matrix)),
        None => match arrays.get("attr_matrix") {
            Some((shape, values)) if shape.len() == 2 => Some(
                FeatureMatrix::dense(
                    shape[0],
                    shape[1],
                    values.iter().map(|&v| v as f32).collect(),
                )
                .map_err(graph_error)?,
            ),
            _ => None,
        },
    };
    if let Some(features) = features {
        graph = graph.with_node_features(features).map_err(graph_error)?;
    }
    if let Some((_, labels)) = arrays.get("labels") {
        graph = graph
            .with_node_labels(class_indices(labels, nodes, path)?)
            .map_err(graph_error)?;
    }
    Ok(graph)
}

/// Labels as class indices. A class index is below the node count: a larger one (1e300, 2^40)
/// would size every per-class table of the model by itself.
fn class_indices(labels: &[f64], nodes: usize, path: &Path) -> Result<Vec<usize>> {
    labels
        .iter()
        .enumerate()
        .map(|(node, &label)| {
            index_below(label, nodes).ok_or_else(|| {
                invalid_value(
                    path,
                    format!("labels[{node}]"),
                    shown(label),
                    format!("a class index: an integer in 0..{nodes} (the node count)"),
                )
            })
        })
        .collect()
}
