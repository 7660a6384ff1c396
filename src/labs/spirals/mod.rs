//! Port of the course's `spiral_main.py` (COMP9444, UNSW): the twin spirals (Lang & Witbrock 1988),
//! learnt by PolarNet, RawNet or ShortNet ([`crate::engine::nets`]) with Adam, and the pictures of the output
//! and of every hidden unit over the plane.
//!
//! The script: `torch.manual_seed(seed)`, the net built (each `nn.Linear` drawing as PyTorch does),
//! every parameter redrawn `normal_(0, init)` in `net.parameters()` order, `Adam(lr, eps=1e-6,
//! weight_decay=1e-4)`, a DataLoader of batch 97 without shuffling (two steps per epoch), and for
//! epochs 1, 2, ...: train, print `ep:%5d loss: %6.4f acc: %5.2f` every 100 epochs, stop at a multiple
//! of 100 with accuracy exactly 100. Then `graph_output` (`<net>_out.png`) and `graph_hidden` for every
//! hidden unit (`<net><layer>_<node>.png`), plus one contact sheet per hidden layer.
//!
//! The result it should give (CPU, course defaults, bit for bit with PyTorch on the same machine):
//! `--net polar --seed 0` reaches 100% at epoch 6700 and `--seed 3` at 4200; with AVX512 kernels
//! `--net short --seed 2` at 3200 and `--net raw --seed 3` at 6700 (long raw and short runs move with
//! the CPU's kernel path: raw seed 3 stops at 5200 with AVX2), while raw seeds 0, 1, 2 and 4 stall at
//! loss 0.69 and about 50% for all 99,999 epochs (see the README for settings under which raw learns).

pub mod seeds;
pub mod stacked;

use crate::data::files;
use crate::data::points::PointSet;
use crate::draw::region::{self, ContactSheet, Field, Grid, Region};
use crate::engine::device::DeviceArg;
use crate::engine::model::{seeded, NanOutputs};
use crate::engine::nets::{Activation, NetKind, PointNet, Shape};
use crate::engine::optim::Adam;
use crate::engine::trace::{exact_f32, exact_f32_rows};
use crate::engine::train::classifier_epoch;
use crate::parity::{Fixture, Report};
use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tch::nn::{self, Module};
use tch::{Device, Tensor};

/// The script's optimiser settings besides the learning rate.
pub const ADAM_BETAS: (f64, f64) = (0.9, 0.999);
pub const ADAM_EPS: f64 = 0.000001;
pub const WEIGHT_DECAY: f64 = 0.0001;
/// The DataLoader's batch size: the 194 points in two batches.
pub const BATCH_SIZE: usize = 97;
/// The most hidden units whose pictures a run draws.
pub const MAX_DRAWN_UNITS: i64 = 128;

