//! `cinder explain node|graph`: flags mapped onto cinder-experiment's
//! [`NodeExplanationRequest`] / [`GraphExplanationRequest`] (train or load a model, explain with
//! GNNExplainer, write the run), and the results printed: top edges, fidelity, AUC where ground
//! truth exists, N–O mask share for MUTAG.

use std::path::PathBuf;

use anyhow::{Context, bail};
use cinder_experiment::{
    DataSource, Device, EntropyMean, ExplainerConfig, GraphExplanationRequest, GraphModelKind,
    JkGcnTraining, NodeExplanationRequest, NodeTargets, atom_names, command_line,
};

/// `--entropy-mean`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EntropyMeanArgument {
    /// Over the masked edges (PyG).
    Edges,
    /// Over every node pair of the computation subgraph (the authors' code).
    NodePairs,
}

/// Options shared by both explanation commands.
#[derive(Debug, clap::Args)]
pub struct ExplainerArguments {
    /// Explainer epochs (Adam) [100, PyG's default].
    #[arg(long, default_value_t = 100)]
    explainer_epochs: usize,
    /// Explainer learning rate [0.01].
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    explainer_lr: f64,
    /// Mask each message direction separately (PyG's edge_mask_type='object') instead of one
    /// value per undirected edge.
    #[arg(long)]
    directed_mask: bool,
    /// Weight of the edge-mask entropy [1.0, PyG's default].
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    edge_entropy: f64,
    /// What the edge entropy is averaged over: `edges` (PyG) or `node-pairs` (the GNNExplainer
    /// authors' code: every node pair of the computation subgraph, as its dense mask).
    #[arg(long, value_enum, default_value_t = EntropyMeanArgument::Edges)]
    entropy_mean: EntropyMeanArgument,
    /// Learn no feature-column mask (edges only).
    #[arg(long)]
    no_feature_mask: bool,
    /// The explanation subgraph: the K edges with the largest mask.
    #[arg(long, default_value_t = 6)]
    top_k: usize,
    /// Seed of training and of the masks.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Write no report.
    #[arg(long)]
    no_report: bool,
    /// Root of the run directories.
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Load the model from this run directory instead of training one: one written by `cinder
    /// explain`, or by `cinder train node` / `cinder train graph` (its first seed's / fold's
    /// model).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
}

impl ExplainerArguments {
    fn config(&self) -> anyhow::Result<ExplainerConfig> {
        if self.explainer_epochs == 0 {
            bail!("--explainer-epochs must be at least 1");
        }
        if !(self.explainer_lr.is_finite() && self.explainer_lr > 0.0) {
            bail!(
                "--explainer-lr must be a positive number, got {}",
                self.explainer_lr
            );
        }
        if self.top_k == 0 {
            bail!("--top-k must be at least 1");
        }
        if !(self.edge_entropy.is_finite() && self.edge_entropy >= 0.0) {
            bail!(
                "--edge-entropy must be a number >= 0, got {}",
                self.edge_entropy
            );
        }
        Ok(ExplainerConfig {
            epochs: self.explainer_epochs,
            learning_rate: self.explainer_lr,
            undirected: !self.directed_mask,
            edge_entropy: self.edge_entropy,
            entropy_mean: match self.entropy_mean {
                EntropyMeanArgument::Edges => EntropyMean::Edges,
                EntropyMeanArgument::NodePairs => EntropyMean::NodePairs,
            },
            feature_mask: !self.no_feature_mask,
            seed: self.seed,
            ..ExplainerConfig::default()
        })
    }
}

/// `cinder explain node`.
#[derive(Debug, clap::Args)]
pub struct ExplainNodeArguments {
    /// A registered node dataset (ba-shapes, tree-cycles: with ground-truth explanations;
    /// karate, cora, …).
    #[arg(long, conflicts_with = "data")]
    dataset: Option<String>,
    /// A graph directory (edge_index/x/y as .npy or .csv) instead.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The node to explain.
    #[arg(long, required_unless_present = "all")]
    node: Option<usize>,
    /// Explain every motif node of a benchmark with ground truth (every node otherwise).
    #[arg(long)]
    all: bool,
    /// Graph convolutions of the explained GCN [3].
    #[arg(long, default_value_t = 3)]
    layers: usize,
    /// Units per layer [20].
    #[arg(long, default_value_t = 20)]
    hidden: usize,
    /// Training epochs [1000].
    #[arg(long, default_value_t = 1000)]
    epochs: usize,
    /// Training learning rate [0.01].
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    lr: f64,
    /// Sum the neighbours only, without the node's own row (the GNNExplainer authors' GCN).
    #[arg(long)]
    no_self_loops: bool,
    #[command(flatten)]
    explainer: ExplainerArguments,
}

/// `cinder explain graph`.
#[derive(Debug, clap::Args)]
pub struct ExplainGraphArguments {
    /// A registered graph dataset (MUTAG, PROTEINS, solubility).
    #[arg(long, conflicts_with = "data")]
    dataset: Option<String>,
    /// A GIN-text `.txt` or an `.sdf` file instead.
    #[arg(long)]
    data: Option<PathBuf>,
    /// SDF property holding the class (with --data FILE.sdf).
    #[arg(long, default_value = "SOL_classification")]
    label_property: String,
    /// The graph to explain.
    #[arg(long, required_unless_present = "all")]
    graph: Option<usize>,
    /// Explain every held-out test graph.
    #[arg(long)]
    all: bool,
    /// Model: gcn or gin.
    #[arg(long, default_value = "gcn")]
    model: String,
    /// Training epochs [100].
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    #[command(flatten)]
    explainer: ExplainerArguments,
}

fn data_source(dataset: Option<&str>, data: Option<&PathBuf>) -> Option<DataSource> {
    match (dataset, data) {
        (_, Some(path)) => Some(DataSource::Path(path.clone())),
        (Some(name), None) => Some(DataSource::Registered(name.to_string())),
        (None, None) => None,
    }
}

/// Runs `cinder explain node`.
pub fn node(arguments: &ExplainNodeArguments, device: &Device) -> anyhow::Result<()> {
    let explainer = arguments.explainer.config()?;
    if !(arguments.lr.is_finite() && arguments.lr > 0.0) {
        bail!("--lr must be a positive number, got {}", arguments.lr);
    }
    let Some(data) = data_source(arguments.dataset.as_deref(), arguments.data.as_ref()) else {
        bail!(
            "name a dataset with --dataset (ba-shapes, tree-cycles, karate, cora, …) or a graph directory with --data"
        );
    };
    let request = NodeExplanationRequest {
        data,
        targets: match arguments.node {
            Some(node) if !arguments.all => NodeTargets::One(node),
            _ => NodeTargets::All,
        },
        training: JkGcnTraining {
            layers: arguments.layers,
            hidden: arguments.hidden,
            epochs: arguments.epochs,
            learning_rate: arguments.lr,
            self_loops: !arguments.no_self_loops,
            seed: arguments.explainer.seed,
            ..JkGcnTraining::default()
        },
        checkpoint: arguments.explainer.checkpoint.clone(),
        explainer,
        top_k: arguments.explainer.top_k,
    };
    let run = request.run(device)?;
    let report = if arguments.explainer.no_report {
        None
    } else {
        Some(run.write(&arguments.explainer.out, Some(command_line()))?)
    };
    if arguments.explainer.json {
        let mut summary = run.summary();
        if let Some(path) = &report {
            summary["report"] = serde_json::json!(path.display().to_string());
        }
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    let origin = match &run.checkpoint {
        Some(path) => format!("loaded from {}", path.display()),
        None => "trained".into(),
    };
    println!("{}: {} ({origin})", run.dataset, run.model.headline());
    let truth = run.ground_truth();
    for explained_node in run.explained.nodes.iter().take(5) {
        let e = &explained_node.explanation;
        println!(
            "node {} (label {:?}) predicted {} (p = {:.3}); top edges:",
            explained_node.node, explained_node.label, e.predicted_class, e.probability
        );
        for ((s, t), m) in e.top_edges(run.top_k) {
            let mark = if truth
                .as_ref()
                .is_some_and(|truth| truth(explained_node.node, s, t))
            {
                "  motif"
            } else {
                ""
            };
            println!("  {s:>5} – {t:<5} mask {m:.3}{mark}");
        }
    }
    if run.explained.nodes.len() > 5 {
        println!("… {} more nodes", run.explained.nodes.len() - 5);
    }
    if let Some(auc) = run.explained.explanation_auc {
        println!("explanation AUC (mean over nodes): {auc:.3}");
    }
    println!(
        "fidelity+ {:.3}, fidelity- {:.3} (top {} edges)",
        run.explained.fidelity_plus, run.explained.fidelity_minus, run.top_k
    );
    if let Some(path) = report {
        println!("report: {}", path.display());
    }
    Ok(())
}

/// Runs `cinder explain graph`.
pub fn graph(arguments: &ExplainGraphArguments, device: &Device) -> anyhow::Result<()> {
    let explainer = arguments.explainer.config()?;
    let model = match arguments.model.to_lowercase().as_str() {
        "gcn" => GraphModelKind::Gcn,
        "gin" => GraphModelKind::Gin,
        other => bail!("--model {other}: explanations support gcn and gin"),
    };
    if arguments.epochs == 0 {
        bail!("--epochs must be at least 1");
    }
    let Some(data) = data_source(arguments.dataset.as_deref(), arguments.data.as_ref()) else {
        bail!("name a dataset with --dataset (MUTAG, PROTEINS, solubility) or a file with --data");
    };
    let request = GraphExplanationRequest {
        data,
        label_property: arguments.label_property.clone(),
        graph: arguments.graph.filter(|_| !arguments.all),
        model,
        epochs: arguments.epochs,
        checkpoint: arguments.explainer.checkpoint.clone(),
        seed: arguments.explainer.seed,
        explainer,
        top_k: arguments.explainer.top_k,
    };
    let run = request
        .run(device)
        .with_context(|| format!("explaining {} predictions", arguments.model))?;
    let report = if arguments.explainer.no_report {
        None
    } else {
        Some(run.write(&arguments.explainer.out, Some(command_line()))?)
    };
    if arguments.explainer.json {
        let mut summary = run.summary();
        if let Some(path) = &report {
            summary["report"] = serde_json::json!(path.display().to_string());
        }
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    let class = |c: usize| run.dataset.class_names.get(c).map_or("?", String::as_str);
    match (&run.checkpoint, run.test_accuracy) {
        (Some(path), _) => println!(
            "{}: {} model loaded from {}",
            run.dataset.name,
            run.training.model.name(),
            path.display()
        ),
        (None, accuracy) => println!(
            "{}: {} model, test accuracy {:.1}% on {} held-out graphs",
            run.dataset.name,
            run.training.model.name(),
            100.0 * accuracy.unwrap_or(f64::NAN),
            run.test.len()
        ),
    }
    for g in run.explained.iter().take(5) {
        println!(
            "graph {} (label {}) predicted {} (p = {:.3}); top edges:",
            g.graph,
            class(g.label),
            class(g.explanation.predicted_class),
            g.explanation.probability
        );
        let atoms = atom_names(&run.dataset, g.graph);
        for ((s, t), m) in g.explanation.top_edges(run.top_k) {
            println!("  {}{s} – {}{t}  mask {m:.3}", atoms[s], atoms[t]);
        }
    }
    println!(
        "fidelity+ {:.3}, fidelity- {:.3}",
        run.fidelity.0, run.fidelity.1
    );
    if let Some(nitro) = &run.nitro {
        println!(
            "N–O bonds in graphs predicted mutagenic: {:.1}% of the edge-mask mass vs {:.1}% of the edges ({} graphs)",
            100.0 * nitro.mask_share,
            100.0 * nitro.edge_share,
            nitro.graphs
        );
    }
    if let Some(path) = report {
        println!("report: {}", path.display());
    }
    Ok(())
}
