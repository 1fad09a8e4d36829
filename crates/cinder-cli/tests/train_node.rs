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

/// `--device` is parsed in one place for every command: a backend this build lacks exits with an
/// error naming the cargo feature (not a panic), a malformed name is a usage error, and `flex`
/// (also given after the subcommand) trains as the default does.
#[test]
fn devices_are_chosen_by_flag_with_clear_errors() {
    let cinder = |arguments: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(arguments)
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap()
    };
    let train = [
        "train",
        "node",
        "--dataset",
        "karate",
        "--epochs",
        "5",
        "--no-report",
    ];
    let with = |device: &str| {
        let mut all: Vec<&str> = train.to_vec();
        all.extend(["--device", device, "--json"]);
        cinder(&all)
    };
    #[cfg(not(feature = "wgpu"))]
    {
        let output = with("wgpu");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("--features wgpu"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    #[cfg(not(feature = "cuda"))]
    {
        let output = cinder(&["--device", "cuda:1", "image", "classify", "--help"]);
        assert!(output.status.success(), "help needs no device");
        let output = cinder(&["--device", "cuda:1", "demo", "--epochs", "1"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--features cuda"), "{stderr}");
    }
    let output = with("gpu");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("flex, wgpu, wgpu:N or cuda:N"), "{stderr}");
    let flex = with("flex");
    let default = cinder(&[&train[..], &["--json"]].concat());
    assert!(flex.status.success());
    let accuracy = |output: &std::process::Output| {
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value["per_seed_test_accuracy"].clone()
    };
    assert_eq!(accuracy(&flex), accuracy(&default));
}

/// A run whose last seed never finished (its progress record and checkpoint absent, as after a
/// kill) resumes with `--resume RUN_DIR`: finished runs are kept, the missing one is trained from
/// its own seed, and the result equals the uninterrupted run's.
#[test]
fn an_interrupted_node_run_resumes_to_the_uninterrupted_result() {
    let out = std::env::temp_dir().join(format!("cinder-node-resume-{}", std::process::id()));
    let cinder = |arguments: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(arguments)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let out_text = out.to_str().unwrap();
    let reference = cinder(&[
        "train",
        "node",
        "--dataset",
        "karate",
        "--model",
        "gat",
        "--epochs",
        "20",
        "--seeds",
        "3",
        "--json",
        "--out",
        out_text,
    ]);
    let run = std::path::PathBuf::from(reference["run_directory"].as_str().unwrap());
    std::fs::remove_file(run.join("progress/run-3.json")).unwrap();
    std::fs::remove_file(run.join("checkpoints/seed-2.bpk")).unwrap();
    std::fs::remove_file(run.join("report.html")).unwrap();
    let resumed = cinder(&["train", "node", "--resume", run.to_str().unwrap()]);
    assert_eq!(
        resumed["per_seed_test_accuracy"],
        reference["per_seed_test_accuracy"]
    );
    assert_eq!(resumed["run_directory"], reference["run_directory"]);
    assert!(run.join("checkpoints/seed-2.bpk").exists());
    assert!(run.join("report.html").exists());
    // A run whose finished seed lost its checkpoint is refused, naming the file.
    std::fs::remove_file(run.join("checkpoints/seed-0.bpk")).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["train", "node", "--resume", run.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("seed-0.bpk"), "{stderr}");
    // Extra flags with --resume are refused rather than ignored.
    let refused = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args([
            "train",
            "node",
            "--resume",
            run.to_str().unwrap(),
            "--seeds",
            "5",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--seeds"));
    std::fs::remove_dir_all(&out).unwrap();
}

/// `--fanout` trains on sampled mini-batches through the same run directory and report, and
/// adds the sampling fields to the JSON; unsupported combinations are refused by name.
#[test]
fn sampled_mini_batch_training_from_the_command_line() {
    let out = std::env::temp_dir().join(format!("cinder-node-sampled-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args([
            "train",
            "node",
            "--dataset",
            "karate",
            "--model",
            "sage",
            "--fanout",
            "5,-1",
            "--batch-size",
            "1",
            "--epochs",
            "20",
            "--patience",
            "0",
            "--dropout",
            "0",
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
    assert_eq!(summary["fanouts"], serde_json::json!([5, -1]));
    assert_eq!(summary["batch_size"], 1);
    // Karate's split trains on the two leaders: two batches of one seed.
    assert_eq!(summary["batches_per_epoch"], 2);
    for field in [
        "epoch_ms_median",
        "sample_ms_median",
        "inference_ms",
        "peak_rss_mb",
    ] {
        assert!(
            summary[field].as_f64().is_some_and(f64::is_finite),
            "{field}: {summary}"
        );
    }
    assert!(
        summary["mean_test_accuracy"].as_f64().unwrap() > 0.6,
        "{summary}"
    );
    let run = std::path::PathBuf::from(summary["run_directory"].as_str().unwrap());
    assert!(run.join("report.html").exists() && run.join("metrics.csv").exists());
    std::fs::remove_dir_all(&out).unwrap();

    let refused = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(["train", "node", "--dataset", "karate", "--no-report"])
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let error = refused(&["--model", "gat", "--fanout", "5,5"]);
    assert!(error.contains("supports sage and gcn"), "{error}");
    let error = refused(&["--model", "sage", "--fanout", "5,0"]);
    assert!(error.contains("fan-out"), "{error}");
    let error = refused(&["--batch-size", "8"]);
    assert!(error.contains("--fanout"), "{error}");
}
