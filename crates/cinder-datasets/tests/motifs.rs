//! The generated explanation benchmarks: sizes, classes and ground truth as in Ying et al. 2019.

use cinder_datasets::{MotifOptions, ba_shapes, load_registered_nodes, tree_cycles};

fn count(labels: &[usize], class: usize) -> usize {
    labels.iter().filter(|&&l| l == class).count()
}

#[test]
fn ba_shapes_has_the_papers_shape() {
    let benchmark = ba_shapes(MotifOptions::ba_shapes()).unwrap();
    let graph = &benchmark.graph;
    assert_eq!(graph.num_nodes(), 700);
    let labels = graph.node_labels().unwrap();
    assert_eq!(
        [0, 1, 2, 3].map(|c| count(labels, c)),
        [300, 80, 160, 160],
        "base / top / middle / bottom"
    );
    // BA with m = 5 on 300 nodes: 5 star edges + 5 per later node; 80 houses of 6 edges and one
    // attachment edge each; then 0.1 · N random edges.
    let structural = 5 + 5 * (300 - 6) + 80 * 7;
    let random = 70;
    assert_eq!(graph.num_edges(), structural + random);
    assert_eq!(benchmark.motif_edges.iter().filter(|&&m| m).count(), 480);
    // Every motif edge joins two nodes of the same house.
    for ((a, b), &in_motif) in graph.edges().zip(&benchmark.motif_edges) {
        if in_motif {
            assert!(benchmark.motif_of_node[a].is_some());
            assert_eq!(benchmark.motif_of_node[a], benchmark.motif_of_node[b]);
        }
    }
    // No duplicate edges, no self-loops.
    let mut seen = std::collections::HashSet::new();
    for (a, b) in graph.edges() {
        assert_ne!(a, b);
        assert!(seen.insert((a.min(b), a.max(b))), "duplicate edge {a}-{b}");
    }
    // The same seed gives the same graph; another seed another one.
    let again = ba_shapes(MotifOptions::ba_shapes()).unwrap();
    assert_eq!(again.graph, benchmark.graph);
    let other = ba_shapes(MotifOptions {
        seed: 1,
        ..MotifOptions::ba_shapes()
    })
    .unwrap();
    assert_ne!(other.graph, benchmark.graph);
}

#[test]
fn a_motif_nodes_ground_truth_is_its_own_motif() {
    let benchmark = ba_shapes(MotifOptions::ba_shapes()).unwrap();
    let truth = benchmark.explanation_truth();
    // House 0 is nodes 300..305, house 1 305..310; local 1 is attached to the base graph.
    assert!(truth(302, 300, 301) && truth(302, 301, 300) && truth(300, 303, 304));
    assert!(!truth(302, 305, 306), "another house's edge");
    let (attached, anchor) = benchmark.attachments[0];
    assert_eq!(attached, 301);
    assert_eq!(benchmark.motif_of_node[anchor], None);
    assert!(!truth(attached, attached, anchor), "the attachment edge");
    assert!(!truth(anchor, 300, 301), "a base node has no motif");
    assert_eq!(benchmark.attachments.len(), 80);
    let cycles = tree_cycles(MotifOptions::tree_cycles()).unwrap();
    assert_eq!(cycles.attachments[0].0, 511);
    let truth = cycles.explanation_truth();
    assert!(truth(514, 516, 511) && !truth(514, 511, cycles.attachments[0].1));
}

#[test]
fn tree_cycles_has_a_depth_8_tree_and_80_cycles() {
    let benchmark = tree_cycles(MotifOptions::tree_cycles()).unwrap();
    let graph = &benchmark.graph;
    assert_eq!(graph.num_nodes(), 511 + 480);
    let labels = graph.node_labels().unwrap();
    assert_eq!(count(labels, 1), 480);
    assert_eq!(graph.num_edges(), 510 + 80 * 7);
    assert_eq!(benchmark.motif_edges.iter().filter(|&&m| m).count(), 480);
    let degrees = graph.degrees();
    for (node, &degree) in degrees.iter().enumerate().skip(511) {
        assert!(
            degree == 2 || degree == 3,
            "cycle node {node} has degree {degree}"
        );
    }
}

#[test]
fn impossible_options_are_refused_with_the_reason() {
    let error = ba_shapes(MotifOptions {
        motifs: 400,
        ..MotifOptions::ba_shapes()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("400 motifs"), "{error}");
    let error = tree_cycles(MotifOptions {
        base: 40,
        ..MotifOptions::tree_cycles()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("depth 40"), "{error}");
}

#[test]
fn benchmarks_are_registered_by_name() {
    let loaded = load_registered_nodes("BA-Shapes").unwrap();
    assert_eq!(loaded.graph.num_nodes(), 700);
    assert_eq!(
        load_registered_nodes("tree-cycles")
            .unwrap()
            .graph
            .num_nodes(),
        991
    );
}
