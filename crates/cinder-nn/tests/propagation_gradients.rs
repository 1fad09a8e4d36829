//! Gradients of every propagation path against a dense f64 oracle and central finite differences,
//! on random directed and undirected weighted graphs.

use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{
    AdjacencyBuilder, Direction, GcnNormalization, Graph, Orientation, SparseMatrix,
    gcn_normalization,
};
use cinder_nn::{SparseOperator, propagate, propagate_generic};

mod common;

use common::Stream;

/// A random weighted graph's GCN operator, and a random rectangular matrix (rows ≠ columns).
fn operators(seed: u64) -> Vec<(String, SparseMatrix)> {
    let mut stream = Stream(seed);
    let mut result = Vec::new();
    for direction in [Direction::Undirected, Direction::Directed] {
        let nodes = 5 + stream.below(20);
        let edges: Vec<(usize, usize)> = (0..3 * nodes)
            .map(|_| (stream.below(nodes), stream.below(nodes)))
            .collect();
        let weights = (0..edges.len())
            .map(|_| 0.1 + 2.0 * stream.next() as f32)
            .collect();
        let graph = Graph::from_edges(nodes, edges, direction)
            .unwrap()
            .with_edge_weights(weights)
            .unwrap();
        let normalized = gcn_normalization(&graph, GcnNormalization::default()).unwrap();
        result.push((
            format!("{direction:?} GCN operator, seed {seed}"),
            normalized,
        ));
        let raw = AdjacencyBuilder::new()
            .orientation(Orientation::TargetRows)
            .build(&graph);
        result.push((
            format!("{direction:?} raw weighted adjacency, seed {seed}"),
            raw,
        ));
    }
    // A rectangular "feature matrix" operator: 7 x 11.
    let rows: Vec<(usize, usize)> = (0..20)
        .map(|_| (stream.below(7), stream.below(11)))
        .collect();
    let mut triplets = sprs::TriMat::new((7, 11));
    for (r, c) in rows {
        triplets.add_triplet(r, c, stream.next() as f32);
    }
    let rectangular: sprs::CsMat<f32> = triplets.to_csr();
    result.push((
        format!("rectangular 7x11, seed {seed}"),
        cinder_graph::to_sparse_matrix(&rectangular, "test").unwrap(),
    ));
    result
}

fn dense_f64(matrix: &SparseMatrix) -> Vec<Vec<f64>> {
    matrix
        .to_dense()
        .outer_iter()
        .map(|row| row.iter().map(|&v| f64::from(v)).collect())
        .collect()
}

type Product = fn(&SparseOperator, Tensor<2>) -> cinder_nn::Result<Tensor<2>>;

/// L(X) = Σ C ⊙ (S X)², evaluated through `product`; returns L and ∂L/∂X.
fn loss_and_gradient(
    product: Product,
    operator: &SparseOperator,
    x: &[f32],
    c: &[f32],
    width: usize,
) -> (f64, Vec<f32>) {
    let device = Device::flex().autodiff();
    let (rows, columns) = operator.shape();
    let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [columns, width]), &device)
        .require_grad();
    let c = Tensor::<2>::from_data(TensorData::new(c.to_vec(), [rows, width]), &device);
    let y = product(operator, x.clone()).unwrap();
    let loss = (y.clone() * y * c).sum();
    let value = f64::from(loss.clone().into_data().try_to_vec::<f32>().unwrap()[0]);
    let grads = loss.backward();
    let gradient = x
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    (value, gradient)
}

/// The same loss's gradient from dense f64 arithmetic: ∂L/∂X = Sᵀ (2 C ⊙ S X).
fn oracle_gradient(s: &[Vec<f64>], x: &[f32], c: &[f32], width: usize) -> Vec<f64> {
    let rows = s.len();
    let columns = s[0].len();
    let mut upstream = vec![0.0f64; rows * width];
    for i in 0..rows {
        for f in 0..width {
            let y: f64 = (0..columns)
                .map(|j| s[i][j] * f64::from(x[j * width + f]))
                .sum();
            upstream[i * width + f] = 2.0 * f64::from(c[i * width + f]) * y;
        }
    }
    let mut gradient = vec![0.0f64; columns * width];
    for j in 0..columns {
        for f in 0..width {
            gradient[j * width + f] = (0..rows).map(|i| s[i][j] * upstream[i * width + f]).sum();
        }
    }
    gradient
}

fn assert_close(actual: &[f32], expected: &[f64], what: &str) {
    let scale = expected.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
    for (k, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let error = (f64::from(a) - e).abs() / scale;
        assert!(
            error < 1e-4,
            "{what}: entry {k}: {a} vs {e} (relative error {error:.2e})"
        );
    }
}

