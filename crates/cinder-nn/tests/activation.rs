//! The fused ELU against Burn's: outputs and gradients on an autodiff device, outputs without
//! autodiff, on values around the kink at 0 and far into both branches.

use burn::tensor::activation;
use burn::tensor::{Device, Tensor, TensorData};

mod common;

use common::Stream;

fn inputs(device: &Device) -> Tensor<2> {
    let mut stream = Stream(7);
    let mut values: Vec<f32> = stream
        .uniform(40 * 33, 6.0)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    values[..6].copy_from_slice(&[0.0, -0.0, 1e-7, -1e-7, -30.0, 30.0]);
    Tensor::from_data(TensorData::new(values, [40, 33]), device)
}

fn read(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len());
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= 1e-6 * e.abs().max(1.0),
            "{what}[{k}]: {a} vs {e}"
        );
    }
}

#[test]
fn fused_elu_equals_burns_forward_and_backward() {
    let device = Device::flex().autodiff();
    for alpha in [1.0, 0.5] {
        let x = inputs(&device).require_grad();
        let weights = inputs(&device) * 0.3 + 1.0;
        let ours = cinder_nn::elu(x.clone(), alpha);
        let ours_gradients = (ours.clone() * weights.clone()).sum().backward();
        let ours_gradient = read(x.grad(&ours_gradients).unwrap());

        let y = inputs(&device).require_grad();
        let theirs = activation::elu(y.clone(), alpha);
        let theirs_gradients = (theirs.clone() * weights).sum().backward();
        let theirs_gradient = read(y.grad(&theirs_gradients).unwrap());

        assert_close(&read(ours), &read(theirs), &format!("ELU({alpha}) output"));
        assert_close(
            &ours_gradient,
            &theirs_gradient,
            &format!("ELU({alpha}) gradient"),
        );
    }
}

#[test]
fn fused_elu_without_autodiff() {
    let device = Device::flex();
    let ours = read(cinder_nn::elu(inputs(&device), 1.0));
    let theirs = read(activation::elu(inputs(&device), 1.0));
    assert_close(&ours, &theirs, "plain Flex ELU");
    assert!(ours.iter().all(|&v| v >= -1.0), "ELU(1) is at least -1");
}
