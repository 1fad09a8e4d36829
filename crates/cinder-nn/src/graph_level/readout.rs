//! Readouts: one vector per graph from the node vectors of a block-diagonal batch.

use burn::tensor::Tensor;
use cinder_graph::SparseMatrix;
use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// How node vectors become a graph vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Readout {
    /// Average of the graph's node vectors (the default; PyG's `global_mean_pool`).
    #[default]
    Mean,
    /// Sum (`global_add_pool`; the readout of GIN).
    Sum,
    /// Element-wise maximum (`global_max_pool`).
    Max,
}

impl Readout {
    /// Lower-case name (`mean`, `sum`, `max`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Sum => "sum",
            Self::Max => "max",
        }
    }
}

/// Pools `x` (`nodes x features`) into `graphs x features`, graph `g` owning the contiguous nodes
/// `node_offsets[g]..node_offsets[g + 1]` (as [`cinder_graph::GraphBatch::node_offsets`] gives).
///
/// Mean and sum are one sparse product with a pooling matrix; max takes each graph's slice, so it
/// is deterministic (it never relies on a scatter-max with duplicate indices). A graph without
/// nodes is an error ([`NnError::EmptyGraph`]): its mean and maximum do not exist, and pooling it
/// to zeros would hide a broken dataset.
pub fn readout(x: Tensor<2>, node_offsets: &[usize], readout: Readout) -> crate::Result<Tensor<2>> {
    let [nodes, width] = x.dims();
    check_offsets(node_offsets, nodes)?;
    let graphs = node_offsets.len() - 1;
    match readout {
        Readout::Mean | Readout::Sum => {
            let mut values = Vec::with_capacity(nodes);
            for g in 0..graphs {
                let count = node_offsets[g + 1] - node_offsets[g];
                let weight = if readout == Readout::Mean {
                    1.0 / count as f32
                } else {
                    1.0
                };
                values.extend(std::iter::repeat_n(weight, count));
            }
            let pooling = SparseMatrix::new(
                (graphs, nodes),
                node_offsets.to_vec(),
                (0..nodes as u32).collect(),
                values,
            );
            propagate(&SparseOperator::new(&pooling)?, x)
        }
        Readout::Max => {
            let rows: Vec<Tensor<2>> = (0..graphs)
                .map(|g| {
                    x.clone()
                        .slice([node_offsets[g]..node_offsets[g + 1], 0..width])
                        .max_dim(0)
                })
                .collect();
            Ok(Tensor::cat(rows, 0))
        }
    }
}

fn check_offsets(offsets: &[usize], nodes: usize) -> crate::Result<()> {
    let valid = offsets.len() >= 2
        && offsets[0] == 0
        && offsets.windows(2).all(|w| w[0] <= w[1])
        && offsets.last() == Some(&nodes);
    if !valid {
        return Err(NnError::InvalidOption {
            option: "node offsets of a readout",
            reason: format!(
                "expected a non-decreasing list from 0 to {nodes} (the number of node rows) with at least one graph, got {} offsets ending at {:?}",
                offsets.len(),
                offsets.last()
            ),
        });
    }
    if let Some(graph) = offsets.windows(2).position(|w| w[0] == w[1]) {
        return Err(NnError::EmptyGraph { graph });
    }
    Ok(())
}