#[test]
fn gradients_match_dense_oracle_and_finite_differences() {
    let paths: [(&str, Product); 2] = [
        ("flex custom op", propagate),
        ("generic select path", propagate_generic),
    ];
    for seed in 0..4 {
        for (name, matrix) in operators(seed) {
            let operator = SparseOperator::new(&matrix).unwrap();
            let (rows, columns) = operator.shape();
            let width = 3;
            let mut stream = Stream(seed + 100);
            let x = stream.uniform_f32(columns * width);
            let c = stream.uniform_f32(rows * width);
            let oracle = oracle_gradient(&dense_f64(&matrix), &x, &c, width);
            for (path, product) in paths {
                let (_, gradient) = loss_and_gradient(product, &operator, &x, &c, width);
                assert_close(&gradient, &oracle, &format!("{path} vs oracle on {name}"));
            }
            // Central differences on a few coordinates (L is quadratic in X, so they are exact up
            // to rounding for any step).
            let (_, gradient) = loss_and_gradient(propagate, &operator, &x, &c, width);
            let step = 0.1f32;
            let mut finite = Vec::new();
            let mut analytic = Vec::new();
            for k in (0..x.len()).step_by(x.len().div_ceil(6)) {
                let mut plus = x.clone();
                plus[k] += step;
                let mut minus = x.clone();
                minus[k] -= step;
                let (l_plus, _) = loss_and_gradient(propagate, &operator, &plus, &c, width);
                let (l_minus, _) = loss_and_gradient(propagate, &operator, &minus, &c, width);
                finite.push((l_plus - l_minus) / (2.0 * f64::from(step)));
                analytic.push(gradient[k]);
            }
            assert_close(&analytic, &finite, &format!("finite differences on {name}"));
        }
    }
}

#[test]
fn forward_paths_agree_with_and_without_autodiff() {
    for (name, matrix) in operators(7) {
        let operator = SparseOperator::new(&matrix).unwrap();
        let (_, columns) = operator.shape();
        let x = Stream(3).uniform_f32(columns * 4);
        let plain = Device::flex();
        let tensor = Tensor::<2>::from_data(TensorData::new(x.clone(), [columns, 4]), &plain);
        let fast = propagate(&operator, tensor.clone())
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let generic = propagate_generic(&operator, tensor)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let dense = dense_f64(&matrix);
        let expected: Vec<f64> = (0..dense.len())
            .flat_map(|i| {
                let row = &dense[i];
                let x = &x;
                (0..4).map(move |f| {
                    (0..columns)
                        .map(|j| row[j] * f64::from(x[j * 4 + f]))
                        .sum::<f64>()
                })
            })
            .collect();
        assert_close(&fast, &expected, &format!("flex forward on {name}"));
        assert_close(&generic, &expected, &format!("generic forward on {name}"));
    }
}

#[test]
fn wrong_operand_height_is_an_error() {
    let matrix = SparseMatrix::new((2, 3), vec![0, 1, 2], vec![0, 2], vec![1.0, 2.0]);
    let operator = SparseOperator::new(&matrix).unwrap();
    let x = Tensor::<2>::zeros([2, 4], &Device::flex());
    let error = propagate(&operator, x).unwrap_err();
    assert!(matches!(
        error,
        cinder_nn::NnError::ShapeMismatch {
            expected: 3,
            actual: 2,
            ..
        }
    ));
}

/// L(X, M) = Σ C ⊙ ((S ∘ M) X)² through `product` on an operator with tracked multipliers `M`;
/// returns L, ∂L/∂X and ∂L/∂M.
fn scaled_loss_and_gradients(
    product: Product,
    operator: &SparseOperator,
    x: &[f32],
    m: &[f32],
    c: &[f32],
    width: usize,
) -> (f64, Vec<f32>, Vec<f32>) {
    let device = Device::flex().autodiff();
    let (rows, columns) = operator.shape();
    let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [columns, width]), &device)
        .require_grad();
    let m = Tensor::<1>::from_data(TensorData::new(m.to_vec(), [m.len()]), &device).require_grad();
    let c = Tensor::<2>::from_data(TensorData::new(c.to_vec(), [rows, width]), &device);
    let scaled = operator.with_multipliers(m.clone()).unwrap();
    let y = product(&scaled, x.clone()).unwrap();
    let loss = (y.clone() * y * c).sum();
    let value = f64::from(loss.clone().into_data().try_to_vec::<f32>().unwrap()[0]);
    let grads = loss.backward();
    let read = |t: Option<Tensor<2>>| t.unwrap().into_data().try_to_vec::<f32>().unwrap();
    let grad_x = read(x.grad(&grads));
    let grad_m = m
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    (value, grad_x, grad_m)
}

