//! `cinder demo` (the README's main job), shortened: from shipped data and the embedded CNN
//! alone it must print one JSON object of headline numbers and write one report with every
//! section and chart, a table of contents whose anchors resolve, and no broken image.

use std::process::Command;

#[test]
fn demo_writes_a_report_with_every_chart() {
    let out = std::env::temp_dir().join(format!("cinder-demo-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["demo", "--folds", "2", "--epochs", "3", "--json", "--out"])
        .arg(&out)
        .env_remove("CINDER_DATA")
        .env_remove("CINDER_WEIGHTS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("karate club: GCN") && stderr.contains("with bond types"),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let number = |section: &str, key: &str| {
        summary[section][key]
            .as_f64()
            .unwrap_or_else(|| panic!("{section}.{key} in {summary}"))
    };
    assert!(number("karate", "test_accuracy") > 0.8);
    let graph = &summary["image_graph"];
    assert_eq!(graph["images"], 400);
    assert_eq!(graph["labels_per_class"], 5);
    // Ten classes: chance is 10%; the pretrained embeddings make both models far better.
    assert!(number("image_graph", "gcn_accuracy") > 0.5, "{graph}");
    assert!(number("image_graph", "mlp_accuracy") > 0.5, "{graph}");
    let transfer = &summary["transfer"];
    for key in ["head_only", "fine_tuned", "scratch"] {
        let accuracy = number("transfer", key);
        assert!((0.1..=1.0).contains(&accuracy), "{key}: {transfer}");
    }
    assert!(
        number("transfer", "head_only").max(number("transfer", "fine_tuned"))
            > number("transfer", "scratch"),
        "ImageNet pretraining beats training from scratch on 100 images: {transfer}"
    );
    assert_eq!(summary["explain_cnn"]["top1"], "macaw");
    assert!(number("molecules", "with_bond_types") > 0.3);
    assert!(summary["seconds"].as_f64().unwrap() > 0.0);

    let report = std::path::PathBuf::from(summary["report"].as_str().unwrap());
    let html = std::fs::read_to_string(&report).unwrap();
    for section in [
        "Contents",
        "karate club",
        "molecules from SDF",
        "without bond types",
        "Images as a graph",
        "Transfer learning: an ImageNet CNN",
        "Explainable CNN",
        "What produced this run",
        "Fashion-MNIST images",
    ] {
        assert!(html.contains(section), "report lacks {section:?}");
    }
    let problems = cinder_plot::report_problems(&html);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(html.matches("<li><a href=\"#").count() >= 6);
    let images = html.matches("data:image/png;base64,").count();
    assert_eq!(
        images, 16,
        "karate 4, molecules 3, image graph 3, transfer 3, feature maps 2 + Grad-CAM"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
