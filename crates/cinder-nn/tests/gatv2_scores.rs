//! The fused GATv2 score op (`s[k, h] = Σ_c a[h, c] · LeakyReLU(xl[j, h, c] + xr[i, h, c])`)
//! against an f64 oracle and central finite differences of it, on random directed graphs with an
//! isolated node, a node with one in-neighbour and a bipartite block; against the Burn-ops path
//! (forward and every gradient); on Flex without autodiff; and its shape checks.

use std::collections::BTreeSet;

use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{Block, Direction, Graph};
use cinder_nn::{AttentionEdges, SparseOperator, gatv2_scores, gatv2_scores_generic};

mod common;

use common::{Stream, assert_relative, central_differences};

const SLOPE: f64 = 0.2;

/// A random problem: the structure's entries `(source, target)` in CSR order and every input.
struct Problem {
    structure: SparseOperator,
    pairs: Vec<(usize, usize)>,
    sources: usize,
    targets: usize,
    heads: usize,
    channels: usize,
    source_values: Vec<f64>,
    target_values: Vec<f64>,
    attention: Vec<f64>,
    loss_weights: Vec<f64>,
}

fn inputs(
    stream: &mut Stream,
    structure: SparseOperator,
    pairs: Vec<(usize, usize)>,
    (targets, sources): (usize, usize),
) -> Problem {
    let (heads, channels) = (1 + stream.below(3), 1 + stream.below(4));
    let width = heads * channels;
    Problem {
        source_values: stream.uniform(sources * width, 1.0),
        target_values: stream.uniform(targets * width, 1.0),
        attention: stream.uniform(width, 2.0),
        loss_weights: stream.uniform(pairs.len() * heads, 1.0),
        structure,
        pairs,
        sources,
        targets,
        heads,
        channels,
    }
}

/// Node 0 is isolated, node 1 has exactly one in-neighbour, the rest random (no duplicates).
fn square(seed: u64) -> Problem {
    let mut stream = Stream(seed);
    let nodes = 6 + stream.below(10);
    let mut set = BTreeSet::new();
    set.insert((2, 1));
    for _ in 0..3 * nodes {
        let (s, t) = (stream.below(nodes), stream.below(nodes));
        if s != 0 && t > 1 {
            set.insert((s, t));
        }
    }
    let graph = Graph::from_edges(nodes, set.iter().copied(), Direction::Directed).unwrap();
    let edges = AttentionEdges::new(&graph, false).unwrap();
    let pairs = edges.edges().to_vec();
    inputs(
        &mut stream,
        edges.structure().clone(),
        pairs,
        (nodes, nodes),
    )
}

/// A bipartite block: 3 destinations, 7 sources (rows ≠ columns).
fn bipartite(seed: u64) -> Problem {
    let mut stream = Stream(seed);
    let (targets, sources) = (3, 7);
    let mut indptr = vec![0usize];
    let mut indices = Vec::new();
    for _ in 0..targets {
        let mut row: BTreeSet<u32> = BTreeSet::new();
        for _ in 0..4 {
            row.insert(stream.below(sources) as u32);
        }
        indices.extend(row);
        indptr.push(indices.len());
    }
    let block = Block {
        destinations: targets,
        source_nodes: (0..sources as u32).collect(),
        indptr: indptr.clone(),
        weights: vec![1.0; indices.len()],
        indices: indices.clone(),
    };
    let structure = SparseOperator::from_block(&block).unwrap();
    let mut pairs = Vec::new();
    for i in 0..targets {
        for &j in &indices[indptr[i]..indptr[i + 1]] {
            pairs.push((j as usize, i));
        }
    }
    inputs(&mut stream, structure, pairs, (targets, sources))
}

/// The f64 oracle: the scores and `Σ_k,h w[k,h] · s[k,h]`.
fn oracle(p: &Problem, source: &[f64], target: &[f64], attention: &[f64]) -> (f64, Vec<f64>) {
    let (h, c) = (p.heads, p.channels);
    let width = h * c;
    let mut scores = Vec::with_capacity(p.pairs.len() * h);
    for &(j, i) in &p.pairs {
        for head in 0..h {
            let mut score = 0.0;
            for ch in head * c..(head + 1) * c {
                let z = source[j * width + ch] + target[i * width + ch];
                score += attention[ch] * if z > 0.0 { z } else { SLOPE * z };
            }
            scores.push(score);
        }
    }
    let loss = scores.iter().zip(&p.loss_weights).map(|(s, w)| s * w).sum();
    (loss, scores)
}

fn finite_differences(p: &Problem) -> [Vec<f64>; 3] {
    let base = [
        p.source_values.clone(),
        p.target_values.clone(),
        p.attention.clone(),
    ];
    central_differences(base, |x| oracle(p, &x[0], &x[1], &x[2]).0)
}

fn tensor(values: &[f64], rows: usize, device: &Device) -> Tensor<2> {
    let data: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let columns = data.len() / rows.max(1);
    Tensor::from_data(TensorData::new(data, [rows, columns]), device)
}

