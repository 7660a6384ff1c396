//! The pictures of `hud depth`: per-layer gradients, activation spread and saturation (one line per
//! technique, the key beside the panels), activation histograms (one panel per technique, the layers'
//! key above them) and the depth table as a heatmap.

use crate::draw::figure::{self, failed};
use crate::draw::layout::{self, Role};
use crate::draw::{Drawing, COLOUR_CYCLE, FONT_FAMILY};
use crate::engine::deep::{self, Arch, LayerStats, Run};
use crate::labs::depth::table::Summary;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The gradient picture's size: the four panels and the key at their right.
pub const GRADIENT_SIZE: (u32, u32) = (1440, 900);

/// The histogram picture's size.
pub const HISTOGRAM_SIZE: (u32, u32) = (1200, 900);

/// The key's width in the gradient picture.
const KEY_WIDTH: u32 = 300;

fn technique_colour(i: usize) -> RGBColor {
    COLOUR_CYCLE[i % COLOUR_CYCLE.len()]
}

/// Whether a run has no weight gradient at all: every layer's norm 0 at every measured epoch (its
/// outputs saturated, say, so that nothing flows back).
pub fn dead(run: &Run) -> bool {
    !run.measurements.is_empty()
        && run.measurements.iter().all(|(_, stats)| stats.iter().all(|s| s.weight_grad_norm == 0.0))
}

/// Per-layer gradient norms, activation spread and saturation, one line per technique: solid at
/// the first measured epoch, dashed at the last.
pub struct GradientPicture<'a> {
    pub results: &'a [(Arch, Run)],
    pub title: String,
}

type Pick = fn(&LayerStats) -> f32;

/// A line to draw: the technique's index, dashed (the last measured epoch) or not, its points.
type Series = (usize, bool, Vec<(f64, f64)>);

/// One panel: its caption, its y axis' description, the number it shows and whether on a log axis.
type PanelSpec = (&'static str, &'static str, Pick, bool);

const PANELS: [PanelSpec; 4] = [
    ("Weight gradient: |dL/dW| per layer", "norm (log; 0 at the bottom)", |s| s.weight_grad_norm, true),
    (
        "Back-propagated gradient: |dL/da| per layer",
        "norm (log; 0 at the bottom)",
        |s| s.back_grad_norm,
        true,
    ),
    ("Activations: standard deviation per layer", "std (log; 0 at the bottom)", |s| s.act_std, true),
    ("Saturated units per layer", "share", |s| s.saturated, false),
];

impl Drawing for GradientPicture<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let area = figure::titled(root, &self.title)?;
        let (width, _) = area.dim_in_pixel();
        let (panels, key) = area.split_horizontally(width - KEY_WIDTH);
        for (panel, spec) in panels.split_evenly((2, 2)).iter().zip(PANELS) {
            self.draw_panel(panel, spec)?;
        }
        self.draw_key(&key)
    }
}

/// The label of a tick on an axis of log10 values: whole numbers as powers of ten.
fn power_label(log10: f64) -> String {
    if (log10 - log10.round()).abs() < 1e-6 {
        figure::power_of_ten_label(10f64.powi(log10.round() as i32))
    } else {
        String::new()
    }
}

