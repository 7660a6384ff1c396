//! `hud symmetry`: the seed page's "Weight Space Symmetry" claims, checked numerically on a trained
//! encoder (one that `hud encoder --trace` wrote, or, by default, the seed's 9-2-9 with seed 0, trained
//! here as `hud encoder` trains it).
//!
//! 1. Swapping two hidden units (their incoming weights and biases, and their outgoing weights) leaves
//!    every output unchanged.
//! 2. Reversing the signs of a tanh unit's incoming weights, bias and outgoing weights leaves the
//!    function unchanged (tanh is odd); for a sigmoid unit the output biases must be adjusted as well
//!    (sigmoid(-x) = 1 - sigmoid(x), so each output bias gains the unit's outgoing weight).
//! 3. Hidden units that start with identical weights never separate (they receive identical gradients),
//!    while a tiny difference grows as they specialise.
//!
//! Each output comparison is over every output for every input item, in float32 as the network runs,
//! and again in float64 from the same weights: a difference that vanishes in float64 is float32's
//! rounding, one that does not is a different function.
//!
//! The result it should give (9-2-9, seed 0, trained to epoch 15673): reversing either unit's signs
//! changes no output at all, bit for bit; swapping the two units changes the outputs by float32
//! rounding only (at most 1.8e-7: the output sums add the two units' contributions in the other order
//! and differ by 2 ulps), float64 evaluations agreeing exactly; with sigmoid hidden units, reversing a
//! unit's signs changes outputs by up to 0.99 until the output biases are adjusted, after which they
//! differ by rounding only. Two units that start tied are still identical, bit for bit, after 100000
//! epochs, the loss stuck at 0.217 (a 9-1-9 network gets 0.222), while a nudge of 1e-6 grows to a
//! difference of about 8 by epoch 1000 and the run reaches loss 0.02 at epoch 15639.

use crate::data::files;
use crate::data::targets::Target;
use crate::draw::figure::{self, entry, failed, Sample};
use crate::draw::{self, Drawing, COLOUR_CYCLE};
use crate::engine::model::{seeded, EncModel, Linear};
use crate::engine::train::{train_full_batch, Schedule};
use crate::labs::encoder::{self, Config};
use crate::studies::trained::{self, Trained};
use anyhow::{ensure, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::PathBuf;
use tch::nn::Module;
use tch::{nn, Device, Kind, Tensor};

/// Check the seed page's weight-space symmetry claims on a trained network, numerically.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub network: trained::Args,
    /// Claim 3: how much to add to one weight of the second tied unit (its weight from input 1) to
    /// break the tie
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub noise: f64,
    /// The picture of claim 3: both runs' loss, and how far apart the two units' weights are, against
    /// the epoch (.png or .svg)
    #[arg(long, default_value = "symmetry.png")]
    pub out: PathBuf,
}

/// The picture's size in pixels.
pub const SIZE: (u32, u32) = (1000, 800);

/// The hidden units' activation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// The encoder's own.
    Tanh,
    /// The same weights evaluated with sigmoid hidden units instead.
    Sigmoid,
}

/// A network's weights as float64 numbers: float32 values exactly, or exact transformations of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    /// `in_hid.weight`, `[K][N]`.
    pub w1: Vec<Vec<f64>>,
    /// `in_hid.bias`, `[K]`.
    pub b1: Vec<f64>,
    /// `hid_out.weight`, `[M][K]`.
    pub w2: Vec<Vec<f64>>,
    /// `hid_out.bias`, `[M]`.
    pub b2: Vec<f64>,
}

fn matrix(t: &Tensor) -> Result<Vec<Vec<f64>>> {
    Ok(Vec::<Vec<f32>>::try_from(t.detach().to_device(Device::Cpu))?
        .into_iter()
        .map(|row| row.into_iter().map(f64::from).collect())
        .collect())
}

fn vector(t: &Tensor) -> Result<Vec<f64>> {
    Ok(Vec::<f32>::try_from(t.detach().to_device(Device::Cpu))?.into_iter().map(f64::from).collect())
}

