//! Checked conversions from the numbers files hold to ids, classes and sizes. A negative,
//! fractional, NaN or huge value is refused, never cast: `-1.0 as usize` is 0 and `1e300 as usize`
//! is 18446744073709551615, both silently wrong.

use std::path::Path;

use crate::error::DatasetError;

/// `value` as a file would show it: integers without a fraction, others in shortest form
/// (`-1`, `0.9`, `1e300`, `NaN`), never the result of a cast.
pub(crate) fn shown(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e16 {
        format!("{}", value as i64)
    } else {
        format!("{value:?}")
    }
}

/// `value` as an index in `0..bound`, if it is exactly one.
pub(crate) fn index_below(value: f64, bound: usize) -> Option<usize> {
    (value >= 0.0 && value.fract() == 0.0 && value < bound as f64).then_some(value as usize)
}

/// `value` as an integer, if it is exactly one that an f64 represents without rounding.
pub(crate) fn integer(value: f64) -> Option<i64> {
    const EXACT: f64 = (1u64 << 53) as f64;
    (value.fract() == 0.0 && value.abs() <= EXACT).then_some(value as i64)
}

/// An integer written in a text file: `7`, or an integral float such as `7.0` or `1e2`.
pub(crate) fn parse_integer(text: &str) -> Option<i64> {
    text.parse::<i64>()
        .ok()
        .or_else(|| text.parse::<f64>().ok().and_then(integer))
}

/// [`DatasetError::InvalidValue`] for `path` at `location`.
pub(crate) fn invalid_value(
    path: &Path,
    location: impl Into<String>,
    value: impl Into<String>,
    expected: impl Into<String>,
) -> DatasetError {
    DatasetError::InvalidValue {
        path: path.to_path_buf(),
        location: location.into(),
        value: value.into(),
        expected: expected.into(),
    }
}

/// [`DatasetError::DeclaredSize`] for `path`.
pub(crate) fn declared_size(
    path: &Path,
    field: impl Into<String>,
    declared: impl Into<String>,
    available: impl Into<String>,
) -> DatasetError {
    DatasetError::DeclaredSize {
        path: path.to_path_buf(),
        field: field.into(),
        declared: declared.into(),
        available: available.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_as_the_file_holds_them() {
        assert_eq!(shown(-1.0), "-1");
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(0.9), "0.9");
        assert_eq!(shown(f64::NAN), "NaN");
        assert_eq!(shown(2f64.powi(40)), "1099511627776");
    }

    #[test]
    fn only_exact_indices_pass() {
        assert_eq!(index_below(3.0, 4), Some(3));
        for bad in [-1.0, 4.0, 0.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(index_below(bad, 4), None, "{bad}");
        }
        assert_eq!(parse_integer("-2"), Some(-2));
        assert_eq!(parse_integer("3.0"), Some(3));
        for bad in ["nan", "0.9", "1e300", "inf", ""] {
            assert_eq!(parse_integer(bad), None, "{bad}");
        }
    }
}
