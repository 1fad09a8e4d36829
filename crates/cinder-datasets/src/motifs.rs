//! Synthetic node-classification benchmarks with a known explanation (Ying et al. 2019,
//! "GNNExplainer", §5): a base graph with small motifs attached, each node labelled by its role,
//! so the edges that decide a motif node's class are known — the motif's own edges.
//!
//! - **BA-Shapes**: a Barabási–Albert base graph (300 nodes, 5 edges per new node, as networkx's
//!   `barabasi_albert_graph`: a star on 6 nodes, then preferential attachment to distinct nodes),
//!   80 five-node "houses" each attached by one edge from a middle node to a distinct random
//!   base node, then `0.1 · N` random edges between random unconnected node pairs (`N` = 700
//!   nodes, so 70 edges, as the paper's text says; its code perturbs 1% of the edges).
//!   Classes base / house top / house middle / house bottom.
//! - **Tree-Cycles**: a balanced binary tree of depth 8 (511 nodes) with 80 six-node cycles,
//!   each attached by one edge to a distinct random tree node; classes tree / cycle. (The
//!   paper's code attaches 60 cycles, 871 nodes; the count is an option.)
//!
//! Node features are constant (10 ones per node, as in the paper): the label is in the
//! structure alone. Everything is drawn from one seed, so a seed gives the same graph on every
//! machine.

use std::collections::{HashMap, HashSet};

use cinder_graph::{Direction, FeatureMatrix, Graph, splitmix64};

use crate::error::{DatasetError, Result};

/// A generated benchmark: the graph (undirected, node labels, constant features) and its
/// ground-truth explanation.
#[derive(Debug, Clone)]
pub struct MotifBenchmark {
    /// `ba-shapes` or `tree-cycles`.
    pub name: String,
    /// The graph.
    pub graph: Graph,
    /// Per stored edge (in `graph.edges()` order): whether it lies inside a motif. Attachment
    /// edges and random edges are not motif edges.
    pub motif_edges: Vec<bool>,
    /// Per node: the motif it belongs to, `None` for base-graph nodes.
    pub motif_of_node: Vec<Option<usize>>,
    /// Per motif: `(motif node, base node)` of the edge attaching it to the base graph.
    pub attachments: Vec<(usize, usize)>,
    /// Class names, by label.
    pub class_names: Vec<String>,
}

impl MotifBenchmark {
    /// The ground-truth explanation of a motif node, as `truth(node, a, b)`: whether the edge
    /// `a`–`b` (either direction) is an edge of `node`'s own motif — the edges GNNExplainer's
    /// evaluation counts as the explanation of a node (Ying et al.'s `make_pred_real`: the
    /// node's house or cycle; another motif's edges in its neighbourhood are not its
    /// explanation). False for every edge when `node` is a base-graph node.
    pub fn explanation_truth(&self) -> impl Fn(usize, usize, usize) -> bool + Sync + '_ {
        let owner: HashMap<(usize, usize), usize> = self
            .graph
            .edges()
            .zip(&self.motif_edges)
            .filter(|(_, in_motif)| **in_motif)
            .filter_map(|((a, b), _)| Some(((a.min(b), a.max(b)), self.motif_of_node[a]?)))
            .collect();
        move |node, a, b| {
            self.motif_of_node
                .get(node)
                .copied()
                .flatten()
                .is_some_and(|motif| owner.get(&(a.min(b), a.max(b))) == Some(&motif))
        }
    }
}

/// Size and noise of a generated benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotifOptions {
    /// Base-graph nodes (BA-Shapes) or tree depth (Tree-Cycles).
    pub base: usize,
    /// Number of motifs attached.
    pub motifs: usize,
    /// Random edges added at the end, as a fraction of the node count.
    pub random_edge_fraction: f64,
    /// Seed of every random choice.
    pub seed: u64,
}

impl MotifOptions {
    /// The paper's BA-Shapes: 300 base nodes, 80 houses, 0.1 · N random edges.
    pub fn ba_shapes() -> Self {
        Self {
            base: 300,
            motifs: 80,
            random_edge_fraction: 0.1,
            seed: 0,
        }
    }

