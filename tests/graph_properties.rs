//! Property tests of cinder-graph's invariants on random graphs.

use cinder::graph::{
    AdjacencyBuilder, Direction, FeatureMatrix, GcnNormalization, Graph, GraphError, Orientation,
    block_diagonal, block_diagonal_batch, gcn_normalization, random_walk_normalization,
};
use proptest::prelude::*;

/// A random graph: up to 12 nodes, up to 40 edges (self-loops and duplicates allowed), positive
/// weights or none, dense features and labels.
fn graph_strategy(direction: Direction) -> impl Strategy<Value = Graph> {
    (1usize..12).prop_flat_map(move |nodes| {
        let edges = prop::collection::vec((0..nodes, 0..nodes), 0..40);
        (Just(nodes), edges, any::<bool>(), any::<u64>()).prop_flat_map(
            move |(nodes, edges, weighted, label_seed)| {
                let weights = prop::collection::vec(0.1f32..5.0, edges.len());
                let features = prop::collection::vec(-1.0f32..1.0, nodes * 3);
                (
                    Just((nodes, edges, weighted, label_seed)),
                    weights,
                    features,
                )
                    .prop_map(
                        move |((nodes, edges, weighted, label_seed), weights, features)| {
                            let labels =
                                (0..nodes).map(|i| (label_seed as usize + i) % 3).collect();
                            let graph = Graph::from_edges(nodes, edges, direction)
                                .unwrap()
                                .with_node_features(
                                    FeatureMatrix::dense(nodes, 3, features).unwrap(),
                                )
                                .unwrap()
                                .with_node_labels(labels)
                                .unwrap()
                                .with_graph_label(label_seed as usize % 2);
                            if weighted {
                                graph.with_edge_weights(weights).unwrap()
                            } else {
                                graph
                            }
                        },
                    )
            },
        )
    })
}

fn any_direction_graph() -> impl Strategy<Value = Graph> {
    prop_oneof![
        graph_strategy(Direction::Undirected),
        graph_strategy(Direction::Directed)
    ]
}

