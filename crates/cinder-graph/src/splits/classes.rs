//! Class labels as found in files (any non-negative integers, possibly with gaps) renumbered to
//! the dense indices `0..C` that models and per-class tables need.

/// Labels renumbered through the distinct values present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactLabels {
    /// Each node's class index in `0..values.len()`.
    pub indices: Vec<usize>,
    /// The original label of each class index, ascending.
    pub values: Vec<usize>,
    /// How many nodes carry each class.
    pub counts: Vec<usize>,
}

/// Renumbers `labels` to `0..C` in ascending order of the distinct values present, so that one
/// stray large label (30000, 2^40) makes one more class instead of tables sized by its value.
pub fn compact_labels(labels: &[usize]) -> CompactLabels {
    let mut values = labels.to_vec();
    values.sort_unstable();
    values.dedup();
    let mut counts = vec![0; values.len()];
    let indices = labels
        .iter()
        .map(|label| {
            // Every label is one of `values`, so the search always finds it.
            let index = values.partition_point(|value| value < label);
            counts[index] += 1;
            index
        })
        .collect();
    CompactLabels {
        indices,
        values,
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_and_huge_values_become_consecutive_classes() {
        let compact = compact_labels(&[7, 0, 1 << 40, 7, 30_000]);
        assert_eq!(compact.values, vec![0, 7, 30_000, 1 << 40]);
        assert_eq!(compact.indices, vec![1, 0, 3, 1, 2]);
        assert_eq!(compact.counts, vec![1, 2, 1, 1]);
    }

    #[test]
    fn dense_labels_are_unchanged() {
        let compact = compact_labels(&[1, 0, 2, 1]);
        assert_eq!(compact.indices, vec![1, 0, 2, 1]);
        assert_eq!(compact.values, vec![0, 1, 2]);
        assert!(compact_labels(&[]).values.is_empty());
    }
}
