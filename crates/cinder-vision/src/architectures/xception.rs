//! Xception (Chollet 2017) in timm's `legacy_xception` layout (`block1.rep.0.conv1.weight`,
//! separable convolutions as `conv1` depthwise + `pointwise`).

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use crate::layers::{Activation, BatchNorm2d, Conv2d, ConvBn, ConvSpec, NormKeys, max_pool};
use crate::loading::loader::{KernelLayout, WeightLoader};
use crate::taps::Taps;

const EPS: f64 = 1e-5;

/// A separable convolution (3×3 depthwise, then 1×1 pointwise, no biases) and its batch norm.
#[derive(Module, Debug)]
pub struct SeparableConvBn {
    /// Depthwise 3×3.
    pub depthwise: Conv2d,
    /// Pointwise 1×1 with the batch norm.
    pub pointwise: ConvBn,
}

impl SeparableConvBn {
    fn load(
        loader: &mut WeightLoader,
        conv: &str,
        bn: &str,
        inputs: usize,
        outputs: usize,
        activation: Activation,
    ) -> Self {
        let depthwise = ConvSpec::new(inputs, inputs, 3, 1).depthwise().load(
            loader,
            &format!("{conv}.conv1.weight"),
            KernelLayout::Oihw,
            None,
        );
        let pw = ConvSpec::new(inputs, outputs, 1, 1).load(
            loader,
            &format!("{conv}.pointwise.weight"),
            KernelLayout::Oihw,
            None,
        );
        let norm = BatchNorm2d::load(loader, &NormKeys::torch(bn), outputs, EPS);
        Self {
            depthwise,
            pointwise: ConvBn::new(pw, norm, activation),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.pointwise.forward(self.depthwise.forward(x))
    }
}

/// An Xception block: [ReLU → separable conv → BN] × reps (+ 3×3 stride-2 max pool), plus a
/// shortcut (1×1 strided conv + BN when the shape changes).
#[derive(Module, Debug)]
pub struct XceptionBlock {
    /// The separable convolutions.
    pub convs: Vec<SeparableConvBn>,
    /// ReLU before the first convolution (every block but the first).
    pub start_with_relu: bool,
    /// Max-pool stride (1 = no pooling).
    pub stride: usize,
    /// The shortcut projection.
    pub skip: Option<ConvBn>,
}

impl XceptionBlock {
    /// `shape` = (inputs, outputs, separable convolutions, stride).
    fn load(
        loader: &mut WeightLoader,
        name: &str,
        shape: (usize, usize, usize, usize),
        start_with_relu: bool,
        grow_first: bool,
    ) -> Self {
        let (inputs, outputs, reps, stride) = shape;
        let skip = (outputs != inputs || stride != 1).then(|| {
            ConvBn::torch(
                loader,
                ConvSpec::new(inputs, outputs, 1, stride)
                    .padding(crate::layers::Padding::Symmetric(0, 0)),
                &format!("{name}.skip"),
                &format!("{name}.skipbn"),
                EPS,
                Activation::Identity,
            )
        });
        let offset = if start_with_relu { 1 } else { 0 };
        let convs = (0..reps)
            .map(|i| {
                let (cin, cout) = if grow_first {
                    (if i == 0 { inputs } else { outputs }, outputs)
                } else {
                    (inputs, if i + 1 < reps { inputs } else { outputs })
                };
                let conv = format!("{name}.rep.{}", 3 * i + offset);
                let bn = format!("{name}.rep.{}", 3 * i + offset + 1);
                SeparableConvBn::load(loader, &conv, &bn, cin, cout, Activation::Identity)
            })
            .collect();
        Self {
            convs,
            start_with_relu,
            stride,
            skip,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut y = x.clone();
        for (i, conv) in self.convs.iter().enumerate() {
            if i > 0 || self.start_with_relu {
                y = relu(y);
            }
            y = conv.forward(y);
        }
        if self.stride != 1 {
            y = max_pool(y, 3, self.stride, 1);
        }
        let shortcut = match &self.skip {
            Some(skip) => skip.forward(x),
            None => x,
        };
        y + shortcut
    }
}

/// The convolutional base of Xception (to `act4`, 2048 channels).
#[derive(Module, Debug)]
pub struct Xception {
    /// `conv1`/`bn1` (3×3 stride 2, no padding) and `conv2`/`bn2` (3×3, no padding), ReLU.
    pub stem: Vec<ConvBn>,
    /// `block1` … `block12`.
    pub blocks: Vec<XceptionBlock>,
    /// `conv3`/`bn3` and `conv4`/`bn4`, separable, ReLU.
    pub exit: Vec<SeparableConvBn>,
}

impl Xception {
    /// The inference form: every batch norm folded into its (pointwise) convolution.
    pub fn folded(self) -> Self {
        let separable = |convs: Vec<SeparableConvBn>| {
            convs
                .into_iter()
                .map(|conv| SeparableConvBn {
                    pointwise: conv.pointwise.folded(),
                    ..conv
                })
                .collect()
        };
        Self {
            stem: self.stem.into_iter().map(ConvBn::folded).collect(),
            blocks: self
                .blocks
                .into_iter()
                .map(|block| XceptionBlock {
                    convs: separable(block.convs),
                    skip: block.skip.map(ConvBn::folded),
                    ..block
                })
                .collect(),
            exit: separable(self.exit),
        }
    }

