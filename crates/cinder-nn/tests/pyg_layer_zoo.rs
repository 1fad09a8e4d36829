//! cinder's attention and propagation layers against PyTorch Geometric 2.8.1
//! (`fixtures/gcn/gat_layers.json`, `fixtures/gcn/propagation_layers.json`): GATConv (concat,
//! mean, edge_dim), GATv2Conv, SGConv, APPNP, ChebConv, GraphConv, TAGConv and EdgeConv on a
//! directed weighted graph and on the karate club — outputs, attention coefficients, and the
//! gradients of `loss = Σ output ⊙ R` with respect to every parameter and to the input.

use std::collections::HashMap;

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Gradients, Tensor, TensorData};
use cinder_datasets::require_fixture;
use cinder_graph::{Direction, Graph};
use cinder_nn::{
    AppnpConfig, AttentionEdges, ChebConv, ChebConvConfig, EdgeConv, EdgeConvConfig, GatConv,
    GatConvConfig, Gatv2ConvConfig, GraphConv, GraphConvConfig, SgConv, SgConvConfig, TagConv,
    TagConvConfig,
};
use serde_json::Value;

mod common;

use common::{assert_close, dims, flat, matrix, values, vector};

fn load(name: &str) -> Option<Value> {
    let path = require_fixture(&format!("gcn/{name}"))?;
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

/// One fixture graph: cinder's graph, the input `x` (tracked) and whether layers get weights.
struct Case {
    graph: Graph,
    x: Tensor<2>,
    edge_weights: Vec<f32>,
}

fn case(section: &Value, device: &Device) -> Case {
    let fixture_graph = &section["graph"];
    let num_nodes = fixture_graph["num_nodes"].as_u64().unwrap() as usize;
    let edge_index = &fixture_graph["edge_index"];
    let sources: Vec<u32> = flat(&edge_index[0]).iter().map(|&v| v as u32).collect();
    let targets: Vec<u32> = flat(&edge_index[1]).iter().map(|&v| v as u32).collect();
    let graph = Graph::from_coordinates(num_nodes, sources, targets, Direction::Directed).unwrap();
    let edge_weights: Vec<f32> = match fixture_graph.get("edges") {
        Some(edges) => edges
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e[2].as_f64().unwrap() as f32)
            .collect(),
        None => vec![],
    };
    let weighted = !edge_weights.is_empty();
    let graph = if weighted {
        graph.with_edge_weights(edge_weights.clone()).unwrap()
    } else {
        graph
    };
    Case {
        graph,
        x: matrix(&fixture_graph["x"], device).require_grad(),
        edge_weights,
    }
}

/// PyTorch `[out, in]` as cinder's `[in, out]`.
fn transposed(value: &Value, device: &Device) -> Param<Tensor<2>> {
    Param::from_tensor(matrix(value, device).transpose())
}

/// `[1, H, C]` attention vectors as `[H, C]`.
fn heads(value: &Value, device: &Device) -> Param<Tensor<2>> {
    let shape = dims(value);
    let values: Vec<f32> = flat(value).iter().map(|&v| v as f32).collect();
    Param::from_tensor(Tensor::from_data(
        TensorData::new(values, [shape[1], shape[2]]),
        device,
    ))
}

fn bias(value: &Value, device: &Device) -> Option<Param<Tensor<1>>> {
    Some(Param::from_tensor(vector(value, device)))
}

fn linear(weight: &Value, bias_value: Option<&Value>, device: &Device) -> Linear {
    Linear {
        weight: transposed(weight, device),
        bias: bias_value.and_then(|b| bias(b, device)),
    }
}

/// Checks the output, then returns the gradients of `Σ output ⊙ R`.
fn check_output(output: Tensor<2>, layer: &Value, what: &str) -> Gradients {
    assert_eq!(
        output.dims().to_vec(),
        dims(&layer["output"]),
        "{what}: output shape"
    );
    assert_close(
        &values(output.clone()),
        &flat(&layer["output"]),
        &format!("{what} output"),
    );
    let r = matrix(&layer["loss"]["R"], &output.device());
    let loss = (output * r).sum();
    assert_close(
        &values(loss.clone()),
        &[layer["loss"]["value"].as_f64().unwrap()],
        &format!("{what} loss"),
    );
    loss.backward()
}

