//! `cinder image convert`: a weight file saved as a burnpack checkpoint.

use std::path::PathBuf;

use anyhow::Context;
use cinder_experiment::{Device, check_checkpoint_path, save_checkpoint};
use clap::Args;

use super::model::{MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;

/// Options of `cinder image convert`.
#[derive(Debug, Args)]
pub struct ConvertArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// Output checkpoint (`.bpk`); its `.json` sidecar is written beside it.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `cinder image convert`.
pub fn run(arguments: &ConvertArguments, device: &Device) -> anyhow::Result<()> {
    check_checkpoint_path(&arguments.out).context("--out")?;
    let source = arguments.model.source();
    let model = source
        .open_classifier(None, device)
        .map_err(|e| in_flag_terms(e, &MODEL_FLAGS))?;
    save_checkpoint(&model, &arguments.out)?;
    println!(
        "{} ({}) → {}",
        source.describe(),
        model.architecture,
        arguments.out.display()
    );
    Ok(())
}
