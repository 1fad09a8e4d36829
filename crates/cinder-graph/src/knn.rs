//! Similarity graphs from embeddings: every row is a node, connected to its `k` nearest
//! neighbours by cosine similarity; and the few-labels split of semi-supervised experiments.

use rayon::prelude::*;

use crate::error::{GraphError, Result};
use crate::graph::{Direction, Graph};
use crate::splits::folds::{seeded_shuffle, splitmix64};
use crate::splits::node_split::NodeSplit;

/// The undirected k-nearest-neighbour graph of `rows × dims` embeddings (row-major) by cosine
/// similarity: each node keeps its `k` most similar other nodes (ties: lower index), the union of
/// those choices is symmetrized (an edge once, whichever side chose it), and each edge carries
/// the similarity as its weight (clamped at 0, so GCN degrees stay non-negative). An all-zero
/// row has similarity 0 to everything.
pub fn cosine_knn_graph(embeddings: &[f32], rows: usize, dims: usize, k: usize) -> Result<Graph> {
    if embeddings.len() != rows * dims {
        return Err(GraphError::LengthMismatch {
            field: "embeddings",
            expected: rows * dims,
            actual: embeddings.len(),
            per: "nodes",
        });
    }
    if let Some((i, &v)) = embeddings.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(GraphError::NonFiniteFeature {
            row: i / dims.max(1),
            column: i % dims.max(1),
            value: v,
        });
    }
    let normalized: Vec<f32> = embeddings
        .chunks(dims.max(1))
        .flat_map(|row| {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            row.iter()
                .map(move |v| if norm > 0.0 { v / norm } else { 0.0 })
        })
        .collect();
    let k = k.min(rows.saturating_sub(1));
    let neighbours: Vec<Vec<(u32, f32)>> = (0..rows)
        .into_par_iter()
        .map(|i| {
            let a = &normalized[i * dims..(i + 1) * dims];
            let mut scored: Vec<(u32, f32)> = (0..rows)
                .filter(|&j| j != i)
                .map(|j| {
                    let b = &normalized[j * dims..(j + 1) * dims];
                    (j as u32, a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>())
                })
                .collect();
            let by_similarity =
                |x: &(u32, f32), y: &(u32, f32)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
            if scored.len() > k {
                scored.select_nth_unstable_by(k, by_similarity);
                scored.truncate(k);
            }
            scored.sort_by(by_similarity);
            scored
        })
        .collect();
    let mut edges: std::collections::BTreeMap<(u32, u32), f32> = std::collections::BTreeMap::new();
    for (i, list) in neighbours.iter().enumerate() {
        for &(j, similarity) in list {
            let key = ((i as u32).min(j), (i as u32).max(j));
            edges.insert(key, similarity.max(0.0));
        }
    }
    let (mut sources, mut targets, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    for ((s, t), w) in edges {
        sources.push(s);
        targets.push(t);
        weights.push(w);
    }
    Graph::from_coordinates(rows, sources, targets, Direction::Undirected)?
        .with_edge_weights(weights)
}

/// A semi-supervised split: `train_per_class` labelled nodes per class, `validation_per_class`
/// more per class for model selection, every other node for testing (seeded, per-class dealing).
pub fn few_labels_split(
    labels: &[usize],
    train_per_class: usize,
    validation_per_class: usize,
    seed: u64,
) -> Result<NodeSplit> {
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut split = NodeSplit {
        train: Vec::new(),
        validation: Vec::new(),
        test: Vec::new(),
    };
    for class in 0..classes {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if members.is_empty() {
            continue;
        }
        if members.len() <= train_per_class {
            return Err(GraphError::InvalidSplit(format!(
                "class {class} has {} nodes, not more than the {train_per_class} to label",
                members.len()
            )));
        }
        seeded_shuffle(&mut members, splitmix64(seed ^ class as u64));
        split.train.extend(&members[..train_per_class]);
        let validation_end = (train_per_class + validation_per_class).min(members.len());
        split
            .validation
            .extend(&members[train_per_class..validation_end]);
        split.test.extend(&members[validation_end..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split.test.sort_unstable();
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_neighbours_by_cosine_are_symmetric_and_weighted() {
        // Two tight clusters of directions: rows 0-2 near x, rows 3-5 near y.
        let rows = [
            [1.0, 0.0],
            [0.9, 0.1],
            [2.0, 0.3],
            [0.0, 1.0],
            [0.1, 0.8],
            [0.2, 3.0],
        ];
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let graph = cosine_knn_graph(&flat, 6, 2, 2).unwrap();
        for (s, t) in graph.edges() {
            assert_eq!(s < 3, t < 3, "edge {s}-{t} crosses the clusters");
        }
        assert_eq!(graph.num_edges(), 6, "each cluster is a triangle");
        let weights = graph.edge_weights().unwrap();
        assert!(
            weights.iter().all(|&w| w > 0.9 && w <= 1.0 + 1e-6),
            "{weights:?}"
        );
        assert!(cosine_knn_graph(&flat[..5], 6, 2, 2).is_err());
    }

    #[test]
    fn few_labels_split_deals_per_class_and_partitions_the_nodes() {
        let labels: Vec<usize> = (0..30).map(|i| i % 3).collect();
        let split = few_labels_split(&labels, 2, 3, 7).unwrap();
        assert_eq!(split.train.len(), 6);
        assert_eq!(split.validation.len(), 9);
        assert_eq!(split.test.len(), 15);
        for class in 0..3 {
            assert_eq!(
                split.train.iter().filter(|&&i| labels[i] == class).count(),
                2
            );
        }
        let mut all: Vec<usize> = [split.train, split.validation, split.test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..30).collect::<Vec<_>>());
        assert!(few_labels_split(&labels, 10, 0, 7).is_err());
    }
}
