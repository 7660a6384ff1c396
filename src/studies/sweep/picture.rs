//! The picture of a sweep: what succeeded and how fast, side by side. The left panel gives, per
//! configuration, the share of runs that reached the stopping loss (filled markers on lines) and the
//! share whose outputs were all on the right side of 0.5 (hollow markers); the right panel the epochs
//! to stop of the runs that did, as the median with the quartiles. Across N when the sweep has several
//! encoder sizes, else one column per configuration. Each configuration has its own colour and marker
//! (distinct for 20), series that would sit on each other are set a little apart, and the key sits
//! beside the panels, never on the data. A sweep of one configuration gets a histogram of its epochs.

use crate::draw::figure::{self, number};
use crate::draw::layout::{self, Role};
use crate::draw::{self, failed, COLOUR_CYCLE, FONT_FAMILY};
use crate::studies::sweep::{by_config, quartiles, Row};
use anyhow::Result;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeSet;

/// The picture's size: two panels and the key beside them.
pub const SIZE: (u32, u32) = (1280, 640);

/// The key's width in pixels.
const KEY_WIDTH: u32 = 330;

/// A marker's shape; with the ten colours they give twenty distinct series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

const SHAPES: [Shape; 4] = [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond];

/// Series `k`'s colour, marker and whether its line is dashed: colours cycle every 10 and shapes every
/// 4, so no two of the first 20 series look alike, and lines are dashed from the 11th on.
pub fn look(k: usize) -> (RGBColor, Shape, bool) {
    (COLOUR_CYCLE[k % COLOUR_CYCLE.len()], SHAPES[k % SHAPES.len()], (k / COLOUR_CYCLE.len()) % 2 == 1)
}

/// One configuration's numbers at one x (N, or the configuration's own column).
#[derive(Clone, Debug, PartialEq)]
struct Point {
    x: f64,
    converged: f64,
    correct: f64,
    /// Quartiles of the epochs to stop of the runs that converged.
    epochs: Option<[f64; 3]>,
}

struct Series {
    label: String,
    points: Vec<Point>,
}

/// The sweep's series: one per configuration other than N, each with a point per N (several N), or
/// one per configuration at x = 1, 2, ... (one N).
fn series(rows: &[Row], across_n: bool) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for group in by_config(rows) {
        let r = group[0];
        let label = if across_n {
            format!("K {} lr {} mom {} init {}", r.hid, number(r.lr), number(r.mom), number(r.init))
        } else {
            r.config_label()
        };
        let share = |count: usize| 100.0 * count as f64 / group.len() as f64;
        let mut epochs: Vec<u64> = group.iter().filter_map(|r| r.converged_epochs()).collect();
        epochs.sort_unstable();
        let point = |x: f64| Point {
            x,
            converged: share(epochs.len()),
            correct: share(group.iter().filter(|r| r.all_correct == "yes").count()),
            epochs: quartiles(&epochs),
        };
        match series.iter_mut().find(|s| across_n && s.label == label) {
            Some(s) => s.points.push(point(r.items as f64)),
            None => {
                let x = if across_n { r.items as f64 } else { series.len() as f64 + 1.0 };
                series.push(Series { label, points: vec![point(x)] });
            }
        }
    }
    for s in &mut series {
        s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    series
}

/// How far series `k` of `count` is set aside along x, so that equal values stay visible.
fn dodge(k: usize, count: usize, across_n: bool) -> f64 {
    if !across_n || count < 2 {
        return 0.0;
    }
    let step = (0.6 / count as f64).min(0.12);
    (k as f64 - (count as f64 - 1.0) / 2.0) * step
}

/// The picture of a sweep's rows.
pub struct Picture<'a>(pub &'a [Row]);

