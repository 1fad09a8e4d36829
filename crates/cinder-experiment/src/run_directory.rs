//! Run directories: `<root>/<UTC timestamp>-<name>/` holding a run's `config.json`, per-epoch
//! `metrics.csv`, per-unit `folds.csv`, `checkpoints/`, `progress/` (finished units, for resume),
//! `charts/` and `report.html`. Every file is written through a temporary file renamed into place,
//! so an interrupted run never leaves a half-written file.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ExperimentError, Result, io};

/// A run directory (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDirectory {
    path: PathBuf,
}

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

impl RunDirectory {
    /// Creates `<root>/<timestamp>-<name>/` (and `charts/` inside); a second run in the same
    /// second gets a numbered suffix. Characters other than letters, digits, `-` and `_` in
    /// `name` become `_`.
    pub fn create(root: &Path, name: &str) -> Result<Self> {
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
        std::fs::create_dir_all(root).map_err(io(root))?;
        for attempt in 0..100 {
            let path = if attempt == 0 {
                root.join(&base)
            } else {
                root.join(format!("{base}-{attempt}"))
            };
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let directory = Self { path };
                    directory.subfolder("charts")?;
                    return Ok(directory);
                }
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(io(&path)(error)),
            }
        }
        Err(ExperimentError::Run {
            path: root.to_path_buf(),
            reason: "could not create a fresh run directory (100 names taken)".into(),
        })
    }

    /// An existing run directory (to resume it or rebuild its report).
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_dir() {
            return Err(ExperimentError::Run {
                path: path.to_path_buf(),
                reason: "not a run directory (no such folder)".into(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` inside the run directory.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    /// `name/` inside the run directory, created if missing.
    pub fn subfolder(&self, name: &str) -> Result<PathBuf> {
        let path = self.path.join(name);
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        Ok(path)
    }

    /// Writes `text` to `name` atomically.
    pub fn write_text(&self, name: &str, text: &str) -> Result<PathBuf> {
        let path = self.path.join(name);
        cinder_plot::write_atomically(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Writes `value` as pretty JSON to `name` atomically.
    pub fn write_json<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<PathBuf> {
        let text = serde_json::to_string_pretty(value).map_err(|e| ExperimentError::Json {
            path: self.path.join(name),
            reason: e.to_string(),
        })?;
        self.write_text(name, &text)
    }

    /// Reads `name` as JSON.
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        read_json(&self.path.join(name))
    }

    /// Writes `rows` to the CSV file `name` atomically, under `header` (one name per field of
    /// `T`, in order).
    pub fn write_csv<T: Serialize>(&self, name: &str, header: &[&str], rows: &[T]) -> Result<()> {
        let path = self.path.join(name);
        let csv_error = |e: csv::Error| ExperimentError::Csv {
            path: path.clone(),
            reason: e.to_string(),
        };
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        writer.write_record(header).map_err(csv_error)?;
        for row in rows {
            writer.serialize(row).map_err(csv_error)?;
        }
        let bytes = writer.into_inner().map_err(|e| ExperimentError::Csv {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        cinder_plot::write_atomically(&path, &bytes)?;
        Ok(())
    }

    /// Reads the CSV file `name` into rows of `T` by header name; an error names the record and
    /// line.
    pub fn read_csv<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>> {
        let path = self.path.join(name);
        let file = std::fs::File::open(&path).map_err(io(&path))?;
        let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
        reader
            .deserialize()
            .map(|row| {
                row.map_err(|e| ExperimentError::Csv {
                    path: path.clone(),
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    /// Where the checkpoint of `unit` `index` goes: `checkpoints/<unit>-<index>.bpk`.
    pub fn checkpoint_path(&self, unit: &str, index: impl std::fmt::Display) -> PathBuf {
        self.path
            .join("checkpoints")
            .join(format!("{unit}-{index}.bpk"))
    }

    /// Saves `module` as the burnpack checkpoint of `unit` `index`, atomically.
    pub fn save_checkpoint<M: burn::module::Module>(
        &self,
        module: M,
        unit: &str,
        index: impl std::fmt::Display,
    ) -> Result<PathBuf> {
        self.subfolder("checkpoints")?;
        let path = self.checkpoint_path(unit, &index);
        let temporary = path.with_file_name(format!(".{unit}-{index}.{}.tmp", std::process::id()));
        let saved = module
            .save_file(&temporary)
            .map_err(|e| ExperimentError::Run {
                path: path.clone(),
                reason: format!("saving the checkpoint: {e}"),
            })
            .and_then(|()| std::fs::rename(&temporary, &path).map_err(io(&path)));
        if saved.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        saved?;
        Ok(path)
    }

    /// Checks that finished unit `index` (from 1), recorded with seed `recorded`, belongs to
    /// this experiment's seed `seed` and still has its checkpoint (`checkpoints/seed-S.bpk`):
    /// what resuming keeps.
    pub fn check_finished(&self, index: usize, recorded: u64, seed: u64) -> Result<()> {
        if recorded != seed {
            return Err(ExperimentError::Run {
                path: self.join(format!("progress/run-{index}.json")),
                reason: format!(
                    "records seed {recorded} but run {index} of this experiment has seed {seed}"
                ),
            });
        }
        let checkpoint = self.checkpoint_path("seed", seed);
        if !checkpoint.exists() {
            return Err(ExperimentError::Run {
                path: checkpoint,
                reason: format!(
                    "run {index} is recorded as finished but its checkpoint is missing; remove progress/run-{index}.json to train it again"
                ),
            });
        }
        Ok(())
    }

    /// Records a finished unit (`progress/<unit>-<index>.json`) so a resumed run skips it.
    pub fn save_progress<T: Serialize>(&self, unit: &str, index: usize, value: &T) -> Result<()> {
        self.subfolder("progress")?;
        self.write_json(&format!("progress/{unit}-{index}.json"), value)?;
        Ok(())
    }

    /// The finished units recorded by [`save_progress`](Self::save_progress): indices 1, 2, …
    /// up to the first gap.
    pub fn load_progress<T: DeserializeOwned>(&self, unit: &str) -> Result<Vec<T>> {
        let mut done = Vec::new();
        loop {
            let path = self
                .path
                .join("progress")
                .join(format!("{unit}-{}.json", done.len() + 1));
            if !path.exists() {
                return Ok(done);
            }
            done.push(read_json(&path)?);
        }
    }
}

/// A run directory reads as its folder wherever a path is expected.
impl std::ops::Deref for RunDirectory {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for RunDirectory {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|e| ExperimentError::Json {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
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
    fn names_are_sanitized_and_second_runs_get_a_suffix() {
        let root = std::env::temp_dir().join(format!("cinder-run-dirs-{}", std::process::id()));
        let first = RunDirectory::create(&root, "cora/gcn run").unwrap();
        let second = RunDirectory::create(&root, "cora/gcn run").unwrap();
        assert_ne!(first, second);
        let name = first
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.ends_with("-cora_gcn_run"), "{name}");
        assert!(first.join("charts").is_dir());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
