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

pub mod architecture;
pub mod channels_last;
pub mod channels_last_plan;
pub mod checkpoint;
pub mod embed;
pub mod embedded;
pub mod error;
pub mod explain;
pub mod head;
pub mod image_graph;
pub mod inception;
pub mod layers;
pub mod loader;
pub mod mobilenet;
pub mod model;
pub mod preprocess;
pub mod pretrained;
pub mod regions;
pub mod resnet;
pub mod small;
pub mod taps;
pub mod transfer;
pub mod vgg;
pub mod weights;
pub mod xception;

pub use architecture::Architecture;
pub use channels_last::ChannelsLastMap;
pub use channels_last_plan::ChannelsLastPlan;
pub use embedded::{EMBEDDED_WEIGHTS_NAME, embedded_labels};
pub use error::{Result, VisionError};
pub use image::RgbImage;
pub use model::{Backbone, Cnn, HeadChoice, LoadOptions};
pub use preprocess::{Normalization, Preprocessing, Resize, decode_rgb, load_rgb, resize_bilinear};
pub use pretrained::{ClassScore, Pretrained};
pub use taps::Taps;
pub use weights::WeightFile;
