//! VGG 11/13/16/19 (Simonyan & Zisserman 2015), with or without batch norm, in torchvision's
//! layout (`features.N.weight`, `classifier.{0,3,6}`).

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use crate::architectures::head::Head;
use crate::layers::{Activation, BatchNorm2d, Conv2d, ConvBn, ConvSpec, NormKeys, max_pool};
use crate::loading::loader::{KernelLayout, MatrixLayout, WeightLoader};
use crate::taps::Taps;

/// One 3×3 convolution of VGG, with optional batch norm, then ReLU.
#[derive(Module, Debug)]
pub struct VggConv {
    /// Without batch norm: the convolution (with bias).
    pub plain: Option<Conv2d>,
    /// With batch norm: convolution (with bias) and norm.
    pub normed: Option<ConvBn>,
}

/// The convolutional base of VGG: 5 blocks of 3×3 convolutions, each ending in 2×2 max pooling.
#[derive(Module, Debug)]
pub struct Vgg {
    /// Blocks of convolutions.
    pub blocks: Vec<Vec<VggConv>>,
    /// `features.N` index of each block's max pool (the stage names).
    pub pool_indices: Vec<usize>,
}

/// One block: its convolutions (each with ReLU), then 2×2 max pooling.
fn forward_block(block: &[VggConv], x: Tensor<4>) -> Tensor<4> {
    let x = block
        .iter()
        .fold(x, |x, conv| match (&conv.plain, &conv.normed) {
            (Some(plain), _) => relu(plain.forward(x)),
            (None, Some(normed)) => normed.forward(x),
            (None, None) => x,
        });
    max_pool(x, 2, 2, 0)
}

fn block_counts(depth: usize) -> [usize; 5] {
    match depth {
        11 => [1, 1, 2, 2, 2],
        13 => [2, 2, 2, 2, 2],
        16 => [2, 2, 3, 3, 3],
        _ => [2, 2, 4, 4, 4],
    }
}

impl Vgg {
    /// The inference form: every batch norm (VGG-BN) folded into its convolution.
    pub fn folded(self) -> Self {
        Self {
            blocks: self
                .blocks
                .into_iter()
                .map(|block| {
                    block
                        .into_iter()
                        .map(|conv| VggConv {
                            normed: conv.normed.map(ConvBn::folded),
                            ..conv
                        })
                        .collect()
                })
                .collect(),
            ..self
        }
    }

    /// Channels of the last feature map.
    pub const CHANNELS: usize = 512;
    /// VGG pools its last feature map to a 7×7 grid and flattens it (25088 features).
    pub const GRID_POOL: usize = 7;
    /// Key prefix of the classifier.
    pub const HEAD_PREFIX: &'static str = "classifier.";

    /// Channels of the last feature map.
    pub fn channels(&self) -> usize {
        Self::CHANNELS
    }

    /// The file's three-layer classifier (`classifier.0`, `.3`, `.6`; 4096 hidden units with
    /// ReLU), when it has one.
    pub fn load_head(loader: &mut WeightLoader, channels: usize) -> Option<Head> {
        if !loader.has("classifier.6.weight") {
            return None;
        }
        let classes = loader.shape("classifier.6.bias")?[0];
        let mut hidden = Vec::new();
        let mut inputs = channels * Self::GRID_POOL * Self::GRID_POOL;
        for index in [0, 3] {
            hidden.push(Head::linear(
                loader,
                &format!("classifier.{index}.weight"),
                &format!("classifier.{index}.bias"),
                MatrixLayout::OutIn,
                inputs,
                4096,
            ));
            inputs = 4096;
        }
        Some(Head {
            hidden,
            output: Head::linear(
                loader,
                "classifier.6.weight",
                "classifier.6.bias",
                MatrixLayout::OutIn,
                4096,
                classes,
            ),
        })
    }

    /// Loads VGG-`depth` from torchvision keys.
    pub fn load(loader: &mut WeightLoader, depth: usize, batch_norm: bool) -> Self {
        let mut index = 0;
        let mut inputs = 3;
        let mut blocks = Vec::new();
        let mut pool_indices = Vec::new();
        for (b, &count) in block_counts(depth).iter().enumerate() {
            let outputs = (64usize << b).min(512);
            let mut convs = Vec::new();
            for _ in 0..count {
                let spec = ConvSpec::new(inputs, outputs, 3, 1);
                let conv = spec.load(
                    loader,
                    &format!("features.{index}.weight"),
                    KernelLayout::Oihw,
                    Some(&format!("features.{index}.bias")),
                );
                if batch_norm {
                    let bn = BatchNorm2d::load(
                        loader,
                        &NormKeys::torch(&format!("features.{}", index + 1)),
                        outputs,
                        1e-5,
                    );
                    convs.push(VggConv {
                        plain: None,
                        normed: Some(ConvBn::new(conv, bn, Activation::Relu)),
                    });
                    index += 3;
                } else {
                    convs.push(VggConv {
                        plain: Some(conv),
                        normed: None,
                    });
                    index += 2;
                }
                inputs = outputs;
            }
            pool_indices.push(index);
            index += 1;
            blocks.push(convs);
        }
        Self {
            blocks,
            pool_indices,
        }
    }

    /// Names of the stages (`features.N` of each max pool), in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        self.pool_indices
            .iter()
            .map(|i| format!("features.{i}"))
            .collect()
    }

    /// Units for partial evaluation: the five convolution blocks (each with its max pool).
    pub fn unit_count(&self) -> usize {
        self.blocks.len()
    }

    /// Runs units `from..to` on `x`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        self.blocks[from..to]
            .iter()
            .fold(x, |x, block| forward_block(block, x))
    }

    /// The last block's pooled output (512 channels), recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let mut x = x;
        for (block, pool) in self.blocks.iter().zip(&self.pool_indices) {
            x = forward_block(block, x);
            taps.record(&format!("features.{pool}"), &x);
        }
        x
    }
}
