//! The edge convolution of dynamic graph CNNs (Wang et al. 2019), PyG's `EdgeConv` with max
//! aggregation: the layer meshes and point clouds use.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use cinder_graph::{AdjacencyBuilder, DuplicateEdges, Graph, Orientation};

use crate::error::check_width;
use crate::init::derive_seed;
use crate::init::seeded_linear;

/// Options of an [`EdgeConv`] layer whose edge function is a two-layer MLP.
#[derive(Config, Debug)]
pub struct EdgeConvConfig {
    /// Node feature size `F` (the MLP sees `2F`).
    pub in_features: usize,
    /// Hidden size of the MLP.
    pub hidden: usize,
    /// Output feature size.
    pub out_features: usize,
    /// Seed of the initialization. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// Edge convolution (Wang et al. 2019, eq. 7–8):
///
/// `x'ᵢ = max_{j → i} h_Θ([xᵢ ‖ xⱼ − xᵢ])` per channel, with `h_Θ` = Linear → ReLU → Linear
/// (PyG's `EdgeConv(nn=Sequential(Linear(2F, H), ReLU(), Linear(H, C)), aggr='max')`). A node
/// without incoming edges gets 0; a self-loop is an ordinary edge (message `h([xᵢ ‖ 0])`).
///
/// The maximum runs over a `nodes x max in-degree` padded layout (k-NN graphs of point clouds
/// and meshes have near-constant degree, where padding costs nothing).
#[derive(Module, Debug)]
pub struct EdgeConv {
    /// First layer of `h_Θ`, `2F → H`.
    pub linear1: Linear,
    /// Second layer of `h_Θ`, `H → C`.
    pub linear2: Linear,
}

/// The incoming edges of every node of a graph, laid out for [`EdgeConv`].
#[derive(Debug, Clone)]
pub struct EdgeNeighbourhood {
    nodes: usize,
    targets: Vec<i64>,
    sources: Vec<i64>,
    max_degree: usize,
    /// For slot `i · max_degree + d`: the edge filling it, or `edges` (the padding row).
    padded: Vec<i64>,
    isolated: Vec<bool>,
}

impl EdgeNeighbourhood {
    /// Every node's incoming edges (undirected edges both ways; parallel edges count once).
    pub fn new(graph: &Graph) -> Self {
        let matrix = AdjacencyBuilder::new()
            .orientation(Orientation::TargetRows)
            .duplicates(DuplicateEdges::Max)
            .weighted(false)
            .build(graph);
        let nodes = graph.num_nodes();
        let indptr = matrix.indptr().to_proper().into_owned();
        let max_degree = (0..nodes)
            .map(|i| indptr[i + 1] - indptr[i])
            .max()
            .unwrap_or(0)
            .max(1);
        let edges = matrix.nnz();
        let mut targets = Vec::with_capacity(edges);
        let mut padded = vec![edges as i64; nodes * max_degree];
        let mut isolated = vec![false; nodes];
        for node in 0..nodes {
            isolated[node] = indptr[node] == indptr[node + 1];
            for (offset, k) in (indptr[node]..indptr[node + 1]).enumerate() {
                targets.push(node as i64);
                padded[node * max_degree + offset] = k as i64;
            }
        }
        Self {
            nodes,
            targets,
            sources: matrix.indices().iter().map(|&s| i64::from(s)).collect(),
            max_degree,
            padded,
            isolated,
        }
    }
}

impl EdgeConvConfig {
    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> EdgeConv {
        EdgeConv {
            linear1: seeded_linear(
                2 * self.in_features,
                self.hidden,
                true,
                derive_seed(self.seed, 1),
                device,
            ),
            linear2: seeded_linear(
                self.hidden,
                self.out_features,
                true,
                derive_seed(self.seed, 2),
                device,
            ),
        }
    }
}

impl EdgeConv {
    /// The incoming edges of `graph`'s nodes.
    pub fn neighbourhood(graph: &Graph) -> EdgeNeighbourhood {
        EdgeNeighbourhood::new(graph)
    }

    /// The layer's output.
    pub fn forward(
        &self,
        neighbourhood: &EdgeNeighbourhood,
        x: Tensor<2>,
    ) -> crate::Result<Tensor<2>> {
        check_width(
            "EdgeConv input features (twice the MLP's input)",
            self.linear1.weight.dims()[0],
            2 * x.dims()[1],
        )?;
        let device = x.device();
        let n = neighbourhood;
        let index = |values: &[i64]| {
            Tensor::<1, Int>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device)
        };
        let centre = x.clone().select(0, index(&n.targets));
        let neighbour = x.select(0, index(&n.sources));
        let pair = Tensor::cat(vec![centre.clone(), neighbour - centre], 1);
        let messages = self.linear2.forward(relu(self.linear1.forward(pair)));
        let channels = messages.dims()[1];
        let padding = Tensor::<2>::full([1, channels], f32::NEG_INFINITY, &device);
        let slots = Tensor::cat(vec![messages, padding], 0)
            .select(0, index(&n.padded))
            .reshape([n.nodes, n.max_degree, channels]);
        let maxima = slots.max_dim(1).reshape([n.nodes, channels]);
        let isolated = Tensor::<2, Bool>::from_data(
            TensorData::new(
                n.isolated
                    .iter()
                    .flat_map(|&i| std::iter::repeat_n(i, channels))
                    .collect::<Vec<bool>>(),
                [n.nodes, channels],
            ),
            &device,
        );
        Ok(maxima.mask_fill(isolated, 0.0))
    }
}
