//! The hidden-unit cube of a network with three hidden units: the seed page's Question 2.
//!
//! With K = 3 hidden units (tanh), each input item lands at a point of the cube [-1, 1]^3 and each
//! output's 0.5 level is the plane `w . h + b = 0`. The page asks what shapes an 8-3-8 encoder forms
//! and answers: the 8 points move toward the 8 corners of a cube, and each output's plane chops off
//! one corner, leaving a cuboctahedron. This module computes, exactly and without drawing anything:
//! - where a plane cuts the cube ([`section`]): a 3- to 6-gon, or a single corner, an edge, nothing;
//! - an [`Analysis`] of a trained network: for each input its nearest corner and how far away it is,
//!   and where it sits ([`Place`]: at a corner, nearer the middle of an edge or a face, or the centre);
//!   for each output the corners its plane cuts off (where the output is above 0.5); and a [`Verdict`]
//!   that gives the page's answer only when every input sits at its own corner and every output's
//!   plane cuts off exactly its input's corner, and otherwise says what the run formed.
//!
//! Everything is computed in f64 from the network's f32 numbers.

use std::fmt::{self, Display, Formatter};

/// A point of hidden-unit space.
pub type Vec3 = [f64; 3];

/// A corner of the cube [-1, 1]^3: each coordinate -1 or +1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Corner(pub [i8; 3]);

impl Corner {
    /// The 8 corners, (-,-,-) first; corner `i` has coordinate j positive where bit j of `i` is set.
    pub fn all() -> [Corner; 8] {
        std::array::from_fn(|i| Corner(std::array::from_fn(|j| if i >> j & 1 == 1 { 1 } else { -1 })))
    }

    /// The corner in whose octant `p` lies, the nearest corner: each coordinate's sign (0 counts as +).
    pub fn nearest(p: Vec3) -> Corner {
        Corner(p.map(|x| if x < 0.0 { -1 } else { 1 }))
    }

    pub fn point(self) -> Vec3 {
        self.0.map(f64::from)
    }

    /// The corner's index in [`Corner::all`].
    pub fn index(self) -> usize {
        (0..3).filter(|&j| self.0[j] > 0).map(|j| 1 << j).sum()
    }
}

impl Display for Corner {
    /// `(+,-,+)`.
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        let sign = |v: i8| if v > 0 { '+' } else { '-' };
        write!(f, "({},{},{})", sign(self.0[0]), sign(self.0[1]), sign(self.0[2]))
    }
}

/// The cube's 12 edges, as pairs of indices into [`Corner::all`] (the corners differ in one coordinate).
pub fn edges() -> Vec<(usize, usize)> {
    (0..8usize).flat_map(|a| (0..3).map(move |j| (a, a | 1 << j)).filter(move |&(_, b)| b != a)).collect()
}

/// Where on the cube a point sits: the nearest point of the grid {-1, 0, 1}^3, each coordinate read as
/// -1, 0 or +1, whichever is nearest (0 when |h| < 0.5). No zero: a corner; one zero: the middle of
/// an edge; two: the centre of a face; three: the centre of the cube.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place(pub [i8; 3]);

impl Place {
    pub fn nearest(p: Vec3) -> Place {
        Place(p.map(|x| {
            if x.abs() < 0.5 {
                0
            } else if x < 0.0 {
                -1
            } else {
                1
            }
        }))
    }

    /// The coordinates (0-based) that are 0 here.
    pub fn zeros(self) -> Vec<usize> {
        (0..3).filter(|&j| self.0[j] == 0).collect()
    }

    /// The corner this place is, if it is one.
    pub fn corner(self) -> Option<Corner> {
        self.zeros().is_empty().then_some(Corner(self.0))
    }

    /// The corners of the cube's part this place is the centre of (1 for a corner, the 2 ends of an
    /// edge, the 4 corners of a face, all 8), in [`Corner::all`] order.
    pub fn corners(self) -> Vec<Corner> {
        Corner::all().into_iter().filter(|c| (0..3).all(|j| self.0[j] == 0 || self.0[j] == c.0[j])).collect()
    }

    /// `the corner (+,-,+)`, `the middle of the edge between (+,-,+) and (+,+,+)`, `the centre of the
    /// face h2 = -1`, `the centre of the cube`.
    pub fn describe(self) -> String {
        let corners = self.corners();
        match self.zeros().len() {
            0 => format!("the corner {}", corners[0]),
            1 => format!("the middle of the edge between {} and {}", corners[0], corners[1]),
            2 => {
                let j = (0..3).find(|&j| self.0[j] != 0).unwrap();
                format!("the centre of the face {}", face_name(j, self.0[j]))
            }
            _ => "the centre of the cube".into(),
        }
    }
}

/// `h2 = -1`: the face where coordinate `axis` (0-based) is `side`.
fn face_name(axis: usize, side: i8) -> String {
    format!("h{} = {}1", axis + 1, if side > 0 { '+' } else { '-' })
}

/// Where a plane cuts the closed cube [-1, 1]^3.
#[derive(Clone, Debug, PartialEq)]
pub enum Section {
    /// The plane misses the cube (or is no plane: a zero normal).
    Empty,
    /// The plane touches the cube at one corner only.
    Corner(Vec3),
    /// The plane touches the cube along one edge only.
    Edge([Vec3; 2]),
    /// A polygon of 3 to 6 vertices, in order around it (a face of the cube when the plane holds one).
    Polygon(Vec<Vec3>),
}

impl Section {
    /// The polygon's vertices, or none for a section that is not a polygon.
    pub fn polygon(&self) -> &[Vec3] {
        match self {
            Section::Polygon(vertices) => vertices,
            _ => &[],
        }
    }
}

