//! CSR matrices as files store them (scipy's `indptr`/`indices`/`data`, in `.npz` archives and
//! Planetoid pickles), checked and put in canonical form.
//!
//! scipy allows the column indices of a row in any order and repeated (`has_sorted_indices` and
//! `has_canonical_format` may be false; the GNN-benchmark files of Shchur et al. 2018 are stored
//! that way). cinder's [`SparseMatrix`] needs them sorted and unique, so each row is sorted and
//! repeated entries are summed, which is what scipy's `sum_duplicates` (and `toarray`) does.

use std::path::Path;

use cinder_graph::{DuplicateEdges, SparseMatrix, canonical_csr};

use crate::checked::{declared_size, index_below, invalid_value, shown};
use crate::error::{DatasetError, Result};

/// The arrays of a CSR matrix as the file holds them, every number still an f64.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCsr<'a> {
    /// `[rows, columns]`.
    pub(crate) shape: &'a [f64],
    pub(crate) indptr: &'a [f64],
    pub(crate) indices: &'a [f64],
    pub(crate) data: &'a [f64],
}

/// A checked CSR matrix: indices sorted and unique within each row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Csr {
    pub(crate) shape: (usize, usize),
    pub(crate) indptr: Vec<usize>,
    pub(crate) indices: Vec<u32>,
    pub(crate) data: Vec<f32>,
}

impl RawCsr<'_> {
    /// Checks every field against the others (before reserving memory by any of them) and sorts
    /// each row. `prefix` names the arrays in errors (`adj` gives `adj_indices[12]`).
    pub(crate) fn canonical(&self, path: &Path, prefix: &str) -> Result<Csr> {
        let name = |field: &str| format!("{prefix}{field}");
        let [rows, columns] = self.shape else {
            return Err(DatasetError::Format {
                path: path.to_path_buf(),
                reason: format!(
                    "{} has {} entries, expected 2",
                    name("shape"),
                    self.shape.len()
                ),
            });
        };
        let dimension = |value: f64, what: &str| {
            index_below(value, u32::MAX as usize).ok_or_else(|| {
                invalid_value(
                    path,
                    format!("{} ({what})", name("shape")),
                    shown(value),
                    "a count in 0..2^32",
                )
            })
        };
        let (rows, columns) = (dimension(*rows, "rows")?, dimension(*columns, "columns")?);
        if self.indptr.len() != rows + 1 {
            return Err(declared_size(
                path,
                name("shape"),
                format!("{rows} rows"),
                format!("{} has {} entries", name("indptr"), self.indptr.len()),
            ));
        }
        let stored = self.indices.len();
        if self.data.len() != stored {
            return Err(declared_size(
                path,
                name("indices"),
                format!("{stored} entries"),
                format!("{} has {}", name("data"), self.data.len()),
            ));
        }
        let indptr = self.checked_indptr(path, &name("indptr"), stored)?;
        let mut indices = Vec::with_capacity(stored);
        for (k, &value) in self.indices.iter().enumerate() {
            let column = index_below(value, columns).ok_or_else(|| {
                invalid_value(
                    path,
                    format!("{}[{k}]", name("indices")),
                    shown(value),
                    format!("a column index in 0..{columns}"),
                )
            })?;
            indices.push(column as u32);
        }
        let data: Vec<f32> = self.data.iter().map(|&v| v as f32).collect();
        sorted_rows(path, (rows, columns), &indptr, &indices, &data)
    }

    /// `indptr` as offsets: integers, starting at 0, never decreasing, ending at `stored`.
    fn checked_indptr(&self, path: &Path, field: &str, stored: usize) -> Result<Vec<usize>> {
        let mut offsets = Vec::with_capacity(self.indptr.len());
        let mut previous = 0;
        for (k, &value) in self.indptr.iter().enumerate() {
            let offset = index_below(value, stored + 1)
                .filter(|&offset| offset >= previous && (k > 0 || offset == 0))
                .ok_or_else(|| {
                    invalid_value(
                        path,
                        format!("{field}[{k}]"),
                        shown(value),
                        format!(
                            "a row offset in {}..={stored} (offsets start at 0 and never decrease)",
                            previous
                        ),
                    )
                })?;
            offsets.push(offset);
            previous = offset;
        }
        if previous != stored {
            return Err(declared_size(
                path,
                format!("{field} (last entry)"),
                format!("{previous} stored entries"),
                format!("the indices hold {stored}"),
            ));
        }
        Ok(offsets)
    }
}

