//! TU graph-classification benchmarks: MUTAG and PROTEINS from the GIN text format against their
//! published statistics, the fixed 10-fold splits, and the official TU format giving the same graphs.

use std::io::Write;

use cinder_graph::EdgeLabel;

use cinder_datasets::{
    DatasetError, GraphDataset, load_folds, load_gin_text, load_tu, require_data,
};

#[test]
fn mutag_and_proteins_match_published_statistics() {
    for (name, graphs, nodes, classes, node_labels, class_sizes) in [
        ("MUTAG", 188, 3371, 2, 7, [63, 125]),
        ("PROTEINS", 1113, 43471, 2, 3, [663, 450]),
    ] {
        let Some(path) = require_data(&format!("tu/{name}/{name}.txt")) else {
            return;
        };
        let dataset = load_gin_text(&path).unwrap();
        assert_eq!(dataset.graphs.len(), graphs, "{name} graphs");
        assert_eq!(dataset.num_nodes(), nodes, "{name} nodes");
        assert_eq!(dataset.num_classes(), classes, "{name} classes");
        assert_eq!(
            dataset.node_label_values.len(),
            node_labels,
            "{name} node labels"
        );
        let sizes: Vec<usize> = (0..classes)
            .map(|c| {
                dataset
                    .graphs
                    .iter()
                    .filter(|g| g.graph_label() == Some(c))
                    .count()
            })
            .collect();
        assert_eq!(sizes, class_sizes, "{name} class sizes");
        assert!(
            dataset
                .graphs
                .iter()
                .all(|g| !g.is_directed() && g.node_labels().is_some())
        );
        let folds = load_folds(&path.parent().unwrap().join("10fold_idx"), graphs).unwrap();
        assert_eq!(folds.len(), 10);
        // The DGCNN splits hold out floor(N/10) graphs per fold: the test folds are disjoint but
        // leave N mod 10 graphs always in training.
        let mut tested: Vec<usize> = folds.iter().flat_map(|f| f.test.clone()).collect();
        tested.sort_unstable();
        tested.dedup();
        assert_eq!(
            tested.len(),
            graphs / 10 * 10,
            "{name}: test folds are disjoint"
        );
        for fold in &folds {
            assert!(fold.train.iter().all(|g| !fold.test.contains(g)));
            assert_eq!(fold.train.len() + fold.test.len(), graphs);
        }
    }
}

/// Writes a dataset in the official TU format.
fn write_tu(dataset: &GraphDataset, directory: &std::path::Path, name: &str) {
    let open =
        |part: &str| std::fs::File::create(directory.join(format!("{name}_{part}.txt"))).unwrap();
    let (mut a, mut indicator, mut labels, mut node_labels) = (
        open("A"),
        open("graph_indicator"),
        open("graph_labels"),
        open("node_labels"),
    );
    let mut offset = 0;
    for (g, graph) in dataset.graphs.iter().enumerate() {
        for (u, v) in graph.edges() {
            writeln!(a, "{}, {}", u + offset + 1, v + offset + 1).unwrap();
            writeln!(a, "{}, {}", v + offset + 1, u + offset + 1).unwrap();
        }
        for &label in graph.node_labels().unwrap() {
            writeln!(indicator, "{}", g + 1).unwrap();
            writeln!(node_labels, "{}", dataset.node_label_values[label]).unwrap();
        }
        writeln!(
            labels,
            "{}",
            dataset.class_values[graph.graph_label().unwrap()]
        )
        .unwrap();
        offset += graph.num_nodes();
    }
}

