//! cinder's CNN bridge: pretrained convolutional networks in Burn that turn images into feature
//! vectors (node features for cinder's graphs), with strict weight import, preprocessing,
//! transfer learning and feature-map capture.
//!
//! - [`weights`]: safetensors and PyTorch `.pth` files as float32 tensors by key.
//! - [`loader`]: building a model from weights, strictly (missing / unexpected / mismatched keys
//!   are one typed error), converting Keras layouts (HWIO kernels) to Burn's.
//! - [`layers`]: convolution with PyTorch or TensorFlow "SAME" padding, inference batch norm.
//! - Architectures: [`mobilenet`] (V1 with width multiplier, V2), [`resnet`] (18–152), [`vgg`]
//!   (11–19, ± batch norm), [`inception`] (V3), [`xception`].
//! - [`model`]: [`Cnn`], one type for all of them: base, pooling, optional head.
//! - [`preprocess`]: decoding, Pillow-exact bilinear resizing, center crop, normalizations.
//! - [`pretrained`]: a loaded network with its preprocessing and class names; classification.
//! - [`checkpoint`]: burnpack checkpoints of converted or fine-tuned networks.
//! - [`transfer`]: feature extraction and fine-tuning strategies (head only, top units, full).
//! - [`explain`]: feature maps of named stages and Grad-CAM.
//! - [`embed`]: batched image embeddings with an on-disk cache (images → node features).
//! - [`regions`]: grid and SLIC superpixels and region adjacency graphs of one image.
//! - [`small`]: a small CNN for tiny images (the demo's digits).
//! - [`embedded`]: the ImageNet-pretrained MobileNet V1 0.25 (128×128) compiled into cinder.
//!
//! Classifying a photo with the embedded network (no weight file needed):
//!
//! ```
//! use burn::tensor::Device;
//! use cinder_vision::{HeadChoice, Pretrained, decode_rgb};
//!
//! let device = Device::flex();
//! let network = Pretrained::embedded(HeadChoice::Keep, &device)?;
//! # let bytes = cinder_datasets::sample_photo("parrot.jpg").expect("shipped photo");
//! let photo = decode_rgb(bytes, "parrot.jpg")?;
//! let top = &network.classify(&[photo], 3, &device)?[0];
//! assert_eq!(top[0].label.as_deref(), Some("macaw"));
//! assert!(top[0].probability > 0.5);
//! # Ok::<(), cinder_vision::VisionError>(())
//! ```

mod architectures;
mod engine;
pub mod error;
pub mod explain;
mod images;
pub mod layers;
mod loading;
pub mod model;
pub mod taps;
pub mod transfer;

pub use architectures::architecture;
pub use architectures::architecture::Architecture;
pub use architectures::backbone;
pub use architectures::backbone::Backbone;
pub use architectures::head;
pub use architectures::inception;
pub use architectures::mobilenet;
pub use architectures::resnet;
pub use architectures::small;
pub use architectures::vgg;
pub use architectures::xception;
pub use engine::channels_last;
pub use engine::channels_last::ChannelsLastMap;
pub use engine::channels_last_plan;
pub use engine::channels_last_plan::ChannelsLastPlan;
pub use error::{Result, VisionError};
pub use image::RgbImage;
pub use images::embed;
pub use images::image_graph;
pub use images::preprocess;
pub use images::preprocess::{
    Normalization, Preprocessing, Resize, decode_rgb, load_rgb, resize_bilinear,
};
pub use images::regions;
pub use loading::checkpoint;
pub use loading::embedded;
pub use loading::embedded::{EMBEDDED_WEIGHTS_NAME, embedded_labels};
pub use loading::loader;
pub use loading::pretrained;
pub use loading::pretrained::{ClassScore, Pretrained};
pub use loading::weights;
pub use loading::weights::WeightFile;
pub use model::{Cnn, HeadChoice, LoadOptions};
pub use taps::Taps;
