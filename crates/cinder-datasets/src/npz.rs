//! NumPy `.npz` archives (a ZIP of `.npy` files, stored or deflated) and the GNN-benchmark graph
//! format built on them (Shchur et al. 2018, e.g. `cora.npz`): the adjacency as CSR arrays
//! `adj_data`, `adj_indices`, `adj_indptr`, `adj_shape`; features as `attr_*` CSR arrays (or a
//! dense `attr_matrix`); `labels`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use cinder_graph::{Direction, FeatureMatrix, Graph, SparseMatrix};

use crate::error::{DatasetError, Result};
use crate::npy::{NpyArray, parse_npy};

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
        members.insert(name, content);
    }
    Ok(members)
}

/// The numeric arrays of an archive: name → (shape, values).
pub type NpzArrays = HashMap<String, (Vec<usize>, Vec<f64>)>;

/// Reads every numeric array of an `.npz` archive (members with other dtypes, such as pickled
/// object arrays of names, are left out). Keys drop the `.npy` suffix.
pub fn load_npz(path: &Path) -> Result<NpzArrays> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(read_zip(&bytes, path)?
        .into_iter()
        .filter_map(|(name, content)| {
            let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
            parse_npy(&content)
                .ok()
                .map(|NpyArray { shape, values }| (key, (shape, values)))
        })
        .collect())
}

fn csr(arrays: &NpzArrays, prefix: &str, path: &Path) -> Result<Option<SparseMatrix>> {
    let get = |suffix: &str| arrays.get(&format!("{prefix}_{suffix}")).map(|(_, v)| v);
    let (Some(data), Some(indices), Some(indptr), Some(shape)) =
        (get("data"), get("indices"), get("indptr"), get("shape"))
    else {
        return Ok(None);
    };
    let bad = |reason: String| error(path, format!("{prefix}_*: {reason}"));
    let [rows, columns] = shape.as_slice() else {
        return Err(bad(format!(
            "shape has {} entries, expected 2",
            shape.len()
        )));
    };
    let (rows, columns) = (*rows as usize, *columns as usize);
    let indptr: Vec<usize> = indptr.iter().map(|&v| v as usize).collect();
    let indices: Vec<u32> = indices.iter().map(|&v| v as u32).collect();
    let values: Vec<f32> = data.iter().map(|&v| v as f32).collect();
    SparseMatrix::try_new((rows, columns), indptr, indices, values)
        .map_err(|(_, _, _, e)| bad(format!("invalid CSR arrays ({e})")))
        .map(Some)
}

/// Loads a GNN-benchmark `.npz` graph: directed edges exactly as the adjacency stores them (the
/// files list both directions of undirected graphs), edge weights where they are not all 1,
/// features (sparse) and labels.
pub fn load_npz_graph(path: &Path) -> Result<Graph> {
    let arrays = load_npz(path)?;
    let adjacency = csr(&arrays, "adj", path)?
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
    let features = match csr(&arrays, "attr", path)? {
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
        if let Some(bad) = labels.iter().find(|&&l| l < 0.0 || l.fract() != 0.0) {
            return Err(error(path, format!("label {bad} is not a class index")));
        }
        graph = graph
            .with_node_labels(labels.iter().map(|&l| l as usize).collect())
            .map_err(graph_error)?;
    }
    Ok(graph)
}
