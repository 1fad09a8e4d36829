//! One type for every architecture: the convolutional base, its pooling and an optional head,
//! loaded from a weight file (strictly) or freshly initialized.

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::channels_last::ChannelsLastMap;
use crate::engine::channels_last_plan::ChannelsLastPlan;

use crate::architectures::architecture::Architecture;
pub use crate::architectures::backbone::Backbone;
use crate::architectures::head::Head;
use crate::architectures::inception::InceptionV3;
use crate::architectures::mobilenet::{MobileNetV1, MobileNetV2, Naming};
use crate::architectures::resnet::ResNet;
use crate::architectures::small::SmallCnn;
use crate::architectures::vgg::Vgg;
use crate::architectures::xception::Xception;
use crate::error::{Result, VisionError};
use crate::layers::{Padding, global_average};
use crate::loading::loader::{MatrixLayout, WeightLoader};
use crate::loading::weights::WeightFile;
use crate::taps::Taps;

/// A CNN: base, pooling and (optionally) a classifier head.
#[derive(Module, Debug)]
pub struct Cnn {
    /// The convolutional base.
    pub backbone: Backbone,
    /// The classifier (absent for a backbone-only model).
    pub head: Option<Head>,
    /// VGG pools to a 7×7 grid and flattens (25088 features); every other model pools globally.
    pub grid_pool: usize,
    /// The folded base in the channels-last engine ([`ChannelsLastPlan`]), made by
    /// [`Cnn::folded`] for the ResNets and MobileNets: plain (not autodiff) Flex inputs run
    /// through it. Private so that it can only come from the weights it was built from.
    #[module(skip)]
    plan: Option<Arc<ChannelsLastPlan>>,
}

/// Whether to load the file's classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadChoice {
    /// Load the classifier when the file has one (and fail on a partial one).
    Keep,
    /// Load only the base; the file's classifier keys are deliberately skipped.
    Drop,
}

/// Options of [`Cnn::load`].
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Architecture; detected from the file when `None`.
    pub architecture: Option<Architecture>,
    /// Classifier.
    pub head: HeadChoice,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            architecture: None,
            head: HeadChoice::Keep,
        }
    }
}

impl Cnn {
    /// A model from its parts (not folded: no channels-last plan).
    pub fn new(backbone: Backbone, head: Option<Head>, grid_pool: usize) -> Self {
        Self {
            backbone,
            head,
            grid_pool,
            plan: None,
        }
    }

    /// Loads `file` strictly: every tensor of the model must be in the file with the right shape,
    /// and every tensor of the file must be used (classifier keys excepted with
    /// [`HeadChoice::Drop`]); otherwise one error lists all differences.
    pub fn load(
        file: WeightFile,
        options: LoadOptions,
        device: &Device,
    ) -> Result<(Self, Architecture)> {
        let architecture = match options.architecture {
            Some(a) => a,
            None => Architecture::detect(&file)?,
        };
        let keras = file.tensors.keys().any(|k| k.contains('/'));
        let mut loader = WeightLoader::from_file(file, device);
        let (model, skippable) = Self::build(&mut loader, architecture, keras, options.head)?;
        loader.finish(&architecture.to_string(), &skippable)?;
        Ok((model, architecture))
    }

    /// A freshly initialized model (seeded He-uniform weights, identity batch norms) with a head
    /// of `classes` outputs, in torchvision/timm layout.
    pub fn random(
        architecture: Architecture,
        classes: usize,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        let mut loader = WeightLoader::random(seed, device);
        let (mut model, _) = Self::build(&mut loader, architecture, false, HeadChoice::Drop)?;
        let features = model.feature_count();
        model.head = Some(Head {
            hidden: Vec::new(),
            output: Head::linear(
                &mut loader,
                "fc.weight",
                "fc.bias",
                MatrixLayout::OutIn,
                features,
                classes,
            ),
        });
        Ok(model)
    }

