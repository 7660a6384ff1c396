//! Pictures of hidden-unit space, drawn as the course's `plot_hidden` draws them, with `plotters`.
//!
//! `plot_hidden(net)` sets the axes to [-1, 1] x [-1, 1], plots a blue dot (`'bo'`) per input at its
//! hidden activation, and for each output the line where its net input is 0 (output 0.5), clipped to
//! the square by its own rules, in matplotlib's default colour cycle: the dots' explicit colour does
//! not advance the cycle, so the first line drawn is C0, the next C1, and so on. Here each dot and
//! line is also numbered, and a title gives the run. Text is drawn with DejaVu Sans, embedded, so no
//! system font is needed.

use super::labels::{self, draw_placed, Placer};
use super::layout::{self, Recording, Rect, Role};
use super::smooth::Smooth;
use super::{
    failed, png_bytes, register_font, render, render_svg, Drawing, COLOUR_CYCLE, DOT_BLUE, FONT_FAMILY, SIZE,
    START_MARKER,
};
use crate::data::files;
use crate::data::targets::Target;
use crate::engine::model::EncModel;
use crate::engine::trace::LinearTrace;
use anyhow::{ensure, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// A dot's radius in pixels.
pub const DOT_RADIUS: u32 = 5;

/// Where `plot_hidden` draws the line `a*x + b*y + c = 0` inside the square, or `None` where it draws
/// nothing. Computed as the script does, in f32 (its A, B, C are float tensors): `a == 0` gives a
/// horizontal line and `b == 0` a vertical one, drawn only strictly inside; otherwise end points are
/// tried on the left edge, the right edge, then the bottom and the top while fewer than two were found.
pub fn clip_line(a: f32, b: f32, c: f32) -> Option<[(f32, f32); 2]> {
    if a == 0.0 {
        if b != 0.0 {
            let y0 = -c / b;
            if -1.0 < y0 && y0 < 1.0 {
                return Some([(-1.0, y0), (1.0, y0)]);
            }
        }
        return None;
    }
    if b == 0.0 {
        let x0 = -c / a;
        return (-1.0 < x0 && x0 < 1.0).then_some([(x0, -1.0), (x0, 1.0)]);
    }
    let mut ends = [(0.0f32, 0.0f32); 2];
    let mut j = 0;
    let y0 = (a - c) / b;
    if (-1.0..=1.0).contains(&y0) {
        ends[j] = (-1.0, y0);
        j += 1;
    }
    let y0 = (-a - c) / b;
    if (-1.0..=1.0).contains(&y0) {
        ends[j] = (1.0, y0);
        j += 1;
    }
    let x0 = (b - c) / a;
    if j < 2 && (-1.0..=1.0).contains(&x0) {
        ends[j] = (x0, -1.0);
        j += 1;
    }
    let x0 = (-b - c) / a;
    if j < 2 && (-1.0..=1.0).contains(&x0) {
        ends[j] = (x0, 1.0);
        j += 1;
    }
    (j > 1).then_some(ends)
}

/// One output's dividing line as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputLine {
    /// The output's index (0-based; labelled from 1).
    pub output: usize,
    pub ends: [(f32, f32); 2],
    pub colour: RGBColor,
    /// The line's `(a, b)` in `a*x + b*y + c = 0`: it points to the side where the output is above 0.5.
    pub normal: (f32, f32),
}

/// The way each input's point took through hidden-unit space, drawn behind the dots.
#[derive(Clone, Debug, PartialEq)]
pub struct Trails {
    /// Per input, its points in the order they were visited.
    pub paths: Vec<Vec<(f32, f32)>>,
    pub colour: RGBColor,
    /// Line width in pixels.
    pub width: u32,
    /// Whether each path's first point gets a small ring in [`START_MARKER`]'s colour.
    pub start_markers: bool,
}

/// What `plot_hidden` shows for a network with two hidden units.
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenPicture {
    /// Each input's point in hidden-unit space.
    pub points: Vec<(f32, f32)>,
    /// The outputs' lines that fall inside the square, in drawing order.
    pub lines: Vec<OutputLine>,
    pub title: String,
    /// Paths drawn behind everything else in the square (not part of `plot_hidden`'s picture).
    pub trails: Option<Trails>,
    /// Each dot's label, when not just its item number (e.g. `5: 101`, with its target bits).
    pub dot_labels: Option<Vec<String>>,
    /// Whether each line gets an arrow pointing to its positive side, where the output is above 0.5.
    pub positive_sides: bool,
}

