//! Transfer learning: a pretrained convolutional base with a new classifier head, trained as a
//! frozen feature extractor or fine-tuned from a chosen depth.
//!
//! The frozen part of the base runs once per image: its output is cached, so each epoch only
//! runs the trainable top (for head-only training, just the head). Batch norm stays in
//! inference mode throughout (running statistics never change; γ/β train when unfrozen), the
//! recommended practice for fine-tuning on small datasets. The unfrozen base gets its own,
//! smaller learning rate.
//!
//! Which strategy, by the rule of thumb of our design notes:
//!
//! | data | similar to ImageNet | strategy |
//! |---|---|---|
//! | big | no | train the whole network ([`Strategy::Full`]) |
//! | big | yes | train the top conv blocks + head ([`Strategy::TopUnits`], a quarter of the units) |
//! | small | no | train some conv blocks + head, carefully ([`Strategy::TopUnits`], half of them) |
//! | small | yes | train the head only ([`Strategy::HeadOnly`]); more would overfit |
//!
//! "Big" here means at least 1000 labelled images per class.

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;

use cinder_nn::cross_entropy_of_labels;

use crate::architectures::head::Head;
use crate::error::{Result, VisionError};
use crate::loading::loader::{MatrixLayout, WeightLoader};
use crate::loading::pretrained::Pretrained;
use crate::loading::weights::write_through_temporary;
use crate::model::Cnn;

/// What is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Feature extraction: the base is frozen, only the new head trains.
    HeadOnly,
    /// The top `n` units of the base (blocks, see [`crate::Backbone::unit_count`]) and the head.
    TopUnits(usize),
    /// Everything.
    Full,
}

impl Strategy {
    /// The short name [`parse`](Self::parse) reads back: `head`, `top:N` or `full`.
    pub fn name(&self) -> String {
        match self {
            Self::HeadOnly => "head".into(),
            Self::TopUnits(n) => format!("top:{n}"),
            Self::Full => "full".into(),
        }
    }

    /// Parses `head`, `top:N` or `full`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "head" | "head-only" | "features" => Ok(Self::HeadOnly),
            "full" | "all" => Ok(Self::Full),
            other => other
                .strip_prefix("top:")
                .and_then(|n| n.parse().ok())
                .map(Self::TopUnits)
                .ok_or_else(|| {
                    VisionError::InvalidArgument(format!(
                        "unknown strategy '{other}' (expected head, top:N or full)"
                    ))
                }),
        }
    }

    /// The rule of thumb (see the module docs) for `images_per_class` labelled images per class
    /// and whether they resemble the pretraining data; `units` is the base's unit count.
    pub fn recommend(images_per_class: usize, similar: bool, units: usize) -> Self {
        let big = images_per_class >= 1000;
        match (big, similar) {
            (true, false) => Self::Full,
            (true, true) => Self::TopUnits((units / 4).max(1)),
            (false, false) => Self::TopUnits((units / 2).max(1)),
            (false, true) => Self::HeadOnly,
        }
    }

    /// How many of `units` are trained.
    pub fn trainable_units(&self, units: usize) -> usize {
        match self {
            Self::HeadOnly => 0,
            Self::TopUnits(n) => (*n).min(units),
            Self::Full => units,
        }
    }

    /// A short name for reports.
    pub fn describe(&self) -> String {
        match self {
            Self::HeadOnly => "head only (feature extraction)".into(),
            Self::TopUnits(n) => format!("top {n} units + head"),
            Self::Full => "whole network".into(),
        }
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct FineTuneConfig {
    /// What is trained.
    pub strategy: Strategy,
    /// Epochs. Default 30.
    pub epochs: usize,
    /// Mini-batch size. Default 16.
    pub batch_size: usize,
    /// Learning rate of the new head (Adam). Default 1e-3.
    pub head_learning_rate: f64,
    /// Learning rate of the unfrozen base. Default 1e-4.
    pub base_learning_rate: f64,
    /// Seed of the head's initialization and the batch order. Default 0.
    pub seed: u64,
}

impl Default for FineTuneConfig {
    fn default() -> Self {
        Self {
            strategy: Strategy::HeadOnly,
            epochs: 30,
            batch_size: 16,
            head_learning_rate: 1e-3,
            base_learning_rate: 1e-4,
            seed: 0,
        }
    }
}

/// One epoch of training.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FineTuneEpoch {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f64,
    /// Training accuracy.
    pub accuracy: f64,
    /// Wall time (ms).
    pub milliseconds: f64,
}

