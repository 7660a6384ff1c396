//! Pictures of a 2-D classifier's regions, as the course's 2-D scripts (`spiral_main.py`) draw them.
//!
//! `graph_output(net)` evaluates the network on a grid of points (`torch.arange(-7, 7.1, 0.01)` across,
//! `torch.arange(-6.6, 6.7, 0.01)` up), paints each grid cell with `pcolormesh(..., cmap='Wistia')`
//! where `output >= 0.5` (orange, `#fc7f00`) or not (pale yellow, `#e4ff7a`), and scatters the data
//! on top with `cmap='RdYlBu'` on `1 - class`: class 0 dark blue (`#313695`), class 1 dark red
//! (`#a50026`). `graph_hidden` does the same for one hidden unit, painted where its activation is
//! `>= 0`. Here the cells are painted per pixel (each pixel takes its nearest grid point, as
//! pcolormesh's nearest shading does), the axes keep x and y at the same scale, and the points get a
//! white ring so that they show on both colours. [`draw_contact_sheet`] puts every hidden unit of a
//! layer in one picture; [`draw_field`] shows the value itself (graded, with the threshold's contour)
//! rather than which side of the threshold it is on. [`painted_where`] and [`field_values`] turn a
//! network's output on [`Grid::points`] into what these draw.

use crate::data::files;
use crate::draw::layout::{self, Role};
use crate::draw::{self, Drawing, FONT_FAMILY};
use anyhow::{ensure, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// Wistia at 1: where the course paints (output >= 0.5, or hidden activation >= 0).
pub const PAINTED: RGBColor = RGBColor(0xfc, 0x7f, 0x00);
/// Wistia at 0.
pub const UNPAINTED: RGBColor = RGBColor(0xe4, 0xff, 0x7a);
/// RdYlBu at 1 - 0: the points of class 0.
pub const CLASS_0: RGBColor = RGBColor(0x31, 0x36, 0x95);
/// RdYlBu at 1 - 1: the points of class 1.
pub const CLASS_1: RGBColor = RGBColor(0xa5, 0x00, 0x26);

/// The most points on either side of a grid (the course's has 1410 x 1330).
pub const MAX_SIDE: usize = 20_000;
/// The most points in a grid.
pub const MAX_POINTS: usize = 25_000_000;

/// The course's grid: torch.arange(-7, 7.1, 0.01) × torch.arange(-6.6, 6.7, 0.01), float32, built with
/// tch exactly as the script builds it (Tensor::arange_start_step, repeat, repeat_interleave, cat).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
}

impl Grid {
    pub fn course() -> Self {
        Self::new((-7.0, 7.1), (-6.6, 6.7), 0.01).expect("the course's grid is valid")
    }

    /// Any rectangle (for other 2-D scripts): arange(x0, x1, step) × arange(y0, y1, step).
    pub fn new(x: (f64, f64), y: (f64, f64), step: f64) -> Result<Self> {
        ensure!(step.is_finite() && step > 0.0, "the grid's step must be a finite number > 0, got {step}");
        let axis = |(start, end): (f64, f64), name: &str| -> Result<Vec<f32>> {
            ensure!(
                start.is_finite() && end.is_finite() && start < end,
                "the grid's {name} range must be finite with start < end, got {start} to {end}"
            );
            let count = ((end - start) / step).ceil();
            ensure!(
                count <= MAX_SIDE as f64,
                "the grid would have {count} points across {name}; at most {MAX_SIDE}"
            );
            // The values come from libtorch's arange, which does not compute start + i * step in the
            // obvious way: arange(-7, 7.1, 0.01)[700] is 8.9e-10, not 0.
            let values = Tensor::f_arange_start_step(start, end, step, (Kind::Float, Device::Cpu))
                .map_err(|e| crate::libtorch_error(&e.to_string()))?;
            Ok(Vec::<f32>::try_from(&values)?)
        };
        let grid = Grid { xs: axis(x, "x")?, ys: axis(y, "y")? };
        ensure!(grid.len() <= MAX_POINTS, "the grid would have {} points; at most {MAX_POINTS}", grid.len());
        Ok(grid)
    }

    /// The script's `grid` tensor: [ys.len()*xs.len(), 2], x varying fastest, on `device`.
    pub fn points(&self, device: Device) -> Tensor {
        let xrange = Tensor::from_slice(&self.xs);
        let yrange = Tensor::from_slice(&self.ys);
        let xcoord = xrange.repeat([self.ys.len() as i64]);
        let ycoord = yrange.repeat_interleave_self_int(self.xs.len() as i64, 0, None);
        Tensor::cat(&[xcoord.unsqueeze(1), ycoord.unsqueeze(1)], 1).to_device(device)
    }

