//! # cinder-datasets
//!
//! Loaders that turn well-known dataset formats into `cinder_graph::Graph`s, offline, with errors
//! that name the file and position at fault.
//!
//! - [`load_planetoid`]: Cora, CiteSeer and PubMed from the original Planetoid pickles, with the
//!   public split.
//! - [`load_graph_directory`]: the PyG peer benchmark's `edge_index`/`x`/`y`/`split` folder
//!   (`.npy` or `.csv`).
//! - [`load_csv_graph`]: cinder's generic `nodes.csv`/`edges.csv` folder.
//! - [`load_musae`]: MUSAE social networks (Twitch) with sparse binary features.
//! - [`load_sdf`]: molecules from SDF V2000 with bond types and an SD property as label.
//! - [`load_tu`], [`load_gin_text`], [`load_folds`]: TU graph-classification benchmarks in the
//!   official and the GIN/DGCNN formats, with fixed 10-fold splits.
//! - [`load_npz_graph`]: the GNN-benchmark `.npz` layout (CSR adjacency and attributes, labels).
//! - [`load_mesh_graph`]: OBJ, OFF and PLY meshes, vertices as nodes and face boundaries as edges.
//! - [`load_image_folder`]: `root/<class>/*.{jpg,png,bmp}` or a flat folder of images.
//! - [`load_idx`], [`load_fashion_mnist`]: MNIST-style IDX image/label files (gzip or raw).
//! - [`fashion_mnist_sample`], [`sample_photo`]: the images cinder ships, compiled in (400
//!   Fashion-MNIST PNGs, two ImageNet sample photos).
//! - [`REGISTRY`], [`load_registered_nodes`], [`load_registered_graphs`], [`open_dataset`]:
//!   datasets by name under `$CINDER_DATA`, or any path with its format detected.
//! - [`download_dataset`]: opt-in downloads, SHA-256 checked and renamed into place atomically.
//!
//! Every parser is fuzzed (random and mutated real files) on each `cargo test`.
//!
//! Generated and shipped data need no files:
//!
//! ```
//! use cinder_datasets::{MotifOptions, ba_shapes, fashion_mnist_sample};
//!
//! // BA-Shapes (Ying et al. 2019): 300 base nodes + 80 five-node houses, motif edges known.
//! let benchmark = ba_shapes(MotifOptions::ba_shapes())?;
//! assert_eq!(benchmark.graph.num_nodes(), 700);
//! assert!(benchmark.motif_edges.iter().any(|&inside| inside));
//! // The 400 Fashion-MNIST test images cinder ships, 40 per class.
//! let sample = fashion_mnist_sample();
//! assert_eq!((sample.class_names.len(), sample.images.len()), (10, 400));
//! # Ok::<(), cinder_datasets::DatasetError>(())
//! ```

mod arrays;
mod checked;
mod csr;
mod error;
mod formats;
#[cfg(test)]
mod fuzz;
mod images;
mod meshes;
mod motifs;
mod sources;

pub use arrays::idx::{
    FASHION_MNIST_CLASSES, IdxImages, embedded_digits, load_fashion_mnist, load_idx, parse_digits,
    parse_idx,
};
pub use arrays::npz::{NpzArrays, load_npz, load_npz_graph};
pub use cinder_graph::{Fold, NodeSplit};
pub use error::{DatasetError, Result};
pub use formats::csv_graph::{load_csv_graph, write_csv_graph};
pub use formats::edge_list::{EdgeList, load_edge_list};
pub use formats::gin_text::{load_folds, load_gin_text};
pub use formats::graph_directory::{
    GraphDirectory, GraphDirectoryCsr, load_graph_directory, load_graph_directory_csr,
};
pub use formats::musae::load_musae;
pub use formats::ogb_link::{LinkDataset, load_ogbl};
pub use formats::planetoid::{PLANETOID_NAMES, Planetoid, load_planetoid, planetoid_directory};
pub use formats::sdf::{Molecules, load_sdf, parse_sdf};
pub use formats::tu::{GraphDataset, load_tu};
pub use images::image_folder::{IMAGE_EXTENSIONS, ImageFolder, is_image, load_image_folder};
pub use images::shipped_images::{
    EmbeddedImage, EmbeddedImageSet, fashion_mnist_sample, sample_photo, sample_photo_names,
};
pub use meshes::mesh::{load_mesh, load_mesh_graph, parse_obj, parse_off};
pub use meshes::ply::parse_ply;
pub use meshes::polygon_mesh::Mesh;
pub use motifs::{MotifBenchmark, MotifOptions, ba_shapes, motif_benchmark, tree_cycles};
pub use sources::download::{
    DOWNLOADS, RemoteFile, cache_directory, download_dataset, ensure_file, sha256_hex,
};
pub use sources::location::{
    data_path, fashion_mnist_directory, fixture_path, require_data, require_fashion_mnist,
    require_fixture, require_weights, weights_path,
};
pub use sources::open::{DataFormat, Dataset, detect_format, open_dataset};
pub use sources::registry::{
    DatasetTask, DiscoveredDataset, GraphSetDataset, LINK_DATASETS, MUTAG_ATOMS, NodeDataset,
    REGISTRY, RegisteredDataset, discovered, find_discovered, load_gin_text_set,
    load_registered_graphs, load_registered_links, load_registered_nodes, registered,
};
