//! The fused attention op against a dense f64 oracle and central finite differences of that
//! oracle, on random directed graphs (duplicate-free, with isolated nodes and nodes with one
//! neighbour), with soft and with sharp attention; and the generic Burn-ops path against the
//! fused op (forward, gradients, attention dropout).

use std::collections::BTreeSet;

use burn::tensor::{Device, Gradients, Tensor, TensorData};
use cinder_graph::{Direction, Graph};
use cinder_nn::{
    AttentionEdges, AttentionOptions, attention_aggregate, attention_aggregate_generic,
};

mod common;

use common::{Stream, assert_relative, central_differences};

const SLOPE: f64 = 0.2;

/// A random problem: edges `(source, target)` and every input of the op, in f64.
struct Problem {
    nodes: usize,
    heads: usize,
    channels: usize,
    edges: AttentionEdges,
    pairs: Vec<(usize, usize)>,
    features: Vec<f64>,
    source_scores: Vec<f64>,
    target_scores: Vec<f64>,
    edge_scores: Vec<f64>,
    loss_weights: Vec<f64>,
}

/// Node 0 is isolated, node 1 has exactly one in-neighbour, the rest random (no duplicates).
fn problem(seed: u64, score_scale: f64) -> Problem {
    problem_shaped(seed, score_scale, None)
}

/// [`problem`] with `(heads, channels)` given instead of drawn.
fn problem_shaped(seed: u64, score_scale: f64, shape: Option<(usize, usize)>) -> Problem {
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
    let drawn = (1 + stream.below(3), 1 + stream.below(4));
    let (heads, channels) = shape.unwrap_or(drawn);
    Problem {
        nodes,
        heads,
        channels,
        features: stream.uniform(nodes * heads * channels, 1.0),
        source_scores: stream.uniform(nodes * heads, score_scale),
        target_scores: stream.uniform(nodes * heads, score_scale),
        edge_scores: stream.uniform(pairs.len() * heads, score_scale),
        loss_weights: stream.uniform(nodes * heads * channels, 1.0),
        edges,
        pairs,
    }
}

/// The dense f64 oracle: `Σ_e out ⊙ R` and the output.
fn oracle(
    p: &Problem,
    features: &[f64],
    source: &[f64],
    target: &[f64],
    edge: &[f64],
) -> (f64, Vec<f64>) {
    let (h, c) = (p.heads, p.channels);
    let mut output = vec![0.0; p.nodes * h * c];
    for i in 0..p.nodes {
        for head in 0..h {
            let incoming: Vec<(usize, usize)> = p
                .pairs
                .iter()
                .enumerate()
                .filter(|(_, (_, t))| *t == i)
                .map(|(k, (s, _))| (k, *s))
                .collect();
            let scores: Vec<f64> = incoming
                .iter()
                .map(|&(k, j)| {
                    let raw = source[j * h + head] + target[i * h + head] + edge[k * h + head];
                    if raw > 0.0 { raw } else { SLOPE * raw }
                })
                .collect();
            let maximum = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = scores.iter().map(|s| (s - maximum).exp()).sum();
            for (&(_, j), s) in incoming.iter().zip(&scores) {
                let alpha = (s - maximum).exp() / total;
                for ch in 0..c {
                    output[(i * h + head) * c + ch] += alpha * features[(j * h + head) * c + ch];
                }
            }
        }
    }
    let loss = output.iter().zip(&p.loss_weights).map(|(o, r)| o * r).sum();
    (loss, output)
}

fn tensor(values: &[f64], rows: usize, device: &Device) -> Tensor<2> {
    let data: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let columns = data.len() / rows.max(1);
    Tensor::from_data(TensorData::new(data, [rows, columns]), device).require_grad()
}