fn tensor(rows: &[Vec<f64>]) -> Tensor {
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_slice(&flat).view([rows.len() as i64, rows.first().map_or(0, Vec::len) as i64])
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Weights {
    pub fn of(net: &EncModel) -> Result<Self> {
        Ok(Weights {
            w1: matrix(&net.in_hid.weight)?,
            b1: vector(&net.in_hid.bias)?,
            w2: matrix(&net.hid_out.weight)?,
            b2: vector(&net.hid_out.bias)?,
        })
    }

    /// Number of hidden units, K.
    pub fn hid(&self) -> usize {
        self.b1.len()
    }

    /// Hidden units `i` and `j` swapped: their incoming rows and biases, and their outgoing columns.
    pub fn swapped(&self, i: usize, j: usize) -> Self {
        let mut w = self.clone();
        w.w1.swap(i, j);
        w.b1.swap(i, j);
        w.w2.iter_mut().for_each(|row| row.swap(i, j));
        w
    }

    /// Hidden unit `k`'s incoming weights, bias and outgoing weights negated.
    pub fn flipped(&self, k: usize) -> Self {
        let mut w = self.clone();
        w.w1[k].iter_mut().for_each(|v| *v = -*v);
        w.b1[k] = -w.b1[k];
        w.w2.iter_mut().for_each(|row| row[k] = -row[k]);
        w
    }

    /// Each output bias plus `add[m]`, the sum rounded to float32 when `float32` (as a float32
    /// network's bias would hold it) or kept exact.
    pub fn output_biases_plus(&self, add: &[f64], float32: bool) -> Self {
        let mut w = self.clone();
        for (b, &a) in w.b2.iter_mut().zip(add) {
            *b = if float32 { f64::from(*b as f32 + a as f32) } else { *b + a };
        }
        w
    }

    /// Hidden unit `k`'s outgoing weights, one per output.
    pub fn outgoing(&self, k: usize) -> Vec<f64> {
        self.w2.iter().map(|row| row[k]).collect()
    }

    /// The float32 network with these weights (each must be a float32 value).
    pub fn model(&self) -> EncModel {
        let linear =
            |w: &[Vec<f64>], b: &[f64]| Linear { weight: tensor(w), bias: tensor(&[b.to_vec()]).view([-1]) };
        EncModel { in_hid: linear(&self.w1, &self.b1), hid_out: linear(&self.w2, &self.b2) }
    }

    /// The outputs for the one-hot input items, `[N][M]`, computed in float64.
    pub fn outputs64(&self, hidden: Hidden) -> Vec<Vec<f64>> {
        let items = self.w1.first().map_or(0, Vec::len);
        (0..items)
            .map(|n| {
                let h: Vec<f64> = (0..self.hid())
                    .map(|k| {
                        let sum = self.w1[k][n] + self.b1[k];
                        match hidden {
                            Hidden::Tanh => sum.tanh(),
                            Hidden::Sigmoid => sigmoid(sum),
                        }
                    })
                    .collect();
                self.w2
                    .iter()
                    .zip(&self.b2)
                    .map(|(row, b)| sigmoid(row.iter().zip(&h).map(|(w, h)| w * h).sum::<f64>() + b))
                    .collect()
            })
            .collect()
    }
}

/// The float32 network's hidden activations `[N, K]` for the one-hot input items, computed by
/// libtorch as the encoder computes them.
pub fn hidden32(net: &EncModel, hidden: Hidden) -> Tensor {
    let input = Tensor::eye(net.in_hid.weight.size()[1], (Kind::Float, Device::Cpu));
    let sums = tch::no_grad(|| net.in_hid.forward(&input));
    match hidden {
        Hidden::Tanh => sums.tanh(),
        Hidden::Sigmoid => sums.sigmoid(),
    }
}

/// The float32 network's outputs `[N, M]` for the one-hot input items (with `Hidden::Tanh`, exactly
/// the encoder's forward pass).
pub fn outputs32(net: &EncModel, hidden: Hidden) -> Tensor {
    tch::no_grad(|| net.hid_out.forward(&hidden32(net, hidden)).sigmoid())
}

/// How far apart two floats are in units in the last place of float32 (0 for +0 and -0).
pub fn ulps(a: f32, b: f32) -> u64 {
    let key = |x: f32| {
        let magnitude = i64::from(x.to_bits() & 0x7fff_ffff);
        if x.is_sign_negative() {
            -magnitude
        } else {
            magnitude
        }
    };
    key(a).abs_diff(key(b))
}

/// Two networks' outputs compared over every output of every input item.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// The largest |difference| of the float32 outputs.
    pub largest: f32,
    /// The largest difference of the float32 outputs in units in the last place.
    pub ulps: u64,
    /// The largest |difference| of the float32 output sums (before the sigmoid), in units in the last
    /// place of the sum's largest term (the output bias or a hidden unit's contribution): the size of
    /// one float32 rounding in that sum.
    pub sum_ulps: f64,
    /// The largest |difference| of the same outputs computed in float64 from the weights (with a
    /// transformation's arithmetic exact).
    pub exact: f64,
}

