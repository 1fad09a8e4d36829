//! Embeds the images cinder ships (`datasets/fashion-mnist/<class>/*.png`, `datasets/photos/*`)
//! into the library: writes `$OUT_DIR/shipped_images.rs` with one `include_bytes!` per file,
//! sorted, so the list follows the folder without being written by hand.

use std::path::{Path, PathBuf};

fn sorted(directory: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap_or_else(|e| panic!("{}: {e}", directory.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| ["png", "jpg", "jpeg", "bmp"].contains(&e.as_str()))
}

/// One array entry: `(<leading fields>"file name", include_bytes!("path")),`.
fn entry(leading: &str, image: &Path) -> String {
    let name = image.file_name().expect("named").to_string_lossy();
    format!(
        "    ({leading}{name:?}, include_bytes!({:?})),\n",
        image.display().to_string()
    )
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let datasets = manifest.join("../../datasets");
    let fashion = datasets.join("fashion-mnist");
    let photos = datasets.join("photos");
    println!("cargo:rerun-if-changed={}", fashion.display());
    println!("cargo:rerun-if-changed={}", photos.display());
    let mut code =
        String::from("/// (class folder, file name, bytes) of the shipped Fashion-MNIST images.\n");
    code.push_str("pub(crate) static FASHION_SAMPLE: &[(&str, &str, &[u8])] = &[\n");
    for class in sorted(&fashion).into_iter().filter(|p| p.is_dir()) {
        println!("cargo:rerun-if-changed={}", class.display());
        let class_name = class
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        for image in sorted(&class).into_iter().filter(|p| is_image(p)) {
            code.push_str(&entry(&format!("{class_name:?}, "), &image));
        }
    }
    code.push_str("];\n/// (file name, bytes) of the shipped sample photos.\n");
    code.push_str("pub(crate) static PHOTOS: &[(&str, &[u8])] = &[\n");
    for image in sorted(&photos).into_iter().filter(|p| is_image(p)) {
        code.push_str(&entry("", &image));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("shipped_images.rs"), code).expect("OUT_DIR is writable");
}
