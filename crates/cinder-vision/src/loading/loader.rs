//! Building a model from weights: each layer asks for its tensors by key, in the file's layout;
//! the loader converts layouts, records what is missing, mismatched or left over, and fails at
//! the end with one error listing all of it (strict by default).

use std::collections::BTreeSet;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{Result, ShapeMismatch, VisionError};
use crate::loading::weights::WeightFile;

/// How a convolution kernel is stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelLayout {
    /// PyTorch: `[out, in / groups, kh, kw]`.
    Oihw,
    /// Keras `Conv2D`: `[kh, kw, in, out]`.
    Hwio,
    /// Keras `DepthwiseConv2D` with depth multiplier 1: `[kh, kw, channels, 1]`.
    HwcDepthwise,
}

/// How a dense layer's matrix is stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixLayout {
    /// PyTorch `nn.Linear`: `[out, in]`.
    OutIn,
    /// Keras `Dense`: `[in, out]`.
    InOut,
    /// Keras 1×1 `Conv2D` used as a classifier: `[1, 1, in, out]`.
    Conv1x1,
}

/// What a freshly initialized (not loaded) tensor holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// Uniform in `±sqrt(6 / fan_in)` (He uniform, for ReLU networks).
    FanIn(usize),
    /// All ones (batch-norm scale, running variance).
    Ones,
    /// All zeros (biases, shifts, running means).
    Zeros,
}

enum Source {
    File(WeightFile),
    Random { seed: u64, counter: u64 },
}

/// Hands out parameters by key, from a weight file or freshly initialized.
pub struct WeightLoader {
    source: Source,
    device: Device,
    used: BTreeSet<String>,
    missing: Vec<String>,
    mismatched: Vec<ShapeMismatch>,
}

impl WeightLoader {
    /// Loads from `file`.
    pub fn from_file(file: WeightFile, device: &Device) -> Self {
        Self {
            source: Source::File(file),
            device: device.clone(),
            used: BTreeSet::new(),
            missing: Vec::new(),
            mismatched: Vec::new(),
        }
    }

    /// Initializes every parameter from `seed` (He uniform weights, unit batch norms).
    pub fn random(seed: u64, device: &Device) -> Self {
        Self {
            source: Source::Random { seed, counter: 0 },
            device: device.clone(),
            used: BTreeSet::new(),
            missing: Vec::new(),
            mismatched: Vec::new(),
        }
    }

    /// The device parameters are created on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The file's metadata (empty for random initialization).
    pub fn metadata(&self, key: &str) -> Option<&str> {
        match &self.source {
            Source::File(file) => file.metadata.get(key).map(String::as_str),
            Source::Random { .. } => None,
        }
    }

    /// Whether the source has `key` (random initialization has every key).
    pub fn has(&self, key: &str) -> bool {
        match &self.source {
            Source::File(file) => file.tensors.contains_key(key),
            Source::Random { .. } => true,
        }
    }

    /// The stored shape of `key` (`None` when absent or initializing randomly).
    pub fn shape(&self, key: &str) -> Option<Vec<usize>> {
        match &self.source {
            Source::File(file) => file.tensors.get(key).map(|t| t.shape.clone()),
            Source::Random { .. } => None,
        }
    }

    /// Values of `key` with `shape` in the file's layout; zeros (and a recorded problem) when
    /// the key is missing or its shape differs.
    pub fn values(&mut self, key: &str, shape: &[usize], init: Init) -> Vec<f32> {
        let count: usize = shape.iter().product();
        match &mut self.source {
            Source::Random { seed, counter } => {
                *counter += 1;
                initial_values(count, init, *seed, *counter)
            }
            Source::File(file) => {
                self.used.insert(key.to_string());
                match file.tensors.get(key) {
                    None => {
                        self.missing.push(key.to_string());
                        vec![0.0; count]
                    }
                    Some(stored) if stored.shape != shape => {
                        // A scalar stored as [n] vs [1, 1, n] is not accepted: layouts must be
                        // exact, so a transposed file cannot load silently.
                        self.mismatched.push(ShapeMismatch {
                            key: key.to_string(),
                            expected: shape.to_vec(),
                            found: stored.shape.clone(),
                        });
                        vec![0.0; count]
                    }
                    Some(stored) => stored.values.clone(),
                }
            }
        }
    }

