//! Images → graph → GCN: Fashion-MNIST test images embedded by a pretrained MobileNet (cached on
//! disk), connected to their k most similar images (cosine), then classified from a few labelled
//! images per class by a GCN on that graph and by the same model without the edges (an MLP). The
//! pipeline is the library's (`cinder_experiment::ImageGraphPipeline`), as in `cinder image graph`
//! and the demo; the weights default to the embedded MobileNet V1 0.25.
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
use cinder::experiment::{ImageGraphPipeline, Silent};
use cinder::vision::embed::{EmbeddingCache, ImageSource};
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
    let weights = option(&args, "--weights").map(PathBuf::from);
    let per_class: usize = option(&args, "--per-class").map_or(Ok(200), |v| v.parse())?;
    let k: usize = option(&args, "--k").map_or(Ok(10), |v| v.parse())?;
    let seeds: u64 = option(&args, "--seeds").map_or(Ok(5), |v| v.parse())?;
    let label_counts: Vec<usize> = option(&args, "--labels")
        .unwrap_or_else(|| "5,20".into())
        .split(',')
        .map(|v| v.trim().parse())
        .collect::<Result<_, _>>()?;

    let device = Device::flex();
    let model = match &weights {
        Some(path) => Pretrained::open(path, None, HeadChoice::Drop, &device)?,
        None => Pretrained::embedded(HeadChoice::Drop, &device)?,
    };
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
    println!(
        "| labelled per class | GCN on the similarity graph | same model without edges (MLP) |"
    );
    println!("|---|---|---|");
    let stats = |(mean, std): (f64, f64)| format!("{:.2}% ± {:.2}", 100.0 * mean, 100.0 * std);
    for (run, &per) in label_counts.iter().enumerate() {
        // The library's pipeline: embed (the cache serves every run after the first), k-NN
        // graph, GCN vs the same model without edges.
        let pipeline = ImageGraphPipeline {
            k,
            batch_size: 64,
            labels_per_class: Some(per),
            seeds,
            ..ImageGraphPipeline::default()
        };
        let start = Instant::now();
        let result = pipeline.run(
            &model,
            &sources,
            Some(&labels),
            Some(&cache),
            &device,
            &mut Silent,
        )?;
        if run == 0 {
            eprintln!(
                "{} Fashion-MNIST test images, {} ({}-d embeddings): {} from the cache, {} computed; k = {k}: {} edges, {:.1}% of them join images of the same class ({:.1} s)",
                sources.len(),
                model.architecture,
                result.embeddings.dims,
                result.embeddings.cached,
                result.embeddings.computed,
                result.graph.num_edges(),
                100.0 * result.same_class_edge_fraction.unwrap_or(f64::NAN),
                start.elapsed().as_secs_f64()
            );
        }
        let ablation = result.ablation.ok_or("the pipeline ran no comparison")?;
        println!(
            "| {per} | {} | {} |",
            stats(ablation.with_edges_mean_std()),
            stats(ablation.without_edges_mean_std())
        );
    }
    Ok(())
}
