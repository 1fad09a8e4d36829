//! `cinder image finetune`: flags onto [`FineTuneRequest`] (or the flags of the run it resumes),
//! the comparison run, written and printed.

use std::path::PathBuf;

use anyhow::Context;
use cinder_experiment::{Device, FineTuneRequest, RunDirectory, check_checkpoint_path};
use clap::Args;

use super::model::{MODEL_FLAGS, ModelArguments};
use crate::flags::in_flag_terms;
use crate::progress::ProgressBars;
use crate::run_directory;

/// Options of `cinder image finetune`.
#[derive(Debug, Args)]
pub struct FinetuneArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// Image folder: class subfolders (split by --test-fraction), or a flat folder of
    /// `<class>_<train|test>_<n>.<ext>` files (the split comes from the names).
    #[arg(long, required_unless_present = "resume")]
    images: Option<PathBuf>,
    /// Continue a killed run from its run directory, with the flags it was started with: every
    /// strategy resumes after its last finished epoch (model and optimizer states are saved
    /// each epoch under `progress/`), finished strategies are not trained again, and the result
    /// equals an uninterrupted run's.
    #[arg(long, value_name = "RUN_DIR")]
    resume: Option<PathBuf>,
    /// Strategies to compare, comma-separated: `head` (feature extraction), `top:N` (the top N
    /// units of the base + head), `full`, or `auto` (the rule of thumb, from the images per class
    /// and --similar).
    #[arg(long, default_value = "head,top:3,full")]
    strategy: String,
    /// The images resemble ImageNet photos (only used by `auto`).
    #[arg(long)]
    similar: bool,
    /// Training epochs per strategy (at least 1).
    #[arg(long, default_value_t = 15, value_parser = crate::flags::at_least_one())]
    epochs: usize,
    /// Mini-batch size (at least 1).
    #[arg(long, default_value_t = 16, value_parser = crate::flags::at_least_one())]
    batch_size: usize,
    /// Learning rate of the new head (Adam).
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    lr: f64,
    /// Learning rate of the unfrozen part of the base (smaller, not to destroy what it knows).
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    base_lr: f64,
    /// Fraction of each class held out for testing (class-subfolder layout).
    #[arg(long, default_value_t = 0.3, allow_negative_numbers = true)]
    test_fraction: f64,
    /// Seed of the split, the head's initialization and the batch order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Root of run directories (`<out>/<timestamp>-finetune-<arch>/`).
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Do not write a run directory and report.
    #[arg(long)]
    no_report: bool,
    /// Save the best strategy's network as a checkpoint (`.bpk` + `.json`).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    json: bool,
}

/// The request fields these flags set, with their flags (for error messages).
const FLAGS: [(&str, &str); 5] = [
    ("head_learning_rate", "--lr"),
    ("base_learning_rate", "--base-lr"),
    ("test_fraction", "--test-fraction"),
    MODEL_FLAGS[0],
    MODEL_FLAGS[1],
];

/// Runs `cinder image finetune` (or resumes it with `--resume RUN_DIR`).
pub fn run(arguments: &FinetuneArguments, argv: &[String], device: &Device) -> anyhow::Result<()> {
    run_directory::run_or_resume(
        arguments,
        arguments.resume.as_deref(),
        argv,
        &["image", "finetune"],
        |arguments, resumed| train(arguments, argv, resumed, device),
    )
}

fn train(
    arguments: &FinetuneArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    let images = arguments
        .images
        .as_ref()
        .context("--images names the image folder")?;
    let request = FineTuneRequest {
        model: arguments.model.source(),
        images: images.clone(),
        strategies: arguments.strategy.clone(),
        similar: arguments.similar,
        epochs: arguments.epochs,
        batch_size: arguments.batch_size,
        head_learning_rate: arguments.lr,
        base_learning_rate: arguments.base_lr,
        test_fraction: arguments.test_fraction,
        seed: arguments.seed,
    };
    let flags = |error| in_flag_terms(error, &FLAGS);
    request.check().map_err(flags)?;
    if let Some(path) = &arguments.save {
        check_checkpoint_path(path).context("--save")?;
    }
    let pretrained = request.open_model(device).map_err(flags)?;
    let split = request.load_split().map_err(flags)?;
    let directory = run_directory::start(
        resume,
        arguments.no_report,
        &arguments.out,
        &format!("finetune-{}", pretrained.architecture),
        argv,
        &["image", "finetune"],
    )?;
    // Progress bars always; the per-strategy lines only on the terminal's table.
    let mut bars = ProgressBars::new(false).with_notes(!arguments.json);
    let mut outcome = request
        .run(&pretrained, &split, device, directory.as_ref(), &mut bars)
        .map_err(flags)?;
    drop(bars);
    if let Some(directory) = &directory {
        let report = outcome.write(&pretrained, directory)?;
        eprintln!("report: {}", report.display());
    }
    if let Some(path) = &arguments.save
        && outcome.save_best(&pretrained, path)?
    {
        eprintln!("best model → {}", path.display());
    }
    if arguments.json {
        println!("{}", serde_json::to_string_pretty(&outcome.run)?);
    }
    Ok(())
}
