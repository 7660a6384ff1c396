//! The picture of hidden-unit space for any number K of hidden units.
//!
//! - K = 2: the course's `plot_hidden` picture ([`HiddenPicture`]);
//! - K = 3: the hidden-unit cube from four directions ([`CubePicture`]);
//! - K = 4 to [`MAX_PAIRS_UNITS`]: every pair of hidden units as a panel ([`PairsPicture`]), laid out
//!   as the lower triangle of a scatter-plot matrix, each panel the dots projected on that pair and
//!   numbered. An output's plane (a hyperplane in K dimensions) is not a line in such a projection,
//!   so no output is drawn;
//! - K = 1: a strip ([`StripPicture`]): the dots on [-1, 1], and each output's threshold, where it is
//!   0.5, with an arrow toward the side where it is above 0.5;
//! - more than [`MAX_PAIRS_UNITS`]: no picture.

use crate::draw::cube::{failed, CubeNumbers, CubePicture};
use crate::draw::hidden::HiddenPicture;
use crate::draw::labels::{self, Placer};
use crate::draw::layout::{self, Rect, Role};
use crate::draw::{self, Drawing, COLOUR_CYCLE, DOT_BLUE, FONT_FAMILY};
use crate::engine::model::EncModel;
use crate::engine::trace::LinearTrace;
use anyhow::{bail, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The most hidden units drawn as pairs (45 panels).
pub const MAX_PAIRS_UNITS: usize = 10;

/// Whether a network with `hid` hidden units gets a picture.
pub fn has_picture(hid: i64) -> bool {
    (1..=MAX_PAIRS_UNITS as i64).contains(&hid)
}

/// Why a network with `hid` hidden units gets no picture.
pub fn no_picture_reason(hid: i64) -> String {
    format!(
        "the hidden-unit picture draws 1 to {MAX_PAIRS_UNITS} hidden units ({} panels of pairs at most); this \
         network has {hid}",
        MAX_PAIRS_UNITS * (MAX_PAIRS_UNITS - 1) / 2
    )
}

/// The picture of `net`'s hidden-unit space, chosen by its number of hidden units, as the bytes of a
/// PNG or SVG file by `path`'s extension. `subtitle` goes under the title of the pictures that have
/// room for it (the cube's).
pub fn render(net: &EncModel, title: &str, subtitle: Option<String>, path: &Path) -> Result<Vec<u8>> {
    let hid = net.in_hid.weight.size()[0];
    match hid {
        2 => draw::render(&HiddenPicture::of(net, title)?, path),
        3 => CubePicture::new(&CubeNumbers::of(net)?, title, subtitle).render(path),
        1 => StripPicture::of(net, title)?.render(path),
        _ if has_picture(hid) => PairsPicture::of(net, title)?.render(path),
        _ => bail!("no picture: {}", no_picture_reason(hid)),
    }
}

/// Writes the picture of `net`'s hidden-unit space to `path`, whole or not at all.
pub fn save(net: &EncModel, title: &str, subtitle: Option<String>, path: &Path) -> Result<()> {
    crate::data::files::write_atomically(path, &render(net, title, subtitle, path)?)
}

/// Each input's hidden activations: `points[k][j]` is hidden unit j's activation for input k.
fn points_of(net: &EncModel) -> Result<Vec<Vec<f32>>> {
    let rows = Vec::<Vec<f32>>::try_from(net.hidden_points().to_device(tch::Device::Cpu))?;
    let items = rows.first().map_or(0, Vec::len);
    Ok((0..items).map(|k| rows.iter().map(|row| row[k]).collect()).collect())
}

fn font(size: u32) -> FontDesc<'static> {
    (FONT_FAMILY, size).into_font()
}

fn anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from(font(size)).pos(Pos::new(h, v))
}

const DARK: RGBColor = RGBColor(0x33, 0x33, 0x33);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

/// Every pair of hidden units of a network with K >= 4 as a 2-D panel.
#[derive(Clone, Debug, PartialEq)]
pub struct PairsPicture {
    /// Per input, its K hidden activations.
    pub points: Vec<Vec<f32>>,
    pub hid: usize,
    pub title: String,
}

/// Where a pair's panel is: the square [-1, 1]^2 of hidden units (`x`, `y`) in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairPanel {
    /// The hidden units across and up (0-based), `x < y`.
    pub x: usize,
    pub y: usize,
    pub left: i32,
    pub top: i32,
    pub side: i32,
}

/// How far past [-1, 1] a pair's panel reaches, so that dots on the square's edge are whole.
pub const PANEL_REACH: f64 = 1.12;

