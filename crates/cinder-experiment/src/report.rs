//! The HTML report of a classification run (graph cross-validation folds or node-classification
//! seed runs), built from the run directory's typed records (`config.json`, `metrics.csv`,
//! `folds.csv`), so the training command, `cinder report RUN_DIR` and a library user produce the
//! same page.

use std::path::PathBuf;

use cinder_plot::{BarChart, ConfusionMatrix, Curves, Report, save};

use crate::error::{ExperimentError, Result};
use crate::errors_section::errors_section;
use crate::records::{EpochRow, RunConfig};
use crate::run_directory::RunDirectory;

/// Per-epoch metrics of one unit.
#[derive(Debug, Default, Clone)]
struct UnitCurves {
    train_loss: Vec<f64>,
    validation_accuracy: Vec<f64>,
}

/// Units above this are refused as corrupt rather than allocated for.
const MAX_UNITS: usize = 10_000;

fn curves_by_unit(run: &RunDirectory, rows: &[EpochRow]) -> Result<Vec<UnitCurves>> {
    let mut units: Vec<UnitCurves> = Vec::new();
    for (line, row) in rows.iter().enumerate() {
        if row.unit == 0 || row.unit > MAX_UNITS {
            return Err(ExperimentError::Run {
                path: run.join("metrics.csv"),
                reason: format!(
                    "line {}: fold/run {} out of range 1..={MAX_UNITS}",
                    line + 2,
                    row.unit
                ),
            });
        }
        if units.len() < row.unit {
            units.resize(row.unit, UnitCurves::default());
        }
        let curves = &mut units[row.unit - 1];
        curves.train_loss.push(row.train_loss);
        curves.validation_accuracy.push(row.validation_accuracy);
    }
    Ok(units)
}