/// One unit in the last place of a float32 of magnitude `x`.
pub fn ulp_of(x: f64) -> f64 {
    let x = (x.abs() as f32).max(f32::MIN_POSITIVE);
    f64::from(x.next_up() - x)
}

/// The float32 output sums `[N][M]` and the magnitude of each sum's largest term.
fn sums32(weights: &Weights, hidden: Hidden) -> Result<(Vec<f32>, Vec<f64>)> {
    let net = weights.model();
    let h = hidden32(&net, hidden);
    let sums = Vec::<f32>::try_from(tch::no_grad(|| net.hid_out.forward(&h)).view([-1]))?;
    let h = Vec::<Vec<f32>>::try_from(h)?;
    let largest = h
        .iter()
        .flat_map(|h| {
            weights.w2.iter().zip(&weights.b2).map(move |(row, b)| {
                row.iter().zip(h).map(|(w, &h)| (w * f64::from(h)).abs()).fold(b.abs(), f64::max)
            })
        })
        .collect();
    Ok((sums, largest))
}

/// Float64 outputs closer than this are the same function: float64 rounding is about 1e-16 here, and
/// float32's about 6e-8.
pub const SAME_IN_FLOAT64: f64 = 1e-12;

impl Difference {
    /// `a32` and `b32` evaluated in float32 (their weights must be float32 values), `a64` and `b64`
    /// the same networks with exact arithmetic in their weights, in float64.
    pub fn between(
        a32: &Weights,
        b32: &Weights,
        a64: &Weights,
        b64: &Weights,
        hidden: Hidden,
    ) -> Result<Self> {
        let a = Vec::<f32>::try_from(outputs32(&a32.model(), hidden).view([-1]))?;
        let b = Vec::<f32>::try_from(outputs32(&b32.model(), hidden).view([-1]))?;
        let largest = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        let ulps = a.iter().zip(&b).map(|(&x, &y)| ulps(x, y)).max().unwrap_or(0);
        let ((sa, scale_a), (sb, scale_b)) = (sums32(a32, hidden)?, sums32(b32, hidden)?);
        let sum_ulps = (0..sa.len())
            .map(|i| f64::from((sa[i] - sb[i]).abs()) / ulp_of(scale_a[i].max(scale_b[i])))
            .fold(0.0, f64::max);
        let (a, b) = (a64.outputs64(hidden), b64.outputs64(hidden));
        let exact =
            a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        Ok(Difference { largest, ulps, sum_ulps, exact })
    }

    pub fn bit_for_bit(&self) -> bool {
        self.largest == 0.0 && self.ulps == 0
    }

    /// The same function, up to float32's rounding.
    pub fn same_function(&self) -> bool {
        self.exact <= SAME_IN_FLOAT64
    }

    /// `0 (bit for bit)`, `5.9604645e-8 = 1 ulp (output sums: 0.5 ulp of their largest term): rounding
    /// (float64: 2.2e-16)`, or `0.73: a different function (float64: 0.730)` (the shortest decimals that read back as
    /// the float32 difference).
    pub fn verdict(&self) -> String {
        let plural = if self.ulps == 1 { "" } else { "s" };
        if self.bit_for_bit() {
            "0 (bit for bit)".into()
        } else if self.same_function() {
            let sums = if self.sum_ulps.fract() == 0.0 {
                format!("{}", self.sum_ulps)
            } else {
                format!("{:.2}", self.sum_ulps)
            };
            let exact = if self.exact == 0.0 { "0".to_string() } else { format!("{:.1e}", self.exact) };
            let sums_plural = if self.sum_ulps == 1.0 { "" } else { "s" };
            format!(
                "{:e} = {} ulp{plural} (output sums: {sums} ulp{sums_plural} of their largest term): rounding \
                 (float64: {exact})",
                self.largest, self.ulps
            )
        } else {
            format!("{}: a different function (float64: {:.3})", self.largest, self.exact)
        }
    }
}

