//! Graph classification end to end: collation against per-graph normalization, the relational
//! layer against a dense computation, models learning a synthetic task, and MUTAG (real data).

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_datasets::{load_registered_graphs, require_data};
use cinder_graph::{
    BondType, Direction, EdgeLabel, Fold, GcnNormalization, Graph, block_diagonal_batch,
    gcn_normalization, stratified_folds,
};
use cinder_nn::{
    GraphModelKind, GraphSet, GraphTrainingConfig, InputFeatures, NnError, Propagation,
    RelationalGcnConv, RelationalGcnConvConfig, SparseOperator, cross_validate, train_graph_fold,
};

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

fn ring(nodes: usize, label: usize) -> Graph {
    Graph::from_edges(
        nodes,
        (0..nodes).map(|i| (i, (i + 1) % nodes)),
        Direction::Undirected,
    )
    .unwrap()
    .with_graph_label(label)
}

fn path(nodes: usize, label: usize) -> Graph {
    Graph::from_edges(nodes, (1..nodes).map(|i| (i - 1, i)), Direction::Undirected)
        .unwrap()
        .with_graph_label(label)
}

fn star(leaves: usize, label: usize) -> Graph {
    Graph::from_edges(
        leaves + 1,
        (1..=leaves).map(|i| (0, i)),
        Direction::Undirected,
    )
    .unwrap()
    .with_graph_label(label)
}

/// Rings and paths look alike to degree features except at the path ends; stars are different.
fn synthetic_graphs() -> Vec<Graph> {
    let mut graphs = Vec::new();
    for size in 4..24 {
        graphs.push(ring(size, 0));
        graphs.push(star(size, 1));
        graphs.push(path(size, 2));
    }
    graphs
}

