//! Seeded, counter-based random numbers (SplitMix64): reproducible initialization and dropout
//! masks that do not depend on thread count or on Burn's global generator.

pub(crate) use cinder_graph::splitmix64 as mix;

/// Derives an independent seed for a named purpose (layer, epoch…) from a base seed.
pub(crate) fn derive_seed(seed: u64, purpose: u64) -> u64 {
    mix(seed ^ mix(purpose))
}

/// `len` numbers uniform in `[low, high)`.
pub(crate) fn uniform(len: usize, low: f32, high: f32, seed: u64) -> Vec<f32> {
    (0..len as u64)
        .map(|i| {
            let unit = (mix(seed.wrapping_add(i)) >> 40) as f32 / (1u64 << 24) as f32;
            low + (high - low) * unit
        })
        .collect()
}