/// Train PolarNet, RawNet, ShortNet (or a plain MLP) on the twin spirals as spiral_main.py does, and
/// draw them
#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<SpiralsCommand>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Random seed, as torch.manual_seed(SEED) at the start; drawn and printed when not given (with
    /// --seeds: the first seed, default 0)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to train
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// Write the run (config, loss and accuracy per epoch, final parameters) as JSON to this file
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// The folder for the pictures (<net>_out.png, <net><layer>_<node>.png, <net><layer>_all.png)
    #[arg(long, default_value = ".", conflicts_with = "seeds")]
    pub out_dir: PathBuf,
    /// Draw no pictures
    #[arg(long, conflicts_with = "seeds")]
    pub no_plots: bool,
    /// Also write an interactive page of the run (one self-contained file, offline): the output's and
    /// every hidden unit's map at recorded epochs, the points on top, the loss and accuracy curves
    #[arg(long, value_name = "FILE.html", conflicts_with = "seeds")]
    pub html: Option<PathBuf>,
    /// Train this many seeds (from --seed up) of each setting instead of one run, all together, and
    /// summarise them: how many reach 100%, and when (no pictures)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_SEEDS))]
    pub seeds: Option<u64>,
    /// With --seeds: a file of settings, one per line (e.g. `--net raw --hid 20 --init 0.3`; what a
    /// line leaves out is the command line's), each trained with every seed
    #[arg(long, value_name = "FILE", requires = "seeds")]
    pub grid: Option<PathBuf>,
    /// With --seeds: runs of one network stacked and trained as one tensor program, or one run at a
    /// time on each worker thread
    #[arg(long, value_enum, default_value_t = seeds::Engine::Stacked, requires = "seeds")]
    pub engine: seeds::Engine,
    /// With --seeds: worker threads, each training its own runs or batches (default: one per core)
    #[arg(long, value_name = "N", requires = "seeds", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub jobs: Option<usize>,
    /// With --seeds: the most runs stacked in one batch
    #[arg(long, value_name = "N", default_value_t = 10_000, requires = "seeds", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub batch: usize,
    /// With --seeds: train only part I of N disjoint parts of the runs (runs I-1, I-1+N, ...), for a
    /// job array; write it with --csv and join the parts with `hud spirals merge`
    #[arg(long, value_name = "I/N", requires = "csv")]
    pub shard: Option<crate::engine::shard::Shard>,
    /// With --seeds: one row per run, as CSV
    #[arg(long, value_name = "FILE", requires = "seeds")]
    pub csv: Option<PathBuf>,
    /// With --seeds: the summary as a markdown table
    #[arg(long, value_name = "FILE", requires = "seeds")]
    pub markdown: Option<PathBuf>,
    /// Write the course's spirals.csv (built from its rule, byte for byte) to this file, and train
    /// nothing
    #[arg(long, value_name = "FILE", conflicts_with_all = ["seeds", "trace"])]
    pub write_data: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum SpiralsCommand {
    /// Join the CSVs of --seeds runs trained in parts (--shard I/N) into one summary
    Merge(seeds::MergeArgs),
}

/// The arguments that decide a run's numbers, besides the seed and device.
#[derive(clap::Args, Debug, Clone)]
pub struct NetworkArgs {
    /// The network
    #[arg(long, value_enum, default_value_t = NetKind::Raw)]
    pub net: NetKind,
    /// Standard deviation of every initial parameter
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub init: f64,
    /// Hidden units per layer
    #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
    pub hid: i64,
    /// Adam's learning rate
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub lr: f64,
    /// The script's `range(1, epochs)`: at most EPOCHS - 1 epochs
    #[arg(long, default_value_t = 100000, value_parser = clap::value_parser!(u64).range(2..=crate::engine::train::MAX_EPOCHS))]
    pub epochs: u64,
    /// With --net mlp: the number of hidden layers
    #[arg(long, default_value_t = Shape::COURSE_LAYERS, allow_negative_numbers = true)]
    pub layers: i64,
    /// With --net mlp: the hidden layers' activation
    #[arg(long, value_enum, default_value_t = Activation::Tanh)]
    pub act: Activation,
    /// The points: `spirals` (the course's spirals.csv, built in) or a CSV file in its format (a
    /// header line, then x,y,class rows with class 0 or 1)
    #[arg(long, default_value = "spirals")]
    pub data: String,
}

impl NetworkArgs {
    pub fn config(&self, seed: u64, device: DeviceArg) -> Config {
        seeds::Setting::of(self).config(self.epochs, &self.data, seed, device)
    }
}

/// What decides a run's numbers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    pub net: NetKind,
    pub hid: i64,
    pub layers: i64,
    pub act: Activation,
    pub init: f64,
    pub lr: f64,
    pub epochs: u64,
    pub data: String,
    pub seed: u64,
    pub device: DeviceArg,
}

impl Config {
    pub fn shape(&self) -> Shape {
        Shape { net: self.net, hid: self.hid, layers: self.layers, act: self.act }
    }

    /// Refuses numbers the script could not train with.
    pub fn check(&self) -> Result<()> {
        self.shape().check()?;
        for (name, value) in [("init", self.init), ("lr", self.lr)] {
            ensure!(value.is_finite() && value >= 0.0, "--{name} must be a finite number >= 0, got {value}");
        }
        Ok(())
    }

    /// Checks the numbers and loads the points.
    pub fn points(&self) -> Result<PointSet> {
        self.check()?;
        PointSet::resolve(&self.data)
    }
}

/// A trained network and its epochs.
pub struct Run {
    pub net: PointNet,
    /// The last batch's loss, per epoch.
    pub losses: Vec<f32>,
    /// The epoch's accuracy in percent, per epoch.
    pub accuracies: Vec<f32>,
    /// Kept alive for the network's parameters.
    _vs: nn::VarStore,
}

