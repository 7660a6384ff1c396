//! `hud sweep`: many encoder runs at once (seeds, and optionally a grid of N, K, lr, momentum and
//! init), trained as batched tensor programs ([`crate::engine::batched`]) on the CPU or a GPU, answering "how
//! often, and how fast, does this configuration learn?".
//!
//! Each run is exactly `hud encoder --seed S` with that configuration: the same initial weights and,
//! on the CPU, the same loss at every epoch (see [`crate::engine::batched`] for where that holds); `--compare`
//! checks it by training the first runs one by one as well. Results: a CSV with one row per run, a
//! summary per configuration (printed), and a picture (epochs histogram, or success rate against N).
//! `--shard I/N` runs one of N disjoint parts, and `hud sweep merge` joins the parts' CSVs into the same
//! CSV, summary and picture as one unsharded run.
//!
//! The result it should give: 1000 seeds of 9-2-9 with the defaults all converge, median about 15,200
//! epochs; 16-2-16 does not reach loss 0.02 within 200,000 epochs.

pub mod picture;

use crate::analysis::cube;
use crate::data::files;
use crate::data::targets::Target;
use crate::draw;
use crate::draw::figure::number;
use crate::engine::batched::{self, Outcome, RunSpec, Status};
use crate::engine::device::DeviceArg;
use crate::engine::trace::LinearTrace;
use crate::labs::encoder::{self, Config};
use anyhow::{bail, ensure, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Train many encoder runs at once and summarise how often and how fast they learn.
#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    #[command(flatten)]
    pub sweep: SweepArgs,
}

/// The most runs a sweep trains (its CSV's rows are held in memory: about 250 bytes each).
pub const MAX_RUNS: u64 = 1_000_000;

#[derive(clap::Subcommand, Debug, Clone)]
pub enum SweepCommand {
    /// Join the CSVs of a sweep's shards into one CSV, summary and picture
    Merge(MergeArgs),
}

/// The sweep's grid: every combination of the listed values, for every seed.
#[derive(clap::Args, Debug, Clone)]
pub struct SweepArgs {
    /// Number of seeds per configuration
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub seeds: u64,
    /// The first seed (seeds run from here up)
    #[arg(long, default_value_t = 0)]
    pub first_seed: u64,
    /// `input` (identity targets of each --dim), `star16`, `question1`, or a CSV file of 0/1 rows
    #[arg(long, default_value = "input")]
    pub target: String,
    /// Encoder sizes N for `--target input` (comma-separated list) [default: 9]
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub dim: Option<Vec<i64>>,
    /// Numbers of hidden units K (list)
    #[arg(long, value_delimiter = ',', default_value = "2", allow_negative_numbers = true)]
    pub hid: Vec<i64>,
    /// Learning rates (list)
    #[arg(long, value_delimiter = ',', default_value = "0.4", allow_negative_numbers = true)]
    pub lr: Vec<f64>,
    /// Momenta (list)
    #[arg(long, value_delimiter = ',', default_value = "0.9", allow_negative_numbers = true)]
    pub mom: Vec<f64>,
    /// Standard deviations of the initial weights (list)
    #[arg(long, value_delimiter = ',', default_value = "0.001", allow_negative_numbers = true)]
    pub init: Vec<f64>,
    /// Maximum number of epochs per run
    #[arg(long, default_value_t = 100000, value_parser = clap::value_parser!(u64).range(1..=crate::engine::train::MAX_EPOCHS))]
    pub epochs: u64,
    /// A run stops once an epoch's loss is at most this
    #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
    pub stop: f64,
    /// Where to train
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// Run only part I of N disjoint parts of the sweep (e.g. 3/8: runs 2, 10, 18, ...), for a job array
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Most runs trained together in one batch
    #[arg(long, default_value_t = 10000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_RUNS))]
    pub batch: usize,
    /// CPU worker threads, each training its own batches (default: the number of cores)
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub threads: Option<usize>,
    /// Also train the first this many runs one at a time, as `hud encoder` does, and compare
    #[arg(long, default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1000))]
    pub compare: usize,
    /// One row per run
    #[arg(long, default_value = "sweep.csv")]
    pub csv: PathBuf,
    /// The picture: epochs to stop per configuration, or success rate against N (.png or .svg)
    #[arg(long, default_value = "sweep.png")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// The shards' CSV files
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The merged CSV
    #[arg(long, default_value = "sweep.csv")]
    pub csv: PathBuf,
    /// The merged picture (.png or .svg)
    #[arg(long, default_value = "sweep.png")]
    pub out: PathBuf,
}

