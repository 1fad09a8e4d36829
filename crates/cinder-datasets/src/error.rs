//! The one error type of `cinder-datasets`: every message names the file (and where it can, the
//! position or field) at fault.

use std::path::PathBuf;

use cinder_graph::GraphError;

/// Why a dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not in the expected format.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position or field where known.
        reason: String,
    },
    /// The dataset name is not one this loader knows.
    #[error("unknown {kind} dataset {name:?}; known: {known}")]
    UnknownDataset {
        /// Loader kind.
        kind: &'static str,
        /// Requested name.
        name: String,
        /// Names this loader accepts.
        known: String,
    },
    /// No data folder was configured or found.
    #[error(
        "dataset {what} not found: looked in {looked_in}. Set CINDER_DATA to the folder that holds it (e.g. ../shared/datasets) or pass its path"
    )]
    NotFound {
        /// What was looked for.
        what: String,
        /// Where it was looked for.
        looked_in: String,
    },
    /// A download failed or did not match its checksum.
    #[error("downloading {url}: {reason}")]
    Download {
        /// The source.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The files were read but do not form a valid graph.
    #[error("{path}: {source}")]
    Graph {
        /// The file or folder.
        path: PathBuf,
        /// The graph error.
        source: GraphError,
    },
}

/// Result alias of `cinder-datasets`.
pub type Result<T> = std::result::Result<T, DatasetError>;
