//! `cinder image bench`: flags onto [`CnnBench`], its timing printed.

use cinder_experiment::{
    Architecture, CnnBench, Device, peak_resident_megabytes, set_worker_threads,
};
use clap::Args;

/// Options of `cinder image bench`.
#[derive(Debug, Args)]
pub struct BenchArguments {
    /// Architecture: mobilenet_v1, mobilenet_v2, resnet18…152, vgg11…19(_bn), inception_v3,
    /// xception.
    #[arg(long)]
    arch: String,
    /// Images per forward pass.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Input side (default: the architecture's, 224 or 299).
    #[arg(long)]
    size: Option<usize>,
    /// Worker threads of the CPU kernels (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed passes (after --warmup untimed ones).
    #[arg(long, default_value_t = 10)]
    reps: usize,
    /// Untimed passes first.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Time the model as loaded for training (batch norm a separate layer) instead of the
    /// inference form every image command uses (batch norm folded into the convolutions).
    #[arg(long)]
    unfolded: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `cinder image bench`.
pub fn run(arguments: &BenchArguments, device: &Device) -> anyhow::Result<()> {
    set_worker_threads(arguments.threads)?;
    let result = CnnBench {
        architecture: Architecture::parse(&arguments.arch)?,
        batch_size: arguments.batch_size,
        size: arguments.size,
        warmup: arguments.warmup,
        repetitions: arguments.reps,
        folded: !arguments.unfolded,
    }
    .run(device)?;
    if arguments.json {
        let mut value = serde_json::to_value(&result)?;
        value["peak_rss_mib"] = peak_resident_megabytes().into();
        println!("{value}");
    } else {
        println!(
            "{} batch {} at {}×{} ({} threads{}): {:.1} ms per batch (median of {}), {:.1} images/s; peak RSS {:.0} MB",
            result.arch,
            result.batch_size,
            result.size,
            result.size,
            result.threads,
            if result.folded {
                ", batch norm folded"
            } else {
                ""
            },
            result.ms_per_batch_median,
            result.reps,
            result.images_per_s,
            peak_resident_megabytes().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