    /// The number of grid points, `xs.len() * ys.len()`.
    pub fn len(&self) -> usize {
        self.xs.len() * self.ys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rectangle the cells cover, `((x_low, x_high), (y_low, y_high))`: each grid point is the
    /// middle of its cell, as in pcolormesh's nearest shading.
    pub fn extent(&self) -> ((f64, f64), (f64, f64)) {
        let (dx, dy) = (spacing(&self.xs), spacing(&self.ys));
        // A one-point side borrows the other side's spacing, so that its cell is square.
        let (dx, dy) = (dx.or(dy).unwrap_or(1.0), dy.or(dx).unwrap_or(1.0));
        let side = |values: &[f32], d: f64| {
            (f64::from(values[0]) - d / 2.0, f64::from(values[values.len() - 1]) + d / 2.0)
        };
        (side(&self.xs, dx), side(&self.ys, dy))
    }

    /// The index of the grid point nearest to `u` along `values` (evenly spaced, increasing).
    fn nearest(values: &[f32], u: f64) -> usize {
        let Some(d) = spacing(values) else { return 0 };
        let i = ((u - f64::from(values[0])) / d).round();
        i.clamp(0.0, (values.len() - 1) as f64) as usize
    }

    fn check(&self, painted: &[bool], what: &str) -> Result<()> {
        ensure!(!self.is_empty(), "the grid has no points");
        ensure!(
            painted.len() == self.len(),
            "{what} has {} values for a grid of {} x {} = {} points",
            painted.len(),
            self.xs.len(),
            self.ys.len(),
            self.len()
        );
        Ok(())
    }
}

/// Each hidden unit's painting over a grid, `hidden` being a layer's activations there (`[n, units]`,
/// on any device): painted where the unit is on by its activation's rule (`graph_hidden`'s).
pub fn painted_units(hidden: &Tensor, act: crate::engine::nets::Activation) -> Result<Vec<Vec<bool>>> {
    let on = act.on(hidden).to_device(Device::Cpu);
    (0..hidden.size()[1]).map(|node| Ok(Vec::<bool>::try_from(on.select(1, node).contiguous())?)).collect()
}

/// The course's painting rule on a network's values, one per grid point (`[n]` or `[n, 1]`, on any
/// device): `values >= threshold`, compared by libtorch as the script's `(output >= 0.5)` compares.
pub fn painted_where(values: &Tensor, threshold: f64) -> Result<Vec<bool>> {
    let painted = values.f_ge(threshold).map_err(|e| crate::libtorch_error(&e.to_string()))?;
    Ok(Vec::<bool>::try_from(painted.to_device(Device::Cpu).reshape([-1]))?)
}

/// A network's values, one per grid point (`[n]` or `[n, 1]`, on any device), for [`draw_field`].
pub fn field_values(values: &Tensor) -> Result<Vec<f32>> {
    let values = values.f_to_kind(Kind::Float).map_err(|e| crate::libtorch_error(&e.to_string()))?;
    Ok(Vec::<f32>::try_from(values.to_device(Device::Cpu).reshape([-1]))?)
}

/// The mean distance between neighbours, `None` for a single value.
fn spacing(values: &[f32]) -> Option<f64> {
    (values.len() > 1)
        .then(|| (f64::from(values[values.len() - 1]) - f64::from(values[0])) / (values.len() - 1) as f64)
}

/// Where a grid is drawn, in pixels: `width` x `height` from (`left`, `top`), the grid's extent
/// filling it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panel {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

impl Panel {
    /// The pixel where (u, v) is drawn, for a grid of extent `extent`.
    pub fn pixel(&self, extent: ((f64, f64), (f64, f64)), u: f64, v: f64) -> (i32, i32) {
        let ((x0, x1), (y0, y1)) = extent;
        (
            self.left + ((u - x0) / (x1 - x0) * f64::from(self.width)).floor() as i32,
            self.top + ((y1 - v) / (y1 - y0) * f64::from(self.height)).floor() as i32,
        )
    }

    fn contains(&self, (x, y): (i32, i32)) -> bool {
        (self.left..self.left + self.width).contains(&x) && (self.top..self.top + self.height).contains(&y)
    }

    /// Each pixel column's and row's nearest grid point: pixel (c, r) shows cell
    /// `rows[r] * nx + columns[c]`, as pcolormesh's nearest shading shows it.
    fn cells(&self, grid: &Grid) -> (Vec<usize>, Vec<usize>) {
        let ((x0, x1), (y0, y1)) = grid.extent();
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let columns =
            (0..self.width).map(|c| Grid::nearest(&grid.xs, x0 + (f64::from(c) + 0.5) / w * (x1 - x0)));
        let rows =
            (0..self.height).map(|r| Grid::nearest(&grid.ys, y1 - (f64::from(r) + 0.5) / h * (y1 - y0)));
        (columns.collect(), rows.collect())
    }

    /// Colours the panel's pixels `(column, row)` that `colour` gives a colour, as runs of one colour
    /// along each row, rows with the same runs merged, so that an SVG stays small.
    fn draw_runs<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        colour: impl Fn(usize, usize) -> Option<RGBColor>,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        type Run = (i32, i32, RGBColor);
        let flush = |runs: &[Run], from: i32, to: i32| -> Result<()> {
            for &(a, b, colour) in runs {
                let corners = [(self.left + a, self.top + from), (self.left + b, self.top + to)];
                root.draw(&Rectangle::new(corners, colour.filled())).map_err(draw::failed)?;
            }
            Ok(())
        };
        let mut open: (Vec<Run>, i32) = (Vec::new(), 0);
        for r in 0..self.height {
            let mut runs: Vec<Run> = Vec::new();
            let mut current: Option<(i32, RGBColor)> = None;
            for c in 0..=self.width {
                let here = if c < self.width { colour(c as usize, r as usize) } else { None };
                if current.map(|(_, colour)| colour) != here {
                    if let Some((start, colour)) = current {
                        runs.push((start, c, colour));
                    }
                    current = here.map(|colour| (c, colour));
                }
            }
            if runs != open.0 {
                flush(&open.0, open.1, r)?;
                open = (runs, r);
            }
        }
        flush(&open.0, open.1, self.height)
    }

    /// Paints the panel: each pixel the colour of the grid cell nearest its middle.
    fn paint<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        grid: &Grid,
        painted: &[bool],
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let corners = [(self.left, self.top), (self.left + self.width, self.top + self.height)];
        root.draw(&Rectangle::new(corners, UNPAINTED.filled())).map_err(draw::failed)?;
        let (columns, rows) = self.cells(grid);
        let nx = grid.xs.len();
        self.draw_runs(root, |c, r| painted[rows[r] * nx + columns[c]].then_some(PAINTED))
    }

    /// The data points, class 0 blue and class 1 red, each with a white ring; points outside the
    /// panel are left out.
    fn scatter<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        extent: ((f64, f64), (f64, f64)),
        points: &[(f32, f32, bool)],
        radius: i32,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        for &(x, y, class_1) in points {
            let at = self.pixel(extent, f64::from(x), f64::from(y));
            if !self.contains(at) {
                continue;
            }
            let colour = if class_1 { CLASS_1 } else { CLASS_0 };
            root.draw(&Circle::new(at, radius + 1, WHITE.filled())).map_err(draw::failed)?;
            root.draw(&Circle::new(at, radius, colour.filled())).map_err(draw::failed)?;
        }
        Ok(())
    }

    /// The frame, and ticks with labels below (`bottom`) and to the left (`left`) where asked.
    fn axes<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        extent: ((f64, f64), (f64, f64)),
        (bottom, left): (bool, bool),
        size: u32,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let _axes = layout::scope(Role::Axis);
        let frame = [(self.left, self.top), (self.left + self.width, self.top + self.height)];
        root.draw(&Rectangle::new(frame, BLACK.stroke_width(1))).map_err(draw::failed)?;
        let ((x0, x1), (y0, y1)) = extent;
        let tick_length = 5;
        if bottom {
            for tick in ticks(x0, x1, self.width) {
                let (x, _) = self.pixel(extent, tick, y0);
                let y = self.top + self.height;
                root.draw(&PathElement::new([(x, y), (x, y + tick_length)], BLACK)).map_err(draw::failed)?;
                let style = anchored(size, HPos::Center, VPos::Top);
                root.draw(&Text::new(label(tick), (x, y + tick_length + 3), style)).map_err(draw::failed)?;
            }
        }
        if left {
            for tick in ticks(y0, y1, self.height) {
                let (_, y) = self.pixel(extent, x0, tick);
                // A label at the very bottom would sit on the x axis' first label.
                if bottom && y > self.top + self.height - 8 {
                    continue;
                }
                let x = self.left;
                root.draw(&PathElement::new([(x - tick_length, y), (x, y)], BLACK)).map_err(draw::failed)?;
                let style = anchored(size, HPos::Right, VPos::Center);
                root.draw(&Text::new(label(tick), (x - tick_length - 3, y), style)).map_err(draw::failed)?;
            }
        }
        Ok(())
    }
}

