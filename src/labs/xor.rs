//! Port of the course's `xor.py` (COMP9444 / ZZEN9444, UNSW; week 2's "hidden unit dynamics" lab),
//! following PORTING.md.
//!
//! A 2-2-1 network (`in_hid` Linear, tanh, `hid_out` Linear, sigmoid) learns XOR from its four points,
//! one batch of 4 per epoch (`DataLoader(batch_size=4)`), by SGD (`lr` 0.1, `mom` 0.0) on the mean
//! binary cross-entropy. The weights are redrawn `normal_(0, init)` with `init` 1.0; the biases keep
//! `nn.Linear`'s own draw (the script does not zero them). Epochs run `range(1, 10000)`: a line
//! `ep%3d: loss = %7.4f` every 100 epochs, `Global Mininum` (the script's spelling) and the end once
//! an epoch's loss is below 0.01, else `Local Minimum` after epoch 9999. The script has `lr`, `mom` and
//! `init` as constants at its top for students to edit; here they are `--lr`, `--mom`, `--init`.
//!
//! The result it should give: `hud xor --seed 0` prints exactly the lines of the script run after
//! `torch.manual_seed(0)`, 46 loss lines then `Global Mininum`, stopping at epoch 4690 with the same
//! weights, bit for bit, on CPU; seed 1 stops at 3663; seed 2 stays in a local minimum (loss 0.3480
//! at epoch 9999), as about half the course's runs do with these defaults.

use crate::data::files;
use crate::data::points::PointSet;
use crate::draw::hidden::HiddenPicture;
use crate::draw::Format;
use crate::engine::model::{seeded, EncModel, NanOutputs};
use crate::engine::optim::Sgd;
use crate::engine::trace::{exact_f32, LinearTrace};
use crate::parity::{self, Fixture, Report};
use anyhow::{bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tch::{nn, Device, Tensor};

/// The script's stop test, `loss < 0.01`.
pub const STOP: f64 = 0.01;

/// `loss < 0.01` as PyTorch evaluates it for a float32 loss tensor: in float32, 0.01 rounded first.
fn below_stop(loss: f32) -> bool {
    loss < STOP as f32
}

/// Print a line every this many epochs, as the script does.
pub const PRINT_EVERY: u64 = 100;

/// The script's `input` rows and their `target`.
pub const POINTS: [([f32; 2], f32); 4] =
    [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)];

/// Train a 2-2-1 network on XOR as xor.py does (a global or a local minimum)
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Learning rate (the script's `lr`)
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub lr: f64,
    /// Momentum (the script's `mom`)
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub mom: f64,
    /// Standard deviation of the initial weights (the script's `init`); the biases keep
    /// torch.nn.Linear's draw
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub init: f64,
    /// The script's `epochs`: it trains epochs 1 to EPOCHS-1 (`range(1, epochs)`)
    #[arg(long, default_value_t = 10000, value_parser = clap::value_parser!(u64).range(2..=crate::engine::train::MAX_EPOCHS))]
    pub epochs: u64,
    /// Random seed, as torch.manual_seed(SEED) before the script runs; drawn and printed when not given
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Write the run (config, loss per epoch, minimum, final weights) as JSON to this file
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Draw the four points in hidden-unit space at the end, with the output's line (.png or .svg)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// What decides a run's numbers: the script's constants and the seed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    pub lr: f64,
    pub mom: f64,
    pub init: f64,
    pub epochs: u64,
    pub seed: u64,
}

impl Config {
    pub fn check(&self) -> Result<()> {
        for (name, value) in [("lr", self.lr), ("mom", self.mom), ("init", self.init)] {
            ensure!(value.is_finite() && value >= 0.0, "--{name} must be a finite number >= 0, got {value}");
        }
        Ok(())
    }
}

/// Where a run ended: the script's last line.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Minimum {
    /// The loss went below 0.01.
    Global,
    /// The epochs ran out first.
    Local,
}

impl Minimum {
    /// The line the script prints, spelt as it spells it.
    pub fn line(self) -> &'static str {
        match self {
            Minimum::Global => "Global Mininum",
            Minimum::Local => "Local Minimum",
        }
    }
}

/// The four XOR points, as the script's `input` and `target` tensors.
pub fn xor_points() -> PointSet {
    let inputs: Vec<f32> = POINTS.iter().flat_map(|(x, _)| *x).collect();
    let targets: Vec<f32> = POINTS.iter().map(|&(_, t)| t).collect();
    PointSet {
        inputs: Tensor::from_slice(&inputs).view([4, 2]),
        targets: Tensor::from_slice(&targets).view([4, 1]),
    }
}

