//! Host kernels on plain slices, multithreaded with rayon: what the Flex paths of the ops run.

pub(crate) mod attention;
pub(crate) mod csr;
pub(crate) mod dropout_mask;
pub(crate) mod reconstruction;
