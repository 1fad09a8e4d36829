//! GCN normalization as pure functions returning a CSR propagation operator.
//!
//! Operators use the message-passing layout ([`Orientation::TargetRows`]): `S[i, j]` is the
//! weight of the message from node `j` to node `i`, so a layer computes `X' = S · X`.

use rayon::prelude::*;

use crate::adjacency::{AdjacencyBuilder, Orientation, SelfLoops};
use crate::error::{GraphError, Result};
use crate::graph::Graph;
use crate::sparse::{DuplicateEdges, SparseMatrix, coordinates_to_csr};

/// Options of the symmetric GCN normalization (PyG's `gcn_norm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcnNormalization {
    /// Use `A + 2I` instead of `A + I` (Kipf & Welling's "improved" variant). Default `false`.
    pub improved: bool,
    /// Add a self-loop at every node that has none (existing self-loops keep their weight).
    /// Default `true`.
    pub add_self_loops: bool,
}

impl Default for GcnNormalization {
    fn default() -> Self {
        Self {
            improved: false,
            add_self_loops: true,
        }
    }
}

impl GcnNormalization {
    fn self_loops(self) -> SelfLoops {
        match (self.add_self_loops, self.improved) {
            (false, _) => SelfLoops::Keep,
            (true, false) => SelfLoops::AddMissing(1.0),
            (true, true) => SelfLoops::AddMissing(2.0),
        }
    }
}

/// The GCN operator `Ŝ = D^-1/2 (A + I) D^-1/2` of a graph (Kipf & Welling 2017, eq. 2).
///
/// Edge weights are used; parallel edges add up; undirected graphs are symmetrized. The degree is
/// `dᵢ = Σⱼ (A + I)[j → i]`, summed over *incoming* edges at the target node as in PyG's
/// `gcn_norm`, and `Ŝ[i, j] = dᵢ^-1/2 · w(j → i) · dⱼ^-1/2`. A node of degree zero (possible only
/// without self-loops) gets an all-zero row and column, never NaN or inf.
pub fn gcn_normalization(graph: &Graph, options: GcnNormalization) -> Result<SparseMatrix> {
    check_non_negative(graph.edge_weights(), "GCN normalization")?;
    let propagation = AdjacencyBuilder::new()
        .orientation(Orientation::TargetRows)
        .self_loops(options.self_loops())
        .duplicates(DuplicateEdges::Sum)
        .build(graph);
    Ok(scale_symmetric(propagation))
}

/// [`gcn_normalization`] for a propagation matrix you already have (`M[target, source]`).
pub fn gcn_normalize_matrix(
    matrix: &SparseMatrix,
    options: GcnNormalization,
) -> Result<SparseMatrix> {
    check_operator(matrix, "GCN normalization")?;
    let with_loops = match options.self_loops() {
        SelfLoops::AddMissing(fill) => add_missing_self_loops(matrix, fill),
        _ => matrix.clone(),
    };
    Ok(scale_symmetric(with_loops))
}

/// The random-walk operator `D^-1 A` (mean aggregation): row `i` holds node `i`'s incoming edge
/// weights divided by their sum, so every row with an incoming edge sums to 1 and a node without
/// one gets a zero row.
pub fn random_walk_normalization(graph: &Graph, add_self_loops: bool) -> Result<SparseMatrix> {
    check_non_negative(graph.edge_weights(), "random-walk normalization")?;
    let self_loops = if add_self_loops {
        SelfLoops::AddMissing(1.0)
    } else {
        SelfLoops::Keep
    };
    let propagation = AdjacencyBuilder::new()
        .orientation(Orientation::TargetRows)
        .self_loops(self_loops)
        .build(graph);
    Ok(scale_rows(propagation))
}

/// [`random_walk_normalization`] for a propagation matrix you already have.
pub fn random_walk_normalize_matrix(matrix: &SparseMatrix) -> Result<SparseMatrix> {
    check_operator(matrix, "random-walk normalization")?;
    Ok(scale_rows(matrix.clone()))
}

