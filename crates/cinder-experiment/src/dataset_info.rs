//! What a dataset holds, as `cinder data info` reports it (nodes, edges, features, classes,
//! splits, graph sizes), and the datasets cinder knows by name (`cinder data list`).

use cinder_datasets::{
    DataFormat, Dataset, DatasetTask, GraphSetDataset, ImageFolder, NodeDataset, REGISTRY,
    discovered, open_dataset,
};
use cinder_graph::{FeatureMatrix, Graph, compact_labels};
use serde::Serialize;

use crate::error::{Result, context};

/// Statistics of a dataset (`cinder data info --json` prints this object).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DatasetInfo {
    /// The dataset's name (an image folder's path).
    pub name: String,
    /// What the data is for, in words.
    pub kind: &'static str,
    /// Nodes (summed over a graph set's graphs).
    pub num_nodes: usize,
    /// Edges, an undirected edge counted once (summed over a graph set's graphs).
    pub num_edges: usize,
    /// Feature columns (one-hot node labels when a graph set has no features).
    pub num_features: usize,
    /// Share of non-zero feature values.
    pub feature_density: f64,
    /// Classes.
    pub num_classes: usize,
    /// Items per class, in class order.
    pub class_counts: Vec<usize>,
    /// Class names, in class order.
    pub class_names: Vec<String>,
    /// One graph: whether its edges are directed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directed: Option<bool>,
    /// One graph: its own train / validation / test sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<[usize; 3]>,
    /// A graph set: its graphs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_graphs: Option<usize>,
    /// A graph set: nodes per graph, min / mean / max.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes_per_graph: Option<[f64; 3]>,
    /// A graph set: edges per graph, min / mean / max.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges_per_graph: Option<[f64; 3]>,
    /// A graph set: the number of fixed cross-validation folds it ships.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_folds: Option<usize>,
    /// A graph set: whether any graph has edge types (bond types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_edge_types: Option<bool>,
    /// An image folder: its images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_images: Option<usize>,
}

impl DatasetInfo {
    /// Reads `target` (a registered name or a file/folder) as `cinder data info` does, in
    /// `format` (a format name, detected when `None`; `label_property` is the class of SDF
    /// molecules), and describes it.
    pub fn open(target: &str, format: Option<&str>, label_property: &str) -> Result<Self> {
        let format = format.map(DataFormat::parse).transpose()?;
        let dataset = open_dataset(target, format, label_property)
            .map_err(context(format!("reading {target}")))?;
        Ok(Self::of(&dataset))
    }

    /// The statistics of `dataset`.
    pub fn of(dataset: &Dataset) -> Self {
        match dataset {
            Dataset::Nodes(nodes) => node_info(nodes),
            Dataset::Graphs(graphs) => graph_set_info(graphs),
            Dataset::Images(images) => image_info(images),
        }
    }
}

fn non_zeros(features: &FeatureMatrix) -> usize {
    match features {
        FeatureMatrix::Sparse(matrix) => matrix.data().iter().filter(|v| **v != 0.0).count(),
        FeatureMatrix::Dense(matrix) => matrix.values().iter().filter(|v| **v != 0.0).count(),
    }
}

fn counts(labels: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut counts = Vec::new();
    for label in labels {
        if label >= counts.len() {
            counts.resize(label + 1, 0);
        }
        counts[label] += 1;
    }
    counts
}

fn min_mean_max(values: &[usize]) -> [f64; 3] {
    let min = values.iter().min().copied().unwrap_or(0) as f64;
    let max = values.iter().max().copied().unwrap_or(0) as f64;
    let mean = values.iter().sum::<usize>() as f64 / values.len().max(1) as f64;
    [min, mean, max]
}