/// The f64 oracle of the scaled loss: L and ∂L/∂M[k] = S[k] · ⟨2 C ⊙ Y, X⟩ at entry k.
fn scaled_oracle(
    operator: &SparseOperator,
    x: &[f32],
    m: &[f32],
    c: &[f32],
    width: usize,
) -> (f64, Vec<f64>) {
    let (rows, _) = operator.shape();
    let entries: Vec<((usize, usize), f64)> = operator
        .coordinates()
        .into_iter()
        .zip(operator.values())
        .zip(m)
        .map(|((at, &s), &mk)| (at, f64::from(s) * f64::from(mk)))
        .collect();
    let mut y = vec![0.0f64; rows * width];
    for &((i, j), w) in &entries {
        for f in 0..width {
            y[i * width + f] += w * f64::from(x[j * width + f]);
        }
    }
    let loss = (0..y.len()).map(|k| f64::from(c[k]) * y[k] * y[k]).sum();
    let gradient = operator
        .coordinates()
        .into_iter()
        .zip(operator.values())
        .map(|((i, j), &s)| {
            let dot: f64 = (0..width)
                .map(|f| {
                    2.0 * f64::from(c[i * width + f])
                        * y[i * width + f]
                        * f64::from(x[j * width + f])
                })
                .sum();
            f64::from(s) * dot
        })
        .collect();
    (loss, gradient)
}

#[test]
fn operator_multipliers_get_exact_gradients_on_both_paths() {
    let paths: [(&str, Product); 2] = [
        ("flex custom op", propagate),
        ("generic select path", propagate_generic),
    ];
    for seed in 0..3 {
        for (name, matrix) in operators(seed) {
            let operator = SparseOperator::new(&matrix).unwrap();
            let (rows, columns) = operator.shape();
            let width = 3;
            let mut stream = Stream(seed + 200);
            let x = stream.uniform_f32(columns * width);
            let c = stream.uniform_f32(rows * width);
            let m = stream.uniform_f32(operator.nnz());
            let (oracle_loss, oracle_m) = scaled_oracle(&operator, &x, &m, &c, width);
            // ∂L/∂X on the scaled operator: the unscaled oracle on the dense S ∘ M.
            let (_, columns_dense) = operator.shape();
            let mut dense = vec![vec![0.0f64; columns_dense]; rows];
            for (((i, j), &s), &mk) in operator
                .coordinates()
                .into_iter()
                .zip(operator.values())
                .zip(&m)
            {
                dense[i][j] += f64::from(s) * f64::from(mk);
            }
            let oracle_x = oracle_gradient(&dense, &x, &c, width);
            for (path, product) in paths {
                let (loss, grad_x, grad_m) =
                    scaled_loss_and_gradients(product, &operator, &x, &m, &c, width);
                assert!(
                    (loss - oracle_loss).abs() <= 1e-4 * oracle_loss.abs().max(1.0),
                    "{path} on {name}: loss {loss} vs {oracle_loss}"
                );
                assert_close(&grad_x, &oracle_x, &format!("{path} ∂L/∂X on {name}"));
                assert_close(&grad_m, &oracle_m, &format!("{path} ∂L/∂M on {name}"));
            }
            // Central differences of the f64 oracle in M (L is quadratic in each M[k]).
            let step = 0.05f32;
            let mut finite = Vec::new();
            let mut analytic = Vec::new();
            for k in (0..m.len()).step_by(m.len().div_ceil(5).max(1)) {
                let mut plus = m.clone();
                plus[k] += step;
                let mut minus = m.clone();
                minus[k] -= step;
                let (l_plus, _) = scaled_oracle(&operator, &x, &plus, &c, width);
                let (l_minus, _) = scaled_oracle(&operator, &x, &minus, &c, width);
                finite.push((l_plus - l_minus) / (2.0 * f64::from(step)));
                analytic.push(oracle_m[k] as f32);
            }
            assert_close(
                &analytic,
                &finite,
                &format!("finite differences in M on {name}"),
            );
        }
    }
}

#[test]
fn multipliers_of_the_wrong_length_are_refused() {
    let (_, matrix) = operators(1).remove(0);
    let operator = SparseOperator::new(&matrix).unwrap();
    let m = Tensor::<1>::ones([operator.nnz() + 1], &Device::flex());
    let error = operator.with_multipliers(m).unwrap_err().to_string();
    assert!(error.contains("multipliers"), "{error}");
}
