//! Transfer-learning runs (`cinder image finetune`): the typed record of a run comparing
//! fine-tuning strategies (`config.json` of kind `image-finetune`) and its report.

use std::path::PathBuf;

use cinder_plot::{BarChart, ConfusionMatrix, Curves, Report, save};
use cinder_vision::transfer::{FineTuneEpoch, FineTuneReport, Strategy};
use serde::{Deserialize, Serialize};

use super::evaluate::TestOutcome;
use crate::error::{ExperimentError, Result};
use crate::errors_section::errors_section;
use crate::run_directory::RunDirectory;

/// One strategy's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyResult {
    /// Its short name (`head`, `top:N`, `full`).
    pub strategy: String,
    /// What trains, in words.
    pub description: String,
    /// Units of the base that trained.
    pub trained_units: usize,
    /// Units of the base.
    pub total_units: usize,
    /// Test accuracy.
    pub test_accuracy: f64,
    /// Correctly classified test images.
    pub correct: usize,
    /// Test images.
    pub test_images: usize,
    /// Median epoch time, ms (`cinder_nn::statistics::median`).
    pub epoch_ms_median: f64,
    /// Time to run the frozen part once over the training images, s.
    pub cache_seconds: f64,
    /// Per-epoch training loss and accuracy.
    pub history: Vec<FineTuneEpoch>,
    /// Test confusion matrix `[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

impl StrategyResult {
    /// The result of `strategy`, trained as `report` says and tested on `test_images` images.
    pub fn new(
        strategy: &Strategy,
        report: FineTuneReport,
        tested: &TestOutcome,
        test_images: usize,
    ) -> Self {
        let epoch_ms: Vec<f64> = report.history.iter().map(|e| e.milliseconds).collect();
        Self {
            strategy: strategy.name(),
            description: report.strategy,
            trained_units: report.trained_units,
            total_units: report.total_units,
            test_accuracy: tested.accuracy,
            correct: tested.correct,
            test_images,
            epoch_ms_median: cinder_nn::median(&epoch_ms),
            cache_seconds: report.cache_seconds,
            history: report.history,
            confusion: tested.confusion.clone(),
        }
    }

    /// One line for the terminal: test accuracy, trained units, final loss, median epoch.
    pub fn summary_line(&self) -> String {
        format!(
            "{:<34} test accuracy {:.4} ({}/{})  trained units {}/{}  final train loss {:.4}  epoch {:.1} ms (median)",
            self.description,
            self.test_accuracy,
            self.correct,
            self.test_images,
            self.trained_units,
            self.total_units,
            self.history.last().map_or(0.0, |e| e.loss),
            self.epoch_ms_median
        )
    }
}

/// `config.json` of a fine-tuning run (and the `--json` summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FineTuneRun {
    /// Always `image-finetune`.
    pub kind: String,
    /// The image folder's name.
    pub dataset: String,
    /// The image folder.
    pub images: String,
    /// Architecture.
    pub model: String,
    /// Where the weights came from.
    pub weights: String,
    /// Class names, in class order.
    pub class_names: Vec<String>,
    /// Training images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
    /// Epochs per strategy.
    pub epochs: usize,
    /// Learning rate of the head.
    pub head_learning_rate: f64,
    /// Learning rate of the unfrozen base.
    pub base_learning_rate: f64,
    /// Seed of the split, the head and the batch order.
    pub seed: u64,
    /// The command line.
    pub command: String,
    /// One result per strategy, in the order run.
    pub results: Vec<StrategyResult>,
    /// The run directory, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_directory: Option<String>,
}

impl FineTuneRun {
    /// The strategy with the best test accuracy (the first on ties).
    pub fn best(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (index, result) in self.results.iter().enumerate() {
            if best.is_none_or(|b| result.test_accuracy > self.results[b].test_accuracy) {
                best = Some(index);
            }
        }
        best
    }