pub use crate::engine::shard::Shard;

/// What a sweep is: saved in its CSV's first line, so that merged parts can be checked to belong
/// together.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Spec {
    pub target: String,
    pub dim: Vec<i64>,
    pub hid: Vec<i64>,
    pub lr: Vec<f64>,
    pub mom: Vec<f64>,
    pub init: Vec<f64>,
    pub seeds: u64,
    pub first_seed: u64,
    pub epochs: u64,
    pub stop: f64,
}

/// One configuration of the grid (everything but the seed).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub dim: i64,
    pub hid: i64,
    pub lr: f64,
    pub mom: f64,
    pub init: f64,
}

impl Spec {
    fn of(args: &SweepArgs) -> Self {
        let dim = if args.target == "input" { args.dim.clone().unwrap_or_else(|| vec![9]) } else { vec![0] };
        Spec {
            target: args.target.clone(),
            dim,
            hid: args.hid.clone(),
            lr: args.lr.clone(),
            mom: args.mom.clone(),
            init: args.init.clone(),
            seeds: args.seeds,
            first_seed: args.first_seed,
            epochs: args.epochs,
            stop: args.stop,
        }
    }

    /// The grid's configurations, in run order.
    pub fn points(&self) -> Vec<Point> {
        let mut points = Vec::new();
        for &dim in &self.dim {
            for &hid in &self.hid {
                for &lr in &self.lr {
                    for &mom in &self.mom {
                        for &init in &self.init {
                            points.push(Point { dim, hid, lr, mom, init });
                        }
                    }
                }
            }
        }
        points
    }

    pub fn total_runs(&self) -> u64 {
        [self.dim.len(), self.hid.len(), self.lr.len(), self.mom.len(), self.init.len()]
            .iter()
            .fold(self.seeds, |runs, &n| runs.saturating_mul(n as u64))
    }

    /// Run `index`'s configuration and seed: configurations in grid order ([`Spec::points`]), seeds
    /// innermost. The index's digits, in the grid's mixed radix, pick each setting.
    pub fn run(&self, index: u64) -> (Point, u64) {
        let mut rest = (index / self.seeds) as usize;
        let mut digit = |count: usize| {
            let d = rest % count;
            rest /= count;
            d
        };
        let init = self.init[digit(self.init.len())];
        let mom = self.mom[digit(self.mom.len())];
        let lr = self.lr[digit(self.lr.len())];
        let hid = self.hid[digit(self.hid.len())];
        let dim = self.dim[digit(self.dim.len())];
        (Point { dim, hid, lr, mom, init }, self.first_seed + index % self.seeds)
    }

    /// `hud encoder`'s config for one run.
    pub fn config(&self, point: &Point, seed: u64, device: DeviceArg) -> Config {
        Config {
            target: self.target.clone(),
            dim: point.dim,
            hid: point.hid,
            epochs: self.epochs,
            stop: self.stop,
            lr: point.lr,
            mom: point.mom,
            init: point.init,
            seed,
            device,
        }
    }

    /// Checks every configuration (as `hud encoder` would) and resolves the targets, one per --dim.
    fn targets(&self) -> Result<Vec<Target>> {
        ensure!(self.seeds >= 1, "--seeds must be at least 1");
        ensure!(
            self.total_runs() <= MAX_RUNS,
            "the sweep would train {} runs (seeds x settings); at most {MAX_RUNS}: use fewer --seeds or settings",
            self.total_runs()
        );
        for point in self.points() {
            self.config(&point, 0, DeviceArg::Cpu).target()?;
        }
        ensure!(
            self.first_seed.checked_add(self.seeds - 1).is_some(),
            "--first-seed {} with --seeds {} goes past the largest seed, {}",
            self.first_seed,
            self.seeds,
            u64::MAX
        );
        ensure!(self.epochs >= 1, "--epochs must be at least 1");
        ensure!(self.stop < 1.0, "--stop must be below 1 (the script's loop starts from loss = 1.0)");
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for (name, values) in [
            ("dim", self.dim.iter().map(|&d| d as u64).collect()),
            ("hid", self.hid.iter().map(|&h| h as u64).collect()),
            ("lr", bits(&self.lr)),
            ("mom", bits(&self.mom)),
            ("init", bits(&self.init)),
        ] {
            let distinct: BTreeSet<&u64> = values.iter().collect();
            ensure!(distinct.len() == values.len(), "--{name} lists a value twice");
        }
        self.dim.iter().map(|&dim| Target::resolve(&self.target, dim)).collect()
    }
}

