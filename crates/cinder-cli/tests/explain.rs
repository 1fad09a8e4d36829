//! `cinder explain node|graph`: GNNExplainer from the command line on BA-Shapes (ground truth)
//! and MUTAG (nitro groups), with the report and its drawings; bad flags are refused.

use std::process::Command;

fn cinder(arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(arguments)
        .output()
        .unwrap()
}

/// Runs a command that must succeed and returns its standard output.
fn succeeds(command: &mut Command) -> Vec<u8> {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The one run directory a command wrote under `root`.
fn only_run(root: &std::path::Path) -> std::path::PathBuf {
    let runs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs.into_iter().next().unwrap()
}

/// A command that must fail with a message (not a panic) containing `expected`.
fn fails_with(arguments: &[&str], expected: &str) {
    let output = cinder(arguments);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{arguments:?} succeeded");
    assert_ne!(
        output.status.code(),
        Some(101),
        "{arguments:?} panicked: {stderr}"
    );
    assert!(stderr.contains(expected), "{arguments:?}: {stderr}");
}

#[test]
fn explain_node_on_ba_shapes_prints_the_house_and_writes_a_report() {
    let out = std::env::temp_dir().join(format!("cinder-explain-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args([
            "explain",
            "node",
            "--dataset",
            "ba-shapes",
            "--node",
            "402",
            "--json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        summary["model_accuracy"]["train"].as_f64().unwrap() >= 0.95,
        "{summary}"
    );
    let explanation = &summary["explanation"];
    assert_eq!(explanation["node"], 402);
    // Node 402 is a house middle node (class 2): its top edges lie in its own house (400–404).
    let top = explanation["top_edges"].as_array().unwrap();
    assert_eq!(top.len(), 6);
    let in_house = |v: &serde_json::Value| (400..405).contains(&v.as_u64().unwrap());
    let house_edges = top
        .iter()
        .filter(|e| in_house(&e["source"]) && in_house(&e["target"]))
        .count();
    assert!(house_edges >= 4, "top edges {top:?}");
    assert!(
        summary["per_node_auc"][0]["auc"].as_f64().unwrap() > 0.8,
        "{summary}"
    );
    let report = std::path::PathBuf::from(summary["report"].as_str().unwrap());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("data:image/png;base64"),
        "the drawing is embedded"
    );
    assert!(report.with_file_name("explanation-node-402.png").exists());

    // The run's model comes back from its checkpoint: same accuracy, same explanation.
    let run = report.parent().unwrap();
    assert!(run.join("checkpoints/model-gcn-jk.bpk").exists());
    let stdout = succeeds(
        Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(["explain", "node", "--dataset", "ba-shapes", "--node", "402"])
            .args(["--json", "--no-report", "--checkpoint"])
            .arg(run),
    );
    let loaded: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(loaded["model_accuracy"], summary["model_accuracy"]);
    assert_eq!(loaded["model"]["training"], summary["model"]["training"]);
    assert_eq!(loaded["explanation"]["top_edges"], explanation["top_edges"]);
    assert_eq!(loaded["checkpoint"], run.display().to_string());

    // A graph with other features or classes cannot take this model: a typed error naming the
    // checkpoint, not a panic.
    fails_with(
        &[
            "explain",
            "node",
            "--dataset",
            "karate",
            "--node",
            "0",
            "--no-report",
            "--checkpoint",
            run.to_str().unwrap(),
        ],
        "model-gcn-jk.bpk",
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn explain_graph_on_mutag_puts_the_mask_on_nitro_groups() {
    if cinder_datasets::require_data("tu/MUTAG/MUTAG.txt").is_none() {
        return;
    }
    let output = cinder(&[
        "explain",
        "graph",
        "--dataset",
        "MUTAG",
        "--all",
        "--json",
        "--no-report",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let nitro = &summary["nitro"];
    assert!(nitro["graphs"].as_u64().unwrap() >= 5, "{nitro}");
    let mask_share = nitro["mask_share"].as_f64().unwrap();
    let edge_share = nitro["edge_share"].as_f64().unwrap();
    assert!(
        mask_share > 1.2 * edge_share,
        "N–O bonds: {mask_share} of the mask mass vs {edge_share} of the edges"
    );
    assert!(summary["fidelity_plus"].as_f64().is_some());
}

#[test]
fn explain_graph_loads_the_model_of_a_training_run() {
    if cinder_datasets::require_data("tu/MUTAG/MUTAG.txt").is_none() {
        return;
    }
    let out = std::env::temp_dir().join(format!("cinder-explain-train-{}", std::process::id()));
    succeeds(
        Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(["train", "graph", "--dataset", "MUTAG", "--model", "gin"])
            .args(["--folds", "2", "--epochs", "3", "--out"])
            .arg(&out),
    );
    let run = only_run(&out);
    let stdout = succeeds(
        Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(["explain", "graph", "--dataset", "MUTAG", "--graph", "3"])
            .args(["--json", "--no-report", "--checkpoint"])
            .arg(&run),
    );
    let summary: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(summary["model"]["name"], "gin");
    assert_eq!(summary["checkpoint"], run.display().to_string());
    assert!(summary["model_accuracy"]["test"].is_null(), "{summary}");
    let top = summary["graphs"][0]["top_edges"].as_array().unwrap();
    assert_eq!(top.len(), 6);

    // A node explanation cannot use a graph classifier's run.
    fails_with(
        &[
            "explain",
            "node",
            "--dataset",
            "ba-shapes",
            "--node",
            "400",
            "--checkpoint",
            run.to_str().unwrap(),
        ],
        "is a \"graph-classification\" run",
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_explain_flags_are_refused_by_name() {
    for (arguments, expected) in [
        (
            vec![
                "explain",
                "node",
                "--dataset",
                "ba-shapes",
                "--node",
                "9999",
                "--no-report",
            ],
            "node 9999 is not a node of ba-shapes",
        ),
        (
            vec![
                "explain",
                "node",
                "--dataset",
                "karate",
                "--node",
                "0",
                "--explainer-lr",
                "-1",
            ],
            "--explainer-lr",
        ),
        (
            vec![
                "explain",
                "graph",
                "--dataset",
                "solubility",
                "--graph",
                "0",
                "--model",
                "rgcn",
            ],
            "--model rgcn",
        ),
        (
            vec![
                "explain",
                "node",
                "--dataset",
                "ba-shapes",
                "--node",
                "1",
                "--top-k",
                "0",
            ],
            "--top-k",
        ),
        (
            vec![
                "explain",
                "node",
                "--dataset",
                "ba-shapes",
                "--node",
                "1",
                "--edge-entropy",
                "-0.5",
            ],
            "--edge-entropy",
        ),
    ] {
        fails_with(&arguments, expected);
    }
}

/// The models `cinder train node` saves are explained from their run directory: GCN on its GCN
/// operator, GAT through its attention edges, SGC without its cache.
#[test]
fn explain_node_loads_the_model_of_a_training_run() {
    let out = std::env::temp_dir().join(format!("cinder-explain-node-{}", std::process::id()));
    for model in ["gcn", "gat", "sgc"] {
        let root = out.join(model);
        succeeds(
            Command::new(env!("CARGO_BIN_EXE_cinder"))
                .args(["train", "node", "--dataset", "karate", "--model", model])
                .args(["--seeds", "1", "--epochs", "40", "--out"])
                .arg(&root),
        );
        let run = only_run(&root);
        let stdout = succeeds(
            Command::new(env!("CARGO_BIN_EXE_cinder"))
                .args(["explain", "node", "--dataset", "karate", "--node", "0"])
                .args(["--json", "--out"])
                .arg(&out)
                .arg("--checkpoint")
                .arg(&run),
        );
        let summary: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
        assert_eq!(summary["model"]["kind"], model, "{summary}");
        let accuracy = summary["model_accuracy"]["all_nodes"].as_f64().unwrap();
        assert!(accuracy > 0.5, "{model}: {accuracy}");
        let explanation = &summary["explanation"];
        assert_eq!(explanation["top_edges"].as_array().unwrap().len(), 6);
        // Node 0's 16 edges are all in its computation subgraph, and masks moved off 0.5.
        let edges = explanation["edges"].as_array().unwrap();
        let at_0 = edges
            .iter()
            .filter(|e| e["source"] == 0 || e["target"] == 0)
            .count();
        assert_eq!(at_0, 16, "{model}");
        let masks: Vec<f64> = edges.iter().map(|e| e["mask"].as_f64().unwrap()).collect();
        let spread = masks.iter().cloned().fold(f64::MIN, f64::max)
            - masks.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 0.3, "{model}: masks {masks:?}");
        let report = std::path::PathBuf::from(summary["report"].as_str().unwrap());
        assert!(report.exists());
        if model == "sgc" {
            // A run written before the configuration was nested (flat hyperparameters, `k`
            // left to the model) loads to the same model.
            let path = run.join("config.json");
            let mut config: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let nested = config["hyperparameters"].clone();
            let mut flat = nested["model"].clone();
            flat["model"] = nested["model"]["kind"].clone();
            for key in ["epochs", "patience", "row_normalize", "seed", "sampling"] {
                flat[key] = nested[key].clone();
            }
            for key in ["learning_rate", "weight_decay"] {
                flat[key] = nested["optimizer"][key].clone();
            }
            flat.as_object_mut().unwrap().remove("kind");
            config["hyperparameters"] = flat;
            std::fs::write(&path, config.to_string()).unwrap();
            let stdout = succeeds(
                Command::new(env!("CARGO_BIN_EXE_cinder"))
                    .args(["explain", "node", "--dataset", "karate", "--node", "0"])
                    .args(["--json", "--no-report", "--checkpoint"])
                    .arg(&run),
            );
            let legacy: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
            assert_eq!(legacy["model_accuracy"], summary["model_accuracy"]);
            assert_eq!(legacy["model"]["hyperparameters"], nested);
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
