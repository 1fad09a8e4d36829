//! `--config FILE`: flags from a TOML or JSON file. Keys are flag names (`epochs = 200`,
//! `no_report = true`, `readout = "max"`; `-` or `_` alike), arrays repeat a flag, `false` leaves a
//! switch off. The file's flags go before the command line's own, which therefore win.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Flags of a config file, in file order.
pub fn flags_of(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))?;
    let json: serde_json::Value = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => serde_json::from_str(&text)
            .with_context(|| format!("parsing config {} as JSON", path.display()))?,
        _ => {
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("parsing config {} as TOML", path.display()))?;
            serde_json::to_value(table)?
        }
    };
    let Some(object) = json.as_object() else {
        bail!(
            "config {}: expected a table of flag = value",
            path.display()
        );
    };
    let mut flags = Vec::new();
    for (key, value) in object {
        let flag = format!("--{}", key.replace('_', "-"));
        let mut push = |value: &serde_json::Value| -> anyhow::Result<()> {
            match value {
                serde_json::Value::Bool(true) => flags.push(flag.clone()),
                serde_json::Value::Bool(false) => {}
                serde_json::Value::String(s) => flags.extend([flag.clone(), s.clone()]),
                serde_json::Value::Number(n) => flags.extend([flag.clone(), n.to_string()]),
                other => bail!(
                    "config {}: key {key:?} has an unsupported value {other}",
                    path.display()
                ),
            }
            Ok(())
        };
        match value {
            serde_json::Value::Array(items) => {
                for item in items {
                    push(item)?;
                }
            }
            other => push(other)?,
        }
    }
    Ok(flags)
}

/// Replaces `--config FILE` (or `--config=FILE`) in `args` by the file's flags, placed right after
/// the subcommand names so that flags on the command line override them. Returns the expanded
/// arguments and the config file, if any.
pub fn expand(args: Vec<OsString>) -> anyhow::Result<(Vec<OsString>, Option<PathBuf>)> {
    let mut rest = Vec::with_capacity(args.len());
    let mut config = None;
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--config" {
            let Some(path) = iter.next() else {
                bail!("--config needs a file")
            };
            config = Some(PathBuf::from(path));
        } else if let Some(path) = text.strip_prefix("--config=") {
            config = Some(PathBuf::from(path));
        } else {
            rest.push(arg);
        }
    }
    let Some(path) = config else {
        return Ok((rest, None));
    };
    let flags = flags_of(&path)?;
    let insert_at = rest
        .iter()
        .skip(1)
        .position(|a| a.to_string_lossy().starts_with('-'))
        .map_or(rest.len(), |i| i + 1);
    let tail = rest.split_off(insert_at);
    rest.extend(flags.into_iter().map(OsString::from));
    rest.extend(tail);
    Ok((rest, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_configs_become_flags_before_the_command_line() {
        let dir = std::env::temp_dir().join(format!("cinder-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let toml_path = dir.join("run.toml");
        std::fs::write(&toml_path, "dataset = \"MUTAG\"\nepochs = 50\nno_report = true\nlayer_readouts = false\nstage = [\"a\", \"b\"]\n").unwrap();
        let args: Vec<OsString> = [
            "cinder",
            "train",
            "graph",
            "--config",
            toml_path.to_str().unwrap(),
            "--epochs",
            "7",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let (expanded, used) = expand(args).unwrap();
        let expanded: Vec<String> = expanded
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(used.as_deref(), Some(toml_path.as_path()));
        assert_eq!(
            expanded,
            [
                "cinder",
                "train",
                "graph",
                "--dataset",
                "MUTAG",
                "--epochs",
                "50",
                "--no-report",
                "--stage",
                "a",
                "--stage",
                "b",
                "--epochs",
                "7"
            ]
        );
        let json_path = dir.join("run.json");
        std::fs::write(&json_path, "{\"folds\": 3, \"model\": \"gin\"}").unwrap();
        assert_eq!(
            flags_of(&json_path).unwrap(),
            ["--folds", "3", "--model", "gin"]
        );
        std::fs::write(&json_path, "{\"nested\": {\"a\": 1}}").unwrap();
        let err = flags_of(&json_path).unwrap_err().to_string();
        assert!(err.contains("nested") && err.contains("run.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