impl GradientPicture<'_> {
    /// Every technique's line at the first and the last measured epoch, of the number `pick` gives.
    fn series(&self, pick: Pick) -> Vec<Series> {
        let mut series = Vec::new();
        for (i, (_, run)) in self.results.iter().enumerate() {
            let first = run.measurements.first();
            let last = run.measurements.last().filter(|_| run.measurements.len() > 1);
            for (dashed, measurement) in [(false, first), (true, last)] {
                if let Some((_, stats)) = measurement {
                    let points =
                        stats.iter().enumerate().map(|(l, s)| ((l + 1) as f64, f64::from(pick(s)))).collect();
                    series.push((i, dashed, points));
                }
            }
        }
        series
    }

    fn draw_panel<DB: DrawingBackend>(&self, panel: &DrawingArea<DB, Shift>, spec: PanelSpec) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (caption, y_desc, pick, log) = spec;
        let layers = self.results.iter().map(|(a, _)| a.depth + 1).max().unwrap_or(2) as f64;
        let series = self.series(pick);
        let x_range = 0.5..layers + 0.5;
        let x_desc = ("layer (last: output)", y_desc);
        if !log {
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, (FONT_FAMILY, 17))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(x_range, 0.0..1.02)
                .map_err(failed)?;
            figure::mesh(&mut chart, x_desc, (&|x| format!("{x:.0}"), &|y| format!("{y:.1}")), 13.0)?;
            return self.draw_lines(&mut chart, &series, 0.0);
        }
        let positive: Vec<f64> = series
            .iter()
            .flat_map(|(_, _, p)| p.iter().map(|&(_, y)| y))
            .filter(|y| *y > 0.0 && y.is_finite())
            .collect();
        // All zero: nothing to draw on a log axis; any finite range, and a note instead of lines.
        let floor = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let floor = if floor.is_finite() { floor.max(1e-30) } else { 1e-3 };
        let top = positive.iter().copied().fold(0.0, f64::max).max(floor * 10.0);
        // log10 of the values on a linear axis: over 30 decades plotters' log axis leaves the lower
        // decades without ticks.
        let (lo, hi) = ((floor / 3.0).log10(), (top * 3.0).log10());
        let series: Vec<Series> = series
            .into_iter()
            .map(|(i, dashed, points)| {
                let logs = points.iter().map(|&(x, y)| (x, if y > 0.0 { y.log10().max(lo) } else { lo }));
                (i, dashed, logs.collect())
            })
            .collect();
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, (FONT_FAMILY, 17))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range, lo..hi)
            .map_err(failed)?;
        figure::mesh(&mut chart, x_desc, (&|x| format!("{x:.0}"), &|y| power_label(*y)), 13.0)?;
        if positive.is_empty() {
            let (width, height) = panel.dim_in_pixel();
            let style =
                TextStyle::from((FONT_FAMILY, 16).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
            let note = "every value is 0: nothing to draw on a log axis";
            return panel.draw_text(note, &style, (width as i32 / 2, height as i32 / 2)).map_err(failed);
        }
        self.draw_lines(&mut chart, &series, lo)
    }

    fn draw_lines<'a, DB, X, Y>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
        series: &[Series],
        floor: f64,
    ) -> Result<()>
    where
        DB: DrawingBackend + 'a,
        DB::ErrorType: 'static,
        X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
        Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    {
        for (i, dashed, points) in series {
            let colour = technique_colour(*i);
            let points: Vec<(f64, f64)> =
                points.iter().map(|&(x, y)| (x, if y.is_finite() { y.max(floor) } else { floor })).collect();
            if *dashed {
                chart
                    .draw_series(DashedLineSeries::new(points, 6, 4, colour.stroke_width(2)))
                    .map_err(failed)?;
            } else {
                chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2))).map_err(failed)?;
                if points.len() <= 40 {
                    chart
                        .draw_series(points.iter().map(|&p| Circle::new(p, 2, colour.filled())))
                        .map_err(failed)?;
                }
            }
        }
        Ok(())
    }

    /// The key at the right: each technique's colour, a note under a dead network, then what the
    /// solid and dashed lines are.
    fn draw_key<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let _key = layout::scope(Role::Legend);
        let style = TextStyle::from((FONT_FAMILY, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let grey = RGBColor(0x55, 0x55, 0x55);
        let note = TextStyle::from((FONT_FAMILY, 12).into_font())
            .pos(Pos::new(HPos::Left, VPos::Center))
            .color(&grey);
        let mut y = 70;
        for (i, (arch, run)) in self.results.iter().enumerate() {
            let colour = technique_colour(i);
            area.draw(&PathElement::new(vec![(10, y), (40, y)], colour.stroke_width(3))).map_err(failed)?;
            area.draw_text(&arch.technique(), &style, (48, y)).map_err(failed)?;
            y += 22;
            if dead(run) {
                let loss = run.losses.first().copied().unwrap_or(f32::NAN);
                for line in [
                    "no weight gradient in any layer: a dead",
                    &format!("network (loss {loss:.4}); its lines lie at 0"),
                ] {
                    area.draw_text(line, &note, (48, y - 4)).map_err(failed)?;
                    y += 16;
                }
                y += 4;
            }
        }
        let Some((_, run)) = self.results.first() else { return Ok(()) };
        let epoch_of = |m: Option<&(usize, Vec<LayerStats>)>| m.map_or(0, |m| m.0);
        let first = epoch_of(run.measurements.first());
        let when = if first == 0 { "at init".to_string() } else { format!("at epoch {first}") };
        y += 14;
        area.draw(&PathElement::new(vec![(10, y), (40, y)], BLACK.stroke_width(2))).map_err(failed)?;
        area.draw_text(&format!("solid: {when}"), &style, (48, y)).map_err(failed)?;
        if run.measurements.len() > 1 {
            y += 22;
            let last = epoch_of(run.measurements.last());
            area.draw(&DashedPathElement::new(vec![(10, y), (40, y)], 6, 4, BLACK.stroke_width(2)))
                .map_err(failed)?;
            area.draw_text(&format!("dashed: at epoch {last}"), &style, (48, y)).map_err(failed)?;
        }
        Ok(())
    }
}

