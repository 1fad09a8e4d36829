//! The images of the demo's image sections: the 400 Fashion-MNIST images cinder ships (40 per
//! class), decoded.

use cinder_vision::{RgbImage, decode_rgb};

use crate::error::Result;

/// The shipped Fashion-MNIST images, decoded.
pub(super) struct Fashion {
    /// The images.
    pub images: Vec<RgbImage>,
    /// Class of each image.
    pub labels: Vec<usize>,
    /// Class names, in class order.
    pub class_names: Vec<String>,
}

impl Fashion {
    /// Decodes the 400 shipped Fashion-MNIST images.
    pub fn decode() -> Result<Self> {
        let set = cinder_datasets::fashion_mnist_sample();
        let images = set
            .images
            .iter()
            .map(|image| decode_rgb(image.bytes, &image.name))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Self {
            images,
            labels: set.labels(),
            class_names: set.class_names,
        })
    }
}
