//! A small CNN for tiny images (e.g. 8×8 digits): three 3×3 conv → BN → ReLU layers of widths
//! 16, 32, 64 (strides 1, 2, 2), global average pooling. It is what cinder's demo pretrains from
//! scratch to show transfer learning without downloading anything.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::layers::{Activation, ConvBn, ConvSpec};
use crate::loading::loader::WeightLoader;
use crate::taps::Taps;

/// Widths and strides of the three layers.
pub const SMALL_LAYERS: [(usize, usize); 3] = [(16, 1), (32, 2), (64, 2)];

/// The convolutional base of the small CNN.
#[derive(Module, Debug)]
pub struct SmallCnn {
    /// `convs.0` … `convs.2`.
    pub convs: Vec<ConvBn>,
}

impl SmallCnn {
    /// The inference form: every batch norm folded into its convolution.
    pub fn folded(self) -> Self {
        Self {
            convs: self.convs.into_iter().map(ConvBn::folded).collect(),
        }
    }

    /// Key prefix of the classifier (`fc.weight`, `fc.bias`).
    pub const HEAD_PREFIX: &'static str = "fc.";

    /// Channels of the last feature map.
    pub fn channels(&self) -> usize {
        SMALL_LAYERS[SMALL_LAYERS.len() - 1].0
    }

    /// Loads (or initializes) from keys `convs.{i}.conv.weight`, `convs.{i}.bn.*`.
    pub fn load(loader: &mut WeightLoader) -> Self {
        let mut inputs = 3;
        let convs = SMALL_LAYERS
            .iter()
            .enumerate()
            .map(|(i, &(width, stride))| {
                let spec = ConvSpec::new(inputs, width, 3, stride);
                inputs = width;
                ConvBn::torch(
                    loader,
                    spec,
                    &format!("convs.{i}.conv"),
                    &format!("convs.{i}.bn"),
                    1e-5,
                    Activation::Relu,
                )
            })
            .collect();
        Self { convs }
    }

    /// Units: one per layer.
    pub fn unit_count(&self) -> usize {
        self.convs.len()
    }

    /// Runs units `from..to`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        self.convs[from..to]
            .iter()
            .fold(x, |x, conv| conv.forward(x))
    }

    /// Stage names: `conv1` … `conv3`.
    pub fn stage_names(&self) -> Vec<String> {
        (1..=self.convs.len()).map(|i| format!("conv{i}")).collect()
    }

    /// The last feature map, recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let mut x = x;
        for (i, conv) in self.convs.iter().enumerate() {
            x = conv.forward(x);
            taps.record(&format!("conv{}", i + 1), &x);
        }
        x
    }
}
