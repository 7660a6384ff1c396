//! Port of the course's `encoder_main.py` (COMP9444, UNSW; the seed page "Hidden Unit Dynamics"),
//! with the assignment version's arguments.
//!
//! An N-K-N encoder (`in_hid` Linear, tanh, `hid_out` Linear, sigmoid) learns to reproduce one-hot
//! inputs through K hidden units, by SGD with momentum on the mean binary cross-entropy, one full batch
//! per epoch, until the loss is at most `--stop`; then `plot_hidden` draws hidden-unit space.
//!
//! The result it should give: `hud encoder --seed 0` (9-2-9 with the defaults) prints exactly the
//! lines of the script run after `torch.manual_seed(0)`, the last `ep15600: loss =  0.0201`, and stops
//! at epoch 15673 with the same weights, bit for bit, on CPU (seed 1 stops at 14973, seed 2 at 15265);
//! the picture shows nine dots spread around the square's edge, each cut off from the others by its
//! output's line.

use crate::data::files;
use crate::data::targets::{Target, MAX_SIZE};
use crate::draw::animate::{self, Recorder};
use crate::draw::cube::CubeRun;
use crate::draw::explorer::encoder as explorer;
use crate::draw::hidden::HiddenPicture;
use crate::draw::Format;
use crate::engine::device::DeviceArg;
use crate::engine::model::{seeded, EncModel};
use crate::engine::trace::{exact_f32, LinearTrace};
use crate::engine::train::{train_full_batch, Schedule};
use crate::parity::{self, Fixture, Report};
use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tch::{nn, Device};

/// The epochs at which the course's `--plot` draws the picture (and once more at the end).
pub const PLOT_EPOCHS: [u64; 26] = [
    50, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10000, 15000, 20000, 30000, 50000,
    70000, 100000, 150000, 200000, 300000, 500000, 700000, 1000000,
];

/// Train an N-K-N encoder as encoder_main.py does and draw its hidden-unit space.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Random seed, as torch.manual_seed(SEED) at the start of the script's main(); drawn and
    /// printed when not given
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Where to train
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// The picture of hidden-unit space at the end (.png or .svg)
    #[arg(long, default_value = "encoder.png")]
    pub out: PathBuf,
    /// Also save the picture at the course's epochs 50, 100, 150, 200, 300, 500, ... (as
    /// encoder_ep00050.png beside --out)
    #[arg(long)]
    pub plot: bool,
    /// Print the loss every this many epochs (0: never)
    #[arg(long, default_value_t = 100, allow_negative_numbers = true)]
    pub print_every: u64,
    /// Write the run (config, loss per epoch, final weights) as JSON to this file
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Also write an animated GIF: with --hid 2, the picture's change during training (frames at
    /// epochs spaced logarithmically, epoch and loss in each title); with --hid 3, the trained cube
    /// turning about h3
    #[arg(long, value_name = "FILE.gif")]
    pub animate: Option<PathBuf>,
    /// With --animate: draw each dot's path so far behind it
    #[arg(long)]
    pub trails: bool,
    /// Also draw each dot's whole path, from the first epoch to the last, in one picture (.png or
    /// .svg; needs --hid 2)
    #[arg(long, value_name = "FILE")]
    pub trajectory: Option<PathBuf>,
    /// Frames per tenfold of epochs for --animate (epochs 1, 2, 3, ... 10, 11, 12, 13, 14, 16, ...)
    #[arg(long, default_value_t = animate::DEFAULT_FRAMES_PER_DECADE,
          value_parser = clap::value_parser!(u32).range(1..=250))]
    pub frames_per_decade: u32,
    /// Also write an interactive page of the run (one self-contained file, offline): the picture at
    /// each recorded epoch (the --animate schedule and every --print-every epoch) with a slider, the
    /// loss curve, each dot's numbers on hover; with --hid 3 the cube, turned by dragging
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