fn check_grad<const D: usize>(
    gradients: &Gradients,
    tensor: &Tensor<D>,
    expected: &Value,
    what: &str,
) {
    let gradient = tensor.grad(gradients).expect(what);
    assert_close(&values(gradient), &flat(expected), what);
}

/// A `[in, out]` parameter's gradient compared with PyTorch's `[out, in]` one.
fn check_grad_transposed(
    gradients: &Gradients,
    param: &Param<Tensor<2>>,
    expected: &Value,
    what: &str,
) {
    let gradient = param.val().grad(gradients).expect(what).transpose();
    assert_close(&values(gradient), &flat(expected), what);
}

/// Compares attention coefficients by `(source, target)` (unique in the fixtures).
fn check_attention(edges: &AttentionEdges, attention: Tensor<2>, expected: &Value, what: &str) {
    let heads = attention.dims()[1];
    let ours = values(attention);
    let mine: HashMap<(usize, usize), &[f64]> = edges
        .edges()
        .iter()
        .enumerate()
        .map(|(k, &pair)| (pair, &ours[k * heads..(k + 1) * heads]))
        .collect();
    let index = &expected["edge_index"];
    let (sources, targets) = (flat(&index[0]), flat(&index[1]));
    assert_eq!(sources.len(), edges.len(), "{what}: attention edge count");
    for (k, (&s, &t)) in sources.iter().zip(&targets).enumerate() {
        let row = mine
            .get(&(s as usize, t as usize))
            .unwrap_or_else(|| panic!("{what}: edge {s} -> {t} missing"));
        assert_close(
            row,
            &flat(&expected["alpha"][k]),
            &format!("{what} alpha {s}->{t}"),
        );
    }
}

fn gat_layer(layer: &Value, config: GatConvConfig, device: &Device) -> GatConv {
    let w = &layer["weights"];
    let mut conv = config.init(device);
    conv.weight = transposed(&w["conv.lin.weight"], device);
    conv.attention_source = heads(&w["conv.att_src"], device);
    conv.attention_target = heads(&w["conv.att_dst"], device);
    conv.bias = bias(&w["conv.bias"], device);
    if w.get("conv.att_edge").is_some() {
        conv.attention_edge = Some(heads(&w["conv.att_edge"], device));
        conv.edge_weight = Some(transposed(&w["conv.lin_edge.weight"], device));
    }
    conv
}

