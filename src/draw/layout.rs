//! What a picture put where: every text box it drew (titles, tick labels, legends, dot and line
//! labels), every legend's extent and the data marks (dots, points along lines, bars), recorded by a
//! backend that sits between plotters and the real one, and checked for the faults a reader trips on:
//! text cut off at the canvas' edge, labels on top of each other, a legend hiding data.
//!
//! Recording is off unless a caller asks for it ([`record`]), or `HUD_LAYOUT_DIR` names a folder:
//! then every picture hud renders appends its layout, one JSON object per line, to
//! `HUD_LAYOUT_DIR/layouts.jsonl` (the layout tests read it after running the commands).
//!
//! The drawing code says what it is drawing with [`scope`]: text drawn outside any scope is a label;
//! marks (circles, lines, small filled rectangles) are data only outside any scope.

use anyhow::{Context, Result};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::io::Write;

/// What a drawn thing is to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Labels on the data: dot and line numbers, annotations, notes.
    Label,
    /// A legend or key: its box, samples and text.
    Legend,
    /// Axes: tick labels, axis descriptions, grid lines, frames.
    Axis,
    /// A figure's or a panel's title.
    Title,
    /// Drawn behind the data for context (the paths dots took): labels may cover it.
    Backdrop,
    /// A label that sits on the line it names (a line's number in its box): it may cover that line,
    /// never a dot.
    Tag,
}

/// A box in pixels, `left <= x < right`, `top <= y < bottom`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Rect {
    fn around(points: impl IntoIterator<Item = (i32, i32)>) -> Option<Rect> {
        points.into_iter().fold(None, |rect, (x, y)| {
            let r = rect.unwrap_or(Rect { left: x, top: y, right: x, bottom: y });
            Some(Rect {
                left: r.left.min(x),
                top: r.top.min(y),
                right: r.right.max(x),
                bottom: r.bottom.max(y),
            })
        })
    }

    fn union(self, other: Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// This box with `by` pixels taken off each side.
    pub fn shrunk(self, by: i32) -> Rect {
        Rect { left: self.left + by, top: self.top + by, right: self.right - by, bottom: self.bottom - by }
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    pub fn contains(&self, (x, y): (i32, i32)) -> bool {
        (self.left..self.right).contains(&x) && (self.top..self.bottom).contains(&y)
    }

    pub fn within(&self, width: u32, height: u32) -> bool {
        self.left >= 0 && self.top >= 0 && self.right <= width as i32 && self.bottom <= height as i32
    }
}

/// One piece of text as drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextBox {
    pub text: String,
    pub rect: Rect,
    pub role: Role,
}

/// Everything one rendered picture put where.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    /// The file the picture was rendered for, when known.
    pub path: Option<String>,
    pub texts: Vec<TextBox>,
    /// Each legend's extent: everything drawn inside one [`Role::Legend`] scope.
    pub legends: Vec<Rect>,
    /// Dot centres.
    pub dots: Vec<(i32, i32)>,
    /// Other pixels that carry data: points every few pixels along data lines, bar corners.
    pub marks: Vec<(i32, i32)>,
}

/// How far a text box may reach past the canvas, or into another, before it counts: the boxes are
/// the font's line boxes, a pixel or two taller than the ink.
const TOLERANCE: i32 = 1;

impl Layout {
    /// What a reader would trip on, one sentence each; empty when the picture is clear.
    pub fn problems(&self) -> Vec<String> {
        let name = self.path.as_deref().unwrap_or("picture");
        let mut problems = Vec::new();
        let visible = |t: &&TextBox| !t.text.trim().is_empty();
        for text in self.texts.iter().filter(visible) {
            if !text.rect.shrunk(TOLERANCE).within(self.width, self.height) {
                problems.push(format!("{name}: {:?} leaves the canvas at {:?}", text.text, text.rect));
            }
        }
        let texts: Vec<&TextBox> = self.texts.iter().filter(visible).collect();
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                if a.rect.shrunk(TOLERANCE).overlaps(&b.rect.shrunk(TOLERANCE)) {
                    problems.push(format!(
                        "{name}: {:?} overlaps {:?} ({:?}, {:?})",
                        a.text, b.text, a.rect, b.rect
                    ));
                }
            }
        }
        let data = || self.dots.iter().chain(&self.marks);
        for legend in &self.legends {
            let inside = legend.shrunk(TOLERANCE);
            if let Some(mark) = data().find(|&&m| inside.contains(m)) {
                let count = data().filter(|&&m| inside.contains(m)).count();
                problems.push(format!(
                    "{name}: the legend at {legend:?} covers {count} data points, e.g. {mark:?}"
                ));
            }
            for text in texts.iter().filter(|t| t.role != Role::Legend) {
                if inside.overlaps(&text.rect) {
                    problems.push(format!("{name}: the legend at {legend:?} covers {:?}", text.text));
                }
            }
        }
        for text in &texts {
            let inside = text.rect.shrunk(TOLERANCE);
            let covered = match text.role {
                Role::Label => data().find(|&&m| inside.contains(m)),
                Role::Tag => self.dots.iter().find(|&&m| inside.contains(m)),
                _ => None,
            };
            if let Some(mark) = covered {
                problems.push(format!("{name}: {:?} sits on data at {mark:?}", text.text));
            }
        }
        problems
    }
}

