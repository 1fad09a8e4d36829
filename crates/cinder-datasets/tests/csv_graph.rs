//! The generic CSV graph folder: headers or not, string ids, weights, bond types, errors.

use cinder_datasets::load_csv_graph;
use cinder_graph::{BondType, Direction, EdgeLabel};

fn folder(files: &[(&str, &str)], tag: &str) -> std::path::PathBuf {
    let directory = std::env::temp_dir().join(format!("cinder-csv-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    for (name, content) in files {
        std::fs::write(directory.join(name), content).unwrap();
    }
    directory
}

#[test]
fn header_string_ids_weights_types_and_features() {
    let directory = folder(
        &[
            (
                "nodes.csv",
                "# atoms\nid,label,x,y\nC1,carbon,0.5,1\nO1,oxygen,1.5,2\nC2,carbon,0,0\n",
            ),
            (
                "edges.csv",
                "source,target,weight,type\nC1,O1,2.0,double\nC1,C2,1.0,aromatic\n",
            ),
        ],
        "header",
    );
    let graph = load_csv_graph(&directory, Direction::Undirected).unwrap();
    assert_eq!(graph.num_nodes(), 3);
    assert_eq!(graph.edges().collect::<Vec<_>>(), vec![(0, 1), (0, 2)]);
    assert_eq!(graph.edge_weights(), Some(&[2.0, 1.0][..]));
    assert_eq!(
        graph.edge_labels(),
        Some(
            &[
                EdgeLabel::Bond(BondType::Double),
                EdgeLabel::Bond(BondType::Aromatic)
            ][..]
        )
    );
    assert_eq!(graph.node_labels(), Some(&[0, 1, 0][..]));
    assert_eq!(
        graph.node_features().unwrap().to_dense().values(),
        &[0.5, 1.0, 1.5, 2.0, 0.0, 0.0]
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn headerless_edges_only() {
    let directory = folder(
        &[("edges.csv", "10,20\n20,30\n# comment\n30,10\n")],
        "plain",
    );
    let graph = load_csv_graph(&directory, Direction::Directed).unwrap();
    assert_eq!(graph.num_nodes(), 3);
    assert_eq!(graph.num_edges(), 3);
    assert!(graph.edge_weights().is_none());
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn unknown_node_and_bad_weight_name_file_and_line() {
    let directory = folder(
        &[
            ("nodes.csv", "id\na\nb\n"),
            ("edges.csv", "source,target\na,b\nb,z\n"),
        ],
        "unknown",
    );
    let message = load_csv_graph(&directory, Direction::Undirected)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("edges.csv") && message.contains("line 3") && message.contains("\"z\""),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
    let directory = folder(&[("edges.csv", "0,1,heavy\n")], "weight");
    let message = load_csv_graph(&directory, Direction::Undirected)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("line 1") && message.contains("weight"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn written_graphs_read_back_unchanged() {
    use cinder_graph::{Direction, FeatureMatrix, Graph};
    let graph = Graph::from_coordinates(3, vec![0, 1], vec![1, 2], Direction::Undirected)
        .unwrap()
        .with_edge_weights(vec![0.5, 0.25])
        .unwrap()
        .with_node_features(
            FeatureMatrix::dense(3, 2, vec![1.0, 2.0, 3.0, 4.0, 5.5, -6.0]).unwrap(),
        )
        .unwrap()
        .with_node_labels(vec![1, 0, 1])
        .unwrap();
    let dir = std::env::temp_dir().join(format!("cinder-csv-write-{}", std::process::id()));
    let names = ["cat".to_string(), "dog".to_string()];
    let ids = [
        "a.png".to_string(),
        "b.png".to_string(),
        "c,d.png".to_string(),
    ];
    cinder_datasets::write_csv_graph(&graph, Some(&ids), Some(&names), &dir).unwrap();
    let back = cinder_datasets::load_csv_graph(&dir, Direction::Undirected).unwrap();
    assert_eq!(back.num_nodes(), 3);
    assert_eq!(
        back.edges().collect::<Vec<_>>(),
        graph.edges().collect::<Vec<_>>()
    );
    assert_eq!(back.edge_weights(), graph.edge_weights());
    assert_eq!(
        back.node_labels(),
        Some(&[1, 0, 1][..]),
        "class names sort as cat < dog"
    );
    match back.node_features() {
        Some(FeatureMatrix::Dense(d)) => assert_eq!(d.row(2), &[5.5, -6.0]),
        other => panic!("features {other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
