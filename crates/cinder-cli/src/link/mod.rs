//! `cinder train link`: link prediction (GAE, VGAE, any node model as the encoder; inner-product
//! or MLP decoders) on a node dataset's edges, OGB's ogbl-ddi, or an edge list. The flags
//! ([`arguments`]) map onto cinder-experiment's [`LinkTrainingRequest`]; the runs are printed.

mod arguments;

use anyhow::Context;
use cinder_experiment::{
    Device, LinkTrainingRequest, RunDirectory, command_line, provenance_fields, set_worker_threads,
};

pub use arguments::LinkArguments;

use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;
use crate::run_directory;

/// Runs `cinder train link` (or resumes it with `--resume RUN_DIR`).
pub fn run(arguments: &LinkArguments, argv: &[String], device: &Device) -> anyhow::Result<()> {
    run_directory::run_or_resume(
        arguments,
        arguments.resume.as_deref(),
        argv,
        &["train", "link"],
        |arguments, resumed| train(arguments, argv, resumed, device),
    )
}

fn train(
    arguments: &LinkArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    set_worker_threads(arguments.threads)?;
    let request: LinkTrainingRequest = arguments.request()?;
    request.check().map_err(|error| {
        in_flag_terms(
            error,
            &[
                ("seeds", "--seeds"),
                ("learning rate", "--lr"),
                ("weight decay", "--weight-decay"),
                ("epochs", "--epochs"),
                ("eval every", "--eval-every"),
                ("negatives per positive", "--negatives-per-positive"),
                ("hits k", "--hits-k"),
                ("batch size", "--batch-size"),
                ("decoder dropout", "--decoder-dropout"),
                ("dropout", "--dropout"),
                ("decoder hidden", "--decoder-hidden"),
                ("decoder layers", "--decoder-layers"),
                ("hidden", "--hidden"),
                ("latent", "--latent"),
                ("heads", "--heads"),
                ("embedding", "--embedding"),
                ("gradient clip", "--gradient-clip"),
                ("negatives", "--negatives"),
            ],
        )
    })?;
    let prepared = request.prepare()?;
    let dataset = &prepared.dataset;
    // Split once up front (seed 1's split), so a graph too small to split fails before a run
    // directory exists.
    prepared.split_for(&request, request.seeds[0])?;
    let directory = run_directory::start(
        resume,
        arguments.run_folder.no_report,
        &arguments.run_folder.out,
        &format!("{dataset}-{}-link", request.config.model.encoder),
        argv,
        &["train", "link"],
    )?;
    let mut bars = ProgressBars::new(arguments.json);
    let result = prepared
        .run(&request, device, &mut bars, directory.as_ref())
        .with_context(|| format!("link prediction on {dataset}"))?;
    drop(bars);
    let summary = prepared.summary(
        &request,
        &result,
        directory.as_ref().map(RunDirectory::path),
    );
    if !arguments.json {
        for run in &summary.runs {
            println!(
                "seed {:>3}: test AUC {:.4}  AP {:.4}  Hits@{} {:.4}  epochs {:>3} (best {:>3})",
                run.seed,
                run.test_auc,
                run.test_ap,
                summary.hits_k,
                run.test_hits,
                run.epochs_run,
                run.best_epoch
            );
        }
    }
    if let Some(directory) = &directory {
        let extra = provenance_fields(result.seconds, device, &[]);
        prepared.write_run(&request, directory, &result, Some(command_line()), extra)?;
    }
    if arguments.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{}: {} test AUC {:.4} ± {:.4}, AP {:.4} ± {:.4}, Hits@{} {:.4} ± {:.4} over {} seed(s); median epoch {:.2} ms; peak RSS {:.0} MB",
            summary.dataset,
            summary.model.to_uppercase(),
            summary.mean_test_auc,
            summary.std_test_auc,
            summary.mean_test_ap,
            summary.std_test_ap,
            summary.hits_k,
            summary.mean_test_hits,
            summary.std_test_hits,
            summary.seeds.len(),
            summary.epoch_ms_median,
            summary.peak_rss_mb.unwrap_or(f64::NAN)
        );
        if let Some(directory) = &summary.run_directory {
            println!("report: {directory}/report.html");
        }
    }
    Ok(())
}
