//! Inception V3 (Szegedy et al. 2016) in torchvision's layout (`Mixed_5b.branch1x1.conv.weight`,
//! batch norm ε = 0.001). The auxiliary classifier is not part of the inference model; its keys
//! are skipped when loading.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::layers::{Activation, ConvBn, ConvSpec, Padding, avg_pool, max_pool};
use crate::loading::loader::WeightLoader;
use crate::taps::Taps;

const EPS: f64 = 1e-3;

/// A chain of BasicConv2d (conv → BN → ReLU), optionally after 3×3 average pooling, optionally
/// ending in two parallel convolutions whose outputs are concatenated (InceptionE).
#[derive(Module, Debug)]
pub struct Branch {
    /// Average-pool 3×3 (stride 1, padding 1) before the convolutions.
    pub pool_first: bool,
    /// The chain.
    pub convs: Vec<ConvBn>,
    /// Parallel convolutions on the chain's output (concatenated), or empty.
    pub split: Vec<ConvBn>,
}

impl Branch {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut x = if self.pool_first {
            avg_pool(x, 3, 1, 1)
        } else {
            x
        };
        for conv in &self.convs {
            x = conv.forward(x);
        }
        if self.split.is_empty() {
            x
        } else {
            Tensor::cat(self.split.iter().map(|c| c.forward(x.clone())).collect(), 1)
        }
    }
}

/// An Inception module: branches concatenated along channels, plus an optional 3×3 stride-2
/// max-pool branch (the grid-reduction modules B and D).
#[derive(Module, Debug)]
pub struct InceptionBlock {
    /// Convolution branches in output order.
    pub branches: Vec<Branch>,
    /// Appends max_pool(3, stride 2) of the input.
    pub max_pool_branch: bool,
}

impl InceptionBlock {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut outputs: Vec<Tensor<4>> =
            self.branches.iter().map(|b| b.forward(x.clone())).collect();
        if self.max_pool_branch {
            outputs.push(max_pool(x, 3, 2, 0));
        }
        Tensor::cat(outputs, 1)
    }
}

/// The convolutional base of Inception V3 (to `Mixed_7c`, 2048 channels).
#[derive(Module, Debug)]
pub struct InceptionV3 {
    /// `Conv2d_1a_3x3` … `Conv2d_4a_3x3`.
    pub stem: Vec<ConvBn>,
    /// `Mixed_5b` … `Mixed_7c`.
    pub mixed: Vec<InceptionBlock>,
}

/// Mixed block names in order.
pub const MIXED: [&str; 11] = [
    "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
    "Mixed_7a", "Mixed_7b", "Mixed_7c",
];

struct Builder<'a> {
    loader: &'a mut WeightLoader,
    prefix: String,
}

