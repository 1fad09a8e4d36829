//! Explanations as library calls: a node explanation on the karate club written to a run
//! directory and explained again from its checkpoint; bad requests are typed errors.

use std::path::PathBuf;

use burn::tensor::Device;
use cinder_experiment::{
    DataSource, ExperimentError, NodeExplanationModel, NodeExplanationRequest, NodeTargets,
};
use cinder_nn::{ExplainerConfig, JkGcnTraining};

fn request(checkpoint: Option<PathBuf>) -> NodeExplanationRequest {
    NodeExplanationRequest {
        data: DataSource::Registered("karate".into()),
        targets: NodeTargets::One(33),
        training: JkGcnTraining {
            epochs: 60,
            restarts: 1,
            ..JkGcnTraining::default()
        },
        checkpoint,
        explainer: ExplainerConfig {
            epochs: 30,
            ..ExplainerConfig::default()
        },
        top_k: 4,
    }
}

#[test]
fn a_node_explanation_is_written_and_its_model_loads_back() {
    let device = Device::flex();
    let run = request(None).run(&device).unwrap();
    assert_eq!(run.explained.nodes.len(), 1);
    let explained = &run.explained.nodes[0];
    assert_eq!(explained.node, 33);
    // The masked edges are node 33's computation subgraph: every edge into 33 is among them.
    let into_33 = run
        .graph
        .edges()
        .filter(|&(a, b)| a == 33 || b == 33)
        .count();
    let masked_at_33 = explained
        .explanation
        .edges
        .iter()
        .filter(|&&(a, b)| a == 33 || b == 33)
        .count();
    assert_eq!(masked_at_33, into_33);
    let summary = run.summary();
    assert_eq!(
        summary["explanation"]["top_edges"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(
        summary["explanation_auc"].is_null(),
        "karate has no ground truth"
    );

    let root = std::env::temp_dir().join(format!("cinder-explain-lib-{}", std::process::id()));
    let report = run.write(&root, Some("test".into())).unwrap();
    let directory = report.parent().unwrap().to_path_buf();
    assert!(directory.join("explanation.json").exists());
    assert!(directory.join("explanation-node-33.png").exists());

    let loaded = request(Some(directory.clone())).run(&device).unwrap();
    let predictions = |run: &cinder_experiment::NodeExplanationRun| match &run.model {
        NodeExplanationModel::JkGcn { trained, .. } => trained.predictions.clone(),
        other => panic!("expected the paper's GCN, got {other:?}"),
    };
    assert_eq!(predictions(&loaded), predictions(&run));
    assert_eq!(
        loaded.explained.nodes[0].explanation.edge_mask,
        explained.explanation.edge_mask
    );
    assert_eq!(loaded.checkpoint.as_deref(), Some(directory.as_path()));

    // A truncated checkpoint is an error naming the file, not a panic.
    let checkpoint = directory.join("checkpoints/model-gcn-jk.bpk");
    let bytes = std::fs::read(&checkpoint).unwrap();
    std::fs::write(&checkpoint, &bytes[..bytes.len() / 2]).unwrap();
    let error = request(Some(directory.clone())).run(&device).unwrap_err();
    assert!(error.to_string().contains("model-gcn-jk.bpk"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_requests_are_typed_errors() {
    let device = Device::flex();
    let mut bad = request(None);
    bad.targets = NodeTargets::One(34);
    match bad.run(&device) {
        Err(ExperimentError::Invalid { option, reason }) => {
            assert_eq!(option, "node");
            assert!(reason.contains("34 nodes"), "{reason}");
        }
        other => panic!("expected an invalid node, got {other:?}"),
    }
    let mut bad = request(None);
    bad.top_k = 0;
    assert!(matches!(
        bad.run(&device),
        Err(ExperimentError::Invalid { option, .. }) if option == "top_k"
    ));
    let missing = std::env::temp_dir().join("cinder-no-such-run");
    let error = request(Some(missing.clone())).run(&device).unwrap_err();
    assert!(
        error.to_string().contains(&missing.display().to_string()),
        "{error}"
    );
}

#[test]
fn a_graph_set_too_small_to_hold_one_out_is_refused() {
    use cinder_experiment::GraphExplanationRequest;
    use cinder_nn::GraphModelKind;
    let directory = std::env::temp_dir().join(format!("cinder-explain-one-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("ONE.txt");
    // GIN text: one graph of two nodes joined by an edge.
    std::fs::write(&file, "1\n2 0\n0 1 1\n0 1 0\n").unwrap();
    let request = GraphExplanationRequest {
        data: DataSource::Path(file),
        label_property: String::new(),
        graph: None,
        model: GraphModelKind::Gcn,
        epochs: 5,
        checkpoint: None,
        seed: 0,
        explainer: ExplainerConfig::default(),
        top_k: 2,
    };
    match request.run(&Device::flex()) {
        Err(ExperimentError::Invalid { option, reason }) => {
            assert_eq!(option, "data");
            assert!(reason.contains("1 graph"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    std::fs::remove_dir_all(&directory).unwrap();
}
