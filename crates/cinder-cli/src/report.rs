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

/// Runs `cinder report`.
pub fn run(arguments: &ReportArguments) -> anyhow::Result<()> {
    let run = RunDirectory::open(&arguments.run)?;
    let path = build_report(&run).with_context(|| {
        format!(
            "rebuilding the report of {} (a run directory of train node/graph or image finetune)",
            run.display()
        )
    })?;
    println!("{}", path.display());
    Ok(())
}
