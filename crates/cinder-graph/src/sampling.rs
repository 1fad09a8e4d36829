//! Neighbour sampling for mini-batch training (GraphSAGE, Hamilton et al. 2017; PyG's
//! `NeighborLoader`, DGL's `NeighborSampler`): seed nodes → one bipartite [`Block`] per layer.
//!
//! **Fan-out order: seeds first, as PyG.** `fanouts[0]` is how many in-neighbours each seed
//! keeps (the hop the last layer aggregates), `fanouts[1]` how many each of those keeps, and so
//! on. [`Fanout::All`] (`-1` on the command line) keeps every neighbour.
//!
//! **Sampling** is uniform without replacement over a node's in-edges (Floyd's algorithm; a
//! parallel edge can be drawn once per copy, as DGL samples edges); a node with at most `k`
//! in-edges keeps them all. Every draw comes from a
//! generator seeded by `(batch seed, hop, node)`, so a batch is the same whatever the number of
//! threads; nodes are sampled in parallel.
//!
//! **Blocks** are in the message-passing layout: rows = destination nodes, columns = local ids
//! into the previous layer's nodes, whose first `destinations` entries are the destination nodes
//! themselves (so a layer's root term reads the first rows of its input). `blocks[0]` is the
//! input layer's block; `blocks[l].destinations` are `blocks[l + 1]`'s sources.
//!
//! **Weights** (see [`BlockWeights`]):
//! - `Mean` (SAGE): `1 / sᵢ` over the `sᵢ` sampled neighbours — the sample mean estimates the
//!   neighbourhood mean without bias.
//! - `Gcn`: `(dᵢ / sᵢ) / √(d̂ᵢ d̂ⱼ)` for each sampled neighbour `j ≠ i` plus the self-loop
//!   `1 / d̂ᵢ`, with `d̂ = d + 1` the **full graph's** degrees (`d` without self-loops; a node's
//!   existing self-loops replace the added one, as `gcn_normalization` does) — not the sampled
//!   block's. The sampled row is then an unbiased estimate of the full operator's row
//!   `Σⱼ xⱼ / √(d̂ᵢ d̂ⱼ)`, and with `Fanout::All` it *is* that row: the same weights a
//!   full-batch GCN and exact layer-wise inference use, so a model trained on samples is
//!   evaluated on the operator it approximates. (Normalizing by the sampled block's degrees
//!   instead would change the operator's scale with the fan-out.)

use rayon::prelude::*;

use crate::error::{GraphError, Result};
use crate::in_neighbours::InNeighbours;
use crate::splits::folds::splitmix64;

/// How many in-neighbours one hop keeps per node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fanout {
    /// Every neighbour (`-1`).
    All,
    /// At most this many, drawn uniformly without replacement.
    Sample(usize),
}

impl Fanout {
    /// Parses `"10,10"` or `"25,-1"` (seeds first); `-1` means all neighbours.
    pub fn parse_list(text: &str) -> Result<Vec<Fanout>> {
        let invalid = |reason: String| GraphError::InvalidParameter {
            name: "fan-out",
            reason,
        };
        let fanouts =
            text.split(',')
                .map(|part| {
                    let count = part.trim().parse::<i64>().ok();
                    count.and_then(|count| Fanout::try_from(count).ok()).ok_or_else(|| {
                    invalid(format!(
                        "{part:?} in {text:?} is not a positive count or -1 (all neighbours)"
                    ))
                })
                })
                .collect::<Result<Vec<_>>>()?;
        if fanouts.is_empty() {
            return Err(invalid("at least one hop is needed".into()));
        }
        Ok(fanouts)
    }

    /// The count as written on the command line and in `config.json`: `-1` for all.
    pub fn count(self) -> i64 {
        match self {
            Fanout::All => -1,
            Fanout::Sample(k) => i64::try_from(k).unwrap_or(i64::MAX),
        }
    }

    fn keeps(self, degree: usize) -> usize {
        match self {
            Fanout::All => degree,
            Fanout::Sample(k) => k.min(degree),
        }
    }
}

/// `-1` is all neighbours, a positive count samples; anything else is an error naming it.
impl TryFrom<i64> for Fanout {
    type Error = GraphError;

