//! Small helpers for the charts of `hud sweep`, `hud symmetry` and `hud nonlinearity`: a picture of
//! any size rendered to PNG or SVG bytes (by the file's extension), legends, axis labels for
//! logarithmic axes, numbers as people write them.

use crate::plot::FONT_FAMILY;
pub use crate::plot::{failed, render_sized as render};
use anyhow::Result;
use plotters::coord::CoordTranslate;
use plotters::prelude::*;

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