/// Where the plot area's edges are, in pixels: the pixels that plotters maps -1 and 1 to on each axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub left: i32,
    pub right: i32,
    pub bottom: i32,
    pub top: i32,
}

impl Frame {
    /// The pixel where the point (x, y) of [-1, 1]^2 is drawn, mapped as plotters maps it.
    pub fn to_pixel(&self, x: f32, y: f32) -> (i32, i32) {
        fn map(v: f32, (low, high): (i32, i32)) -> i32 {
            let along = (v as f64 + 1.0) / 2.0 * (high - low) as f64;
            low + if high > low { (along + 1e-3).floor() } else { (along - 1e-3).ceil() } as i32
        }
        (map(x, (self.left, self.right)), map(y, (self.bottom, self.top)))
    }

    /// Where the plot area lands in every hidden-unit picture (the layout does not depend on what is
    /// drawn), rendered once.
    pub fn of_pictures() -> Result<Frame> {
        static FRAME: std::sync::OnceLock<Frame> = std::sync::OnceLock::new();
        if let Some(frame) = FRAME.get() {
            return Ok(*frame);
        }
        let frame = HiddenPicture::new(vec![], &[], &[], "").raster()?.frame;
        Ok(*FRAME.get_or_init(|| frame))
    }
}

/// A picture rendered to pixels.
pub struct Raster {
    pub width: u32,
    pub height: u32,
    /// RGB, row by row.
    pub rgb: Vec<u8>,
    pub frame: Frame,
}

impl Raster {
    pub fn png(&self) -> Result<Vec<u8>> {
        png_bytes(self.width, self.height, self.rgb.clone())
    }
}

impl HiddenPicture {
    /// The picture of `net`'s hidden-unit space; it needs exactly two hidden units.
    pub fn of(net: &EncModel, title: impl Into<String>) -> Result<Self> {
        let hid = net.in_hid.weight.size()[0];
        ensure!(hid == 2, "the hidden-unit picture needs 2 hidden units, this network has {hid}");
        let points = Vec::<Vec<f32>>::try_from(net.hidden_points().to_device(tch::Device::Cpu))?;
        let points = points[0].iter().copied().zip(points[1].iter().copied()).collect();
        let outputs = LinearTrace::of(&net.hid_out)?;
        Ok(Self::new(points, &outputs.weight, &outputs.bias, title))
    }

    /// The picture of points and of the lines `weight[i] . h + bias[i] = 0`.
    pub fn new(points: Vec<(f32, f32)>, weight: &[Vec<f32>], bias: &[f32], title: impl Into<String>) -> Self {
        let lines = weight
            .iter()
            .zip(bias)
            .enumerate()
            .filter_map(|(output, (w, &c))| clip_line(w[0], w[1], c).map(|ends| (output, ends)))
            .enumerate()
            .map(|(drawn, (output, ends))| OutputLine {
                output,
                ends,
                colour: COLOUR_CYCLE[drawn % COLOUR_CYCLE.len()],
                normal: (weight[output][0], weight[output][1]),
            })
            .collect();
        HiddenPicture {
            points,
            lines,
            title: title.into(),
            trails: None,
            dot_labels: None,
            positive_sides: false,
        }
    }

    /// The picture that answers a question about `target` (the seed page's Question 1): unless the
    /// target is the identity (the encoder), each dot is labelled with its item number and target bits,
    /// and each line has an arrow to the side where its output is above 0.5.
    pub fn labelled_for(mut self, target: &Target) -> Self {
        if !target.is_identity() {
            let bits = crate::data::targets::bits;
            self.dot_labels = Some(
                target
                    .rows()
                    .iter()
                    .enumerate()
                    .map(|(k, row)| format!("{}: {}", k + 1, bits(row)))
                    .collect(),
            );
            self.positive_sides = true;
        }
        self
    }

