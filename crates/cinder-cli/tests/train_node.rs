//! `cinder train node` on the embedded karate club: JSON result and the run directory's report.

use std::process::Command;

#[test]
fn karate_runs_write_a_report_per_seed_run() {
    let out = std::env::temp_dir().join(format!("cinder-node-runs-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args([
            "train",
            "node",
            "--dataset",
            "karate",
            "--epochs",
            "30",
            "--patience",
            "0",
            "--dropout",
            "0",
            "--seeds",
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
    assert_eq!(
        summary["per_seed_test_accuracy"].as_array().unwrap().len(),
        2
    );
    let run = std::path::PathBuf::from(summary["run_directory"].as_str().unwrap());
    for seed in [0, 1] {
        assert!(
            run.join(format!("checkpoints/seed-{seed}.bpk")).exists(),
            "checkpoint of seed {seed}"
        );
    }
    let metrics = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 1 + 2 * 30);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(
        html.contains("Per run") && html.contains("gcn on karate"),
        "report sections"
    );
    assert_eq!(html.matches("data:image/png;base64,").count(), 4);
    std::fs::remove_dir_all(&out).unwrap();
}
