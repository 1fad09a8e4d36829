//! Graph-level splits for cross-validation: folds of graph indices, stratified by class, and a
//! stratified hold-out (the validation slice of a training fold).

use crate::error::{GraphError, Result};

/// One cross-validation fold: graph indices for training and testing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fold {
    /// Training graphs.
    pub train: Vec<usize>,
    /// Test graphs.
    pub test: Vec<usize>,
}

impl Fold {
    /// Checks that every index is below `num_graphs`, that training is not empty and that no graph
    /// is both a training and a test graph.
    pub fn check(&self, num_graphs: usize) -> Result<()> {
        if self.train.is_empty() {
            return Err(GraphError::Empty {
                operation: "a cross-validation fold",
                what: "an empty training set",
            });
        }
        for (field, graphs) in [
            ("training graphs", &self.train),
            ("test graphs", &self.test),
        ] {
            if let Some(index) = graphs.iter().position(|&graph| graph >= num_graphs) {
                return Err(GraphError::InvalidSplit(format!(
                    "{field}[{index}] = {} is not one of the {num_graphs} graphs",
                    graphs[index]
                )));
            }
        }
        let mut in_train = vec![false; num_graphs];
        for &graph in &self.train {
            in_train[graph] = true;
        }
        if let Some(&graph) = self.test.iter().find(|&&graph| in_train[graph]) {
            return Err(GraphError::InvalidSplit(format!(
                "graph {graph} is both a training and a test graph of the fold"
            )));
        }
        Ok(())
    }
}

/// SplitMix64 finalizer: a high-quality hash of a 64-bit counter (the generator behind every
/// seeded shuffle of cinder).
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fisher–Yates shuffle driven by `seed`; the same seed always gives the same order.
pub fn seeded_shuffle<T>(items: &mut [T], seed: u64) {
    for i in (1..items.len()).rev() {
        let j = (splitmix64(seed.wrapping_add(i as u64)) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// Indices of each class, in ascending index order, for classes `0..=max(labels)`.
fn indices_by_class(indices: &[usize], labels: &[usize]) -> Vec<Vec<usize>> {
    let classes = indices.iter().map(|&i| labels[i] + 1).max().unwrap_or(0);
    let mut by_class = vec![Vec::new(); classes];
    for &i in indices {
        by_class[labels[i]].push(i);
    }
    by_class
}

/// Stratified `k`-fold cross-validation over graphs with class `labels[g]`: each class's graphs are
/// shuffled with `seed` and dealt to the folds in turn, so every test fold holds about `1/k` of every
/// class and the test folds partition all graphs. Indices within a fold are sorted.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Result<Vec<Fold>> {
    if k < 2 || k > labels.len() {
        return Err(GraphError::InvalidSplit(format!(
            "{k}-fold cross-validation needs 2 <= k <= the number of graphs ({})",
            labels.len()
        )));
    }
    let all: Vec<usize> = (0..labels.len()).collect();
    let mut test_folds = vec![Vec::new(); k];
    let mut position = 0;
    for (class, mut members) in indices_by_class(&all, labels).into_iter().enumerate() {
        seeded_shuffle(&mut members, splitmix64(seed ^ splitmix64(class as u64)));
        for graph in members {
            test_folds[position % k].push(graph);
            position += 1;
        }
    }
    Ok(test_folds
        .into_iter()
        .map(|mut test| {
            test.sort_unstable();
            let mut in_test = vec![false; labels.len()];
            for &graph in &test {
                in_test[graph] = true;
            }
            let train = (0..labels.len()).filter(|&g| !in_test[g]).collect();
            Fold { train, test }
        })
        .collect())
}

/// Splits `indices` into `(kept, held_out)`, holding out `fraction` of each class (rounded, and at
/// least one graph of every class that has two or more), chosen with `seed`. Both parts are sorted.
pub fn stratified_holdout(
    indices: &[usize],
    labels: &[usize],
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(GraphError::InvalidSplit(format!(
            "the held-out fraction must be in [0, 1), got {fraction}"
        )));
    }
    if let Some(&index) = indices.iter().find(|&&i| i >= labels.len()) {
        return Err(GraphError::InvalidSplit(format!(
            "index {index} has no label ({} labels)",
            labels.len()
        )));
    }
    let mut kept = Vec::with_capacity(indices.len());
    let mut held_out = Vec::new();
    for (class, mut members) in indices_by_class(indices, labels).into_iter().enumerate() {
        seeded_shuffle(&mut members, splitmix64(seed ^ splitmix64(class as u64)));
        let mut take = (members.len() as f64 * fraction).round() as usize;
        if fraction > 0.0 && take == 0 && members.len() >= 2 {
            take = 1;
        }
        held_out.extend_from_slice(&members[..take]);
        kept.extend_from_slice(&members[take..]);
    }
    kept.sort_unstable();
    held_out.sort_unstable();
    Ok((kept, held_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_folds_partition_the_graphs_and_keep_class_ratios() {
        // 30 graphs of class 0, 10 of class 1.
        let labels: Vec<usize> = (0..40).map(|i| usize::from(i % 4 == 3)).collect();
        let folds = stratified_folds(&labels, 5, 7).unwrap();
        let mut seen = [0; 40];
        for fold in &folds {
            fold.check(40).unwrap();
            assert_eq!(fold.train.len() + fold.test.len(), 40);
            for &g in &fold.test {
                seen[g] += 1;
            }
            let positives = fold.test.iter().filter(|&&g| labels[g] == 1).count();
            assert_eq!((fold.test.len(), positives), (8, 2));
        }
        assert!(seen.iter().all(|&count| count == 1));
        assert_eq!(folds, stratified_folds(&labels, 5, 7).unwrap());
        assert_ne!(folds, stratified_folds(&labels, 5, 8).unwrap());
        assert!(stratified_folds(&labels, 1, 0).is_err());
        assert!(stratified_folds(&labels, 41, 0).is_err());
    }

    #[test]
    fn holdout_takes_each_class_share() {
        let labels: Vec<usize> = (0..40).map(|i| usize::from(i % 4 == 3)).collect();
        let indices: Vec<usize> = (0..40).collect();
        let (kept, held_out) = stratified_holdout(&indices, &labels, 0.1, 3).unwrap();
        assert_eq!(held_out.len(), 4);
        assert_eq!(held_out.iter().filter(|&&g| labels[g] == 1).count(), 1);
        assert_eq!(kept.len(), 36);
        assert!(kept.iter().all(|g| !held_out.contains(g)));
        assert!(stratified_holdout(&indices, &labels, 1.0, 3).is_err());
        assert!(stratified_holdout(&[99], &labels, 0.1, 3).is_err());
    }

    #[test]
    fn fold_check_names_the_problem() {
        let overlapping = Fold {
            train: vec![0, 1],
            test: vec![1],
        };
        let message = overlapping.check(3).unwrap_err().to_string();
        assert!(message.contains("graph 1"), "{message}");
        let out_of_range = Fold {
            train: vec![0],
            test: vec![5],
        };
        assert!(out_of_range.check(3).unwrap_err().to_string().contains('5'));
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut items: Vec<u32> = (0..100).collect();
        seeded_shuffle(&mut items, 1);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }
}