struct Recorder {
    layout: Layout,
    roles: Vec<Role>,
    /// The legend being drawn: its index in `layout.legends`.
    open_legend: Option<usize>,
}

thread_local! {
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

/// The role the drawing code is in until the guard is dropped; a [`Role::Legend`] scope is one legend.
#[must_use]
pub struct Scope {
    previous_legend: Option<Option<usize>>,
}

pub fn scope(role: Role) -> Scope {
    RECORDER.with_borrow_mut(|recorder| match recorder {
        Some(r) => {
            r.roles.push(role);
            let previous_legend = (role == Role::Legend).then(|| r.open_legend.take());
            Scope { previous_legend }
        }
        None => Scope { previous_legend: None },
    })
}

impl Drop for Scope {
    fn drop(&mut self) {
        RECORDER.with_borrow_mut(|recorder| {
            if let Some(r) = recorder {
                r.roles.pop();
                if let Some(previous) = self.previous_legend {
                    r.open_legend = previous;
                }
            }
        })
    }
}

fn with_recorder(f: impl FnOnce(&mut Recorder)) {
    RECORDER.with_borrow_mut(|recorder| {
        if let Some(r) = recorder {
            f(r)
        }
    })
}

impl Recorder {
    fn role(&self) -> Option<Role> {
        self.roles.last().copied()
    }

    /// Adds `rect` to the open legend, opening one if this is its first piece.
    fn extend_legend(&mut self, rect: Rect) {
        if self.role() != Some(Role::Legend) {
            return;
        }
        match self.open_legend {
            Some(i) => self.layout.legends[i] = self.layout.legends[i].union(rect),
            None => {
                self.layout.legends.push(rect);
                self.open_legend = Some(self.layout.legends.len() - 1);
            }
        }
    }

    fn mark(&mut self, points: impl IntoIterator<Item = (i32, i32)>) {
        if self.role().is_none() {
            self.layout.marks.extend(points);
        }
    }

    /// A polyline: its vertices and a point every few pixels between them.
    fn line(&mut self, path: &[BackendCoord]) {
        if let Some(rect) = Rect::around(path.iter().copied()) {
            self.extend_legend(Rect { right: rect.right + 1, bottom: rect.bottom + 1, ..rect });
        }
        if self.role().is_some() {
            return;
        }
        let mut points = Vec::new();
        for pair in path.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let steps = ((x1 - x0).abs().max((y1 - y0).abs()) / 3).max(1);
            points.extend((0..steps).map(|s| (x0 + (x1 - x0) * s / steps, y0 + (y1 - y0) * s / steps)));
        }
        points.extend(path.last().copied());
        self.mark(points);
    }
}

/// Runs `draw` with recording on, returning what it drew where.
pub fn record<T>(size: (u32, u32), path: Option<&std::path::Path>, draw: impl FnOnce() -> T) -> (T, Layout) {
    let layout = Layout {
        width: size.0,
        height: size.1,
        path: path.map(|p| p.display().to_string()),
        ..Layout::default()
    };
    let outer = RECORDER.replace(Some(Recorder { layout, roles: Vec::new(), open_legend: None }));
    let result = draw();
    let recorder = RECORDER.replace(outer).expect("the recorder set above");
    (result, recorder.layout)
}

/// Runs `draw`, and when `HUD_LAYOUT_DIR` is set appends what it drew where to that folder's
/// `layouts.jsonl`.
pub fn record_if_asked<T>(
    size: (u32, u32),
    path: Option<&std::path::Path>,
    draw: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let Some(folder) = std::env::var_os("HUD_LAYOUT_DIR") else {
        return draw();
    };
    let (result, layout) = record(size, path, draw);
    let result = result?;
    let mut line = serde_json::to_string(&layout)?;
    line.push('\n');
    let file = std::path::Path::new(&folder).join("layouts.jsonl");
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .with_context(|| format!("cannot append to {}", file.display()))?;
    Ok(result)
}

/// A backend that draws through `inner` and tells the recorder, when one is on, what went where.
pub struct Recording<DB>(pub DB);

