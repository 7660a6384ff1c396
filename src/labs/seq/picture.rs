//! `seq_plot.py`'s picture, drawn from a trained network: the hidden states of fresh sequences,
//! each coloured by the language's state on matplotlib's `jet` scale from 0 to the largest state
//! (a^n b^n: the count), with each sequence's path as a thin line so that the counting can be read,
//! and the start state (tanh of H0) marked by an x. Two hidden units: the plane. Three: the cube
//! [-1, 1]^3 from the four directions the 8-3-8 picture uses ([`crate::draw::cube::standard_views`]).
//! More: a panel per pair of the first four units.

use crate::draw::cube::{standard_views, View};
use crate::draw::figure;
use crate::draw::layout::{self, Role};
use crate::draw::{failed, Drawing, FONT_FAMILY};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The picture's size in pixels, for two hidden units.
pub const SIZE: (u32, u32) = (900, 760);
/// For more: two rows of panels.
pub const PANELS_SIZE: (u32, u32) = (1300, 1000);

/// The hidden states of some sequences.
pub struct StatePicture {
    /// Per sequence, each step's hidden state and the state the language is in there.
    pub paths: Vec<Vec<(Vec<f32>, i64)>>,
    /// The largest state the colours run to (`seq_plot.py`'s `max_state`).
    pub max_state: i64,
    /// The hidden state before the first symbol.
    pub start: Option<Vec<f32>>,
    pub title: String,
}

/// The hidden states of the same sequences at several points of training: the states organising
/// into the counting line (the encoder's `--animate` counterpart, as small multiples).
pub struct Dynamics {
    /// Per snapshot: the training step, and the states then.
    pub frames: Vec<(u64, StatePicture)>,
    pub title: String,
}

/// The dynamics picture's size in pixels.
pub const DYNAMICS_SIZE: (u32, u32) = (1500, 860);

impl Drawing for Dynamics {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (plots, bar) = titled_with_bar(root, &self.title)?;
        // One row for up to 4 snapshots, two beyond.
        let count = self.frames.len().max(1);
        let columns = if count <= 4 { count } else { count.div_ceil(2) };
        let rows = self.frames.len().div_ceil(columns).max(1);
        for (cell, (step, picture)) in plots.split_evenly((rows, columns)).iter().zip(&self.frames) {
            let caption = format!("after {} steps", thousands(*step));
            let (cell_width, _) = cell.dim_in_pixel();
            let style = TextStyle::from((FONT_FAMILY, 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
            {
                let _title = layout::scope(Role::Title);
                cell.draw_text(&caption, &style, (cell_width as i32 / 2, 4)).map_err(failed)?;
            }
            picture.panel(&cell.margin(24, 0, 0, 0), picture.projections()[0], true, false)?;
        }
        match self.frames.first() {
            Some((_, picture)) => picture.colour_bar(&bar),
            None => Ok(()),
        }
    }
}

/// The picture titled, split into the plots and a strip at the right for the colour bar.
fn titled_with_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)>
where
    DB::ErrorType: 'static,
{
    let area = figure::titled(root, title)?;
    let (width, _) = area.dim_in_pixel();
    Ok(area.split_horizontally(width - 110))
}

/// 100000 as "100,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How one panel places a hidden state: two units as its axes, or a view of the cube.
#[derive(Clone, Copy)]
enum Projection {
    Units(usize, usize),
    Cube(View),
}

impl Projection {
    fn place(self, h: &[f32]) -> (f64, f64, f64) {
        match self {
            Projection::Units(i, j) => (f64::from(h[i]), f64::from(h[j]), 0.0),
            Projection::Cube(view) => view.project([h[0], h[1], h[2]].map(f64::from)),
        }
    }

    fn axes(self) -> (String, String) {
        match self {
            Projection::Units(i, j) => (format!("hidden unit {}", i + 1), format!("hidden unit {}", j + 1)),
            Projection::Cube(view) => (format!("seen from {}, h3 up", view.name()), String::new()),
        }
    }
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
    /// The picture's size in pixels.
    pub fn size(&self) -> (u32, u32) {
        if self.units() == 2 {
            SIZE
        } else {
            PANELS_SIZE
        }
    }

    fn units(&self) -> usize {
        self.paths.iter().flatten().map(|(h, _)| h.len()).next().unwrap_or(2)
    }

    fn projections(&self) -> Vec<Projection> {
        match self.units() {
            0..=2 => vec![Projection::Units(0, 1)],
            3 => standard_views().into_iter().map(Projection::Cube).collect(),
            units => {
                let shown = units.min(4);
                (0..shown).flat_map(|i| (i + 1..shown).map(move |j| Projection::Units(i, j))).collect()
            }
        }
    }

