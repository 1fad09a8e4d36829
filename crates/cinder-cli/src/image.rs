//! `cinder image …`: classify photos with a pretrained CNN, extract embeddings, look at feature
//! maps and Grad-CAM, fine-tune on an image folder, and convert weights to a burnpack checkpoint.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::Device;
use cinder_experiment::{
    FeatureMapRequest, FineTuneRun, ImageGraph, ImageGraphPipeline, RunDirectory, StrategyResult,
    write_feature_maps,
};
use cinder_plot::{BarChart, Report, save};
use cinder_vision::checkpoint::{check_checkpoint_path, load_checkpoint, save_checkpoint};
use cinder_vision::embed::EmbeddingCache;
use cinder_vision::transfer::{FineTuneConfig, LabelledImages, Strategy};
use cinder_vision::{Architecture, HeadChoice, Pretrained, load_rgb};
use clap::{Args, Subcommand};

use crate::progress::ProgressBars;
use crate::resources::peak_rss_mb;

/// `cinder image` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Top classes of each image (softmax probabilities), with class names when known.
    Classify(ClassifyArguments),
    /// One embedding per image (global average of the last feature map) into a CSV file.
    Features(FeaturesArguments),
    /// Feature-map grids of named stages and a Grad-CAM overlay for one image.
    FeatureMaps(FeatureMapsArguments),
    /// Transfer learning on an image folder: train a new head (and optionally the top of the
    /// network), comparing strategies, with a plotted report.
    Finetune(FinetuneArguments),
    /// Convert a weight file into a burnpack checkpoint (fast to reload) with a JSON sidecar.
    Convert(ConvertArguments),
    /// Time the forward pass of an architecture (seeded random weights, no file needed) on a
    /// batch of the architecture's input shape: median ms per batch and images per second.
    Bench(BenchArguments),
    /// Image similarity graph: every image a node with its CNN embedding as features, edges to
    /// the k most similar images (cosine), written in cinder's CSV graph format; optionally a
    /// few-labels GCN vs the same model without edges (an MLP).
    Graph(GraphArguments),
    /// Node features from images: for a CSV graph folder whose `nodes.csv` has a column of image
    /// paths, embed every node's image and write the graph with the embeddings as features.
    NodeFeatures(NodeFeaturesArguments),
}

/// Options of `cinder image node-features`.
#[derive(Debug, Args)]
pub struct NodeFeaturesArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// A cinder CSV graph folder (`nodes.csv` with a header, `edges.csv`).
    #[arg(long)]
    graph: PathBuf,
    /// The column of `nodes.csv` holding image paths (relative to --graph, or absolute).
    #[arg(long, default_value = "image")]
    image_column: String,
    /// Output folder: `nodes.csv` without the image column, with `e0, e1, …` embedding columns
    /// appended, and `edges.csv` copied.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    embedding: EmbeddingArguments,
}

/// How images become node features (shared by `image graph` and `image node-features`).
#[derive(Debug, Args)]
pub struct EmbeddingArguments {
    /// Embedding cache (keyed by image bytes, weights and preprocessing). Default:
    /// `$CINDER_CACHE/embeddings`, else `$XDG_CACHE_HOME/cinder/embeddings`, else
    /// `~/.cache/cinder/embeddings`.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not read or write the embedding cache.
    #[arg(long)]
    no_cache: bool,
    /// Images per forward pass.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Reduce the node features to their first K principal components (`image graph` still
    /// finds neighbours on the full embeddings).
    #[arg(long, value_name = "K")]
    pca: Option<usize>,
}

impl EmbeddingArguments {
    /// The embedding cache these flags name (`None` with `--no-cache`).
    fn cache(&self, model: &Pretrained) -> anyhow::Result<Option<EmbeddingCache>> {
        open_cache(self.cache.as_deref(), self.no_cache, model)
    }

    /// Embeds `sources` (cache first), with a progress bar on stderr.
    fn embed(
        &self,
        model: &Pretrained,
        sources: &[cinder_vision::embed::ImageSource],
        device: &Device,
    ) -> anyhow::Result<cinder_vision::embed::Embeddings> {
        let cache = self.cache(model)?;
        Ok(cinder_experiment::embed_observed(
            model,
            sources,
            cache.as_ref(),
            self.batch_size,
            device,
            &mut ProgressBars::new(false),
        )?)
    }
}

/// The embedding cache at `root` (default: `$CINDER_CACHE/embeddings`, …), or none with
/// `no_cache`.
fn open_cache(
    root: Option<&Path>,
    no_cache: bool,
    model: &Pretrained,
) -> anyhow::Result<Option<EmbeddingCache>> {
    if no_cache {
        return Ok(None);
    }
    let root = match root {
        Some(root) => root.to_path_buf(),
        None => cinder_datasets::cache_directory()
            .context("no cache folder (set CINDER_CACHE or give --cache, or use --no-cache)")?
            .join("embeddings"),
    };
    Ok(Some(EmbeddingCache::new(&root, model)?))
}