impl Run {
    /// Whether the run stopped the script's way: at a multiple of 100 epochs with 100% accuracy.
    pub fn solved(&self) -> bool {
        self.accuracies.len().is_multiple_of(100) && self.accuracies.last() == Some(&100.0)
    }
}

/// The network as the script draws it: `torch.manual_seed(seed)`, built, every parameter redrawn
/// `normal_(0, init)`; on the CPU.
pub fn draw(config: &Config) -> (nn::VarStore, PointNet) {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = seeded(config.seed, || {
        let net = PointNet::new(&vs.root(), config.shape());
        net.init_normal(config.init);
        net
    });
    (vs, net)
}

/// Trains as the script does; `after_epoch(epoch, loss, accuracy)` runs after each epoch. A diverging
/// run (NaN outputs) ends with an error naming the epoch.
pub fn train(
    config: &Config,
    points: &PointSet,
    device: Device,
    mut after_epoch: impl FnMut(u64, f32, f32) -> Result<()>,
) -> Result<Run> {
    train_watched(config, points, device, |epoch, loss, accuracy, _| after_epoch(epoch, loss, accuracy))
}

/// [`train`], whose `after_epoch` also sees the network as the epoch left it.
pub fn train_watched(
    config: &Config,
    points: &PointSet,
    device: Device,
    mut after_epoch: impl FnMut(u64, f32, f32, &PointNet) -> Result<()>,
) -> Result<Run> {
    let (mut vs, net) = draw(config);
    vs.set_device(device);
    let batches = points.to_device(device).batches(BATCH_SIZE);
    let mut params = net.parameters();
    let mut optimizer = Adam::new(config.lr, ADAM_BETAS, ADAM_EPS, WEIGHT_DECAY);
    let (mut losses, mut accuracies) = (Vec::new(), Vec::new());
    for epoch in 1..config.epochs {
        let result = classifier_epoch(|x| net.forward(x), &mut params, &batches, &mut optimizer);
        let epoch_result = match result {
            Err(e) if e.is::<NanOutputs>() => return Err(Diverged { epoch }.into()),
            result => result?,
        };
        losses.push(epoch_result.loss);
        accuracies.push(epoch_result.accuracy);
        after_epoch(epoch, epoch_result.loss, epoch_result.accuracy, &net)?;
        if epoch.is_multiple_of(100) && epoch_result.accuracy == 100.0 {
            break;
        }
    }
    Ok(Run { net, losses, accuracies, _vs: vs })
}

/// A run's outputs became NaN at this epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diverged {
    pub epoch: u64,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the run diverged at epoch {}: {NanOutputs} (try a smaller --lr or --init)", self.epoch)
    }
}

impl std::error::Error for Diverged {}

/// The script's progress line.
pub fn progress_line(epoch: u64, loss: f32, accuracy: f32) -> String {
    format!("ep:{epoch:5} loss: {:6.4} acc: {:5.2}", f64::from(loss), f64::from(accuracy))
}

/// A parameter's values: a matrix (a weight) or a vector (a bias), exact f32.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum Values {
    Matrix(#[serde(with = "exact_f32_rows")] Vec<Vec<f32>>),
    Vector(#[serde(with = "exact_f32")] Vec<f32>),
}

impl Values {
    fn of(tensor: &Tensor) -> Result<Self> {
        let tensor = tensor.to_device(Device::Cpu).detach();
        Ok(match tensor.dim() {
            2 => Values::Matrix(Vec::<Vec<f32>>::try_from(tensor)?),
            _ => Values::Vector(Vec::<f32>::try_from(tensor.view([-1]))?),
        })
    }

    fn flat(&self) -> Vec<f32> {
        match self {
            Values::Matrix(rows) => rows.iter().flatten().copied().collect(),
            Values::Vector(values) => values.clone(),
        }
    }
}

/// A run as JSON: `{"script": "spirals", "config": .., "epochs": E, "loss": [..], "accuracy": [..],
/// "params": {"hid1.weight": [[..]], ..}}` (PyTorch's state_dict names).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trace {
    pub script: String,
    pub config: Config,
    pub epochs: u64,
    #[serde(with = "exact_f32")]
    pub loss: Vec<f32>,
    #[serde(with = "exact_f32")]
    pub accuracy: Vec<f32>,
    pub params: BTreeMap<String, Values>,
    /// The kernels the run computed with (absent from traces made before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<crate::engine::kernels::Kernels>,
}

