//! The fused dense layer + ReLU + dropout against the composition of Burn's ops and
//! `cinder_nn::dropout`: the same output (and the same dropped units for the same seed), the same
//! gradients for the input, the weight and the bias, with and without a bias and dropout, on
//! shapes where the dropout blocks end inside a row and the product is large enough to run
//! in parallel; without autodiff; thread-count independence; and the errors.

use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_nn::{NnError, dropout, linear_relu_dropout};

mod common;

use common::{Stream, assert_relative, values};

/// Inputs `[rows, inner]`, weight `[inner, columns]`, bias `[columns]` and an upstream weighting
/// `[rows, columns]` (so every output entry gets its own gradient).
struct Problem {
    x: Vec<f32>,
    weight: Vec<f32>,
    bias: Vec<f32>,
    upstream: Vec<f32>,
    shape: [usize; 3],
}

fn problem([rows, inner, columns]: [usize; 3], seed: u64) -> Problem {
    let mut stream = Stream(seed);
    Problem {
        x: stream.uniform_f32(rows * inner),
        weight: stream
            .uniform_f32(inner * columns)
            .into_iter()
            .map(|v| v * 0.2)
            .collect(),
        bias: stream.uniform_f32(columns),
        upstream: stream.uniform_f32(rows * columns),
        shape: [rows, inner, columns],
    }
}

type Run = (Vec<f64>, [Vec<f64>; 3]);

/// The layer's output and the gradients of `Σ upstream ⊙ output` for x, W and b.
fn run(problem: &Problem, p: f32, with_bias: bool, fused: bool) -> Run {
    let device = Device::flex().autodiff();
    let [rows, inner, columns] = problem.shape;
    let tensor = |values: &[f32], shape: [usize; 2]| {
        Tensor::<2>::from_data(TensorData::new(values.to_vec(), shape), &device).require_grad()
    };
    let x = tensor(&problem.x, [rows, inner]);
    let weight = tensor(&problem.weight, [inner, columns]);
    let bias = Tensor::<1>::from_data(TensorData::new(problem.bias.clone(), [columns]), &device)
        .require_grad();
    let bias_used = with_bias.then(|| bias.clone());
    let output = if fused {
        linear_relu_dropout(x.clone(), weight.clone(), bias_used, p, 11).unwrap()
    } else {
        let z = x.clone().matmul(weight.clone());
        let z = match bias_used {
            Some(b) => z + b.unsqueeze_dim(0),
            None => z,
        };
        dropout(relu(z), p, 11).unwrap()
    };
    let upstream = Tensor::<2>::from_data(
        TensorData::new(problem.upstream.clone(), [rows, columns]),
        &device,
    );
    let gradients = (output.clone() * upstream).sum().backward();
    let bias_gradient = if with_bias {
        values(bias.grad(&gradients).unwrap())
    } else {
        assert!(
            bias.grad(&gradients).is_none(),
            "an unused bias has no gradient"
        );
        Vec::new()
    };
    (
        values(output.inner()),
        [
            values(x.grad(&gradients).unwrap()),
            values(weight.grad(&gradients).unwrap()),
            bias_gradient,
        ],
    )
}

#[test]
fn fused_equals_composed_forward_and_backward() {
    // 300 x 70 outputs: 21,000 values, so the second dropout block starts mid-row; the
    // product (300·70·400 multiply-adds) runs on Rayon's threads.
    let big = problem([300, 400, 70], 1);
    // More rows than one slice of the weight gradient's product.
    let tall = problem([5000, 24, 20], 6);
    let small = problem([9, 5, 3], 2);
    for (name, problem) in [("large", &big), ("tall", &tall), ("small", &small)] {
        for p in [0.5, 0.0, 0.3] {
            for with_bias in [true, false] {
                let what = format!("{name}, p {p}, bias {with_bias}");
                let (ours, ours_gradients) = run(problem, p, with_bias, true);
                let (theirs, theirs_gradients) = run(problem, p, with_bias, false);
                // The same units are dropped (or inactive): zeros in the same places.
                let zeros = |v: &[f64]| v.iter().map(|&x| x == 0.0).collect::<Vec<_>>();
                assert_eq!(zeros(&ours), zeros(&theirs), "{what}: zero pattern");
                if p > 0.0 {
                    let dropped = ours.iter().filter(|&&v| v == 0.0).count() as f64;
                    assert!(dropped > 0.0, "{what}: something is dropped");
                }
                assert_relative(&ours, &theirs, 1e-6, &format!("{what}: output"));
                for (k, part) in ["x", "W", "b"].iter().enumerate() {
                    assert_relative(
                        &ours_gradients[k],
                        &theirs_gradients[k],
                        1e-5,
                        &format!("{what}: ∂{part}"),
                    );
                }
            }
        }
    }
}