    /// Draws the picture into `root`, returning where the plot area landed.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame>
    where
        DB::ErrorType: 'static,
    {
        register_font()?;
        let font = |size: u32| (FONT_FAMILY, size).into_font();
        let anchored = |size: u32, h: HPos, v: VPos| TextStyle::from(font(size)).pos(Pos::new(h, v));
        root.fill(&WHITE).map_err(failed)?;
        let title = layout::scope(Role::Title);
        root.draw(&Text::new(
            self.title.clone(),
            (SIZE.0 as i32 / 2, 36),
            anchored(18, HPos::Center, VPos::Center),
        ))
        .map_err(failed)?;
        drop(title);
        // The axes' place in the figure is matplotlib's default: [0.125, 0.9] x [0.11, 0.88].
        let mut chart = ChartBuilder::on(root)
            .margin_top(72)
            .margin_right(80)
            .x_label_area_size(66)
            .y_label_area_size(100)
            .build_cartesian_2d(-1f32..1f32, -1f32..1f32)
            .map_err(failed)?;
        // Ticks and labels as matplotlib puts them on [-1, 1]: every 0.25, two decimals, outward ticks.
        let axes = layout::scope(Role::Axis);
        for tick in (0..=8).map(|i| -1.0 + 0.25 * i as f32) {
            let label = format!("{tick:.2}").replace('-', "\u{2212}");
            let (x, bottom) = chart.backend_coord(&(tick, -1.0));
            root.draw(&PathElement::new([(x, bottom), (x, bottom + 5)], BLACK)).map_err(failed)?;
            root.draw(&Text::new(label.clone(), (x, bottom + 9), anchored(15, HPos::Center, VPos::Top)))
                .map_err(failed)?;
            let (left, y) = chart.backend_coord(&(-1.0, tick));
            root.draw(&PathElement::new([(left - 5, y), (left, y)], BLACK)).map_err(failed)?;
            root.draw(&Text::new(label, (left - 9, y), anchored(15, HPos::Right, VPos::Center)))
                .map_err(failed)?;
        }
        let (middle, bottom) = chart.backend_coord(&(0.0, -1.0));
        root.draw(&Text::new("hidden unit 1", (middle, bottom + 34), anchored(15, HPos::Center, VPos::Top)))
            .map_err(failed)?;
        let (left, middle) = chart.backend_coord(&(-1.0, 0.0));
        let vertical = anchored(15, HPos::Center, VPos::Bottom).transform(FontTransform::Rotate270);
        root.draw(&Text::new("hidden unit 2", (left - 58, middle), vertical)).map_err(failed)?;
        drop(axes);
        // Trails first, so that the square's edge, the dots and the lines are drawn over them.
        if let Some(trails) = &self.trails {
            let _backdrop = layout::scope(Role::Backdrop);
            let style = trails.colour.stroke_width(trails.width);
            for path in trails.paths.iter().filter(|path| path.len() > 1) {
                chart.draw_series(LineSeries::new(path.iter().copied(), style)).map_err(failed)?;
            }
            if trails.start_markers {
                let starts = trails.paths.iter().filter_map(|path| path.first());
                chart
                    .draw_series(starts.map(|&p| Circle::new(p, 4, START_MARKER.stroke_width(2))))
                    .map_err(failed)?;
            }
        }
        let axes = layout::scope(Role::Axis);
        chart
            .draw_series(std::iter::once(Rectangle::new([(-1.0, -1.0), (1.0, 1.0)], BLACK.stroke_width(1))))
            .map_err(failed)?;
        drop(axes);
        chart
            .draw_series(self.points.iter().map(|&p| Circle::new(p, DOT_RADIUS, DOT_BLUE.filled())))
            .map_err(failed)?;
        for line in &self.lines {
            chart.draw_series(LineSeries::new(line.ends, line.colour.stroke_width(2))).map_err(failed)?;
        }
        let ((left, bottom), (right, top)) =
            (chart.backend_coord(&(-1.0, -1.0)), chart.backend_coord(&(1.0, 1.0)));
        let frame = Frame { left, right, bottom, top };
        self.draw_labels(root, &frame)?;
        Ok(frame)
    }