/// Where the plane `normal . h + offset = 0` cuts the cube: the corners on it and the points where it
/// crosses an edge (each found once: a corner on the plane is taken as it is, an edge only where its
/// ends are strictly on opposite sides), ordered by angle around their centroid in the plane.
pub fn section(normal: Vec3, offset: f64) -> Section {
    if normal == [0.0; 3] {
        return Section::Empty;
    }
    let corners = Corner::all().map(Corner::point);
    let value = corners.map(|c| dot(normal, c) + offset);
    let mut points: Vec<Vec3> = (0..8).filter(|&i| value[i] == 0.0).map(|i| corners[i]).collect();
    for (a, b) in edges() {
        let (fa, fb) = (value[a], value[b]);
        if (fa < 0.0 && fb > 0.0) || (fa > 0.0 && fb < 0.0) {
            let t = fa / (fa - fb);
            let (pa, pb) = (corners[a], corners[b]);
            // The edge's two ends differ in one coordinate: only that one moves.
            points.push(std::array::from_fn(|j| {
                if pa[j] == pb[j] {
                    pa[j]
                } else {
                    pa[j] + t * (pb[j] - pa[j])
                }
            }));
        }
    }
    match points.len() {
        0 => Section::Empty,
        1 => Section::Corner(points[0]),
        2 => Section::Edge([points[0], points[1]]),
        _ => Section::Polygon(order_around_centroid(points, normal)),
    }
}

/// Points of one plane (with this normal), sorted by angle around their centroid.
fn order_around_centroid(mut points: Vec<Vec3>, normal: Vec3) -> Vec<Vec3> {
    let n = points.len() as f64;
    let centroid: Vec3 = std::array::from_fn(|j| points.iter().map(|p| p[j]).sum::<f64>() / n);
    // Two directions in the plane: u across the axis the normal leans on least, v = normal x u.
    let least = (0..3).min_by(|&a, &b| normal[a].abs().total_cmp(&normal[b].abs())).unwrap();
    let mut axis = [0.0; 3];
    axis[least] = 1.0;
    let u = cross(normal, axis);
    let v = cross(normal, u);
    let angle = |p: &Vec3| {
        let d = sub(*p, centroid);
        dot(d, v).atan2(dot(d, u))
    };
    points.sort_by(|a, b| angle(a).total_cmp(&angle(b)));
    points
}

/// The area of a planar polygon given in order.
pub fn polygon_area(vertices: &[Vec3]) -> f64 {
    let mut sum = [0.0; 3];
    for (i, &p) in vertices.iter().enumerate() {
        let c = cross(p, vertices[(i + 1) % vertices.len()]);
        sum = std::array::from_fn(|j| sum[j] + c[j]);
    }
    0.5 * dot(sum, sum).sqrt()
}

pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// One input item's point and where it sits.
#[derive(Clone, Debug, PartialEq)]
pub struct InputPoint {
    /// The point in hidden-unit space (the network's f32 numbers, widened).
    pub point: Vec3,
    /// The nearest corner (the point's octant).
    pub corner: Corner,
    /// The Euclidean distance from the point to that corner.
    pub distance: f64,
    /// The nearest of the corners, edge middles, face centres and the centre.
    pub place: Place,
}

/// One output's plane and what it cuts off.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaneCut {
    /// The corners on the plane's positive side, where the output is above 0.5 (`w . c + b > 0`), in
    /// [`Corner::all`] order: the corners the plane cuts off from the rest.
    pub cuts_off: Vec<Corner>,
    /// The inputs (0-based) whose output is above 0.5.
    pub above_half: Vec<usize>,
}

/// What the run formed, in one word each (for sweeps: [`Verdict::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The page's answer: every input at its own corner of the cube and every output's plane cutting
    /// off exactly its own input's corner: the cuboctahedron.
    Cuboctahedron,
    /// Every input at its own corner, but some plane cuts off more or fewer corners than its input's.
    CubeOtherPlanes,
    /// Four inputs at the 4 corners of one face and four nearer the middles of the 4 edges of the
    /// opposite face: a square antiprism (the second square smaller and turned by 45 degrees).
    SquareAntiprism,
    /// The inputs are in 8 distinct octants, but not every one sits at its corner.
    NotAllCorners,
    /// Two or more inputs are in the same octant.
    SharedOctant,
    /// Not an 8-3-8 encoder (the question is about 8 inputs whose output i belongs to input i).
    NotEightThreeEight,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 6] = [
        Verdict::Cuboctahedron,
        Verdict::CubeOtherPlanes,
        Verdict::SquareAntiprism,
        Verdict::NotAllCorners,
        Verdict::SharedOctant,
        Verdict::NotEightThreeEight,
    ];

    /// `cuboctahedron`, `cube-other-planes`, `square-antiprism`, `not-all-corners`, `shared-octant`,
    /// `not-8-3-8`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Cuboctahedron => "cuboctahedron",
            Verdict::CubeOtherPlanes => "cube-other-planes",
            Verdict::SquareAntiprism => "square-antiprism",
            Verdict::NotAllCorners => "not-all-corners",
            Verdict::SharedOctant => "shared-octant",
            Verdict::NotEightThreeEight => "not-8-3-8",
        }
    }

    /// The verdict in a few words, for a picture's subtitle (none where the question does not apply).
    pub fn summary(self) -> Option<&'static str> {
        Some(match self {
            Verdict::Cuboctahedron => {
                "the page's answer: each input at its own corner, each plane cutting off its corner"
            }
            Verdict::CubeOtherPlanes => "each input at its own corner, but not every plane cuts off just that corner",
            Verdict::SquareAntiprism => {
                "not the page's cube: 4 inputs at a face's corners, 4 at the middles of the opposite face's edges"
            }
            Verdict::NotAllCorners => "not the page's cube: 8 distinct octants, but not every input at a corner",
            Verdict::SharedOctant => "not the page's cube: two inputs in one octant",
            Verdict::NotEightThreeEight => return None,
        })
    }
}

