//! The picture of a network with three hidden units: the hidden-unit cube [-1, 1]^3 seen from several
//! directions side by side, and (for `--animate`) turning about h3.
//!
//! Each view is an orthographic projection with h3 up: the cube as a wireframe (the three edges that
//! meet at the corner farthest from the viewer dashed), each corner named by its signs, a blue dot per
//! input item (numbered), and for each output the polygon where its plane `w . h + b = 0` cuts the
//! cube ([`crate::analysis::cube::section`]), shaded and outlined in that output's colour and numbered. Colours
//! follow matplotlib's cycle as the 2-D picture's lines do: a polygon takes its colour from its place
//! among the polygons drawn. Polygons are drawn from the farthest to the nearest, then the dots, from
//! the farthest to the nearest, a nearer dot larger; numbers last.

use crate::analysis::cube::{self, cross, dot, Analysis, Corner, Vec3};
use crate::data::targets::Target;
use crate::draw::labels::{self, Placer};
use crate::draw::layout::{self, Rect, Role};
use crate::draw::{self, Drawing, COLOUR_CYCLE, DOT_BLUE, FONT_FAMILY};
use crate::engine::model::EncModel;
use crate::engine::trace::LinearTrace;
use anyhow::{ensure, Result};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// The picture's size in pixels: four views in two rows.
pub const SIZE: (u32, u32) = (1200, 1130);
/// A rotating view's frame size.
pub const FRAME_SIZE: (u32, u32) = (640, 560);
/// How strongly a polygon's colour is laid over what is behind it.
pub const FILL_OPACITY: f64 = 0.16;
/// The cube's edges and the corner names.
pub const EDGE_COLOUR: RGBColor = RGBColor(0x44, 0x44, 0x44);
pub const HIDDEN_EDGE_COLOUR: RGBColor = RGBColor(0x99, 0x99, 0x99);
pub const CORNER_LABEL_COLOUR: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// The dots' numbers (as in the 2-D picture).
pub const DOT_LABEL_COLOUR: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// An orthographic view of the cube: the direction from the cube's centre toward the viewer. The
/// screen's right is `h3 x toward` and its up `toward x right`, so h3 points up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub toward: Vec3,
}

impl View {
    /// A view from `direction` (any length; not along h3).
    pub fn from(direction: Vec3) -> View {
        let length = dot(direction, direction).sqrt();
        View { toward: direction.map(|v| v / length) }
    }

    /// The view from `toward` turned by `degrees` about h3 (counter-clockwise seen from above).
    pub fn turned(self, degrees: f64) -> View {
        let (s, c) = degrees.to_radians().sin_cos();
        let [x, y, z] = self.toward;
        View { toward: [c * x - s * y, s * x + c * y, z] }
    }

    fn right(self) -> Vec3 {
        let r = cross([0.0, 0.0, 1.0], self.toward);
        let length = dot(r, r).sqrt();
        r.map(|v| v / length)
    }

    /// Where `p` lands: (right, up) on the screen in cube units, and its depth (larger is nearer).
    pub fn project(self, p: Vec3) -> (f64, f64, f64) {
        let right = self.right();
        let up = cross(self.toward, right);
        (dot(p, right), dot(p, up), dot(p, self.toward))
    }

    /// `(1, 0.6, 0.35)`, the direction as given to the picture (2 decimals).
    pub fn name(self) -> String {
        let largest = self.toward.iter().fold(0f64, |m, v| m.max(v.abs()));
        let [x, y, z] = self.toward.map(|v| {
            let v = v / largest;
            let text = format!("{v:.2}");
            let text = text.trim_end_matches('0').trim_end_matches('.').to_string();
            if text == "-0" {
                "0".into()
            } else {
                text.replace('-', "\u{2212}")
            }
        });
        format!("({x}, {y}, {z})")
    }
}

/// The picture's four views: from (1, 0.6, 0.35) and that direction turned by 90, 180 and 270
/// degrees about h3, one from each side; each shows all 8 corners apart.
pub fn standard_views() -> [View; 4] {
    let first = View::from([1.0, 0.6, 0.35]);
    [first, first.turned(90.0), first.turned(180.0), first.turned(270.0)]
}

/// One output's plane where it cuts the cube.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanePolygon {
    /// The output (0-based; labelled from 1).
    pub output: usize,
    /// The polygon's vertices in order around it.
    pub vertices: Vec<Vec3>,
    pub colour: RGBColor,
}