/// One line of the CSV.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Row {
    pub run: u64,
    pub target: String,
    pub items: usize,
    pub hid: i64,
    pub outputs: usize,
    pub lr: f64,
    pub mom: f64,
    pub init: f64,
    pub stop: f64,
    pub max_epochs: u64,
    pub seed: u64,
    /// The epoch at which the loss reached --stop, or `not converged`, or `diverged`.
    pub epochs_to_stop: String,
    /// Epochs run (for a diverged run, the epoch whose outputs became NaN).
    pub epochs: u64,
    pub final_loss: f32,
    /// Every output of the final network on the right side of 0.5.
    pub all_correct: String,
    /// With 3 hidden units, the shape the final points and planes form ([`cube::Verdict::name`]:
    /// `cuboctahedron`, the seed page's answer, `square-antiprism`, ...); empty otherwise, and for a
    /// diverged run or a network the seed page's question is not about. Empty when reading a CSV
    /// written before the column existed.
    #[serde(default)]
    pub hidden_shape: String,
}

impl Row {
    pub(crate) fn converged_epochs(&self) -> Option<u64> {
        self.epochs_to_stop.parse().ok()
    }

    pub(crate) fn config_label(&self) -> String {
        format!(
            "{}-{}-{} lr {} mom {} init {}",
            self.items,
            self.hid,
            self.outputs,
            number(self.lr),
            number(self.mom),
            number(self.init)
        )
    }

    fn same_config(&self, other: &Row) -> bool {
        (&self.target, self.items, self.hid, self.outputs, self.lr, self.mom, self.init, self.stop)
            == (
                &other.target,
                other.items,
                other.hid,
                other.outputs,
                other.lr,
                other.mom,
                other.init,
                other.stop,
            )
            && self.max_epochs == other.max_epochs
    }
}

/// A run's single-run comparison: the batched loss of every epoch against `hud encoder`'s, and how
/// each ended.
pub struct Comparison {
    pub run: u64,
    pub label: String,
    pub batched: Ending,
    pub single: Ending,
    /// The first epoch whose losses differ (over the epochs both ran, NaN epochs aside).
    pub first_difference: Option<usize>,
    /// The largest difference between the two losses of an epoch.
    pub largest_difference: f32,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ending {
    /// Epochs run, counting the epoch a diverging run's outputs became NaN.
    pub epochs: usize,
    pub diverged: bool,
    /// Every output of the final network on the right side of 0.5.
    pub correct: bool,
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = if self.diverged { "diverged" } else { "stopped" };
        let correct = if self.correct { "all outputs correct" } else { "not all outputs correct" };
        write!(f, "{how} at epoch {}, {correct}", self.epochs)
    }
}

impl Comparison {
    /// Whether the batched run is the single run, bit for bit, to the same end.
    pub fn identical(&self) -> bool {
        self.first_difference.is_none() && self.batched == self.single
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.identical() {
            return write!(
                f,
                "run {} ({}): identical to the single run, every loss bit for bit; both {}",
                self.run, self.label, self.single
            );
        }
        write!(
            f,
            "run {} ({}): differs from the single run from epoch {}, largest loss difference {:e}; batched {}, \
             single {}",
            self.run,
            self.label,
            self.first_difference.map_or("-".to_string(), |e| e.to_string()),
            self.largest_difference,
            self.batched,
            self.single,
        )
    }
}

/// What a sweep produced.
pub struct Sweep {
    pub rows: Vec<Row>,
    pub comparisons: Vec<Comparison>,
    pub seconds: f64,
}

/// Trains this shard's runs of `spec` and returns their rows (in run order).
pub fn sweep(spec: &Spec, args: &SweepArgs) -> Result<Sweep> {
    let targets = spec.targets()?;
    let device = args.device.to_device()?;
    ensure!(args.batch >= 1, "--batch must be at least 1");
    let mine = args.shard.unwrap_or(Shard::ALL).runs(spec.total_runs());
    let compare: BTreeSet<u64> = mine.iter().copied().take(args.compare).collect();
    let cpu = device == tch::Device::Cpu;
    let threads = if cpu { args.threads.unwrap_or_else(default_threads).max(1) } else { 1 };
    let batches = plan_batches(spec, &targets, &mine, threads, args.batch);
    let started = Instant::now();
    let results = train_batches(spec, &targets, batches, &compare, device, (threads, mine.len()))?;
    let seconds = started.elapsed().as_secs_f64();
    let (rows, tracked, inexact) = collect_rows(spec, &targets, results, &compare);
    note_rounding(cpu, inexact);
    let comparisons = compare_with_single_runs(spec, args, device, &rows, tracked)?;
    Ok(Sweep { rows, comparisons, seconds })
}

