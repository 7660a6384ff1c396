//! `hud nonlinearity`: the seed page's "Controlled Nonlinearity" claims, measured. The size of a
//! network's weights moves it between nearly linear (small weights: tanh and sigmoid work near 0, where
//! they are straight) and step-like (large weights: the units saturate, and the network computes
//! "digitally").
//!
//! Part 1 takes a trained encoder (by default the seed's 9-2-9 with seed 0, trained here as
//! `hud encoder` trains it, or `--trace FILE`) and a random network drawn as `--init` draws one, brings
//! their weights to each scale of a logarithmic grid, and measures on a fixed sample of inputs (random
//! points of [0,1]^N and the one-hot items), in float64: how far the function is from the best affine
//! map of the inputs (least squares; the RMS residual over the RMS variation about the mean, 0 for an
//! affine function), for the hidden layer alone and for the whole network, and how saturated the
//! hidden units are (the share of activations beyond +-0.95, and the mean |h|).
//!
//! Part 2 trains the encoder from initial weights of several sizes (`--init`), several seeds each, as
//! batched runs ([`crate::engine::batched`], each exactly `hud encoder --init I --seed S`), and counts the
//! epochs to reach the stop loss.
//!
//! The result it should give (9-2-9, seed 0): both layers are affine to within 1% up to a weight
//! scale (RMS) of 0.056 for a random network and 0.32 for the trained one brought to that scale, with
//! no hidden unit saturated; at least 90% of hidden activations sit beyond +-0.95 (step-like) from
//! scale 10 (random) and 100 (trained) on; at typical scales, 0.1 to 1 (PyTorch's default layers draw
//! 0.19 and 0.41 here), the random network's nonlinearity grows from 0.02 to 0.4. The trained
//! encoder's own weights (scale 11.4) lie between: its outputs are about as nonlinear as at any scale
//! (0.75), with 38% of hidden activations saturated. Training from `--init` 0.0001 to 1 converges
//! every time (10 seeds) with a median of about 15,200 to 15,350 epochs; from `--init` 3, 6 of 10 runs
//! converge within 30,000 epochs (median 22,177), and from `--init` 10 none does.

use crate::data::files;
use crate::data::targets::Target;
use crate::draw::figure::{self, entry, failed, Sample};
use crate::draw::{self, Drawing, COLOUR_CYCLE};
use crate::engine::batched::{self, RunSpec, Status};
use crate::engine::model::{seeded, EncModel};
use crate::labs::encoder::Config;
use crate::studies::symmetry::Weights;
use crate::studies::trained::{self, Trained};
use anyhow::{ensure, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use tch::{nn, Device};

/// Measure how the size of the weights moves a network between nearly linear and step-like, and how
/// it changes training time.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub network: trained::Args,
    /// Part 1: the smallest weight scale (the RMS of the network's weights)
    #[arg(long, default_value_t = 0.001, allow_negative_numbers = true)]
    pub min_scale: f64,
    /// Part 1: the largest weight scale
    #[arg(long, default_value_t = 1000.0, allow_negative_numbers = true)]
    pub max_scale: f64,
    /// Part 1: how many scales, spaced logarithmically from --min-scale to --max-scale
    #[arg(long, default_value_t = 25, allow_negative_numbers = true)]
    pub scales: i64,
    /// Part 1: how many random input points of [0,1]^N to measure on, besides the N one-hot items
    #[arg(long, default_value_t = 2000, allow_negative_numbers = true)]
    pub samples: i64,
    /// Part 2: the initial weight sizes (--init) to train from, comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.0001,0.001,0.01,0.1,0.3,1,3,10"
    )]
    pub sweep_inits: Vec<f64>,
    /// Part 2: seeds per initial weight size (seeds 0, 1, ...; 0 skips part 2)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub sweep_seeds: u64,
    /// Part 2: the most epochs a run may take
    #[arg(long, default_value_t = 30000, value_parser = clap::value_parser!(u64).range(1..=crate::engine::train::MAX_EPOCHS))]
    pub sweep_epochs: u64,
    /// The picture: both parts, four panels (.png or .svg)
    #[arg(long, default_value = "nonlinearity.png")]
    pub out: PathBuf,
}

/// The picture's size in pixels.
pub const SIZE: (u32, u32) = (1200, 900);

/// Hidden activations beyond this (in absolute value) count as saturated.
pub const SATURATED: f64 = 0.95;

/// A network whose nonlinearity is at most this is called nearly linear.
pub const NEARLY_LINEAR: f64 = 0.01;

/// A network with at least this share of saturated hidden activations is called step-like.
pub const STEP_LIKE: f64 = 0.9;

