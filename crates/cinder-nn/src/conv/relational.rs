//! The relational graph convolution of Schlichtkrull et al. (2018), for graphs with typed edges
//! such as molecules (one relation per bond type).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{
    AdjacencyBuilder, Graph, Orientation, SparseMatrix, random_walk_normalize_matrix,
};

use crate::error::{NnError, check_width};
use crate::init::seeded_linear;
use crate::init::{derive_seed, uniform};
use crate::ops::operator::SparseOperator;
use crate::ops::propagate::propagate;

/// Options of a [`RelationalGcnConv`] layer.
#[derive(Config, Debug)]
pub struct RelationalGcnConvConfig {
    /// Input feature size.
    pub in_features: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Number of relations (edge types); edge type `r` must be below it.
    pub num_relations: usize,
    /// Seed of the Glorot-uniform initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Relational graph convolution (Schlichtkrull et al. 2018, eq. 2):
///
/// `x'ᵢ = Θ_root xᵢ + b + Σ_r Σ_{j ∈ N_r(i)} (1 / |N_r(i)|) Θ_r xⱼ`
///
/// where `N_r(i)` are the neighbours of `i` over edges of type `r` (for molecules: the bond type,
/// [`cinder_graph::EdgeLabel::type_index`]). Each relation is one sparse mean-aggregation, so the
/// layer costs `num_relations` propagations; a graph without edge labels is one relation.
#[derive(Module, Debug)]
pub struct RelationalGcnConv {
    /// `Θ_root` and `b`: the node's own transform.
    pub root: Linear,
    /// `Θ_r`, one `in_features x out_features` matrix per relation.
    pub relations: Vec<Param<Tensor<2>>>,
}

impl RelationalGcnConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> RelationalGcnConv {
        let limit = (6.0 / (self.in_features + self.out_features).max(1) as f32).sqrt();
        let relations = (0..self.num_relations)
            .map(|r| {
                let values = uniform(
                    self.in_features * self.out_features,
                    -limit,
                    limit,
                    derive_seed(self.seed, 10 + r as u64),
                );
                Param::from_tensor(Tensor::<2>::from_data(
                    TensorData::new(values, [self.in_features, self.out_features]),
                    device,
                ))
            })
            .collect();
        RelationalGcnConv {
            root: seeded_linear(
                self.in_features,
                self.out_features,
                true,
                derive_seed(self.seed, 1),
                device,
            ),
            relations,
        }
    }
}

impl RelationalGcnConv {
    /// The per-relation mean-aggregation matrices of `graph` (target-row layout, each row of a
    /// node with neighbours of that relation summing to 1). With `num_relations == 1` every edge is
    /// one relation, whatever its label; otherwise edges need labels whose type index is below
    /// `num_relations`.
    pub fn relation_matrices(
        graph: &Graph,
        num_relations: usize,
    ) -> crate::Result<Vec<SparseMatrix>> {
        if num_relations == 0 {
            return Err(NnError::InvalidOption {
                option: "number of relations",
                reason: "a relational layer needs at least one relation".into(),
            });
        }
        let mut edges_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); num_relations];
        match (graph.edge_labels(), num_relations) {
            (_, 1) => edges_of[0].extend(graph.edges()),
            (Some(labels), _) => {
                for (edge, (endpoints, label)) in graph.edges().zip(labels).enumerate() {
                    let relation = label.type_index();
                    if relation >= num_relations {
                        return Err(NnError::InvalidOption {
                            option: "edge type",
                            reason: format!(
                                "edge {edge} has type {relation} ({label:?}), but the layer has {num_relations} relations"
                            ),
                        });
                    }
                    edges_of[relation].push(endpoints);
                }
            }
            (None, _) => {
                return Err(NnError::Empty(format!(
                    "edge labels of a graph used with {num_relations} relations"
                )));
            }
        }
        edges_of
            .into_iter()
            .map(|edges| {
                let relation = Graph::from_edges(graph.num_nodes(), edges, graph.direction())?;
                let adjacency = AdjacencyBuilder::new()
                    .orientation(Orientation::TargetRows)
                    .weighted(false)
                    .build(&relation);
                Ok(random_walk_normalize_matrix(&adjacency)?)
            })
            .collect()
    }

    /// The layer's output; `operators[r]` is relation `r`'s matrix as a [`SparseOperator`].
    pub fn forward(&self, operators: &[SparseOperator], x: Tensor<2>) -> crate::Result<Tensor<2>> {
        check_width(
            "RelationalGcnConv input features",
            self.root.weight.dims()[0],
            x.dims()[1],
        )?;
        check_width(
            "RelationalGcnConv relations (operators)",
            self.relations.len(),
            operators.len(),
        )?;
        let mut output = self.root.forward(x.clone());
        for (operator, weight) in operators.iter().zip(&self.relations) {
            output = output + propagate(operator, x.clone().matmul(weight.val()))?;
        }
        Ok(output)
    }
}
