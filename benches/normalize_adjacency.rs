//! Building and GCN-normalizing the adjacency of a random graph with 1M nodes and 10M edges.
//!
//! `cargo bench --bench normalize_adjacency` prints criterion's median and, at the end, the
//! process's peak resident memory (which includes the random edge list itself).

use std::hint::black_box;

use cinder::experiment::peak_resident_megabytes;
use cinder::graph::{Direction, GcnNormalization, Graph, gcn_normalization};
use criterion::{BatchSize, Criterion};

mod common;
use common::random_coordinates;

const NODES: usize = 1_000_000;
const EDGES: usize = 10_000_000;

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

fn main() {
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    build_and_normalize(&mut criterion);
    criterion.final_summary();
    if let Some(megabytes) = peak_resident_megabytes() {
        println!("peak resident memory: {megabytes:.0} MB");
    }
}