/// What the picture of a network with three hidden units shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CubePicture {
    /// Each input's point in hidden-unit space.
    pub points: Vec<Vec3>,
    /// The outputs' planes that cut the cube in a polygon, in output order.
    pub planes: Vec<PlanePolygon>,
    pub title: String,
    /// A second line under the title (the analysis's verdict), if any.
    pub subtitle: Option<String>,
    pub views: Vec<View>,
    /// The picture's size in pixels: the views are laid out in a grid that fills it.
    pub size: (u32, u32),
}

/// A network's three-hidden-unit numbers: the input points, and each output's plane.
#[derive(Clone, Debug, PartialEq)]
pub struct CubeNumbers {
    pub points: Vec<[f32; 3]>,
    pub weights: Vec<[f32; 3]>,
    pub biases: Vec<f32>,
}

impl CubeNumbers {
    /// The numbers of `net`, which needs exactly three hidden units.
    pub fn of(net: &EncModel) -> Result<Self> {
        let hid = net.in_hid.weight.size()[0];
        ensure!(hid == 3, "the hidden-unit cube needs 3 hidden units, this network has {hid}");
        let rows = Vec::<Vec<f32>>::try_from(net.hidden_points().to_device(tch::Device::Cpu))?;
        let points = (0..rows[0].len()).map(|k| [rows[0][k], rows[1][k], rows[2][k]]).collect();
        let outputs = LinearTrace::of(&net.hid_out)?;
        let weights = outputs.weight.iter().map(|w| [w[0], w[1], w[2]]).collect();
        Ok(CubeNumbers { points, weights, biases: outputs.bias })
    }

    /// The analysis of these numbers; `encoder` says whether output i belongs to input i.
    pub fn analysis(&self, encoder: bool) -> Analysis {
        Analysis::with_target(&self.points, &self.weights, &self.biases, encoder)
    }
}

impl CubePicture {
    /// The four-view picture of these numbers.
    pub fn new(numbers: &CubeNumbers, title: impl Into<String>, subtitle: Option<String>) -> Self {
        let planes = numbers
            .weights
            .iter()
            .zip(&numbers.biases)
            .enumerate()
            .filter_map(|(output, (w, &b))| {
                let vertices = cube::section(w.map(f64::from), f64::from(b)).polygon().to_vec();
                (!vertices.is_empty()).then_some((output, vertices))
            })
            .enumerate()
            .map(|(drawn, (output, vertices))| PlanePolygon {
                output,
                vertices,
                colour: COLOUR_CYCLE[drawn % COLOUR_CYCLE.len()],
            })
            .collect();
        CubePicture {
            points: numbers.points.iter().map(|p| p.map(f64::from)).collect(),
            planes,
            title: title.into(),
            subtitle,
            views: standard_views().to_vec(),
            size: SIZE,
        }
    }

    /// The same picture as one view, at the size of an animation frame.
    pub fn single(&self, view: View) -> Self {
        CubePicture { views: vec![view], size: FRAME_SIZE, ..self.clone() }
    }

    /// Where each view's panel is: its top-left corner and size in pixels, in a grid of up to two
    /// columns below the title, above the caption.
    pub fn panels(&self) -> Vec<Panel> {
        let (width, height) = (self.size.0 as i32, self.size.1 as i32);
        let top = if self.subtitle.is_some() { 84 } else { 60 };
        let bottom = 34;
        let columns = self.views.len().min(2) as i32;
        let rows = (self.views.len() as i32 + columns - 1) / columns;
        let (w, h) = (width / columns, (height - top - bottom) / rows);
        (0..self.views.len() as i32)
            .map(|i| Panel { left: (i % columns) * w, top: top + (i / columns) * h, width: w, height: h })
            .collect()
    }

