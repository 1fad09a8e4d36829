//! MobileNet V1 (Howard et al. 2017, width multiplier α) and MobileNet V2 (Sandler et al. 2018),
//! loadable from Keras-layout files (`conv_dw_3/depthwise_kernel`, the shared ImageNet weights)
//! and from timm (`mobilenetv1_100`) / torchvision (`mobilenet_v2`) state dicts.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::architectures::head::Head;
use crate::layers::{Activation, BatchNorm2d, ConvBn, ConvSpec, NormKeys, Padding};
use crate::loading::loader::{KernelLayout, MatrixLayout, WeightLoader};
use crate::taps::Taps;

/// Which library's key names (and layouts) a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Keras Applications: `conv1/kernel` HWIO, `conv1_bn/gamma`, ...
    Keras,
    /// PyTorch (torchvision or timm): `features.0.0.weight` OIHW, `features.0.1.running_mean`, ...
    Torch,
}

/// Keras conv (+ its BN named `bn`) → [`ConvBn`].
pub(crate) fn keras_conv_bn(
    loader: &mut WeightLoader,
    spec: ConvSpec,
    conv: &str,
    bn: &str,
    activation: Activation,
) -> ConvBn {
    let (key, layout) = if spec.groups > 1 {
        (
            format!("{conv}/depthwise_kernel"),
            KernelLayout::HwcDepthwise,
        )
    } else {
        (format!("{conv}/kernel"), KernelLayout::Hwio)
    };
    let conv = spec.load(loader, &key, layout, None);
    let bn = BatchNorm2d::load(loader, &NormKeys::keras(bn), spec.outputs, 1e-3);
    ConvBn::new(conv, bn, activation)
}

/// The convolutional base of MobileNet V1.
#[derive(Module, Debug)]
pub struct MobileNetV1 {
    /// 3×3 stride-2 stem.
    pub stem: ConvBn,
    /// 13 depthwise-separable blocks: (depthwise 3×3, pointwise 1×1), ReLU6 after each.
    pub blocks: Vec<[ConvBn; 2]>,
    /// Stage names follow Keras (`conv_pw_13`) rather than timm (`blocks.4.1`).
    pub keras_names: bool,
}

/// Pointwise widths of the 13 blocks at α = 1 and the blocks with stride 2 (1-based).
const V1_WIDTHS: [usize; 13] = [
    64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024,
];
const V1_STRIDE2: [usize; 4] = [2, 4, 6, 12];
/// timm's stage/block index of Keras block i (1-based).
const V1_TIMM_BLOCKS: [(usize, usize); 13] = [
    (0, 0),
    (1, 0),
    (1, 1),
    (2, 0),
    (2, 1),
    (3, 0),
    (3, 1),
    (3, 2),
    (3, 3),
    (3, 4),
    (3, 5),
    (4, 0),
    (4, 1),
];

impl MobileNetV1 {
    /// The inference form: every batch norm folded into its convolution.
    pub fn folded(self) -> Self {
        Self {
            stem: self.stem.folded(),
            blocks: self
                .blocks
                .into_iter()
                .map(|[a, b]| [a.folded(), b.folded()])
                .collect(),
            ..self
        }
    }

