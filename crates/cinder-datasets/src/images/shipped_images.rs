//! The images cinder ships, compiled into the library so they work from any directory: 400
//! Fashion-MNIST test images (40 per class, MIT, `datasets/fashion-mnist/`) and two ImageNet sample
//! photos (Apache-2.0, `datasets/photos/`). Encoded bytes; decoding is the vision crate's job.

include!(concat!(env!("OUT_DIR"), "/shipped_images.rs"));

/// One embedded image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedImage {
    /// Its path as shipped, e.g. `fashion-mnist/Dress/t10k-00013.png`.
    pub name: String,
    /// Class index into [`EmbeddedImageSet::class_names`].
    pub class: usize,
    /// The encoded file (PNG, JPEG or BMP).
    pub bytes: &'static [u8],
}

/// A labelled set of embedded images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedImageSet {
    /// Class names in index order (the class folders, sorted).
    pub class_names: Vec<String>,
    /// The images, sorted by class folder then file name.
    pub images: Vec<EmbeddedImage>,
}

impl EmbeddedImageSet {
    /// Class of each image.
    pub fn labels(&self) -> Vec<usize> {
        self.images.iter().map(|i| i.class).collect()
    }
}

/// The 400 shipped Fashion-MNIST images (the first 40 of each class of the t10k test set, 28×28
/// grayscale PNGs). Class names are the folder names, sorted: `Ankle boot`, `Bag`, `Coat`,
/// `Dress`, `Pullover`, `Sandal`, `Shirt`, `Sneaker`, `T-shirt-top`, `Trouser`.
pub fn fashion_mnist_sample() -> EmbeddedImageSet {
    let mut class_names: Vec<String> = Vec::new();
    let images = FASHION_SAMPLE
        .iter()
        .map(|&(class, file, bytes)| {
            if class_names.last().map(String::as_str) != Some(class) {
                class_names.push(class.to_string());
            }
            EmbeddedImage {
                name: format!("fashion-mnist/{class}/{file}"),
                class: class_names.len() - 1,
                bytes,
            }
        })
        .collect();
    EmbeddedImageSet {
        class_names,
        images,
    }
}

/// A shipped sample photo by file name (`parrot.jpg`, `cat.bmp`).
pub fn sample_photo(name: &str) -> Option<&'static [u8]> {
    PHOTOS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The names of the shipped sample photos.
pub fn sample_photo_names() -> Vec<&'static str> {
    PHOTOS.iter().map(|(n, _)| *n).collect()
}