/// The data points' radius in a full-size picture: a few points big, thousands small.
fn dot_radius(points: usize) -> i32 {
    match points {
        0..=50 => 7,
        51..=500 => 4,
        _ => 2,
    }
}

fn anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font()).pos(Pos::new(h, v))
}

/// A tick's label, with a true minus sign.
fn label(tick: f64) -> String {
    let text = crate::draw::figure::short(tick);
    let text = if text == "-0" { "0".into() } else { text };
    text.replace('-', "\u{2212}")
}

/// Round values in [low, high] about every 70 pixels along `pixels`: steps of 1, 2 or 5 times a power
/// of ten.
pub fn ticks(low: f64, high: f64, pixels: i32) -> Vec<f64> {
    let wanted = (f64::from(pixels) / 70.0).max(2.0);
    let raw = (high - low) / wanted;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|&s| s >= raw).unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A panel's size in pixels for a grid of `extent`: x and y at one scale, the longer side `longest`
/// pixels (either side at least 160).
fn scale(extent: ((f64, f64), (f64, f64)), longest: f64) -> (i32, i32) {
    let ((x0, x1), (y0, y1)) = extent;
    let (xspan, yspan) = (x1 - x0, y1 - y0);
    let per_unit = longest / xspan.max(yspan);
    ((xspan * per_unit).round().max(160.0) as i32, (yspan * per_unit).round().max(160.0) as i32)
}

const TITLE_HEIGHT: i32 = 44;
const KEY_HEIGHT: i32 = 28;

/// How an entry of the key is marked.
#[derive(Clone, Copy)]
enum Mark {
    Dot(RGBColor),
    Patch(RGBColor),
    Line(RGBColor),
}

/// The key under the title: the two classes' dots, then `extra` (a colour or a line and what it means).
fn key<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    centre: i32,
    extra: Option<(Mark, &str)>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let _key = layout::scope(Role::Legend);
    let y = TITLE_HEIGHT + KEY_HEIGHT / 2 - 4;
    let mut entries = vec![(Mark::Dot(CLASS_0), "class 0"), (Mark::Dot(CLASS_1), "class 1")];
    entries.extend(extra);
    let style = anchored(14, HPos::Left, VPos::Center);
    let mut widths = Vec::new();
    for (_, text) in &entries {
        let (width, _) = root.estimate_text_size(text, &style).map_err(draw::failed)?;
        widths.push(14 + 6 + width as i32 + 26);
    }
    let mut x = centre - widths.iter().sum::<i32>() / 2;
    for (&(mark, text), width) in entries.iter().zip(&widths) {
        match mark {
            Mark::Dot(colour) => {
                root.draw(&Circle::new((x + 7, y), 6, colour.filled())).map_err(draw::failed)?;
            }
            Mark::Patch(colour) => {
                let corners = [(x, y - 7), (x + 14, y + 7)];
                root.draw(&Rectangle::new(corners, colour.filled())).map_err(draw::failed)?;
                root.draw(&Rectangle::new(corners, BLACK.stroke_width(1))).map_err(draw::failed)?;
            }
            Mark::Line(colour) => {
                root.draw(&PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2)))
                    .map_err(draw::failed)?;
            }
        }
        root.draw(&Text::new(text, (x + 20, y), style.clone())).map_err(draw::failed)?;
        x += width;
    }
    Ok(())
}

/// The x and y axes' names, beside `panel`'s ticks.
fn axis_names<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panel: &Panel) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let _axes = layout::scope(Role::Axis);
    let bottom = panel.top + panel.height;
    let below = anchored(15, HPos::Center, VPos::Top);
    root.draw(&Text::new("x", (panel.left + panel.width / 2, bottom + 30), below)).map_err(draw::failed)?;
    let vertical = anchored(15, HPos::Center, VPos::Bottom).transform(FontTransform::Rotate270);
    root.draw(&Text::new("y", (panel.left - 46, panel.top + panel.height / 2), vertical))
        .map_err(draw::failed)?;
    Ok(())
}

/// Where a full-size picture of `grid` draws it: about 700 pixels on its longer side.
fn region_panel(grid: &Grid) -> Panel {
    let (width, height) = scale(grid.extent(), 700.0);
    Panel { left: LEFT, top: TITLE_HEIGHT + KEY_HEIGHT, width, height }
}

/// One region picture: the painted grid, the data on top, a title.
#[derive(Clone, Debug)]
pub struct Region<'a> {
    pub title: &'a str,
    pub grid: &'a Grid,
    /// `painted[iy * nx + ix]`: whether grid point (xs[ix], ys[iy]) gets the orange colour.
    pub painted: &'a [bool],
    pub points: &'a [(f32, f32, bool)],
    /// What the orange colour means (`output >= 0.5`), for the key; `None` leaves it out.
    pub painted_label: Option<&'a str>,
}

const LEFT: i32 = 70;
const RIGHT: i32 = 24;
const BOTTOM: i32 = 56;

