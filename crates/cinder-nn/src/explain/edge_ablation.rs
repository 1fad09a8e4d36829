//! Does the graph help? The same two-layer GCN trained on a graph and on the graph without its
//! edges (then it is an MLP on the node features), from few labelled nodes per class, over several
//! seeds: the experiment behind `cinder image graph --labels-per-class` and the demo.

use burn::tensor::Device;
use cinder_graph::{Direction, Graph, few_labels_split};

use crate::error::{NnError, Result};
use crate::node::config::NodeTrainingConfig;
use crate::node::training::train_node_model;
use crate::statistics::mean_std;

/// Test accuracies of the GCN with and without the graph's edges, one per seed.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeAblation {
    /// Labelled (training) nodes per class; as many again validate, the rest test.
    pub labels_per_class: usize,
    /// The GCN on the graph, one test accuracy per seed.
    pub with_edges: Vec<f64>,
    /// The same model on the edgeless graph (an MLP), one per seed.
    pub without_edges: Vec<f64>,
    /// Test nodes per seed.
    pub test_nodes: usize,
}

impl EdgeAblation {
    /// Mean and (population) standard deviation of the GCN's accuracies.
    pub fn with_edges_mean_std(&self) -> (f64, f64) {
        mean_std(&self.with_edges)
    }

    /// Mean and (population) standard deviation of the MLP's accuracies.
    pub fn without_edges_mean_std(&self) -> (f64, f64) {
        mean_std(&self.without_edges)
    }
}

/// `graph` without its edges (same nodes, features and labels).
pub fn without_edges(graph: &Graph) -> Result<Graph> {
    let mut edgeless = Graph::from_coordinates(
        graph.num_nodes(),
        Vec::new(),
        Vec::new(),
        Direction::Undirected,
    )?;
    if let Some(features) = graph.node_features() {
        edgeless = edgeless.with_node_features(features.clone())?;
    }
    if let Some(labels) = graph.node_labels() {
        edgeless = edgeless.with_node_labels(labels.to_vec())?;
    }
    Ok(edgeless)
}

/// Trains `config`'s GCN on `graph` and on `graph` without edges for seeds `0..seeds`, each seed
/// drawing its own split (`labels_per_class` training and as many validation nodes per class) and
/// initialization; `progress` is called after each seed.
pub fn edge_ablation(
    graph: &Graph,
    labels_per_class: usize,
    seeds: u64,
    config: &NodeTrainingConfig,
    device: &Device,
    mut progress: impl FnMut(u64),
) -> Result<EdgeAblation> {
    let labels = graph.node_labels().ok_or(NnError::InvalidOption {
        option: "labels",
        reason: "the edge ablation needs node labels".into(),
    })?;
    if labels_per_class == 0 || seeds == 0 {
        return Err(NnError::InvalidOption {
            option: "labels_per_class",
            reason: format!(
                "needs at least 1 labelled node per class and 1 seed (got {labels_per_class} and {seeds})"
            ),
        });
    }
    let edgeless = without_edges(graph)?;
    let mut ablation = EdgeAblation {
        labels_per_class,
        with_edges: Vec::new(),
        without_edges: Vec::new(),
        test_nodes: 0,
    };
    for seed in 0..seeds {
        let split = few_labels_split(labels, labels_per_class, labels_per_class, seed)?;
        ablation.test_nodes = split.test.len();
        let config = config.clone().with_seed(seed);
        ablation.with_edges.push(
            train_node_model(graph, &split, &config, device)?
                .1
                .test_accuracy,
        );
        ablation.without_edges.push(
            train_node_model(&edgeless, &split, &config, device)?
                .1
                .test_accuracy,
        );
        progress(seed);
    }
    Ok(ablation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::config::NodeModelConfig;

    #[test]
    fn on_the_karate_club_the_edges_carry_what_identity_features_cannot() {
        // Identity features: without edges a node's features say nothing about unseen nodes, so
        // the MLP guesses; with the friendships the GCN recovers the factions.
        let graph = cinder_graph::karate_club();
        assert!(graph.node_labels().is_some());
        let config = NodeTrainingConfig::new()
            .with_epochs(100)
            .with_patience(0)
            .with_model(NodeModelConfig::new().with_dropout(0.0));
        let device = Device::flex().autodiff();
        let mut seen = Vec::new();
        let ablation = edge_ablation(&graph, 2, 3, &config, &device, |s| seen.push(s)).unwrap();
        assert_eq!(seen, vec![0, 1, 2]);
        assert_eq!(ablation.with_edges.len(), 3);
        assert_eq!(ablation.test_nodes, 34 - 8);
        let (gcn, _) = ablation.with_edges_mean_std();
        let (mlp, _) = ablation.without_edges_mean_std();
        assert!(gcn > 0.8, "GCN {gcn}");
        assert!(gcn > mlp + 0.2, "GCN {gcn} vs MLP {mlp}");
        let edgeless = without_edges(&graph).unwrap();
        assert_eq!(edgeless.num_edges(), 0);
        assert_eq!(edgeless.node_labels(), graph.node_labels());
        assert!(edge_ablation(&graph, 0, 3, &config, &device, |_| {}).is_err());
    }
}
