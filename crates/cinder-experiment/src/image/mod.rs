//! Pretrained CNNs on images, one request per `cinder image` command: classify
//! ([`ImageClassifyRequest`]), embed a folder into a CSV file ([`ImageEmbedRequest`]), fill a
//! CSV graph's node features from its images ([`ImageNodeFeaturesRequest`]), build an image
//! similarity graph ([`ImageGraphRequest`], on [`ImageGraphPipeline`]), feature maps and
//! Grad-CAM ([`write_feature_maps`]), fine-tune and compare strategies ([`FineTuneRequest`],
//! recorded as a [`FineTuneRun`]) and time a forward pass ([`CnnBench`]). Each loads its CNN
//! from a [`CnnSource`].

mod classify;
mod cnn_bench;
mod embed;
mod evaluate;
mod feature_maps;
mod finetune;
mod finetune_record;
mod graph;
mod graph_request;
mod node_features;
mod source;
mod split;

pub use classify::{ClassifiedImage, ImageClassifyRequest};
pub use cnn_bench::{CnnBench, CnnBenchResult};
pub use embed::{EmbeddingOptions, ImageEmbedRequest, ImageEmbedding, embed_observed};
pub use evaluate::{TestOutcome, evaluate_fine_tuned};
pub use feature_maps::{FeatureMapRequest, write_feature_maps};
pub use finetune::{FineTuneOutcome, FineTuneRequest, StrategyChoice, fine_tune_observed};
pub use finetune_record::{FineTuneRun, StrategyResult, build_finetune_report};
pub use graph::{ImageGraph, ImageGraphPipeline};
pub use graph_request::{ImageGraphRequest, ImageGraphRun, ImageGraphSummary};
pub use node_features::{ImageNodeFeatures, ImageNodeFeaturesRequest};
pub use source::{CnnSource, default_embedding_cache};
pub use split::ImageFolderSplit;
