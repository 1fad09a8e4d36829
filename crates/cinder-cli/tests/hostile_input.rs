//! Hostile and real-world input (issue 20): crafted files and odd flags end in a clean, non-zero
//! exit whose message names the file, field or flag — never a panic, an out-of-memory kill, a
//! partial output or a silently wrong number.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn cinder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

/// `cinder` under a 2 GiB address-space limit: a size taken on trust from a file would abort.
fn cinder_with_2_gib(args: &[&str]) -> Output {
    Command::new("prlimit")
        .arg("--as=2147483648")
        .arg(env!("CARGO_BIN_EXE_cinder"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts an ordinary error exit (no panic, no signal) whose message holds every `needle`.
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

fn succeeds(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null)
}

/// A fresh scratch folder for one test, removed when the test passes (kept for inspection when
/// it fails).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn scratch(test: &str) -> Scratch {
    let directory =
        std::env::temp_dir().join(format!("cinder-hostile-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    Scratch(directory)
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A path graph of `labels.len()` nodes as a CSV graph directory (`train node --data`).
fn graph_directory(root: &Path, labels: &[i64], split: &[i64]) -> PathBuf {
    let directory = root.join("graph");
    std::fs::create_dir_all(&directory).unwrap();
    let nodes = labels.len();
    let edges: String = (1..nodes)
        .map(|i| format!("{},{i}\n{i},{}\n", i - 1, i - 1))
        .collect();
    let lines = |values: &[i64]| values.iter().map(|v| format!("{v}\n")).collect::<String>();
    std::fs::write(directory.join("edges.csv"), edges).unwrap();
    std::fs::write(
        directory.join("features.csv"),
        lines(&(0..nodes as i64).map(|i| i % 3).collect::<Vec<_>>()),
    )
    .unwrap();
    std::fs::write(directory.join("labels.csv"), lines(labels)).unwrap();
    std::fs::write(directory.join("split.csv"), lines(split)).unwrap();
    directory
}

/// Twelve tiny TU graphs (paths of class 0, triangles of class 1) without edge types.
fn tu_directory(root: &Path) -> PathBuf {
    let directory = root.join("G");
    std::fs::create_dir_all(&directory).unwrap();
    let (mut edges, mut indicator, mut labels) = (String::new(), String::new(), String::new());
    for graph in 0..12 {
        let first = 3 * graph + 1;
        let mut pairs = vec![(first, first + 1), (first + 1, first + 2)];
        if graph % 2 == 1 {
            pairs.push((first, first + 2));
        }
        for (a, b) in pairs {
            edges.push_str(&format!("{a}, {b}\n{b}, {a}\n"));
        }
        indicator.push_str(&format!("{0}\n{0}\n{0}\n", graph + 1));
        labels.push_str(&format!("{}\n", graph % 2));
    }
    std::fs::write(directory.join("G_A.txt"), edges).unwrap();
    std::fs::write(directory.join("G_graph_indicator.txt"), indicator).unwrap();
    std::fs::write(directory.join("G_graph_labels.txt"), labels).unwrap();
    directory
}

/// The shared MobileNet v1 0.25 weights rewritten with extra metadata and, optionally, one
/// tensor filled with NaN.
fn rewritten_weights(
    root: &Path,
    metadata: &[(&str, &str)],
    poison: Option<&str>,
) -> Option<PathBuf> {
    let source = cinder_datasets::require_weights("mobilenet_v1_0.25_128_imagenet.safetensors")?;
    let bytes = std::fs::read(source).unwrap();
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + length]).unwrap();
    let mut data = bytes[8 + length..].to_vec();
    for (key, value) in metadata {
        header["__metadata__"][*key] = (*value).into();
    }
    if let Some(key) = poison {
        let offsets = &header[key]["data_offsets"];
        let (start, end) = (offsets[0].as_u64().unwrap(), offsets[1].as_u64().unwrap());
        for value in data[start as usize..end as usize].chunks_exact_mut(4) {
            value.copy_from_slice(&f32::NAN.to_le_bytes());
        }
    }
    let mut json = serde_json::to_vec(&header).unwrap();
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let path = root.join("weights.safetensors");
    let mut file = (json.len() as u64).to_le_bytes().to_vec();
    file.extend(json);
    file.extend(data);
    std::fs::write(&path, file).unwrap();
    Some(path)
}

/// `count` small distinct PNG photos in `root/images/<class>/`.
fn image_folder(root: &Path, count: usize) -> PathBuf {
    let folder = root.join("images");
    for index in 0..count {
        let class = folder.join(if index % 2 == 0 { "even" } else { "odd" });
        std::fs::create_dir_all(&class).unwrap();
        image::RgbImage::from_fn(40, 40, |x, y| {
            image::Rgb([
                (x * 6) as u8,
                (y * 5 + 40 * index as u32) as u8,
                (x * y) as u8,
            ])
        })
        .save(class.join(format!("{index}.png")))
        .unwrap();
    }
    folder
}

#[test]
fn a_closed_pipe_ends_the_program_without_a_panic() {
    for args in [
        &["data", "list"][..],
        &["data", "info", "solubility"],
        &[
            "train",
            "node",
            "--dataset",
            "karate",
            "--epochs",
            "3",
            "--no-report",
        ],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cinder"))
            .args(args)
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_ne!(
            output.status.code(),
            Some(101),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            !stderr(&output).contains("panicked"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn labels_become_classes_through_the_values_present() {
    let root = scratch("labels");
    // Labels 0 and 7 of ten nodes: two classes, not eight.
    let labels = [0, 0, 0, 7, 7, 0, 7, 0, 7, 0];
    let directory = graph_directory(&root, &labels, &[0, 0, 1, 0, 0, 2, 2, 2, 2, 2]);
    let info = succeeds(&cinder(&[
        "data",
        "info",
        text(&directory),
        "--format",
        "graph-dir",
        "--json",
    ]));
    assert_eq!(info["num_classes"], 2);
    assert_eq!(info["class_names"], serde_json::json!(["0", "7"]));
    assert_eq!(info["class_counts"], serde_json::json!([6, 4]));
    let summary = succeeds(&cinder(&[
        "train",
        "node",
        "--data",
        text(&directory),
        "--epochs",
        "2",
        "--no-report",
        "--json",
    ]));
    assert_eq!(summary["classes"], 2);
    // A label beyond the node count is refused by name, under a memory limit too.
    std::fs::write(
        directory.join("labels.csv"),
        "0\n30000\n0\n0\n0\n0\n0\n0\n0\n0\n",
    )
    .unwrap();
    let output = cinder_with_2_gib(&["train", "node", "--data", text(&directory), "--no-report"]);
    fails_naming(&output, &["labels.csv", "30000"]);
    // A negative label is shown as written, not as a wrapped-around 18446744073709551615.
    std::fs::write(
        directory.join("labels.csv"),
        "0\n-1\n0\n0\n0\n0\n0\n0\n0\n0\n",
    )
    .unwrap();
    let output = cinder(&["train", "node", "--data", text(&directory), "--no-report"]);
    fails_naming(&output, &["labels.csv", "line 2", "-1"]);
    assert!(!stderr(&output).contains("18446744073709551615"));
}

#[test]
fn the_shipped_karate_folder_has_its_two_clubs() {
    let karate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/karate");
    let info = succeeds(&cinder(&["data", "info", text(&karate), "--json"]));
    assert_eq!(info["num_classes"], 2);
    assert_eq!(info["class_counts"], serde_json::json!([17, 17]));
}

#[test]
fn splits_without_test_data_are_refused() {
    let root = scratch("no-test");
    let directory = graph_directory(&root, &[0, 1, 0, 1], &[0, 0, 1, 1]);
    let output = cinder(&["train", "node", "--data", text(&directory), "--no-report"]);
    fails_naming(&output, &["no test nodes"]);
    assert!(!String::from_utf8_lossy(&output.stdout).contains("accuracy"));
    for fraction in ["0", "-0.5", "1", "NaN"] {
        let output = cinder(&[
            "train",
            "graph",
            "--dataset",
            "solubility",
            "--holdout",
            fraction,
            "--no-report",
        ]);
        fails_naming(&output, &["--holdout"]);
        assert!(!String::from_utf8_lossy(&output.stdout).contains("NaN"));
    }
}

#[test]
fn fine_tuning_and_conversion_flags_are_checked_before_any_work() {
    let root = scratch("flags");
    for rate in ["-1", "nan", "inf", "0"] {
        let output = cinder(&[
            "image",
            "finetune",
            "--weights",
            "absent.safetensors",
            "--images",
            "absent",
            "--lr",
            rate,
        ]);
        fails_naming(&output, &["--lr", "learning rate"]);
    }
    let output = cinder(&[
        "image",
        "finetune",
        "--weights",
        "absent.safetensors",
        "--images",
        "absent",
        "--save",
        text(&root.join("best.json")),
    ]);
    fails_naming(&output, &["--save", "best.json", "sidecar"]);
    let output = cinder(&[
        "image",
        "convert",
        "--weights",
        "absent.safetensors",
        "--out",
        text(&root.join("x.json")),
    ]);
    fails_naming(&output, &["--out", "x.json", "sidecar"]);
    assert!(!root.join("x.json").exists());
}

#[test]
fn weight_files_with_nan_values_or_impossible_input_sizes_are_refused() {
    let root = scratch("weights");
    let images = image_folder(&root, 2);
    let photo = images.join("even/0.png");
    let Some(poisoned) = rewritten_weights(&root, &[], Some("conv_preds/kernel")) else {
        return;
    };
    let output = cinder(&[
        "image",
        "classify",
        "--weights",
        text(&poisoned),
        text(&photo),
    ]);
    fails_naming(
        &output,
        &["weights.safetensors", "conv_preds/kernel", "NaN"],
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("NaN"));
    for size in ["-5", "100000", "0", "none"] {
        let weights = rewritten_weights(&root, &[("input_size", size)], None).unwrap();
        let output = cinder_with_2_gib(&[
            "image",
            "classify",
            "--weights",
            text(&weights),
            text(&photo),
        ]);
        fails_naming(&output, &["weights.safetensors", "input_size", size]);
    }
}

#[test]
fn image_graphs_check_k_and_pca_before_writing_and_recompute_a_corrupt_cache_entry() {
    let root = scratch("image-graph");
    let Some(weights) =
        cinder_datasets::require_weights("mobilenet_v1_0.25_128_imagenet.safetensors")
    else {
        return;
    };
    let images = image_folder(&root, 4);
    let cache = root.join("cache");
    let graph = |out: &str, extra: &[&str]| {
        let out = root.join(out);
        let mut args = vec![
            "image",
            "graph",
            "--weights",
            text(&weights),
            "--images",
            text(&images),
            "--cache",
            text(&cache),
            "--k",
            "2",
            "--no-report",
            "--json",
            "--out",
        ];
        args.push(text(&out));
        args.extend_from_slice(extra);
        cinder(&args)
    };
    fails_naming(&graph("k0", &["--k", "0"]), &["--k"]);
    assert!(!root.join("k0").exists());
    let first = succeeds(&graph("first", &[]));
    assert_eq!(first["embeddings_computed"], 4);
    // Four images span at most three principal directions.
    fails_naming(&graph("pca", &["--pca", "4"]), &["PCA", "1 ≤ k ≤ 3"]);
    assert!(!root.join("pca").exists());

    let entries: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .flat_map(|model| std::fs::read_dir(model.unwrap().path()).unwrap())
        .flat_map(|prefix| std::fs::read_dir(prefix.unwrap().path()).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 4);
    let bytes = std::fs::read(&entries[0]).unwrap();
    std::fs::write(&entries[0], &bytes[..bytes.len() - 4]).unwrap();
    let second = succeeds(&graph("second", &[]));
    assert_eq!(
        (
            second["embeddings_from_cache"].as_u64(),
            second["embeddings_computed"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(std::fs::read(&entries[0]).unwrap(), bytes);
    assert_eq!(
        std::fs::read(root.join("first/nodes.csv")).unwrap(),
        std::fs::read(root.join("second/nodes.csv")).unwrap()
    );
}

#[test]
fn graph_training_names_divergence_bond_types_and_resume_problems() {
    let root = scratch("train-graph");
    let tu = tu_directory(&root);
    let base = [
        "train",
        "graph",
        "--data",
        text(&tu),
        "--format",
        "tu",
        "--folds",
        "3",
        "--seeded-folds",
        "--epochs",
        "2",
        "--batch-size",
        "4",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>| cinder(&args.iter().map(String::as_str).collect::<Vec<_>>());
    fails_naming(
        &run(with(&["--lr", "1e30", "--no-report"])),
        &["training diverged at epoch"],
    );
    fails_naming(
        &run(with(&["--model", "rgcn", "--no-report"])),
        &["--ignore-edge-types"],
    );
    fails_naming(&run(with(&["--lr", "-1", "--no-report"])), &["learning"]);

    let runs = root.join("runs");
    let summary = succeeds(&run(with(&["--json", "--out", text(&runs)])));
    let directory = PathBuf::from(summary["run_directory"].as_str().unwrap());
    let resume = |extra: &[&str]| {
        let mut args = vec!["train", "graph", "--resume", text(&directory)];
        args.extend_from_slice(extra);
        cinder(&args)
    };
    fails_naming(
        &resume(&["--epochs", "50"]),
        &["--resume", "--epochs 50", "ignore"],
    );
    let checkpoint = directory.join("checkpoints/fold-2.bpk");
    let length = std::fs::metadata(&checkpoint).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&checkpoint)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    fails_naming(&resume(&[]), &["fold-2.bpk", "finished fold 2"]);
}

#[test]
fn explicit_paths_get_no_cinder_data_hint_and_failed_runs_leave_no_outputs() {
    let root = scratch("paths");
    let output = cinder(&["train", "node", "--data", text(&root)]);
    fails_naming(&output, &["edges.csv"]);
    assert!(
        !stderr(&output).contains("CINDER_DATA"),
        "{}",
        stderr(&output)
    );
    let output = cinder(&["data", "info", text(&root.join("absent"))]);
    fails_naming(&output, &["absent"]);
    assert!(!stderr(&output).contains("Set CINDER_DATA"));
    let out = root.join("demo-runs");
    fails_naming(
        &cinder(&["demo", "--folds", "1", "--out", text(&out)]),
        &["--folds"],
    );
    assert!(!out.exists());
}

#[test]
fn sizes_declared_in_files_are_checked_before_allocating() {
    let root = scratch("declared-sizes");
    // x.npy declaring 2^40 × 2^20 floats over 16 bytes of data.
    let directory = graph_directory(&root, &[0, 1, 0, 1], &[0, 1, 2, 2]);
    let mut header =
        b"{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1048576), }".to_vec();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend((header.len() as u16).to_le_bytes());
    npy.extend(header);
    npy.extend([0u8; 16]);
    std::fs::write(directory.join("x.npy"), npy).unwrap();
    let output = cinder_with_2_gib(&["train", "node", "--data", text(&directory), "--no-report"]);
    fails_naming(&output, &["x.npy"]);

    // Planetoid test.index naming node 99999999999999.
    let Some(cora) = cinder_datasets::require_data("planetoid/ind.cora.x") else {
        return;
    };
    let planetoid = root.join("planetoid");
    std::fs::create_dir_all(&planetoid).unwrap();
    for part in ["x", "y", "tx", "ty", "allx", "ally", "graph"] {
        std::fs::copy(
            cora.with_file_name(format!("ind.cora.{part}")),
            planetoid.join(format!("ind.cora.{part}")),
        )
        .unwrap();
    }
    std::fs::write(
        planetoid.join("ind.cora.test.index"),
        "2700\n99999999999999\n",
    )
    .unwrap();
    let output = cinder_with_2_gib(&[
        "train",
        "node",
        "--data",
        text(&planetoid),
        "--format",
        "planetoid",
        "--no-report",
    ]);
    fails_naming(&output, &["test.index", "99999999999999"]);
}

#[test]
fn seed_ranges_past_the_largest_seed_are_refused_not_wrapped() {
    // Issue 36: `--first-seed 18446744073709551615 --seeds 2` used to wrap to an empty range and
    // report "at least one seed is needed".
    fails_naming(
        &cinder(&[
            "train",
            "node",
            "--dataset",
            "karate",
            "--first-seed",
            "18446744073709551615",
            "--seeds",
            "2",
            "--no-report",
        ]),
        &[
            "--first-seed 18446744073709551615 with --seeds 2",
            "largest seed",
        ],
    );
}

#[test]
fn attention_heads_are_checked_before_a_run_directory_exists() {
    // Issue 36: `--output-heads 0` ran as 1 and recorded 0; `--heads 0` left a run directory
    // holding only `arguments.json`.
    let root = scratch("heads");
    let out = root.join("runs");
    for (flag, model) in [
        ("--output-heads", "gat"),
        ("--heads", "gatv2"),
        ("--hidden", "gcn"),
    ] {
        let output = cinder(&[
            "train",
            "node",
            "--dataset",
            "karate",
            "--model",
            model,
            flag,
            "0",
            "--out",
            text(&out),
        ]);
        fails_naming(&output, &[&format!("{flag} must be at least 1")]);
    }
    let output = cinder(&[
        "train",
        "node",
        "--dataset",
        "karate",
        "--dropout",
        "2",
        "--out",
        text(&out),
    ]);
    fails_naming(&output, &["--dropout 2 is not in [0, 1)"]);
    assert!(!out.exists(), "a run directory was created");
}

#[test]
fn zero_counts_are_refused_by_the_flag_that_takes_them() {
    // Issue 36: `image classify --top 0` printed one class, `image finetune --batch-size 0` ran
    // as 1 and `--epochs 0` printed a NaN epoch time for a head never trained.
    let output = cinder(&["image", "classify", "--top", "0", "absent.jpg"]);
    fails_naming(&output, &["'--top <TOP>'", "0 is not in 1.."]);
    for flag in ["--epochs", "--batch-size"] {
        let output = cinder(&[
            "image",
            "finetune",
            "--weights",
            "absent.safetensors",
            "--images",
            "absent",
            flag,
            "0",
        ]);
        fails_naming(&output, &[flag, "0 is not in 1.."]);
    }
}

#[test]
fn grid_flags_without_the_errica_protocol_are_refused_not_ignored() {
    // Issue 36: `--grid-*` without `--protocol errica` was silently ignored.
    for flag in ["--grid-hidden", "--grid-lr"] {
        let output = cinder(&[
            "train",
            "graph",
            "--dataset",
            "MUTAG",
            flag,
            "16",
            "--no-report",
        ]);
        fails_naming(&output, &[flag, "--protocol errica only"]);
    }
}