/// Dense f64 reference of D^-1/2 (A + I) D^-1/2 in message-passing layout, self-loops only where
/// missing, degree over incoming edges.
fn dense_reference(graph: &Graph, improved: bool) -> Vec<Vec<f64>> {
    let n = graph.num_nodes();
    let mut m = vec![vec![0.0f64; n]; n];
    for (edge, (source, target)) in graph.edges().enumerate() {
        let w = graph.edge_weights().map_or(1.0, |w| f64::from(w[edge]));
        m[target][source] += w;
        if !graph.is_directed() && source != target {
            m[source][target] += w;
        }
    }
    let has_loop: Vec<bool> = (0..n)
        .map(|i| graph.edges().any(|(s, t)| s == i && t == i))
        .collect();
    for i in 0..n {
        if !has_loop[i] {
            m[i][i] += if improved { 2.0 } else { 1.0 };
        }
    }
    let d: Vec<f64> = m.iter().map(|row| row.iter().sum()).collect();
    let inv = |x: f64| if x > 0.0 { 1.0 / x.sqrt() } else { 0.0 };
    (0..n)
        .map(|i| (0..n).map(|j| inv(d[i]) * m[i][j] * inv(d[j])).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gcn_operator_matches_dense_reference(graph in any_direction_graph(), improved in any::<bool>()) {
        let options = GcnNormalization { improved, add_self_loops: true };
        let dense = gcn_normalization(&graph, options).unwrap().to_dense();
        let reference = dense_reference(&graph, improved);
        for (i, row) in reference.iter().enumerate() {
            for (j, &expected) in row.iter().enumerate() {
                prop_assert!((f64::from(dense[[i, j]]) - expected).abs() < 1e-5,
                    "({}, {}): {} vs {}", i, j, dense[[i, j]], expected);
            }
        }
    }

    #[test]
    fn gcn_operator_is_symmetric_for_undirected_graphs(graph in graph_strategy(Direction::Undirected)) {
        let operator = gcn_normalization(&graph, GcnNormalization::default()).unwrap();
        let dense = operator.to_dense();
        prop_assert!(dense.iter().all(|v| v.is_finite()));
        for i in 0..graph.num_nodes() {
            for j in 0..graph.num_nodes() {
                prop_assert!((dense[[i, j]] - dense[[j, i]]).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn random_walk_rows_sum_to_one(graph in any_direction_graph(), self_loops in any::<bool>()) {
        let operator = random_walk_normalization(&graph, self_loops).unwrap();
        let incoming = AdjacencyBuilder::new().orientation(Orientation::TargetRows).build(&graph);
        for (row, vector) in operator.outer_iterator().enumerate() {
            let sum: f32 = vector.data().iter().sum();
            let has_incoming = self_loops || incoming.outer_view(row).is_some_and(|v| v.nnz() > 0);
            let expected = if has_incoming { 1.0 } else { 0.0 };
            prop_assert!((sum - expected).abs() < 1e-5, "row {} sums to {}", row, sum);
        }
    }

    #[test]
    fn batch_then_unbatch_is_identity(graphs in prop::collection::vec(graph_strategy(Direction::Undirected), 1..6)) {
        // Batching needs all graphs to agree on having weights: drop them where graph 0 has none.
        let weighted = graphs[0].edge_weights().is_some();
        let graphs: Vec<Graph> = graphs
            .into_iter()
            .map(|graph| match (weighted, graph.edge_weights().is_some()) {
                (true, false) => { let n = graph.num_edges(); graph.with_edge_weights(vec![1.0; n]).unwrap() }
                (false, true) => strip_weights(&graph),
                _ => graph,
            })
            .collect();
        let batch = block_diagonal_batch(&graphs).unwrap();
        prop_assert_eq!(batch.num_graphs(), graphs.len());
        prop_assert_eq!(batch.graph().num_nodes(), graphs.iter().map(Graph::num_nodes).sum::<usize>());
        for (node, &owner) in batch.batch().iter().enumerate() {
            let owner = owner as usize;
            prop_assert!(batch.node_offsets()[owner] <= node && node < batch.node_offsets()[owner + 1]);
        }
        prop_assert_eq!(batch.unbatch().unwrap(), graphs);
    }

    #[test]
    fn normalizing_a_batch_equals_normalizing_each_graph(graphs in prop::collection::vec(graph_strategy(Direction::Directed), 1..6)) {
        let graphs: Vec<Graph> = graphs.iter().map(strip_weights).collect();
        let options = GcnNormalization::default();
        let per_graph: Vec<_> = graphs.iter().map(|g| gcn_normalization(g, options).unwrap()).collect();
        let stacked = block_diagonal(&per_graph.iter().collect::<Vec<_>>());
        let batch = block_diagonal_batch(&graphs).unwrap();
        prop_assert_eq!(stacked, gcn_normalization(batch.graph(), options).unwrap());
    }

    #[test]
    fn petgraph_round_trip_preserves_nodes_edges_weights(graph in any_direction_graph()) {
        let n = graph.num_edges();
        let graph = if graph.edge_weights().is_some() { graph } else { graph.with_edge_weights(vec![1.0; n]).unwrap() };
        let back = if graph.is_directed() {
            Graph::from_petgraph(&graph.to_petgraph::<petgraph::Directed>()).unwrap()
        } else {
            Graph::from_petgraph(&graph.to_petgraph::<petgraph::Undirected>()).unwrap()
        };
        prop_assert_eq!(back.num_nodes(), graph.num_nodes());
        prop_assert_eq!(back.direction(), graph.direction());
        prop_assert_eq!(back.edges().collect::<Vec<_>>(), graph.edges().collect::<Vec<_>>());
        prop_assert_eq!(back.edge_weights(), graph.edge_weights());
    }

    #[test]
    fn out_of_range_endpoints_are_named(nodes in 1usize..20, extra in 0usize..5, position in 0usize..10) {
        let mut edges = vec![(0, 0); 10];
        edges[position] = (0, nodes + extra);
        let error = Graph::from_edges(nodes, edges, Direction::Directed).unwrap_err();
        prop_assert_eq!(error, GraphError::NodeOutOfRange {
            edge: position, source_node: 0, target_node: nodes + extra, num_nodes: nodes,
        });
    }
}

/// The same graph without edge weights (every edge weight 1).
fn strip_weights(graph: &Graph) -> Graph {
    let mut stripped =
        Graph::from_edges(graph.num_nodes(), graph.edges(), graph.direction()).unwrap();
    if let Some(features) = graph.node_features() {
        stripped = stripped.with_node_features(features.clone()).unwrap();
    }
    if let Some(labels) = graph.node_labels() {
        stripped = stripped.with_node_labels(labels.to_vec()).unwrap();
    }
    if let Some(label) = graph.graph_label() {
        stripped = stripped.with_graph_label(label);
    }
    stripped
}

#[test]
fn incompatible_graphs_cannot_share_a_batch() {
    let plain = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
    let weighted = plain.clone().with_edge_weights(vec![2.0]).unwrap();
    let error = block_diagonal_batch(&[plain.clone(), weighted]).unwrap_err();
    assert!(matches!(
        error,
        GraphError::IncompatibleBatch { graph: 1, .. }
    ));
    assert!(error.to_string().contains("edge weights"), "{error}");
    assert!(matches!(
        block_diagonal_batch(&[]),
        Err(GraphError::Empty { .. })
    ));
    let wide = plain
        .clone()
        .with_node_features(FeatureMatrix::identity(2))
        .unwrap();
    let narrow = plain
        .with_node_features(FeatureMatrix::constant(2, 1, 1.0).unwrap())
        .unwrap();
    assert!(matches!(
        block_diagonal_batch(&[wide, narrow]),
        Err(GraphError::IncompatibleBatch { graph: 1, .. })
    ));
}

#[test]
fn sparse_features_survive_batching() {
    let a = Graph::from_edges(2, [(0, 1)], Direction::Undirected)
        .unwrap()
        .with_node_features(FeatureMatrix::one_hot(&[2, 0], 3).unwrap())
        .unwrap();
    let b = Graph::from_edges(1, [], Direction::Undirected)
        .unwrap()
        .with_node_features(FeatureMatrix::one_hot(&[1], 3).unwrap())
        .unwrap();
    let batch = block_diagonal_batch(&[a.clone(), b.clone()]).unwrap();
    let features = batch.graph().node_features().unwrap();
    assert_eq!((features.rows(), features.columns()), (3, 3));
    assert_eq!(
        features.to_dense().values(),
        &[0., 0., 1., 1., 0., 0., 0., 1., 0.]
    );
    assert_eq!(batch.unbatch().unwrap(), vec![a, b]);
}