/// Runs `cinder image node-features`.
pub fn node_features(arguments: &NodeFeaturesArguments, device: &Device) -> anyhow::Result<()> {
    use cinder_vision::embed::ImageSource;
    let model = arguments.model.open(HeadChoice::Drop, device)?.folded();
    let nodes_path = arguments.graph.join("nodes.csv");
    let text = std::fs::read_to_string(&nodes_path)
        .with_context(|| format!("reading {}", nodes_path.display()))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((_, header)) = lines.next() else {
        bail!("{}: empty", nodes_path.display());
    };
    let header: Vec<&str> = header.split(',').map(str::trim).collect();
    let Some(column) = header
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&arguments.image_column))
    else {
        bail!(
            "{}: no column named {:?} (columns: {})",
            nodes_path.display(),
            arguments.image_column,
            header.join(", ")
        );
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut sources = Vec::new();
    for (number, line) in lines {
        let fields: Vec<String> = line.split(',').map(|f| f.trim().to_string()).collect();
        let Some(path) = fields.get(column).filter(|p| !p.is_empty()) else {
            bail!(
                "{}: line {}: no image path in column {:?}",
                nodes_path.display(),
                number + 1,
                arguments.image_column
            );
        };
        let path = PathBuf::from(path);
        let path = if path.is_absolute() {
            path
        } else {
            arguments.graph.join(path)
        };
        if !path.exists() {
            bail!(
                "{}: line {}: image {} does not exist",
                nodes_path.display(),
                number + 1,
                path.display()
            );
        }
        sources.push(ImageSource::File(path));
        rows.push(fields);
    }
    let embeddings = arguments.embedding.embed(&model, &sources, device)?;
    let mut out = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != column)
        .map(|(_, c)| c.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (features, width) =
        cinder_vision::image_graph::embedding_features(&embeddings, arguments.embedding.pca)?;
    for d in 0..width {
        out.push_str(&format!(",e{d}"));
    }
    out.push('\n');
    for (r, fields) in rows.iter().enumerate() {
        let kept: Vec<&str> = fields
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != column)
            .map(|(_, f)| f.as_str())
            .collect();
        out.push_str(&kept.join(","));
        for value in &features[r * width..(r + 1) * width] {
            out.push_str(&format!(",{value}"));
        }
        out.push('\n');
    }
    std::fs::create_dir_all(&arguments.out)
        .with_context(|| format!("creating {}", arguments.out.display()))?;
    cinder_plot::write_atomically(&arguments.out.join("nodes.csv"), out.as_bytes())?;
    let edges = arguments.graph.join("edges.csv");
    let edges_text =
        std::fs::read(&edges).with_context(|| format!("reading {}", edges.display()))?;
    cinder_plot::write_atomically(&arguments.out.join("edges.csv"), &edges_text)?;
    println!(
        "{} nodes: {}-d embeddings of column {:?} ({} from the cache, {} computed) → {}",
        rows.len(),
        embeddings.dims,
        arguments.image_column,
        embeddings.cached,
        embeddings.computed,
        arguments.out.display()
    );
    Ok(())
}

/// Options of `cinder image graph`.
#[derive(Debug, Args)]
pub struct GraphArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// A folder of images: class subfolders (labels) or a flat folder (no labels).
    #[arg(long)]
    images: PathBuf,
    /// Neighbours per image (the union of both directions becomes one undirected edge).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Output folder: `nodes.csv` (id = image path relative to --images, label, features) and
    /// `edges.csv` (source, target, cosine similarity); `cinder data info` reads it.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    embedding: EmbeddingArguments,
    /// Also train a two-layer GCN (hidden 64, no feature row normalization, patience 50) on the
    /// graph from this many labelled images per class (as many
    /// again for validation, the rest for testing) and the same model without the graph's edges
    /// (an MLP on the embeddings), and report both test accuracies.
    #[arg(long)]
    labels_per_class: Option<usize>,
    /// Seeds (splits and initializations) averaged by --labels-per-class.
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
    /// Do not write `report.html` and its charts (embedding scatter, degrees, GCN vs MLP) into
    /// the output folder.
    #[arg(long)]
    no_report: bool,
}

