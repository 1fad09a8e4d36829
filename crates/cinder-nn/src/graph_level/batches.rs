//! Mini-batches of many small graphs: each graph's operators and input features are computed once
//! ([`GraphSet::new`]), and a batch is collated by stacking them block-diagonally — normalizing a
//! block-diagonal matrix equals normalizing each block, so no per-graph work repeats per epoch.

use burn::tensor::{Device, Tensor, TensorData};
use cinder_graph::{
    AdjacencyBuilder, FeatureMatrix, GcnNormalization, Graph, Orientation, SparseMatrix,
    block_diagonal, gcn_normalization, seeded_shuffle,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::conv::relational::RelationalGcnConv;
use crate::error::NnError;
use crate::ops::operator::SparseOperator;

/// The propagation operators a graph model needs for each graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Propagation {
    /// One GCN operator `D^-1/2 (A + I) D^-1/2` (edge weights included where the graph has them).
    Gcn,
    /// One sum-aggregation operator (unweighted adjacency, no self-loops), as GIN uses.
    Sum,
    /// One mean-aggregation operator per edge type (relational GCN).
    Relational {
        /// Number of relations; 1 merges all edge types into one.
        relations: usize,
    },
}

impl Propagation {
    fn matrices(self, graph: &Graph) -> crate::Result<Vec<SparseMatrix>> {
        Ok(match self {
            Self::Gcn => vec![gcn_normalization(graph, GcnNormalization::default())?],
            Self::Sum => vec![
                AdjacencyBuilder::new()
                    .orientation(Orientation::TargetRows)
                    .weighted(false)
                    .build(graph),
            ],
            Self::Relational { relations } => {
                RelationalGcnConv::relation_matrices(graph, relations)?
            }
        })
    }
}

/// Where the node input features of a graph set come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InputFeatures {
    /// The graphs' own features if every graph has some that vary, else one-hot node labels if
    /// every graph has node labels with two or more values, else one-hot degrees (see
    /// [`resolve_auto_features`]).
    #[default]
    Auto,
    /// The graphs' own node features.
    Given,
    /// One-hot node labels (width: the largest label in the set + 1).
    NodeLabels,
    /// One-hot degrees, degrees above `cap` sharing the last column.
    Degree {
        /// Largest degree with its own column.
        cap: usize,
    },
}

/// Degree cap of [`InputFeatures::Auto`] when it falls back to degree features.
const AUTO_DEGREE_CAP: usize = 64;

/// One graph's cached operators and dense input features.
#[derive(Debug, Clone)]
struct PreparedGraph {
    matrices: Vec<SparseMatrix>,
    features: Vec<f32>,
    nodes: usize,
    label: usize,
}

/// A list of labelled graphs prepared for mini-batch training.
#[derive(Debug, Clone)]
pub struct GraphSet {
    graphs: Vec<PreparedGraph>,
    width: usize,
    num_classes: usize,
    propagation: Propagation,
    features: InputFeatures,
}

impl GraphSet {
    /// Prepares `graphs` (each needs a graph label and at least one node) for a model that
    /// propagates with `propagation`, with node input features from `features`.
    pub fn new(
        graphs: &[Graph],
        propagation: Propagation,
        features: InputFeatures,
    ) -> crate::Result<Self> {
        if graphs.is_empty() {
            return Err(NnError::Empty("the list of graphs".into()));
        }
        let mut labels = Vec::with_capacity(graphs.len());
        for (index, graph) in graphs.iter().enumerate() {
            if graph.num_nodes() == 0 {
                return Err(NnError::EmptyGraph { graph: index });
            }
            labels.push(
                graph
                    .graph_label()
                    .ok_or_else(|| NnError::Empty(format!("graph label of graph {index}")))?,
            );
        }
        let features = resolve_features(graphs, features)?;
        let num_node_labels = graphs
            .iter()
            .filter_map(Graph::node_labels)
            .flat_map(|labels| labels.iter().map(|&l| l + 1))
            .max()
            .unwrap_or(0);
        let prepared: Vec<PreparedGraph> = graphs
            .par_iter()
            .zip(labels)
            .enumerate()
            .map(|(index, (graph, label))| {
                let matrix = input_features(graph, index, features, num_node_labels)?;
                Ok(PreparedGraph {
                    matrices: propagation.matrices(graph)?,
                    features: matrix.to_dense().into_values(),
                    nodes: graph.num_nodes(),
                    label,
                })
            })
            .collect::<crate::Result<_>>()?;
        let width = prepared[0].features.len() / prepared[0].nodes;
        if let Some(index) = prepared
            .iter()
            .position(|graph| graph.features.len() != graph.nodes * width)
        {
            return Err(NnError::ShapeMismatch {
                what: format!("node feature columns of graph {index} (graph 0 has {width})"),
                expected: width,
                actual: prepared[index].features.len() / prepared[index].nodes,
            });
        }
        let num_classes = prepared.iter().map(|g| g.label + 1).max().unwrap_or(0);
        Ok(Self {
            graphs: prepared,
            width,
            num_classes,
            propagation,
            features,
        })
    }

