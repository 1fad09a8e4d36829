//! The one error type of `cinder-plot`.

use std::path::PathBuf;

/// Why a chart or report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The data cannot be drawn (empty, mismatched lengths, non-finite values…).
    #[error("{chart}: {reason}")]
    InvalidData {
        /// Which chart.
        chart: &'static str,
        /// What is wrong with its data.
        reason: String,
    },
    /// The drawing backend failed.
    #[error("drawing {path}: {reason}")]
    Draw {
        /// The output file.
        path: PathBuf,
        /// The backend's message.
        reason: String,
    },
    /// The file extension names no supported format.
    #[error("{path}: unsupported chart format (use .png or .svg)")]
    Format {
        /// The file.
        path: PathBuf,
    },
}

/// Result alias of `cinder-plot`.
pub type Result<T> = std::result::Result<T, PlotError>;
