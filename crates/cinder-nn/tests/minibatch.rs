//! Mini-batch training on sampled blocks and exact layer-wise inference (issue: graphs bigger
//! than one batch).

use burn::tensor::{Device, Tensor, TensorData};
use cinder_datasets::{load_planetoid, require_data};
use cinder_graph::{
    BlockWeights, Direction, Fanout, FeatureMatrix, Graph, InNeighbours, NeighbourSampler,
    NodeSplit, gather_feature_rows, splitmix64,
};
use cinder_nn::{
    NodeFeatures, NodeModelKind, NodeTrainingConfig, SageConvConfig, SamplingConfig,
    SparseOperator, layerwise_inference, node_propagation, train_node_model,
};

/// A random directed graph without parallel edges (a few self-loops, two isolated nodes),
/// with dense features and 3 classes.
fn random_graph(nodes: usize, edges: usize, width: usize, seed: u64) -> Graph {
    let mut seen = std::collections::HashSet::new();
    let mut pairs = Vec::new();
    let mut state = seed;
    while pairs.len() < edges {
        state = splitmix64(state);
        let source = (state % (nodes as u64 - 2)) as usize;
        state = splitmix64(state);
        let target = (state % (nodes as u64 - 2)) as usize;
        if seen.insert((source, target)) {
            pairs.push((source, target));
        }
    }
    let features: Vec<f32> = (0..nodes * width)
        .map(|i| ((splitmix64(seed ^ i as u64) >> 40) as f32 / (1u64 << 24) as f32) - 0.5)
        .collect();
    let labels = (0..nodes).map(|n| n % 3).collect();
    Graph::from_edges(nodes, pairs, Direction::Directed)
        .unwrap()
        .with_node_features(FeatureMatrix::dense(nodes, width, features).unwrap())
        .unwrap()
        .with_node_labels(labels)
        .unwrap()
}

fn values(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= 1e-5 * e.abs().max(1.0),
            "{what}: entry {k}: {a} vs {e}"
        );
    }
}

#[test]
fn layerwise_inference_equals_the_full_batch_forward() {
    let device = Device::flex();
    // Hidden wider than the 3 classes (layer 2 transforms first) and narrower (it aggregates first).
    for (kind, hidden) in [
        (NodeModelKind::Sage, 16),
        (NodeModelKind::Gcn, 8),
        (NodeModelKind::Sage, 2),
        (NodeModelKind::Gcn, 2),
    ] {
        for sparse_features in [false, true] {
            let mut graph = random_graph(90, 600, 12, 7);
            if sparse_features {
                let identity = FeatureMatrix::identity(90);
                graph = graph.with_node_features(identity).unwrap();
            }
            let mut config = NodeTrainingConfig::for_model(kind);
            config.model.hidden = hidden;
            let features = graph.features_or_identity();
            let model = config
                .model
                .init(features.columns(), 3, 11, &device)
                .unwrap();
            let propagation = node_propagation(kind, &graph).unwrap();
            let node_features = NodeFeatures::from_graph(&graph, false, &device).unwrap();
            let full = values(model.forward(&propagation, &node_features, None).unwrap());
            let csr = InNeighbours::from_graph(&graph).unwrap();
            // A chunk size that does not divide the node count.
            let layerwise = layerwise_inference(&model, &csr, &features, 7, &device).unwrap();
            assert_close(
                &layerwise,
                &full,
                &format!("{kind} (sparse features: {sparse_features})"),
            );
        }
    }
}

