//! The building blocks every architecture shares: 2-D convolution with PyTorch or TensorFlow
//! "SAME" padding, inference-mode batch norm, activations and pooling.

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::module::{adaptive_avg_pool2d, avg_pool2d, conv2d, max_pool2d};
use burn::tensor::ops::{AvgPoolOptions, ConvOptions, MaxPoolOptions};

use crate::loading::loader::{Init, KernelLayout, WeightLoader};

/// How a convolution pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// The same number of zeros on both sides of each dimension (PyTorch), `(height, width)`.
    Symmetric(usize, usize),
    /// TensorFlow "SAME": `out = ceil(n / s)`, `pad_total = max((out - 1)·s + k - n, 0)`, the
    /// smaller half before. Stride-2 convolutions on even inputs pad 0 before and 1 after.
    TfSame,
}

/// The padding `(before, after)` of one dimension.
pub fn padding_pair(
    padding: Padding,
    size: usize,
    kernel: usize,
    stride: usize,
    axis: usize,
) -> (usize, usize) {
    match padding {
        Padding::Symmetric(h, w) => {
            let p = if axis == 0 { h } else { w };
            (p, p)
        }
        Padding::TfSame => {
            let out = size.div_ceil(stride);
            let total = ((out - 1) * stride + kernel).saturating_sub(size);
            (total / 2, total - total / 2)
        }
    }
}

/// A 2-D convolution (no dilation), weights `[out, in / groups, kh, kw]`.
#[derive(Module, Debug)]
pub struct Conv2d {
    /// Kernel, `[out, in / groups, kh, kw]`.
    pub weight: Param<Tensor<4>>,
    /// Optional bias, `[out]`.
    pub bias: Option<Param<Tensor<1>>>,
    /// Stride (both dimensions).
    pub stride: usize,
    /// Symmetric padding of the height (ignored with `tf_same`).
    pub pad_h: usize,
    /// Symmetric padding of the width (ignored with `tf_same`).
    pub pad_w: usize,
    /// TensorFlow "SAME" padding.
    pub tf_same: bool,
    /// Channel groups (`in` for a depthwise convolution).
    pub groups: usize,
}

/// What a convolution is, before its weights are loaded.
#[derive(Debug, Clone, Copy)]
pub struct ConvSpec {
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// Kernel `(height, width)`.
    pub kernel: (usize, usize),
    /// Stride.
    pub stride: usize,
    /// Padding.
    pub padding: Padding,
    /// Groups.
    pub groups: usize,
}

impl ConvSpec {
    /// A square `k×k` convolution with PyTorch padding `k / 2` and one group.
    pub fn new(inputs: usize, outputs: usize, kernel: usize, stride: usize) -> Self {
        Self {
            inputs,
            outputs,
            kernel: (kernel, kernel),
            stride,
            padding: Padding::Symmetric(kernel / 2, kernel / 2),
            groups: 1,
        }
    }

    /// Replaces the padding.
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }

    /// Makes it depthwise (`groups = inputs = outputs`).
    pub fn depthwise(mut self) -> Self {
        self.groups = self.inputs;
        self
    }

    /// A rectangular kernel with symmetric "same" padding (Inception's 1×7 / 7×1).
    pub fn rect(inputs: usize, outputs: usize, kh: usize, kw: usize) -> Self {
        Self {
            inputs,
            outputs,
            kernel: (kh, kw),
            stride: 1,
            padding: Padding::Symmetric(kh / 2, kw / 2),
            groups: 1,
        }
    }

    /// Loads the convolution: kernel from `weight_key`, bias from `bias_key` when given.
    pub fn load(
        self,
        loader: &mut WeightLoader,
        weight_key: &str,
        layout: KernelLayout,
        bias_key: Option<&str>,
    ) -> Conv2d {
        let shape = [
            self.outputs,
            self.inputs / self.groups,
            self.kernel.0,
            self.kernel.1,
        ];
        let weight = loader.kernel(weight_key, layout, shape);
        let bias = bias_key.map(|key| loader.vector(key, self.outputs, Init::Zeros));
        let (pad_h, pad_w, tf_same) = match self.padding {
            Padding::Symmetric(h, w) => (h, w, false),
            Padding::TfSame => (0, 0, true),
        };
        Conv2d {
            weight,
            bias,
            stride: self.stride,
            pad_h,
            pad_w,
            tf_same,
            groups: self.groups,
        }
    }
}