impl Trace {
    pub const SCRIPT: &'static str = "spirals";

    pub fn of(config: &Config, run: &Run) -> Result<Self> {
        let params = run
            .net
            .named_parameters()
            .into_iter()
            .map(|(name, p)| Ok((name, Values::of(&p)?)))
            .collect::<Result<_>>()?;
        Ok(Trace {
            script: Self::SCRIPT.into(),
            config: config.clone(),
            epochs: run.losses.len() as u64,
            loss: run.losses.clone(),
            accuracy: run.accuracies.clone(),
            params,
            // The CPU's kernels; a CUDA run's numbers are the GPU's.
            kernels: (config.device == DeviceArg::Cpu).then(crate::engine::kernels::Kernels::here),
        })
    }

    /// Compares `ours` with this reference: epochs, loss and accuracy per epoch, parameters.
    pub fn compare(&self, name: &str, ours: &Trace) -> Report {
        let mut report = Report::new(name, self.epochs as usize, ours.epochs as usize);
        report.compare_losses(&self.loss, &ours.loss);
        report.compare_accuracies(&self.accuracy, &ours.accuracy);
        for (param, values) in &self.params {
            let theirs = ours.params.get(param).map(Values::flat).unwrap_or_default();
            report.compare_weights(&values.flat(), &theirs);
        }
        report
    }
}

crate::parity::run_trace!(Trace);

/// `hud verify`'s replay of a spirals fixture: trains its config on the CPU and compares.
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let reference: Trace = fixture.parse()?;
    crate::parity::check_length(&fixture.name, "loss", reference.loss.len(), reference.epochs)?;
    crate::parity::check_length(&fixture.name, "accuracy", reference.accuracy.len(), reference.epochs)?;
    let mut config = reference.config.clone();
    config.data = fixture.resolve_path(&config.data);
    // `range(1, epochs)`: at most one epoch more than the reference ran.
    let recorded = config.clone();
    config.epochs = config.epochs.min(reference.epochs + 2);
    let points = config.points()?;
    let run = train(&config, &points, config.device.to_device()?, |_, _, _| Ok(()))?;
    Ok(reference.compare(&fixture.name, &Trace::of(&recorded, &run)?))
}

/// The pictures of a trained network, as the script's `graph_output` and `graph_hidden` draw them over
/// the course's grid (evaluated in one batched forward pass): `<net>_out.png` (painted where the
/// output is at least 0.5), `<net><layer>_<node>.png` for every hidden unit (painted where its
/// activation is at least 0, or 0.5 for sigmoid units), one contact sheet per hidden layer
/// (`<net><layer>_all.png`), and the output's graded value (`<net>_out_graded.png`), which shows how
/// sure the network is where.
/// The names of the pictures [`save_pictures`] writes for a network of this config.
fn picture_names(config: &Config) -> Vec<String> {
    let name = config.net.name();
    let mut names = vec![format!("{name}_out.png"), format!("{name}_out_graded.png")];
    for layer in 1..=config.shape().hidden_layers() {
        names.extend((0..config.hid).map(|node| format!("{name}{layer}_{node}.png")));
        names.push(format!("{name}{layer}_all.png"));
    }
    names
}