#[test]
fn attention_layers_match_pyg() {
    let Some(fixture) = load("gat_layers.json") else {
        return;
    };
    let device = Device::flex().autodiff();
    for section_name in ["directed", "karate"] {
        let section = &fixture[section_name];
        let layers = &section["layers"];
        let inputs = dims(&section["graph"]["x"])[1];
        for (name, heads_count, concat) in [
            ("gat_heads3_concat", 3, true),
            ("gat_heads2_mean", 2, false),
        ] {
            let what = format!("{section_name}/{name}");
            let case = case(section, &device);
            let layer = &layers[name];
            let config = GatConvConfig::new(inputs, 4)
                .with_heads(heads_count)
                .with_concat(concat);
            let conv = gat_layer(layer, config, &device);
            let edges = conv.edges(&case.graph).unwrap();
            let out = conv
                .forward_with_attention(&edges, case.x.clone(), None, None)
                .unwrap();
            check_attention(&edges, out.attention, &layer["attention"], &what);
            let gradients = check_output(out.output, layer, &what);
            let g = &layer["grads"];
            check_grad_transposed(
                &gradients,
                &conv.weight,
                &g["conv.lin.weight"],
                &format!("{what} lin"),
            );
            check_grad(
                &gradients,
                &conv.attention_source.val(),
                &g["conv.att_src"],
                &format!("{what} att_src"),
            );
            check_grad(
                &gradients,
                &conv.attention_target.val(),
                &g["conv.att_dst"],
                &format!("{what} att_dst"),
            );
            check_grad(
                &gradients,
                &conv.bias.as_ref().unwrap().val(),
                &g["conv.bias"],
                &format!("{what} bias"),
            );
            check_grad(
                &gradients,
                &case.x,
                &layer["input_grads"]["x"],
                &format!("{what} x"),
            );
        }

        // GATv2
        let name = "gatv2_heads2_concat";
        let what = format!("{section_name}/{name}");
        let case = case(section, &device);
        let layer = &layers[name];
        let w = &layer["weights"];
        let mut conv = Gatv2ConvConfig::new(inputs, 4).with_heads(2).init(&device);
        conv.linear_source = linear(
            &w["conv.lin_l.weight"],
            Some(&w["conv.lin_l.bias"]),
            &device,
        );
        conv.linear_target = linear(
            &w["conv.lin_r.weight"],
            Some(&w["conv.lin_r.bias"]),
            &device,
        );
        conv.attention = heads(&w["conv.att"], &device);
        conv.bias = bias(&w["conv.bias"], &device);
        let edges = conv.edges(&case.graph).unwrap();
        let out = conv
            .forward_with_attention(&edges, case.x.clone(), None)
            .unwrap();
        check_attention(&edges, out.attention, &layer["attention"], &what);
        let gradients = check_output(out.output, layer, &what);
        let g = &layer["grads"];
        check_grad_transposed(
            &gradients,
            &conv.linear_source.weight,
            &g["conv.lin_l.weight"],
            &format!("{what} lin_l"),
        );
        check_grad_transposed(
            &gradients,
            &conv.linear_target.weight,
            &g["conv.lin_r.weight"],
            &format!("{what} lin_r"),
        );
        check_grad(
            &gradients,
            &conv.linear_source.bias.as_ref().unwrap().val(),
            &g["conv.lin_l.bias"],
            &format!("{what} lin_l bias"),
        );
        check_grad(
            &gradients,
            &conv.linear_target.bias.as_ref().unwrap().val(),
            &g["conv.lin_r.bias"],
            &format!("{what} lin_r bias"),
        );
        check_grad(
            &gradients,
            &conv.attention.val(),
            &g["conv.att"],
            &format!("{what} att"),
        );
        check_grad(
            &gradients,
            &case.x,
            &layer["input_grads"]["x"],
            &format!("{what} x"),
        );
    }
}

#[test]
fn attention_with_edge_features_matches_pyg() {
    let Some(fixture) = load("gat_layers.json") else {
        return;
    };
    let device = Device::flex().autodiff();
    let section = &fixture["directed"];
    let layer = &section["layers"]["gat_edge_dim1"];
    let what = "directed/gat_edge_dim1";
    let case = case(section, &device);
    let conv = gat_layer(
        layer,
        GatConvConfig::new(3, 4)
            .with_heads(2)
            .with_edge_dim(Some(1)),
        &device,
    );
    let edges = conv.edges(&case.graph).unwrap();
    let count = case.edge_weights.len();
    let edge_features = Tensor::<2>::from_data(
        TensorData::new(case.edge_weights.clone(), [count, 1]),
        &device,
    )
    .require_grad();

    // The self-loop features PyG used (fill_value = 'mean').
    let filled = values(edges.edge_features(edge_features.clone()).unwrap());
    let expected_index = &layer["attention"]["edge_index"];
    let expected_filled = flat(&layer["edge_attr_with_loops"]);
    let (sources, targets) = (flat(&expected_index[0]), flat(&expected_index[1]));
    for (k, &(s, t)) in edges.edges().iter().enumerate() {
        let position = sources
            .iter()
            .zip(&targets)
            .position(|(&a, &b)| a as usize == s && b as usize == t)
            .unwrap();
        assert!(
            (filled[k] - expected_filled[position]).abs() < 1e-6,
            "edge attr {s}->{t}"
        );
    }

    let out = conv
        .forward_with_attention(&edges, case.x.clone(), Some(edge_features.clone()), None)
        .unwrap();
    check_attention(&edges, out.attention, &layer["attention"], what);
    let gradients = check_output(out.output, layer, what);
    let g = &layer["grads"];
    check_grad_transposed(
        &gradients,
        &conv.weight,
        &g["conv.lin.weight"],
        "edge_dim lin",
    );
    check_grad_transposed(
        &gradients,
        conv.edge_weight.as_ref().unwrap(),
        &g["conv.lin_edge.weight"],
        "edge_dim lin_edge",
    );
    check_grad(
        &gradients,
        &conv.attention_edge.as_ref().unwrap().val(),
        &g["conv.att_edge"],
        "edge_dim att_edge",
    );
    check_grad(
        &gradients,
        &conv.attention_source.val(),
        &g["conv.att_src"],
        "edge_dim att_src",
    );
    check_grad(
        &gradients,
        &case.x,
        &layer["input_grads"]["x"],
        "edge_dim x",
    );
    check_grad(
        &gradients,
        &edge_features,
        &layer["input_grads"]["edge_weight"],
        "edge_dim edge_weight",
    );
}

