//! `cinder report RUN_DIR`: rebuilds a run directory's HTML report (and charts) from its records,
//! as the training command built it.

use std::path::PathBuf;

use anyhow::Context;
use cinder_experiment::{RunDirectory, build_report};
use clap::Args;

/// Options of `cinder report`.
#[derive(Debug, Args)]
pub struct ReportArguments {
    /// A run directory written by `cinder train graph`, `cinder train node` or `cinder image
    /// finetune` (holds config.json and metrics.csv).
    run: PathBuf,
}

/// Builds `report.html` (and its charts) in `run`.
pub fn build(run: &RunDirectory) -> anyhow::Result<PathBuf> {
    let config = run
        .read_config()
        .with_context(|| format!("is {} a run directory?", run.display()))?;
    if config.kind == "image-finetune" {
        return crate::image::build_finetune_report(run);
    }
    Ok(build_report(run)?)
}

/// Runs `cinder report`.
pub fn run(arguments: &ReportArguments) -> anyhow::Result<()> {
    let path = build(&RunDirectory::open(&arguments.run)?)?;
    println!("{}", path.display());
    Ok(())
}