impl draw::Drawing for Picture<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let rows = self.0;
        if rows.is_empty() {
            // A shard with no runs (a job array with more tasks than runs).
            let area = figure::titled(root, "A part of a sweep")?;
            let style =
                TextStyle::from((FONT_FAMILY, 24).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
            let (width, height) = area.dim_in_pixel();
            area.draw_text(
                "no runs in this part of the sweep",
                &style,
                (width as i32 / 2, height as i32 / 3),
            )
            .map_err(failed)?;
            return Ok(());
        }
        let sizes: BTreeSet<usize> = rows.iter().map(|r| r.items).collect();
        let across_n = sizes.len() > 1;
        let series = series(rows, across_n);
        if series.len() == 1 && !across_n {
            return histogram(rows, root);
        }
        let title = format!(
            "{} runs in {} configurations: reaching loss {} within {} epochs, and how fast",
            rows.len(),
            by_config(rows).len(),
            rows[0].stop,
            rows[0].max_epochs
        );
        let area = figure::titled(root, &title)?;
        let (width, _) = area.dim_in_pixel();
        let (panels, key_area) = area.split_horizontally(width - KEY_WIDTH);
        let (left, right) = panels.split_horizontally((width - KEY_WIDTH) / 2);
        let x_range = x_range(&series);
        let x_desc = if across_n { "N (encoder size)" } else { "configuration (see the key)" };
        success_panel(root, &left, &series, x_range, x_desc, across_n)?;
        epochs_panel(root, &right, &series, x_range, x_desc, across_n)?;
        key(&key_area, &series, across_n)
    }
}

fn x_range(series: &[Series]) -> (f64, f64) {
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.x));
    let (low, high) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(x), h.max(x)));
    (low - 0.6, high + 0.6)
}

/// Whole numbers only on the x axis: N, or the configurations' numbers.
fn whole(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        String::new()
    }
}

/// A panel's axes: whole numbers on both, at most 30 ticks along x.
fn panel_axes<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    (x_desc, y_desc): (&str, &str),
    (low, high): (f64, f64),
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let _axes = layout::scope(Role::Axis);
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(((high - low) as usize + 1).min(30))
        .x_label_formatter(&whole)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE)
        .label_style((FONT_FAMILY, 13))
        .axis_desc_style((FONT_FAMILY, 14))
        .draw()
        .map_err(failed)
}

/// The share of runs that converged (filled markers on lines) and that got every output right
/// (hollow markers), per series.
fn success_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    (low, high): (f64, f64),
    x_desc: &str,
    across_n: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption("runs that reached the loss (%)", (FONT_FAMILY, 17))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(52)
        .build_cartesian_2d(low..high, -4.0..106.0)
        .map_err(failed)?;
    panel_axes(&mut chart, (x_desc, "runs (%)"), (low, high))?;
    for (k, s) in series.iter().enumerate() {
        let (colour, shape, dashed) = look(k);
        let shift = dodge(k, series.len(), across_n);
        let at = |x: f64, y: f64| chart.backend_coord(&(x + shift, y));
        let line: Vec<(i32, i32)> = s.points.iter().map(|p| at(p.x, p.converged)).collect();
        draw_line(root, &line, colour, dashed)?;
        for p in &s.points {
            marker(root, shape, at(p.x, p.correct), colour, false)?;
            marker(root, shape, at(p.x, p.converged), colour, true)?;
        }
    }
    Ok(())
}

