//! Small helpers for the charts of `hud sweep`, `hud symmetry` and `hud nonlinearity`: a picture of
//! any size rendered to PNG or SVG bytes (by the file's extension), legends, axis labels for
//! logarithmic axes, numbers as people write them.

use crate::draw::layout::{self, Role};
use crate::draw::FONT_FAMILY;
pub use crate::draw::{failed, render_sized as render};
use anyhow::Result;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A figure's white background and its title across the top, in the pictures' font: the area below
/// the title, for the panels.
pub fn titled<DB>(root: &DrawingArea<DB, Shift>, title: &str) -> Result<DrawingArea<DB, Shift>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    crate::draw::register_font()?;
    root.fill(&WHITE).map_err(failed)?;
    let (width, _) = root.dim_in_pixel();
    let style = (FONT_FAMILY, 22.0).into_font().into_text_style(root).pos(Pos::new(HPos::Center, VPos::Top));
    let _title = layout::scope(Role::Title);
    root.draw_text(title, &style, (width as i32 / 2, 12)).map_err(failed)?;
    Ok(root.margin(44, 0, 0, 0))
}

/// How an axis writes the value at a tick.
pub type AxisLabel<'a> = &'a dyn Fn(&f64) -> String;

/// A chart's axes as these figures draw them: white grid lines, the axes described, labels made by
/// `x_label` and `y_label`, text at `size` (descriptions one point larger).
pub fn mesh<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    (x_desc, y_desc): (&str, &str),
    (x_label, y_label): (AxisLabel, AxisLabel),
    size: f64,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let _axes = layout::scope(Role::Axis);
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_label)
        .y_label_formatter(y_label)
        .light_line_style(WHITE)
        .label_style((FONT_FAMILY, size))
        .axis_desc_style((FONT_FAMILY, size + 1.0))
        .draw()
        .map_err(failed)
}

/// What a key entry shows beside its text.
#[derive(Clone, Copy, Debug)]
pub enum Sample {
    Line(ShapeStyle),
    Dashed(ShapeStyle),
    Dot(ShapeStyle),
    Triangle(ShapeStyle),
}

/// One entry of a chart's key.
#[derive(Clone, Debug)]
pub struct KeyEntry {
    pub sample: Sample,
    pub text: String,
}

pub fn entry(sample: Sample, text: impl Into<String>) -> KeyEntry {
    KeyEntry { sample, text: text.into() }
}

/// A chart's caption across the top of `area`, then its key beneath (as many entries to a row as
/// fit, text at `size`), outside the data: the area left below, for the chart.
pub fn caption_and_key<DB>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    entries: &[KeyEntry],
    size: f64,
) -> Result<DrawingArea<DB, Shift>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (width, _) = area.dim_in_pixel();
    let centred =
        (FONT_FAMILY, 17.0).into_font().into_text_style(area).pos(Pos::new(HPos::Center, VPos::Top));
    {
        let _title = layout::scope(Role::Title);
        area.draw_text(caption, &centred, (width as i32 / 2, 6)).map_err(failed)?;
    }
    let _key = layout::scope(Role::Legend);
    let style = (FONT_FAMILY, size).into_font().into_text_style(area).pos(Pos::new(HPos::Left, VPos::Center));
    let row_height = (size * 1.6).round() as i32;
    let (sample_width, gap) = (26, 22);
    // Rows of entries that fit the width, each row centred.
    let mut rows: Vec<Vec<(&KeyEntry, i32)>> = vec![Vec::new()];
    let mut used = 0;
    for entry in entries {
        let (text_width, _) = area.estimate_text_size(&entry.text, &style).map_err(failed)?;
        let needed = sample_width + 6 + text_width as i32;
        let row = rows.last_mut().unwrap();
        if !row.is_empty() && used + gap + needed > width as i32 - 20 {
            rows.push(Vec::new());
            used = 0;
        }
        let row = rows.last_mut().unwrap();
        used += if row.is_empty() { needed } else { gap + needed };
        row.push((entry, needed));
    }
    let top = 34;
    for (r, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|(_, w)| w).sum::<i32>() + gap * (row.len() as i32 - 1).max(0);
        let mut x = (width as i32 - total) / 2;
        let y = top + r as i32 * row_height + row_height / 2;
        for (entry, needed) in row {
            draw_sample(area, entry.sample, (x, y), sample_width)?;
            area.draw_text(&entry.text, &style, (x + sample_width + 6, y)).map_err(failed)?;
            x += needed + gap;
        }
    }
    let used_rows = if entries.is_empty() { 0 } else { rows.len() as i32 };
    Ok(area.margin((top + used_rows * row_height + 4) as u32, 0, 0, 0))
}

fn draw_sample<DB>(
    area: &DrawingArea<DB, Shift>,
    sample: Sample,
    (x, y): (i32, i32),
    width: i32,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let line = vec![(x, y), (x + width, y)];
    let middle = (x + width / 2, y);
    match sample {
        Sample::Line(style) => area.draw(&PathElement::new(line, style)),
        Sample::Dashed(style) => area.draw(&DashedPathElement::new(line, 6, 4, style)),
        Sample::Dot(style) => area.draw(&Circle::new(middle, 4, style)),
        Sample::Triangle(style) => area.draw(&TriangleMarker::new(middle, 6, style)),
    }
    .map_err(failed)
}

/// A label for a logarithmic axis: powers of ten as decimals (`0.001`, `1`, `100`) or, far from 1,
/// as `1e-5`; other values get no label.
pub fn power_of_ten_label(x: f64) -> String {
    let exponent = x.log10().round();
    if !x.is_finite() || x <= 0.0 || (x / 10f64.powf(exponent) - 1.0).abs() > 1e-6 {
        return String::new();
    }
    match exponent as i32 {
        e @ -4..=-1 => format!("{:.*}", (-e) as usize, 10f64.powi(e)),
        e @ 0..=5 => format!("{}", 10u64.pow(e as u32)),
        e => format!("1e{e}"),
    }
}

/// A number as a person writes it: `0.4`, `0.001`, `1e-6`, `3e2`.
pub fn number(x: f64) -> String {
    if x != 0.0 && !(1e-4..1e5).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// `x` to three significant digits, without an exponent for everyday sizes: `0.0562`, `11.4`, `100`.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{x:.2e}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten_are_labelled_as_decimals() {
        assert_eq!(power_of_ten_label(0.001), "0.001");
        assert_eq!(power_of_ten_label(0.1 * 0.1), "0.01");
        assert_eq!(power_of_ten_label(1.0), "1");
        assert_eq!(power_of_ten_label(100.0), "100");
        assert_eq!(power_of_ten_label(1e-7), "1e-7");
        assert_eq!(power_of_ten_label(1e8), "1e8");
        assert_eq!(power_of_ten_label(3.0), "");
        assert_eq!(number(0.4), "0.4");
        assert_eq!(number(1e-6), "1e-6");
        assert_eq!(short(0.056234), "0.0562");
        assert_eq!(short(11.41), "11.4");
        assert_eq!(short(100.00001), "100");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(1e-7), "1.00e-7");
    }
}
