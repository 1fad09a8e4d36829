//! `cinder train link`: the JSON summary, the run directory and its report, OGB's ogbl-ddi with
//! its own split, and bad input ending in a clear error before any run directory exists.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cinder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn fails_naming(output: &Output, needles: &[&str]) {
    let message = stderr(output);
    assert!(
        matches!(output.status.code(), Some(code) if code != 0 && code != 101),
        "expected a clean error exit, got {:?}: {message}",
        output.status
    );
    assert!(!message.contains("panicked"), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "{needle:?} not in: {message}");
    }
}

fn scratch(test: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("cinder-link-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A ring of `n` nodes with chords, as a whitespace edge list with a header and SNAP-style ids.
fn edge_list(directory: &Path, n: usize) -> PathBuf {
    let mut lines = vec![
        "# a ring with chords".to_string(),
        "FromNodeId ToNodeId".into(),
    ];
    for i in 0..n {
        lines.push(format!("{} {}", 1000 + i, 1000 + (i + 1) % n));
        lines.push(format!("{} {}", 1000 + i, 1000 + (i + 3) % n));
    }
    let path = directory.join("ring.txt");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn an_edge_list_trains_with_a_report_per_seed() {
    let directory = scratch("report");
    let edges = edge_list(&directory, 60);
    let out = directory.join("runs");
    let output = cinder(&[
        "train",
        "link",
        "--data",
        text(&edges),
        "--seeds",
        "2",
        "--epochs",
        "30",
        "--json",
        "--out",
        text(&out),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["nodes"], 60);
    assert_eq!(summary["edges"], 120);
    assert_eq!(summary["runs"].as_array().unwrap().len(), 2);
    let auc = summary["mean_test_auc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&auc), "{auc}");
    assert!(summary["mean_test_ap"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["hits_k"], 20);
    assert!(summary["epoch_ms_median"].as_f64().unwrap() > 0.0);
    let run = PathBuf::from(summary["run_directory"].as_str().unwrap());
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("test ROC AUC") && html.contains("Where the model fails"));
    for chart in [
        "roc.png",
        "precision_recall.png",
        "score_distribution.png",
        "train_loss.png",
    ] {
        assert!(run.join("charts").join(chart).exists(), "{chart}");
    }
    // `cinder report` rebuilds it from the records.
    std::fs::remove_file(run.join("report.html")).unwrap();
    let output = cinder(&["report", text(&run)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(run.join("report.html").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn an_interrupted_link_run_resumes_to_the_uninterrupted_result() {
    let directory = scratch("resume");
    let edges = edge_list(&directory, 40);
    let out = directory.join("runs");
    let reference = cinder(&[
        "train",
        "link",
        "--data",
        text(&edges),
        "--seeds",
        "3",
        "--epochs",
        "20",
        "--json",
        "--out",
        text(&out),
    ]);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let reference: serde_json::Value = serde_json::from_slice(&reference.stdout).unwrap();
    let run = PathBuf::from(reference["run_directory"].as_str().unwrap());
    std::fs::remove_file(run.join("progress/run-3.json")).unwrap();
    std::fs::remove_file(run.join("checkpoints/seed-2.bpk")).unwrap();
    std::fs::remove_file(run.join("report.html")).unwrap();
    let resumed = cinder(&["train", "link", "--resume", text(&run)]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let resumed: serde_json::Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(resumed["runs"], reference["runs"]);
    assert!(run.join("checkpoints/seed-2.bpk").exists() && run.join("report.html").exists());
    // A finished run whose checkpoint is gone is refused, naming the file.
    std::fs::remove_file(run.join("checkpoints/seed-0.bpk")).unwrap();
    fails_naming(
        &cinder(&["train", "link", "--resume", text(&run)]),
        &["seed-0.bpk"],
    );
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn bad_link_input_fails_before_a_run_directory_exists() {
    let directory = scratch("bad");
    let out = directory.join("runs");
    let edges = edge_list(&directory, 30);
    let bad = directory.join("bad.tsv");
    std::fs::write(&bad, "src\tdst\n1\t2\n2\tthree\n").unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["train", "link", "--epochs", "2", "--out", text(&out)];
        args.extend_from_slice(extra);
        cinder(&args)
    };
    fails_naming(
        &run(&["--data", text(&bad)]),
        &["bad.tsv", "line 3", "\"three\""],
    );
    fails_naming(
        &run(&["--data", text(&edges), "--val", "1.5"]),
        &["--val", "[0, 1)"],
    );
    fails_naming(
        &run(&["--data", text(&edges), "--val", "0.6", "--test", "0.5"]),
        &["sum must be below 1"],
    );
    fails_naming(
        &run(&["--data", text(&edges), "--val", "40", "--test", "30"]),
        &["60 distinct undirected edges", "too few"],
    );
    fails_naming(
        &run(&[
            "--data",
            text(&edges),
            "--negatives",
            "all",
            "--decoder",
            "mlp",
        ]),
        &["--negatives", "dot decoder"],
    );
    fails_naming(&run(&["--data", text(&edges), "--lr", "nan"]), &["--lr"]);
    fails_naming(
        &run(&[
            "--data",
            text(&edges),
            "--first-seed",
            "18446744073709551615",
            "--seeds",
            "2",
        ]),
        &["--first-seed", "--seeds", "largest seed"],
    );
    fails_naming(
        &run(&["--data", text(&edges), "--model", "gin"]),
        &["unknown link encoder", "gae"],
    );
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn ogbl_ddi_trains_on_its_own_split() {
    if std::env::var_os("CINDER_DATA").is_none() {
        assert!(
            std::env::var_os("CINDER_REQUIRE_DATA").is_none(),
            "CINDER_REQUIRE_DATA is set but CINDER_DATA is not"
        );
        return;
    }
    // One epoch of a narrow model: the wiring (OGB's split as given, Hits@20, the MLP decoder on
    // a learnable embedding), not the leaderboard figure.
    let output = cinder(&[
        "train",
        "link",
        "--dataset",
        "ogbl-ddi",
        "--epochs",
        "1",
        "--embedding",
        "16",
        "--hidden",
        "16",
        "--latent",
        "16",
        "--decoder-hidden",
        "16",
        "--no-report",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["dataset"], "ogbl-ddi");
    assert_eq!(summary["nodes"], 4267);
    assert_eq!(summary["decoder"], "mlp");
    assert_eq!(summary["hits_k"], 20);
    let hits = summary["mean_test_hits"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&hits), "{hits}");
    assert!(summary["mean_test_auc"].as_f64().unwrap() > 0.5);
}