/// Outcome of [`fine_tune`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct FineTuneReport {
    /// The strategy, described.
    pub strategy: String,
    /// Units trained of the base's total.
    pub trained_units: usize,
    /// The base's unit count.
    pub total_units: usize,
    /// Per-epoch training history.
    pub history: Vec<FineTuneEpoch>,
    /// Seconds spent running the frozen part once over all images (the cache).
    pub cache_seconds: f64,
}

/// Labelled images: decoded image and class index.
pub type LabelledImages = Vec<(RgbImage, usize)>;

/// A fine-tuned classifier: the base (as trained) and the new head, cut where the frozen part ends.
#[derive(Debug)]
pub struct FineTuned {
    /// The network with its new head (plain device).
    pub model: Cnn,
    /// Units `0..cut` were frozen.
    pub cut: usize,
    /// Class count.
    pub classes: usize,
}

impl FineTuned {
    /// Predicted classes of images.
    pub fn predict(
        &self,
        pretrained: &Pretrained,
        images: &[RgbImage],
        device: &Device,
    ) -> Vec<usize> {
        let mut predictions = Vec::with_capacity(images.len());
        for chunk in images.chunks(32) {
            let logits = self.model.forward(pretrained.batch(chunk, device));
            predictions.extend(argmax(logits));
        }
        predictions
    }

    /// Accuracy on labelled images.
    pub fn accuracy(
        &self,
        pretrained: &Pretrained,
        images: &LabelledImages,
        device: &Device,
    ) -> f64 {
        let inputs: Vec<RgbImage> = images.iter().map(|(i, _)| i.clone()).collect();
        let predictions = self.predict(pretrained, &inputs, device);
        let labels: Vec<usize> = images.iter().map(|(_, label)| *label).collect();
        let all: Vec<usize> = (0..labels.len()).collect();
        cinder_nn::accuracy(&predictions, &labels, &all)
    }
}

/// Trains a new `classes`-way head (and, by `config.strategy`, the top of the base) on `train`.
/// `device` is a plain device; training runs on its autodiff version.
pub fn fine_tune(
    pretrained: &Pretrained,
    train: &LabelledImages,
    classes: usize,
    config: &FineTuneConfig,
    device: &Device,
    progress: impl FnMut(&FineTuneEpoch),
) -> Result<(FineTuned, FineTuneReport)> {
    fine_tune_resumable(pretrained, train, classes, config, device, None, progress)
}

/// The state a resumable fine-tuning commits after each epoch (`state.json`, beside the
/// epoch's model and optimizer files).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct EpochState {
    /// The configuration it trains (resuming with another one is refused).
    config: String,
    /// Epochs finished.
    epoch: usize,
    /// The shuffling stream's state after that epoch.
    shuffle_state: u64,
    /// The finished epochs.
    history: Vec<FineTuneEpoch>,
}

fn describe_config(config: &FineTuneConfig, classes: usize, images: usize) -> String {
    format!(
        "{} | epochs {} | batch {} | head lr {} | base lr {} | seed {} | {classes} classes | {images} images",
        config.strategy.describe(),
        config.epochs,
        config.batch_size,
        config.head_learning_rate,
        config.base_learning_rate,
        config.seed
    )
}

