//! `cinder image graph`: flags onto [`ImageGraphRequest`], the graph and report written, the
//! summary printed.

use std::path::PathBuf;

use cinder_experiment::{Device, ImageGraphRequest};
use clap::Args;

use super::model::{EmbeddingArguments, MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;

/// Options of `cinder image graph`.
#[derive(Debug, Args)]
pub struct GraphArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// A folder of images: class subfolders (labels) or a flat folder (no labels).
    #[arg(long)]
    images: PathBuf,
    /// Neighbours per image (the union of both directions becomes one undirected edge).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Output folder: `nodes.csv` (id = image path relative to --images, label, features) and
    /// `edges.csv` (source, target, cosine similarity); `cinder data info` reads it.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    embedding: EmbeddingArguments,
    /// Also train a two-layer GCN (hidden 64, no feature row normalization, patience 50) on the
    /// graph from this many labelled images per class (as many
    /// again for validation, the rest for testing) and the same model without the graph's edges
    /// (an MLP on the embeddings), and report both test accuracies.
    #[arg(long)]
    labels_per_class: Option<usize>,
    /// Seeds (splits and initializations) averaged by --labels-per-class.
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
    /// Do not write `report.html` and its charts (embedding scatter, degrees, GCN vs MLP) into
    /// the output folder.
    #[arg(long)]
    no_report: bool,
}

/// The request fields these flags set, with their flags (for error messages).
const FLAGS: [(&str, &str); 5] = [
    ("k", "--k"),
    ("labels_per_class", "--labels-per-class"),
    ("images", "--images"),
    MODEL_FLAGS[0],
    MODEL_FLAGS[1],
];

/// Runs `cinder image graph`.
pub fn run(arguments: &GraphArguments, device: &Device) -> anyhow::Result<()> {
    let request = ImageGraphRequest {
        model: arguments.model.source(),
        images: arguments.images.clone(),
        k: arguments.k,
        embedding: arguments.embedding.options()?,
        pca: arguments.embedding.pca,
        labels_per_class: arguments.labels_per_class,
        seeds: arguments.seeds,
        out: arguments.out.clone(),
    };
    let mut run = request
        .run(device, &mut ProgressBars::new(arguments.json))
        .map_err(|e| in_flag_terms(e, &FLAGS))?;
    let summary = &run.summary;
    if !arguments.json {
        println!(
            "{} images → {}-d embeddings ({} from the cache, {} computed); k = {}: {} undirected edges{}",
            summary.images,
            summary.embedding_dims,
            summary.embeddings_from_cache,
            summary.embeddings_computed,
            summary.k,
            summary.edges,
            summary
                .same_class_edge_fraction
                .map_or(String::new(), |same_class| format!(
                    ", {:.1}% joining images of the same class",
                    100.0 * same_class
                )),
        );
        if let Some(ablation) = &run.result.ablation {
            let (gcn_mean, gcn_std) = ablation.with_edges_mean_std();
            let (mlp_mean, mlp_std) = ablation.without_edges_mean_std();
            println!(
                "{} labelled images per class, {} seeds: GCN on the similarity graph {:.2}% ± {:.2}, same model without edges (MLP) {:.2}% ± {:.2}",
                ablation.labels_per_class,
                ablation.with_edges.len(),
                100.0 * gcn_mean,
                100.0 * gcn_std,
                100.0 * mlp_mean,
                100.0 * mlp_std
            );
        }
    }
    // Written only now that everything that can fail on the input has run.
    run.write_graph()?;
    if !arguments.json {
        println!("written to {}", arguments.out.display());
    }
    if !arguments.no_report {
        let report = run.write_report()?;
        if !arguments.json {
            eprintln!("report: {}", report.display());
        }
    }
    if arguments.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::to_value(&run.summary)?)?
        );
    }
    Ok(())
}
