//! The convolutional base of every architecture behind one enum: folding, channels, the head's
//! weight-file keys, and the forward passes by map, by unit range and by stage.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::architectures::head::Head;
use crate::architectures::inception::InceptionV3;
use crate::architectures::mobilenet::{MobileNetV1, MobileNetV2};
use crate::architectures::resnet::ResNet;
use crate::architectures::small::SmallCnn;
use crate::architectures::vgg::Vgg;
use crate::architectures::xception::Xception;
use crate::loading::loader::WeightLoader;
use crate::taps::Taps;

/// The convolutional base of one of the architectures.
// A model holds exactly one backbone, so the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Backbone {
    /// MobileNet V1.
    MobileNetV1(MobileNetV1),
    /// MobileNet V2.
    MobileNetV2(MobileNetV2),
    /// ResNet.
    ResNet(ResNet),
    /// VGG.
    Vgg(Vgg),
    /// Inception V3.
    InceptionV3(InceptionV3),
    /// Xception.
    Xception(Xception),
    /// The small CNN for tiny images.
    Small(SmallCnn),
}

impl Backbone {
    /// The inference form: batch norms folded into the convolutions (see `ConvBn::folded`).
    pub fn folded(self) -> Self {
        match self {
            Backbone::MobileNetV1(m) => Backbone::MobileNetV1(m.folded()),
            Backbone::MobileNetV2(m) => Backbone::MobileNetV2(m.folded()),
            Backbone::ResNet(m) => Backbone::ResNet(m.folded()),
            Backbone::Vgg(m) => Backbone::Vgg(m.folded()),
            Backbone::InceptionV3(m) => Backbone::InceptionV3(m.folded()),
            Backbone::Xception(m) => Backbone::Xception(m.folded()),
            Backbone::Small(m) => Backbone::Small(m.folded()),
        }
    }

    /// Channels of the last feature map (each architecture's own fact, in its file).
    pub fn channels(&self) -> usize {
        match self {
            Backbone::MobileNetV1(m) => m.channels(),
            Backbone::MobileNetV2(m) => m.channels(),
            Backbone::ResNet(m) => m.channels(),
            Backbone::Vgg(m) => m.channels(),
            Backbone::InceptionV3(m) => m.channels(),
            Backbone::Xception(m) => m.channels(),
            Backbone::Small(m) => m.channels(),
        }
    }

    /// Key prefixes of the architecture's classifier in a weight file (skipped when the head is
    /// dropped).
    pub fn head_prefixes(&self, keras: bool) -> Vec<&'static str> {
        match self {
            Backbone::MobileNetV1(_) => MobileNetV1::head_prefixes(keras).to_vec(),
            Backbone::MobileNetV2(_) => MobileNetV2::head_prefixes(keras).to_vec(),
            Backbone::Vgg(_) => vec![Vgg::HEAD_PREFIX],
            Backbone::ResNet(_) => vec![ResNet::HEAD_PREFIX],
            Backbone::InceptionV3(_) => vec![InceptionV3::HEAD_PREFIX],
            Backbone::Xception(_) => vec![Xception::HEAD_PREFIX],
            Backbone::Small(_) => vec![SmallCnn::HEAD_PREFIX],
        }
    }

    /// The file's classifier on `channels` pooled channels, when it has one.
    pub(crate) fn load_head(
        &self,
        loader: &mut WeightLoader,
        keras: bool,
        channels: usize,
    ) -> Option<Head> {
        match self {
            Backbone::MobileNetV1(_) => MobileNetV1::load_head(loader, keras, channels),
            Backbone::MobileNetV2(_) => MobileNetV2::load_head(loader, keras, channels),
            Backbone::Vgg(_) => Vgg::load_head(loader, channels),
            Backbone::ResNet(_) => Head::load_dense(loader, ResNet::HEAD_PREFIX, channels),
            Backbone::InceptionV3(_) => {
                Head::load_dense(loader, InceptionV3::HEAD_PREFIX, channels)
            }
            Backbone::Xception(_) => Head::load_dense(loader, Xception::HEAD_PREFIX, channels),
            Backbone::Small(_) => Head::load_dense(loader, SmallCnn::HEAD_PREFIX, channels),
        }
    }

    /// The last feature map `[batch, channels, h, w]`, recording stages into `taps`.
    pub fn forward_map(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<4> {
        match self {
            Backbone::MobileNetV1(m) => m.forward_map(x, taps),
            Backbone::MobileNetV2(m) => m.forward_map(x, taps),
            Backbone::ResNet(m) => m.forward_map(x, taps),
            Backbone::Vgg(m) => m.forward_map(x, taps),
            Backbone::InceptionV3(m) => m.forward_map(x, taps),
            Backbone::Xception(m) => m.forward_map(x, taps),
            Backbone::Small(m) => m.forward_map(x, taps),
        }
    }

    /// Number of units (stem, blocks, …) for partial evaluation and fine-tuning.
    pub fn unit_count(&self) -> usize {
        match self {
            Backbone::MobileNetV1(m) => m.unit_count(),
            Backbone::MobileNetV2(m) => m.unit_count(),
            Backbone::ResNet(m) => m.unit_count(),
            Backbone::Vgg(m) => m.unit_count(),
            Backbone::InceptionV3(m) => m.unit_count(),
            Backbone::Xception(m) => m.unit_count(),
            Backbone::Small(m) => m.unit_count(),
        }
    }

    /// Runs units `from..to`: `forward_units(x, 0, unit_count())` is the last feature map.
    pub fn forward_units(&self, x: Tensor<4>, from: usize, to: usize) -> Tensor<4> {
        match self {
            Backbone::MobileNetV1(m) => m.forward_units(x, from, to),
            Backbone::MobileNetV2(m) => m.forward_units(x, from, to),
            Backbone::ResNet(m) => m.forward_units(x, from, to),
            Backbone::Vgg(m) => m.forward_units(x, from, to),
            Backbone::InceptionV3(m) => m.forward_units(x, from, to),
            Backbone::Xception(m) => m.forward_units(x, from, to),
            Backbone::Small(m) => m.forward_units(x, from, to),
        }
    }

    /// Names of the stages that can be tapped, in forward order.
    pub fn stage_names(&self) -> Vec<String> {
        match self {
            Backbone::MobileNetV1(m) => m.stage_names(),
            Backbone::MobileNetV2(m) => m.stage_names(),
            Backbone::ResNet(m) => m.stage_names(),
            Backbone::Vgg(m) => m.stage_names(),
            Backbone::InceptionV3(m) => m.stage_names(),
            Backbone::Xception(m) => m.stage_names(),
            Backbone::Small(m) => m.stage_names(),
        }
    }
}
