//! `cinder train graph` as a user runs it: the embedded molecule set end to end, JSON output, and
//! the error for an unknown dataset.

use std::process::Command;

fn cinder() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cinder"))
}

#[test]
fn relational_gcn_cross_validates_the_embedded_molecules() {
    let output = cinder()
        .args([
            "train",
            "graph",
            "--dataset",
            "solubility",
            "--model",
            "rgcn",
            "--folds",
            "2",
            "--epochs",
            "2",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["dataset"], "solubility");
    assert_eq!(summary["model"], "rgcn");
    assert_eq!(summary["readout"], "mean");
    assert_eq!(summary["folds"], 2);
    assert_eq!(summary["graphs"], 1025);
    assert_eq!(summary["classes"].as_array().unwrap().len(), 3);
    let accuracies = summary["per_fold_test_accuracy"].as_array().unwrap();
    assert_eq!(accuracies.len(), 2);
    let mean = accuracies.iter().map(|a| a.as_f64().unwrap()).sum::<f64>() / 2.0;
    let reported = summary["mean_test_accuracy"].as_f64().unwrap();
    assert!((mean - reported).abs() < 1e-12);
    assert!(summary["std_test_accuracy"].as_f64().unwrap() >= 0.0);
    assert!(summary["epoch_ms_median"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["config"]["relations"], 4);
    assert!(summary["protocol"].as_str().unwrap().contains("2-fold"));
}

#[test]
fn unknown_dataset_names_the_registered_ones() {
    let output = cinder()
        .args(["train", "graph", "--dataset", "NOPE"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("NOPE") && stderr.contains("MUTAG") && stderr.contains("solubility"),
        "{stderr}"
    );
}
