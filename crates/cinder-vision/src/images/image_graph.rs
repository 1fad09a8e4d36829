//! Images as a graph: CNN embeddings become node features, a symmetrized cosine
//! k-nearest-neighbour graph joins similar images (edge weight = similarity), and folder classes
//! become node labels. What `cinder image graph` and the demo build.

use cinder_graph::{FeatureMatrix, Graph, cosine_knn_graph, pca_reduce};

use crate::error::{Result, VisionError};
use crate::images::embed::Embeddings;

/// How the image graph is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageGraphOptions {
    /// Neighbours per image (the union of both directions becomes one undirected edge).
    pub k: usize,
    /// Reduce the node features to their first principal components (neighbours are still found
    /// on the full embeddings).
    pub pca: Option<usize>,
}

impl Default for ImageGraphOptions {
    fn default() -> Self {
        Self { k: 10, pca: None }
    }
}

/// The embeddings as node features `(values, width)`: as they are, or reduced to their first
/// `pca` principal components. Shared by the image graph and `cinder image node-features`.
pub fn embedding_features(
    embeddings: &Embeddings,
    pca: Option<usize>,
) -> Result<(Vec<f32>, usize)> {
    Ok(match pca {
        Some(k) => (
            pca_reduce(&embeddings.values, embeddings.rows, embeddings.dims, k)?,
            k,
        ),
        None => (embeddings.values.clone(), embeddings.dims),
    })
}

/// The image graph of `embeddings` (one row per image), labelled by `labels` when given.
pub fn image_similarity_graph(
    embeddings: &Embeddings,
    labels: Option<&[usize]>,
    options: ImageGraphOptions,
) -> Result<Graph> {
    if options.k == 0 {
        return Err(VisionError::InvalidArgument(
            "k must be at least 1 (neighbours per image)".into(),
        ));
    }
    if embeddings.rows < 2 {
        return Err(VisionError::InvalidArgument(format!(
            "an image graph needs at least 2 images, got {}",
            embeddings.rows
        )));
    }
    let (features, width) = embedding_features(embeddings, options.pca)?;
    let mut graph = cosine_knn_graph(
        &embeddings.values,
        embeddings.rows,
        embeddings.dims,
        options.k,
    )?
    .with_node_features(FeatureMatrix::dense(embeddings.rows, width, features)?)?;
    if let Some(labels) = labels {
        graph = graph.with_node_labels(labels.to_vec())?;
    }
    Ok(graph)
}

/// The share of a labelled graph's edges that join two nodes of the same class (the graph's
/// homophily); `None` without labels or edges.
pub fn same_class_edge_fraction(graph: &Graph) -> Option<f64> {
    let labels = graph.node_labels()?;
    let edges = graph.num_edges();
    (edges > 0).then(|| {
        graph
            .edges()
            .filter(|&(s, t)| labels[s] == labels[t])
            .count() as f64
            / edges as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embeddings(values: Vec<f32>, rows: usize) -> Embeddings {
        Embeddings {
            dims: values.len() / rows,
            values,
            rows,
            cached: 0,
            computed: rows,
        }
    }

    #[test]
    fn two_clusters_become_two_components_with_labels() {
        // Two tight directions: rows 0-2 near (1, 0), rows 3-5 near (0, 1).
        let values = vec![
            1.0, 0.01, 1.0, 0.02, 1.0, 0.03, 0.01, 1.0, 0.02, 1.0, 0.03, 1.0,
        ];
        let data = embeddings(values, 6);
        let labels = [0, 0, 0, 1, 1, 1];
        let graph =
            image_similarity_graph(&data, Some(&labels), ImageGraphOptions { k: 2, pca: None })
                .unwrap();
        assert_eq!(graph.num_nodes(), 6);
        assert_eq!(graph.num_edges(), 6);
        assert_eq!(same_class_edge_fraction(&graph), Some(1.0));
        let reduced = image_similarity_graph(
            &data,
            Some(&labels),
            ImageGraphOptions { k: 2, pca: Some(1) },
        )
        .unwrap();
        assert_eq!(reduced.node_features().unwrap().columns(), 1);
        assert!(
            image_similarity_graph(&data, None, ImageGraphOptions { k: 0, pca: None }).is_err()
        );
        assert!(
            image_similarity_graph(&data, Some(&labels[..5]), ImageGraphOptions::default())
                .is_err()
        );
        let unlabelled = image_similarity_graph(&data, None, ImageGraphOptions::default()).unwrap();
        assert_eq!(same_class_edge_fraction(&unlabelled), None);
    }
}
