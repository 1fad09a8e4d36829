//! Is `(u, v)` an edge? A CSR of sorted neighbour lists answered by binary search: the membership
//! test behind negative sampling, built once per graph in `O(E log d)` and `4 E` bytes.

use rayon::prelude::*;

use crate::error::{GraphError, Result};

/// The edges of a graph as sorted neighbour lists, for `O(log d)` membership tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeLookup {
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
    undirected: bool,
}

impl EdgeLookup {
    /// The lookup of `edges` on `num_nodes` nodes; with `undirected`, `(u, v)` also answers
    /// `(v, u)`. Duplicate edges are stored once.
    pub fn new(num_nodes: usize, edges: &[(u32, u32)], undirected: bool) -> Result<Self> {
        if let Some(edge) = edges
            .iter()
            .position(|&(u, v)| u as usize >= num_nodes || v as usize >= num_nodes)
        {
            let (source_node, target_node) = edges[edge];
            return Err(GraphError::NodeOutOfRange {
                edge,
                source_node: source_node as usize,
                target_node: target_node as usize,
                num_nodes,
            });
        }
        let mut counts = vec![0usize; num_nodes + 1];
        for &(u, v) in edges {
            counts[u as usize + 1] += 1;
            if undirected && u != v {
                counts[v as usize + 1] += 1;
            }
        }
        for node in 0..num_nodes {
            counts[node + 1] += counts[node];
        }
        let mut cursor = counts.clone();
        let mut neighbours = vec![0u32; counts[num_nodes]];
        for &(u, v) in edges {
            neighbours[cursor[u as usize]] = v;
            cursor[u as usize] += 1;
            if undirected && u != v {
                neighbours[cursor[v as usize]] = u;
                cursor[v as usize] += 1;
            }
        }
        // Sort each list, then squeeze duplicates out in place.
        let mut lists: Vec<&mut [u32]> = Vec::with_capacity(num_nodes);
        let mut rest = neighbours.as_mut_slice();
        for node in 0..num_nodes {
            let (list, tail) = rest.split_at_mut(counts[node + 1] - counts[node]);
            lists.push(list);
            rest = tail;
        }
        lists.par_iter_mut().for_each(|list| list.sort_unstable());
        let mut offsets = Vec::with_capacity(num_nodes + 1);
        offsets.push(0);
        let mut write = 0;
        for node in 0..num_nodes {
            let mut previous = None;
            for read in counts[node]..counts[node + 1] {
                let value = neighbours[read];
                if previous != Some(value) {
                    neighbours[write] = value;
                    write += 1;
                    previous = Some(value);
                }
            }
            offsets.push(write);
        }
        neighbours.truncate(write);
        neighbours.shrink_to_fit();
        Ok(Self {
            offsets,
            neighbours,
            undirected,
        })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the lookup answers both directions of each edge.
    pub fn is_undirected(&self) -> bool {
        self.undirected
    }

    /// Stored (directed) entries: an undirected edge counts twice, a self-loop once.
    pub fn num_entries(&self) -> usize {
        self.neighbours.len()
    }

    /// The sorted neighbours of `node` (out-neighbours of a directed graph).
    pub fn neighbours(&self, node: usize) -> &[u32] {
        &self.neighbours[self.offsets[node]..self.offsets[node + 1]]
    }

    /// Number of distinct neighbours of `node`.
    pub fn degree(&self, node: usize) -> usize {
        self.offsets[node + 1] - self.offsets[node]
    }

    /// Whether `(u, v)` is an edge (either direction when undirected). Out-of-range ids are not.
    pub fn contains(&self, u: usize, v: usize) -> bool {
        u < self.num_nodes() && self.neighbours(u).binary_search(&(v as u32)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_both_directions_of_undirected_edges_once() {
        let lookup = EdgeLookup::new(4, &[(0, 1), (1, 0), (2, 1), (3, 3)], true).unwrap();
        assert!(lookup.contains(0, 1) && lookup.contains(1, 0));
        assert!(lookup.contains(1, 2) && lookup.contains(2, 1));
        assert!(lookup.contains(3, 3));
        assert!(!lookup.contains(0, 2) && !lookup.contains(0, 0) && !lookup.contains(9, 0));
        assert_eq!(lookup.neighbours(1), &[0, 2]);
        assert_eq!(lookup.degree(1), 2);
        assert_eq!(lookup.num_entries(), 5);
    }

    #[test]
    fn directed_lookup_keeps_the_direction() {
        let lookup = EdgeLookup::new(3, &[(0, 1), (2, 1)], false).unwrap();
        assert!(lookup.contains(0, 1) && !lookup.contains(1, 0));
        assert!(matches!(
            EdgeLookup::new(2, &[(0, 5)], false),
            Err(GraphError::NodeOutOfRange { edge: 0, .. })
        ));
    }
}
