//! The flags a run directory records (`arguments.json`), so `--resume` can re-parse the flags a
//! run was started with: starting a run that records them, and resuming one from them. Run
//! directories themselves are cinder-experiment's `RunDirectory`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use cinder_experiment::RunDirectory;

/// Where a training command writes its run directory.
#[derive(Debug, clap::Args)]
pub struct RunFolderArguments {
    /// Folder under which the run directory (config, metrics, charts, report.html) is created.
    #[arg(long, default_value = "runs")]
    pub out: PathBuf,
    /// Write no run directory or report.
    #[arg(long)]
    pub no_report: bool,
}

/// The run directory of a command: `resumed` when it continues one, none with `--no-report`,
/// else a fresh `<out>/<timestamp>-<name>/` recording the subcommand's flags in
/// `arguments.json` for a later `--resume`.
pub fn start(
    resumed: Option<RunDirectory>,
    no_report: bool,
    out: &Path,
    name: &str,
    argv: &[String],
    subcommand: &[&str],
) -> anyhow::Result<Option<RunDirectory>> {
    match resumed {
        Some(directory) => Ok(Some(directory)),
        None if no_report => Ok(None),
        None => {
            let directory = RunDirectory::create(out, name)?;
            directory.write_json("arguments.json", &subcommand_flags(argv, subcommand))?;
            Ok(Some(directory))
        }
    }
}

/// The flags of a subcommand, parsed from a run directory's `arguments.json`.
#[derive(clap::Parser)]
struct Saved<A: clap::Args> {
    #[command(flatten)]
    arguments: A,
}

/// Runs `train` on `arguments`, or — with `--resume RUN_DIR` (`resume`) — on the flags that run
/// of `subcommand` was started with, and its directory.
pub fn run_or_resume<A: clap::Args>(
    arguments: &A,
    resume: Option<&Path>,
    argv: &[String],
    subcommand: &[&str],
    train: impl FnOnce(&A, Option<RunDirectory>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(run) = resume else {
        return train(arguments, None);
    };
    let (saved, directory) = self::resume::<A>(argv, subcommand, run)?;
    train(&saved, Some(directory))
}

/// `--resume RUN_DIR` of `subcommand`: refuses any other flag (it would be ignored), opens the
/// run and parses the flags it was started with (its `arguments.json`).
fn resume<A: clap::Args>(
    argv: &[String],
    subcommand: &[&str],
    run: &Path,
) -> anyhow::Result<(A, RunDirectory)> {
    let ignored = subcommand_flags(argv, subcommand);
    if !ignored.is_empty() {
        bail!(
            "--resume continues {} with the flags it was started with (saved in its arguments.json); drop these, which it would ignore: {}",
            run.display(),
            ignored.join(" ")
        );
    }
    let command = format!("cinder {}", subcommand.join(" "));
    let directory = RunDirectory::open(run)?;
    let saved: Vec<String> = directory
        .read_json("arguments.json")
        .with_context(|| format!("is {} a `{command}` run directory?", run.display()))?;
    let parsed = <Saved<A> as clap::Parser>::try_parse_from(std::iter::once(command).chain(saved))
        .with_context(|| {
            format!(
                "the flags saved in {}",
                directory.join("arguments.json").display()
            )
        })?;
    Ok((parsed.arguments, directory))
}

/// The flags after the subcommand names `path` (e.g. `["train", "graph"]`) in `argv` (the
/// command line after `--config` expansion, program name first), without `--resume` and
/// `--device` and their values: a resumed run keeps its flags but may run on another device.
pub fn subcommand_flags(argv: &[String], path: &[&str]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut rest = argv.iter().skip(1);
    while let Some(flag) = rest.next() {
        if flag == "--resume" || flag == "--device" {
            rest.next();
        } else if !flag.starts_with("--resume=") && !flag.starts_with("--device=") {
            kept.push(flag.clone());
        }
    }
    let mut names = path.iter().peekable();
    kept.into_iter()
        .skip_while(|flag| names.next_if(|name| *name == flag).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_skip_the_subcommand_resume_and_device() {
        let argv: Vec<String> = [
            "cinder",
            "--device",
            "flex",
            "train",
            "node",
            "--dataset",
            "cora",
            "--resume",
            "runs/x",
            "--device=wgpu",
            "--seeds",
            "3",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            subcommand_flags(&argv, &["train", "node"]),
            ["--dataset", "cora", "--seeds", "3"]
        );
    }
}
