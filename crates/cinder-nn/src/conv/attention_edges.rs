//! [`AttentionEdges`]: the edge set a graph-attention layer attends over, built from a
//! [`Graph`] the way PyTorch Geometric's `GATConv` builds it.

use std::sync::{Arc, OnceLock};

use burn::tensor::Tensor;
use cinder_graph::{Direction, Graph};

use crate::error::NnError;
use crate::ops::operator::{Csr, SparseOperator};
use crate::ops::propagate::propagate;

/// Marks a stored edge that is an added self-loop, not an input edge.
const ADDED_LOOP: u32 = u32::MAX;

/// The edges of a graph-attention layer, stored by target (CSR rows = targets, columns =
/// sources), parallel edges kept (each gets its own attention coefficient).
///
/// With `add_self_loops` (PyG's default) the input's self-loops are removed and one loop per
/// node is appended, so every node attends at least to itself; without it the edges are kept as
/// they are. An undirected input edge `u - v` gives the two edges `u → v` and `v → u`.
#[derive(Debug, Clone)]
pub struct AttentionEdges {
    structure: SparseOperator,
    /// For each stored edge, the input edge it comes from, or [`ADDED_LOOP`].
    input_edge: Vec<u32>,
    /// Number of edges of the input graph (rows of an edge-feature matrix).
    input_edges: usize,
    /// `(source, target)` of every stored edge, in CSR order.
    pairs: Arc<Vec<(usize, usize)>>,
    /// The input-edge → attention-edge feature operator, built on first use.
    gather: Arc<OnceLock<SparseOperator>>,
}

impl AttentionEdges {
    /// The attention edges of `graph`.
    pub fn new(graph: &Graph, add_self_loops: bool) -> crate::Result<Self> {
        let nodes = graph.num_nodes();
        let mut coordinates: Vec<(u32, u32, u32)> = Vec::new();
        for (edge, (&source, &target)) in graph.sources().iter().zip(graph.targets()).enumerate() {
            let edge = u32::try_from(edge).map_err(|_| NnError::TooManyEntries {
                nnz: graph.num_edges(),
            })?;
            if add_self_loops && source == target {
                continue;
            }
            coordinates.push((target, source, edge));
            if graph.direction() == Direction::Undirected && source != target {
                coordinates.push((source, target, edge));
            }
        }
        if add_self_loops {
            coordinates.extend((0..nodes as u32).map(|node| (node, node, ADDED_LOOP)));
        }
        if coordinates.len() >= u32::MAX as usize {
            return Err(NnError::TooManyEntries {
                nnz: coordinates.len(),
            });
        }
        // A stable counting sort by target keeps each row's input order.
        let mut indptr = vec![0usize; nodes + 1];
        for &(target, _, _) in &coordinates {
            indptr[target as usize + 1] += 1;
        }
        for node in 0..nodes {
            indptr[node + 1] += indptr[node];
        }
        let mut cursor = indptr[..nodes].to_vec();
        let mut indices = vec![0u32; coordinates.len()];
        let mut input_edge = vec![0u32; coordinates.len()];
        for &(target, source, edge) in &coordinates {
            let slot = &mut cursor[target as usize];
            indices[*slot] = source;
            input_edge[*slot] = edge;
            *slot += 1;
        }
        let values = vec![1.0; indices.len()];
        let pairs = (0..nodes)
            .flat_map(|target| {
                indices[indptr[target]..indptr[target + 1]]
                    .iter()
                    .map(move |&source| (source as usize, target))
            })
            .collect();
        Ok(Self {
            structure: SparseOperator::from_csr(Csr {
                rows: nodes,
                columns: nodes,
                indptr,
                indices,
                values,
            }),
            input_edge,
            input_edges: graph.num_edges(),
            pairs: Arc::new(pairs),
            gather: Arc::new(OnceLock::new()),
        })
    }

    /// The attention edges of an operator's stored entries (rows = targets, columns =
    /// sources; values ignored), one input edge per entry, its multipliers kept: how an
    /// explainer's masked operator becomes a GAT layer's edges. The attention op multiplies
    /// each message `α · x` by its entry's multiplier (after the softmax, as PyG applies an
    /// explainer's edge mask), so a mask's gradient reaches attention models too.
    pub fn from_operator(structure: &SparseOperator) -> crate::Result<Self> {
        let (rows, columns) = structure.shape();
        if rows != columns {
            return Err(NnError::ShapeMismatch {
                what: "attention structure (square)".into(),
                expected: rows,
                actual: columns,
            });
        }
        let coordinates = structure.coordinates();
        let input_edge = (0..coordinates.len() as u32).collect();
        let pairs = coordinates.iter().map(|&(target, source)| (source, target));
        Ok(Self {
            structure: structure.clone(),
            input_edge,
            input_edges: coordinates.len(),
            pairs: Arc::new(pairs.collect()),
            gather: Arc::new(OnceLock::new()),
        })
    }

    /// The CSR structure (rows = targets); its values are all 1.
    pub fn structure(&self) -> &SparseOperator {
        &self.structure
    }

    /// Number of attention edges (self-loops included).
    pub fn len(&self) -> usize {
        self.input_edge.len()
    }

    /// Whether there are no attention edges.
    pub fn is_empty(&self) -> bool {
        self.input_edge.is_empty()
    }

    /// `(source, target)` of every attention edge, in the order of the attention coefficients.
    pub fn edges(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// For each attention edge, the input edge it comes from (`None` for an added self-loop).
    pub fn input_edges(&self) -> Vec<Option<usize>> {
        self.input_edge
            .iter()
            .map(|&e| (e != ADDED_LOOP).then_some(e as usize))
            .collect()
    }

    /// Per-input-edge features (`input edges x D`) as per-attention-edge features, in CSR order.
    /// An added self-loop gets the mean of its node's other incoming edge features (PyG's
    /// `fill_value='mean'`; zero for a node without incoming edges). Differentiable.
    pub fn edge_features(&self, features: Tensor<2>) -> crate::Result<Tensor<2>> {
        let [rows, _] = features.dims();
        if rows != self.input_edges {
            return Err(NnError::ShapeMismatch {
                what: "edge features: rows (= edges of the input graph)".into(),
                expected: self.input_edges,
                actual: rows,
            });
        }
        propagate(self.gather.get_or_init(|| self.gather_operator()), features)
    }

    /// The `attention edges x input edges` matrix that copies (or, for added loops, averages)
    /// input-edge features.
    fn gather_operator(&self) -> SparseOperator {
        let csr = &self.structure.forward;
        let mut indptr = Vec::with_capacity(self.len() + 1);
        let mut indices = Vec::with_capacity(self.len());
        let mut values = Vec::with_capacity(self.len());
        indptr.push(0);
        for row in 0..csr.rows {
            let range = csr.indptr[row]..csr.indptr[row + 1];
            let incoming: Vec<u32> = range
                .clone()
                .map(|k| self.input_edge[k])
                .filter(|&e| e != ADDED_LOOP)
                .collect();
            for k in range {
                let edge = self.input_edge[k];
                if edge == ADDED_LOOP {
                    let weight = 1.0 / incoming.len().max(1) as f32;
                    indices.extend(&incoming);
                    values.extend(std::iter::repeat_n(weight, incoming.len()));
                } else {
                    indices.push(edge);
                    values.push(1.0);
                }
                indptr.push(indices.len());
            }
        }
        SparseOperator::from_csr(Csr {
            rows: self.len(),
            columns: self.input_edges,
            indptr,
            indices,
            values,
        })
    }
}
