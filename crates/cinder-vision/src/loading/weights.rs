//! Weight files: safetensors and PyTorch `.pth`/`.pt` state dicts read into float32 tensors by key,
//! and written back as safetensors (atomically).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, VisionError};

/// One stored tensor: row-major float32 values in the file's own layout.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTensor {
    /// Extents, outermost first.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

/// The tensors of a weight file by key, with the file's string metadata.
#[derive(Debug, Clone, Default)]
pub struct WeightFile {
    /// Where the tensors came from (a path, or a name given by the caller), for error messages.
    pub source: String,
    /// Tensors by key.
    pub tensors: BTreeMap<String, StoredTensor>,
    /// The safetensors header's `__metadata__` (empty for PyTorch files).
    pub metadata: BTreeMap<String, String>,
}

impl WeightFile {
    /// Reads a weight file, choosing the reader by extension (`.safetensors`; `.pth`, `.pt`,
    /// `.bin`, `.ckpt`) or, failing that, by content (a ZIP or pickle is PyTorch).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match extension.as_str() {
            "safetensors" => Self::read_safetensors(path),
            "pth" | "pt" | "bin" | "ckpt" => Self::read_pytorch(path),
            _ => {
                let bytes = read_bytes(path)?;
                if bytes.starts_with(b"PK") || bytes.first() == Some(&0x80) {
                    Self::read_pytorch(path)
                } else {
                    Self::from_safetensors_bytes(&bytes, path.display().to_string())
                }
            }
        }
    }

    /// Reads a safetensors file.
    pub fn read_safetensors(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_bytes(path)?;
        Self::from_safetensors_bytes(&bytes, path.display().to_string())
    }

    /// Parses safetensors bytes; `source` names them in errors.
    pub fn from_safetensors_bytes(bytes: &[u8], source: impl Into<String>) -> Result<Self> {
        use safetensors::Dtype;
        let source = source.into();
        let parse_error = |message: String| VisionError::WeightFile {
            path: PathBuf::from(&source),
            format: "safetensors",
            message,
        };
        let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| parse_error(e.to_string()))?;
        let metadata: BTreeMap<String, String> = header
            .metadata()
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let parsed =
            safetensors::SafeTensors::deserialize(bytes).map_err(|e| parse_error(e.to_string()))?;
        let mut tensors = BTreeMap::new();
        for (key, view) in parsed.iter() {
            let data = view.data();
            let kind = match view.dtype() {
                Dtype::F32 => Some(FloatKind::F32),
                Dtype::F64 => Some(FloatKind::F64),
                Dtype::F16 => Some(FloatKind::F16),
                Dtype::BF16 => Some(FloatKind::BF16),
                Dtype::I64 if key.ends_with("num_batches_tracked") => None,
                other => {
                    return Err(VisionError::UnsupportedDtype {
                        path: PathBuf::from(&source),
                        key: key.to_string(),
                        dtype: format!("{other:?}"),
                    });
                }
            };
            let values = kind.map_or_else(Vec::new, |k| float_values(k, data, true));
            tensors.insert(
                key.to_string(),
                StoredTensor {
                    shape: view.shape().to_vec(),
                    values,
                },
            );
        }
        Ok(Self {
            source,
            tensors,
            metadata,
        })
    }

    /// Reads a PyTorch checkpoint (`torch.save(state_dict)`; a `state_dict` or `model` entry
    /// holding the weights is looked into).
    pub fn read_pytorch(path: impl AsRef<Path>) -> Result<Self> {
        use pytorch_reader::{DType, PytorchReader};
        let path = path.as_ref();
        let error = |message: String| VisionError::WeightFile {
            path: path.to_path_buf(),
            format: "pytorch",
            message,
        };
        let mut reader = PytorchReader::new(path).map_err(|e| error(e.to_string()))?;
        if reader.is_empty() {
            for key in ["state_dict", "model"] {
                if let Ok(nested) = PytorchReader::with_top_level_key(path, key)
                    && !nested.is_empty()
                {
                    reader = nested;
                    break;
                }
            }
        }
        let mut tensors = BTreeMap::new();
        for (key, tensor) in reader.into_tensors() {
            let bytes = tensor.read().map_err(|e| error(e.to_string()))?;
            let kind = match tensor.dtype() {
                DType::F32 => Some(FloatKind::F32),
                DType::F64 => Some(FloatKind::F64),
                DType::F16 => Some(FloatKind::F16),
                DType::BF16 => Some(FloatKind::BF16),
                DType::I64 if key.ends_with("num_batches_tracked") => None,
                other => {
                    return Err(VisionError::UnsupportedDtype {
                        path: path.to_path_buf(),
                        key,
                        dtype: format!("{other:?}"),
                    });
                }
            };
            // pytorch-reader hands back native-endian bytes.
            let little = cfg!(target_endian = "little");
            let values = kind.map_or_else(Vec::new, |k| float_values(k, &bytes, little));
            tensors.insert(
                key,
                StoredTensor {
                    shape: tensor.shape().to_vec(),
                    values,
                },
            );
        }
        Ok(Self {
            source: path.display().to_string(),
            tensors,
            metadata: BTreeMap::new(),
        })
    }

    /// The file as safetensors bytes (float32, keys sorted, metadata kept).
    pub fn to_safetensors_bytes(&self) -> Vec<u8> {
        let mut offset = 0usize;
        let mut header = serde_json::Map::new();
        if !self.metadata.is_empty() {
            let metadata: serde_json::Map<String, serde_json::Value> = self
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            header.insert("__metadata__".into(), metadata.into());
        }
        for (key, tensor) in &self.tensors {
            let length = tensor.values.len() * 4;
            header.insert(
                key.clone(),
                serde_json::json!({
                    "dtype": "F32",
                    "shape": tensor.shape,
                    "data_offsets": [offset, offset + length],
                }),
            );
            offset += length;
        }
        let mut header = serde_json::Value::Object(header).to_string().into_bytes();
        while !header.len().is_multiple_of(8) {
            header.push(b' ');
        }
        let mut bytes = Vec::with_capacity(8 + header.len() + offset);
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&header);
        for tensor in self.tensors.values() {
            for value in &tensor.values {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        }
        bytes
    }

    /// Writes the file as safetensors, through a temporary file renamed into place.
    pub fn write_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), &self.to_safetensors_bytes())
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place, so
/// an interrupted write never leaves a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_through_temporary(path, |temporary| {
        let mut file = std::fs::File::create(temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    })
}