impl PairPanel {
    /// The pixel of (u, v); the panel spans [-PANEL_REACH, PANEL_REACH]^2.
    pub fn pixel(&self, u: f32, v: f32) -> (i32, i32) {
        let per_unit = f64::from(self.side) / (2.0 * PANEL_REACH);
        (
            self.left + (per_unit * (f64::from(u) + PANEL_REACH)).round() as i32,
            self.top + (per_unit * (PANEL_REACH - f64::from(v))).round() as i32,
        )
    }
}

const PAIRS_LEFT: i32 = 70;
const PAIRS_TOP: i32 = 86;
const PAIRS_BOTTOM: i32 = 60;
const PAIRS_RIGHT: i32 = 20;
const PAIRS_GAP: i32 = 30;

impl PairsPicture {
    pub fn of(net: &EncModel, title: impl Into<String>) -> Result<Self> {
        let points = points_of(net)?;
        let hid = net.in_hid.weight.size()[0] as usize;
        Ok(PairsPicture { points, hid, title: title.into() })
    }

    /// Each panel's side in pixels: 300 for K = 4, smaller for more units, at least 130.
    pub fn cell(&self) -> i32 {
        (900 / (self.hid.max(2) as i32 - 1)).clamp(130, 300)
    }

    pub fn size(&self) -> (u32, u32) {
        let cells = self.hid.max(2) as i32 - 1;
        let grid = cells * (self.cell() + PAIRS_GAP) - PAIRS_GAP;
        ((PAIRS_LEFT + grid + PAIRS_RIGHT).max(760) as u32, (PAIRS_TOP + grid + PAIRS_BOTTOM) as u32)
    }

    /// The panels: the lower triangle of a matrix whose row r holds hidden unit r + 2 up and column c
    /// hidden unit c + 1 across.
    pub fn panels(&self) -> Vec<PairPanel> {
        let cell = self.cell();
        let mut panels = Vec::new();
        for y in 1..self.hid {
            for x in 0..y {
                panels.push(PairPanel {
                    x,
                    y,
                    left: PAIRS_LEFT + x as i32 * (cell + PAIRS_GAP),
                    top: PAIRS_TOP + (y as i32 - 1) * (cell + PAIRS_GAP),
                    side: cell,
                });
            }
        }
        panels
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        draw::register_font()?;
        root.fill(&WHITE).map_err(failed)?;
        let width = self.size().0 as i32;
        root.draw(&Text::new(self.title.clone(), (width / 2, 26), anchored(18, HPos::Center, VPos::Center)))
            .map_err(failed)?;
        let pairs = self.hid * (self.hid - 1) / 2;
        let note = format!(
            "the inputs' hidden activations on each of the {pairs} pairs of the {} hidden units; dots only: an \
             output's plane is no line in a projection",
            self.hid
        );
        root.draw(&Text::new(note, (width / 2, 50), anchored(13, HPos::Center, VPos::Center).color(&DARK)))
            .map_err(failed)?;
        let radius = if self.cell() >= 200 { 4 } else { 3 };
        let label_size = if self.cell() >= 200 { 13 } else { 11 };
        for panel in self.panels() {
            let corner = |u: f32, v: f32| panel.pixel(u, v);
            let axes = layout::scope(Role::Axis);
            for tick in [-0.5f32, 0.0, 0.5] {
                root.draw(&PathElement::new([corner(tick, -1.0), corner(tick, 1.0)], GRID))
                    .map_err(failed)?;
                root.draw(&PathElement::new([corner(-1.0, tick), corner(1.0, tick)], GRID))
                    .map_err(failed)?;
            }
            root.draw(&Rectangle::new([corner(-1.0, 1.0), corner(1.0, -1.0)], BLACK.stroke_width(1)))
                .map_err(failed)?;
            let name = format!("h{} across, h{} up", panel.x + 1, panel.y + 1);
            let name_at = (panel.left + panel.side / 2, panel.top - 3);
            let grey = RGBColor(0x66, 0x66, 0x66);
            root.draw(&Text::new(name, name_at, anchored(12, HPos::Center, VPos::Bottom).color(&grey)))
                .map_err(failed)?;
            drop(axes);
            let dots: Vec<(i32, i32)> = self.points.iter().map(|p| corner(p[panel.x], p[panel.y])).collect();
            for &dot in &dots {
                root.draw(&Circle::new(dot, radius, DOT_BLUE.filled())).map_err(failed)?;
            }
            let mut placer = Placer::new(Rect {
                left: panel.left,
                top: panel.top,
                right: panel.left + panel.side + PAIRS_GAP - 2,
                bottom: panel.top + panel.side,
            });
            placer.avoid_dots(dots.iter().copied(), radius);
            let names: Vec<String> = (1..=dots.len()).map(|k| k.to_string()).collect();
            let style = TextStyle::from(font(label_size)).color(&DARK);
            labels::draw_dot_labels(root, &mut placer, &dots, &names, (radius, &style), |_| (1.0, -1.0))?;
            let _axes = layout::scope(Role::Axis);
            // Ticks and names on the outer panels: the bottom row and the left column.
            if panel.y == self.hid - 1 {
                for tick in [-1.0f32, 0.0, 1.0] {
                    let (x, y) = corner(tick, -1.0);
                    root.draw(&PathElement::new([(x, y), (x, y + 4)], BLACK)).map_err(failed)?;
                    let label = format!("{tick}").replace('-', "\u{2212}");
                    root.draw(&Text::new(label, (x, y + 6), anchored(12, HPos::Center, VPos::Top)))
                        .map_err(failed)?;
                }
                let (x, y) = corner(0.0, -1.0);
                root.draw(&Text::new(
                    format!("h{}", panel.x + 1),
                    (x, y + 24),
                    anchored(15, HPos::Center, VPos::Top),
                ))
                .map_err(failed)?;
            }
            if panel.x == 0 {
                for tick in [-1.0f32, 0.0, 1.0] {
                    let (x, y) = corner(-1.0, tick);
                    root.draw(&PathElement::new([(x - 4, y), (x, y)], BLACK)).map_err(failed)?;
                    let label = format!("{tick}").replace('-', "\u{2212}");
                    root.draw(&Text::new(label, (x - 6, y), anchored(12, HPos::Right, VPos::Center)))
                        .map_err(failed)?;
                }
                let (x, y) = corner(-1.0, 0.0);
                let vertical = anchored(15, HPos::Center, VPos::Bottom).transform(FontTransform::Rotate270);
                root.draw(&Text::new(format!("h{}", panel.y + 1), (x - 34, y), vertical)).map_err(failed)?;
            }
        }
        Ok(())
    }

