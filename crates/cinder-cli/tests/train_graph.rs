//! `cinder train graph` as a user runs it: the embedded molecule set end to end, JSON output, and
//! the error for an unknown dataset.

use std::process::Command;

fn cinder() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cinder"))
}

#[test]
fn relational_gcn_cross_validates_the_embedded_molecules_and_reports() {
    let runs = std::env::temp_dir().join(format!("cinder-runs-{}", std::process::id()));
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
            "--out",
        ])
        .arg(&runs)
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

    // The run directory: config, metrics (2 folds x 2 epochs), charts and the report.
    let run = std::path::PathBuf::from(summary["run_directory"].as_str().unwrap());
    assert!(run.starts_with(&runs));
    let metrics = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 1 + 2 * 2);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["test_confusion"].as_array().unwrap().len(), 3);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("rgcn on solubility") && html.contains("data:image/png;base64,"));
    for chart in [
        "train_loss",
        "validation_accuracy",
        "test_accuracy_per_fold",
        "confusion",
    ] {
        assert!(run.join(format!("charts/{chart}.png")).exists(), "{chart}");
    }
    // `cinder report` rebuilds the page from the files.
    std::fs::remove_file(run.join("report.html")).unwrap();
    let rebuilt = cinder().arg("report").arg(&run).output().unwrap();
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(run.join("report.html").exists());
    // A damaged metrics file is named in the error.
    std::fs::write(run.join("metrics.csv"), "fold,epoch\n1,1,x,0,0,0,0\n").unwrap();
    let broken = cinder()
        .arg("report")
        .arg(&run)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("metrics.csv"));
    std::fs::remove_dir_all(&runs).unwrap();
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