/// A batch to train: the target's index in `--dim`, the hidden units, the runs.
type Batch = (usize, i64, Vec<u64>);

/// A trained batch and its outcome.
type Trained = (usize, i64, Vec<u64>, batched::BatchResult);

/// A run to compare with its single run: its number, settings, seed and the batch's losses.
type Tracked = (u64, Point, u64, Vec<f32>);

/// The sweep's runs in batches, biggest first.
fn plan_batches(spec: &Spec, targets: &[Target], mine: &[u64], threads: usize, batch: usize) -> Vec<Batch> {
    // Runs of the same shape train together. An epoch costs a batch a fixed overhead whatever its
    // size, so a shape is split only as far as needed to give every worker a batch.
    let shapes = spec.dim.len() * spec.hid.len();
    let parts_per_shape = (threads / shapes).max(1);
    let mut batches: Vec<(usize, i64, Vec<u64>)> = Vec::new();
    for (dim_index, &dim) in spec.dim.iter().enumerate() {
        for &hid in &spec.hid {
            let runs: Vec<u64> = mine
                .iter()
                .copied()
                .filter(|&i| {
                    let (p, _) = spec.run(i);
                    p.dim == dim && p.hid == hid
                })
                .collect();
            let size = batch.min(runs.len().div_ceil(parts_per_shape)).max(1);
            batches.extend(runs.chunks(size).map(|c| (dim_index, hid, c.to_vec())));
        }
    }
    // The biggest first, so that the last batch to start is a short one.
    batches.sort_by_key(|(dim_index, hid, runs)| {
        let target = &targets[*dim_index];
        std::cmp::Reverse((target.num_items() * target.num_outputs()) as i64 * hid * runs.len() as i64)
    });

    batches
}