#[test]
fn a_sage_layer_on_an_all_neighbour_block_gives_the_full_layer_rows() {
    let device = Device::flex();
    let graph = random_graph(60, 400, 5, 3);
    let features = graph.features_or_identity();
    let layer = SageConvConfig::new(5, 4).with_seed(2).init(&device);
    let full_operator = cinder_nn::SageConv::operator(&graph).unwrap();
    let x = Tensor::<2>::from_data(
        TensorData::new(features.to_dense().into_values(), [60, 5]),
        &device,
    );
    let full = values(layer.forward(&full_operator, x).unwrap());
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let seeds = [9u32, 2, 41, 0, 57];
    let batch = NeighbourSampler::new(&csr, vec![Fanout::All], BlockWeights::Mean)
        .sample(&seeds, 1)
        .unwrap();
    let block = &batch.blocks[0];
    let inputs = gather_feature_rows(&features, &batch.input_nodes);
    let x = Tensor::<2>::from_data(
        TensorData::new(inputs, [batch.input_nodes.len(), 5]),
        &device,
    );
    let operator = SparseOperator::from_block(block).unwrap();
    assert_eq!(operator.shape(), (5, batch.input_nodes.len()));
    let rows = values(layer.forward(&operator, x).unwrap());
    for (position, &seed) in seeds.iter().enumerate() {
        let seed = seed as usize;
        assert_close(
            &rows[position * 4..(position + 1) * 4],
            &full[seed * 4..(seed + 1) * 4],
            &format!("node {seed}"),
        );
    }
}

#[test]
fn a_block_with_own_rows_gives_the_mean_and_own_rows_side_by_side() {
    let device = Device::flex().autodiff();
    let graph = random_graph(80, 500, 6, 5);
    let features = graph.features_or_identity();
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let batch = NeighbourSampler::new(&csr, vec![Fanout::Sample(3)], BlockWeights::Mean)
        .sample(&[3, 78, 40, 11], 2)
        .unwrap();
    let block = &batch.blocks[0];
    let (rows, columns) = (block.destinations, batch.input_nodes.len());
    let inputs = gather_feature_rows(&features, &batch.input_nodes);
    let x = Tensor::<2>::from_data(TensorData::new(inputs, [columns, 6]), &device).require_grad();
    let upstream: Vec<f32> = (0..rows * 12).map(|k| (k as f32 * 0.37).sin()).collect();
    let upstream = Tensor::<2>::from_data(TensorData::new(upstream, [rows, 12]), &device);

    let joined = SparseOperator::from_block_with_own_rows(block).unwrap();
    assert_eq!(joined.shape(), (2 * rows, columns));
    let ours = cinder_nn::propagate(&joined, x.clone())
        .unwrap()
        .reshape([rows, 12]);
    let ours_gradient = values(
        x.grad(&(ours.clone() * upstream.clone()).sum().backward())
            .unwrap(),
    );

    let mean =
        cinder_nn::propagate(&SparseOperator::from_block(block).unwrap(), x.clone()).unwrap();
    let theirs = Tensor::cat(vec![mean, x.clone().narrow(0, 0, rows)], 1);
    let theirs_gradient = values(
        x.grad(&(theirs.clone() * upstream).sum().backward())
            .unwrap(),
    );
    assert_close(
        &values(ours.inner()),
        &values(theirs.inner()),
        "[mean | own] rows",
    );
    assert_close(&ours_gradient, &theirs_gradient, "their gradient");

    let mut broken = block.clone();
    broken.indices[0] = columns as u32;
    assert!(SparseOperator::from_block_with_own_rows(&broken).is_err());
}

fn split_of(nodes: usize) -> NodeSplit {
    NodeSplit {
        train: (0..nodes).filter(|n| n % 4 != 3).collect(),
        validation: (0..nodes).filter(|n| n % 8 == 3).collect(),
        test: (0..nodes).filter(|n| n % 8 == 7).collect(),
    }
}

