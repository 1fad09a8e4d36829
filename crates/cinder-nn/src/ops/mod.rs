//! Custom autodiff ops, one file each, and the sparse operator they run on.
//!
//! Every op has up to three paths, chosen per call by [`dispatch`]: autodiff on Flex (a host
//! kernel for the forward pass and a hand-written `Backward` for the gradients), plain Flex (the
//! same kernel, no graph), and Burn's generic tensor ops (any other backend, e.g. WGPU). The host
//! kernels live in [`kernels`]; the files here hold the Burn glue.
//!
//! # Adding an op
//!
//! 1. Write the host kernel in `ops/kernels/` on plain slices (`&[f32]` in, `Vec<f32>` out), rows
//!    in parallel with rayon, and unit-test it against a naive loop.
//! 2. Write the generic path with Burn tensor ops: it is the reference and the GPU path.
//! 3. In `ops/<name>.rs`, `match dispatch::path([&a, &b, …])`: on `Path::Tracked`,
//!    `prepare::<NoCheckpointing>([nodes…]).compute_bound().stateful()` a `Backward` struct whose
//!    state holds what the gradient needs, run the kernel on `FlexAutodiff::inner(..)`, and
//!    `finish` with the output; on `Path::Plain` run the kernel without a graph; on
//!    `Path::Generic` the generic path. A one-input op is one call to
//!    `dispatch::unary_flex_op` (see `elu.rs`).
//! 4. Test the op in `crates/cinder-nn/tests/`: values and gradients equal the generic path's (and
//!    a finite-difference check), on Flex with and without autodiff.

pub(crate) mod attention;
pub(crate) mod dispatch;
pub(crate) mod dropout;
pub(crate) mod elu;
pub(crate) mod gatv2_scores;
pub(crate) mod kernels;
pub(crate) mod linear_relu_dropout;
pub(crate) mod operator;
pub(crate) mod propagate;
pub(crate) mod propagate_scaled;
pub(crate) mod reconstruction;