/// Each technique's activation histograms at the first measured epoch, for up to six layers
/// spread over the depth (Glorot & Bengio's figure).
pub struct HistogramPicture<'a> {
    pub results: &'a [(Arch, Run)],
    pub title: String,
}

/// Up to `n` hidden layers (0-based) spread evenly from the first to the last.
fn spread_layers(depth: usize, n: usize) -> Vec<usize> {
    if depth <= n {
        return (0..depth).collect();
    }
    let mut layers: Vec<usize> = (0..n).map(|i| (i * (depth - 1) + (n - 1) / 2) / (n - 1)).collect();
    layers.dedup();
    layers
}

/// Layer `k` of `count` shown, from light (the first) to dark (the last).
fn layer_colour(k: usize, count: usize) -> RGBColor {
    let t = if count > 1 { k as f64 / (count - 1) as f64 } else { 1.0 };
    RGBColor((200.0 * (1.0 - t)) as u8, (120.0 * (1.0 - t) + 30.0) as u8, (255.0 - 80.0 * t) as u8)
}

impl Drawing for HistogramPicture<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let area = figure::titled(root, &self.title)?;
        let (key, area) = area.split_vertically(36);
        let depth = self.results.iter().map(|(a, _)| a.depth).max().unwrap_or(1);
        let layers = spread_layers(depth, 6);
        self.draw_key(&key, &layers)?;
        let n = self.results.len();
        let cols = if n <= 1 { 1 } else { 2 };
        let panels = area.split_evenly((n.div_ceil(cols), cols));
        for ((arch, run), panel) in self.results.iter().zip(&panels) {
            let Some((epoch, _)) = run.measurements.first() else { continue };
            let histograms = &run.histograms[0];
            let (lo, hi) = arch.act.range();
            let width = (hi - lo) / deep::HISTOGRAM_BINS as f64;
            let shown: Vec<usize> = layers.iter().copied().filter(|&l| l < arch.depth).collect();
            let top = shown
                .iter()
                .flat_map(|&l| histograms[l].iter().map(|&v| f64::from(v)))
                .fold(0.0, f64::max)
                .max(0.01);
            let when = if *epoch == 0 { "at init".to_string() } else { format!("epoch {epoch}") };
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{} ({when})", arch.technique()), (FONT_FAMILY, 17))
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(lo..hi, 0.0..top * 1.05)
                .map_err(failed)?;
            figure::mesh(
                &mut chart,
                ("activation value (ends: at or beyond)", "share of units"),
                (&|x| figure::short(*x), &|y| figure::short(*y)),
                12.0,
            )?;
            for (k, &l) in shown.iter().enumerate() {
                let points: Vec<(f64, f64)> = histograms[l]
                    .iter()
                    .enumerate()
                    .map(|(b, &v)| (lo + (b as f64 + 0.5) * width, f64::from(v)))
                    .collect();
                let colour = layer_colour(k, layers.len());
                chart.draw_series(LineSeries::new(points, colour.stroke_width(2))).map_err(failed)?;
            }
        }
        Ok(())
    }
}

impl HistogramPicture<'_> {
    /// The layers' key, in a row above the panels: one colour per layer shown, light to dark.
    fn draw_key<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, layers: &[usize]) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let _key = layout::scope(Role::Legend);
        let style = TextStyle::from((FONT_FAMILY, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let (width, height) = area.dim_in_pixel();
        let entry = 130;
        let mut x = (width as i32 - entry * layers.len() as i32) / 2;
        let y = height as i32 / 2;
        for (k, &l) in layers.iter().enumerate() {
            let colour = layer_colour(k, layers.len());
            area.draw(&PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(3)))
                .map_err(failed)?;
            area.draw_text(&format!("layer {}", l + 1), &style, (x + 38, y)).map_err(failed)?;
            x += entry;
        }
        Ok(())
    }
}

