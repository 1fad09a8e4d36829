//! Seeded, counter-based random numbers (SplitMix64): reproducible initialization and dropout
//! masks that do not depend on thread count or on Burn's global generator.

/// SplitMix64 finalizer: a high-quality hash of a 64-bit counter.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

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
