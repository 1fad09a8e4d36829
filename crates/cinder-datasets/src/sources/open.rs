//! One entry point for any dataset: a registered name or a path, in a format given or detected
//! from the files.

use std::path::Path;

use cinder_graph::Direction;

use crate::arrays::npz::load_npz_graph;
use crate::error::{DatasetError, Result};
use crate::formats::csv_graph::load_csv_graph;
use crate::formats::graph_directory::load_graph_directory;
use crate::formats::musae::load_musae;
use crate::formats::planetoid::{PLANETOID_NAMES, load_planetoid};
use crate::formats::sdf::load_sdf;
use crate::formats::tu::load_tu;
use crate::images::image_folder::{ImageFolder, is_image, load_image_folder};
use crate::meshes::mesh::load_mesh_graph;
use crate::sources::registry::{
    DatasetTask, GraphSetDataset, NodeDataset, REGISTRY, find_discovered, load_gin_text_set,
    load_registered_graphs, load_registered_nodes,
};

/// The file formats cinder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// Planetoid `ind.<name>.*` pickles.
    Planetoid,
    /// GNN-benchmark `.npz` (CSR adjacency, attributes, labels).
    Npz,
    /// MUSAE `<PREFIX>_edges.csv`, `_target.csv`, `.json`.
    Musae,
    /// cinder's `nodes.csv` / `edges.csv`.
    Csv,
    /// The PyG peer's graph directory (`edge_index.npy`, `x.npy`, …).
    GraphDir,
    /// Official TU text files (`<NAME>_A.txt`, …).
    Tu,
    /// GIN/DGCNN text format.
    GinTxt,
    /// MDL SDF molecules.
    Sdf,
    /// Wavefront OBJ mesh.
    Obj,
    /// OFF mesh.
    Off,
    /// PLY mesh.
    Ply,
    /// A folder of images (class subfolders or flat).
    Images,
}

impl DataFormat {
    /// Every format, with its command-line name.
    pub const ALL: [(Self, &'static str); 12] = [
        (Self::Planetoid, "planetoid"),
        (Self::Npz, "npz"),
        (Self::Musae, "musae"),
        (Self::Csv, "csv"),
        (Self::GraphDir, "graph-dir"),
        (Self::Tu, "tu"),
        (Self::GinTxt, "gin-txt"),
        (Self::Sdf, "sdf"),
        (Self::Obj, "obj"),
        (Self::Off, "off"),
        (Self::Ply, "ply"),
        (Self::Images, "images"),
    ];

    /// The command-line name (`graph-dir`, `gin-txt`, …).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(format, _)| *format == self)
            .map_or("?", |(_, name)| name)
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(format, _)| *format)
            .ok_or_else(|| DatasetError::UnknownDataset {
                kind: "format of",
                name: name.into(),
                known: Self::ALL.map(|(_, n)| n).join(", "),
            })
    }
}

/// A dataset of any kind.
#[derive(Debug, Clone)]
pub enum Dataset {
    /// One graph with node labels.
    Nodes(Box<NodeDataset>),
    /// Labelled graphs.
    Graphs(GraphSetDataset),
    /// Images.
    Images(ImageFolder),
}

impl Dataset {
    /// What the dataset holds, in words ("one graph with node labels", …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Nodes(_) => "one graph with node labels",
            Self::Graphs(_) => "a set of labelled graphs",
            Self::Images(_) => "an image folder",
        }
    }

    /// The node-classification dataset, or an error saying what this is instead.
    pub fn into_nodes(self) -> Result<NodeDataset> {
        match self {
            Self::Nodes(nodes) => Ok(*nodes),
            other => Err(DatasetError::Format {
                path: other.name().into(),
                reason: format!(
                    "{}, not one graph with node labels (node classification)",
                    other.kind()
                ),
            }),
        }
    }

    /// The graph-classification dataset, or an error saying what this is instead.
    pub fn into_graphs(self) -> Result<GraphSetDataset> {
        match self {
            Self::Graphs(graphs) => Ok(graphs),
            other => Err(DatasetError::Format {
                path: other.name().into(),
                reason: format!(
                    "{}, not a set of labelled graphs (graph classification)",
                    other.kind()
                ),
            }),
        }
    }

    /// The dataset's name.
    pub fn name(&self) -> String {
        match self {
            Self::Nodes(nodes) => nodes.name.clone(),
            Self::Graphs(graphs) => graphs.name.clone(),
            Self::Images(images) => images.root.display().to_string(),
        }
    }
}

fn file_names(directory: &Path) -> Vec<String> {
    std::fs::read_dir(directory)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Detects the format of a file or folder from its extension or the files it holds.
pub fn detect_format(path: &Path) -> Result<DataFormat> {
    let undetected = |reason: &str| DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!(
            "cannot detect the format ({reason}); pass --format with one of {}",
            DataFormat::ALL.map(|(_, n)| n).join(", ")
        ),
    };
    if path.is_file() {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        return Ok(match extension.as_str() {
            "sdf" | "mol" => DataFormat::Sdf,
            "npz" => DataFormat::Npz,
            "obj" => DataFormat::Obj,
            "off" => DataFormat::Off,
            "ply" => DataFormat::Ply,
            "txt" => DataFormat::GinTxt,
            _ => return Err(undetected("unknown file extension")),
        });
    }
    if !path.is_dir() {
        return Err(DatasetError::MissingInPath {
            path: path.to_path_buf(),
            what: "such file or folder, and no registered dataset of that name (see `cinder data list`)".into(),
        });
    }
    let names = file_names(path);
    let has = |predicate: &dyn Fn(&str) -> bool| names.iter().any(|n| predicate(n));
    Ok(
        if has(&|n| n.starts_with("ind.") && n.ends_with(".graph")) {
            DataFormat::Planetoid
        } else if has(&|n| n.ends_with("_edges.csv")) && has(&|n| n.ends_with("_target.csv")) {
            DataFormat::Musae
        } else if has(&|n| n == "nodes.csv") {
            DataFormat::Csv
        } else if has(&|n| n == "edge_index.npy" || n == "labels.csv" || n == "split.npy") {
            DataFormat::GraphDir
        } else if has(&|n| n == "edges.csv") {
            DataFormat::Csv
        } else if has(&|n| n.ends_with("_A.txt")) {
            DataFormat::Tu
        } else if load_image_folder(path).is_ok() {
            // Before the GIN text check: image folders often carry a labels .txt file.
            DataFormat::Images
        } else if has(&|n| n.ends_with(".txt")) {
            DataFormat::GinTxt
        } else {
            return Err(undetected("no known dataset files in the folder"));
        },
    )
}