    /// Channels of the last feature map (`conv4`).
    pub const CHANNELS: usize = 2048;
    /// Key prefix of the classifier (`fc.weight`, `fc.bias`).
    pub const HEAD_PREFIX: &'static str = "fc.";

    /// Channels of the last feature map.
    pub fn channels(&self) -> usize {
        Self::CHANNELS
    }

    /// Loads the base from timm keys.
    pub fn load(loader: &mut WeightLoader) -> Self {
        let none = crate::layers::Padding::Symmetric(0, 0);
        let stem = vec![
            ConvBn::torch(
                loader,
                ConvSpec::new(3, 32, 3, 2).padding(none),
                "conv1",
                "bn1",
                EPS,
                Activation::Relu,
            ),
            ConvBn::torch(
                loader,
                ConvSpec::new(32, 64, 3, 1).padding(none),
                "conv2",
                "bn2",
                EPS,
                Activation::Relu,
            ),
        ];
        let mut blocks = vec![
            XceptionBlock::load(loader, "block1", (64, 128, 2, 2), false, true),
            XceptionBlock::load(loader, "block2", (128, 256, 2, 2), true, true),
            XceptionBlock::load(loader, "block3", (256, 728, 2, 2), true, true),
        ];
        for i in 4..=11 {
            blocks.push(XceptionBlock::load(
                loader,
                &format!("block{i}"),
                (728, 728, 3, 1),
                true,
                true,
            ));
        }
        blocks.push(XceptionBlock::load(
            loader,
            "block12",
            (728, 1024, 2, 2),
            true,
            false,
        ));
        let exit = vec![
            SeparableConvBn::load(loader, "conv3", "bn3", 1024, 1536, Activation::Relu),
            SeparableConvBn::load(loader, "conv4", "bn4", 1536, 2048, Activation::Relu),
        ];
        Self { stem, blocks, exit }
    }

    /// Names of the stages, in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        let mut names = vec!["act1".to_string(), "act2".to_string()];
        names.extend((1..=self.blocks.len()).map(|i| format!("block{i}")));
        names.extend(["act3".to_string(), "act4".to_string()]);
        names
    }

    /// Units for partial evaluation: the stem, each block, each exit convolution.
    pub fn unit_count(&self) -> usize {
        1 + self.blocks.len() + self.exit.len()
    }

    /// Runs units `from..to` on `x`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        let mut x = x;
        for unit in from..to {
            x = if unit == 0 {
                self.stem.iter().fold(x, |x, conv| conv.forward(x))
            } else if unit <= self.blocks.len() {
                self.blocks[unit - 1].forward(x)
            } else {
                self.exit[unit - 1 - self.blocks.len()].forward(x)
            };
        }
        x
    }

    /// `act4`'s output, recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let mut x = x;
        for (i, conv) in self.stem.iter().enumerate() {
            x = conv.forward(x);
            taps.record(&format!("act{}", i + 1), &x);
        }
        for (i, block) in self.blocks.iter().enumerate() {
            x = block.forward(x);
            taps.record(&format!("block{}", i + 1), &x);
        }
        for (i, conv) in self.exit.iter().enumerate() {
            x = conv.forward(x);
            taps.record(&format!("act{}", i + 3), &x);
        }
        x
    }
}
