//! `hud depth`: the seed page's "Deeper Networks" section measured. It has no course script; the
//! PyTorch reference is `fixtures/depth_reference.py`.
//!
//! A fully connected network of 1 to 200 hidden layers ([`crate::engine::deep`]) with a chosen activation,
//! initialisation, batch norm and skip connections, on the twin spirals (or the encoder), measured
//! layer by layer at initialisation and at chosen epochs: the norm, mean and std of each weight's
//! gradient and of the gradient back-propagated to each layer's activations, the activations' mean
//! and std, the share of saturated units, and the activations' histograms (Glorot & Bengio 2010's
//! figures). `--table` trains every depth with every technique, with `--seeds` seeds each, for a fixed
//! budget and reports how many learn and how fast: the seed's table of techniques against depth.
//!
//! The result it should give: `hud depth --depth 32 --techniques sigmoid,tanh,relu,selu+lecun,
//! relu+kaiming` (seed 0) finds the first layer's weight gradient 1.8e-27 times the last hidden
//! layer's for sigmoid, 1.1e-8 for tanh and 1.0e-13 for ReLU with PyTorch's default init, but 0.64
//! for SELU with LeCun init and 1.15 for ReLU with He init; every per-layer number, loss and accuracy
//! equals PyTorch's, bit for bit on CPU (`hud verify`). `hud depth --table --seeds 20` ([`table`])
//! puts the limits where the seed's table does, in the share of 20 seeds that learn: sigmoid and tanh
//! at 2 to 4 layers, ReLU and SELU at 8 (16 is their edge), He init with batch norm at 16, residual
//! connections at 64, dense connections at 128.

pub mod picture;
pub mod table;

use crate::data::files;
use crate::draw;
use crate::draw::figure;
use crate::engine::deep::{self, Act, Arch, DeepNet, Init, LayerStats, Run, Skip, Training};
use crate::engine::device::DeviceArg;
use crate::parity::{Fixture, Report};
use anyhow::{bail, ensure, Result};
use indicatif::{ProgressBar, ProgressStyle};
use picture::{GradientPicture, HistogramPicture};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

/// The table's techniques, each adding to the one before from `relu+kaiming` on.
pub const TABLE_TECHNIQUES: &str =
    "sigmoid,tanh,relu,selu+lecun,relu+kaiming,relu+kaiming+bn,relu+kaiming+bn+residual,relu+kaiming+bn+dense";

