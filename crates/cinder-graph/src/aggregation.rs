//! Full-neighbourhood aggregation of node rows straight from an [`InNeighbours`] CSR — the host
//! kernel of exact layer-wise inference: layer `l` for a chunk of nodes reads the previous
//! layer's rows of *all* nodes in place (no gather, no per-chunk operator).

use std::ops::Range;

use rayon::prelude::*;

use crate::features::FeatureMatrix;
use crate::in_neighbours::InNeighbours;
use crate::kernels::prefetch::{PREFETCH_AHEAD, prefetch};
use crate::kernels::zeroed::par_zeroed_chunks;
use crate::sampling::{Block, BlockWeights};

/// `out[i] = Σⱼ w(i, j) · h[j]` over every in-neighbour `j` of each node `i` of a chunk, with the
/// weights of a [`BlockWeights`] block sampled with `Fanout::All`: the mean over the
/// neighbours, or the GCN operator `1/d̂ᵢ · hᵢ + Σ_{j≠i} hⱼ / √(d̂ᵢ d̂ⱼ)`.
#[derive(Debug)]
pub struct FullAggregation<'a> {
    graph: &'a InNeighbours,
    weights: BlockWeights,
    inverse_sqrt_degrees: Vec<f32>,
}

impl<'a> FullAggregation<'a> {
    /// The aggregation over `graph` with `weights`.
    pub fn new(graph: &'a InNeighbours, weights: BlockWeights) -> Self {
        let inverse_sqrt_degrees = match weights {
            BlockWeights::Gcn => graph.gcn_inverse_sqrt_degrees(),
            BlockWeights::Mean => Vec::new(),
        };
        Self {
            graph,
            weights,
            inverse_sqrt_degrees,
        }
    }

    /// The aggregated rows of `nodes` (row-major, `nodes.len() x width`) of a dense row-major
    /// matrix `h` with `width` columns and one row per node.
    pub fn dense(&self, h: &[f32], width: usize, nodes: Range<usize>) -> Vec<f32> {
        self.accumulate(
            width,
            nodes,
            |out, node, scale| {
                for (o, &v) in out.iter_mut().zip(&h[node * width..(node + 1) * width]) {
                    *o += scale * v;
                }
            },
            |node| prefetch(h, node * width, width),
        )
    }

    /// The aggregated rows of `nodes` of node features (dense or sparse; the output is dense).
    pub fn features(&self, features: &FeatureMatrix, nodes: Range<usize>) -> Vec<f32> {
        match features {
            FeatureMatrix::Dense(matrix) => self.dense(matrix.values(), matrix.columns(), nodes),
            FeatureMatrix::Sparse(matrix) => {
                let (indptr, indices, data) = (matrix.indptr(), matrix.indices(), matrix.data());
                let indptr = indptr.raw_storage();
                self.accumulate(
                    matrix.cols(),
                    nodes,
                    |out, node, scale| {
                        for k in indptr[node]..indptr[node + 1] {
                            out[indices[k] as usize] += scale * data[k];
                        }
                    },
                    |_| {},
                )
            }
        }
    }

    /// Rows of `nodes`: `add(row, j, scale)` for each term, `ahead(j)` for the neighbour
    /// [`PREFETCH_AHEAD`] places further on (a cache hint).
    fn accumulate(
        &self,
        width: usize,
        nodes: Range<usize>,
        add: impl Fn(&mut [f32], usize, f32) + Sync,
        ahead: impl Fn(usize) + Sync,
    ) -> Vec<f32> {
        if width == 0 {
            return Vec::new();
        }
        let start = nodes.start;
        par_zeroed_chunks(nodes.len() * width, width, 64, |offset, row| {
            let node = start + offset;
            let neighbours = self.graph.neighbours(node);
            match self.weights {
                BlockWeights::Mean => {
                    if !neighbours.is_empty() {
                        let scale = 1.0 / neighbours.len() as f32;
                        for (i, &j) in neighbours.iter().enumerate() {
                            if let Some(&next) = neighbours.get(i + PREFETCH_AHEAD) {
                                ahead(next as usize);
                            }
                            add(row, j as usize, scale);
                        }
                    }
                }
                BlockWeights::Gcn => {
                    let inverse = &self.inverse_sqrt_degrees;
                    let self_weight = self.graph.gcn_self_weight(node) as f32;
                    add(row, node, self_weight * inverse[node] * inverse[node]);
                    for (i, &j) in neighbours.iter().enumerate() {
                        if let Some(&next) = neighbours.get(i + PREFETCH_AHEAD) {
                            ahead(next as usize);
                        }
                        if j as usize != node {
                            add(row, j as usize, inverse[node] * inverse[j as usize]);
                        }
                    }
                }
            }
        })
    }
}

