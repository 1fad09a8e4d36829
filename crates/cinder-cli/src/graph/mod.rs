//! `cinder train graph`: graph classification (GCN, GIN, relational GCN) with k-fold
//! cross-validation on TU benchmarks, SDF molecules or any registered graph set. The flags
//! ([`arguments`]) map onto cinder-experiment's [`GraphTrainingRequest`] (data, features, folds)
//! and `GraphExperiment` (training, run directory); the summary is printed.

mod arguments;

use anyhow::Context;
use cinder_experiment::{
    Device, GraphTrainingRequest, RunDirectory, command_line, provenance_fields, set_worker_threads,
};

pub use arguments::GraphArguments;

use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;
use crate::run_directory;

/// The request fields these flags set, with their flags (for error messages).
const FLAGS: [(&str, &str); 4] = [
    ("parallel_folds", "--parallel-folds"),
    ("holdout", "--holdout"),
    ("model", "--model"),
    ("relations: 1", "--ignore-edge-types"),
];

/// Runs `cinder train graph`.
pub fn run(arguments: &GraphArguments, argv: &[String], device: &Device) -> anyhow::Result<()> {
    run_directory::run_or_resume(
        arguments,
        arguments.resume.as_deref(),
        argv,
        &["train", "graph"],
        |arguments, resumed| {
            if let Some(directory) = &resumed {
                eprintln!("resuming {}", directory.display());
            }
            train(arguments, argv, resumed, device)
        },
    )
}

fn train(
    arguments: &GraphArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    let request: GraphTrainingRequest = arguments::request(arguments)?;
    let flags = |error| in_flag_terms(error, &FLAGS);
    request.check().map_err(flags)?;
    set_worker_threads(arguments.threads)?;
    let mut bars = ProgressBars::new(arguments.json);
    let prepared = request.prepare(&mut bars).map_err(flags)?;
    let experiment = prepared.experiment(&request);
    let name = &prepared.dataset.name;
    let directory = run_directory::start(
        resume,
        arguments.run_folder.no_report,
        &arguments.run_folder.out,
        &format!("{name}-{}", experiment.config.model.name()),
        argv,
        &["train", "graph"],
    )?;
    let start = std::time::Instant::now();
    let report = experiment
        .run(device, &mut bars, directory.as_ref())
        .with_context(|| format!("cross-validating on {name}"))?;
    drop(bars);
    let seconds = start.elapsed().as_secs_f64();
    if let Some(directory) = &directory {
        let extra = provenance_fields(seconds, device, &[]);
        experiment.write_run(directory, &report, Some(command_line()), extra)?;
    }
    let summary = prepared.summary(&report, seconds, directory.as_ref().map(RunDirectory::path));
    if arguments.json {
        println!("{}", serde_json::to_string(&summary)?);
        return Ok(());
    }
    println!(
        "{}: {} ({} readout) test accuracy {:.2}% ± {:.2} over {} folds; median epoch {:.2} ms (collation {:.2} ms); {:.1} s",
        summary.dataset,
        summary.model,
        summary.readout,
        100.0 * summary.mean_test_accuracy,
        100.0 * summary.std_test_accuracy,
        summary.folds,
        summary.epoch_ms_median,
        summary.collate_ms_median,
        seconds
    );
    println!("protocol: {}", summary.protocol);
    if let Some(directory) = &directory {
        println!("report: {}", directory.join("report.html").display());
    }
    Ok(())
}