/// A trained network, the loss of each epoch and where it ended.
pub struct Run {
    pub net: EncModel,
    pub losses: Vec<f32>,
    pub minimum: Minimum,
}

/// Trains as the script does, after `torch.manual_seed(seed)`: `MyModel()` built (drawing as
/// `nn.Linear` does), both weights redrawn `normal_(0, init)`, then per epoch the loader's one batch:
/// loss and gradients, one SGD step, `after_epoch(epoch, loss)`, and the stop test.
pub fn train(config: &Config, mut after_epoch: impl FnMut(u64, f32) -> Result<()>) -> Result<Run> {
    config.check()?;
    let vs = nn::VarStore::new(Device::Cpu);
    let net = seeded(config.seed, || {
        let mut net = EncModel::new(&vs.root(), 2, 2, 1);
        // `.weight.data.normal_(0, init)`, in_hid first; the biases keep their draw.
        tch::no_grad(|| {
            let _ = net.in_hid.weight.normal_(0.0, config.init);
            let _ = net.hid_out.weight.normal_(0.0, config.init);
        });
        net
    });
    let data = xor_points();
    let mut params = net.parameters();
    let mut optimizer = Sgd::new(config.lr, config.mom);
    let mut losses = Vec::new();
    for epoch in 1..config.epochs {
        // The DataLoader's batches (one, of all four points); nothing random follows its per-epoch draw.
        for (input, target) in data.batches(4) {
            let (loss, grads) = match net.loss_and_gradients(&input, &target) {
                Err(e) if e.is::<NanOutputs>() => {
                    bail!("the run diverged at epoch {epoch}: {e} (try a smaller --lr or --init)")
                }
                result => result?,
            };
            optimizer.step(&mut params, &grads)?;
            let loss = f32::try_from(&loss)?;
            losses.push(loss);
            after_epoch(epoch, loss)?;
            // A float32 tensor against a Python float: compared in float32.
            if below_stop(loss) {
                return Ok(Run { net, losses, minimum: Minimum::Global });
            }
        }
    }
    Ok(Run { net, losses, minimum: Minimum::Local })
}

/// A run as JSON: its config, the loss of every epoch, where it ended, and the final parameters by
/// their state_dict names.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trace {
    /// Always "xor": which script `hud verify` replays.
    pub script: String,
    pub config: Config,
    pub epochs: u64,
    #[serde(with = "exact_f32")]
    pub loss: Vec<f32>,
    pub minimum: Minimum,
    pub in_hid: LinearTrace,
    pub hid_out: LinearTrace,
    /// The kernels the run computed with (absent from traces made before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<crate::engine::kernels::Kernels>,
}

impl Trace {
    pub const SCRIPT: &'static str = "xor";

    pub fn of(config: &Config, run: &Run) -> Result<Self> {
        Ok(Trace {
            script: Self::SCRIPT.into(),
            config: config.clone(),
            epochs: run.losses.len() as u64,
            loss: run.losses.clone(),
            minimum: run.minimum,
            in_hid: LinearTrace::of(&run.net.in_hid)?,
            hid_out: LinearTrace::of(&run.net.hid_out)?,
            kernels: Some(crate::engine::kernels::Kernels::here()),
        })
    }

    /// Compares `ours` with this reference: epochs, loss per epoch, weights (the minimum follows from
    /// the last loss).
    pub fn compare(&self, name: &str, ours: &Trace) -> Report {
        let mut report = Report::new(name, self.epochs as usize, ours.epochs as usize);
        report.compare_losses(&self.loss, &ours.loss);
        report.compare_weights(&self.in_hid.values(), &ours.in_hid.values());
        report.compare_weights(&self.hid_out.values(), &ours.hid_out.values());
        report
    }
}

crate::parity::run_trace!(Trace);

/// `hud verify`'s replay of an xor fixture.
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let reference: Trace = fixture.parse()?;
    parity::check_length(&fixture.name, "loss", reference.loss.len(), reference.epochs)?;
    let mut config = reference.config.clone();
    // `range(1, epochs)`: at most one epoch more than the reference ran.
    config.epochs = config.epochs.min(reference.epochs + 2);
    let run = train(&config, |_, _| Ok(()))?;
    Ok(reference.compare(&fixture.name, &Trace::of(&reference.config, &run)?))
}

/// The saved reference with this config, if there is one.
fn matching_fixture(config: &Config) -> Result<Option<(String, Trace)>> {
    parity::find_embedded(Trace::SCRIPT, |reference: &Trace| reference.config == *config)
}