impl Conv2d {
    /// Applies the convolution to `[batch, channels, height, width]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [_, _, height, width] = x.dims();
        let [_, _, kh, kw] = self.weight.dims();
        let padding = if self.tf_same {
            Padding::TfSame
        } else {
            Padding::Symmetric(self.pad_h, self.pad_w)
        };
        let pad_h = padding_pair(padding, height, kh, self.stride, 0);
        let pad_w = padding_pair(padding, width, kw, self.stride, 1);
        let options = ConvOptions::new_with_padding(
            [self.stride, self.stride],
            [pad_h, pad_w],
            [1, 1],
            self.groups,
        );
        conv2d(
            x,
            self.weight.val(),
            self.bias.as_ref().map(|b| b.val()),
            options,
        )
    }
}

/// Batch normalization in inference mode: `y = γ (x − μ) / √(σ² + ε) + β` with the stored
/// running statistics. The statistics never change (they are not trainable); γ and β are
/// trainable when the layer is unfrozen. Keeping batch norm in inference mode while
/// fine-tuning is the Keras recommendation for small datasets.
#[derive(Module, Debug)]
pub struct BatchNorm2d {
    /// Scale γ.
    pub gamma: Param<Tensor<1>>,
    /// Shift β.
    pub beta: Param<Tensor<1>>,
    /// Running mean μ (not trainable).
    pub running_mean: Param<Tensor<1>>,
    /// Running variance σ² (not trainable).
    pub running_var: Param<Tensor<1>>,
    /// ε.
    pub eps: f64,
}

/// The four keys of a batch norm in a file.
#[derive(Debug, Clone)]
pub struct NormKeys {
    /// γ.
    pub gamma: String,
    /// β.
    pub beta: String,
    /// μ.
    pub mean: String,
    /// σ².
    pub var: String,
}

impl NormKeys {
    /// PyTorch: `{prefix}.weight`, `.bias`, `.running_mean`, `.running_var`.
    pub fn torch(prefix: &str) -> Self {
        Self {
            gamma: format!("{prefix}.weight"),
            beta: format!("{prefix}.bias"),
            mean: format!("{prefix}.running_mean"),
            var: format!("{prefix}.running_var"),
        }
    }

    /// Keras: `{layer}/gamma`, `/beta`, `/moving_mean`, `/moving_variance`.
    pub fn keras(layer: &str) -> Self {
        Self {
            gamma: format!("{layer}/gamma"),
            beta: format!("{layer}/beta"),
            mean: format!("{layer}/moving_mean"),
            var: format!("{layer}/moving_variance"),
        }
    }
}

impl BatchNorm2d {
    /// Loads a batch norm of `channels` from `keys` (PyTorch names also mark
    /// `num_batches_tracked` as read).
    pub fn load(loader: &mut WeightLoader, keys: &NormKeys, channels: usize, eps: f64) -> Self {
        if let Some(prefix) = keys.gamma.strip_suffix(".weight") {
            loader.skip(&format!("{prefix}.num_batches_tracked"));
        }
        Self {
            gamma: loader.vector(&keys.gamma, channels, Init::Ones),
            beta: loader.vector(&keys.beta, channels, Init::Zeros),
            running_mean: loader
                .vector(&keys.mean, channels, Init::Zeros)
                .set_require_grad(false),
            running_var: loader
                .vector(&keys.var, channels, Init::Ones)
                .set_require_grad(false),
            eps,
        }
    }

    /// Normalizes `[batch, channels, height, width]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let channels = self.gamma.dims()[0];
        let inv_std = self
            .running_var
            .val()
            .detach()
            .add_scalar(self.eps)
            .sqrt()
            .recip();
        let scale = self.gamma.val() * inv_std;
        let shift = self.beta.val() - self.running_mean.val().detach() * scale.clone();
        x * scale.reshape([1, channels, 1, 1]) + shift.reshape([1, channels, 1, 1])
    }
}

/// An activation after a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// None (a linear bottleneck).
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
}

impl Activation {
    fn code(self) -> usize {
        match self {
            Activation::Identity => 0,
            Activation::Relu => 1,
            Activation::Relu6 => 2,
        }
    }

