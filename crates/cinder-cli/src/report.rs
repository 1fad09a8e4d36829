//! The HTML report of a graph-classification run, rebuilt from the run directory's files
//! (`config.json`, `metrics.csv`, `folds.csv`) so `cinder report RUN_DIR` and the training command
//! produce the same page.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use cinder_plot::{BarChart, ConfusionMatrix, Curves, Report, save};
use clap::Args;

/// Options of `cinder report`.
#[derive(Debug, Args)]
pub struct ReportArguments {
    /// A run directory written by `cinder train graph`, `cinder train node` or `cinder image
    /// finetune` (holds config.json and metrics.csv).
    run: PathBuf,
}

/// Per-epoch metrics of one fold, as read back from `metrics.csv`.
#[derive(Debug, Default, Clone)]
struct FoldCurves {
    train_loss: Vec<f64>,
    train_accuracy: Vec<f64>,
    validation_loss: Vec<f64>,
    validation_accuracy: Vec<f64>,
}

fn read_csv(path: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect())
}

fn number(path: &Path, row: usize, field: &str, text: &str) -> anyhow::Result<f64> {
    text.parse().with_context(|| {
        format!(
            "{}: row {}: {field} {text:?} is not a number",
            path.display(),
            row + 2
        )
    })
}

/// Builds `report.html` (and its charts) in `run`.
pub fn build(run: &Path) -> anyhow::Result<PathBuf> {
    let config_path = run.join("config.json");
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&config_path)
            .with_context(|| format!("reading {}", config_path.display()))?,
    )
    .with_context(|| format!("parsing {}", config_path.display()))?;
    if config["kind"].as_str() == Some("image-finetune") {
        return crate::image::build_finetune_report(run);
    }
    let metrics_path = run.join("metrics.csv");
    let mut folds: Vec<FoldCurves> = Vec::new();
    for (row, fields) in read_csv(&metrics_path)?.iter().enumerate() {
        if fields.len() < 7 {
            bail!(
                "{}: row {} has {} fields, expected 7",
                metrics_path.display(),
                row + 2,
                fields.len()
            );
        }
        let fold = number(&metrics_path, row, "fold", &fields[0])? as usize;
        if fold == 0 || fold > 1000 {
            bail!(
                "{}: row {}: fold {fold} out of range",
                metrics_path.display(),
                row + 2
            );
        }
        if folds.len() < fold {
            folds.resize(fold, FoldCurves::default());
        }
        let curves = &mut folds[fold - 1];
        curves
            .train_loss
            .push(number(&metrics_path, row, "train_loss", &fields[2])?);
        curves
            .train_accuracy
            .push(number(&metrics_path, row, "train_accuracy", &fields[3])?);
        curves
            .validation_loss
            .push(number(&metrics_path, row, "validation_loss", &fields[4])?);
        curves.validation_accuracy.push(number(
            &metrics_path,
            row,
            "validation_accuracy",
            &fields[5],
        )?);
    }
    let folds_path = run.join("folds.csv");
    let fold_rows = read_csv(&folds_path)?;
    let test_accuracy: Vec<f64> = fold_rows
        .iter()
        .enumerate()
        .map(|(row, f)| {
            number(
                &folds_path,
                row,
                "test_accuracy",
                f.get(3).map_or("", String::as_str),
            )
        })
        .collect::<anyhow::Result<_>>()?;
    if folds.is_empty() || test_accuracy.is_empty() {
        bail!("{} holds no epochs or folds", run.display());
    }

    let charts = run.join("charts");
    std::fs::create_dir_all(&charts).with_context(|| format!("creating {}", charts.display()))?;
    let dataset = config["dataset"].as_str().unwrap_or("dataset");
    // Cross-validation runs are per fold; repeated node-classification trainings per seed run.
    let unit = config["unit"].as_str().unwrap_or("fold");
    let model = config["model"].as_str().unwrap_or("model");
    let size = (900, 520);
    let curves_of = |title: &str,
                     y: &str,
                     pick: fn(&FoldCurves) -> &Vec<f64>,
                     file: &str|
     -> anyhow::Result<PathBuf> {
        let mut chart = Curves::new(title, "epoch", y).with_mean_band(folds.len() > 1);
        for (index, fold) in folds.iter().enumerate() {
            chart = chart.with_series(&format!("{unit} {}", index + 1), pick(fold).clone());
        }
        let path = charts.join(file);
        save(&chart, &path, size)?;
        Ok(path)
    };
    let loss = curves_of(
        &format!("{dataset} {model}: training loss"),
        "cross-entropy",
        |f| &f.train_loss,
        "train_loss.png",
    )?;
    let validation = curves_of(
        &format!("{dataset} {model}: validation accuracy"),
        "accuracy",
        |f| &f.validation_accuracy,
        "validation_accuracy.png",
    )?;
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
    if let Some(command) = config["command"].as_str() {
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
            config["readout"].as_str().unwrap_or("").into(),
            test_accuracy.len().to_string(),
            format!("{:.2}%", 100.0 * mean),
            format!("{:.2}", 100.0 * std),
        ]],
    );
    if let Some(protocol) = config["protocol"].as_str() {
        report.paragraph(&format!("Protocol: {protocol}."));
    }
    report.heading(&format!("Per {unit}"));
    report.table(
        &[unit, "best epoch", "validation accuracy", "test accuracy"],
        &fold_rows
            .iter()
            .map(|r| r.iter().take(4).cloned().collect())
            .collect::<Vec<_>>(),
    );
    report.image(
        &bars_path,
        &format!("Test accuracy of each {unit}; the dashed line is the mean."),
    )?;
    if let Some(selections) = config["model_selection"]
        .as_array()
        .filter(|s| !s.is_empty())
    {
        report.heading("Model selection");
        report.paragraph(
            "Validation accuracy of every candidate configuration in each fold (all on the same training/validation split); the selected one, and only it, was tested.",
        );
        let names: Vec<String> = selections[0]["candidates"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|c| c["description"].as_str().unwrap_or("?").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut header = vec!["fold".to_string(), "selected".to_string()];
        header.extend(names);
        let rows: Vec<Vec<String>> = selections
            .iter()
            .map(|selection| {
                let mut row = vec![
                    selection["fold"].to_string(),
                    selection["selected"].as_str().unwrap_or("?").to_string(),
                ];
                if let Some(candidates) = selection["candidates"].as_array() {
                    row.extend(candidates.iter().map(|c| {
                        c["validation_accuracy"]
                            .as_f64()
                            .map_or("?".into(), |a| format!("{a:.3}"))
                    }));
                }
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
    report.image(
        &validation,
        "Validation accuracy per epoch (the held-out data used for model selection).",
    )?;
    if let (Some(names), Some(matrix)) = (
        config["class_names"].as_array(),
        config["test_confusion"].as_array(),
    ) {
        let names: Vec<String> = names
            .iter()
            .map(|n| n.as_str().unwrap_or("?").to_string())
            .collect();
        let counts: Vec<Vec<usize>> = matrix
            .iter()
            .map(|row| {
                row.as_array().map_or_else(Vec::new, |r| {
                    r.iter().map(|c| c.as_u64().unwrap_or(0) as usize).collect()
                })
            })
            .collect();
        let confusion = ConfusionMatrix::new(
            &format!("{dataset} {model}: test predictions, all {unit}s"),
            names,
            counts,
        );
        let path = charts.join("confusion.png");
        save(&confusion, &path, (700, 560))?;
        report.heading("Errors");
        report.image(
            &path,
            &format!(
                "Confusion matrix of the test predictions summed over {unit}s (rows: true class)."
            ),
        )?;
    }
    let path = run.join("report.html");
    report.write(&path)?;
    Ok(path)
}

/// Runs `cinder report`.
pub fn run(arguments: &ReportArguments) -> anyhow::Result<()> {
    let path = build(&arguments.run)?;
    println!("{}", path.display());
    Ok(())
}
