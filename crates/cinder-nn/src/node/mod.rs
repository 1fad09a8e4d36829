//! Node classification: the node models, full-batch training, sampled mini-batch training and
//! exact layer-wise inference.

pub(crate) mod config;
pub(crate) mod gcn;
pub(crate) mod layerwise;
pub mod minibatch;
pub(crate) mod models;
pub(crate) mod report;
pub(crate) mod training;
