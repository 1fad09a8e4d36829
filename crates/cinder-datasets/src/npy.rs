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

/// Reads a `.npy` file.
pub(crate) fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_npy(&bytes).map_err(|reason| DatasetError::Format {
        path: path.to_path_buf(),
        reason,
    })
}

pub(crate) fn parse_npy(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (missing \\x93NUMPY magic)".into());
    }
    let (header_length, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        version => return Err(format!("unsupported .npy version {version}")),
    };
    let data_start = header_start + header_length;
    let header = bytes
        .get(header_start..data_start)
        .ok_or("truncated header")?;
    let header = String::from_utf8_lossy(header);
    let field = |key: &str| -> std::result::Result<String, String> {
        let start = header
            .find(&format!("'{key}':"))
            .ok_or(format!("header has no '{key}'"))?
            + key.len()
            + 3;
        Ok(header[start..].trim_start().to_string())
    };
    let descr = field("descr")?;
    let descr = descr.trim_start_matches('\'');
    let descr = &descr[..descr.find('\'').ok_or("bad descr")?];
    if descr.len() < 3 || !descr.is_ascii() {
        return Err(format!("unsupported dtype {descr:?}"));
    }
    if field("fortran_order")?.starts_with("True") {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape_text = field("shape")?;
    let shape_text = shape_text
        .strip_prefix('(')
        .and_then(|rest| rest.find(')').map(|end| &rest[..end]))
        .ok_or("bad shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("bad shape entry {s:?}")))
        .collect::<std::result::Result<_, _>>()?;
    let (endian, kind_size) = descr.split_at(1);
    if endian == ">" {
        return Err(format!("big-endian dtype {descr} is not supported"));
    }
    let (kind, size) = kind_size.split_at(1);
    let size: usize = size
        .parse()
        .map_err(|_| format!("unsupported dtype {descr}"))?;
    // A crafted header must not overflow or divide by a zero-sized element.
    let needed = (size > 0)
        .then(|| shape.iter().try_fold(size, |acc, &d| acc.checked_mul(d)))
        .flatten()
        .ok_or_else(|| {
            format!("array of shape {shape:?} and dtype {descr} has no valid byte size")
        })?;
    let data = &bytes[data_start.min(bytes.len())..];
    if data.len() < needed {
        return Err(format!(
            "array of shape {shape:?} and dtype {descr} needs {needed} bytes, file has {}",
            data.len()
        ));
    }
    let values = data[..needed]
        .chunks_exact(size)
        .map(|c| match (kind, size) {
            ("f", 4) => Ok(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            ("f", 8) => Ok(f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
            ("i", 1) => Ok(f64::from(c[0] as i8)),
            ("i", 4) => Ok(f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            ("i", 8) => Ok(i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64),
            ("u", 1) | ("b", 1) => Ok(f64::from(c[0])),
            _ => Err(format!("unsupported dtype {descr}")),
        })
        .collect::<std::result::Result<_, _>>()?;
    Ok(NpyArray { shape, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

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
        assert!(huge.contains("no valid byte size"), "{huge}");
        let zero = parse_npy(&npy("<f0", "(3,)", &[])).unwrap_err();
        assert!(zero.contains("no valid byte size"), "{zero}");
    }

    #[test]
    fn truncated_data_is_reported() {
        let error = parse_npy(&npy("<f4", "(4,)", &[0; 8])).unwrap_err();
        assert!(error.contains("needs 16 bytes"), "{error}");
        assert!(parse_npy(b"garbage").is_err());
    }
}