fn read(t: Tensor<2>) -> Vec<f64> {
    t.into_data()
        .try_to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

type Op = fn(
    &cinder_nn::SparseOperator,
    Tensor<2>,
    Tensor<2>,
    Tensor<2>,
    Option<Tensor<2>>,
    &AttentionOptions,
) -> cinder_nn::Result<cinder_nn::AttentionOutput>;

/// Runs `op`, returns the output and the four input gradients.
fn run(op: Op, p: &Problem, dropout: Option<(f32, u64)>) -> (Vec<f64>, [Vec<f64>; 4]) {
    let device = Device::flex().autodiff();
    let inputs = [
        tensor(&p.features, p.nodes, &device),
        tensor(&p.source_scores, p.nodes, &device),
        tensor(&p.target_scores, p.nodes, &device),
        tensor(&p.edge_scores, p.pairs.len(), &device),
    ];
    let options = AttentionOptions {
        heads: p.heads,
        negative_slope: SLOPE as f32,
        dropout: dropout.map_or(0.0, |d| d.0),
        dropout_seed: dropout.map(|d| d.1),
    };
    let out = op(
        p.edges.structure(),
        inputs[0].clone(),
        inputs[1].clone(),
        inputs[2].clone(),
        Some(inputs[3].clone()),
        &options,
    )
    .unwrap()
    .output;
    let r = tensor(&p.loss_weights, p.nodes, &device);
    let gradients: Gradients = (out.clone() * r).sum().backward();
    let grads = inputs.map(|t| read(t.grad(&gradients).unwrap()));
    (read(out), grads)
}

/// Central differences of the f64 oracle's loss in each input of the op.
fn finite_differences(p: &Problem) -> [Vec<f64>; 4] {
    let base = [
        p.features.clone(),
        p.source_scores.clone(),
        p.target_scores.clone(),
        p.edge_scores.clone(),
    ];
    central_differences(base, |x| oracle(p, &x[0], &x[1], &x[2], &x[3]).0)
}

fn check_against_oracle(p: &Problem, what: &str) {
    let (_, expected) = oracle(
        p,
        &p.features,
        &p.source_scores,
        &p.target_scores,
        &p.edge_scores,
    );
    let (output, grads) = run(attention_aggregate, p, None);
    assert_relative(&output, &expected, 1e-4, &format!("{what} output"));
    let numeric = finite_differences(p);
    for (k, name) in ["features", "source scores", "target scores", "edge scores"]
        .iter()
        .enumerate()
    {
        assert_relative(&grads[k], &numeric[k], 1e-4, &format!("{what} d/d {name}"));
    }
    // Node 0 has no incoming edge: its output is zero.
    let width = p.heads * p.channels;
    assert!(
        output[..width].iter().all(|&v| v == 0.0),
        "{what}: isolated node"
    );
}

#[test]
fn fused_op_matches_dense_oracle_and_finite_differences() {
    for seed in 0..6 {
        check_against_oracle(&problem(seed, 1.0), &format!("seed {seed}"));
    }
}

#[test]
fn layer_shapes_match_the_oracle() {
    // The kernels specialise 8, 16, 32 and 64 channels per head, and keep per-head sums on the
    // stack up to 16 heads: cover those paths and the ones past them.
    for (seed, shape) in [
        (20, (2, 8)),
        (21, (1, 16)),
        (22, (3, 32)),
        (23, (1, 64)),
        (24, (17, 2)),
    ] {
        let p = problem_shaped(seed, 1.0, Some(shape));
        check_against_oracle(&p, &format!("heads x channels {shape:?}"));
    }
}

#[test]
fn sharp_attention_matches_the_oracle() {
    // Scores ~±40: softmax rows dominated by one edge; a naive exp would overflow f32.
    for seed in 10..14 {
        let p = problem(seed, 40.0);
        let (_, expected) = oracle(
            &p,
            &p.features,
            &p.source_scores,
            &p.target_scores,
            &p.edge_scores,
        );
        let (output, grads) = run(attention_aggregate, &p, None);
        assert!(output.iter().all(|v| v.is_finite()));
        assert_relative(&output, &expected, 1e-4, &format!("sharp seed {seed}"));
        let numeric = finite_differences(&p);
        assert_relative(
            &grads[0],
            &numeric[0],
            1e-4,
            &format!("sharp seed {seed} d/d features"),
        );
    }
    // One edge dominating a node's softmax: its coefficient is 1, the others 0.
    let graph = Graph::from_edges(3, [(0, 2), (1, 2)], Direction::Directed).unwrap();
    let edges = AttentionEdges::new(&graph, false).unwrap();
    let device = Device::flex();
    let features = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 5.0, 9.0], [3, 1]), &device);
    let source = Tensor::<2>::from_data(TensorData::new(vec![200.0f32, 0.0, 0.0], [3, 1]), &device);
    let target = Tensor::<2>::zeros([3, 1], &device);
    let options = AttentionOptions {
        heads: 1,
        negative_slope: 0.2,
        dropout: 0.0,
        dropout_seed: None,
    };
    let out =
        attention_aggregate(edges.structure(), features, source, target, None, &options).unwrap();
    assert_eq!(read(out.output), vec![0.0, 0.0, 1.0]);
    assert_eq!(read(out.attention), vec![1.0, 0.0]);
}

