//! Link prediction: is there an edge between these two nodes? Encoders (any node model, GAE,
//! VGAE, a learnable embedding table), decoders (inner product, OGB's MLP), the training loop
//! ([`training`]) and the metrics as scikit-learn and OGB compute them ([`metrics`]).

pub(crate) mod config;
pub(crate) mod metrics;
pub(crate) mod model;
pub(crate) mod report;
pub(crate) mod training;
