//! Building and GCN-normalizing the adjacency of a random graph with 1M nodes and 10M edges.
//!
//! `cargo bench --bench normalize_adjacency` prints criterion's median and, at the end, the
//! process's peak resident memory (which includes the random edge list itself).

use std::hint::black_box;

use cinder::graph::{Direction, GcnNormalization, Graph, gcn_normalization};
use criterion::{BatchSize, Criterion};

const NODES: usize = 1_000_000;
const EDGES: usize = 10_000_000;

/// SplitMix64: a tiny deterministic generator, so the bench needs no RNG crate.
fn random_coordinates(nodes: usize, edges: usize, mut state: u64) -> (Vec<u32>, Vec<u32>) {
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % nodes as u64) as u32
    };
    (0..edges).map(|_| (next(), next())).unzip()
}

fn build_and_normalize(criterion: &mut Criterion) {
    let (sources, targets) = random_coordinates(NODES, EDGES, 42);
    let mut group = criterion.benchmark_group("adjacency");
    group.sample_size(10);
    for (name, direction) in [
        (
            "build+gcn_norm 1M nodes 10M edges undirected",
            Direction::Undirected,
        ),
        (
            "build+gcn_norm 1M nodes 10M edges directed",
            Direction::Directed,
        ),
    ] {
        group.bench_function(name, |bench| {
            bench.iter_batched(
                || (sources.clone(), targets.clone()),
                |(sources, targets)| {
                    let graph = Graph::from_coordinates(NODES, sources, targets, direction)
                        .expect("generated endpoints are in range");
                    black_box(gcn_normalization(&graph, GcnNormalization::default()))
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn peak_resident_megabytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024.0)
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    build_and_normalize(&mut criterion);
    criterion.final_summary();
    if let Some(megabytes) = peak_resident_megabytes() {
        println!("peak resident memory: {megabytes:.0} MB");
    }
}
