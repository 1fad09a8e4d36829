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
    /// A file or folder the user named by path is missing, or lacks a file it needs (no hint
    /// about `CINDER_DATA`: the path was explicit).
    #[error("{path}: no {what}")]
    MissingInPath {
        /// The path the user gave.
        path: PathBuf,
        /// What is missing (`no …`).
        what: String,
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
    /// A generated dataset was asked for with impossible options.
    #[error("generating {what}: {reason}")]
    Generation {
        /// The dataset.
        what: String,
        /// Which option is impossible and why.
        reason: String,
    },
    /// A download failed or did not match its checksum.
    #[error("downloading {url}: {reason}")]
    Download {
        /// The source.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A number in a file is not a valid value for its field: a negative or fractional id, a NaN or
    /// out-of-range label, an unknown split code. `value` is what the file holds, never a cast.
    #[error("{path}: {location}: {value} is not {expected}")]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// Where in the file: `line 7`, `labels[3]`, `adj_indices[12]`.
        location: String,
        /// The value as the file holds it (`-1`, `1e300`, `nan`).
        value: String,
        /// What the field needs, e.g. `a node id in 0..34`.
        expected: String,
    },
    /// A size, count or id declared in a file is more than the file (or the data it describes)
    /// holds; checked before any memory is reserved for it.
    #[error("{path}: {field} declares {declared}, but {available}")]
    DeclaredSize {
        /// The file.
        path: PathBuf,
        /// The field or position that declares the size, e.g. `header shape` or `line 3`.
        field: String,
        /// What it declares.
        declared: String,
        /// What the file really holds.
        available: String,
    },
    /// A cross-validation fold folder lacks a file its numbering implies.
    #[error(
        "{directory}: the fold files are incomplete: {missing} is missing ({complete} of {expected} folds complete); restore it, or remove the folder to use seeded folds"
    )]
    IncompleteFolds {
        /// The fold folder (e.g. `10fold_idx`).
        directory: PathBuf,
        /// The first missing file.
        missing: PathBuf,
        /// Folds whose train and test files are both present.
        complete: usize,
        /// Folds the folder's name or files imply.
        expected: usize,
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
