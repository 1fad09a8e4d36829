//! OGB link-property-prediction datasets (`ogbl-*`) as the OGB package lays them out on disk:
//! `raw/edge.csv.gz` (the training edges, `src,dst`), `raw/num-node-list.csv.gz`, and
//! `split/<kind>/{train,valid,test}.pt` — PyTorch's legacy serialization (a magic number, the
//! protocol, system info, then a pickled dict such as `{'edge': int64 [E, 2], 'edge_neg':
//! int64 [E', 2]}` of numpy arrays, then the list of tensor storages, empty here). The `.pt`
//! files are read by cinder's own pickle reader: nothing in them is executed. The split is used
//! as given, as OGB's rules require.

use std::io::Read;
use std::path::{Path, PathBuf};

use cinder_graph::{Direction, Graph, LabeledPairs, LinkSplit, distinct_pairs};

use crate::arrays::pickle::{self, Value};
use crate::error::{DatasetError, Result};

/// PyTorch's legacy magic number, `0x1950a86a20f9469cfc6c`, little-endian.
const TORCH_MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/// A link-prediction dataset: one graph (its training edges) and the split it comes with.
#[derive(Debug, Clone)]
pub struct LinkDataset {
    /// Dataset name.
    pub name: String,
    /// The graph of the training edges (undirected).
    pub graph: Graph,
    /// The dataset's own split (training edges, validation and test positives and negatives).
    pub split: LinkSplit,
}

fn format_error(path: &Path, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn gunzip(path: &Path) -> Result<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(read(path)?.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| format_error(path, format!("not a gzip-compressed text file ({e})")))?;
    Ok(text)
}

/// Reads an `ogbl-*` folder (e.g. `$CINDER_DATA/ogbl_ddi`) with the split of `split/<kind>/`
/// (`kind`: the only folder under `split/`, e.g. `target`). Edges of `raw/edge.csv.gz` are the
/// training edges; `split/<kind>/train.pt`, when present, is not needed.
pub fn load_ogbl(directory: &Path, name: &str) -> Result<LinkDataset> {
    let nodes_path = directory.join("raw/num-node-list.csv.gz");
    let nodes_text = gunzip(&nodes_path)?;
    let num_nodes: usize = nodes_text
        .lines()
        .next()
        .and_then(|line| line.trim().parse().ok())
        .ok_or_else(|| format_error(&nodes_path, "line 1: expected the number of nodes"))?;
    let edges_path = directory.join("raw/edge.csv.gz");
    let text = gunzip(&edges_path)?;
    let mut edges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let mut node = || -> Option<usize> { fields.next()?.trim().parse().ok() };
        match (node(), node()) {
            (Some(u), Some(v)) if u < num_nodes && v < num_nodes => edges.push((u, v)),
            _ => {
                return Err(format_error(
                    &edges_path,
                    format!(
                        "line {}: {line:?} is not `src,dst` with node ids below {num_nodes}",
                        index + 1
                    ),
                ));
            }
        }
    }
    let graph = Graph::from_edges(num_nodes, edges, Direction::Undirected)
        .map_err(|e| format_error(&edges_path, e.to_string()))?;
    let split_directory = split_folder(directory)?;
    let pairs = |file: &str| -> Result<LabeledPairs> {
        let path = split_directory.join(file);
        let dict = read_legacy_torch(&path)?;
        Ok(LabeledPairs {
            positive: edge_array(&path, &dict, "edge", num_nodes)?,
            negative: edge_array(&path, &dict, "edge_neg", num_nodes)?,
        })
    };
    let split = LinkSplit {
        num_nodes,
        undirected: true,
        train: distinct_pairs(&graph, true),
        validation: pairs("valid.pt")?,
        test: pairs("test.pt")?,
    };
    Ok(LinkDataset {
        name: name.into(),
        graph,
        split,
    })
}

fn split_folder(directory: &Path) -> Result<PathBuf> {
    let split = directory.join("split");
    let entries = std::fs::read_dir(&split).map_err(|source| DatasetError::Io {
        path: split.clone(),
        source,
    })?;
    let mut kinds: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("valid.pt").exists())
        .collect();
    kinds.sort();
    kinds
        .into_iter()
        .next()
        .ok_or_else(|| DatasetError::MissingInPath {
            path: split,
            what: "split folder holding valid.pt and test.pt".into(),
        })
}

