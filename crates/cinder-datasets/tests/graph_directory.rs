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
    assert!(matches!(error, DatasetError::NotFound { .. }), "{error}");
}