pub fn save_pictures(
    net: &PointNet,
    points: &PointSet,
    out_dir: &Path,
    caption: &str,
) -> Result<Vec<PathBuf>> {
    let grid = Grid::course();
    let rows = points.rows();
    let device = net.layers[0].1.weight.device();
    let pass = tch::no_grad(|| net.pass(&grid.points(device)));
    let name = net.shape.net.name();
    let ((x0, x1), (y0, y1)) = grid.extent();
    let outside = rows
        .iter()
        .filter(|&&(x, y, _)| !(x0..=x1).contains(&f64::from(x)) || !(y0..=y1).contains(&f64::from(y)));
    let outside = outside.count();
    if outside > 0 {
        eprintln!(
            "note: {outside} of the {} points lie outside the course's grid ({x0:.2} to {x1:.2} by {y0:.2} to {y1:.2}) and are not drawn",
            rows.len()
        );
    }
    let mut written = Vec::new();
    let mut save = |file: String, picture: &dyn Fn(&Path) -> Result<()>| -> Result<()> {
        let path = out_dir.join(file);
        picture(&path)?;
        written.push(path);
        Ok(())
    };
    let output = region::painted_where(&pass.output, 0.5)?;
    let title = format!("{name}: output, {caption}");
    save(format!("{name}_out.png"), &|path| {
        Region {
            title: &title,
            grid: &grid,
            painted: &output,
            points: &rows,
            painted_label: Some("output >= 0.5"),
        }
        .save(path)
    })?;
    let graded = region::field_values(&pass.output)?;
    save(format!("{name}_out_graded.png"), &|path| {
        Field {
            title: &title,
            grid: &grid,
            values: &graded,
            threshold: 0.5,
            points: &rows,
            value_label: Some("output"),
        }
        .save(path)
    })?;
    let act = net.shape.act;
    let label = act.on_label();
    for (layer, hidden) in pass.hidden.iter().enumerate() {
        let layer = layer + 1;
        let units = region::painted_units(hidden, act)?;
        for (node, unit) in units.iter().enumerate() {
            let title = format!("{name}: hidden layer {layer}, unit {node}, {caption}");
            save(format!("{name}{layer}_{node}.png"), &|path| {
                Region {
                    title: &title,
                    grid: &grid,
                    painted: unit,
                    points: &rows,
                    painted_label: Some(label),
                }
                .save(path)
            })?;
        }
        let title = format!("{name}: the {} units of hidden layer {layer}, {caption}", units.len());
        save(format!("{name}{layer}_all.png"), &|path| {
            ContactSheet {
                title: &title,
                grid: &grid,
                units: &units,
                points: &rows,
                painted_label: Some(label),
            }
            .save(path)
        })?;
    }
    Ok(written)
}

/// The most seeds `--seeds` trains (each a whole run).
pub const MAX_SEEDS: u64 = 10_000;

/// `hud spirals`: the script's run, its printed lines and its pictures; or, with `--seeds`, many runs
/// summarised.
pub fn run(args: Args) -> Result<()> {
    if let Some(path) = &args.write_data {
        files::write_atomically(path, crate::data::points::twin_spirals_csv().as_bytes())?;
        eprintln!("wrote {} (sha1 {})", path.display(), crate::data::points::SPIRALS_SHA1);
        return Ok(());
    }
    if let Some(SpiralsCommand::Merge(merge)) = &args.command {
        return seeds::merge(merge);
    }
    if let Some(count) = args.seeds {
        return run_seeds(&args, count);
    }
    let seed = args.seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let config = args.network.config(seed, args.device);
    let points = config.points()?;
    let device = config.device.to_device()?;
    check_outputs(&args, &config)?;
    let mut explorer = match &args.html {
        Some(_) => Some(crate::draw::explorer::spirals::Recorder::new(
            explorer_name(&config),
            config.epochs,
            device,
        )?),
        None => None,
    };
    if args.seed.is_none() {
        eprintln!("seed {seed} (drawn; repeat this run with --seed {seed})");
    }
    let run = train_watched(&config, &points, device, |epoch, loss, accuracy, net| {
        if epoch % 100 == 0 {
            println!("{}", progress_line(epoch, loss, accuracy));
        }
        match &mut explorer {
            Some(explorer) => explorer.after_epoch(epoch, loss, accuracy, net),
            None => Ok(()),
        }
    })?;
    let page = match explorer {
        Some(e) => Some(e.finish(&run.losses, &run.accuracies, &run.net, &points)?.html()?),
        None => None,
    };
    let trace = Trace::of(&config, &run)?;
    // The saved PyTorch reference with this config (the course's data), if there is one.
    let reference = crate::parity::find_embedded(Trace::SCRIPT, |r: &Trace| r.config == config)?;
    eprintln!("{}", crate::parity::run_line(reference, &trace));
    if let Some(path) = &args.trace {
        let json = serde_json::to_string(&trace).context("cannot encode the trace")?;
        files::write_atomically(path, json.as_bytes())?;
    }
    let epochs = run.losses.len();
    let accuracy = run.accuracies.last().copied().unwrap_or(0.0);
    if run.solved() {
        eprintln!("every point right at epoch {epochs}");
    } else {
        eprintln!("note: {accuracy:.2}% of the points right after {epochs} epochs (never 100% at a multiple of 100)");
    }
    for line in linearity(&run.net, &points)? {
        eprintln!("{line}");
    }
    if !args.no_plots {
        let caption = format!("seed {seed}, epoch {epochs}, {accuracy:.2}% right");
        let written = save_pictures(&run.net, &points, &args.out_dir, &caption)?;
        eprintln!(
            "wrote {} pictures in {} ({})",
            written.len(),
            args.out_dir.display(),
            file_names(&written)
        );
    }
    if let (Some(path), Some(page)) = (&args.html, &page) {
        crate::draw::explorer::write(path, page)?;
    }
    Ok(())
}

