//! Graph-classification mini-batches: collating 32 cached graphs into one block-diagonal batch
//! against the model step it feeds (GCN 3×64 → mean readout → linear, forward + backward + Adam),
//! on graphs shaped like the PyG peer's synthetic TU set (20–40 nodes, a random tree plus ~n/10
//! extra edges, 7 one-hot node labels).
//!
//! `cargo bench --bench graph_batches`

use std::hint::black_box;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use burn::tensor::activation::log_softmax;
use cinder::graph::{Direction, Graph, splitmix64};
use cinder::nn::{GraphModelKind, GraphModelOptions, GraphSet, InputFeatures, Readout};
use criterion::Criterion;

/// A random recursive tree on 20–40 nodes plus ~n/10 extra edges, with 7 node labels.
fn synthetic_graph(index: u64) -> Graph {
    let mut state = splitmix64(index);
    let mut next = |bound: u64| {
        state = splitmix64(state);
        (state % bound) as usize
    };
    let nodes = 20 + next(21);
    let mut edges: Vec<(usize, usize)> = (1..nodes).map(|k| (next(k as u64), k)).collect();
    for _ in 0..(nodes / 10).max(1) {
        let (a, b) = (next(nodes as u64), next(nodes as u64));
        if a != b {
            edges.push((a, b));
        }
    }
    let labels = (0..nodes).map(|_| next(7)).collect();
    Graph::from_edges(nodes, edges, Direction::Undirected)
        .and_then(|g| g.with_node_labels(labels))
        .expect("valid graph")
        .with_graph_label((index % 2) as usize)
}

fn bench_collation_and_step(criterion: &mut Criterion) {
    let graphs: Vec<Graph> = (0..1000).map(synthetic_graph).collect();
    let set = GraphSet::new(
        &graphs,
        GraphModelKind::Gcn.propagation(1),
        InputFeatures::NodeLabels,
    )
    .expect("labelled graphs");
    let members: Vec<usize> = (0..32).map(|i| i * 31 % 1000).collect();
    let mut group = criterion.benchmark_group("graph classification, batch of 32 graphs");
    group.sample_size(50);
    group.bench_function("collate (block-diagonal operators + features)", |bencher| {
        bencher.iter(|| black_box(set.collate(black_box(&members)).expect("valid batch")));
    });

    let device = Device::flex().autodiff();
    let mut model = GraphModelOptions {
        kind: GraphModelKind::Gcn,
        in_features: set.width(),
        num_classes: 2,
        hidden: 64,
        layers: 3,
        readout: Readout::Mean,
        dropout: 0.0,
        batch_norm: false,
        layer_readouts: false,
        relations: 1,
        seed: 0,
    }
    .init(&device);
    let mut optimizer = AdamConfig::new().init();
    let batch = set.collate(&members).expect("valid batch");
    group.bench_function("GCN 3x64 step (forward + backward + Adam)", |bencher| {
        bencher.iter(|| {
            let logits = model.forward(&batch, None).expect("forward");
            let targets = batch.one_hot_labels(2, &device);
            let loss = (log_softmax(logits, 1) * targets).sum().neg();
            let gradients = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(0.01, model.clone(), gradients);
        });
    });
    let evaluation = model.valid();
    group.bench_function("GCN 3x64 evaluation forward", |bencher| {
        bencher.iter(|| black_box(evaluation.forward(&batch, None).expect("forward")));
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    bench_collation_and_step(&mut criterion);
    criterion.final_summary();
}