/// Measure vanishing and exploding gradients layer by layer in deep networks, or (--table) train
/// every depth with every technique and tabulate which learn
#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<DepthCommand>,
    /// Hidden layers (1 to 200)
    #[arg(long, default_value_t = 32)]
    pub depth: usize,
    /// Units per hidden layer
    #[arg(long, default_value_t = 16)]
    pub width: i64,
    /// Activation of the hidden layers; several (comma-separated) compare them in one picture
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sigmoid,tanh,relu,selu")]
    pub act: Vec<Act>,
    /// Initial weights of every Linear layer: PyTorch's default, Glorot uniform, He normal, LeCun normal
    #[arg(long, value_enum, default_value_t = Init::Pytorch)]
    pub init: Init,
    /// Batch normalisation (training mode) between each hidden Linear and its activation
    #[arg(long)]
    pub batchnorm: bool,
    /// Skip connections between hidden layers
    #[arg(long, value_enum, default_value_t = Skip::None)]
    pub skip: Skip,
    /// Techniques by name instead of --act/--init/--batchnorm/--skip, comma-separated: an activation,
    /// then +kaiming, +xavier, +lecun, +bn, +residual or +dense (e.g. selu+lecun,relu+kaiming+bn)
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["act", "init", "batchnorm", "skip"])]
    pub techniques: Vec<String>,
    /// The task: `spirals` (the course's twin spirals, 194 points), `encoder` (the --dim identity),
    /// or a CSV file of x,y,class rows
    #[arg(long, default_value = "spirals")]
    pub data: String,
    /// The encoder's size, with --data encoder [default: 8]
    #[arg(long)]
    pub dim: Option<i64>,
    /// Epochs of training (Adam on the full batch; 0 measures the initial network only)
    #[arg(long, default_value_t = 0)]
    pub epochs: usize,
    /// Epochs at which to measure every layer (0: at initialisation; the last epoch is always
    /// measured)
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub measure_at: Vec<usize>,
    /// Adam's learning rate
    #[arg(long, default_value_t = 0.01)]
    pub lr: f64,
    /// torch.manual_seed before each network is built (with --seeds: the first seed)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to train
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// The picture (.png or .svg): per-layer gradient norms, or with --table the table's heatmap
    /// [default: depth.png, or depth-table.png]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The activations' histograms per layer (.png or .svg) [default: depth-activations.png]
    #[arg(long)]
    pub histograms: Option<PathBuf>,
    /// The numbers as CSV [default: depth.csv, or depth-table.csv]
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the run (config, losses, accuracies, per-layer numbers) as JSON, for parity checks
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Train every depth of --depths with every technique of --techniques and tabulate them
    #[arg(long, conflicts_with_all = ["depth", "epochs", "measure_at", "act", "init", "batchnorm", "skip"])]
    pub table: bool,
    /// The table's depths [default: 2,4,8,16,32,64,128]
    #[arg(long = "depths", value_delimiter = ',')]
    pub table_depths: Option<Vec<usize>>,
    /// The table's budget in epochs per network (its --epochs) [default: 1000]
    #[arg(long = "budget")]
    pub table_budget: Option<usize>,
    /// The accuracy that counts as learnt; the table's runs stop there [default: 0.9]
    #[arg(long = "threshold")]
    pub table_threshold: Option<f64>,
    /// Worker threads of the table, each training its own cells [default: one per core]
    #[arg(long = "jobs")]
    pub table_jobs: Option<usize>,
    /// Seeds per cell of the table (from --seed up): each cell says how many of them learn
    #[arg(long, default_value_t = 1, requires = "table", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub seeds: u64,
    /// How the table trains: a cell's seeds stacked and trained as one tensor program, or one network
    /// at a time on each worker thread
    #[arg(long, value_enum, default_value_t = table::Engine::Stacked, requires = "table")]
    pub engine: table::Engine,
    /// Train only part I of N disjoint parts of the table's runs (runs I-1, I-1+N, ...), for a job
    /// array; join the parts' CSVs with `hud depth merge`
    #[arg(long, value_name = "I/N", requires = "table")]
    pub shard: Option<crate::engine::shard::Shard>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum DepthCommand {
    /// Join the CSVs of a table trained in parts (--table --shard I/N) into one table, CSV and heatmap
    Merge(table::MergeArgs),
}

// The table's settings, with their defaults (options, so that a setting given without --table can be
// refused).
impl Args {
    pub fn depths(&self) -> Vec<usize> {
        self.table_depths.clone().unwrap_or_else(|| vec![2, 4, 8, 16, 32, 64, 128])
    }

    pub fn budget(&self) -> usize {
        self.table_budget.unwrap_or(1000)
    }

    pub fn threshold(&self) -> f64 {
        self.table_threshold.unwrap_or(0.9)
    }

    pub fn jobs(&self) -> usize {
        self.table_jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(64))
    }
}

/// The task's inputs and targets.
pub(crate) fn data(args: &Args) -> Result<(Tensor, Tensor)> {
    if args.data == "encoder" {
        let dim = args.dim.unwrap_or(8);
        ensure!((2..=64).contains(&dim), "--dim {dim} is out of range: 2 to 64");
        let eye = Tensor::eye(dim, (Kind::Float, Device::Cpu));
        return Ok((eye.copy(), eye));
    }
    let points = crate::data::points::PointSet::resolve(&args.data)?;
    Ok((points.inputs, points.targets))
}

/// Batch norm in training mode needs two points or more to take a variance over.
pub(crate) fn check_batch(archs: &[Arch], input: &Tensor) -> Result<()> {
    ensure!(
        input.size()[0] >= 2 || !archs.iter().any(|a| a.batchnorm),
        "batch norm needs at least 2 points, and the data has {}",
        input.size()[0]
    );
    Ok(())
}

/// The networks to compare: --techniques, else each --act with the other flags.
fn archs(args: &Args, depth: usize) -> Result<Vec<Arch>> {
    let archs: Vec<Arch> = if args.techniques.is_empty() {
        args.act
            .iter()
            .map(|&act| Arch {
                depth,
                width: args.width,
                act,
                init: args.init,
                batchnorm: args.batchnorm,
                skip: args.skip,
            })
            .collect()
    } else {
        args.techniques.iter().map(|t| Arch::parse(t, depth, args.width)).collect::<Result<_>>()?
    };
    ensure!(!archs.is_empty(), "no techniques to run");
    for (i, arch) in archs.iter().enumerate() {
        arch.check()?;
        ensure!(!archs[..i].contains(arch), "{} is named twice", arch.technique());
    }
    Ok(archs)
}

