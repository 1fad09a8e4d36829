//! `cinder image …` end to end on the shared weights and photos.

use std::path::PathBuf;
use std::process::Command;

fn shared(kind: &str, relative: &str) -> Option<PathBuf> {
    match kind {
        "weights" => cinder_datasets::require_weights(relative),
        _ => cinder_datasets::require_data(relative),
    }
}

fn cinder(args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cinder {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn classify_prints_the_reference_top_class_of_cat_bmp() {
    let Some(weights) = shared("weights", "mobilenet_v2_1.0_224_imagenet.safetensors") else {
        return;
    };
    let Some(cat) = shared("data", "images/imagenet-samples/cat.bmp") else {
        return;
    };
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(weights.with_extension("reference.json")).unwrap(),
    )
    .unwrap();
    let output = cinder(&[
        "image",
        "classify",
        "--weights",
        weights.to_str().unwrap(),
        cat.to_str().unwrap(),
        "--json",
    ]);
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let top = &results[0]["top"];
    let expected = &reference["images"]["cat.bmp"];
    assert_eq!(top.as_array().unwrap().len(), 5);
    assert_eq!(top[0]["index"], expected["top5_indices"][0]);
    assert_eq!(top[0]["label"], expected["top5_labels"][0]);
    let p = top[0]["probability"].as_f64().unwrap();
    assert!(
        (p - expected["top5_probs"][0].as_f64().unwrap()).abs() < 1e-3,
        "{p}"
    );
    assert_eq!(results[0]["image"].as_str().unwrap(), cat.to_str().unwrap());
}

#[test]
fn feature_maps_write_grids_grad_cam_and_a_summary() {
    let Some(weights) = shared("weights", "mobilenet_v1_0.25_128_imagenet.safetensors") else {
        return;
    };
    let Some(cat) = shared("data", "images/imagenet-samples/cat.bmp") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("cinder-fmaps-{}", std::process::id()));
    cinder(&[
        "image",
        "feature-maps",
        "--weights",
        weights.to_str().unwrap(),
        cat.to_str().unwrap(),
        "--stage",
        "conv_pw_3",
        "--out",
        out.to_str().unwrap(),
    ]);
    for file in ["conv_pw_3.png", "grad_cam.png"] {
        let image = image::open(out.join(file)).unwrap().to_rgb8();
        assert!(image.width() > 300, "{file}");
        let first = image.get_pixel(image.width() / 2, image.height() / 2);
        assert!(image.pixels().any(|p| p != first), "{file} is blank");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("feature_maps.json")).unwrap())
            .unwrap();
    assert_eq!(summary["stages"][0]["channels"], 32);
    assert_eq!(summary["grad_cam"]["class"], 286);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("data:image/png;base64,").count(), 2);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn finetune_compares_strategies_and_features_writes_one_row_per_image() {
    let Some(weights) = shared("weights", "mobilenet_v1_0.25_128_imagenet.safetensors") else {
        return;
    };
    let Some(images) = shared("data", "images/imprinting") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("cinder-finetune-{}", std::process::id()));
    let checkpoint = out.join("best.bpk");
    let output = cinder(&[
        "image",
        "finetune",
        "--weights",
        weights.to_str().unwrap(),
        "--images",
        images.to_str().unwrap(),
        "--strategy",
        "head,top:2,auto",
        "--epochs",
        "8",
        "--json",
        "--out",
        out.to_str().unwrap(),
        "--save",
        checkpoint.to_str().unwrap(),
    ]);
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[1]["trained_units"], 2);
    // 1 training image per class, not similar: auto trains half of the 14 units.
    assert_eq!(results[2]["trained_units"], 7);
    assert_eq!(
        summary["class_names"],
        serde_json::json!(["cat", "dog", "hotdog"])
    );
    for result in results {
        let history = result["history"].as_array().unwrap();
        assert_eq!(history.len(), 8);
        assert!(history[7]["loss"].as_f64().unwrap() < history[0]["loss"].as_f64().unwrap());
    }
    let run = PathBuf::from(summary["run_directory"].as_str().unwrap());
    assert!(
        std::fs::read_to_string(run.join("report.html"))
            .unwrap()
            .contains("data:image/png;base64")
    );
    assert_eq!(
        std::fs::read_to_string(run.join("metrics.csv"))
            .unwrap()
            .lines()
            .count(),
        1 + 3 * 8
    );

    // Interrupted: the third strategy lost its progress and the run its results; --resume
    // keeps strategies 1-2 (their final epochs are committed) and retrains 3 to the same result.
    std::fs::remove_dir_all(run.join("progress/strategy-3")).unwrap();
    std::fs::remove_file(run.join("config.json")).unwrap();
    std::fs::remove_file(run.join("report.html")).unwrap();
    let output = cinder(&["image", "finetune", "--resume", run.to_str().unwrap()]);
    let resumed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for (a, b) in resumed["results"].as_array().unwrap().iter().zip(results) {
        assert_eq!(a["history"].as_array().unwrap().len(), 8);
        let losses = |r: &serde_json::Value| -> Vec<f64> {
            r["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["loss"].as_f64().unwrap())
                .collect()
        };
        assert_eq!(losses(a), losses(b));
        assert_eq!(a["test_accuracy"], b["test_accuracy"]);
    }
    assert!(run.join("report.html").exists());
    // `cinder report` rebuilds a fine-tuning run's page from its typed records too.
    std::fs::remove_file(run.join("report.html")).unwrap();
    cinder(&["report", run.to_str().unwrap()]);
    assert!(run.join("report.html").exists());

    // The saved checkpoint classifies with the new class names.
    let output = cinder(&[
        "image",
        "classify",
        "--weights",
        checkpoint.to_str().unwrap(),
        images.join("dog_train_0.bmp").to_str().unwrap(),
        "--json",
        "--top",
        "3",
    ]);
    let top: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let labels: Vec<&str> = top[0]["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 3);
    assert!(labels.contains(&"dog") && labels.contains(&"hotdog"));

    let csv = out.join("features.csv");
    cinder(&[
        "image",
        "features",
        "--weights",
        weights.to_str().unwrap(),
        "--images",
        images.to_str().unwrap(),
        "--out",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 7);
    assert_eq!(lines[0].split(',').count(), 2 + 256);
    assert!(lines[1..].iter().all(|l| l.split(',').count() == 2 + 256));
    std::fs::remove_dir_all(out).unwrap();
}

/// Writes the first `per_class` test images of each Fashion-MNIST class as PNGs in class
/// subfolders.
fn fashion_folder(root: &std::path::Path, per_class: usize) -> Option<PathBuf> {
    let source = cinder_datasets::require_fashion_mnist()?;
    let data = cinder_datasets::load_fashion_mnist(&source, false).unwrap();
    let folder = root.join("fashion");
    let mut counts = [0usize; 10];
    for i in 0..data.len() {
        let label = data.labels[i] as usize;
        if counts[label] == per_class {
            continue;
        }
        counts[label] += 1;
        let class = folder.join(format!(
            "{label}-{}",
            cinder_datasets::FASHION_MNIST_CLASSES[label].replace('/', "-")
        ));
        std::fs::create_dir_all(&class).unwrap();
        image::GrayImage::from_raw(28, 28, data.image(i).to_vec())
            .unwrap()
            .save(class.join(format!("{i:05}.png")))
            .unwrap();
    }
    Some(folder)
}

#[test]
fn image_similarity_graph_beats_chance_and_hits_the_cache_on_a_second_run() {
    let Some(weights) = shared("weights", "mobilenet_v1_0.25_128_imagenet.safetensors") else {
        return;
    };
    let root = std::env::temp_dir().join(format!("cinder-image-graph-{}", std::process::id()));
    let Some(folder) = fashion_folder(&root, 40) else {
        return;
    };
    let run = |out: &str| -> serde_json::Value {
        let output = cinder(&[
            "image",
            "graph",
            "--weights",
            weights.to_str().unwrap(),
            "--images",
            folder.to_str().unwrap(),
            "--k",
            "8",
            "--out",
            root.join(out).to_str().unwrap(),
            "--cache",
            root.join("cache").to_str().unwrap(),
            "--labels-per-class",
            "5",
            "--seeds",
            "2",
            "--json",
        ]);
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let first = run("graph1");
    assert_eq!(first["images"], 400);
    assert_eq!(
        (
            first["embeddings_computed"].as_u64(),
            first["embeddings_from_cache"].as_u64()
        ),
        (Some(400), Some(0))
    );
    let same_class = first["same_class_edge_fraction"].as_f64().unwrap();
    assert!(
        same_class > 0.5,
        "neighbours share a class far above chance (0.1): {same_class}"
    );
    let (gcn, mlp) = (
        first["gcn_mean"].as_f64().unwrap(),
        first["mlp_mean"].as_f64().unwrap(),
    );
    assert!(
        gcn > 0.5 && mlp > 0.3,
        "10 classes, 5 labels each: GCN {gcn}, MLP {mlp}"
    );

    let second = run("graph2");
    assert_eq!(
        (
            second["embeddings_computed"].as_u64(),
            second["embeddings_from_cache"].as_u64()
        ),
        (Some(0), Some(400))
    );
    assert_eq!(
        second["gcn_test_accuracy"], first["gcn_test_accuracy"],
        "the cache returns the same embeddings"
    );
    let report = std::fs::read_to_string(root.join("graph1/report.html")).unwrap();
    assert_eq!(
        report.matches("data:image/png;base64,").count(),
        3,
        "PCA scatter, degrees, GCN vs MLP"
    );
    let nodes1 = std::fs::read_to_string(root.join("graph1/nodes.csv")).unwrap();
    assert_eq!(
        nodes1,
        std::fs::read_to_string(root.join("graph2/nodes.csv")).unwrap()
    );

    // cinder's own tools read the written graph.
    let info = cinder(&[
        "data",
        "info",
        root.join("graph1").to_str().unwrap(),
        "--json",
    ]);
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["num_nodes"], 400);
    assert_eq!(info["num_classes"], 10);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn node_features_fill_a_csv_graph_from_its_image_column() {
    let Some(weights) = shared("weights", "mobilenet_v1_0.25_128_imagenet.safetensors") else {
        return;
    };
    let Some(images) = shared("data", "images/imprinting") else {
        return;
    };
    let root = std::env::temp_dir().join(format!("cinder-node-features-{}", std::process::id()));
    let graph = root.join("graph");
    std::fs::create_dir_all(&graph).unwrap();
    let names = [
        "cat_train_0.bmp",
        "dog_train_0.bmp",
        "hotdog_train_0.bmp",
        "hotdog_train_1.bmp",
    ];
    let mut nodes = String::from("id,label,image\n");
    for (i, name) in names.iter().enumerate() {
        let class = name.split('_').next().unwrap();
        nodes.push_str(&format!("n{i},{class},{}\n", images.join(name).display()));
    }
    std::fs::write(graph.join("nodes.csv"), nodes).unwrap();
    std::fs::write(graph.join("edges.csv"), "source,target\nn0,n1\nn2,n3\n").unwrap();
    let out = root.join("with-features");
    cinder(&[
        "image",
        "node-features",
        "--weights",
        weights.to_str().unwrap(),
        "--graph",
        graph.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-cache",
    ]);
    let info = cinder(&["data", "info", out.to_str().unwrap(), "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["num_nodes"], 4);
    assert_eq!(info["num_edges"], 2);
    assert_eq!(info["num_features"], 256);
    assert_eq!(info["num_classes"], 3);
    let missing = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args([
            "image",
            "node-features",
            "--weights",
            weights.to_str().unwrap(),
            "--graph",
            graph.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--image-column",
            "photo",
        ])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no column named \"photo\""));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn without_weights_every_image_command_uses_the_embedded_mobilenet() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let parrot = root.join("datasets/photos/parrot.jpg");
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["image", "classify", "--top", "2", "--json"])
        .arg(&parrot)
        .env_remove("CINDER_DATA")
        .env_remove("CINDER_WEIGHTS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["top"][0]["label"], "macaw", "{json}");
    let out = std::env::temp_dir().join(format!("cinder-embedded-graph-{}", std::process::id()));
    let output = cinder(&[
        "image",
        "graph",
        "--images",
        root.join("datasets/fashion-mnist").to_str().unwrap(),
        "--k",
        "5",
        "--no-cache",
        "--no-report",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["images"], 400);
    assert_eq!(
        json["embedding_dims"], 256,
        "MobileNet V1 0.25: 256-d embeddings"
    );
    assert!(
        json["same_class_edge_fraction"].as_f64().unwrap() > 0.4,
        "{json}"
    );
    std::fs::remove_dir_all(&out).unwrap();
    let failed = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["image", "classify", "--arch", "resnet50"])
        .arg(&parrot)
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("--arch needs --weights"));
}

/// `cinder image bench` times an architecture with random weights (no file) and reports the
/// median batch time; the folded and as-loaded forms both run.
#[test]
fn bench_times_an_architecture_without_a_weight_file() {
    for extra in [&[][..], &["--unfolded"][..]] {
        let mut arguments = vec![
            "image",
            "bench",
            "--arch",
            "mobilenet_v1",
            "--size",
            "64",
            "--batch-size",
            "2",
            "--reps",
            "3",
            "--warmup",
            "1",
            "--json",
        ];
        arguments.extend_from_slice(extra);
        let output = cinder(&arguments);
        let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(result["arch"].as_str().unwrap().starts_with("mobilenet_v1"));
        assert_eq!(result["folded"], extra.is_empty());
        let median = result["ms_per_batch_median"].as_f64().unwrap();
        assert!(median > 0.0 && median >= result["ms_per_batch_min"].as_f64().unwrap());
        let rate = result["images_per_s"].as_f64().unwrap();
        assert!((rate - 2.0 * 1e3 / median).abs() < 1e-6 * rate);
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["image", "bench", "--arch", "lenet"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("lenet"));
    // A zero-pixel input is a typed error, not a panic in a kernel.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["image", "bench", "--arch", "resnet18", "--size", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid size") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
