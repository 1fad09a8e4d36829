//! The GCN operator of the karate club against a dense reference computed here, in f64, from the
//! edge list alone.

use cinder::graph::{
    AdjacencyBuilder, GcnNormalization, gcn_normalization, karate_club, random_walk_normalization,
};

/// D^-1/2 (A + I) D^-1/2 with dense f64 arithmetic.
fn dense_gcn_reference(num_nodes: usize, edges: &[(usize, usize, f64)]) -> Vec<Vec<f64>> {
    let mut a = vec![vec![0.0; num_nodes]; num_nodes];
    for &(u, v, w) in edges {
        a[u][v] += w;
        a[v][u] += w;
    }
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += 1.0;
    }
    let degree: Vec<f64> = a.iter().map(|row| row.iter().sum()).collect();
    (0..num_nodes)
        .map(|i| {
            (0..num_nodes)
                .map(|j| a[i][j] / (degree[i].sqrt() * degree[j].sqrt()))
                .collect()
        })
        .collect()
}

fn assert_matches(operator: &cinder::graph::SparseMatrix, reference: &[Vec<f64>]) {
    let dense = operator.to_dense();
    for (i, row) in reference.iter().enumerate() {
        for (j, &expected) in row.iter().enumerate() {
            let actual = f64::from(dense[[i, j]]);
            assert!(
                (actual - expected).abs() <= 1e-6 * expected.abs().max(1.0),
                "entry ({i}, {j}): cinder {actual}, reference {expected}"
            );
        }
    }
}

#[test]
fn unweighted_karate_operator_matches_dense_reference() {
    let graph = karate_club();
    let edges: Vec<(usize, usize, f64)> = graph.edges().map(|(u, v)| (u, v, 1.0)).collect();
    let unweighted = AdjacencyBuilder::new().weighted(false).build(&graph);
    let unweighted_graph = cinder::graph::Graph::from_adjacency_matrix(
        &unweighted,
        cinder::graph::Direction::Undirected,
    )
    .unwrap();
    let operator = gcn_normalization(&unweighted_graph, GcnNormalization::default()).unwrap();
    assert_eq!(operator.nnz(), 2 * 78 + 34);
    assert_matches(&operator, &dense_gcn_reference(34, &edges));
    // Hand-checkable entries: node 0 has 16 friends, node 1 has 9.
    let dense = operator.to_dense();
    assert!((dense[[0, 0]] - 1.0 / 17.0).abs() < 1e-7);
    assert!((dense[[0, 1]] - 1.0 / 170f32.sqrt()).abs() < 1e-7);
}

#[test]
fn weighted_karate_operator_matches_dense_reference() {
    let graph = karate_club();
    let weights = graph.edge_weights().unwrap();
    let edges: Vec<(usize, usize, f64)> = graph
        .edges()
        .zip(weights)
        .map(|((u, v), &w)| (u, v, f64::from(w)))
        .collect();
    let operator = gcn_normalization(&graph, GcnNormalization::default()).unwrap();
    assert_matches(&operator, &dense_gcn_reference(34, &edges));
}

#[test]
fn karate_random_walk_rows_sum_to_one() {
    let operator = random_walk_normalization(&karate_club(), true).unwrap();
    for (row, vector) in operator.outer_iterator().enumerate() {
        let sum: f32 = vector.data().iter().sum();
        assert!((sum - 1.0).abs() < 1e-6, "row {row} sums to {sum}");
    }
}