/// Sorts each row by column and sums repeated columns (cinder-graph's [`canonical_csr`]).
fn sorted_rows(
    path: &Path,
    shape: (usize, usize),
    indptr: &[usize],
    indices: &[u32],
    data: &[f32],
) -> Result<Csr> {
    let matrix =
        canonical_csr(shape, indptr, indices, data, DuplicateEdges::Sum).map_err(|error| {
            DatasetError::Format {
                path: path.to_path_buf(),
                reason: error.to_string(),
            }
        })?;
    let (indptr, indices, data) = matrix.into_raw_storage();
    Ok(Csr {
        shape,
        indptr,
        indices,
        data,
    })
}

impl Csr {
    /// The matrix as cinder's sparse type.
    pub(crate) fn into_sparse(self, path: &Path) -> Result<SparseMatrix> {
        SparseMatrix::try_new(self.shape, self.indptr, self.indices, self.data).map_err(
            |(_, _, _, error)| DatasetError::Format {
                path: path.to_path_buf(),
                reason: format!("invalid CSR arrays ({error})"),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(
        shape: &'a [f64],
        indptr: &'a [f64],
        indices: &'a [f64],
        data: &'a [f64],
    ) -> RawCsr<'a> {
        RawCsr {
            shape,
            indptr,
            indices,
            data,
        }
    }

    #[test]
    fn unsorted_and_repeated_columns_are_sorted_and_summed() {
        let path = Path::new("m.npz");
        let csr = raw(
            &[2.0, 4.0],
            &[0.0, 3.0, 5.0],
            &[3.0, 0.0, 2.0, 1.0, 1.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .canonical(path, "adj_")
        .unwrap();
        assert_eq!(csr.indptr, vec![0, 3, 4]);
        assert_eq!(csr.indices, vec![0, 2, 3, 1]);
        assert_eq!(csr.data, vec![2.0, 3.0, 1.0, 9.0]);
        let matrix = csr.into_sparse(path).unwrap();
        assert_eq!(matrix.get(1, 1), Some(&9.0));
    }

    #[test]
    fn bad_fields_name_the_array_and_show_the_value() {
        let path = Path::new("m.npz");
        let error = raw(&[2.0, 4.0], &[0.0, 1.0, 2.0], &[1.0, -1.0], &[1.0, 1.0])
            .canonical(path, "adj_")
            .unwrap_err();
        assert!(
            matches!(error, DatasetError::InvalidValue { .. }),
            "{error}"
        );
        let message = error.to_string();
        assert!(message.contains("adj_indices[1]: -1 is not"), "{message}");
        let error = raw(&[1e300, 4.0], &[0.0], &[], &[])
            .canonical(path, "adj_")
            .unwrap_err();
        assert!(error.to_string().contains("1e300"), "{error}");
        let error = raw(&[3.0, 4.0], &[0.0, 1.0], &[1.0], &[1.0])
            .canonical(path, "adj_")
            .unwrap_err();
        assert!(
            matches!(error, DatasetError::DeclaredSize { .. }),
            "{error}"
        );
        let error = raw(&[2.0, 4.0], &[0.0, 2.0, 1.0], &[1.0, 2.0], &[1.0, 1.0])
            .canonical(path, "adj_")
            .unwrap_err();
        assert!(error.to_string().contains("adj_indptr[2]: 1"), "{error}");
    }
}
