//! Explaining graph-classification predictions: GNNExplainer on one graph of a [`GraphSet`] with
//! a trained [`GraphClassifier`] (GCN or GIN; the relational GCN has one operator per bond type
//! and is not masked here).

use burn::module::Module;
use burn::tensor::Device;
use serde::Serialize;

use crate::error::{NnError, Result};
use crate::explain::explainer::{ExplainerConfig, Explanation, ExplanationTarget, explain};
use crate::explain::metrics::{EdgeSelection, prediction_changes};
use crate::graph_level::batches::GraphSet;
use crate::graph_level::models::GraphClassifier;

/// One explained graph.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedGraph {
    /// Index of the graph in its set.
    pub graph: usize,
    /// Its label.
    pub label: usize,
    /// The explanation (edges in the graph's own node ids).
    pub explanation: Explanation,
    /// Prediction changed without the explanation subgraph / with only it.
    pub changes: (bool, bool),
}

/// Explains `model`'s prediction for graph `graph` of `set`. `device` must be an autodiff
/// device; the model is moved there and frozen (batch norm uses its running statistics).
pub fn explain_graph(
    model: &GraphClassifier,
    set: &GraphSet,
    graph: usize,
    config: &ExplainerConfig,
    selection: EdgeSelection,
    device: &Device,
) -> Result<ExplainedGraph> {
    if graph >= set.len() {
        return Err(NnError::InvalidOption {
            option: "graph",
            reason: format!("graph {graph} is not below the set's size {}", set.len()),
        });
    }
    if matches!(model, GraphClassifier::Rgcn(_)) {
        return Err(NnError::InvalidOption {
            option: "model",
            reason: "the relational GCN propagates over one operator per bond type; explain a \
                     GCN or GIN model (train with --ignore-edge-types)"
                .into(),
        });
    }
    if !device.is_autodiff() {
        return Err(NnError::InvalidOption {
            option: "device",
            reason: "explanations learn masks by gradient: pass an autodiff device".into(),
        });
    }
    let frozen = model.clone().to_device(device).freeze();
    let batch = set.collate(&[graph])?;
    let features = batch.features(device);
    let forward = |operator: &crate::SparseOperator, x| {
        frozen.forward_with(&batch, std::slice::from_ref(operator), x, None)
    };
    let operator = &batch.operators()[0];
    let explanation = explain(
        forward,
        operator,
        &features,
        ExplanationTarget::Graph,
        config,
    )?;
    let changes = prediction_changes(
        forward,
        operator,
        &features,
        ExplanationTarget::Graph,
        &explanation,
        selection,
    )?;
    Ok(ExplainedGraph {
        graph,
        label: batch.labels()[0],
        explanation,
        changes,
    })
}
