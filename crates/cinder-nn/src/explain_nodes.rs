//! Explaining many node predictions of a trained [`JkGcn`] and scoring them: the mean ROC AUC of
//! the edge masks against ground-truth edges (where known) and fidelity over all of them — the
//! protocol of GNNExplainer's synthetic benchmarks (every motif node explained; AUC over the
//! messages of its computation subgraph, motif edges positive).

use serde::Serialize;

use crate::error::Result;
use crate::explain::{ExplainerConfig, Explanation, ExplanationTarget, explain};
use crate::explain_metrics::{EdgeSelection, fidelity, prediction_changes, roc_auc};
use crate::jk_gcn::TrainedJkGcn;
use crate::random::derive_seed;

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
/// `truth(source, target)` says whether a message lies on a ground-truth edge.
pub fn explain_nodes(
    trained: &TrainedJkGcn,
    labels: Option<&[usize]>,
    nodes: &[usize],
    truth: Option<&(dyn Fn(usize, usize) -> bool + Sync)>,
    config: &ExplainerConfig,
    selection: EdgeSelection,
) -> Result<NodeExplanations> {
    let model = |operator: &crate::SparseOperator, x| trained.model.forward(operator, x);
    let hops = trained.model.hops();
    let explained: Vec<ExplainedNode> = nodes
        .iter()
        .map(|&node| -> Result<ExplainedNode> {
            let target = ExplanationTarget::Node { node, hops };
            let node_config = ExplainerConfig {
                seed: derive_seed(config.seed, node as u64),
                ..*config
            };
            let explanation = explain(
                model,
                &trained.operator,
                &trained.features,
                target,
                &node_config,
            )?;
            let changes = prediction_changes(
                model,
                &trained.operator,
                &trained.features,
                target,
                &explanation,
                selection,
            )?;
            let auc = truth.and_then(|truth| {
                let positives: Vec<bool> = explanation
                    .edges
                    .iter()
                    .map(|&(source, target)| truth(source, target))
                    .collect();
                roc_auc(&explanation.edge_mask, &positives)
            });
            Ok(ExplainedNode {
                node,
                label: labels.and_then(|l| l.get(node).copied()),
                explanation,
                auc,
                changes,
            })
        })
        .collect::<Result<_>>()?;
    let aucs: Vec<f64> = explained.iter().filter_map(|e| e.auc).collect();
    let changes: Vec<(bool, bool)> = explained.iter().map(|e| e.changes).collect();
    let (fidelity_plus, fidelity_minus) = fidelity(&changes);
    Ok(NodeExplanations {
        explanation_auc: (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64),
        nodes: explained,
        fidelity_plus,
        fidelity_minus,
    })
}
