//! Run directories: `runs/<UTC timestamp>-<name>/` holding a run's configuration, metrics and
//! report, every file written atomically.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// `YYYYMMDD-HHMMSS` (UTC) of now.
pub fn timestamp() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Creates `<root>/<timestamp>-<name>/` (and `charts/` inside); a second run in the same second
/// gets a numbered suffix.
pub fn create(root: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = format!("{}-{safe}", timestamp());
    for attempt in 0..100 {
        let directory = if attempt == 0 {
            root.join(&base)
        } else {
            root.join(format!("{base}-{attempt}"))
        };
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        match std::fs::create_dir(&directory) {
            Ok(()) => {
                std::fs::create_dir_all(directory.join("charts"))
                    .with_context(|| format!("creating {}/charts", directory.display()))?;
                return Ok(directory);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(error).with_context(|| format!("creating {}", directory.display()));
            }
        }
    }
    anyhow::bail!(
        "could not create a fresh run directory under {}",
        root.display()
    )
}

static ARGUMENTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Records the command line as parsed (after `--config` expansion), for run directories.
pub fn set_arguments(arguments: Vec<String>) {
    let _ = ARGUMENTS.set(arguments);
}

/// The flags after the subcommand names `path` (e.g. `["train", "graph"]`) of the recorded
/// command line, without `--resume` and its value.
pub fn subcommand_flags(path: &[&str]) -> Vec<String> {
    let all = ARGUMENTS
        .get()
        .cloned()
        .unwrap_or_else(|| std::env::args().collect());
    let mut rest = all.into_iter().skip(1).peekable();
    for name in path {
        if rest.peek().is_some_and(|a| a == name) {
            rest.next();
        }
    }
    let mut flags = Vec::new();
    while let Some(flag) = rest.next() {
        // The device is chosen anew by each invocation (a run may resume on another machine).
        if flag == "--resume" || flag == "--device" {
            rest.next();
        } else if !flag.starts_with("--resume=") && !flag.starts_with("--device=") {
            flags.push(flag);
        }
    }
    flags
}

/// Saves a module as a burnpack checkpoint at `path`, through a temporary file renamed into place.
pub fn save_checkpoint<M: burn::module::Module>(module: M, path: &Path) -> anyhow::Result<()> {
    cinder_vision::weights::write_through_temporary(path, |temporary| {
        module.save_file(temporary).map_err(std::io::Error::other)
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// Writes `text` to `directory/name` atomically.
pub fn write(directory: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    let path = directory.join(name);
    cinder_plot::write_atomically(&path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// The command line of this process, shell-quoted where needed (for "reproduce with").
pub fn command_line() -> String {
    std::env::args()
        .map(|argument| {
            if argument
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
            {
                argument
            } else {
                format!("'{}'", argument.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sums confusion matrices (`[true][predicted]`, folds or seeds) into one `classes x classes`
/// matrix; cells beyond `classes` are ignored.
pub fn summed_confusion<'a>(
    matrices: impl Iterator<Item = &'a Vec<Vec<usize>>>,
    classes: usize,
) -> Vec<Vec<usize>> {
    let mut total = vec![vec![0usize; classes]; classes];
    for matrix in matrices {
        for (row, counts) in total.iter_mut().zip(matrix) {
            for (cell, count) in row.iter_mut().zip(counts) {
                *cell += count;
            }
        }
    }
    total
}

/// The rows of a report's closing section: cinder's version, the git commit when the binary runs
/// inside a checkout, threads, device, the data sources with their licenses, and the total time.
pub fn provenance(
    seconds: f64,
    device: &burn::tensor::Device,
    sources: &[(&str, &str)],
) -> Vec<(String, String)> {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown (not run from a git checkout)".into());
    let mut rows = vec![
        ("cinder".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ("git commit".into(), commit),
        ("threads".into(), rayon::current_num_threads().to_string()),
        ("device".into(), cinder_nn::describe_device(device)),
        ("command".into(), command_line()),
    ];
    rows.extend(
        sources
            .iter()
            .map(|(what, source)| (format!("data: {what}"), (*source).to_string())),
    );
    rows.push(("total time".into(), format!("{seconds:.1} s")));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_and_have_the_expected_shape() {
        let stamp = timestamp();
        assert_eq!(stamp.len(), 15);
        assert_eq!(&stamp[8..9], "-");
        assert!(stamp.starts_with("20"));
    }

    #[test]
    fn confusions_add_cell_by_cell() {
        let a = vec![vec![1, 2], vec![0, 3]];
        let b = vec![vec![4, 0], vec![1, 1]];
        assert_eq!(
            summed_confusion([&a, &b].into_iter(), 2),
            vec![vec![5, 2], vec![1, 4]]
        );
    }
}
