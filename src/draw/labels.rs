//! Where labels go: beside the point they name, inside the picture, clear of the labels already
//! placed, of every dot and (where it can) of every line; farther out with a leader line when the
//! neighbourhood is crowded. Dots drawn on top of each other share one label (`1–4`, `6,9`).

use crate::draw::failed;
use crate::draw::layout::{self, Rect, Role};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How close (in pixels) two dots' centres must be for them to share a label: closer than this the
/// reader cannot tell which of two labels is whose.
pub const SHARED_WITHIN: i32 = 6;

/// The places a box may take around a point, in the order they are tried: up-right first (where the
/// course's pictures put a dot's number), then right, down-right, the left side, above and below.
const DIRECTIONS: [(i32, i32); 8] = [(1, -1), (1, 0), (1, 1), (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1)];

/// How far from the point the box's nearest edge is, ring by ring; past the first ring the label
/// gets a leader line.
const RINGS: [i32; 6] = [0, 12, 24, 40, 60, 90];

/// A label's place: its box, and where its leader line runs when it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub rect: Rect,
    pub leader: Option<[(i32, i32); 2]>,
}

/// What the labels must keep clear of, and the boxes placed so far.
pub struct Placer {
    bounds: Rect,
    taken: Vec<Rect>,
    dots: Vec<(i32, i32)>,
    lines: Vec<(i32, i32)>,
}

impl Placer {
    /// A placer for labels inside `bounds` (the canvas, or the part of it labels may use).
    pub fn new(bounds: Rect) -> Self {
        Placer { bounds, taken: Vec::new(), dots: Vec::new(), lines: Vec::new() }
    }

    /// Dots no label may cover (centres; a label keeps `radius` pixels from each).
    pub fn avoid_dots(&mut self, dots: impl IntoIterator<Item = (i32, i32)>, radius: i32) {
        for (x, y) in dots {
            self.dots.extend([(x, y), (x - radius, y), (x + radius, y), (x, y - radius), (x, y + radius)]);
        }
    }

