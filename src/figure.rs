//! Small helpers for the charts of `hud sweep`, `hud symmetry` and `hud nonlinearity`: a picture of
//! any size rendered to PNG or SVG bytes (by the file's extension), legends, axis labels for
//! logarithmic axes, numbers as people write them.

use crate::plot::FONT_FAMILY;
pub use crate::plot::{failed, render_sized as render};
use anyhow::Result;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A figure's white background and its title across the top, in the pictures' font: the area below
/// the title, for the panels.
pub fn titled<DB>(root: &DrawingArea<DB, Shift>, title: &str) -> Result<DrawingArea<DB, Shift>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    crate::plot::register_font()?;
    root.fill(&WHITE).map_err(failed)?;
    let (width, _) = root.dim_in_pixel();
    let style = (FONT_FAMILY, 22.0).into_font().into_text_style(root).pos(Pos::new(HPos::Center, VPos::Top));
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

/// The chart's legend at `position`, in the pictures' font at `size`, on a white box.
pub fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    size: f64,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT_FAMILY, size))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
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
