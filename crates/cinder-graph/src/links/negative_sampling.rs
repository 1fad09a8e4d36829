//! Negative edges for link prediction: node pairs that are not edges, drawn from a seed.
//!
//! - [`uniform_negatives`]: both endpoints uniform over the nodes (PyG's `negative_sampling`);
//! - [`per_source_negatives`]: for each positive `(u, v)` a `(u, w)` that is not an edge (PyG's
//!   `structured_negative_sampling`), so the negatives' sources follow the positives' degree
//!   distribution and a model cannot score pairs by their source's degree alone.
//!
//! No self-loops, no existing edge (as the [`EdgeLookup`] answers it). Draws are made in fixed
//! chunks of [`CHUNK`] pairs, each from its own stream derived from the seed, on rayon's pool: the
//! result is the same for any thread count, and millions of pairs take milliseconds.

use rayon::prelude::*;

use crate::error::{GraphError, Result};
use crate::links::edge_lookup::EdgeLookup;
use crate::splits::folds::splitmix64;

/// Pairs per independently seeded chunk.
pub const CHUNK: usize = 4096;

/// Tries per pair before the graph is declared too dense to sample from.
const TRIES: usize = 1000;

/// A SplitMix64 stream: `next` hashes a counter started from the chunk's seed.
pub(crate) struct Stream(u64);

