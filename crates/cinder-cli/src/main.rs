//! `cinder`: train graph neural networks on real datasets from the command line.
//!
//! **This crate holds argument structs and calls; it imports only cinder-experiment.** Every
//! subcommand maps its flags onto a cinder-experiment request, runs it (request → run → write),
//! and prints the result; anything that computes — loading, splitting, training, counting,
//! charts, report prose — belongs in a library crate, where a Rust user reaches it with one or
//! two calls. The types the flags map onto (configurations, devices, data formats) come
//! through cinder-experiment's re-exports, so neither the other cinder crates nor Burn are
//! dependencies of the binary. What stays here: clap's argument structs, `--config` files,
//! the flags a run directory records for `--resume`, progress bars, and library errors restated
//! in the flags that caused them ([`flags::in_flag_terms`]).

mod config_file;
mod data;
mod demo;
mod explain;
mod flags;
mod graph;
mod image;
mod link;
mod node;
mod progress;
mod report;
mod run_directory;

use anyhow::Context;
use cinder_experiment::DeviceChoice;
use clap::{Parser, Subcommand};

/// mimalloc keeps freed pages for reuse: per-epoch tensors (dropout masks, activations) of tens of
/// MB then cost no fresh page faults, which on these VMs take ~2 µs per 4 KiB page.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// cinder — graph neural networks in Rust.
#[derive(Debug, Parser)]
#[command(name = "cinder", version, about, long_about = None, args_override_self = true)]
struct Cli {
    /// Read flags from a TOML or JSON file: keys are flag names (`epochs = 200`,
    /// `no_report = true`), arrays repeat a flag; flags on the command line win.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,

    /// Compute device: flex (Burn's CPU backend), wgpu (the default GPU adapter), wgpu:N
    /// (discrete GPU N) or cuda:N. GPU backends need a build with `--features wgpu` / `cuda`.
    #[arg(long, global = true, value_name = "DEVICE", default_value = "flex")]
    device: DeviceChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Inspect datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Pretrained CNNs on images: classify, embed, feature maps and Grad-CAM, fine-tune.
    #[command(subcommand)]
    Image(image::ImageCommand),
    /// Explain GNN predictions with GNNExplainer (BA-Shapes / Tree-Cycles ground truth, MUTAG).
    #[command(subcommand)]
    Explain(ExplainCommand),
    /// Rebuild the HTML report (and charts) of a run directory.
    Report(report::ReportArguments),
    /// A tour on shipped data (karate-club GCN, molecule classification with and without bond
    /// types, transfer learning on digits; Cora and MobileNet Grad-CAM too when CINDER_DATA and
    /// CINDER_WEIGHTS are set) ending in one HTML report.
    Demo(demo::DemoArguments),
}

#[derive(Debug, Subcommand)]
enum DataCommand {
    /// Nodes, edges, features, classes, splits and graph sizes of a dataset (name or path).
    Info(data::InfoArguments),
    /// The registered dataset names and where each is read from.
    List,
    /// Download a dataset from its canonical source (SHA-256 checked, written atomically) into the
    /// cache ($CINDER_CACHE, else $XDG_CACHE_HOME/cinder, else ~/.cache/cinder) or --to DIR.
    Download(data::DownloadArguments),
}

#[derive(Debug, Subcommand)]
enum ExplainCommand {
    /// Train a 3-layer GCN on a node dataset and explain node predictions (edge masks, top edges,
    /// fidelity, and AUC against the motifs of ba-shapes / tree-cycles).
    Node(explain::ExplainNodeArguments),
    /// Train a graph classifier (gcn or gin) and explain graph predictions (MUTAG: the mask
    /// share of N–O bonds).
    Graph(explain::ExplainGraphArguments),
}

#[derive(Debug, Subcommand)]
enum TrainCommand {
    /// Semi-supervised node classification with a two-layer GCN (Kipf & Welling 2017).
    Node(Box<node::NodeArguments>),
    /// Graph classification with k-fold cross-validation (GCN, GIN or relational GCN).
    Graph(Box<graph::GraphArguments>),
    /// Link prediction: GAE / VGAE or any node model as the encoder, inner-product or MLP
    /// decoder, on a dataset's edges (cora, ogbl-ddi) or an edge list.
    Link(Box<link::LinkArguments>),
}

/// Restores the default SIGPIPE action (Rust ignores it), so that `cinder … | head -1` ends quietly
/// when the reader goes away instead of panicking in `println!` on a broken pipe.
#[cfg(unix)]
fn exit_quietly_on_closed_pipe() {
    // SAFETY: called first thing in `main`, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// mimalloc's `purge_delay` option (its index in mimalloc 3's `mi_option_e`; the Rust bindings
/// name the options around it but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory mapped instead of returning it to the OS 10 ms later (mimalloc's default).
/// A training loop frees and reallocates the same tens of MB every step (a mini-batch's inputs,
/// activations and gradients, 20–50 ms apart); purging them made the kernel zero fresh pages for
/// every step — 15% of a sampled SAGE epoch. Peak memory is unchanged: the pages are reused.
fn keep_freed_memory() {
    // SAFETY: sets an integer option before any thread exists; mimalloc reads it when it purges.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

fn main() -> anyhow::Result<()> {
    #[cfg(unix)]
    exit_quietly_on_closed_pipe();
    keep_freed_memory();
    let (arguments, config) = config_file::expand(std::env::args_os().collect())?;
    let argv: Vec<String> = arguments
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            if let Some(path) = config.filter(|_| error.use_stderr()) {
                eprintln!("(with flags from config {})", path.display());
            }
            error.exit();
        }
    };
    // The one place the CLI creates a device; every command that computes receives it.
    let choice = cli.device;
    let device = || {
        choice
            .device()
            .with_context(|| format!("--device {choice}"))
    };
    match cli.command {
        Command::Train(TrainCommand::Node(arguments)) => node::run(&arguments, &argv, &device()?),
        Command::Train(TrainCommand::Graph(arguments)) => graph::run(&arguments, &argv, &device()?),
        Command::Train(TrainCommand::Link(arguments)) => link::run(&arguments, &argv, &device()?),
        Command::Data(DataCommand::Info(arguments)) => data::run(&arguments),
        Command::Data(DataCommand::Download(arguments)) => data::download(&arguments),
        Command::Explain(ExplainCommand::Node(arguments)) => explain::node(&arguments, &device()?),
        Command::Explain(ExplainCommand::Graph(arguments)) => {
            explain::graph(&arguments, &device()?)
        }
        Command::Report(arguments) => report::run(&arguments),
        Command::Image(command) => image::run(&command, &argv, &device()?),
        Command::Demo(arguments) => demo::run(&arguments, &device()?),
        Command::Data(DataCommand::List) => {
            data::list();
            Ok(())
        }
    }
}
