//! The typed records of a run directory: `config.json` ([`RunConfig`]), `metrics.csv` (one
//! [`EpochRow`] per epoch of every unit) and `folds.csv` (one [`UnitRow`] per fold or seed run).
//! Reports are built from these, never from column positions.

use cinder_nn::{EpochRecord, GraphEpochRecord};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::observer::{EpochMetrics, Unit};
use crate::run_directory::RunDirectory;

/// `config.json`: what ran, how, and the headline results (enough to rebuild the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// `node-classification`, `graph-classification` or `image-finetune`.
    #[serde(default = "classification")]
    pub kind: String,
    /// Dataset name.
    pub dataset: String,
    /// Model name (`gcn`, `gin`, …).
    pub model: String,
    /// Graph readout, for graph classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readout: Option<String>,
    /// `fold` (cross-validation) or `run` (repeated training, one per seed).
    #[serde(default = "fold")]
    pub unit: String,
    /// The seeds of the runs (node classification).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seeds: Vec<u64>,
    /// The command line that made the run (for "reproduce with").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The evaluation protocol, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Class names, in class order.
    #[serde(default)]
    pub class_names: Vec<String>,
    /// Test confusion matrix summed over units, `[true][predicted]`.
    #[serde(default)]
    pub test_confusion: Vec<Vec<usize>>,
    /// Mean test accuracy over units.
    #[serde(default)]
    pub mean_test_accuracy: Option<f64>,
    /// Population std of the test accuracy over units (see `cinder_nn::statistics`).
    #[serde(default)]
    pub std_test_accuracy: Option<f64>,
    /// Model selection per fold (graph classification with a grid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_selection: Vec<SelectionRecord>,
    /// Everything else the command records (hyperparameters, feature choice, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl RunConfig {
    /// The `provenance` rows recorded in `config.json` (see [`crate::provenance_fields`]), as
    /// (label, value) pairs for the report; `None` when the run recorded none.
    pub fn provenance_rows(&self) -> Option<Vec<(String, String)>> {
        let rows = self.extra.get("provenance")?.as_array()?;
        Some(
            rows.iter()
                .filter_map(|row| {
                    let pair = row.as_array()?;
                    Some((
                        pair.first()?.as_str()?.into(),
                        pair.get(1)?.as_str()?.into(),
                    ))
                })
                .collect(),
        )
    }
}

fn classification() -> String {
    "classification".into()
}

fn fold() -> String {
    "fold".into()
}

/// One fold's model selection in `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionRecord {
    /// Fold number, from 1.
    pub fold: usize,
    /// The selected configuration, described.
    pub selected: String,
    /// Every candidate and its validation score.
    pub candidates: Vec<CandidateRecord>,
}

/// One candidate configuration's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRecord {
    /// The configuration, described.
    pub description: String,
    /// Its validation accuracy.
    pub validation_accuracy: f64,
    /// Everything else recorded about it.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One epoch of one unit: a row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRow {
    /// The fold or run, from 1 (header `fold` or `run`).
    #[serde(alias = "fold", alias = "run")]
    pub unit: usize,
    /// Epoch, from 1.
    pub epoch: usize,
    /// Training loss.
    pub train_loss: f64,
    /// Training accuracy.
    pub train_accuracy: f64,
    /// Validation loss.
    pub validation_loss: f64,
    /// Validation accuracy.
    pub validation_accuracy: f64,
    /// Wall time of the epoch, ms (header `epoch_ms` or `step_ms`).
    #[serde(alias = "epoch_ms", alias = "step_ms")]
    pub ms: f64,
}

impl EpochRow {
    /// Epoch `record` of node-training run `unit` (its step time as the epoch's time).
    pub fn of_node(unit: usize, record: &EpochRecord) -> Self {
        Self {
            unit,
            epoch: record.epoch,
            train_loss: record.train_loss,
            train_accuracy: record.train_accuracy,
            validation_loss: record.validation_loss,
            validation_accuracy: record.validation_accuracy,
            ms: record.step_ms,
        }
    }

    /// Epoch `record` of cross-validation fold `unit`.
    pub fn of_graph(unit: usize, record: &GraphEpochRecord) -> Self {
        Self {
            unit,
            epoch: record.epoch,
            train_loss: record.train_loss,
            train_accuracy: record.train_accuracy,
            validation_loss: record.validation_loss,
            validation_accuracy: record.validation_accuracy,
            ms: record.epoch_ms,
        }
    }