    /// Key prefixes of the classifier: Keras `conv_preds/`, torchvision-style `classifier.`.
    pub fn head_prefixes(keras: bool) -> &'static [&'static str] {
        if keras {
            &["conv_preds/"]
        } else {
            &["classifier."]
        }
    }

    /// The file's classifier, when it has one (Keras: a 1×1 convolution `conv_preds`).
    pub fn load_head(loader: &mut WeightLoader, keras: bool, channels: usize) -> Option<Head> {
        if keras {
            Head::load_keras(loader, "conv_preds", MatrixLayout::Conv1x1, channels)
        } else {
            Head::load_dense(loader, "classifier.", channels)
        }
    }

    /// Loads the base with width multiplier `alpha` (channels `int(c · α)`, as Keras).
    pub fn load(
        loader: &mut WeightLoader,
        alpha: f64,
        naming: Naming,
        padding: Padding,
        eps: f64,
    ) -> Self {
        let width = |c: usize| ((c as f64) * alpha) as usize;
        let stem_spec = ConvSpec::new(3, width(32), 3, 2).padding(padding);
        let stem = match naming {
            Naming::Keras => {
                keras_conv_bn(loader, stem_spec, "conv1", "conv1_bn", Activation::Relu6)
            }
            Naming::Torch => ConvBn::torch(
                loader,
                stem_spec,
                "conv_stem",
                "bn1",
                eps,
                Activation::Relu6,
            ),
        };
        let mut inputs = width(32);
        let mut blocks = Vec::new();
        for (index, &w) in V1_WIDTHS.iter().enumerate() {
            let i = index + 1;
            let stride = if V1_STRIDE2.contains(&i) { 2 } else { 1 };
            let outputs = width(w);
            let dw = ConvSpec::new(inputs, inputs, 3, stride)
                .padding(padding)
                .depthwise();
            let pw = ConvSpec::new(inputs, outputs, 1, 1).padding(Padding::Symmetric(0, 0));
            let pair = match naming {
                Naming::Keras => [
                    keras_conv_bn(
                        loader,
                        dw,
                        &format!("conv_dw_{i}"),
                        &format!("conv_dw_{i}_bn"),
                        Activation::Relu6,
                    ),
                    keras_conv_bn(
                        loader,
                        pw,
                        &format!("conv_pw_{i}"),
                        &format!("conv_pw_{i}_bn"),
                        Activation::Relu6,
                    ),
                ],
                Naming::Torch => {
                    let (s, j) = V1_TIMM_BLOCKS[index];
                    let p = format!("blocks.{s}.{j}");
                    [
                        ConvBn::torch(
                            loader,
                            dw,
                            &format!("{p}.conv_dw"),
                            &format!("{p}.bn1"),
                            eps,
                            Activation::Relu6,
                        ),
                        ConvBn::torch(
                            loader,
                            pw,
                            &format!("{p}.conv_pw"),
                            &format!("{p}.bn2"),
                            eps,
                            Activation::Relu6,
                        ),
                    ]
                }
            };
            blocks.push(pair);
            inputs = outputs;
        }
        Self {
            stem,
            blocks,
            keras_names: naming == Naming::Keras,
        }
    }

    /// Channels of the last stage.
    pub fn channels(&self) -> usize {
        self.blocks
            .last()
            .map(|b| b[1].bn.gamma.dims()[0])
            .unwrap_or(0)
    }

    /// Names of the stages, in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        let mut names = vec![self.stem_name().to_string()];
        names.extend((0..self.blocks.len()).map(|i| self.block_name(i)));
        names
    }

    fn stem_name(&self) -> &'static str {
        if self.keras_names { "conv1" } else { "bn1" }
    }

    fn block_name(&self, index: usize) -> String {
        if self.keras_names {
            format!("conv_pw_{}", index + 1)
        } else {
            let (s, j) = V1_TIMM_BLOCKS[index];
            format!("blocks.{s}.{j}")
        }
    }

    /// Units for partial evaluation: the stem, then each block.
    pub fn unit_count(&self) -> usize {
        1 + self.blocks.len()
    }

    /// Runs units `from..to` on `x`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        let mut x = x;
        for unit in from..to {
            x = match unit {
                0 => self.stem.forward(x),
                u => {
                    let [dw, pw] = &self.blocks[u - 1];
                    pw.forward(dw.forward(x))
                }
            };
        }
        x
    }

    /// The last feature map, recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let mut x = self.stem.forward(x);
        taps.record(self.stem_name(), &x);
        for (index, [dw, pw]) in self.blocks.iter().enumerate() {
            x = pw.forward(dw.forward(x));
            taps.record(&self.block_name(index), &x);
        }
        x
    }
}

