//! Where data lives: `CINDER_DATA` (real datasets) and `CINDER_WEIGHTS` (pretrained weights), and
//! how tests treat missing data (`CINDER_REQUIRE_DATA=1` turns a skip into a failure).

use std::path::PathBuf;

/// `$CINDER_DATA/<relative>` if `CINDER_DATA` is set and that path exists.
pub fn data_path(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("CINDER_DATA")?;
    let path = PathBuf::from(root).join(relative);
    path.exists().then_some(path)
}

/// For tests that need real data: the path if present; otherwise `None` (the test should return
/// early, skipping) — unless `CINDER_REQUIRE_DATA=1`, in which case this panics, so CI fails
/// instead of silently skipping.
pub fn require_data(relative: &str) -> Option<PathBuf> {
    if let Some(path) = data_path(relative) {
        return Some(path);
    }
    let required = std::env::var("CINDER_REQUIRE_DATA").is_ok_and(|v| v == "1");
    let root = std::env::var("CINDER_DATA").unwrap_or_else(|_| "<CINDER_DATA unset>".into());
    assert!(
        !required,
        "CINDER_REQUIRE_DATA=1 but {relative} is missing under {root}"
    );
    eprintln!("skipping: {relative} not found under {root} (set CINDER_DATA)");
    None
}
