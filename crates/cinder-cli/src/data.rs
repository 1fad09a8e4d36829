//! `cinder data info`: what a dataset holds (nodes, edges, features, classes, splits, graph sizes),
//! for a registered name or a path in any supported format.

use anyhow::Context;
use cinder_datasets::{
    DataFormat, Dataset, GraphSetDataset, ImageFolder, NodeDataset, REGISTRY, download_dataset,
    open_dataset,
};
use cinder_graph::{FeatureMatrix, Graph, compact_labels};
use clap::Args;
use serde::Serialize;

/// Options of `cinder data info`.
#[derive(Debug, Args)]
pub struct InfoArguments {
    /// A registered name (karate, cora, citeseer, pubmed, twitch-en, MUTAG, PROTEINS, solubility)
    /// or a file/folder.
    target: String,
    /// Format of a path (default: detected from the files): planetoid, musae, csv, graph-dir, tu,
    /// gin-txt, sdf, obj, off, ply, images.
    #[arg(long)]
    format: Option<String>,
    /// SD property used as the class of SDF molecules.
    #[arg(long, default_value = "SOL_classification")]
    label_property: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Statistics of a dataset (`--json` prints this object).
#[derive(Debug, Serialize, Default)]
struct Info {
    name: String,
    kind: &'static str,
    num_nodes: usize,
    num_edges: usize,
    num_features: usize,
    feature_density: f64,
    num_classes: usize,
    class_counts: Vec<usize>,
    class_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    directed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<[usize; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_graphs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes_per_graph: Option<[f64; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edges_per_graph: Option<[f64; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_folds: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_edge_types: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_images: Option<usize>,
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

fn node_info(dataset: &NodeDataset) -> Info {
    let graph = &dataset.graph;
    let features = graph.features_or_identity();
    let classes = graph.node_labels().map(compact_labels).unwrap_or_default();
    Info {
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
        ..Info::default()
    }
}

fn graph_set_info(dataset: &GraphSetDataset) -> Info {
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
    let class_counts = counts(graphs.iter().filter_map(Graph::graph_label));
    Info {
        name: dataset.name.clone(),
        kind: "graph classification (graph set)",
        num_nodes: nodes.iter().sum(),
        num_edges: edges.iter().sum(),
        num_features,
        feature_density,
        num_classes: dataset.class_names.len(),
        class_counts,
        class_names: dataset.class_names.clone(),
        num_graphs: Some(graphs.len()),
        nodes_per_graph: Some(min_mean_max(&nodes)),
        edges_per_graph: Some(min_mean_max(&edges)),
        fixed_folds: dataset.folds.as_ref().map(Vec::len),
        has_edge_types: Some(graphs.iter().any(|g| g.edge_labels().is_some())),
        ..Info::default()
    }
}

fn image_info(folder: &ImageFolder) -> Info {
    let class_counts = counts(folder.labels.iter().flatten().copied());
    Info {
        name: folder.root.display().to_string(),
        kind: "images",
        num_classes: folder.class_names.len(),
        class_counts,
        class_names: folder.class_names.clone(),
        num_images: Some(folder.images.len()),
        ..Info::default()
    }
}

/// Runs `cinder data info`.
pub fn run(arguments: &InfoArguments) -> anyhow::Result<()> {
    let format = arguments
        .format
        .as_deref()
        .map(DataFormat::parse)
        .transpose()?;
    let dataset = open_dataset(&arguments.target, format, &arguments.label_property)
        .with_context(|| format!("reading {}", arguments.target))?;
    let info = match &dataset {
        Dataset::Nodes(nodes) => node_info(nodes),
        Dataset::Graphs(graphs) => graph_set_info(graphs),
        Dataset::Images(images) => image_info(images),
    };
    if arguments.json {
        println!("{}", serde_json::to_string(&info)?);
    } else {
        print_info(&info);
    }
    Ok(())
}

fn print_info(info: &Info) {
    println!("{}: {}", info.name, info.kind);
    if let Some(images) = info.num_images {
        println!("  images:   {images}");
    } else {
        if let Some(graphs) = info.num_graphs {
            println!("  graphs:   {graphs}");
        }
        println!("  nodes:    {}", info.num_nodes);
        println!(
            "  edges:    {} (undirected edges counted once)",
            info.num_edges
        );
        println!(
            "  features: {} ({:.2}% non-zero)",
            info.num_features,
            100.0 * info.feature_density
        );
        for (what, stats) in [
            ("nodes per graph", info.nodes_per_graph),
            ("edges per graph", info.edges_per_graph),
        ] {
            if let Some([min, mean, max]) = stats {
                println!("  {what}: min {min}, mean {mean:.1}, max {max}");
            }
        }
        if let Some(true) = info.has_edge_types {
            println!("  edge types: yes (bond types)");
        }
    }
    let classes: Vec<String> = info
        .class_names
        .iter()
        .zip(&info.class_counts)
        .map(|(name, count)| format!("{name}: {count}"))
        .collect();
    if info.num_classes == 0 {
        println!("  classes:  none (no labels)");
    } else {
        println!("  classes:  {} ({})", info.num_classes, classes.join(", "));
    }
    if let Some([train, validation, test]) = info.split {
        println!("  split:    {train} train / {validation} validation / {test} test");
    }
    if let Some(folds) = info.fixed_folds {
        println!("  folds:    {folds} fixed cross-validation folds");
    }
}

/// Options of `cinder data download`.
#[derive(Debug, Args)]
pub struct DownloadArguments {
    /// Dataset to download (downloadable: cora).
    name: String,
    /// Folder to write into, in the `$CINDER_DATA` layout (default: the cache folder).
    #[arg(long)]
    to: Option<std::path::PathBuf>,
}

/// Runs `cinder data download`.
pub fn download(arguments: &DownloadArguments) -> anyhow::Result<()> {
    let paths = download_dataset(&arguments.name, arguments.to.as_deref())?;
    for path in paths {
        println!("{}", path.display());
    }
    Ok(())
}

/// The registered names, for `cinder data list`.
pub fn list() {
    for dataset in REGISTRY {
        let location = dataset
            .relative_path
            .map_or_else(|| "embedded".to_string(), |p| format!("$CINDER_DATA/{p}"));
        println!(
            "{:<12} {:<60} {location}",
            dataset.name, dataset.description
        );
    }
    for dataset in cinder_datasets::discovered() {
        let what = match dataset.task {
            cinder_datasets::DatasetTask::Nodes => "found in $CINDER_DATA: one graph, node labels",
            cinder_datasets::DatasetTask::Graphs => "found in $CINDER_DATA: labelled graphs",
        };
        println!("{:<12} {what:<60} {}", dataset.name, dataset.path.display());
    }
}