/// The script's arguments that shape the network and its training (all but the seed and device).
#[derive(clap::Args, Debug, Clone)]
pub struct NetworkArgs {
    /// `input` (the identity of size --dim), `star16`, `question1` (the seed page's 6-2-3 table), or
    /// the path of a CSV file of 0/1 rows (one row per input item, one column per output)
    #[arg(long, default_value = "input")]
    pub target: String,
    /// Input dimension for `--target input` [default: 9]
    #[arg(long, allow_negative_numbers = true)]
    pub dim: Option<i64>,
    /// Number of hidden units, K
    #[arg(long, default_value_t = 2, allow_negative_numbers = true)]
    pub hid: i64,
    /// Maximum number of epochs
    #[arg(long, default_value_t = 100000, value_parser = clap::value_parser!(u64).range(1..=crate::engine::train::MAX_EPOCHS))]
    pub epochs: u64,
    /// Stop once an epoch's loss is at most this
    #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
    pub stop: f64,
    /// Learning rate
    #[arg(long, default_value_t = 0.4, allow_negative_numbers = true)]
    pub lr: f64,
    /// Momentum
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub mom: f64,
    /// Standard deviation of the initial weights
    #[arg(long, default_value_t = 0.001, allow_negative_numbers = true)]
    pub init: f64,
}

impl NetworkArgs {
    /// Refuses a --dim that a named or file target would ignore.
    pub fn check(&self) -> Result<()> {
        ensure!(
            self.dim.is_none() || self.target == "input",
            "--dim is for --target input; the target {} has its own size",
            self.target
        );
        Ok(())
    }

    /// The run's config with this seed, on this device.
    pub fn config(&self, seed: u64, device: DeviceArg) -> Config {
        Config {
            target: self.target.clone(),
            dim: self.dim.unwrap_or(9),
            hid: self.hid,
            epochs: self.epochs,
            stop: self.stop,
            lr: self.lr,
            mom: self.mom,
            init: self.init,
            seed,
            device,
        }
    }
}

/// What decides a run's numbers: the script's arguments and the seed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    pub target: String,
    pub dim: i64,
    pub hid: i64,
    pub epochs: u64,
    pub stop: f64,
    pub lr: f64,
    pub mom: f64,
    pub init: f64,
    pub seed: u64,
    pub device: DeviceArg,
}

impl Config {
    /// Checks the numbers and resolves the target.
    pub fn target(&self) -> Result<Target> {
        ensure!(
            (1..=MAX_SIZE as i64).contains(&self.hid),
            "--hid must be between 1 and {MAX_SIZE}, got {}",
            self.hid
        );
        for (name, value) in [("stop", self.stop), ("lr", self.lr), ("mom", self.mom), ("init", self.init)] {
            ensure!(value.is_finite() && value >= 0.0, "--{name} must be a finite number >= 0, got {value}");
        }
        Target::resolve(&self.target, self.dim)
    }

    /// The run's shape, e.g. `9-2-9`.
    pub fn shape(&self, target: &Target) -> String {
        format!("{}-{}-{}", target.num_items(), self.hid, target.num_outputs())
    }
}

/// A trained network and the loss of each epoch.
pub struct Run {
    pub net: EncModel,
    pub losses: Vec<f32>,
}

/// Trains as the script's `main()` does: `torch.manual_seed(seed)`, the network built on the CPU
/// (drawing as `nn.Linear` does), weights redrawn `normal_(0, init)` and biases zeroed, then moved to
/// `device`, then the training loop. `after_epoch(epoch, loss, net)` runs after each step.
pub fn train(
    config: &Config,
    target: &Target,
    device: Device,
    mut after_epoch: impl FnMut(u64, f32, &EncModel) -> Result<()>,
) -> Result<Run> {
    let mut vs = nn::VarStore::new(Device::Cpu);
    let (num_in, num_out) = (target.num_items() as i64, target.num_outputs() as i64);
    let net = seeded(config.seed, || {
        let mut net = EncModel::new(&vs.root(), num_in, config.hid, num_out);
        net.init_weights(config.init);
        net
    });
    vs.set_device(device);
    let input = target.inputs().to_device(device);
    let target = target.tensor().to_device(device);
    let schedule = Schedule { epochs: config.epochs, stop: config.stop, lr: config.lr, mom: config.mom };
    let losses =
        train_full_batch(&net, &input, &target, &schedule, |epoch, loss| after_epoch(epoch, loss, &net))?;
    Ok(Run { net, losses })
}

