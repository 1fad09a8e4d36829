//! Batching: many small graphs as one block-diagonal graph with a `batch` vector, and back.

use crate::error::{GraphError, Result};
use crate::features::{DenseMatrix, FeatureMatrix};
use crate::graph::Graph;
use crate::sparse::SparseMatrix;

/// Many graphs stored as one disconnected graph: graph `g` owns nodes
/// `node_offsets[g]..node_offsets[g + 1]` and edges `edge_offsets[g]..edge_offsets[g + 1]`, and
/// `batch[node]` is the graph a node belongs to (PyG's `Batch`).
#[derive(Debug, Clone, PartialEq)]
pub struct GraphBatch {
    graph: Graph,
    batch: Vec<u32>,
    node_offsets: Vec<usize>,
    edge_offsets: Vec<usize>,
    graph_labels: Option<Vec<usize>>,
}

/// Joins graphs into one block-diagonal [`GraphBatch`].
///
/// All graphs must agree on direction and on which optional parts they carry (edge weights, edge
/// labels, node labels, graph labels, node features of the same kind and width); the error names
/// the first graph that disagrees with graph 0.
pub fn block_diagonal_batch(graphs: &[Graph]) -> Result<GraphBatch> {
    let first = graphs.first().ok_or(GraphError::Empty {
        operation: "block_diagonal_batch",
        what: "no graphs",
    })?;
    for (index, graph) in graphs.iter().enumerate().skip(1) {
        check_compatible(first, graph).map_err(|reason| GraphError::IncompatibleBatch {
            graph: index,
            reason,
        })?;
    }
    let mut node_offsets = vec![0usize];
    let mut edge_offsets = vec![0usize];
    for graph in graphs {
        node_offsets.push(node_offsets.last().copied().unwrap_or(0) + graph.num_nodes());
        edge_offsets.push(edge_offsets.last().copied().unwrap_or(0) + graph.num_edges());
    }
    let num_nodes = node_offsets[graphs.len()];
    let num_edges = edge_offsets[graphs.len()];
    if num_nodes > u32::MAX as usize {
        return Err(GraphError::TooManyNodes { num_nodes });
    }

    let mut sources = Vec::with_capacity(num_edges);
    let mut targets = Vec::with_capacity(num_edges);
    let mut batch = Vec::with_capacity(num_nodes);
    for (index, graph) in graphs.iter().enumerate() {
        let offset = node_offsets[index] as u32;
        sources.extend(graph.sources().iter().map(|&s| s + offset));
        targets.extend(graph.targets().iter().map(|&t| t + offset));
        batch.extend(std::iter::repeat_n(index as u32, graph.num_nodes()));
    }
    let mut joined =
        Graph::from_validated_coordinates(num_nodes, sources, targets, first.direction());
    if first.edge_weights().is_some() {
        joined = joined.with_edge_weights(concat(graphs, |g| g.edge_weights()))?;
    }
    if first.edge_labels().is_some() {
        joined = joined.with_edge_labels(concat(graphs, |g| g.edge_labels()))?;
    }
    if first.node_labels().is_some() {
        joined = joined.with_node_labels(concat(graphs, |g| g.node_labels()))?;
    }
    if first.node_features().is_some() {
        let features: Vec<&FeatureMatrix> =
            graphs.iter().filter_map(Graph::node_features).collect();
        joined = joined.with_node_features(stack_rows(&features))?;
    }
    let graph_labels = first
        .graph_label()
        .map(|_| graphs.iter().filter_map(Graph::graph_label).collect());
    Ok(GraphBatch {
        graph: joined,
        batch,
        node_offsets,
        edge_offsets,
        graph_labels,
    })
}

/// Stacks per-graph operators (e.g. each graph's cached GCN normalization) into one block-diagonal
/// operator. Normalizing a block-diagonal matrix equals normalizing each block, so a batch can
/// reuse per-graph work instead of normalizing again every epoch.
pub fn block_diagonal(blocks: &[&SparseMatrix]) -> SparseMatrix {
    let columns = blocks.iter().map(|b| b.cols()).sum();
    concat_rows(blocks, columns, true)
}

/// Concatenates CSR matrices row-wise; with `offset_columns` each block also moves right past the
/// previous blocks' columns (block-diagonal), otherwise all blocks share `columns` columns.
fn concat_rows(blocks: &[&SparseMatrix], columns: usize, offset_columns: bool) -> SparseMatrix {
    let rows: usize = blocks.iter().map(|b| b.rows()).sum();
    let nnz: usize = blocks.iter().map(|b| b.nnz()).sum();
    let mut indptr = Vec::with_capacity(rows + 1);
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    indptr.push(0);
    let mut column_offset = 0u32;
    for block in blocks {
        let base = indices.len();
        let block_indptr = block.indptr();
        let block_indptr = block_indptr.raw_storage();
        indptr.extend(
            block_indptr[1..]
                .iter()
                .map(|&p| base + p - block_indptr[0]),
        );
        indices.extend(block.indices().iter().map(|&c| c + column_offset));
        data.extend_from_slice(block.data());
        if offset_columns {
            column_offset += block.cols() as u32;
        }
    }
    // SAFETY: each block is a valid CSR matrix with at most `columns` columns (after the offset);
    // concatenating rows keeps every row sorted and indptr monotone.
    unsafe {
        SparseMatrix::new_unchecked(
            sprs::CompressedStorage::CSR,
            (rows, columns),
            indptr,
            indices,
            data,
        )
    }
}

impl GraphBatch {
    /// The block-diagonal graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// For each node, the index of the graph it came from.
    pub fn batch(&self) -> &[u32] {
        &self.batch
    }

