//! # cinder-experiment
//!
//! What the `cinder` command and the examples share, as a library: **run directories** with typed
//! records ([`RunDirectory`], [`RunConfig`], [`EpochRow`], [`UnitRow`]), one **observer** for the
//! progress of every long computation ([`Observer`], [`Event`]), **resume** of interrupted runs,
//! **reports** built from the records ([`build_report`]), **devices** by name ([`DeviceChoice`])
//! and **experiments** that tie them together ([`NodeExperiment`], [`GraphExperiment`]).
//!
//! Every `cinder` command is a **request** here — options in, `run`, then `write` and a summary
//! out: [`NodeTrainingRequest`], [`GraphTrainingRequest`] (with its [`FoldProtocol`]),
//! [`DatasetInfo`], [`NodeExplanationRequest`], [`GraphExplanationRequest`], the image requests
//! ([`ImageClassifyRequest`], [`ImageEmbedRequest`], [`ImageNodeFeaturesRequest`],
//! [`ImageGraphRequest`], [`FineTuneRequest`], [`CnnBench`]) and [`DemoRequest`]. The types they
//! are configured with (devices, training configurations, data formats) are re-exported, so the
//! CLI depends on this crate alone.
//!
//! It sits above `cinder-nn` and `cinder-plot` and below the CLI: data flows datasets → graph →
//! nn → experiment (records, reports).
//!
//! ```
//! use cinder_experiment::{DeviceChoice, Event, NodeExperiment, NodeInput, RunDirectory};
//! use cinder_graph::karate_club;
//! use cinder_nn::{NodeModelConfig, NodeTrainingConfig};
//!
//! let graph = karate_club();
//! let split = cinder_graph::NodeSplit { train: vec![0, 33], validation: vec![], test: (1..33).collect() };
//! let experiment = NodeExperiment {
//!     dataset: "karate".into(),
//!     graph: NodeInput::Graph(&graph),
//!     split: &split,
//!     config: NodeTrainingConfig::new().with_epochs(30).with_patience(0)
//!         .with_model(NodeModelConfig::new().with_dropout(0.0)),
//!     seeds: vec![0, 1],
//!     class_names: vec!["Mr. Hi".into(), "Officer".into()],
//! };
//! let root = std::env::temp_dir().join(format!("cinder-doc-{}", std::process::id()));
//! let run = RunDirectory::create(&root, "karate-gcn")?;
//! let mut epochs = 0;
//! let mut count_epochs = |event: &Event<'_>| if let Event::Epoch { .. } = event { epochs += 1 };
//! let device = DeviceChoice::Flex.device()?;
//! let result = experiment.run(&device, &mut count_epochs, Some(&run))?;
//! assert_eq!(epochs, 60);
//! let report = experiment.write_run(&run, &result, None, Default::default())?;
//! assert!(report.ends_with("report.html") && run.join("metrics.csv").exists());
//! # std::fs::remove_dir_all(&root).unwrap();
//! # Ok::<(), cinder_experiment::ExperimentError>(())
//! ```

mod dataset_info;
mod demo;
mod error;
mod errors_section;
mod explain_graphs;
mod explain_nodes;
mod graph;
mod graph_request;
mod image;
mod link;
mod link_records;
mod link_report;
mod link_request;
mod node;
mod node_request;
mod node_summary;
mod observer;
mod provenance;
mod records;
mod report;
mod resources;
mod run_directory;

pub use burn::tensor::Device;
pub use cinder_datasets::DataFormat;
pub use cinder_datasets::download_dataset;
pub use cinder_graph::{EdgeCount, LinkSplitConfig};
pub use cinder_nn::{
    BatchNormStatistics, ConfigGrid, DeviceChoice, EntropyMean, ExplainerConfig, GraphModelKind,
    GraphTrainingConfig, InputFeatures, JkGcnTraining, LinkDecoder, LinkEncoder, LinkMetric,
    LinkModelConfig, LinkTrainingConfig, NegativeSampler, NodeModelKind, NodeTrainingConfig,
    OptimizerConfig, Readout, Selection, describe_device,
};
pub use cinder_vision::checkpoint::{check_checkpoint_path, save_checkpoint};
pub use cinder_vision::{Architecture, Pretrained};
pub use dataset_info::{DatasetInfo, DatasetListing, dataset_listing};
pub use demo::{
    CoraSummary, DemoImageGraphSummary, DemoRequest, DemoSummary, KarateSummary, MoleculesSummary,
    PhotoSummary, TransferSummary,
};
pub use error::{ExperimentError, Result};
pub use explain_graphs::{
    GraphExplanationRequest, GraphExplanationRun, NitroStatistics, atom_names,
};
pub use explain_nodes::{
    DataSource, NodeExplanationModel, NodeExplanationRequest, NodeExplanationRun, NodeTargets,
};
pub use graph::{GraphExperiment, readout_name};
pub use graph_request::{
    FeatureChoice, FoldProtocol, FoldSummary, GraphSetSource, GraphTrainingRequest,
    GraphTrainingSummary, PreparedGraphs,
};
pub use image::{
    ClassifiedImage, CnnBench, CnnBenchResult, CnnSource, EmbeddingOptions, FeatureMapRequest,
    FineTuneOutcome, FineTuneRequest, FineTuneRun, ImageClassifyRequest, ImageEmbedRequest,
    ImageEmbedding, ImageFolderSplit, ImageGraph, ImageGraphPipeline, ImageGraphRequest,
    ImageGraphRun, ImageGraphSummary, ImageNodeFeatures, ImageNodeFeaturesRequest, StrategyChoice,
    StrategyResult, TestOutcome, build_finetune_report, default_embedding_cache, embed_observed,
    evaluate_fine_tuned, fine_tune_observed, write_feature_maps,
};
pub use link::LinkExperimentResult;
pub use link_records::{LinkEpochRow, LinkRun};
pub use link_report::{LinkCurves, build_link_report};
pub use link_request::{
    LinkDataSource, LinkRunRow, LinkTrainingRequest, LinkTrainingSummary, PreparedLinks,
};
pub use node::{NodeExperiment, NodeExperimentResult, NodeInput, NodeRun, SampledMedians};
pub use node_request::{
    NodeDataSource, NodeGraph, NodeTrainingRequest, PreparedNodes, sampling_config,
};
pub use node_summary::{NodeTrainingSummary, SampledSummary};
pub use observer::{EpochMetrics, Event, Observer, PrintLines, Silent, Unit};
pub use provenance::{command_line, provenance, provenance_fields, summed_confusion};
pub use records::{CandidateRecord, EpochRow, RunConfig, SelectionRecord, UnitRow};
pub use report::build_report;
pub use resources::{peak_resident_megabytes, set_worker_threads, worker_threads};
pub use run_directory::{RunDirectory, timestamp};
