//! [`SparseOperator`]: a constant CSR matrix ready for differentiable propagation, with its
//! transpose cached for the backward pass.

use std::sync::Arc;

use burn::tensor::Tensor;
use cinder_graph::{Block, SparseMatrix};

use crate::error::{NnError, Result};

/// CSR storage the propagation kernels read directly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Csr {
    pub(crate) rows: usize,
    pub(crate) columns: usize,
    pub(crate) indptr: Vec<usize>,
    pub(crate) indices: Vec<u32>,
    pub(crate) values: Vec<f32>,
}

impl Csr {
    fn from_matrix(matrix: &SparseMatrix) -> Self {
        let (rows, columns) = matrix.shape();
        Self {
            rows,
            columns,
            indptr: matrix.indptr().to_proper().into_owned(),
            indices: matrix.indices().to_vec(),
            values: matrix.data().to_vec(),
        }
    }

    pub(crate) fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The transpose (a counting sort by column; rows are visited in order, so each row of the
    /// transpose comes out sorted) and, for each of its entries, the entry of `self` it came from.
    fn transpose_with_source(&self) -> (Self, Vec<u32>) {
        let mut indptr = vec![0usize; self.columns + 1];
        for &column in &self.indices {
            indptr[column as usize + 1] += 1;
        }
        for column in 0..self.columns {
            indptr[column + 1] += indptr[column];
        }
        let mut cursor = indptr[..self.columns].to_vec();
        let mut indices = vec![0u32; self.nnz()];
        let mut source = vec![0u32; self.nnz()];
        for row in 0..self.rows {
            for k in self.indptr[row]..self.indptr[row + 1] {
                let slot = &mut cursor[self.indices[k] as usize];
                indices[*slot] = row as u32;
                source[*slot] = k as u32;
                *slot += 1;
            }
        }
        let values = source.iter().map(|&k| self.values[k as usize]).collect();
        let transposed = Self {
            rows: self.columns,
            columns: self.rows,
            indptr,
            indices,
            values,
        };
        (transposed, source)
    }
}

/// Fails on a malformed block: entries out of range, row pointers that do not add up, more
/// destinations than sources, non-finite weights.
fn check_block(block: &Block) -> Result<()> {
    let columns = block.source_nodes.len();
    let malformed = |reason: String| NnError::InvalidOption {
        option: "sampled block",
        reason,
    };
    if block.indptr.len() != block.destinations + 1
        || block.indptr.first() != Some(&0)
        || block.indptr.last() != Some(&block.indices.len())
        || block.indptr.windows(2).any(|w| w[0] > w[1])
        || block.weights.len() != block.indices.len()
        || block.destinations > columns
    {
        return Err(malformed(format!(
            "{} destinations, {} row pointers, {} entries, {} weights, {columns} sources",
            block.destinations,
            block.indptr.len(),
            block.indices.len(),
            block.weights.len()
        )));
    }
    if let Some(k) = block.indices.iter().position(|&c| c as usize >= columns) {
        return Err(malformed(format!(
            "entry {k} has column {} of {columns} sources",
            block.indices[k]
        )));
    }
    if let Some(position) = block.weights.iter().position(|v| !v.is_finite()) {
        return Err(NnError::NonFiniteOperator {
            position,
            value: block.weights[position],
        });
    }
    Ok(())
}

/// A constant sparse matrix `S` (`rows x columns`) for `Y = S · X`: a normalized adjacency from
/// `cinder-graph`, or a sparse input feature matrix (then `Y = X · W` is `propagate(X, W)`).
///
/// Holds `S` and `Sᵀ` (the backward pass computes `∂L/∂X = Sᵀ · ∂L/∂Y`; `S` need not be
/// symmetric). Cloning is cheap (shared storage).
#[derive(Debug, Clone)]
pub struct SparseOperator {
    pub(crate) forward: Arc<Csr>,
    pub(crate) backward: Arc<Csr>,
    /// For each stored entry of `Sᵀ`, the index of the same entry in `S` (to re-use the
    /// transpose's structure when only values change, e.g. under dropout).
    pub(crate) transpose_source: Arc<Vec<u32>>,
    /// Per-entry multipliers `M` (CSR order) of a scaled operator `S ∘ M`; tracked for
    /// gradients when `M` is (see [`SparseOperator::with_multipliers`]).
    pub(crate) multipliers: Option<Box<Tensor<1>>>,
}

impl SparseOperator {
    /// Wraps a CSR matrix, rejecting non-finite values.
    pub fn new(matrix: &SparseMatrix) -> Result<Self> {
        if let Some(position) = matrix.data().iter().position(|v| !v.is_finite()) {
            return Err(NnError::NonFiniteOperator {
                position,
                value: matrix.data()[position],
            });
        }
        if matrix.nnz() > u32::MAX as usize {
            return Err(NnError::TooManyEntries { nnz: matrix.nnz() });
        }
        Ok(Self::from_csr(Csr::from_matrix(matrix)))
    }