/// The rows `nodes` of node features as a dense row-major buffer (sparse rows are expanded).
pub fn gather_feature_rows(features: &FeatureMatrix, nodes: &[u32]) -> Vec<f32> {
    let width = features.columns();
    let mut out = vec![0.0f32; nodes.len() * width];
    if width == 0 {
        return out;
    }
    match features {
        FeatureMatrix::Dense(matrix) => {
            let values = matrix.values();
            out.par_chunks_mut(width)
                .with_min_len(256)
                .zip(nodes.par_iter())
                .for_each(|(row, &node)| {
                    let node = node as usize;
                    row.copy_from_slice(&values[node * width..(node + 1) * width]);
                });
        }
        FeatureMatrix::Sparse(matrix) => {
            let (indices, data) = (matrix.indices(), matrix.data());
            let indptr = matrix.indptr();
            let indptr = indptr.raw_storage();
            out.par_chunks_mut(width)
                .with_min_len(256)
                .zip(nodes.par_iter())
                .for_each(|(row, &node)| {
                    let node = node as usize;
                    for k in indptr[node]..indptr[node + 1] {
                        row[indices[k] as usize] += data[k];
                    }
                });
        }
    }
    out
}

/// The rows of `block · X` for node features `X` indexed by global node id: row `r` is
/// `Σₖ weights[k] · X[source_nodes[indices[k]]]` over the entries of row `r` — a first layer's
/// aggregation read straight from the feature matrix, without gathering the block's input rows
/// (the input features carry no gradient, so the product can happen before the tensor exists).
/// With `with_own`, each row is followed by the destination node's own features: rows
/// `[Σ w·x | x_dst]` of width `2F`, a SAGE layer's two inputs side by side.
pub fn aggregate_block(block: &Block, features: &FeatureMatrix, with_own: bool) -> Vec<f32> {
    let width = features.columns();
    let stride = if with_own { 2 * width } else { width };
    if width == 0 {
        return Vec::new();
    }
    let add = |out: &mut [f32], node: usize, weight: f32| match features {
        FeatureMatrix::Dense(matrix) => {
            let values = &matrix.values()[node * width..(node + 1) * width];
            for (o, &v) in out.iter_mut().zip(values) {
                *o += weight * v;
            }
        }
        FeatureMatrix::Sparse(matrix) => {
            let indptr = matrix.indptr();
            let indptr = indptr.raw_storage();
            for e in indptr[node]..indptr[node + 1] {
                out[matrix.indices()[e] as usize] += weight * matrix.data()[e];
            }
        }
    };
    par_zeroed_chunks(block.destinations * stride, stride, 64, |row, out| {
        let (sum, own) = out.split_at_mut(width);
        for k in block.indptr[row]..block.indptr[row + 1] {
            if let (FeatureMatrix::Dense(matrix), Some(&ahead)) =
                (features, block.indices.get(k + PREFETCH_AHEAD))
            {
                let node = block.source_nodes[ahead as usize] as usize;
                prefetch(matrix.values(), node * width, width);
            }
            let node = block.source_nodes[block.indices[k] as usize] as usize;
            add(sum, node, block.weights[k]);
        }
        if with_own {
            add(own, block.source_nodes[row] as usize, 1.0);
        }
    })
}