/// A homophilous graph: 3 classes, 80% of edges within a class, features = noisy one-hot class.
fn homophilous_graph(nodes: usize, edges: usize, seed: u64) -> Graph {
    let mut state = seed;
    let mut next = |bound: usize| {
        state = splitmix64(state);
        (state % bound as u64) as usize
    };
    let mut pairs = std::collections::BTreeSet::new();
    while pairs.len() < edges {
        let source = next(nodes);
        let target = if next(10) < 8 {
            (next(nodes / 3) * 3 + source % 3) % nodes
        } else {
            next(nodes)
        };
        pairs.insert((source, target));
    }
    let features: Vec<f32> = (0..nodes * 3)
        .map(|i| {
            f32::from(u8::from(i % 3 == (i / 3) % 3)) + (next(1000) as f32 / 1000.0 - 0.5) * 1.5
        })
        .collect();
    Graph::from_edges(
        nodes,
        pairs.into_iter().collect::<Vec<_>>(),
        Direction::Directed,
    )
    .unwrap()
    .with_node_features(FeatureMatrix::dense(nodes, 3, features).unwrap())
    .unwrap()
    .with_node_labels((0..nodes).map(|n| n % 3).collect())
    .unwrap()
}

#[test]
fn mini_batch_training_is_reproducible_and_learns() {
    let graph = homophilous_graph(400, 3000, 5);
    let split = split_of(400);
    for kind in [NodeModelKind::Sage, NodeModelKind::Gcn] {
        let mut config = NodeTrainingConfig::for_model(kind)
            .with_epochs(30)
            .with_patience(0)
            .with_row_normalize(false)
            .with_sampling(Some(SamplingConfig::new(
                vec![Fanout::Sample(5), Fanout::Sample(5)],
                64,
            )));
        config.model.hidden = 32;
        let device = Device::flex();
        let (_, first) =
            train_node_model(&graph, &split, &config, &device.clone().autodiff()).unwrap();
        let (_, second) = train_node_model(&graph, &split, &config, &device.autodiff()).unwrap();
        assert_eq!(first.predictions, second.predictions, "{kind}");
        let losses = |r: &cinder_nn::NodeTrainingReport| {
            r.history.iter().map(|e| e.train_loss).collect::<Vec<_>>()
        };
        assert_eq!(losses(&first), losses(&second), "{kind}");
        let timing = first.sampled.as_ref().expect("mini-batch timings");
        assert_eq!(timing.batches_per_epoch, split.train.len().div_ceil(64));
        assert_eq!(timing.epoch_ms.len(), 30);
        let (start, end) = (losses(&first)[0], *losses(&first).last().unwrap());
        assert!(end < 0.7 * start, "{kind}: training loss {start} -> {end}");
        assert!(
            first.test_accuracy > 0.6,
            "{kind}: test accuracy {}",
            first.test_accuracy
        );
    }
}

#[test]
fn early_stopping_ends_the_sampling_worker() {
    // Small batches, so the worker is ahead of training (blocked on a full channel) when the
    // validation loss stops improving; training must stop there and return.
    let graph = homophilous_graph(300, 2000, 9);
    let split = split_of(300);
    let config = NodeTrainingConfig::for_model(NodeModelKind::Sage)
        .with_epochs(300)
        .with_patience(2)
        .with_sampling(Some(SamplingConfig::new(
            vec![Fanout::Sample(4), Fanout::Sample(4)],
            16,
        )));
    let device = Device::flex().autodiff();
    let (_, report) = train_node_model(&graph, &split, &config, &device).unwrap();
    let epochs = report.history.len();
    assert!(epochs < 300, "early stopping never triggered");
    assert_eq!(
        report.best_epoch + 2,
        epochs,
        "stopped 2 epochs after the best"
    );
    let timing = report.sampled.as_ref().expect("mini-batch timings");
    assert_eq!(timing.epoch_ms.len(), epochs);
    assert!(timing.sample_ms.iter().all(|&ms| ms > 0.0));
    assert!(report.history.iter().all(|e| e.validation_loss.is_finite()));
}