#[test]
fn flags_come_from_a_config_file_and_the_command_line_wins() {
    let dir = std::env::temp_dir().join(format!("cinder-config-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("run.toml");
    std::fs::write(
        &config,
        "dataset = \"solubility\"\nmodel = \"rgcn\"\nfolds = 2\nepochs = 9\nno_report = true\njson = true\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["train", "graph", "--config"])
        .arg(&config)
        .args(["--epochs", "2"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["dataset"], "solubility");
    assert_eq!(
        summary["per_fold_test_accuracy"].as_array().unwrap().len(),
        2
    );
    assert!(
        summary["protocol"]
            .as_str()
            .unwrap()
            .contains("2 epochs of Adam at most"),
        "{}",
        summary["protocol"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_result() {
    let out = std::env::temp_dir().join(format!("cinder-resume-{}", std::process::id()));
    let flags = [
        "train",
        "graph",
        "--dataset",
        "solubility",
        "--model",
        "rgcn",
        "--folds",
        "3",
        "--epochs",
        "15",
        "--json",
        "--out",
    ];
    // The uninterrupted reference.
    let reference = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(flags)
        .arg(out.join("reference"))
        .output()
        .unwrap();
    assert!(
        reference.status.success(),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let reference: serde_json::Value = serde_json::from_slice(&reference.stdout).unwrap();

    // The same run, killed once its first fold is saved.
    let killed_root = out.join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(flags)
        .arg(&killed_root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let run = loop {
        let run = std::fs::read_dir(&killed_root)
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(|entry| entry.ok())
            .map(|entry| entry.path());
        if let Some(run) = run.filter(|r| r.join("progress/fold-1.json").exists()) {
            break run;
        }
        assert!(started.elapsed().as_secs() < 120, "fold 1 never finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !run.join("report.html").exists(),
        "the run was killed before its report"
    );
    assert!(
        !run.join("progress/fold-3.json").exists(),
        "killed too late to test resuming"
    );

    let resumed = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["train", "graph", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let resumed: serde_json::Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(
        resumed["per_fold_test_accuracy"],
        reference["per_fold_test_accuracy"]
    );
    assert_eq!(
        resumed["run_directory"].as_str().unwrap(),
        run.to_str().unwrap()
    );
    for fold in 1..=3 {
        assert!(
            run.join(format!("checkpoints/fold-{fold}.bpk")).exists(),
            "checkpoint of fold {fold}"
        );
    }
    assert!(run.join("report.html").exists());
    std::fs::remove_dir_all(&out).unwrap();
}

/// A social-network-like set in the GIN text format whose node labels are all 0 (as IMDB-BINARY):
/// `--features auto` must not feed the model that constant column but one-hot degrees, say so,
/// and record it in the run directory; the structure then separates the classes.
#[test]
fn auto_features_fall_back_to_degrees_when_every_node_label_is_the_same() {
    let root = std::env::temp_dir().join(format!("cinder-constant-labels-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let mut text = String::from("40\n");
    for g in 0..40 {
        // Class 0: paths; class 1: complete graphs; 5 to 9 nodes.
        let (n, label): (usize, usize) = (5 + g % 5, g % 2);
        text.push_str(&format!("{n} {label}\n"));
        for i in 0..n {
            let neighbours: Vec<usize> = if label == 0 {
                [i.wrapping_sub(1), i + 1]
                    .into_iter()
                    .filter(|&j| j < n)
                    .collect()
            } else {
                (0..n).filter(|&j| j != i).collect()
            };
            let listed: Vec<String> = neighbours.iter().map(usize::to_string).collect();
            text.push_str(&format!("0 {} {}\n", neighbours.len(), listed.join(" ")));
        }
    }
    let data = root.join("CONSTANT.txt");
    std::fs::write(&data, text).unwrap();
    let output = cinder()
        .args([
            "train", "graph", "--format", "gin-txt", "--folds", "4", "--epochs", "30", "--json",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(root.join("runs"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let choice = summary["feature_choice"].as_str().unwrap();
    assert!(choice.starts_with("one-hot degree"), "{choice}");
    assert!(choice.contains("same label"), "{choice}");
    assert!(
        summary["feature_source"]
            .as_str()
            .unwrap()
            .starts_with("Degree")
    );
    assert!(
        summary["mean_test_accuracy"].as_f64().unwrap() > 0.9,
        "{summary}"
    );
    let run = std::path::PathBuf::from(summary["run_directory"].as_str().unwrap());
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains("one-hot degree"), "{config}");
    // One fold at a time gives the same numbers as the default (one fold per thread); without
    // --format the GIN text format is detected from the extension.
    let sequential = cinder()
        .args(["train", "graph", "--folds", "4", "--epochs", "30"])
        .args(["--json", "--no-report", "--parallel-folds", "1", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let sequential: serde_json::Value = serde_json::from_slice(&sequential.stdout).unwrap();
    assert_eq!(
        sequential["per_fold_test_accuracy"],
        summary["per_fold_test_accuracy"]
    );
    let refused = cinder()
        .args([
            "train",
            "graph",
            "--format",
            "gin-txt",
            "--parallel-folds",
            "0",
            "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--parallel-folds must be at least 1")
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// With `--protocol errica` the run directory records every fold's candidates and selection in
/// `config.json`, and the report shows them in a "Model selection" table.
#[test]
fn model_selection_is_recorded_in_the_run_directory_and_report() {
    let out = std::env::temp_dir().join(format!("cinder-errica-{}", std::process::id()));
    let output = cinder()
        .args([
            "train",
            "graph",
            "--dataset",
            "solubility",
            "--protocol",
            "errica",
            "--grid-hidden",
            "8,16",
            "--folds",
            "2",
            "--epochs",
            "2",
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
    let run = std::path::PathBuf::from(summary["run_directory"].as_str().unwrap());
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    let selections = config["model_selection"].as_array().unwrap();
    assert_eq!(selections.len(), 2);
    for selection in selections {
        let candidates = selection["candidates"].as_array().unwrap();
        assert_eq!(candidates.len(), 2, "{selection}");
        let selected = selection["selected"].as_str().unwrap();
        assert!(
            candidates.iter().any(|c| c["description"] == selected),
            "{selection}"
        );
        for candidate in candidates {
            assert!(candidate["validation_accuracy"].as_f64().is_some());
            assert!(candidate["best_epoch"].as_u64().unwrap() >= 1);
        }
    }
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("Model selection"));
    std::fs::remove_dir_all(&out).unwrap();
}