fn check_args(args: &Args) -> Result<()> {
    let table_only = [
        ("--depths", args.table_depths.is_some()),
        ("--budget", args.table_budget.is_some()),
        ("--threshold", args.table_threshold.is_some()),
        ("--jobs", args.table_jobs.is_some()),
    ];
    if let Some((option, _)) = table_only.iter().find(|(_, given)| *given && !args.table) {
        bail!("{option} is a setting of the table: add --table");
    }
    ensure!(args.dim.is_none() || args.data == "encoder", "--dim is for --data encoder");
    ensure!(args.lr.is_finite() && args.lr > 0.0, "--lr {} should be a positive number", args.lr);
    ensure!(
        args.threshold().is_finite() && (0.0..=1.0).contains(&args.threshold()),
        "--threshold {} should be between 0 and 1",
        args.threshold()
    );
    ensure!(args.epochs <= 1_000_000, "--epochs {} is more than 1000000", args.epochs);
    ensure!(
        args.budget() >= 1 && args.budget() <= 1_000_000,
        "--budget {} should be 1 to 1000000",
        args.budget()
    );
    ensure!((1..=64).contains(&args.jobs()), "--jobs {} should be 1 to 64", args.jobs());
    if args.table {
        ensure!(
            args.histograms.is_none() && args.trace.is_none(),
            "--histograms and --trace are for single runs, not --table"
        );
    } else if args.trace.is_some() && archs(args, args.depth)?.len() > 1 {
        bail!("--trace records one network: name one with --act or --techniques");
    } else if let Some(late) = args.measure_at.iter().find(|&&e| e > args.epochs) {
        bail!("--measure-at {late} is after the last epoch (--epochs {})", args.epochs);
    }
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    check_args(&args)?;
    if let Some(DepthCommand::Merge(merge)) = &args.command {
        return table::merge(merge);
    }
    if args.table {
        return table::run(&args);
    }
    let archs = archs(&args, args.depth)?;
    let out = args.out.clone().unwrap_or_else(|| "depth.png".into());
    let histograms = args.histograms.clone().unwrap_or_else(|| "depth-activations.png".into());
    let csv = args.csv.clone().unwrap_or_else(|| "depth.csv".into());
    draw::Format::of(&out)?;
    draw::Format::of(&histograms)?;
    let outputs: Vec<&std::path::Path> =
        [&out, &histograms, &csv].into_iter().chain(&args.trace).map(|p| p.as_path()).collect();
    files::check_distinct(&outputs)?;
    for path in outputs {
        files::check_writable(path)?;
    }
    let device = args.device.to_device()?;
    let (input, target) = data(&args)?;
    check_batch(&archs, &input)?;
    let (input, target) = (input.to_device(device), target.to_device(device));
    let mut measure_at = args.measure_at.clone();
    measure_at.push(args.epochs);
    measure_at.sort_unstable();
    measure_at.dedup();
    let training = Training { lr: args.lr, epochs: args.epochs, measure_at, stop_at: None };
    let started = Instant::now();
    let mut results = Vec::new();
    for arch in &archs {
        let run = train_one(arch, &args, &input, &target, &training, device)?;
        results.push((*arch, run));
    }
    print!("{}", summary(&results, &args));
    if let Some(path) = &args.trace {
        let (arch, run) = &results[0];
        let config = Config {
            arch: *arch,
            data: args.data.clone(),
            dim: args.dim.unwrap_or(8),
            seed: args.seed,
            training: training.clone(),
        };
        files::write_atomically(path, serde_json::to_string(&Trace::of(config, run))?.as_bytes())?;
    }
    let subject =
        format!("{} hidden layers of {} units ({}, seed {})", args.depth, args.width, args.data, args.seed);
    let gradients = GradientPicture { results: &results, title: format!("Gradients through {subject}") };
    let picture = figure::render(&gradients, &out, picture::GRADIENT_SIZE)?;
    let activations =
        HistogramPicture { results: &results, title: format!("Activation histograms through {subject}") };
    let hist = figure::render(&activations, &histograms, picture::HISTOGRAM_SIZE)?;
    files::write_atomically(&csv, layers_csv(&results)?.as_bytes())?;
    files::write_atomically(&out, &picture)?;
    files::write_atomically(&histograms, &hist)?;
    eprintln!(
        "wrote {}, {} and {} ({:.1} s)",
        out.display(),
        histograms.display(),
        csv.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Trains one network of `arch` with a progress bar when it is long; a NaN output is an error.
fn train_one(
    arch: &Arch,
    args: &Args,
    input: &Tensor,
    target: &Tensor,
    training: &Training,
    device: Device,
) -> Result<Run> {
    let outputs = target.size()[1];
    let mut net = DeepNet::new(*arch, input.size()[1], outputs, args.seed, device)?;
    let bar = if training.epochs >= 200 {
        ProgressBar::new(training.epochs as u64 + 1).with_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} epochs  {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(arch.technique());
    let run = deep::train(&mut net, input, target, training, |_| bar.inc(1))?;
    bar.finish_and_clear();
    if let Some(epoch) = run.diverged_at {
        bail!("{}: the network's outputs became NaN at epoch {epoch}: training diverged", arch.technique());
    }
    Ok(run)
}

/// One line per technique: the gradient at the first and last hidden layer and their ratio.
/// The first hidden layer's weight-gradient norm over the last's, or `no gradient` when both are 0.
fn first_over_last(first: f32, last: f32) -> String {
    if first == 0.0 && last == 0.0 {
        "no gradient".to_string()
    } else {
        format!("{:.3e}", f64::from(first) / f64::from(last))
    }
}

fn summary(results: &[(Arch, Run)], args: &Args) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} hidden layers of {} units on {}, seed {}: weight-gradient norm by layer",
        args.depth, args.width, args.data, args.seed
    );
    let _ = writeln!(
        text,
        "{:<28} {:>6} {:>11} {:>11} {:>11} {:>12} {:>10} {:>9}",
        "technique", "epoch", "layer 1", "last hidden", "output", "first/last", "sat. mean", "loss"
    );
    for (arch, run) in results {
        for (epoch, stats) in &run.measurements {
            let first = stats[0].weight_grad_norm;
            let last = stats[arch.depth - 1].weight_grad_norm;
            let saturated =
                stats[..arch.depth].iter().map(|s| f64::from(s.saturated)).sum::<f64>() / arch.depth as f64;
            let _ = writeln!(
                text,
                "{:<28} {:>6} {:>11.3e} {:>11.3e} {:>11.3e} {:>12} {:>9.1}% {:>9.4}",
                arch.technique(),
                epoch,
                first,
                last,
                stats[arch.depth].weight_grad_norm,
                first_over_last(first, last),
                100.0 * saturated,
                run.losses[*epoch],
            );
        }
    }
    for (arch, run) in results.iter().filter(|(_, run)| picture::dead(run)) {
        let loss = run.losses.first().copied().unwrap_or(f32::NAN);
        let _ = writeln!(
            text,
            "{}: no weight gradient in any layer at any measured epoch: a dead network (loss {loss:.4}), it cannot learn",
            arch.technique()
        );
    }
    text
}

