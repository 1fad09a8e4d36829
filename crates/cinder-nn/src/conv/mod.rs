//! Graph convolution layers, one per file; each file's doc comment carries the layer's formula.

pub(crate) mod appnp;
pub(crate) mod attention_edges;
pub(crate) mod cheb;
pub(crate) mod edge_conv;
pub(crate) mod gat;
pub(crate) mod gatv2;
pub(crate) mod gcn;
pub(crate) mod gin;
pub(crate) mod graph_conv;
pub(crate) mod relational;
pub(crate) mod sage;
pub(crate) mod sg;
pub(crate) mod tag;
