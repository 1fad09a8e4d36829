//! The report of a link-prediction run: loss and validation curves, ROC and precision–recall
//! curves of each run's test pairs, the score distributions of positives and negatives, and the
//! test AUC by endpoint degree (where the model fails: sparse, cold-start nodes). Built from the
//! run directory's records (`config.json`, `metrics.csv`, `curves.json`), so `cinder report`
//! rebuilds it.

use std::path::PathBuf;

use cinder_nn::{DegreeBucket, LinkTrainingReport};
use cinder_plot::{BarChart, Curves, LineChart, Report, save};
use serde::{Deserialize, Serialize};

use crate::error::{ExperimentError, Result};
use crate::link_records::{LinkEpochRow, LinkRun};
use crate::records::RunConfig;
use crate::run_directory::RunDirectory;

/// Points kept per ROC or precision–recall curve.
const CURVE_POINTS: usize = 400;
/// Bins of the score distributions.
const BINS: usize = 25;

/// What the report draws beyond the epochs: `curves.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkCurves {
    /// Per run: test ROC curve points (false positive rate, true positive rate).
    pub roc: Vec<Vec<(f64, f64)>>,
    /// Per run: test precision–recall points (recall, precision).
    pub precision_recall: Vec<Vec<(f64, f64)>>,
    /// Share of the test positives in each of [`BINS`] probability bins, pooled over runs.
    pub positive_histogram: Vec<f64>,
    /// Share of the test negatives in each bin.
    pub negative_histogram: Vec<f64>,
    /// Test AUC by degree bucket, averaged over the runs that have the bucket; counts summed.
    pub degree_buckets: Vec<DegreeBucket>,
    /// Per run: test AUC, AP and Hits@K.
    pub per_run: Vec<(f64, f64, f64)>,
    /// The K of Hits@K.
    pub hits_k: usize,
}

impl LinkCurves {
    /// The curves of finished runs.
    pub fn of(runs: &[LinkRun]) -> Self {
        let reports: Vec<&LinkTrainingReport> = runs.iter().map(|r| &r.report).collect();
        let histogram = |pick: fn(&LinkTrainingReport) -> &Vec<f32>| {
            let mut counts = [0.0f64; BINS];
            let mut total = 0.0;
            for report in &reports {
                for &p in pick(report) {
                    let bin = ((p.clamp(0.0, 1.0) * BINS as f32) as usize).min(BINS - 1);
                    counts[bin] += 1.0;
                    total += 1.0;
                }
            }
            counts.iter().map(|c| c / f64::max(total, 1.0)).collect()
        };
        let mut degree_buckets: Vec<(DegreeBucket, f64, usize)> = Vec::new();
        for report in &reports {
            for bucket in &report.auc_by_degree {
                match degree_buckets
                    .iter_mut()
                    .find(|(b, _, _)| b.low == bucket.low)
                {
                    Some((sum, auc_sum, with_auc)) => {
                        sum.positives += bucket.positives;
                        sum.negatives += bucket.negatives;
                        if let Some(auc) = bucket.auc {
                            *auc_sum += auc;
                            *with_auc += 1;
                        }
                    }
                    None => degree_buckets.push((
                        bucket.clone(),
                        bucket.auc.unwrap_or(0.0),
                        usize::from(bucket.auc.is_some()),
                    )),
                }
            }
        }
        degree_buckets.sort_by_key(|(b, _, _)| b.low);
        Self {
            roc: reports.iter().map(|r| roc_points(r)).collect(),
            precision_recall: reports.iter().map(|r| precision_recall_points(r)).collect(),
            positive_histogram: histogram(|r| &r.test_positive_scores),
            negative_histogram: histogram(|r| &r.test_negative_scores),
            degree_buckets: degree_buckets
                .into_iter()
                .map(|(mut bucket, auc_sum, with_auc)| {
                    bucket.auc = (with_auc > 0).then(|| auc_sum / with_auc as f64);
                    bucket
                })
                .collect(),
            per_run: reports
                .iter()
                .map(|r| (r.test.auc, r.test.ap, r.test.hits))
                .collect(),
            hits_k: reports.first().map_or(0, |r| r.test.hits_k),
        }
    }
}

