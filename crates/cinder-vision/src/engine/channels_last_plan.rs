//! The folded ResNets and MobileNets (V1, V2) as a sequence of channels-last steps
//! ([`crate::engine::channels_last`]): what [`crate::Cnn::folded`] runs images through on the Flex CPU
//! backend, from the stem to the last feature map.

use crate::architectures::backbone::Backbone;
use crate::engine::channels_last::{
    ChannelsLastConv, ChannelsLastMap, SharedWorkspace, Workspace, max_pool,
};
use crate::error::{Result, VisionError};
use crate::layers::{Activation, ConvBn};

/// One step of a plan.
#[derive(Debug, Clone)]
enum Step {
    Conv(ChannelsLastConv),
    MaxPool {
        kernel: usize,
        stride: usize,
        padding: usize,
    },
    /// `post(last(inner(x)) + shortcut)`, the shortcut being `projection(x)` or `x` itself; the
    /// sum and `post` are applied by the last convolution's output pass.
    Residual {
        inner: Vec<ChannelsLastConv>,
        last: ChannelsLastConv,
        projection: Option<ChannelsLastConv>,
        post: Activation,
    },
}

/// A folded backbone in the channels-last engine.
#[derive(Debug, Clone)]
pub struct ChannelsLastPlan {
    steps: Vec<Step>,
    channels: usize,
    /// The maps' buffers, kept from one batch to the next.
    workspace: SharedWorkspace,
}

fn conv(unit: &ConvBn) -> Option<ChannelsLastConv> {
    ChannelsLastConv::from_folded(unit)
}

fn convs<'a>(units: impl IntoIterator<Item = &'a ConvBn>) -> Option<Vec<ChannelsLastConv>> {
    units.into_iter().map(conv).collect()
}

/// A residual step from its convolutions (at least one).
fn residual(
    mut convs: Vec<ChannelsLastConv>,
    projection: Option<ChannelsLastConv>,
    post: Activation,
) -> Option<Step> {
    let last = convs.pop()?;
    Some(Step::Residual {
        inner: convs,
        last,
        projection,
        post,
    })
}

impl ChannelsLastPlan {
    /// The plan of a folded ResNet, MobileNet V1 or V2; `None` for the other architectures and
    /// for models that are not folded.
    pub fn from_backbone(backbone: &Backbone) -> Option<Self> {
        let mut steps = Vec::new();
        match backbone {
            Backbone::ResNet(net) => {
                steps.push(Step::Conv(conv(&net.stem)?));
                steps.push(Step::MaxPool {
                    kernel: 3,
                    stride: 2,
                    padding: 1,
                });
                for block in net.layers.iter().flatten() {
                    let projection = match &block.downsample {
                        Some(unit) => Some(conv(unit)?),
                        None => None,
                    };
                    steps.push(residual(
                        convs(&block.convs)?,
                        projection,
                        Activation::Relu,
                    )?);
                }
            }
            Backbone::MobileNetV2(net) => {
                steps.push(Step::Conv(conv(&net.stem)?));
                for block in &net.blocks {
                    let units = convs(
                        block
                            .expand
                            .iter()
                            .chain([&block.depthwise, &block.project]),
                    )?;
                    if block.residual {
                        steps.push(residual(units, None, Activation::Identity)?);
                    } else {
                        steps.extend(units.into_iter().map(Step::Conv));
                    }
                }
                steps.push(Step::Conv(conv(&net.last)?));
            }
            Backbone::MobileNetV1(net) => {
                steps.push(Step::Conv(conv(&net.stem)?));
                for pair in &net.blocks {
                    steps.extend(convs(pair)?.into_iter().map(Step::Conv));
                }
            }
            _ => return None,
        }
        Some(Self {
            steps,
            channels: backbone.channels(),
            workspace: SharedWorkspace::default(),
        })
    }

    /// Channels of the last feature map.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Input channels of the stem (3 for images).
    pub fn input_channels(&self) -> usize {
        match self.steps.first() {
            Some(Step::Conv(stem)) => stem.inputs(),
            Some(Step::Residual { inner, last, .. }) => inner.first().unwrap_or(last).inputs(),
            _ => 0,
        }
    }

    fn check(&self, batch: usize, channels: usize, height: usize, width: usize) -> Result<()> {
        if channels != self.input_channels() || batch * height * width == 0 {
            return Err(VisionError::InvalidArgument(format!(
                "a [{batch}, {channels}, {height}, {width}] batch: the network takes at least one \
                 image of {} channels and at least 1×1 pixels",
                self.input_channels()
            )));
        }
        Ok(())
    }

    /// The last feature map of a channels-last batch.
    pub fn feature_map(&self, x: ChannelsLastMap) -> Result<ChannelsLastMap> {
        self.check(x.batch, x.channels, x.height, x.width)?;
        let mut workspace = self.workspace.take();
        let map = self.run(x, &mut workspace);
        self.workspace.keep(workspace);
        Ok(map)
    }

    /// The last feature map of `[batch, channels, height, width]` values.
    pub fn feature_map_from_nchw(
        &self,
        values: &[f32],
        batch: usize,
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<ChannelsLastMap> {
        self.check(batch, channels, height, width)?;
        let mut workspace = self.workspace.take();
        let x =
            ChannelsLastMap::from_nchw_in(values, batch, channels, height, width, &mut workspace)?;
        let map = self.run(x, &mut workspace);
        self.workspace.keep(workspace);
        Ok(map)
    }

    /// Hands a finished map's buffer back for the next batch.
    pub fn recycle(&self, map: ChannelsLastMap) {
        self.workspace.give(map.into_buffer());
    }

    fn run(&self, x: ChannelsLastMap, workspace: &mut Workspace) -> ChannelsLastMap {
        let mut x = x;
        for step in &self.steps {
            let y = match step {
                Step::Conv(conv) => conv.forward_in(&x, None, workspace),
                Step::MaxPool {
                    kernel,
                    stride,
                    padding,
                } => max_pool(&x, *kernel, *stride, *padding, workspace),
                Step::Residual {
                    inner,
                    last,
                    projection,
                    post,
                } => {
                    let shortcut = projection
                        .as_ref()
                        .map(|p| p.forward_in(&x, None, workspace));
                    let mut y: Option<ChannelsLastMap> = None;
                    for conv in inner {
                        let next = conv.forward_in(y.as_ref().unwrap_or(&x), None, workspace);
                        if let Some(done) = y.replace(next) {
                            workspace.give(done.into_buffer());
                        }
                    }
                    let input = y.as_ref().unwrap_or(&x);
                    let out = last.forward_in(
                        input,
                        Some((shortcut.as_ref().unwrap_or(&x), *post)),
                        workspace,
                    );
                    for done in y.into_iter().chain(shortcut) {
                        workspace.give(done.into_buffer());
                    }
                    out
                }
            };
            workspace.give(std::mem::replace(&mut x, y).into_buffer());
        }
        x
    }
}