    /// Number of graphs.
    pub fn len(&self) -> usize {
        self.graphs.len()
    }

    /// Whether the set has no graphs (never true for a built set).
    pub fn is_empty(&self) -> bool {
        self.graphs.is_empty()
    }

    /// Input feature width.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of classes (largest graph label + 1).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Graph labels, in graph order.
    pub fn labels(&self) -> Vec<usize> {
        self.graphs.iter().map(|g| g.label).collect()
    }

    /// The propagation the operators were prepared for.
    pub fn propagation(&self) -> Propagation {
        self.propagation
    }

    /// The resolved feature source (never `Auto`).
    pub fn features(&self) -> InputFeatures {
        self.features
    }

    /// `indices` in mini-batches of `batch_size`, shuffled with `seed` when given.
    pub fn batches(
        &self,
        indices: &[usize],
        batch_size: usize,
        seed: Option<u64>,
    ) -> Vec<Vec<usize>> {
        let mut order = indices.to_vec();
        if let Some(seed) = seed {
            seeded_shuffle(&mut order, seed);
        }
        order
            .chunks(batch_size.max(1))
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// Collates graphs `indices` into one block-diagonal batch.
    pub fn collate(&self, indices: &[usize]) -> crate::Result<GraphMiniBatch> {
        if indices.is_empty() {
            return Err(NnError::Empty("a mini-batch".into()));
        }
        if let Some(&index) = indices.iter().find(|&&i| i >= self.graphs.len()) {
            return Err(NnError::InvalidOption {
                option: "graph index",
                reason: format!("{index} is not one of the {} graphs", self.graphs.len()),
            });
        }
        let members: Vec<&PreparedGraph> = indices.iter().map(|&i| &self.graphs[i]).collect();
        let mut node_offsets = Vec::with_capacity(members.len() + 1);
        node_offsets.push(0);
        let mut features = Vec::with_capacity(members.iter().map(|g| g.features.len()).sum());
        for graph in &members {
            node_offsets.push(node_offsets.last().copied().unwrap_or(0) + graph.nodes);
            features.extend_from_slice(&graph.features);
        }
        let relations = members[0].matrices.len();
        let operators = (0..relations)
            .map(|r| {
                let blocks: Vec<&SparseMatrix> = members.iter().map(|g| &g.matrices[r]).collect();
                SparseOperator::new(&block_diagonal(&blocks))
            })
            .collect::<crate::Result<_>>()?;
        Ok(GraphMiniBatch {
            graphs: indices.to_vec(),
            operators,
            features,
            width: self.width,
            node_offsets,
            labels: members.iter().map(|g| g.label).collect(),
        })
    }
}

/// Whether the graphs' own node features differ anywhere: some column takes two values across
/// all nodes of all graphs. Constant features (every node the same row) carry no information.
fn features_vary(graphs: &[Graph]) -> bool {
    let mut first: Option<Vec<f32>> = None;
    for graph in graphs {
        let Some(features) = graph.node_features() else {
            continue;
        };
        let dense = features.to_dense();
        for row in 0..dense.rows() {
            let values = dense.row(row);
            match &first {
                None => first = Some(values.to_vec()),
                Some(reference) if reference.as_slice() != values => return true,
                Some(_) => {}
            }
        }
    }
    false
}

/// Whether the graphs' node labels take at least two values.
fn labels_vary(graphs: &[Graph]) -> bool {
    let mut first = None;
    graphs
        .iter()
        .filter_map(Graph::node_labels)
        .flatten()
        .any(|&label| *first.get_or_insert(label) != label)
}

/// How [`InputFeatures::Auto`] resolves for `graphs`, and why: the graphs' own features if every
/// graph has some that vary, else one-hot node labels if every graph has node labels taking two
/// or more values, else one-hot degrees capped at the largest degree (at most 64) — as the GIN
/// paper does for social graphs, whose nodes carry no attributes. Constant features or a single
/// label value would give the model one constant input column: no information at all.
pub fn resolve_auto_features(graphs: &[Graph]) -> (InputFeatures, String) {
    let all_features = graphs.iter().all(|g| g.node_features().is_some());
    let all_labels = graphs.iter().all(|g| g.node_labels().is_some());
    if all_features && features_vary(graphs) {
        return (InputFeatures::Given, "the graphs' node features".into());
    }
    if all_labels && labels_vary(graphs) {
        return (InputFeatures::NodeLabels, "one-hot node labels".into());
    }
    let max_degree = graphs.iter().flat_map(|g| g.degrees()).max().unwrap_or(0);
    let cap = max_degree.min(AUTO_DEGREE_CAP);
    let why = if all_features {
        "the node features are the same for every node"
    } else if all_labels {
        "every node has the same label"
    } else {
        "the graphs have neither node features nor node labels"
    };
    (
        InputFeatures::Degree { cap },
        format!("one-hot degree (cap {cap}), because {why}: constant inputs carry no information"),
    )
}

fn resolve_features(graphs: &[Graph], features: InputFeatures) -> crate::Result<InputFeatures> {
    Ok(match features {
        InputFeatures::Auto => resolve_auto_features(graphs).0,
        other => other,
    })
}

fn input_features(
    graph: &Graph,
    index: usize,
    features: InputFeatures,
    num_node_labels: usize,
) -> crate::Result<FeatureMatrix> {
    Ok(match features {
        InputFeatures::Given | InputFeatures::Auto => graph
            .node_features()
            .cloned()
            .ok_or_else(|| NnError::Empty(format!("node features of graph {index}")))?,
        InputFeatures::NodeLabels => {
            let labels = graph
                .node_labels()
                .ok_or_else(|| NnError::Empty(format!("node labels of graph {index}")))?;
            FeatureMatrix::one_hot(labels, num_node_labels)?
        }
        InputFeatures::Degree { cap } => FeatureMatrix::one_hot_degree(&graph.degrees(), cap),
    })
}

/// A block-diagonal batch of graphs, host-side: operators, dense input features, graph offsets.
#[derive(Debug, Clone)]
pub struct GraphMiniBatch {
    graphs: Vec<usize>,
    operators: Vec<SparseOperator>,
    features: Vec<f32>,
    width: usize,
    node_offsets: Vec<usize>,
    labels: Vec<usize>,
}

impl GraphMiniBatch {
    /// Indices (in the [`GraphSet`]) of the batched graphs.
    pub fn graphs(&self) -> &[usize] {
        &self.graphs
    }