impl Region<'_> {
    /// Where the grid is drawn in the picture.
    pub fn panel(&self) -> Panel {
        region_panel(self.grid)
    }

    /// The picture's size in pixels.
    pub fn size(&self) -> (u32, u32) {
        let panel = self.panel();
        ((LEFT + panel.width + RIGHT) as u32, (panel.top + panel.height + BOTTOM) as u32)
    }

    /// The picture as the bytes of a PNG or SVG file, by `path`'s extension.
    pub fn render(&self, path: &Path) -> Result<Vec<u8>> {
        self.grid.check(self.painted, "the painted region")?;
        draw::render_sized(self, path, self.size())
    }

    /// Writes the picture to `path`, PNG or SVG by its extension, whole or not at all.
    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_atomically(path, &self.render(path)?)
    }
}

impl Drawing for Region<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        crate::draw::figure::titled(root, self.title)?;
        let panel = self.panel();
        let extent = self.grid.extent();
        let extra = self.painted_label.map(|text| (Mark::Patch(PAINTED), text));
        key(root, panel.left + panel.width / 2, extra)?;
        panel.paint(root, self.grid, self.painted)?;
        panel.scatter(root, extent, self.points, dot_radius(self.points.len()))?;
        panel.axes(root, extent, (true, true), 14)?;
        axis_names(root, &panel)?;
        Ok(())
    }
}

/// One picture: `painted[iy * nx + ix]` (true where the course paints the orange colour: output >= 0.5,
/// or hidden activation >= 0), the data points on top, a title. Writes PNG (or SVG by extension) whole
/// or not at all (src/data/files.rs `write_atomically`).
pub fn draw_region(
    path: &Path,
    title: &str,
    grid: &Grid,
    painted: &[bool],
    points: &[(f32, f32, bool)],
) -> Result<()> {
    Region { title, grid, painted, points, painted_label: None }.save(path)
}

/// Every hidden unit of one layer, each a small panel painted as [`Region`] paints.
#[derive(Clone, Debug)]
pub struct ContactSheet<'a> {
    pub title: &'a str,
    pub grid: &'a Grid,
    /// Per unit, its painted cells.
    pub units: &'a [Vec<bool>],
    pub points: &'a [(f32, f32, bool)],
    /// What the orange colour means (`activation >= 0`), for the key; `None` leaves it out.
    pub painted_label: Option<&'a str>,
}

const SHEET_GAP: i32 = 12;
const SHEET_LEFT: i32 = 56;
const SHEET_BOTTOM: i32 = 46;

impl ContactSheet<'_> {
    /// Panels across: the smallest square arrangement that holds every unit.
    pub fn columns(&self) -> usize {
        let n = self.units.len().max(1);
        (1..=n).find(|c| c * c >= n).unwrap_or(n)
    }

    /// The panels, one per unit, row by row.
    pub fn panels(&self) -> Vec<Panel> {
        let columns = self.columns() as i32;
        let (width, height) = scale(self.grid.extent(), f64::from((1100 / columns).clamp(160, 320)));
        (0..self.units.len() as i32)
            .map(|k| Panel {
                left: SHEET_LEFT + (k % columns) * (width + SHEET_GAP),
                top: TITLE_HEIGHT + KEY_HEIGHT + (k / columns) * (height + SHEET_GAP),
                width,
                height,
            })
            .collect()
    }

    pub fn size(&self) -> (u32, u32) {
        let panels = self.panels();
        let right = panels.iter().map(|p| p.left + p.width).max().unwrap_or(SHEET_LEFT);
        let bottom = panels.iter().map(|p| p.top + p.height).max().unwrap_or(TITLE_HEIGHT + KEY_HEIGHT);
        ((right + RIGHT).max(560) as u32, (bottom + SHEET_BOTTOM) as u32)
    }

    pub fn render(&self, path: &Path) -> Result<Vec<u8>> {
        ensure!(!self.units.is_empty(), "the contact sheet needs at least one unit");
        for (k, unit) in self.units.iter().enumerate() {
            self.grid.check(unit, &format!("unit {k}"))?;
        }
        draw::render_sized(self, path, self.size())
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_atomically(path, &self.render(path)?)
    }
}

impl Drawing for ContactSheet<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        crate::draw::figure::titled(root, self.title)?;
        let (width, _) = self.size();
        key(root, width as i32 / 2, self.painted_label.map(|text| (Mark::Patch(PAINTED), text)))?;
        let extent = self.grid.extent();
        let panels = self.panels();
        let columns = self.columns();
        let radius = if panels.first().is_some_and(|p| p.width >= 240) { 2 } else { 1 };
        for (k, (panel, unit)) in panels.iter().zip(self.units).enumerate() {
            panel.paint(root, self.grid, unit)?;
            panel.scatter(root, extent, self.points, radius)?;
            // Ticks on the outer panels only: the last panel of each column, the first of each row.
            let lowest = k + columns >= panels.len();
            panel.axes(root, extent, (lowest, k % columns == 0), 11)?;
            // Numbered from 0, as the course names the units' own pictures (raw1_0.png, ...).
            let _tag = layout::scope(Role::Tag);
            let name = k.to_string();
            let box_width = 8 * name.len() as i32 + 8;
            let corner = [(panel.left + 1, panel.top + 1), (panel.left + 1 + box_width, panel.top + 19)];
            root.draw(&Rectangle::new(corner, WHITE.filled())).map_err(draw::failed)?;
            root.draw(&Rectangle::new(corner, BLACK.stroke_width(1))).map_err(draw::failed)?;
            let at = (panel.left + 1 + box_width / 2, panel.top + 10);
            root.draw(&Text::new(name, at, anchored(13, HPos::Center, VPos::Center)))
                .map_err(draw::failed)?;
        }
        let _axes = layout::scope(Role::Axis);
        let height = self.size().1 as i32;
        let across = panels.iter().take(columns).map(|p| p.left + p.width).max().unwrap_or(0);
        let below = (SHEET_LEFT + across) / 2;
        root.draw(&Text::new("x", (below, height - 14), anchored(14, HPos::Center, VPos::Center)))
            .map_err(draw::failed)?;
        let middle = (TITLE_HEIGHT + KEY_HEIGHT + height - SHEET_BOTTOM) / 2;
        let vertical = anchored(14, HPos::Center, VPos::Center).transform(FontTransform::Rotate270);
        root.draw(&Text::new("y", (12, middle), vertical)).map_err(draw::failed)?;
        Ok(())
    }
}