impl Stream {
    pub(crate) fn new(seed: u64, chunk: u64) -> Self {
        Self(splitmix64(
            seed ^ splitmix64(chunk.wrapping_add(0x6c69_6e6b)),
        ))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix64(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; `n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

fn too_dense(what: &str, tries: usize) -> GraphError {
    GraphError::InvalidParameter {
        name: "negative sampling",
        reason: format!(
            "no non-edge found for {what} in {tries} draws: the graph is too dense to draw negatives from"
        ),
    }
}

/// `count` pairs `(u, v)`, `u ≠ v`, uniform over the pairs that are not edges of `edges`
/// (with an undirected lookup, `u < v` is not imposed: either orientation may be returned).
/// Pairs may repeat. Deterministic in `seed`.
pub fn uniform_negatives(edges: &EdgeLookup, count: usize, seed: u64) -> Result<Vec<(u32, u32)>> {
    let n = edges.num_nodes();
    if count == 0 {
        return Ok(Vec::new());
    }
    if n < 2 {
        return Err(GraphError::Empty {
            operation: "negative sampling",
            what: "a graph with fewer than two nodes",
        });
    }
    let mut pairs = vec![(0u32, 0u32); count];
    pairs
        .par_chunks_mut(CHUNK)
        .enumerate()
        .try_for_each(|(chunk, slots)| {
            let mut stream = Stream::new(seed, chunk as u64);
            for slot in slots {
                *slot = draw_pair(edges, &mut stream).ok_or_else(|| too_dense("a pair", TRIES))?;
            }
            Ok(())
        })?;
    Ok(pairs)
}

fn draw_pair(edges: &EdgeLookup, stream: &mut Stream) -> Option<(u32, u32)> {
    let n = edges.num_nodes();
    for _ in 0..TRIES {
        let u = stream.below(n);
        let v = stream.below(n);
        if u != v && !edges.contains(u, v) {
            return Some((u as u32, v as u32));
        }
    }
    None
}

/// For each positive `(u, v)`, a pair `(u, w)` with `w ≠ u` not an edge of `edges`, `w` uniform.
/// Deterministic in `seed`.
pub fn per_source_negatives(
    edges: &EdgeLookup,
    positives: &[(u32, u32)],
    seed: u64,
) -> Result<Vec<(u32, u32)>> {
    let n = edges.num_nodes();
    if let Some(&(u, v)) = positives
        .iter()
        .find(|&&(u, v)| u as usize >= n || v as usize >= n)
    {
        return Err(GraphError::NodeOutOfRange {
            edge: positives.iter().position(|&p| p == (u, v)).unwrap_or(0),
            source_node: u as usize,
            target_node: v as usize,
            num_nodes: n,
        });
    }
    let mut pairs = vec![(0u32, 0u32); positives.len()];
    pairs
        .par_chunks_mut(CHUNK)
        .zip(positives.par_chunks(CHUNK))
        .enumerate()
        .try_for_each(|(chunk, (slots, sources))| {
            let mut stream = Stream::new(seed, chunk as u64);
            for (slot, &(u, _)) in slots.iter_mut().zip(sources) {
                // A node adjacent to every other node has no negative.
                if edges.degree(u as usize) + 1 >= n
                    && (0..n).all(|w| w == u as usize || edges.contains(u as usize, w))
                {
                    return Err(too_dense(&format!("source node {u}"), 0));
                }
                let w = (0..TRIES)
                    .map(|_| stream.below(n))
                    .find(|&w| w != u as usize && !edges.contains(u as usize, w))
                    .ok_or_else(|| too_dense(&format!("source node {u}"), TRIES))?;
                *slot = (u, w as u32);
            }
            Ok(())
        })?;
    Ok(pairs)
}

/// `count` distinct pairs, none an edge of `edges`, none a self-loop, none listed twice (with an
/// undirected lookup, `(u, v)` and `(v, u)` count as one; pairs are returned `u < v`): the fixed
/// negatives of a validation or test split. Errors when the graph has fewer non-edges.
pub fn distinct_negatives(edges: &EdgeLookup, count: usize, seed: u64) -> Result<Vec<(u32, u32)>> {
    let n = edges.num_nodes() as u128;
    let entries = edges.num_entries() as u128;
    let available = if edges.is_undirected() {
        (n * n.saturating_sub(1) / 2).saturating_sub(entries / 2)
    } else {
        (n * n.saturating_sub(1)).saturating_sub(entries)
    };
    if count as u128 > available {
        return Err(GraphError::InvalidParameter {
            name: "negative sampling",
            reason: format!(
                "{count} distinct negative pairs were asked for, but the graph has only {available} non-edges"
            ),
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut pairs = Vec::with_capacity(count);
    let mut round = 0u64;
    while pairs.len() < count {
        let missing = count - pairs.len();
        // Each round draws what is missing (plus a margin for repeats) in parallel, then keeps
        // the new pairs in draw order.
        let batch = uniform_negatives(edges, missing + missing / 8 + 16, splitmix64(seed ^ round))?;
        for (u, v) in batch {
            let key = if edges.is_undirected() && u > v {
                (v, u)
            } else {
                (u, v)
            };
            if pairs.len() < count && seen.insert(key) {
                pairs.push(key);
            }
        }
        round += 1;
        if round > 64 {
            return Err(too_dense("distinct pairs", TRIES));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: u32) -> EdgeLookup {
        let edges: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        EdgeLookup::new(n as usize, &edges, true).unwrap()
    }

    #[test]
    fn uniform_negatives_are_non_edges_and_seeded() {
        let lookup = ring(50);
        let pairs = uniform_negatives(&lookup, 10_000, 7).unwrap();
        assert_eq!(pairs.len(), 10_000);
        assert!(
            pairs
                .iter()
                .all(|&(u, v)| u != v && !lookup.contains(u as usize, v as usize))
        );
        assert_eq!(pairs, uniform_negatives(&lookup, 10_000, 7).unwrap());
        assert_ne!(pairs, uniform_negatives(&lookup, 10_000, 8).unwrap());
        // Every node shows up as a source: the draw covers the node set.
        let mut seen = [false; 50];
        pairs.iter().for_each(|&(u, _)| seen[u as usize] = true);
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn the_same_for_any_thread_count() {
        let lookup = ring(1000);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| uniform_negatives(&lookup, 3 * CHUNK + 5, 3).unwrap());
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| uniform_negatives(&lookup, 3 * CHUNK + 5, 3).unwrap());
        assert_eq!(one, three);
    }

    #[test]
    fn per_source_negatives_keep_each_source() {
        let lookup = ring(20);
        let positives: Vec<(u32, u32)> = (0..20).map(|i| (i, (i + 1) % 20)).collect();
        let negatives = per_source_negatives(&lookup, &positives, 1).unwrap();
        for (&(u, _), &(s, w)) in positives.iter().zip(&negatives) {
            assert_eq!(u, s);
            assert!(w != u && !lookup.contains(u as usize, w as usize));
        }
    }

    #[test]
    fn a_complete_graph_has_no_negatives() {
        let edges: Vec<(u32, u32)> = (0..4)
            .flat_map(|u| (u + 1..4).map(move |v| (u, v)))
            .collect();
        let lookup = EdgeLookup::new(4, &edges, true).unwrap();
        assert!(matches!(
            uniform_negatives(&lookup, 1, 0),
            Err(GraphError::InvalidParameter { .. })
        ));
        assert!(per_source_negatives(&lookup, &[(0, 1)], 0).is_err());
        assert!(distinct_negatives(&lookup, 1, 0).is_err());
    }

    #[test]
    fn distinct_negatives_never_repeat_a_pair() {
        let lookup = ring(10);
        // 45 pairs, 10 edges: 35 non-edges, all of them asked for.
        let pairs = distinct_negatives(&lookup, 35, 5).unwrap();
        let set: std::collections::HashSet<_> = pairs.iter().copied().collect();
        assert_eq!(set.len(), 35);
        assert!(
            pairs
                .iter()
                .all(|&(u, v)| u < v && !lookup.contains(u as usize, v as usize))
        );
        assert!(distinct_negatives(&lookup, 36, 5).is_err());
    }
}
