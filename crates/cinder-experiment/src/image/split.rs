//! The image-folder split convention of transfer learning: class subfolders are split per class
//! by a seeded stratified hold-out; a flat folder names the split in each file,
//! `<class>_<train|test>_<n>.<ext>` (the class is everything before `train`/`test`).

use std::path::Path;

use cinder_vision::load_rgb;
use cinder_vision::transfer::LabelledImages;

use super::source::load_images;
use crate::error::{Result, input, invalid};

/// Decoded training and test images of a folder, with the class names.
#[derive(Debug, Clone)]
pub struct ImageFolderSplit {
    /// Class names, in class order (subfolder names, or flat names in order of appearance).
    pub classes: Vec<String>,
    /// Training images with their class.
    pub train: LabelledImages,
    /// Test images with their class.
    pub test: LabelledImages,
}

impl ImageFolderSplit {
    /// Reads and decodes the images of `root`: class subfolders hold out `test_fraction` of each
    /// class (in `[0, 1)`) for testing, seeded by `seed`; a flat folder splits by file name.
    /// Both parts must hold at least one image.
    pub fn load(root: &Path, test_fraction: f64, seed: u64) -> Result<Self> {
        let folder = load_images(root)?;
        let mut split = Self {
            classes: Vec::new(),
            train: Vec::new(),
            test: Vec::new(),
        };
        if folder.class_names.is_empty() {
            for path in &folder.images {
                split.push_named(path)?;
            }
        } else {
            if !(0.0..1.0).contains(&test_fraction) {
                return Err(invalid(
                    "test_fraction",
                    format!("must be in [0, 1), got {test_fraction}"),
                ));
            }
            split.classes = folder.class_names.clone();
            let labels: Vec<usize> = folder.labels.iter().map(|l| l.unwrap_or(0)).collect();
            let members: Vec<usize> = (0..labels.len()).collect();
            let (train, test) =
                cinder_graph::stratified_holdout(&members, &labels, test_fraction, seed)?;
            for (indices, target) in [(train, &mut split.train), (test, &mut split.test)] {
                for i in indices {
                    target.push((load_rgb(&folder.images[i])?, labels[i]));
                }
            }
        }
        if split.train.is_empty() || split.test.is_empty() {
            return Err(input(
                root,
                format!(
                    "need both training and test images ({} / {})",
                    split.train.len(),
                    split.test.len()
                ),
            ));
        }
        Ok(split)
    }

    /// Adds the image of a flat folder named `<class>_<train|test>_<n>.<ext>` to its part.
    fn push_named(&mut self, path: &Path) -> Result<()> {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parts: Vec<&str> = name.split('_').collect();
        let Some(part) = parts.iter().position(|p| *p == "train" || *p == "test") else {
            return Err(input(
                path,
                "a flat folder needs <class>_<train|test>_<n> names (or use class subfolders)",
            ));
        };
        let class = parts[..part].join("_");
        let index = match self.classes.iter().position(|c| *c == class) {
            Some(i) => i,
            None => {
                self.classes.push(class);
                self.classes.len() - 1
            }
        };
        let image = load_rgb(path)?;
        if parts[part] == "train" {
            self.train.push((image, index));
        } else {
            self.test.push((image, index));
        }
        Ok(())
    }
}
