//! The "Errors" section every classification report ends with: a confusion matrix drawn into
//! `charts/confusion.png`.

use std::path::Path;

use cinder_plot::{ConfusionMatrix, Report, save};

use crate::error::Result;

/// The report's "Errors" section: `confusion` drawn into `charts/confusion.png` with `caption`.
pub(crate) fn errors_section(
    report: &mut Report,
    charts: &Path,
    confusion: ConfusionMatrix,
    caption: &str,
) -> Result<()> {
    let path = charts.join("confusion.png");
    save(&confusion, &path, (700, 560))?;
    report.heading("Errors");
    report.image(&path, caption)?;
    Ok(())
}
