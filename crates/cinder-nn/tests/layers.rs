//! Readouts, GraphSAGE and checkpointing, against values computed by hand or densely here.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{Direction, Graph, karate_club};
use cinder_nn::{
    GcnConvConfig, NnError, NodeGcnConfig, NodeTrainingConfig, Readout, SageConvConfig, readout,
    train_node_classifier,
};

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn readouts_pool_contiguous_graphs_and_reject_empty_ones() {
    let device = Device::flex();
    let x = Tensor::<2>::from_data(
        TensorData::new(vec![1.0, -2.0, 3.0, 4.0, -5.0, 0.5, 2.0, 7.0], [4, 2]),
        &device,
    );
    // Graph 0: nodes 0, 1; graph 1: node 2; graph 2: node 3.
    let offsets = [0, 2, 3, 4];
    assert_eq!(
        values(readout(x.clone(), &offsets, Readout::Sum).unwrap()),
        vec![4.0, 2.0, -5.0, 0.5, 2.0, 7.0]
    );
    assert_eq!(
        values(readout(x.clone(), &offsets, Readout::Mean).unwrap()),
        vec![2.0, 1.0, -5.0, 0.5, 2.0, 7.0]
    );
    assert_eq!(
        values(readout(x.clone(), &offsets, Readout::Max).unwrap()),
        vec![3.0, 4.0, -5.0, 0.5, 2.0, 7.0]
    );
    let error = readout(x.clone(), &[0, 2], Readout::Mean).unwrap_err();
    assert!(error.to_string().contains("node offsets"), "{error}");
    // Graph 1 of [0, 2, 2, 4] has no nodes.
    for kind in [Readout::Mean, Readout::Sum, Readout::Max] {
        let error = readout(x.clone(), &[0, 2, 2, 4], kind).unwrap_err();
        assert_eq!(error, NnError::EmptyGraph { graph: 1 });
        assert!(
            error.to_string().contains("graph 1 has no nodes"),
            "{error}"
        );
    }
}

#[test]
fn max_readout_gradient_flows_to_the_maximum_only() {
    let device = Device::flex().autodiff();
    let x = Tensor::<2>::from_data(
        TensorData::new(vec![1.0f32, 5.0, 3.0, 2.0], [2, 2]),
        &device,
    )
    .require_grad();
    let pooled = readout(x.clone(), &[0, 2], Readout::Max).unwrap();
    let grads = pooled.sum().backward();
    assert_eq!(values(x.grad(&grads).unwrap()), vec![0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn sage_conv_matches_dense_mean_aggregation() {
    let device = Device::flex();
    // 0 -> 2, 1 -> 2, 2 -> 0; node 1 has no in-neighbours.
    let graph = Graph::from_edges(3, [(0, 2), (1, 2), (2, 0)], Direction::Directed).unwrap();
    let layer = SageConvConfig::new(2, 1).with_seed(3).init(&device);
    let x_values = vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    let x = Tensor::<2>::from_data(TensorData::new(x_values.clone(), [3, 2]), &device);
    let output = values(
        layer
            .forward(&cinder_nn::SageConv::operator(&graph).unwrap(), x)
            .unwrap(),
    );
    let w_l = values(layer.linear_neighbours.weight.val());
    let b = values(layer.linear_neighbours.bias.as_ref().unwrap().val())[0];
    let w_r = values(layer.linear_root.as_ref().unwrap().weight.val());
    let row = |i: usize| [x_values[2 * i], x_values[2 * i + 1]];
    let means = [row(2), [0.0, 0.0], [(1.0 + 3.0) / 2.0, (2.0 + 4.0) / 2.0]];
    for i in 0..3 {
        let expected = w_l[0] * means[i][0]
            + w_l[1] * means[i][1]
            + b
            + w_r[0] * row(i)[0]
            + w_r[1] * row(i)[1];
        assert!(
            (output[i] - expected).abs() < 1e-5,
            "node {i}: {} vs {expected}",
            output[i]
        );
    }
}

#[test]
fn trained_model_survives_a_burnpack_round_trip() {
    let graph = karate_club();
    let split = cinder_graph::NodeSplit {
        train: vec![0, 33],
        validation: vec![],
        test: (1..33).collect(),
    };
    let device = Device::flex().autodiff();
    let config = NodeTrainingConfig::new().with_epochs(20).with_patience(0);
    let (model, _) = train_node_classifier(&graph, &split, &config, &device).unwrap();
    let path = std::env::temp_dir().join(format!("cinder-node-gcn-{}.bpk", std::process::id()));
    model.clone().save_file(&path).unwrap();
    let fresh = NodeGcnConfig::new(34, 2).with_seed(99).init(&device);
    let loaded = fresh.try_load_file(&path).unwrap();
    assert_eq!(
        values(loaded.conv1.weight.val()),
        values(model.conv1.weight.val())
    );
    assert_eq!(
        values(loaded.conv2.weight.val()),
        values(model.conv2.weight.val())
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn gcn_conv_options_change_the_operator() {
    let device = Device::flex();
    let graph = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
    let plain = GcnConvConfig::new(1, 1)
        .init(&device)
        .operator(&graph)
        .unwrap()
        .to_dense();
    let improved = GcnConvConfig::new(1, 1)
        .with_improved(true)
        .init(&device)
        .operator(&graph)
        .unwrap()
        .to_dense();
    let raw = GcnConvConfig::new(1, 1)
        .with_normalize(false)
        .with_add_self_loops(false)
        .init(&device)
        .operator(&graph)
        .unwrap()
        .to_dense();
    assert!(plain.iter().all(|v| (v - 0.5).abs() < 1e-6), "{plain:?}");
    assert!((improved[0] - 2.0 / 3.0).abs() < 1e-6 && (improved[1] - 1.0 / 3.0).abs() < 1e-6);
    assert_eq!(raw, vec![0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn wrong_feature_width_is_an_error_not_a_panic() {
    let device = Device::flex();
    let graph = karate_club();
    let layer = GcnConvConfig::new(34, 4).init(&device);
    let operator = layer.operator(&graph).unwrap();
    let x = Tensor::<2>::zeros([34, 5], &device);
    let error = layer.forward(&operator, x.clone()).unwrap_err();
    assert!(
        matches!(
            error,
            cinder_nn::NnError::ShapeMismatch {
                expected: 34,
                actual: 5,
                ..
            }
        ),
        "{error}"
    );
    let sage = SageConvConfig::new(3, 2).init(&device);
    assert!(
        sage.forward(&cinder_nn::SageConv::operator(&graph).unwrap(), x.clone())
            .is_err()
    );
    let gin = cinder_nn::GinConvConfig::new(3, 4, 2).init(&device);
    assert!(
        gin.forward(&cinder_nn::GinConv::operator(&graph).unwrap(), x)
            .is_err()
    );
}
