//! Typed errors of the CNN bridge: every one names the file, key or image it is about.

use std::path::PathBuf;

/// A tensor whose stored shape is not the shape the model needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeMismatch {
    /// Key in the weight file.
    pub key: String,
    /// Shape the model needs (in the file's own layout).
    pub expected: Vec<usize>,
    /// Shape stored in the file.
    pub found: Vec<usize>,
}

/// Everything that can go wrong in cinder-vision.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A weight file could not be parsed.
    #[error("{path}: not a readable {format} weight file: {message}")]
    WeightFile {
        /// The file.
        path: PathBuf,
        /// `safetensors` or `pytorch`.
        format: &'static str,
        /// What the parser said.
        message: String,
    },
    /// A tensor of a weight file has a dtype cinder cannot convert to float32.
    #[error("{path}: tensor '{key}' has dtype {dtype}, expected a floating-point type")]
    UnsupportedDtype {
        /// The file.
        path: PathBuf,
        /// The tensor.
        key: String,
        /// Its dtype.
        dtype: String,
    },
    /// The weights do not fit the model: keys missing, left over or of the wrong shape.
    #[error("{}", describe_mismatch(.source_name, .architecture, .missing, .unexpected, .mismatched))]
    WeightMismatch {
        /// Where the weights came from.
        source_name: String,
        /// The architecture being loaded.
        architecture: String,
        /// Keys the model needs that the file lacks.
        missing: Vec<String>,
        /// Keys of the file the model did not use (and that were not declared skippable).
        unexpected: Vec<String>,
        /// Keys whose shapes differ.
        mismatched: Vec<ShapeMismatch>,
    },
    /// A metadata field of a weight file holds an unusable value.
    #[error("{path}: metadata {field} = {value:?}: {reason}")]
    Metadata {
        /// The file.
        path: PathBuf,
        /// The metadata key.
        field: &'static str,
        /// The value as stored.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// A weight tensor holds NaN or infinite values.
    #[error("{path}: tensor '{key}' holds NaN or infinite values; the weights are corrupt")]
    NonFiniteWeights {
        /// The file.
        path: PathBuf,
        /// The first tensor found with such values.
        key: String,
    },
    /// The architecture could not be determined or is not known.
    #[error("{0}")]
    Architecture(String),
    /// An image could not be decoded.
    #[error("{path}: cannot decode image: {message}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// A graph could not be built (region graphs).
    #[error("{0}")]
    Graph(#[from] cinder_graph::GraphError),
    /// An argument is out of range (names the argument).
    #[error("{0}")]
    InvalidArgument(String),
    /// A stage name that the model does not have.
    #[error("{architecture} has no stage '{stage}'; its stages are: {}", .available.join(", "))]
    UnknownStage {
        /// The architecture.
        architecture: String,
        /// The requested stage.
        stage: String,
        /// The stage names it has.
        available: Vec<String>,
    },
}

fn describe_mismatch(
    source: &str,
    architecture: &str,
    missing: &[String],
    unexpected: &[String],
    mismatched: &[ShapeMismatch],
) -> String {
    const SHOWN: usize = 12;
    let mut text = format!("{source}: the weights do not fit {architecture}:");
    let list = |keys: &[String]| {
        let mut shown: Vec<String> = keys.iter().take(SHOWN).cloned().collect();
        if keys.len() > SHOWN {
            shown.push(format!("… {} more", keys.len() - SHOWN));
        }
        shown.join(", ")
    };
    if !missing.is_empty() {
        text += &format!(" {} missing key(s): {};", missing.len(), list(missing));
    }
    if !unexpected.is_empty() {
        text += &format!(
            " {} unexpected key(s): {};",
            unexpected.len(),
            list(unexpected)
        );
    }
    if !mismatched.is_empty() {
        let shown: Vec<String> = mismatched
            .iter()
            .take(SHOWN)
            .map(|m| format!("{} (model {:?}, file {:?})", m.key, m.expected, m.found))
            .collect();
        text += &format!(
            " {} shape mismatch(es): {};",
            mismatched.len(),
            shown.join(", ")
        );
    }
    text.pop();
    text
}

/// Result alias of cinder-vision.
pub type Result<T> = std::result::Result<T, VisionError>;
