//! A polygon mesh (vertices, optional normals, faces) and its graph: vertex nodes with their
//! coordinates as features, every polygon's boundary as undirected edges, each vertex pair once
//! (as PyG's `FaceToEdge`). The OBJ/OFF parsers (`mesh.rs`) and the PLY parser (`ply.rs`) produce
//! it.

use std::collections::BTreeSet;
use std::path::Path;

use cinder_graph::{Direction, FeatureMatrix, Graph};

use crate::error::{DatasetError, Result};

/// A polygon mesh as read from a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mesh {
    /// Vertex coordinates.
    pub positions: Vec<[f32; 3]>,
    /// One normal per vertex, when the file defines them for every vertex.
    pub normals: Option<Vec<[f32; 3]>>,
    /// Polygons as vertex indices (0-based).
    pub faces: Vec<Vec<u32>>,
}

impl Mesh {
    /// The polygon boundaries as sorted, deduplicated undirected edges `(low, high)`; degenerate
    /// edges (a vertex repeated in a row) are dropped.
    pub fn unique_edges(&self) -> Vec<(usize, usize)> {
        let mut edges = BTreeSet::new();
        for face in &self.faces {
            for (i, &a) in face.iter().enumerate() {
                let b = face[(i + 1) % face.len()];
                if a != b {
                    edges.insert((a.min(b) as usize, a.max(b) as usize));
                }
            }
        }
        edges.into_iter().collect()
    }

    /// The mesh graph: vertex nodes with `x, y, z` (then `nx, ny, nz`) features and boundary
    /// edges. `path` names the file in errors.
    pub fn to_graph(&self, path: &Path) -> Result<Graph> {
        let columns = if self.normals.is_some() { 6 } else { 3 };
        let mut values = Vec::with_capacity(self.positions.len() * columns);
        for (vertex, position) in self.positions.iter().enumerate() {
            values.extend_from_slice(position);
            if let Some(normals) = &self.normals {
                values.extend_from_slice(&normals[vertex]);
            }
        }
        let graph_error = |source| DatasetError::Graph {
            path: path.to_path_buf(),
            source,
        };
        let features =
            FeatureMatrix::dense(self.positions.len(), columns, values).map_err(graph_error)?;
        Graph::from_edges(
            self.positions.len(),
            self.unique_edges(),
            Direction::Undirected,
        )
        .and_then(|g| g.with_node_features(features))
        .map_err(graph_error)
    }

    pub(crate) fn check_faces(&self, path: &Path) -> Result<()> {
        let vertices = self.positions.len();
        for (index, face) in self.faces.iter().enumerate() {
            if let Some(&vertex) = face.iter().find(|&&v| v as usize >= vertices) {
                return Err(DatasetError::Format {
                    path: path.to_path_buf(),
                    reason: format!(
                        "face {index} references vertex {vertex}, but the mesh has {vertices} vertices"
                    ),
                });
            }
        }
        Ok(())
    }
}
