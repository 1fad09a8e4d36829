//! Summary statistics of repeated runs (folds, seeds, epochs), with ONE definition used by every
//! cinder output (terminal, JSON, reports, README tables):
//!
//! - the mean;
//! - the **population** standard deviation, `sqrt(Σ (x − mean)² / n)`: numpy's `np.std` default,
//!   and what the graph-classification papers cinder is compared with report over folds (Xu et
//!   al. 2019, Errica et al. 2020). One value has std 0; none has NaN;
//! - the median: the middle value, or the mean of the two middle values for an even count.
//!
//! The mean ± std band of `cinder_plot::Curves` uses the same population definition.

/// The arithmetic mean (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// The population standard deviation (divide by `n`; 0 for one value, NaN for none).
pub fn std(values: &[f64]) -> f64 {
    mean_std(values).1
}

/// Mean and population standard deviation in one pass over the data's mean (see the module docs).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let mean = mean(values);
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (mean, variance.sqrt())
}

/// Median of a list (the mean of the two middle values for an even count; NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_std_and_median_as_numpy_computes_them() {
        // np.mean / np.std / np.median of [0.7, 0.9, 0.8, 0.6]
        let values = [0.7, 0.9, 0.8, 0.6];
        let (m, s) = mean_std(&values);
        assert!((m - 0.75).abs() < 1e-12);
        assert!((s - 0.111_803_398_874_989_5).abs() < 1e-12, "{s}");
        assert!((median(&values) - 0.75).abs() < 1e-12);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(mean_std(&[0.5]), (0.5, 0.0));
        assert!(mean_std(&[]).0.is_nan() && std(&[]).is_nan() && median(&[]).is_nan());
    }
}
