//! The records of a link-prediction run that its report is built from: each finished run
//! ([`LinkRun`], `progress/run-K.json`) and each epoch ([`LinkEpochRow`], `metrics.csv`).

use cinder_nn::{LinkEpochRecord, LinkTrainingReport};
use serde::{Deserialize, Serialize};

/// One finished run (saved in `progress/run-K.json` for resume).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkRun {
    /// Its seed (and its split's).
    pub seed: u64,
    /// Its training report.
    pub report: LinkTrainingReport,
}

/// One row of `metrics.csv` of a link run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEpochRow {
    /// The run, from 1.
    pub run: usize,
    /// Epoch, from 1.
    pub epoch: usize,
    /// Training loss.
    pub loss: f64,
    /// Validation ROC AUC (empty on epochs that did not evaluate).
    pub validation_auc: Option<f64>,
    /// Validation average precision.
    pub validation_ap: Option<f64>,
    /// Validation Hits@K.
    pub validation_hits: Option<f64>,
    /// Wall time of the epoch's training steps, ms.
    pub step_ms: f64,
}

impl LinkEpochRow {
    pub(crate) fn of(run: usize, record: &LinkEpochRecord) -> Self {
        Self {
            run,
            epoch: record.epoch,
            loss: record.loss,
            validation_auc: record.validation.map(|v| v.auc),
            validation_ap: record.validation.map(|v| v.ap),
            validation_hits: record.validation.map(|v| v.hits),
            step_ms: record.step_ms,
        }
    }
}