#[test]
fn propagation_layers_match_pyg() {
    let Some(fixture) = load("propagation_layers.json") else {
        return;
    };
    let device = Device::flex().autodiff();
    for section_name in ["directed", "karate"] {
        let section = &fixture[section_name];
        let layers = &section["layers"];
        let inputs = dims(&section["graph"]["x"])[1];
        let at = |name: &str| format!("{section_name}/{name}");

        // SGConv: Ŝ²x, then the linear layer.
        let case = case(section, &device);
        let layer = &layers["sgconv"];
        let w = &layer["weights"];
        let mut conv = SgConvConfig::new(inputs, 2).with_k(2).init(&device);
        conv.linear = linear(&w["conv.lin.weight"], Some(&w["conv.lin.bias"]), &device);
        let operator = SgConv::operator(&case.graph).unwrap();
        let propagated = conv.propagate_features(&operator, case.x.clone()).unwrap();
        assert_close(
            &values(propagated),
            &flat(&layer["propagated"]),
            &at("sgconv propagated"),
        );
        let gradients = check_output(
            conv.forward(&operator, case.x.clone()).unwrap(),
            layer,
            &at("sgconv"),
        );
        check_grad_transposed(
            &gradients,
            &conv.linear.weight,
            &layer["grads"]["conv.lin.weight"],
            &at("sgconv lin"),
        );
        check_grad(
            &gradients,
            &conv.linear.bias.as_ref().unwrap().val(),
            &layer["grads"]["conv.lin.bias"],
            &at("sgconv bias"),
        );
        check_grad(
            &gradients,
            &case.x,
            &layer["input_grads"]["x"],
            &at("sgconv x"),
        );

        // APPNP (no parameters).
        let case_appnp = self::case(section, &device);
        let layer = &layers["appnp"];
        let appnp = AppnpConfig::new().init().unwrap();
        let operator = cinder_nn::Appnp::operator(&case_appnp.graph).unwrap();
        let gradients = check_output(
            appnp.forward(&operator, case_appnp.x.clone()).unwrap(),
            layer,
            &at("appnp"),
        );
        check_grad(
            &gradients,
            &case_appnp.x,
            &layer["input_grads"]["x"],
            &at("appnp x"),
        );

        // ChebConv K = 3, λ_max = 2.
        let case = self::case(section, &device);
        let layer = &layers["chebconv"];
        let w = &layer["weights"];
        let mut conv = ChebConvConfig::new(inputs, 4, 3).init(&device).unwrap();
        conv.weights = (0..3)
            .map(|k| transposed(&w[format!("conv.lins.{k}.weight")], &device))
            .collect();
        conv.bias = bias(&w["conv.bias"], &device);
        let laplacian = ChebConv::operator(&case.graph, 2.0).unwrap();
        let gradients = check_output(
            conv.forward(&laplacian, case.x.clone()).unwrap(),
            layer,
            &at("chebconv"),
        );
        for k in 0..3 {
            let key = format!("conv.lins.{k}.weight");
            check_grad_transposed(
                &gradients,
                &conv.weights[k],
                &layer["grads"][&key],
                &at(&key),
            );
        }
        check_grad(
            &gradients,
            &conv.bias.as_ref().unwrap().val(),
            &layer["grads"]["conv.bias"],
            &at("chebconv bias"),
        );
        check_grad(
            &gradients,
            &case.x,
            &layer["input_grads"]["x"],
            &at("chebconv x"),
        );

        // GraphConv (add).
        let case = self::case(section, &device);
        let layer = &layers["graphconv"];
        let w = &layer["weights"];
        let mut conv = GraphConvConfig::new(inputs, 4).init(&device);
        conv.linear_neighbours = linear(
            &w["conv.lin_rel.weight"],
            Some(&w["conv.lin_rel.bias"]),
            &device,
        );
        conv.linear_root = linear(&w["conv.lin_root.weight"], None, &device);
        let operator = GraphConv::operator(&case.graph).unwrap();
        let gradients = check_output(
            conv.forward(&operator, case.x.clone()).unwrap(),
            layer,
            &at("graphconv"),
        );
        check_grad_transposed(
            &gradients,
            &conv.linear_neighbours.weight,
            &layer["grads"]["conv.lin_rel.weight"],
            &at("graphconv rel"),
        );
        check_grad_transposed(
            &gradients,
            &conv.linear_root.weight,
            &layer["grads"]["conv.lin_root.weight"],
            &at("graphconv root"),
        );
        check_grad(
            &gradients,
            &case.x,
            &layer["input_grads"]["x"],
            &at("graphconv x"),
        );

        // TAGConv K = 2.
        let case = self::case(section, &device);
        let layer = &layers["tagconv"];
        let w = &layer["weights"];
        let mut conv = TagConvConfig::new(inputs, 4).with_k(2).init(&device);
        conv.weights = (0..3)
            .map(|k| transposed(&w[format!("conv.lins.{k}.weight")], &device))
            .collect();
        conv.bias = bias(&w["conv.bias"], &device);
        let operator = TagConv::operator(&case.graph).unwrap();
        let gradients = check_output(
            conv.forward(&operator, case.x.clone()).unwrap(),
            layer,
            &at("tagconv"),
        );
        for k in 0..3 {
            let key = format!("conv.lins.{k}.weight");
            check_grad_transposed(
                &gradients,
                &conv.weights[k],
                &layer["grads"][&key],
                &at(&key),
            );
        }
        check_grad(
            &gradients,
            &case.x,
            &layer["input_grads"]["x"],
            &at("tagconv x"),
        );

        // EdgeConv (max).
        let case = self::case(section, &device);
        let layer = &layers["edgeconv"];
        let w = &layer["weights"];
        let mut conv = EdgeConvConfig::new(inputs, 8, 4).init(&device);
        conv.linear1 = linear(&w["conv.nn.0.weight"], Some(&w["conv.nn.0.bias"]), &device);
        conv.linear2 = linear(&w["conv.nn.2.weight"], Some(&w["conv.nn.2.bias"]), &device);
        let neighbourhood = EdgeConv::neighbourhood(&case.graph);
        let gradients = check_output(
            conv.forward(&neighbourhood, case.x.clone()).unwrap(),
            layer,
            &at("edgeconv"),
        );
        for key in ["conv.nn.0.weight", "conv.nn.2.weight"] {
            let param = if key.contains(".0.") {
                &conv.linear1.weight
            } else {
                &conv.linear2.weight
            };
            check_grad_transposed(&gradients, param, &layer["grads"][key], &at(key));
        }
        check_grad(
            &gradients,
            &case.x,
            &layer["input_grads"]["x"],
            &at("edgeconv x"),
        );
    }
}