    /// The line from `a` to `b`, which labels avoid where they can.
    pub fn avoid_line(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32)) {
        let steps = ((x1 - x0).abs().max((y1 - y0).abs()) / 2).max(1);
        self.lines.extend((0..=steps).map(|s| (x0 + (x1 - x0) * s / steps, y0 + (y1 - y0) * s / steps)));
    }

    /// A box already drawn (another label, an arrow's tip) that labels may not overlap.
    pub fn take(&mut self, rect: Rect) {
        self.taken.push(rect);
    }

    fn fits(&self, rect: &Rect, over_lines: bool) -> bool {
        let inside = rect.shrunk(-1);
        rect.left >= self.bounds.left
            && rect.top >= self.bounds.top
            && rect.right <= self.bounds.right
            && rect.bottom <= self.bounds.bottom
            && !self.taken.iter().any(|t| t.overlaps(&inside))
            && !self.dots.iter().any(|&d| inside.contains(d))
            && (over_lines || !self.lines.iter().any(|&p| inside.contains(p)))
    }

    /// A place for a box of `size` that names the point `at` (drawn with radius `radius`): the first
    /// candidate, ring by ring, clear of everything; else one that may cross a line; else the first
    /// one inside the bounds clear of other labels; else the nearest inside the bounds.
    pub fn place(&mut self, at: (i32, i32), size: (u32, u32), radius: i32) -> Placed {
        self.place_toward(at, size, radius, (1.0, -1.0))
    }

    /// As [`Placer::place`], trying first the sides nearest the pixel direction `toward`.
    pub fn place_toward(
        &mut self,
        at: (i32, i32),
        size: (u32, u32),
        radius: i32,
        toward: (f64, f64),
    ) -> Placed {
        let mut directions = DIRECTIONS;
        let score = |(dx, dy): (i32, i32)| {
            let length = ((dx * dx + dy * dy) as f64).sqrt();
            -(dx as f64 * toward.0 + dy as f64 * toward.1) / length
        };
        directions.sort_by(|&a, &b| score(a).total_cmp(&score(b)));
        let (width, height) = (size.0 as i32, size.1 as i32);
        let candidate = |ring: i32, (dx, dy): (i32, i32)| {
            let reach = radius + 2 + ring;
            let left = match dx {
                1 => at.0 + reach,
                -1 => at.0 - reach - width,
                _ => at.0 - width / 2,
            };
            let top = match dy {
                1 => at.1 + reach,
                -1 => at.1 - reach - height,
                _ => at.1 - height / 2,
            };
            Rect { left, top, right: left + width, bottom: top + height }
        };
        let candidates: Vec<(i32, Rect)> =
            RINGS.iter().flat_map(|&ring| directions.map(|d| (ring, candidate(ring, d)))).collect();
        let chosen = candidates
            .iter()
            .find(|(_, r)| self.fits(r, false))
            .or_else(|| candidates.iter().find(|(_, r)| self.fits(r, true)))
            .copied()
            .unwrap_or_else(|| {
                let clamped = |(ring, r): (i32, Rect)| (ring, self.clamp(r));
                candidates
                    .iter()
                    .copied()
                    .map(clamped)
                    .find(|(_, r)| !self.taken.iter().any(|t| t.overlaps(&r.shrunk(-1))))
                    .unwrap_or_else(|| clamped(candidates[0]))
            });
        let (ring, rect) = chosen;
        self.taken.push(rect);
        let leader = (ring > 0).then(|| {
            let nearest = (at.0.clamp(rect.left, rect.right - 1), at.1.clamp(rect.top, rect.bottom - 1));
            let (dx, dy) = ((nearest.0 - at.0) as f64, (nearest.1 - at.1) as f64);
            let length = dx.hypot(dy).max(1.0);
            let start = (
                at.0 + (dx / length * (radius + 1) as f64).round() as i32,
                at.1 + (dy / length * (radius + 1) as f64).round() as i32,
            );
            [start, nearest]
        });
        Placed { rect, leader }
    }

    /// `rect` moved inside the bounds.
    fn clamp(&self, rect: Rect) -> Rect {
        let (width, height) = (rect.right - rect.left, rect.bottom - rect.top);
        let left = rect.left.clamp(self.bounds.left, (self.bounds.right - width).max(self.bounds.left));
        let top = rect.top.clamp(self.bounds.top, (self.bounds.bottom - height).max(self.bounds.top));
        Rect { left, top, right: left + width, bottom: top + height }
    }
}

/// `text` in the box the placer chose, with its leader line when it has one.
pub fn draw_placed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    placed: &Placed,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let _label = layout::scope(Role::Label);
    if let Some(leader) = placed.leader {
        root.draw(&PathElement::new(leader.to_vec(), RGBColor(0x99, 0x99, 0x99))).map_err(failed)?;
    }
    let style = style.pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(text, (placed.rect.left, placed.rect.top), style)).map_err(failed)
}

/// Each dot's name beside it, placed by `placer` (which should already avoid the dots): dots on top
/// of each other share one label; an empty name is no label. `toward` gives, per dot, the direction
/// its label prefers.
pub fn draw_dot_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    placer: &mut Placer,
    dots: &[(i32, i32)],
    names: &[String],
    (radius, style): (i32, &TextStyle),
    toward: impl Fn(usize) -> (f64, f64),
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    for group in shared(dots) {
        let members: Vec<String> =
            group.iter().map(|&k| names[k].clone()).filter(|n| !n.is_empty()).collect();
        if members.is_empty() {
            continue;
        }
        let text = joined(&members);
        let size = root.estimate_text_size(&text, style).map_err(failed)?;
        let placed = placer.place_toward(dots[group[0]], size, radius, toward(group[0]));
        draw_placed(root, &text, style, &placed)?;
    }
    Ok(())
}