impl Builder<'_> {
    /// BasicConv2d `name`: kernel (kh, kw), stride, padding (ph, pw).
    fn conv(
        &mut self,
        name: &str,
        inputs: usize,
        outputs: usize,
        kernel: (usize, usize),
        stride: usize,
        padding: (usize, usize),
    ) -> ConvBn {
        let spec = ConvSpec {
            inputs,
            outputs,
            kernel,
            stride,
            padding: Padding::Symmetric(padding.0, padding.1),
            groups: 1,
        };
        let p = if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        };
        ConvBn::torch(
            self.loader,
            spec,
            &format!("{p}.conv"),
            &format!("{p}.bn"),
            EPS,
            Activation::Relu,
        )
    }

    fn chain(&mut self, convs: Vec<ConvBn>) -> Branch {
        Branch {
            pool_first: false,
            convs,
            split: Vec::new(),
        }
    }

    fn a(&mut self, inputs: usize, pool_features: usize) -> InceptionBlock {
        let b1 = self.conv("branch1x1", inputs, 64, (1, 1), 1, (0, 0));
        let b5 = vec![
            self.conv("branch5x5_1", inputs, 48, (1, 1), 1, (0, 0)),
            self.conv("branch5x5_2", 48, 64, (5, 5), 1, (2, 2)),
        ];
        let b3 = vec![
            self.conv("branch3x3dbl_1", inputs, 64, (1, 1), 1, (0, 0)),
            self.conv("branch3x3dbl_2", 64, 96, (3, 3), 1, (1, 1)),
            self.conv("branch3x3dbl_3", 96, 96, (3, 3), 1, (1, 1)),
        ];
        let pool = self.conv("branch_pool", inputs, pool_features, (1, 1), 1, (0, 0));
        InceptionBlock {
            branches: vec![
                self.chain(vec![b1]),
                self.chain(b5),
                self.chain(b3),
                Branch {
                    pool_first: true,
                    convs: vec![pool],
                    split: Vec::new(),
                },
            ],
            max_pool_branch: false,
        }
    }

    fn b(&mut self, inputs: usize) -> InceptionBlock {
        let b3 = self.conv("branch3x3", inputs, 384, (3, 3), 2, (0, 0));
        let dbl = vec![
            self.conv("branch3x3dbl_1", inputs, 64, (1, 1), 1, (0, 0)),
            self.conv("branch3x3dbl_2", 64, 96, (3, 3), 1, (1, 1)),
            self.conv("branch3x3dbl_3", 96, 96, (3, 3), 2, (0, 0)),
        ];
        InceptionBlock {
            branches: vec![self.chain(vec![b3]), self.chain(dbl)],
            max_pool_branch: true,
        }
    }

    fn c(&mut self, inputs: usize, c7: usize) -> InceptionBlock {
        let b1 = self.conv("branch1x1", inputs, 192, (1, 1), 1, (0, 0));
        let b7 = vec![
            self.conv("branch7x7_1", inputs, c7, (1, 1), 1, (0, 0)),
            self.conv("branch7x7_2", c7, c7, (1, 7), 1, (0, 3)),
            self.conv("branch7x7_3", c7, 192, (7, 1), 1, (3, 0)),
        ];
        let dbl = vec![
            self.conv("branch7x7dbl_1", inputs, c7, (1, 1), 1, (0, 0)),
            self.conv("branch7x7dbl_2", c7, c7, (7, 1), 1, (3, 0)),
            self.conv("branch7x7dbl_3", c7, c7, (1, 7), 1, (0, 3)),
            self.conv("branch7x7dbl_4", c7, c7, (7, 1), 1, (3, 0)),
            self.conv("branch7x7dbl_5", c7, 192, (1, 7), 1, (0, 3)),
        ];
        let pool = self.conv("branch_pool", inputs, 192, (1, 1), 1, (0, 0));
        InceptionBlock {
            branches: vec![
                self.chain(vec![b1]),
                self.chain(b7),
                self.chain(dbl),
                Branch {
                    pool_first: true,
                    convs: vec![pool],
                    split: Vec::new(),
                },
            ],
            max_pool_branch: false,
        }
    }

    fn d(&mut self, inputs: usize) -> InceptionBlock {
        let b3 = vec![
            self.conv("branch3x3_1", inputs, 192, (1, 1), 1, (0, 0)),
            self.conv("branch3x3_2", 192, 320, (3, 3), 2, (0, 0)),
        ];
        let b7 = vec![
            self.conv("branch7x7x3_1", inputs, 192, (1, 1), 1, (0, 0)),
            self.conv("branch7x7x3_2", 192, 192, (1, 7), 1, (0, 3)),
            self.conv("branch7x7x3_3", 192, 192, (7, 1), 1, (3, 0)),
            self.conv("branch7x7x3_4", 192, 192, (3, 3), 2, (0, 0)),
        ];
        InceptionBlock {
            branches: vec![self.chain(b3), self.chain(b7)],
            max_pool_branch: true,
        }
    }

    fn e(&mut self, inputs: usize) -> InceptionBlock {
        let b1 = self.conv("branch1x1", inputs, 320, (1, 1), 1, (0, 0));
        let b3 = self.conv("branch3x3_1", inputs, 384, (1, 1), 1, (0, 0));
        let b3_split = vec![
            self.conv("branch3x3_2a", 384, 384, (1, 3), 1, (0, 1)),
            self.conv("branch3x3_2b", 384, 384, (3, 1), 1, (1, 0)),
        ];
        let dbl = vec![
            self.conv("branch3x3dbl_1", inputs, 448, (1, 1), 1, (0, 0)),
            self.conv("branch3x3dbl_2", 448, 384, (3, 3), 1, (1, 1)),
        ];
        let dbl_split = vec![
            self.conv("branch3x3dbl_3a", 384, 384, (1, 3), 1, (0, 1)),
            self.conv("branch3x3dbl_3b", 384, 384, (3, 1), 1, (1, 0)),
        ];
        let pool = self.conv("branch_pool", inputs, 192, (1, 1), 1, (0, 0));
        InceptionBlock {
            branches: vec![
                self.chain(vec![b1]),
                Branch {
                    pool_first: false,
                    convs: vec![b3],
                    split: b3_split,
                },
                Branch {
                    pool_first: false,
                    convs: dbl,
                    split: dbl_split,
                },
                Branch {
                    pool_first: true,
                    convs: vec![pool],
                    split: Vec::new(),
                },
            ],
            max_pool_branch: false,
        }
    }
}

