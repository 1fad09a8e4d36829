//! The host CSR × dense kernel: `Y[r] = Σₖ S[r, cₖ] · X[cₖ]`, rows in parallel (rayon).

use cinder_graph::{PREFETCH_AHEAD, par_zeroed_chunks, prefetch};

use crate::operator::Csr;

/// Rows of work below which a single thread is faster than splitting.
const MIN_ENTRIES_PER_TASK: usize = 16 * 1024;

/// `S · X` for a row-major `X` with `width` columns; returns a row-major `S.rows x width` buffer.
pub(crate) fn csr_times_dense(csr: &Csr, x: &[f32], width: usize) -> Vec<f32> {
    csr_values_times_dense(csr, &csr.values, x, width)
}

/// `S · X` with `S`'s structure and the given `values` (one per stored entry, CSR order).
pub(crate) fn csr_values_times_dense(
    csr: &Csr,
    values: &[f32],
    x: &[f32],
    width: usize,
) -> Vec<f32> {
    debug_assert_eq!(x.len(), csr.columns * width);
    debug_assert_eq!(values.len(), csr.nnz());
    if width == 0 || csr.rows == 0 {
        return vec![0.0f32; csr.rows * width];
    }
    let average_row = (csr.nnz() * width).div_ceil(csr.rows).max(1);
    let min_rows = (MIN_ENTRIES_PER_TASK / average_row).max(1);
    par_zeroed_chunks(csr.rows * width, width, min_rows, |row, out| {
        csr_row(csr, values, x, row, out);
    })
}

/// Row `row` of `S · X` into `out` (zeroed). A named function, so profiles can tell it apart.
#[inline(never)]
fn csr_row(csr: &Csr, values: &[f32], x: &[f32], row: usize, out: &mut [f32]) {
    let width = out.len();
    let entries = csr.indptr[row]..csr.indptr[row + 1];
    for (k, (&column, &weight)) in csr.indices[entries.clone()]
        .iter()
        .zip(&values[entries.clone()])
        .enumerate()
    {
        if let Some(&ahead) = csr.indices.get(entries.start + k + PREFETCH_AHEAD) {
            prefetch(x, ahead as usize * width, width);
        }
        let start = column as usize * width;
        for (o, &v) in out.iter_mut().zip(&x[start..start + width]) {
            *o += weight * v;
        }
    }
}
