//! `cinder demo`: flags onto cinder-experiment's [`DemoRequest`] (every section's training,
//! charts and prose live there), its headlines printed as they come, then the report's path or
//! one JSON object of headline numbers.

use std::path::PathBuf;

use cinder_experiment::{DemoRequest, Device, Event};
use clap::Args;

use crate::flags::in_flag_terms;

/// Options of `cinder demo`.
#[derive(Debug, Args)]
pub struct DemoArguments {
    /// Folder under which the demo's run directory is created.
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Cross-validation folds of the molecule experiment.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Epochs per fold of the molecule experiment.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Print one JSON object with each section's headline numbers on stdout (progress lines go
    /// to stderr).
    #[arg(long)]
    json: bool,
}

/// Runs `cinder demo`.
pub fn run(arguments: &DemoArguments, device: &Device) -> anyhow::Result<()> {
    let request = DemoRequest {
        out: arguments.out.clone(),
        folds: arguments.folds,
        epochs: arguments.epochs,
    };
    let json = arguments.json;
    // Each section's headline: on stdout, or on stderr under --json.
    let mut say = |event: &Event<'_>| match event {
        Event::Note(line) if json => eprintln!("{line}"),
        Event::Note(line) => println!("{line}"),
        _ => {}
    };
    let summary = request
        .run(device, &mut say)
        .map_err(|error| in_flag_terms(error, &[("folds", "--folds"), ("epochs", "--epochs")]))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::to_value(&summary)?)?
        );
    } else {
        println!("report: {}", summary.report);
    }
    Ok(())
}