/// Trains every batch, `threads` workers taking them from a queue, with a progress bar over `runs`.
fn train_batches(
    spec: &Spec,
    targets: &[Target],
    batches: Vec<Batch>,
    compare: &BTreeSet<u64>,
    device: tch::Device,
    (threads, runs): (usize, usize),
) -> Result<Vec<Trained>> {
    let cpu = device == tch::Device::Cpu;
    let bar = ProgressBar::new(runs as u64).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} runs done  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let queue = Mutex::new(batches.into_iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    if cpu {
                        // One intra-op thread per worker (OpenMP's setting is per thread): a kernel
                        // split across threads computes some elements in scalar code that a single run
                        // computes in vector code, and sigmoid rounds differently there.
                        tch::set_num_threads(1);
                    }
                    loop {
                        let Some((dim_index, hid, runs)) = queue.lock().unwrap().next() else {
                            return Ok(());
                        };
                        let target = &targets[dim_index];
                        let specs: Vec<RunSpec> = runs
                            .iter()
                            .map(|&i| {
                                let (p, seed) = spec.run(i);
                                RunSpec { seed, init: p.init, lr: p.lr, mom: p.mom }
                            })
                            .collect();
                        let track: Vec<usize> =
                            (0..runs.len()).filter(|&k| compare.contains(&runs[k])).collect();
                        let schedule = batched::Schedule { hid, epochs: spec.epochs, stop: spec.stop };
                        let mut done_before = 0;
                        let result =
                            batched::train(target, &schedule, &specs, &track, device, |epoch, left| {
                                let done = (runs.len() - left) as u64;
                                bar.inc(done - done_before);
                                done_before = done;
                                bar.set_message(format!("epoch {epoch}"));
                            })?;
                        bar.inc(runs.len() as u64 - done_before);
                        results.lock().unwrap().push((dim_index, hid, runs, result));
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a sweep worker panicked")?;
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    Ok(results.into_inner().unwrap())
}

/// One row per run, in run order; the runs to compare; the shapes whose products the batch could not
/// round as a single run does.
fn collect_rows(
    spec: &Spec,
    targets: &[Target],
    results: Vec<Trained>,
    compare: &BTreeSet<u64>,
) -> (Vec<Row>, Vec<Tracked>, BTreeSet<String>) {
    let mut rows = Vec::new();
    let mut tracked = Vec::new();
    let mut inexact = BTreeSet::new();
    for (dim_index, hid, runs, result) in results {
        let target = &targets[dim_index];
        if !result.products.exact {
            inexact.insert(format!("{}-{hid}-{}", target.num_items(), target.num_outputs()));
        }
        for (k, (&i, outcome)) in runs.iter().zip(&result.outcomes).enumerate() {
            let (point, seed) = spec.run(i);
            rows.push(row(spec, target, i, &point, hid, seed, outcome, &result.final_weights[k]));
            if compare.contains(&i) {
                tracked.push((i, point, seed, result.tracked_losses[k].clone()));
            }
        }
    }
    rows.sort_by_key(|r| r.run);
    tracked.sort_by_key(|t| t.0);
    (rows, tracked, inexact)
}

/// Says, on stderr, whether the batched runs equal the single runs bit for bit.
fn note_rounding(cpu: bool, inexact: BTreeSet<String>) {
    if cpu {
        // The batches ran one intra-op thread per worker.
        let kernels =
            crate::engine::kernels::Kernels { threads: 1, ..crate::engine::kernels::Kernels::here() }
                .describe();
        if inexact.is_empty() {
            eprintln!(
                "note: in {kernels}, the batch found the order in which a single run's matrix products round, \
                 for every shape: each run equals `hud encoder`'s bit for bit"
            );
        } else {
            let shapes = inexact.into_iter().collect::<Vec<_>>().join(", ");
            eprintln!(
                "note: for {shapes}, in {kernels}, libtorch's single-run matrix products round in an order the \
                 batch does not reproduce: these runs equal `hud encoder`'s to within rounding, not bit for bit"
            );
        }
    }
    if !cpu {
        eprintln!(
            "note: on a GPU the batch's products round as the CPU's sgemm does, not as cuBLAS does for a single \
             run: runs equal `hud encoder --device cuda` to within rounding"
        );
    }
}

/// Trains the tracked runs one by one as `hud encoder` does, and compares each with its batched run.
fn compare_with_single_runs(
    spec: &Spec,
    args: &SweepArgs,
    device: tch::Device,
    rows: &[Row],
    tracked: Vec<Tracked>,
) -> Result<Vec<Comparison>> {
    let mut comparisons = Vec::new();
    for (i, point, seed, batched_losses) in tracked {
        let config = spec.config(&point, seed, args.device);
        let target = config.target()?;
        let mut single = Vec::new();
        let ended = encoder::train(&config, &target, device, |_, loss, _| {
            single.push(loss);
            Ok(())
        });
        let single_end = Ending {
            epochs: single.len() + usize::from(ended.is_err()),
            diverged: ended.is_err(),
            correct: match &ended {
                Ok(run) => encoder::all_outputs_correct(&run.net, &target)?,
                Err(_) => false,
            },
        };
        let row = &rows[rows.binary_search_by_key(&i, |r| r.run).expect("a row per run")];
        let batched_end = Ending {
            epochs: row.epochs as usize,
            diverged: row.epochs_to_stop == "diverged",
            correct: row.all_correct == "yes",
        };
        let label = format!("{} seed {seed}", config.shape(&target));
        comparisons.push(compare_runs(i, label, &batched_losses, batched_end, &single, single_end));
    }
    Ok(comparisons)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The shape a run's final hidden-unit cube forms, for 3 hidden units.
fn hidden_shape(target: &Target, weights: &[LinearTrace; 2]) -> String {
    let [in_hid, hid_out] = weights;
    let finite = weights.iter().all(|layer| layer.values().iter().all(|v| v.is_finite()));
    if in_hid.weight.len() != 3 || !finite {
        return String::new();
    }
    // Input k's point is column k of tanh(in_hid.weight + bias), as `EncModel::hidden_points` has it.
    let points: Vec<[f32; 3]> = (0..target.num_items())
        .map(|k| std::array::from_fn(|unit| (in_hid.weight[unit][k] + in_hid.bias[unit]).tanh()))
        .collect();
    let planes: Vec<[f32; 3]> = hid_out.weight.iter().map(|w| [w[0], w[1], w[2]]).collect();
    let encoder = target.is_identity();
    match cube::Analysis::with_target(&points, &planes, &hid_out.bias, encoder).verdict {
        // The question (8 points and their own planes) does not apply to this network.
        cube::Verdict::NotEightThreeEight => String::new(),
        verdict => verdict.name().to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    spec: &Spec,
    target: &Target,
    run: u64,
    point: &Point,
    hid: i64,
    seed: u64,
    outcome: &Outcome,
    weights: &[LinearTrace; 2],
) -> Row {
    Row {
        run,
        target: spec.target.clone(),
        items: target.num_items(),
        hid,
        outputs: target.num_outputs(),
        lr: point.lr,
        mom: point.mom,
        init: point.init,
        stop: spec.stop,
        max_epochs: spec.epochs,
        seed,
        epochs_to_stop: match outcome.status {
            Status::Converged => outcome.epochs.to_string(),
            Status::NotConverged => "not converged".into(),
            Status::Diverged => "diverged".into(),
        },
        epochs: outcome.epochs,
        final_loss: outcome.final_loss,
        all_correct: if outcome.correct { "yes" } else { "no" }.into(),
        hidden_shape: hidden_shape(target, weights),
    }
}

/// Compares the batched run's losses with the single run's, epoch by epoch. A diverged batched run's
/// last loss is NaN (the epoch its outputs became NaN); a diverged single run has no loss for that epoch.
pub fn compare_runs(
    run: u64,
    label: String,
    batched_losses: &[f32],
    batched: Ending,
    single_losses: &[f32],
    single: Ending,
) -> Comparison {
    let finite = if batched.diverged {
        &batched_losses[..batched_losses.len().saturating_sub(1)]
    } else {
        batched_losses
    };
    let both = finite.iter().zip(single_losses);
    let first_difference = both.clone().position(|(a, b)| a.to_bits() != b.to_bits()).map(|e| e + 1);
    let largest_difference = both.map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    Comparison { run, label, batched, single, first_difference, largest_difference }
}

/// Reads a sweep CSV: its spec and rows.
pub fn read_csv(path: &Path) -> Result<(Spec, String, Vec<Row>)> {
    let text = crate::data::files::read_text_capped(path, crate::data::files::MAX_READ_BYTES, "")?;
    let context = || format!("{} is not a hud sweep CSV", path.display());
    let (spec, part): (Spec, String) =
        crate::engine::shard::read_header(&text, "sweep").with_context(context)?;
    // `all`, or `shard I/N` as `--shard` takes it.
    let part_ok = part == "all" || part.strip_prefix("shard ").is_some_and(|s| s.parse::<Shard>().is_ok());
    ensure!(
        part_ok,
        "{}: its header names the part '{part}', which is neither `all` nor `shard I/N`",
        path.display()
    );
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
    let headers = reader.headers().with_context(context)?.clone();
    // Each --dim's (items, outputs), where the target can be read from here.
    let shapes: Option<Vec<(usize, usize)>> = spec
        .dim
        .iter()
        .map(|&dim| Target::resolve(&spec.target, dim).ok().map(|t| (t.num_items(), t.num_outputs())))
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: a malformed row", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Row = record.deserialize(Some(&headers)).map_err(|e| {
            // Name the field, not its index.
            let field = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|i| headers.get(i as usize))
                    .map(|name| format!("{name}: {}", err.kind())),
                _ => None,
            };
            anyhow::anyhow!(
                "{}, line {line}: {}",
                path.display(),
                field.unwrap_or_else(|| format!("a malformed row ({e})"))
            )
        })?;
        if let Err(field) = spec.check_row(&row, shapes.as_deref()) {
            bail!("{}, line {line}: {field} does not belong to the sweep in its header", path.display());
        }
        rows.push(row);
    }
    Ok((spec, part, rows))
}