/// One inverted residual block of MobileNet V2.
#[derive(Module, Debug)]
pub struct InvertedResidual {
    /// 1×1 expansion (absent when the expansion factor is 1).
    pub expand: Option<ConvBn>,
    /// 3×3 depthwise.
    pub depthwise: ConvBn,
    /// 1×1 linear projection.
    pub project: ConvBn,
    /// Adds the block input (stride 1, same width).
    pub residual: bool,
}

impl InvertedResidual {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut y = x.clone();
        if let Some(expand) = &self.expand {
            y = expand.forward(y);
        }
        y = self.project.forward(self.depthwise.forward(y));
        if self.residual { y + x } else { y }
    }
}

/// The convolutional base of MobileNet V2 (α = 1).
#[derive(Module, Debug)]
pub struct MobileNetV2 {
    /// 3×3 stride-2 stem, 32 channels.
    pub stem: ConvBn,
    /// 17 inverted residual blocks.
    pub blocks: Vec<InvertedResidual>,
    /// Final 1×1 convolution to 1280 channels.
    pub last: ConvBn,
    /// Stage names follow Keras (`block_16`) rather than torchvision (`features.17`).
    pub keras_names: bool,
}

/// (expansion t, output channels c, repeats n, first stride s), torchvision's table.
const V2_SETTINGS: [(usize, usize, usize, usize); 7] = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
];

impl MobileNetV2 {
    /// The inference form: every batch norm folded into its convolution.
    pub fn folded(self) -> Self {
        Self {
            stem: self.stem.folded(),
            blocks: self
                .blocks
                .into_iter()
                .map(|block| InvertedResidual {
                    expand: block.expand.map(ConvBn::folded),
                    depthwise: block.depthwise.folded(),
                    project: block.project.folded(),
                    ..block
                })
                .collect(),
            last: self.last.folded(),
            ..self
        }
    }

    /// Channels of the last feature map (the final 1×1 convolution).
    pub const CHANNELS: usize = 1280;

    /// Channels of the last feature map.
    pub fn channels(&self) -> usize {
        Self::CHANNELS
    }