    fn build(
        loader: &mut WeightLoader,
        architecture: Architecture,
        keras: bool,
        head: HeadChoice,
    ) -> Result<(Self, Vec<&'static str>)> {
        let naming = if keras { Naming::Keras } else { Naming::Torch };
        let padding = if keras {
            Padding::TfSame
        } else {
            Padding::Symmetric(1, 1)
        };
        let backbone = match architecture {
            Architecture::MobileNetV1 { alpha } => {
                Backbone::MobileNetV1(MobileNetV1::load(loader, alpha, naming, padding, 1e-5))
            }
            Architecture::MobileNetV2 => {
                Backbone::MobileNetV2(MobileNetV2::load(loader, naming, padding, 1e-5))
            }
            Architecture::ResNet { depth } => Backbone::ResNet(ResNet::load(loader, depth)),
            Architecture::Vgg { depth, batch_norm } => {
                Backbone::Vgg(Vgg::load(loader, depth, batch_norm))
            }
            Architecture::InceptionV3 => Backbone::InceptionV3(InceptionV3::load(loader)),
            Architecture::Xception => Backbone::Xception(Xception::load(loader)),
            Architecture::SmallCnn => Backbone::Small(SmallCnn::load(loader)),
        };
        let channels = backbone.channels();
        let heads = backbone.head_prefixes(keras);
        if keras
            && !matches!(
                architecture,
                Architecture::MobileNetV1 { .. } | Architecture::MobileNetV2
            )
        {
            return Err(VisionError::Architecture(format!(
                "Keras-layout weights are supported for MobileNet V1/V2, not {architecture}"
            )));
        }
        let grid_pool = if matches!(architecture, Architecture::Vgg { .. }) {
            Vgg::GRID_POOL
        } else {
            0
        };
        let mut skippable = heads.clone();
        if architecture == Architecture::InceptionV3 {
            skippable.push(InceptionV3::AUXILIARY_PREFIX);
        }
        let head = match head {
            HeadChoice::Drop => None,
            HeadChoice::Keep => backbone.load_head(loader, keras, channels),
        };
        let model = Self::new(backbone, head, grid_pool);
        if model.head.is_some() {
            skippable.retain(|s| *s == InceptionV3::AUXILIARY_PREFIX);
        }
        Ok((model, skippable))
    }

    /// A freshly initialized base without a head, in the structure (padding, stage names) of a
    /// Keras-layout file when `keras` (MobileNets only) or of torchvision/timm otherwise.
    pub fn random_base(
        architecture: Architecture,
        keras: bool,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        let mut loader = WeightLoader::random(seed, device);
        Ok(Self::build(&mut loader, architecture, keras, HeadChoice::Drop)?.0)
    }

    /// The inference form of the model: every batch norm folded into the convolution before it,
    /// saving a pass over each feature map; outputs equal the unfolded model's to float
    /// rounding. For classifying and embedding; fine-tune the unfolded model (batch norm must
    /// stay a layer there).
    ///
    /// The folded ResNets and MobileNets (V1, V2) also get a channels-last plan
    /// ([`ChannelsLastPlan`]): on the plain Flex backend their feature maps, features and
    /// embeddings are computed by it (same values to float rounding), faster than by Burn's
    /// per-image NCHW convolutions. The plan holds a copy of the weights as they are when
    /// folding: fold again after loading other weights into the model.
    pub fn folded(self) -> Self {
        let backbone = self.backbone.folded();
        let plan = ChannelsLastPlan::from_backbone(&backbone).map(Arc::new);
        Self {
            backbone,
            plan,
            ..self
        }
    }

    /// Whether [`folded`](Self::folded) built a channels-last plan for this model.
    pub fn has_channels_last_plan(&self) -> bool {
        self.plan.is_some()
    }

