//! GNNExplainer on its synthetic benchmarks (Ying et al. 2019): train the paper's 3-layer GCN on
//! BA-Shapes and Tree-Cycles, explain every motif node, and report the model's accuracy, the mean
//! explanation ROC AUC against the motif edges (paper: 0.925 and 0.948) and fidelity, per seed.
//!
//! `cargo run --release --example explain_benchmarks -- [ba-shapes|tree-cycles|all] [SEEDS]`

use std::collections::HashSet;
use std::time::Instant;

use burn::tensor::Device;
use cinder::datasets::motif_benchmark;
use cinder::nn::{
    EdgeSelection, ExplainerConfig, JkGcnTraining, explain_nodes, mean_std, train_jk_gcn,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let which = arguments.first().map_or("all", String::as_str);
    let seeds: u64 = arguments.get(1).map_or(Ok(3), |s| s.parse())?;
    let names: Vec<&str> = match which {
        "all" => vec!["ba-shapes", "tree-cycles"],
        other => vec![other],
    };
    let device = Device::flex().autodiff();
    for name in names {
        let benchmark = motif_benchmark(name).ok_or(format!("unknown benchmark {name}"))??;
        let motif_pairs: HashSet<(usize, usize)> = benchmark
            .graph
            .edges()
            .zip(&benchmark.motif_edges)
            .filter(|(_, in_motif)| **in_motif)
            .flat_map(|((a, b), _)| [(a, b), (b, a)])
            .collect();
        let truth = |s: usize, t: usize| motif_pairs.contains(&(s, t));
        let motif_nodes: Vec<usize> = (0..benchmark.graph.num_nodes())
            .filter(|&n| benchmark.motif_of_node[n].is_some())
            .collect();
        let mut aucs = Vec::new();
        for seed in 0..seeds {
            let start = Instant::now();
            let trained = train_jk_gcn(
                &benchmark.graph,
                &JkGcnTraining {
                    seed,
                    ..JkGcnTraining::default()
                },
                &device,
            )?;
            let trained_in = start.elapsed().as_secs_f64();
            let explained = explain_nodes(
                &trained,
                benchmark.graph.node_labels(),
                &motif_nodes,
                Some(&truth),
                &ExplainerConfig {
                    seed,
                    ..ExplainerConfig::default()
                },
                EdgeSelection::TopK(12),
            )?;
            let auc = explained.explanation_auc.unwrap_or(f64::NAN);
            aucs.push(auc);
            println!(
                "{name} seed {seed}: train acc {:.3}, test acc {:.3} ({trained_in:.1} s); AUC {auc:.3} over {} nodes; fidelity+ {:.3}, fidelity- {:.3} ({:.1} s)",
                trained.train_accuracy,
                trained.test_accuracy,
                motif_nodes.len(),
                explained.fidelity_plus,
                explained.fidelity_minus,
                start.elapsed().as_secs_f64() - trained_in,
            );
        }
        let (mean, std) = mean_std(&aucs);
        println!("{name}: explanation AUC {mean:.3} ± {std:.3} over {seeds} seeds");
    }
    Ok(())
}
