//! `seq_plot.py`'s picture, drawn from a trained network: the hidden states of fresh sequences,
//! each coloured by the language's state on matplotlib's `jet` scale from 0 to the largest state
//! (a^n b^n: the count), with each sequence's path as a thin line so that the counting can be read,
//! and the start state (tanh of H0) marked by an x. Two hidden units: the plane.

use crate::draw::figure;
use crate::draw::layout::{self, Role};
use crate::draw::{failed, Drawing, FONT_FAMILY};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The picture's size in pixels.
pub const SIZE: (u32, u32) = (900, 760);

/// The hidden states of some sequences, for a network with two hidden units.
pub struct StatePicture {
    /// Per sequence, each step's hidden state and the state the language is in there.
    pub paths: Vec<Vec<((f32, f32), i64)>>,
    /// The largest state the colours run to (`seq_plot.py`'s `max_state`).
    pub max_state: i64,
    /// The hidden state before the first symbol.
    pub start: Option<(f32, f32)>,
    pub title: String,
}

/// matplotlib's `jet` colour map at `t` in [0, 1].
pub fn jet(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let piece = |points: &[(f64, f64)]| {
        let i = points.windows(2).position(|w| t <= w[1].0).unwrap_or(points.len() - 2);
        let ((x0, y0), (x1, y1)) = (points[i], points[i + 1]);
        let y = if x1 > x0 { y0 + (y1 - y0) * (t - x0) / (x1 - x0) } else { y1 };
        (y * 255.0).round() as u8
    };
    RGBColor(
        piece(&[(0.0, 0.0), (0.35, 0.0), (0.66, 1.0), (0.89, 1.0), (1.0, 0.5)]),
        piece(&[(0.0, 0.0), (0.125, 0.0), (0.375, 1.0), (0.64, 1.0), (0.91, 0.0), (1.0, 0.0)]),
        piece(&[(0.0, 0.5), (0.11, 1.0), (0.34, 1.0), (0.65, 0.0), (1.0, 0.0)]),
    )
}

impl StatePicture {
    fn colour(&self, state: i64) -> RGBColor {
        jet(state as f64 / self.max_state.max(1) as f64)
    }

    /// The colour bar at the right: one band per state, numbered.
    fn colour_bar<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let _key = layout::scope(Role::Legend);
        let (_, height) = area.dim_in_pixel();
        let (top, bottom, left) = (60, height as i32 - 70, 20);
        let states = self.max_state + 1;
        let band = (bottom - top) as f64 / states as f64;
        let style = TextStyle::from((FONT_FAMILY, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let every = (states as f64 / 20.0).ceil().max(1.0) as i64;
        for state in 0..states {
            // The top band is the largest state.
            let y0 = bottom - ((state + 1) as f64 * band).round() as i32;
            let y1 = bottom - (state as f64 * band).round() as i32;
            area.draw(&Rectangle::new([(left, y0), (left + 22, y1)], self.colour(state).filled()))
                .map_err(failed)?;
            if state % every == 0 || state == self.max_state {
                area.draw_text(&state.to_string(), &style, (left + 28, (y0 + y1) / 2)).map_err(failed)?;
            }
        }
        area.draw(&Rectangle::new([(left, top), (left + 22, bottom)], BLACK.stroke_width(1)))
            .map_err(failed)?;
        let caption = TextStyle::from((FONT_FAMILY, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Bottom));
        area.draw_text("state", &caption, (left, top - 10)).map_err(failed)
    }
}

impl Drawing for StatePicture {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let area = figure::titled(root, &self.title)?;
        let (width, _) = area.dim_in_pixel();
        let (plot, bar) = area.split_horizontally(width - 110);
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(-1.05f64..1.05, -1.05f64..1.05)
            .map_err(failed)?;
        // A tick a rounding error below 0 is 0, not "-0.0".
        let tick = |v: &f64| format!("{:.1}", if v.abs() < 0.05 { 0.0 } else { *v }).replace('-', "\u{2212}");
        figure::mesh(&mut chart, ("hidden unit 1", "hidden unit 2"), (&tick, &tick), 14.0)?;
        {
            let _paths = layout::scope(Role::Backdrop);
            for path in &self.paths {
                let points = path.iter().map(|&((x, y), _)| (f64::from(x), f64::from(y)));
                chart
                    .draw_series(LineSeries::new(points, RGBColor(0xb0, 0xb0, 0xb0).stroke_width(1)))
                    .map_err(failed)?;
            }
        }
        for path in &self.paths {
            let dots = path.iter().map(|&((x, y), state)| {
                Circle::new((f64::from(x), f64::from(y)), 4, self.colour(state).filled())
            });
            chart.draw_series(dots).map_err(failed)?;
        }
        if let Some((x, y)) = self.start {
            chart
                .draw_series(std::iter::once(Cross::new(
                    (f64::from(x), f64::from(y)),
                    7,
                    BLACK.stroke_width(2),
                )))
                .map_err(failed)?;
        }
        self.colour_bar(&bar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jet_runs_from_dark_blue_through_green_to_dark_red() {
        // matplotlib.cm.jet(0.0), (0.5), (1.0) as 8-bit colours
        assert_eq!(jet(0.0), RGBColor(0, 0, 128));
        assert_eq!(jet(1.0), RGBColor(128, 0, 0));
        let middle = jet(0.5);
        assert!(middle.1 == 255 && middle.0 > 100 && middle.2 > 100, "{middle:?}");
    }
}
