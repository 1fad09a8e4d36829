//! The PyG peer's graph-directory format, written as CSV here and read back.

use cinder_datasets::{DatasetError, load_graph_directory};

fn write_directory(files: &[(&str, &str)]) -> std::path::PathBuf {
    let directory = std::env::temp_dir().join(format!(
        "cinder-graph-dir-{}-{}",
        std::process::id(),
        files.len()
    ));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    for (name, content) in files {
        std::fs::write(directory.join(name), content).unwrap();
    }
    directory
}

#[test]
fn csv_graph_directory_round_trip() {
    let directory = write_directory(&[
        ("edges.csv", "# src,dst\n0,1\n1,0\n1,2\n2,1\n"),
        ("features.csv", "1.0,0.0\n0.5,0.5\n0.0,1.0\n"),
        ("labels.csv", "0\n1\n1\n"),
        ("split.csv", "0\n1\n2\n"),
    ]);
    let loaded = load_graph_directory(&directory).unwrap();
    assert_eq!(loaded.graph.num_nodes(), 3);
    assert_eq!(loaded.graph.num_edges(), 4);
    assert_eq!(loaded.graph.node_labels(), Some(&[0, 1, 1][..]));
    assert_eq!(
        loaded.graph.node_features().unwrap().to_dense().values(),
        &[1.0, 0.0, 0.5, 0.5, 0.0, 1.0]
    );
    assert_eq!(
        (
            loaded.split.train.clone(),
            loaded.split.validation.clone(),
            loaded.split.test.clone()
        ),
        (vec![0], vec![1], vec![2])
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn bad_rows_and_missing_files_name_the_file() {
    let directory = write_directory(&[
        ("edges.csv", "0,1\n1,x\n"),
        ("features.csv", "1\n2\n"),
        ("labels.csv", "0\n1\n"),
        ("split.csv", "0\n0\n"),
        ("unused.txt", ""),
    ]);
    let error = load_graph_directory(&directory).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("edges.csv") && message.contains("line 2"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
    let error = load_graph_directory(std::path::Path::new("/nonexistent-dir")).unwrap_err();
    assert!(
        matches!(error, DatasetError::MissingInPath { .. }),
        "{error}"
    );
}

mod support;

/// A three-node CSV graph directory with `split` and `labels` as given.
fn directory_with(test: &str, labels: &str, split: &str) -> std::path::PathBuf {
    let directory = support::temporary_directory(test);
    for (name, content) in [
        ("edges.csv", "0,1\n1,0\n"),
        ("features.csv", "1\n2\n3\n"),
        ("labels.csv", labels),
        ("split.csv", split),
    ] {
        std::fs::write(directory.join(name), content).unwrap();
    }
    directory
}

#[test]
fn split_values_other_than_the_four_codes_are_errors_naming_file_and_line() {
    for (value, shown) in [("NaN", "NaN"), ("0.9", "0.9"), ("-0.5", "-0.5"), ("3", "3")] {
        let directory = directory_with(
            "graph-dir-split",
            "0\n1\n1\n",
            &format!("0\n# a comment\n{value}\n2\n"),
        );
        let error = load_graph_directory(&directory).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, DatasetError::InvalidValue { .. }),
            "{message}"
        );
        assert!(
            message.contains("split.csv")
                && message.contains(&format!("line 3: {shown} is not a split code")),
            "{message}"
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }
}

#[test]
fn labels_beyond_the_node_count_and_negative_ids_are_errors_showing_the_value() {
    let directory = directory_with("graph-dir-labels", "0\n30000\n1\n", "0\n1\n2\n");
    let message = load_graph_directory(&directory).unwrap_err().to_string();
    assert!(
        message.contains("labels.csv")
            && message.contains("line 2: 30000 is not a class index: an integer in 0..3"),
        "{message}"
    );
    std::fs::write(directory.join("labels.csv"), "0\n1\n1\n").unwrap();
    std::fs::write(directory.join("edges.csv"), "0,1\n1,-1\n").unwrap();
    let message = load_graph_directory(&directory).unwrap_err().to_string();
    assert!(
        message.contains("edges.csv") && message.contains("line 2: -1 is not a node id in 0..3"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_y_npy_shape_beyond_its_data_is_refused_before_allocating() {
    let directory = directory_with("graph-dir-npy", "0\n1\n1\n", "0\n1\n2\n");
    std::fs::write(
        directory.join("y.npy"),
        support::npy("<i8", "(1125899906842624,)", &[0.0, 1.0, 1.0]),
    )
    .unwrap();
    let error = load_graph_directory(&directory).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, DatasetError::DeclaredSize { .. }),
        "{message}"
    );
    assert!(
        message.contains("y.npy") && message.contains("only 24 bytes"),
        "{message}"
    );
    // The same labels as npy, one entry 2^40: named by its index.
    std::fs::write(
        directory.join("y.npy"),
        support::vector("<i8", &[0.0, 2f64.powi(40), 1.0]),
    )
    .unwrap();
    let message = load_graph_directory(&directory).unwrap_err().to_string();
    assert!(
        message.contains("y.npy: [1]: 1099511627776 is not a class index"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

/// A `.npy` graph directory: int64 edges, float32 features (written as `<f4`), int64 labels, int8
/// split codes.
fn write_npy_directory(test: &str, edges: &[(i64, i64)], nodes: usize) -> std::path::PathBuf {
    let directory = support::temporary_directory(test);
    let mut edge_values: Vec<f64> = edges.iter().map(|e| e.0 as f64).collect();
    edge_values.extend(edges.iter().map(|e| e.1 as f64));
    std::fs::write(
        directory.join("edge_index.npy"),
        support::npy("<i8", &format!("(2, {})", edges.len()), &edge_values),
    )
    .unwrap();
    let mut features = support::npy("<f4", &format!("({nodes}, 2)"), &[]);
    for value in (0..nodes * 2).map(|v| v as f32 * 0.5) {
        features.extend_from_slice(&value.to_le_bytes());
    }
    std::fs::write(directory.join("x.npy"), features).unwrap();
    let labels: Vec<f64> = (0..nodes).map(|n| (n % 2) as f64).collect();
    std::fs::write(directory.join("y.npy"), support::vector("<i8", &labels)).unwrap();
    let split: Vec<f64> = (0..nodes).map(|n| (n % 3) as f64).collect();
    std::fs::write(directory.join("split.npy"), support::vector("<i8", &split)).unwrap();
    directory
}

#[test]
fn the_lean_loader_streams_npy_files_into_the_same_graph() {
    let edges = [(0, 1), (1, 0), (1, 2), (2, 1), (3, 1), (1, 3), (3, 1)];
    let directory = write_npy_directory("lean-graph-dir", &edges, 5);
    let lean = cinder_datasets::load_graph_directory_csr(&directory).unwrap();
    let full = load_graph_directory(&directory).unwrap();
    let expected = cinder_graph::InNeighbours::from_graph(&full.graph).unwrap();
    assert_eq!(lean.neighbours, expected);
    assert_eq!(lean.neighbours.neighbours(1), &[0, 2, 3, 3]);
    assert_eq!(lean.num_edges, 7);
    assert_eq!(
        lean.features.to_dense().values(),
        full.graph.node_features().unwrap().to_dense().values()
    );
    assert_eq!(Some(lean.labels.as_slice()), full.graph.node_labels());
    assert_eq!(lean.split, full.split);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn the_lean_loader_names_an_endpoint_out_of_range() {
    let directory = write_npy_directory("lean-graph-dir-bad", &[(0, 1), (1, 9)], 3);
    let message = cinder_datasets::load_graph_directory_csr(&directory)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("edge_index.npy") && message.contains("[1, 1]") && message.contains('9'),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
