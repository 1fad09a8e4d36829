//! [`Graph`]: nodes, edges (with optional weights and typed labels), node features and labels.

use crate::error::{GraphError, Result};
use crate::features::FeatureMatrix;

/// A chemical bond type, the typed edge label of molecular graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BondType {
    /// Single bond (SDF bond order 1).
    Single,
    /// Double bond (SDF bond order 2).
    Double,
    /// Triple bond (SDF bond order 3).
    Triple,
    /// Aromatic bond (SDF bond order 4).
    Aromatic,
}

impl BondType {
    /// All bond types, in the order of their [`EdgeLabel::type_index`].
    pub const ALL: [BondType; 4] = [Self::Single, Self::Double, Self::Triple, Self::Aromatic];
}

/// The typed label of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeLabel {
    /// A chemical bond.
    Bond(BondType),
    /// A general categorical edge type (relation id).
    Category(u32),
}

impl EdgeLabel {
    /// A dense type id for per-type propagation: bonds map to 0..4 in [`BondType::ALL`] order,
    /// `Category(c)` maps to `c`.
    pub fn type_index(self) -> usize {
        match self {
            Self::Bond(bond) => bond as usize,
            Self::Category(category) => category as usize,
        }
    }
}

/// Whether edges have a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Each stored edge `u - v` connects both ways; list it once.
    #[default]
    Undirected,
    /// Each stored edge `u -> v` carries messages from `u` (source) to `v` (target).
    Directed,
}

/// A graph: `num_nodes` nodes with ids `0..num_nodes`, an edge list in coordinate form (parallel
/// `sources`/`targets` arrays, as PyG's `edge_index`), and optional per-edge weights and labels,
/// node features, node labels and a graph label.
///
/// Every `with_*` method validates its input against the graph, so a `Graph` that exists is
/// consistent: endpoints in range, one weight/label per edge, one feature row/label per node,
/// finite values.
///
/// ```
/// use cinder_graph::{Direction, Graph};
/// let triangle = Graph::from_edges(3, [(0, 1), (1, 2), (2, 0)], Direction::Undirected)?
///     .with_edge_weights(vec![1.0, 2.0, 0.5])?;
/// assert_eq!(triangle.degrees(), vec![2, 2, 2]);
/// # Ok::<(), cinder_graph::GraphError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    num_nodes: usize,
    sources: Vec<u32>,
    targets: Vec<u32>,
    direction: Direction,
    edge_weights: Option<Vec<f32>>,
    edge_labels: Option<Vec<EdgeLabel>>,
    node_features: Option<FeatureMatrix>,
    node_labels: Option<Vec<usize>>,
    graph_label: Option<usize>,
}

impl Graph {
    /// A graph from an edge list of `(source, target)` node ids.
    pub fn from_edges(
        num_nodes: usize,
        edges: impl IntoIterator<Item = (usize, usize)>,
        direction: Direction,
    ) -> Result<Self> {
        check_node_count(num_nodes)?;
        let edges = edges.into_iter();
        let mut sources = Vec::with_capacity(edges.size_hint().0);
        let mut targets = Vec::with_capacity(edges.size_hint().0);
        for (edge, (source, target)) in edges.enumerate() {
            if source >= num_nodes || target >= num_nodes {
                return Err(GraphError::NodeOutOfRange {
                    edge,
                    source_node: source,
                    target_node: target,
                    num_nodes,
                });
            }
            sources.push(source as u32);
            targets.push(target as u32);
        }
        Ok(Self::from_validated_coordinates(
            num_nodes, sources, targets, direction,
        ))
    }

    /// A graph from PyG-style coordinate arrays (`edge_index[0]`, `edge_index[1]`).
    pub fn from_coordinates(
        num_nodes: usize,
        sources: Vec<u32>,
        targets: Vec<u32>,
        direction: Direction,
    ) -> Result<Self> {
        check_node_count(num_nodes)?;
        if sources.len() != targets.len() {
            return Err(GraphError::LengthMismatch {
                field: "edge targets",
                expected: sources.len(),
                actual: targets.len(),
                per: "edges",
            });
        }
        let out_of_range = sources
            .iter()
            .zip(&targets)
            .position(|(&s, &t)| s as usize >= num_nodes || t as usize >= num_nodes);
        if let Some(edge) = out_of_range {
            return Err(GraphError::NodeOutOfRange {
                edge,
                source_node: sources[edge] as usize,
                target_node: targets[edge] as usize,
                num_nodes,
            });
        }
        Ok(Self::from_validated_coordinates(
            num_nodes, sources, targets, direction,
        ))
    }

