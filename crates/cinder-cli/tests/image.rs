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
