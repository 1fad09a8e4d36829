//! GCNConv (plain, improved), GINConv (trainable ε), SAGEConv and pooling against PyTorch
//! Geometric 2.8.1, from the committed fixture `tests/fixtures/pyg_layers.json` (written by
//! `tools/reference/pyg_layers.py`): outputs, and gradients of every parameter and of the input for
//! `L = Σ out ⊙ C`, on the karate club and on a directed weighted graph.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use cinder_graph::{Direction, Graph};
use cinder_nn::{
    GcnConvConfig, GinConv, GinConvConfig, Readout, SageConv, SageConvConfig, readout,
};
use serde_json::Value;

mod common;
use common::{assert_close, flat, matrix, values, vector};

const FIXTURE: &str = include_str!("fixtures/pyg_layers.json");

fn graph(fixture: &Value, name: &str) -> Graph {
    let g = &fixture["graphs"][name];
    let n = g["num_nodes"].as_u64().unwrap() as usize;
    let sources = flat(&g["edge_index"][0])
        .iter()
        .map(|&v| v as u32)
        .collect();
    let targets = flat(&g["edge_index"][1])
        .iter()
        .map(|&v| v as u32)
        .collect();
    let graph = Graph::from_coordinates(n, sources, targets, Direction::Directed).unwrap();
    match g.get("edge_weight") {
        Some(weights) => graph
            .with_edge_weights(flat(weights).iter().map(|&w| w as f32).collect())
            .unwrap(),
        None => graph,
    }
}

/// A PyTorch Linear (`weight [out, in]`, optional bias) as a Burn Linear.
fn linear(parameters: &Value, prefix: &str, bias: bool, device: &Device) -> Linear {
    Linear {
        weight: Param::from_tensor(
            matrix(&parameters[format!("{prefix}.weight")], device).transpose(),
        ),
        bias: bias
            .then(|| Param::from_tensor(vector(&parameters[format!("{prefix}.bias")], device))),
    }
}

/// A parameter whose gradient the fixture holds: a weight (cinder `[in, out]`, PyG `[out, in]`)
/// or a vector.
enum Parameter {
    Weight(Tensor<2>),
    Vector(Tensor<1>),
}

impl Parameter {
    /// The gradient in PyG's layout.
    fn gradient(&self, grads: &burn::tensor::Gradients) -> Option<Vec<f64>> {
        match self {
            Self::Weight(t) => t.grad(grads).map(|g| values(g.transpose())),
            Self::Vector(t) => t.grad(grads).map(values),
        }
    }
}

/// Runs one case; returns (output, input, named parameters).
type Parameters = Vec<(String, Parameter)>;

fn run_case(case: &Value, graph: &Graph, device: &Device) -> (Tensor<2>, Tensor<2>, Parameters) {
    let prefix = case["prefix"].as_str().unwrap();
    let parameters = &case["parameters"];
    let x = matrix(&case["x"], device).require_grad();
    let kind = prefix.rsplit('.').next().unwrap();
    let p = |name: &str| format!("{prefix}.{name}");
    match kind {
        "gcn" | "gcn_improved" => {
            let mut layer = GcnConvConfig::new(5, 3)
                .with_improved(kind == "gcn_improved")
                .init(device);
            layer.weight =
                Param::from_tensor(matrix(&parameters[p("lin.weight")], device).transpose());
            layer.bias = Some(Param::from_tensor(vector(&parameters[p("bias")], device)));
            let operator = layer.operator(graph).unwrap();
            let output = layer.forward(&operator, x.clone()).unwrap();
            let params = vec![
                (p("lin.weight"), Parameter::Weight(layer.weight.val())),
                (
                    p("bias"),
                    Parameter::Vector(layer.bias.as_ref().unwrap().val()),
                ),
            ];
            (output, x, params)
        }
        "gin" => {
            let mut layer = GinConvConfig::new(5, 4, 3)
                .with_train_eps(true)
                .init(device);
            layer.linear1 = linear(parameters, &p("nn.0"), true, device);
            layer.linear2 = linear(parameters, &p("nn.2"), true, device);
            layer.eps = Some(Param::from_tensor(vector(&parameters[p("eps")], device)));
            let output = layer
                .forward(&GinConv::operator(graph).unwrap(), x.clone())
                .unwrap();
            let params = vec![
                (
                    p("eps"),
                    Parameter::Vector(layer.eps.as_ref().unwrap().val()),
                ),
                (
                    p("nn.0.weight"),
                    Parameter::Weight(layer.linear1.weight.val()),
                ),
                (
                    p("nn.0.bias"),
                    Parameter::Vector(layer.linear1.bias.as_ref().unwrap().val()),
                ),
                (
                    p("nn.2.weight"),
                    Parameter::Weight(layer.linear2.weight.val()),
                ),
                (
                    p("nn.2.bias"),
                    Parameter::Vector(layer.linear2.bias.as_ref().unwrap().val()),
                ),
            ];
            (output, x, params)
        }
        "sage" => {
            let mut layer = SageConvConfig::new(5, 3).init(device);
            layer.linear_neighbours = linear(parameters, &p("lin_l"), true, device);
            layer.linear_root = Some(linear(parameters, &p("lin_r"), false, device));
            let output = layer
                .forward(&SageConv::operator(graph).unwrap(), x.clone())
                .unwrap();
            let root = layer.linear_root.as_ref().unwrap();
            let params = vec![
                (
                    p("lin_l.weight"),
                    Parameter::Weight(layer.linear_neighbours.weight.val()),
                ),
                (
                    p("lin_l.bias"),
                    Parameter::Vector(layer.linear_neighbours.bias.as_ref().unwrap().val()),
                ),
                (p("lin_r.weight"), Parameter::Weight(root.weight.val())),
            ];
            (output, x, params)
        }
        other => panic!("unknown case kind {other}"),
    }
}

#[test]
fn layers_match_pyg_outputs_and_gradients() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let device = Device::flex().autodiff();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let graph = graph(&fixture, name.split(' ').next().unwrap());
        let (output, x, parameters) = run_case(case, &graph, &device);
        assert_close(
            &values(output.clone()),
            &flat(&case["output"]),
            &format!("{name}: output"),
        );
        let loss = (output * matrix(&case["loss_weights"], &device)).sum();
        assert_close(
            &values(loss.clone()),
            &[case["loss"].as_f64().unwrap()],
            &format!("{name}: loss"),
        );
        let grads = loss.backward();
        assert_close(
            &values(x.grad(&grads).unwrap()),
            &flat(&case["input_grad"]),
            &format!("{name}: input gradient"),
        );
        for (key, parameter) in parameters {
            let gradient = parameter
                .gradient(&grads)
                .unwrap_or_else(|| panic!("{name}: no gradient for {key}"));
            assert_close(
                &gradient,
                &flat(&case["grads"][&key]),
                &format!("{name}: grad {key}"),
            );
        }
    }
}

#[test]
fn pooling_matches_pyg() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let pooling = &fixture["pooling"];
    let device = Device::flex();
    let x = matrix(&pooling["x"], &device);
    let offsets: Vec<usize> = flat(&pooling["offsets"])
        .iter()
        .map(|&v| v as usize)
        .collect();
    for (kind, key) in [
        (Readout::Mean, "mean"),
        (Readout::Sum, "sum"),
        (Readout::Max, "max"),
    ] {
        let pooled = readout(x.clone(), &offsets, kind).unwrap();
        assert_close(&values(pooled), &flat(&pooling[key]), key);
    }
}