/// [`fine_tune`] that can be killed and resumed exactly: with `checkpoints`, after every epoch
/// the model, both Adam states and the shuffling state are committed to that folder
/// (`epoch-E.*.bpk`, then `state.json`, each written through a temporary file); called again
/// with the same folder and configuration, it continues after the last committed epoch (and
/// returns at once when all epochs are done). The result equals an uninterrupted run's.
pub fn fine_tune_resumable(
    pretrained: &Pretrained,
    train: &LabelledImages,
    classes: usize,
    config: &FineTuneConfig,
    device: &Device,
    checkpoints: Option<&Path>,
    mut progress: impl FnMut(&FineTuneEpoch),
) -> Result<(FineTuned, FineTuneReport)> {
    if train.is_empty() {
        return Err(VisionError::InvalidArgument("no training images".into()));
    }
    if let Some((_, label)) = train.iter().find(|(_, y)| *y >= classes) {
        return Err(VisionError::InvalidArgument(format!(
            "label {label} out of range for {classes} classes"
        )));
    }
    let mut model = Cnn::new(
        pretrained.model.backbone.clone(),
        None,
        pretrained.model.grid_pool,
    );
    let features = model.feature_count();
    let mut loader = WeightLoader::random(config.seed, device);
    model.head = Some(Head {
        hidden: Vec::new(),
        output: small_head(&mut loader, features, classes),
    });
    let units = model.backbone.unit_count();
    let trained = config.strategy.trainable_units(units);
    let cut = units - trained;

    // Run the frozen part once. With the whole base frozen the pooled features are what is
    // cached (a 1280-vector instead of a 1280×7×7 map per image for MobileNetV2).
    let start = Instant::now();
    let mut maps: Vec<Tensor<4>> = Vec::new();
    let mut pooled: Vec<Tensor<2>> = Vec::new();
    for chunk in train.chunks(config.batch_size.max(1)) {
        let images: Vec<RgbImage> = chunk.iter().map(|(i, _)| i.clone()).collect();
        let map = model
            .backbone
            .forward_units(pretrained.batch(&images, device), 0, cut);
        if trained == 0 {
            pooled.push(model.pool(map));
        } else {
            maps.push(map);
        }
    }
    let cache_seconds = start.elapsed().as_secs_f64();
    let labels: Vec<usize> = train.iter().map(|(_, y)| *y).collect();

    let autodiff = device.clone().autodiff();
    let mut model = model.fork(&autodiff).train();
    let cached = if trained == 0 {
        Cached::Pooled(Tensor::cat(pooled, 0).to_device(&autodiff))
    } else {
        Cached::Maps(Tensor::cat(maps, 0).to_device(&autodiff))
    };
    let mut head_optimizer = AdamConfig::new().init();
    let mut base_optimizer = AdamConfig::new().init();
    let mut history = Vec::with_capacity(config.epochs);
    let mut state = config.seed ^ 0x5eed;
    let description = describe_config(config, classes, train.len());
    let mut first_epoch = 1;
    if let Some(folder) = checkpoints
        && let Some(saved) = read_epoch_state(folder)?
    {
        if saved.config != description {
            return Err(VisionError::InvalidArgument(format!(
                "{}: holds the state of another fine-tuning ({}), not of {description}",
                folder.display(),
                saved.config
            )));
        }
        let file = |what: &str| folder.join(format!("epoch-{}.{what}.bpk", saved.epoch));
        let failed = |what: &str, error: String| {
            VisionError::InvalidArgument(format!(
                "{}: cannot resume: {error}",
                file(what).display()
            ))
        };
        model = model
            .try_load_file(file("model"))
            .map_err(|e| failed("model", e.to_string()))?;
        head_optimizer = head_optimizer
            .load(file("head-adam"))
            .map_err(|e| failed("head-adam", e.to_string()))?;
        base_optimizer = base_optimizer
            .load(file("base-adam"))
            .map_err(|e| failed("base-adam", e.to_string()))?;
        state = saved.shuffle_state;
        first_epoch = saved.epoch + 1;
        history = saved.history;
    }
    for epoch in first_epoch..=config.epochs {
        let start = Instant::now();
        let order = shuffled(labels.len(), &mut state);
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for batch in order.chunks(config.batch_size.max(1)) {
            let index = Tensor::<1, burn::tensor::Int>::from_data(
                TensorData::new(
                    batch.iter().map(|&i| i as i64).collect::<Vec<_>>(),
                    [batch.len()],
                ),
                &autodiff,
            );
            let logits = match &cached {
                Cached::Pooled(features) => model.classify(features.clone().select(0, index)),
                Cached::Maps(maps) => {
                    let map =
                        model
                            .backbone
                            .forward_units(maps.clone().select(0, index), cut, units);
                    model.classify(model.pool(map))
                }
            };
            let batch_labels: Vec<usize> = batch.iter().map(|&i| labels[i]).collect();
            let loss = cross_entropy_of_labels(logits.clone(), &batch_labels, classes);
            loss_sum += loss.clone().into_scalar::<f64>() * batch.len() as f64;
            correct += argmax(logits.inner())
                .iter()
                .zip(&batch_labels)
                .filter(|(p, y)| p == y)
                .count();
            let mut gradients = loss.backward();
            let head_gradients = GradientsParams::from_module(&mut gradients, &model.head);
            model.head = head_optimizer.step(config.head_learning_rate, model.head, head_gradients);
            if trained > 0 {
                let base_gradients = GradientsParams::from_module(&mut gradients, &model.backbone);
                model.backbone =
                    base_optimizer.step(config.base_learning_rate, model.backbone, base_gradients);
            }
        }
        let record = FineTuneEpoch {
            epoch,
            loss: loss_sum / labels.len() as f64,
            accuracy: correct as f64 / labels.len() as f64,
            milliseconds: start.elapsed().as_secs_f64() * 1e3,
        };
        progress(&record);
        history.push(record);
        if let Some(folder) = checkpoints {
            commit_epoch(
                folder,
                &model,
                &head_optimizer,
                &base_optimizer,
                &EpochState {
                    config: description.clone(),
                    epoch,
                    shuffle_state: state,
                    history: history.clone(),
                },
            )?;
        }
    }
    let report = FineTuneReport {
        strategy: config.strategy.describe(),
        trained_units: trained,
        total_units: units,
        history,
        cache_seconds,
    };
    Ok((
        FineTuned {
            model: model.valid(),
            cut,
            classes,
        },
        report,
    ))
}