    /// The last feature map through the channels-last plan, when the model has one and `x` is
    /// a plain Flex tensor (autodiff inputs, other backends and other architectures: `None`).
    fn planned_map(&self, x: &Tensor<4>) -> Option<(ChannelsLastMap, &ChannelsLastPlan)> {
        let plan = self.plan.as_ref()?;
        // Only a plain Flex tensor converts; autodiff ones keep Burn's path (and their graph).
        x.clone().try_into_primitive::<burn::backend::Flex>().ok()?;
        let [batch, channels, height, width] = x.dims();
        let values = x
            .clone()
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .ok()?;
        // Inputs the plan refuses (empty, or not the stem's channels) keep Burn's path and its
        // handling of them.
        let map = plan
            .feature_map_from_nchw(&values, batch, channels, height, width)
            .ok()?;
        Some((map, plan))
    }

    /// Channels of the last feature map: the length of an [`embed`](Self::embed) vector.
    pub fn embedding_size(&self) -> usize {
        self.backbone.channels()
    }

    /// Number of pooled features fed to the classifier.
    pub fn feature_count(&self) -> usize {
        let channels = self.embedding_size();
        if self.grid_pool > 0 {
            channels * self.grid_pool * self.grid_pool
        } else {
            channels
        }
    }

    /// Number of classes of the head (`None` without one).
    pub fn classes(&self) -> Option<usize> {
        self.head.as_ref().map(Head::classes)
    }

    /// Names of the stages [`Taps`] can record.
    pub fn stage_names(&self) -> Vec<String> {
        self.backbone.stage_names()
    }

    /// The last feature map.
    pub fn feature_map(&self, x: Tensor<4>) -> Tensor<4> {
        if let Some((map, plan)) = self.planned_map(&x) {
            let shape = [map.batch, map.channels, map.height, map.width];
            let values = map.to_nchw();
            plan.recycle(map);
            return Tensor::from_data(TensorData::new(values, shape), &x.device());
        }
        self.backbone.forward_map(x, &mut Taps::none())
    }

    /// Pools a feature map into classifier inputs (global average, or VGG's 7×7 grid flattened).
    pub fn pool(&self, map: Tensor<4>) -> Tensor<2> {
        if self.grid_pool > 0 {
            let [batch, channels, _, _] = map.dims();
            let g = self.grid_pool;
            adaptive_avg_pool2d(map, [g, g]).reshape([batch, channels * g * g])
        } else {
            global_average(map)
        }
    }

    /// The classifier input `[batch, features]` (what the fixtures call "features").
    pub fn features(&self, x: Tensor<4>) -> Tensor<2> {
        if self.grid_pool == 0 {
            return self.embed(x);
        }
        self.pool(self.feature_map(x))
    }

    /// A compact embedding: the global average of the last feature map (the same as
    /// [`features`](Self::features) except for VGG, where it is 512-d instead of 25088-d).
    pub fn embed(&self, x: Tensor<4>) -> Tensor<2> {
        if let Some((map, plan)) = self.planned_map(&x) {
            let shape = [map.batch, map.channels];
            let values = map.global_average();
            plan.recycle(map);
            return Tensor::from_data(TensorData::new(values, shape), &x.device());
        }
        global_average(self.feature_map(x))
    }

    /// Class scores from classifier inputs; the features themselves without a head.
    pub fn classify(&self, features: Tensor<2>) -> Tensor<2> {
        match &self.head {
            Some(head) => head.forward(features),
            None => features,
        }
    }

    /// Class scores (logits) of `[batch, 3, height, width]` images.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.classify(self.features(x))
    }

    /// Class scores, recording the named stages into `taps`.
    pub fn forward_with_taps(&self, x: Tensor<4>, taps: &mut Taps) -> Tensor<2> {
        let map = self.backbone.forward_map(x, taps);
        self.classify(self.pool(map))
    }

    /// Checks that `stage` exists.
    pub fn check_stage(&self, architecture: &str, stage: &str) -> Result<()> {
        let available = self.stage_names();
        if available.iter().any(|s| s == stage) {
            Ok(())
        } else {
            Err(VisionError::UnknownStage {
                architecture: architecture.to_string(),
                stage: stage.to_string(),
                available,
            })
        }
    }
}