    fn try_from(count: i64) -> Result<Self> {
        match count {
            -1 => Ok(Fanout::All),
            k if k > 0 => usize::try_from(k)
                .map(Fanout::Sample)
                .map_err(|_| fanout_error(count)),
            _ => Err(fanout_error(count)),
        }
    }
}

fn fanout_error(count: i64) -> GraphError {
    GraphError::InvalidParameter {
        name: "fan-out",
        reason: format!("{count} is not a positive count or -1 (all neighbours)"),
    }
}

impl std::fmt::Display for Fanout {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.count())
    }
}

/// Written as its [`Fanout::count`], so a run's `config.json` reads `[25, -1]`.
impl serde::Serialize for Fanout {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.count())
    }
}

impl<'de> serde::Deserialize<'de> for Fanout {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let count = i64::deserialize(deserializer)?;
        Fanout::try_from(count).map_err(serde::de::Error::custom)
    }
}

/// The values a block's entries carry (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockWeights {
    /// Mean over the sampled neighbours (GraphSAGE).
    Mean,
    /// GCN normalization with the full graph's degrees, rescaled for the sample.
    Gcn,
}

/// One layer's bipartite graph: `destinations` rows, `source_nodes.len()` columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Number of destination nodes (rows); they are `source_nodes[..destinations]`.
    pub destinations: usize,
    /// Global ids of the columns; the destinations first, then the other sampled nodes in order
    /// of first appearance.
    pub source_nodes: Vec<u32>,
    /// Row pointers (`destinations + 1`).
    pub indptr: Vec<usize>,
    /// Column (local source) of every entry.
    pub indices: Vec<u32>,
    /// Value of every entry.
    pub weights: Vec<f32>,
}

impl Block {
    /// The whole graph as one block with every neighbour (`Fanout::All` for every node, without
    /// sampling's bookkeeping): rows and columns are the nodes in id order, and the weights are
    /// the full operator's — the mean over in-neighbours, or `D̂^-1/2 (A + I) D̂^-1/2` (equal to
    /// `gcn_normalization` on a graph without parallel edges). Full-batch training of a graph
    /// held only as its [`InNeighbours`] uses it.
    pub fn full(graph: &InNeighbours, weights: BlockWeights) -> Self {
        let nodes = graph.num_nodes();
        let inverse = match weights {
            BlockWeights::Gcn => graph.gcn_inverse_sqrt_degrees(),
            BlockWeights::Mean => Vec::new(),
        };
        let self_loops = usize::from(weights == BlockWeights::Gcn);
        let mut indptr = Vec::with_capacity(nodes + 1);
        indptr.push(0usize);
        for node in 0..nodes {
            let kept = match weights {
                BlockWeights::Mean => graph.degree(node),
                BlockWeights::Gcn => graph.degree_without_self(node) + self_loops,
            };
            indptr.push(indptr[node] + kept);
        }
        let total = indptr[nodes];
        let mut indices = vec![0u32; total];
        let mut values = vec![0f32; total];
        let mut rows = Vec::with_capacity(nodes);
        let (mut rest_indices, mut rest_values) = (indices.as_mut_slice(), values.as_mut_slice());
        for node in 0..nodes {
            let length = indptr[node + 1] - indptr[node];
            let (head_indices, tail_indices) = rest_indices.split_at_mut(length);
            let (head_values, tail_values) = rest_values.split_at_mut(length);
            rows.push((node, head_indices, head_values));
            rest_indices = tail_indices;
            rest_values = tail_values;
        }
        rows.into_par_iter()
            .with_min_len(1024)
            .for_each(|(node, indices, values)| {
                let neighbours = graph.neighbours(node);
                match weights {
                    BlockWeights::Mean => {
                        indices.copy_from_slice(neighbours);
                        values.fill(1.0 / neighbours.len().max(1) as f32);
                    }
                    BlockWeights::Gcn => {
                        let mut k = 0;
                        for &j in neighbours.iter().filter(|&&j| j as usize != node) {
                            indices[k] = j;
                            values[k] = inverse[node] * inverse[j as usize];
                            k += 1;
                        }
                        indices[k] = node as u32;
                        let self_weight = graph.gcn_self_weight(node) as f32;
                        values[k] = self_weight * inverse[node] * inverse[node];
                    }
                }
            });
        Self {
            destinations: nodes,
            source_nodes: (0..nodes as u32).collect(),
            indptr,
            indices,
            weights: values,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Global ids of the destination nodes.
    pub fn destination_nodes(&self) -> &[u32] {
        &self.source_nodes[..self.destinations]
    }
}

/// One mini-batch: its seeds, the nodes whose input features it needs, and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledBatch {
    /// The seed nodes (the last block's destinations), in the order given.
    pub seeds: Vec<u32>,
    /// `blocks[0]`'s source nodes: the rows of the input features to gather.
    pub input_nodes: Vec<u32>,
    /// One block per layer, input layer first.
    pub blocks: Vec<Block>,
}

/// Samples [`SampledBatch`]es from an [`InNeighbours`] CSR.
#[derive(Debug)]
pub struct NeighbourSampler<'a> {
    graph: &'a InNeighbours,
    fanouts: Vec<Fanout>,
    weights: BlockWeights,
    /// `1/√d̂` per node (GCN weights only).
    inverse_sqrt_degrees: Vec<f32>,
    /// Local id of each global node in the block being built (`u32::MAX`: not in it).
    local: Vec<u32>,
}