impl InceptionV3 {
    /// The inference form: every batch norm folded into its convolution.
    pub fn folded(self) -> Self {
        let fold = |convs: Vec<ConvBn>| convs.into_iter().map(ConvBn::folded).collect();
        Self {
            stem: fold(self.stem),
            mixed: self
                .mixed
                .into_iter()
                .map(|block| InceptionBlock {
                    branches: block
                        .branches
                        .into_iter()
                        .map(|branch| Branch {
                            convs: fold(branch.convs),
                            split: fold(branch.split),
                            ..branch
                        })
                        .collect(),
                    ..block
                })
                .collect(),
        }
    }

    /// Channels of the last feature map (`Mixed_7c`).
    pub const CHANNELS: usize = 2048;
    /// Key prefix of the classifier (`fc.weight`, `fc.bias`).
    pub const HEAD_PREFIX: &'static str = "fc.";
    /// Key prefix of the auxiliary training classifier, never used at inference.
    pub const AUXILIARY_PREFIX: &'static str = "AuxLogits.";

    /// Channels of the last feature map.
    pub fn channels(&self) -> usize {
        Self::CHANNELS
    }

    /// Loads the base from torchvision keys (`AuxLogits.*` is left for the caller to skip).
    pub fn load(loader: &mut WeightLoader) -> Self {
        let mut b = Builder {
            loader,
            prefix: String::new(),
        };
        let stem = vec![
            b.conv("Conv2d_1a_3x3", 3, 32, (3, 3), 2, (0, 0)),
            b.conv("Conv2d_2a_3x3", 32, 32, (3, 3), 1, (0, 0)),
            b.conv("Conv2d_2b_3x3", 32, 64, (3, 3), 1, (1, 1)),
            b.conv("Conv2d_3b_1x1", 64, 80, (1, 1), 1, (0, 0)),
            b.conv("Conv2d_4a_3x3", 80, 192, (3, 3), 1, (0, 0)),
        ];
        let mut mixed = Vec::new();
        for name in MIXED {
            b.prefix = name.to_string();
            mixed.push(match name {
                "Mixed_5b" => b.a(192, 32),
                "Mixed_5c" => b.a(256, 64),
                "Mixed_5d" => b.a(288, 64),
                "Mixed_6a" => b.b(288),
                "Mixed_6b" => b.c(768, 128),
                "Mixed_6c" | "Mixed_6d" => b.c(768, 160),
                "Mixed_6e" => b.c(768, 192),
                "Mixed_7a" => b.d(768),
                "Mixed_7b" => b.e(1280),
                _ => b.e(2048),
            });
        }
        Self { stem, mixed }
    }

    /// Names of the stages, in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        let mut names: Vec<String> = [
            "Conv2d_1a_3x3",
            "Conv2d_2a_3x3",
            "Conv2d_2b_3x3",
            "maxpool1",
            "Conv2d_3b_1x1",
            "Conv2d_4a_3x3",
            "maxpool2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.extend(MIXED.iter().map(|s| s.to_string()));
        names
    }

    /// Units for partial evaluation: the whole stem, then each mixed block.
    pub fn unit_count(&self) -> usize {
        1 + self.mixed.len()
    }

    /// Runs units `from..to` on `x`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        let mut x = x;
        for unit in from..to {
            x = match unit {
                0 => self.forward_stem(x),
                u => self.mixed[u - 1].forward(x),
            };
        }
        x
    }

    fn forward_stem(&self, x: Tensor<4>) -> Tensor<4> {
        let mut x = x;
        for (i, conv) in self.stem.iter().enumerate() {
            x = conv.forward(x);
            if i == 2 || i == 4 {
                x = max_pool(x, 3, 2, 0);
            }
        }
        x
    }

    /// `Mixed_7c`'s output, recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let names = [
            "Conv2d_1a_3x3",
            "Conv2d_2a_3x3",
            "Conv2d_2b_3x3",
            "Conv2d_3b_1x1",
            "Conv2d_4a_3x3",
        ];
        let mut x = x;
        for (i, conv) in self.stem.iter().enumerate() {
            x = conv.forward(x);
            taps.record(names[i], &x);
            if i == 2 {
                x = max_pool(x, 3, 2, 0);
                taps.record("maxpool1", &x);
            }
            if i == 4 {
                x = max_pool(x, 3, 2, 0);
                taps.record("maxpool2", &x);
            }
        }
        for (block, name) in self.mixed.iter().zip(MIXED) {
            x = block.forward(x);
            taps.record(name, &x);
        }
        x
    }
}
