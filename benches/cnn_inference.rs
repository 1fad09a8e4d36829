//! CNN inference throughput: MobileNetV2 and ResNet50 at 224×224, batch 16, forward pass to
//! logits on the CPU backend (Flex). Weights are seeded random values: speed does not depend on
//! them. Criterion's throughput line is images per second.
//!
//! `cargo bench --bench cnn_inference`

use std::hint::black_box;

use burn::tensor::{Device, Tensor, TensorData};
use cinder::experiment::peak_resident_megabytes;
use cinder::vision::{Architecture, Cnn};
use criterion::{Criterion, Throughput};

const BATCH: usize = 16;

fn bench_models(criterion: &mut Criterion) {
    let device = Device::flex();
    let mut group = criterion.benchmark_group("cnn inference 224x224");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    let values: Vec<f32> = (0..BATCH * 3 * 224 * 224)
        .map(|i| ((i * 7919) % 255) as f32 / 127.5 - 1.0)
        .collect();
    let input = Tensor::<4>::from_data(TensorData::new(values, [BATCH, 3, 224, 224]), &device);
    for (name, architecture) in [
        ("mobilenet_v2", Architecture::MobileNetV2),
        ("resnet50", Architecture::ResNet { depth: 50 }),
    ] {
        let model = Cnn::random(architecture, 1000, 0, &device).expect("known architecture");
        group.bench_function(format!("{name}, batch {BATCH}"), |bench| {
            bench.iter(|| {
                let logits = model.forward(input.clone());
                black_box(logits.into_data())
            })
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    bench_models(&mut criterion);
    criterion.final_summary();
    if let Some(megabytes) = peak_resident_megabytes() {
        println!("peak resident memory: {megabytes:.0} MB");
    }
}
