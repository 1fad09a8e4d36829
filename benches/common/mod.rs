//! Shared by the benches: deterministic random graphs without an RNG crate.

/// SplitMix64 stream of `edges` (source, target) pairs over `nodes` nodes.
pub fn random_coordinates(nodes: usize, edges: usize, mut state: u64) -> (Vec<u32>, Vec<u32>) {
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % nodes as u64) as u32
    };
    (0..edges).map(|_| (next(), next())).unzip()
}