    /// Tree-Cycles: depth-8 binary tree, 80 cycles, no random edges.
    pub fn tree_cycles() -> Self {
        Self {
            base: 8,
            motifs: 80,
            random_edge_fraction: 0.0,
            seed: 0,
        }
    }
}

/// Width of the constant node features.
const FEATURE_WIDTH: usize = 10;
/// Edges per new node of the Barabási–Albert base graph.
const BA_EDGES_PER_NODE: usize = 5;

/// Counter-based generator (SplitMix64).
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(1);
        (splitmix64(self.0) % n as u64) as usize
    }

    /// `count` distinct values below `n` (partial Fisher–Yates).
    fn distinct(&mut self, n: usize, count: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..n).collect();
        for i in 0..count.min(n) {
            let j = i + self.below(n - i);
            pool.swap(i, j);
        }
        pool.truncate(count.min(n));
        pool
    }
}

/// Edge list under construction, with the ground truth of each edge.
struct Builder {
    edges: Vec<(usize, usize)>,
    motif: Vec<bool>,
    present: HashSet<(usize, usize)>,
}

impl Builder {
    fn new() -> Self {
        Self {
            edges: Vec::new(),
            motif: Vec::new(),
            present: HashSet::new(),
        }
    }

    fn add(&mut self, a: usize, b: usize, in_motif: bool) -> bool {
        let key = (a.min(b), a.max(b));
        if a == b || !self.present.insert(key) {
            return false;
        }
        self.edges.push((a, b));
        self.motif.push(in_motif);
        true
    }

    /// Adds `fraction · nodes` random edges between distinct, unconnected nodes.
    fn add_random(&mut self, nodes: usize, fraction: f64, draw: &mut Draw) {
        let wanted = (fraction * nodes as f64).round() as usize;
        let mut added = 0;
        let mut attempts = 0;
        while added < wanted && attempts < 100 * wanted.max(1) {
            attempts += 1;
            if self.add(draw.below(nodes), draw.below(nodes), false) {
                added += 1;
            }
        }
    }
}

fn check(options: &MotifOptions, base_nodes: usize, what: &str) -> Result<()> {
    let invalid = |reason: String| DatasetError::Generation {
        what: what.into(),
        reason,
    };
    if !(0.0..=1.0).contains(&options.random_edge_fraction) {
        return Err(invalid(format!(
            "random edge fraction {} is not in [0, 1]",
            options.random_edge_fraction
        )));
    }
    if options.motifs > base_nodes {
        return Err(invalid(format!(
            "{} motifs need as many distinct attachment nodes, the base graph has {base_nodes}",
            options.motifs
        )));
    }
    Ok(())
}

fn finish(
    name: &str,
    nodes: usize,
    builder: Builder,
    labels: Vec<usize>,
    motif_of_node: Vec<Option<usize>>,
    attachments: Vec<(usize, usize)>,
    class_names: &[&str],
) -> Result<MotifBenchmark> {
    let motif = builder.motif.clone();
    let build = || -> std::result::Result<Graph, cinder_graph::GraphError> {
        Graph::from_edges(nodes, builder.edges, Direction::Undirected)?
            .with_node_labels(labels)?
            .with_node_features(FeatureMatrix::constant(nodes, FEATURE_WIDTH, 1.0)?)
    };
    let graph = build().map_err(|source| DatasetError::Graph {
        path: format!("<generated {name}>").into(),
        source,
    })?;
    Ok(MotifBenchmark {
        name: name.into(),
        graph,
        motif_edges: motif,
        motif_of_node,
        attachments,
        class_names: class_names.iter().map(|s| (*s).to_string()).collect(),
    })
}

