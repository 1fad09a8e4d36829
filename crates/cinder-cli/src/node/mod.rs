//! `cinder train node`: node classification (GCN, GAT, GATv2, GraphSAGE, SGC, APPNP, ChebNet) on
//! Planetoid, a graph directory or the karate club. The flags ([`arguments`]) map onto
//! cinder-experiment's [`NodeTrainingRequest`] (data, split, classes) and `NodeExperiment`
//! (training, run directory); the runs are printed.

mod arguments;

use anyhow::Context;
use cinder_experiment::{
    Device, NodeTrainingRequest, RunDirectory, command_line, provenance_fields, set_worker_threads,
};

pub use arguments::{NodeArguments, RowNormalize};

use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;
use crate::run_directory;

/// Runs `cinder train node` (or resumes it with `--resume RUN_DIR`).
pub fn run(arguments: &NodeArguments, argv: &[String], device: &Device) -> anyhow::Result<()> {
    run_directory::run_or_resume(
        arguments,
        arguments.resume.as_deref(),
        argv,
        &["train", "node"],
        |arguments, resumed| train(arguments, argv, resumed, device),
    )
}

fn train(
    arguments: &NodeArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    set_worker_threads(arguments.threads)?;
    let request: NodeTrainingRequest = arguments.request()?;
    request.check().map_err(|error| {
        in_flag_terms(
            error,
            &[
                ("seeds", "--seeds"),
                ("hidden", "--hidden"),
                ("heads", "--heads"),
                ("output heads", "--output-heads"),
                ("dropout", "--dropout"),
                ("learning rate", "--lr"),
                ("weight decay", "--weight-decay"),
                ("epochs", "--epochs"),
            ],
        )
    })?;
    let prepared = request.prepare()?;
    let experiment = prepared.experiment(&request);
    let dataset = &prepared.dataset;
    let directory = run_directory::start(
        resume,
        arguments.run_folder.no_report,
        &arguments.run_folder.out,
        &format!("{dataset}-{}", arguments.model.name()),
        argv,
        &["train", "node"],
    )?;
    let mut bars = ProgressBars::new(arguments.json);
    let result = experiment
        .run(device, &mut bars, directory.as_ref())
        .with_context(|| format!("training on {dataset}"))?;
    drop(bars);
    if !arguments.json {
        for run in &result.runs {
            let report = &run.report;
            println!(
                "seed {:>3}: test accuracy {:.4}  macro-F1 {:.4}  epochs {:>3} (best {:>3})  validation accuracy {}",
                run.seed,
                report.test_accuracy,
                report.test_macro_f1,
                report.epochs_run,
                report.best_epoch,
                if prepared.split.validation.is_empty() {
                    "n/a (no validation nodes)".to_string()
                } else {
                    format!("{:.4}", report.validation_accuracy)
                }
            );
        }
    }
    if let Some(directory) = &directory {
        let extra = provenance_fields(result.seconds, device, &[]);
        experiment.write_run(directory, &result, Some(command_line()), extra)?;
    }
    let summary = prepared.summary(
        &experiment,
        &result,
        directory.as_ref().map(RunDirectory::path),
    );
    if arguments.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{}: {} test accuracy {:.2}% ± {:.2} over {} seed(s); macro-F1 {:.4}; median epoch {:.2} ms; peak RSS {:.0} MB",
            summary.dataset,
            summary.model.to_uppercase(),
            100.0 * summary.mean_test_accuracy,
            100.0 * summary.std_test_accuracy,
            summary.seeds.len(),
            summary.mean_test_macro_f1,
            summary.epoch_ms_median,
            summary.peak_rss_mb.unwrap_or(f64::NAN)
        );
        if let Some(directory) = &summary.run_directory {
            println!("report: {directory}/report.html");
        }
    }
    Ok(())
}