#[test]
fn collation_equals_normalizing_the_block_diagonal_batch() {
    let graphs = vec![ring(5, 0), star(3, 1), path(4, 0)];
    let set = GraphSet::new(&graphs, Propagation::Gcn, InputFeatures::Degree { cap: 4 }).unwrap();
    let batch = set.collate(&[2, 0, 1]).unwrap();
    let ordered = [graphs[2].clone(), graphs[0].clone(), graphs[1].clone()];
    let reference = gcn_normalization(
        block_diagonal_batch(&ordered).unwrap().graph(),
        GcnNormalization::default(),
    )
    .unwrap();
    let expected = SparseOperator::new(&reference).unwrap().to_dense();
    let actual = batch.operators()[0].to_dense();
    assert_eq!(expected.len(), actual.len());
    for (e, a) in expected.iter().zip(&actual) {
        assert!((e - a).abs() < 1e-6, "{e} vs {a}");
    }
    assert_eq!(batch.node_offsets(), &[0, 4, 9, 13]);
    assert_eq!(batch.labels(), &[0, 0, 1]);
    // One-hot degree features (cap 4): the star centre (degree 3) is row 9.
    let features = values(batch.features(&Device::flex()));
    assert_eq!(features.len(), 13 * 5);
    assert_eq!(&features[9 * 5..10 * 5], &[0.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(set.batches(&[0, 1, 2], 2, None), vec![vec![0, 1], vec![2]]);
}

#[test]
fn graph_sets_reject_empty_and_unlabelled_graphs() {
    let empty = Graph::from_edges(0, [], Direction::Undirected)
        .unwrap()
        .with_graph_label(0);
    let error =
        GraphSet::new(&[ring(3, 0), empty], Propagation::Gcn, InputFeatures::Auto).unwrap_err();
    assert_eq!(error, NnError::EmptyGraph { graph: 1 });
    let unlabelled = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
    let error = GraphSet::new(&[unlabelled], Propagation::Gcn, InputFeatures::Auto).unwrap_err();
    assert!(
        error.to_string().contains("graph label of graph 0"),
        "{error}"
    );
}

#[test]
fn relational_layer_matches_a_dense_per_relation_mean() {
    let device = Device::flex();
    // 0 =single= 1, 1 =double= 2, 0 =single= 2; undirected.
    let graph = Graph::from_edges(3, [(0, 1), (1, 2), (0, 2)], Direction::Undirected)
        .unwrap()
        .with_edge_labels(vec![
            EdgeLabel::Bond(BondType::Single),
            EdgeLabel::Bond(BondType::Double),
            EdgeLabel::Bond(BondType::Single),
        ])
        .unwrap();
    let layer = RelationalGcnConvConfig::new(2, 2, 2)
        .with_seed(5)
        .init(&device);
    let matrices = RelationalGcnConv::relation_matrices(&graph, 2).unwrap();
    let operators: Vec<SparseOperator> = matrices
        .iter()
        .map(|m| SparseOperator::new(m).unwrap())
        .collect();
    let x_values = [1.0f32, 2.0, -1.0, 0.5, 3.0, -2.0];
    let x = Tensor::<2>::from_data(TensorData::new(x_values.to_vec(), [3, 2]), &device);
    let output = values(layer.forward(&operators, x).unwrap());

    let root_weight = values(layer.root.weight.val());
    let root_bias = values(layer.root.bias.as_ref().unwrap().val());
    let relation_weights: Vec<Vec<f32>> = layer.relations.iter().map(|w| values(w.val())).collect();
    // Neighbours per relation: single: 0-{1,2}, 1-{0}, 2-{0}; double: 1-{2}, 2-{1}.
    let neighbours = [
        vec![vec![1usize, 2], vec![0], vec![0]],
        vec![vec![], vec![2], vec![1]],
    ];
    let row = |i: usize| [x_values[2 * i], x_values[2 * i + 1]];
    let times = |v: [f32; 2], w: &[f32]| [v[0] * w[0] + v[1] * w[2], v[0] * w[1] + v[1] * w[3]];
    for node in 0..3 {
        let mut expected = times(row(node), &root_weight);
        expected[0] += root_bias[0];
        expected[1] += root_bias[1];
        for (relation, lists) in neighbours.iter().enumerate() {
            let list = &lists[node];
            for &j in list {
                let message = times(row(j), &relation_weights[relation]);
                expected[0] += message[0] / list.len() as f32;
                expected[1] += message[1] / list.len() as f32;
            }
        }
        for c in 0..2 {
            let actual = output[node * 2 + c];
            assert!(
                (actual - expected[c]).abs() < 1e-5,
                "node {node}: {actual} vs {}",
                expected[c]
            );
        }
    }
    // Relation 1 of an unlabelled graph cannot be resolved; a bond type beyond the relations is
    // named.
    let unlabelled = Graph::from_edges(2, [(0, 1)], Direction::Undirected).unwrap();
    assert!(RelationalGcnConv::relation_matrices(&unlabelled, 2).is_err());
    let aromatic = Graph::from_edges(2, [(0, 1)], Direction::Undirected)
        .unwrap()
        .with_edge_labels(vec![EdgeLabel::Bond(BondType::Aromatic)])
        .unwrap();
    let error = RelationalGcnConv::relation_matrices(&aromatic, 2).unwrap_err();
    assert!(error.to_string().contains("edge 0 has type 3"), "{error}");
}

fn quick_config(model: GraphModelKind) -> GraphTrainingConfig {
    let mut config = GraphTrainingConfig::new(model);
    config.hidden = 32;
    config.epochs = 60;
    config.patience = 0;
    config.batch_size = 16;
    config.dropout = 0.0;
    config
}

#[test]
fn every_model_learns_rings_stars_and_paths() {
    let graphs = synthetic_graphs();
    let device = Device::flex().autodiff();
    let labels: Vec<usize> = graphs.iter().map(|g| g.graph_label().unwrap()).collect();
    let folds = stratified_folds(&labels, 4, 0).unwrap();
    for model in [
        GraphModelKind::Gcn,
        GraphModelKind::Gin,
        GraphModelKind::Rgcn,
    ] {
        let mut config = quick_config(model);
        // These graphs have no edge types: one relation.
        config.relations = 1;
        let set = GraphSet::new(
            &graphs,
            model.propagation(1),
            InputFeatures::Degree { cap: 8 },
        )
        .unwrap();
        let (_, report) =
            train_graph_fold(&set, &folds[0], 1, &config, &device, &mut |_| {}).unwrap();
        let history = &report.history;
        assert_eq!(history.len(), 60);
        assert!(
            history.last().unwrap().train_loss < 0.5 * history[0].train_loss,
            "{model:?}: loss {} -> {}",
            history[0].train_loss,
            history.last().unwrap().train_loss
        );
        assert!(
            report.test_accuracy >= 0.8,
            "{model:?}: test accuracy {} (chance 0.33)",
            report.test_accuracy
        );
        assert_eq!(report.sizes.iter().sum::<usize>(), graphs.len());
    }
}

#[test]
fn cross_validation_reports_every_fold_and_is_reproducible() {
    let graphs = synthetic_graphs();
    let device = Device::flex().autodiff();
    let labels: Vec<usize> = graphs.iter().map(|g| g.graph_label().unwrap()).collect();
    let folds = stratified_folds(&labels, 3, 1).unwrap();
    let set = GraphSet::new(&graphs, Propagation::Gcn, InputFeatures::Auto).unwrap();
    let mut config = quick_config(GraphModelKind::Gcn);
    config.epochs = 5;
    let mut events = 0;
    let report =
        cross_validate(&set, &folds, false, &config, &device, &mut |_| events += 1).unwrap();
    assert_eq!(report.folds.len(), 3);
    // Per fold: started, 5 epochs, the kept model, finished.
    assert_eq!(events, 3 * (5 + 3));
    let mean = report.per_fold_test_accuracy.iter().sum::<f64>() / 3.0;
    assert!((mean - report.mean_test_accuracy).abs() < 1e-12);
    assert!(report.epoch_ms_median > 0.0);
    assert!(report.protocol.contains("3-fold") && report.protocol.contains("seeded"));
    let again = cross_validate(&set, &folds, false, &config, &device, &mut |_| {}).unwrap();
    assert_eq!(report.per_fold_test_accuracy, again.per_fold_test_accuracy);
    // Resuming after fold 1 trains folds 2 and 3 only and gives the same result.
    let mut trained = 0;
    let resumed = cinder_nn::cross_validate_resuming(
        &set,
        &folds,
        false,
        &config,
        &device,
        report.folds[..1].to_vec(),
        &mut |event| {
            if matches!(event, cinder_nn::TrainingEvent::FoldStarted { .. }) {
                trained += 1;
            }
        },
    )
    .unwrap();
    assert_eq!(trained, 2);
    assert_eq!(
        resumed.per_fold_test_accuracy,
        report.per_fold_test_accuracy
    );
    // Folds trained two (or three) at a time give exactly the sequential numbers, and the
    // observer still sees every fold's events, in fold order.
    for parallel in [2, 3] {
        let mut seen = Vec::new();
        let concurrent = cinder_nn::cross_validate_parallel(
            &set,
            &folds,
            false,
            &config,
            &device,
            Vec::new(),
            parallel,
            &mut |event| match event {
                cinder_nn::TrainingEvent::FoldStarted { fold, .. } => seen.push(fold),
                cinder_nn::TrainingEvent::EpochFinished { fold, .. } => {
                    assert_eq!(seen.last(), Some(&fold))
                }
                _ => {}
            },
        )
        .unwrap();
        assert_eq!(seen, vec![1, 2, 3]);
        assert_eq!(
            concurrent.per_fold_test_accuracy,
            report.per_fold_test_accuracy
        );
        for (a, b) in concurrent.folds.iter().zip(&report.folds) {
            let losses = |f: &cinder_nn::FoldReport| {
                f.history.iter().map(|e| e.train_loss).collect::<Vec<_>>()
            };
            assert_eq!(losses(a), losses(b), "fold {}", a.fold);
        }
    }
    // A finished fold that is not this run's fold 1 is refused.
    let error = cinder_nn::cross_validate_resuming(
        &set,
        &folds,
        false,
        &config,
        &device,
        report.folds[1..2].to_vec(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("does not match fold 1"),
        "{error}"
    );
    // A fold whose test graphs overlap its training graphs is refused.
    let leaking = Fold {
        train: vec![0, 1, 2],
        test: vec![2],
    };
    assert!(train_graph_fold(&set, &leaking, 1, &config, &device, &mut |_| {}).is_err());
    // A set prepared for another model is refused with the reason.
    let gin = GraphTrainingConfig::new(GraphModelKind::Gin);
    let error = train_graph_fold(&set, &folds[0], 1, &gin, &device, &mut |_| {}).unwrap_err();
    assert!(
        error.to_string().contains("needs graphs prepared with Sum"),
        "{error}"
    );
}

#[test]
fn population_statistics_make_evaluation_equal_training_mode_on_that_batch() {
    // After `with_population_statistics(&[batch])`, evaluation normalizes with exactly the
    // statistics a training-mode forward computes on `batch`, so the two forwards agree: for the
    // batch norms after GCN/RGCN layers and for GIN's nested ones.
    let graphs = synthetic_graphs();
    let members: Vec<usize> = (0..graphs.len()).step_by(3).collect();
    let device = Device::flex().autodiff();
    for model in [
        GraphModelKind::Gcn,
        GraphModelKind::Gin,
        GraphModelKind::Rgcn,
    ] {
        let mut config = quick_config(model);
        config.relations = 1;
        let set = GraphSet::new(
            &graphs,
            model.propagation(1),
            InputFeatures::Degree { cap: 8 },
        )
        .unwrap();
        let batch = set.collate(&members).unwrap();
        let trained = config.model_options(set.width(), 3, 7).init(&device);
        let running = values(trained.valid().forward(&batch, None).unwrap());
        let training_mode = values(trained.forward(&batch, None).unwrap());
        let population = trained
            .valid()
            .with_population_statistics(std::slice::from_ref(&batch))
            .unwrap();
        let evaluated = values(population.forward(&batch, None).unwrap());
        let gap = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
                .fold(0.0f32, f32::max)
        };
        assert!(
            gap(&evaluated, &training_mode) < 1e-4,
            "{model:?}: {}",
            gap(&evaluated, &training_mode)
        );
        // The fresh running averages (mean 0, variance 1) give something else.
        assert!(gap(&running, &training_mode) > 1e-2, "{model:?}");
    }
}

#[test]
fn model_selection_tests_only_the_candidate_best_on_validation() {
    let graphs = synthetic_graphs();
    let device = Device::flex().autodiff();
    let labels: Vec<usize> = graphs.iter().map(|g| g.graph_label().unwrap()).collect();
    let folds = stratified_folds(&labels, 3, 2).unwrap();
    let set = GraphSet::new(&graphs, Propagation::Gcn, InputFeatures::Auto).unwrap();
    let mut config = quick_config(GraphModelKind::Gcn);
    config.epochs = 8;
    let grid = cinder_nn::ConfigGrid {
        hidden: vec![4, 16],
        readout: vec![cinder_nn::Readout::Sum, cinder_nn::Readout::Mean],
        ..cinder_nn::ConfigGrid::default()
    };
    config = config.with_model_selection(grid.clone());
    assert_eq!(config.validation_fraction, 0.1);
    let mut candidates_seen = 0;
    let report = cross_validate(&set, &folds, false, &config, &device, &mut |event| {
        if let cinder_nn::TrainingEvent::CandidateFinished { candidates, .. } = event {
            assert_eq!(candidates, 4);
            candidates_seen += 1;
        }
    })
    .unwrap();
    assert_eq!(candidates_seen, 3 * 4);
    assert!(report.protocol.contains("Errica") && report.protocol.contains("hidden {4, 16}"));
    for (fold, fold_report) in folds.iter().zip(&report.folds) {
        let selection = fold_report.selection.as_ref().unwrap();
        assert_eq!(selection.candidates.len(), 4);
        let best = &selection.candidates[selection.selected];
        for other in &selection.candidates {
            assert!(
                best.validation_accuracy > other.validation_accuracy
                    || (best.validation_accuracy == other.validation_accuracy
                        && best.validation_loss <= other.validation_loss),
                "fold {}: {best:?} selected over {other:?}",
                fold_report.fold
            );
        }
        assert_eq!(best.validation_accuracy, fold_report.validation_accuracy);
        // The fold's model is the selected candidate's run: training that configuration alone,
        // with the test graphs, gives the same epochs and the same test accuracy.
        let chosen = &selection.config;
        assert!(chosen.model_selection.is_none());
        let (_, alone) =
            train_graph_fold(&set, fold, fold_report.fold, chosen, &device, &mut |_| {}).unwrap();
        let losses =
            |f: &cinder_nn::FoldReport| f.history.iter().map(|e| e.train_loss).collect::<Vec<_>>();
        assert_eq!(losses(&alone), losses(fold_report));
        assert_eq!(alone.test_accuracy, fold_report.test_accuracy);
        assert_eq!(alone.sizes, fold_report.sizes);
        assert_eq!(alone.test_confusion, fold_report.test_confusion);
    }
    // Parallel folds give the same selections.
    let concurrent = cinder_nn::cross_validate_parallel(
        &set,
        &folds,
        false,
        &config,
        &device,
        Vec::new(),
        2,
        &mut |_| {},
    )
    .unwrap();
    for (a, b) in concurrent.folds.iter().zip(&report.folds) {
        assert_eq!(a.selection, b.selection);
        assert_eq!(a.test_accuracy, b.test_accuracy);
    }
    // A bad grid is refused before training.
    config.model_selection = Some(cinder_nn::ConfigGrid {
        dropout: vec![1.5],
        ..cinder_nn::ConfigGrid::default()
    });
    let error = cross_validate(&set, &folds, false, &config, &device, &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("dropout 1.5"), "{error}");
}

#[test]
fn small_validation_slices_fall_back_to_training_on_everything() {
    // 60 graphs in 3 folds: 40 training graphs, a 10% slice of 3 < 50 graphs. The fold trains
    // on all 40 and keeps the last epoch, exactly as the explicit configuration does.
    let graphs = synthetic_graphs();
    let device = Device::flex().autodiff();
    let labels: Vec<usize> = graphs.iter().map(|g| g.graph_label().unwrap()).collect();
    let folds = stratified_folds(&labels, 3, 4).unwrap();
    let set = GraphSet::new(&graphs, Propagation::Gcn, InputFeatures::Auto).unwrap();
    let mut config = quick_config(GraphModelKind::Gcn);
    config.epochs = 6;
    let (_, fallback) =
        train_graph_fold(&set, &folds[0], 1, &config, &device, &mut |_| {}).unwrap();
    assert_eq!(
        fallback.sizes,
        [folds[0].train.len(), 0, folds[0].test.len()]
    );
    assert_eq!(fallback.best_epoch, 6);
    let mut explicit = config.clone();
    explicit.validation_fraction = 0.0;
    explicit.selection = cinder_nn::Selection::Last;
    let (_, expected) =
        train_graph_fold(&set, &folds[0], 1, &explicit, &device, &mut |_| {}).unwrap();
    let losses =
        |f: &cinder_nn::FoldReport| f.history.iter().map(|e| e.train_loss).collect::<Vec<_>>();
    assert_eq!(losses(&fallback), losses(&expected));
    assert_eq!(fallback.test_accuracy, expected.test_accuracy);
    assert!(
        config
            .protocol(3, false)
            .contains("fewer than 50 graphs trains on all its training graphs")
    );
    // With the threshold at 0 the small slice selects the epoch.
    config.min_validation_graphs = 0;
    let (_, selecting) =
        train_graph_fold(&set, &folds[0], 1, &config, &device, &mut |_| {}).unwrap();
    assert!(
        (1..50).contains(&selecting.sizes[1]),
        "{:?}",
        selecting.sizes
    );
    assert_eq!(
        selecting.sizes[0] + selecting.sizes[1],
        folds[0].train.len()
    );
}

#[test]
fn mutag_first_fixed_fold_is_learned() {
    if require_data("tu/MUTAG/MUTAG.txt").is_none() {
        return;
    }
    let mutag = load_registered_graphs("MUTAG").unwrap();
    let folds = mutag.folds.expect("MUTAG ships 10fold_idx");
    assert_eq!(folds.len(), 10);
    let set = GraphSet::new(&mutag.graphs, Propagation::Sum, InputFeatures::Auto).unwrap();
    assert_eq!((set.len(), set.width(), set.num_classes()), (188, 7, 2));
    let mut config = GraphTrainingConfig::new(GraphModelKind::Gin);
    config.epochs = 50;
    let device = Device::flex().autodiff();
    let (_, report) = train_graph_fold(&set, &folds[0], 1, &config, &device, &mut |_| {}).unwrap();
    assert_eq!(report.sizes[2], folds[0].test.len());
    // The majority class is 66.5% of MUTAG.
    assert!(
        report.test_accuracy >= 0.7,
        "test accuracy {}",
        report.test_accuracy
    );
}
