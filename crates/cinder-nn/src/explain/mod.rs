//! Explanations: GNNExplainer on operators with tracked edge multipliers, node and graph
//! explanations, their metrics (fidelity, ROC AUC, mask mass), edge ablation, and the JK-GCN of the
//! explainer's synthetic benchmarks.

pub(crate) mod edge_ablation;
pub(crate) mod explainer;
pub(crate) mod graphs;
pub(crate) mod jk_gcn;
pub(crate) mod metrics;
pub(crate) mod nodes;
