//! Anti-aliased lines for the PNG pictures. plotters' bitmap backend draws a line of width 2 or more
//! as a polygon of whole pixels, so a nearly vertical line comes out in visible stair steps; here each
//! pixel near a line gets the share of it the line covers (a stroke with round ends), blended in,
//! once per pixel for a whole polyline so that its joints are not drawn twice. Everything else, and
//! SVG (whose viewers smooth lines themselves), is drawn as before.

use plotters::prelude::DrawingBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use std::collections::HashMap;

/// A backend that draws `draw_path` and `draw_line` strokes through `inner` anti-aliased.
pub struct Smooth<DB>(pub DB);

/// How much of the pixel centred at `(px, py)` a stroke of half-width `half` along `a`-`b` covers,
/// approximated by the distance from the centre to the segment.
fn coverage((px, py): (f64, f64), a: (f64, f64), b: (f64, f64), half: f64) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    let t =
        if length2 == 0.0 { 0.0 } else { (((px - a.0) * dx + (py - a.1) * dy) / length2).clamp(0.0, 1.0) };
    let distance = (px - (a.0 + t * dx)).hypot(py - (a.1 + t * dy));
    (half + 0.5 - distance).clamp(0.0, 1.0)
}

/// Each pixel a stroke of `width` along `path` touches, with the share of it covered.
pub fn stroke(path: &[BackendCoord], width: u32) -> Vec<(BackendCoord, f64)> {
    let half = f64::from(width.max(1)) / 2.0;
    let reach = half.ceil() as i32 + 1;
    let mut covered: HashMap<BackendCoord, f64> = HashMap::new();
    let segments: Vec<(BackendCoord, BackendCoord)> = match path {
        [] => Vec::new(),
        [only] => vec![(*only, *only)],
        _ => path.windows(2).map(|w| (w[0], w[1])).collect(),
    };
    // Pixel (x, y) covers [x, x + 1) x [y, y + 1): its centre is at (x + 0.5, y + 0.5), and plotters'
    // integer coordinates name pixels, so a path through (x, y) runs through that pixel's centre.
    for (a, b) in segments {
        let (fa, fb) = ((a.0 as f64 + 0.5, a.1 as f64 + 0.5), (b.0 as f64 + 0.5, b.1 as f64 + 0.5));
        for y in a.1.min(b.1) - reach..=a.1.max(b.1) + reach {
            for x in a.0.min(b.0) - reach..=a.0.max(b.0) + reach {
                let share = coverage((x as f64 + 0.5, y as f64 + 0.5), fa, fb, half);
                if share > 0.0 {
                    let slot = covered.entry((x, y)).or_insert(0.0);
                    *slot = slot.max(share);
                }
            }
        }
    }
    let mut pixels: Vec<(BackendCoord, f64)> = covered.into_iter().collect();
    pixels.sort_unstable_by_key(|&((x, y), _)| (y, x));
    pixels
}

impl<DB: DrawingBackend> Smooth<DB> {
    fn stroke<S: BackendStyle>(
        &mut self,
        path: &[BackendCoord],
        style: &S,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        for (pixel, share) in stroke(path, style.stroke_width()) {
            self.0.draw_pixel(pixel, BackendColor { alpha: colour.alpha * share, rgb: colour.rgb })?;
        }
        Ok(())
    }
}

impl<DB: DrawingBackend> DrawingBackend for Smooth<DB> {
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
        // Axis-parallel thin lines (grids, ticks, frames) are crisp already.
        if style.stroke_width() <= 1 && (from.0 == to.0 || from.1 == to.1) {
            return self.0.draw_line(from, to, style);
        }
        self.stroke(&[from, to], style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let path: Vec<BackendCoord> = path.into_iter().collect();
        let straight = path.windows(2).all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1);
        if style.stroke_width() <= 1 && straight {
            return self.0.draw_path(path, style);
        }
        self.stroke(&path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
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

    #[test]
    fn a_vertical_line_is_solid_where_it_runs_and_nowhere_else() {
        let pixels: HashMap<BackendCoord, f64> = stroke(&[(10, 0), (10, 20)], 2).into_iter().collect();
        for y in 0..=20 {
            assert_eq!(pixels.get(&(10, y)), Some(&1.0), "row {y}");
        }
        assert!(pixels.keys().all(|&(x, y)| (8..=12).contains(&x) && (-2..=22).contains(&y)));
    }

    #[test]
    fn a_nearly_vertical_line_is_shaded_not_stepped() {
        // Three pixels across in 100 rows: each row has a pixel partly covered on one side or both.
        let pixels = stroke(&[(10, 0), (13, 100)], 2);
        let partial = pixels.iter().filter(|(_, share)| *share > 0.05 && *share < 0.95).count();
        assert!(partial >= 100, "{partial} partly covered pixels");
        // Each pixel is listed once, so joints are not drawn twice.
        let mut seen = std::collections::HashSet::new();
        assert!(pixels.iter().all(|(p, _)| seen.insert(*p)));
    }

    #[test]
    fn a_polylines_joint_is_covered_once() {
        let pixels = stroke(&[(0, 0), (10, 10), (20, 0)], 3);
        let at_joint: Vec<_> = pixels.iter().filter(|(p, _)| *p == (10, 10)).collect();
        assert_eq!(at_joint.len(), 1);
        assert_eq!(at_joint[0].1, 1.0);
    }
}