    /// A convolution kernel `[out, in / groups, kh, kw]` (Burn's layout) read from `key`.
    pub fn kernel(
        &mut self,
        key: &str,
        layout: KernelLayout,
        shape: [usize; 4],
    ) -> Param<Tensor<4>> {
        let [out, inputs, kh, kw] = shape;
        let fan_in = inputs * kh * kw;
        let values = match layout {
            KernelLayout::Oihw => self.values(key, &shape, Init::FanIn(fan_in)),
            KernelLayout::Hwio => {
                let stored = self.values(key, &[kh, kw, inputs, out], Init::FanIn(fan_in));
                permute(&stored, [kh, kw, inputs, out], [3, 2, 0, 1])
            }
            KernelLayout::HwcDepthwise => {
                assert_eq!(
                    inputs, 1,
                    "depthwise kernels have one input channel per group"
                );
                let stored = self.values(key, &[kh, kw, out, 1], Init::FanIn(fan_in));
                permute(&stored, [kh, kw, out, 1], [2, 3, 0, 1])
            }
        };
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            &self.device,
        ))
    }

    /// A dense matrix `[in, out]` (Burn's `Linear` layout) read from `key`.
    pub fn matrix(
        &mut self,
        key: &str,
        layout: MatrixLayout,
        inputs: usize,
        outputs: usize,
    ) -> Param<Tensor<2>> {
        let init = Init::FanIn(inputs);
        let values = match layout {
            MatrixLayout::OutIn => {
                let stored = self.values(key, &[outputs, inputs], init);
                permute2(&stored, outputs, inputs)
            }
            MatrixLayout::InOut => self.values(key, &[inputs, outputs], init),
            MatrixLayout::Conv1x1 => self.values(key, &[1, 1, inputs, outputs], init),
        };
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, [inputs, outputs]),
            &self.device,
        ))
    }

    /// A vector of `length` read from `key`.
    pub fn vector(&mut self, key: &str, length: usize, init: Init) -> Param<Tensor<1>> {
        let values = self.values(key, &[length], init);
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, [length]),
            &self.device,
        ))
    }

    /// Marks `key` as read without using it (e.g. `num_batches_tracked`).
    pub fn skip(&mut self, key: &str) {
        self.used.insert(key.to_string());
    }

    /// Finishes loading: fails with every missing, mismatched and unexpected key, except
    /// unexpected keys starting with one of `skippable` (deliberately unused parts of the file,
    /// such as a classifier when only the backbone is wanted) or ending in
    /// `num_batches_tracked`.
    pub fn finish(self, architecture: &str, skippable: &[&str]) -> Result<()> {
        let Source::File(file) = self.source else {
            return Ok(());
        };
        let unexpected: Vec<String> = file
            .tensors
            .keys()
            .filter(|key| !self.used.contains(*key))
            .filter(|key| !key.ends_with("num_batches_tracked"))
            .filter(|key| !skippable.iter().any(|prefix| key.starts_with(prefix)))
            .cloned()
            .collect();
        if self.missing.is_empty() && self.mismatched.is_empty() && unexpected.is_empty() {
            return Ok(());
        }
        Err(VisionError::WeightMismatch {
            source_name: file.source,
            architecture: architecture.to_string(),
            missing: self.missing,
            unexpected,
            mismatched: self.mismatched,
        })
    }
}

