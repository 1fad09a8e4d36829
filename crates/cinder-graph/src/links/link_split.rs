//! Edge splits for link prediction, as PyG's `RandomLinkSplit`: a seeded shuffle of the edges
//! into training, validation and test positives; the validation and test negatives drawn once
//! and fixed; the training graph holds the training edges only, so a model never propagates over
//! the edges it is asked to predict.

use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};
use crate::graph::{Direction, Graph};
use crate::links::edge_lookup::EdgeLookup;
use crate::links::negative_sampling::distinct_negatives;
use crate::splits::folds::{seeded_shuffle, splitmix64};

/// How many edges a held-out part gets: a fraction of the edges (in `[0, 1)`) or a count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EdgeCount {
    /// A number of edges (undirected pairs for an undirected split).
    Count(usize),
    /// A fraction of the edges, rounded down (as PyG's `int(num_val * num_edges)`).
    Fraction(f64),
}

impl EdgeCount {
    /// The count out of `total` edges.
    pub fn of(self, total: usize) -> usize {
        match self {
            Self::Count(count) => count,
            Self::Fraction(fraction) => (fraction * total as f64).floor() as usize,
        }
    }

    fn check(self, name: &'static str) -> Result<()> {
        match self {
            Self::Fraction(fraction) if !(0.0..1.0).contains(&fraction) => {
                Err(GraphError::InvalidParameter {
                    name,
                    reason: format!("the fraction {fraction} is not in [0, 1)"),
                })
            }
            _ => Ok(()),
        }
    }
}

impl std::str::FromStr for EdgeCount {
    type Err = GraphError;

    /// `0.05` (a fraction: it has a `.` or an exponent) or `500` (a count).
    fn from_str(text: &str) -> Result<Self> {
        let invalid = || GraphError::InvalidParameter {
            name: "edge count",
            reason: format!("{text:?} is neither a count (500) nor a fraction (0.05)"),
        };
        let text = text.trim();
        if text.contains(['.', 'e', 'E']) {
            let fraction: f64 = text.parse().map_err(|_| invalid())?;
            let count = Self::Fraction(fraction);
            count.check("edge fraction")?;
            Ok(count)
        } else {
            text.parse().map(Self::Count).map_err(|_| invalid())
        }
    }
}

impl std::fmt::Display for EdgeCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(count) => write!(f, "{count}"),
            Self::Fraction(fraction) => write!(f, "{fraction:?}"),
        }
    }
}

/// The options of [`random_link_split`]. Default: PyG's auto-encoder example —
/// 5% validation, 10% test, undirected.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkSplitConfig {
    /// Validation positives (and as many fixed negatives).
    pub validation: EdgeCount,
    /// Test positives (and as many fixed negatives).
    pub test: EdgeCount,
    /// Split undirected pairs (`{u, v}` once), not directed edges.
    pub undirected: bool,
}

impl Default for LinkSplitConfig {
    fn default() -> Self {
        Self {
            validation: EdgeCount::Fraction(0.05),
            test: EdgeCount::Fraction(0.1),
            undirected: true,
        }
    }
}

/// Positive and negative pairs of one evaluation part.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabeledPairs {
    /// Edges of the graph held out of training.
    pub positive: Vec<(u32, u32)>,
    /// Node pairs that are not edges of the graph.
    pub negative: Vec<(u32, u32)>,
}

/// A link-prediction split of one graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkSplit {
    /// Nodes of the graph.
    pub num_nodes: usize,
    /// Whether pairs are undirected (each listed once, `u < v`).
    pub undirected: bool,
    /// The training edges: the training graph's edges and the training positives.
    pub train: Vec<(u32, u32)>,
    /// Validation positives and negatives.
    pub validation: LabeledPairs,
    /// Test positives and negatives.
    pub test: LabeledPairs,
}