impl Display for Verdict {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Four inputs at the 4 corners of one face and four at the middles of the opposite face's edges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Antiprism {
    /// The face whose corners hold inputs: its axis (0-based) and side (-1 or +1).
    pub face: (usize, i8),
    /// The inputs (0-based) at its corners, and those at the middles of the opposite face's edges.
    pub at_corners: Vec<usize>,
    pub at_edges: Vec<usize>,
}

/// The hidden-unit cube of a network with three hidden units, analysed.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Per input item (in order), its point and where it sits.
    pub inputs: Vec<InputPoint>,
    /// Per output (in order), its plane's cut.
    pub planes: Vec<PlaneCut>,
    /// Whether output i belongs to input i (an encoder: the target is the identity). Without it the
    /// verdict is [`Verdict::NotEightThreeEight`] and the planes are not compared with the inputs.
    pub encoder: bool,
    pub verdict: Verdict,
}

impl Analysis {
    /// The analysis of an encoder (output i belongs to input i): `points[k]` is input k's point
    /// (column k of `tanh(in_hid.weight + bias)`), `weights[i]` and `biases[i]` output i's plane
    /// (row i of `hid_out.weight`, `hid_out.bias[i]`).
    pub fn of(points: &[[f32; 3]], weights: &[[f32; 3]], biases: &[f32]) -> Analysis {
        Self::with_target(points, weights, biases, true)
    }

    /// The analysis of an encoder from its layers as a trace holds them (`in_hid` weight `[3][N]` and
    /// bias, `hid_out` weight `[M][3]` and bias), or `None` when there are not 3 hidden units. The
    /// points are `tanh(weight + bias)` in f32 by Rust's `tanh`, which may differ from libtorch's in
    /// the last bit: far below anything the analysis reads.
    pub fn of_layers(
        in_weight: &[Vec<f32>],
        in_bias: &[f32],
        out_weight: &[Vec<f32>],
        out_bias: &[f32],
    ) -> Option<Analysis> {
        if in_weight.len() != 3 || in_bias.len() != 3 || out_weight.iter().any(|w| w.len() != 3) {
            return None;
        }
        let items = in_weight[0].len();
        let points: Vec<[f32; 3]> =
            (0..items).map(|k| std::array::from_fn(|j| (in_weight[j][k] + in_bias[j]).tanh())).collect();
        let weights: Vec<[f32; 3]> = out_weight.iter().map(|w| [w[0], w[1], w[2]]).collect();
        Some(Self::of(&points, &weights, out_bias))
    }

    /// As [`Analysis::of`], for any target: `encoder` says whether output i belongs to input i.
    pub fn with_target(points: &[[f32; 3]], weights: &[[f32; 3]], biases: &[f32], encoder: bool) -> Analysis {
        assert_eq!(weights.len(), biases.len(), "one bias per output plane");
        let inputs: Vec<InputPoint> = points
            .iter()
            .map(|p| {
                let point = p.map(f64::from);
                let corner = Corner::nearest(point);
                let distance = dot(sub(point, corner.point()), sub(point, corner.point())).sqrt();
                InputPoint { point, corner, distance, place: Place::nearest(point) }
            })
            .collect();
        let planes: Vec<PlaneCut> = weights
            .iter()
            .zip(biases)
            .map(|(w, &b)| {
                let (w, b) = (w.map(f64::from), f64::from(b));
                let cuts_off = Corner::all().into_iter().filter(|c| dot(w, c.point()) + b > 0.0).collect();
                let above_half = (0..inputs.len()).filter(|&k| dot(w, inputs[k].point) + b > 0.0).collect();
                PlaneCut { cuts_off, above_half }
            })
            .collect();
        let mut analysis = Analysis { inputs, planes, encoder, verdict: Verdict::NotEightThreeEight };
        analysis.verdict = analysis.judge();
        analysis
    }

    fn judge(&self) -> Verdict {
        if !self.encoder || self.inputs.len() != 8 || self.planes.len() != 8 {
            return Verdict::NotEightThreeEight;
        }
        let at_own_corners = self.at_corners().len() == 8 && self.distinct_places();
        if at_own_corners {
            // The page's answer needs the outputs right too: each above 0.5 for its own input only.
            let own = (0..8).all(|i| self.planes[i].cuts_off == [self.inputs[i].corner]);
            let right = self.wrong_outputs().is_empty();
            return if own && right { Verdict::Cuboctahedron } else { Verdict::CubeOtherPlanes };
        }
        if self.antiprism().is_some() {
            Verdict::SquareAntiprism
        } else if self.shared_octants().is_empty() {
            Verdict::NotAllCorners
        } else {
            Verdict::SharedOctant
        }
    }

    /// The inputs (0-based) that sit at a corner.
    pub fn at_corners(&self) -> Vec<usize> {
        (0..self.inputs.len()).filter(|&k| self.inputs[k].place.corner().is_some()).collect()
    }

    /// Whether no two inputs sit at the same place.
    pub fn distinct_places(&self) -> bool {
        let mut places: Vec<Place> = self.inputs.iter().map(|i| i.place).collect();
        places.sort();
        places.dedup();
        places.len() == self.inputs.len()
    }