/// Row-major permutation: output axis `k` is input axis `axes[k]`.
fn permute(values: &[f32], shape: [usize; 4], axes: [usize; 4]) -> Vec<f32> {
    let out_shape = axes.map(|a| shape[a]);
    let mut strides = [0usize; 4];
    let mut stride = 1;
    for axis in (0..4).rev() {
        strides[axis] = stride;
        stride *= shape[axis];
    }
    let source_strides = axes.map(|a| strides[a]);
    let mut out = Vec::with_capacity(values.len());
    for i0 in 0..out_shape[0] {
        for i1 in 0..out_shape[1] {
            for i2 in 0..out_shape[2] {
                for i3 in 0..out_shape[3] {
                    out.push(
                        values[i0 * source_strides[0]
                            + i1 * source_strides[1]
                            + i2 * source_strides[2]
                            + i3 * source_strides[3]],
                    );
                }
            }
        }
    }
    out
}

/// Transpose of a row-major `rows × cols` matrix.
fn permute2(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

fn initial_values(count: usize, init: Init, seed: u64, counter: u64) -> Vec<f32> {
    match init {
        Init::Ones => vec![1.0; count],
        Init::Zeros => vec![0.0; count],
        Init::FanIn(fan_in) => {
            let bound = (6.0 / fan_in.max(1) as f64).sqrt();
            let mut state = splitmix(seed ^ counter.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            (0..count)
                .map(|_| {
                    state = splitmix(state);
                    let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
                    ((unit * 2.0 - 1.0) * bound) as f32
                })
                .collect()
        }
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loading::weights::StoredTensor;

    fn file(entries: &[(&str, Vec<usize>)]) -> WeightFile {
        let mut file = WeightFile {
            source: "test.safetensors".into(),
            ..Default::default()
        };
        for (key, shape) in entries {
            let count = shape.iter().product::<usize>();
            file.tensors.insert(
                key.to_string(),
                StoredTensor {
                    shape: shape.clone(),
                    values: (0..count).map(|i| i as f32).collect(),
                },
            );
        }
        file
    }

    #[test]
    fn keras_kernels_are_transposed_to_burn_layout() {
        let device = Device::flex();
        let mut loader = WeightLoader::from_file(file(&[("c/kernel", vec![1, 2, 3, 4])]), &device);
        let kernel = loader.kernel("c/kernel", KernelLayout::Hwio, [4, 3, 1, 2]);
        loader.finish("test", &[]).unwrap();
        let values = kernel.val().into_data().try_to_vec::<f32>().unwrap();
        // Burn [o, i, h, w] = Keras [h, w, i, o] = h*24 + w*12 + i*4 + o.
        for o in 0..4 {
            for i in 0..3 {
                for w in 0..2 {
                    assert_eq!(values[o * 6 + i * 2 + w], (w * 12 + i * 4 + o) as f32);
                }
            }
        }
    }

    #[test]
    fn strict_loading_lists_missing_unexpected_and_mismatched_keys() {
        let device = Device::flex();
        let mut loader = WeightLoader::from_file(
            file(&[
                ("a.weight", vec![2, 3]),
                ("b.weight", vec![5]),
                ("extra.bias", vec![1]),
                ("head.weight", vec![1]),
                ("bn.num_batches_tracked", vec![]),
            ]),
            &device,
        );
        loader.matrix("a.weight", MatrixLayout::OutIn, 2, 3);
        loader.vector("b.weight", 4, Init::Zeros);
        loader.vector("c.weight", 4, Init::Zeros);
        let err = loader.finish("demo-net", &["head."]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("test.safetensors"), "{text}");
        assert!(text.contains("demo-net"), "{text}");
        match err {
            VisionError::WeightMismatch {
                missing,
                unexpected,
                mismatched,
                ..
            } => {
                assert_eq!(missing, vec!["c.weight".to_string()]);
                assert_eq!(unexpected, vec!["extra.bias".to_string()]);
                assert_eq!(mismatched.len(), 2, "{mismatched:?}");
                assert_eq!(mismatched[0].key, "a.weight");
                assert_eq!(mismatched[1].expected, vec![4]);
                assert_eq!(mismatched[1].found, vec![5]);
            }
            other => panic!("unexpected error {other}"),
        }
    }
}
