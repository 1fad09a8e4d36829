//! Explaining many node predictions of a trained [`JkGcn`] and scoring them: the mean ROC AUC of
//! the edge masks against ground-truth edges (where known) and fidelity over all of them — the
//! protocol of GNNExplainer's synthetic benchmarks (every motif node explained; AUC over the
//! edges of its computation subgraph, the edges of its own motif positive).
//!
//! The edges scored for a node are those of its computation subgraph, the subgraph induced by
//! the nodes within `hops` hops — as both reference evaluations score them (Ying et al.'s
//! `explain_nodes_gnn_stats` over the masked neighbourhood adjacency, PyG's benchmark over the
//! `k_hop_subgraph` edges). Edges of that subgraph whose messages cannot reach the target (both
//! ends `hops` hops away) carry no mask parameter and score 0, as in PyG's explanations.

use std::collections::HashSet;

use burn::tensor::Tensor;
use serde::Serialize;

use crate::error::Result;
use crate::explain::explainer::{ExplainerConfig, Explanation, ExplanationTarget, explain};
use crate::explain::jk_gcn::TrainedJkGcn;
use crate::explain::metrics::{EdgeSelection, fidelity, prediction_changes};
use crate::init::derive_seed;
use crate::metrics::roc_auc;
use crate::ops::operator::SparseOperator;

/// One explained node.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedNode {
    /// The node.
    pub node: usize,
    /// Its label, where the graph has labels.
    pub label: Option<usize>,
    /// The explanation.
    pub explanation: Explanation,
    /// ROC AUC of the edge mask against the ground truth (`None` without ground truth, or when
    /// the computation subgraph holds only one kind of edge).
    pub auc: Option<f64>,
    /// What the AUC was computed from: `(mask, in the ground truth)` per edge of the
    /// computation subgraph (empty without ground truth). Pooling these over nodes gives the
    /// reference implementations' single AUC over many explanations.
    #[serde(skip)]
    pub scored_edges: Vec<(f32, bool)>,
    /// Prediction changed without the explanation subgraph / with only it.
    pub changes: (bool, bool),
}

/// Many explained nodes and their summary.
#[derive(Debug, Clone, Serialize)]
pub struct NodeExplanations {
    /// Per node.
    pub nodes: Vec<ExplainedNode>,
    /// Mean of the per-node AUCs that exist.
    pub explanation_auc: Option<f64>,
    /// Fidelity+ over all explained nodes.
    pub fidelity_plus: f64,
    /// Fidelity− over all explained nodes.
    pub fidelity_minus: f64,
}

/// Explains `nodes` of a trained model, one after the other (each node's mask seeded from
/// `config.seed` and the node). Not parallel over nodes: Burn's autodiff graph and the
/// kernels' own rayon parallelism deadlock when nested, and the kernels already use the cores.
/// `truth(node, source, target)` says whether the edge `source`–`target` belongs to the
/// ground-truth explanation of `node` (for the motif benchmarks: `node`'s own motif).
pub fn explain_nodes(
    trained: &TrainedJkGcn,
    labels: Option<&[usize]>,
    nodes: &[usize],
    truth: Option<&(dyn Fn(usize, usize, usize) -> bool + Sync)>,
    config: &ExplainerConfig,
    selection: EdgeSelection,
) -> Result<NodeExplanations> {
    explain_nodes_of(
        |operator: &SparseOperator, x| trained.model.forward(operator, x),
        trained.model.hops(),
        &trained.operator,
        &trained.features,
        labels,
        nodes,
        truth,
        config,
        selection,
    )
}

/// [`explain_nodes`] for any model: `model(operator, features)` returns the logits and reads
/// the graph only through `operator` (see [`explain`]); `hops` is its receptive field;
/// `operator` and `features` (on an autodiff device) are the whole graph's.
#[allow(clippy::too_many_arguments)]
pub fn explain_nodes_of<F>(
    model: F,
    hops: usize,
    operator: &SparseOperator,
    features: &Tensor<2>,
    labels: Option<&[usize]>,
    nodes: &[usize],
    truth: Option<&(dyn Fn(usize, usize, usize) -> bool + Sync)>,
    config: &ExplainerConfig,
    selection: EdgeSelection,
) -> Result<NodeExplanations>
where
    F: Fn(&SparseOperator, Tensor<2>) -> Result<Tensor<2>> + Copy,
{
    let explained: Vec<ExplainedNode> = nodes
        .iter()
        .map(|&node| -> Result<ExplainedNode> {
            let target = ExplanationTarget::Node { node, hops };
            let node_config = ExplainerConfig {
                seed: derive_seed(config.seed, node as u64),
                ..*config
            };
            let explanation = explain(model, operator, features, target, &node_config)?;
            let changes =
                prediction_changes(model, operator, features, target, &explanation, selection)?;
            let scored_edges = truth.map_or_else(Vec::new, |truth| {
                scored_edges(operator, &explanation, node_config.undirected)
                    .into_iter()
                    .map(|((source, target), mask)| (mask, truth(node, source, target)))
                    .collect()
            });
            let auc = (!scored_edges.is_empty())
                .then(|| {
                    let (scores, positives): (Vec<f32>, Vec<bool>) =
                        scored_edges.iter().copied().unzip();
                    roc_auc(&scores, &positives)
                })
                .flatten();
            Ok(ExplainedNode {
                node,
                label: labels.and_then(|l| l.get(node).copied()),
                explanation,
                auc,
                scored_edges,
                changes,
            })
        })
        .collect::<Result<_>>()?;
    let aucs: Vec<f64> = explained.iter().filter_map(|e| e.auc).collect();
    let changes: Vec<(bool, bool)> = explained.iter().map(|e| e.changes).collect();
    let (fidelity_plus, fidelity_minus) = fidelity(&changes);
    Ok(NodeExplanations {
        explanation_auc: (!aucs.is_empty()).then(|| crate::statistics::mean(&aucs)),
        nodes: explained,
        fidelity_plus,
        fidelity_minus,
    })
}

/// The edges of an explanation's computation subgraph with their mask: the masked edges
/// (messages, or node pairs when `undirected`) and then every other edge between its nodes with
/// mask 0 (those whose messages cannot reach the target).
fn scored_edges(
    operator: &SparseOperator,
    explanation: &Explanation,
    undirected: bool,
) -> Vec<((usize, usize), f32)> {
    let key = |(source, target): (usize, usize)| {
        if undirected {
            (source.min(target), source.max(target))
        } else {
            (source, target)
        }
    };
    let mut seen: HashSet<(usize, usize)> = explanation.edges.iter().map(|&e| key(e)).collect();
    let mut scored: Vec<((usize, usize), f32)> = explanation
        .edges
        .iter()
        .copied()
        .zip(explanation.edge_mask.iter().copied())
        .collect();
    let (sub, _) = operator.restricted(&explanation.nodes);
    for (row, column) in sub.coordinates() {
        if row == column {
            continue;
        }
        let edge = (explanation.nodes[column], explanation.nodes[row]);
        if seen.insert(key(edge)) {
            scored.push((edge, 0.0));
        }
    }
    scored
}