/// The four points in hidden-unit space (`tanh(in_hid(input))`), each labelled with its input and
/// target, and the output's line, with an arrow to the side where the output is above 0.5.
pub fn picture(net: &EncModel, title: String) -> Result<HiddenPicture> {
    let data = xor_points();
    let hidden = Vec::<Vec<f32>>::try_from(tch::no_grad(|| net.hidden(&data.inputs)))?;
    let points: Vec<(f32, f32)> = hidden.iter().map(|h| (h[0], h[1])).collect();
    let labels = dot_labels(&points);
    let outputs = LinearTrace::of(&net.hid_out)?;
    let mut picture = HiddenPicture::new(points, &outputs.weight, &outputs.bias, title);
    picture.dot_labels = Some(labels);
    picture.positive_sides = true;
    Ok(picture)
}

/// Each point's label, `01: 1` (its input and target); points that (nearly) coincide share one
/// label, on the first of them, since training often maps two inputs to one hidden point.
fn dot_labels(points: &[(f32, f32)]) -> Vec<String> {
    let mut labels: Vec<String> = POINTS.iter().map(|([a, b], t)| format!("{a}{b}: {t}")).collect();
    let near = |p: (f32, f32), q: (f32, f32)| (p.0 - q.0).abs() < 0.05 && (p.1 - q.1).abs() < 0.05;
    for k in 1..points.len() {
        if let Some(first) = (0..k).find(|&j| !labels[j].is_empty() && near(points[j], points[k])) {
            let label = std::mem::take(&mut labels[k]);
            labels[first] = format!("{}, {label}", labels[first]);
        }
    }
    labels
}

/// `hud xor`: the script's run and printed lines, a parity check against a saved PyTorch reference
/// when one has this config, and the trace and picture when asked for.
pub fn run(args: Args) -> Result<()> {
    let seed = args.seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let config = Config { lr: args.lr, mom: args.mom, init: args.init, epochs: args.epochs, seed };
    config.check()?;
    if let Some(out) = &args.out {
        Format::of(out)?;
        files::check_writable(out)?;
    }
    if let Some(trace) = &args.trace {
        files::check_writable(trace)?;
        ensure!(args.out.as_ref() != Some(trace), "--trace and --out both name {}", trace.display());
    }
    if args.seed.is_none() {
        eprintln!("seed {seed} (drawn; repeat this run with --seed {seed})");
    }

    let run = train(&config, |epoch, loss| {
        if epoch % PRINT_EVERY == 0 {
            println!("ep{epoch:3}: loss = {loss:7.4}");
        }
        Ok(())
    })?;
    println!("{}", run.minimum.line());
    let trace = Trace::of(&config, &run)?;

    eprintln!("{}", parity::run_line(matching_fixture(&config)?, &trace));
    if let Some(path) = &args.trace {
        let json = serde_json::to_string(&trace).context("cannot encode the trace")?;
        files::write_atomically(path, json.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(out) = &args.out {
        let title = crate::draw::hidden::epoch_title(
            "2-2-1 network on XOR",
            trace.epochs,
            run.losses.last().copied(),
        );
        picture(&run.net, title)?.save(out)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_points_are_xor() {
        let data = xor_points();
        assert_eq!(data.inputs.size(), [4, 2]);
        assert_eq!(Vec::<f32>::try_from(data.targets.view([-1])).unwrap(), [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(data.batches(4).len(), 1);
    }

    #[test]
    fn the_stop_test_is_float32_and_strict() {
        // f32(0.01) = 0.0099999998: below 0.01 in f64, so a comparison in f64 would stop at a loss of
        // exactly f32(0.01); PyTorch rounds 0.01 to f32 first, finds them equal, and carries on.
        assert!(f64::from(0.01f32) < STOP);
        assert!(!below_stop(0.01f32));
        assert!(below_stop(0.01f32.next_down()));
        assert!(!below_stop(0.01f32.next_up()));
    }

    #[test]
    fn coinciding_points_share_a_label() {
        let labels = dot_labels(&[(-1.0, -0.9), (-0.88, 0.94), (-0.87, 0.95), (0.9, 0.99)]);
        assert_eq!(labels, ["00: 0", "01: 1, 10: 1", "", "11: 0"]);
    }

    #[test]
    fn too_few_epochs_train_nothing_and_end_in_a_local_minimum() {
        let config = Config { lr: 0.1, mom: 0.0, init: 1.0, epochs: 1, seed: 0 };
        let run = train(&config, |_, _| Ok(())).unwrap();
        assert!(run.losses.is_empty());
        assert_eq!(run.minimum, Minimum::Local);
    }
}