    pub fn render(&self, path: &Path) -> Result<Vec<u8>> {
        crate::draw::render_sized(self, path, self.size())
    }
}

impl Drawing for PairsPicture {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root)
    }
}

/// One output's threshold on the strip of a network with one hidden unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The output (0-based).
    pub output: usize,
    /// Where the output is 0.5: `-b / w`, strictly inside (-1, 1).
    pub at: f32,
    /// Whether the output is above 0.5 to the right of it (w > 0).
    pub above_to_the_right: bool,
    pub colour: RGBColor,
}

/// The picture of a network with one hidden unit: the dots on [-1, 1] and each output's threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct StripPicture {
    pub points: Vec<f32>,
    pub thresholds: Vec<Threshold>,
    pub title: String,
}

/// The strip picture's size in pixels.
pub const STRIP_SIZE: (u32, u32) = (800, 360);

impl StripPicture {
    pub fn of(net: &EncModel, title: impl Into<String>) -> Result<Self> {
        let points = points_of(net)?.into_iter().map(|p| p[0]).collect();
        let outputs = LinearTrace::of(&net.hid_out)?;
        Ok(Self::new(points, &outputs.weight, &outputs.bias, title))
    }

    /// The strip of `points` with the thresholds `w[i] h + b[i] = 0` that fall strictly inside,
    /// coloured in turn as the 2-D picture's lines are.
    pub fn new(points: Vec<f32>, weight: &[Vec<f32>], bias: &[f32], title: impl Into<String>) -> Self {
        let thresholds = weight
            .iter()
            .zip(bias)
            .enumerate()
            .filter(|(_, (w, _))| w[0] != 0.0)
            .map(|(output, (w, &b))| (output, -b / w[0], w[0] > 0.0))
            .filter(|&(_, at, _)| -1.0 < at && at < 1.0)
            .enumerate()
            .map(|(drawn, (output, at, above_to_the_right))| Threshold {
                output,
                at,
                above_to_the_right,
                colour: COLOUR_CYCLE[drawn % COLOUR_CYCLE.len()],
            })
            .collect();
        StripPicture { points, thresholds, title: title.into() }
    }