/// The test pairs sorted by score, highest first, with their truth; the cumulative counts at
/// each distinct score (ties together).
fn thresholds(report: &LinkTrainingReport) -> Vec<(usize, usize)> {
    let mut scored: Vec<(f32, bool)> = report
        .test_positive_scores
        .iter()
        .map(|&s| (s, true))
        .chain(report.test_negative_scores.iter().map(|&s| (s, false)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0, 0);
    let mut cumulative = Vec::new();
    for (i, &(score, positive)) in scored.iter().enumerate() {
        if positive {
            tp += 1;
        } else {
            fp += 1;
        }
        if scored.get(i + 1).is_none_or(|next| next.0 != score) {
            cumulative.push((tp, fp));
        }
    }
    cumulative
}

fn thinned(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let step = points.len().div_ceil(CURVE_POINTS).max(1);
    let last = points.last().copied();
    let mut kept: Vec<(f64, f64)> = points.into_iter().step_by(step).collect();
    if let Some(last) = last
        && kept.last() != Some(&last)
    {
        kept.push(last);
    }
    kept
}

fn roc_points(report: &LinkTrainingReport) -> Vec<(f64, f64)> {
    let positives = report.test_positive_scores.len().max(1) as f64;
    let negatives = report.test_negative_scores.len().max(1) as f64;
    let mut points = vec![(0.0, 0.0)];
    points.extend(
        thresholds(report)
            .into_iter()
            .map(|(tp, fp)| (fp as f64 / negatives, tp as f64 / positives)),
    );
    thinned(points)
}

fn precision_recall_points(report: &LinkTrainingReport) -> Vec<(f64, f64)> {
    let positives = report.test_positive_scores.len().max(1) as f64;
    thinned(
        thresholds(report)
            .into_iter()
            .map(|(tp, fp)| (tp as f64 / positives, tp as f64 / (tp + fp).max(1) as f64))
            .collect(),
    )
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    cinder_nn::mean_std(values)
}

/// Builds `report.html` (and its charts under `charts/`) of a link-prediction run.
pub fn build_link_report(run: &RunDirectory) -> Result<PathBuf> {
    let config: RunConfig = run.read_config()?;
    let rows: Vec<LinkEpochRow> = run.read_csv("metrics.csv")?;
    let curves: LinkCurves = run.read_json("curves.json")?;
    let runs = curves.per_run.len();
    if rows.is_empty() || runs == 0 {
        return Err(ExperimentError::Run {
            path: run.path().to_path_buf(),
            reason: "holds no epochs (metrics.csv) or no finished runs (curves.json)".into(),
        });
    }
    let charts = run.subfolder("charts")?;
    let (dataset, model) = (config.dataset.as_str(), config.model.as_str());
    let size = (900, 520);
    let k = curves.hits_k;

    let mut loss = Curves::new(
        &format!("{dataset} {model}: training loss"),
        "epoch",
        "loss",
    )
    .with_mean_band(runs > 1);
    let mut validation = LineChart::new(
        &format!("{dataset} {model}: validation AUC"),
        "epoch",
        "ROC AUC",
    );
    let mut validation_hits = LineChart::new(
        &format!("{dataset} {model}: validation Hits@{k}"),
        "epoch",
        &format!("Hits@{k}"),
    );
    for unit in 1..=runs {
        let of_run: Vec<&LinkEpochRow> = rows.iter().filter(|r| r.run == unit).collect();
        loss = loss.with_series(
            &format!("run {unit}"),
            of_run.iter().map(|r| r.loss).collect(),
        );
        let evaluated = |pick: fn(&LinkEpochRow) -> Option<f64>| {
            of_run
                .iter()
                .filter_map(|r| pick(r).map(|v| (r.epoch as f64, v)))
                .collect::<Vec<_>>()
        };
        validation =
            validation.with_series(&format!("run {unit}"), evaluated(|r| r.validation_auc));
        validation_hits =
            validation_hits.with_series(&format!("run {unit}"), evaluated(|r| r.validation_hits));
    }
    let mut roc = LineChart::new(
        &format!("{dataset} {model}: test ROC"),
        "false positive rate",
        "true positive rate",
    )
    .with_ranges((0.0, 1.0), (0.0, 1.0))
    .with_reference("chance", vec![(0.0, 0.0), (1.0, 1.0)]);
    let mut pr = LineChart::new(
        &format!("{dataset} {model}: test precision–recall"),
        "recall",
        "precision",
    )
    .with_ranges((0.0, 1.0), (0.0, 1.0));
    for (index, (roc_points, pr_points)) in
        curves.roc.iter().zip(&curves.precision_recall).enumerate()
    {
        roc = roc.with_series(&format!("run {}", index + 1), roc_points.clone());
        pr = pr.with_series(&format!("run {}", index + 1), pr_points.clone());
    }
    let centre = |bin: usize| (bin as f64 + 0.5) / BINS as f64;
    let distribution = LineChart::new(
        &format!("{dataset} {model}: test scores"),
        "predicted probability of an edge",
        "share of pairs",
    )
    .with_series(
        "positives (held-out edges)",
        curves
            .positive_histogram
            .iter()
            .enumerate()
            .map(|(b, &v)| (centre(b), v))
            .collect(),
    )
    .with_series(
        "negatives (non-edges)",
        curves
            .negative_histogram
            .iter()
            .enumerate()
            .map(|(b, &v)| (centre(b), v))
            .collect(),
    );
    let with_auc: Vec<&DegreeBucket> = curves
        .degree_buckets
        .iter()
        .filter(|b| b.auc.is_some())
        .collect();
    let degree = BarChart::new(
        &format!("{dataset} {model}: test AUC by the sparser endpoint's training degree"),
        "ROC AUC",
        with_auc.iter().map(|b| b.label()).collect(),
        with_auc.iter().map(|b| b.auc.unwrap_or(f64::NAN)).collect(),
    );
    let mut paths = Vec::new();
    for (file, result) in [
        (
            "train_loss.png",
            save(&loss, &charts.join("train_loss.png"), size),
        ),
        (
            "validation_auc.png",
            save(&validation, &charts.join("validation_auc.png"), size),
        ),
        (
            "validation_hits.png",
            save(&validation_hits, &charts.join("validation_hits.png"), size),
        ),
        ("roc.png", save(&roc, &charts.join("roc.png"), (700, 620))),
        (
            "precision_recall.png",
            save(&pr, &charts.join("precision_recall.png"), (700, 620)),
        ),
        (
            "score_distribution.png",
            save(&distribution, &charts.join("score_distribution.png"), size),
        ),
    ] {
        result?;
        paths.push(charts.join(file));
    }
    let degree_path = charts.join("auc_by_degree.png");
    let degree_drawn = !with_auc.is_empty();
    if degree_drawn {
        save(&degree, &degree_path, size)?;
    }

    let aucs: Vec<f64> = curves.per_run.iter().map(|r| r.0).collect();
    let aps: Vec<f64> = curves.per_run.iter().map(|r| r.1).collect();
    let hits: Vec<f64> = curves.per_run.iter().map(|r| r.2).collect();
    let ((auc, auc_std), (ap, ap_std), (hit, hit_std)) =
        (mean_std(&aucs), mean_std(&aps), mean_std(&hits));
    let mut report = Report::new(&format!("cinder: {model} link prediction on {dataset}"));
    if let Some(command) = &config.command {
        report = report.with_command(command);
    }
    report.heading("Summary");
    report.table(
        &[
            "dataset",
            "model",
            "runs",
            "test ROC AUC",
            "test AP",
            &format!("test Hits@{k}"),
        ],
        &[vec![
            dataset.into(),
            model.into(),
            runs.to_string(),
            format!("{auc:.4} ± {auc_std:.4}"),
            format!("{ap:.4} ± {ap_std:.4}"),
            format!("{hit:.4} ± {hit_std:.4}"),
        ]],
    );
    report.paragraph("± is the population standard deviation over the runs (divide by n).");
    if let Some(protocol) = &config.protocol {
        report.paragraph(&format!("Protocol: {protocol}."));
    }
    report.heading("Per run");
    report.table(
        &["run", "test ROC AUC", "test AP", &format!("test Hits@{k}")],
        &curves
            .per_run
            .iter()
            .enumerate()
            .map(|(i, (auc, ap, hits))| {
                vec![
                    (i + 1).to_string(),
                    format!("{auc:.4}"),
                    format!("{ap:.4}"),
                    format!("{hits:.4}"),
                ]
            })
            .collect::<Vec<_>>(),
    );
    report.heading("Training");
    report.image(&paths[0], "Training loss per epoch (binary cross-entropy of positives against the sampled negatives), each run and the mean ± std.")?;
    report.image(&paths[1], "Validation ROC AUC at the epochs that evaluated; the kept weights are those of the best validation figure.")?;
    report.image(&paths[2], &format!("Validation Hits@{k}: the share of validation positives scored above the {k}-th best validation negative (OGB's metric)."))?;
    report.heading("Test pairs");
    report.image(
        &paths[3],
        "ROC curve of each run's test positives against its test negatives.",
    )?;
    report.image(
        &paths[4],
        "Precision–recall curve of each run's test pairs.",
    )?;
    report.image(&paths[5], "Distribution of the predicted probabilities of test positives and test negatives, pooled over runs: the more apart, the better the ranking.")?;
    report.heading("Where the model fails");
    if degree_drawn {
        report.image(&degree_path, "Test AUC of the pairs whose sparser endpoint has the given degree in the training graph (averaged over runs): low-degree, cold-start nodes are where link predictors are weakest.")?;
    }
    report.table(
        &[
            "sparser endpoint's degree",
            "test positives",
            "test negatives",
            "ROC AUC",
        ],
        &curves
            .degree_buckets
            .iter()
            .map(|b| {
                vec![
                    b.label(),
                    b.positives.to_string(),
                    b.negatives.to_string(),
                    b.auc
                        .map_or("n/a (one class only)".into(), |a| format!("{a:.4}")),
                ]
            })
            .collect::<Vec<_>>(),
    );
    if let Some(rows) = config.provenance_rows() {
        report.provenance(&rows);
    }
    let path = run.join("report.html");
    report.write(&path)?;
    Ok(path)
}
