//! Cora from the real Planetoid files against its published statistics.

use cinder_datasets::{DatasetError, load_planetoid, require_data};
use cinder_graph::FeatureMatrix;

#[test]
fn cora_matches_published_statistics() {
    let Some(directory) = require_data("planetoid/ind.cora.x") else {
        return;
    };
    let directory = directory.parent().unwrap();
    let cora = load_planetoid(directory, "cora").unwrap();
    let graph = &cora.graph;
    assert_eq!(graph.num_nodes(), 2708);
    assert_eq!(
        graph.num_edges(),
        5278 + graph.edges().filter(|(u, v)| u == v).count()
    );
    assert_eq!(cora.num_classes, 7);
    let Some(FeatureMatrix::Sparse(features)) = graph.node_features() else {
        panic!("Cora features must stay sparse");
    };
    assert_eq!(features.shape(), (2708, 1433));
    assert_eq!(features.nnz(), 49216);
    assert!(features.data().iter().all(|&v| v == 1.0));
    assert_eq!(cora.split.train.len(), 140);
    assert_eq!(cora.split.validation.len(), 500);
    assert_eq!(cora.split.test.len(), 1000);
    let labels = graph.node_labels().unwrap();
    for class in 0..7 {
        let count = cora
            .split
            .train
            .iter()
            .filter(|&&n| labels[n] == class)
            .count();
        assert_eq!(count, 20, "class {class} has {count} training nodes");
    }
    // Class sizes of Cora (PyG): 351, 217, 418, 818, 426, 298, 180.
    let sizes: Vec<usize> = (0..7)
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    assert_eq!(sizes, vec![351, 217, 418, 818, 426, 298, 180]);
}

#[test]
fn missing_and_unknown_datasets_are_clear_errors() {
    let error = load_planetoid(std::path::Path::new("/nonexistent"), "cora").unwrap_err();
    assert!(matches!(error, DatasetError::Io { .. }));
    assert!(error.to_string().contains("ind.cora.x"), "{error}");
    let error = load_planetoid(std::path::Path::new("/nonexistent"), "reddit").unwrap_err();
    assert!(matches!(error, DatasetError::UnknownDataset { .. }));
}

#[test]
fn corrupt_pickle_names_the_file_and_byte() {
    let directory = std::env::temp_dir().join(format!("cinder-planetoid-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("ind.cora.x"), b"\x80\x02c").unwrap();
    let error = load_planetoid(&directory, "cora").unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("ind.cora.x") && message.contains("byte"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