impl<DB: DrawingBackend> Recording<DB> {
    /// The box `text` occupies, computed as plotters' default `draw_text` places its glyphs.
    fn text_box<S: BackendTextStyle>(text: &str, style: &S, pos: BackendCoord) -> Option<Rect> {
        let ((min_x, min_y), (max_x, max_y)) = style.layout_box(text).ok()?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let corners = [(0, 0), (width, 0), (0, height), (width, height)].map(|(x, y)| {
            let (x, y) = transform.transform(x + dx, y + dy);
            (pos.0 + x, pos.1 + y)
        });
        Rect::around(corners)
    }
}

impl<DB: DrawingBackend> DrawingBackend for Recording<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.color().alpha > 0.0 {
            with_recorder(|r| r.line(&[from, to]));
        }
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.color().alpha > 0.0 {
            let (width, height) = self.0.get_size();
            with_recorder(|r| {
                let rect = Rect {
                    left: upper_left.0.min(bottom_right.0),
                    top: upper_left.1.min(bottom_right.1),
                    right: upper_left.0.max(bottom_right.0) + 1,
                    bottom: upper_left.1.max(bottom_right.1) + 1,
                };
                r.extend_legend(rect);
                // A filled box much smaller than the picture is a bar or a cell; a big one is a
                // background.
                let area = (rect.right - rect.left) as i64 * (rect.bottom - rect.top) as i64;
                if fill && area * 50 < width as i64 * height as i64 {
                    let (x, y) = ((rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2);
                    r.mark([(x, y), (rect.left, rect.top), (rect.right - 1, rect.bottom - 1)]);
                }
            });
        }
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let path: Vec<BackendCoord> = path.into_iter().collect();
        if style.color().alpha > 0.0 {
            with_recorder(|r| r.line(&path));
        }
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.color().alpha > 0.0 {
            with_recorder(|r| {
                let radius = radius as i32;
                r.extend_legend(Rect {
                    left: center.0 - radius,
                    top: center.1 - radius,
                    right: center.0 + radius + 1,
                    bottom: center.1 + radius + 1,
                });
                if r.role().is_none() {
                    r.layout.dots.push(center);
                }
            });
        }
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let vert: Vec<BackendCoord> = vert.into_iter().collect();
        if style.color().alpha > 0.0 {
            with_recorder(|r| {
                if let Some(rect) = Rect::around(vert.iter().copied()) {
                    r.extend_legend(rect);
                }
            });
        }
        self.0.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.color().alpha > 0.0 {
            if let Some(rect) = Self::text_box(text, style, pos) {
                with_recorder(|r| {
                    r.extend_legend(rect);
                    let role = r.role().unwrap_or(Role::Label);
                    r.layout.texts.push(TextBox { text: text.to_string(), rect, role });
                });
            }
        }
        self.0.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.0.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str, rect: (i32, i32, i32, i32), role: Role) -> TextBox {
        let (left, top, right, bottom) = rect;
        TextBox { text: text.into(), rect: Rect { left, top, right, bottom }, role }
    }

    #[test]
    fn problems_name_text_off_the_canvas_overlapping_labels_and_covered_data() {
        let mut layout = Layout { width: 100, height: 100, ..Layout::default() };
        layout.texts.push(text("inside", (10, 10, 40, 20), Role::Label));
        assert!(layout.problems().is_empty());
        layout.texts.push(text("cut", (90, 50, 110, 60), Role::Label));
        layout.texts.push(text("on top", (30, 15, 50, 25), Role::Label));
        layout.legends.push(Rect { left: 60, top: 60, right: 90, bottom: 90 });
        layout.marks.push((70, 70));
        layout.dots.push((35, 12));
        layout.marks.push((36, 22));
        layout.texts.push(text("tag", (30, 5, 40, 8), Role::Tag));
        layout.texts.push(text("1", (30, 20, 40, 24), Role::Tag));
        let problems = layout.problems();
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(problems[0].contains("\"cut\" leaves the canvas"));
        assert!(problems[1].contains("\"inside\" overlaps \"on top\""));
        assert!(problems[2].contains("\"on top\" overlaps \"1\""));
        assert!(problems[3].contains("covers 1 data points"));
        assert!(problems[4].contains("\"inside\" sits on data at (35, 12)"));
        assert!(problems[5].contains("\"on top\" sits on data at (36, 22)"));
    }

    #[test]
    fn touching_boxes_and_blank_text_are_not_problems() {
        let mut layout = Layout { width: 100, height: 100, ..Layout::default() };
        layout.texts.push(text("a", (10, 10, 40, 21), Role::Label));
        layout.texts.push(text("b", (10, 20, 40, 30), Role::Label));
        layout.texts.push(text(" ", (-10, 10, 40, 30), Role::Label));
        assert!(layout.problems().is_empty(), "{:#?}", layout.problems());
    }
}