/// Builds `report.html` (and its charts under `charts/`) of a run from its records: node
/// seeds or graph folds (classification), or a fine-tuning run (strategies); returns the
/// report's path.
pub fn build_report(run: &RunDirectory) -> Result<PathBuf> {
    let config: RunConfig = run.read_config()?;
    if config.kind == "image-finetune" {
        return crate::image::build_finetune_report(run);
    }
    if config.kind == "link-prediction" {
        return crate::link_report::build_link_report(run);
    }
    let units = curves_by_unit(run, &run.read_epochs()?)?;
    let unit_rows = run.read_units()?;
    let test_accuracy: Vec<f64> = unit_rows.iter().map(|r| r.test_accuracy).collect();
    if units.is_empty() || test_accuracy.is_empty() {
        return Err(ExperimentError::Run {
            path: run.path().to_path_buf(),
            reason: "holds no epochs (metrics.csv) or no folds/runs (folds.csv)".into(),
        });
    }

    let charts = run.subfolder("charts")?;
    let dataset = config.dataset.as_str();
    let unit = config.unit.as_str();
    let model = config.model.as_str();
    let size = (900, 520);
    let curves_of =
        |title: &str, y: &str, pick: fn(&UnitCurves) -> &Vec<f64>, file: &str| -> Result<PathBuf> {
            let mut chart = Curves::new(title, "epoch", y).with_mean_band(units.len() > 1);
            for (index, curves) in units.iter().enumerate() {
                chart = chart.with_series(&format!("{unit} {}", index + 1), pick(curves).clone());
            }
            let path = charts.join(file);
            save(&chart, &path, size)?;
            Ok(path)
        };
    let loss = curves_of(
        &format!("{dataset} {model}: training loss"),
        "cross-entropy",
        |c| &c.train_loss,
        "train_loss.png",
    )?;
    // Mini-batch runs without early stopping evaluate (layer-wise inference) only at the end:
    // their per-epoch validation columns are NaN and there is no curve to draw.
    let validated_per_epoch = units
        .iter()
        .all(|c| c.validation_accuracy.iter().all(|v| v.is_finite()));
    let validation = validated_per_epoch
        .then(|| {
            curves_of(
                &format!("{dataset} {model}: validation accuracy"),
                "accuracy",
                |c| &c.validation_accuracy,
                "validation_accuracy.png",
            )
        })
        .transpose()?;
    let (mean, std) = cinder_nn::mean_std(&test_accuracy);
    let bars = BarChart::new(
        &format!("{dataset} {model}: test accuracy per {unit}"),
        "test accuracy",
        (1..=test_accuracy.len()).map(|k| format!("{k}")).collect(),
        test_accuracy.clone(),
    )
    .with_reference(&format!("mean {:.1}%", 100.0 * mean), mean);
    let bars_path = charts.join("test_accuracy_per_fold.png");
    save(&bars, &bars_path, size)?;

    let mut report = Report::new(&format!("cinder: {model} on {dataset}"));
    if let Some(command) = &config.command {
        report = report.with_command(command);
    }
    report.heading("Summary");
    report.table(
        &[
            "dataset",
            "model",
            "readout",
            &format!("{unit}s"),
            "mean test accuracy",
            "std",
        ],
        &[vec![
            dataset.into(),
            model.into(),
            config.readout.clone().unwrap_or_default(),
            test_accuracy.len().to_string(),
            format!("{:.2}%", 100.0 * mean),
            format!("{:.2}", 100.0 * std),
        ]],
    );
    report.paragraph("std: the population standard deviation over the units (divide by n).");
    if let Some(protocol) = &config.protocol {
        report.paragraph(&format!("Protocol: {protocol}."));
    }
    report.heading(&format!("Per {unit}"));
    report.table(
        &[unit, "best epoch", "validation accuracy", "test accuracy"],
        &unit_rows
            .iter()
            .map(|r| {
                vec![
                    r.unit.to_string(),
                    r.best_epoch.to_string(),
                    r.validation_accuracy.to_string(),
                    r.test_accuracy.to_string(),
                ]
            })
            .collect::<Vec<_>>(),
    );
    report.image(
        &bars_path,
        &format!("Test accuracy of each {unit}; the dashed line is the mean."),
    )?;
    if let Some(first) = config.model_selection.first() {
        report.heading("Model selection");
        report.paragraph(
            "Validation accuracy of every candidate configuration in each fold (all on the same training/validation split); the selected one, and only it, was tested.",
        );
        let mut header = vec!["fold".to_string(), "selected".to_string()];
        header.extend(first.candidates.iter().map(|c| c.description.clone()));
        let rows: Vec<Vec<String>> = config
            .model_selection
            .iter()
            .map(|selection| {
                let mut row = vec![selection.fold.to_string(), selection.selected.clone()];
                row.extend(
                    selection
                        .candidates
                        .iter()
                        .map(|c| format!("{:.3}", c.validation_accuracy)),
                );
                row
            })
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        report.table(&header, &rows);
    }
    report.heading("Training");
    report.image(
        &loss,
        &format!("Training loss per epoch, each {unit} and the mean ± std over {unit}s."),
    )?;
    match &validation {
        Some(validation) => report.image(
            validation,
            "Validation accuracy per epoch (the held-out data used for model selection).",
        )?,
        None => report.paragraph(
            "No validation curve: this run evaluated the validation nodes once, after the last epoch (mini-batch training without early stopping).",
        ),
    }
    if !config.class_names.is_empty() && !config.test_confusion.is_empty() {
        errors_section(
            &mut report,
            &charts,
            ConfusionMatrix::new(
                &format!("{dataset} {model}: test predictions, all {unit}s"),
                config.class_names.clone(),
                config.test_confusion.clone(),
            ),
            &format!(
                "Confusion matrix of the test predictions summed over {unit}s (rows: true class)."
            ),
        )?;
    }
    if let Some(rows) = config.provenance_rows() {
        report.provenance(&rows);
    }
    let path = run.join("report.html");
    report.write(&path)?;
    Ok(path)
}