/// The contact sheet: every hidden unit of one layer in a grid of small panels (unit number in each
/// panel's corner), one shared title; what a student actually wants to look at. Same painting rule.
pub fn draw_contact_sheet(
    path: &Path,
    title: &str,
    grid: &Grid,
    units: &[Vec<bool>],
    points: &[(f32, f32, bool)],
) -> Result<()> {
    ContactSheet { title, grid, units, points, painted_label: None }.save(path)
}

/// The graded picture's colour at the far low end of its scale: teal, clear of both classes' colours.
pub const FIELD_LOW: RGBColor = RGBColor(0x35, 0x97, 0x8f);
/// Its colour at the threshold.
pub const FIELD_MIDDLE: RGBColor = RGBColor(0xf7, 0xf7, 0xf7);
/// Its colour at the far high end: the course's painted orange.
pub const FIELD_HIGH: RGBColor = PAINTED;
/// Where a value is not a number.
pub const FIELD_NAN: RGBColor = RGBColor(0x99, 0x99, 0x99);
/// Colour steps on each side of the threshold: smooth to the eye, and few enough colours that an
/// SVG's runs stay long.
pub const FIELD_LEVELS: f64 = 32.0;

/// The colour at `t` on the diverging scale: -1 far below the threshold, 0 at it, 1 far above.
pub fn field_colour(t: f64) -> RGBColor {
    let t = (t.clamp(-1.0, 1.0) * FIELD_LEVELS).round() / FIELD_LEVELS;
    let end = if t < 0.0 { FIELD_LOW } else { FIELD_HIGH };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t.abs()).round() as u8;
    RGBColor(mix(FIELD_MIDDLE.0, end.0), mix(FIELD_MIDDLE.1, end.1), mix(FIELD_MIDDLE.2, end.2))
}

/// The graded picture: a value per grid point (an output, a hidden unit's activation) on a diverging
/// colour scale centred on `threshold`, the line where it crosses the threshold (the edge of what the
/// course paints), the data on top, a colour bar.
#[derive(Clone, Debug)]
pub struct Field<'a> {
    pub title: &'a str,
    pub grid: &'a Grid,
    /// `values[iy * nx + ix]`: the value at grid point (xs[ix], ys[iy]).
    pub values: &'a [f32],
    pub threshold: f32,
    pub points: &'a [(f32, f32, bool)],
    /// What the values are (`output`), for the colour bar.
    pub value_label: Option<&'a str>,
}

const BAR_GAP: i32 = 26;
const BAR_WIDTH: i32 = 18;
const BAR_RIGHT: i32 = 100;

impl Field<'_> {
    pub fn panel(&self) -> Panel {
        region_panel(self.grid)
    }

    pub fn size(&self) -> (u32, u32) {
        let panel = self.panel();
        (
            (panel.left + panel.width + BAR_GAP + BAR_WIDTH + BAR_RIGHT) as u32,
            (panel.top + panel.height + BOTTOM) as u32,
        )
    }

    /// How far the scale reaches on each side of the threshold: the farthest finite value's distance
    /// (1 when every value is the threshold or none is finite).
    pub fn span(&self) -> f64 {
        let t = f64::from(self.threshold);
        let span = self
            .values
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| (f64::from(v) - t).abs())
            .fold(0.0, f64::max);
        if span > 0.0 {
            span
        } else {
            1.0
        }
    }

    pub fn render(&self, path: &Path) -> Result<Vec<u8>> {
        ensure!(self.threshold.is_finite(), "the threshold must be a finite number, got {}", self.threshold);
        ensure!(!self.grid.is_empty(), "the grid has no points");
        ensure!(
            self.values.len() == self.grid.len(),
            "the field has {} values for a grid of {} x {} = {} points",
            self.values.len(),
            self.grid.xs.len(),
            self.grid.ys.len(),
            self.grid.len()
        );
        // An SVG gets the colours in 3 x 3 pixel blocks (the contour stays sharp): one rectangle per
        // pixel of a smooth scale would make it megabytes.
        let block = if draw::Format::of(path)? == draw::Format::Svg { 3 } else { 1 };
        draw::render_sized(&FieldDrawing { field: self, block }, path, self.size())
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_atomically(path, &self.render(path)?)
    }

    fn colour_bar<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, panel: &Panel) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let _key = layout::scope(Role::Legend);
        let left = panel.left + panel.width + BAR_GAP;
        let (top, height) = (panel.top, panel.height);
        let bar = Panel { left, top, width: BAR_WIDTH, height };
        bar.draw_runs(root, |_, r| Some(field_colour(1.0 - 2.0 * (r as f64 + 0.5) / f64::from(height))))?;
        let frame = [(left, top), (left + BAR_WIDTH, top + height)];
        root.draw(&Rectangle::new(frame, BLACK.stroke_width(1))).map_err(draw::failed)?;
        let (t, span) = (f64::from(self.threshold), self.span());
        let middle = top + height / 2;
        root.draw(&PathElement::new([(left, middle), (left + BAR_WIDTH, middle)], BLACK.stroke_width(2)))
            .map_err(draw::failed)?;
        for (value, y) in [(t + span, top), (t, middle), (t - span, top + height)] {
            let x = left + BAR_WIDTH;
            root.draw(&PathElement::new([(x, y), (x + 5, y)], BLACK)).map_err(draw::failed)?;
            root.draw(&Text::new(label(value), (x + 8, y), anchored(14, HPos::Left, VPos::Center)))
                .map_err(draw::failed)?;
        }
        if let Some(name) = self.value_label {
            let vertical = anchored(15, HPos::Center, VPos::Bottom).transform(FontTransform::Rotate270);
            let at = (left + BAR_WIDTH + BAR_RIGHT - 14, middle);
            root.draw(&Text::new(name, at, vertical)).map_err(draw::failed)?;
        }
        Ok(())
    }
}

/// A field drawn with its colours in `block` x `block` pixel squares.
struct FieldDrawing<'a> {
    field: &'a Field<'a>,
    block: usize,
}

