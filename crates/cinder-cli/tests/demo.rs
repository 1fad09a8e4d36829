//! `cinder demo` (the README's main job), shortened: it must write one report with every section
//! and chart, from shipped data alone.

use std::process::Command;

#[test]
fn demo_writes_a_report_with_every_chart() {
    let out = std::env::temp_dir().join(format!("cinder-demo-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .args(["demo", "--folds", "2", "--epochs", "3", "--out"])
        .arg(&out)
        .env_remove("CINDER_DATA")
        .env_remove("CINDER_WEIGHTS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("karate club: GCN") && stdout.contains("with bond types"),
        "{stdout}"
    );
    let run = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(
        stdout.contains("digits: small CNN pretrained on 0–4"),
        "{stdout}"
    );
    for section in [
        "karate club",
        "molecules from SDF",
        "without bond types",
        "Transfer learning: handwritten digits",
    ] {
        assert!(html.contains(section), "report lacks {section:?}");
    }
    let images = html.matches("data:image/png;base64,").count();
    assert_eq!(images, 11, "karate: 4 charts, molecules: 3, digits: 4");
    std::fs::remove_dir_all(&out).unwrap();
}
