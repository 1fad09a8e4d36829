//! The channels-last inference engine of the folded ResNets and MobileNets.
//!
//! Burn's Flex convolutions work image by image in NCHW. A 1×1 convolution there is one small
//! matrix product per image (49 columns at ResNet's last stage). Every 3×3 convolution first
//! converts its input to NHWC. This engine keeps the whole batch channels-last,
//! `[batch · height · width, channels]`, from the stem to the pooled features:
//! - a dense convolution is one matrix product over the whole batch, computed in row tiles:
//!   the tile's patches (im2col), the product with the `[kh · kw · in, out]` kernel, then the
//!   bias, the residual and the activation, all while the tile is in cache;
//! - a 1×1 stride-1 convolution reads its input rows in place (no im2col);
//! - a depthwise convolution is a direct kernel, vectorized over the channels.
//!
//! Only the inference form is served: batch norm already folded into the convolutions
//! ([`crate::ConvBn::folded`]), no gradients. Summation order differs from Flex's, so outputs
//! agree to float rounding, not bit for bit (the torch fixtures are checked through it).

use std::sync::Mutex;

use rayon::prelude::*;

use crate::error::{Result, VisionError};
use crate::layers::{Activation, ConvBn, Padding, padding_pair};

/// Buffers of finished maps, reused for the next outputs. Fresh buffers of this size are fresh
/// pages that the kernel zeroes on first touch (16% of a ResNet50 pass before reuse). A reused
/// buffer keeps its length (every value stays initialized) and may be longer than the map it
/// holds; every kernel writes all of its output before reading it, so old values never show.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    free: Vec<Vec<f32>>,
}

impl Workspace {
    /// A buffer of at least `len` values (contents unspecified): the shortest free one that is
    /// long enough, else a new one. A miss also drops the longest free buffer (too short for
    /// this request), so that sizes changing from call to call cannot pile up buffers. Counted
    /// over eight batches: MobileNetV2 misses 6 times with the drop and 5 without, ResNet50 8
    /// and 7 — the first pass's allocations and one more.
    pub(crate) fn take(&mut self, len: usize) -> Vec<f32> {
        let fitting = (0..self.free.len())
            .filter(|&i| self.free[i].len() >= len)
            .min_by_key(|&i| self.free[i].len());
        if let Some(i) = fitting {
            return self.free.swap_remove(i);
        }
        if let Some(longest) = (0..self.free.len()).max_by_key(|&i| self.free[i].len()) {
            self.free.swap_remove(longest);
        }
        vec![0.0; len]
    }

    /// Returns a buffer for reuse.
    pub(crate) fn give(&mut self, buffer: Vec<f32>) {
        if !buffer.is_empty() {
            self.free.push(buffer);
        }
    }
}

/// A [`Workspace`] kept between calls (one batch after another) by a shared plan. Cloning gives
/// an empty one.
#[derive(Debug, Default)]
pub(crate) struct SharedWorkspace(Mutex<Workspace>);

impl Clone for SharedWorkspace {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl SharedWorkspace {
    /// Takes the kept buffers (none when another call holds them).
    pub(crate) fn take(&self) -> Workspace {
        match self.0.try_lock() {
            Ok(mut kept) => std::mem::take(&mut *kept),
            Err(_) => Workspace::default(),
        }
    }

    /// Keeps `workspace`'s buffers for the next call.
    pub(crate) fn keep(&self, workspace: Workspace) {
        if let Ok(mut kept) = self.0.try_lock() {
            *kept = workspace;
        }
    }

