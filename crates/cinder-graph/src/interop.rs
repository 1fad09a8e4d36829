//! Conversions between [`Graph`] and `petgraph` graphs or `sprs` adjacency matrices.

use petgraph::EdgeType;
use petgraph::visit::{EdgeRef, GraphProp, IntoEdgeReferences, IntoNodeIdentifiers, NodeIndexable};

use crate::error::{GraphError, Result};
use crate::graph::{Direction, Graph};
use crate::sparse::{SparseMatrix, to_sparse_matrix, transpose};

/// A petgraph edge weight that cinder can read as an `f32` edge weight (`()` means unweighted).
pub trait EdgeWeightValue {
    /// Whether this type carries a weight (`false` only for `()`).
    const WEIGHTED: bool = true;
    /// The weight as `f32` (1 for an unweighted edge).
    fn edge_weight(&self) -> f32;
}

impl EdgeWeightValue for () {
    const WEIGHTED: bool = false;
    fn edge_weight(&self) -> f32 {
        1.0
    }
}

macro_rules! numeric_edge_weight {
    ($($t:ty),*) => {$(
        impl EdgeWeightValue for $t {
            fn edge_weight(&self) -> f32 {
                *self as f32
            }
        }
    )*};
}
numeric_edge_weight!(f32, f64, u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl Graph {
    /// Converts any petgraph graph (`Graph`, `StableGraph`, `UnGraph`, `DiGraph`, …): nodes are
    /// numbered in the order petgraph lists them (a `StableGraph`'s holes are closed up), edges
    /// keep their order, and numeric edge weights become cinder edge weights (`()` edge weights
    /// give an unweighted graph).
    pub fn from_petgraph<G>(graph: G) -> Result<Self>
    where
        G: IntoEdgeReferences + IntoNodeIdentifiers + NodeIndexable + GraphProp,
        G::EdgeWeight: EdgeWeightValue,
    {
        let mut compact = vec![u32::MAX; graph.node_bound()];
        let mut num_nodes = 0usize;
        for node in graph.node_identifiers() {
            compact[graph.to_index(node)] = num_nodes as u32;
            num_nodes += 1;
        }
        let mut edges = Vec::new();
        let mut weights = Vec::new();
        for edge in graph.edge_references() {
            let source = compact[graph.to_index(edge.source())] as usize;
            let target = compact[graph.to_index(edge.target())] as usize;
            edges.push((source, target));
            weights.push(edge.weight().edge_weight());
        }
        let direction = if graph.is_directed() {
            Direction::Directed
        } else {
            Direction::Undirected
        };
        let converted = Graph::from_edges(num_nodes, edges, direction)?;
        if G::EdgeWeight::WEIGHTED {
            converted.with_edge_weights(weights)
        } else {
            Ok(converted)
        }
    }

    /// Converts to a petgraph graph of the caller's edge type (`Directed` or `Undirected`), with
    /// node `i` at `NodeIndex::new(i)` and every edge's weight (1 for an unweighted graph).
    pub fn to_petgraph<Ty: EdgeType>(&self) -> petgraph::Graph<(), f32, Ty> {
        let mut converted = petgraph::Graph::with_capacity(self.num_nodes(), self.num_edges());
        for _ in 0..self.num_nodes() {
            converted.add_node(());
        }
        for (edge, (source, target)) in self.edges().enumerate() {
            let weight = self.edge_weights().map_or(1.0, |w| w[edge]);
            converted.add_edge(
                petgraph::graph::NodeIndex::new(source),
                petgraph::graph::NodeIndex::new(target),
                weight,
            );
        }
        converted
    }

    /// A graph from a square `sprs` adjacency matrix (`A[source, target] = weight`, CSR or CSC,
    /// any index types). An undirected graph needs a symmetric matrix and keeps each edge once
    /// (the entries with `source <= target`).
    pub fn from_adjacency_matrix<I, Iptr>(
        matrix: &sprs::CsMatI<f32, I, Iptr>,
        direction: Direction,
    ) -> Result<Self>
    where
        I: sprs::SpIndex,
        Iptr: sprs::SpIndex,
    {
        let adjacency = to_sparse_matrix(matrix, "adjacency matrix")?;
        let (rows, columns) = adjacency.shape();
        if rows != columns {
            return Err(GraphError::NotSquare {
                what: "an adjacency matrix",
                rows,
                columns,
            });
        }
        if direction == Direction::Undirected {
            check_symmetric(&adjacency)?;
        }
        let mut edges = Vec::with_capacity(adjacency.nnz());
        let mut weights = Vec::with_capacity(adjacency.nnz());
        for (row, vector) in adjacency.outer_iterator().enumerate() {
            for (column, &weight) in vector.iter() {
                if direction == Direction::Directed || row <= column {
                    edges.push((row, column));
                    weights.push(weight);
                }
            }
        }
        Graph::from_edges(rows, edges, direction)?.with_edge_weights(weights)
    }
}

fn check_symmetric(matrix: &SparseMatrix) -> Result<()> {
    let transposed = transpose(matrix);
    for (row, (vector, mirror)) in matrix
        .outer_iterator()
        .zip(transposed.outer_iterator())
        .enumerate()
    {
        if vector != mirror {
            let (column, value) = vector
                .iter()
                .find(|&(column, value)| mirror.get(column) != Some(value))
                .map(|(column, &value)| (column, value))
                .or_else(|| {
                    // An entry only in the mirror: (column, row) has no (row, column).
                    mirror
                        .iter()
                        .find(|&(column, _)| vector.get(column).is_none())
                        .map(|(column, _)| (column, 0.0))
                })
                .unwrap_or((row, 0.0));
            return Err(GraphError::NotSymmetric { row, column, value });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::stable_graph::StableGraph;

    #[test]
    fn stable_graph_holes_are_closed_and_weights_kept() {
        let mut stable = StableGraph::<&str, f64>::new();
        let a = stable.add_node("a");
        let b = stable.add_node("b");
        let c = stable.add_node("c");
        stable.add_edge(a, c, 0.5);
        stable.add_edge(c, a, 2.0);
        stable.remove_node(b);
        let graph = Graph::from_petgraph(&stable).unwrap();
        assert_eq!(graph.num_nodes(), 2);
        assert!(graph.is_directed());
        assert_eq!(graph.edges().collect::<Vec<_>>(), vec![(0, 1), (1, 0)]);
        assert_eq!(graph.edge_weights(), Some(&[0.5, 2.0][..]));
    }

    #[test]
    fn unit_weights_mean_unweighted() {
        let undirected = petgraph::graph::UnGraph::<(), ()>::from_edges([(0, 1), (1, 2)]);
        let graph = Graph::from_petgraph(&undirected).unwrap();
        assert!(!graph.is_directed());
        assert_eq!(graph.edge_weights(), None);
    }

    #[test]
    fn adjacency_matrix_must_be_symmetric_for_undirected_graphs() {
        let matrix = sprs::CsMat::new((2, 2), vec![0, 1, 1], vec![1], vec![3.0f32]);
        assert_eq!(
            Graph::from_adjacency_matrix(&matrix, Direction::Undirected),
            Err(GraphError::NotSymmetric {
                row: 0,
                column: 1,
                value: 3.0
            })
        );
        let directed = Graph::from_adjacency_matrix(&matrix, Direction::Directed).unwrap();
        assert_eq!(directed.edges().collect::<Vec<_>>(), vec![(0, 1)]);
        let symmetric = sprs::CsMat::new((2, 2), vec![0, 1, 2], vec![1, 0], vec![3.0f32, 3.0]);
        let undirected = Graph::from_adjacency_matrix(&symmetric, Direction::Undirected).unwrap();
        assert_eq!(undirected.edges().collect::<Vec<_>>(), vec![(0, 1)]);
        assert_eq!(undirected.edge_weights(), Some(&[3.0][..]));
    }
}