/// The last committed epoch of a resumable fine-tuning in `folder`, if any.
fn read_epoch_state(folder: &Path) -> Result<Option<EpochState>> {
    let path = folder.join("state.json");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|source| VisionError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| VisionError::InvalidArgument(format!("{}: {e}", path.display())))
}

/// Writes epoch `state.epoch`'s model and optimizer states, then `state.json` naming it (the
/// commit), then removes the previous epoch's files.
fn commit_epoch(
    folder: &Path,
    model: &Cnn,
    head_optimizer: &ModuleOptimizer,
    base_optimizer: &ModuleOptimizer,
    state: &EpochState,
) -> Result<()> {
    // Each file goes through a temporary one (its folder created); errors name the file.
    let file = |epoch: usize, what: &str| folder.join(format!("epoch-{epoch}.{what}.bpk"));
    write_through_temporary(&file(state.epoch, "model"), |path| {
        model.clone().save_file(path).map_err(std::io::Error::other)
    })?;
    for (what, optimizer) in [("head-adam", head_optimizer), ("base-adam", base_optimizer)] {
        write_through_temporary(&file(state.epoch, what), |path| {
            optimizer.save(path).map_err(std::io::Error::other)
        })?;
    }
    let text = serde_json::to_string(state)
        .map_err(|e| VisionError::InvalidArgument(format!("fine-tuning state: {e}")))?;
    write_through_temporary(&folder.join("state.json"), |path| {
        std::fs::write(path, &text)
    })?;
    if state.epoch > 1 {
        for what in ["model", "head-adam", "base-adam"] {
            let _ = std::fs::remove_file(file(state.epoch - 1, what));
        }
    }
    Ok(())
}

/// What the frozen part of the base produced for every training image.
enum Cached {
    /// Pooled features (nothing of the base trains).
    Pooled(Tensor<2>),
    /// Feature maps at the cut (the units after it train).
    Maps(Tensor<4>),
}

fn small_head(loader: &mut WeightLoader, features: usize, classes: usize) -> Linear {
    Head::linear(
        loader,
        "head.weight",
        "head.bias",
        MatrixLayout::OutIn,
        features,
        classes,
    )
}

/// Row-wise argmax.
pub fn argmax(logits: Tensor<2>) -> Vec<usize> {
    let [rows, columns] = logits.dims();
    let values: Vec<f32> = logits.into_data().try_to_vec::<f32>().unwrap_or_default();
    (0..rows)
        .map(|r| {
            let row = &values[r * columns..(r + 1) * columns];
            (0..columns)
                .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                .unwrap_or(0)
        })
        .collect()
}

fn shuffled(count: usize, state: &mut u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        order.swap(i, (z % (i as u64 + 1)) as usize);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_parse_and_follow_the_rule_of_thumb() {
        assert_eq!(Strategy::parse("top:3").unwrap(), Strategy::TopUnits(3));
        assert_eq!(Strategy::parse("head").unwrap(), Strategy::HeadOnly);
        assert!(Strategy::parse("some").is_err());
        assert_eq!(Strategy::recommend(50, true, 19), Strategy::HeadOnly);
        assert_eq!(Strategy::recommend(50, false, 19), Strategy::TopUnits(9));
        assert_eq!(Strategy::recommend(5000, true, 19), Strategy::TopUnits(4));
        assert_eq!(Strategy::recommend(5000, false, 19), Strategy::Full);
        assert_eq!(Strategy::TopUnits(40).trainable_units(19), 19);
    }
}
