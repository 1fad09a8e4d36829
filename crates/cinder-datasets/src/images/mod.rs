//! Image folders (class subfolders as labels) and the images cinder ships.

pub(crate) mod image_folder;
pub(crate) mod shipped_images;
