//! A reader for NumPy `.npy` files (format versions 1–3, C order, little-endian numeric dtypes).

use std::path::Path;

use crate::error::{DatasetError, Result};

/// A decoded `.npy` array: its shape and every element as f64 (exact for the integer ranges and
/// float32 values graph files hold).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NpyArray {
    pub(crate) shape: Vec<usize>,
    pub(crate) values: Vec<f64>,
}

/// Why bytes are not a `.npy` array cinder can read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NpyError {
    /// Objects, strings or other non-numeric elements (`.npz` archives carry such arrays of names,
    /// which graph loaders skip).
    NotNumeric(String),
    /// The header's shape needs more data than follows it (checked before anything is allocated).
    Truncated {
        shape: Vec<usize>,
        descr: String,
        /// `None` when the size overflows 64 bits.
        needed: Option<usize>,
        available: usize,
    },
    /// Anything else wrong with the header or the dtype.
    Invalid(String),
}

impl std::fmt::Display for NpyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NpyError::NotNumeric(descr) => write!(f, "dtype {descr} is not numeric"),
            NpyError::Truncated {
                shape,
                descr,
                needed,
                available,
            } => write!(
                f,
                "array of shape {shape:?} and dtype {descr} needs {}, file has {available}",
                byte_count(*needed)
            ),
            NpyError::Invalid(reason) => f.write_str(reason),
        }
    }
}

impl NpyError {
    /// The typed dataset error for `path` (`member` names an archive member, empty for a file).
    pub(crate) fn at(self, path: &Path, member: &str) -> DatasetError {
        let prefix = if member.is_empty() {
            String::new()
        } else {
            format!("member {member}: ")
        };
        match self {
            NpyError::Truncated {
                shape,
                descr,
                needed,
                available,
            } => DatasetError::DeclaredSize {
                path: path.to_path_buf(),
                field: format!("{prefix}header shape {shape:?} of dtype {descr}"),
                declared: byte_count(needed),
                available: format!("only {available} bytes follow the header"),
            },
            other => DatasetError::Format {
                path: path.to_path_buf(),
                reason: format!("{prefix}{other}"),
            },
        }
    }
}

fn byte_count(bytes: Option<usize>) -> String {
    bytes.map_or_else(|| "more than 2^64 bytes".into(), |n| format!("{n} bytes"))
}

/// Reads a `.npy` file.
pub(crate) fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_npy(&bytes).map_err(|error| error.at(path, ""))
}

/// Element kinds and sizes cinder decodes.
const NUMERIC: [(&str, usize); 11] = [
    ("f", 4),
    ("f", 8),
    ("i", 1),
    ("i", 2),
    ("i", 4),
    ("i", 8),
    ("u", 1),
    ("u", 2),
    ("u", 4),
    ("u", 8),
    ("b", 1),
];

/// The header of a `.npy` file: dtype (endianness stripped), shape and where the data starts.
pub(crate) struct Header {
    pub(crate) descr: String,
    pub(crate) kind: String,
    pub(crate) size: usize,
    pub(crate) shape: Vec<usize>,
    pub(crate) data_start: usize,
}

pub(crate) fn parse_header(bytes: &[u8]) -> std::result::Result<Header, NpyError> {
    let invalid = |reason: &str| NpyError::Invalid(reason.to_string());
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(invalid("not a .npy file (missing \\x93NUMPY magic)"));
    }
    let (header_length, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        version => {
            return Err(NpyError::Invalid(format!(
                "unsupported .npy version {version}"
            )));
        }
    };
    let data_start = header_start + header_length;
    let header = bytes
        .get(header_start..data_start)
        .ok_or_else(|| invalid("truncated header"))?;
    let header = String::from_utf8_lossy(header);
    let field = |key: &str| -> std::result::Result<String, NpyError> {
        let start = header
            .find(&format!("'{key}':"))
            .ok_or_else(|| NpyError::Invalid(format!("header has no '{key}'")))?
            + key.len()
            + 3;
        Ok(header[start..].trim_start().to_string())
    };
    let descr = field("descr")?;
    let descr = descr.trim_start_matches('\'');
    let descr = descr[..descr.find('\'').ok_or_else(|| invalid("bad descr"))?].to_string();
    if field("fortran_order")?.starts_with("True") {
        return Err(invalid("Fortran-ordered arrays are not supported"));
    }
    let shape_text = field("shape")?;
    let shape_text = shape_text
        .strip_prefix('(')
        .and_then(|rest| rest.find(')').map(|end| &rest[..end]))
        .ok_or_else(|| invalid("bad shape"))?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| NpyError::Invalid(format!("bad shape entry {s:?}")))
        })
        .collect::<std::result::Result<_, _>>()?;
    let body = descr.trim_start_matches(['<', '>', '|', '=']);
    if descr.starts_with('>') {
        return Err(NpyError::Invalid(format!(
            "big-endian dtype {descr} is not supported"
        )));
    }
    let kind: String = body.chars().take_while(char::is_ascii_alphabetic).collect();
    if ["O", "U", "S", "a", "V"].contains(&kind.as_str()) {
        return Err(NpyError::NotNumeric(descr));
    }
    let size = body[kind.len()..].parse::<usize>().ok();
    let Some(size) = size.filter(|&size| NUMERIC.contains(&(kind.as_str(), size))) else {
        return Err(NpyError::Invalid(format!("unsupported dtype {descr:?}")));
    };
    Ok(Header {
        descr,
        kind,
        size,
        shape,
        data_start,
    })
}

