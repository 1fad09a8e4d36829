//! Where a result came from: cinder's version, the git commit (when run inside a checkout),
//! threads, device, command line and data sources, for a report's closing section.

use burn::tensor::Device;

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

/// The rows of a report's closing section: cinder's version, the git commit when the program
/// runs inside a checkout, threads, device, command, the data sources with their licenses
/// (`(what, source)` pairs) and the total time.
pub fn provenance(
    seconds: f64,
    device: &Device,
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

/// The `config.json` fields that record what produced a run: `{"provenance": [[row, value], …]}`,
/// the [`provenance`] rows as `write_run`'s `extra` takes them.
pub fn provenance_fields(
    seconds: f64,
    device: &Device,
    sources: &[(&str, &str)],
) -> serde_json::Map<String, serde_json::Value> {
    let rows = provenance(seconds, device, sources)
        .into_iter()
        .map(|(row, value)| serde_json::Value::from(vec![row, value]))
        .collect();
    serde_json::Map::from_iter([("provenance".to_string(), serde_json::Value::Array(rows))])
}

/// Sums confusion matrices (`[true][predicted]`, one per fold or run) into one
/// `classes × classes` matrix; cells beyond `classes` are ignored.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusions_add_cell_by_cell() {
        let a = vec![vec![1, 2], vec![0, 3]];
        let b = vec![vec![4, 0], vec![1, 1]];
        assert_eq!(
            summed_confusion([&a, &b].into_iter(), 2),
            vec![vec![5, 2], vec![1, 4]]
        );
    }

    #[test]
    fn provenance_names_the_device_and_time() {
        let rows = provenance(1.5, &Device::flex(), &[("karate", "Zachary 1977")]);
        let get = |key: &str| rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        assert_eq!(get("device").unwrap(), "Flex (Burn's CPU backend)");
        assert_eq!(get("data: karate").unwrap(), "Zachary 1977");
        assert_eq!(get("total time").unwrap(), "1.5 s");
    }

    #[test]
    fn provenance_fields_are_the_rows_as_config_json_holds_them() {
        let sources = [("karate", "Zachary 1977")];
        let fields = provenance_fields(1.5, &Device::flex(), &sources);
        let rows = provenance(1.5, &Device::flex(), &sources);
        assert_eq!(fields.len(), 1);
        assert_eq!(fields["provenance"], serde_json::to_value(&rows).unwrap());
        assert_eq!(fields["provenance"][2][0], "threads");
    }
}