    /// Keeps one more buffer.
    pub(crate) fn give(&self, buffer: Vec<f32>) {
        if let Ok(mut kept) = self.0.try_lock() {
            kept.give(buffer);
        }
    }
}

/// A feature map, `[batch, height, width, channels]` row-major.
#[derive(Debug, Clone)]
pub struct ChannelsLastMap {
    /// The values, possibly followed by unused ones (a reused [`Workspace`] buffer).
    data: Vec<f32>,
    /// Images.
    pub batch: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Channels (the fastest-moving index).
    pub channels: usize,
}

impl ChannelsLastMap {
    /// Converts `[batch, channels, height, width]` values; an error when `values` does not hold
    /// exactly that many.
    pub fn from_nchw(
        values: &[f32],
        batch: usize,
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<Self> {
        Self::from_nchw_in(
            values,
            batch,
            channels,
            height,
            width,
            &mut Workspace::default(),
        )
    }

    /// [`from_nchw`](Self::from_nchw) into a buffer of `workspace`.
    pub(crate) fn from_nchw_in(
        values: &[f32],
        batch: usize,
        channels: usize,
        height: usize,
        width: usize,
        workspace: &mut Workspace,
    ) -> Result<Self> {
        let expected = [batch, channels, height, width]
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d));
        if expected != Some(values.len()) {
            return Err(VisionError::InvalidArgument(format!(
                "{} values cannot be a [{batch}, {channels}, {height}, {width}] batch",
                values.len()
            )));
        }
        let plane = height * width;
        let mut data = workspace.take(batch * plane * channels);
        data[..batch * plane * channels]
            .par_chunks_mut(plane * channels)
            .zip(values.par_chunks(plane * channels))
            .for_each(|(out, image)| {
                for (p, pixel) in out.chunks_mut(channels).enumerate() {
                    for (c, value) in pixel.iter_mut().enumerate() {
                        *value = image[c * plane + p];
                    }
                }
            });
        Ok(Self {
            data,
            batch,
            height,
            width,
            channels,
        })
    }

    /// Number of values, `batch · height · width · channels`.
    pub fn len(&self) -> usize {
        self.batch * self.height * self.width * self.channels
    }

    /// Whether the map holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, `[batch, height, width, channels]` row-major.
    pub fn values(&self) -> &[f32] {
        &self.data[..self.len()]
    }

    /// The buffer, for a [`Workspace`] to reuse.
    pub(crate) fn into_buffer(self) -> Vec<f32> {
        self.data
    }

    /// The values as `[batch, channels, height, width]`.
    pub fn to_nchw(&self) -> Vec<f32> {
        let plane = self.height * self.width;
        let channels = self.channels;
        let mut out = vec![0.0f32; self.len()];
        out.par_chunks_mut(plane * channels)
            .zip(self.values().par_chunks(plane * channels))
            .for_each(|(out, image)| {
                for (p, pixel) in image.chunks(channels).enumerate() {
                    for (c, &value) in pixel.iter().enumerate() {
                        out[c * plane + p] = value;
                    }
                }
            });
        out
    }

    /// Global average pooling: `[batch, channels]` row-major.
    pub fn global_average(&self) -> Vec<f32> {
        let plane = self.height * self.width;
        let channels = self.channels;
        let mut out = vec![0.0f32; self.batch * channels];
        out.par_chunks_mut(channels)
            .zip(self.values().par_chunks(plane * channels))
            .for_each(|(mean, image)| {
                let mut sums = vec![0.0f64; channels];
                for pixel in image.chunks(channels) {
                    for (sum, &value) in sums.iter_mut().zip(pixel) {
                        *sum += f64::from(value);
                    }
                }
                for (m, sum) in mean.iter_mut().zip(sums) {
                    *m = (sum / plane as f64) as f32;
                }
            });
        out
    }

    fn pixel(&self, b: usize, y: usize, x: usize) -> &[f32] {
        let start = ((b * self.height + y) * self.width + x) * self.channels;
        &self.data[start..start + self.channels]
    }
}

/// A folded convolution (+ activation) in the engine's layout.
#[derive(Debug, Clone)]
pub(crate) struct ChannelsLastConv {
    kernel: (usize, usize),
    stride: usize,
    padding: Padding,
    inputs: usize,
    outputs: usize,
    depthwise: bool,
    /// Dense: `[kh · kw · inputs, outputs]` (row = (ky, kx, input channel)); depthwise:
    /// `[kh · kw, channels]`.
    weight: Vec<f32>,
    bias: Vec<f32>,
    activation: Activation,
}