    pub(crate) fn from_validated_coordinates(
        num_nodes: usize,
        sources: Vec<u32>,
        targets: Vec<u32>,
        direction: Direction,
    ) -> Self {
        Self {
            num_nodes,
            sources,
            targets,
            direction,
            edge_weights: None,
            edge_labels: None,
            node_features: None,
            node_labels: None,
            graph_label: None,
        }
    }

    /// Attaches one finite weight per edge.
    pub fn with_edge_weights(mut self, weights: Vec<f32>) -> Result<Self> {
        self.check_edge_count("edge weights", weights.len())?;
        if let Some(edge) = weights.iter().position(|w| !w.is_finite()) {
            return Err(GraphError::NonFiniteWeight {
                edge,
                value: weights[edge],
            });
        }
        self.edge_weights = Some(weights);
        Ok(self)
    }

    /// Attaches one typed label per edge (bond types, relation ids).
    pub fn with_edge_labels(mut self, labels: Vec<EdgeLabel>) -> Result<Self> {
        self.check_edge_count("edge labels", labels.len())?;
        self.edge_labels = Some(labels);
        Ok(self)
    }

    /// Attaches a node feature matrix with one row per node.
    pub fn with_node_features(mut self, features: FeatureMatrix) -> Result<Self> {
        self.check_node_rows("node features", features.rows())?;
        if let FeatureMatrix::Sparse(matrix) = &features
            && let Some(position) = matrix.data().iter().position(|v| !v.is_finite())
        {
            let (row, column) = locate_stored_entry(matrix, position);
            return Err(GraphError::NonFiniteFeature {
                row,
                column,
                value: matrix.data()[position],
            });
        }
        self.node_features = Some(features);
        Ok(self)
    }

    /// Attaches one class label per node.
    pub fn with_node_labels(mut self, labels: Vec<usize>) -> Result<Self> {
        self.check_node_rows("node labels", labels.len())?;
        self.node_labels = Some(labels);
        Ok(self)
    }

    /// Attaches a class label for the whole graph (graph classification).
    pub fn with_graph_label(mut self, label: usize) -> Self {
        self.graph_label = Some(label);
        self
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.num_nodes
    }

    /// Number of stored edges (an undirected edge counts once).
    pub fn num_edges(&self) -> usize {
        self.sources.len()
    }

    /// Whether edges are directed.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Whether edges are directed.
    pub fn is_directed(&self) -> bool {
        self.direction == Direction::Directed
    }

    /// Source node of every edge.
    pub fn sources(&self) -> &[u32] {
        &self.sources
    }

    /// Target node of every edge.
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// The edges as `(source, target)` pairs.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = (usize, usize)> + '_ {
        self.sources
            .iter()
            .zip(&self.targets)
            .map(|(&s, &t)| (s as usize, t as usize))
    }

    /// Per-edge weights, if any (an unweighted edge has weight 1).
    pub fn edge_weights(&self) -> Option<&[f32]> {
        self.edge_weights.as_deref()
    }

    /// Per-edge typed labels, if any.
    pub fn edge_labels(&self) -> Option<&[EdgeLabel]> {
        self.edge_labels.as_deref()
    }

    /// The node feature matrix, if the graph has one.
    pub fn node_features(&self) -> Option<&FeatureMatrix> {
        self.node_features.as_ref()
    }

    /// The node feature matrix, or identity features (one-hot node id) for a graph without one.
    pub fn features_or_identity(&self) -> FeatureMatrix {
        self.node_features
            .clone()
            .unwrap_or_else(|| FeatureMatrix::identity(self.num_nodes))
    }

    /// Per-node class labels, if any.
    pub fn node_labels(&self) -> Option<&[usize]> {
        self.node_labels.as_deref()
    }

    /// The graph's class label, if any.
    pub fn graph_label(&self) -> Option<usize> {
        self.graph_label
    }

    /// Number of edges at each node, ignoring weights: for an undirected graph every incident edge
    /// (a self-loop counts once), for a directed graph the in-degree (edges whose target it is).
    pub fn degrees(&self) -> Vec<usize> {
        let mut degrees = vec![0usize; self.num_nodes];
        for (&source, &target) in self.sources.iter().zip(&self.targets) {
            degrees[target as usize] += 1;
            if self.direction == Direction::Undirected && source != target {
                degrees[source as usize] += 1;
            }
        }
        degrees
    }

    fn check_edge_count(&self, field: &'static str, actual: usize) -> Result<()> {
        if actual != self.num_edges() {
            return Err(GraphError::LengthMismatch {
                field,
                expected: self.num_edges(),
                actual,
                per: "edges",
            });
        }
        Ok(())
    }

    fn check_node_rows(&self, field: &'static str, actual: usize) -> Result<()> {
        if actual != self.num_nodes {
            return Err(GraphError::LengthMismatch {
                field,
                expected: self.num_nodes,
                actual,
                per: "nodes",
            });
        }
        Ok(())
    }
}