/// Whether every output of `net` is on the right side of 0.5 for every input item.
pub fn all_outputs_correct(net: &EncModel, target: &Target) -> Result<bool> {
    let device = net.in_hid.weight.device();
    let output = tch::no_grad(|| tch::nn::Module::forward(net, &target.inputs().to_device(device)));
    let right = output.gt(0.5).eq_tensor(&target.tensor().to_device(device).gt(0.5));
    Ok(right.all().int64_value(&[]) != 0)
}

/// A run as JSON: its config, the loss of every epoch and the final weights.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trace {
    /// Always "encoder": which script `hud verify` replays.
    pub script: String,
    pub config: Config,
    pub epochs: u64,
    #[serde(with = "exact_f32")]
    pub loss: Vec<f32>,
    pub in_hid: LinearTrace,
    pub hid_out: LinearTrace,
    /// The kernels the run computed with (absent from traces made before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<crate::engine::kernels::Kernels>,
}

impl Trace {
    pub const SCRIPT: &'static str = "encoder";

    pub fn of(config: &Config, run: &Run) -> Result<Self> {
        Ok(Trace {
            script: Self::SCRIPT.into(),
            config: config.clone(),
            epochs: run.losses.len() as u64,
            loss: run.losses.clone(),
            in_hid: LinearTrace::of(&run.net.in_hid)?,
            hid_out: LinearTrace::of(&run.net.hid_out)?,
            // The CPU's kernels; a CUDA run's numbers are the GPU's.
            kernels: (config.device == DeviceArg::Cpu).then(crate::engine::kernels::Kernels::here),
        })
    }

    /// Compares `ours` with this reference: epochs, loss per epoch, weights.
    pub fn compare(&self, name: &str, ours: &Trace) -> Report {
        let mut report = Report::new(name, self.epochs as usize, ours.epochs as usize);
        report.compare_losses(&self.loss, &ours.loss);
        report.compare_weights(&self.in_hid.values(), &ours.in_hid.values());
        report.compare_weights(&self.hid_out.values(), &ours.hid_out.values());
        report
    }
}

crate::parity::run_trace!(Trace);

/// `hud verify`'s replay of an encoder fixture: trains its config on the CPU and compares.
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let reference: Trace = fixture.parse()?;
    parity::check_length(&fixture.name, "loss", reference.loss.len(), reference.epochs)?;
    let mut config = reference.config.clone();
    config.target = fixture.resolve_path(&config.target);
    // At most one epoch more than the reference ran: enough to see a run that would not stop.
    config.epochs = config.epochs.min(reference.epochs + 1);
    let target = config.target()?;
    let run = train(&config, &target, config.device.to_device()?, |_, _, _| Ok(()))?;
    Ok(reference.compare(&fixture.name, &Trace::of(&config, &run)?))
}

/// The saved reference with this run's config, if there is one: the same numbers, and a target with
/// the same rows (however it was named).
fn matching_fixture(config: &Config, target: &Target) -> Result<Option<(String, Trace)>> {
    parity::find_embedded(Trace::SCRIPT, |reference: &Trace| {
        let same_numbers =
            Config { target: config.target.clone(), dim: config.dim, ..reference.config.clone() };
        same_numbers == *config && reference.config.target().is_ok_and(|t| t.rows() == target.rows())
    })
}