/// The best affine fit of values on a fixed set of input points: an orthonormal basis of the columns
/// `[1, x_1, ..., x_N]` over the points, built by Gram-Schmidt with reorthogonalisation, in float64.
pub struct AffineFit {
    basis: Vec<Vec<f64>>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y - (q . y) q` for each basis vector q, in place.
fn project_out(basis: &[Vec<f64>], y: &mut [f64]) {
    for q in basis {
        let c = dot(q, y);
        y.iter_mut().zip(q).for_each(|(v, q)| *v -= c * q);
    }
}

impl AffineFit {
    /// The fit on `points` (one row per point, all the same length).
    pub fn new(points: &[Vec<f64>]) -> Result<Self> {
        ensure!(!points.is_empty(), "no points to fit on");
        let dims = points[0].len();
        let columns = std::iter::once(vec![1.0; points.len()])
            .chain((0..dims).map(|d| points.iter().map(|p| p[d]).collect()));
        let mut basis: Vec<Vec<f64>> = Vec::new();
        for mut column in columns {
            let norm = dot(&column, &column).sqrt();
            project_out(&basis, &mut column);
            project_out(&basis, &mut column);
            let left = dot(&column, &column).sqrt();
            // A column that the others already span (too few points) adds nothing.
            if left > 1e-9 * norm.max(1.0) {
                column.iter_mut().for_each(|v| *v /= left);
                basis.push(column);
            }
        }
        Ok(AffineFit { basis })
    }

    /// How far `values` (one column per function, a value per point) are from affine functions of
    /// the points: the RMS residual of their least-squares affine fits over their RMS variation about
    /// their means (0 for affine functions, 0 for constants; 1 when no affine map explains anything).
    pub fn nonlinearity(&self, values: &[Vec<f64>]) -> f64 {
        let (mut residual, mut variation) = (0.0, 0.0);
        for column in values {
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            variation += column.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
            let mut left = column.clone();
            project_out(&self.basis, &mut left);
            project_out(&self.basis, &mut left);
            residual += dot(&left, &left);
        }
        if variation > 0.0 {
            (residual / variation).sqrt()
        } else {
            0.0
        }
    }
}

/// The points part 1 measures on: `samples` points drawn uniformly from [0,1]^N (a fixed generator),
/// then the N one-hot items.
pub fn sample_points(dims: usize, samples: usize) -> Vec<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(9444);
    let random = (0..samples).map(|_| (0..dims).map(|_| rng.random::<f64>()).collect());
    let items = (0..dims).map(|i| (0..dims).map(|j| f64::from(u8::from(i == j))).collect());
    random.chain(items).collect()
}

/// What part 1 measures for one network at one scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measure {
    /// The nonlinearity of the hidden activations as functions of the inputs.
    pub hidden: f64,
    /// The nonlinearity of the outputs (after the output sigmoid) as functions of the inputs.
    pub outputs: f64,
    /// The share of hidden activations with |h| > [`SATURATED`].
    pub saturated: f64,
    /// The mean |h|.
    pub mean_abs_hidden: f64,
}

/// The RMS of a network's weights (biases excluded): its weight scale.
pub fn rms_weight(w: &Weights) -> f64 {
    let all: Vec<f64> = w.w1.iter().chain(&w.w2).flatten().copied().collect();
    (all.iter().map(|v| v * v).sum::<f64>() / all.len().max(1) as f64).sqrt()
}

/// `w` with every weight and bias multiplied by `factor`.
pub fn scaled(w: &Weights, factor: f64) -> Weights {
    let m = |rows: &[Vec<f64>]| rows.iter().map(|r| r.iter().map(|v| v * factor).collect()).collect();
    Weights {
        w1: m(&w.w1),
        b1: w.b1.iter().map(|v| v * factor).collect(),
        w2: m(&w.w2),
        b2: w.b2.iter().map(|v| v * factor).collect(),
    }
}

/// The network `w` (tanh hidden units, sigmoid outputs) on `points`, in float64, measured.
pub fn measure(w: &Weights, points: &[Vec<f64>], fit: &AffineFit) -> Measure {
    let hid = w.b1.len();
    let mut hidden = vec![Vec::with_capacity(points.len()); hid];
    let mut outputs = vec![Vec::with_capacity(points.len()); w.b2.len()];
    for x in points {
        let h: Vec<f64> = w.w1.iter().zip(&w.b1).map(|(row, b)| (dot(row, x) + b).tanh()).collect();
        for (m, (row, b)) in w.w2.iter().zip(&w.b2).enumerate() {
            outputs[m].push(1.0 / (1.0 + (-(dot(row, &h) + b)).exp()));
        }
        h.iter().enumerate().for_each(|(k, &v)| hidden[k].push(v));
    }
    let count = (hid * points.len()).max(1) as f64;
    let activations = hidden.iter().flatten();
    Measure {
        hidden: fit.nonlinearity(&hidden),
        outputs: fit.nonlinearity(&outputs),
        saturated: activations.clone().filter(|h| h.abs() > SATURATED).count() as f64 / count,
        mean_abs_hidden: activations.map(|h| h.abs()).sum::<f64>() / count,
    }
}

/// Part 1's row for one scale: the trained network and the random one brought to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleRow {
    pub scale: f64,
    pub trained: Measure,
    pub random: Measure,
}

/// The weight scales: `count` values spaced logarithmically from `low` to `high`.
pub fn log_grid(low: f64, high: f64, count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![low];
    }
    (0..count).map(|i| low * (high / low).powf(i as f64 / (count - 1) as f64)).collect()
}

/// Part 2's result for one initial weight size.
#[derive(Clone, Debug, PartialEq)]
pub struct InitRow {
    pub init: f64,
    pub runs: usize,
    /// The epochs to reach the stop loss of the runs that did, sorted.
    pub converged: Vec<u64>,
    pub diverged: usize,
    /// Runs whose every output was on the right side of 0.5 at the end.
    pub correct: usize,
}

impl InitRow {
    /// The median epochs to stop, counting runs that did not converge as slower than any that did:
    /// `None` when fewer than half converged.
    pub fn median(&self) -> Option<f64> {
        let n = self.runs;
        let at = |i: usize| self.converged.get(i).map(|&e| e as f64);
        if n == 0 {
            return None;
        }
        if n % 2 == 1 {
            at(n / 2)
        } else {
            Some((at(n / 2 - 1)? + at(n / 2)?) / 2.0)
        }
    }

    pub fn share_converged(&self) -> f64 {
        self.converged.len() as f64 / self.runs.max(1) as f64
    }
}

/// Trains `seeds` runs per initial size in `inits` with the rest of `config`, batched on the CPU: the
/// runs dealt round-robin to `threads` batches trained side by side, so that every batch holds every
/// init.
pub fn init_sweep(
    config: &Config,
    target: &Target,
    inits: &[f64],
    seeds: u64,
    epochs: u64,
    threads: usize,
) -> Result<Vec<InitRow>> {
    let specs: Vec<RunSpec> = inits
        .iter()
        .flat_map(|&init| (0..seeds).map(move |seed| RunSpec { seed, init, lr: config.lr, mom: config.mom }))
        .collect();
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let schedule = batched::Schedule { hid: config.hid, epochs, stop: config.stop };
    let threads = threads.clamp(1, specs.len());
    // One batch per worker, every `threads`-th run, each on one intra-op thread as in hud sweep, so
    // that each run rounds as a lone run does.
    let parts: Vec<Vec<usize>> = (0..threads).map(|t| (t..specs.len()).step_by(threads).collect()).collect();
    let batches = crate::engine::train::on_workers(
        parts,
        threads,
        || Ok(()),
        |_, mine| {
            let batch: Vec<RunSpec> = mine.iter().map(|&i| specs[i]).collect();
            let result = batched::train(target, &schedule, &batch, &[], Device::Cpu, |_, _| {})?;
            Ok(mine.into_iter().zip(result.outcomes).collect::<Vec<_>>())
        },
    )?;
    let outcomes: Vec<(usize, batched::Outcome)> = batches.into_iter().flatten().collect();
    let mut rows: Vec<InitRow> = inits
        .iter()
        .map(|&init| InitRow { init, runs: seeds as usize, converged: Vec::new(), diverged: 0, correct: 0 })
        .collect();
    for (i, outcome) in outcomes {
        let row = &mut rows[i / seeds as usize];
        match outcome.status {
            Status::Converged => row.converged.push(outcome.epochs),
            Status::Diverged => row.diverged += 1,
            Status::NotConverged => {}
        }
        row.correct += usize::from(outcome.correct);
    }
    rows.iter_mut().for_each(|r| r.converged.sort_unstable());
    Ok(rows)
}

/// Everything the command measured.
pub struct Results {
    pub shape: String,
    /// The network's inputs and hidden units.
    pub items: usize,
    pub hid: usize,
    pub trained_scale: f64,
    pub random_seed: u64,
    pub scales: Vec<ScaleRow>,
    pub trained_itself: Measure,
    pub inits: Vec<InitRow>,
    pub stop: f64,
    pub sweep_epochs: u64,
}

/// The smallest scale in `rows` from which `test` holds at every larger scale.
fn from_scale(rows: &[ScaleRow], test: impl Fn(&ScaleRow) -> bool) -> Option<f64> {
    let first = rows.iter().rposition(|r| !test(r)).map_or(0, |i| i + 1);
    rows.get(first).map(|r| r.scale)
}

/// The largest scale up to which `test` holds at every smaller scale.
fn up_to_scale(rows: &[ScaleRow], test: impl Fn(&ScaleRow) -> bool) -> Option<f64> {
    let count = rows.iter().take_while(|r| test(r)).count();
    count.checked_sub(1).map(|i| rows[i].scale)
}

impl Results {
    /// Everything `hud nonlinearity` prints: part 1's table, part 2's, then the seed page's claims
    /// against them.
    pub fn text(&self) -> String {
        let mut t = String::new();
        self.write_scales(&mut t);
        self.write_inits(&mut t);
        self.write_claims(&mut t);
        t
    }

    /// Part 1: how linear and how saturated each network is at each weight scale.
    fn write_scales(&self, t: &mut String) {
        let s = &self.shape;
        let _ = writeln!(t, "Part 1: how linear is a {s} network, against the size of its weights");
        let _ = writeln!(
            t,
            "  scale: the RMS of the network's weights. trained: the trained network's weights and biases, all\n  \
             multiplied to bring it to that scale (it is at {} itself); random: weights drawn N(0, scale^2)\n  \
             (as --init scale draws them, seed {}), biases 0",
            figure::short(self.trained_scale),
            self.random_seed
        );
        let _ = writeln!(
            t,
            "  nonlinearity: the RMS residual of the best affine fit (least squares) over the RMS variation about\n  \
             the mean (0: affine), on the sample points, for the hidden activations and for the outputs"
        );
        let _ = writeln!(
            t,
            "  {:>9} | {:>14} {:>9} {:>9} {:>7} | {:>14} {:>9} {:>9} {:>7}",
            "", "trained", "", "", "", "random", "", "", ""
        );
        let _ = writeln!(
            t,
            "  {:>9} | {:>14} {:>9} {:>9} {:>7} | {:>14} {:>9} {:>9} {:>7}",
            "scale",
            "hidden layer",
            "outputs",
            "|h|>0.95",
            "mean|h|",
            "hidden layer",
            "outputs",
            "|h|>0.95",
            "mean|h|"
        );
        for row in &self.scales {
            let cells = |m: &Measure| {
                format!(
                    "{:>14.3e} {:>9.3e} {:>8.1}% {:>7.3}",
                    m.hidden,
                    m.outputs,
                    100.0 * m.saturated,
                    m.mean_abs_hidden
                )
            };
            let _ = writeln!(
                t,
                "  {:>9} | {} | {}",
                format!("{:.3e}", row.scale),
                cells(&row.trained),
                cells(&row.random)
            );
        }
    }

    /// Part 2: epochs to reach the loss against --init (nothing when it was skipped).
    fn write_inits(&self, t: &mut String) {
        if !self.inits.is_empty() {
            let _ = writeln!(
                t,
                "Part 2: epochs to reach loss {} against the initial weight size (--init), {} seeds each, at most {} epochs",
                self.stop,
                self.inits[0].runs,
                self.sweep_epochs
            );
            let _ = writeln!(
                t,
                "  {:>8} {:>10} {:>9} {:>8}  epochs to stop: median of all runs, range of those that converged",
                "init", "converged", "diverged", "correct"
            );
            for row in &self.inits {
                let median = match row.median() {
                    Some(m) => format!("{m}"),
                    None => format!("> {} (fewer than half converged)", self.sweep_epochs),
                };
                let range = match (row.converged.first(), row.converged.last()) {
                    (Some(a), Some(b)) if a == b => format!(", converged in {a}"),
                    (Some(a), Some(b)) => format!(", converged in {a}-{b}"),
                    _ => String::new(),
                };
                let _ = writeln!(
                    t,
                    "  {:>8} {:>10} {:>9} {:>8}  {median}{range}",
                    figure::number(row.init),
                    format!("{}/{}", row.converged.len(), row.runs),
                    row.diverged,
                    row.correct
                );
            }
        }
    }

    /// The seed page's claims, each against the numbers above.
    fn write_claims(&self, t: &mut String) {
        let _ = writeln!(
            t,
            "The seed page's claims, against these numbers (nearly linear: nonlinearity at most {NEARLY_LINEAR}; \
             step-like: at least {:.0}% of hidden activations beyond +-{SATURATED}):",
            100.0 * STEP_LIKE
        );
        let nearly_linear = |m: &Measure| m.outputs <= NEARLY_LINEAR && m.hidden <= NEARLY_LINEAR;
        let linear_trained = up_to_scale(&self.scales, |r| nearly_linear(&r.trained));
        let linear_random = up_to_scale(&self.scales, |r| nearly_linear(&r.random));
        let scale = |s: Option<f64>| s.map_or("none of the grid's scales".to_string(), figure::short);
        let saturated_below = |limit: Option<f64>, m: fn(&ScaleRow) -> Measure| {
            let most =
                self.scales.iter().filter(|r| limit.is_some_and(|l| r.scale <= l)).map(|r| m(r).saturated);
            100.0 * most.fold(0.0, f64::max)
        };
        let _ = writeln!(
            t,
            "  small weights, each layer approximately linear: both layers nearly linear up to scale {} (trained) and \
             {} (random), with at most {:.1}% and {:.1}% of hidden activations saturated there",
            scale(linear_trained),
            scale(linear_random),
            saturated_below(linear_trained, |r| r.trained),
            saturated_below(linear_random, |r| r.random)
        );
        let step_trained = from_scale(&self.scales, |r| r.trained.saturated >= STEP_LIKE);
        let step_random = from_scale(&self.scales, |r| r.random.saturated >= STEP_LIKE);
        let _ = writeln!(
            t,
            "  large weights, step-like (\"digital\"): step-like from scale {} (trained) and {} (random) on",
            scale(step_trained),
            scale(step_random)
        );
        self.write_slow_learning(t);
        self.write_typical(t);
        self.write_trained_itself(t, nearly_linear, linear_trained, step_trained);
    }

    /// "Large weights, learning very slow": how much slower than the fastest --init the larger ones are.
    fn write_slow_learning(&self, t: &mut String) {
        let fastest = self
            .inits
            .iter()
            .filter_map(|r| r.median().map(|m| (m, r.init)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((best, best_init)) = fastest {
            let slow = |r: &InitRow| r.median().is_none_or(|m| m > 1.1 * best);
            let first_slow = self.inits.iter().rposition(|r| !slow(r)).map_or(0, |i| i + 1);
            let fastest =
                format!("the fastest median is {best} epochs (--init {})", figure::number(best_init));
            if first_slow == self.inits.len() {
                let _ = writeln!(
                    t,
                    "  large weights, learning very slow: {fastest}, and no larger --init here is more than 10% slower"
                );
            } else {
                let slow: Vec<String> = self.inits[first_slow..]
                    .iter()
                    .map(|r| {
                        let median = match r.median() {
                            Some(m) => format!("median {m} epochs ({:.2} times)", m / best),
                            None => format!("median beyond {} epochs", self.sweep_epochs),
                        };
                        format!(
                            "--init {}: {}/{} converged, {median}",
                            figure::number(r.init),
                            r.converged.len(),
                            r.runs
                        )
                    })
                    .collect();
                let _ = writeln!(t, "  large weights, learning very slow: {fastest}; {}", slow.join("; "));
            }
        }
    }

    /// "Typical weights": the random network at the scales PyTorch's default layers draw.
    fn write_typical(&self, t: &mut String) {
        let typical: Vec<&ScaleRow> =
            self.scales.iter().filter(|r| (0.1 * (1.0 - 1e-9)..=1.0 + 1e-9).contains(&r.scale)).collect();
        if let (Some(first), Some(last)) = (typical.first(), typical.last()) {
            let default_rms = |fan_in: usize| 1.0 / (3.0 * fan_in as f64).sqrt();
            let _ = writeln!(
                t,
                "  typical weights, close to linear with a limited nonlinearity: at scales {} to {} (PyTorch's \
                 default layers draw weights of RMS {:.2} and {:.2} for this network's {} and {} inputs), the random \
                 network's nonlinearity is {:.3} to {:.3}, with {:.0}% to {:.0}% of hidden activations saturated",
                figure::short(first.scale),
                figure::short(last.scale),
                default_rms(self.items),
                default_rms(self.hid),
                self.items,
                self.hid,
                first.random.outputs,
                last.random.outputs,
                100.0 * first.random.saturated,
                100.0 * last.random.saturated
            );
        }
    }

    /// Where the trained network's own weights lie between the two ranges.
    fn write_trained_itself(
        &self,
        t: &mut String,
        nearly_linear: impl Fn(&Measure) -> bool,
        linear_trained: Option<f64>,
        step_trained: Option<f64>,
    ) {
        let m = &self.trained_itself;
        let place = if m.saturated >= STEP_LIKE {
            "in the step-like range".to_string()
        } else if nearly_linear(m) {
            "in the nearly linear range".to_string()
        } else if let (Some(linear), Some(step)) = (linear_trained, step_trained) {
            format!(
                "between the nearly linear range (up to {}) and the step-like one (from {})",
                figure::short(linear),
                figure::short(step)
            )
        } else {
            "neither nearly linear nor step-like (the grid does not reach both ranges)".to_string()
        };
        let most = self.scales.iter().map(|r| r.trained.outputs).fold(m.outputs, f64::max);
        let _ = writeln!(
            t,
            "  the trained network's own weights (scale {}) lie {place}: nonlinearity {:.3} (the most at any scale: \
             {most:.3}), hidden layer {:.3}, {:.0}% of hidden activations saturated",
            figure::short(self.trained_scale),
            m.outputs,
            m.hidden,
            100.0 * m.saturated
        );
    }
}

/// The picture: part 1's nonlinearity and saturation against the weight scale, part 2's epochs and
/// share converged against `--init`.
pub struct Picture<'a> {
    pub results: &'a Results,
    pub title: String,
}

pub const TRAINED: RGBColor = COLOUR_CYCLE[0];
pub const RANDOM: RGBColor = COLOUR_CYCLE[1];
pub const EPOCHS: RGBColor = COLOUR_CYCLE[2];
pub const CONVERGED: RGBColor = COLOUR_CYCLE[3];

/// Part 1's two networks: colour, name, and their measure in a row.
/// One of part 1's networks in a row of the table.
type Pick = fn(&ScaleRow) -> Measure;

const NETWORKS: [(RGBColor, &str, Pick); 2] =
    [(TRAINED, "trained", |s| s.trained), (RANDOM, "random", |s| s.random)];

impl Drawing for Picture<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let panels = figure::titled(root, &self.title)?.split_evenly((2, 2));
        self.draw_linearity(&panels[0])?;
        self.draw_saturation(&panels[1])?;
        if self.results.inits.is_empty() {
            let style = (draw::FONT_FAMILY, 18.0)
                .into_font()
                .into_text_style(root)
                .pos(Pos::new(HPos::Center, VPos::Center));
            for panel in &panels[2..] {
                let (w, h) = panel.dim_in_pixel();
                panel
                    .draw_text("part 2 skipped (--sweep-seeds 0)", &style, (w as i32 / 2, h as i32 / 2))
                    .map_err(failed)?;
            }
            return Ok(());
        }
        self.draw_epochs(&panels[2])?;
        self.draw_converged(&panels[3])
    }
}

impl Picture<'_> {
    /// The weight scales' axis: from the smallest to the largest scale measured, log.
    fn scale_axis(&self) -> (f64, f64) {
        let r = self.results;
        let lo = r.scales.first().map_or(1e-3, |s| s.scale);
        let hi = r.scales.last().map_or(1e3, |s| s.scale).max(lo * 10.0);
        (lo, hi)
    }

    /// The --init axis of part 2: from the smallest to the largest init swept, log.
    fn init_axis(&self) -> (f64, f64) {
        let (ilo, ihi) = self
            .results
            .inits
            .iter()
            .fold((f64::INFINITY, 0f64), |(lo, hi), row| (lo.min(row.init), hi.max(row.init)));
        (ilo, ihi.max(ilo * 10.0))
    }

    /// (a) How far from linear each network is, against the weight scale.
    fn draw_linearity<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let r = self.results;
        let (lo, hi) = self.scale_axis();
        let scale_axis = (lo / 1.3..hi * 1.3).log_scale();
        let trained_at = r.trained_scale;
        let values = r
            .scales
            .iter()
            .flat_map(|s| [s.trained.hidden, s.trained.outputs, s.random.hidden, s.random.outputs]);
        let floor = values.clone().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min).max(1e-16);
        let top = values.fold(0.0, f64::max).max(floor * 10.0);
        let (y0, y1) = (floor / 3.0, top * 3.0);
        let threshold = BLACK.mix(0.45).stroke_width(1);
        let mut entries = vec![
            entry(
                Sample::Dashed(BLACK.mix(0.6).stroke_width(1)),
                format!("trained network's own scale ({trained_at:.2})"),
            ),
            entry(Sample::Dashed(threshold), format!("nearly linear below {NEARLY_LINEAR}")),
        ];
        for (colour, name, _) in NETWORKS {
            entries.push(entry(Sample::Line(colour.stroke_width(2)), format!("{name}: outputs")));
            entries.push(entry(Sample::Dashed(colour.stroke_width(2)), format!("{name}: hidden layer")));
        }
        let area = figure::caption_and_key(
            area,
            "How far from linear: residual of the best affine fit",
            &entries,
            13.0,
        )?;
        let mut chart =
            panel(&area).build_cartesian_2d(scale_axis.clone(), (y0..y1).log_scale()).map_err(failed)?;
        figure::mesh(
            &mut chart,
            ("weight scale (RMS of the weights)", "nonlinearity (0: affine)"),
            (&|x| figure::power_of_ten_label(*x), &|y| figure::power_of_ten_label(*y)),
            13.0,
        )?;
        chart
            .draw_series(DashedLineSeries::new(
                [(trained_at, y0), (trained_at, y1)],
                5,
                4,
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(failed)?;
        let threshold = BLACK.mix(0.45).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new(
                [(lo / 1.3, NEARLY_LINEAR), (hi * 1.3, NEARLY_LINEAR)],
                2,
                3,
                threshold,
            ))
            .map_err(failed)?;
        for (colour, _, m) in NETWORKS {
            let points: Vec<(f64, f64)> = r.scales.iter().map(|s| (s.scale, m(s).outputs.max(y0))).collect();
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2))).map_err(failed)?;
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(failed)?;
            let hidden: Vec<(f64, f64)> = r.scales.iter().map(|s| (s.scale, m(s).hidden.max(y0))).collect();
            chart.draw_series(DashedLineSeries::new(hidden, 6, 4, colour.stroke_width(2))).map_err(failed)?;
        }

        Ok(())
    }

    /// (b) How saturated the hidden units are, against the weight scale.
    fn draw_saturation<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let r = self.results;
        let (lo, hi) = self.scale_axis();
        let scale_axis = (lo / 1.3..hi * 1.3).log_scale();
        let trained_at = r.trained_scale;
        let mut entries = vec![entry(
            Sample::Dashed(BLACK.mix(0.45).stroke_width(1)),
            format!("step-like above {:.0}% saturated", 100.0 * STEP_LIKE),
        )];
        for (colour, name, _) in NETWORKS {
            entries.push(entry(
                Sample::Line(colour.stroke_width(2)),
                format!("{name}: share of |h| > {SATURATED}"),
            ));
            entries.push(entry(Sample::Dashed(colour.stroke_width(2)), format!("{name}: mean |h|")));
        }
        let area = figure::caption_and_key(area, "How saturated: hidden units", &entries, 13.0)?;
        let mut chart = panel(&area).build_cartesian_2d(scale_axis, 0.0..1.02).map_err(failed)?;
        figure::mesh(
            &mut chart,
            ("weight scale (RMS of the weights)", "share, or mean"),
            (&|x| figure::power_of_ten_label(*x), &|y| format!("{y:.1}")),
            13.0,
        )?;
        chart
            .draw_series(DashedLineSeries::new(
                [(trained_at, 0.0), (trained_at, 1.02)],
                5,
                4,
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(failed)?;
        let threshold = BLACK.mix(0.45).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new(
                [(lo / 1.3, STEP_LIKE), (hi * 1.3, STEP_LIKE)],
                2,
                3,
                threshold,
            ))
            .map_err(failed)?;
        for (colour, _, m) in NETWORKS {
            let saturated: Vec<(f64, f64)> = r.scales.iter().map(|s| (s.scale, m(s).saturated)).collect();
            chart.draw_series(LineSeries::new(saturated.clone(), colour.stroke_width(2))).map_err(failed)?;
            chart
                .draw_series(saturated.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                .map_err(failed)?;
            let mean: Vec<(f64, f64)> = r.scales.iter().map(|s| (s.scale, m(s).mean_abs_hidden)).collect();
            chart.draw_series(DashedLineSeries::new(mean, 6, 4, colour.stroke_width(2))).map_err(failed)?;
        }

        Ok(())
    }

    /// (c) Median epochs to reach the loss, against --init, every run's epochs behind.
    fn draw_epochs<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let r = self.results;
        let (ilo, ihi) = self.init_axis();
        let init_axis = (ilo / 2.0..ihi * 2.0).log_scale();
        let cap = r.sweep_epochs as f64;
        let unreached: Vec<f64> =
            r.inits.iter().filter(|row| row.median().is_none()).map(|row| row.init).collect();
        let mut entries = vec![
            entry(
                Sample::Dashed(BLACK.mix(0.5).stroke_width(1)),
                format!("--sweep-epochs {}", r.sweep_epochs),
            ),
            entry(Sample::Line(EPOCHS.stroke_width(2)), "median epochs (of all runs)"),
        ];
        if !unreached.is_empty() {
            entries.push(entry(
                Sample::Triangle(EPOCHS.stroke_width(2)),
                "median beyond the cap: fewer than half converged",
            ));
        }
        let area = figure::caption_and_key(
            area,
            &format!("Median epochs to reach loss {}", r.stop),
            &entries,
            13.0,
        )?;
        let mut chart = panel(&area).build_cartesian_2d(init_axis.clone(), 0.0..cap * 1.1).map_err(failed)?;
        figure::mesh(
            &mut chart,
            ("--init (std of the initial weights)", "epochs"),
            (&|x| figure::power_of_ten_label(*x), &|y| format!("{y:.0}")),
            13.0,
        )?;
        chart
            .draw_series(DashedLineSeries::new(
                [(ilo / 2.0, cap), (ihi * 2.0, cap)],
                6,
                4,
                BLACK.mix(0.5).stroke_width(1),
            ))
            .map_err(failed)?;
        let medians: Vec<(f64, f64)> =
            r.inits.iter().filter_map(|row| row.median().map(|m| (row.init, m))).collect();
        chart.draw_series(LineSeries::new(medians.clone(), EPOCHS.stroke_width(2))).map_err(failed)?;
        chart.draw_series(medians.iter().map(|&p| Circle::new(p, 4, EPOCHS.filled()))).map_err(failed)?;
        if !unreached.is_empty() {
            chart
                .draw_series(
                    unreached.iter().map(|&x| TriangleMarker::new((x, cap), 7, EPOCHS.stroke_width(2))),
                )
                .map_err(failed)?;
        }
        for row in &r.inits {
            let all: Vec<(f64, f64)> = row.converged.iter().map(|&e| (row.init, e as f64)).collect();
            chart
                .draw_series(all.iter().map(|&p| Circle::new(p, 2, EPOCHS.mix(0.5).filled())))
                .map_err(failed)?;
        }

        Ok(())
    }

    /// (d) The share of runs that reached the loss, against --init.
    fn draw_converged<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let r = self.results;
        let (ilo, ihi) = self.init_axis();
        let init_axis = (ilo / 2.0..ihi * 2.0).log_scale();
        let caption = format!("Runs reaching loss {} within {} epochs", r.stop, r.sweep_epochs);
        let area = figure::caption_and_key(area, &caption, &[], 13.0)?;
        let mut chart = panel(&area).build_cartesian_2d(init_axis, 0.0..105.0).map_err(failed)?;
        figure::mesh(
            &mut chart,
            ("--init (std of the initial weights)", "runs (%)"),
            (&|x| figure::power_of_ten_label(*x), &|y| format!("{y:.0}")),
            13.0,
        )?;
        let shares: Vec<(f64, f64)> =
            r.inits.iter().map(|row| (row.init, 100.0 * row.share_converged())).collect();
        chart.draw_series(LineSeries::new(shares.clone(), CONVERGED.stroke_width(2))).map_err(failed)?;
        chart.draw_series(shares.iter().map(|&p| Circle::new(p, 4, CONVERGED.filled()))).map_err(failed)?;
        Ok(())
    }
}

/// A chart's builder on one panel of the picture, below its caption and key.
fn panel<'a, DB: DrawingBackend>(area: &'a DrawingArea<DB, Shift>) -> ChartBuilder<'a, 'static, DB> {
    let mut builder = ChartBuilder::on(area);
    builder.margin(14).margin_right(28).x_label_area_size(42).y_label_area_size(70);
    builder
}

/// `hud nonlinearity`.
pub fn run(args: Args) -> Result<()> {
    let source = args.network.source()?;
    let config = source.config().clone();
    let target = source.target().clone();
    for (name, value) in [("min-scale", args.min_scale), ("max-scale", args.max_scale)] {
        ensure!(value.is_finite() && value > 0.0, "--{name} must be a finite number > 0, got {value}");
    }
    ensure!(
        args.min_scale < args.max_scale,
        "--min-scale ({}) must be below --max-scale ({})",
        args.min_scale,
        args.max_scale
    );
    ensure!((2..=1000).contains(&args.scales), "--scales must be between 2 and 1000, got {}", args.scales);
    // An affine fit of N inputs has N + 1 parameters: with few more points than that it passes
    // through them all and every function looks linear.
    ensure!(
        (100..=1_000_000).contains(&args.samples),
        "--samples must be between 100 and 1000000, got {}",
        args.samples
    );
    for &init in &args.sweep_inits {
        ensure!(init.is_finite() && init > 0.0, "--sweep-inits must be finite numbers > 0, got {init}");
    }
    ensure!(args.sweep_epochs >= 1, "--sweep-epochs must be at least 1");
    ensure!(config.stop < 1.0, "--stop must be below 1 (the script's loop starts from loss = 1.0)");
    draw::Format::of(&args.out)?;
    files::check_writable(&args.out)?;

    let started = Instant::now();
    // The batches train beside the network that part 1 examines, one per core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (network, inits) = std::thread::scope(|scope| -> Result<(Trained, Vec<InitRow>)> {
        let sweep = scope.spawn(|| {
            init_sweep(&config, &target, &args.sweep_inits, args.sweep_seeds, args.sweep_epochs, threads)
        });
        let network = source.network()?;
        let inits = sweep.join().map_err(|e| anyhow::anyhow!("a training thread panicked: {e:?}"))??;
        Ok((network, inits))
    })?;

    let trained = Weights::of(&network.net)?;
    let trained_scale = rms_weight(&trained);
    ensure!(trained_scale > 0.0, "the network's weights are all 0: it has no scale to change");
    let random = {
        let vs = nn::VarStore::new(Device::Cpu);
        let (items, outputs) = (target.num_items() as i64, target.num_outputs() as i64);
        let net = seeded(config.seed, || {
            let mut net = EncModel::new(&vs.root(), items, config.hid, outputs);
            net.init_weights(1.0);
            net
        });
        Weights::of(&net)?
    };
    let random_scale = rms_weight(&random);
    let points = sample_points(target.num_items(), args.samples as usize);
    let fit = AffineFit::new(&points)?;
    let scales: Vec<ScaleRow> = log_grid(args.min_scale, args.max_scale, args.scales as usize)
        .into_iter()
        .map(|scale| ScaleRow {
            scale,
            trained: measure(&scaled(&trained, scale / trained_scale), &points, &fit),
            random: measure(&scaled(&random, scale / random_scale), &points, &fit),
        })
        .collect();
    let results = Results {
        shape: network.config.shape(&target),
        items: target.num_items(),
        hid: config.hid as usize,
        trained_scale,
        random_seed: config.seed,
        scales,
        trained_itself: measure(&trained, &points, &fit),
        inits,
        stop: config.stop,
        sweep_epochs: args.sweep_epochs,
    };
    println!("network: {} ({})", network.describe(), network.origin);
    println!(
        "sample: {} random points of [0,1]^{} and the {} one-hot items",
        args.samples,
        target.num_items(),
        target.num_items()
    );
    print!("{}", results.text());
    let title = format!("Controlled nonlinearity: {} network", results.shape);
    let picture = figure::render(&Picture { results: &results, title }, &args.out, SIZE)?;
    files::write_atomically(&args.out, &picture)?;
    eprintln!("wrote {} ({:.1} s)", args.out.display(), started.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points() -> Vec<Vec<f64>> {
        sample_points(3, 400)
    }

    #[test]
    fn an_affine_function_fits_exactly() {
        let points = points();
        let fit = AffineFit::new(&points).unwrap();
        let affine: Vec<Vec<f64>> = vec![
            points.iter().map(|p| 0.3 + 2.0 * p[0] - 5.0 * p[1] + 0.25 * p[2]).collect(),
            points.iter().map(|p| -7.0 * p[2] + 1e3).collect(),
        ];
        assert!(fit.nonlinearity(&affine) < 1e-12, "{}", fit.nonlinearity(&affine));
        // A constant is affine too.
        assert_eq!(fit.nonlinearity(&[vec![4.0; points.len()]]), 0.0);
    }

    #[test]
    fn tanh_is_nearly_linear_at_small_scale_and_not_at_large() {
        let points = points();
        let fit = AffineFit::new(&points).unwrap();
        let tanh_at = |scale: f64| -> f64 {
            let values: Vec<f64> = points.iter().map(|p| (scale * (p[0] + p[1] - 1.0)).tanh()).collect();
            fit.nonlinearity(&[values])
        };
        let (small, large) = (tanh_at(1e-3), tanh_at(100.0));
        assert!(small < 1e-6, "{small}");
        assert!(large > 0.3, "{large}");
        // Nonlinearity grows with the scale.
        assert!(tanh_at(0.1) < tanh_at(1.0) && tanh_at(1.0) < tanh_at(10.0));
        // x^2 is not affine either.
        let square: Vec<f64> = points.iter().map(|p| p[0] * p[0]).collect();
        assert!(fit.nonlinearity(&[square]) > 0.1);
    }

    #[test]
    fn medians_count_unconverged_runs_as_slowest() {
        let row = |converged: Vec<u64>, runs| InitRow { init: 1.0, runs, converged, diverged: 0, correct: 0 };
        assert_eq!(row(vec![10, 20, 30], 3).median(), Some(20.0));
        assert_eq!(row(vec![10, 20, 30, 40], 4).median(), Some(25.0));
        assert_eq!(row(vec![10, 20], 4).median(), None);
        assert_eq!(row(vec![10, 20], 3).median(), Some(20.0));
        assert_eq!(row(vec![], 3).median(), None);
    }

    #[test]
    fn grids_are_logarithmic_and_include_their_ends() {
        let grid = log_grid(1e-3, 1e3, 25);
        assert_eq!(grid.len(), 25);
        assert!((grid[0] - 1e-3).abs() < 1e-18 && (grid[24] - 1e3).abs() < 1e-9);
        assert!((grid[12] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn scaling_multiplies_every_weight_and_bias() {
        let w = Weights { w1: vec![vec![1.0, -2.0]], b1: vec![0.5], w2: vec![vec![3.0]], b2: vec![-1.0] };
        let s = scaled(&w, 2.0);
        assert_eq!(
            s,
            Weights { w1: vec![vec![2.0, -4.0]], b1: vec![1.0], w2: vec![vec![6.0]], b2: vec![-2.0] }
        );
        assert!((rms_weight(&w) - (14.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }
}