    /// The pixel of h on the strip's axis.
    pub fn pixel(&self, h: f32) -> (i32, i32) {
        (80 + (320.0 * (f64::from(h) + 1.0)).round() as i32, 200)
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        draw::register_font()?;
        root.fill(&WHITE).map_err(failed)?;
        let width = STRIP_SIZE.0 as i32;
        root.draw(&Text::new(self.title.clone(), (width / 2, 30), anchored(18, HPos::Center, VPos::Center)))
            .map_err(failed)?;
        let note = "one hidden unit: the inputs' activations on [\u{2212}1, 1]; each output is 0.5 at its \
                    mark and above 0.5 on the side its arrow points to";
        root.draw(&Text::new(note, (width / 2, 56), anchored(13, HPos::Center, VPos::Center).color(&DARK)))
            .map_err(failed)?;
        let (left, y) = self.pixel(-1.0);
        let (right, _) = self.pixel(1.0);
        let axes = layout::scope(Role::Axis);
        root.draw(&PathElement::new([(left, y), (right, y)], BLACK.stroke_width(1))).map_err(failed)?;
        for tick in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
            let (x, _) = self.pixel(tick);
            root.draw(&PathElement::new([(x, y), (x, y + 6)], BLACK)).map_err(failed)?;
            let label = format!("{tick:.2}").replace('-', "\u{2212}");
            root.draw(&Text::new(label, (x, y + 10), anchored(14, HPos::Center, VPos::Top)))
                .map_err(failed)?;
        }
        root.draw(&Text::new("hidden unit 1", (width / 2, y + 40), anchored(15, HPos::Center, VPos::Top)))
            .map_err(failed)?;
        drop(axes);
        for (row, threshold) in self.thresholds.iter().enumerate() {
            let (x, _) = self.pixel(threshold.at);
            let top = y - 40 - 22 * (row as i32 % 4);
            let style = threshold.colour.stroke_width(2);
            root.draw(&PathElement::new([(x, y + 14), (x, top)], style)).map_err(failed)?;
            let tip = if threshold.above_to_the_right { x + 16 } else { x - 16 };
            root.draw(&PathElement::new([(x, top), (tip, top)], style)).map_err(failed)?;
            let back = if threshold.above_to_the_right { tip - 5 } else { tip + 5 };
            root.draw(&PathElement::new([(back, top - 4), (tip, top), (back, top + 4)], style))
                .map_err(failed)?;
            let label = format!("{}", threshold.output + 1);
            let at = if threshold.above_to_the_right { x - 12 } else { x + 12 };
            let _tag = layout::scope(Role::Tag);
            root.draw(&Text::new(
                label,
                (at, top),
                anchored(13, HPos::Center, VPos::Center).color(&threshold.colour),
            ))
            .map_err(failed)?;
        }
        // Dots on the axis; numbers staggered below and above so that close dots stay readable.
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|&a, &b| self.points[a].total_cmp(&self.points[b]));
        for &k in &order {
            root.draw(&Circle::new(self.pixel(self.points[k]), 5, DOT_BLUE.filled())).map_err(failed)?;
        }
        let _labels = layout::scope(Role::Label);
        for (rank, &k) in order.iter().enumerate() {
            let (x, _) = self.pixel(self.points[k]);
            let below = y + 62 + 16 * (rank as i32 % 3);
            root.draw(&PathElement::new([(x, y + 6), (x, below - 8)], RGBColor(0xbb, 0xbb, 0xbb)))
                .map_err(failed)?;
            root.draw(&Text::new(
                format!("{}", k + 1),
                (x, below),
                anchored(12, HPos::Center, VPos::Top).color(&DARK),
            ))
            .map_err(failed)?;
        }
        Ok(())
    }

    pub fn render(&self, path: &Path) -> Result<Vec<u8>> {
        crate::draw::render_sized(self, path, STRIP_SIZE)
    }
}

impl Drawing for StripPicture {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_fill_the_lower_triangle() {
        let picture = PairsPicture { points: vec![vec![0.0; 4]], hid: 4, title: "t".into() };
        let panels = picture.panels();
        let pairs: Vec<(usize, usize)> = panels.iter().map(|p| (p.x, p.y)).collect();
        assert_eq!(pairs, [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]);
        let (width, height) = picture.size();
        for panel in &panels {
            assert!(panel.left >= 0 && panel.left + panel.side <= width as i32);
            assert!(panel.top >= 0 && panel.top + panel.side <= height as i32);
        }
        let ten = PairsPicture { points: vec![], hid: 10, title: "t".into() };
        assert_eq!(ten.panels().len(), 45);
        assert!(has_picture(10) && !has_picture(11) && has_picture(1) && !has_picture(0));
    }

    #[test]
    fn strip_thresholds_are_where_each_output_is_one_half() {
        let weight = vec![vec![2.0], vec![-4.0], vec![0.0], vec![1.0]];
        let picture = StripPicture::new(vec![-0.9, 0.8], &weight, &[1.0, 1.0, 0.3, 5.0], "t");
        let drawn: Vec<(usize, f32, bool)> =
            picture.thresholds.iter().map(|t| (t.output, t.at, t.above_to_the_right)).collect();
        assert_eq!(drawn, [(0, -0.5, true), (1, 0.25, false)]);
        assert_eq!(picture.thresholds[1].colour, COLOUR_CYCLE[1]);
    }
}