    /// The octants (by corner) that hold more than one input, with those inputs (0-based).
    pub fn shared_octants(&self) -> Vec<(Corner, Vec<usize>)> {
        Corner::all()
            .into_iter()
            .map(|c| (c, (0..self.inputs.len()).filter(|&k| self.inputs[k].corner == c).collect::<Vec<_>>()))
            .filter(|(_, inputs)| inputs.len() > 1)
            .collect()
    }

    /// The octants that hold no input.
    pub fn empty_octants(&self) -> Vec<Corner> {
        Corner::all().into_iter().filter(|c| self.inputs.iter().all(|i| i.corner != *c)).collect()
    }

    /// Whether the inputs are in distinct octants.
    pub fn distinct_octants(&self) -> bool {
        self.shared_octants().is_empty()
    }

    /// The square antiprism the inputs form, if they do.
    pub fn antiprism(&self) -> Option<Antiprism> {
        if self.inputs.len() != 8 || !self.distinct_places() {
            return None;
        }
        let corners = self.at_corners();
        let edges: Vec<usize> = (0..8).filter(|&k| self.inputs[k].place.zeros().len() == 1).collect();
        if corners.len() != 4 || edges.len() != 4 {
            return None;
        }
        let place = |k: usize| self.inputs[k].place.0;
        (0..3).find_map(|axis| {
            let side = place(corners[0])[axis];
            let face = corners.iter().all(|&k| place(k)[axis] == side);
            let opposite = edges.iter().all(|&k| place(k)[axis] == -side);
            (face && opposite).then(|| Antiprism {
                face: (axis, side),
                at_corners: corners.clone(),
                at_edges: edges.clone(),
            })
        })
    }

    /// Whether output i's plane cuts off exactly the corners of input i's place (one corner for an
    /// input at a corner, the two ends of the edge an input sits nearer the middle of, ...).
    pub fn cuts_off_its_place(&self, output: usize) -> bool {
        self.encoder
            && output < self.inputs.len()
            && self.planes[output].cuts_off == self.inputs[output].place.corners()
    }

    /// The verdict in a few words, naming the inputs (for a picture's subtitle; none where the page's
    /// question does not apply).
    pub fn summary(&self) -> Option<String> {
        let list = |inputs: &[usize]| numbers(inputs.iter().map(|k| k + 1));
        let summary = match self.verdict {
            Verdict::NotEightThreeEight => return None,
            Verdict::SquareAntiprism => {
                let Antiprism { face: (axis, side), at_corners, at_edges } = self.antiprism()?;
                format!(
                    "not the page's cube: inputs {} at the corners of the face {}, inputs {} at the middles of \
                     the opposite face's edges",
                    list(&at_corners),
                    face_name(axis, side),
                    list(&at_edges)
                )
            }
            Verdict::NotAllCorners => format!(
                "not the page's cube: 8 distinct octants, but only {} of the 8 inputs at corners",
                self.at_corners().len()
            ),
            Verdict::SharedOctant => {
                let shared = self.shared_octant_phrases();
                format!("not the page's cube: {}", shared.join("; "))
            }
            verdict => verdict.summary()?.to_string(),
        };
        Some(format!("{}: {summary}", self.verdict))
    }

    /// `inputs 4 and 5 share the octant of (-,-,-)`, one per octant holding more than one input.
    fn shared_octant_phrases(&self) -> Vec<String> {
        let list = |inputs: &[usize]| numbers(inputs.iter().map(|k| k + 1));
        self.shared_octants()
            .iter()
            .map(|(c, inputs)| format!("inputs {} share the octant of {c}", list(inputs)))
            .collect()
    }

    /// The verdict in words, one line: the page's answer, or what the run formed instead
    /// ([`Analysis::verdict_parts`] joined by `; `).
    pub fn verdict_text(&self) -> String {
        self.verdict_parts().join("; ")
    }

    /// The verdict in words: the first part says what the run formed, the others give the details
    /// (each input not at a corner, with the coordinates that put it there; the planes that cut off
    /// more or fewer corners than one, or another input's; outputs on the wrong side of 0.5).
    pub fn verdict_parts(&self) -> Vec<String> {
        let list = |inputs: &[usize]| numbers(inputs.iter().map(|k| k + 1));
        let first = match self.verdict {
            Verdict::Cuboctahedron => {
                return vec!["cuboctahedron: the page's answer: the points form a cube and the planes cut off one \
                        corner each: the cuboctahedron"
                    .into()]
            }
            Verdict::NotEightThreeEight => {
                let shape = format!("{}-3-{}", self.inputs.len(), self.planes.len());
                let what = if self.encoder {
                    format!("a {shape} encoder")
                } else {
                    format!("a {shape} network whose target is not the identity")
                };
                return vec![format!(
                    "{}: the page's question is about the 8-3-8 encoder; this is {what}",
                    self.verdict
                )];
            }
            Verdict::CubeOtherPlanes => format!(
                "{}: not the page's cuboctahedron: the points form a cube (each input at its own corner), but \
                 not every plane cuts off just its input's corner",
                self.verdict
            ),
            Verdict::SquareAntiprism => {
                let Antiprism { face: (axis, side), at_corners: corners, at_edges: edges } =
                    self.antiprism().unwrap();
                format!(
                    "{}: not the page's cube: inputs {} sit at the 4 corners of the face {}, and inputs {} \
                     nearer the middles of the 4 edges of the opposite face {} than any corner: a square \
                     antiprism (the second square smaller and turned by 45 degrees)",
                    self.verdict,
                    list(&corners),
                    face_name(axis, side),
                    list(&edges),
                    face_name(axis, -side)
                )
            }
            Verdict::NotAllCorners => format!(
                "{}: not the page's cube: the inputs are in 8 distinct octants, but only {} of them sit at \
                 corners",
                self.verdict,
                self.at_corners().len()
            ),
            Verdict::SharedOctant => {
                let shared = self.shared_octant_phrases();
                let empty: Vec<String> = self.empty_octants().iter().map(Corner::to_string).collect();
                format!(
                    "{}: not the page's cube: {}, and no input is in the octant of {}",
                    self.verdict,
                    shared.join("; "),
                    or_list(&empty)
                )
            }
        };
        let mut parts = vec![first];
        if self.verdict != Verdict::SquareAntiprism {
            parts.extend(
                (0..self.inputs.len())
                    .filter(|&k| self.inputs[k].place.corner().is_none())
                    .map(|k| format!("input {} {}", k + 1, self.where_not_at_corner(k))),
            );
        }
        let (mut several, mut none, mut others) = (vec![], vec![], vec![]);
        for (i, plane) in self.planes.iter().enumerate() {
            if plane.cuts_off.is_empty() {
                none.push(i);
            } else if plane.cuts_off.len() > 1 {
                several.push(format!("{} ({})", i + 1, corner_set(&plane.cuts_off)));
            } else if plane.cuts_off[0] != self.inputs[i].corner {
                others.push(format!("{} ({})", i + 1, plane.cuts_off[0]));
            }
        }
        if !several.is_empty() {
            parts.push(format!("the planes of outputs {} cut off more than one corner", several.join(", ")));
        }
        if !none.is_empty() {
            parts.push(format!("the planes of outputs {} cut off no corner", list(&none)));
        }
        if !others.is_empty() {
            parts.push(format!("the planes of outputs {} cut off another input's corner", others.join(", ")));
        }
        if (0..self.planes.len()).all(|i| self.cuts_off_its_place(i)) {
            parts.push("each plane cuts off exactly the corners around its own input".into());
        }
        let wrong = self.wrong_outputs();
        if !wrong.is_empty() {
            parts.push(format!("outputs {} are on the wrong side of 0.5 for some input", list(&wrong)));
        }
        parts
    }