/// Rows of output computed per task of a dense convolution: enough that the kernel's packing
/// is amortized, few enough that each core gets several tiles and the patches stay in cache.
fn tile_rows(rows: usize, depth: usize) -> usize {
    let by_cache = ((256 * 1024) / depth.max(1)).clamp(32, 512);
    let by_balance = rows.div_ceil(8).max(16);
    by_cache.min(by_balance)
}

impl ChannelsLastConv {
    /// The engine's form of a folded unit; `None` when `unit` is not folded, not on the plain
    /// Flex backend, or has channel groups other than 1 and depthwise.
    pub(crate) fn from_folded(unit: &ConvBn) -> Option<Self> {
        if !unit.folded {
            return None;
        }
        let conv = &unit.conv;
        // Only models on the plain Flex backend are served (their inputs are what runs here).
        conv.weight
            .val()
            .try_into_primitive::<burn::backend::Flex>()
            .ok()?;
        let [outputs, per_group, kh, kw] = conv.weight.dims();
        let inputs = per_group * conv.groups;
        let depthwise = conv.groups > 1;
        if depthwise && !(per_group == 1 && conv.groups == outputs) {
            return None;
        }
        let values = conv.weight.val().into_data().try_to_vec::<f32>().ok()?;
        let taps = kh * kw;
        let mut weight = vec![0.0f32; values.len()];
        if depthwise {
            for c in 0..outputs {
                for t in 0..taps {
                    weight[t * outputs + c] = values[c * taps + t];
                }
            }
        } else {
            for o in 0..outputs {
                for i in 0..inputs {
                    for t in 0..taps {
                        weight[(t * inputs + i) * outputs + o] =
                            values[(o * inputs + i) * taps + t];
                    }
                }
            }
        }
        let bias = match &conv.bias {
            Some(bias) => bias.val().into_data().try_to_vec::<f32>().ok()?,
            None => vec![0.0; outputs],
        };
        Some(Self {
            kernel: (kh, kw),
            stride: conv.stride,
            padding: if conv.tf_same {
                Padding::TfSame
            } else {
                Padding::Symmetric(conv.pad_h, conv.pad_w)
            },
            inputs,
            outputs,
            depthwise,
            weight,
            bias,
            activation: unit.activation(),
        })
    }

    /// Input channels.
    pub(crate) fn inputs(&self) -> usize {
        self.inputs
    }

    /// Applies the convolution, its bias and its activation, into a buffer of `workspace`;
    /// `x` must have [`inputs`](Self::inputs) channels. With `residual = Some((r, a))` the
    /// output is `a(conv(x) + bias + r)` instead (the unit's own activation is not applied).
    pub(crate) fn forward_in(
        &self,
        x: &ChannelsLastMap,
        residual: Option<(&ChannelsLastMap, Activation)>,
        workspace: &mut Workspace,
    ) -> ChannelsLastMap {
        let (kh, kw) = self.kernel;
        let (top, bottom) = padding_pair(self.padding, x.height, kh, self.stride, 0);
        let (left, right) = padding_pair(self.padding, x.width, kw, self.stride, 1);
        let height = (x.height + top + bottom - kh) / self.stride + 1;
        let width = (x.width + left + right - kw) / self.stride + 1;
        let rows = x.batch * height * width;
        let mut data = workspace.take(rows * self.outputs);
        let out = &mut data[..rows * self.outputs];
        let geometry = Geometry {
            height,
            width,
            top,
            left,
        };
        let (residual, activation) = match residual {
            Some((map, activation)) => (Some(map.values()), activation),
            None => (None, self.activation),
        };
        if self.depthwise {
            self.depthwise_rows(x, &geometry, out, residual, activation);
        } else {
            self.dense(x, &geometry, out, residual, activation);
        }
        ChannelsLastMap {
            data,
            batch: x.batch,
            height,
            width,
            channels: self.outputs,
        }
    }

