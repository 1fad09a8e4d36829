//! Compressed sparse row (CSR) matrices: the one sparse type cinder passes around, and the
//! O(nnz) coordinate-to-CSR conversion every adjacency and operator is built with.

use rayon::prelude::*;

use crate::error::{GraphError, Result};

/// A CSR matrix of `f32` with 32-bit column indices (`sprs::CsMatI<f32, u32, usize>`).
///
/// Adjacency matrices, normalized propagation operators and sparse feature matrices all use this
/// type; 32-bit indices halve the memory of a 10M-edge graph compared with `usize`.
pub type SparseMatrix = sprs::CsMatI<f32, u32, usize>;

/// How entries that land on the same (row, column) are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicateEdges {
    /// Add the weights (a multigraph's parallel edges count several times, as in PyG's scatter).
    #[default]
    Sum,
    /// Keep the largest weight (parallel edges collapse into one, e.g. a binary adjacency).
    Max,
}

/// Builds a `rows x columns` CSR matrix from coordinates, sorted by column within each row, with
/// duplicate coordinates merged by `duplicates`. `values = None` means every entry is `1.0`.
///
/// Runs in O(nnz): a counting sort by row, then each row is sorted and merged in parallel.
/// The caller guarantees `row_indices[k] < rows` and `column_indices[k] < columns`.
pub(crate) fn coordinates_to_csr(
    (rows, columns): (usize, usize),
    row_indices: &[u32],
    column_indices: &[u32],
    values: Option<&[f32]>,
    duplicates: DuplicateEdges,
) -> SparseMatrix {
    debug_assert_eq!(row_indices.len(), column_indices.len());
    let mut row_starts = vec![0usize; rows + 1];
    for &row in row_indices {
        row_starts[row as usize + 1] += 1;
    }
    for row in 0..rows {
        row_starts[row + 1] += row_starts[row];
    }
    let mut entries = vec![(0u32, 0f32); row_indices.len()];
    let mut cursor = row_starts[..rows].to_vec();
    for (k, (&row, &column)) in row_indices.iter().zip(column_indices).enumerate() {
        let slot = &mut cursor[row as usize];
        entries[*slot] = (column, values.map_or(1.0, |v| v[k]));
        *slot += 1;
    }
    drop(cursor);

    let mut row_slices = Vec::with_capacity(rows);
    let mut rest = entries.as_mut_slice();
    for row in 0..rows {
        let (head, tail) = rest.split_at_mut(row_starts[row + 1] - row_starts[row]);
        row_slices.push(head);
        rest = tail;
    }
    let merged_lengths: Vec<usize> = row_slices
        .into_par_iter()
        .with_min_len(1024)
        .map(|slice| sort_and_merge_row(slice, duplicates))
        .collect();

    let mut indptr = Vec::with_capacity(rows + 1);
    indptr.push(0usize);
    let mut total = 0;
    for &length in &merged_lengths {
        total += length;
        indptr.push(total);
    }
    let mut indices = Vec::with_capacity(total);
    let mut data = Vec::with_capacity(total);
    for (row, &length) in merged_lengths.iter().enumerate() {
        for &(column, value) in &entries[row_starts[row]..row_starts[row] + length] {
            indices.push(column);
            data.push(value);
        }
    }
    // SAFETY: rows are sorted and merged above, indptr is a monotone prefix sum ending at nnz,
    // and the caller guarantees every index is in range.
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

/// Sorts one row's (column, value) entries and merges equal columns in place; returns the number
/// of distinct columns, which now sit at the front of `row`.
fn sort_and_merge_row(row: &mut [(u32, f32)], duplicates: DuplicateEdges) -> usize {
    if row.len() < 2 {
        return row.len();
    }
    row.sort_unstable_by_key(|&(column, _)| column);
    let mut write = 0;
    for read in 1..row.len() {
        let (column, value) = row[read];
        if column == row[write].0 {
            let kept = &mut row[write].1;
            *kept = match duplicates {
                DuplicateEdges::Sum => *kept + value,
                DuplicateEdges::Max => kept.max(value),
            };
        } else {
            write += 1;
            row[write] = (column, value);
        }
    }
    write + 1
}

/// A CSR matrix from raw CSR arrays whose rows may list columns in any order and repeat them (as
/// scipy allows when `has_canonical_format` is false): each row is sorted by column and repeated
/// columns are combined by `duplicates` (`Sum` is scipy's `sum_duplicates`). The arrays must be
/// consistent — `indptr` of length `rows + 1`, from 0, never decreasing, ending at `indices.len()
/// = data.len()`, every index below `columns` — or this fails naming what is wrong.
pub fn canonical_csr(
    (rows, columns): (usize, usize),
    indptr: &[usize],
    indices: &[u32],
    data: &[f32],
    duplicates: DuplicateEdges,
) -> Result<SparseMatrix> {
    let invalid = |reason: String| GraphError::InvalidSparse {
        what: "raw CSR arrays",
        reason,
    };
    if indptr.len() != rows + 1 || indptr.first() != Some(&0) {
        return Err(invalid(format!(
            "indptr has {} entries starting at {:?}; expected {} starting at 0",
            indptr.len(),
            indptr.first(),
            rows + 1
        )));
    }
    if let Some(row) = indptr.windows(2).position(|pair| pair[1] < pair[0]) {
        return Err(invalid(format!("indptr decreases after row {row}")));
    }
    if indptr[rows] != indices.len() || indices.len() != data.len() {
        return Err(invalid(format!(
            "indptr ends at {}, with {} indices and {} values",
            indptr[rows],
            indices.len(),
            data.len()
        )));
    }
    if let Some(k) = indices.iter().position(|&c| c as usize >= columns) {
        return Err(invalid(format!(
            "index {k} is column {}, beyond {columns} columns",
            indices[k]
        )));
    }
    let mut row_indices = Vec::with_capacity(indices.len());
    for (row, pair) in indptr.windows(2).enumerate() {
        row_indices.extend(std::iter::repeat_n(row as u32, pair[1] - pair[0]));
    }
    Ok(coordinates_to_csr(
        (rows, columns),
        &row_indices,
        indices,
        Some(data),
        duplicates,
    ))
}

/// The transpose of a CSR matrix, again in CSR layout (O(nnz), columns sorted).
pub fn transpose(matrix: &SparseMatrix) -> SparseMatrix {
    let (rows, columns) = matrix.shape();
    let mut row_indices = Vec::with_capacity(matrix.nnz());
    for (row, vector) in matrix.outer_iterator().enumerate() {
        row_indices.extend(std::iter::repeat_n(row as u32, vector.nnz()));
    }
    coordinates_to_csr(
        (columns, rows),
        matrix.indices(),
        &row_indices,
        Some(matrix.data()),
        DuplicateEdges::Sum,
    )
}

/// Checks that a matrix from outside cinder is a well-formed CSR matrix with finite values, and
/// returns it in cinder's index types. Accepts any `sprs` index types and CSC input (converted).
pub fn to_sparse_matrix<I, Iptr>(
    matrix: &sprs::CsMatI<f32, I, Iptr>,
    what: &'static str,
) -> Result<SparseMatrix>
where
    I: sprs::SpIndex,
    Iptr: sprs::SpIndex,
{
    let csr = if matrix.is_csr() {
        matrix.view().to_owned()
    } else {
        matrix.to_other_storage()
    };
    let (rows, columns) = csr.shape();
    if rows > u32::MAX as usize || columns > u32::MAX as usize {
        return Err(GraphError::TooManyNodes {
            num_nodes: rows.max(columns),
        });
    }
    let indptr: Vec<usize> = csr.indptr().to_proper().iter().map(|p| p.index()).collect();
    let indices: Vec<u32> = csr.indices().iter().map(|i| i.index() as u32).collect();
    let data = csr.data().to_vec();
    if let Some((position, &value)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(GraphError::NonFiniteWeight {
            edge: position,
            value,
        });
    }
    SparseMatrix::try_new((rows, columns), indptr, indices, data).map_err(|(_, _, _, error)| {
        GraphError::InvalidSparse {
            what,
            reason: error.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_csr_sorts_rows_sums_repeats_and_checks_the_arrays() {
        // Row 0 lists columns 3, 0, 3; row 1 is empty; row 2 lists 1.
        let matrix = canonical_csr(
            (3, 4),
            &[0, 3, 3, 4],
            &[3, 0, 3, 1],
            &[1.0, 2.0, 4.0, 8.0],
            DuplicateEdges::Sum,
        )
        .unwrap();
        assert_eq!(matrix.indptr().raw_storage(), &[0, 2, 2, 3]);
        assert_eq!(matrix.indices(), &[0, 3, 1]);
        assert_eq!(matrix.data(), &[2.0, 5.0, 8.0]);
        for (indptr, indices) in [
            (vec![0, 2, 1, 2], vec![0, 1]),
            (vec![0, 1, 2, 3], vec![0, 1]),
            (vec![0, 1, 1, 2], vec![0, 9]),
        ] {
            let data = vec![1.0; indices.len()];
            let error = canonical_csr((3, 4), &indptr, &indices, &data, DuplicateEdges::Sum);
            assert!(
                matches!(error, Err(GraphError::InvalidSparse { .. })),
                "{indptr:?}"
            );
        }
    }

    #[test]
    fn coordinates_are_sorted_and_duplicates_merged() {
        let rows = [1, 0, 1, 1, 2];
        let columns = [2, 1, 0, 2, 2];
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        let sum = coordinates_to_csr((3, 3), &rows, &columns, Some(&values), DuplicateEdges::Sum);
        assert_eq!(sum.indptr().raw_storage(), &[0, 1, 3, 4]);
        assert_eq!(sum.indices(), &[1, 0, 2, 2]);
        assert_eq!(sum.data(), &[2.0, 3.0, 5.0, 5.0]);
        let max = coordinates_to_csr((3, 3), &rows, &columns, Some(&values), DuplicateEdges::Max);
        assert_eq!(max.data(), &[2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn transpose_swaps_coordinates() {
        let matrix = coordinates_to_csr((2, 3), &[0, 0, 1], &[1, 2, 0], None, DuplicateEdges::Sum);
        let transposed = transpose(&matrix);
        assert_eq!(transposed.shape(), (3, 2));
        assert_eq!(transposed.to_dense(), matrix.to_dense().t());
    }

    #[test]
    fn external_matrices_are_converted_and_checked() {
        let matrix =
            sprs::CsMatI::<f32, usize>::new_csc((2, 2), vec![0, 1, 2], vec![1, 0], vec![1.0, 2.0]);
        let converted = to_sparse_matrix(&matrix, "test").unwrap();
        assert_eq!(converted.to_dense(), matrix.to_dense());
        let nan = sprs::CsMatI::<f32, usize>::new((1, 1), vec![0, 1], vec![0], vec![f32::NAN]);
        assert!(matches!(
            to_sparse_matrix(&nan, "test"),
            Err(GraphError::NonFiniteWeight { edge: 0, .. })
        ));
    }
}
