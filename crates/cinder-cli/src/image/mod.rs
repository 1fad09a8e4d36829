//! `cinder image …`: classify photos with a pretrained CNN, extract embeddings, look at feature
//! maps and Grad-CAM, fine-tune on an image folder, build image graphs, and convert weights to a
//! burnpack checkpoint. One file per subcommand, each mapping its flags onto a cinder-experiment
//! request.

mod bench;
mod classify;
mod convert;
mod feature_maps;
mod features;
mod finetune;
mod graph;
mod model;
mod node_features;

use cinder_experiment::Device;
use clap::Subcommand;

/// `cinder image` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Top classes of each image (softmax probabilities), with class names when known.
    Classify(classify::ClassifyArguments),
    /// One embedding per image (global average of the last feature map) into a CSV file.
    Features(features::FeaturesArguments),
    /// Feature-map grids of named stages and a Grad-CAM overlay for one image.
    FeatureMaps(feature_maps::FeatureMapsArguments),
    /// Transfer learning on an image folder: train a new head (and optionally the top of the
    /// network), comparing strategies, with a plotted report.
    Finetune(finetune::FinetuneArguments),
    /// Convert a weight file into a burnpack checkpoint (fast to reload) with a JSON sidecar.
    Convert(convert::ConvertArguments),
    /// Time the forward pass of an architecture (seeded random weights, no file needed) on a
    /// batch of the architecture's input shape: median ms per batch and images per second.
    Bench(bench::BenchArguments),
    /// Image similarity graph: every image a node with its CNN embedding as features, edges to
    /// the k most similar images (cosine), written in cinder's CSV graph format; optionally a
    /// few-labels GCN vs the same model without edges (an MLP).
    Graph(graph::GraphArguments),
    /// Node features from images: for a CSV graph folder whose `nodes.csv` has a column of image
    /// paths, embed every node's image and write the graph with the embeddings as features.
    NodeFeatures(node_features::NodeFeaturesArguments),
}

/// Runs a `cinder image` subcommand; `argv` is the command line (for `finetune`'s run
/// directory).
pub fn run(command: &ImageCommand, argv: &[String], device: &Device) -> anyhow::Result<()> {
    match command {
        ImageCommand::Classify(arguments) => classify::run(arguments, device),
        ImageCommand::Features(arguments) => features::run(arguments, device),
        ImageCommand::FeatureMaps(arguments) => feature_maps::run(arguments, device),
        ImageCommand::Finetune(arguments) => finetune::run(arguments, argv, device),
        ImageCommand::Convert(arguments) => convert::run(arguments, device),
        ImageCommand::Bench(arguments) => bench::run(arguments, device),
        ImageCommand::Graph(arguments) => graph::run(arguments, device),
        ImageCommand::NodeFeatures(arguments) => node_features::run(arguments, device),
    }
}