/// Lets `write` create a temporary file beside `path` (same folder, `.<name>.<pid>.tmp`), then
/// renames it into place; on failure the temporary file is removed and `path` is untouched.
pub fn write_through_temporary(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<()> {
    let io = |source| VisionError::Io {
        path: path.to_path_buf(),
        source,
    };
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(directory).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = write(&temporary).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(io)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| VisionError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A stored floating-point type.
#[derive(Debug, Clone, Copy)]
enum FloatKind {
    F32,
    F64,
    F16,
    BF16,
}

/// Decodes `bytes` of `kind` (little- or big-endian) to float32.
fn float_values(kind: FloatKind, bytes: &[u8], little_endian: bool) -> Vec<f32> {
    let u16_of = |b: &[u8]| {
        let pair = [b[0], b[1]];
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    };
    match kind {
        FloatKind::F32 => bytes
            .chunks_exact(4)
            .map(|b| {
                let quad = [b[0], b[1], b[2], b[3]];
                if little_endian {
                    f32::from_le_bytes(quad)
                } else {
                    f32::from_be_bytes(quad)
                }
            })
            .collect(),
        FloatKind::F64 => bytes
            .chunks_exact(8)
            .map(|b| {
                let octet: [u8; 8] = b.try_into().expect("8 bytes");
                (if little_endian {
                    f64::from_le_bytes(octet)
                } else {
                    f64::from_be_bytes(octet)
                }) as f32
            })
            .collect(),
        FloatKind::F16 => bytes
            .chunks_exact(2)
            .map(|b| half_to_f32(u16_of(b)))
            .collect(),
        FloatKind::BF16 => bytes
            .chunks_exact(2)
            .map(|b| f32::from_bits((u16_of(b) as u32) << 16))
            .collect(),
    }
}

/// IEEE half precision to single.
fn half_to_f32(bits: u16) -> f32 {
    let sign = ((bits >> 15) as u32) << 31;
    let exponent = ((bits >> 10) & 0x1f) as u32;
    let mantissa = (bits & 0x3ff) as u32;
    let value = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: normalize.
            let shift = m.leading_zeros() - 21;
            let m = (m << shift) & 0x3ff;
            sign | ((113 - shift) << 23) | (m << 13)
        }
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_converts_normals_subnormals_and_infinity() {
        assert_eq!(half_to_f32(0x3c00), 1.0);
        assert_eq!(half_to_f32(0xc000), -2.0);
        assert_eq!(half_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(half_to_f32(0x7c00), f32::INFINITY);
        assert_eq!(half_to_f32(0x3555), 0.333_251_95);
    }

    #[test]
    fn safetensors_round_trip_keeps_values_shapes_and_metadata() {
        let mut file = WeightFile {
            source: "memory".into(),
            ..Default::default()
        };
        file.tensors.insert(
            "a.weight".into(),
            StoredTensor {
                shape: vec![2, 3],
                values: vec![1.0, -2.0, 3.5, 0.0, 1e-8, -7.25],
            },
        );
        file.tensors.insert(
            "b".into(),
            StoredTensor {
                shape: vec![1],
                values: vec![42.0],
            },
        );
        file.metadata.insert("architecture".into(), "test".into());
        let bytes = file.to_safetensors_bytes();
        let back = WeightFile::from_safetensors_bytes(&bytes, "again").unwrap();
        assert_eq!(back.tensors, file.tensors);
        assert_eq!(back.metadata, file.metadata);
    }

    #[test]
    fn truncated_safetensors_is_a_typed_error_naming_the_source() {
        let err = WeightFile::from_safetensors_bytes(&[1, 0, 0], "broken.safetensors").unwrap_err();
        assert!(err.to_string().contains("broken.safetensors"), "{err}");
    }
}
