//! Weights in and out: weight files (safetensors, PyTorch, Keras HDF5 names), the strict loader,
//! pretrained and embedded models, and fine-tuning checkpoints.

pub mod checkpoint;
pub mod embedded;
pub mod loader;
pub mod pretrained;
pub mod weights;
