//! Twitch-EN (MUSAE) against its published statistics.

use cinder_datasets::{load_musae, require_data};
use cinder_graph::FeatureMatrix;

#[test]
fn twitch_en_matches_published_statistics() {
    let Some(directory) = require_data("social/twitch-en") else {
        return;
    };
    let graph = load_musae(&directory, "ENGB", "mature").unwrap();
    assert_eq!(graph.num_nodes(), 7126);
    assert_eq!(graph.num_edges(), 35324);
    let Some(FeatureMatrix::Sparse(features)) = graph.node_features() else {
        panic!("MUSAE features must be sparse");
    };
    assert_eq!(features.cols(), 3170);
    assert!(features.data().iter().all(|&v| v == 1.0));
    let labels = graph.node_labels().unwrap();
    assert!(labels.iter().all(|&l| l < 2));
    assert!(labels.contains(&0) && labels.contains(&1));
    let error = load_musae(&directory, "ENGB", "nonexistent")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("ENGB_target.csv") && error.contains("mature"),
        "{error}"
    );
}