/// BA-Shapes (see the module documentation). `options.base` base nodes (at least 6).
pub fn ba_shapes(options: MotifOptions) -> Result<MotifBenchmark> {
    let m = BA_EDGES_PER_NODE;
    if options.base <= m {
        return Err(DatasetError::Generation {
            what: "ba-shapes".into(),
            reason: format!("a Barabási–Albert graph with m = {m} needs more than {m} nodes"),
        });
    }
    check(&options, options.base, "ba-shapes")?;
    let mut draw = Draw(options.seed);
    let mut builder = Builder::new();
    // networkx: a star on m + 1 nodes, then each new node links to m distinct nodes drawn with
    // probability proportional to degree.
    let mut repeated = Vec::new();
    for leaf in 1..=m {
        builder.add(0, leaf, false);
        repeated.extend([0, leaf]);
    }
    for source in m + 1..options.base {
        let mut targets = Vec::with_capacity(m);
        while targets.len() < m {
            let candidate = repeated[draw.below(repeated.len())];
            if !targets.contains(&candidate) {
                targets.push(candidate);
            }
        }
        for &target in &targets {
            builder.add(source, target, false);
        }
        repeated.extend(&targets);
        repeated.extend(std::iter::repeat_n(source, m));
    }
    let nodes = options.base + 5 * options.motifs;
    let mut labels = vec![0usize; nodes];
    let mut motif_of_node = vec![None; nodes];
    let anchors = draw.distinct(options.base, options.motifs);
    let mut attachments = Vec::with_capacity(options.motifs);
    for (motif, &anchor) in anchors.iter().enumerate() {
        // Local nodes: 0 top (roof), 1-2 middle, 3-4 bottom.
        let first = options.base + 5 * motif;
        for (local, label) in [1, 2, 2, 3, 3].into_iter().enumerate() {
            labels[first + local] = label;
            motif_of_node[first + local] = Some(motif);
        }
        for (a, b) in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4)] {
            builder.add(first + a, first + b, true);
        }
        builder.add(first + 1, anchor, false);
        attachments.push((first + 1, anchor));
    }
    builder.add_random(nodes, options.random_edge_fraction, &mut draw);
    finish(
        "ba-shapes",
        nodes,
        builder,
        labels,
        motif_of_node,
        attachments,
        &["base", "house top", "house middle", "house bottom"],
    )
}

/// Tree-Cycles (see the module documentation). `options.base` is the tree depth (1..=20).
pub fn tree_cycles(options: MotifOptions) -> Result<MotifBenchmark> {
    if options.base == 0 || options.base > 20 {
        return Err(DatasetError::Generation {
            what: "tree-cycles".into(),
            reason: format!("tree depth {} is not in 1..=20", options.base),
        });
    }
    let tree_nodes = (1usize << (options.base + 1)) - 1;
    check(&options, tree_nodes, "tree-cycles")?;
    let mut draw = Draw(options.seed);
    let mut builder = Builder::new();
    for child in 1..tree_nodes {
        builder.add((child - 1) / 2, child, false);
    }
    let nodes = tree_nodes + 6 * options.motifs;
    let mut labels = vec![0usize; nodes];
    let mut motif_of_node = vec![None; nodes];
    let anchors = draw.distinct(tree_nodes, options.motifs);
    let mut attachments = Vec::with_capacity(options.motifs);
    for (motif, &anchor) in anchors.iter().enumerate() {
        let first = tree_nodes + 6 * motif;
        for local in 0..6 {
            labels[first + local] = 1;
            motif_of_node[first + local] = Some(motif);
            builder.add(first + local, first + (local + 1) % 6, true);
        }
        builder.add(first, anchor, false);
        attachments.push((first, anchor));
    }
    builder.add_random(nodes, options.random_edge_fraction, &mut draw);
    finish(
        "tree-cycles",
        nodes,
        builder,
        labels,
        motif_of_node,
        attachments,
        &["tree", "cycle"],
    )
}

/// The benchmark registered as `name` (`ba-shapes`, `tree-cycles`) with its default options,
/// or `None` for other names.
pub fn motif_benchmark(name: &str) -> Option<Result<MotifBenchmark>> {
    if name.eq_ignore_ascii_case("ba-shapes") {
        Some(ba_shapes(MotifOptions::ba_shapes()))
    } else if name.eq_ignore_ascii_case("tree-cycles") {
        Some(tree_cycles(MotifOptions::tree_cycles()))
    } else {
        None
    }
}
