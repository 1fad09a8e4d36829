//! Image folders for the CNN bridge: `root/<class>/*.{jpg,jpeg,png,bmp}` (class names sorted) or a
//! flat folder of images without labels. Lists files; decoding is the vision crate's job.

use std::path::{Path, PathBuf};

use crate::error::{DatasetError, Result};

/// Extensions recognised as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "bmp"];

/// The images of a folder, with their class where the folder has class subfolders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFolder {
    /// The folder.
    pub root: PathBuf,
    /// Class names (subfolder names, sorted); empty for a flat folder.
    pub class_names: Vec<String>,
    /// Image files, sorted by class then file name.
    pub images: Vec<PathBuf>,
    /// Class of each image (`None` for a flat folder).
    pub labels: Vec<Option<usize>>,
}

/// Whether `path` has an image extension.
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
}

fn sorted_entries(directory: &Path) -> Result<Vec<PathBuf>> {
    let io = |source| DatasetError::Io {
        path: directory.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(directory)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(io)?;
    entries.sort();
    Ok(entries)
}

/// Lists an image folder: class subfolders holding images make a labelled set (subfolders without
/// images are ignored); otherwise the folder's own images make an unlabelled set.
pub fn load_image_folder(root: &Path) -> Result<ImageFolder> {
    let entries = sorted_entries(root)?;
    let mut folder = ImageFolder {
        root: root.to_path_buf(),
        class_names: Vec::new(),
        images: Vec::new(),
        labels: Vec::new(),
    };
    for directory in entries.iter().filter(|p| p.is_dir()) {
        let images: Vec<PathBuf> = sorted_entries(directory)?
            .into_iter()
            .filter(|p| p.is_file() && is_image(p))
            .collect();
        if images.is_empty() {
            continue;
        }
        let class = folder.class_names.len();
        folder.class_names.push(
            directory
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        );
        folder
            .labels
            .extend(std::iter::repeat_n(Some(class), images.len()));
        folder.images.extend(images);
    }
    if folder.images.is_empty() {
        folder.images = entries
            .into_iter()
            .filter(|p| p.is_file() && is_image(p))
            .collect();
        folder.labels = vec![None; folder.images.len()];
    }
    if folder.images.is_empty() {
        return Err(DatasetError::MissingInPath {
            path: root.to_path_buf(),
            what: format!("images (.{})", IMAGE_EXTENSIONS.join(", .")),
        });
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_subfolders_are_sorted_and_flat_folders_unlabelled() {
        let root = std::env::temp_dir().join(format!("cinder-images-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (class, file) in [
            ("dog", "b.PNG"),
            ("cat", "a.jpg"),
            ("cat", "z.bmp"),
            ("empty", "x.txt"),
        ] {
            std::fs::create_dir_all(root.join(class)).unwrap();
            std::fs::write(root.join(class).join(file), b"").unwrap();
        }
        let folder = load_image_folder(&root).unwrap();
        assert_eq!(folder.class_names, vec!["cat", "dog"]);
        assert_eq!(folder.labels, vec![Some(0), Some(0), Some(1)]);
        assert!(folder.images[2].ends_with("dog/b.PNG"));

        let flat = load_image_folder(&root.join("cat")).unwrap();
        assert_eq!((flat.images.len(), flat.class_names.len()), (2, 0));
        assert_eq!(flat.labels, vec![None, None]);
        assert!(load_image_folder(&root.join("empty")).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
