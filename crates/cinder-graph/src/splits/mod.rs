//! Labels and splits: dense class indices, transductive node splits and stratified folds.

pub(crate) mod classes;
pub(crate) mod folds;
pub(crate) mod node_split;