/// The object pickled in a PyTorch legacy-format file (`torch.save(..,
/// _use_new_zipfile_serialization=False)`) that holds no tensors.
fn read_legacy_torch(path: &Path) -> Result<Value> {
    let bytes = read(path)?;
    if bytes.starts_with(b"PK") {
        return Err(format_error(
            path,
            "is PyTorch's zip format; this reader takes the legacy format OGB ships",
        ));
    }
    let mut offset = 0;
    let mut next = |what: &str| -> Result<Value> {
        let (value, used) = pickle::parse_prefix(&bytes[offset..]).map_err(|reason| {
            format_error(path, format!("{what}: {reason} (after byte {offset})"))
        })?;
        offset += used;
        Ok(value)
    };
    let magic = next("magic number")?;
    if magic.as_bytes() != Some(TORCH_MAGIC.as_slice()) {
        return Err(format_error(
            path,
            "does not start with PyTorch's legacy magic number: not a .pt file",
        ));
    }
    next("protocol version")?;
    next("system info")?;
    let object = next("saved object")?;
    let storages = next("storage keys")?;
    if !matches!(&storages, Value::List(list) if list.borrow().is_empty()) {
        return Err(format_error(
            path,
            "holds torch tensors; expected a dict of numpy arrays as OGB saves its splits",
        ));
    }
    Ok(object)
}

/// The `[E, 2]` integer array under `key`, as node pairs checked against `num_nodes`.
fn edge_array(path: &Path, dict: &Value, key: &str, num_nodes: usize) -> Result<Vec<(u32, u32)>> {
    if !matches!(dict, Value::Dict(_)) {
        return Err(format_error(
            path,
            "the saved object is not a dict of arrays",
        ));
    }
    let value = dict
        .get(key)
        .ok_or_else(|| format_error(path, format!("the dict has no {key:?} array")))?;
    let array = pickle::numpy_array(&value)
        .map_err(|reason| format_error(path, format!("{key:?}: {reason}")))?;
    if array.shape.len() != 2 || array.shape[1] != 2 {
        return Err(format_error(
            path,
            format!("{key:?} has shape {:?}; expected [E, 2]", array.shape),
        ));
    }
    array
        .values
        .chunks_exact(2)
        .enumerate()
        .map(|(row, pair)| {
            let node =
                |v: f64| (v >= 0.0 && v.fract() == 0.0 && v < num_nodes as f64).then_some(v as u32);
            match (node(pair[0]), node(pair[1])) {
                (Some(u), Some(v)) => Ok((u, v)),
                _ => Err(format_error(
                    path,
                    format!(
                        "{key:?} row {row}: ({}, {}) is not a pair of node ids below {num_nodes}",
                        pair[0], pair[1]
                    ),
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogbl_ddi_reads_with_its_split() {
        let Some(path) = crate::sources::location::require_data("ogbl_ddi/raw/edge.csv.gz") else {
            return;
        };
        let directory = path.parent().unwrap().parent().unwrap();
        let ddi = load_ogbl(directory, "ogbl-ddi").unwrap();
        assert_eq!(ddi.graph.num_nodes(), 4267);
        assert_eq!(ddi.split.train.len(), 1_067_911);
        assert_eq!(ddi.split.validation.positive.len(), 133_489);
        assert_eq!(ddi.split.validation.negative.len(), 101_882);
        assert_eq!(ddi.split.test.positive.len(), 133_489);
        assert_eq!(ddi.split.test.negative.len(), 95_599);
        ddi.split.check().unwrap();
    }

    #[test]
    fn a_pt_file_that_is_not_a_dict_of_arrays_is_refused() {
        let dir = std::env::temp_dir().join(format!("cinder-ogbl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("valid.pt");
        std::fs::write(&path, b"not a pickle").unwrap();
        let error = read_legacy_torch(&path).unwrap_err().to_string();
        assert!(error.contains("valid.pt"), "{error}");
        // magic, protocol 1001, {}, the object `[1, 2]` (a list, not a dict), no storages.
        let mut bytes = vec![0x80, 0x02, 0x8a, 0x0a];
        bytes.extend(TORCH_MAGIC);
        bytes.extend(
            b".\x80\x02M\xe9\x03.\x80\x02}q\x00.\x80\x02]q\x00(K\x01K\x02e.\x80\x02]q\x00.",
        );
        std::fs::write(&path, &bytes).unwrap();
        let object = read_legacy_torch(&path).unwrap();
        let error = edge_array(&path, &object, "edge", 10)
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a dict of arrays"), "{error}");
    }
}