fn read(t: Tensor<2>) -> Vec<f64> {
    t.into_data()
        .try_to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

type Op = fn(&SparseOperator, Tensor<2>, Tensor<2>, Tensor<2>, f32) -> Tensor<2>;

fn fused(s: &SparseOperator, l: Tensor<2>, r: Tensor<2>, a: Tensor<2>, slope: f32) -> Tensor<2> {
    gatv2_scores(s, l, r, a, slope).unwrap()
}

/// Runs `op` on an autodiff device: the scores and the three input gradients.
fn run(op: Op, p: &Problem) -> (Vec<f64>, [Vec<f64>; 3]) {
    let device = Device::flex().autodiff();
    let inputs = [
        tensor(&p.source_values, p.sources, &device).require_grad(),
        tensor(&p.target_values, p.targets, &device).require_grad(),
        tensor(&p.attention, p.heads, &device).require_grad(),
    ];
    let scores = op(
        &p.structure,
        inputs[0].clone(),
        inputs[1].clone(),
        inputs[2].clone(),
        SLOPE as f32,
    );
    let weights = tensor(&p.loss_weights, p.pairs.len(), &device);
    let gradients = (scores.clone() * weights).sum().backward();
    let grads = inputs.map(|t| read(t.grad(&gradients).unwrap()));
    (read(scores), grads)
}

fn check(p: &Problem, what: &str) {
    let (_, expected) = oracle(p, &p.source_values, &p.target_values, &p.attention);
    let expected_gradients = finite_differences(p);
    let (scores, gradients) = run(fused, p);
    assert_relative(&scores, &expected, 1e-5, &format!("{what}: scores"));
    for (name, (actual, expected)) in ["source", "target", "attention"]
        .iter()
        .zip(gradients.iter().zip(&expected_gradients))
    {
        assert_relative(actual, expected, 1e-4, &format!("{what}: ∂{name}"));
    }
    // The generic Burn-ops path gives the same scores and gradients.
    let (generic_scores, generic_gradients) = run(gatv2_scores_generic, p);
    assert_relative(
        &scores,
        &generic_scores,
        1e-5,
        &format!("{what}: generic scores"),
    );
    for (actual, expected) in gradients.iter().zip(&generic_gradients) {
        assert_relative(
            actual,
            expected,
            1e-5,
            &format!("{what}: generic gradients"),
        );
    }
}

#[test]
fn fused_scores_match_the_oracle_and_finite_differences() {
    for seed in 0..6 {
        check(&square(seed), &format!("square graph, seed {seed}"));
    }
}

#[test]
fn fused_scores_work_on_a_bipartite_block() {
    for seed in 10..13 {
        check(&bipartite(seed), &format!("bipartite block, seed {seed}"));
    }
}

#[test]
fn flex_without_autodiff_gives_the_same_scores() {
    let p = square(3);
    let device = Device::flex();
    let scores = gatv2_scores(
        &p.structure,
        tensor(&p.source_values, p.sources, &device),
        tensor(&p.target_values, p.targets, &device),
        tensor(&p.attention, p.heads, &device),
        SLOPE as f32,
    )
    .unwrap();
    let (_, expected) = oracle(&p, &p.source_values, &p.target_values, &p.attention);
    assert_relative(&read(scores), &expected, 1e-5, "plain Flex scores");
}

#[test]
fn shapes_are_checked() {
    let p = square(1);
    let device = Device::flex();
    let wrong_width = gatv2_scores(
        &p.structure,
        tensor(&p.source_values, p.sources, &device),
        tensor(&p.target_values, p.targets, &device),
        Tensor::zeros([p.heads, p.channels + 1], &device),
        0.2,
    );
    assert!(
        wrong_width
            .unwrap_err()
            .to_string()
            .contains("source value columns")
    );
    let wrong_rows = gatv2_scores(
        &p.structure,
        tensor(
            &p.source_values[p.heads * p.channels..],
            p.sources - 1,
            &device,
        ),
        tensor(&p.target_values, p.targets, &device),
        tensor(&p.attention, p.heads, &device),
        0.2,
    );
    assert!(
        wrong_rows
            .unwrap_err()
            .to_string()
            .contains("source value rows")
    );
}

#[test]
fn zero_heads_are_refused() {
    let p = square(2);
    let device = Device::flex();
    let none = gatv2_scores(
        &p.structure,
        Tensor::zeros([p.sources, 0], &device),
        Tensor::zeros([p.targets, 0], &device),
        Tensor::zeros([0, 4], &device),
        0.2,
    );
    assert!(none.unwrap_err().to_string().contains("at least one"));
}

/// A random graph of `nodes` nodes with about 8 in-edges each, and inputs for 2 heads x 8.
fn large(nodes: usize) -> Problem {
    let mut stream = Stream(99);
    let mut set = BTreeSet::new();
    for target in 0..nodes {
        for _ in 0..8 {
            set.insert((stream.below(nodes), target));
        }
    }
    let graph = Graph::from_edges(nodes, set.iter().copied(), Direction::Directed).unwrap();
    let edges = AttentionEdges::new(&graph, true).unwrap();
    let pairs = edges.edges().to_vec();
    let (heads, channels) = (2, 8);
    let width = heads * channels;
    Problem {
        source_values: stream.uniform(nodes * width, 1.0),
        target_values: stream.uniform(nodes * width, 1.0),
        attention: stream.uniform(width, 2.0),
        loss_weights: stream.uniform(pairs.len() * heads, 1.0),
        structure: edges.structure().clone(),
        pairs,
        sources: nodes,
        targets: nodes,
        heads,
        channels,
    }
}

#[test]
fn gradients_do_not_depend_on_the_thread_count() {
    // The attention vectors' gradient is a sum over every edge: it must come out bit-identical
    // whether one thread or several computed its parts.
    let p = large(3000);
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(fused, &p))
    };
    let (one_scores, one) = in_pool(1);
    let (two_scores, two) = in_pool(2);
    let (four_scores, four) = in_pool(4);
    assert_eq!(one_scores, two_scores);
    assert_eq!(one_scores, four_scores);
    for (name, k) in [("source", 0), ("target", 1), ("attention", 2)] {
        assert_eq!(one[k], two[k], "∂{name}, 1 vs 2 threads");
        assert_eq!(one[k], four[k], "∂{name}, 1 vs 4 threads");
    }
}