    /// The outputs (0-based) of an encoder that are above 0.5 for another input than their own, or not
    /// for their own.
    pub fn wrong_outputs(&self) -> Vec<usize> {
        if !self.encoder {
            return vec![];
        }
        (0..self.planes.len()).filter(|&i| self.planes[i].above_half != [i]).collect()
    }

    /// Where input k sits when it is not at a corner, with the coordinates that put it there:
    /// `sits nearer the middle of the edge between (+,-,+) and (+,+,+) than either corner (h2 = 0.019)`.
    fn where_not_at_corner(&self, k: usize) -> String {
        let input = &self.inputs[k];
        let coordinates: Vec<String> =
            input.place.zeros().iter().map(|&j| format!("h{} = {:.3}", j + 1, input.point[j])).collect();
        let than = match input.place.zeros().len() {
            1 => "either corner",
            _ => "any corner",
        };
        format!("sits nearer {} than {than} ({})", input.place.describe(), coordinates.join(", "))
    }
}

impl Display for Analysis {
    /// The whole analysis, several lines: inputs, planes, verdict.
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        writeln!(
            f,
            "hidden-unit cube: {} inputs, {} output planes in [-1, 1]^3 (Question 2 of the seed page)",
            self.inputs.len(),
            self.planes.len()
        )?;
        writeln!(
            f,
            "  inputs: the nearest corner (the octant), the distance to it, and where the input sits"
        )?;
        for (k, input) in self.inputs.iter().enumerate() {
            let [x, y, z] = input.point;
            let place = match input.place.corner() {
                Some(_) => "at that corner".to_string(),
                None => self.where_not_at_corner(k),
            };
            writeln!(
                f,
                "    input {:2} at ({x:+.3}, {y:+.3}, {z:+.3}): corner {}, {:.3} away; {place}",
                k + 1,
                input.corner,
                input.distance
            )?;
        }
        let at_corners = self.at_corners().len();
        let octants = if self.distinct_octants() { "distinct octants" } else { "octants shared" };
        let distinct = if self.distinct_places() { "all apart" } else { "some together" };
        writeln!(
            f,
            "  {at_corners} of {} inputs sit at corners ({octants}; places {distinct})",
            self.inputs.len()
        )?;
        writeln!(f, "  output planes: the corners where the output is above 0.5, which the plane cuts off")?;
        for (i, plane) in self.planes.iter().enumerate() {
            let cut =
                if plane.cuts_off.is_empty() { "no corner".to_string() } else { corner_set(&plane.cuts_off) };
            let mut line = format!("    output {:2}: cuts off {cut}", i + 1);
            if self.encoder && i < self.inputs.len() {
                let place = self.inputs[i].place;
                if self.cuts_off_its_place(i) {
                    line += &match place.zeros().len() {
                        0 => format!(", input {}'s corner", i + 1),
                        _ => format!(", the corners around input {} ({})", i + 1, place.describe()),
                    };
                } else {
                    line += &format!(", not the corners around input {} ({})", i + 1, place.describe());
                }
                if plane.above_half != [i] {
                    let above = if plane.above_half.is_empty() {
                        "no input".to_string()
                    } else {
                        format!("inputs {}", numbers(plane.above_half.iter().map(|k| k + 1)))
                    };
                    line += &format!("; above 0.5 for {above}");
                }
            }
            writeln!(f, "{line}")?;
        }
        let parts = self.verdict_parts();
        write!(f, "  verdict: {}", parts[0])?;
        for part in &parts[1..] {
            write!(f, "\n    {part}")?;
        }
        Ok(())
    }
}

