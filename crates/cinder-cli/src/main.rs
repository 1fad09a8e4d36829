//! `cinder`: train graph neural networks on real datasets from the command line.

mod node;
mod resources;

use clap::{Parser, Subcommand};

/// cinder — graph neural networks in Rust.
#[derive(Debug, Parser)]
#[command(name = "cinder", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
}

#[derive(Debug, Subcommand)]
enum TrainCommand {
    /// Semi-supervised node classification with a two-layer GCN (Kipf & Welling 2017).
    Node(node::NodeArguments),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Train(TrainCommand::Node(arguments)) => node::run(&arguments),
    }
}
