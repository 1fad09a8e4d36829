//! Node splits for transductive learning (train / validation / test node sets).

use crate::error::{GraphError, Result};

/// Node indices of a transductive train/validation/test split.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeSplit {
    /// Training nodes.
    pub train: Vec<usize>,
    /// Validation nodes.
    pub validation: Vec<usize>,
    /// Test nodes.
    pub test: Vec<usize>,
}

impl NodeSplit {
    /// Checks that every index is a node of a graph with `num_nodes` nodes and that the training
    /// set is not empty.
    pub fn check(&self, num_nodes: usize) -> Result<()> {
        if self.train.is_empty() {
            return Err(GraphError::Empty {
                operation: "training",
                what: "an empty training set",
            });
        }
        for (field, nodes) in [
            ("training nodes", &self.train),
            ("validation nodes", &self.validation),
            ("test nodes", &self.test),
        ] {
            if let Some(index) = nodes.iter().position(|&node| node >= num_nodes) {
                return Err(GraphError::NodeIndexOutOfRange {
                    field,
                    index,
                    node: nodes[index],
                    num_nodes,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_indices_must_be_nodes_and_training_not_empty() {
        let split = NodeSplit {
            train: vec![0, 1],
            validation: vec![2],
            test: vec![3, 9],
        };
        assert_eq!(
            split.check(5),
            Err(GraphError::NodeIndexOutOfRange {
                field: "test nodes",
                index: 1,
                node: 9,
                num_nodes: 5
            })
        );
        assert!(split.check(10).is_ok());
        let empty = NodeSplit::default();
        assert!(matches!(empty.check(3), Err(GraphError::Empty { .. })));
    }
}
