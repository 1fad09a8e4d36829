//! The karate club through cinder-graph: degrees, features, and the GCN operator's statistics.
//!
//! `cargo run --release --example karate`

use cinder::graph::{
    FeatureMatrix, GcnNormalization, gcn_normalization, karate_club, random_walk_normalization,
};

fn main() -> Result<(), cinder::graph::GraphError> {
    let graph = karate_club();
    let degrees = graph.degrees();
    let labels = graph.node_labels().unwrap_or_default();
    println!("Zachary's karate club (embedded)");
    println!(
        "  nodes {}, undirected edges {}, weighted: {}",
        graph.num_nodes(),
        graph.num_edges(),
        graph.edge_weights().is_some()
    );
    println!(
        "  clubs: {} Mr. Hi, {} Officer",
        labels.iter().filter(|&&club| club == 0).count(),
        labels.iter().filter(|&&club| club == 1).count()
    );
    let (hub, hub_degree) = degrees
        .iter()
        .enumerate()
        .max_by_key(|&(_, degree)| degree)
        .map(|(node, &degree)| (node, degree))
        .unwrap_or_default();
    println!(
        "  degree min {}, mean {:.2}, max {} (node {hub})",
        degrees.iter().min().unwrap_or(&0),
        degrees.iter().sum::<usize>() as f64 / degrees.len() as f64,
        hub_degree
    );
    let identity = graph.features_or_identity();
    println!(
        "  node features: {}x{} identity (one-hot node id)",
        identity.rows(),
        identity.columns()
    );
    let degree_features = FeatureMatrix::one_hot_degree(&degrees, 10);
    println!(
        "  one-hot degree features (cap 10): {}x{}",
        degree_features.rows(),
        degree_features.columns()
    );

    for (name, weighted) in [("unweighted", false), ("weighted by interactions", true)] {
        let graph = if weighted {
            graph.clone()
        } else {
            strip_weights(&graph)?
        };
        let operator = gcn_normalization(&graph, GcnNormalization::default())?;
        let values = operator.data();
        let diagonal: Vec<f32> = (0..operator.rows())
            .filter_map(|i| operator.get(i, i).copied())
            .collect();
        let row_sums: Vec<f32> = operator
            .outer_iterator()
            .map(|row| row.data().iter().sum())
            .collect();
        println!("\nGCN operator D^-1/2 (A+I) D^-1/2, {name}:");
        println!(
            "  {}x{}, {} stored entries ({:.1}% dense), self-loops on all {} nodes",
            operator.rows(),
            operator.cols(),
            operator.nnz(),
            100.0 * operator.nnz() as f64 / (operator.rows() * operator.cols()) as f64,
            diagonal.len()
        );
        println!(
            "  entries min {:.4}, max {:.4}, mean {:.4}",
            min(values),
            max(values),
            values.iter().sum::<f32>() / values.len() as f32
        );
        println!(
            "  diagonal (self-loop share): node 0 {:.4}, node 33 {:.4}; row sums in [{:.3}, {:.3}]",
            diagonal[0],
            diagonal[33],
            min(&row_sums),
            max(&row_sums)
        );
    }

    let walk = random_walk_normalization(&graph, true)?;
    let row_sums: Vec<f32> = walk
        .outer_iterator()
        .map(|row| row.data().iter().sum())
        .collect();
    println!(
        "\nrandom-walk operator D^-1 (A+I): every row sums to 1 within {:.1e}",
        row_sums.iter().map(|s| (s - 1.0).abs()).fold(0.0, f32::max)
    );
    Ok(())
}

fn strip_weights(
    graph: &cinder::graph::Graph,
) -> Result<cinder::graph::Graph, cinder::graph::GraphError> {
    cinder::graph::Graph::from_edges(graph.num_nodes(), graph.edges(), graph.direction())
}

fn min(values: &[f32]) -> f32 {
    values.iter().copied().fold(f32::INFINITY, f32::min)
}

fn max(values: &[f32]) -> f32 {
    values.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}
