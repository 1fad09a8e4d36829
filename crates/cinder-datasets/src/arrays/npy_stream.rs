//! Streaming reads of large `.npy` files: the header is parsed from the file's first bytes and
//! the data is read in fixed-size chunks straight into the caller's buffers — the whole file is
//! never held in memory, and nothing is widened to `f64` on the way.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::arrays::npy::{Header, NpyError, decode, parse_header};
use crate::error::{DatasetError, Result};

/// Elements per chunk read.
const CHUNK: usize = 1 << 20;

/// An opened `.npy` file whose declared size fits the file.
pub(crate) struct NpyFile {
    pub(crate) path: PathBuf,
    pub(crate) header: Header,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DatasetError + '_ {
    move |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl NpyFile {
    /// Parses the header and checks that the data the shape declares is in the file.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let mut file = File::open(path).map_err(io(path))?;
        let length = file.metadata().map_err(io(path))?.len() as usize;
        let mut head = vec![0u8; length.min(1 << 16)];
        file.read_exact(&mut head).map_err(io(path))?;
        let header = parse_header(&head).map_err(|e| e.at(path, ""))?;
        let available = length.saturating_sub(header.data_start);
        let needed = header
            .shape
            .iter()
            .try_fold(header.size, |acc, &d| acc.checked_mul(d));
        if needed.is_none_or(|needed| needed > available) {
            return Err(NpyError::Truncated {
                shape: header.shape.clone(),
                descr: header.descr.clone(),
                needed,
                available,
            }
            .at(path, ""));
        }
        Ok(Self {
            path: path.to_path_buf(),
            header,
        })
    }

    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.header.shape.iter().product()
    }

    /// Calls `visit(position, value)` for `count` elements from element `start`, in order.
    pub(crate) fn for_each(
        &self,
        start: usize,
        count: usize,
        mut visit: impl FnMut(usize, f64) -> Result<()>,
    ) -> Result<()> {
        let mut reader = self.reader(start)?;
        let size = self.header.size;
        let mut buffer = vec![0u8; CHUNK * size];
        let mut done = 0;
        while done < count {
            let take = (count - done).min(CHUNK);
            reader
                .read_exact(&mut buffer[..take * size])
                .map_err(io(&self.path))?;
            for (offset, element) in buffer[..take * size].chunks_exact(size).enumerate() {
                visit(start + done + offset, decode(&self.header.kind, element))?;
            }
            done += take;
        }
        Ok(())
    }

    /// A buffered reader positioned at element `start`.
    pub(crate) fn reader(&self, start: usize) -> Result<BufReader<File>> {
        let mut file = File::open(&self.path).map_err(io(&self.path))?;
        let offset = self.header.data_start + start * self.header.size;
        file.seek(SeekFrom::Start(offset as u64))
            .map_err(io(&self.path))?;
        Ok(BufReader::with_capacity(1 << 20, file))
    }

    /// Every element as `f32`: float32 data is read straight into the result, other dtypes are
    /// converted element by element.
    pub(crate) fn to_f32(&self) -> Result<Vec<f32>> {
        let count = self.len();
        let mut values = Vec::with_capacity(count);
        if (self.header.kind.as_str(), self.header.size) == ("f", 4) {
            let mut reader = self.reader(0)?;
            let mut buffer = vec![0u8; CHUNK * 4];
            while values.len() < count {
                let take = (count - values.len()).min(CHUNK);
                reader
                    .read_exact(&mut buffer[..take * 4])
                    .map_err(io(&self.path))?;
                values.extend(
                    buffer[..take * 4]
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
            }
        } else {
            self.for_each(0, count, |_, value| {
                values.push(value as f32);
                Ok(())
            })?;
        }
        Ok(values)
    }
}