    /// The numbers a progress event carries: the validation ones only where there is a
    /// validation set and they were measured (NaN marks an epoch that skipped validation).
    pub fn metrics(&self, has_validation: bool) -> EpochMetrics {
        let measured = |value: f64| (has_validation && value.is_finite()).then_some(value);
        EpochMetrics {
            epoch: self.epoch,
            train_loss: self.train_loss,
            train_accuracy: self.train_accuracy,
            validation_loss: measured(self.validation_loss),
            validation_accuracy: measured(self.validation_accuracy),
            ms: self.ms,
        }
    }
}

/// One fold or run: a row of `folds.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    /// The fold or run, from 1 (header `fold` or `run`).
    #[serde(alias = "fold", alias = "run")]
    pub unit: usize,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Validation accuracy of the kept weights.
    pub validation_accuracy: f64,
    /// Test accuracy of the kept weights.
    pub test_accuracy: f64,
}

impl RunDirectory {
    /// Writes `config.json`.
    pub fn write_config(&self, config: &RunConfig) -> Result<()> {
        self.write_json("config.json", config)?;
        Ok(())
    }

    /// Reads `config.json`.
    pub fn read_config(&self) -> Result<RunConfig> {
        self.read_json("config.json")
    }

    /// Writes `metrics.csv` with the unit's own column name (`fold` or `run`).
    pub fn write_epochs(&self, unit: Unit, rows: &[EpochRow]) -> Result<()> {
        let ms = if unit == Unit::Fold {
            "epoch_ms"
        } else {
            "step_ms"
        };
        self.write_csv(
            "metrics.csv",
            &[
                unit.name(),
                "epoch",
                "train_loss",
                "train_accuracy",
                "validation_loss",
                "validation_accuracy",
                ms,
            ],
            rows,
        )
    }

    /// Reads `metrics.csv`.
    pub fn read_epochs(&self) -> Result<Vec<EpochRow>> {
        self.read_csv("metrics.csv")
    }

    /// Writes `folds.csv` with the unit's own column name.
    pub fn write_units(&self, unit: Unit, rows: &[UnitRow]) -> Result<()> {
        self.write_csv(
            "folds.csv",
            &[
                unit.name(),
                "best_epoch",
                "validation_accuracy",
                "test_accuracy",
            ],
            rows,
        )
    }

    /// Reads `folds.csv`.
    pub fn read_units(&self) -> Result<Vec<UnitRow>> {
        self.read_csv("folds.csv")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_bad_rows_name_their_line() {
        let root = std::env::temp_dir().join(format!("cinder-records-{}", std::process::id()));
        let run = RunDirectory::create(&root, "records").unwrap();
        let rows = vec![
            EpochRow {
                unit: 1,
                epoch: 1,
                train_loss: 0.7,
                train_accuracy: 0.5,
                validation_loss: 0.69,
                validation_accuracy: 0.55,
                ms: 1.25,
            },
            EpochRow {
                unit: 2,
                epoch: 1,
                train_loss: 0.6,
                train_accuracy: 0.6,
                validation_loss: 0.65,
                validation_accuracy: 0.6,
                ms: 1.5,
            },
        ];
        run.write_epochs(Unit::Seed, &rows).unwrap();
        let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
        assert!(text.starts_with("run,epoch,train_loss"), "{text}");
        assert!(text.lines().next().unwrap().ends_with(",step_ms"));
        assert_eq!(run.read_epochs().unwrap(), rows);
        let units = vec![UnitRow {
            unit: 1,
            best_epoch: 3,
            validation_accuracy: 0.5,
            test_accuracy: 0.75,
        }];
        run.write_units(Unit::Fold, &units).unwrap();
        assert_eq!(run.read_units().unwrap(), units);

        std::fs::write(
            run.join("folds.csv"),
            "fold,best_epoch,validation_accuracy,test_accuracy\n1,3,0.5,0.75\n2,x,0.5,0.7\n",
        )
        .unwrap();
        let error = run.read_units().unwrap_err().to_string();
        assert!(
            error.contains("folds.csv") && error.contains("line: 3"),
            "{error}"
        );

        let mut config = RunConfig {
            kind: "node-classification".into(),
            dataset: "karate".into(),
            model: "gcn".into(),
            readout: None,
            unit: "run".into(),
            seeds: vec![0, 1],
            command: None,
            protocol: Some("two runs".into()),
            class_names: vec!["0".into(), "1".into()],
            test_confusion: vec![vec![3, 1], vec![0, 4]],
            mean_test_accuracy: Some(0.875),
            std_test_accuracy: Some(0.0),
            model_selection: Vec::new(),
            extra: serde_json::Map::new(),
        };
        config
            .extra
            .insert("hyperparameters".into(), serde_json::json!({"hidden": 16}));
        run.write_config(&config).unwrap();
        assert_eq!(run.read_config().unwrap(), config);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