/// Decodes a `.npy` array. The byte size the header declares is checked against the data that
/// follows before anything is allocated: one flipped byte in a shape cannot request petabytes.
pub(crate) fn parse_npy(bytes: &[u8]) -> std::result::Result<NpyArray, NpyError> {
    let Header {
        descr,
        kind,
        size,
        shape,
        data_start,
    } = parse_header(bytes)?;
    let data = &bytes[data_start.min(bytes.len())..];
    let needed = shape.iter().try_fold(size, |acc, &d| acc.checked_mul(d));
    let Some(needed) = needed.filter(|&needed| needed <= data.len()) else {
        return Err(NpyError::Truncated {
            needed,
            shape,
            descr,
            available: data.len(),
        });
    };
    let values = data[..needed]
        .chunks_exact(size)
        .map(|c| decode(&kind, c))
        .collect();
    Ok(NpyArray { shape, values })
}

/// One little-endian element; `chunk` has the dtype's size (checked by [`parse_header`]).
pub(crate) fn decode(kind: &str, c: &[u8]) -> f64 {
    let mut buffer = [0u8; 8];
    buffer[..c.len()].copy_from_slice(c);
    let signed = |bits: u32| {
        let shift = 64 - bits;
        ((i64::from_le_bytes(buffer) << shift) >> shift) as f64
    };
    match (kind, c.len()) {
        ("f", 4) => f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ("f", _) => f64::from_le_bytes(buffer),
        ("i", n) => signed(8 * n as u32),
        (_, _) => u64::from_le_bytes(buffer) as f64,
    }
}

/// A `.npy` file (format 1.0) with `descr` and `shape` written into its header as given — they
/// may disagree with `data`, which is appended as is. For tests of the reader.
#[cfg(test)]
pub(crate) fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::arrays::npy::npy_bytes as npy;

    #[test]
    fn reads_int64_matrix_and_int8_vector() {
        let data: Vec<u8> = [1i64, 2, 3, 4, 5, -6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let array = parse_npy(&npy("<i8", "(2, 3)", &data)).unwrap();
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(array.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, -6.0]);
        let array = parse_npy(&npy("|i1", "(3,)", &[0, 1, 0xff])).unwrap();
        assert_eq!(array.values, vec![0.0, 1.0, -1.0]);
    }

    #[test]
    fn absurd_shapes_and_zero_sized_dtypes_are_errors() {
        let huge = parse_npy(&npy("<f8", "(4294967296, 4294967296, 16)", &[0; 8])).unwrap_err();
        assert!(
            matches!(huge, NpyError::Truncated { needed: None, .. }),
            "{huge}"
        );
        let zero = parse_npy(&npy("<f0", "(3,)", &[])).unwrap_err();
        assert!(zero.to_string().contains("unsupported dtype"), "{zero}");
    }

    #[test]
    fn truncated_data_is_reported() {
        let error = parse_npy(&npy("<f4", "(4,)", &[0; 8])).unwrap_err();
        assert!(error.to_string().contains("needs 16 bytes"), "{error}");
        assert!(parse_npy(b"garbage").is_err());
    }

    #[test]
    fn a_shape_beyond_the_data_is_a_declared_size_error_naming_the_file() {
        let data: Vec<u8> = [0i64, 1, 1, 0, 2]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        // (5,) with one more digit group, as a corrupted header may read.
        let bytes = npy("<i8", "(1125899906842624,)", &data);
        let directory = std::env::temp_dir().join(format!("cinder-npy-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("y.npy");
        std::fs::write(&path, &bytes).unwrap();
        let error = read_npy(&path).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, DatasetError::DeclaredSize { .. }),
            "{message}"
        );
        assert!(
            message.contains("y.npy")
                && message.contains("[1125899906842624]")
                && message.contains("9007199254740992 bytes")
                && message.contains("only 40 bytes"),
            "{message}"
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn every_numeric_dtype_decodes_and_text_dtypes_are_not_numeric() {
        let array = parse_npy(&npy("<i2", "(2,)", &[0xfe, 0xff, 7, 0])).unwrap();
        assert_eq!(array.values, vec![-2.0, 7.0]);
        let array = parse_npy(&npy("<u4", "(1,)", &[0xff, 0xff, 0xff, 0xff])).unwrap();
        assert_eq!(array.values, vec![4294967295.0]);
        let error = parse_npy(&npy("|O", "(1,)", &[0; 8])).unwrap_err();
        assert!(matches!(error, NpyError::NotNumeric(_)), "{error}");
        let error = parse_npy(&npy("<j8", "(1,)", &[0; 8])).unwrap_err();
        assert!(matches!(error, NpyError::Invalid(_)), "{error}");
    }
}
