//! Helpers of the host kernels across crates: cache prefetch hints, run-time AVX-512 dispatch and
//! buffers zeroed in parallel.

pub(crate) mod prefetch;
pub(crate) mod simd;
pub(crate) mod zeroed;
