//! Node feature matrices: dense row-major or sparse CSR, and the builders that make them
//! (identity, one-hot labels, degree, constant, user data) plus row normalization.

use crate::error::{GraphError, Result};
use crate::sparse::{DuplicateEdges, SparseMatrix, coordinates_to_csr, to_sparse_matrix};

/// A dense row-major `f32` matrix: row `r`, column `c` lives at `values[r * columns + c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseMatrix {
    rows: usize,
    columns: usize,
    values: Vec<f32>,
}

impl DenseMatrix {
    /// Wraps a row-major buffer; fails if its length is not `rows * columns` or a value is not
    /// finite.
    pub fn new(rows: usize, columns: usize, values: Vec<f32>) -> Result<Self> {
        if rows.checked_mul(columns) != Some(values.len()) {
            return Err(GraphError::DenseShape {
                rows,
                columns,
                actual: values.len(),
            });
        }
        if let Some(position) = values.iter().position(|v| !v.is_finite()) {
            return Err(GraphError::NonFiniteFeature {
                row: position / columns,
                column: position % columns,
                value: values[position],
            });
        }
        Ok(Self {
            rows,
            columns,
            values,
        })
    }

    /// Wraps values already known to be finite and of the right length.
    pub(crate) fn from_trusted(rows: usize, columns: usize, values: Vec<f32>) -> Self {
        debug_assert_eq!(rows * columns, values.len());
        Self {
            rows,
            columns,
            values,
        }
    }

    /// Builds a matrix from equal-length rows.
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Self> {
        let columns = rows.first().map_or(0, Vec::len);
        if let Some(bad) = rows.iter().position(|row| row.len() != columns) {
            return Err(GraphError::DenseShape {
                rows: rows.len(),
                columns,
                actual: bad * columns + rows[bad].len(),
            });
        }
        Self::new(rows.len(), columns, rows.concat())
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The row-major buffer.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Consumes the matrix, returning its row-major buffer.
    pub fn into_values(self) -> Vec<f32> {
        self.values
    }

    /// One row.
    pub fn row(&self, row: usize) -> &[f32] {
        &self.values[row * self.columns..(row + 1) * self.columns]
    }
}

/// The node feature matrix of a graph: one row per node.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureMatrix {
    /// Dense row-major values (embeddings, coordinates, degree encodings).
    Dense(DenseMatrix),
    /// Sparse CSR values (bag-of-words such as Cora's 1433 binary features, one-hot encodings).
    Sparse(SparseMatrix),
}

impl FeatureMatrix {
    /// User-supplied dense features, `values` row-major.
    pub fn dense(rows: usize, columns: usize, values: Vec<f32>) -> Result<Self> {
        DenseMatrix::new(rows, columns, values).map(Self::Dense)
    }

    /// User-supplied sparse features from any `sprs` matrix (CSR or CSC, any index types);
    /// checked for structure and finite values.
    pub fn sparse<I: sprs::SpIndex, Iptr: sprs::SpIndex>(
        matrix: &sprs::CsMatI<f32, I, Iptr>,
    ) -> Result<Self> {
        to_sparse_matrix(matrix, "node features").map(Self::Sparse)
    }

    /// Identity features: node `i` gets the one-hot vector of its id (`num_nodes` columns, sparse).
    /// This is what a graph without features uses.
    pub fn identity(num_nodes: usize) -> Self {
        let ids: Vec<u32> = (0..num_nodes as u32).collect();
        Self::Sparse(coordinates_to_csr(
            (num_nodes, num_nodes),
            &ids,
            &ids,
            None,
            DuplicateEdges::Sum,
        ))
    }

    /// One-hot encoding of a categorical label per node (`num_classes` columns, sparse).
    pub fn one_hot(labels: &[usize], num_classes: usize) -> Result<Self> {
        if let Some(index) = labels.iter().position(|&label| label >= num_classes) {
            return Err(GraphError::LabelOutOfRange {
                field: "node labels",
                index,
                label: labels[index],
                num_classes,
            });
        }
        let rows: Vec<u32> = (0..labels.len() as u32).collect();
        let columns: Vec<u32> = labels.iter().map(|&label| label as u32).collect();
        Ok(Self::Sparse(coordinates_to_csr(
            (labels.len(), num_classes),
            &rows,
            &columns,
            None,
            DuplicateEdges::Sum,
        )))
    }

    /// One-hot degree features with `cap + 1` columns; degrees above `cap` share the last column.
    /// `degrees` usually comes from [`crate::Graph::degrees`].
    pub fn one_hot_degree(degrees: &[usize], cap: usize) -> Self {
        let capped: Vec<usize> = degrees.iter().map(|&d| d.min(cap)).collect();
        Self::one_hot(&capped, cap + 1).expect("capped degrees are below cap + 1")
    }