impl Drawing for FieldDrawing<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (block, this) = (self.block.max(1), self.field);
        crate::draw::figure::titled(root, this.title)?;
        let panel = this.panel();
        let extent = this.grid.extent();
        let line =
            format!("{} = {}", this.value_label.unwrap_or("threshold"), label(f64::from(this.threshold)));
        key(root, panel.left + panel.width / 2, Some((Mark::Line(BLACK), &line)))?;
        let (columns, rows) = panel.cells(this.grid);
        let nx = this.grid.xs.len();
        let (t, span) = (f64::from(this.threshold), this.span());
        let value = |c: usize, r: usize| this.values[rows[r] * nx + columns[c]];
        panel.draw_runs(root, |c, r| {
            let v = value(c / block * block, r / block * block);
            Some(if v.is_nan() { FIELD_NAN } else { field_colour((f64::from(v) - t) / span) })
        })?;
        // The threshold's contour: each pixel whose side (value >= threshold, as the course paints)
        // differs from its right or lower neighbour's.
        let (w, h) = (panel.width as usize, panel.height as usize);
        let above: Vec<bool> = (0..h)
            .flat_map(|r| (0..w).map(move |c| (r, c)))
            .map(|(r, c)| value(c, r) >= this.threshold)
            .collect();
        panel.draw_runs(root, |c, r| {
            let here = above[r * w + c];
            let edge =
                (c + 1 < w && above[r * w + c + 1] != here) || (r + 1 < h && above[(r + 1) * w + c] != here);
            edge.then_some(BLACK)
        })?;
        panel.scatter(root, extent, this.points, dot_radius(this.points.len()))?;
        panel.axes(root, extent, (true, true), 14)?;
        axis_names(root, &panel)?;
        this.colour_bar(root, &panel)
    }
}