/// The dots that share a label: groups of indices, each group's dots chained within
/// [`SHARED_WITHIN`] pixels of each other, in the order of their first member.
pub fn shared(dots: &[(i32, i32)]) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..dots.len()).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for i in 0..dots.len() {
        for j in i + 1..dots.len() {
            let (a, b) = (dots[i], dots[j]);
            if (a.0 - b.0).abs().max((a.1 - b.1).abs()) <= SHARED_WITHIN {
                let (ri, rj) = (root(&mut group, i), root(&mut group, j));
                group[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index_of_root = std::collections::HashMap::new();
    for i in 0..dots.len() {
        let r = root(&mut group, i);
        let slot = *index_of_root.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[slot].push(i);
    }
    groups
}

/// One label for several items: numbers as runs (`1–4,7`), other names joined by `, `.
pub fn joined(names: &[String]) -> String {
    let numbers: Option<Vec<u64>> = names.iter().map(|n| n.parse().ok()).collect();
    let Some(mut numbers) = numbers else {
        return names.join(", ");
    };
    numbers.sort_unstable();
    let mut runs: Vec<String> = Vec::new();
    let mut start = 0;
    for i in 0..numbers.len() {
        if i + 1 == numbers.len() || numbers[i + 1] != numbers[i] + 1 {
            runs.push(match i - start {
                0 => numbers[i].to_string(),
                1 => format!("{}, {}", numbers[start], numbers[i]),
                _ => format!("{}\u{2013}{}", numbers[start], numbers[i]),
            });
            start = i + 1;
        }
    }
    runs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas() -> Rect {
        Rect { left: 0, top: 0, right: 200, bottom: 200 }
    }

    #[test]
    fn a_label_goes_up_right_of_its_dot_when_nothing_is_there() {
        let mut placer = Placer::new(canvas());
        placer.avoid_dots([(100, 100)], 5);
        let placed = placer.place((100, 100), (20, 10), 5);
        assert_eq!(placed.rect, Rect { left: 107, top: 83, right: 127, bottom: 93 });
        assert_eq!(placed.leader, None);
    }

    #[test]
    fn labels_stay_inside_and_off_each_other_and_off_the_dots() {
        let mut placer = Placer::new(canvas());
        let dots = [(195, 100), (195, 108), (185, 104), (100, 5)];
        placer.avoid_dots(dots, 5);
        let placed: Vec<Placed> = dots.iter().map(|&d| placer.place(d, (40, 10), 5)).collect();
        for (i, p) in placed.iter().enumerate() {
            assert!(p.rect.left >= 0 && p.rect.right <= 200 && p.rect.top >= 0, "{p:?}");
            for q in &placed[i + 1..] {
                assert!(!p.rect.overlaps(&q.rect), "{p:?} {q:?}");
            }
            for &d in &dots {
                assert!(!p.rect.contains(d), "{p:?} covers {d:?}");
            }
        }
    }

    #[test]
    fn a_label_crowded_out_gets_a_leader_line() {
        let mut placer = Placer::new(canvas());
        placer.avoid_dots([(100, 100)], 5);
        for (dx, dy) in DIRECTIONS {
            placer.take(Rect {
                left: 100 + dx * 30 - 15,
                top: 100 + dy * 20 - 10,
                right: 100 + dx * 30 + 15,
                bottom: 100 + dy * 20 + 10,
            });
        }
        let placed = placer.place((100, 100), (20, 10), 5);
        assert!(placed.leader.is_some(), "{placed:?}");
    }

    #[test]
    fn dots_on_top_of_each_other_share_a_label() {
        let dots = [(10, 10), (12, 11), (50, 50), (14, 15), (90, 90), (51, 50)];
        assert_eq!(shared(&dots), vec![vec![0, 1, 3], vec![2, 5], vec![4]]);
        let names = |ns: &[&str]| ns.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(joined(&names(&["1", "2", "3", "4", "7", "9", "10"])), "1\u{2013}4, 7, 9, 10");
        assert_eq!(joined(&names(&["3", "1"])), "1, 3");
        assert_eq!(joined(&names(&["1: 10", "2: 01"])), "1: 10, 2: 01");
    }
}