/// Refuses, before training, outputs that cannot be written or that name one file twice: the
/// pictures (and how many there would be), the trace, the page.
fn check_outputs(args: &Args, config: &Config) -> Result<()> {
    let units = config.hid * config.shape().hidden_layers();
    let mut outputs: Vec<PathBuf> = Vec::new();
    if !args.no_plots {
        ensure!(
            units <= MAX_DRAWN_UNITS,
            "{units} hidden units are too many to draw (at most {MAX_DRAWN_UNITS}: each is a picture, and the \
             grid's activations take memory); add --no-plots"
        );
        files::output_folder("--out-dir", &args.out_dir)?;
        if args.out_dir.is_dir() {
            files::check_writable(&args.out_dir.join(format!("{}_out.png", config.net.name())))?;
        }
        outputs.extend(picture_names(config).into_iter().map(|n| args.out_dir.join(n)));
    }
    // After --out-dir: the trace and the page may go into the folder the run will make.
    if let Some(trace) = &args.trace {
        files::check_writable(trace)?;
        outputs.push(trace.clone());
    }
    if let Some(html) = &args.html {
        ensure!(
            units <= MAX_DRAWN_UNITS,
            "{units} hidden units are too many for --html (at most {MAX_DRAWN_UNITS}: each is a map at every \
             recorded epoch)"
        );
        crate::draw::explorer::check_path(html)?;
        outputs.push(html.clone());
    }
    files::check_distinct(&outputs.iter().map(PathBuf::as_path).collect::<Vec<_>>())
}

/// The explorer's title: `raw net, hid 10, init 0.1, lr 0.01, seed 0`.
fn explorer_name(config: &Config) -> String {
    let shape = match config.net {
        NetKind::Mlp => format!("{} layers of {} {}", config.layers, config.hid, config.act.name()),
        _ => format!("hid {}", config.hid),
    };
    format!(
        "{} net, {shape}, init {}, lr {}, seed {}",
        config.net.name(),
        config.init,
        config.lr,
        config.seed
    )
}

/// How far into tanh's curve each hidden layer works over the points: the seed's "small weights stay
/// nearly linear" made visible. A layer whose activations all stay within +-0.3 computes very nearly
/// a linear function (tanh x is within 3% of x there), and a stack of linear maps is one linear map:
/// it cannot separate the spirals.
pub fn linearity(net: &PointNet, points: &PointSet) -> Result<Vec<String>> {
    if net.shape.act != Activation::Tanh {
        return Ok(Vec::new());
    }
    let device = net.layers[0].1.weight.device();
    let pass = tch::no_grad(|| net.pass(&points.inputs.to_device(device)));
    pass.hidden
        .iter()
        .enumerate()
        .map(|(k, h)| {
            let largest = f64::try_from(h.abs().max())?;
            let verdict = if largest < 0.3 {
                "nearly linear (tanh x is within 3% of x there)"
            } else if largest < 0.9 {
                "partly into the curve of tanh"
            } else {
                "into tanh's saturation"
            };
            Ok(format!(
                "hidden layer {}: |activation| at most {largest:.3} over the points: {verdict}",
                k + 1
            ))
        })
        .collect()
}

fn file_names(paths: &[PathBuf]) -> String {
    let names: Vec<String> =
        paths.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    match names.len() {
        0..=4 => names.join(", "),
        n => format!("{}, {} ... {}", names[0], names[1], names[n - 1]),
    }
}