/// The pairs of hidden units to swap: all of them for up to 10 units, a few otherwise.
pub fn pairs(hid: usize) -> Vec<(usize, usize)> {
    if hid <= 10 {
        return (0..hid).flat_map(|i| (i + 1..hid).map(move |j| (i, j))).collect();
    }
    let mut pairs = vec![(0, 1), (0, hid - 1), (1, hid - 2), (hid / 2 - 1, hid / 2), (hid - 2, hid - 1)];
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The hidden units to flip: all of them for up to 10 units, a few otherwise.
pub fn units(hid: usize) -> Vec<usize> {
    if hid <= 10 {
        (0..hid).collect()
    } else {
        vec![0, 1, hid / 2, hid - 1]
    }
}

/// Claims 1 and 2 on `weights`, as printed lines.
pub fn static_claims(weights: &Weights) -> Result<String> {
    let mut text = String::new();
    let hid = weights.hid();
    let tanh = Hidden::Tanh;
    let original = Vec::<f32>::try_from(hidden32(&weights.model(), tanh).view([-1]))?;

    writeln!(
        text,
        "1. Swapping two hidden units (incoming weights and bias, outgoing weights) leaves every output unchanged"
    )?;
    let mut reordered = Vec::new();
    for (i, j) in pairs(hid) {
        let swapped = weights.swapped(i, j);
        let d = Difference::between(weights, &swapped, weights, &swapped, tanh)?;
        writeln!(text, "   swap units {} and {}: largest output difference {}", i + 1, j + 1, d.verdict())?;
        if !d.bit_for_bit() {
            let theirs = Vec::<f32>::try_from(hidden32(&swapped.model(), tanh).view([-1]))?;
            let same_numbers = (0..original.len()).all(|p| {
                let (n, k) = (p / hid, p % hid);
                let from = if k == i {
                    j
                } else if k == j {
                    i
                } else {
                    k
                };
                theirs[p].to_bits() == original[n * hid + from].to_bits()
            });
            reordered.push(same_numbers);
        }
    }
    if reordered.is_empty() {
        writeln!(text, "   every swap gives the same float32 outputs, bit for bit")?;
    } else if reordered.iter().all(|&same| same) {
        writeln!(
            text,
            "   not bit for bit: the hidden activations are the same float32 numbers, swapped, but each output's\n   \
             sum adds the hidden units' contributions in another order, and float32 addition rounds differently\n   \
             in another order"
        )?;
    } else {
        writeln!(
            text,
            "   not bit for bit: libtorch's tanh gave some hidden activations different float32 values in their\n   \
             new places (its vector loop and scalar tail round differently), and each output's sum adds the\n   \
             hidden units' contributions in another order"
        )?;
    }

    writeln!(
        text,
        "2. Reversing the signs of a tanh unit's incoming weights, bias and outgoing weights leaves the function\n   \
         unchanged (tanh(-x) = -tanh(x))"
    )?;
    for k in units(hid) {
        let flipped = weights.flipped(k);
        let d = Difference::between(weights, &flipped, weights, &flipped, tanh)?;
        writeln!(text, "   flip unit {}: largest output difference {}", k + 1, d.verdict())?;
    }
    writeln!(
        text,
        "   with sigmoid hidden units (the same weights), the output biases must be adjusted: sigmoid(-x) =\n   \
         1 - sigmoid(x), so each output bias gains the unit's outgoing weight"
    )?;
    for k in units(hid) {
        let flipped = weights.flipped(k);
        let outgoing = weights.outgoing(k);
        let unadjusted = Difference::between(weights, &flipped, weights, &flipped, Hidden::Sigmoid)?;
        let adjusted = Difference::between(
            weights,
            &flipped.output_biases_plus(&outgoing, true),
            weights,
            &flipped.output_biases_plus(&outgoing, false),
            Hidden::Sigmoid,
        )?;
        writeln!(
            text,
            "   flip sigmoid unit {}, biases as they were: largest output difference {}",
            k + 1,
            unadjusted.verdict()
        )?;
        writeln!(
            text,
            "   flip sigmoid unit {}, biases adjusted:     largest output difference {}",
            k + 1,
            adjusted.verdict()
        )?;
    }
    Ok(text)
}

/// A run of claim 3: two hidden units that start tied (or tied, then nudged apart).
#[derive(Clone, Debug)]
pub struct TieRun {
    /// The loss of every epoch.
    pub losses: Vec<f32>,
    /// The largest |difference| between units 1 and 2 (incoming weights, bias, outgoing weights), at
    /// the start (index 0) and after every epoch.
    pub largest: Vec<f64>,
    /// The Euclidean distance between the two units' weight vectors, likewise.
    pub distance: Vec<f64>,
    /// The first epoch (0: the start) after which the two units' weights were not identical bit for
    /// bit, if any.
    pub first_split: Option<u64>,
}

/// Units 1 and 2 compared: the largest |difference|, the distance, and whether identical bit for bit.
fn compare_units(w1: &[f32], b1: &[f32], w2: &[f32], hid: usize) -> (f64, f64, bool) {
    let items = w1.len() / hid;
    let first = w1[..items].iter().chain(&b1[..1]).chain(w2.iter().step_by(hid));
    let second = w1[items..2 * items].iter().chain(&b1[1..2]).chain(w2.iter().skip(1).step_by(hid));
    let (mut largest, mut squares, mut identical) = (0f64, 0f64, true);
    for (a, b) in first.zip(second) {
        let d = (f64::from(*a) - f64::from(*b)).abs();
        largest = largest.max(d);
        squares += d * d;
        identical &= a.to_bits() == b.to_bits();
    }
    (largest, squares.sqrt(), identical)
}

/// Claim 3: builds the network `hud encoder` would (the seed's draws), makes hidden unit 2 a copy of
/// unit 1 (incoming weights, bias and outgoing weights), adds `nudge` to unit 2's weight from input 1
/// when given, and trains it as `hud encoder` does (on the CPU), comparing the two units after every
/// epoch.
pub fn tie_run(config: &Config, target: &Target, nudge: Option<f64>) -> Result<TieRun> {
    ensure!(config.hid >= 2, "tying hidden units needs at least 2, this network has {}", config.hid);
    let vs = nn::VarStore::new(Device::Cpu);
    let (items, outputs, hid) = (target.num_items() as i64, target.num_outputs() as i64, config.hid as usize);
    let net = seeded(config.seed, || {
        let mut net = EncModel::new(&vs.root(), items, config.hid, outputs);
        net.init_weights(config.init);
        net
    });
    tch::no_grad(|| {
        let w1 = &net.in_hid.weight;
        w1.get(1).copy_(&w1.get(0));
        net.in_hid.bias.get(1).copy_(&net.in_hid.bias.get(0));
        let w2 = &net.hid_out.weight;
        w2.select(1, 1).copy_(&w2.select(1, 0));
        if let Some(nudge) = nudge {
            let _ = w1.get(1).get(0).g_add_scalar_(nudge);
        }
    });
    let (mut w1, mut b1, mut w2) =
        (vec![0f32; hid * items as usize], vec![0f32; hid], vec![0f32; outputs as usize * hid]);
    let mut run = TieRun { losses: Vec::new(), largest: Vec::new(), distance: Vec::new(), first_split: None };
    let mut look = |epoch: u64, run: &mut TieRun| {
        let sizes = (w1.len(), b1.len(), w2.len());
        net.in_hid.weight.copy_data(&mut w1, sizes.0);
        net.in_hid.bias.copy_data(&mut b1, sizes.1);
        net.hid_out.weight.copy_data(&mut w2, sizes.2);
        let (largest, distance, identical) = compare_units(&w1, &b1, &w2, hid);
        run.largest.push(largest);
        run.distance.push(distance);
        if !identical && run.first_split.is_none() {
            run.first_split = Some(epoch);
        }
    };
    look(0, &mut run);
    let schedule = Schedule { epochs: config.epochs, stop: config.stop, lr: config.lr, mom: config.mom };
    let input = target.inputs();
    let target = target.tensor();
    run.losses = train_full_batch(&net, &input, &target, &schedule, |epoch, _| {
        look(epoch, &mut run);
        Ok(())
    })?;
    Ok(run)
}

/// Claim 3's three runs: tied, nudged, and a network with one hidden unit fewer, for comparison.
pub struct Claim3 {
    pub tied: TieRun,
    pub nudged: TieRun,
    pub nudge: f64,
    /// The loss of every epoch of the same config with one hidden unit fewer (what the tied network
    /// amounts to).
    pub one_unit: Vec<f32>,
    pub stop: f64,
    pub shape: String,
}

/// The epochs at which the nudged run's difference is printed: 0, 1, 10, 100, ... and the last.
fn report_epochs(last: u64) -> Vec<u64> {
    let mut epochs: Vec<u64> =
        std::iter::once(0).chain((0..).map(|e| 10u64.pow(e)).take_while(|&e| e < last)).collect();
    epochs.push(last);
    epochs.dedup();
    epochs
}

impl Claim3 {
    pub fn text(&self) -> Result<String> {
        let mut text = String::new();
        let ending = |losses: &[f32]| {
            let last = losses.last().copied().unwrap_or(f32::NAN);
            if last <= self.stop as f32 {
                format!("reached loss {last:.4} (--stop {}) at epoch {}", self.stop, losses.len())
            } else {
                format!("loss {last:.4} after {} epochs (--stop {} not reached)", losses.len(), self.stop)
            }
        };
        writeln!(
            text,
            "3. Hidden units that start with identical weights never separate; a tiny difference grows"
        )?;
        writeln!(text, "   tied: unit 2 starts as a copy of unit 1 (incoming weights, bias, outgoing weights), then trains as hud encoder does")?;
        match self.tied.first_split {
            None => writeln!(
                text,
                "     units 1 and 2 were identical, bit for bit, after every one of {} epochs (largest difference at the end: {})",
                self.tied.losses.len(),
                self.tied.largest.last().copied().unwrap_or(0.0)
            )?,
            Some(epoch) => writeln!(
                text,
                "     units 1 and 2 first differed after epoch {epoch} (largest difference at the end: {:e})",
                self.tied.largest.last().copied().unwrap_or(0.0)
            )?,
        }
        writeln!(text, "     {}", ending(&self.tied.losses))?;
        writeln!(
            text,
            "     for comparison, {} with one hidden unit fewer, same settings: {}",
            self.shape,
            ending(&self.one_unit)
        )?;
        writeln!(
            text,
            "   nudged: the same, then {} added to unit 2's weight from input 1",
            figure::number(self.nudge)
        )?;
        for epoch in report_epochs(self.nudged.losses.len() as u64) {
            let e = epoch as usize;
            let loss = if e == 0 { "       ".into() } else { format!("{:7.4}", self.nudged.losses[e - 1]) };
            writeln!(
                text,
                "     epoch {epoch:>6}: loss {loss}  units 1 and 2 differ by at most {:.3e} (distance {:.3e})",
                self.nudged.largest[e], self.nudged.distance[e]
            )?;
        }
        writeln!(text, "     {}", ending(&self.nudged.losses))?;
        Ok(text)
    }
}

/// The picture of claim 3: the loss of the tied, nudged and one-unit runs against the epoch (top), and
/// the largest difference between the two units (bottom), both on a logarithmic epoch axis.
pub struct Picture<'a> {
    pub claim: &'a Claim3,
    pub title: String,
}