/// The epochs to stop of the runs that converged: the median (marker) and quartiles (bar).
fn epochs_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    (low, high): (f64, f64),
    x_desc: &str,
    across_n: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.epochs.map(|q| q[2])))
        .fold(1.0f64, f64::max)
        * 1.08;
    let mut chart = ChartBuilder::on(area)
        .caption("epochs to reach it: median and quartiles", (FONT_FAMILY, 17))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(low..high, 0.0..top)
        .map_err(failed)?;
    panel_axes(&mut chart, (x_desc, "epochs to stop"), (low, high))?;
    for (k, s) in series.iter().enumerate() {
        let (colour, shape, dashed) = look(k);
        let shift = dodge(k, series.len(), across_n);
        let at = |x: f64, y: f64| chart.backend_coord(&(x + shift, y));
        let medians: Vec<(i32, i32)> =
            s.points.iter().filter_map(|p| p.epochs.map(|[_, median, _]| at(p.x, median))).collect();
        draw_line(root, &medians, colour, dashed)?;
        for p in &s.points {
            if let Some([q1, median, q3]) = p.epochs {
                let (x, y1) = at(p.x, q1);
                let (_, y3) = at(p.x, q3);
                root.draw(&PathElement::new(vec![(x, y1), (x, y3)], colour.stroke_width(2)))
                    .map_err(failed)?;
                for y in [y1, y3] {
                    root.draw(&PathElement::new(vec![(x - 4, y), (x + 4, y)], colour.stroke_width(1)))
                        .map_err(failed)?;
                }
                marker(root, shape, at(p.x, median), colour, true)?;
            }
        }
    }
    Ok(())
}

fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    colour: RGBColor,
    dashed: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    if points.len() < 2 {
        return Ok(());
    }
    let style = colour.stroke_width(2);
    if dashed {
        root.draw(&DashedPathElement::new(points.to_vec(), 7, 4, style)).map_err(failed)
    } else {
        root.draw(&PathElement::new(points.to_vec(), style)).map_err(failed)
    }
}

/// A marker of `shape` centred at the pixel `at`: filled, or hollow and larger, so that a hollow one
/// drawn first rings a filled one at the same place.
pub fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    shape: Shape,
    (x, y): (i32, i32),
    colour: RGBColor,
    filled: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let r: i32 = if filled { 5 } else { 8 };
    let outline: Vec<(i32, i32)> = match shape {
        Shape::Circle => Vec::new(),
        Shape::Square => vec![
            (x - r + 1, y - r + 1),
            (x + r - 1, y - r + 1),
            (x + r - 1, y + r - 1),
            (x - r + 1, y + r - 1),
        ],
        Shape::Triangle => vec![(x, y - r - 1), (x + r + 1, y + r - 1), (x - r - 1, y + r - 1)],
        Shape::Diamond => vec![(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)],
    };
    if outline.is_empty() {
        if filled {
            root.draw(&Circle::new((x, y), r as u32, colour.filled())).map_err(failed)?;
        }
        return root.draw(&Circle::new((x, y), r as u32, colour.stroke_width(2))).map_err(failed);
    }
    if filled {
        root.draw(&Polygon::new(outline.clone(), colour.filled())).map_err(failed)?;
    }
    let mut closed = outline;
    closed.push(closed[0]);
    root.draw(&PathElement::new(closed, colour.stroke_width(2))).map_err(failed)
}

