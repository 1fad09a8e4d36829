//! Images in: preprocessing, embeddings of image sets, region graphs and image similarity graphs.

pub mod embed;
pub mod image_graph;
pub mod preprocess;
pub mod regions;
