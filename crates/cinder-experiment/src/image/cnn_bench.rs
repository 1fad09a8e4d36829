//! Timing a CNN's forward pass (`cinder image bench`): a seeded random model of an architecture
//! (torchvision layout, no weight file needed) on a batch of deterministic inputs of the
//! architecture's shape, warm-up passes first, then the median of the timed passes — the same
//! protocol as `../shared/bench/peer/torch_cnn_bench.py`.

use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use cinder_vision::{Architecture, Cnn};
use serde::Serialize;

use crate::error::{ExperimentError, Result};

/// What to time.
#[derive(Debug, Clone, Copy)]
pub struct CnnBench {
    /// The architecture (random weights, 1000 classes).
    pub architecture: Architecture,
    /// Images per forward pass.
    pub batch_size: usize,
    /// Input side; `None`: the architecture's default (224, or 299 for Inception V3 / Xception).
    pub size: Option<usize>,
    /// Untimed passes first.
    pub warmup: usize,
    /// Timed passes.
    pub repetitions: usize,
    /// Time the inference form (batch norm folded into the convolutions) instead of the
    /// training form.
    pub folded: bool,
}

/// The timing of a [`CnnBench`].
#[derive(Debug, Clone, Serialize)]
pub struct CnnBenchResult {
    /// The architecture's name.
    pub arch: String,
    /// Images per pass.
    pub batch_size: usize,
    /// Input side.
    pub size: usize,
    /// Worker threads of the CPU kernels.
    pub threads: usize,
    /// Timed passes.
    pub reps: usize,
    /// Whether batch norm was folded into the convolutions.
    pub folded: bool,
    /// Median wall time of one forward pass to logits, ms.
    pub ms_per_batch_median: f64,
    /// Fastest pass, ms.
    pub ms_per_batch_min: f64,
    /// `batch_size / median`, images per second.
    pub images_per_s: f64,
}

impl CnnBench {
    /// Builds the model and input, then times the forward passes on `device`.
    pub fn run(&self, device: &Device) -> Result<CnnBenchResult> {
        if self.batch_size == 0 || self.repetitions == 0 {
            return Err(ExperimentError::Nn(cinder_nn::NnError::InvalidOption {
                option: "bench",
                reason: "batch size and repetitions must be at least 1".into(),
            }));
        }
        let size = self
            .size
            .unwrap_or_else(|| self.architecture.default_input().0);
        if size == 0 {
            return Err(ExperimentError::Nn(cinder_nn::NnError::InvalidOption {
                option: "size",
                reason: "the input side must be at least 1 pixel".into(),
            }));
        }
        let mut model = Cnn::random(self.architecture, 1000, 0, device)?;
        if self.folded {
            model = model.folded();
        }
        let values: Vec<f32> = (0..self.batch_size * 3 * size * size)
            .map(|i| ((i * 7919) % 255) as f32 / 127.5 - 1.0)
            .collect();
        let input = Tensor::<4>::from_data(
            TensorData::new(values, [self.batch_size, 3, size, size]),
            device,
        );
        let mut times = Vec::with_capacity(self.repetitions);
        for pass in 0..self.warmup + self.repetitions {
            let start = Instant::now();
            let logits = model.forward(input.clone());
            let _ = logits.into_data();
            if pass >= self.warmup {
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
        let median = cinder_nn::median(&times);
        Ok(CnnBenchResult {
            arch: self.architecture.to_string(),
            batch_size: self.batch_size,
            size,
            threads: rayon::current_num_threads(),
            reps: self.repetitions,
            folded: self.folded,
            ms_per_batch_median: median,
            ms_per_batch_min: times.iter().copied().fold(f64::INFINITY, f64::min),
            images_per_s: self.batch_size as f64 * 1e3 / median,
        })
    }
}
