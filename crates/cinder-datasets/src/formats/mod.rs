//! Graph file formats, one loader per file: Planetoid, TU, GIN text, MUSAE, CSV graphs, SDF
//! molecules, `.npy` graph directories, plain edge lists and OGB's link-prediction sets.

pub(crate) mod csv_graph;
pub(crate) mod edge_list;
pub(crate) mod gin_text;
pub(crate) mod graph_directory;
pub(crate) mod musae;
pub(crate) mod ogb_link;
pub(crate) mod planetoid;
pub(crate) mod sdf;
pub(crate) mod tu;
