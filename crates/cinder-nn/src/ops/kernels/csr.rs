//! The host CSR × dense kernel: `Y[r] = Σₖ S[r, cₖ] · X[cₖ]`, rows in parallel (rayon).

use cinder_graph::{PREFETCH_AHEAD, par_zeroed_chunks, prefetch};

use crate::ops::operator::Csr;
use cinder_graph::with_avx512;

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

with_avx512!(
    /// Row `row` of `S · X` into `out` (zeroed). A named function, so profiles can tell it apart.
    fn csr_row(csr: &Csr, values: &[f32], x: &[f32], row: usize, out: &mut [f32]) => csr_row_values
);

#[inline(always)]
fn csr_row_values(csr: &Csr, values: &[f32], x: &[f32], row: usize, out: &mut [f32]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_time_choice_of_vector_unit_gives_the_same_bits() {
        let width = 37;
        let x: Vec<f32> = (0..20 * width).map(|i| (i as f32 * 0.37).sin()).collect();
        let csr = Csr {
            rows: 2,
            columns: 20,
            indptr: vec![0, 3, 5],
            indices: vec![4, 19, 4, 0, 7],
            values: vec![0.5, -1.25, 0.3, 2.0, 1e-3],
        };
        for row in 0..2 {
            let (mut dispatched, mut baseline) = (vec![0.0; width], vec![0.0; width]);
            csr_row(&csr, &csr.values, &x, row, &mut dispatched);
            csr_row_values(&csr, &csr.values, &x, row, &mut baseline);
            assert_eq!(dispatched, baseline, "row {row}");
        }
        let product = csr_times_dense(&csr, &x, width);
        let expected = 0.5 * x[4 * width] + -1.25 * x[19 * width] + 0.3 * x[4 * width];
        assert!((product[0] - expected).abs() < 1e-6);
    }
}