/// Runs `cinder image graph`.
pub fn graph(arguments: &GraphArguments, device: &Device) -> anyhow::Result<()> {
    use cinder_vision::embed::ImageSource;
    let start = std::time::Instant::now();
    if arguments.k == 0 {
        bail!("--k must be at least 1 (neighbours per image)");
    }
    let model = arguments.model.open(HeadChoice::Drop, device)?.folded();
    let folder = cinder_datasets::load_image_folder(&arguments.images)?;
    if folder.images.len() < 2 {
        bail!(
            "{}: need at least 2 images, found {}",
            arguments.images.display(),
            folder.images.len()
        );
    }
    let labelled = folder.labels.iter().all(Option::is_some) && !folder.class_names.is_empty();
    if arguments.labels_per_class.is_some() && !labelled {
        bail!("--labels-per-class needs labels: give --images a folder of class subfolders");
    }
    let sources: Vec<ImageSource> = folder
        .images
        .iter()
        .cloned()
        .map(ImageSource::File)
        .collect();
    let labels: Vec<usize> = folder.labels.iter().map(|l| l.unwrap_or(0)).collect();
    let pipeline = ImageGraphPipeline {
        k: arguments.k,
        pca: arguments.embedding.pca,
        batch_size: arguments.embedding.batch_size,
        labels_per_class: arguments.labels_per_class,
        seeds: arguments.seeds.max(1),
        ..ImageGraphPipeline::default()
    };
    let cache = arguments.embedding.cache(&model)?;
    let ImageGraph {
        embeddings,
        graph,
        same_class_edge_fraction,
        ablation,
    } = pipeline.run(
        &model,
        &sources,
        labelled.then_some(&labels[..]),
        cache.as_ref(),
        device,
        &mut ProgressBars::new(arguments.json),
    )?;
    let width = graph.node_features().map_or(0, |f| f.columns());
    let ids: Vec<String> = folder
        .images
        .iter()
        .map(|p| {
            p.strip_prefix(&arguments.images)
                .unwrap_or(p)
                .display()
                .to_string()
        })
        .collect();
    let same_class = same_class_edge_fraction.unwrap_or(f64::NAN);
    let mut summary = serde_json::json!({
        "images": folder.images.len(),
        "architecture": model.architecture.to_string(),
        "embedding_dims": embeddings.dims,
        "feature_dims": width,
        "embeddings_from_cache": embeddings.cached,
        "embeddings_computed": embeddings.computed,
        "k": arguments.k,
        "edges": graph.num_edges(),
        "same_class_edge_fraction": if labelled { serde_json::json!(same_class) } else { serde_json::Value::Null },
        "out": arguments.out.display().to_string(),
    });
    if !arguments.json {
        println!(
            "{} images → {}-d embeddings ({} from the cache, {} computed); k = {}: {} undirected edges{}",
            folder.images.len(),
            embeddings.dims,
            embeddings.cached,
            embeddings.computed,
            arguments.k,
            graph.num_edges(),
            if labelled {
                format!(
                    ", {:.1}% joining images of the same class",
                    100.0 * same_class
                )
            } else {
                String::new()
            },
        );
    }
    if let Some(ablation) = &ablation {
        let per_class = ablation.labels_per_class;
        let (gcn_mean, gcn_std) = ablation.with_edges_mean_std();
        let (mlp_mean, mlp_std) = ablation.without_edges_mean_std();
        if !arguments.json {
            println!(
                "{per_class} labelled images per class, {} seeds: GCN on the similarity graph {:.2}% ± {:.2}, same model without edges (MLP) {:.2}% ± {:.2}",
                ablation.with_edges.len(),
                100.0 * gcn_mean,
                100.0 * gcn_std,
                100.0 * mlp_mean,
                100.0 * mlp_std
            );
        }
        summary["labels_per_class"] = per_class.into();
        summary["gcn_test_accuracy"] = serde_json::json!(ablation.with_edges);
        summary["mlp_test_accuracy"] = serde_json::json!(ablation.without_edges);
        summary["gcn_mean"] = gcn_mean.into();
        summary["mlp_mean"] = mlp_mean.into();
    }
    // Written only now that everything that can fail on the input has run.
    cinder_datasets::write_csv_graph(
        &graph,
        Some(&ids),
        labelled.then_some(&folder.class_names[..]),
        &arguments.out,
    )?;
    if !arguments.json {
        println!("written to {}", arguments.out.display());
    }
    summary["seconds"] = start.elapsed().as_secs_f64().into();
    if !arguments.no_report {
        let report = graph_report(
            &arguments.out,
            &summary,
            &embeddings.values,
            embeddings.dims,
            &graph,
            labelled.then_some(&folder.class_names[..]),
        )?;
        summary["report"] = report.display().to_string().into();
        if !arguments.json {
            eprintln!("report: {}", report.display());
        }
    }
    if arguments.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(())
}

