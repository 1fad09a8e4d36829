//! Zachary's karate club, embedded: the default graph of cinder's demos and tests.
//!
//! Data: `datasets/karate/` (Zachary 1977, as transcribed in NetworkX; see its README).

use crate::features::FeatureMatrix;
use crate::graph::{Direction, Graph};

const EDGES_CSV: &str = include_str!("../../../datasets/karate/edges.csv");
const NODES_CSV: &str = include_str!("../../../datasets/karate/nodes.csv");

/// Number of members.
pub const KARATE_CLUB_NODES: usize = 34;

/// Zachary's karate club: 34 nodes, 78 undirected edges weighted by the number of contexts in
/// which two members interacted, node labels = the club each member joined after the split
/// (0 = Mr. Hi, 1 = Officer), identity node features.
pub fn karate_club() -> Graph {
    let mut edges = Vec::with_capacity(78);
    let mut weights = Vec::with_capacity(78);
    for line in EDGES_CSV.lines().skip(1) {
        let fields: Vec<usize> = line.split(',').map(parse_embedded).collect();
        edges.push((fields[0], fields[1]));
        weights.push(fields[2] as f32);
    }
    let labels = NODES_CSV
        .lines()
        .skip(1)
        .map(|line| parse_embedded(line.split(',').nth(1).unwrap_or("")))
        .collect();
    Graph::from_edges(KARATE_CLUB_NODES, edges, Direction::Undirected)
        .and_then(|graph| graph.with_edge_weights(weights))
        .and_then(|graph| graph.with_node_labels(labels))
        .and_then(|graph| graph.with_node_features(FeatureMatrix::identity(KARATE_CLUB_NODES)))
        .expect("the embedded karate-club data is valid (checked by tests)")
}

fn parse_embedded(field: &str) -> usize {
    field
        .trim()
        .parse()
        .expect("the embedded karate-club data holds only integers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn karate_club_has_the_published_shape() {
        let graph = karate_club();
        assert_eq!(graph.num_nodes(), 34);
        assert_eq!(graph.num_edges(), 78);
        let labels = graph.node_labels().unwrap();
        assert_eq!(labels.iter().filter(|&&club| club == 0).count(), 17);
        assert_eq!((labels[0], labels[33]), (0, 1));
        let degrees = graph.degrees();
        assert_eq!((degrees[0], degrees[33]), (16, 17));
        assert_eq!(degrees.iter().sum::<usize>(), 156);
    }
}