impl LinkSplit {
    /// The training graph: `graph`'s nodes, node features and labels, the training edges only.
    pub fn training_graph(&self, graph: &Graph) -> Result<Graph> {
        if graph.num_nodes() != self.num_nodes {
            return Err(GraphError::LengthMismatch {
                field: "graph nodes",
                expected: self.num_nodes,
                actual: graph.num_nodes(),
                per: "nodes of the split",
            });
        }
        let direction = if self.undirected {
            Direction::Undirected
        } else {
            Direction::Directed
        };
        let (sources, targets) = self.train.iter().copied().unzip();
        let mut training = Graph::from_coordinates(self.num_nodes, sources, targets, direction)?;
        if let Some(features) = graph.node_features() {
            training = training.with_node_features(features.clone())?;
        }
        if let Some(labels) = graph.node_labels() {
            training = training.with_node_labels(labels.to_vec())?;
        }
        Ok(training)
    }

    /// Checks every pair's node ids and that there are training edges.
    pub fn check(&self) -> Result<()> {
        if self.train.is_empty() {
            return Err(GraphError::Empty {
                operation: "link prediction",
                what: "a split without training edges",
            });
        }
        for (field, pairs) in [
            ("training edges", &self.train),
            ("validation positives", &self.validation.positive),
            ("validation negatives", &self.validation.negative),
            ("test positives", &self.test.positive),
            ("test negatives", &self.test.negative),
        ] {
            if let Some(index) = pairs
                .iter()
                .position(|&(u, v)| u as usize >= self.num_nodes || v as usize >= self.num_nodes)
            {
                let (u, v) = pairs[index];
                return Err(GraphError::NodeIndexOutOfRange {
                    field,
                    index,
                    node: u.max(v) as usize,
                    num_nodes: self.num_nodes,
                });
            }
        }
        Ok(())
    }
}