    /// The labels, placed so that none covers another or a dot: each line's number in a small box of
    /// its colour on the line, the arrows to the lines' positive sides with their `>0.5`, then each
    /// dot's label beside it (shared by dots drawn on top of each other), clear of the lines where
    /// there is room.
    fn draw_labels<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let font = |size: u32| TextStyle::from((FONT_FAMILY, size).into_font());
        let bounds = Rect { left: frame.left + 1, top: 52, right: SIZE.0 as i32 - 2, bottom: frame.bottom };
        let mut placer = Placer::new(bounds);
        let dots: Vec<(i32, i32)> = self.points.iter().map(|&(x, y)| frame.to_pixel(x, y)).collect();
        placer.avoid_dots(dots.iter().copied(), DOT_RADIUS as i32);
        for line in &self.lines {
            placer.avoid_line(
                frame.to_pixel(line.ends[0].0, line.ends[0].1),
                frame.to_pixel(line.ends[1].0, line.ends[1].1),
            );
        }
        let tags = self.line_label_places(frame);
        {
            let _tags = layout::scope(Role::Tag);
            for (line, &(x, y)) in self.lines.iter().zip(&tags) {
                let label = format!("{}", line.output + 1);
                let half = 4 * label.len() as i32 + 3;
                let (cx, cy) = frame.to_pixel(x, y);
                placer.take(Rect { left: cx - half, top: cy - 9, right: cx + half + 1, bottom: cy + 10 });
                let corners = [(cx - half, cy - 9), (cx + half, cy + 9)];
                root.draw(&Rectangle::new(corners, WHITE.filled())).map_err(failed)?;
                root.draw(&Rectangle::new(corners, line.colour.stroke_width(1))).map_err(failed)?;
                let style = font(14).pos(Pos::new(HPos::Center, VPos::Center)).color(&line.colour);
                root.draw(&Text::new(label, (cx, cy), style)).map_err(failed)?;
            }
        }
        if self.positive_sides {
            for line in &self.lines {
                self.draw_positive_side(root, frame, line, &mut placer)?;
            }
        }
        let dark = RGBColor(0x33, 0x33, 0x33);
        let names: Vec<String> = match &self.dot_labels {
            Some(labels) => labels.clone(),
            None => (1..=self.points.len()).map(|k| k.to_string()).collect(),
        };
        let style = font(13).color(&dark);
        labels::draw_dot_labels(root, &mut placer, &dots, &names, (DOT_RADIUS as i32, &style), |_| {
            (1.0, -1.0)
        })
    }

    /// An arrow from the middle of `line` into the side where its output is above 0.5, tipped `>0.5`.
    fn draw_positive_side<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        frame: &Frame,
        line: &OutputLine,
        placer: &mut Placer,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let [(x0, y0), (x1, y1)] = line.ends;
        let middle = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (a, b) = line.normal;
        let length = a.hypot(b);
        // A point a little way along the normal is on the positive side; the pixel mapping is affine
        // and monotone, so the arrow in pixels points into the same side.
        let ahead = (middle.0 + 0.05 * a / length, middle.1 + 0.05 * b / length);
        let (from, to) = (frame.to_pixel(middle.0, middle.1), frame.to_pixel(ahead.0, ahead.1));
        let (dx, dy) = ((to.0 - from.0) as f64, (to.1 - from.1) as f64);
        let norm = dx.hypot(dy);
        if norm == 0.0 {
            return Ok(());
        }
        let (ux, uy) = (dx / norm, dy / norm);
        let at = |along: f64, across: f64| {
            (
                from.0 + (ux * along - uy * across).round() as i32,
                from.1 + (uy * along + ux * across).round() as i32,
            )
        };
        let style = line.colour.stroke_width(2);
        let _label = layout::scope(Role::Label);
        root.draw(&PathElement::new(vec![from, at(30.0, 0.0)], style)).map_err(failed)?;
        root.draw(&PathElement::new(vec![at(22.0, -5.0), at(30.0, 0.0), at(22.0, 5.0)], style))
            .map_err(failed)?;
        placer.avoid_line(from, at(30.0, 0.0));
        placer.avoid_line(at(22.0, -5.0), at(30.0, 0.0));
        placer.avoid_line(at(22.0, 5.0), at(30.0, 0.0));
        let text = TextStyle::from((FONT_FAMILY, 11).into_font()).color(&line.colour);
        let size = root.estimate_text_size(">0.5", &text).map_err(failed)?;
        let placed = placer.place(at(30.0, 0.0), size, 2);
        draw_placed(root, ">0.5", &text, &placed)
    }

    /// Where each line's number goes: the first of several places along the line whose box is clear
    /// of the dots and of the numbers already placed, else the place farthest from them.
    pub fn line_label_places(&self, frame: &Frame) -> Vec<(f32, f32)> {
        let to_pixel = |(x, y): (f32, f32)| frame.to_pixel(x, y);
        const ALONG: [f32; 7] = [0.1, 0.9, 0.25, 0.75, 0.4, 0.6, 0.5];
        let dots: Vec<(i32, i32)> = self.points.iter().map(|&p| to_pixel(p)).collect();
        let mut placed: Vec<(i32, i32)> = Vec::new();
        let mut places = Vec::new();
        for line in &self.lines {
            let ([x0, y0], [x1, y1]) = (line.ends[0].into(), line.ends[1].into());
            let candidates = ALONG.map(|t| (x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
            // How far a box at `px` is from trouble, in units of the clearance it needs.
            let clearance = |px: (i32, i32)| {
                let from_dots = dots.iter().map(|d| (px.0 - d.0).abs().max((px.1 - d.1).abs()) as f32 / 16.0);
                let from_labels = placed
                    .iter()
                    .map(|l| ((px.0 - l.0).abs() as f32 / 24.0).max((px.1 - l.1).abs() as f32 / 20.0));
                from_dots.chain(from_labels).fold(f32::INFINITY, f32::min)
            };
            let best =
                candidates.iter().copied().find(|&c| clearance(to_pixel(c)) >= 1.0).unwrap_or_else(|| {
                    candidates
                        .iter()
                        .copied()
                        .max_by(|&a, &b| clearance(to_pixel(a)).total_cmp(&clearance(to_pixel(b))))
                        .unwrap()
                });
            placed.push(to_pixel(best));
            places.push(best);
        }
        places
    }

    /// Renders the picture to pixels.
    pub fn raster(&self) -> Result<Raster> {
        let (width, height) = SIZE;
        let mut rgb = vec![0u8; (width * height * 3) as usize];
        let frame = layout::record_if_asked(SIZE, None, || {
            let root = Recording(Smooth(BitMapBackend::with_buffer(&mut rgb, SIZE))).into_drawing_area();
            let frame = self.draw(&root)?;
            root.present().map_err(failed)?;
            Ok(frame)
        })?;
        Ok(Raster { width, height, rgb, frame })
    }

    /// The picture as SVG text.
    pub fn svg(&self) -> Result<String> {
        render_svg(self, SIZE)
    }

    /// Writes the picture to `path`, PNG or SVG by its extension, whole or not at all.
    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_atomically(path, &render(self, path)?)
    }
}

