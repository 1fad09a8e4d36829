//! `cinder data info` on every registered name and on paths of each format, checking the
//! published statistics; bad input exits non-zero naming the file.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn info(target: &str, extra: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["data", "info", target, "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{target}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn repository(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
        .display()
        .to_string()
}

fn data_available(relative: &str) -> bool {
    cinder_datasets::require_data(relative).is_some()
}

#[test]
fn embedded_datasets_and_meshes() {
    let karate = info("karate", &[]);
    assert_eq!(
        (karate["num_nodes"].as_u64(), karate["num_edges"].as_u64()),
        (Some(34), Some(78))
    );
    assert_eq!(karate["num_classes"], 2);
    let solubility = info("solubility", &[]);
    assert_eq!(solubility["num_graphs"], 1025);
    assert_eq!(solubility["num_classes"], 3);
    assert_eq!(solubility["has_edge_types"], true);
    assert_eq!(
        solubility["class_counts"],
        serde_json::json!([417, 402, 206])
    );
    let test_set = info(&repository("datasets/solubility/solubility.test.sdf"), &[]);
    assert_eq!(test_set["num_graphs"], 257);
    let wuson = info(&repository("datasets/meshes/Wuson.off"), &[]);
    assert_eq!(
        (wuson["num_nodes"].as_u64(), wuson["num_features"].as_u64()),
        (Some(3205), Some(3))
    );
    let cube = info(
        &repository("datasets/meshes/cube_binary.ply"),
        &["--format", "ply"],
    );
    assert_eq!(cube["num_edges"], 18);
}

#[test]
fn registered_shared_datasets_have_their_published_statistics() {
    if !data_available("planetoid/ind.cora.x") {
        return;
    }
    let cora = info("cora", &[]);
    assert_eq!(
        (
            cora["num_nodes"].as_u64(),
            cora["num_edges"].as_u64(),
            cora["num_features"].as_u64()
        ),
        (Some(2708), Some(5278), Some(1433))
    );
    assert_eq!(cora["num_classes"], 7);
    assert_eq!(cora["split"], serde_json::json!([140, 500, 1000]));
    let mutag = info("MUTAG", &[]);
    assert_eq!(
        (mutag["num_graphs"].as_u64(), mutag["num_nodes"].as_u64()),
        (Some(188), Some(3371))
    );
    assert_eq!(mutag["class_counts"], serde_json::json!([63, 125]));
    assert_eq!(mutag["fixed_folds"], 10);
    let proteins = info("PROTEINS", &[]);
    assert_eq!(
        (
            proteins["num_graphs"].as_u64(),
            proteins["num_nodes"].as_u64()
        ),
        (Some(1113), Some(43471))
    );
    let twitch = info("twitch-en", &[]);
    assert_eq!(
        (twitch["num_nodes"].as_u64(), twitch["num_edges"].as_u64()),
        (Some(7126), Some(35324))
    );
    // The same data by path, with the format detected.
    let root = std::env::var("CINDER_DATA").unwrap();
    let by_path = info(&format!("{root}/tu/MUTAG"), &[]);
    assert_eq!(by_path["num_graphs"], 188);
    let images = info(&format!("{root}/images/imagenet-samples"), &[]);
    assert_eq!(images["num_images"], 8);
}

#[test]
fn bad_input_exits_non_zero_naming_the_file() {
    let directory = std::env::temp_dir().join(format!("cinder-info-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("broken.off");
    std::fs::write(&file, "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 9\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["data", "info"])
        .arg(&file)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.off") && stderr.contains("line 6"),
        "{stderr}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["data", "info", "no-such-dataset"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    std::fs::remove_dir_all(&directory).unwrap();
}
