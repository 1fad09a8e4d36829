//! Polygon meshes (OBJ, OFF, PLY) and the graphs of their edges.

pub(crate) mod mesh;
pub(crate) mod ply;
pub(crate) mod polygon_mesh;
