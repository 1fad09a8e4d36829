//! cinder against PyTorch Geometric 2.8.1: `GCNConv`, `GINConv` and the pooling readouts on the
//! karate club and on a small directed weighted graph (reference outputs and parameter gradients
//! in `fixtures/gcn/*.json`, computed in float64 by PyG from the weights stored there).

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use cinder_datasets::require_fixture;
use cinder_graph::{Direction, Graph};
use cinder_nn::{GcnConv, GcnConvConfig, GinConv, GinConvConfig, Readout, readout};
use serde_json::Value;

mod common;

use common::{assert_close, dims, flat, matrix, values, vector};

/// A PyTorch `[out, in]` weight as cinder's `[in, out]` tensor.
fn matrix_transposed(value: &Value, device: &Device) -> Tensor<2> {
    matrix(value, device).transpose()
}

fn load(name: &str) -> Option<Value> {
    let path = require_fixture(&format!("gcn/{name}"))?;
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

fn gcn_layer(weight: &Value, bias: &Value, device: &Device) -> GcnConv {
    let s = dims(weight);
    let mut layer = GcnConvConfig::new(s[1], s[0]).init(device);
    layer.weight = Param::from_tensor(matrix_transposed(weight, device));
    layer.bias = Some(Param::from_tensor(vector(bias, device)));
    layer
}

/// Mean cross-entropy of `logits[rows]` against `targets`.
fn cross_entropy(logits: Tensor<2>, rows: &[i64], targets: &[usize]) -> Tensor<1> {
    let device = logits.device();
    let [_, classes] = logits.dims();
    let index = Tensor::<1, Int>::from_data(TensorData::new(rows.to_vec(), [rows.len()]), &device);
    let mut one_hot = vec![0.0f32; rows.len() * classes];
    for (r, &t) in targets.iter().enumerate() {
        one_hot[r * classes + t] = 1.0;
    }
    let one_hot = Tensor::<2>::from_data(TensorData::new(one_hot, [rows.len(), classes]), &device);
    (log_softmax(logits.select(0, index), 1) * one_hot)
        .sum()
        .neg()
        / rows.len() as f64
}

fn graph_from_edge_index(
    fixture_graph: &Value,
    num_nodes: usize,
    weights: Option<Vec<f32>>,
) -> Graph {
    let edge_index = &fixture_graph["edge_index"];
    let sources: Vec<u32> = flat(&edge_index[0]).iter().map(|&v| v as u32).collect();
    let targets: Vec<u32> = flat(&edge_index[1]).iter().map(|&v| v as u32).collect();
    let graph = Graph::from_coordinates(num_nodes, sources, targets, Direction::Directed).unwrap();
    match weights {
        Some(weights) => graph.with_edge_weights(weights).unwrap(),
        None => graph,
    }
}

/// Compares cinder's operator with PyG's `gcn_norm` edge list `[source, target, weight]`.
fn assert_gcn_norm(layer: &GcnConv, graph: &Graph, edges: &Value) {
    let dense = layer.operator(graph).unwrap().to_dense();
    let n = graph.num_nodes();
    let mut expected = vec![0.0f64; n * n];
    for edge in edges.as_array().unwrap() {
        let (source, target, weight) = (
            edge[0].as_u64().unwrap() as usize,
            edge[1].as_u64().unwrap() as usize,
            edge[2].as_f64().unwrap(),
        );
        expected[target * n + source] += weight;
    }
    let actual: Vec<f64> = dense.iter().map(|&v| f64::from(v)).collect();
    assert_close(&actual, &expected, "gcn_norm");
}

#[test]
fn karate_gcn_matches_pyg_outputs_gradients_and_pooling() {
    let Some(fixture) = load("karate_gcn.json") else {
        return;
    };
    let device = Device::flex().autodiff();
    let weights = &fixture["weights"];
    let graph = graph_from_edge_index(&fixture["graph"], 34, None);
    let conv1 = gcn_layer(
        &weights["conv1.lin.weight"],
        &weights["conv1.bias"],
        &device,
    );
    let conv2 = gcn_layer(
        &weights["conv2.lin.weight"],
        &weights["conv2.bias"],
        &device,
    );
    assert_gcn_norm(&conv1, &graph, &fixture["gcn_norm"]["edges"]);

    let operator = conv1.operator(&graph).unwrap();
    let mut identity = vec![0.0f32; 34 * 34];
    (0..34).for_each(|i| identity[i * 35] = 1.0);
    let x = Tensor::<2>::from_data(TensorData::new(identity, [34, 34]), &device);
    let hidden = conv1.forward(&operator, x).unwrap();
    assert_close(
        &values(hidden.clone()),
        &flat(&fixture["hidden_conv1"]),
        "hidden_conv1",
    );
    let logits = conv2.forward(&operator, relu(hidden)).unwrap();
    assert_close(&values(logits.clone()), &flat(&fixture["logits"]), "logits");

    let loss = cross_entropy(logits.clone(), &[0, 33], &[0, 1]);
    assert_close(
        &values(loss.clone()),
        &[fixture["loss"]["value"].as_f64().unwrap()],
        "loss",
    );
    let grads = loss.backward();
    let expected = &fixture["grads"];
    let grad = |p: &Param<Tensor<2>>| values(p.val().grad(&grads).unwrap().transpose());
    let grad_bias =
        |p: &Option<Param<Tensor<1>>>| values(p.as_ref().unwrap().val().grad(&grads).unwrap());
    assert_close(
        &grad(&conv1.weight),
        &flat(&expected["conv1.lin.weight"]),
        "grad conv1.lin.weight",
    );
    assert_close(
        &grad(&conv2.weight),
        &flat(&expected["conv2.lin.weight"]),
        "grad conv2.lin.weight",
    );
    assert_close(
        &grad_bias(&conv1.bias),
        &flat(&expected["conv1.bias"]),
        "grad conv1.bias",
    );
    assert_close(
        &grad_bias(&conv2.bias),
        &flat(&expected["conv2.bias"]),
        "grad conv2.bias",
    );

    // Pooling over two pseudo-graphs (nodes 0..17 and 17..34).
    let pooling = &fixture["pooling"];
    let batch: Vec<u64> = pooling["batch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let split = batch.iter().position(|&g| g == 1).unwrap();
    let offsets = [0, split, 34];
    let logits = logits.inner();
    for (kind, key) in [
        (Readout::Mean, "global_mean_pool"),
        (Readout::Sum, "global_add_pool"),
        (Readout::Max, "global_max_pool"),
    ] {
        let pooled = readout(logits.clone(), &offsets, kind).unwrap();
        assert_close(&values(pooled), &flat(&pooling[key]), key);
    }
}

#[test]
fn directed_weighted_gcn_and_gin_match_pyg() {
    let Some(fixture) = load("directed_gcn_gin.json") else {
        return;
    };
    let device = Device::flex().autodiff();
    let fixture_graph = &fixture["graph"];
    let edge_weights: Vec<f32> = fixture_graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[2].as_f64().unwrap() as f32)
        .collect();
    let labels: Vec<usize> = flat(&fixture_graph["labels"])
        .iter()
        .map(|&v| v as usize)
        .collect();
    let x_values: Vec<f32> = flat(&fixture_graph["x"])
        .iter()
        .map(|&v| v as f32)
        .collect();
    let x = Tensor::<2>::from_data(TensorData::new(x_values, [6, 3]), &device);
    let all: Vec<i64> = (0..6).collect();

    // GCNConv with edge weights: degree at the target, the existing 3 -> 3 loop kept.
    let gcn = &fixture["gcn"];
    let weighted = graph_from_edge_index(fixture_graph, 6, Some(edge_weights));
    let conv = gcn_layer(
        &gcn["weights"]["conv.lin.weight"],
        &gcn["weights"]["conv.bias"],
        &device,
    );
    assert_gcn_norm(&conv, &weighted, &gcn["gcn_norm"]["edges"]);
    let output = conv
        .forward(&conv.operator(&weighted).unwrap(), x.clone())
        .unwrap();
    assert_close(&values(output.clone()), &flat(&gcn["output"]), "gcn output");
    let loss = cross_entropy(output, &all, &labels);
    assert_close(
        &values(loss.clone()),
        &[gcn["loss"]["value"].as_f64().unwrap()],
        "gcn loss",
    );
    let grads = loss.backward();
    assert_close(
        &values(conv.weight.val().grad(&grads).unwrap().transpose()),
        &flat(&gcn["grads"]["conv.lin.weight"]),
        "gcn grad weight",
    );
    assert_close(
        &values(conv.bias.as_ref().unwrap().val().grad(&grads).unwrap()),
        &flat(&gcn["grads"]["conv.bias"]),
        "gcn grad bias",
    );

    // GINConv (eps 0, no edge weights).
    let gin = &fixture["gin"];
    let w = &gin["weights"];
    let mut layer = GinConvConfig::new(3, 4, 2).init(&device);
    let linear = |weight: &Value, bias: &Value| Linear {
        weight: Param::from_tensor(matrix_transposed(weight, &device)),
        bias: Some(Param::from_tensor(vector(bias, &device))),
    };
    layer.linear1 = linear(&w["conv.nn.0.weight"], &w["conv.nn.0.bias"]);
    layer.linear2 = linear(&w["conv.nn.2.weight"], &w["conv.nn.2.bias"]);
    let unweighted = graph_from_edge_index(fixture_graph, 6, None);
    let operator = GinConv::operator(&unweighted).unwrap();
    let aggregated = layer.aggregate(&operator, x.clone()).unwrap();
    assert_close(
        &values(aggregated),
        &flat(&gin["aggregated"]),
        "gin aggregated",
    );
    let output = layer.forward(&operator, x).unwrap();
    assert_close(&values(output.clone()), &flat(&gin["output"]), "gin output");
    let loss = cross_entropy(output, &all, &labels);
    assert_close(
        &values(loss.clone()),
        &[gin["loss"]["value"].as_f64().unwrap()],
        "gin loss",
    );
    let grads = loss.backward();
    for (key, param) in [
        ("conv.nn.0.weight", &layer.linear1.weight),
        ("conv.nn.2.weight", &layer.linear2.weight),
    ] {
        assert_close(
            &values(param.val().grad(&grads).unwrap().transpose()),
            &flat(&gin["grads"][key]),
            key,
        );
    }
    for (key, linear) in [
        ("conv.nn.0.bias", &layer.linear1),
        ("conv.nn.2.bias", &layer.linear2),
    ] {
        assert_close(
            &values(linear.bias.as_ref().unwrap().val().grad(&grads).unwrap()),
            &flat(&gin["grads"][key]),
            key,
        );
    }
}