impl<'a> NeighbourSampler<'a> {
    /// A sampler over `graph` with `fanouts` (seeds first) producing `weights`.
    pub fn new(graph: &'a InNeighbours, fanouts: Vec<Fanout>, weights: BlockWeights) -> Self {
        let inverse_sqrt_degrees = match weights {
            BlockWeights::Gcn => graph.gcn_inverse_sqrt_degrees(),
            BlockWeights::Mean => Vec::new(),
        };
        Self {
            graph,
            fanouts,
            weights,
            inverse_sqrt_degrees,
            local: vec![u32::MAX; graph.num_nodes()],
        }
    }

    /// The fan-outs, seeds first.
    pub fn fanouts(&self) -> &[Fanout] {
        &self.fanouts
    }

    /// Samples the blocks of `seeds` (distinct node ids) with the generator seed `seed`.
    pub fn sample(&mut self, seeds: &[u32], seed: u64) -> Result<SampledBatch> {
        let num_nodes = self.graph.num_nodes();
        for (index, &node) in seeds.iter().enumerate() {
            if node as usize >= num_nodes {
                self.reset(&seeds[..index]);
                return Err(GraphError::NodeIndexOutOfRange {
                    field: "seed nodes",
                    index,
                    node: node as usize,
                    num_nodes,
                });
            }
            if self.local[node as usize] != u32::MAX {
                self.reset(&seeds[..index]);
                return Err(GraphError::InvalidParameter {
                    name: "seed nodes",
                    reason: format!("node {node} appears twice (position {index})"),
                });
            }
            self.local[node as usize] = index as u32;
        }
        self.reset(seeds);
        let mut blocks = Vec::with_capacity(self.fanouts.len());
        let mut frontier = seeds.to_vec();
        for hop in 0..self.fanouts.len() {
            let block = self.sample_hop(&frontier, self.fanouts[hop], hop_seed(seed, hop));
            frontier = block.source_nodes.clone();
            blocks.push(block);
        }
        blocks.reverse();
        Ok(SampledBatch {
            seeds: seeds.to_vec(),
            input_nodes: frontier,
            blocks,
        })
    }

