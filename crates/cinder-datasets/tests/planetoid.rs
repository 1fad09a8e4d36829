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

mod support;

use support::pickle::{adjacency_file, csr_file, matrix_file};

/// A six-node Planetoid set in the original file layout: nodes 0–3 in `allx` (0–1 labelled for
/// training), test nodes 5 and 4 (in that order) in `tx`, two classes, a path 0-1-2-3 and an
/// edge 4-5. `graph` and `test_index` replace those files.
fn write_tiny_planetoid(
    test: &str,
    graph: &[(i32, Vec<i32>)],
    test_index: &str,
) -> std::path::PathBuf {
    let directory = support::temporary_directory(test);
    let one_hot = |class: usize| {
        if class == 0 {
            vec![1.0, 0.0]
        } else {
            vec![0.0, 1.0]
        }
    };
    let features = |rows: &[[f64; 3]]| rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
    let allx = features(&[
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 1.0, 0.0],
    ]);
    let tx = features(&[[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]);
    let files: [(&str, Vec<u8>); 8] = [
        ("x", csr_file(&allx[..2], 3)),
        ("allx", csr_file(&allx, 3)),
        ("tx", csr_file(&tx, 3)),
        ("y", matrix_file(&[one_hot(0), one_hot(1)])),
        (
            "ally",
            matrix_file(&[one_hot(0), one_hot(1), one_hot(0), one_hot(1)]),
        ),
        ("ty", matrix_file(&[one_hot(1), one_hot(0)])),
        ("graph", adjacency_file(graph)),
        ("test.index", test_index.as_bytes().to_vec()),
    ];
    for (part, bytes) in files {
        std::fs::write(directory.join(format!("ind.cora.{part}")), bytes).unwrap();
    }
    directory
}

fn tiny_graph() -> Vec<(i32, Vec<i32>)> {
    vec![
        (0, vec![1]),
        (1, vec![0, 2]),
        (2, vec![1, 3]),
        (3, vec![2]),
        (4, vec![5]),
        (5, vec![4]),
    ]
}

#[test]
fn crafted_planetoid_files_load_with_the_public_split_layout() {
    let directory = write_tiny_planetoid("planetoid-tiny", &tiny_graph(), "5\n4\n");
    let loaded = load_planetoid(&directory, "cora").unwrap();
    assert_eq!(loaded.graph.num_nodes(), 6);
    assert_eq!(loaded.graph.num_edges(), 4);
    assert_eq!(loaded.num_classes, 2);
    // Node 5 is listed first in test.index, so it takes tx row 0 (class 1).
    assert_eq!(loaded.graph.node_labels().unwrap(), &[0, 1, 0, 1, 0, 1]);
    assert_eq!(loaded.split.train, vec![0, 1]);
    // 500 validation nodes in the public split, but never beyond allx.
    assert_eq!(loaded.split.validation, vec![2, 3]);
    assert_eq!(loaded.split.test, vec![4, 5]);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn neighbours_beyond_the_nodes_are_errors_not_phantom_nodes() {
    for stray in [6, i32::MAX] {
        let mut graph = tiny_graph();
        graph[3].1.push(stray);
        let directory = write_tiny_planetoid("planetoid-neighbour", &graph, "5\n4\n");
        let error = load_planetoid(&directory, "cora").unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, DatasetError::InvalidValue { .. }),
            "{message}"
        );
        assert!(
            message.contains("ind.cora.graph")
                && message.contains("neighbours of node 3")
                && message.contains(&format!(": {stray} is not a node id in 0..6")),
            "{message}"
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }
}

#[test]
fn a_huge_test_index_is_refused_before_anything_is_sized_by_it() {
    let directory =
        write_tiny_planetoid("planetoid-test-index", &tiny_graph(), "5\n99999999999999\n");
    let error = load_planetoid(&directory, "cora").unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, DatasetError::DeclaredSize { .. }),
        "{message}"
    );
    assert!(
        message.contains("ind.cora.test.index")
            && message.contains("line 2")
            && message.contains("node 99999999999999")
            && message.contains("hold 6 nodes"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
