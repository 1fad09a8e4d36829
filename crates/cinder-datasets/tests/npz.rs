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
