//! A cache hint for the gather kernels (sparse × dense products, attention, neighbour
//! aggregation): they read rows of a large matrix in an order no hardware prefetcher predicts,
//! so each gather otherwise waits for memory. Asking for the row a few entries ahead overlaps
//! those waits.

/// How many entries ahead the gather kernels ask for the row they will read.
pub const PREFETCH_AHEAD: usize = 8;

/// Asks the CPU to bring `values[start..start + len]` into cache. A hint only: results never
/// depend on it, nothing happens past the end of `values`, and it is a no-op on architectures
/// other than x86-64.
#[inline(always)]
pub fn prefetch(values: &[f32], start: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let end = start.saturating_add(len).min(values.len());
        let mut offset = start;
        while offset < end {
            // SAFETY: `offset < values.len()`, so the address lies inside `values`; a prefetch
            // reads nothing into the program and cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(values.as_ptr().add(offset).cast::<i8>()) };
            offset += 16; // one 64-byte cache line of f32
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (values, start, len);
}