    /// One dense column `ln(1 + degree)`.
    pub fn log_degree(degrees: &[usize]) -> Self {
        let values = degrees.iter().map(|&d| (d as f32).ln_1p()).collect();
        Self::Dense(DenseMatrix {
            rows: degrees.len(),
            columns: 1,
            values,
        })
    }

    /// Every node gets the same `columns`-wide vector of `value`.
    pub fn constant(num_nodes: usize, columns: usize, value: f32) -> Result<Self> {
        Self::dense(num_nodes, columns, vec![value; num_nodes * columns])
    }

    /// Number of rows (nodes).
    pub fn rows(&self) -> usize {
        match self {
            Self::Dense(matrix) => matrix.rows(),
            Self::Sparse(matrix) => matrix.rows(),
        }
    }

    /// Number of columns (feature dimension).
    pub fn columns(&self) -> usize {
        match self {
            Self::Dense(matrix) => matrix.columns(),
            Self::Sparse(matrix) => matrix.cols(),
        }
    }

    /// A dense copy (fine for small graphs; a sparse bag-of-words is best kept sparse).
    pub fn to_dense(&self) -> DenseMatrix {
        match self {
            Self::Dense(matrix) => matrix.clone(),
            Self::Sparse(matrix) => {
                let mut values = vec![0.0; matrix.rows() * matrix.cols()];
                for (row, vector) in matrix.outer_iterator().enumerate() {
                    for (column, &value) in vector.iter() {
                        values[row * matrix.cols() + column] = value;
                    }
                }
                DenseMatrix {
                    rows: matrix.rows(),
                    columns: matrix.cols(),
                    values,
                }
            }
        }
    }

    /// Row normalization: each row is divided by its sum so it sums to 1 (PyG's
    /// `NormalizeFeatures`); all-zero rows stay zero. Keeps the dense/sparse kind.
    pub fn row_normalized(&self) -> Self {
        let scale = |sum: f32| if sum == 0.0 { 0.0 } else { 1.0 / sum };
        match self {
            Self::Dense(matrix) => {
                let mut values = matrix.values.clone();
                if matrix.columns > 0 {
                    for row in values.chunks_mut(matrix.columns) {
                        let factor = scale(row.iter().sum());
                        row.iter_mut().for_each(|v| *v *= factor);
                    }
                }
                Self::Dense(DenseMatrix { values, ..*matrix })
            }
            Self::Sparse(matrix) => {
                let mut normalized = matrix.clone();
                for mut vector in normalized.outer_iterator_mut() {
                    let factor = scale(vector.data().iter().sum());
                    vector.map_inplace(|v| v * factor);
                }
                Self::Sparse(normalized)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_one_hot_of_node_id() {
        let dense = FeatureMatrix::identity(3).to_dense();
        assert_eq!(dense.values(), &[1., 0., 0., 0., 1., 0., 0., 0., 1.]);
    }

    #[test]
    fn one_hot_rejects_labels_out_of_range() {
        assert_eq!(
            FeatureMatrix::one_hot(&[0, 3, 1], 3),
            Err(GraphError::LabelOutOfRange {
                field: "node labels",
                index: 1,
                label: 3,
                num_classes: 3
            })
        );
        let dense = FeatureMatrix::one_hot(&[2, 0], 3).unwrap().to_dense();
        assert_eq!(dense.values(), &[0., 0., 1., 1., 0., 0.]);
    }

    #[test]
    fn degree_features_cap_and_log() {
        let onehot = FeatureMatrix::one_hot_degree(&[0, 1, 5], 2).to_dense();
        assert_eq!(onehot.values(), &[1., 0., 0., 0., 1., 0., 0., 0., 1.]);
        let log = FeatureMatrix::log_degree(&[0, 3]).to_dense();
        assert_eq!(log.values(), &[0.0, 4f32.ln()]);
    }

    #[test]
    fn row_normalization_sums_to_one_and_keeps_zero_rows() {
        let dense = FeatureMatrix::dense(2, 2, vec![1.0, 3.0, 0.0, 0.0]).unwrap();
        assert_eq!(
            dense.row_normalized().to_dense().values(),
            &[0.25, 0.75, 0.0, 0.0]
        );
        let sparse = FeatureMatrix::one_hot(&[1, 0], 2).unwrap().row_normalized();
        assert!(matches!(sparse, FeatureMatrix::Sparse(_)));
        assert_eq!(sparse.to_dense().values(), &[0., 1., 1., 0.]);
    }

    #[test]
    fn dense_rejects_bad_shape_and_nan() {
        assert_eq!(
            FeatureMatrix::dense(2, 2, vec![0.0; 3]),
            Err(GraphError::DenseShape {
                rows: 2,
                columns: 2,
                actual: 3
            })
        );
        assert!(matches!(
            FeatureMatrix::dense(2, 2, vec![0.0, 0.0, f32::INFINITY, 0.0]),
            Err(GraphError::NonFiniteFeature {
                row: 1,
                column: 0,
                ..
            })
        ));
    }
}