/// The scaled Laplacian `L̂ = 2L / λ_max − I` of ChebNet (Defferrard et al. 2016) with the
/// symmetric Laplacian `L = I − D^-1/2 A D^-1/2`, as PyG's `ChebConv(normalization='sym')`:
/// self-loops of the input are dropped first, and the degree `dⱼ` sums the weights of the edges
/// *leaving* node `j` (PyG's `get_laplacian` scatters over the source index), so
/// `L̂[i, j] = −(2/λ_max) · w(j → i) / √(dᵢ dⱼ)` off the diagonal and `2/λ_max − 1` on it
/// (0 for the usual `λ_max = 2`). Nodes of degree 0 get no off-diagonal entries.
pub fn chebyshev_laplacian(graph: &Graph, lambda_max: f32) -> Result<SparseMatrix> {
    check_non_negative(graph.edge_weights(), "Chebyshev Laplacian")?;
    if !(lambda_max.is_finite() && lambda_max > 0.0) {
        return Err(GraphError::InvalidParameter {
            name: "lambda_max",
            reason: format!("{lambda_max} must be positive and finite"),
        });
    }
    let adjacency = AdjacencyBuilder::new()
        .orientation(Orientation::TargetRows)
        .self_loops(SelfLoops::Remove)
        .duplicates(DuplicateEdges::Sum)
        .build(graph);
    let mut out_degree = vec![0.0f32; adjacency.cols()];
    for (&column, &value) in adjacency.indices().iter().zip(adjacency.data()) {
        out_degree[column as usize] += value;
    }
    let inverse_sqrt: Vec<f32> = out_degree
        .iter()
        .map(|&d| if d > 0.0 { d.sqrt().recip() } else { 0.0 })
        .collect();
    let scale = 2.0 / lambda_max;
    let with_diagonal = add_missing_self_loops(&adjacency, 0.0);
    Ok(map_rows(with_diagonal, |row, columns, values| {
        for (value, &column) in values.iter_mut().zip(columns) {
            *value = if column as usize == row {
                scale - 1.0
            } else {
                -scale * *value * inverse_sqrt[row] * inverse_sqrt[column as usize]
            };
        }
    }))
}

/// Adds a `fill`-weighted diagonal entry to every row that has none.
pub fn add_missing_self_loops(matrix: &SparseMatrix, fill: f32) -> SparseMatrix {
    let mut rows = Vec::with_capacity(matrix.nnz() + matrix.rows());
    let mut columns = Vec::with_capacity(matrix.nnz() + matrix.rows());
    let mut values = Vec::with_capacity(matrix.nnz() + matrix.rows());
    for (row, vector) in matrix.outer_iterator().enumerate() {
        let mut has_loop = false;
        for (column, &value) in vector.iter() {
            has_loop |= column == row;
            rows.push(row as u32);
            columns.push(column as u32);
            values.push(value);
        }
        if !has_loop {
            rows.push(row as u32);
            columns.push(row as u32);
            values.push(fill);
        }
    }
    coordinates_to_csr(
        matrix.shape(),
        &rows,
        &columns,
        Some(&values),
        DuplicateEdges::Sum,
    )
}

fn check_non_negative(weights: Option<&[f32]>, operation: &'static str) -> Result<()> {
    if let Some(weights) = weights
        && let Some(edge) = weights.iter().position(|&w| w < 0.0)
    {
        return Err(GraphError::NegativeWeight {
            edge,
            value: weights[edge],
            operation,
        });
    }
    Ok(())
}

fn check_operator(matrix: &SparseMatrix, operation: &'static str) -> Result<()> {
    let (rows, columns) = matrix.shape();
    if rows != columns {
        return Err(GraphError::NotSquare {
            what: "a propagation matrix",
            rows,
            columns,
        });
    }
    if let Some(edge) = matrix.data().iter().position(|v| !v.is_finite()) {
        return Err(GraphError::NonFiniteWeight {
            edge,
            value: matrix.data()[edge],
        });
    }
    check_non_negative(Some(matrix.data()), operation)
}

/// `1 / sqrt(d)` of each row sum, 0 where the sum is 0.
fn inverse_sqrt_degrees(matrix: &SparseMatrix) -> Vec<f32> {
    let indptr = matrix.indptr();
    let indptr = indptr.raw_storage();
    let data = matrix.data();
    (0..matrix.rows())
        .into_par_iter()
        .with_min_len(4096)
        .map(|row| {
            let degree: f32 = data[indptr[row]..indptr[row + 1]].iter().sum();
            if degree > 0.0 {
                degree.sqrt().recip()
            } else {
                0.0
            }
        })
        .collect()
}

fn scale_symmetric(matrix: SparseMatrix) -> SparseMatrix {
    let inverse_sqrt = inverse_sqrt_degrees(&matrix);
    map_rows(matrix, |row, columns, values| {
        for (value, &column) in values.iter_mut().zip(columns) {
            *value *= inverse_sqrt[row] * inverse_sqrt[column as usize];
        }
    })
}

fn scale_rows(matrix: SparseMatrix) -> SparseMatrix {
    map_rows(matrix, |_, _, values| {
        let sum: f32 = values.iter().sum();
        if sum > 0.0 {
            values.iter_mut().for_each(|v| *v /= sum);
        }
    })
}

