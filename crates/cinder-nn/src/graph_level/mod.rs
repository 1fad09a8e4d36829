//! Graph classification: cached mini-batches, readouts, graph models, the training configuration,
//! k-fold cross-validation and model selection inside each fold.

pub(crate) mod batches;
pub(crate) mod config;
pub(crate) mod cross_validation;
pub(crate) mod model_selection;
pub(crate) mod models;
pub(crate) mod readout;
pub(crate) mod training;