fn check_node_count(num_nodes: usize) -> Result<()> {
    if num_nodes > u32::MAX as usize {
        return Err(GraphError::TooManyNodes { num_nodes });
    }
    Ok(())
}

/// Row and column of the `position`-th stored value of a CSR matrix.
pub(crate) fn locate_stored_entry(matrix: &crate::SparseMatrix, position: usize) -> (usize, usize) {
    let indptr = matrix.indptr();
    let indptr = indptr.raw_storage();
    let row = indptr.partition_point(|&start| start <= position) - 1;
    (row, matrix.indices()[position] as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_out_of_range_names_the_edge() {
        let error = Graph::from_edges(3, [(0, 1), (1, 3)], Direction::Directed).unwrap_err();
        assert_eq!(
            error,
            GraphError::NodeOutOfRange {
                edge: 1,
                source_node: 1,
                target_node: 3,
                num_nodes: 3
            }
        );
        assert!(error.to_string().contains("edge 1 (1 -> 3)"));
    }

    #[test]
    fn per_edge_and_per_node_arrays_must_match() {
        let graph = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
        assert!(matches!(
            graph.clone().with_edge_weights(vec![1.0, 2.0]),
            Err(GraphError::LengthMismatch {
                field: "edge weights",
                expected: 1,
                actual: 2,
                ..
            })
        ));
        assert!(matches!(
            graph.clone().with_edge_weights(vec![f32::NAN]),
            Err(GraphError::NonFiniteWeight { edge: 0, .. })
        ));
        assert!(matches!(
            graph.clone().with_node_labels(vec![0]),
            Err(GraphError::LengthMismatch {
                field: "node labels",
                expected: 2,
                actual: 1,
                ..
            })
        ));
        let features = FeatureMatrix::dense(3, 1, vec![0.0; 3]).unwrap();
        assert!(matches!(
            graph.with_node_features(features),
            Err(GraphError::LengthMismatch {
                field: "node features",
                expected: 2,
                actual: 3,
                ..
            })
        ));
    }

    #[test]
    fn sparse_features_with_nan_name_row_and_column() {
        let matrix = sprs::CsMatI::<f32, u32, usize>::new(
            (2, 3),
            vec![0, 1, 2],
            vec![2, 1],
            vec![1.0, f32::NAN],
        );
        let graph = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
        assert!(matches!(
            graph.with_node_features(FeatureMatrix::Sparse(matrix)),
            Err(GraphError::NonFiniteFeature {
                row: 1,
                column: 1,
                ..
            })
        ));
    }

    #[test]
    fn degrees_count_incident_or_incoming_edges() {
        let edges = [(0, 1), (0, 2), (2, 2)];
        let undirected = Graph::from_edges(3, edges, Direction::Undirected).unwrap();
        assert_eq!(undirected.degrees(), vec![2, 1, 2]);
        let directed = Graph::from_edges(3, edges, Direction::Directed).unwrap();
        assert_eq!(directed.degrees(), vec![0, 1, 2]);
    }

    #[test]
    fn featureless_graph_gets_identity_features() {
        let graph = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
        assert_eq!(graph.features_or_identity(), FeatureMatrix::identity(2));
    }
}
