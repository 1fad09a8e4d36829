//! Classifier heads: the dense layers on top of a convolutional base.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use crate::loading::loader::{Init, MatrixLayout, WeightLoader};

/// Dense layers on pooled features: `hidden` layers with ReLU (VGG has two), then `output`.
#[derive(Module, Debug)]
pub struct Head {
    /// Hidden layers, each followed by ReLU (dropout is not applied at inference).
    pub hidden: Vec<Linear>,
    /// The output layer (class scores).
    pub output: Linear,
}

impl Head {
    /// Loads a dense layer `{prefix}{sep}weight`-style from explicit keys.
    pub fn linear(
        loader: &mut WeightLoader,
        weight: &str,
        bias: &str,
        layout: MatrixLayout,
        inputs: usize,
        outputs: usize,
    ) -> Linear {
        Linear {
            weight: loader.matrix(weight, layout, inputs, outputs),
            bias: Some(loader.vector(bias, outputs, Init::Zeros)),
        }
    }

    /// A one-layer classifier from the `weight` and `bias` keys (`weight` in `layout`) on
    /// `channels` pooled features, when the file has it; its class count is the bias length.
    pub fn load_single(
        loader: &mut WeightLoader,
        weight: &str,
        bias: &str,
        layout: MatrixLayout,
        channels: usize,
    ) -> Option<Self> {
        if !loader.has(weight) {
            return None;
        }
        let classes = loader.shape(bias)?[0];
        Some(Self {
            hidden: Vec::new(),
            output: Self::linear(loader, weight, bias, layout, channels, classes),
        })
    }

    /// The torchvision/timm classifier `{prefix}weight` / `{prefix}bias` (e.g. prefix `fc.`).
    pub fn load_dense(loader: &mut WeightLoader, prefix: &str, channels: usize) -> Option<Self> {
        let (weight, bias) = (format!("{prefix}weight"), format!("{prefix}bias"));
        Self::load_single(loader, &weight, &bias, MatrixLayout::OutIn, channels)
    }

    /// The Keras classifier `{name}/kernel` / `{name}/bias`, its kernel in `layout`.
    pub fn load_keras(
        loader: &mut WeightLoader,
        name: &str,
        layout: MatrixLayout,
        channels: usize,
    ) -> Option<Self> {
        let (kernel, bias) = (format!("{name}/kernel"), format!("{name}/bias"));
        Self::load_single(loader, &kernel, &bias, layout, channels)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.output.weight.dims()[1]
    }

    /// Class scores of pooled features `[batch, features]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut x = x;
        for layer in &self.hidden {
            x = relu(layer.forward(x));
        }
        self.output.forward(x)
    }
}