fn node_info(dataset: &NodeDataset) -> DatasetInfo {
    let graph = &dataset.graph;
    let features = graph.features_or_identity();
    let classes = graph.node_labels().map(compact_labels).unwrap_or_default();
    DatasetInfo {
        name: dataset.name.clone(),
        kind: "node classification (one graph)",
        num_nodes: graph.num_nodes(),
        num_edges: graph.num_edges(),
        num_features: features.columns(),
        feature_density: non_zeros(&features) as f64
            / (features.rows() * features.columns()).max(1) as f64,
        num_classes: classes.values.len(),
        class_names: classes.values.iter().map(usize::to_string).collect(),
        class_counts: classes.counts,
        directed: Some(graph.is_directed()),
        split: dataset
            .split
            .as_ref()
            .map(|s| [s.train.len(), s.validation.len(), s.test.len()]),
        ..DatasetInfo::default()
    }
}

fn graph_set_info(dataset: &GraphSetDataset) -> DatasetInfo {
    let graphs = &dataset.graphs;
    let nodes: Vec<usize> = graphs.iter().map(Graph::num_nodes).collect();
    let edges: Vec<usize> = graphs.iter().map(Graph::num_edges).collect();
    let node_labels = graphs
        .iter()
        .filter_map(Graph::node_labels)
        .flat_map(|l| l.iter().map(|&v| v + 1))
        .max()
        .unwrap_or(0);
    let (num_features, feature_density) = match graphs.first().and_then(Graph::node_features) {
        Some(first) => {
            let total: usize = graphs
                .iter()
                .filter_map(Graph::node_features)
                .map(non_zeros)
                .sum();
            let cells = nodes.iter().sum::<usize>() * first.columns();
            (first.columns(), total as f64 / cells.max(1) as f64)
        }
        // One-hot node labels: one non-zero per row.
        None if node_labels > 0 => (node_labels, 1.0 / node_labels as f64),
        None => (0, 0.0),
    };
    DatasetInfo {
        name: dataset.name.clone(),
        kind: "graph classification (graph set)",
        num_nodes: nodes.iter().sum(),
        num_edges: edges.iter().sum(),
        num_features,
        feature_density,
        num_classes: dataset.class_names.len(),
        class_counts: counts(graphs.iter().filter_map(Graph::graph_label)),
        class_names: dataset.class_names.clone(),
        num_graphs: Some(graphs.len()),
        nodes_per_graph: Some(min_mean_max(&nodes)),
        edges_per_graph: Some(min_mean_max(&edges)),
        fixed_folds: dataset.folds.as_ref().map(Vec::len),
        has_edge_types: Some(graphs.iter().any(|g| g.edge_labels().is_some())),
        ..DatasetInfo::default()
    }
}

fn image_info(folder: &ImageFolder) -> DatasetInfo {
    DatasetInfo {
        name: folder.root.display().to_string(),
        kind: "images",
        num_classes: folder.class_names.len(),
        class_counts: counts(folder.labels.iter().flatten().copied()),
        class_names: folder.class_names.clone(),
        num_images: Some(folder.images.len()),
        ..DatasetInfo::default()
    }
}

/// A dataset cinder knows by name, for `cinder data list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetListing {
    /// The name it is opened by.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Where it is read from (`embedded`, `$CINDER_DATA/…`, or the folder it was found in).
    pub location: String,
}

/// The registered datasets, then those found in `$CINDER_DATA` by their files.
pub fn dataset_listing() -> Vec<DatasetListing> {
    let registered = REGISTRY.iter().map(|dataset| DatasetListing {
        name: dataset.name.to_string(),
        description: dataset.description.to_string(),
        location: dataset
            .relative_path
            .map_or_else(|| "embedded".to_string(), |p| format!("$CINDER_DATA/{p}")),
    });
    let found = discovered().into_iter().map(|dataset| DatasetListing {
        name: dataset.name.to_string(),
        description: match dataset.task {
            DatasetTask::Nodes => "found in $CINDER_DATA: one graph, node labels",
            DatasetTask::Graphs => "found in $CINDER_DATA: labelled graphs",
        }
        .to_string(),
        location: dataset.path.display().to_string(),
    });
    registered.chain(found).collect()
}