#[test]
fn the_gradient_flows_only_through_kept_active_units() {
    // x = I, so z = W + b row by row: the gradient of W is the upstream times 1/(1-p) exactly
    // where the output is positive, and zero elsewhere.
    let [n, columns] = [6, 5];
    let mut identity = vec![0.0f32; n * n];
    for i in 0..n {
        identity[i * n + i] = 1.0;
    }
    let mut stream = Stream(3);
    let problem = Problem {
        x: identity,
        weight: stream.uniform_f32(n * columns),
        bias: vec![0.1; columns],
        upstream: stream.uniform_f32(n * columns),
        shape: [n, n, columns],
    };
    let (output, [_, weight_gradient, _]) = run(&problem, 0.5, true, true);
    for k in 0..n * columns {
        let expected = if output[k] > 0.0 {
            f64::from(problem.upstream[k]) * 2.0
        } else {
            0.0
        };
        assert!(
            (weight_gradient[k] - expected).abs() < 1e-6,
            "∂W[{k}]: {} vs {expected}",
            weight_gradient[k]
        );
        if output[k] > 0.0 {
            let z = f64::from(problem.weight[k]) + 0.1;
            assert!((output[k] - 2.0 * z).abs() < 1e-6, "kept units are scaled");
        }
    }
}

#[test]
fn fused_without_autodiff_equals_composed() {
    let device = Device::flex();
    let problem = problem([300, 400, 70], 4);
    let [rows, inner, columns] = problem.shape;
    let x = Tensor::<2>::from_data(TensorData::new(problem.x.clone(), [rows, inner]), &device);
    let weight = Tensor::<2>::from_data(
        TensorData::new(problem.weight.clone(), [inner, columns]),
        &device,
    );
    let bias = Tensor::<1>::from_data(TensorData::new(problem.bias.clone(), [columns]), &device);
    let ours = linear_relu_dropout(x.clone(), weight.clone(), Some(bias.clone()), 0.5, 9).unwrap();
    let theirs = dropout(relu(x.matmul(weight) + bias.unsqueeze_dim(0)), 0.5, 9).unwrap();
    assert_relative(&values(ours), &values(theirs), 1e-6, "plain Flex");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // 4,500 rows: the weight gradient is summed over three row slices.
    let problem = problem([4500, 40, 24], 5);
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(&problem, 0.5, true, true))
    };
    let (one, one_gradients) = in_pool(1);
    for threads in [2, 4] {
        let (other, other_gradients) = in_pool(threads);
        assert_eq!(one, other, "output, 1 vs {threads} threads");
        for (k, part) in ["x", "W", "b"].iter().enumerate() {
            assert_eq!(
                one_gradients[k], other_gradients[k],
                "∂{part}, 1 vs {threads} threads"
            );
        }
    }
}

#[test]
fn bad_shapes_and_probabilities_are_refused() {
    let device = Device::flex();
    let x = Tensor::<2>::zeros([4, 3], &device);
    let weight = Tensor::<2>::zeros([3, 2], &device);
    let bias = Tensor::<1>::zeros([2], &device);
    let wrong_weight = Tensor::<2>::zeros([5, 2], &device);
    let wrong_bias = Tensor::<1>::zeros([3], &device);
    assert!(matches!(
        linear_relu_dropout(x.clone(), wrong_weight, None, 0.5, 0),
        Err(NnError::ShapeMismatch {
            expected: 3,
            actual: 5,
            ..
        })
    ));
    assert!(matches!(
        linear_relu_dropout(x.clone(), weight.clone(), Some(wrong_bias), 0.5, 0),
        Err(NnError::ShapeMismatch {
            expected: 2,
            actual: 3,
            ..
        })
    ));
    for p in [1.0, -0.1, f32::NAN] {
        assert!(matches!(
            linear_relu_dropout(x.clone(), weight.clone(), Some(bias.clone()), p, 0),
            Err(NnError::InvalidOption { .. })
        ));
    }
    let empty = linear_relu_dropout(Tensor::<2>::zeros([0, 3], &device), weight, None, 0.5, 0);
    assert_eq!(empty.unwrap().dims(), [0, 2]);
}