/// `report.html` of an image graph: the embeddings in 2-D (PCA) by class, the degree
/// distribution and, when run, GCN vs MLP.
fn graph_report(
    out: &Path,
    summary: &serde_json::Value,
    embeddings: &[f32],
    dims: usize,
    graph: &cinder_graph::Graph,
    class_names: Option<&[String]>,
) -> anyhow::Result<PathBuf> {
    use cinder_plot::{DegreeDistribution, Scatter, pca_2d};
    let charts = out.join("charts");
    std::fs::create_dir_all(&charts).with_context(|| format!("creating {}", charts.display()))?;
    let rows = graph.num_nodes();
    let mut report = Report::new("cinder: image similarity graph")
        .with_command(&cinder_experiment::command_line());
    report.heading("Summary");
    report.table(
        &[
            "images",
            "model",
            "embedding",
            "k",
            "edges",
            "same-class edges",
            "from cache",
        ],
        &[vec![
            rows.to_string(),
            summary["architecture"].as_str().unwrap_or("").into(),
            format!("{}-d", dims),
            summary["k"].to_string(),
            graph.num_edges().to_string(),
            summary["same_class_edge_fraction"]
                .as_f64()
                .map_or("n/a".into(), |f| format!("{:.1}%", 100.0 * f)),
            format!("{} of {}", summary["embeddings_from_cache"], rows),
        ]],
    );
    let labels: Vec<usize> = graph
        .node_labels()
        .map_or_else(|| vec![0; rows], <[usize]>::to_vec);
    let names: Vec<String> =
        class_names.map_or_else(|| vec!["images".to_string()], <[String]>::to_vec);
    let scatter = Scatter::new(
        "image embeddings, first two principal components",
        pca_2d(embeddings, rows, dims),
        labels,
        names,
    );
    let scatter_path = charts.join("embeddings_pca.png");
    save(&scatter, &scatter_path, (800, 640))?;
    report.image(
        &scatter_path,
        "The CNN embeddings projected on their first two principal components, coloured by class.",
    )?;
    let degrees_path = charts.join("degrees.png");
    save(
        &DegreeDistribution::new("similarity graph: degree distribution", graph.degrees()),
        &degrees_path,
        (700, 500),
    )?;
    report.image(
        &degrees_path,
        "Degrees of the symmetrized k-nearest-neighbour graph (log-log).",
    )?;
    if let (Some(gcn), Some(mlp)) = (summary["gcn_mean"].as_f64(), summary["mlp_mean"].as_f64()) {
        let bars = BarChart::new(
            &format!(
                "{} labelled images per class: test accuracy",
                summary["labels_per_class"]
            ),
            "test accuracy",
            vec![
                "GCN on the similarity graph".into(),
                "same model without edges (MLP)".into(),
            ],
            vec![gcn, mlp],
        );
        let bars_path = charts.join("gcn_vs_mlp.png");
        save(&bars, &bars_path, (800, 520))?;
        report.heading("Does the graph help?");
        report.image(&bars_path, "Mean test accuracy over seeds: the same two-layer model with and without the similarity graph's edges.")?;
    }
    let path = out.join("report.html");
    report.write(&path)?;
    Ok(path)
}

/// Which network to load.
#[derive(Debug, Args)]
pub struct ModelArguments {
    /// Weights: safetensors (torchvision/timm key names, or the Keras layout of the shared
    /// MobileNets), a PyTorch state dict (.pth/.pt), or a cinder checkpoint (.bpk + .json).
    /// Default: cinder's embedded CNN, ImageNet-pretrained MobileNet V1 0.25 at 128×128 (1001
    /// classes with their names, 256-d embeddings; Apache-2.0, see weights/README.md).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Architecture: mobilenet_v1[_ALPHA], mobilenet_v2, resnet18/34/50/101/152, vgg11/13/16/19
    /// [_bn], inception_v3, xception. Default: from the file's metadata, else its key names.
    #[arg(long)]
    pub arch: Option<String>,
}

impl ModelArguments {
    fn open(&self, head: HeadChoice, device: &Device) -> anyhow::Result<Pretrained> {
        let Some(weights) = &self.weights else {
            if self.arch.is_some() {
                bail!("--arch needs --weights (the embedded default CNN is a MobileNet V1 0.25)");
            }
            return Ok(Pretrained::embedded(head, device)?);
        };
        if !weights.exists() {
            bail!("{}: no such weight file", weights.display());
        }
        if weights.extension().is_some_and(|e| e == "bpk") {
            return Ok(load_checkpoint(weights, device)?);
        }
        let architecture = self.arch.as_deref().map(Architecture::parse).transpose()?;
        Ok(Pretrained::open(weights, architecture, head, device)?)
    }