    /// The operator of a sampled [`Block`]: `destinations x sources`, its weights as values
    /// (rectangular: a layer's output has one row per destination node). Fails on a malformed
    /// block (entries out of range, row pointers that do not add up, non-finite weights).
    pub fn from_block(block: &Block) -> Result<Self> {
        Self::from_block_owned(block.clone())
    }

    /// [`SparseOperator::from_block`] taking the block's storage without copying it (a
    /// whole-graph block of 100M entries).
    pub fn from_block_owned(block: Block) -> Result<Self> {
        check_block(&block)?;
        Ok(Self::from_csr(Csr {
            rows: block.destinations,
            columns: block.source_nodes.len(),
            indptr: block.indptr,
            indices: block.indices,
            values: block.weights,
        }))
    }

    /// The operator `2·destinations x sources` of a block with each destination's own row after
    /// its aggregation row: row `2i` is the block's row `i`, row `2i + 1` picks destination `i`
    /// itself (weight 1). One product `Y = S · X`, reshaped to `destinations x 2F`, gives the
    /// rows `[Σ w·x | x_dst]` — a SAGE layer's two inputs side by side — and its gradient is
    /// one sparse product. (Reading the root rows as a narrow of `X` instead pads a full-size
    /// zero gradient and adds it to the aggregation's: two serial passes over `X`'s size.)
    pub fn from_block_with_own_rows(block: &Block) -> Result<Self> {
        check_block(block)?;
        let destinations = block.destinations;
        let mut indptr = Vec::with_capacity(2 * destinations + 1);
        let mut indices = Vec::with_capacity(block.nnz() + destinations);
        let mut values = Vec::with_capacity(block.nnz() + destinations);
        indptr.push(0);
        for row in 0..destinations {
            let entries = block.indptr[row]..block.indptr[row + 1];
            indices.extend_from_slice(&block.indices[entries.clone()]);
            values.extend_from_slice(&block.weights[entries]);
            indptr.push(indices.len());
            indices.push(row as u32);
            values.push(1.0);
            indptr.push(indices.len());
        }
        Ok(Self::from_csr(Csr {
            rows: 2 * destinations,
            columns: block.source_nodes.len(),
            indptr,
            indices,
            values,
        }))
    }

    /// Wraps CSR storage built by this crate (values finite; rows may repeat a column, as
    /// parallel edges of a multigraph do).
    pub(crate) fn from_csr(forward: Csr) -> Self {
        let (backward, transpose_source) = forward.transpose_with_source();
        Self {
            forward: Arc::new(forward),
            backward: Arc::new(backward),
            transpose_source: Arc::new(transpose_source),
            multipliers: None,
        }
    }

    /// The operator `S ∘ M`: every stored entry `k` multiplied by `multipliers[k]` (CSR order),
    /// with `M` a tensor that may require gradients. [`crate::ops::propagate`] then computes
    /// `Y = (S ∘ M) · X` and, on Flex, `∂L/∂M[k] = S[k] · ⟨∂L/∂Y[row k], X[column k]⟩` with a
    /// row-parallel kernel (Burn ops elsewhere). This is how an edge mask enters a model
    /// (GNNExplainer): every layer built on `propagate` (GCN, GIN, SAGE, APPNP, Chebyshev, …)
    /// runs on the masked operator unchanged; attention layers (GAT, GATv2) on
    /// [`crate::AttentionEdges::from_operator`] multiply each attention-weighted message by
    /// `M`.
    pub fn with_multipliers(&self, multipliers: Tensor<1>) -> Result<Self> {
        let [length] = multipliers.dims();
        if length != self.nnz() {
            return Err(NnError::ShapeMismatch {
                what: "operator multipliers (one per stored entry)".into(),
                expected: self.nnz(),
                actual: length,
            });
        }
        Ok(Self {
            multipliers: Some(Box::new(multipliers)),
            ..self.clone()
        })
    }