/// The table as a heatmap: techniques down, depths across, coloured by final accuracy (red 50% or
/// less, green 100%), the cell's text inside.
pub struct TablePicture<'a> {
    /// Each cell's network and runs.
    pub cells: &'a [(Arch, Summary<'a>)],
    /// Seeds per cell: one colours by final accuracy, more by the share that learned.
    pub seeds: u64,
    pub techniques: &'a [String],
    pub depths: &'a [usize],
    pub title: String,
}

/// Red at 50% accuracy (chance) through yellow to green at 100%.
fn accuracy_colour(accuracy: f64) -> RGBColor {
    let t = ((accuracy - 0.5) / 0.5).clamp(0.0, 1.0);
    let mix = |a: f64, b: f64, s: f64| (a + (b - a) * s) as u8;
    if t < 0.5 {
        let s = t / 0.5;
        RGBColor(mix(215.0, 250.0, s), mix(80.0, 220.0, s), mix(70.0, 90.0, s))
    } else {
        let s = (t - 0.5) / 0.5;
        RGBColor(mix(250.0, 60.0, s), mix(220.0, 170.0, s), mix(90.0, 80.0, s))
    }
}

impl Drawing for TablePicture<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let area = figure::titled(root, &self.title)?;
        let (w, h) = area.dim_in_pixel();
        let (left, top) = (260i32, 40i32);
        let cols = self.depths.len().max(1) as i32;
        let rows = self.techniques.len().max(1) as i32;
        let cell_w = (w as i32 - left - 20) / cols;
        let cell_h = (h as i32 - top - 34) / rows;
        let text = |size: f64, h: HPos| {
            (FONT_FAMILY, size).into_font().into_text_style(&area).pos(Pos::new(h, VPos::Center))
        };
        let axes = layout::scope(Role::Axis);
        for (c, depth) in self.depths.iter().enumerate() {
            let x = left + c as i32 * cell_w + cell_w / 2;
            area.draw_text(&format!("{depth} layers"), &text(16.0, HPos::Center), (x, top / 2))
                .map_err(failed)?;
        }
        drop(axes);
        for (r, technique) in self.techniques.iter().enumerate() {
            let y0 = top + r as i32 * cell_h;
            let axes = layout::scope(Role::Axis);
            area.draw_text(technique, &text(15.0, HPos::Right), (left - 10, y0 + cell_h / 2))
                .map_err(failed)?;
            drop(axes);
            for (c, depth) in self.depths.iter().enumerate() {
                let x0 = left + c as i32 * cell_w;
                let cell = self.cells.iter().find(|(a, _)| &a.technique() == technique && a.depth == *depth);
                let Some((_, cell)) = cell else { continue };
                let colour = if cell.all_diverged() {
                    RGBColor(150, 150, 150)
                } else if self.seeds > 1 {
                    // The share that learned on the same scale: none red, half yellow, all green.
                    accuracy_colour(0.5 + 0.5 * cell.share())
                } else {
                    accuracy_colour(f64::from(cell.runs[0].final_accuracy))
                };
                area.draw(&Rectangle::new(
                    [(x0 + 1, y0 + 1), (x0 + cell_w - 1, y0 + cell_h - 1)],
                    colour.filled(),
                ))
                .map_err(failed)?;
                let _tag = layout::scope(Role::Tag);
                let [line, detail] = cell.lines();
                let x = x0 + cell_w / 2;
                if detail.is_empty() {
                    area.draw_text(&line, &text(15.0, HPos::Center), (x, y0 + cell_h / 2)).map_err(failed)?;
                } else {
                    area.draw_text(&line, &text(15.0, HPos::Center), (x, y0 + cell_h / 2 - 9))
                        .map_err(failed)?;
                    area.draw_text(&detail, &text(12.0, HPos::Center), (x, y0 + cell_h / 2 + 10))
                        .map_err(failed)?;
                }
            }
        }
        let note = if self.seeds > 1 {
            "colour: share of seeds that reached the threshold (red: none; yellow: half; green: all; grey: all \
             diverged); text: seeds that reached it @ their median epoch, (quartiles) median final accuracy"
        } else {
            "colour: final accuracy (red: 50%, chance; green: 100%; grey: diverged); text: final accuracy @ \
             the epoch it first reached the threshold"
        };
        area.draw_text(note, &text(13.0, HPos::Center), (w as i32 / 2, top + rows * cell_h + 17))
            .map_err(failed)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_layers_cover_first_and_last() {
        assert_eq!(spread_layers(3, 6), [0, 1, 2]);
        let l = spread_layers(32, 6);
        assert_eq!((l[0], *l.last().unwrap(), l.len()), (0, 31, 6));
    }
}