    /// Draws the picture into `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        draw::register_font()?;
        root.fill(&WHITE).map_err(failed)?;
        let width = self.size.0 as i32;
        root.draw(&Text::new(self.title.clone(), (width / 2, 30), anchored(20, HPos::Center, VPos::Center)))
            .map_err(failed)?;
        if let Some(subtitle) = &self.subtitle {
            let size = if self.views.len() > 1 { 15 } else { 11 };
            root.draw(&Text::new(
                subtitle.clone(),
                (width / 2, 60),
                anchored(size, HPos::Center, VPos::Center),
            ))
            .map_err(failed)?;
        }
        for (view, panel) in self.views.iter().zip(self.panels()) {
            self.draw_view(root, *view, &panel, self.views.len() > 1)?;
        }
        let (caption, caption_size) = if self.views.len() > 1 {
            (
                "blue dots: the inputs' hidden activations; shaded polygons: where each output is 0.5 (its \
                 plane cuts off the corners where the output is above 0.5); dashed: the edges at the back",
                13,
            )
        } else {
            ("blue dots: the inputs; polygons: where each output is 0.5; dashed: the back edges", 12)
        };
        root.draw(&Text::new(
            caption,
            (width / 2, self.size.1 as i32 - 16),
            anchored(caption_size, HPos::Center, VPos::Center).color(&RGBColor(0x55, 0x55, 0x55)),
        ))
        .map_err(failed)?;
        Ok(())
    }

    fn draw_view<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        view: View,
        panel: &Panel,
        named: bool,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let frame = panel.frame(view, named);
        let at = |p: Vec3| frame.pixel(view, p);
        if named {
            let label = format!("view from {}", view.name());
            root.draw(&Text::new(
                label,
                (panel.left + panel.width / 2, panel.top + 12),
                anchored(15, HPos::Center, VPos::Center).color(&RGBColor(0x33, 0x33, 0x33)),
            ))
            .map_err(failed)?;
        }
        // The cube: the edges at the farthest corner dashed, behind everything.
        let corners = Corner::all().map(Corner::point);
        let farthest = (0..8)
            .min_by(|&a, &b| view.project(corners[a]).2.total_cmp(&view.project(corners[b]).2))
            .unwrap();
        let (back, front): (Vec<_>, Vec<_>) =
            cube::edges().into_iter().partition(|&(a, b)| a == farthest || b == farthest);
        let edges = layout::scope(Role::Axis);
        for (a, b) in back {
            root.draw(&DashedPathElement::new(
                [at(corners[a]), at(corners[b])],
                6,
                5,
                HIDDEN_EDGE_COLOUR.stroke_width(1),
            ))
            .map_err(failed)?;
        }
        drop(edges);
        // The planes' polygons, farthest first.
        let mut planes: Vec<&PlanePolygon> = self.planes.iter().collect();
        let depth = |vertices: &[Vec3]| {
            vertices.iter().map(|&v| view.project(v).2).sum::<f64>() / vertices.len() as f64
        };
        planes.sort_by(|a, b| depth(&a.vertices).total_cmp(&depth(&b.vertices)));
        for plane in &planes {
            let outline: Vec<(i32, i32)> = plane.vertices.iter().map(|&v| at(v)).collect();
            root.draw(&Polygon::new(outline.clone(), plane.colour.mix(FILL_OPACITY).filled()))
                .map_err(failed)?;
            let mut closed = outline;
            closed.push(closed[0]);
            root.draw(&PathElement::new(closed, plane.colour.stroke_width(2))).map_err(failed)?;
        }
        let edges = layout::scope(Role::Axis);
        for (a, b) in front {
            root.draw(&PathElement::new([at(corners[a]), at(corners[b])], EDGE_COLOUR.stroke_width(1)))
                .map_err(failed)?;
        }
        drop(edges);
        // The dots, farthest first, a nearer one larger.
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|&a, &b| view.project(self.points[a]).2.total_cmp(&view.project(self.points[b]).2));
        for &k in &order {
            let depth = view.project(self.points[k]).2;
            let radius = (5.0 + 1.2 * depth).round().clamp(3.0, 8.0) as i32;
            let dot = at(self.points[k]);
            root.draw(&Circle::new(dot, radius + 1, WHITE.filled())).map_err(failed)?;
            root.draw(&Circle::new(dot, radius, DOT_BLUE.filled())).map_err(failed)?;
        }
        self.draw_view_labels(root, view, panel, &frame, &order)?;
        // Which way the hidden units point, in the panel's lower left corner.
        let _axes = layout::scope(Role::Axis);
        let origin = (panel.left + 46, panel.top + panel.height - 26);
        for (j, axis) in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]].into_iter().enumerate() {
            let (x, y, _) = view.project(axis);
            let tip = (origin.0 + (24.0 * x).round() as i32, origin.1 - (24.0 * y).round() as i32);
            root.draw(&PathElement::new([origin, tip], BLACK.stroke_width(1))).map_err(failed)?;
            let length = x.hypot(y);
            // An axis seen nearly end-on gets its name beside the origin, below.
            let label_at = if length < 0.3 {
                (origin.0 + 16, origin.1 + 14)
            } else {
                (origin.0 + (34.0 * x / length) as i32, origin.1 - (33.0 * y / length) as i32)
            };
            root.draw(&Text::new(format!("h{}", j + 1), label_at, anchored(13, HPos::Center, VPos::Center)))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// The labels of one view, none on another or on a dot: each polygon's number in a box of its
    /// colour (clear of the dots where it can be), each corner's name just outside its corner, and
    /// each dot's number, preferably on its inner side (toward the cube's centre).
    fn draw_view_labels<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        view: View,
        panel: &Panel,
        frame: &ViewFrame,
        order: &[usize],
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let at = |p: Vec3| frame.pixel(view, p);
        let top = panel.top + 22;
        let mut placer = Placer::new(Rect {
            left: panel.left,
            top,
            right: panel.left + panel.width,
            bottom: panel.top + panel.height - 52,
        });
        let dots: Vec<(i32, i32)> = self.points.iter().map(|&p| at(p)).collect();
        placer.avoid_dots(dots.iter().copied(), 8);
        for plane in &self.planes {
            let mut outline: Vec<(i32, i32)> = plane.vertices.iter().map(|&v| at(v)).collect();
            outline.push(outline[0]);
            for pair in outline.windows(2) {
                placer.avoid_line(pair[0], pair[1]);
            }
        }
        let tags = layout::scope(Role::Tag);
        for (plane, (x, y)) in self.planes.iter().zip(self.label_places(view, frame)) {
            let label = format!("{}", plane.output + 1);
            let half = 4 * label.len() as i32 + 3;
            placer.take(Rect { left: x - half, top: y - 9, right: x + half + 1, bottom: y + 10 });
            root.draw(&Rectangle::new([(x - half, y - 9), (x + half, y + 9)], WHITE.filled()))
                .map_err(failed)?;
            root.draw(&Rectangle::new([(x - half, y - 9), (x + half, y + 9)], plane.colour.stroke_width(1)))
                .map_err(failed)?;
            root.draw(&Text::new(
                label,
                (x, y),
                anchored(13, HPos::Center, VPos::Center).color(&plane.colour),
            ))
            .map_err(failed)?;
        }
        drop(tags);
        let centre = at([0.0; 3]);
        let away = |(x, y): (i32, i32)| {
            let (dx, dy) = ((x - centre.0) as f64, (y - centre.1) as f64);
            let length = dx.hypot(dy).max(1.0);
            (dx / length, dy / length)
        };
        let corner_style = TextStyle::from(font(11)).color(&CORNER_LABEL_COLOUR);
        for corner in Corner::all() {
            let text = corner.to_string();
            let size = root.estimate_text_size(&text, &corner_style).map_err(failed)?;
            let placed = placer.place_toward(at(corner.point()), size, 2, away(at(corner.point())));
            labels::draw_placed(root, &text, &corner_style, &placed)?;
        }
        let names: Vec<String> = (1..=self.points.len()).map(|k| k.to_string()).collect();
        let dot_style = TextStyle::from(font(14)).color(&DOT_LABEL_COLOUR);
        // The nearest dots are labelled first, so that theirs are the closest labels.
        let nearest_first: Vec<usize> = order.iter().rev().copied().collect();
        let ordered_dots: Vec<(i32, i32)> = nearest_first.iter().map(|&k| dots[k]).collect();
        let ordered_names: Vec<String> = nearest_first.iter().map(|&k| names[k].clone()).collect();
        labels::draw_dot_labels(root, &mut placer, &ordered_dots, &ordered_names, (8, &dot_style), |i| {
            let (x, y) = away(ordered_dots[i]);
            (-x, -y)
        })
    }

    /// Where each plane's number goes in `view`: the first of several places inside its polygon (the
    /// centroid, then towards each vertex) clear of the dots and of the numbers already placed, else
    /// the clearest of them.
    pub fn label_places(&self, view: View, frame: &ViewFrame) -> Vec<(i32, i32)> {
        let dots: Vec<(i32, i32)> = self.points.iter().map(|&p| frame.pixel(view, p)).collect();
        let mut placed: Vec<(i32, i32)> = Vec::new();
        for plane in &self.planes {
            let n = plane.vertices.len() as f64;
            let centroid: Vec3 =
                std::array::from_fn(|j| plane.vertices.iter().map(|v| v[j]).sum::<f64>() / n);
            let mut candidates = vec![centroid];
            for t in [0.3, 0.55] {
                candidates.extend(
                    plane
                        .vertices
                        .iter()
                        .map(|v| std::array::from_fn(|j| centroid[j] + t * (v[j] - centroid[j]))),
                );
            }
            let clearance = |px: (i32, i32)| {
                let from_dots =
                    dots.iter().map(|d| ((px.0 - d.0).abs().max((px.1 - d.1).abs())) as f64 / 18.0);
                let from_labels = placed
                    .iter()
                    .map(|l| ((px.0 - l.0).abs() as f64 / 24.0).max((px.1 - l.1).abs() as f64 / 22.0));
                from_dots.chain(from_labels).fold(f64::INFINITY, f64::min)
            };
            let pixels: Vec<(i32, i32)> = candidates.iter().map(|&c| frame.pixel(view, c)).collect();
            let best = pixels.iter().copied().find(|&p| clearance(p) >= 1.0).unwrap_or_else(|| {
                pixels.iter().copied().max_by(|&a, &b| clearance(a).total_cmp(&clearance(b))).unwrap()
            });
            placed.push(best);
        }
        placed
    }

    /// Renders the picture to an RGB buffer (row by row).
    pub fn rgb(&self) -> Result<Vec<u8>> {
        render_rgb(self, self.size)
    }

    /// The picture as the bytes of a PNG or SVG file, by `path`'s extension.
    pub fn render(&self, path: &Path) -> Result<Vec<u8>> {
        draw::render_sized(self, path, self.size)
    }
}