    /// The output range `[lower, upper]`: unbounded, `[0, ∞)` or `[0, 6]`.
    pub fn bounds(self) -> (f32, f32) {
        match self {
            Activation::Identity => (f32::NEG_INFINITY, f32::INFINITY),
            Activation::Relu => (0.0, f32::INFINITY),
            Activation::Relu6 => (0.0, 6.0),
        }
    }

    /// The activation of one value, on the host (NaN stays NaN, as in `clamp`).
    #[inline(always)]
    pub fn clamp(self, value: f32) -> f32 {
        let (lower, upper) = self.bounds();
        if value < lower {
            lower
        } else if value > upper {
            upper
        } else {
            value
        }
    }

    fn from_code(code: usize) -> Self {
        match code {
            1 => Activation::Relu,
            2 => Activation::Relu6,
            _ => Activation::Identity,
        }
    }

    /// Applies the activation in place and in parallel when `x` is a plain (no autodiff) Flex
    /// tensor that owns its buffer — inference, where Flex's own elementwise kernels run on one
    /// thread and copy — and as [`apply`](Self::apply) otherwise. Same values either way.
    pub fn apply_in_place<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        use burn::backend::Flex;
        use rayon::prelude::*;
        if self == Activation::Identity {
            return x;
        }
        // Only a plain Flex tensor converts (an autodiff one does not); once the conversion
        // succeeded, dropping `x` leaves the primitive the sole owner of its buffer.
        let Ok(mut primitive) = x.clone().try_into_primitive::<Flex>() else {
            return self.apply(x);
        };
        drop(x);
        let contiguous = primitive.layout().is_contiguous()
            && primitive.layout().start_offset() == 0
            && primitive.dtype() == burn::tensor::DType::F32;
        if contiguous && let Some(values) = primitive.try_storage_mut::<f32>() {
            values.par_chunks_mut(1 << 15).for_each(|chunk| {
                for value in chunk {
                    *value = self.clamp(*value);
                }
            });
            return Tensor::from_primitive::<Flex>(primitive);
        }
        self.apply(Tensor::from_primitive::<Flex>(primitive))
    }

    /// Applies the activation.
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Identity => x,
            Activation::Relu => burn::tensor::activation::relu(x),
            Activation::Relu6 => x.clamp(0.0, 6.0),
        }
    }
}

/// Convolution → batch norm → activation, the unit of every architecture here.
#[derive(Module, Debug)]
pub struct ConvBn {
    /// The convolution (no bias).
    pub conv: Conv2d,
    /// Its batch norm.
    pub bn: BatchNorm2d,
    /// Activation code (see [`Activation`]).
    pub activation: usize,
    /// The batch norm is folded into the convolution's weights and bias (inference form, see
    /// [`ConvBn::folded`]): forward skips it.
    pub folded: bool,
}

impl ConvBn {
    /// Builds from loaded parts.
    pub fn new(conv: Conv2d, bn: BatchNorm2d, activation: Activation) -> Self {
        Self {
            conv,
            bn,
            activation: activation.code(),
            folded: false,
        }
    }

    /// Loads a PyTorch `conv` + `bn` pair (`{conv}.weight`, no bias; `{bn}.*`).
    pub fn torch(
        loader: &mut WeightLoader,
        spec: ConvSpec,
        conv: &str,
        bn: &str,
        eps: f64,
        activation: Activation,
    ) -> Self {
        let conv = spec.load(loader, &format!("{conv}.weight"), KernelLayout::Oihw, None);
        let bn = BatchNorm2d::load(loader, &NormKeys::torch(bn), spec.outputs, eps);
        Self::new(conv, bn, activation)
    }

    /// The activation.
    pub fn activation(&self) -> Activation {
        Activation::from_code(self.activation)
    }