    /// The block of one hop: every node of `destinations` keeps `fanout` of its in-neighbours.
    /// `destinations` are distinct (a previous hop's sources, or checked seeds).
    pub fn sample_hop(&mut self, destinations: &[u32], fanout: Fanout, seed: u64) -> Block {
        let graph = self.graph;
        let mut indptr = Vec::with_capacity(destinations.len() + 1);
        indptr.push(0usize);
        for &node in destinations {
            let kept = fanout.keeps(graph.degree(node as usize));
            indptr.push(indptr.last().copied().unwrap_or(0) + kept);
        }
        let mut indices = vec![0u32; indptr[destinations.len()]];
        let mut rows = Vec::with_capacity(destinations.len());
        let mut rest = indices.as_mut_slice();
        for position in 0..destinations.len() {
            let (head, tail) = rest.split_at_mut(indptr[position + 1] - indptr[position]);
            rows.push(head);
            rest = tail;
        }
        rows.into_par_iter()
            .zip(destinations.par_iter())
            .with_min_len(256)
            .for_each(|(row, &node)| {
                let neighbours = graph.neighbours(node as usize);
                if row.len() == neighbours.len() {
                    row.copy_from_slice(neighbours);
                } else {
                    choose(neighbours, row, node_seed(seed, node));
                }
            });

        // Local ids: destinations first, then new sources in order of first appearance.
        let mut source_nodes = destinations.to_vec();
        for (position, &node) in destinations.iter().enumerate() {
            self.local[node as usize] = position as u32;
        }
        for entry in &mut indices {
            let slot = &mut self.local[*entry as usize];
            if *slot == u32::MAX {
                *slot = source_nodes.len() as u32;
                source_nodes.push(*entry);
            }
            *entry = *slot;
        }
        self.reset(&source_nodes);
        let mut block = Block {
            destinations: destinations.len(),
            source_nodes,
            indptr,
            indices,
            weights: Vec::new(),
        };
        self.weigh(&mut block);
        block
    }

    fn reset(&mut self, nodes: &[u32]) {
        for &node in nodes {
            self.local[node as usize] = u32::MAX;
        }
    }

    /// Fills `block.weights` (and, for GCN, adds the self-loops and drops sampled self-edges).
    fn weigh(&self, block: &mut Block) {
        match self.weights {
            BlockWeights::Mean => {
                block.weights = (0..block.destinations)
                    .flat_map(|row| {
                        let count = block.indptr[row + 1] - block.indptr[row];
                        std::iter::repeat_n(1.0 / count as f32, count)
                    })
                    .collect();
            }
            BlockWeights::Gcn => {
                let inverse = &self.inverse_sqrt_degrees;
                let mut indptr = Vec::with_capacity(block.indptr.len());
                indptr.push(0);
                let mut indices = Vec::with_capacity(block.nnz() + block.destinations);
                let mut weights = Vec::with_capacity(block.nnz() + block.destinations);
                for row in 0..block.destinations {
                    let node = block.source_nodes[row] as usize;
                    let entries = &block.indices[block.indptr[row]..block.indptr[row + 1]];
                    let sampled = entries.iter().filter(|&&c| c as usize != row).count();
                    let degree = self.graph.degree_without_self(node);
                    let scale = if sampled == 0 {
                        0.0
                    } else {
                        degree as f32 / sampled as f32
                    };
                    indices.push(row as u32);
                    let self_weight = self.graph.gcn_self_weight(node) as f32;
                    weights.push(self_weight * inverse[node] * inverse[node]);
                    for &column in entries.iter().filter(|&&c| c as usize != row) {
                        let source = block.source_nodes[column as usize] as usize;
                        indices.push(column);
                        weights.push(scale * inverse[node] * inverse[source]);
                    }
                    indptr.push(indices.len());
                }
                block.indptr = indptr;
                block.indices = indices;
                block.weights = weights;
            }
        }
    }
}

fn hop_seed(seed: u64, hop: usize) -> u64 {
    splitmix64(seed ^ splitmix64(0x5a4d_504c_4530 + hop as u64))
}

fn node_seed(seed: u64, node: u32) -> u64 {
    splitmix64(seed ^ splitmix64(u64::from(node).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// Fills `out` with `out.len()` distinct entries of `population`, uniformly (Floyd's algorithm:
/// for `j` in `n-k..n`, draw `t` in `0..=j`; keep `t` unless already kept, else keep `j`).
fn choose(population: &[u32], out: &mut [u32], seed: u64) {
    let n = population.len() as u64;
    let k = out.len() as u64;
    let mut state = seed;
    for (picked, j) in (n - k..n).enumerate() {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let draw = ((u128::from(splitmix64(state)) * u128::from(j + 1)) >> 64) as u64;
        out[picked] = if out[..picked].contains(&(draw as u32)) {
            j as u32
        } else {
            draw as u32
        };
    }
    for slot in out.iter_mut() {
        *slot = population[*slot as usize];
    }
}