/// The distinct edges of `graph` as pairs, self-loops dropped: `u < v` once per undirected pair
/// when `undirected`, else each directed edge once. Sorted.
pub fn distinct_pairs(graph: &Graph, undirected: bool) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = graph
        .sources()
        .iter()
        .zip(graph.targets())
        .filter(|(u, v)| u != v)
        .map(|(&u, &v)| {
            if undirected {
                (u.min(v), u.max(v))
            } else {
                (u, v)
            }
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Splits `graph`'s edges: a seeded shuffle of its distinct pairs (self-loops dropped) puts the
/// first `config.validation` into validation, the next `config.test` into test and the rest into
/// training (PyG's order); then as many negatives as positives are drawn for validation and for
/// test, distinct, from the pairs that are not edges of the whole graph. The same seed gives the
/// same split on any machine and thread count.
///
/// ```
/// use cinder_graph::{LinkSplitConfig, karate_club, random_link_split};
///
/// let split = random_link_split(&karate_club(), &LinkSplitConfig::default(), 0)?;
/// // 78 friendships: 3 validation (5%), 7 test (10%), 68 for training.
/// assert_eq!((split.validation.positive.len(), split.test.positive.len()), (3, 7));
/// assert_eq!(split.train.len(), 68);
/// assert_eq!(split.test.negative.len(), 7);
/// # Ok::<(), cinder_graph::GraphError>(())
/// ```
pub fn random_link_split(graph: &Graph, config: &LinkSplitConfig, seed: u64) -> Result<LinkSplit> {
    config.validation.check("validation edges")?;
    config.test.check("test edges")?;
    if let (EdgeCount::Fraction(validation), EdgeCount::Fraction(test)) =
        (config.validation, config.test)
        && validation + test >= 1.0
    {
        return Err(GraphError::InvalidParameter {
            name: "link split",
            reason: format!(
                "validation {validation} + test {test} leaves no edges to train on (their sum must be below 1)"
            ),
        });
    }
    let mut pairs = distinct_pairs(graph, config.undirected);
    let total = pairs.len();
    let (validation, test) = (config.validation.of(total), config.test.of(total));
    if validation + test >= total {
        return Err(GraphError::InvalidSplit(format!(
            "the graph has {total} distinct {} edges: too few for {validation} validation and {test} test edges and at least one to train on",
            if config.undirected {
                "undirected"
            } else {
                "directed"
            }
        )));
    }
    let lookup = EdgeLookup::new(graph.num_nodes(), &pairs, config.undirected)?;
    seeded_shuffle(&mut pairs, splitmix64(seed));
    let train = pairs.split_off(validation + test);
    let test_positive = pairs.split_off(validation);
    let mut negatives = distinct_negatives(&lookup, validation + test, splitmix64(seed ^ 1))?;
    let test_negative = negatives.split_off(validation);
    Ok(LinkSplit {
        num_nodes: graph.num_nodes(),
        undirected: config.undirected,
        train,
        validation: LabeledPairs {
            positive: pairs,
            negative: negatives,
        },
        test: LabeledPairs {
            positive: test_positive,
            negative: test_negative,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn grid(side: usize) -> Graph {
        let mut edges = Vec::new();
        for r in 0..side {
            for c in 0..side {
                let node = r * side + c;
                if c + 1 < side {
                    edges.push((node, node + 1));
                }
                if r + 1 < side {
                    edges.push((node, node + side));
                }
            }
        }
        Graph::from_edges(side * side, edges, Direction::Undirected).unwrap()
    }

    #[test]
    fn parts_partition_the_pairs_and_negatives_are_non_edges() {
        let graph = grid(20); // 760 edges
        let split = random_link_split(&graph, &LinkSplitConfig::default(), 3).unwrap();
        assert_eq!(split.validation.positive.len(), 38);
        assert_eq!(split.test.positive.len(), 76);
        assert_eq!(split.train.len(), 760 - 38 - 76);
        let all: HashSet<(u32, u32)> = distinct_pairs(&graph, true).into_iter().collect();
        let mut seen = HashSet::new();
        for &pair in split
            .train
            .iter()
            .chain(&split.validation.positive)
            .chain(&split.test.positive)
        {
            assert!(all.contains(&pair) && seen.insert(pair));
        }
        assert_eq!(seen.len(), all.len());
        let negatives: Vec<_> = split
            .validation
            .negative
            .iter()
            .chain(&split.test.negative)
            .collect();
        assert_eq!(negatives.len(), 38 + 76);
        assert!(
            negatives
                .iter()
                .all(|&&(u, v)| u < v && !all.contains(&(u, v)))
        );
        assert_eq!(
            negatives.iter().collect::<HashSet<_>>().len(),
            negatives.len()
        );
        // The training graph holds only the training edges.
        let training = split.training_graph(&graph).unwrap();
        assert_eq!(training.num_edges(), split.train.len());
        assert_eq!(
            split,
            random_link_split(&graph, &LinkSplitConfig::default(), 3).unwrap()
        );
        assert_ne!(
            split,
            random_link_split(&graph, &LinkSplitConfig::default(), 4).unwrap()
        );
    }

    #[test]
    fn counts_directed_pairs_and_bad_sizes() {
        let graph = grid(4); // 24 undirected edges
        let config = LinkSplitConfig {
            validation: EdgeCount::Count(2),
            test: EdgeCount::Count(3),
            undirected: false,
        };
        let split = random_link_split(&graph, &config, 0).unwrap();
        assert_eq!(split.train.len(), 24 - 5);
        let too_many = LinkSplitConfig {
            validation: EdgeCount::Count(10),
            test: EdgeCount::Count(14),
            ..config
        };
        assert!(matches!(
            random_link_split(&graph, &too_many, 0),
            Err(GraphError::InvalidSplit(_))
        ));
        let summing_to_one = LinkSplitConfig {
            validation: EdgeCount::Fraction(0.5),
            test: EdgeCount::Fraction(0.5),
            undirected: true,
        };
        assert!(random_link_split(&graph, &summing_to_one, 0).is_err());
        assert!("1.5".parse::<EdgeCount>().is_err());
        assert!("-0.1".parse::<EdgeCount>().is_err());
        assert!("ten".parse::<EdgeCount>().is_err());
        assert_eq!(
            "0.05".parse::<EdgeCount>().unwrap(),
            EdgeCount::Fraction(0.05)
        );
        assert_eq!("12".parse::<EdgeCount>().unwrap(), EdgeCount::Count(12));
    }
}