/// The per-layer numbers as CSV, one row per technique, measured epoch and layer.
/// The shortest decimal that reads back as `value`, in exponent form when it is very small or large
/// (`3.4938316e-29`, not 36 digits of zeros).
fn csv_number(value: f32) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

fn layers_csv(results: &[(Arch, Run)]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "technique",
        "epoch",
        "layer",
        "kind",
        "weight_grad_norm",
        "weight_grad_mean",
        "weight_grad_std",
        "back_grad_norm",
        "back_grad_mean",
        "back_grad_std",
        "act_mean",
        "act_std",
        "saturated",
        "loss",
        "accuracy",
    ])?;
    for (arch, run) in results {
        for (epoch, stats) in &run.measurements {
            for (l, s) in stats.iter().enumerate() {
                let kind = if l < arch.depth { "hidden" } else { "output" };
                let mut row = vec![arch.technique(), epoch.to_string(), (l + 1).to_string(), kind.into()];
                row.extend(s.values().iter().map(|&v| csv_number(v)));
                row.push(csv_number(run.losses[*epoch]));
                row.push(csv_number(run.accuracies[*epoch]));
                w.write_record(&row)?;
            }
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

// ---------------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------------
// Traces and parity.

/// A run's settings, as the trace and `fixtures/depth_reference.py` write them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    #[serde(flatten)]
    pub arch: Arch,
    pub data: String,
    pub dim: i64,
    pub seed: u64,
    #[serde(flatten)]
    pub training: Training,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Measurement {
    pub epoch: usize,
    pub layers: Vec<LayerStats>,
}

/// What a run computed: loss and accuracy at every epoch and the per-layer numbers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trace {
    pub script: String,
    pub config: Config,
    #[serde(with = "crate::engine::trace::exact_f32")]
    pub losses: Vec<f32>,
    #[serde(with = "crate::engine::trace::exact_f32")]
    pub accuracies: Vec<f32>,
    pub measurements: Vec<Measurement>,
    /// The kernels the run computed with (absent from traces made before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<crate::engine::kernels::Kernels>,
}

impl Trace {
    pub const SCRIPT: &'static str = "depth";

    pub fn of(config: Config, run: &Run) -> Self {
        Trace {
            script: Self::SCRIPT.into(),
            config,
            losses: run.losses.clone(),
            accuracies: run.accuracies.clone(),
            measurements: run
                .measurements
                .iter()
                .map(|(epoch, layers)| Measurement { epoch: *epoch, layers: layers.clone() })
                .collect(),
            kernels: Some(crate::engine::kernels::Kernels::here()),
        }
    }

    /// Every per-layer number, then the accuracies, in order.
    fn values(&self) -> Vec<f32> {
        let layers = self.measurements.iter().flat_map(|m| m.layers.iter().flat_map(|s| s.values()));
        layers.chain(self.accuracies.iter().copied()).collect()
    }
}

/// Runs a trace's config again (on the CPU) and compares: losses as losses, every per-layer number
/// and accuracy as "weights".
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let reference: Trace = fixture.parse()?;
    let mut config = reference.config.clone();
    // A loss at initialisation and after each epoch (a run with a threshold may stop sooner): the
    // recorded losses bound the replay, to one epoch more than they cover.
    if config.training.stop_at.is_none() {
        crate::parity::check_length(
            &fixture.name,
            "losses",
            reference.losses.len(),
            config.training.epochs as u64 + 1,
        )?;
    }
    let recorded = reference.losses.len() as u64;
    crate::parity::check_length(&fixture.name, "accuracies", reference.accuracies.len(), recorded)?;
    config.training.epochs = config.training.epochs.min(reference.losses.len());
    config.data = fixture.resolve_path(&config.data);
    let ours = trace_of(&config)?;
    let mut report = Report::new(&fixture.name, reference.losses.len(), ours.losses.len());
    report.compare_losses(&reference.losses, &ours.losses);
    let (a, b) = (reference.values(), ours.values());
    report.compare_weights(&a, &b);
    ensure!(
        reference.measurements.iter().map(|m| m.epoch).eq(ours.measurements.iter().map(|m| m.epoch)),
        "{}: measured at other epochs",
        fixture.name
    );
    Ok(report)
}

/// The trace of a run of `config` on the CPU.
pub fn trace_of(config: &Config) -> Result<Trace> {
    let args = Args {
        data: config.data.clone(),
        dim: (config.data == "encoder").then_some(config.dim),
        ..default_args()
    };
    let (input, target) = data(&args)?;
    let mut net = DeepNet::new(config.arch, input.size()[1], target.size()[1], config.seed, Device::Cpu)?;
    let run = deep::train(&mut net, &input, &target, &config.training, |_| {})?;
    Ok(Trace::of(config.clone(), &run))
}

pub(crate) fn default_args() -> Args {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: Args,
    }
    Wrapper::parse_from(["depth"]).args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_are_short_and_exact() {
        for (value, text) in [
            (3.4938316e-29f32, "3.4938316e-29"),
            (0.5, "0.5"),
            (0.0, "0"),
            (1.25e-3, "0.00125"),
            (2e20, "2e20"),
        ] {
            assert_eq!(csv_number(value), text);
            assert_eq!(csv_number(value).parse::<f32>().unwrap().to_bits(), value.to_bits());
        }
    }
}
