//! ResNet 18/34 (basic blocks) and 50/101/152 (bottlenecks), He et al. 2016, in torchvision's
//! layout (`layer1.0.conv1.weight`, stride on the 3×3 convolution as in torchvision ≥ 0.x "V1.5").

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use crate::layers::{Activation, ConvBn, ConvSpec, max_pool};
use crate::loading::loader::WeightLoader;
use crate::taps::Taps;

/// A residual block: basic (two 3×3) or bottleneck (1×1, 3×3, 1×1 ×4).
#[derive(Module, Debug)]
pub struct ResidualBlock {
    /// The convolutions; the last one has no activation (ReLU comes after the addition).
    pub convs: Vec<ConvBn>,
    /// 1×1 projection of the input when the shape changes.
    pub downsample: Option<ConvBn>,
}

impl ResidualBlock {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.downsample {
            Some(projection) => projection.forward(x.clone()),
            None => x.clone(),
        };
        let mut y = x;
        for conv in &self.convs {
            y = conv.forward(y);
        }
        relu(y + shortcut)
    }
}

/// The convolutional base of a ResNet.
#[derive(Module, Debug)]
pub struct ResNet {
    /// 7×7 stride-2 stem (`conv1`, `bn1`), followed by 3×3 stride-2 max pooling.
    pub stem: ConvBn,
    /// `layer1` … `layer4`.
    pub layers: Vec<Vec<ResidualBlock>>,
}

impl ResNet {
    /// The inference form: every batch norm folded into its convolution.
    pub fn folded(self) -> Self {
        Self {
            stem: self.stem.folded(),
            layers: self
                .layers
                .into_iter()
                .map(|layer| {
                    layer
                        .into_iter()
                        .map(|block| ResidualBlock {
                            convs: block.convs.into_iter().map(ConvBn::folded).collect(),
                            downsample: block.downsample.map(ConvBn::folded),
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// Key prefix of the classifier (`fc.weight`, `fc.bias`).
    pub const HEAD_PREFIX: &'static str = "fc.";

    /// Loads a ResNet of `depth` from torchvision keys.
    pub fn load(loader: &mut WeightLoader, depth: usize) -> Self {
        let eps = 1e-5;
        let (bottleneck, counts) = match depth {
            18 => (false, [2, 2, 2, 2]),
            34 => (false, [3, 4, 6, 3]),
            50 => (true, [3, 4, 6, 3]),
            101 => (true, [3, 4, 23, 3]),
            _ => (true, [3, 8, 36, 3]),
        };
        let expansion = if bottleneck { 4 } else { 1 };
        let stem = ConvBn::torch(
            loader,
            ConvSpec::new(3, 64, 7, 2),
            "conv1",
            "bn1",
            eps,
            Activation::Relu,
        );
        let mut inputs = 64;
        let mut layers = Vec::new();
        for (layer, &count) in counts.iter().enumerate() {
            let width = 64 << layer;
            let mut blocks = Vec::new();
            for b in 0..count {
                let stride = if b == 0 && layer > 0 { 2 } else { 1 };
                let p = format!("layer{}.{b}", layer + 1);
                let outputs = width * expansion;
                let specs: Vec<(ConvSpec, Activation)> = if bottleneck {
                    vec![
                        (ConvSpec::new(inputs, width, 1, 1), Activation::Relu),
                        (ConvSpec::new(width, width, 3, stride), Activation::Relu),
                        (ConvSpec::new(width, outputs, 1, 1), Activation::Identity),
                    ]
                } else {
                    vec![
                        (ConvSpec::new(inputs, width, 3, stride), Activation::Relu),
                        (ConvSpec::new(width, width, 3, 1), Activation::Identity),
                    ]
                };
                let convs = specs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (spec, activation))| {
                        ConvBn::torch(
                            loader,
                            spec,
                            &format!("{p}.conv{}", i + 1),
                            &format!("{p}.bn{}", i + 1),
                            eps,
                            activation,
                        )
                    })
                    .collect();
                let downsample = (stride != 1 || inputs != outputs).then(|| {
                    ConvBn::torch(
                        loader,
                        ConvSpec::new(inputs, outputs, 1, stride),
                        &format!("{p}.downsample.0"),
                        &format!("{p}.downsample.1"),
                        eps,
                        Activation::Identity,
                    )
                });
                blocks.push(ResidualBlock { convs, downsample });
                inputs = outputs;
            }
            layers.push(blocks);
        }
        Self { stem, layers }
    }

    /// Channels of `layer4`.
    pub fn channels(&self) -> usize {
        self.layers
            .last()
            .and_then(|l| l.last())
            .and_then(|b| b.convs.last())
            .map(|c| c.bn.gamma.dims()[0])
            .unwrap_or(0)
    }

    /// Names of the stages, in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        let mut names = vec!["relu".to_string(), "maxpool".to_string()];
        names.extend((1..=self.layers.len()).map(|i| format!("layer{i}")));
        names
    }

    /// Units for partial evaluation: the stem with its max pool, then every residual block.
    pub fn unit_count(&self) -> usize {
        1 + self.layers.iter().map(Vec::len).sum::<usize>()
    }

    /// Runs units `from..to` on `x`.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        let blocks: Vec<&ResidualBlock> = self.layers.iter().flatten().collect();
        let mut x = x;
        for unit in from..to {
            x = match unit {
                0 => max_pool(self.stem.forward(x), 3, 2, 1),
                u => blocks[u - 1].forward(x),
            };
        }
        x
    }

    /// `layer4`'s output, recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        let mut x = self.stem.forward(x);
        taps.record("relu", &x);
        x = max_pool(x, 3, 2, 1);
        taps.record("maxpool", &x);
        for (i, layer) in self.layers.iter().enumerate() {
            for block in layer {
                x = block.forward(x);
            }
            taps.record(&format!("layer{}", i + 1), &x);
        }
        x
    }
}