    /// The multipliers of a scaled operator, if any.
    pub fn multipliers(&self) -> Option<&Tensor<1>> {
        self.multipliers.as_deref()
    }

    /// The same operator without multipliers.
    pub fn unscaled(&self) -> Self {
        Self {
            multipliers: None,
            ..self.clone()
        }
    }

    /// `(row, column)` of every stored entry, in CSR order (row = target, column = source in
    /// the message-passing layout).
    pub fn coordinates(&self) -> Vec<(usize, usize)> {
        let csr = &self.forward;
        let mut coordinates = Vec::with_capacity(csr.nnz());
        for row in 0..csr.rows {
            for k in csr.indptr[row]..csr.indptr[row + 1] {
                coordinates.push((row, csr.indices[k] as usize));
            }
        }
        coordinates
    }

    /// `(rows, columns)` of `S`.
    pub fn shape(&self) -> (usize, usize) {
        (self.forward.rows, self.forward.columns)
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.forward.nnz()
    }

    /// The same structure with new values (one per stored entry, in CSR order).
    pub(crate) fn with_values(&self, values: Vec<f32>) -> Self {
        debug_assert_eq!(values.len(), self.nnz());
        let backward_values = self
            .transpose_source
            .iter()
            .map(|&k| values[k as usize])
            .collect();
        Self {
            forward: Arc::new(Csr {
                values,
                ..(*self.forward).clone()
            }),
            backward: Arc::new(Csr {
                values: backward_values,
                ..(*self.backward).clone()
            }),
            transpose_source: Arc::clone(&self.transpose_source),
            multipliers: self.multipliers.clone(),
        }
    }

    /// The stored values in CSR order.
    pub fn values(&self) -> &[f32] {
        &self.forward.values
    }

    /// The square sub-operator on `nodes` (rows and columns both restricted, in the given order),
    /// keeping the stored values — so a normalization computed on the whole graph is kept —
    /// and, for each of its entries, the index of the same entry in `self`. Multipliers are
    /// dropped.
    pub(crate) fn restricted(&self, nodes: &[usize]) -> (Self, Vec<usize>) {
        let csr = &self.forward;
        let mut local = vec![u32::MAX; csr.columns.max(csr.rows)];
        for (position, &node) in nodes.iter().enumerate() {
            local[node] = position as u32;
        }
        let mut indptr = Vec::with_capacity(nodes.len() + 1);
        indptr.push(0);
        let (mut indices, mut values, mut origin) = (Vec::new(), Vec::new(), Vec::new());
        for &node in nodes {
            let mut row: Vec<(u32, usize)> = (csr.indptr[node]..csr.indptr[node + 1])
                .filter_map(|k| {
                    let column = local[csr.indices[k] as usize];
                    (column != u32::MAX).then_some((column, k))
                })
                .collect();
            row.sort_unstable();
            for (column, k) in row {
                indices.push(column);
                values.push(csr.values[k]);
                origin.push(k);
            }
            indptr.push(indices.len());
        }
        let sub = Csr {
            rows: nodes.len(),
            columns: nodes.len(),
            indptr,
            indices,
            values,
        };
        (Self::from_csr(sub), origin)
    }

    /// `S` as a dense row-major buffer (tests and small graphs only).
    pub fn to_dense(&self) -> Vec<f32> {
        let csr = &self.forward;
        let mut dense = vec![0.0; csr.rows * csr.columns];
        for row in 0..csr.rows {
            for k in csr.indptr[row]..csr.indptr[row + 1] {
                dense[row * csr.columns + csr.indices[k] as usize] += csr.values[k];
            }
        }
        dense
    }
}
