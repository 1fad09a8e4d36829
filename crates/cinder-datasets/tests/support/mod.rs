//! Writers for crafted test files: `.npy` arrays, stored `.npz` archives (with real CRC-32s) and
//! the pickles Planetoid files are made of. Each test binary uses part of them.
#![allow(dead_code)]

use std::path::PathBuf;

/// A fresh, empty temporary folder named after the test.
pub fn temporary_directory(test: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("cinder-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

/// A `.npy` file of `descr` (`<f8` or `<i8`) with `shape` as written in the header (which may
/// claim more than `values` holds).
pub fn npy(descr: &str, shape: &str, values: &[f64]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for &value in values {
        match descr {
            "<i8" => bytes.extend_from_slice(&(value as i64).to_le_bytes()),
            _ => bytes.extend_from_slice(&value.to_le_bytes()),
        }
    }
    bytes
}

/// A 1-D `.npy` array.
pub fn vector(descr: &str, values: &[f64]) -> Vec<u8> {
    npy(descr, &format!("({},)", values.len()), values)
}

/// A ZIP archive of stored (uncompressed) members, as `numpy.savez` writes.
pub fn npz(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut directory = Vec::new();
    for (name, content) in members {
        let mut crc = flate2::Crc::new();
        crc.update(content);
        let offset = bytes.len() as u32;
        let sizes = [crc.sum(), content.len() as u32, content.len() as u32];
        bytes.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        sizes
            .iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(content);
        directory
            .extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        sizes
            .iter()
            .for_each(|v| directory.extend_from_slice(&v.to_le_bytes()));
        directory.extend_from_slice(&(name.len() as u16).to_le_bytes());
        directory.extend_from_slice(&[0; 12]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name.as_bytes());
    }
    let directory_offset = bytes.len() as u32;
    bytes.extend_from_slice(&directory);
    bytes.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
    let entries = (members.len() as u16).to_le_bytes();
    bytes.extend_from_slice(&entries);
    bytes.extend_from_slice(&entries);
    bytes.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&directory_offset.to_le_bytes());
    bytes.extend_from_slice(&[0, 0]);
    bytes
}

/// Pickle (protocol 2) building blocks, enough for the Planetoid files.
pub mod pickle {
    /// A pickled int.
    pub fn int(value: i32) -> Vec<u8> {
        let mut bytes = vec![b'J'];
        bytes.extend_from_slice(&value.to_le_bytes());
        bytes
    }

    /// A pickled byte string.
    pub fn bytes(content: &[u8]) -> Vec<u8> {
        let mut bytes = vec![b'B'];
        bytes.extend_from_slice(&(content.len() as u32).to_le_bytes());
        bytes.extend_from_slice(content);
        bytes
    }

    fn global(module: &str, name: &str) -> Vec<u8> {
        format!("c{module}\n{name}\n").into_bytes()
    }

    fn tuple(items: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = vec![b'('];
        items.iter().for_each(|item| bytes.extend_from_slice(item));
        bytes.push(b't');
        bytes
    }

    /// A numpy array of int64 (`"i8"`) or float64 (`"f8"`).
    pub fn array(kind: &str, shape: &[usize], values: &[f64]) -> Vec<u8> {
        let raw: Vec<u8> = values
            .iter()
            .flat_map(|&v| match kind {
                "i8" => (v as i64).to_le_bytes(),
                _ => v.to_le_bytes(),
            })
            .collect();
        let mut dtype = global("numpy", "dtype");
        dtype.extend(tuple(&[bytes(kind.as_bytes())]));
        dtype.push(b'R');
        dtype.extend(tuple(&[int(3), bytes(b"<")]));
        dtype.push(b'b');
        let mut pickled = global("numpy.core.multiarray", "_reconstruct");
        pickled.extend(tuple(&[]));
        pickled.push(b'R');
        let shape: Vec<Vec<u8>> = shape.iter().map(|&d| int(d as i32)).collect();
        pickled.extend(tuple(&[
            int(1),
            tuple(&shape),
            dtype,
            vec![0x89],
            bytes(&raw),
        ]));
        pickled.push(b'b');
        pickled
    }

    /// A whole pickle file of a scipy CSR matrix of 0/1 features given as dense rows.
    pub fn csr_file(rows: &[Vec<f64>], columns: usize) -> Vec<u8> {
        let (mut indptr, mut indices, mut data) = (vec![0.0], Vec::new(), Vec::new());
        for row in rows {
            for (column, &value) in row.iter().enumerate() {
                if value != 0.0 {
                    indices.push(column as f64);
                    data.push(value);
                }
            }
            indptr.push(indices.len() as f64);
        }
        let mut pickled = vec![0x80, 2];
        pickled.extend(global("scipy.sparse.csr", "csr_matrix"));
        pickled.extend(tuple(&[]));
        pickled.push(0x81);
        pickled.extend_from_slice(b"}(");
        for (key, value) in [
            (
                "_shape",
                tuple(&[int(rows.len() as i32), int(columns as i32)]),
            ),
            ("indptr", array("i8", &[indptr.len()], &indptr)),
            ("indices", array("i8", &[indices.len()], &indices)),
            ("data", array("f8", &[data.len()], &data)),
        ] {
            pickled.extend(bytes(key.as_bytes()));
            pickled.extend(value);
        }
        pickled.extend_from_slice(b"ub.");
        pickled
    }

    /// A whole pickle file of a float64 matrix.
    pub fn matrix_file(rows: &[Vec<f64>]) -> Vec<u8> {
        let columns = rows.first().map_or(0, Vec::len);
        let mut pickled = vec![0x80, 2];
        pickled.extend(array("f8", &[rows.len(), columns], &rows.concat()));
        pickled.push(b'.');
        pickled
    }

    /// A whole pickle file of a dict of int lists (Planetoid's adjacency lists).
    pub fn adjacency_file(lists: &[(i32, Vec<i32>)]) -> Vec<u8> {
        let mut pickled = vec![0x80, 2, b'}', b'('];
        for (node, neighbours) in lists {
            pickled.extend(int(*node));
            pickled.extend_from_slice(b"](");
            neighbours.iter().for_each(|&n| pickled.extend(int(n)));
            pickled.push(b'e');
        }
        pickled.extend_from_slice(b"u.");
        pickled
    }
}
