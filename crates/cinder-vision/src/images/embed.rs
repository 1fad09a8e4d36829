//! Image embeddings in batches with an on-disk cache: each embedding is stored under the SHA-256
//! of the image's bytes, inside a folder named by the SHA-256 of the weight file and the
//! preprocessing, so a second run over the same images does no CNN work at all.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use image::RgbImage;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Result, VisionError};
use crate::images::preprocess::load_rgb;
use crate::loading::pretrained::Pretrained;
use crate::loading::weights::write_atomically;

/// An image to embed: a file, or decoded pixels with a name.
#[derive(Debug, Clone)]
pub enum ImageSource {
    /// An image file (its bytes key the cache).
    File(PathBuf),
    /// Decoded pixels (their bytes and size key the cache).
    Pixels(RgbImage),
}

impl ImageSource {
    fn key(&self) -> Result<String> {
        let mut hasher = Sha256::new();
        match self {
            ImageSource::File(path) => {
                let bytes = std::fs::read(path).map_err(|source| VisionError::Io {
                    path: path.clone(),
                    source,
                })?;
                hasher.update(b"file");
                hasher.update(&bytes);
            }
            ImageSource::Pixels(image) => {
                hasher.update(b"rgb8");
                hasher.update(image.width().to_le_bytes());
                hasher.update(image.height().to_le_bytes());
                hasher.update(image.as_raw());
            }
        }
        Ok(hex(&hasher.finalize()))
    }

    fn decode(&self) -> Result<RgbImage> {
        match self {
            ImageSource::File(path) => load_rgb(path),
            ImageSource::Pixels(image) => Ok(image.clone()),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A folder of cached embeddings for one model + preprocessing.
#[derive(Debug, Clone)]
pub struct EmbeddingCache {
    /// `<root>/<model key>/`.
    pub directory: PathBuf,
}

impl EmbeddingCache {
    /// The cache of `pretrained` under `root`: the key hashes the weight file's bytes (or, for a
    /// model without a readable file, its architecture) and the preprocessing.
    pub fn new(root: &Path, pretrained: &Pretrained) -> Result<Self> {
        let mut hasher = Sha256::new();
        if pretrained.is_embedded() {
            hasher.update(crate::loading::embedded::EMBEDDED_WEIGHTS);
        } else {
            match std::fs::read(&pretrained.source) {
                Ok(bytes) => hasher.update(&bytes),
                Err(_) => hasher.update(pretrained.architecture.to_string().as_bytes()),
            }
        }
        hasher.update(format!("{:?}", pretrained.preprocessing).as_bytes());
        hasher.update(b"embed: global average of the last feature map");
        Ok(Self {
            directory: root.join(&hex(&hasher.finalize())[..24]),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.directory.join(&key[..2]).join(format!("{key}.f32"))
    }

    /// The cached embedding under `key`, if there is one of exactly `dims` finite values; a
    /// truncated or corrupt entry counts as missing, so it is recomputed and overwritten.
    fn get(&self, key: &str, dims: usize) -> Option<Vec<f32>> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        if bytes.len() != dims * 4 {
            return None;
        }
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        values.iter().all(|v| v.is_finite()).then_some(values)
    }

    fn put(&self, key: &str, values: &[f32]) -> Result<()> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        write_atomically(&self.path(key), &bytes)
    }
}

/// Embeddings of many images, with how many came from the cache.
#[derive(Debug, Clone)]
pub struct Embeddings {
    /// `rows × dims`, row-major.
    pub values: Vec<f32>,
    /// Number of images.
    pub rows: usize,
    /// Embedding size.
    pub dims: usize,
    /// Images whose embedding was read from the cache.
    pub cached: usize,
    /// Images that ran through the network.
    pub computed: usize,
}

/// Embeds `sources` with `pretrained` (global average of the last feature map) in batches of
/// `batch_size`, reading and filling `cache` when given; `progress` is called with the number of
/// images done.
pub fn embed_images(
    pretrained: &Pretrained,
    sources: &[ImageSource],
    cache: Option<&EmbeddingCache>,
    batch_size: usize,
    device: &Device,
    mut progress: impl FnMut(usize),
) -> Result<Embeddings> {
    let keys: Vec<String> = match cache {
        Some(_) => sources
            .iter()
            .map(ImageSource::key)
            .collect::<Result<_>>()?,
        None => Vec::new(),
    };
    let mut rows: Vec<Option<Vec<f32>>> = match cache {
        Some(cache) => {
            let dims = pretrained.model.embedding_size();
            keys.iter().map(|k| cache.get(k, dims)).collect()
        }
        None => vec![None; sources.len()],
    };
    let cached = rows.iter().filter(|r| r.is_some()).count();
    let missing: Vec<usize> = (0..sources.len()).filter(|&i| rows[i].is_none()).collect();
    progress(cached);
    let mut done = cached;
    let chunks: Vec<&[usize]> = missing.chunks(batch_size.max(1)).collect();
    // A worker decodes, resizes and normalizes the next batch while this thread runs the
    // network on the current one (one batch ahead: a bounded channel). An error, or this
    // thread returning early, drops the channel and ends the worker.
    std::thread::scope(|scope| -> Result<()> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Tensor<4>>>(1);
        let preprocessing = &pretrained.preprocessing;
        let worker_chunks = chunks.clone();
        scope.spawn(move || {
            for chunk in worker_chunks {
                let batch = chunk
                    .par_iter()
                    .map(|&i| sources[i].decode())
                    .collect::<Result<Vec<_>>>()
                    .map(|images| preprocessing.batch(&images, device));
                let failed = batch.is_err();
                if sender.send(batch).is_err() || failed {
                    break;
                }
            }
        });
        for chunk in chunks {
            let input = receiver.recv().map_err(|_| {
                VisionError::InvalidArgument("the image decoding worker stopped".into())
            })??;
            let embedded = pretrained.model.embed(input);
            let [count, dims] = embedded.dims();
            let values: Vec<f32> = embedded.into_data().try_to_vec::<f32>().unwrap_or_default();
            for (row, &index) in chunk.iter().enumerate().take(count) {
                let vector = values[row * dims..(row + 1) * dims].to_vec();
                if let Some(cache) = cache {
                    cache.put(&keys[index], &vector)?;
                }
                rows[index] = Some(vector);
            }
            done += chunk.len();
            progress(done);
        }
        Ok(())
    })?;
    let dims = rows.iter().flatten().map(Vec::len).next().unwrap_or(0);
    let mut values = Vec::with_capacity(rows.len() * dims);
    for (index, row) in rows.into_iter().enumerate() {
        let row = row.unwrap_or_default();
        if row.len() != dims {
            return Err(VisionError::InvalidArgument(format!(
                "cached embedding of image {index} has {} values, expected {dims} (a stale cache?)",
                row.len()
            )));
        }
        values.extend(row);
    }
    Ok(Embeddings {
        values,
        rows: sources.len(),
        dims,
        cached,
        computed: missing.len(),
    })
}
