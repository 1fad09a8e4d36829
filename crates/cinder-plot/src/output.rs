//! Saving charts: PNG or SVG by extension, written to a temporary file then renamed.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{PlotError, Result};

/// The family name every chart uses; registered once from the embedded font.
pub(crate) const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn register_font() {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // The embedded font is valid; if registration ever failed, text would be skipped by the
        // backend rather than crash, which the chart tests would catch.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// Something drawable on any plotters backend.
pub trait Chart {
    /// Short name for error messages.
    fn name(&self) -> &'static str;
    /// Checks the data before any file is touched.
    fn validate(&self) -> Result<()>;
    /// Draws on `area` (already cleared to white).
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

fn temporary_path(path: &Path) -> PathBuf {
    let extension = path
        .extension()
        .map_or_else(String::new, |e| e.to_string_lossy().into_owned());
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!(".{stem}.tmp-{}.{extension}", std::process::id()))
}

/// Saves `chart` to `path` (`.png` or `.svg`) at `size` pixels; the file appears complete or not
/// at all.
pub fn save<C: Chart>(chart: &C, path: &Path, size: (u32, u32)) -> Result<()> {
    chart.validate()?;
    register_font();
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let temporary = temporary_path(path);
    let draw_error = |reason: String| PlotError::Draw {
        path: path.to_path_buf(),
        reason,
    };
    let drawn = match extension.as_str() {
        "png" => {
            let area = BitMapBackend::new(&temporary, size).into_drawing_area();
            area.fill(&WHITE)
                .map_err(|e| e.to_string())
                .and_then(|()| chart.draw(&area))
                .and_then(|()| area.present().map_err(|e| e.to_string()))
        }
        "svg" => {
            let area = SVGBackend::new(&temporary, size).into_drawing_area();
            area.fill(&WHITE)
                .map_err(|e| e.to_string())
                .and_then(|()| chart.draw(&area))
                .and_then(|()| area.present().map_err(|e| e.to_string()))
        }
        _ => {
            return Err(PlotError::Format {
                path: path.to_path_buf(),
            });
        }
    };
    if let Err(reason) = drawn {
        let _ = std::fs::remove_file(&temporary);
        return Err(draw_error(reason));
    }
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        PlotError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, synced, renamed).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let temporary = temporary_path(path);
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Fails unless every value is finite.
pub(crate) fn check_finite(
    chart: &'static str,
    what: &str,
    values: impl IntoIterator<Item = f64>,
) -> Result<()> {
    match values.into_iter().position(|v| !v.is_finite()) {
        Some(index) => Err(PlotError::InvalidData {
            chart,
            reason: format!("{what}[{index}] is not finite"),
        }),
        None => Ok(()),
    }
}

/// `(low, high)` of `values` with a margin, never empty.
pub(crate) fn padded_range(values: impl Iterator<Item = f64>, margin: f64) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let span = (high - low).max(1e-9);
    (low - margin * span, high + margin * span)
}