#[test]
fn official_tu_format_gives_the_same_graphs() {
    let Some(path) = require_data("tu/MUTAG/MUTAG.txt") else {
        return;
    };
    let text = load_gin_text(&path).unwrap();
    let directory = std::env::temp_dir().join(format!("cinder-tu-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    write_tu(&text, &directory, "MUTAG");
    let official = load_tu(&directory, "MUTAG").unwrap();
    assert_eq!(official.graphs, text.graphs);
    assert_eq!(official.class_values, text.class_values);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn malformed_files_name_file_and_line() {
    let directory = std::env::temp_dir().join(format!("cinder-tu-bad-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("BAD.txt");
    std::fs::write(&path, "1\n2 0\n1 1 1\n1 1 5\n").unwrap();
    let message = load_gin_text(&path).unwrap_err().to_string();
    assert!(
        message.contains("BAD.txt")
            && message.contains("line 4")
            && message.contains("neighbour 5"),
        "{message}"
    );
    std::fs::write(&path, "2\n1 0\n1 0\n").unwrap();
    let message = load_gin_text(&path).unwrap_err().to_string();
    assert!(message.contains("graph 1"), "{message}");
    std::fs::write(directory.join("X_graph_indicator.txt"), "1\n3\n").unwrap();
    std::fs::write(directory.join("X_graph_labels.txt"), "1\n").unwrap();
    std::fs::write(directory.join("X_A.txt"), "1, 2\n").unwrap();
    let error = load_tu(&directory, "X").unwrap_err();
    assert!(
        matches!(error, DatasetError::Format { .. }) && error.to_string().contains("line 2"),
        "{error}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

mod support;

/// Writes the official TU files of two one-edge graphs, with `graph_labels` and `edge_labels`.
fn write_two_graphs(directory: &std::path::Path, graph_labels: &str, edge_labels: &str) {
    for (part, content) in [
        ("A", "1, 2\n2, 1\n3, 4\n4, 3\n"),
        ("graph_indicator", "1\n1\n2\n2\n"),
        ("graph_labels", graph_labels),
        ("edge_labels", edge_labels),
    ] {
        std::fs::write(directory.join(format!("T_{part}.txt")), content).unwrap();
    }
}

#[test]
fn non_integer_labels_are_errors_naming_file_and_line() {
    let directory = support::temporary_directory("tu-nan");
    for (label, shown) in [("nan", "nan"), ("0.5", "0.5"), ("1e300", "1e300")] {
        write_two_graphs(&directory, &format!("1\n{label}\n"), "0\n0\n1\n1\n");
        let error = load_tu(&directory, "T").unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, DatasetError::InvalidValue { .. }),
            "{message}"
        );
        assert!(
            message.contains("T_graph_labels.txt")
                && message.contains(&format!("line 2: {shown} is not a graph label")),
            "{message}"
        );
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn edge_labels_are_categories_of_their_distinct_values() {
    let directory = support::temporary_directory("tu-edge-labels");
    write_two_graphs(&directory, "1\n-1\n", "4000000000\n4000000000\n7\n7\n");
    let dataset = load_tu(&directory, "T").unwrap();
    let categories: Vec<_> = dataset
        .graphs
        .iter()
        .map(|g| g.edge_labels().unwrap().to_vec())
        .collect();
    assert_eq!(
        categories,
        vec![vec![EdgeLabel::Category(1)], vec![EdgeLabel::Category(0)]]
    );
    assert_eq!(dataset.class_values, vec![-1, 1]);
    // One edge label short: an error, not a silent category 0.
    write_two_graphs(&directory, "1\n-1\n", "0\n0\n1\n");
    let message = load_tu(&directory, "T").unwrap_err().to_string();
    assert!(
        message.contains("T_edge_labels.txt") && message.contains("3 lines"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

/// `count` complete folds of 4 graphs in `directory` (train 0-2, test 3, rotated).
fn write_folds(directory: &std::path::Path, count: usize) {
    std::fs::create_dir_all(directory).unwrap();
    for k in 1..=count {
        let test = (k - 1) % 4;
        let train: Vec<String> = (0..4)
            .filter(|&g| g != test)
            .map(|g| g.to_string())
            .collect();
        std::fs::write(
            directory.join(format!("train_idx-{k}.txt")),
            train.join("\n"),
        )
        .unwrap();
        std::fs::write(
            directory.join(format!("test_idx-{k}.txt")),
            test.to_string(),
        )
        .unwrap();
    }
}

#[test]
fn a_missing_fold_file_is_an_error_naming_it() {
    let root = support::temporary_directory("tu-folds");
    let ten = root.join("10fold_idx");
    write_folds(&ten, 10);
    assert_eq!(load_folds(&ten, 4).unwrap().len(), 10);
    // Fold 10 gone entirely: the folder's name still says 10.
    std::fs::remove_file(ten.join("train_idx-10.txt")).unwrap();
    std::fs::remove_file(ten.join("test_idx-10.txt")).unwrap();
    let error = load_folds(&ten, 4).unwrap_err();
    assert!(
        matches!(&error, DatasetError::IncompleteFolds { missing, complete: 9, expected: 10, .. }
            if missing.ends_with("train_idx-10.txt")),
        "{error}"
    );
    // Only the train file of a middle fold gone, in a folder whose name gives no count.
    let plain = root.join("folds");
    write_folds(&plain, 5);
    std::fs::remove_file(plain.join("train_idx-3.txt")).unwrap();
    let message = load_folds(&plain, 4).unwrap_err().to_string();
    assert!(
        message.contains("train_idx-3.txt is missing") && message.contains("4 of 5 folds"),
        "{message}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