impl Drawing for CubePicture {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root)
    }
}

/// A view's place in the picture, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panel {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

impl Panel {
    /// Where the cube is drawn in this panel in `view`: its centre and the pixels per unit, so that
    /// the cube's outline and its corner names fit (below the view's name when it is `named`).
    pub fn frame(&self, view: View, named: bool) -> ViewFrame {
        let top = self.top + if named { 24 } else { 0 };
        let height = self.top + self.height - top;
        let (mut across, mut up) = (0f64, 0f64);
        for corner in Corner::all() {
            let (x, y, _) = view.project(corner.point());
            (across, up) = (across.max(x.abs()), up.max(y.abs()));
        }
        let scale = (f64::from(self.width - 170) / (2.0 * across)).min(f64::from(height - 64) / (2.0 * up));
        ViewFrame { centre: (self.left + self.width / 2, top + height / 2), scale }
    }
}

/// Where a view's cube is drawn: its centre's pixel and the pixels per unit of hidden-unit space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewFrame {
    pub centre: (i32, i32),
    pub scale: f64,
}

impl ViewFrame {
    /// The pixel where `p` is drawn in `view`.
    pub fn pixel(&self, view: View, p: Vec3) -> (i32, i32) {
        let (x, y, _) = view.project(p);
        (self.centre.0 + (self.scale * x).round() as i32, self.centre.1 - (self.scale * y).round() as i32)
    }
}

