//! The registry owns names: every name `cinder data list` shows trains with its command, datasets
//! dropped into `$CINDER_DATA` in the registry's layout are found by name, and `--format` is
//! detected when omitted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn cinder(data: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(arguments)
        .env("CINDER_DATA", data)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A `$CINDER_DATA` holding `tu/TOYRINGS/TOYRINGS.txt` (GIN text: 24 graphs, rings of 4–6 nodes
/// against paths, labels 1 / -1) and `social/toy-social/` (a MUSAE graph), nothing registered.
fn drop_in_data() -> PathBuf {
    let root = std::env::temp_dir().join(format!("cinder-registry-{}", std::process::id()));
    let tu = root.join("tu/TOYRINGS");
    std::fs::create_dir_all(&tu).unwrap();
    let mut text = String::from("24\n");
    for graph in 0..24 {
        let nodes = 4 + graph % 3;
        let ring = graph % 2 == 0;
        text.push_str(&format!("{nodes} {}\n", if ring { 1 } else { -1 }));
        for node in 0..nodes {
            let mut neighbours = Vec::new();
            if node > 0 {
                neighbours.push(node - 1);
            }
            if node + 1 < nodes {
                neighbours.push(node + 1);
            }
            if ring && (node == 0 || node + 1 == nodes) {
                neighbours.push(if node == 0 { nodes - 1 } else { 0 });
            }
            let listed: Vec<String> = neighbours.iter().map(usize::to_string).collect();
            text.push_str(&format!(
                "{} {} {}\n",
                node % 2,
                neighbours.len(),
                listed.join(" ")
            ));
        }
    }
    std::fs::write(tu.join("TOYRINGS.txt"), text).unwrap();
    let social = root.join("social/toy-social");
    std::fs::create_dir_all(&social).unwrap();
    let nodes = 40;
    let mut edges = String::from("from,to\n");
    let mut targets = String::from("id,days,mature,views,partner,new_id\n");
    let mut features = Vec::new();
    for node in 0..nodes {
        edges.push_str(&format!("{node},{}\n", (node + 2) % nodes));
        let mature = node % 2 == 0;
        targets.push_str(&format!(
            "{},1,{},10,False,{node}\n",
            1000 + node,
            if mature { "True" } else { "False" }
        ));
        features.push(format!("\"{node}\": [{}, {}]", node % 2, 2 + node % 3));
    }
    std::fs::write(social.join("TOY_edges.csv"), edges).unwrap();
    std::fs::write(social.join("TOY_target.csv"), targets).unwrap();
    std::fs::write(
        social.join("TOY.json"),
        format!("{{{}}}", features.join(", ")),
    )
    .unwrap();
    root
}

#[test]
fn datasets_dropped_into_cinder_data_are_found_by_name() {
    let data = drop_in_data();
    let list = cinder(&data, &["data", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("TOYRINGS"), "{listed}");
    assert!(listed.contains("toy-social"), "{listed}");

    let info = json(&cinder(&data, &["data", "info", "toyrings", "--json"]));
    assert_eq!(info["num_graphs"], 24, "{info}");
    let trained = json(&cinder(
        &data,
        &[
            "train",
            "graph",
            "--dataset",
            "TOYRINGS",
            "--folds",
            "2",
            "--epochs",
            "3",
            "--no-report",
            "--json",
        ],
    ));
    assert_eq!(trained["graphs"], 24);
    assert_eq!(trained["dataset"], "TOYRINGS");
    // The folder `data info` reads trains too, with or without --format.
    let folder = data.join("tu/TOYRINGS");
    let folder = folder.to_str().unwrap();
    for format in [&[][..], &["--format", "gin-txt"][..]] {
        let mut arguments = vec![
            "train",
            "graph",
            "--data",
            folder,
            "--folds",
            "2",
            "--epochs",
            "3",
            "--no-report",
            "--json",
        ];
        arguments.extend_from_slice(format);
        assert_eq!(json(&cinder(&data, &arguments))["graphs"], 24, "{format:?}");
    }

    let nodes = json(&cinder(
        &data,
        &[
            "train",
            "node",
            "--dataset",
            "toy-social",
            "--epochs",
            "5",
            "--patience",
            "0",
            "--no-report",
            "--json",
        ],
    ));
    assert_eq!(nodes["nodes"], 40);
    // The registry's random split: 60/20/20 per class of 20 + 20 nodes.
    let folder = data.join("social/toy-social");
    let nodes_by_path = json(&cinder(
        &data,
        &[
            "train",
            "node",
            "--data",
            folder.to_str().unwrap(),
            "--epochs",
            "5",
            "--patience",
            "0",
            "--no-report",
            "--json",
        ],
    ));
    assert_eq!(
        nodes_by_path["per_seed_test_accuracy"],
        nodes["per_seed_test_accuracy"]
    );
    // A name of the wrong task says so.
    let wrong = cinder(
        &data,
        &["train", "node", "--dataset", "TOYRINGS", "--no-report"],
    );
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("node-classification"), "{stderr}");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn every_registered_node_dataset_trains_with_train_node() {
    let Some(data) = cinder_datasets::require_data("social/twitch-en/ENGB_edges.csv") else {
        return;
    };
    let data = data.ancestors().nth(3).unwrap().to_path_buf();
    let list = cinder(&data, &["data", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    for name in ["karate", "twitch-en", "ba-shapes", "tree-cycles", "cora"] {
        assert!(listed.contains(name), "{listed}");
        let summary = json(&cinder(
            &data,
            &[
                "train",
                "node",
                "--dataset",
                name,
                "--epochs",
                "3",
                "--patience",
                "0",
                "--no-report",
                "--json",
            ],
        ));
        assert!(summary["nodes"].as_u64().unwrap() > 30, "{name}: {summary}");
        let accuracy = summary["mean_test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&accuracy), "{name}: {summary}");
    }
}