    /// The block-diagonal operators (one, or one per relation).
    pub fn operators(&self) -> &[SparseOperator] {
        &self.operators
    }

    /// Node input features (`nodes x width`) on `device`.
    pub fn features(&self, device: &Device) -> Tensor<2> {
        let nodes = self.node_offsets.last().copied().unwrap_or(0);
        Tensor::from_data(
            TensorData::new(self.features.clone(), [nodes, self.width]),
            device,
        )
    }

    /// Graph `g` owns nodes `node_offsets[g]..node_offsets[g + 1]`.
    pub fn node_offsets(&self) -> &[usize] {
        &self.node_offsets
    }

    /// Graph labels.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Number of graphs.
    pub fn num_graphs(&self) -> usize {
        self.labels.len()
    }

    /// Number of nodes of all graphs together.
    pub fn num_nodes(&self) -> usize {
        self.node_offsets.last().copied().unwrap_or(0)
    }

    /// One-hot labels (`graphs x num_classes`) on `device`.
    pub fn one_hot_labels(&self, num_classes: usize, device: &Device) -> Tensor<2> {
        let mut values = vec![0.0f32; self.labels.len() * num_classes];
        for (row, &label) in self.labels.iter().enumerate() {
            values[row * num_classes + label] = 1.0;
        }
        Tensor::from_data(
            TensorData::new(values, [self.labels.len(), num_classes]),
            device,
        )
    }
}

#[cfg(test)]
mod auto_features_tests {
    use super::*;
    use cinder_graph::{Direction, FeatureMatrix};

    fn path(nodes: usize) -> Graph {
        let sources: Vec<u32> = (0..nodes as u32 - 1).collect();
        let targets: Vec<u32> = (1..nodes as u32).collect();
        Graph::from_coordinates(nodes, sources, targets, Direction::Undirected).unwrap()
    }

    #[test]
    fn auto_never_picks_an_input_without_information() {
        // IMDB-style: every node label 0 → one-hot degree, not a constant column.
        let constant_labels: Vec<Graph> = [3, 4]
            .iter()
            .map(|&n| {
                path(n)
                    .with_node_labels(vec![0; n])
                    .unwrap()
                    .with_graph_label(n % 2)
            })
            .collect();
        let (resolved, why) = resolve_auto_features(&constant_labels);
        assert_eq!(resolved, InputFeatures::Degree { cap: 2 });
        assert!(why.contains("same label"), "{why}");
        // Labels that vary are used.
        let labelled = vec![path(3).with_node_labels(vec![0, 1, 0]).unwrap()];
        assert_eq!(
            resolve_auto_features(&labelled).0,
            InputFeatures::NodeLabels
        );
        // Constant features fall through to the labels, varying ones are used.
        let constant_features = vec![
            path(3)
                .with_node_features(FeatureMatrix::constant(3, 2, 1.0).unwrap())
                .unwrap()
                .with_node_labels(vec![2, 0, 1])
                .unwrap(),
        ];
        assert_eq!(
            resolve_auto_features(&constant_features).0,
            InputFeatures::NodeLabels
        );
        let varying = vec![
            path(2)
                .with_node_features(FeatureMatrix::dense(2, 1, vec![0.0, 1.0]).unwrap())
                .unwrap(),
        ];
        assert_eq!(resolve_auto_features(&varying).0, InputFeatures::Given);
        let bare = vec![path(5)];
        let (resolved, why) = resolve_auto_features(&bare);
        assert_eq!(resolved, InputFeatures::Degree { cap: 2 });
        assert!(why.contains("neither"), "{why}");
        // GraphSet resolves Auto the same way.
        let set = GraphSet::new(&constant_labels, Propagation::Gcn, InputFeatures::Auto).unwrap();
        assert_eq!(set.features(), InputFeatures::Degree { cap: 2 });
        assert_eq!(set.width(), 3);
    }
}
