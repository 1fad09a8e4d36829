//! Region graphs on Fashion-MNIST: a small CNN is trained on part of the training images and
//! serves as the pretrained extractor; every other image becomes a graph of superpixels (SLIC or a
//! 4×4-pixel grid) whose nodes carry the CNN's feature map (stage `conv2`, 32 channels) averaged
//! over the region plus mean colour and centroid, and a GCN classifies the graphs.
//!
//! ```text
//! cargo run --release --example region_graphs -- \
//!     [--fashion DIR] [--cnn-train 3000] [--graphs 3000] [--test 1000] [--regions slic|grid] [--epochs 60]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use cinder::datasets::{IdxImages, fashion_mnist_directory, load_fashion_mnist};
use cinder::graph::{Fold, Graph};
use cinder::nn::{
    GraphModelKind, GraphSet, GraphTrainingConfig, InputFeatures, Readout, cross_validate,
};
use cinder::vision::explain::feature_maps;
use cinder::vision::regions::{grid_regions, region_graph, slic};
use cinder::vision::transfer::{FineTuneConfig, LabelledImages, Strategy, fine_tune};
use cinder::vision::{
    Architecture, Cnn, Normalization, Preprocessing, Pretrained, Resize, RgbImage,
};

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn rgb(data: &IdxImages, i: usize) -> RgbImage {
    let pixels: Vec<u8> = data.image(i).iter().flat_map(|&v| [v, v, v]).collect();
    RgbImage::from_raw(28, 28, pixels).expect("28×28")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let fashion = option(&args, "--fashion")
        .map(PathBuf::from)
        .or_else(fashion_mnist_directory)
        .ok_or("Fashion-MNIST not found: give --fashion DIR or set CINDER_FASHION_MNIST")?;
    let cnn_train: usize = option(&args, "--cnn-train").map_or(Ok(3000), |v| v.parse())?;
    let graph_train: usize = option(&args, "--graphs").map_or(Ok(3000), |v| v.parse())?;
    let test_count: usize = option(&args, "--test").map_or(Ok(1000), |v| v.parse())?;
    let epochs: usize = option(&args, "--epochs").map_or(Ok(60), |v| v.parse())?;
    let use_slic = option(&args, "--regions").as_deref() != Some("grid");
    let device = Device::flex();
    let train = load_fashion_mnist(&fashion, true)?;
    let test = load_fashion_mnist(&fashion, false)?;

    // 1. The extractor: a small CNN trained on the first `cnn_train` training images.
    let start = Instant::now();
    let scratch = Pretrained {
        model: Cnn::random(Architecture::SmallCnn, 10, 0, &device)?,
        architecture: Architecture::SmallCnn,
        preprocessing: Preprocessing {
            size: (28, 28),
            resize: Resize::Stretch,
            normalization: Normalization::Tf,
        },
        labels: None,
        source: "fashion-mnist".into(),
    };
    let cnn_set: LabelledImages = (0..cnn_train)
        .map(|i| (rgb(&train, i), train.labels[i] as usize))
        .collect();
    let config = FineTuneConfig {
        strategy: Strategy::Full,
        epochs: 15,
        batch_size: 64,
        head_learning_rate: 3e-3,
        base_learning_rate: 3e-3,
        seed: 0,
    };
    let (cnn, _) = fine_tune(&scratch, &cnn_set, 10, &config, &device, |_| {})?;
    let test_set: LabelledImages = (0..test_count)
        .map(|i| (rgb(&test, i), test.labels[i] as usize))
        .collect();
    let cnn_accuracy = cnn.accuracy(&scratch, &test_set, &device);
    let extractor = Pretrained {
        model: cnn.model,
        ..scratch
    };
    println!(
        "small CNN trained on {cnn_train} images in {:.0} s: {:.2}% on the {test_count} test images",
        start.elapsed().as_secs_f64(),
        100.0 * cnn_accuracy
    );

    // 2. Region graphs of the other images.
    let graph_of = |image: &RgbImage,
                    label: usize,
                    with_cnn: bool|
     -> Result<Graph, Box<dyn std::error::Error>> {
        let regions = if use_slic {
            slic(image, 49, 10.0, 10)
        } else {
            grid_regions(28, 28, 4)
        };
        let maps = if with_cnn {
            let input = extractor.batch(std::slice::from_ref(image), &device);
            Some(feature_maps(&extractor.model, input, &["conv2".into()], "small_cnn")?.remove(0))
        } else {
            None
        };
        Ok(region_graph(image, &regions, maps.as_ref(), Some(label))?)
    };
    let train_range = cnn_train..cnn_train + graph_train;
    let mut results = Vec::new();
    for with_cnn in [true, false] {
        let start = Instant::now();
        let mut graphs = Vec::with_capacity(graph_train + test_count);
        for i in train_range.clone() {
            graphs.push(graph_of(
                &rgb(&train, i),
                train.labels[i] as usize,
                with_cnn,
            )?);
        }
        for i in 0..test_count {
            graphs.push(graph_of(&rgb(&test, i), test.labels[i] as usize, with_cnn)?);
        }
        let nodes: usize = graphs.iter().map(Graph::num_nodes).sum();
        let built = start.elapsed().as_secs_f64();
        let config = GraphTrainingConfig {
            epochs,
            patience: 20,
            min_validation_graphs: 0,
            readout: Readout::Mean,
            ..GraphTrainingConfig::new(GraphModelKind::Gcn)
        };
        let set = GraphSet::new(
            &graphs,
            config.model.propagation(config.relations),
            InputFeatures::Auto,
        )?;
        let fold = Fold {
            train: (0..graph_train).collect(),
            test: (graph_train..graph_train + test_count).collect(),
        };
        let report = cross_validate(
            &set,
            &[fold],
            false,
            &config,
            &device.clone().autodiff(),
            &mut |_| {},
        )?;
        println!(
            "{} region graphs ({:.1} nodes on average, {} features per node{}): GCN test accuracy {:.2}% (graphs built in {:.0} s)",
            graphs.len(),
            nodes as f64 / graphs.len() as f64,
            set.width(),
            if with_cnn {
                ", CNN conv2 features"
            } else {
                ", colour + centroid only"
            },
            100.0 * report.mean_test_accuracy,
            built
        );
        results.push(report.mean_test_accuracy);
    }
    println!(
        "| nodes | node features | GCN on region graphs |\n|---|---|---|\n| {} | CNN conv2 (32) + colour + centroid | {:.2}% |\n| {} | colour + centroid | {:.2}% |\n(the CNN itself: {:.2}%)",
        if use_slic {
            "SLIC superpixels"
        } else {
            "4×4 grid cells"
        },
        100.0 * results[0],
        if use_slic {
            "SLIC superpixels"
        } else {
            "4×4 grid cells"
        },
        100.0 * results[1],
        100.0 * cnn_accuracy
    );
    Ok(())
}