    /// Key prefixes of the classifier: Keras `predictions/`, torchvision `classifier.`.
    pub fn head_prefixes(keras: bool) -> &'static [&'static str] {
        if keras {
            &["predictions/"]
        } else {
            &["classifier."]
        }
    }

    /// The file's classifier, when it has one (torchvision: `classifier.1` after dropout).
    pub fn load_head(loader: &mut WeightLoader, keras: bool, channels: usize) -> Option<Head> {
        if keras {
            Head::load_keras(loader, "predictions", MatrixLayout::InOut, channels)
        } else {
            Head::load_dense(loader, "classifier.1.", channels)
        }
    }

    /// Loads the base.
    pub fn load(loader: &mut WeightLoader, naming: Naming, padding: Padding, eps: f64) -> Self {
        let keras = naming == Naming::Keras;
        let stem_spec = ConvSpec::new(3, 32, 3, 2).padding(padding);
        let stem = if keras {
            keras_conv_bn(loader, stem_spec, "Conv1", "bn_Conv1", Activation::Relu6)
        } else {
            ConvBn::torch(
                loader,
                stem_spec,
                "features.0.0",
                "features.0.1",
                eps,
                Activation::Relu6,
            )
        };
        let mut blocks = Vec::new();
        let mut inputs = 32;
        for &(t, c, n, s) in &V2_SETTINGS {
            for repeat in 0..n {
                let stride = if repeat == 0 { s } else { 1 };
                let index = blocks.len(); // 0 = Keras expanded_conv, k = block_k
                let hidden = inputs * t;
                let expand_spec = ConvSpec::new(inputs, hidden, 1, 1);
                let dw_spec = ConvSpec::new(hidden, hidden, 3, stride)
                    .padding(padding)
                    .depthwise();
                let project_spec = ConvSpec::new(hidden, c, 1, 1);
                let block = if keras {
                    let p = if index == 0 {
                        "expanded_conv".to_string()
                    } else {
                        format!("block_{index}")
                    };
                    let conv_bn = |loader: &mut WeightLoader, spec, part: &str, activation| {
                        let bn = format!("{p}_{part}_BN");
                        keras_conv_bn(loader, spec, &format!("{p}_{part}"), &bn, activation)
                    };
                    InvertedResidual {
                        expand: (t != 1)
                            .then(|| conv_bn(loader, expand_spec, "expand", Activation::Relu6)),
                        depthwise: conv_bn(loader, dw_spec, "depthwise", Activation::Relu6),
                        project: conv_bn(loader, project_spec, "project", Activation::Identity),
                        residual: stride == 1 && inputs == c,
                    }
                } else {
                    let p = format!("features.{}.conv", index + 1);
                    let (expand, first) = if t == 1 {
                        (None, 0)
                    } else {
                        (
                            Some(ConvBn::torch(
                                loader,
                                expand_spec,
                                &format!("{p}.0.0"),
                                &format!("{p}.0.1"),
                                eps,
                                Activation::Relu6,
                            )),
                            1,
                        )
                    };
                    InvertedResidual {
                        expand,
                        depthwise: ConvBn::torch(
                            loader,
                            dw_spec,
                            &format!("{p}.{first}.0"),
                            &format!("{p}.{first}.1"),
                            eps,
                            Activation::Relu6,
                        ),
                        project: ConvBn::torch(
                            loader,
                            project_spec,
                            &format!("{p}.{}", first + 1),
                            &format!("{p}.{}", first + 2),
                            eps,
                            Activation::Identity,
                        ),
                        residual: stride == 1 && inputs == c,
                    }
                };
                blocks.push(block);
                inputs = c;
            }
        }
        let last_spec = ConvSpec::new(inputs, 1280, 1, 1);
        let last = if keras {
            keras_conv_bn(loader, last_spec, "Conv_1", "Conv_1_bn", Activation::Relu6)
        } else {
            let i = blocks.len() + 1;
            ConvBn::torch(
                loader,
                last_spec,
                &format!("features.{i}.0"),
                &format!("features.{i}.1"),
                eps,
                Activation::Relu6,
            )
        };
        Self {
            stem,
            blocks,
            last,
            keras_names: keras,
        }
    }

    /// Names of the stages, in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        (0..self.blocks.len() + 2)
            .map(|i| self.stage_name(i))
            .collect()
    }

    fn stage_name(&self, index: usize) -> String {
        if !self.keras_names {
            return format!("features.{index}");
        }
        match index {
            0 => "Conv1".into(),
            1 => "expanded_conv".into(),
            i if i == self.blocks.len() + 1 => "Conv_1".into(),
            i => format!("block_{}", i - 1),
        }
    }

    /// Units for partial evaluation: the stem, each block, the last 1×1 convolution.
    pub fn unit_count(&self) -> usize {
        self.blocks.len() + 2
    }

    /// Runs units `from..to` on `x`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        let mut x = x;
        for unit in from..to {
            x = match unit {
                0 => self.stem.forward(x),
                u if u == self.blocks.len() + 1 => self.last.forward(x),
                u => self.blocks[u - 1].forward(x),
            };
        }
        x
    }

    /// The last feature map (1280 channels), recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let mut x = self.stem.forward(x);
        taps.record(&self.stage_name(0), &x);
        for (index, block) in self.blocks.iter().enumerate() {
            x = block.forward(x);
            taps.record(&self.stage_name(index + 1), &x);
        }
        x = self.last.forward(x);
        taps.record(&self.stage_name(self.blocks.len() + 1), &x);
        x
    }
}