impl Spec {
    /// Whether a CSV row is one of this sweep's runs as the sweep writes it; else the first field that
    /// is not.
    fn check_row(&self, row: &Row, shapes: Option<&[(usize, usize)]>) -> Result<(), String> {
        let bad = |field: &str, value: &dyn std::fmt::Display| -> Result<(), String> {
            Err(format!("{field} {value}"))
        };
        if row.run >= self.total_runs() {
            return bad("run", &row.run);
        }
        let (point, seed) = self.run(row.run);
        let known_ending = matches!(row.epochs_to_stop.as_str(), "not converged" | "diverged")
            || row.epochs_to_stop.parse::<u64>().is_ok_and(|e| e == row.epochs);
        let shape = shapes.and_then(|s| self.dim.iter().position(|&d| d == point.dim).map(|i| s[i]));
        let loss_ok = if row.epochs_to_stop == "diverged" {
            row.final_loss.is_nan()
        } else {
            row.final_loss.is_finite() && row.final_loss >= 0.0
        };
        let shape_ok = row.hidden_shape.is_empty()
            || crate::analysis::cube::Verdict::ALL.iter().any(|v| v.name() == row.hidden_shape);
        match () {
            _ if row.target != self.target => bad("target", &row.target),
            _ if shape.is_some_and(|(items, _)| items != row.items) => bad("items", &row.items),
            _ if shape.is_some_and(|(_, outputs)| outputs != row.outputs) => bad("outputs", &row.outputs),
            _ if row.hid != point.hid => bad("hid", &row.hid),
            _ if row.lr.to_bits() != point.lr.to_bits() => bad("lr", &row.lr),
            _ if row.mom.to_bits() != point.mom.to_bits() => bad("mom", &row.mom),
            _ if row.init.to_bits() != point.init.to_bits() => bad("init", &row.init),
            _ if row.stop.to_bits() != self.stop.to_bits() => bad("stop", &row.stop),
            _ if row.max_epochs != self.epochs => bad("max_epochs", &row.max_epochs),
            _ if row.seed != seed => bad("seed", &row.seed),
            _ if row.epochs == 0 || row.epochs > self.epochs => bad("epochs", &row.epochs),
            _ if !loss_ok => bad("final_loss", &row.final_loss),
            _ if !shape_ok => bad("hidden_shape", &row.hidden_shape),
            _ if !known_ending => bad("epochs_to_stop", &row.epochs_to_stop),
            _ if !matches!(row.all_correct.as_str(), "yes" | "no") => bad("all_correct", &row.all_correct),
            _ => Ok(()),
        }
    }
}