    /// One panel: the sequences' paths, the states as dots (the nearest drawn last in a cube view),
    /// the start as an x; a cube view draws the cube's edges.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        projection: Projection,
        compact: bool,
        caption: bool,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let cube = matches!(projection, Projection::Cube(_));
        let reach = if cube { 1.8 } else { 1.05 };
        // Square: the plane's distances and angles as they are.
        let (width, height) = area.dim_in_pixel();
        let side_margin = (width.saturating_sub(height) / 2) as i32;
        let area = &area.margin(0, 0, side_margin, side_margin);
        let mut chart = ChartBuilder::on(area)
            .margin(if cube { 10 } else { 20 })
            .x_label_area_size(if cube { 30 } else { 50 })
            .y_label_area_size(if cube { 0 } else { 60 })
            .build_cartesian_2d(-reach..reach, -reach..reach)
            .map_err(failed)?;
        // A tick a rounding error below 0 is 0, not "-0.0".
        // Small panels label every other tick.
        let every_half = compact;
        let tick = |v: &f64| {
            if every_half && ((v * 2.0).round() - v * 2.0).abs() > 1e-6 {
                return String::new();
            }
            format!("{:.1}", if v.abs() < 0.05 { 0.0 } else { *v }).replace('-', "\u{2212}")
        };
        let (x_name, y_name) = projection.axes();
        if cube {
            let _axis = layout::scope(Role::Axis);
            chart
                .configure_mesh()
                .disable_mesh()
                .disable_axes()
                .x_desc(if caption { x_name } else { String::new() })
                .axis_desc_style((FONT_FAMILY, 14))
                .draw()
                .map_err(failed)?;
            {
                let _edges = layout::scope(Role::Backdrop);
                for (a, b) in cube_edges() {
                    let (pa, pb) = (projection.place(&a), projection.place(&b));
                    let edge = LineSeries::new(
                        [(pa.0, pa.1), (pb.0, pb.1)],
                        RGBColor(0xcc, 0xcc, 0xcc).stroke_width(1),
                    );
                    chart.draw_series(edge).map_err(failed)?;
                }
            }
            // h1 and h2 named past the ends of the bottom edges from the corner nearest the viewer,
            // h3 over the outline: outside the cube's outline, clear of the dots.
            let _names = layout::scope(Role::Tag);
            let style =
                TextStyle::from((FONT_FAMILY, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
            let nearest = [[-1.0f32, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]
                .into_iter()
                .max_by(|a, b| {
                    let depth = |c: &[f32; 2]| projection.place(&[c[0], c[1], -1.0]).2;
                    depth(a).total_cmp(&depth(b))
                })
                .expect("four corners");
            let [cx, cy] = nearest;
            // h3 above the leftmost vertical edge, on the outline.
            let [lx, ly] = [[-1.0f32, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]
                .into_iter()
                .min_by(|a, b| {
                    let across = |c: &[f32; 2]| projection.place(&[c[0], c[1], -1.0]).0;
                    across(a).total_cmp(&across(b))
                })
                .expect("four corners");
            // Each at its positive end.
            let ends = [[1.3, cy, -1.0], [cx, 1.3, -1.0], [lx, ly, 1.35]];
            for (end, name) in ends.iter().zip(["h1", "h2", "h3"]) {
                let (x, y, _) = projection.place(end);
                chart.draw_series(std::iter::once(Text::new(name, (x, y), style.clone()))).map_err(failed)?;
            }
        } else {
            figure::mesh(&mut chart, (x_name.as_str(), y_name.as_str()), (&tick, &tick), 14.0)?;
        }
        {
            let _paths = layout::scope(Role::Backdrop);
            for path in &self.paths {
                let points = path.iter().map(|(h, _)| projection.place(h)).map(|(x, y, _)| (x, y));
                chart
                    .draw_series(LineSeries::new(points, RGBColor(0xb0, 0xb0, 0xb0).stroke_width(1)))
                    .map_err(failed)?;
            }
        }
        let mut dots: Vec<((f64, f64, f64), i64)> =
            self.paths.iter().flatten().map(|(h, state)| (projection.place(h), *state)).collect();
        dots.sort_by(|a, b| a.0 .2.total_cmp(&b.0 .2));
        let dots =
            dots.into_iter().map(|((x, y, _), state)| Circle::new((x, y), 4, self.colour(state).filled()));
        chart.draw_series(dots).map_err(failed)?;
        if let Some(start) = &self.start {
            let (x, y, _) = projection.place(start);
            chart
                .draw_series(std::iter::once(Cross::new((x, y), 7, BLACK.stroke_width(2))))
                .map_err(failed)?;
        }
        Ok(())
    }

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
        let (plots, bar) = titled_with_bar(root, &self.title)?;
        let projections = self.projections();
        let columns = if projections.len() == 1 { 1 } else { projections.len().div_ceil(2) };
        let rows = projections.len().div_ceil(columns);
        let compact = projections.len() > 1;
        for (panel, projection) in plots.split_evenly((rows, columns)).iter().zip(projections) {
            self.panel(panel, projection, compact, true)?;
        }
        self.colour_bar(&bar)
    }
}

/// The twelve edges of the cube [-1, 1]^3.
fn cube_edges() -> Vec<([f32; 3], [f32; 3])> {
    let corners: Vec<[f32; 3]> =
        (0..8).map(|c| [0, 1, 2].map(|axis| if c >> axis & 1 == 1 { 1.0 } else { -1.0 })).collect();
    let mut edges = Vec::new();
    for (a, ca) in corners.iter().enumerate() {
        for (b, cb) in corners.iter().enumerate().skip(a + 1) {
            if (a ^ b).count_ones() == 1 {
                edges.push((*ca, *cb));
            }
        }
    }
    edges
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
