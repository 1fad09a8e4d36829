//! # cinder-nn
//!
//! Graph neural-network layers on Burn: a differentiable sparse propagation operator
//! ([`propagate`]) with a multithreaded CPU kernel and a backend-generic fallback.

mod dropout;
mod error;
mod kernel;
mod operator;
mod propagate;

pub use dropout::{dropout, sparse_dropout};
pub use error::{NnError, Result};
pub use operator::SparseOperator;
pub use propagate::{propagate, propagate_generic};