impl Drawing for HiddenPicture {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root).map(drop)
    }
}

/// A picture's title at one epoch of a run: `9-2-9 encoder, target input: epoch 50, loss 0.6931`.
pub fn epoch_title(run_name: &str, epoch: u64, loss: Option<f32>) -> String {
    let loss = loss.map(|l| format!(", loss {l:.4}")).unwrap_or_default();
    format!("{run_name}: epoch {epoch}{loss}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_lines_are_clipped_left_right_then_bottom_top() {
        // x + y = 0 meets the left edge at y = 1 and the right edge at y = -1.
        assert_eq!(clip_line(1.0, 1.0, 0.0), Some([(-1.0, 1.0), (1.0, -1.0)]));
        // 2x + y = 0: neither side edge; bottom at x = 0.5, top at x = -0.5.
        assert_eq!(clip_line(2.0, 1.0, 0.0), Some([(0.5, -1.0), (-0.5, 1.0)]));
        // x + 2y - 1 = 0: left edge at y = 1, then the right edge at y = 0.
        assert_eq!(clip_line(1.0, 2.0, -1.0), Some([(-1.0, 1.0), (1.0, 0.0)]));
        // A line that misses the square.
        assert_eq!(clip_line(1.0, 1.0, 5.0), None);
    }

    #[test]
    fn axis_parallel_lines_are_drawn_only_strictly_inside() {
        assert_eq!(clip_line(0.0, 2.0, -1.0), Some([(-1.0, 0.5), (1.0, 0.5)]));
        assert_eq!(clip_line(0.0, 1.0, 1.0), None); // y = -1, on the edge
        assert_eq!(clip_line(4.0, 0.0, 1.0), Some([(-0.25, -1.0), (-0.25, 1.0)]));
        assert_eq!(clip_line(1.0, 0.0, -1.0), None); // x = 1, on the edge
        assert_eq!(clip_line(0.0, 0.0, 1.0), None);
    }

    #[test]
    fn only_drawn_lines_take_colours_from_the_cycle() {
        let weight = vec![vec![1.0, 1.0], vec![1.0, 1.0], vec![0.0, 1.0]];
        let picture = HiddenPicture::new(vec![(0.0, 0.0)], &weight, &[0.0, 5.0, 0.5], "t");
        let drawn: Vec<(usize, RGBColor)> = picture.lines.iter().map(|l| (l.output, l.colour)).collect();
        assert_eq!(drawn, vec![(0, COLOUR_CYCLE[0]), (2, COLOUR_CYCLE[1])]);
    }
}