pub const TIED: RGBColor = COLOUR_CYCLE[0];
pub const NUDGED: RGBColor = COLOUR_CYCLE[1];
pub const ONE_UNIT: RGBColor = COLOUR_CYCLE[2];

impl Drawing for Picture<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (top, bottom) = figure::titled(root, &self.title)?.split_vertically(50.percent());
        self.draw_losses(&top)?;
        self.draw_differences(&bottom)
    }
}

impl Picture<'_> {
    /// The epochs' axis: every run's, log.
    fn epochs(&self) -> (std::ops::Range<f64>, usize) {
        let c = self.claim;
        let last = [c.tied.losses.len(), c.nudged.losses.len(), c.one_unit.len()]
            .into_iter()
            .max()
            .unwrap_or(1)
            .max(2);
        (0.9..last as f64 * 1.05, last)
    }

    /// Top: the three runs' losses, and --stop.
    fn draw_losses<DB: DrawingBackend>(&self, top: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let c = self.claim;
        let (epochs, last) = self.epochs();
        let top_loss = [&c.tied.losses, &c.nudged.losses, &c.one_unit]
            .iter()
            .flat_map(|l| l.iter().copied())
            .fold(0.0f32, f32::max)
            .max(0.1) as f64
            * 1.08;
        let stop = c.stop;
        let curves = [
            (&c.tied.losses, TIED, 5, "units 1 and 2 tied".to_string()),
            (&c.one_unit, ONE_UNIT, 2, format!("one hidden unit fewer ({})", c.shape)),
            (&c.nudged.losses, NUDGED, 2, format!("tied, then nudged by {}", figure::number(c.nudge))),
        ];
        let mut entries =
            vec![entry(Sample::Dashed(BLACK.mix(0.5).stroke_width(1)), format!("--stop {stop}"))];
        entries.extend(
            curves
                .iter()
                .map(|(_, colour, _, label)| entry(Sample::Line(colour.stroke_width(3)), label.clone())),
        );
        let top = figure::caption_and_key(top, "Loss", &entries, 14.0)?;
        let mut chart = ChartBuilder::on(&top)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(epochs.clone().log_scale(), 0.0..top_loss)
            .map_err(failed)?;
        figure::mesh(
            &mut chart,
            ("epoch", "loss"),
            (&|x| figure::power_of_ten_label(*x), &|y| format!("{y:.1}")),
            14.0,
        )?;
        let line = |losses: &[f32]| -> Vec<(f64, f64)> {
            losses.iter().enumerate().map(|(e, &l)| ((e + 1) as f64, f64::from(l))).collect()
        };
        chart
            .draw_series(DashedLineSeries::new(
                [(1.0, stop), (last as f64 * 1.05, stop)],
                6,
                4,
                BLACK.mix(0.5).stroke_width(1),
            ))
            .map_err(failed)?;
        for (losses, colour, width, _) in curves {
            chart.draw_series(LineSeries::new(line(losses), colour.stroke_width(width))).map_err(failed)?;
        }

        Ok(())
    }

    /// Bottom: how far apart the two units are, tied and nudged.
    fn draw_differences<DB: DrawingBackend>(&self, bottom: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let c = self.claim;
        let (epochs, _) = self.epochs();
        let positive = c.nudged.largest.iter().chain(&c.tied.largest).copied().filter(|&d| d > 0.0);
        let (low, high) = positive.fold((f64::INFINITY, 0f64), |(lo, hi), d| (lo.min(d), hi.max(d)));
        let (low, high) = if high > 0.0 { (low / 10.0, high * 3.0) } else { (1e-8, 1.0) };
        // Zero has no place on a logarithmic axis: the tied run's zeros are drawn just above the bottom.
        let zero = low * 1.25;
        let tied_label = match c.tied.first_split {
            None => "tied: exactly 0 at every epoch (drawn at the bottom edge)".to_string(),
            Some(epoch) => format!("tied: first differ after epoch {epoch}"),
        };
        let entries = [
            entry(Sample::Line(TIED.stroke_width(3)), tied_label),
            entry(
                Sample::Line(NUDGED.stroke_width(3)),
                format!("nudged by {}: the units specialise", figure::number(c.nudge)),
            ),
        ];
        let bottom = figure::caption_and_key(
            bottom,
            "Largest difference between units 1 and 2 (incoming weights, bias, outgoing weights)",
            &entries,
            14.0,
        )?;
        let mut chart = ChartBuilder::on(&bottom)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(epochs.log_scale(), (low..high).log_scale())
            .map_err(failed)?;
        figure::mesh(
            &mut chart,
            ("epoch", "|difference|"),
            (&|x| figure::power_of_ten_label(*x), &|y| figure::power_of_ten_label(*y)),
            14.0,
        )?;
        let differences = |run: &TieRun| -> Vec<(f64, f64)> {
            run.largest
                .iter()
                .enumerate()
                .skip(1)
                .map(|(e, &d)| (e as f64, if d > 0.0 { d } else { zero }))
                .collect()
        };
        chart.draw_series(LineSeries::new(differences(&c.tied), TIED.stroke_width(3))).map_err(failed)?;
        chart.draw_series(LineSeries::new(differences(&c.nudged), NUDGED.stroke_width(2))).map_err(failed)?;
        Ok(())
    }
}

