//! The node-classification paper table: GCN, GAT, GATv2, GraphSAGE, SGC, APPNP and ChebNet on a
//! Planetoid graph (public split), each with its paper's settings
//! ([`NodeTrainingConfig::for_model`]), over several seeds, next to the published accuracy.
//!
//! `CINDER_DATA=../shared/datasets cargo run --release --example node_models -- [cora|citeseer|pubmed] [SEEDS] [MODEL...]`

use std::time::Instant;

use burn::tensor::Device;
use cinder::datasets::{load_planetoid, planetoid_directory};
use cinder::nn::{NodeModelKind, NodeTrainingConfig, mean_std, median, train_node_model};

/// Published Cora test accuracy (public split) and its source.
fn paper(kind: NodeModelKind) -> (&'static str, &'static str) {
    match kind {
        NodeModelKind::Gcn => ("81.5", "Kipf & Welling 2017"),
        NodeModelKind::Gat => ("83.0 ± 0.7", "Veličković et al. 2018"),
        NodeModelKind::Gatv2 => ("—", "Brody et al. 2022 (no Planetoid row)"),
        NodeModelKind::Sage => ("—", "Hamilton et al. 2017 (no Planetoid row)"),
        NodeModelKind::Sgc => ("81.0 ± 0.0", "Wu et al. 2019"),
        NodeModelKind::Appnp => ("83.3 (PyG example)", "Klicpera et al. 2019"),
        NodeModelKind::Cheb => ("81.2", "Kipf & Welling 2017, Chebyshev K = 3"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let name = arguments.first().map_or("cora", String::as_str);
    let seeds: u64 = arguments.get(1).map_or(Ok(10), |s| s.parse())?;
    let models: Vec<NodeModelKind> = if arguments.len() > 2 {
        arguments[2..]
            .iter()
            .map(|m| m.parse())
            .collect::<Result<_, _>>()?
    } else {
        NodeModelKind::ALL.to_vec()
    };
    let directory = planetoid_directory()
        .ok_or("set CINDER_DATA to the folder holding planetoid/ind.<name>.*")?;
    let dataset = load_planetoid(&directory, name)?;
    let device = Device::flex().autodiff();
    println!("{name}, public split, {seeds} seeds; each model with its paper's settings\n");
    println!(
        "| model | cinder test accuracy (mean ± std) | paper (Cora) | source | median epoch ms | seconds |"
    );
    println!("|---|---|---|---|---|---|");
    for kind in models {
        let start = Instant::now();
        let mut accuracies = Vec::new();
        let mut steps = Vec::new();
        for seed in 0..seeds {
            let config = NodeTrainingConfig::for_model(kind).with_seed(seed);
            let (_, report) = train_node_model(&dataset.graph, &dataset.split, &config, &device)?;
            accuracies.push(100.0 * report.test_accuracy);
            steps.extend(report.history.iter().map(|e| e.step_ms));
        }
        // Sample standard deviation and median, as `cinder train node` reports them.
        let (mean, std) = mean_std(&accuracies);
        let median = median(&steps);
        let (published, source) = paper(kind);
        println!(
            "| {kind} | {mean:.1} ± {std:.1} | {published} | {source} | {median:.1} | {:.0} |",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