/// `--plot`'s file for `epoch`: `encoder.png` gives `encoder_ep00050.png`.
pub fn epoch_picture_path(out: &Path, epoch: u64) -> PathBuf {
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("encoder");
    let ext = out.extension().and_then(|s| s.to_str()).unwrap_or("png");
    out.with_file_name(format!("{stem}_ep{epoch:05}.{ext}"))
}

/// The run's name, which starts each picture's title: `9-2-9 encoder, target input`.
fn run_name(config: &Config, target: &Target) -> String {
    let kind = if config.target == "input" { "encoder" } else { "network" };
    format!("{} {kind}, target {}", config.shape(target), config.target)
}

fn title(config: &Config, target: &Target, epoch: usize, loss: Option<f32>) -> String {
    crate::draw::hidden::epoch_title(&run_name(config, target), epoch as u64, loss)
}

/// `hud encoder`: the script's run, its printed lines, its picture, and a parity check against a saved
/// PyTorch reference when one has this config.
pub fn run(args: Args) -> Result<()> {
    let seed = args.seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    args.network.check()?;
    let config = args.network.config(seed, args.device);
    let target = config.target()?;
    let device = config.device.to_device()?;
    let picture = crate::draw::space::has_picture(config.hid);
    let request = check_outputs(&args, config.hid, picture)?;
    if args.html.is_some() {
        explorer::Recorder::check(config.hid, &target)?;
    }
    // With 3 hidden units --animate turns the final cube (CubeRun below): nothing to record.
    let mut recorder = (request.wanted() && config.hid == 2)
        .then(|| Recorder::new(request, run_name(&config, &target), &target));
    let mut explorer = args.html.is_some().then(|| {
        let name = run_name(&config, &target);
        explorer::Recorder::new(name, &target, config.epochs, args.frames_per_decade, args.print_every)
    });
    if args.seed.is_none() {
        eprintln!("seed {seed} (drawn; repeat this run with --seed {seed})");
    }

    let mut epoch_pictures = Vec::new();
    let run = train(&config, &target, device, |epoch, loss, net| {
        if args.print_every > 0 && epoch % args.print_every == 0 {
            println!("ep{epoch:3}: loss = {loss:7.4}");
        }
        if picture && args.plot && PLOT_EPOCHS.contains(&epoch) {
            let path = epoch_picture_path(&args.out, epoch);
            let title = title(&config, &target, epoch as usize, Some(loss));
            match config.hid {
                2 => HiddenPicture::of(net, title)?.labelled_for(&target).save(&path)?,
                _ => crate::draw::space::save(net, &title, None, &path)?,
            }
            epoch_pictures.push(path);
        }
        if let Some(recorder) = &mut recorder {
            recorder.after_epoch(epoch, loss, net)?;
        }
        if let Some(explorer) = &mut explorer {
            explorer.after_epoch(epoch, loss, net)?;
        }
        Ok(())
    });
    // A run that fails (diverges) writes nothing, its --plot pictures included: they are staged until
    // the command succeeds (src/data/files.rs).
    let run = run?;
    let trace = Trace::of(&config, &run)?;
    // The animation and trajectory are rendered before anything is written.
    let recording = recorder.map(|r| r.finish(trace.epochs, run.losses.last().copied(), &run.net));
    let rendered = recording.transpose()?.map(|recording| recording.render()).transpose()?;
    let page = explorer.map(|e| e.finish(&run.losses, config.stop, &run.net)?.html()).transpose()?;
    // K = 3: the cube's analysis (the seed page's Question 2) and --animate's turning cube.
    let final_title = title(&config, &target, run.losses.len(), run.losses.last().copied());
    let cube = (config.hid == 3)
        .then(|| CubeRun::of(&run.net, &target, &final_title, args.animate.as_deref()))
        .transpose()?;

    eprintln!("{}", parity::run_line(matching_fixture(&config, &target)?, &trace));

    if let Some(cube) = &cube {
        eprintln!("{}", cube.analysis);
    }
    if let Some(path) = &args.trace {
        let json = serde_json::to_string(&trace).context("cannot encode the trace")?;
        files::write_atomically(path, json.as_bytes())?;
    }
    write_pictures(&args, (&config, &target), &run, cube.as_ref(), &epoch_pictures, rendered)?;
    if let (Some(path), Some(page)) = (&args.html, &page) {
        crate::draw::explorer::write(path, page)?;
    }
    if trace.epochs == config.epochs && run.losses.last().is_some_and(|&l| l > config.stop as f32) {
        eprintln!("note: the loss did not reach --stop {} within {} epochs", config.stop, config.epochs);
    }
    Ok(())
}

