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

#[test]
fn a_node_id_beyond_the_rows_is_refused_before_anything_is_sized_by_it() {
    let directory = std::env::temp_dir().join(format!("cinder-musae-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(
        directory.join("X_target.csv"),
        "id,mature,new_id\na,True,0\nb,False,4000000000\nc,True,1\n",
    )
    .unwrap();
    std::fs::write(directory.join("X_edges.csv"), "from,to\n0,1\n").unwrap();
    std::fs::write(directory.join("X.json"), "{}").unwrap();
    let error = load_musae(&directory, "X", "mature").unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, cinder_datasets::DatasetError::DeclaredSize { .. }),
        "{message}"
    );
    assert!(
        message.contains("X_target.csv")
            && message.contains("line 3")
            && message.contains("node id 4000000000")
            && message.contains("3 rows"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