fn run_seeds(args: &Args, count: u64) -> Result<()> {
    ensure!(args.trace.is_none(), "--trace records one run; it does not go with --seeds");
    let first_seed = args.seed.unwrap_or(0);
    ensure!(
        first_seed.checked_add(count).is_some(),
        "--seed {first_seed} plus --seeds {count} passes the largest seed"
    );
    let settings = match &args.grid {
        Some(path) => seeds::read_grid(path, &args.network)?,
        None => {
            args.network.config(first_seed, args.device).check()?;
            vec![seeds::Setting::of(&args.network)]
        }
    };
    let spec = seeds::Spec {
        settings,
        first_seed,
        seeds: count,
        epochs: args.network.epochs,
        data: args.network.data.clone(),
    };
    ensure!(
        spec.total_runs() <= seeds::MAX_RUNS,
        "{} runs (settings x seeds) are too many; at most {}",
        spec.total_runs(),
        seeds::MAX_RUNS
    );
    let outputs = seeds::Outputs { csv: args.csv.as_ref(), markdown: args.markdown.as_ref() };
    outputs.check()?;
    let jobs = match (args.jobs, args.device) {
        (Some(jobs), _) => jobs,
        (None, DeviceArg::Cpu) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        (None, DeviceArg::Cuda) => 1,
    };
    let plan = seeds::Plan { engine: args.engine, device: args.device, jobs, batch: args.batch };
    let runs = args.shard.unwrap_or(crate::engine::shard::Shard::ALL).runs(spec.total_runs());
    let started = std::time::Instant::now();
    let rows = seeds::train(&spec, &runs, &plan)?;
    let run_epochs: u64 = rows.iter().map(|r| r.epochs).sum();
    let seconds = started.elapsed().as_secs_f64();
    if spec.settings.len() == 1 {
        for row in &rows {
            let result =
                if row.solved() { "100%".to_string() } else { format!("{:.2}%", row.final_accuracy) };
            eprintln!("seed {}: {result} after {} epochs (loss {:.4})", row.seed, row.epochs, row.final_loss);
        }
    }
    eprintln!(
        "trained {} runs ({run_epochs} run-epochs) in {seconds:.1} s: {:.0} run-epochs per second ({} engine, {jobs} {})",
        rows.len(),
        run_epochs as f64 / seconds.max(1e-9),
        args.engine.name(),
        if jobs == 1 { "worker" } else { "workers" }
    );
    if args.engine == seeds::Engine::Stacked {
        eprintln!("{}", crate::engine::stacked::exactness(args.device.to_device()?));
    }
    let part = crate::engine::shard::Shard::part_name(args.shard);
    outputs.report(&spec, &part, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_is_the_scripts_format() {
        // 'ep:%5d loss: %6.4f acc: %5.2f' % (100, 0.69201, 50.0)
        assert_eq!(progress_line(100, 0.692_01, 50.0), "ep:  100 loss: 0.6920 acc: 50.00");
        assert_eq!(progress_line(6700, 0.012_345, 100.0), "ep: 6700 loss: 0.0123 acc: 100.00");
    }

    #[test]
    fn summaries_count_the_solved_runs_and_take_their_median() {
        let setting = seeds::Setting {
            net: NetKind::Raw,
            hid: 20,
            layers: 2,
            act: Activation::Tanh,
            init: 0.3,
            lr: 0.01,
        };
        let row = |seed, epochs, accuracy: f32| seeds::Row {
            run: seed,
            setting: setting.label(),
            seed,
            epochs,
            solved: if accuracy == 100.0 && epochs % 100 == 0 { "yes" } else { "no" }.into(),
            diverged: "no".into(),
            final_accuracy: accuracy,
            final_loss: 0.1,
        };
        let rows = [row(0, 1900, 100.0), row(1, 20000, 97.0), row(2, 2400, 100.0)];
        let rows: Vec<&seeds::Row> = rows.iter().collect();
        assert_eq!(
            seeds::summary_line(&setting, 20001, &rows),
            "raw hid 20, init 0.3, lr 0.01, 20000 epochs: 3 runs, 2 reach 100%, median epochs 2150 (quartiles \
             2025 to 2275), median final accuracy 100.00%"
        );
    }
}
