//! Graph file formats, one loader per file: Planetoid, TU, GIN text, MUSAE, CSV graphs, SDF
//! molecules and `.npy` graph directories.

pub(crate) mod csv_graph;
pub(crate) mod gin_text;
pub(crate) mod graph_directory;
pub(crate) mod musae;
pub(crate) mod planetoid;
pub(crate) mod sdf;
pub(crate) mod tu;