/// The quartiles of `sorted` (ascending), as numpy.percentile gives them.
pub(crate) fn quartiles(sorted: &[u64]) -> Option<[f64; 3]> {
    let sorted: Vec<f64> = sorted.iter().map(|&e| e as f64).collect();
    crate::analysis::stats::quartiles(&sorted)
}

/// The rows of each configuration, in run order.
pub(crate) fn by_config(rows: &[Row]) -> Vec<Vec<&Row>> {
    let mut groups: Vec<Vec<&Row>> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|g| g[0].same_config(row)) {
            Some(group) => group.push(row),
            None => groups.push(vec![row]),
        }
    }
    groups
}

/// The printed summary: one line per configuration.
pub fn summary(rows: &[Row]) -> String {
    let mut text = format!(
        "{:<36} {:>6} {:>16} {:>9} {:>9}  {}\n",
        "config", "runs", "converged", "diverged", "correct", "epochs to stop: q1 / median / q3 (min-max)"
    );
    for group in by_config(rows) {
        let mut epochs: Vec<u64> = group.iter().filter_map(|r| r.converged_epochs()).collect();
        epochs.sort_unstable();
        let runs = group.len();
        let converged = format!("{} ({:.1}%)", epochs.len(), 100.0 * epochs.len() as f64 / runs as f64);
        let diverged = group.iter().filter(|r| r.epochs_to_stop == "diverged").count();
        let correct = group.iter().filter(|r| r.all_correct == "yes").count();
        let spread = match quartiles(&epochs) {
            Some([q1, median, q3]) => {
                format!("{q1} / {median} / {q3} ({}-{})", epochs[0], epochs[epochs.len() - 1])
            }
            None => format!("none within {} epochs", group[0].max_epochs),
        };
        let _ = writeln!(
            text,
            "{:<36} {:>6} {:>16} {:>9} {:>9}  {spread}",
            group[0].config_label(),
            runs,
            converged,
            diverged,
            correct
        );
    }
    // The shapes of the 3-D hidden-unit cubes (the seed page's Question 2), per configuration.
    for group in by_config(rows).iter().filter(|g| g.iter().any(|r| !r.hidden_shape.is_empty())) {
        let mut shapes: Vec<(&str, usize)> = Vec::new();
        for row in group.iter().filter(|r| !r.hidden_shape.is_empty()) {
            match shapes.iter_mut().find(|(name, _)| *name == row.hidden_shape) {
                Some((_, count)) => *count += 1,
                None => shapes.push((&row.hidden_shape, 1)),
            }
        }
        shapes.sort_by_key(|&(name, count)| (std::cmp::Reverse(count), name));
        let counts: Vec<String> = shapes.iter().map(|(name, count)| format!("{name} {count}")).collect();
        let _ =
            writeln!(text, "{}: final hidden-unit shapes: {}", group[0].config_label(), counts.join(", "));
    }
    text
}