/// The frames of a turning view: `count` views, each turned by 360 / `count` degrees more about h3
/// than the one before, starting from the picture's first view.
pub fn turning_frames(picture: &CubePicture, count: usize) -> Vec<CubePicture> {
    let first = View::from([1.0, 0.6, 0.45]);
    (0..count).map(|i| picture.single(first.turned(360.0 * i as f64 / count as f64))).collect()
}

/// How many frames a turning view has (one each 5 degrees), and how long each shows.
pub const TURNING_FRAMES: usize = 72;
pub const TURNING_FRAME_MS: u16 = 70;

/// The turning view as an animated GIF, encoded in memory.
pub fn turning_gif(picture: &CubePicture) -> Result<Vec<u8>> {
    let frames = turning_frames(picture, TURNING_FRAMES);
    let render = |frame: &CubePicture| Ok((FRAME_SIZE.0, FRAME_SIZE.1, frame.rgb()?));
    crate::draw::animate::encode_frames(&frames, render, TURNING_FRAME_MS, TURNING_FRAME_MS)
}

/// What a run with three hidden units adds to `hud encoder`'s: the cube's analysis (printed to
/// standard error) and, for `--animate`, the turning view, rendered but not yet written.
pub struct CubeRun {
    pub numbers: CubeNumbers,
    pub analysis: Analysis,
    pub gif: Option<(PathBuf, Vec<u8>)>,
}

