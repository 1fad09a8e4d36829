//! The adjacency-matrix builder: a [`Graph`]'s edges as a CSR matrix, with control over
//! symmetrization, self-loops, duplicate edges, weights and orientation.

use crate::graph::{Direction, Graph};
use crate::sparse::{DuplicateEdges, SparseMatrix, coordinates_to_csr};

/// What to do with self-loops (`i -> i` edges).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SelfLoops {
    /// Keep the self-loops the graph has, add none.
    #[default]
    Keep,
    /// Drop every self-loop.
    Remove,
    /// Keep existing self-loops (with their weights) and add one with this weight at every node
    /// that has none (PyG's `add_remaining_self_loops`).
    AddMissing(f32),
}

/// Which endpoint indexes the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// `A[source, target] = weight`: the usual adjacency matrix.
    #[default]
    SourceRows,
    /// `M[target, source] = weight`: the message-passing matrix (`Aᵀ`), so that `M · X` sums
    /// each node's incoming messages. Propagation operators use this layout.
    TargetRows,
}

/// Builds the `num_nodes x num_nodes` CSR adjacency of a graph.
///
/// Defaults: symmetrize undirected graphs only, keep self-loops, sum duplicate edges, keep
/// weights, source rows.
///
/// ```
/// use cinder_graph::{AdjacencyBuilder, Direction, DuplicateEdges, Graph, SelfLoops};
/// let graph = Graph::from_edges(3, [(0, 1), (1, 0), (1, 2)], Direction::Directed)?;
/// let adjacency = AdjacencyBuilder::new()
///     .symmetrize(true)
///     .duplicates(DuplicateEdges::Max)
///     .self_loops(SelfLoops::AddMissing(1.0))
///     .build(&graph);
/// assert_eq!(adjacency.nnz(), 4 + 3);
/// # Ok::<(), cinder_graph::GraphError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AdjacencyBuilder {
    symmetrize: Option<bool>,
    self_loops: SelfLoops,
    duplicates: DuplicateEdges,
    unweighted: bool,
    orientation: Orientation,
}

impl AdjacencyBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether every edge also appears reversed (`A + Aᵀ`, merged by the duplicate policy).
    /// Default: `true` for undirected graphs, `false` for directed ones.
    pub fn symmetrize(mut self, symmetrize: bool) -> Self {
        self.symmetrize = Some(symmetrize);
        self
    }

    /// What to do with self-loops. Default: [`SelfLoops::Keep`].
    pub fn self_loops(mut self, self_loops: SelfLoops) -> Self {
        self.self_loops = self_loops;
        self
    }

    /// How parallel edges combine. Default: [`DuplicateEdges::Sum`].
    pub fn duplicates(mut self, duplicates: DuplicateEdges) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// Whether to keep the graph's edge weights (`true`, the default) or use 1 for every edge.
    pub fn weighted(mut self, weighted: bool) -> Self {
        self.unweighted = !weighted;
        self
    }

    /// Which endpoint indexes the rows. Default: [`Orientation::SourceRows`].
    pub fn orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = orientation;
        self
    }

    /// Builds the matrix. Never fails: a [`Graph`] is valid by construction.
    pub fn build(&self, graph: &Graph) -> SparseMatrix {
        let num_nodes = graph.num_nodes();
        let symmetrize = self
            .symmetrize
            .unwrap_or(graph.direction() == Direction::Undirected);
        let weights = graph.edge_weights().filter(|_| !self.unweighted);
        let fill = match self.self_loops {
            SelfLoops::AddMissing(fill) => Some(fill),
            _ => None,
        };
        let needs_values = weights.is_some() || fill.is_some_and(|f| f != 1.0);

        let capacity = graph.num_edges() * if symmetrize { 2 } else { 1 } + num_nodes;
        let mut rows = Vec::with_capacity(capacity);
        let mut columns = Vec::with_capacity(capacity);
        let mut values = Vec::with_capacity(if needs_values { capacity } else { 0 });
        let mut has_self_loop = vec![false; if fill.is_some() { num_nodes } else { 0 }];

        for (edge, (&source, &target)) in graph.sources().iter().zip(graph.targets()).enumerate() {
            let weight = weights.map_or(1.0, |w| w[edge]);
            if source == target {
                if self.self_loops == SelfLoops::Remove {
                    continue;
                }
                if fill.is_some() {
                    has_self_loop[source as usize] = true;
                }
            }
            rows.push(source);
            columns.push(target);
            if needs_values {
                values.push(weight);
            }
            if symmetrize && source != target {
                rows.push(target);
                columns.push(source);
                if needs_values {
                    values.push(weight);
                }
            }
        }
        if let Some(fill) = fill {
            for node in (0..num_nodes).filter(|&node| !has_self_loop[node]) {
                rows.push(node as u32);
                columns.push(node as u32);
                if needs_values {
                    values.push(fill);
                }
            }
        }
        if self.orientation == Orientation::TargetRows {
            std::mem::swap(&mut rows, &mut columns);
        }
        coordinates_to_csr(
            (num_nodes, num_nodes),
            &rows,
            &columns,
            needs_values.then_some(values.as_slice()),
            self.duplicates,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(matrix: &SparseMatrix) -> Vec<Vec<f32>> {
        matrix
            .to_dense()
            .outer_iter()
            .map(|row| row.to_vec())
            .collect()
    }

    #[test]
    fn undirected_graphs_are_symmetrized_by_default() {
        let graph = Graph::from_edges(3, [(0, 1), (1, 2)], Direction::Undirected)
            .unwrap()
            .with_edge_weights(vec![2.0, 3.0])
            .unwrap();
        let adjacency = AdjacencyBuilder::new().build(&graph);
        assert_eq!(
            dense(&adjacency),
            vec![vec![0., 2., 0.], vec![2., 0., 3.], vec![0., 3., 0.]]
        );
        let unweighted = AdjacencyBuilder::new().weighted(false).build(&graph);
        assert_eq!(unweighted.data(), &[1.0; 4]);
    }

    #[test]
    fn directed_orientation_and_duplicates() {
        let graph = Graph::from_edges(2, [(0, 1), (0, 1)], Direction::Directed)
            .unwrap()
            .with_edge_weights(vec![1.0, 4.0])
            .unwrap();
        let sum = AdjacencyBuilder::new().build(&graph);
        assert_eq!(dense(&sum), vec![vec![0., 5.], vec![0., 0.]]);
        let max = AdjacencyBuilder::new()
            .duplicates(DuplicateEdges::Max)
            .orientation(Orientation::TargetRows)
            .build(&graph);
        assert_eq!(dense(&max), vec![vec![0., 0.], vec![4., 0.]]);
    }

    #[test]
    fn self_loops_are_kept_removed_or_added_where_missing() {
        let graph = Graph::from_edges(3, [(0, 0), (0, 1)], Direction::Undirected)
            .unwrap()
            .with_edge_weights(vec![5.0, 1.0])
            .unwrap();
        let removed = AdjacencyBuilder::new()
            .self_loops(SelfLoops::Remove)
            .build(&graph);
        assert_eq!(dense(&removed)[0], vec![0., 1., 0.]);
        let added = AdjacencyBuilder::new()
            .self_loops(SelfLoops::AddMissing(2.0))
            .build(&graph);
        let diagonal: Vec<f32> = (0..3).map(|i| dense(&added)[i][i]).collect();
        assert_eq!(diagonal, vec![5.0, 2.0, 2.0]);
    }
}
