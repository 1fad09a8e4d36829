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
    /// (anchor, heading text) of every heading, for the table of contents.
    headings: Vec<(String, String)>,
}

/// A URL fragment for `text`: lowercase ASCII letters and digits, other runs as one `-`.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "section".into()
    } else {
        slug
    }
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

    /// A heading: a section with an anchor, listed in the table of contents.
    pub fn heading(&mut self, text: &str) {
        let base = slug(text);
        let mut anchor = base.clone();
        let mut n = 1;
        while self.headings.iter().any(|(a, _)| *a == anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        self.sections
            .push(format!("<h2 id=\"{anchor}\">{}</h2>", escape(text)));
        self.headings.push((anchor, text.to_string()));
    }

    /// The closing section: what produced the run (software version, commit, threads, device,
    /// data sources and their licenses, total time), as `(what, value)` rows.
    pub fn provenance(&mut self, rows: &[(String, String)]) {
        self.heading("What produced this run");
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect();
        self.table(&["", ""], &rows);
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

    /// The page: title, the command that reproduces it, a table of contents (when there are two
    /// or more sections) and the sections.
    pub fn to_html(&self) -> String {
        let command = self
            .command
            .as_ref()
            .map(|c| format!("<p>Reproduce with:</p><pre>{}</pre>", escape(c)))
            .unwrap_or_default();
        let contents = if self.headings.len() >= 2 {
            format!(
                "<nav><h2>Contents</h2><ol>{}</ol></nav>",
                self.headings
                    .iter()
                    .map(|(anchor, text)| format!(
                        "<li><a href=\"#{anchor}\">{}</a></li>",
                        escape(text)
                    ))
                    .collect::<String>()
            )
        } else {
            String::new()
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>\
body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}}\
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 10px;text-align:right}}\
td:first-child{{text-align:left}}th{{background:#eef}}figure{{margin:1.5em 0}}img,svg{{max-width:100%;height:auto}}\
figcaption{{color:#555;font-size:0.95em;margin-top:0.3em}}h2{{border-bottom:1px solid #ddd;padding-bottom:0.2em;margin-top:2em}}\
nav{{background:#f7f7fb;padding:0.2em 1.2em;border:1px solid #e3e3ee}}nav h2{{border:none;margin-top:0.6em}}\
pre{{background:#f4f4f4;padding:8px;overflow-x:auto}}</style></head>\n<body><h1>{title}</h1>{command}\n{contents}\n{sections}\n</body></html>\n",
            title = escape(&self.title),
            sections = self.sections.join("\n"),
        )
    }

    /// Writes the page to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomically(path, self.to_html().as_bytes())
    }
}

/// What is wrong with a report page, as messages (empty when nothing): an in-page link
/// (`href="#…"`) without its anchor, or an embedded image that is not a decodable PNG of non-zero
/// size. For tests of reports, and for checking a report before sharing it.
pub fn report_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("href=\"#") {
        let tail = &rest[start + 7..];
        let end = tail.find('"').unwrap_or(tail.len());
        let anchor = &tail[..end];
        if !html.contains(&format!("id=\"{anchor}\"")) {
            problems.push(format!("link to #{anchor} has no anchor"));
        }
        rest = &tail[end..];
    }
    let marker = "src=\"data:image/png;base64,";
    for (index, part) in html.split(marker).skip(1).enumerate() {
        let encoded = &part[..part.find('"').unwrap_or(part.len())];
        match base64::engine::general_purpose::STANDARD.decode(encoded) {
            Ok(bytes)
                if bytes.len() > 24
                    && bytes.starts_with(b"\x89PNG\r\n\x1a\n")
                    && &bytes[12..16] == b"IHDR" =>
            {
                let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
                let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
                if width == 0 || height == 0 {
                    problems.push(format!("image {}: {width}×{height} pixels", index + 1));
                }
            }
            Ok(_) => problems.push(format!("image {}: not a PNG", index + 1)),
            Err(e) => problems.push(format!("image {}: bad base64 ({e})", index + 1)),
        }
    }
    if html.contains("src=\"\"") || html.contains("src=\"data:,\"") {
        problems.push("an image with an empty source".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_anchors_and_a_table_of_contents() {
        let mut report = Report::new("t");
        report.heading("Images as a graph: Fashion-MNIST");
        report.heading("Images as a graph: Fashion-MNIST");
        report.paragraph("x < y");
        report.provenance(&[("cinder".into(), "0.1.0".into())]);
        let html = report.to_html();
        assert!(html.contains("id=\"images-as-a-graph-fashion-mnist\""));
        assert!(html.contains("id=\"images-as-a-graph-fashion-mnist-2\""));
        assert!(html.contains("href=\"#what-produced-this-run\""));
        assert!(html.contains("x &lt; y"));
        assert!(
            report_problems(&html).is_empty(),
            "{:?}",
            report_problems(&html)
        );
        let broken = html.replace("id=\"what-produced-this-run\"", "");
        assert_eq!(report_problems(&broken).len(), 1);
        let fake = format!("{html}<img src=\"data:image/png;base64,aGVsbG8=\">");
        assert_eq!(
            report_problems(&fake),
            vec!["image 1: not a PNG".to_string()]
        );
    }
}