#[test]
fn generic_path_equals_the_fused_op() {
    for seed in 20..24 {
        let p = problem(seed, 2.0);
        for dropout in [None, Some((0.4f32, 7u64))] {
            let (fused, fused_grads) = run(attention_aggregate, &p, dropout);
            let (generic, generic_grads) = run(attention_aggregate_generic, &p, dropout);
            let what = format!("seed {seed} dropout {dropout:?}");
            assert_relative(&fused, &generic, 1e-5, &format!("{what} output"));
            for k in 0..4 {
                assert_relative(
                    &fused_grads[k],
                    &generic_grads[k],
                    1e-5,
                    &format!("{what} grad {k}"),
                );
            }
        }
    }
}

#[test]
fn attention_dropout_zeroes_coefficients_only_while_training() {
    let p = problem(30, 1.0);
    let (evaluated, _) = run(attention_aggregate, &p, None);
    let (dropped, _) = run(attention_aggregate, &p, Some((0.5, 1)));
    let (again, _) = run(attention_aggregate, &p, Some((0.5, 1)));
    assert_eq!(dropped, again, "same seed, same mask");
    assert_ne!(dropped, evaluated);
}

#[test]
fn shapes_are_checked() {
    let p = problem(40, 1.0);
    let device = Device::flex();
    let features = Tensor::<2>::zeros([p.nodes + 1, p.heads], &device);
    let scores = Tensor::<2>::zeros([p.nodes, p.heads], &device);
    let options = AttentionOptions {
        heads: p.heads,
        negative_slope: 0.2,
        dropout: 0.0,
        dropout_seed: None,
    };
    let error = attention_aggregate(
        p.edges.structure(),
        features,
        scores.clone(),
        scores,
        None,
        &options,
    )
    .unwrap_err();
    assert!(error.to_string().contains("feature rows"), "{error}");
}

/// An explainer's edge mask on attention: each message `α · x` is multiplied by its entry's
/// multiplier after the softmax (PyG's order). Output = Σ m_k α_k x_j against the unmasked
/// coefficients, and ∂L/∂m_k = α_k · ⟨∂L/∂out_i, x_j⟩ per head, summed over heads.
#[test]
fn multipliers_scale_each_attention_message() {
    for seed in 30..33 {
        let p = problem(seed, 1.5);
        let device = Device::flex().autodiff();
        let options = AttentionOptions {
            heads: p.heads,
            negative_slope: SLOPE as f32,
            dropout: 0.0,
            dropout_seed: None,
        };
        let inputs = [
            tensor(&p.features, p.nodes, &device),
            tensor(&p.source_scores, p.nodes, &device),
            tensor(&p.target_scores, p.nodes, &device),
        ];
        let aggregate = |structure: &cinder_nn::SparseOperator| {
            attention_aggregate(
                structure,
                inputs[0].clone(),
                inputs[1].clone(),
                inputs[2].clone(),
                None,
                &options,
            )
            .unwrap()
        };
        let unmasked = aggregate(p.edges.structure());
        let alpha = read(unmasked.attention.clone());
        let mut stream = common::Stream(seed + 100);
        let mask: Vec<f64> = stream
            .uniform(p.pairs.len(), 1.0)
            .into_iter()
            .map(|v| 0.5 + 0.5 * v)
            .collect();
        let multipliers = Tensor::<1>::from_data(
            TensorData::new(
                mask.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                [mask.len()],
            ),
            &device,
        )
        .require_grad();
        let masked_operator = p
            .edges
            .structure()
            .with_multipliers(multipliers.clone())
            .unwrap();
        let edges = AttentionEdges::from_operator(&masked_operator).unwrap();
        assert_eq!(edges.edges(), &p.pairs[..]);
        let masked = aggregate(edges.structure());
        let (h, c) = (p.heads, p.channels);
        let mut expected = vec![0.0f64; p.nodes * h * c];
        let mut expected_gradient = vec![0.0f64; p.pairs.len()];
        for (k, &(source, target)) in p.pairs.iter().enumerate() {
            for head in 0..h {
                for channel in 0..c {
                    let x = p.features[source * h * c + head * c + channel];
                    let a = alpha[k * h + head];
                    let out = target * h * c + head * c + channel;
                    expected[out] += mask[k] * a * x;
                    expected_gradient[k] += a * x * p.loss_weights[out];
                }
            }
        }
        let output = masked.output;
        let r = tensor(&p.loss_weights, p.nodes, &device);
        let gradients = (output.clone() * r).sum().backward();
        assert_relative(&read(output), &expected, 1e-5, "masked output");
        let gradient: Vec<f64> = multipliers
            .grad(&gradients)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect();
        assert_relative(&gradient, &expected_gradient, 1e-4, "mask gradient");
    }
}
