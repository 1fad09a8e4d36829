//! A self-contained HTML report: a title, the command that reproduces the run, summary tables and
//! charts (PNG embedded as base64, SVG inlined), written atomically.

use std::path::Path;

use base64::Engine;

use crate::error::{PlotError, Result};
use crate::output::write_atomically;

/// Sections of an HTML report, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    title: String,
    command: Option<String>,
    sections: Vec<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Report {
    /// An empty report.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// The command line that reproduces the run.
    pub fn with_command(mut self, command: &str) -> Self {
        self.command = Some(command.into());
        self
    }

    /// A heading.
    pub fn heading(&mut self, text: &str) {
        self.sections.push(format!("<h2>{}</h2>", escape(text)));
    }

    /// A paragraph of text.
    pub fn paragraph(&mut self, text: &str) {
        self.sections.push(format!("<p>{}</p>", escape(text)));
    }

    /// A table with a header row.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let cells = |row: &mut dyn Iterator<Item = &str>, tag: &str| {
            row.map(|c| format!("<{tag}>{}</{tag}>", escape(c)))
                .collect::<String>()
        };
        let mut html = format!(
            "<table><tr>{}</tr>",
            cells(&mut header.iter().copied(), "th")
        );
        for row in rows {
            html.push_str(&format!(
                "<tr>{}</tr>",
                cells(&mut row.iter().map(String::as_str), "td")
            ));
        }
        html.push_str("</table>");
        self.sections.push(html);
    }

    /// Embeds a chart file (`.png` as base64, `.svg` inline) with a caption.
    pub fn image(&mut self, path: &Path, caption: &str) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let is_svg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let body = if is_svg {
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            format!(
                "<img alt=\"{}\" src=\"data:image/png;base64,{}\">",
                escape(caption),
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            )
        };
        self.sections.push(format!(
            "<figure>{body}<figcaption>{}</figcaption></figure>",
            escape(caption)
        ));
        Ok(())
    }

    /// The page.
    pub fn to_html(&self) -> String {
        let command = self
            .command
            .as_ref()
            .map(|c| format!("<p>Reproduce with:</p><pre>{}</pre>", escape(c)))
            .unwrap_or_default();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>\
body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}\
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 10px;text-align:right}}\
th{{background:#eef}}figure{{margin:1.5em 0}}img,svg{{max-width:100%;height:auto}}\
pre{{background:#f4f4f4;padding:8px;overflow-x:auto}}</style></head>\n<body><h1>{title}</h1>{command}\n{sections}\n</body></html>\n",
            title = escape(&self.title),
            sections = self.sections.join("\n"),
        )
    }

    /// Writes the page to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomically(path, self.to_html().as_bytes())
    }
}