/// The key beside the panels: each configuration's colour, marker and line (with its number when
/// the x axis counts configurations), then what the filled and hollow markers and the bars mean.
fn key<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, series: &[Series], across_n: bool) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let _key = layout::scope(Role::Legend);
    let style = TextStyle::from((FONT_FAMILY, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let grey = RGBColor(0x44, 0x44, 0x44);
    let row_height = if series.len() > 16 { 17 } else { 21 };
    let mut y = 60;
    for (k, s) in series.iter().enumerate() {
        let (colour, shape, dashed) = look(k);
        draw_line(area, &[(8, y), (40, y)], colour, dashed)?;
        marker(area, shape, (24, y), colour, true)?;
        let text = if across_n { s.label.clone() } else { format!("{}: {}", k + 1, s.label) };
        area.draw_text(&text, &style, (50, y)).map_err(failed)?;
        y += row_height;
    }
    y += 12;
    let (colour, shape, _) = look(0);
    marker(area, shape, (24, y), colour, true)?;
    area.draw_text("filled: loss reached (left), median (right)", &style.color(&grey), (50, y))
        .map_err(failed)?;
    y += row_height;
    marker(area, shape, (24, y), colour, false)?;
    area.draw_text("hollow: every output on the right side", &style.color(&grey), (50, y)).map_err(failed)?;
    y += row_height;
    area.draw(&PathElement::new(vec![(24, y - 8), (24, y + 8)], colour.stroke_width(2))).map_err(failed)?;
    area.draw_text("bar: quartiles of the epochs", &style.color(&grey), (50, y)).map_err(failed)?;
    if across_n && series.len() > 1 {
        y += row_height;
        let note = "series set a little apart along N";
        area.draw_text(note, &style.color(&grey), (50, y)).map_err(failed)?;
    }
    Ok(())
}

/// One configuration: a histogram of its runs' epochs to stop, the median dashed.
fn histogram<DB: DrawingBackend>(rows: &[Row], root: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut epochs: Vec<u64> = rows.iter().filter_map(Row::converged_epochs).collect();
    epochs.sort_unstable();
    let title = format!(
        "{}: epochs to reach loss {}, {} of {} runs within {} epochs",
        rows[0].config_label(),
        rows[0].stop,
        epochs.len(),
        rows.len(),
        rows[0].max_epochs
    );
    let area = figure::titled(root, &title)?;
    let (low, high) = match (epochs.first(), epochs.last()) {
        (Some(&low), Some(&high)) => (low as f64, (high as f64).max(low as f64 + 1.0)),
        _ => (0.0, rows[0].max_epochs as f64),
    };
    const BINS: usize = 30;
    let width = (high - low) / BINS as f64;
    let mut count = [0u32; BINS];
    for &e in &epochs {
        count[(((e as f64 - low) / width) as usize).min(BINS - 1)] += 1;
    }
    let top = count.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
    let caption = match quartiles(&epochs) {
        Some([q1, median, q3]) => format!("median {median:.0} (dashed), quartiles {q1:.0} and {q3:.0}"),
        None => "no run reached the loss".to_string(),
    };
    let mut chart = ChartBuilder::on(&area)
        .caption(caption, (FONT_FAMILY, 16))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(low - width..high + width, 0.0..top)
        .map_err(failed)?;
    {
        let _axes = layout::scope(Role::Axis);
        chart
            .configure_mesh()
            .x_desc("epochs to stop")
            .y_desc("runs")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_labels((top as usize).clamp(1, 10) + 1)
            .light_line_style(WHITE)
            .label_style((FONT_FAMILY, 14))
            .axis_desc_style((FONT_FAMILY, 16))
            .draw()
            .map_err(failed)?;
    }
    let colour = COLOUR_CYCLE[0];
    let bars = count.iter().enumerate().filter(|(_, &c)| c > 0).map(|(b, &c)| {
        let x0 = low + b as f64 * width;
        Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], colour.mix(0.5).filled())
    });
    chart.draw_series(bars).map_err(failed)?;
    if let Some([_, median, _]) = quartiles(&epochs) {
        let dashes = (0..=40).map(|i| i as f64 * top / 40.0).map(|y| (median, y));
        chart.draw_series(DashedLineSeries::new(dashes, 6, 4, BLACK.stroke_width(2))).map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_series_look_different() {
        let looks: Vec<_> = (0..20).map(look).collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!((a.0, a.1, a.2), (b.0, b.1, b.2));
                // Two series of one colour differ in marker and dash both.
                if a.0 == b.0 {
                    assert!(a.1 != b.1 && a.2 != b.2, "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn dodged_series_stay_apart_and_centred() {
        let shifts: Vec<f64> = (0..4).map(|k| dodge(k, 4, true)).collect();
        assert!((shifts.iter().sum::<f64>()).abs() < 1e-12);
        assert!(shifts.windows(2).all(|w| w[1] - w[0] >= 0.1));
        assert_eq!(dodge(2, 4, false), 0.0);
    }
}
