//! The sparse propagation op alone: forward `Y = Ŝ X` plus backward `Ŝᵀ G`, with `X` of width 16
//! (a GCN hidden layer), on random graphs of Cora, PubMed and 200k-node/2M-edge size.
//!
//! `cargo bench --bench propagation`

use std::hint::black_box;

use burn::tensor::{Device, Tensor, TensorData};
use cinder::experiment::peak_resident_megabytes;
use cinder::graph::{Direction, GcnNormalization, Graph, gcn_normalization};
use cinder::nn::{SparseOperator, propagate, propagate_generic};
use criterion::Criterion;

mod common;
use common::random_coordinates;

const WIDTH: usize = 16;

fn operator(nodes: usize, undirected_edges: usize) -> SparseOperator {
    let (sources, targets) = random_coordinates(nodes, undirected_edges, 7);
    let graph =
        Graph::from_coordinates(nodes, sources, targets, Direction::Undirected).expect("in range");
    let normalized = gcn_normalization(&graph, GcnNormalization::default()).expect("non-negative");
    SparseOperator::new(&normalized).expect("finite")
}

fn bench_sizes(criterion: &mut Criterion) {
    let device = Device::flex().autodiff();
    let mut group = criterion.benchmark_group("propagation forward+backward (width 16)");
    group.sample_size(20);
    for (name, nodes, edges, generic) in [
        ("cora-size 2708 nodes 5278 edges", 2_708, 5_278, true),
        ("pubmed-size 19717 nodes 44324 edges", 19_717, 44_324, true),
        (
            "200k nodes 1M edges (2M directed)",
            200_000,
            1_000_000,
            false,
        ),
    ] {
        let operator = operator(nodes, edges);
        let values: Vec<f32> = (0..nodes * WIDTH).map(|i| (i % 97) as f32 / 97.0).collect();
        let x =
            Tensor::<2>::from_data(TensorData::new(values, [nodes, WIDTH]), &device).require_grad();
        group.bench_function(format!("custom op, {name}"), |bench| {
            bench.iter(|| {
                let y = propagate(&operator, x.clone()).expect("shapes agree");
                let grads = y.sum().backward();
                black_box(x.grad(&grads))
            })
        });
        if generic {
            group.bench_function(format!("select/select_assign, {name}"), |bench| {
                bench.iter(|| {
                    let y = propagate_generic(&operator, x.clone()).expect("shapes agree");
                    let grads = y.sum().backward();
                    black_box(x.grad(&grads))
                })
            });
        }
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    bench_sizes(&mut criterion);
    criterion.final_summary();
    if let Some(megabytes) = peak_resident_megabytes() {
        println!("peak resident memory: {megabytes:.0} MB");
    }
}
