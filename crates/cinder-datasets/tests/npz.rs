//! GNN-benchmark `.npz` graphs, stored and deflated archives (fixtures written by
//! `tools/fixtures/make_npz.py` with Python's standard library), and corrupt archives.

use std::path::{Path, PathBuf};

use cinder_datasets::{load_npz, load_npz_graph};
use cinder_graph::FeatureMatrix;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn stored_and_deflated_archives_give_the_same_graph() {
    for name in ["tiny_graph.npz", "tiny_graph_deflated.npz"] {
        let graph = load_npz_graph(&fixture(name)).unwrap();
        assert_eq!(graph.num_nodes(), 4);
        // 5 undirected edges, both directions stored.
        assert_eq!(graph.num_edges(), 10);
        assert!(graph.is_directed());
        let weights = graph.edge_weights().expect("the chord has weight 2");
        assert_eq!(weights.iter().filter(|&&w| w == 2.0).count(), 2);
        assert_eq!(graph.node_labels().unwrap(), &[0, 1, 0, 1]);
        let Some(FeatureMatrix::Sparse(features)) = graph.node_features() else {
            panic!("sparse attributes expected");
        };
        assert_eq!(
            (features.rows(), features.cols(), features.nnz()),
            (4, 3, 4)
        );
        assert_eq!(features.get(0, 2), None);
        assert_eq!(features.get(1, 2), Some(&1.0));
        assert_eq!(features.get(3, 2), Some(&1.0));
    }
    // The pickled object array of names is skipped, not an error.
    let arrays = load_npz(&fixture("tiny_graph.npz")).unwrap();
    assert!(arrays.contains_key("labels") && !arrays.contains_key("node_names"));
}

#[test]
fn corrupt_archives_are_named_errors() {
    let directory = std::env::temp_dir().join(format!("cinder-npz-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let bytes = std::fs::read(fixture("tiny_graph_deflated.npz")).unwrap();
    let truncated = directory.join("truncated.npz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let message = load_npz_graph(&truncated).unwrap_err().to_string();
    assert!(message.contains("truncated.npz"), "{message}");
    let not_zip = directory.join("plain.npz");
    std::fs::write(&not_zip, b"just text").unwrap();
    let message = load_npz_graph(&not_zip).unwrap_err().to_string();
    assert!(message.contains("not a ZIP"), "{message}");
    std::fs::remove_dir_all(&directory).unwrap();
}

mod support;

use cinder_datasets::DatasetError;
use support::{npy, npz, vector};

/// A three-node `.npz` graph (0-1, 0-2, both directions) with `row0` as the column indices of
/// row 0 and `labels` as labels.
fn triangle_npz(row0: [f64; 2], labels: &[f64]) -> Vec<u8> {
    npz(&[
        ("adj_data.npy", vector("<f8", &[1.0; 4])),
        (
            "adj_indices.npy",
            vector("<i8", &[row0[0], row0[1], 0.0, 0.0]),
        ),
        ("adj_indptr.npy", vector("<i8", &[0.0, 2.0, 3.0, 4.0])),
        ("adj_shape.npy", vector("<i8", &[3.0, 3.0])),
        ("labels.npy", vector("<f8", labels)),
    ])
}

fn load(directory: &Path, name: &str, bytes: &[u8]) -> Result<cinder_graph::Graph, DatasetError> {
    let path = directory.join(name);
    std::fs::write(&path, bytes).unwrap();
    load_npz_graph(&path)
}

#[test]
fn unsorted_column_indices_within_rows_load_like_sorted_ones() {
    let directory = support::temporary_directory("npz-unsorted");
    let sorted = load(
        &directory,
        "sorted.npz",
        &triangle_npz([1.0, 2.0], &[0.0, 1.0, 1.0]),
    )
    .unwrap();
    let unsorted = load(
        &directory,
        "unsorted.npz",
        &triangle_npz([2.0, 1.0], &[0.0, 1.0, 1.0]),
    )
    .unwrap();
    assert_eq!(unsorted, sorted);
    let edges: Vec<(usize, usize)> = unsorted.edges().collect();
    assert_eq!(edges, vec![(0, 1), (0, 2), (1, 0), (2, 0)]);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn negative_indices_and_absurd_labels_are_errors_showing_the_file_value() {
    let directory = support::temporary_directory("npz-values");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "index.npz",
            triangle_npz([-1.0, 2.0], &[0.0, 1.0, 1.0]),
            "adj_indices[0]: -1 is not a column index in 0..3",
        ),
        (
            "huge.npz",
            triangle_npz([1.0, 2.0], &[0.0, 1e300, 1.0]),
            "labels[1]: 1e300 is not a class index",
        ),
        (
            "wide.npz",
            triangle_npz([1.0, 2.0], &[0.0, 2f64.powi(40), 1.0]),
            "labels[1]: 1099511627776 is not",
        ),
        (
            "fraction.npz",
            triangle_npz([1.0, 2.0], &[0.5, 1.0, 1.0]),
            "labels[0]: 0.5 is not",
        ),
    ];
    for (name, bytes, expected) in cases {
        let error = load(&directory, name, &bytes).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, DatasetError::InvalidValue { .. }),
            "{message}"
        );
        assert!(
            message.contains(name) && message.contains(expected),
            "{message}"
        );
        assert!(!message.contains("18446744073709551615"), "{message}");
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn corrupt_numeric_members_are_errors_not_skipped() {
    let directory = support::temporary_directory("npz-members");
    // One flipped byte in the labels' data: the CRC-32 catches it.
    let mut bytes = triangle_npz([1.0, 2.0], &[0.0, 1.0, 1.0]);
    let last_label = bytes
        .windows(8)
        .rposition(|w| w == 1f64.to_le_bytes())
        .unwrap();
    bytes[last_label + 7] ^= 0x40;
    let message = load(&directory, "flipped.npz", &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("labels.npy") && message.contains("CRC-32"),
        "{message}"
    );
    // A consistent archive whose labels header claims far more than it holds.
    let mut members = vec![(
        "labels.npy",
        npy("<f8", "(1125899906842624,)", &[0.0, 1.0, 1.0]),
    )];
    members.push(("adj_shape.npy", vector("<i8", &[3.0, 3.0])));
    let error = load(&directory, "shape.npz", &npz(&members)).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, DatasetError::DeclaredSize { .. }),
        "{message}"
    );
    assert!(
        message.contains("member labels.npy") && message.contains("9007199254740992 bytes"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