    /// The weights as given, or the embedded default's name.
    fn describe(&self) -> String {
        self.weights.as_ref().map_or_else(
            || {
                cinder_vision::embedded::embedded_source()
                    .display()
                    .to_string()
            },
            |w| w.display().to_string(),
        )
    }
}

/// Options of `cinder image classify`.
#[derive(Debug, Args)]
pub struct ClassifyArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// Class names, one per line (line i = class i). Default: the embedded CNN's own ImageNet
    /// names without --weights, else `<weights>.labels.txt`, else
    /// `$CINDER_DATA/images/imagenet-samples/imagenet_labels.txt` for 1000/1001-class heads.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// How many classes to print per image.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Print a JSON array: one `{"image", "top": [{"index", "label", "probability"}]}` per image.
    #[arg(long)]
    json: bool,
    /// Image files (JPEG, PNG, BMP).
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

/// Runs `cinder image classify`.
pub fn classify(arguments: &ClassifyArguments, device: &Device) -> anyhow::Result<()> {
    let model = arguments
        .model
        .open(HeadChoice::Keep, device)?
        .with_labels(arguments.labels.as_deref())?
        .folded();
    let mut results = Vec::new();
    for path in &arguments.images {
        let image = load_rgb(path)?;
        let top = model
            .classify(&[image], arguments.top.max(1), device)?
            .remove(0);
        if !arguments.json {
            println!("{}", path.display());
            for (rank, score) in top.iter().enumerate() {
                println!(
                    "  {}. {:.4}  {} ({})",
                    rank + 1,
                    score.probability,
                    score.label.as_deref().unwrap_or("?"),
                    score.index
                );
            }
        }
        results.push(serde_json::json!({
            "image": path.display().to_string(),
            "top": top,
        }));
    }
    if arguments.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}

/// Options of `cinder image features`.
#[derive(Debug, Args)]
pub struct FeaturesArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// A folder of images: class subfolders (the label is the subfolder) or a flat folder.
    #[arg(long)]
    images: PathBuf,
    /// Output CSV: `path,label,f0,f1,…` (label empty for a flat folder), written atomically.
    #[arg(long)]
    out: PathBuf,
    /// Images per forward pass.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Embedding cache (keyed by image bytes, weights and preprocessing). Default:
    /// `$CINDER_CACHE/embeddings`, else `$XDG_CACHE_HOME/cinder/embeddings`, else
    /// `~/.cache/cinder/embeddings`.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not read or write the embedding cache.
    #[arg(long)]
    no_cache: bool,
}

/// Runs `cinder image features`.
pub fn features(arguments: &FeaturesArguments, device: &Device) -> anyhow::Result<()> {
    let model = arguments.model.open(HeadChoice::Drop, device)?.folded();
    let folder = cinder_datasets::load_image_folder(&arguments.images)?;
    if folder.images.is_empty() {
        bail!(
            "{}: no images (jpg, jpeg, png, bmp)",
            arguments.images.display()
        );
    }
    let sources: Vec<cinder_vision::embed::ImageSource> = folder
        .images
        .iter()
        .cloned()
        .map(cinder_vision::embed::ImageSource::File)
        .collect();
    let cache = open_cache(arguments.cache.as_deref(), arguments.no_cache, &model)?;
    let embeddings = cinder_experiment::embed_observed(
        &model,
        &sources,
        cache.as_ref(),
        arguments.batch_size,
        device,
        &mut ProgressBars::new(false),
    )?;
    let width = embeddings.dims;
    let mut csv = String::new();
    for (row, (path, label)) in folder.images.iter().zip(&folder.labels).enumerate() {
        let label = label
            .map(|l| folder.class_names[l].clone())
            .unwrap_or_default();
        csv.push_str(&csv_field(&path.display().to_string()));
        csv.push(',');
        csv.push_str(&csv_field(&label));
        for value in &embeddings.values[row * width..(row + 1) * width] {
            csv.push_str(&format!(",{value}"));
        }
        csv.push('\n');
    }
    let header = std::iter::once("path".to_string())
        .chain(std::iter::once("label".to_string()))
        .chain((0..width).map(|i| format!("f{i}")))
        .collect::<Vec<_>>()
        .join(",");
    cinder_plot::write_atomically(&arguments.out, format!("{header}\n{csv}").as_bytes())?;
    eprintln!(
        "{} embeddings of {width} values ({}) → {}",
        folder.images.len(),
        model.architecture,
        arguments.out.display()
    );
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Options of `cinder image feature-maps`.
#[derive(Debug, Args)]
pub struct FeatureMapsArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// The image.
    image: PathBuf,
    /// Stage to show (repeatable); an unknown name lists the model's stages. Default: a middle
    /// stage and the last one.
    #[arg(long = "stage")]
    stages: Vec<String>,
    /// Output folder: `<stage>.png` grids, `grad_cam.png`, `feature_maps.json`, `report.html`.
    #[arg(long)]
    out: PathBuf,
    /// Class for Grad-CAM (index in the weights' class list). Default: the predicted class.
    #[arg(long)]
    class: Option<usize>,
    /// Channels shown per stage grid (the first N).
    #[arg(long, default_value_t = 32)]
    channels: usize,
}