    /// The inference form: batch norm folded into the convolution, `W' = W · s` per output
    /// channel and `b' = β − μ · s (+ b · s)` with `s = γ / √(σ² + ε)`, so that
    /// `conv'(x) = bn(conv(x))` and one pass over the output is saved. Only for inference: the
    /// folded unit no longer has a batch norm to train (fine-tuning keeps the unfolded model).
    pub fn folded(self) -> Self {
        if self.folded {
            return self;
        }
        let outputs = self.bn.gamma.dims()[0];
        let scale = self.bn.gamma.val()
            * self
                .bn
                .running_var
                .val()
                .add_scalar(self.bn.eps)
                .sqrt()
                .recip();
        let mut shift = self.bn.beta.val() - self.bn.running_mean.val() * scale.clone();
        if let Some(bias) = &self.conv.bias {
            shift = shift + bias.val() * scale.clone();
        }
        let weight = self.conv.weight.val() * scale.reshape([outputs, 1, 1, 1]);
        Self {
            conv: Conv2d {
                weight: Param::from_tensor(weight),
                bias: Some(Param::from_tensor(shift)),
                ..self.conv
            },
            folded: true,
            ..self
        }
    }

    /// Applies conv, norm and activation.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = self.conv.forward(x);
        if self.folded {
            // Inference form: the activation runs in place on the convolution's output.
            return self.activation().apply_in_place(y);
        }
        self.activation().apply(self.bn.forward(y))
    }
}

/// Max pooling `k×k`, stride `s`, symmetric padding `p` (PyTorch floor mode).
pub fn max_pool(x: Tensor<4>, kernel: usize, stride: usize, padding: usize) -> Tensor<4> {
    max_pool2d(
        x,
        MaxPoolOptions::new([kernel, kernel])
            .with_stride([stride, stride])
            .with_padding([padding, padding]),
    )
}

/// Average pooling `k×k`, stride `s`, symmetric padding `p`, padding counted (PyTorch default).
pub fn avg_pool(x: Tensor<4>, kernel: usize, stride: usize, padding: usize) -> Tensor<4> {
    avg_pool2d(
        x,
        AvgPoolOptions::new([kernel, kernel])
            .with_stride([stride, stride])
            .with_padding([padding, padding])
            .with_count_include_pad(true),
    )
}

/// Global average pooling `[batch, channels, h, w] → [batch, channels]`.
pub fn global_average(x: Tensor<4>) -> Tensor<2> {
    let [batch, channels, _, _] = x.dims();
    adaptive_avg_pool2d(x, [1, 1]).reshape([batch, channels])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_same_pads_zero_before_one_after_on_even_stride_two() {
        assert_eq!(padding_pair(Padding::TfSame, 224, 3, 2, 0), (0, 1));
        assert_eq!(padding_pair(Padding::TfSame, 225, 3, 2, 0), (1, 1));
        assert_eq!(padding_pair(Padding::TfSame, 112, 3, 1, 1), (1, 1));
        assert_eq!(padding_pair(Padding::TfSame, 7, 1, 1, 1), (0, 0));
        assert_eq!(padding_pair(Padding::Symmetric(0, 3), 17, 1, 1, 1), (3, 3));
    }

    #[test]
    fn in_place_activations_equal_burns_and_keep_gradients() {
        use burn::tensor::{Device, TensorData};
        let values = vec![-2.0f32, -0.0, 0.5, 3.0, 6.0, 7.5, f32::NAN, 1e9];
        for activation in [Activation::Relu, Activation::Relu6] {
            let device = Device::flex();
            let x = Tensor::<1>::from_data(TensorData::new(values.clone(), [8]), &device);
            let fast: Vec<f32> = activation
                .apply_in_place(x.clone())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            let plain: Vec<f32> = activation
                .apply(x.clone())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            for (a, b) in fast.iter().zip(&plain) {
                assert!(
                    a == b || (a.is_nan() && b.is_nan()),
                    "{activation:?}: {a} vs {b}"
                );
            }
            // The input a caller still holds is not modified.
            assert_eq!(x.into_data().try_to_vec::<f32>().unwrap()[0], -2.0);
            // On an autodiff device Burn's differentiable op runs: gradients flow.
            let device = Device::flex().autodiff();
            let x = Tensor::<1>::from_data(TensorData::new(vec![-1.0f32, 2.0, 9.0], [3]), &device)
                .require_grad();
            let gradients = activation.apply_in_place(x.clone()).sum().backward();
            let gradient: Vec<f32> = x
                .grad(&gradients)
                .unwrap()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            let top = if activation == Activation::Relu6 {
                0.0
            } else {
                1.0
            };
            assert_eq!(gradient, vec![0.0, 1.0, top]);
        }
    }
}