    /// `num_graphs + 1` node offsets.
    pub fn node_offsets(&self) -> &[usize] {
        &self.node_offsets
    }

    /// `num_graphs + 1` edge offsets.
    pub fn edge_offsets(&self) -> &[usize] {
        &self.edge_offsets
    }

    /// Number of graphs in the batch.
    pub fn num_graphs(&self) -> usize {
        self.node_offsets.len() - 1
    }

    /// One label per graph, if the graphs had them.
    pub fn graph_labels(&self) -> Option<&[usize]> {
        self.graph_labels.as_deref()
    }

    /// Splits the batch back into the graphs it was made of (the inverse of
    /// [`block_diagonal_batch`]).
    pub fn unbatch(&self) -> Result<Vec<Graph>> {
        (0..self.num_graphs()).map(|g| self.graph_at(g)).collect()
    }

    fn graph_at(&self, index: usize) -> Result<Graph> {
        let nodes = self.node_offsets[index]..self.node_offsets[index + 1];
        let edges = self.edge_offsets[index]..self.edge_offsets[index + 1];
        let offset = nodes.start as u32;
        let whole = &self.graph;
        let sources = whole.sources()[edges.clone()]
            .iter()
            .map(|&s| s - offset)
            .collect();
        let targets = whole.targets()[edges.clone()]
            .iter()
            .map(|&t| t - offset)
            .collect();
        let mut graph =
            Graph::from_validated_coordinates(nodes.len(), sources, targets, whole.direction());
        if let Some(weights) = whole.edge_weights() {
            graph = graph.with_edge_weights(weights[edges.clone()].to_vec())?;
        }
        if let Some(labels) = whole.edge_labels() {
            graph = graph.with_edge_labels(labels[edges].to_vec())?;
        }
        if let Some(labels) = whole.node_labels() {
            graph = graph.with_node_labels(labels[nodes.clone()].to_vec())?;
        }
        if let Some(features) = whole.node_features() {
            graph = graph.with_node_features(slice_rows(features, nodes))?;
        }
        if let Some(labels) = &self.graph_labels {
            graph = graph.with_graph_label(labels[index]);
        }
        Ok(graph)
    }
}

fn check_compatible(first: &Graph, other: &Graph) -> std::result::Result<(), String> {
    let presence = |present: bool| if present { "has" } else { "lacks" };
    type HasPart = fn(&Graph) -> bool;
    let parts: [(&str, HasPart); 5] = [
        ("edge weights", |g| g.edge_weights().is_some()),
        ("edge labels", |g| g.edge_labels().is_some()),
        ("node labels", |g| g.node_labels().is_some()),
        ("node features", |g| g.node_features().is_some()),
        ("a graph label", |g| g.graph_label().is_some()),
    ];
    if first.direction() != other.direction() {
        return Err(format!(
            "it is {:?} but graph 0 is {:?}",
            other.direction(),
            first.direction()
        ));
    }
    for (name, has) in parts {
        if has(first) != has(other) {
            return Err(format!(
                "it {} {name} but graph 0 {}",
                presence(has(other)),
                presence(has(first))
            ));
        }
    }
    if let (Some(a), Some(b)) = (first.node_features(), other.node_features()) {
        if a.columns() != b.columns() {
            return Err(format!(
                "it has {} feature columns but graph 0 has {}",
                b.columns(),
                a.columns()
            ));
        }
        if matches!(a, FeatureMatrix::Dense(_)) != matches!(b, FeatureMatrix::Dense(_)) {
            return Err("its features are not of the same kind (dense/sparse) as graph 0's".into());
        }
    }
    Ok(())
}

fn concat<T: Clone>(graphs: &[Graph], part: impl Fn(&Graph) -> Option<&[T]>) -> Vec<T> {
    graphs.iter().filter_map(part).flatten().cloned().collect()
}

/// Stacks feature matrices of the same kind and width row-wise.
fn stack_rows(features: &[&FeatureMatrix]) -> FeatureMatrix {
    let columns = features[0].columns();
    let rows = features.iter().map(|f| f.rows()).sum();
    let mut values = Vec::new();
    let mut blocks = Vec::new();
    for feature in features {
        match feature {
            FeatureMatrix::Dense(matrix) => values.extend_from_slice(matrix.values()),
            FeatureMatrix::Sparse(matrix) => blocks.push(matrix),
        }
    }
    match features[0] {
        FeatureMatrix::Dense(_) => {
            FeatureMatrix::Dense(DenseMatrix::from_trusted(rows, columns, values))
        }
        FeatureMatrix::Sparse(_) => FeatureMatrix::Sparse(concat_rows(&blocks, columns, false)),
    }
}

fn slice_rows(features: &FeatureMatrix, rows: std::ops::Range<usize>) -> FeatureMatrix {
    match features {
        FeatureMatrix::Dense(matrix) => {
            let columns = matrix.columns();
            let values = matrix.values()[rows.start * columns..rows.end * columns].to_vec();
            FeatureMatrix::Dense(DenseMatrix::from_trusted(rows.len(), columns, values))
        }
        FeatureMatrix::Sparse(matrix) => {
            let slice = matrix.slice_outer(rows.clone());
            // A row slice keeps the parent's offsets; rebase them to start at zero.
            let indptr = slice.indptr().to_proper().into_owned();
            FeatureMatrix::Sparse(SparseMatrix::new(
                (rows.len(), matrix.cols()),
                indptr,
                slice.indices().to_vec(),
                slice.data().to_vec(),
            ))
        }
    }
}