    fn dense(
        &self,
        x: &ChannelsLastMap,
        geometry: &Geometry,
        out: &mut [f32],
        residual: Option<&[f32]>,
        activation: Activation,
    ) {
        let (kh, kw) = self.kernel;
        let depth = kh * kw * self.inputs;
        let outputs = self.outputs;
        let rows = out.len() / outputs;
        let direct = kh == 1
            && kw == 1
            && self.stride == 1
            && geometry.top == 0
            && geometry.left == 0
            && geometry.height == x.height
            && geometry.width == x.width;
        let tile = tile_rows(rows, depth);
        out.par_chunks_mut(tile * outputs)
            .enumerate()
            .for_each_init(Vec::new, |patches: &mut Vec<f32>, (t, out)| {
                let first = t * tile;
                let count = out.len() / outputs;
                let lhs: &[f32] = if direct {
                    &x.data[first * depth..(first + count) * depth]
                } else {
                    patches.resize(count * depth, 0.0);
                    self.patches(x, geometry, first, patches);
                    patches
                };
                // SAFETY: `lhs` is `count × depth`, the weight `depth × outputs` and `out`
                // `count × outputs`, all row-major and non-overlapping.
                unsafe {
                    gemm::gemm(
                        count,
                        outputs,
                        depth,
                        out.as_mut_ptr(),
                        1,
                        outputs as isize,
                        false,
                        lhs.as_ptr(),
                        1,
                        depth as isize,
                        self.weight.as_ptr(),
                        1,
                        outputs as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                }
                let residual = residual.map(|r| &r[first * outputs..(first + count) * outputs]);
                epilogue(out, &self.bias, residual, activation);
            });
    }

    /// The im2col rows of output rows `first..first + patches.len() / depth`: per output
    /// position, the `kh × kw` input pixels (zeros outside the image), channels innermost.
    fn patches(&self, x: &ChannelsLastMap, geometry: &Geometry, first: usize, patches: &mut [f32]) {
        let (kh, kw) = self.kernel;
        let channels = self.inputs;
        let depth = kh * kw * channels;
        for (r, patch) in patches.chunks_mut(depth).enumerate() {
            let row = first + r;
            let ox = row % geometry.width;
            let oy = (row / geometry.width) % geometry.height;
            let b = row / (geometry.width * geometry.height);
            for ky in 0..kh {
                let iy = (oy * self.stride + ky) as isize - geometry.top as isize;
                for kx in 0..kw {
                    let ix = (ox * self.stride + kx) as isize - geometry.left as isize;
                    let slot = &mut patch[(ky * kw + kx) * channels..(ky * kw + kx + 1) * channels];
                    if iy < 0 || ix < 0 || iy as usize >= x.height || ix as usize >= x.width {
                        slot.fill(0.0);
                    } else {
                        slot.copy_from_slice(x.pixel(b, iy as usize, ix as usize));
                    }
                }
            }
        }
    }

    fn depthwise_rows(
        &self,
        x: &ChannelsLastMap,
        geometry: &Geometry,
        out: &mut [f32],
        residual: Option<&[f32]>,
        activation: Activation,
    ) {
        let row_len = geometry.width * self.outputs;
        out.par_chunks_mut(row_len)
            .enumerate()
            .for_each(|(row, out)| {
                depthwise_row(self, x, geometry, row, out);
                let residual = residual.map(|r| &r[row * row_len..(row + 1) * row_len]);
                epilogue(out, &self.bias, residual, activation);
            });
    }
}

/// Output size and the padding before the first row / column.
struct Geometry {
    height: usize,
    width: usize,
    top: usize,
    left: usize,
}

cinder_graph::with_avx512!(
    /// One output row of a depthwise convolution (before bias and activation).
    fn depthwise_row(
        conv: &ChannelsLastConv,
        x: &ChannelsLastMap,
        geometry: &Geometry,
        row: usize,
        out: &mut [f32],
    ) => depthwise_row_body
);

#[inline(always)]
fn depthwise_row_body(
    conv: &ChannelsLastConv,
    x: &ChannelsLastMap,
    geometry: &Geometry,
    row: usize,
    out: &mut [f32],
) {
    let channels = conv.outputs;
    let (kh, kw) = conv.kernel;
    let oy = row % geometry.height;
    let b = row / geometry.height;
    out.fill(0.0);
    for (ox, acc) in out.chunks_exact_mut(channels).enumerate() {
        for ky in 0..kh {
            let iy = (oy * conv.stride + ky) as isize - geometry.top as isize;
            if iy < 0 || iy as usize >= x.height {
                continue;
            }
            for kx in 0..kw {
                let ix = (ox * conv.stride + kx) as isize - geometry.left as isize;
                if ix < 0 || ix as usize >= x.width {
                    continue;
                }
                let input = x.pixel(b, iy as usize, ix as usize);
                let tap = ky * kw + kx;
                let weight = &conv.weight[tap * channels..(tap + 1) * channels];
                for ((a, &v), &w) in acc.iter_mut().zip(input).zip(weight) {
                    *a += v * w;
                }
            }
        }
    }
}

cinder_graph::with_avx512!(
    /// `out = activation(out + bias (+ residual))`, row by row.
    fn epilogue(
        out: &mut [f32],
        bias: &[f32],
        residual: Option<&[f32]>,
        activation: Activation,
    ) => epilogue_body
);

#[inline(always)]
fn epilogue_body(out: &mut [f32], bias: &[f32], residual: Option<&[f32]>, activation: Activation) {
    let channels = bias.len();
    let clamp = |v: f32| activation.clamp(v);
    match residual {
        Some(residual) => {
            for (row, shortcut) in out
                .chunks_exact_mut(channels)
                .zip(residual.chunks_exact(channels))
            {
                for ((v, &b), &s) in row.iter_mut().zip(bias).zip(shortcut) {
                    *v = clamp(*v + b + s);
                }
            }
        }
        None => {
            for row in out.chunks_exact_mut(channels) {
                for (v, &b) in row.iter_mut().zip(bias) {
                    *v = clamp(*v + b);
                }
            }
        }
    }
}

/// Max pooling `k×k`, stride `s`, symmetric padding `p` (PyTorch floor mode; padding never
/// wins).
pub(crate) fn max_pool(
    x: &ChannelsLastMap,
    kernel: usize,
    stride: usize,
    padding: usize,
    workspace: &mut Workspace,
) -> ChannelsLastMap {
    let height = (x.height + 2 * padding - kernel) / stride + 1;
    let width = (x.width + 2 * padding - kernel) / stride + 1;
    let channels = x.channels;
    let mut data = workspace.take(x.batch * height * width * channels);
    data[..x.batch * height * width * channels]
        .par_chunks_mut(width * channels)
        .enumerate()
        .for_each(|(row, out)| {
            out.fill(f32::NEG_INFINITY);
            let oy = row % height;
            let b = row / height;
            for (ox, best) in out.chunks_exact_mut(channels).enumerate() {
                for ky in 0..kernel {
                    let iy = (oy * stride + ky) as isize - padding as isize;
                    if iy < 0 || iy as usize >= x.height {
                        continue;
                    }
                    for kx in 0..kernel {
                        let ix = (ox * stride + kx) as isize - padding as isize;
                        if ix < 0 || ix as usize >= x.width {
                            continue;
                        }
                        for (m, &v) in best.iter_mut().zip(x.pixel(b, iy as usize, ix as usize)) {
                            if v > *m || v.is_nan() {
                                *m = v;
                            }
                        }
                    }
                }
            }
        });
    ChannelsLastMap {
        data,
        batch: x.batch,
        height,
        width,
        channels,
    }
}

#[cfg(test)]
mod tests {
    use super::Workspace;

    #[test]
    fn the_workspace_reuses_the_shortest_fitting_buffer_and_drops_on_a_miss() {
        let mut workspace = Workspace::default();
        workspace.give(vec![1.0; 10]);
        workspace.give(vec![2.0; 30]);
        workspace.give(vec![3.0; 20]);
        // Shortest buffer that holds 15 values: the 20-long one, old values and all.
        let reused = workspace.take(15);
        assert_eq!((reused.len(), reused[0]), (20, 3.0));
        // Nothing holds 40: a new buffer, and the longest too-short one (30) is dropped.
        assert_eq!(workspace.take(40).len(), 40);
        assert_eq!(workspace.free.len(), 1);
        assert_eq!(workspace.take(5).len(), 10);
        assert!(workspace.free.is_empty());
        // Empty buffers are not kept.
        workspace.give(Vec::new());
        assert!(workspace.free.is_empty());
    }
}