/// `hud symmetry`.
pub fn run(args: Args) -> Result<()> {
    let source = args.network.source()?;
    let config = source.config().clone();
    let target = source.target().clone();
    ensure!(
        config.hid >= 2,
        "hud symmetry needs at least 2 hidden units (to swap and to tie), this network has {}",
        config.hid
    );
    ensure!(
        args.noise.is_finite() && args.noise != 0.0,
        "--noise must be a finite number other than 0, got {}",
        args.noise
    );
    draw::Format::of(&args.out)?;
    files::check_writable(&args.out)?;

    // Claim 3's three runs train beside the network the other claims examine.
    let (network, claim3) = std::thread::scope(|scope| -> Result<(Trained, Claim3)> {
        let tied = scope.spawn(|| tie_run(&config, &target, None));
        let nudged = scope.spawn(|| tie_run(&config, &target, Some(args.noise)));
        let one_unit = scope.spawn(|| {
            // Tying two units leaves a network with one unit fewer.
            let config = Config { hid: config.hid - 1, ..config.clone() };
            encoder::train(&config, &target, Device::Cpu, |_, _, _| Ok(())).map(|run| run.losses)
        });
        let network = source.network()?;
        let join = |e| anyhow::anyhow!("a training thread panicked: {e:?}");
        let claim3 = Claim3 {
            tied: tied.join().map_err(join)??,
            nudged: nudged.join().map_err(join)??,
            nudge: args.noise,
            one_unit: one_unit.join().map_err(join)??,
            stop: config.stop,
            shape: format!("{}-{}-{}", target.num_items(), config.hid - 1, target.num_outputs()),
        };
        Ok((network, claim3))
    })?;

    println!("network: {} ({})", network.describe(), network.origin);
    println!(
        "outputs compared for all {} input items, in float32 and again in float64 from the same weights",
        target.num_items()
    );
    print!("{}", static_claims(&Weights::of(&network.net)?)?);
    print!("{}", claim3.text()?);

    let title = format!("{}: two hidden units that start tied", network.config.shape(&target));
    let picture = figure::render(&Picture { claim: &claim3, title }, &args.out, SIZE)?;
    files::write_atomically(&args.out, &picture)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulps_count_float32_steps_across_zero() {
        assert_eq!(ulps(1.0, 1.0), 0);
        assert_eq!(ulps(1.0, 1.0f32.next_up()), 1);
        assert_eq!(ulps(0.0, -0.0), 0);
        assert_eq!(ulps(f32::from_bits(1), -f32::from_bits(1)), 2);
    }

    #[test]
    fn transformations_are_exact_and_undo_themselves() {
        let w = Weights {
            w1: vec![vec![0.5, -1.25, 2.0], vec![0.125, 3.0, -0.75]],
            b1: vec![0.25, -0.5],
            w2: vec![vec![1.0, -2.0], vec![0.5, 4.0], vec![-3.0, 0.25]],
            b2: vec![0.1, -0.2, 0.3],
        };
        assert_eq!(w.swapped(0, 1).swapped(0, 1), w);
        assert_eq!(w.flipped(1).flipped(1), w);
        assert_eq!(w.swapped(0, 1).w2[2], vec![0.25, -3.0]);
        for hidden in [Hidden::Tanh, Hidden::Sigmoid] {
            let (a, b) = (w.outputs64(hidden), w.swapped(0, 1).outputs64(hidden));
            assert!(a.iter().flatten().zip(b.iter().flatten()).all(|(x, y)| (x - y).abs() < 1e-15));
        }
        let flipped = w.flipped(0);
        let adjusted = flipped.output_biases_plus(&w.outgoing(0), false);
        let (a, b) = (w.outputs64(Hidden::Sigmoid), adjusted.outputs64(Hidden::Sigmoid));
        assert!(a.iter().flatten().zip(b.iter().flatten()).all(|(x, y)| (x - y).abs() < 1e-15));
    }

    #[test]
    fn pairs_cover_every_pair_of_few_units() {
        assert_eq!(pairs(3), vec![(0, 1), (0, 2), (1, 2)]);
        assert_eq!(pairs(10).len(), 45);
        assert!(pairs(40).len() <= 5 && pairs(40).contains(&(0, 39)));
        assert_eq!(report_epochs(15673), vec![0, 1, 10, 100, 1000, 10000, 15673]);
        assert_eq!(report_epochs(100), vec![0, 1, 10, 100]);
    }
}