/// The one file of `directory` matching `predicate`, for formats named after their dataset.
fn find_file(directory: &Path, what: &str, predicate: impl Fn(&str) -> bool) -> Result<String> {
    let mut matches: Vec<String> = file_names(directory)
        .into_iter()
        .filter(|n| predicate(n))
        .collect();
    matches.sort();
    matches
        .into_iter()
        .next()
        .ok_or_else(|| DatasetError::MissingInPath {
            path: directory.to_path_buf(),
            what: what.into(),
        })
}

/// Opens a registered name (see [`REGISTRY`]) or a path, in `format` or the detected one. SDF
/// files use `label_property` as the class.
pub fn open_dataset(
    name_or_path: &str,
    format: Option<DataFormat>,
    label_property: &str,
) -> Result<Dataset> {
    let path = Path::new(name_or_path);
    if format.is_none()
        && !path.exists()
        && let Some(registered) = REGISTRY
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name_or_path))
    {
        return Ok(match registered.task {
            DatasetTask::Nodes => Dataset::Nodes(Box::new(load_registered_nodes(registered.name)?)),
            DatasetTask::Graphs => Dataset::Graphs(load_registered_graphs(registered.name)?),
        });
    }
    if format.is_none()
        && !path.exists()
        && let Some(found) = find_discovered(name_or_path)
    {
        return Ok(match found.task {
            DatasetTask::Nodes => Dataset::Nodes(Box::new(load_registered_nodes(&found.name)?)),
            DatasetTask::Graphs => Dataset::Graphs(load_registered_graphs(&found.name)?),
        });
    }
    let format = match format {
        Some(format) => format,
        None => detect_format(path)?,
    };
    let stem = path
        .file_stem()
        .map_or_else(|| "data".into(), |s| s.to_string_lossy().into_owned());
    let nodes = |graph, split| {
        Dataset::Nodes(Box::new(NodeDataset {
            name: stem.clone(),
            graph,
            split,
        }))
    };
    Ok(match format {
        DataFormat::Planetoid => {
            let file = find_file(path, "ind.<name>.graph", |n| {
                n.starts_with("ind.") && n.ends_with(".graph")
            })?;
            let name = file.trim_start_matches("ind.").trim_end_matches(".graph");
            if !PLANETOID_NAMES.contains(&name) {
                return Err(DatasetError::UnknownDataset {
                    kind: "Planetoid",
                    name: name.into(),
                    known: PLANETOID_NAMES.join(", "),
                });
            }
            let loaded = load_planetoid(path, name)?;
            Dataset::Nodes(Box::new(NodeDataset {
                name: loaded.name,
                graph: loaded.graph,
                split: Some(loaded.split),
            }))
        }
        DataFormat::Musae => {
            let file = find_file(path, "<PREFIX>_edges.csv", |n| n.ends_with("_edges.csv"))?;
            let prefix = file.trim_end_matches("_edges.csv");
            nodes(load_musae(path, prefix, "mature")?, None)
        }
        DataFormat::Csv => nodes(load_csv_graph(path, Direction::Undirected)?, None),
        DataFormat::Npz => nodes(load_npz_graph(path)?, None),
        DataFormat::GraphDir => {
            let loaded = load_graph_directory(path)?;
            nodes(loaded.graph, Some(loaded.split))
        }
        DataFormat::Obj | DataFormat::Off | DataFormat::Ply => nodes(load_mesh_graph(path)?, None),
        DataFormat::Tu => {
            let file = find_file(path, "<NAME>_A.txt", |n| n.ends_with("_A.txt"))?;
            let name = file.trim_end_matches("_A.txt");
            let loaded = load_tu(path, name)?;
            Dataset::Graphs(GraphSetDataset {
                name: name.into(),
                class_names: loaded.class_values.iter().map(i64::to_string).collect(),
                graphs: loaded.graphs,
                folds: None,
            })
        }
        DataFormat::GinTxt => {
            let file = if path.is_dir() {
                path.join(find_file(path, "<NAME>.txt", |n| n.ends_with(".txt"))?)
            } else {
                path.to_path_buf()
            };
            Dataset::Graphs(load_gin_text_set(&file)?)
        }
        DataFormat::Sdf => {
            let molecules = load_sdf(path, label_property)?;
            Dataset::Graphs(GraphSetDataset {
                name: stem.clone(),
                graphs: molecules.graphs,
                class_names: molecules.classes,
                folds: None,
            })
        }
        DataFormat::Images => {
            if path.is_file() && is_image(path) {
                return Err(DatasetError::Format {
                    path: path.to_path_buf(),
                    reason: "an image dataset is a folder of images, not one image".into(),
                });
            }
            Dataset::Images(load_image_folder(path)?)
        }
    })
}
