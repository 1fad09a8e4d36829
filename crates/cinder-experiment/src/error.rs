//! The one error type of `cinder-experiment`.

use std::path::PathBuf;

/// Why an experiment, its run directory or its report could not proceed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// Reading or writing a file or folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A CSV file of the run directory is malformed (the reason names the record and line).
    #[error("{path}: {reason}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
    /// A JSON file of the run directory is malformed.
    #[error("{path}: {reason}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
    /// A run directory's records do not fit together (no epochs, a unit out of range, a
    /// checkpoint missing on resume).
    #[error("{path}: {reason}")]
    Run {
        /// The run directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file or folder given as input cannot be used: missing, empty, or not laid out as the
    /// request expects (the reason names the line or column at fault).
    #[error("{path}: {reason}")]
    Input {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
    /// A step failed: `context` says which (what was read, and for what); `source` says why.
    #[error("{context}")]
    Context {
        /// The step, in words.
        context: String,
        /// Why it failed.
        source: Box<ExperimentError>,
    },
    /// The worker threads of the CPU kernels could not be set up.
    #[error("configuring the thread pool: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// An option of a request cannot be used (names the option and why).
    #[error("{option}: {reason}")]
    Invalid {
        /// The option (a field of the request).
        option: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// A dataset could not be read or generated.
    #[error(transparent)]
    Dataset(#[from] cinder_datasets::DatasetError),
    /// Training or evaluation failed.
    #[error(transparent)]
    Nn(#[from] cinder_nn::NnError),
    /// A CNN, its weights or an image could not be used.
    #[error(transparent)]
    Vision(#[from] cinder_vision::VisionError),
    /// Graph data was invalid.
    #[error(transparent)]
    Graph(#[from] cinder_graph::GraphError),
    /// A chart or the report could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] cinder_plot::PlotError),
}

/// Result alias of `cinder-experiment`.
pub type Result<T> = std::result::Result<T, ExperimentError>;

/// An [`ExperimentError::Input`] about `path`.
pub(crate) fn input(path: impl Into<PathBuf>, reason: impl Into<String>) -> ExperimentError {
    ExperimentError::Input {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Wraps an error in an [`ExperimentError::Context`] saying which step failed.
pub(crate) fn context<E: Into<ExperimentError>>(
    context: impl Into<String>,
) -> impl FnOnce(E) -> ExperimentError {
    let context = context.into();
    move |source| ExperimentError::Context {
        context,
        source: Box::new(source.into()),
    }
}

/// An [`ExperimentError::Invalid`] about the request field `option`.
pub(crate) fn invalid(option: &str, reason: impl Into<String>) -> ExperimentError {
    ExperimentError::Invalid {
        option: option.into(),
        reason: reason.into(),
    }
}

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ExperimentError {
    let path = path.into();
    move |source| ExperimentError::Io { path, source }
}