/// Writes the CSV and the picture and prints the summary.
fn report(spec: &Spec, part: &str, rows: &[Row], csv: &Path, out: &Path) -> Result<()> {
    let picture = draw::render_sized(
        &crate::studies::sweep::picture::Picture(rows),
        out,
        crate::studies::sweep::picture::SIZE,
    )?;
    files::write_atomically(csv, &crate::engine::shard::csv_bytes("sweep", spec, part, rows)?)?;
    files::write_atomically(out, &picture)?;
    print!("{}", summary(rows));
    eprintln!("wrote {} and {}", csv.display(), out.display());
    Ok(())
}

/// Refuses, before any work, outputs that could not be written.
fn check_outputs(csv: &Path, out: &Path) -> Result<()> {
    draw::Format::of(out)?;
    files::check_writable(csv)?;
    files::check_writable(out)?;
    ensure!(csv != out, "--csv and --out both name {}", csv.display());
    Ok(())
}

/// `hud sweep`.
pub fn run(args: Args) -> Result<()> {
    if let Some(SweepCommand::Merge(merge_args)) = args.command {
        return merge(merge_args);
    }
    let args = args.sweep;
    ensure!(
        args.dim.is_none() || args.target == "input",
        "--dim is for --target input; the target {} has its own size",
        args.target
    );
    let spec = Spec::of(&args);
    check_outputs(&args.csv, &args.out)?;
    let swept = sweep(&spec, &args)?;
    let part = Shard::part_name(args.shard);
    let run_epochs: u64 = swept.rows.iter().map(|r| r.epochs).sum();
    if swept.rows.is_empty() {
        eprintln!("this part of the sweep has no runs (the sweep has {} runs)", spec.total_runs());
    } else {
        eprintln!(
            "trained {} runs ({} run-epochs) in {:.2} s on {}: {:.0} run-epochs per second",
            swept.rows.len(),
            run_epochs,
            swept.seconds,
            serde_json::to_value(args.device)?.as_str().unwrap_or("?"),
            run_epochs as f64 / swept.seconds
        );
    }
    report(&spec, &part, &swept.rows, &args.csv, &args.out)?;
    if !swept.comparisons.is_empty() {
        println!("batched against single runs (hud encoder --seed S, same config):");
        for comparison in &swept.comparisons {
            println!("  {comparison}");
        }
    }
    Ok(())
}

/// `hud sweep merge`: the shards must be parts of the same sweep and, together, all of it.
pub fn merge(args: MergeArgs) -> Result<()> {
    check_outputs(&args.csv, &args.out)?;
    let outputs = [("--csv", args.csv.as_path()), ("--out", args.out.as_path())];
    let read = |path: &Path| read_csv(path).map(|(spec, _, rows)| (spec, rows));
    let (spec, rows) =
        crate::engine::shard::join(&args.parts, &outputs, "sweep", read, |r: &Row| r.run, Spec::total_runs)?;
    report(&spec, "all", &rows, &args.csv, &args.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        for bad in ["0/8", "9/8", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn quartiles_interpolate_as_numpy_does() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
        assert_eq!(quartiles(&[1, 2, 3, 4]), Some([1.75, 2.5, 3.25]));
        assert_eq!(quartiles(&[7]), Some([7.0, 7.0, 7.0]));
        assert_eq!(quartiles(&[]), None);
    }

    #[test]
    fn runs_enumerate_configurations_then_seeds() {
        let spec = Spec {
            target: "input".into(),
            dim: vec![5, 9],
            hid: vec![2],
            lr: vec![0.4, 0.2],
            mom: vec![0.9],
            init: vec![0.001],
            seeds: 3,
            first_seed: 10,
            epochs: 5,
            stop: 0.02,
        };
        assert_eq!(spec.total_runs(), 12);
        let points = spec.points();
        for index in 0..12 {
            assert_eq!(spec.run(index), (points[index as usize / 3].clone(), 10 + index % 3));
        }
        let (point, seed) = spec.run(4);
        assert_eq!((point.dim, point.lr, seed), (5, 0.2, 11));
        let (point, seed) = spec.run(11);
        assert_eq!((point.dim, point.lr, seed), (9, 0.2, 12));
    }
}