impl CubeRun {
    /// `net`'s cube; `target` says whether output i belongs to input i (the identity); `gif` is
    /// `--animate`'s file, whose frames get `title`.
    pub fn of(net: &EncModel, target: &Target, title: &str, gif: Option<&Path>) -> Result<Self> {
        let numbers = CubeNumbers::of(net)?;
        let encoder = target.is_identity();
        let analysis = numbers.analysis(encoder);
        let mut run = CubeRun { numbers, analysis, gif: None };
        if let Some(path) = gif {
            // The frames are narrower: the verdict in its shortest words.
            let verdict = run.analysis.verdict;
            let subtitle = verdict.summary().map(|summary| format!("{verdict}: {summary}"));
            let picture = CubePicture::new(&run.numbers, title, subtitle);
            run.gif = Some((path.to_path_buf(), turning_gif(&picture)?));
        }
        Ok(run)
    }

    /// The line under the picture's title: the verdict in short, if the page's question applies.
    pub fn subtitle(&self) -> Option<String> {
        self.analysis.summary()
    }

    /// Writes the turning view, if there is one, and says so.
    pub fn write_gif(&self) -> Result<()> {
        if let Some((path, bytes)) = &self.gif {
            crate::data::files::write_atomically(path, bytes)?;
            let size = bytes.len().div_ceil(1024);
            eprintln!("wrote {} (the cube turning, {TURNING_FRAMES} frames, {size} KB)", path.display());
        }
        Ok(())
    }
}

fn font(size: u32) -> FontDesc<'static> {
    (FONT_FAMILY, size).into_font()
}

fn anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from(font(size)).pos(Pos::new(h, v))
}

pub(crate) use crate::draw::{failed, render_rgb};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_show_h3_up_and_every_corner_apart() {
        let view = View::from([1.0, 0.0, 0.0]);
        // From +h1, h2 points right and h3 up.
        assert_eq!(view.project([0.0, 1.0, 0.0]), (1.0, 0.0, 0.0));
        assert_eq!(view.project([0.0, 0.0, 1.0]), (0.0, 1.0, 0.0));
        assert_eq!(view.project([1.0, 0.0, 0.0]).2, 1.0);
        for view in standard_views().into_iter().chain(turning_frames_views()) {
            let pixels: Vec<(i32, i32)> = Corner::all()
                .map(|c| ViewFrame { centre: (0, 0), scale: 100.0 }.pixel(view, c.point()))
                .to_vec();
            for (a, pa) in pixels.iter().enumerate() {
                for pb in &pixels[a + 1..] {
                    let apart = (pa.0 - pb.0).abs().max((pa.1 - pb.1).abs());
                    assert!(apart >= 15, "{} has corners only {apart} pixels apart", view.name());
                }
            }
        }
        assert_eq!(View::from([1.0, 0.6, 0.35]).name(), "(1, 0.6, 0.35)");
        assert_eq!(View::from([-2.0, 0.0, 1.0]).name(), "(\u{2212}1, 0, 0.5)");
    }

    fn turning_frames_views() -> Vec<View> {
        let numbers = CubeNumbers { points: vec![], weights: vec![], biases: vec![] };
        turning_frames(&CubePicture::new(&numbers, "", None), 12).iter().map(|p| p.views[0]).collect()
    }

    #[test]
    fn only_planes_that_cut_the_cube_are_drawn_and_take_colours_in_turn() {
        let numbers = CubeNumbers {
            points: vec![[0.9, 0.9, 0.9]],
            weights: vec![[1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
            biases: vec![-2.5, 5.0, 0.0],
        };
        let picture = CubePicture::new(&numbers, "t", None);
        let drawn: Vec<(usize, usize, RGBColor)> =
            picture.planes.iter().map(|p| (p.output, p.vertices.len(), p.colour)).collect();
        assert_eq!(drawn, [(0, 3, COLOUR_CYCLE[0]), (2, 4, COLOUR_CYCLE[1])]);
    }
}