/// The graded picture of `values` (one per grid point, as `painted` for [`draw_region`]): a diverging
/// colour scale centred on `threshold` with the threshold's contour, the data points on top. Writes
/// PNG (or SVG by extension) whole or not at all.
pub fn draw_field(
    path: &Path,
    title: &str,
    grid: &Grid,
    values: &[f32],
    threshold: f32,
    points: &[(f32, f32, bool)],
) -> Result<()> {
    Field { title, grid, values, threshold, points, value_label: None }.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::points::PointSet;

    fn rgb_at(image: &image::RgbImage, (x, y): (i32, i32)) -> RGBColor {
        let p = image.get_pixel(x as u32, y as u32);
        RGBColor(p[0], p[1], p[2])
    }

    fn decode(path: &Path) -> image::RgbImage {
        image::open(path).unwrap().to_rgb8()
    }

    fn count(image: &image::RgbImage, colour: RGBColor) -> usize {
        image.pixels().filter(|p| p.0 == [colour.0, colour.1, colour.2]).count()
    }

    fn half_plane(grid: &Grid, at: f32) -> Vec<bool> {
        grid.ys.iter().flat_map(|_| grid.xs.iter().map(move |&x| x >= at)).collect()
    }

    #[test]
    fn the_course_grid_is_torch_arange() {
        let grid = Grid::course();
        assert_eq!((grid.xs.len(), grid.ys.len()), (1410, 1330));
        // x = torch.arange(start=-7, end=7.1, step=0.01, dtype=torch.float32)
        // [x[i].view(torch.int32).item() for i in (0, 1, 700, 1409)]
        let bits = |v: f32| v.to_bits() as i32;
        assert_eq!(
            [0, 1, 700, 1409].map(|i| bits(grid.xs[i])),
            [-1059061760, -1059082732, 813023887, 1088610632]
        );
        assert_eq!(grid.xs[1409], 7.09);
        // y = torch.arange(start=-6.6, end=6.7, step=0.01, dtype=torch.float32)
        // [y[i].view(torch.int32).item() for i in (0, 1, 700, 1329)]
        assert_eq!(
            [0, 1, 700, 1329].map(|i| bits(grid.ys[i])),
            [-1059900621, -1059921593, 1053609165, 1087771771]
        );
        assert_eq!((grid.ys[0], grid.ys[1329]), (-6.6, 6.69));
        let ((x0, x1), (y0, y1)) = grid.extent();
        assert!((x0 + 7.005).abs() < 1e-6 && (x1 - 7.095).abs() < 1e-6, "{x0} {x1}");
        assert!((y0 + 6.605).abs() < 1e-6 && (y1 - 6.695).abs() < 1e-6, "{y0} {y1}");
    }

    #[test]
    fn grid_points_vary_x_fastest() {
        let grid = Grid::new((0.0, 3.0), (0.0, 2.0), 1.0).unwrap();
        let points = Vec::<f32>::try_from(grid.points(Device::Cpu).reshape([-1])).unwrap();
        assert_eq!(points, [0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0]);
        let course = Grid::course();
        let points = course.points(Device::Cpu);
        assert_eq!(points.size(), [1330 * 1410, 2]);
        assert_eq!(points.kind(), Kind::Float);
        let row = |i: i64| Vec::<f32>::try_from(points.get(i)).unwrap();
        assert_eq!(row(1), [course.xs[1], course.ys[0]]);
        assert_eq!(row(1410), [course.xs[0], course.ys[1]]);
        assert_eq!(row(1330 * 1410 - 1), [7.09, 6.69]);
    }

    #[test]
    fn tensors_become_painted_cells_and_values() {
        let output = Tensor::from_slice(&[0.4f32, 0.5, 0.6, f32::NAN]).view([4, 1]);
        assert_eq!(painted_where(&output, 0.5).unwrap(), [false, true, true, false]);
        assert_eq!(painted_where(&(output.copy() - 0.5), 0.0).unwrap(), [false, true, true, false]);
        let values = field_values(&output.to_kind(Kind::Double)).unwrap();
        assert_eq!(values[..3], [0.4, 0.5, 0.6]);
        // The grid's points and the painted cells are in the same order: x >= 1 from the points'
        // first column is the half-plane built from xs and ys.
        let grid = Grid::course();
        let from_points = painted_where(&grid.points(Device::Cpu).select(1, 0), 1.0).unwrap();
        assert!(from_points == half_plane(&grid, 1.0));
        let from_points = painted_where(&grid.points(Device::Cpu).select(1, 1), -2.0).unwrap();
        let below: Vec<bool> = grid.ys.iter().flat_map(|&y| grid.xs.iter().map(move |_| y >= -2.0)).collect();
        assert!(from_points == below);
    }

    #[test]
    fn bad_grids_are_refused() {
        for (x, y, step, message) in [
            ((0.0, 1.0), (0.0, 1.0), 0.0, "step"),
            ((0.0, 1.0), (0.0, 1.0), f64::NAN, "step"),
            ((1.0, 0.0), (0.0, 1.0), 0.1, "x range"),
            ((0.0, 1.0), (0.0, f64::INFINITY), 0.1, "y range"),
            ((0.0, 1.0), (0.0, 1.0), 1e-6, "points across x"),
            ((0.0, 10.0), (0.0, 10.0), 1e-3, "at most"),
        ] {
            let err = Grid::new(x, y, step).unwrap_err();
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn ticks_are_round_numbers_inside_the_range() {
        assert_eq!(ticks(-7.005, 7.095, 705), [-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0]);
        assert_eq!(ticks(-7.005, 7.095, 260), [-5.0, 0.0, 5.0]);
        assert_eq!(ticks(0.0, 1.0, 300), [0.0, 0.5, 1.0]);
        assert_eq!(ticks(0.0, 1.0, 700).len(), 11);
    }

    #[test]
    fn a_half_plane_is_painted_where_asked_with_the_points_on_top() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("half.png");
        let grid = Grid::course();
        let points = PointSet::twin_spirals().rows();
        draw_region(&path, "x >= 0", &grid, &half_plane(&grid, 0.0), &points).unwrap();
        let image = decode(&path);
        let region = Region { title: "", grid: &grid, painted: &[], points: &[], painted_label: None };
        assert_eq!(image.dimensions(), region.size());
        let panel = region.panel();
        // Cells keep x and y at one scale: 14.1 x 13.3 units.
        assert_eq!((panel.width, panel.height), (700, 660));
        let extent = grid.extent();
        let (zero, _) = panel.pixel(extent, 0.0, 0.0);
        let (mut left, mut right) = (0, 0);
        for y in panel.top..panel.top + panel.height {
            for x in panel.left..panel.left + panel.width {
                let colour = rgb_at(&image, (x, y));
                if x < zero - 1 {
                    assert_ne!(colour, PAINTED, "({x}, {y})");
                    left += usize::from(colour == UNPAINTED);
                } else if x > zero + 1 {
                    assert_ne!(colour, UNPAINTED, "({x}, {y})");
                    right += usize::from(colour == PAINTED);
                }
            }
        }
        let half = (panel.width * panel.height / 2) as usize;
        assert!(left > half * 9 / 10 && right > half * 9 / 10, "{left} {right} of {half}");
        assert!(count(&image, CLASS_0) > 97 * 20 && count(&image, CLASS_1) > 97 * 20);
        // Class 0 starts at (6.5, 0), on the painted side; class 1 at (-6.5, 0), on the pale side.
        assert_eq!(rgb_at(&image, panel.pixel(extent, 6.5, 0.0)), CLASS_0);
        assert_eq!(rgb_at(&image, panel.pixel(extent, -6.5, 0.0)), CLASS_1);
    }

    #[test]
    fn the_contact_sheet_has_a_panel_per_unit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sheet.png");
        let grid = Grid::course();
        let points = PointSet::twin_spirals().rows();
        // Unit k is painted right of x = k - 5.
        let units: Vec<Vec<bool>> = (0..10).map(|k| half_plane(&grid, k as f32 - 5.0)).collect();
        draw_contact_sheet(&path, "layer 1", &grid, &units, &points).unwrap();
        let image = decode(&path);
        let sheet = ContactSheet { title: "", grid: &grid, units: &units, points: &[], painted_label: None };
        assert_eq!(image.dimensions(), sheet.size());
        let panels = sheet.panels();
        assert_eq!((panels.len(), sheet.columns()), (10, 4));
        let extent = grid.extent();
        for (k, panel) in panels.iter().enumerate() {
            assert!(panel.left + panel.width < image.width() as i32);
            assert!(panel.top + panel.height < image.height() as i32);
            for other in &panels[..k] {
                let apart = panel.left >= other.left + other.width || panel.top >= other.top + other.height;
                assert!(apart, "panels {k} and another overlap");
            }
            // Along the bottom row of pixels, clear of the points: pale left of x = k - 5, orange right.
            let v = -6.55;
            let edge = k as f64 - 5.0;
            assert_eq!(rgb_at(&image, panel.pixel(extent, edge - 0.4, v)), UNPAINTED, "unit {k}");
            assert_eq!(rgb_at(&image, panel.pixel(extent, edge + 0.4, v)), PAINTED, "unit {k}");
        }
        assert!(count(&image, CLASS_0) > 10 * 97 && count(&image, CLASS_1) > 10 * 97);
    }

    #[test]
    fn failures_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let grid = Grid::new((-1.0, 1.0), (-1.0, 1.0), 0.1).unwrap();
        let painted = half_plane(&grid, 0.0);
        let missing = dir.path().join("no/such/folder/out.png");
        let err = draw_region(&missing, "t", &grid, &painted, &[]).unwrap_err();
        assert!(format!("{err:#}").contains("cannot write"), "{err:#}");
        let err = draw_region(&dir.path().join("out.jpg"), "t", &grid, &painted, &[]).unwrap_err();
        assert!(err.to_string().contains(".png or .svg"), "{err}");
        let err = draw_region(&dir.path().join("out.png"), "t", &grid, &painted[1..], &[]).unwrap_err();
        assert!(err.to_string().contains("values for a grid of 20 x 20"), "{err}");
        let err = draw_contact_sheet(&dir.path().join("s.png"), "t", &grid, &[], &[]).unwrap_err();
        assert!(err.to_string().contains("at least one unit"), "{err}");
        let short = vec![painted.clone(), painted[1..].to_vec()];
        let err = draw_contact_sheet(&dir.path().join("s.png"), "t", &grid, &short, &[]).unwrap_err();
        assert!(err.to_string().contains("unit 1 has 399 values"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn svg_pictures_stay_small() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("half.svg");
        let grid = Grid::course();
        // A disc: many runs, each row different.
        let disc: Vec<bool> =
            grid.ys.iter().flat_map(|&y| grid.xs.iter().map(move |&x| x * x + y * y <= 16.0)).collect();
        draw_region(&path, "disc", &grid, &disc, &PointSet::twin_spirals().rows()).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("#FC7F00"), "{}", &svg[..100]);
        assert!(svg.len() < 400_000, "{} bytes", svg.len());
    }

    #[test]
    fn the_field_is_graded_about_its_threshold_with_the_contour_drawn() {
        assert_eq!(field_colour(0.0), FIELD_MIDDLE);
        assert_eq!(field_colour(1.0), FIELD_HIGH);
        assert_eq!(field_colour(-7.0), FIELD_LOW);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("field.png");
        let grid = Grid::course();
        let points = PointSet::twin_spirals().rows();
        // A sigmoid of x: 0.5 on x = 0.
        let values: Vec<f32> =
            grid.ys.iter().flat_map(|_| grid.xs.iter().map(|&x| 1.0 / (1.0 + (-x).exp()))).collect();
        draw_field(&path, "sigmoid(x)", &grid, &values, 0.5, &points).unwrap();
        let image = decode(&path);
        let field =
            Field { title: "", grid: &grid, values: &values, threshold: 0.5, points: &[], value_label: None };
        assert_eq!(image.dimensions(), field.size());
        assert!((field.span() - 0.5).abs() < 1e-3, "{}", field.span());
        let (panel, extent) = (field.panel(), grid.extent());
        // Clear of the points, along the bottom: teal far left, orange far right, pale near the middle.
        let at = |u: f64| rgb_at(&image, panel.pixel(extent, u, -6.55));
        let (low, high) = (at(-6.9), at(6.9));
        assert!(low.1 > low.0 && low.2 > low.0, "{low:?}");
        assert_eq!(high, field_colour(f64::from(values[1409] - 0.5) / field.span()));
        assert!(at(-0.2).0 > 0xe0 && at(0.2).0 > 0xe0, "{:?} {:?}", at(-0.2), at(0.2));
        // The contour is the column of pixels at x = 0.
        let (zero, _) = panel.pixel(extent, 0.0, 0.0);
        let black = (panel.top..panel.top + panel.height)
            .filter(|&y| (zero - 1..=zero).any(|x| rgb_at(&image, (x, y)) == BLACK))
            .count();
        assert!(black > panel.height as usize * 3 / 4, "{black} of {}", panel.height);
        assert!(count(&image, CLASS_0) > 97 * 20 && count(&image, CLASS_1) > 97 * 20);

        let err = draw_field(&dir.path().join("f.png"), "t", &grid, &values[1..], 0.5, &[]).unwrap_err();
        assert!(err.to_string().contains("values for a grid of 1410 x 1330"), "{err}");
        let err = draw_field(&dir.path().join("f.png"), "t", &grid, &values, f32::NAN, &[]).unwrap_err();
        assert!(err.to_string().contains("threshold"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Writes example pictures into the folder `HUD_REGION_EXAMPLES` names, to look at:
    /// `HUD_REGION_EXAMPLES=folder cargo test --release --lib region_plot -- --ignored`.
    #[test]
    #[ignore]
    fn example_pictures() {
        let Some(dir) = std::env::var_os("HUD_REGION_EXAMPLES") else { return };
        let dir = Path::new(&dir);
        let grid = Grid::course();
        let points = PointSet::twin_spirals().rows();
        let started = std::time::Instant::now();
        draw_region(
            &dir.join("half.png"),
            "x >= 0, with the twin spirals",
            &grid,
            &half_plane(&grid, 0.0),
            &points,
        )
        .unwrap();
        eprintln!("half.png in {:?}", started.elapsed());
        // A spiral-like region: painted where the angle, wound by the radius, points one way.
        let spiral: Vec<bool> = grid
            .ys
            .iter()
            .flat_map(|&y| {
                grid.xs.iter().map(move |&x| {
                    let (r, a) = (x.hypot(y), y.atan2(x));
                    (a + r * 16.0 / 6.5 * std::f32::consts::PI / 16.0 * 1.55).sin() >= 0.0
                })
            })
            .collect();
        let region = Region {
            title: "polar net: output (epoch 20000)",
            grid: &grid,
            painted: &spiral,
            points: &points,
            painted_label: Some("output \u{2265} 0.5"),
        };
        region.save(&dir.join("spiral.png")).unwrap();
        let smooth: Vec<f32> = grid
            .ys
            .iter()
            .flat_map(|&y| {
                grid.xs.iter().map(move |&x| {
                    let (r, a) = (x.hypot(y), y.atan2(x));
                    let z = 3.0 * (a + r * std::f32::consts::PI / 6.5 * 1.55).sin();
                    1.0 / (1.0 + (-z).exp())
                })
            })
            .collect();
        let started = std::time::Instant::now();
        let field = Field {
            title: "polar net: output (epoch 20000)",
            grid: &grid,
            values: &smooth,
            threshold: 0.5,
            points: &points,
            value_label: Some("output"),
        };
        field.save(&dir.join("field.png")).unwrap();
        eprintln!("field.png in {:?}", started.elapsed());
        field.save(&dir.join("field.svg")).unwrap();
        region.save(&dir.join("spiral.svg")).unwrap();
        let units: Vec<Vec<bool>> = (0..10)
            .map(|k| {
                let angle = k as f32 * 0.6;
                let (c, s) = (angle.cos(), angle.sin());
                grid.ys
                    .iter()
                    .flat_map(|&y| grid.xs.iter().map(move |&x| c * x + s * y >= k as f32 * 0.5 - 2.0))
                    .collect()
            })
            .collect();
        let started = std::time::Instant::now();
        let sheet = ContactSheet {
            title: "raw net, layer 1: where each hidden unit is \u{2265} 0",
            grid: &grid,
            units: &units,
            points: &points,
            painted_label: Some("activation \u{2265} 0"),
        };
        sheet.save(&dir.join("sheet.png")).unwrap();
        eprintln!("sheet.png in {:?}", started.elapsed());
        draw_contact_sheet(&dir.join("sheet4.png"), "four units", &grid, &units[..4], &points).unwrap();
        let small = Grid::new((-0.5, 1.5), (-0.5, 1.5), 0.01).unwrap();
        let xor: Vec<bool> = small
            .ys
            .iter()
            .flat_map(|&y| small.xs.iter().map(move |&x| (0.5..1.5).contains(&(x + y))))
            .collect();
        let corners = [(0.0, 0.0, false), (1.0, 0.0, true), (0.0, 1.0, true), (1.0, 1.0, false)];
        draw_region(&dir.join("xor.png"), "xor", &small, &xor, &corners).unwrap();
    }
}
