//! Interactive explorers: one self-contained HTML page per run (`--html FILE.html`), where a reader
//! scrubs through training and inspects every hidden unit. The page carries its data (the run's own
//! numbers, recorded during training), its script and its styles inline; its Content-Security-Policy
//! forbids every request, so it opens offline by double-click and fetches nothing.
//!
//! [`encoder`] records the encoder's hidden-unit picture (K = 2: the plane of `plot_hidden`, drawn in
//! the PNG's own pixel frame; K = 3: the cube, turned by dragging), [`spirals`] the spirals' output and
//! hidden-unit maps. The scripts are in `assets/explorer/`.

pub mod encoder;
pub mod seq;
pub mod spirals;

use crate::data::files;
use anyhow::{ensure, Context, Result};
use serde::Serialize;
use std::path::Path;

const STYLE: &str = include_str!("../../../assets/explorer/style.css");
const COMMON: &str = include_str!("../../../assets/explorer/common.js");

/// The page may fetch nothing: only its own inline script and styles run, images come from `data:`.
pub const POLICY: &str =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/// The most points a curve keeps: longer runs keep every k-th epoch (and the last).
pub const MAX_CURVE_POINTS: usize = 20_000;

/// A per-epoch series as the page draws it: `last` values, the first of epoch `start`, of which every
/// `stride`-th is kept (epochs `start + stride - 1`, `start + 2 * stride - 1`, ...) and the last, exact
/// f32 (`null` for NaN).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Curve {
    pub start: u64,
    pub stride: usize,
    pub last: usize,
    pub values: Vec<Option<f32>>,
}

impl Curve {
    /// `values[e - 1]` is epoch e's; at most [`MAX_CURVE_POINTS`] (plus the last) are kept.
    pub fn of(values: &[f32]) -> Self {
        Self::starting_at(1, values)
    }

    /// `values[0]` is epoch (or step) `start`'s.
    pub fn starting_at(start: u64, values: &[f32]) -> Self {
        let stride = values.len().div_ceil(MAX_CURVE_POINTS).max(1);
        let mut kept: Vec<Option<f32>> =
            values.iter().skip(stride - 1).step_by(stride).map(|v| v.is_finite().then_some(*v)).collect();
        if !values.len().is_multiple_of(stride) {
            kept.push(values.last().filter(|v| v.is_finite()).copied());
        }
        Curve { start, stride, last: values.len(), values: kept }
    }
}

/// The smallest multiple of `step` of which at most `most` multiples fit in `span`: how often a page
/// records what a run of up to `span` epochs could record every `step`.
pub fn coarsened(step: u64, span: u64, most: u64) -> u64 {
    step * span.div_ceil(step).div_ceil(most).max(1)
}

/// Refuses, before training, an explorer that could not be written: the name must end in `.html` (or
/// `.htm`) and its place be writable.
pub fn check_path(path: &Path) -> Result<()> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    ensure!(
        matches!(extension.as_deref(), Some("html" | "htm")),
        "cannot write the explorer to {}: the name must end in .html",
        path.display()
    );
    files::check_writable(path)
}

/// The page: `title`, the run's `data` as JSON, the shared script, then `script` (which draws it).
pub fn page(title: &str, data: &impl Serialize, script: &str) -> Result<String> {
    let json = serde_json::to_string(data).context("cannot encode the explorer's data")?;
    // Inside <script> only "</" could end the element early; JSON strings may spell "<" as \u003c.
    let json = json.replace('<', "\\u003c");
    let title = escape(title);
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"hud {}\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n\
         <body>\n<noscript>This page draws with JavaScript: allow scripts for this file to see the run.</noscript>\n\
         <main id=\"app\"></main>\n<script type=\"application/json\" id=\"run\">{json}</script>\n\
         <script>\n{COMMON}\n{script}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Writes the page whole or not at all, and says so with its size.
pub fn write(path: &Path, html: &str) -> Result<()> {
    files::write_atomically(path, html.as_bytes())?;
    eprintln!("wrote {} (the run to explore in a browser, {} KB)", path.display(), html.len().div_ceil(1024));
    Ok(())
}

/// A colour as CSS writes it: `#1f77b4`.
pub fn css(plotters::style::RGBColor(r, g, b): plotters::style::RGBColor) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Text as HTML shows it literally.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_keep_every_epoch_up_to_the_limit_then_every_kth_and_the_last() {
        let short = Curve::of(&[0.5, f32::NAN, 0.25]);
        assert_eq!((short.stride, short.last), (1, 3));
        assert_eq!(short.values, vec![Some(0.5), None, Some(0.25)]);
        let values: Vec<f32> = (1..=MAX_CURVE_POINTS * 2 + 1).map(|e| e as f32).collect();
        let long = Curve::of(&values);
        assert_eq!(long.stride, 3);
        assert_eq!(long.values[0], Some(3.0));
        assert_eq!(long.values.last(), Some(&Some(values.len() as f32)));
        assert!(long.values.len() <= MAX_CURVE_POINTS + 1);
    }

    #[test]
    fn coarsened_steps_keep_at_most_so_many_multiples() {
        assert_eq!(coarsened(100, 100_000, 2_000), 100);
        assert_eq!(coarsened(100, 1_000_000, 2_000), 500);
        assert_eq!(coarsened(1_000, 100_000, 25), 4_000);
        assert_eq!(coarsened(1_000, 50_000, 25), 2_000);
        assert_eq!(coarsened(1_000, 1_000, 25), 1_000);
        assert_eq!(coarsened(7, 0, 25), 7);
    }

    #[test]
    fn the_data_cannot_end_its_script_element() {
        let html =
            page("a <b> & \"c\"", &serde_json::json!({"text": "</script><script>alert(1)"}), "").unwrap();
        assert!(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"));
        assert_eq!(html.matches("</script>").count(), 2, "{html}");
        assert!(html.contains("\\u003c/script>\\u003cscript>"));
    }

    #[test]
    fn only_html_names_are_taken() {
        assert!(check_path(Path::new("run.png")).unwrap_err().to_string().contains(".html"));
        let dir = tempfile::tempdir().unwrap();
        check_path(&dir.path().join("run.HTML")).unwrap();
    }
}
