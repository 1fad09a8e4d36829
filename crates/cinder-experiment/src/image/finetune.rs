//! Transfer learning as one request (`cinder image finetune`): fine-tune a pretrained CNN on an
//! image folder with each of several strategies, test each on the held-out images, keep the best
//! network, and write the run ([`FineTuneRun`]'s records and report, the best checkpoint).

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use cinder_vision::checkpoint::save_checkpoint;
use cinder_vision::transfer::{
    FineTuneConfig, FineTuneReport, FineTuned, LabelledImages, Strategy, fine_tune_resumable,
};
use cinder_vision::{HeadChoice, Pretrained};

use super::evaluate::evaluate_fine_tuned;
use super::finetune_record::{FineTuneRun, StrategyResult};
use super::source::CnnSource;
use super::split::ImageFolderSplit;
use crate::error::{Result, invalid};
use crate::observer::{EpochMetrics, Event, Observer, Unit};
use crate::provenance::command_line;
use crate::run_directory::RunDirectory;

/// A strategy to compare: a fixed one, or the rule of thumb for the data at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyChoice {
    /// This strategy.
    Fixed(Strategy),
    /// [`Strategy::recommend`] for the training images per class, whether they resemble the
    /// pretraining photos, and the base's units.
    Auto,
}

impl StrategyChoice {
    /// Parses a comma-separated list of `head`, `top:N`, `full` or `auto`.
    pub fn parse_list(text: &str) -> Result<Vec<Self>> {
        text.split(',')
            .map(|s| match s.trim() {
                "auto" => Ok(Self::Auto),
                other => Ok(Self::Fixed(Strategy::parse(other)?)),
            })
            .collect()
    }
}

/// Everything `cinder image finetune` does, as options.
#[derive(Debug, Clone, PartialEq)]
pub struct FineTuneRequest {
    /// The pretrained CNN (its classifier is replaced).
    pub model: CnnSource,
    /// Image folder: class subfolders (split by `test_fraction`), or a flat folder of
    /// `<class>_<train|test>_<n>.<ext>` files.
    pub images: PathBuf,
    /// Strategies to compare, comma-separated (see [`StrategyChoice::parse_list`]).
    pub strategies: String,
    /// The images resemble ImageNet photos (only used by `auto`).
    pub similar: bool,
    /// Training epochs per strategy.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Learning rate of the new head (Adam).
    pub head_learning_rate: f64,
    /// Learning rate of the unfrozen part of the base.
    pub base_learning_rate: f64,
    /// Fraction of each class held out for testing (class-subfolder layout).
    pub test_fraction: f64,
    /// Seed of the split, the head's initialization and the batch order.
    pub seed: u64,
}

/// A finished fine-tuning comparison: its record and the best network.
#[derive(Debug)]
pub struct FineTuneOutcome {
    /// The record (`config.json`, the `--json` summary).
    pub run: FineTuneRun,
    /// The network of the strategy with the best test accuracy (the first on ties).
    pub best: Option<FineTuned>,
}