    /// Writes `config.json`, `metrics.csv` (strategy, epoch, loss, accuracy, ms) and the report
    /// into `directory`; returns the report's path.
    pub fn write(&self, directory: &RunDirectory) -> Result<PathBuf> {
        directory.write_json("config.json", self)?;
        let rows: Vec<(String, usize, f64, f64, f64)> = self
            .results
            .iter()
            .flat_map(|r| {
                r.history.iter().map(|e| {
                    (
                        r.strategy.clone(),
                        e.epoch,
                        e.loss,
                        e.accuracy,
                        e.milliseconds,
                    )
                })
            })
            .collect();
        directory.write_csv(
            "metrics.csv",
            &[
                "strategy",
                "epoch",
                "train_loss",
                "train_accuracy",
                "epoch_ms",
            ],
            &rows,
        )?;
        build_finetune_report(directory)
    }
}

/// Builds `report.html` (and charts) of a fine-tuning run from its `config.json`.
pub fn build_finetune_report(run: &RunDirectory) -> Result<PathBuf> {
    let config: FineTuneRun = run.read_json("config.json")?;
    if config.results.is_empty() {
        return Err(ExperimentError::Run {
            path: run.join("config.json"),
            reason: "no results".into(),
        });
    }
    let model = config.model.as_str();
    let dataset = config.dataset.as_str();
    let charts = run.subfolder("charts")?;
    let mut loss = Curves::new(
        &format!("{model} on {dataset}: training loss"),
        "epoch",
        "cross-entropy",
    );
    let mut accuracy = Curves::new(
        &format!("{model} on {dataset}: training accuracy"),
        "epoch",
        "accuracy",
    );
    for result in &config.results {
        loss = loss.with_series(
            &result.strategy,
            result.history.iter().map(|e| e.loss).collect(),
        );
        accuracy = accuracy.with_series(
            &result.strategy,
            result.history.iter().map(|e| e.accuracy).collect(),
        );
    }
    let loss_path = charts.join("train_loss.png");
    save(&loss, &loss_path, (900, 520))?;
    let accuracy_path = charts.join("train_accuracy.png");
    save(&accuracy, &accuracy_path, (900, 520))?;
    let names: Vec<String> = config.results.iter().map(|r| r.strategy.clone()).collect();
    let tests: Vec<f64> = config.results.iter().map(|r| r.test_accuracy).collect();
    let bars = BarChart::new(
        &format!("{model} on {dataset}: test accuracy per strategy"),
        "test accuracy",
        names.clone(),
        tests,
    );
    let bars_path = charts.join("test_accuracy.png");
    save(&bars, &bars_path, (900, 520))?;

    let mut report = Report::new(&format!("cinder: transfer learning with {model}"));
    report = report.with_command(&config.command);
    report.heading("Summary");
    report.paragraph(&format!(
        "{} training and {} test images, {} classes ({}); {} epochs per strategy, head learning rate {}, base learning rate {}. Batch norm stays in inference mode; the frozen part of the network runs once per image (cached).",
        config.train_images,
        config.test_images,
        config.class_names.len(),
        config.class_names.join(", "),
        config.epochs,
        config.head_learning_rate,
        config.base_learning_rate,
    ));
    report.table(
        &[
            "strategy",
            "what trains",
            "trained units",
            "test accuracy",
            "epoch (median)",
        ],
        &config
            .results
            .iter()
            .map(|r| {
                vec![
                    r.strategy.clone(),
                    r.description.clone(),
                    format!("{}/{}", r.trained_units, r.total_units),
                    format!(
                        "{:.2}% ({}/{})",
                        100.0 * r.test_accuracy,
                        r.correct,
                        r.test_images
                    ),
                    format!("{:.1} ms", r.epoch_ms_median),
                ]
            })
            .collect::<Vec<_>>(),
    );
    report.image(&bars_path, "Test accuracy of each strategy.")?;
    report.heading("Training");
    report.image(
        &loss_path,
        "Training loss per epoch, one curve per strategy.",
    )?;
    report.image(&accuracy_path, "Training accuracy per epoch.")?;
    if let Some(best) = config.best() {
        let counts = config.results[best].confusion.clone();
        if !config.class_names.is_empty() && counts.len() == config.class_names.len() {
            errors_section(
                &mut report,
                &charts,
                ConfusionMatrix::new(
                    &format!("{model}, {}: test predictions", names[best]),
                    config.class_names.clone(),
                    counts,
                ),
                &format!(
                    "Confusion matrix of the best strategy ({}) on the test images (rows: true class).",
                    names[best]
                ),
            )?;
        }
    }
    let path = run.join("report.html");
    report.write(&path)?;
    Ok(path)
}
