//! `cinder data info|list|download`: what a dataset holds (nodes, edges, features, classes,
//! splits, graph sizes) for a registered name or a path in any supported format, the registered
//! names, and downloads; cinder-experiment's [`DatasetInfo`] computes, this file prints.

use cinder_experiment::{DatasetInfo, dataset_listing, download_dataset};
use clap::Args;

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

/// Runs `cinder data info`.
pub fn run(arguments: &InfoArguments) -> anyhow::Result<()> {
    let info = DatasetInfo::open(
        &arguments.target,
        arguments.format.as_deref(),
        &arguments.label_property,
    )?;
    if arguments.json {
        println!("{}", serde_json::to_string(&info)?);
    } else {
        print_info(&info);
    }
    Ok(())
}

fn print_info(info: &DatasetInfo) {
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
    for dataset in dataset_listing() {
        println!(
            "{:<12} {:<60} {}",
            dataset.name, dataset.description, dataset.location
        );
    }
}