impl FineTuneRequest {
    /// Refuses learning rates that are not positive and finite.
    pub fn check(&self) -> Result<()> {
        for (option, rate) in [
            ("head_learning_rate", self.head_learning_rate),
            ("base_learning_rate", self.base_learning_rate),
        ] {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(invalid(
                    option,
                    format!("must be a positive, finite learning rate, got {rate}"),
                ));
            }
        }
        Ok(())
    }

    /// Loads the pretrained CNN without its classifier, as [`run`](Self::run) wants it.
    pub fn open_model(&self, device: &Device) -> Result<Pretrained> {
        self.model.open(HeadChoice::Drop, device)
    }

    /// Reads and splits the image folder (see [`ImageFolderSplit::load`]).
    pub fn load_split(&self) -> Result<ImageFolderSplit> {
        ImageFolderSplit::load(&self.images, self.test_fraction, self.seed)
    }

    /// Fine-tunes `pretrained` (from [`open_model`](Self::open_model))
    /// on `split` with every strategy in turn on `device`, reporting progress and one
    /// [`Event::Note`] per tested strategy ([`StrategyResult::summary_line`]) to `observer`.
    /// With a run directory, each strategy commits every epoch under
    /// `progress/strategy-K/` and a killed run resumes from there exactly.
    pub fn run(
        &self,
        pretrained: &Pretrained,
        split: &ImageFolderSplit,
        device: &Device,
        directory: Option<&RunDirectory>,
        observer: &mut dyn Observer,
    ) -> Result<FineTuneOutcome> {
        self.check()?;
        let units = pretrained.model.backbone.unit_count();
        let per_class = split.train.len() / split.classes.len().max(1);
        let strategies: Vec<Strategy> = StrategyChoice::parse_list(&self.strategies)?
            .into_iter()
            .map(|choice| match choice {
                StrategyChoice::Fixed(strategy) => strategy,
                StrategyChoice::Auto => Strategy::recommend(per_class, self.similar, units),
            })
            .collect();
        let mut results = Vec::new();
        let mut best: Option<(f64, FineTuned)> = None;
        for (index, strategy) in strategies.iter().enumerate() {
            let config = FineTuneConfig {
                strategy: *strategy,
                epochs: self.epochs,
                batch_size: self.batch_size,
                head_learning_rate: self.head_learning_rate,
                base_learning_rate: self.base_learning_rate,
                seed: self.seed,
            };
            let checkpoints = directory.map(|d| d.join(format!("progress/strategy-{}", index + 1)));
            let (model, report) = fine_tune_observed(
                pretrained,
                &split.train,
                split.classes.len(),
                &config,
                device,
                checkpoints.as_deref(),
                observer,
            )?;
            let tested = evaluate_fine_tuned(&model, pretrained, &split.test, device);
            let result = StrategyResult::new(strategy, report, &tested, split.test.len());
            observer.observe(&Event::Note(&result.summary_line()));
            results.push(result);
            if best.as_ref().is_none_or(|(a, _)| tested.accuracy > *a) {
                best = Some((tested.accuracy, model));
            }
        }
        Ok(FineTuneOutcome {
            run: self.record(pretrained, split, results),
            best: best.map(|(_, model)| model),
        })
    }

    /// The run's record, without a run directory yet.
    fn record(
        &self,
        pretrained: &Pretrained,
        split: &ImageFolderSplit,
        results: Vec<StrategyResult>,
    ) -> FineTuneRun {
        let images = &self.images;
        FineTuneRun {
            kind: "image-finetune".into(),
            dataset: images.file_name().map_or_else(
                || images.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            images: images.display().to_string(),
            model: pretrained.architecture.to_string(),
            weights: self.model.describe(),
            class_names: split.classes.clone(),
            train_images: split.train.len(),
            test_images: split.test.len(),
            epochs: self.epochs,
            head_learning_rate: self.head_learning_rate,
            base_learning_rate: self.base_learning_rate,
            seed: self.seed,
            command: command_line(),
            results,
            run_directory: None,
        }
    }
}

impl FineTuneOutcome {
    /// Writes the run into `directory`: the best network as `checkpoints/best.bpk` (with the new
    /// class names), `config.json`, `metrics.csv` and the report. Returns the report's path.
    pub fn write(&mut self, pretrained: &Pretrained, directory: &RunDirectory) -> Result<PathBuf> {
        self.run.run_directory = Some(directory.display().to_string());
        self.save_best(pretrained, &directory.join("checkpoints/best.bpk"))?;
        self.run.write(directory)
    }

    /// Saves the best network (fine-tuned from `pretrained`) with the new class names as a
    /// checkpoint at `path` (`.bpk` + `.json`); `false` when no strategy ran.
    pub fn save_best(&self, pretrained: &Pretrained, path: &Path) -> Result<bool> {
        let Some(best) = &self.best else {
            return Ok(false);
        };
        let checkpoint = Pretrained {
            model: best.model.clone(),
            architecture: pretrained.architecture,
            preprocessing: pretrained.preprocessing,
            labels: Some(self.run.class_names.clone()),
            source: path.to_path_buf(),
        };
        save_checkpoint(&checkpoint, path)?;
        Ok(true)
    }
}

/// Fine-tunes `pretrained` on `train` (see `cinder_vision::transfer::fine_tune`), reporting a
/// [`Unit::FineTuning`] with one [`Event::Epoch`] per epoch (training loss and accuracy) to
/// `observer`, labelled with the strategy's name. With `checkpoints`, every
/// epoch is committed to that folder and a killed run resumes from it exactly
/// (`cinder_vision::transfer::fine_tune_resumable`).
pub fn fine_tune_observed(
    pretrained: &Pretrained,
    train: &LabelledImages,
    classes: usize,
    config: &FineTuneConfig,
    device: &Device,
    checkpoints: Option<&std::path::Path>,
    observer: &mut dyn Observer,
) -> Result<(FineTuned, FineTuneReport)> {
    observer.observe(&Event::Started {
        unit: Unit::FineTuning,
        index: 1,
        count: 1,
        steps: config.epochs,
        label: &config.strategy.name(),
    });
    let outcome = fine_tune_resumable(
        pretrained,
        train,
        classes,
        config,
        device,
        checkpoints,
        |epoch| {
            observer.observe(&Event::Epoch {
                unit: Unit::FineTuning,
                index: 1,
                metrics: EpochMetrics {
                    epoch: epoch.epoch,
                    train_loss: epoch.loss,
                    train_accuracy: epoch.accuracy,
                    validation_loss: None,
                    validation_accuracy: None,
                    ms: epoch.milliseconds,
                },
            });
        },
    )?;
    observer.observe(&Event::Finished {
        unit: Unit::FineTuning,
        index: 1,
        count: 1,
        best_epoch: None,
        validation_accuracy: None,
        test_accuracy: None,
    });
    Ok(outcome)
}