#[test]
fn unsupported_models_and_fanouts_are_refused() {
    let graph = random_graph(50, 200, 4, 1);
    let split = split_of(50);
    let device = Device::flex().autodiff();
    let config = NodeTrainingConfig::for_model(NodeModelKind::Gat).with_sampling(Some(
        SamplingConfig::new(vec![Fanout::Sample(5), Fanout::Sample(5)], 8),
    ));
    let error = train_node_model(&graph, &split, &config, &device).unwrap_err();
    assert!(
        error.to_string().contains("supports sage and gcn"),
        "{error}"
    );
    let config = NodeTrainingConfig::for_model(NodeModelKind::Sage).with_sampling(Some(
        SamplingConfig::new(
            vec![Fanout::Sample(5), Fanout::Sample(5), Fanout::Sample(5)],
            8,
        ),
    ));
    let error = train_node_model(&graph, &split, &config, &device).unwrap_err();
    assert!(error.to_string().contains("two fan-outs"), "{error}");
    // A fan-out of 0 cannot be built; read from a config file, it is refused with the value.
    let error = serde_json::from_str::<SamplingConfig>(
        r#"{"fanouts": [5, 0], "batch_size": 8, "inference_chunk": 4096}"#,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("0 is not a positive count"),
        "{error}"
    );
}

#[test]
fn mini_batch_sage_on_cora_reaches_the_full_batch_accuracy() {
    let Some(path) = require_data("planetoid/ind.cora.x") else {
        return;
    };
    let cora = load_planetoid(path.parent().unwrap(), "cora").unwrap();
    let device = Device::flex().autodiff();
    let (mut full, mut sampled) = (0.0, 0.0);
    let seeds = [0u64, 1, 2];
    for seed in seeds {
        let config = NodeTrainingConfig::for_model(NodeModelKind::Sage).with_seed(seed);
        full += train_node_model(&cora.graph, &cora.split, &config, &device)
            .unwrap()
            .1
            .test_accuracy;
        let config = config.with_sampling(Some(SamplingConfig::new(
            vec![Fanout::Sample(10), Fanout::Sample(10)],
            32,
        )));
        sampled += train_node_model(&cora.graph, &cora.split, &config, &device)
            .unwrap()
            .1
            .test_accuracy;
    }
    let (full, sampled) = (full / 3.0, sampled / 3.0);
    eprintln!(
        "cora SAGE test accuracy: full batch {full:.4}, mini-batch (10,10 / 32) {sampled:.4}"
    );
    assert!(
        sampled >= full - 0.02,
        "mini-batch {sampled:.4} vs full batch {full:.4}"
    );
}

#[test]
fn full_batch_training_on_the_csr_equals_training_on_the_graph() {
    let graph = homophilous_graph(300, 2000, 9);
    let split = split_of(300);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let features = graph.features_or_identity();
    let labels = graph.node_labels().unwrap().to_vec();
    let device = Device::flex().autodiff();
    for kind in [
        NodeModelKind::Gcn,
        NodeModelKind::Sage,
        NodeModelKind::Appnp,
    ] {
        let config = NodeTrainingConfig::for_model(kind)
            .with_epochs(15)
            .with_patience(0)
            .with_row_normalize(false);
        let (_, on_graph) = train_node_model(&graph, &split, &config, &device).unwrap();
        let (_, on_csr) = cinder_nn::train_node_model_on_csr(
            &csr,
            &features,
            &labels,
            &split,
            &config,
            &device,
            &mut |_| {},
        )
        .unwrap();
        for (a, b) in on_graph.history.iter().zip(&on_csr.history) {
            assert!(
                (a.train_loss - b.train_loss).abs() < 1e-4,
                "{kind} epoch {}: {} vs {}",
                a.epoch,
                a.train_loss,
                b.train_loss
            );
        }
        assert_eq!(on_graph.predictions, on_csr.predictions, "{kind}");
    }
    let config = NodeTrainingConfig::for_model(NodeModelKind::Gat);
    let error = cinder_nn::train_node_model_on_csr(
        &csr,
        &features,
        &labels,
        &split,
        &config,
        &device,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("needs the graph's edge list"),
        "{error}"
    );
}