/// `(-,-,-) and (+,-,-)`, `(-,-,-), (+,-,-), (-,-,+) and (+,-,+) (the face h2 = -1)`.
fn corner_set(corners: &[Corner]) -> String {
    let names: Vec<String> = corners.iter().map(Corner::to_string).collect();
    let mut text = and_list(&names);
    if corners.len() == 4 {
        if let Some((axis, side)) = (0..3).find_map(|j| {
            let side = corners[0].0[j];
            corners.iter().all(|c| c.0[j] == side).then_some((j, side))
        }) {
            text += &format!(" (the face {})", face_name(axis, side));
        }
    }
    text
}

fn numbers(values: impl Iterator<Item = usize>) -> String {
    and_list(&values.map(|v| v.to_string()).collect::<Vec<_>>())
}

fn and_list(items: &[String]) -> String {
    join_last(items, " and ")
}

fn or_list(items: &[String]) -> String {
    join_last(items, " or ")
}

fn join_last(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., end] => format!("{}{last}{end}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Vec3, b: Vec3) -> bool {
        (0..3).all(|j| (a[j] - b[j]).abs() < 1e-12)
    }

    fn polygon(normal: Vec3, offset: f64) -> Vec<Vec3> {
        match section(normal, offset) {
            Section::Polygon(vertices) => vertices,
            other => panic!("not a polygon: {other:?}"),
        }
    }

    /// Every vertex on the plane and on the cube's surface, and consecutive vertices on a common face
    /// (the polygon goes around, not across).
    fn check_polygon(vertices: &[Vec3], normal: Vec3, offset: f64) {
        for p in vertices {
            assert!((dot(normal, *p) + offset).abs() < 1e-12, "{p:?} is off the plane");
            assert!(p.iter().all(|x| x.abs() <= 1.0) && p.iter().any(|x| x.abs() == 1.0), "{p:?}");
        }
        for (i, p) in vertices.iter().enumerate() {
            let q = vertices[(i + 1) % vertices.len()];
            assert!((0..3).any(|j| p[j].abs() == 1.0 && p[j] == q[j]), "{p:?} to {q:?} crosses the cube");
        }
    }

    #[test]
    fn an_axis_plane_cuts_a_square_of_area_4() {
        let square = polygon([1.0, 0.0, 0.0], 0.0);
        assert_eq!(square.len(), 4);
        check_polygon(&square, [1.0, 0.0, 0.0], 0.0);
        assert!((polygon_area(&square) - 4.0).abs() < 1e-12);
        for corner in [[0.0, -1.0, -1.0], [0.0, 1.0, -1.0], [0.0, 1.0, 1.0], [0.0, -1.0, 1.0]] {
            assert!(square.iter().any(|&p| close(p, corner)), "{corner:?}");
        }
        // A plane holding a face gives the face.
        let face = polygon([0.0, 0.0, 2.0], -2.0);
        assert_eq!(face.len(), 4);
        assert!(face.iter().all(|p| p[2] == 1.0));
        assert!((polygon_area(&face) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn the_diagonal_plane_through_the_centre_cuts_a_regular_hexagon() {
        let hexagon = polygon([1.0, 1.0, 1.0], 0.0);
        assert_eq!(hexagon.len(), 6);
        check_polygon(&hexagon, [1.0, 1.0, 1.0], 0.0);
        // Vertices are the edge middles (0, 1, -1) and its permutations, each sqrt(2) from the centre
        // and from its neighbours: a regular hexagon of side sqrt(2), area 3 sqrt(3).
        for (i, p) in hexagon.iter().enumerate() {
            assert!((dot(*p, *p).sqrt() - 2f64.sqrt()).abs() < 1e-12);
            let d = sub(*p, hexagon[(i + 1) % 6]);
            assert!((dot(d, d).sqrt() - 2f64.sqrt()).abs() < 1e-12);
        }
        assert!((polygon_area(&hexagon) - 3.0 * 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_plane_near_a_corner_cuts_it_off_with_a_triangle() {
        let triangle = polygon([1.0, 1.0, 1.0], -2.5);
        assert_eq!(triangle.len(), 3);
        check_polygon(&triangle, [1.0, 1.0, 1.0], -2.5);
        for vertex in [[0.5, 1.0, 1.0], [1.0, 0.5, 1.0], [1.0, 1.0, 0.5]] {
            assert!(triangle.iter().any(|&p| close(p, vertex)), "{vertex:?}");
        }
        // Equilateral, side sqrt(0.5): area sqrt(3)/4 * 0.5.
        assert!((polygon_area(&triangle) - 3f64.sqrt() / 8.0).abs() < 1e-12);
        // And the analysis's reading of it: only (+,+,+) is on the positive side.
        let analysis = Analysis::of(&[[0.9, 0.9, 0.9]], &[[1.0, 1.0, 1.0]], &[-2.5]);
        assert_eq!(analysis.planes[0].cuts_off, [Corner([1, 1, 1])]);
    }

    #[test]
    fn planes_that_miss_or_only_touch_the_cube_give_no_polygon() {
        assert_eq!(section([1.0, 1.0, 1.0], 3.5), Section::Empty);
        assert_eq!(section([0.0, 0.0, 1.0], -1.5), Section::Empty);
        assert_eq!(section([0.0, 0.0, 0.0], 0.0), Section::Empty);
        // x + y + z = 3 touches the corner (1, 1, 1) only.
        assert_eq!(section([1.0, 1.0, 1.0], -3.0), Section::Corner([1.0, 1.0, 1.0]));
        // x + y = 2 touches the edge x = y = 1.
        match section([1.0, 1.0, 0.0], -2.0) {
            Section::Edge([a, b]) => {
                let mut ends = [a, b];
                ends.sort_by(|a, b| a[2].total_cmp(&b[2]));
                assert_eq!(ends, [[1.0, 1.0, -1.0], [1.0, 1.0, 1.0]]);
            }
            other => panic!("{other:?}"),
        }
        assert!(section([1.0, 1.0, 0.0], -2.0).polygon().is_empty());
    }

    #[test]
    fn planes_through_corners_and_edges_count_each_vertex_once() {
        // x + y + z = 1 goes through the corners (1,1,-1), (1,-1,1) and (-1,1,1): a triangle of side
        // 2 sqrt(2), each corner found once though three edges meet there.
        let triangle = polygon([1.0, 1.0, 1.0], -1.0);
        assert_eq!(triangle.len(), 3, "{triangle:?}");
        check_polygon(&triangle, [1.0, 1.0, 1.0], -1.0);
        assert!((polygon_area(&triangle) - 3f64.sqrt() / 4.0 * 8.0).abs() < 1e-12);
        // x = y holds the edges x = y = 1 and x = y = -1: the diagonal rectangle, 2 sqrt(2) by 2.
        let rectangle = polygon([1.0, -1.0, 0.0], 0.0);
        assert_eq!(rectangle.len(), 4, "{rectangle:?}");
        check_polygon(&rectangle, [1.0, -1.0, 0.0], 0.0);
        assert!((polygon_area(&rectangle) - 4.0 * 2f64.sqrt()).abs() < 1e-12);
        // 2x + y + z = 0 goes through the corners (-1, 1, 1) and (1, -1, -1) and crosses two edges
        // strictly: a quadrilateral with two corners among its vertices.
        let through_two_corners = polygon([2.0, 1.0, 1.0], 0.0);
        assert_eq!(through_two_corners.len(), 4, "{through_two_corners:?}");
        check_polygon(&through_two_corners, [2.0, 1.0, 1.0], 0.0);
        // A general plane: between 3 and 6 vertices, all on the plane, in order.
        for (normal, offset) in [([0.3, -1.2, 0.7], 0.4), ([5.0, 0.1, -0.2], -4.0), ([1.0, 2.0, 3.0], 0.5)] {
            let vertices = polygon(normal, offset);
            assert!((3..=6).contains(&vertices.len()));
            check_polygon(&vertices, normal, offset);
        }
    }

    #[test]
    fn corners_and_places() {
        assert_eq!(Corner::all()[0], Corner([-1, -1, -1]));
        assert_eq!(Corner::all()[5], Corner([1, -1, 1]));
        assert!(Corner::all().iter().enumerate().all(|(i, c)| c.index() == i));
        assert_eq!(edges().len(), 12);
        assert_eq!(Corner::nearest([0.2, -0.9, 0.0]).to_string(), "(+,-,+)");
        assert_eq!(Place::nearest([0.98, -0.97, 0.99]), Place([1, -1, 1]));
        assert_eq!(
            Place::nearest([0.99, 0.019, 0.96]).describe(),
            "the middle of the edge between (+,-,+) and (+,+,+)"
        );
        assert_eq!(Place::nearest([0.09, -0.99, 0.0]).describe(), "the centre of the face h2 = -1");
        assert_eq!(Place::nearest([0.09, -0.49, 0.0]).describe(), "the centre of the cube");
        assert_eq!(Place([0, -1, 0]).corners().len(), 4);
        assert_eq!(Place([0, 0, 0]).corners().len(), 8);
    }

    /// The ideal 8-3-8: input k at corner k (a little inside), output k's plane cutting off corner k.
    fn ideal() -> (Vec<[f32; 3]>, Vec<[f32; 3]>, Vec<f32>) {
        let corners = Corner::all();
        let points = corners.iter().map(|c| c.0.map(|v| 0.95 * f32::from(v))).collect();
        let weights = corners.iter().map(|c| c.0.map(|v| 4.0 * f32::from(v))).collect();
        (points, weights, vec![-10.0; 8])
    }

    #[test]
    fn the_ideal_encoder_is_the_cuboctahedron() {
        let (points, weights, biases) = ideal();
        let analysis = Analysis::of(&points, &weights, &biases);
        assert_eq!(analysis.verdict, Verdict::Cuboctahedron);
        assert_eq!(analysis.at_corners().len(), 8);
        assert!(analysis.distinct_octants() && analysis.wrong_outputs().is_empty());
        assert!((analysis.inputs[0].distance - 0.05 * 3f64.sqrt()).abs() < 1e-6);
        assert!(analysis
            .verdict_text()
            .contains("the points form a cube and the planes cut off one corner each"));
        let text = analysis.to_string();
        assert!(text.contains("output  3: cuts off (-,+,-), input 3's corner"), "{text}");
        // In another order the inputs are still at their own corners.
        let mut shuffled = (points.clone(), weights.clone());
        shuffled.0.swap(2, 6);
        shuffled.1.swap(2, 6);
        assert_eq!(Analysis::of(&shuffled.0, &shuffled.1, &biases).verdict, Verdict::Cuboctahedron);
        // Output 3's plane paired with input 7's point: each input still at a corner, but planes off.
        let mut crossed = weights.clone();
        crossed.swap(2, 6);
        let analysis = Analysis::of(&points, &crossed, &biases);
        assert_eq!(analysis.verdict, Verdict::CubeOtherPlanes);
        assert_eq!(analysis.wrong_outputs(), [2, 6]);
        assert!(
            analysis.verdict_text().contains("cut off another input's corner"),
            "{}",
            analysis.verdict_text()
        );
        // A plane that cuts off an edge (two corners) is no longer the page's answer.
        let mut wide = biases.clone();
        wide[0] = -3.0;
        let analysis = Analysis::of(&points, &weights, &wide);
        assert_eq!(analysis.verdict, Verdict::CubeOtherPlanes);
        assert_eq!(analysis.planes[0].cuts_off.len(), 4);
        // One that cuts off nothing.
        let mut none = biases.clone();
        none[1] = -20.0;
        let analysis = Analysis::of(&points, &weights, &none);
        assert!(analysis.verdict_text().contains("the planes of outputs 2 cut off no corner"), "{analysis}");
    }

    #[test]
    fn an_input_between_two_corners_is_named_with_its_edge() {
        let (mut points, weights, mut biases) = ideal();
        // Input 6, at (+,-,+), moves to the middle of the edge towards (+,+,+); input 8 stays at
        // (+,+,+), so the octants are shared and (+,-,+)'s is empty.
        points[5] = [0.99, 0.019, 0.96];
        biases[5] = -10.0;
        let analysis = Analysis::of(&points, &weights, &biases);
        assert_eq!(analysis.verdict, Verdict::SharedOctant);
        assert_eq!(analysis.shared_octants(), [(Corner([1, 1, 1]), vec![5, 7])]);
        let text = analysis.verdict_text();
        assert!(text.contains("inputs 6 and 8 share the octant of (+,+,+)"), "{text}");
        assert!(text.contains("no input is in the octant of (+,-,+)"), "{text}");
        assert!(
            text.contains(
                "input 6 sits nearer the middle of the edge between (+,-,+) and (+,+,+) than either corner (h2 = 0.019)"
            ),
            "{text}"
        );
        // Slightly on the other side of 0, it is in its own octant: distinct octants, not all corners.
        points[5] = [0.99, -0.019, 0.96];
        let analysis = Analysis::of(&points, &weights, &biases);
        assert_eq!(analysis.verdict, Verdict::NotAllCorners);
        assert!(analysis.verdict_text().contains("in 8 distinct octants, but only 7 of them sit at corners"));
        // Near a face's centre.
        points[5] = [0.09, -0.99, 0.0];
        let analysis = Analysis::of(&points, &weights, &biases);
        assert!(
            analysis.verdict_text().contains(
                "input 6 sits nearer the centre of the face h2 = -1 than any corner (h1 = 0.090, h3 = 0.000)"
            ),
            "{}",
            analysis.verdict_text()
        );
    }

    #[test]
    fn four_corners_of_a_face_and_four_edge_middles_of_the_other_are_an_antiprism() {
        // The top face's corners and the bottom face's edge middles, as seed 0 trains them; each
        // plane cuts off the corners around its input.
        let points: Vec<[f32; 3]> = vec![
            [0.02, -1.0, -0.94],
            [-0.02, 1.0, -0.94],
            [1.0, 0.03, -0.96],
            [-0.99, 0.95, 1.0],
            [-0.95, -0.99, 1.0],
            [-1.0, -0.03, -0.95],
            [0.99, -0.95, 1.0],
            [0.97, 0.99, 0.99],
        ];
        let weights: Vec<[f32; 3]> = points.iter().map(|p| p.map(|v| 4.0 * v.round())).collect();
        let biases: Vec<f32> =
            points.iter().map(|p| if p.iter().any(|v| v.abs() < 0.5) { -6.0 } else { -10.0 }).collect();
        let analysis = Analysis::of(&points, &weights, &biases);
        assert_eq!(analysis.verdict, Verdict::SquareAntiprism);
        let antiprism = Antiprism { face: (2, 1), at_corners: vec![3, 4, 6, 7], at_edges: vec![0, 1, 2, 5] };
        assert_eq!(analysis.antiprism(), Some(antiprism));
        assert!(analysis.distinct_octants());
        let text = analysis.verdict_text();
        assert!(text.contains("inputs 4, 5, 7 and 8 sit at the 4 corners of the face h3 = +1"), "{text}");
        assert!(text.contains("each plane cuts off exactly the corners around its own input"), "{text}");
        assert!(text.contains("the planes of outputs 1 ((-,-,-) and (+,-,-))"), "{text}");
        let report = analysis.to_string();
        assert!(
            report.contains("output  1: cuts off (-,-,-) and (+,-,-), the corners around input 1 (the middle of the edge between (-,-,-) and (+,-,-))"),
            "{report}"
        );
    }

    #[test]
    fn layers_give_the_points_as_tanh_of_weight_plus_bias() {
        let (points, weights, biases) = ideal();
        // in_hid with zero bias and weights atanh(point): the same points back.
        let in_weight: Vec<Vec<f32>> =
            (0..3).map(|j| points.iter().map(|p| p[j].atanh()).collect()).collect();
        let out_weight: Vec<Vec<f32>> = weights.iter().map(|w| w.to_vec()).collect();
        let analysis = Analysis::of_layers(&in_weight, &[0.0; 3], &out_weight, &biases).unwrap();
        assert_eq!(analysis.verdict, Verdict::Cuboctahedron);
        assert!((analysis.inputs[7].point[0] - 0.95).abs() < 1e-6);
        assert!(Analysis::of_layers(&in_weight[..2], &[0.0; 2], &out_weight, &biases).is_none());
    }

    #[test]
    fn other_shapes_get_no_verdict_on_the_cube() {
        let analysis = Analysis::of(&[[0.9, 0.9, 0.9]; 6], &[[1.0, 1.0, 1.0]; 6], &[0.0; 6]);
        assert_eq!(analysis.verdict, Verdict::NotEightThreeEight);
        let (points, weights, biases) = ideal();
        let analysis = Analysis::with_target(&points, &weights, &biases, false);
        assert_eq!(analysis.verdict, Verdict::NotEightThreeEight);
        assert!(analysis.wrong_outputs().is_empty());
        assert!(analysis.verdict_text().contains("not the identity"));
        assert_eq!(Verdict::SquareAntiprism.name(), "square-antiprism");
    }
}
