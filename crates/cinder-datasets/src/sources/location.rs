//! Where data lives: `CINDER_DATA` (real datasets), `CINDER_WEIGHTS` (pretrained weights) and
//! `CINDER_FIXTURES` (reference outputs; default `$CINDER_DATA/../fixtures`), and how tests treat
//! missing data (`CINDER_REQUIRE_DATA=1` turns a skip into a failure).

use std::path::PathBuf;

/// `$CINDER_DATA/<relative>` if `CINDER_DATA` is set and that path exists, else the same path in
/// the download cache ([`crate::cache_directory`]) if `cinder data download` put it there.
pub fn data_path(relative: &str) -> Option<PathBuf> {
    std::env::var_os("CINDER_DATA")
        .map(PathBuf::from)
        .into_iter()
        .chain(crate::sources::download::cache_directory())
        .map(|root| root.join(relative))
        .find(|path| path.exists())
}

/// `<fixtures>/<relative>`: `CINDER_FIXTURES`, or `fixtures/` beside `CINDER_DATA`.
pub fn fixture_path(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("CINDER_FIXTURES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CINDER_DATA").map(|data| PathBuf::from(data).join("../fixtures"))
        })?;
    let path = root.join(relative);
    path.exists().then_some(path)
}

/// [`require_data`] for reference fixtures.
pub fn require_fixture(relative: &str) -> Option<PathBuf> {
    if let Some(path) = fixture_path(relative) {
        return Some(path);
    }
    let required = std::env::var("CINDER_REQUIRE_DATA").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CINDER_REQUIRE_DATA=1 but fixture {relative} is missing (set CINDER_FIXTURES or CINDER_DATA)"
    );
    eprintln!("skipping: fixture {relative} not found (set CINDER_FIXTURES or CINDER_DATA)");
    None
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

/// `$CINDER_WEIGHTS/<relative>` if `CINDER_WEIGHTS` is set and that path exists, else
/// `weights/` beside `CINDER_DATA`.
pub fn weights_path(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("CINDER_WEIGHTS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CINDER_DATA").map(|data| PathBuf::from(data).join("../weights"))
        })?;
    let path = root.join(relative);
    path.exists().then_some(path)
}

/// [`require_data`] for pretrained weights.
pub fn require_weights(relative: &str) -> Option<PathBuf> {
    if let Some(path) = weights_path(relative) {
        return Some(path);
    }
    let required = std::env::var("CINDER_REQUIRE_DATA").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CINDER_REQUIRE_DATA=1 but weights {relative} are missing (set CINDER_WEIGHTS)"
    );
    eprintln!("skipping: weights {relative} not found (set CINDER_WEIGHTS)");
    None
}

/// Fashion-MNIST's folder: `CINDER_FASHION_MNIST`, else `$CINDER_DATA/fashion-mnist`, else
/// Debian's `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`), whichever
/// holds `t10k-images-idx3-ubyte.gz` first.
pub fn fashion_mnist_directory() -> Option<PathBuf> {
    std::env::var_os("CINDER_FASHION_MNIST")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::var_os("CINDER_DATA").map(|d| PathBuf::from(d).join("fashion-mnist")))
        .chain(std::iter::once(PathBuf::from(
            "/usr/share/datasets/fashion-mnist",
        )))
        .find(|d| d.join("t10k-images-idx3-ubyte.gz").exists())
}

/// [`require_data`] for Fashion-MNIST.
pub fn require_fashion_mnist() -> Option<PathBuf> {
    if let Some(path) = fashion_mnist_directory() {
        return Some(path);
    }
    let required = std::env::var("CINDER_REQUIRE_DATA").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CINDER_REQUIRE_DATA=1 but Fashion-MNIST is missing (set CINDER_FASHION_MNIST; Debian package dataset-fashion-mnist)"
    );
    eprintln!("skipping: Fashion-MNIST not found (set CINDER_FASHION_MNIST)");
    None
}
