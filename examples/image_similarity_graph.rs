//! Images → graph → GCN: Fashion-MNIST test images embedded by a pretrained MobileNet (cached on
//! disk), connected to their k most similar images (cosine), then classified from a few labelled
//! images per class by a GCN on that graph and by the same model without the edges (an MLP).
//!
//! ```text
//! cargo run --release --example image_similarity_graph -- \
//!     [--fashion DIR] [--weights FILE] [--per-class 200] [--k 10] [--labels 5,20] [--seeds 5]
//! ```
//! Run it twice: the second run reads every embedding from the cache.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use cinder::datasets::{cache_directory, fashion_mnist_directory, load_fashion_mnist};
use cinder::graph::{Direction, FeatureMatrix, Graph, cosine_knn_graph, few_labels_split};
use cinder::nn::{NodeTrainingConfig, train_node_classifier};
use cinder::vision::embed::{EmbeddingCache, ImageSource, embed_images};
use cinder::vision::{HeadChoice, Pretrained, RgbImage};

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let fashion = option(&args, "--fashion")
        .map(PathBuf::from)
        .or_else(fashion_mnist_directory)
        .ok_or("Fashion-MNIST not found: give --fashion DIR or set CINDER_FASHION_MNIST")?;
    let weights = option(&args, "--weights").map(PathBuf::from).or_else(|| {
        std::env::var_os("CINDER_WEIGHTS")
            .map(|w| PathBuf::from(w).join("mobilenet_v1_0.25_128_imagenet.safetensors"))
    });
    let weights = weights.ok_or("give --weights FILE or set CINDER_WEIGHTS")?;
    let per_class: usize = option(&args, "--per-class").map_or(Ok(200), |v| v.parse())?;
    let k: usize = option(&args, "--k").map_or(Ok(10), |v| v.parse())?;
    let seeds: u64 = option(&args, "--seeds").map_or(Ok(5), |v| v.parse())?;
    let label_counts: Vec<usize> = option(&args, "--labels")
        .unwrap_or_else(|| "5,20".into())
        .split(',')
        .map(|v| v.trim().parse())
        .collect::<Result<_, _>>()?;

    let device = Device::flex();
    let model = Pretrained::open(&weights, None, HeadChoice::Drop, &device)?;
    let data = load_fashion_mnist(&fashion, false)?;
    let (mut sources, mut labels, mut counts) = (Vec::new(), Vec::new(), [0usize; 10]);
    for i in 0..data.len() {
        let label = data.labels[i] as usize;
        if counts[label] < per_class {
            counts[label] += 1;
            let rgb: Vec<u8> = data.image(i).iter().flat_map(|&v| [v, v, v]).collect();
            sources.push(ImageSource::Pixels(
                RgbImage::from_raw(28, 28, rgb).ok_or("28×28")?,
            ));
            labels.push(label);
        }
    }
    let cache_root = cache_directory()
        .ok_or("no cache folder: set CINDER_CACHE")?
        .join("embeddings");
    let cache = EmbeddingCache::new(&cache_root, &model)?;
    let start = Instant::now();
    let embeddings = embed_images(&model, &sources, Some(&cache), 64, &device, |_| {})?;
    println!(
        "{} Fashion-MNIST test images, {} ({}-d embeddings): {} from the cache, {} computed in {:.1} s",
        sources.len(),
        model.architecture,
        embeddings.dims,
        embeddings.cached,
        embeddings.computed,
        start.elapsed().as_secs_f64()
    );
    let features =
        || FeatureMatrix::dense(embeddings.rows, embeddings.dims, embeddings.values.clone());
    let graph = cosine_knn_graph(&embeddings.values, embeddings.rows, embeddings.dims, k)?
        .with_node_features(features()?)?
        .with_node_labels(labels.clone())?;
    let same = graph
        .edges()
        .filter(|(s, t)| labels[*s] == labels[*t])
        .count() as f64
        / graph.num_edges() as f64;
    println!(
        "k = {k}: {} edges, {:.1}% of them join images of the same class",
        graph.num_edges(),
        100.0 * same
    );
    let without_edges = Graph::from_coordinates(
        embeddings.rows,
        Vec::new(),
        Vec::new(),
        Direction::Undirected,
    )?
    .with_node_features(features()?)?
    .with_node_labels(labels.clone())?;
    let autodiff = device.autodiff();
    println!(
        "| labelled per class | GCN on the similarity graph | same model without edges (MLP) |"
    );
    println!("|---|---|---|");
    for &per in &label_counts {
        let (mut gcn, mut mlp) = (Vec::new(), Vec::new());
        for seed in 0..seeds {
            let split = few_labels_split(&labels, per, per, seed)?;
            let config = NodeTrainingConfig::new().with_seed(seed);
            gcn.push(
                train_node_classifier(&graph, &split, &config, &autodiff)?
                    .1
                    .test_accuracy,
            );
            mlp.push(
                train_node_classifier(&without_edges, &split, &config, &autodiff)?
                    .1
                    .test_accuracy,
            );
        }
        let stats = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            format!("{:.2}% ± {:.2}", 100.0 * mean, 100.0 * std)
        };
        println!("| {per} | {} | {} |", stats(&gcn), stats(&mlp));
    }
    Ok(())
}
