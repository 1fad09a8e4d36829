//! Library errors restated in the flags that set the request fields they name: the library
//! speaks of `test_fraction`, the user typed `--test-fraction`.

use cinder_experiment::ExperimentError;

/// `error` in the terms of the command line: an [`ExperimentError::Invalid`] about a request field
/// becomes "{flag} {reason}", and in its reason, as in an [`ExperimentError::Input`]'s, every
/// `` `field` `` becomes its flag. `flags` pairs field names (or phrases such as `relations: 1`)
/// with the flags that set them; other errors pass through unchanged.
pub fn in_flag_terms(error: ExperimentError, flags: &[(&str, &str)]) -> anyhow::Error {
    let restate = |text: &str| {
        flags.iter().fold(text.to_string(), |text, (field, flag)| {
            text.replace(&format!("`{field}`"), flag)
        })
    };
    match &error {
        ExperimentError::Invalid { option, reason } => {
            if let Some((_, flag)) = flags.iter().find(|(field, _)| field == option) {
                return anyhow::anyhow!("{flag} {}", restate(reason));
            }
        }
        ExperimentError::Input { path, reason } => {
            return anyhow::anyhow!("{}: {}", path.display(), restate(reason));
        }
        _ => {}
    }
    error.into()
}

/// A count flag's parser refusing 0 (clap's message names the flag: "invalid value '0' for
/// '--top <TOP>': 0 is not in 1..").
pub fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

/// The seeds `--first-seed S --seeds N` name: `S, S + 1, …, S + N − 1`, refused (not wrapped or
/// cut short) when they run past the largest seed.
pub fn seed_range(first: u64, count: u64) -> anyhow::Result<Vec<u64>> {
    match first.checked_add(count) {
        Some(end) => Ok((first..end).collect()),
        None => anyhow::bail!(
            "--first-seed {first} with --seeds {count} runs past the largest seed ({}); lower one of them",
            u64::MAX
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_never_wrap() {
        assert_eq!(seed_range(3, 2).unwrap(), vec![3, 4]);
        assert!(seed_range(u64::MAX, 0).unwrap().is_empty());
        let error = seed_range(u64::MAX, 2).unwrap_err().to_string();
        assert!(
            error.contains("--first-seed") && error.contains("--seeds"),
            "{error}"
        );
    }

    #[test]
    fn invalid_fields_read_as_flags_and_other_errors_pass() {
        let flags = [
            ("labels_per_class", "--labels-per-class"),
            ("images", "--images"),
        ];
        let error = ExperimentError::Invalid {
            option: "labels_per_class".into(),
            reason: "needs labels: give `images` a folder".into(),
        };
        assert_eq!(
            in_flag_terms(error, &flags).to_string(),
            "--labels-per-class needs labels: give --images a folder"
        );
        let other = ExperimentError::Invalid {
            option: "k".into(),
            reason: "must be at least 1".into(),
        };
        assert_eq!(
            in_flag_terms(other, &flags).to_string(),
            "k: must be at least 1"
        );
    }
}