/// Rewrites each row's values in parallel; `update(row, columns, values)`.
fn map_rows(
    matrix: SparseMatrix,
    update: impl Fn(usize, &[u32], &mut [f32]) + Sync,
) -> SparseMatrix {
    let shape = matrix.shape();
    let (indptr, indices, mut data) = matrix.into_raw_storage();
    let mut row_values = Vec::with_capacity(shape.0);
    let mut rest = data.as_mut_slice();
    for row in 0..shape.0 {
        let (head, tail) = rest.split_at_mut(indptr[row + 1] - indptr[row]);
        row_values.push(head);
        rest = tail;
    }
    row_values
        .into_par_iter()
        .enumerate()
        .with_min_len(4096)
        .for_each(|(row, values)| update(row, &indices[indptr[row]..indptr[row + 1]], values));
    // SAFETY: the structure (indptr, indices) is unchanged from a valid CSR matrix.
    unsafe {
        SparseMatrix::new_unchecked(sprs::CompressedStorage::CSR, shape, indptr, indices, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Direction;

    #[test]
    fn path_graph_matches_hand_computed_values() {
        // 0 - 1 - 2 with self-loops: degrees 2, 3, 2.
        let graph = Graph::from_edges(3, [(0, 1), (1, 2)], Direction::Undirected).unwrap();
        let operator = gcn_normalization(&graph, GcnNormalization::default()).unwrap();
        let dense = operator.to_dense();
        let expected = [
            [0.5, 1.0 / 6f32.sqrt(), 0.0],
            [1.0 / 6f32.sqrt(), 1.0 / 3.0, 1.0 / 6f32.sqrt()],
            [0.0, 1.0 / 6f32.sqrt(), 0.5],
        ];
        for i in 0..3 {
            for j in 0..3 {
                assert!((dense[[i, j]] - expected[i][j]).abs() < 1e-6, "({i},{j})");
            }
        }
    }

    #[test]
    fn improved_variant_uses_two_on_the_diagonal() {
        let graph = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
        let options = GcnNormalization {
            improved: true,
            ..Default::default()
        };
        let dense = gcn_normalization(&graph, options).unwrap().to_dense();
        assert!((dense[[0, 0]] - 2.0 / 3.0).abs() < 1e-6);
        assert!((dense[[0, 1]] - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn directed_degree_is_summed_at_the_target() {
        // 0 -> 1 (weight 3): node 1 has in-degree 1 + 3, node 0 only its self-loop.
        let graph = Graph::from_edges(2, [(0, 1)], Direction::Directed)
            .unwrap()
            .with_edge_weights(vec![3.0])
            .unwrap();
        let dense = gcn_normalization(&graph, GcnNormalization::default())
            .unwrap()
            .to_dense();
        assert!((dense[[1, 0]] - 3.0 / (4f32.sqrt() * 1.0)).abs() < 1e-6);
        assert_eq!(dense[[0, 1]], 0.0);
        assert!((dense[[1, 1]] - 0.25).abs() < 1e-6);
    }

    #[test]
    fn zero_degree_nodes_give_zero_rows_not_nan() {
        let graph = Graph::from_edges(3, [(0, 1)], Direction::Directed).unwrap();
        let options = GcnNormalization {
            add_self_loops: false,
            ..Default::default()
        };
        let operator = gcn_normalization(&graph, options).unwrap();
        assert!(operator.data().iter().all(|v| v.is_finite()));
        let walk = random_walk_normalization(&graph, false).unwrap();
        assert!(walk.data().iter().all(|v| v.is_finite()));
        assert_eq!(walk.to_dense()[[1, 0]], 1.0);
    }

    #[test]
    fn negative_weights_are_refused() {
        let graph = Graph::from_edges(2, [(0, 1), (1, 1)], Direction::Undirected)
            .unwrap()
            .with_edge_weights(vec![1.0, -2.0])
            .unwrap();
        assert_eq!(
            gcn_normalization(&graph, GcnNormalization::default()),
            Err(GraphError::NegativeWeight {
                edge: 1,
                value: -2.0,
                operation: "GCN normalization"
            })
        );
    }

    #[test]
    fn matrix_and_graph_paths_agree() {
        let graph = Graph::from_edges(4, [(0, 1), (1, 2), (2, 2), (3, 0)], Direction::Directed)
            .unwrap()
            .with_edge_weights(vec![1.0, 0.5, 2.0, 3.0])
            .unwrap();
        let propagation = AdjacencyBuilder::new()
            .orientation(Orientation::TargetRows)
            .build(&graph);
        for improved in [false, true] {
            let options = GcnNormalization {
                improved,
                add_self_loops: true,
            };
            assert_eq!(
                gcn_normalize_matrix(&propagation, options).unwrap(),
                gcn_normalization(&graph, options).unwrap()
            );
        }
        let square = SparseMatrix::new((2, 3), vec![0, 0, 0], vec![], vec![]);
        assert!(matches!(
            gcn_normalize_matrix(&square, GcnNormalization::default()),
            Err(GraphError::NotSquare {
                rows: 2,
                columns: 3,
                ..
            })
        ));
    }
}
