//! Array containers the graph formats are stored in: `.npy`, `.npz`, Python pickles and IDX.

pub(crate) mod idx;
pub(crate) mod npy;
pub(crate) mod npy_stream;
pub(crate) mod npz;
pub(crate) mod pickle;