/// Refuses, before training, outputs that cannot be written or that name one file twice (the
/// picture, the trace, the animation, the trajectory, --plot's snapshots); what --animate and
/// --trajectory ask for.
fn check_outputs(args: &Args, hid: i64, picture: bool) -> Result<animate::Request> {
    let epochs = args.network.epochs;
    if picture {
        Format::of(&args.out)?;
        files::check_writable(&args.out)?;
    }
    if let Some(trace) = &args.trace {
        files::check_writable(trace)?;
        ensure!(!picture || *trace != args.out, "--trace and --out both name {}", trace.display());
    }
    let request = animate::Request {
        gif: args.animate.clone(),
        trails: args.trails,
        trajectory: args.trajectory.clone(),
        frames_per_decade: args.frames_per_decade,
    };
    let outputs: Vec<&Path> =
        [picture.then_some(args.out.as_path()), args.trace.as_deref()].into_iter().flatten().collect();
    request.check(hid, &outputs)?;
    // --plot's snapshots are outputs too: no other output may name one.
    let snapshots: Vec<PathBuf> = match picture && args.plot {
        true => {
            PLOT_EPOCHS.iter().filter(|&&e| e <= epochs).map(|&e| epoch_picture_path(&args.out, e)).collect()
        }
        false => Vec::new(),
    };
    if let Some(html) = &args.html {
        crate::draw::explorer::check_path(html)?;
    }
    let every_output: Vec<&Path> = outputs
        .iter()
        .copied()
        .chain(args.html.as_deref())
        .chain(args.animate.as_deref())
        .chain(args.trajectory.as_deref())
        .chain(snapshots.iter().map(PathBuf::as_path))
        .collect();
    files::check_distinct(&every_output)?;
    Ok(request)
}

/// The final picture (and --plot's snapshots, the turning cube, the animation), or why there is none.
fn write_pictures(
    args: &Args,
    (config, target): (&Config, &Target),
    run: &Run,
    cube: Option<&CubeRun>,
    epoch_pictures: &[PathBuf],
    rendered: Option<animate::Rendered>,
) -> Result<()> {
    let picture = crate::draw::space::has_picture(config.hid);
    let final_title = title(config, target, run.losses.len(), run.losses.last().copied());
    if picture {
        let last = run.losses.last().copied();
        match config.hid {
            2 => HiddenPicture::of(&run.net, title(config, target, run.losses.len(), last))?
                .labelled_for(target)
                .save(&args.out)?,
            _ => {
                let subtitle = cube.and_then(CubeRun::subtitle);
                crate::draw::space::save(&run.net, &final_title, subtitle, &args.out)?
            }
        }
        eprintln!("wrote {}", args.out.display());
        if let (Some(first), Some(last)) = (epoch_pictures.first(), epoch_pictures.last()) {
            eprintln!(
                "wrote {} --plot snapshots ({} ... {})",
                epoch_pictures.len(),
                first.display(),
                last.display()
            );
        }
        if let Some(cube) = cube {
            cube.write_gif()?;
        }
        if let Some(rendered) = &rendered {
            rendered.write()?;
        }
    } else {
        eprintln!("no picture: {}", crate::draw::space::no_picture_reason(config.hid));
    }
    Ok(())
}
