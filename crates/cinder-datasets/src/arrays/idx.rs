//! IDX files (the MNIST / Fashion-MNIST format, optionally gzip-compressed): labelled 28×28
//! grayscale images. Fashion-MNIST ships in Debian's `dataset-fashion-mnist` package under
//! `/usr/share/datasets/fashion-mnist/` (MIT).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{DatasetError, Result};

/// Grayscale images with one label each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// `count × height × width` bytes, row-major.
    pub pixels: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl IdxImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let size = self.height * self.width;
        &self.pixels[i * size..(i + 1) * size]
    }
}

/// Fashion-MNIST's class names, by label.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let io = |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(io)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses an IDX array of unsigned bytes: returns its dimensions and data.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<(Vec<usize>, Vec<u8>)> {
    let format = |reason: String| DatasetError::Format {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(format(
            "not an IDX file (magic number must start with two zero bytes)".into(),
        ));
    }
    if bytes[2] != 0x08 {
        return Err(format(format!(
            "element type 0x{:02x} is not unsigned byte (0x08)",
            bytes[2]
        )));
    }
    let rank = bytes[3] as usize;
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(format(format!("header of {rank} dimensions is truncated")));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|d| {
            u32::from_be_bytes(bytes[4 + 4 * d..8 + 4 * d].try_into().expect("4 bytes")) as usize
        })
        .collect();
    let count: usize = dims.iter().product();
    if bytes.len() - header != count {
        return Err(format(format!(
            "dimensions {dims:?} need {count} bytes of data, the file has {}",
            bytes.len() - header
        )));
    }
    Ok((dims, bytes[header..].to_vec()))
}

/// Reads an images file (`…-images-idx3-ubyte[.gz]`) and its labels file.
pub fn load_idx(images: &Path, labels: &Path) -> Result<IdxImages> {
    let (image_dims, pixels) = parse_idx(&read_maybe_gzip(images)?, images)?;
    let (label_dims, labels_data) = parse_idx(&read_maybe_gzip(labels)?, labels)?;
    if image_dims.len() != 3 {
        return Err(DatasetError::Format {
            path: images.to_path_buf(),
            reason: format!(
                "images need 3 dimensions (count, height, width), found {image_dims:?}"
            ),
        });
    }
    if label_dims.len() != 1 || label_dims[0] != image_dims[0] {
        return Err(DatasetError::Format {
            path: labels.to_path_buf(),
            reason: format!("{label_dims:?} labels for {} images", image_dims[0]),
        });
    }
    Ok(IdxImages {
        height: image_dims[1],
        width: image_dims[2],
        pixels,
        labels: labels_data,
    })
}

/// Fashion-MNIST's training (60,000) or test (10,000) part from `directory` (the Debian layout:
/// `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-…`).
pub fn load_fashion_mnist(directory: &Path, train: bool) -> Result<IdxImages> {
    let prefix = if train { "train" } else { "t10k" };
    let find = |kind: &str| -> PathBuf {
        let gz = directory.join(format!("{prefix}-{kind}-ubyte.gz"));
        if gz.exists() {
            gz
        } else {
            directory.join(format!("{prefix}-{kind}-ubyte"))
        }
    };
    load_idx(&find("images-idx3"), &find("labels-idx1"))
}

/// scikit-learn's 8×8 handwritten digits as shipped in `datasets/digits/digits.csv.gz` (BSD-3):
/// 1797 images, pixel values 0–16 scaled to 0–255 (`v · 255 / 16`, rounded), labels 0–9.
pub fn embedded_digits() -> Result<IdxImages> {
    const GZ: &[u8] = include_bytes!("../../../../datasets/digits/digits.csv.gz");
    parse_digits(GZ, Path::new("datasets/digits/digits.csv.gz"))
}

/// Parses the digits CSV (gzip or plain): 64 pixel values (0–16) and the label per line.
pub fn parse_digits(bytes: &[u8], path: &Path) -> Result<IdxImages> {
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut out)
            .map_err(|source| DatasetError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        out
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let format = |reason: String| DatasetError::Format {
            path: path.to_path_buf(),
            reason: format!("line {}: {reason}", number + 1),
        };
        if fields.len() != 65 {
            return Err(format(format!(
                "{} fields, expected 64 pixels and a label",
                fields.len()
            )));
        }
        for (column, field) in fields.iter().enumerate() {
            let value: f64 = field
                .parse()
                .map_err(|_| format(format!("field {} {field:?} is not a number", column + 1)))?;
            let limit = if column == 64 { 9.0 } else { 16.0 };
            if !(0.0..=limit).contains(&value) || value.fract() != 0.0 {
                return Err(format(format!(
                    "field {} = {value} is outside 0..={limit}",
                    column + 1
                )));
            }
            if column == 64 {
                labels.push(value as u8);
            } else {
                pixels.push((value * 255.0 / 16.0).round() as u8);
            }
        }
    }
    Ok(IdxImages {
        height: 8,
        width: 8,
        pixels,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend_from_slice(data);
        bytes
    }

    #[test]
    fn embedded_digits_have_1797_images_of_every_class() {
        let digits = embedded_digits().unwrap();
        assert_eq!((digits.len(), digits.height, digits.width), (1797, 8, 8));
        let mut counts = [0; 10];
        for &l in &digits.labels {
            counts[l as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (174..=183).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(digits.pixels.iter().max(), Some(&255));
        let bad = parse_digits(b"1,2,3\n", Path::new("d.csv"))
            .unwrap_err()
            .to_string();
        assert!(bad.contains("d.csv") && bad.contains("line 1"), "{bad}");
    }

    #[test]
    fn parses_dimensions_and_rejects_wrong_sizes() {
        let path = Path::new("x.idx");
        let (dims, data) = parse_idx(&idx(&[2, 2, 3], &[1; 12]), path).unwrap();
        assert_eq!(dims, vec![2, 2, 3]);
        assert_eq!(data.len(), 12);
        let err = parse_idx(&idx(&[2, 2, 3], &[1; 11]), path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.idx") && err.contains("12 bytes"), "{err}");
        assert!(parse_idx(&[1, 2, 3, 4], path).is_err());
    }
}
