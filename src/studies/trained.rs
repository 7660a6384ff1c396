//! The trained network that `hud symmetry` and `hud nonlinearity` examine: the final network of a run
//! that `hud encoder --trace` wrote, or one trained here exactly as `hud encoder` trains it (on the
//! CPU, so bit for bit with PyTorch), by default the seed's 9-2-9 encoder with seed 0.

use crate::data::targets::Target;
use crate::engine::device::DeviceArg;
use crate::engine::model::EncModel;
use crate::labs::encoder::{self, Config, NetworkArgs, Trace};
use anyhow::{bail, ensure, Context, Result};
use std::path::{Path, PathBuf};
use tch::Device;

/// The network to examine: `--trace FILE`, or the encoder's arguments to train one.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Examine the final network of this run (a JSON file written by `hud encoder --trace`) instead
    /// of training one
    #[arg(long, value_name = "FILE",
          conflicts_with_all = ["target", "dim", "hid", "epochs", "stop", "lr", "mom", "init", "seed"])]
    pub trace: Option<PathBuf>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Random seed, as `hud encoder --seed`
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
}

/// Where the network comes from, checked before any work.
pub enum Source {
    /// Train this config (on the CPU).
    Train(Config, Target),
    /// The final network of this trace, its config and its target.
    Trace(PathBuf, Box<Trace>, Target),
}

/// A trained network, its config, target and the loss of its every epoch.
pub struct Trained {
    pub config: Config,
    pub target: Target,
    pub net: EncModel,
    pub losses: Vec<f32>,
    /// Where it came from, for the printout: `trained here as hud encoder --seed 0 trains it`.
    pub origin: String,
}

impl Args {
    /// The config that the encoder's arguments give.
    pub fn config(&self) -> Config {
        self.network.config(self.seed, DeviceArg::Cpu)
    }

    /// Checks the arguments (or reads and checks the trace), without training.
    pub fn source(&self) -> Result<Source> {
        match &self.trace {
            None => {
                self.network.check()?;
                let config = self.config();
                let target = config.target()?;
                Ok(Source::Train(config, target))
            }
            Some(path) => {
                let trace = read_trace(path)?;
                let target = trace_target(path, &trace.config)?;
                check_shapes(path, &trace, &target)?;
                Ok(Source::Trace(path.clone(), Box::new(trace), target))
            }
        }
    }
}

impl Source {
    pub fn config(&self) -> &Config {
        match self {
            Source::Train(config, _) => config,
            Source::Trace(_, trace, _) => &trace.config,
        }
    }

    pub fn target(&self) -> &Target {
        match self {
            Source::Train(_, target) | Source::Trace(_, _, target) => target,
        }
    }

    /// The network: trained now (as `hud encoder` trains it, on the CPU), or the trace's.
    pub fn network(&self) -> Result<Trained> {
        match self {
            Source::Train(config, target) => {
                let run = encoder::train(config, target, Device::Cpu, |_, _, _| Ok(()))?;
                let mut command = format!("hud encoder --seed {}", config.seed);
                for (name, value, default) in [
                    ("hid", config.hid as f64, 2.0),
                    ("stop", config.stop, 0.02),
                    ("lr", config.lr, 0.4),
                    ("mom", config.mom, 0.9),
                    ("init", config.init, 0.001),
                ] {
                    if value != default {
                        command += &format!(" --{name} {value}");
                    }
                }
                if config.target != "input" {
                    command += &format!(" --target {}", config.target);
                } else if config.dim != 9 {
                    command += &format!(" --dim {}", config.dim);
                }
                if config.epochs != 100000 {
                    command += &format!(" --epochs {}", config.epochs);
                }
                Ok(Trained {
                    config: config.clone(),
                    target: target.clone(),
                    net: run.net,
                    losses: run.losses,
                    origin: format!("trained here as `{command}` trains it"),
                })
            }
            Source::Trace(path, trace, target) => Ok(Trained {
                config: trace.config.clone(),
                target: target.clone(),
                net: EncModel { in_hid: trace.in_hid.to_linear(), hid_out: trace.hid_out.to_linear() },
                losses: trace.loss.clone(),
                origin: format!("read from {}", path.display()),
            }),
        }
    }
}

impl Trained {
    /// `9-2-9 encoder, seed 0, 15673 epochs, final loss 0.0200`.
    pub fn describe(&self) -> String {
        let kind = if self.config.target == "input" { "encoder" } else { "network" };
        let loss = self.losses.last().map(|l| format!(", final loss {l:.4}")).unwrap_or_default();
        format!(
            "{} {kind}, seed {}, {} epochs{loss}",
            self.config.shape(&self.target),
            self.config.seed,
            self.losses.len()
        )
    }
}

fn read_trace(path: &Path) -> Result<Trace> {
    let text = crate::data::files::read_text_capped(path, crate::data::files::MAX_READ_BYTES, "")?;
    let trace: Trace = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{} is not a trace written by hud encoder --trace: {e}", path.display())
    })?;
    ensure!(
        trace.script == Trace::SCRIPT,
        "{} is a trace of '{}', not of the encoder",
        path.display(),
        trace.script
    );
    Ok(trace)
}

/// The trace's target: its name, or its CSV file as named, or beside the trace.
fn trace_target(path: &Path, config: &Config) -> Result<Target> {
    if let Ok(target) = config.target() {
        return Ok(target);
    }
    let beside = path.parent().map(|dir| dir.join(&config.target));
    if let Some(beside) = beside.filter(|p| p.is_file()) {
        let config = Config { target: beside.to_string_lossy().into_owned(), ..config.clone() };
        return config.target();
    }
    config.target().with_context(|| format!("{}'s target", path.display()))
}

fn check_shapes(path: &Path, trace: &Trace, target: &Target) -> Result<()> {
    let (items, outputs, hid) = (target.num_items(), target.num_outputs(), trace.config.hid as usize);
    let rows = |w: &[Vec<f32>], cols: usize| w.iter().all(|row| row.len() == cols);
    let fits = trace.in_hid.weight.len() == hid
        && rows(&trace.in_hid.weight, items)
        && trace.in_hid.bias.len() == hid
        && trace.hid_out.weight.len() == outputs
        && rows(&trace.hid_out.weight, hid)
        && trace.hid_out.bias.len() == outputs;
    if !fits {
        bail!(
            "{}: the weights do not have the shape of its config's {} network",
            path.display(),
            trace.config.shape(target)
        );
    }
    let values = trace.in_hid.values().into_iter().chain(trace.hid_out.values());
    ensure!(
        values.into_iter().all(f32::is_finite),
        "{}: the network has weights that are not finite",
        path.display()
    );
    Ok(())
}
