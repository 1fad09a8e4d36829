//! Library errors restated in the flags that set the request fields they name: the library
//! speaks of `test_fraction`, the user typed `--test-fraction`.

use cinder_experiment::ExperimentError;

/// `error`, with an [`ExperimentError::Invalid`] about a request field restated as the flag that
/// set it ("{flag} {reason}", every `` `field` `` in the reason replaced by its flag). `flags`
/// pairs field names with flags; other errors pass through unchanged.
pub fn in_flag_terms(error: ExperimentError, flags: &[(&str, &str)]) -> anyhow::Error {
    if let ExperimentError::Invalid { option, reason } = &error
        && let Some((_, flag)) = flags.iter().find(|(field, _)| field == option)
    {
        let reason = flags.iter().fold(reason.clone(), |text, (field, flag)| {
            text.replace(&format!("`{field}`"), flag)
        });
        return anyhow::anyhow!("{flag} {reason}");
    }
    error.into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