/// Runs `cinder image feature-maps`.
pub fn feature_maps_command(
    arguments: &FeatureMapsArguments,
    device: &Device,
) -> anyhow::Result<()> {
    let model = arguments
        .model
        .open(HeadChoice::Keep, device)?
        .with_labels(None)?;
    let written = write_feature_maps(
        &model,
        &arguments.image,
        &FeatureMapRequest {
            stages: &arguments.stages,
            class: arguments.class,
            channels: arguments.channels,
            with_report: true,
        },
        &arguments.out,
        device,
    )?;
    for (path, _) in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// Options of `cinder image bench`.
#[derive(Debug, Args)]
pub struct BenchArguments {
    /// Architecture: mobilenet_v1, mobilenet_v2, resnet18…152, vgg11…19(_bn), inception_v3,
    /// xception.
    #[arg(long)]
    arch: String,
    /// Images per forward pass.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Input side (default: the architecture's, 224 or 299).
    #[arg(long)]
    size: Option<usize>,
    /// Worker threads of the CPU kernels (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed passes (after --warmup untimed ones).
    #[arg(long, default_value_t = 10)]
    reps: usize,
    /// Untimed passes first.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Time the model as loaded for training (batch norm a separate layer) instead of the
    /// inference form every image command uses (batch norm folded into the convolutions).
    #[arg(long)]
    unfolded: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `cinder image bench`.
pub fn bench(arguments: &BenchArguments, device: &Device) -> anyhow::Result<()> {
    if let Some(threads) = arguments.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("configuring the thread pool")?;
    }
    let result = cinder_experiment::CnnBench {
        architecture: Architecture::parse(&arguments.arch)?,
        batch_size: arguments.batch_size,
        size: arguments.size,
        warmup: arguments.warmup,
        repetitions: arguments.reps,
        folded: !arguments.unfolded,
    }
    .run(device)?;
    if arguments.json {
        let mut value = serde_json::to_value(&result)?;
        value["peak_rss_mib"] = peak_rss_mb().into();
        println!("{value}");
    } else {
        println!(
            "{} batch {} at {}×{} ({} threads{}): {:.1} ms per batch (median of {}), {:.1} images/s; peak RSS {:.0} MB",
            result.arch,
            result.batch_size,
            result.size,
            result.size,
            result.threads,
            if result.folded {
                ", batch norm folded"
            } else {
                ""
            },
            result.ms_per_batch_median,
            result.reps,
            result.images_per_s,
            peak_rss_mb().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

/// Options of `cinder image convert`.
#[derive(Debug, Args)]
pub struct ConvertArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// Output checkpoint (`.bpk`); its `.json` sidecar is written beside it.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `cinder image convert`.
pub fn convert(arguments: &ConvertArguments, device: &Device) -> anyhow::Result<()> {
    check_checkpoint_path(&arguments.out).context("--out")?;
    let model = arguments
        .model
        .open(HeadChoice::Keep, device)?
        .with_labels(None)?;
    save_checkpoint(&model, &arguments.out)?;
    println!(
        "{} ({}) → {}",
        arguments.model.describe(),
        model.architecture,
        arguments.out.display()
    );
    Ok(())
}

/// Options of `cinder image finetune`.
#[derive(Debug, Args)]
pub struct FinetuneArguments {
    #[command(flatten)]
    model: ModelArguments,
    /// Image folder: class subfolders (split by --test-fraction), or a flat folder of
    /// `<class>_<train|test>_<n>.<ext>` files (the split comes from the names).
    #[arg(long, required_unless_present = "resume")]
    images: Option<PathBuf>,
    /// Continue a killed run from its run directory, with the flags it was started with: every
    /// strategy resumes after its last finished epoch (model and optimizer states are saved
    /// each epoch under `progress/`), finished strategies are not trained again, and the result
    /// equals an uninterrupted run's.
    #[arg(long, value_name = "RUN_DIR")]
    resume: Option<PathBuf>,
    /// Strategies to compare, comma-separated: `head` (feature extraction), `top:N` (the top N
    /// units of the base + head), `full`, or `auto` (the rule of thumb, from the images per class
    /// and --similar).
    #[arg(long, default_value = "head,top:3,full")]
    strategy: String,
    /// The images resemble ImageNet photos (only used by `auto`).
    #[arg(long)]
    similar: bool,
    /// Training epochs per strategy.
    #[arg(long, default_value_t = 15)]
    epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Learning rate of the new head (Adam).
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    lr: f64,
    /// Learning rate of the unfrozen part of the base (smaller, not to destroy what it knows).
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    base_lr: f64,
    /// Fraction of each class held out for testing (class-subfolder layout).
    #[arg(long, default_value_t = 0.3, allow_negative_numbers = true)]
    test_fraction: f64,
    /// Seed of the split, the head's initialization and the batch order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Root of run directories (`<out>/<timestamp>-finetune-<arch>/`).
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Do not write a run directory and report.
    #[arg(long)]
    no_report: bool,
    /// Save the best strategy's network as a checkpoint (`.bpk` + `.json`).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    json: bool,
}

struct Split {
    classes: Vec<String>,
    train: LabelledImages,
    test: LabelledImages,
}

fn load_split(root: &Path, test_fraction: f64, seed: u64) -> anyhow::Result<Split> {
    let folder = cinder_datasets::load_image_folder(root)?;
    if folder.images.is_empty() {
        bail!("{}: no images (jpg, jpeg, png, bmp)", root.display());
    }
    let mut split = Split {
        classes: Vec::new(),
        train: Vec::new(),
        test: Vec::new(),
    };
    if folder.class_names.is_empty() {
        // Flat: <class>_<train|test>_<n>.<ext>.
        for path in &folder.images {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let parts: Vec<&str> = name.split('_').collect();
            let Some(part) = parts.iter().position(|p| *p == "train" || *p == "test") else {
                bail!(
                    "{}: a flat folder needs <class>_<train|test>_<n> names (or use class subfolders)",
                    path.display()
                );
            };
            let class = parts[..part].join("_");
            let index = match split.classes.iter().position(|c| *c == class) {
                Some(i) => i,
                None => {
                    split.classes.push(class);
                    split.classes.len() - 1
                }
            };
            let image = load_rgb(path)?;
            if parts[part] == "train" {
                split.train.push((image, index))
            } else {
                split.test.push((image, index))
            }
        }
    } else {
        if !(0.0..1.0).contains(&test_fraction) {
            bail!("--test-fraction must be in [0, 1), got {test_fraction}");
        }
        split.classes = folder.class_names.clone();
        let labels: Vec<usize> = folder.labels.iter().map(|l| l.unwrap_or(0)).collect();
        let members: Vec<usize> = (0..labels.len()).collect();
        let (train, test) =
            cinder_graph::stratified_holdout(&members, &labels, test_fraction, seed)?;
        for (indices, target) in [(train, &mut split.train), (test, &mut split.test)] {
            for i in indices {
                target.push((load_rgb(&folder.images[i])?, labels[i]));
            }
        }
    }
    if split.train.is_empty() || split.test.is_empty() {
        bail!(
            "{}: need both training and test images ({} / {})",
            root.display(),
            split.train.len(),
            split.test.len()
        );
    }
    Ok(split)
}

/// Parses the flags a fine-tuning run was started with (saved in its `arguments.json`).
#[derive(Debug, clap::Parser)]
struct SavedFinetune {
    #[command(flatten)]
    arguments: FinetuneArguments,
}

/// Runs `cinder image finetune` (or resumes it with `--resume RUN_DIR`).
pub fn finetune(
    arguments: &FinetuneArguments,
    argv: &[String],
    device: &Device,
) -> anyhow::Result<()> {
    let Some(run) = &arguments.resume else {
        return train_finetune(arguments, argv, None, device);
    };
    let (parsed, directory) =
        crate::run_directory::resume::<SavedFinetune>(argv, &["image", "finetune"], run)?;
    train_finetune(&parsed.arguments, argv, Some(directory), device)
}

fn train_finetune(
    arguments: &FinetuneArguments,
    argv: &[String],
    resume: Option<RunDirectory>,
    device: &Device,
) -> anyhow::Result<()> {
    let images = arguments
        .images
        .as_ref()
        .context("--images names the image folder")?;
    for (flag, rate) in [("--lr", arguments.lr), ("--base-lr", arguments.base_lr)] {
        if !(rate.is_finite() && rate > 0.0) {
            bail!("{flag} must be a positive, finite learning rate, got {rate}");
        }
    }
    if let Some(path) = &arguments.save {
        check_checkpoint_path(path).context("--save")?;
    }
    let pretrained = arguments.model.open(HeadChoice::Drop, device)?;
    let split = load_split(images, arguments.test_fraction, arguments.seed)?;
    let directory = crate::run_directory::start(
        resume,
        arguments.no_report,
        &arguments.out,
        &format!("finetune-{}", pretrained.architecture),
        argv,
        &["image", "finetune"],
    )?;
    let units = pretrained.model.backbone.unit_count();
    let per_class = split.train.len() / split.classes.len().max(1);
    let strategies: Vec<Strategy> = arguments
        .strategy
        .split(',')
        .map(|s| match s.trim() {
            "auto" => Ok(Strategy::recommend(per_class, arguments.similar, units)),
            other => Strategy::parse(other),
        })
        .collect::<Result<_, _>>()?;
    let mut results = Vec::new();
    let mut best: Option<(f64, cinder_vision::transfer::FineTuned)> = None;
    for (index, strategy) in strategies.iter().enumerate() {
        let config = FineTuneConfig {
            strategy: *strategy,
            epochs: arguments.epochs,
            batch_size: arguments.batch_size,
            head_learning_rate: arguments.lr,
            base_learning_rate: arguments.base_lr,
            seed: arguments.seed,
        };
        let (model, report) = cinder_experiment::fine_tune_observed(
            &pretrained,
            &split.train,
            split.classes.len(),
            &config,
            device,
            directory
                .as_ref()
                .map(|d| d.join(format!("progress/strategy-{}", index + 1)))
                .as_deref(),
            &mut ProgressBars::new(false),
        )?;
        let inputs: Vec<_> = split.test.iter().map(|(i, _)| i.clone()).collect();
        let predictions = model.predict(&pretrained, &inputs, device);
        let correct = predictions
            .iter()
            .zip(&split.test)
            .filter(|(p, (_, y))| *p == y)
            .count();
        let accuracy = correct as f64 / split.test.len() as f64;
        let mut confusion = vec![vec![0usize; split.classes.len()]; split.classes.len()];
        for (p, (_, y)) in predictions.iter().zip(&split.test) {
            confusion[*y][*p] += 1;
        }
        let epoch_ms = cinder_nn::median(
            &report
                .history
                .iter()
                .map(|e| e.milliseconds)
                .collect::<Vec<_>>(),
        );
        if !arguments.json {
            println!(
                "{:<34} test accuracy {:.4} ({correct}/{})  trained units {}/{}  final train loss {:.4}  epoch {:.1} ms (median)",
                report.strategy,
                accuracy,
                split.test.len(),
                report.trained_units,
                report.total_units,
                report.history.last().map_or(0.0, |e| e.loss),
                epoch_ms
            );
        }
        results.push(StrategyResult {
            strategy: strategy.name(),
            description: report.strategy,
            trained_units: report.trained_units,
            total_units: report.total_units,
            test_accuracy: accuracy,
            correct,
            test_images: split.test.len(),
            epoch_ms_median: epoch_ms,
            cache_seconds: report.cache_seconds,
            history: report.history,
            confusion,
        });
        if best.as_ref().is_none_or(|(a, _)| accuracy > *a) {
            best = Some((accuracy, model));
        }
    }
    let mut summary = FineTuneRun {
        kind: "image-finetune".into(),
        dataset: images.file_name().map_or_else(
            || images.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        images: images.display().to_string(),
        model: pretrained.architecture.to_string(),
        weights: arguments.model.describe(),
        class_names: split.classes.clone(),
        train_images: split.train.len(),
        test_images: split.test.len(),
        epochs: arguments.epochs,
        head_learning_rate: arguments.lr,
        base_learning_rate: arguments.base_lr,
        seed: arguments.seed,
        command: cinder_experiment::command_line(),
        results,
        run_directory: None,
    };
    if let Some(directory) = &directory {
        summary.run_directory = Some(directory.display().to_string());
        if let Some((_, model)) = &best {
            let checkpoint = Pretrained {
                model: model.model.clone(),
                architecture: pretrained.architecture,
                preprocessing: pretrained.preprocessing,
                labels: Some(split.classes.clone()),
                source: directory.join("checkpoints/best.bpk"),
            };
            save_checkpoint(&checkpoint, &directory.join("checkpoints/best.bpk"))?;
        }
        let report = summary.write(directory)?;
        eprintln!("report: {}", report.display());
    }
    if let (Some(path), Some((_, model))) = (&arguments.save, best) {
        let saved = Pretrained {
            model: model.model,
            architecture: pretrained.architecture,
            preprocessing: pretrained.preprocessing,
            labels: Some(split.classes.clone()),
            source: path.clone(),
        };
        save_checkpoint(&saved, path)?;
        eprintln!("best model → {}", path.display());
    }
    if arguments.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(())
}
