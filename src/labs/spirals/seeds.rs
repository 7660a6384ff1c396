//! `hud spirals --seeds N` (and `--grid FILE`): many runs, every setting of a grid with every seed,
//! trained together ([`super::stacked`]; or one run per worker thread, `--engine threads`) and
//! summarised per setting: how many reach 100%, and the spread of their epochs. `--shard I/N` trains
//! one of N disjoint parts into a CSV; `hud spirals merge` joins the parts.

use super::{Config, NetworkArgs};
use crate::analysis::stats::quartiles;
use crate::data::files;
use crate::engine::device::DeviceArg;
use crate::engine::nets::{Activation, NetKind};
use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The most runs (settings x seeds) one command trains.
pub const MAX_RUNS: u64 = 1_000_000;
/// The most settings a grid file holds.
pub const MAX_SETTINGS: usize = 10_000;

pub use crate::engine::stacked::Engine;

/// A line of a grid file: the network arguments that may differ between settings (any not given
/// are the command line's).
#[derive(clap::Parser, Debug)]
#[command(no_binary_name = true)]
struct SettingLine {
    #[arg(long, value_enum)]
    net: Option<NetKind>,
    #[arg(long, allow_negative_numbers = true)]
    hid: Option<i64>,
    #[arg(long, allow_negative_numbers = true)]
    init: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    layers: Option<i64>,
    #[arg(long, value_enum)]
    act: Option<Activation>,
}

/// One setting: what decides a run's numbers besides its seed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Setting {
    pub net: NetKind,
    pub hid: i64,
    pub layers: i64,
    pub act: Activation,
    pub init: f64,
    pub lr: f64,
}

impl Setting {
    pub fn of(network: &NetworkArgs) -> Self {
        Setting {
            net: network.net,
            hid: network.hid,
            layers: network.layers,
            act: network.act,
            init: network.init,
            lr: network.lr,
        }
    }

    /// A run of this setting.
    pub fn config(&self, epochs: u64, data: &str, seed: u64, device: DeviceArg) -> Config {
        Config {
            net: self.net,
            hid: self.hid,
            layers: self.layers,
            act: self.act,
            init: self.init,
            lr: self.lr,
            epochs,
            data: data.to_string(),
            seed,
            device,
        }
    }

    /// `raw hid 20, init 0.3, lr 0.01` (`mlp 2x20 relu, ...` for an MLP).
    pub fn label(&self) -> String {
        let shape = match self.net {
            NetKind::Mlp => format!("mlp {}x{} {}", self.layers, self.hid, self.act.name()),
            net => format!("{} hid {}", net.name(), self.hid),
        };
        format!("{shape}, init {}, lr {}", self.init, self.lr)
    }

    /// The network's name for a table: `raw hid 20`, `mlp 2x20 tanh`.
    fn network(&self) -> String {
        self.label().split(", init").next().unwrap_or_default().to_string()
    }
}

/// What a set of runs is: saved in its CSV's first line, so that merged parts can be checked to
/// belong together.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Spec {
    pub settings: Vec<Setting>,
    pub first_seed: u64,
    pub seeds: u64,
    pub epochs: u64,
    pub data: String,
}

impl Spec {
    pub fn total_runs(&self) -> u64 {
        self.settings.len() as u64 * self.seeds
    }

    /// Run `index`'s setting: settings in order, each with every seed.
    pub fn setting(&self, index: u64) -> &Setting {
        &self.settings[(index / self.seeds) as usize]
    }

    /// Run `index`'s seed.
    pub fn seed(&self, index: u64) -> u64 {
        self.first_seed + index % self.seeds
    }

    /// Run `index`'s config.
    pub fn config(&self, index: u64, device: DeviceArg) -> Config {
        self.setting(index).config(self.epochs, &self.data, self.seed(index), device)
    }
}

/// Reads a grid file: one setting per line (`--net raw --hid 20 --init 0.3`), `#` comments and blank
/// lines skipped; what a line leaves out is `base`'s.
pub fn read_grid(path: &Path, base: &NetworkArgs) -> Result<Vec<Setting>> {
    let text = files::read_text_capped(path, files::MAX_READ_BYTES, "")?;
    let mut settings = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let parsed = <SettingLine as clap::Parser>::try_parse_from(line.split_whitespace()).map_err(|e| {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
            anyhow::anyhow!("{}, line {}: {first}", path.display(), number + 1)
        })?;
        let network = NetworkArgs {
            net: parsed.net.unwrap_or(base.net),
            hid: parsed.hid.unwrap_or(base.hid),
            init: parsed.init.unwrap_or(base.init),
            lr: parsed.lr.unwrap_or(base.lr),
            layers: parsed.layers.unwrap_or(base.layers),
            act: parsed.act.unwrap_or(base.act),
            ..base.clone()
        };
        network
            .config(0, DeviceArg::Cpu)
            .check()
            .with_context(|| format!("{}, line {}", path.display(), number + 1))?;
        settings.push(Setting::of(&network));
        ensure!(settings.len() <= MAX_SETTINGS, "{}: more than {MAX_SETTINGS} settings", path.display());
    }
    ensure!(!settings.is_empty(), "{}: no settings (one per line, e.g. --net raw --hid 20)", path.display());
    Ok(settings)
}

/// One run's result, as the CSV holds it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Row {
    pub run: u64,
    pub setting: String,
    pub seed: u64,
    /// Epochs run (0 for a run that diverged).
    pub epochs: u64,
    /// `yes` when the run stopped the script's way (100% at a multiple of 100 epochs).
    pub solved: String,
    pub diverged: String,
    pub final_accuracy: f32,
    pub final_loss: f32,
}

impl Row {
    pub fn solved(&self) -> bool {
        self.solved == "yes"
    }
}

/// Reads a CSV that `--csv` wrote: its spec and rows, each checked against the spec.
pub fn read_csv(path: &Path) -> Result<(Spec, Vec<Row>)> {
    let text = files::read_text_capped(path, files::MAX_READ_BYTES, "")?;
    let context = || format!("{} is not a CSV of hud spirals --seeds", path.display());
    let (spec, _part): (Spec, String) =
        crate::engine::shard::read_header(&text, "spirals").with_context(context)?;
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.deserialize::<Row>() {
        let row = record.with_context(|| format!("{}: a malformed row", path.display()))?;
        let belongs = row.run < spec.total_runs()
            && row.seed == spec.seed(row.run)
            && row.setting == spec.setting(row.run).label()
            && row.epochs <= spec.epochs;
        ensure!(belongs, "{}: run {} does not belong to the runs in its header", path.display(), row.run);
        rows.push(row);
    }
    Ok((spec, rows))
}

/// The summary line of a setting's runs: how many reached 100%, their epochs' median and quartiles.
pub fn summary_line(setting: &Setting, epochs: u64, rows: &[&Row]) -> String {
    let solved = solved_epochs(rows);
    let accuracies: Vec<f64> = rows.iter().map(|r| f64::from(r.final_accuracy)).collect();
    let spread = match quartiles(&solved) {
        Some([q1, median, q3]) => format!("median epochs {median} (quartiles {q1} to {q3})"),
        None => "median epochs -".to_string(),
    };
    format!(
        "{}, {} epochs: {} runs, {} reach 100%, {spread}, median final accuracy {:.2}%",
        setting.label(),
        epochs.saturating_sub(1),
        rows.len(),
        solved.len(),
        crate::analysis::stats::median(&accuracies).unwrap_or(0.0),
    )
}

fn solved_epochs(rows: &[&Row]) -> Vec<f64> {
    let mut epochs: Vec<f64> = rows.iter().filter(|r| r.solved()).map(|r| r.epochs as f64).collect();
    epochs.sort_by(f64::total_cmp);
    epochs
}

/// The rows of each setting, in the spec's order.
fn by_setting<'a>(spec: &Spec, rows: &'a [Row]) -> Vec<Vec<&'a Row>> {
    (0..spec.settings.len() as u64)
        .map(|s| rows.iter().filter(|r| r.run / spec.seeds == s).collect())
        .collect()
}

/// The summary: one line per setting.
pub fn summary(spec: &Spec, rows: &[Row]) -> String {
    let mut text = String::new();
    for (setting, rows) in spec.settings.iter().zip(by_setting(spec, rows)) {
        if !rows.is_empty() {
            let _ = writeln!(text, "{}", summary_line(setting, spec.epochs, &rows));
        }
    }
    text
}

/// The summary as a markdown table, as docs/spirals.md shows it.
pub fn markdown(spec: &Spec, rows: &[Row]) -> String {
    let mut text = String::from(
        "| network | --init | --lr | reach 100% | median epochs to 100% (quartiles) | median final accuracy |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for (setting, rows) in spec.settings.iter().zip(by_setting(spec, rows)) {
        let solved = solved_epochs(&rows);
        let accuracies: Vec<f64> = rows.iter().map(|r| f64::from(r.final_accuracy)).collect();
        let spread = match quartiles(&solved) {
            Some([q1, median, q3]) => format!("{median} ({q1} to {q3})"),
            None => "-".into(),
        };
        let _ = writeln!(
            text,
            "| {} | {} | {} | {}/{} | {spread} | {:.2}% |",
            setting.network(),
            setting.init,
            setting.lr,
            solved.len(),
            rows.len(),
            crate::analysis::stats::median(&accuracies).unwrap_or(0.0)
        );
    }
    text
}

/// Where a set of runs' results go.
pub struct Outputs<'a> {
    pub csv: Option<&'a PathBuf>,
    pub markdown: Option<&'a PathBuf>,
}

impl Outputs<'_> {
    pub fn check(&self) -> Result<()> {
        let paths: Vec<&Path> =
            [self.csv, self.markdown].into_iter().flatten().map(PathBuf::as_path).collect();
        for path in &paths {
            files::check_writable(path)?;
        }
        files::check_distinct(&paths)
    }

    /// Prints the summary and writes the CSV (`part`: `all` or `shard I/N`) and the markdown table.
    pub fn report(&self, spec: &Spec, part: &str, rows: &[Row]) -> Result<()> {
        print!("{}", summary(spec, rows));
        if let Some(path) = self.csv {
            files::write_atomically(path, &crate::engine::shard::csv_bytes("spirals", spec, part, rows)?)?;
            eprintln!("wrote {}", path.display());
        }
        if let Some(path) = self.markdown {
            files::write_atomically(path, markdown(spec, rows).as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
}

/// The arguments of `hud spirals merge`.
#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// The parts' CSV files (written with --shard I/N --csv FILE)
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The merged CSV
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// The summary as a markdown table
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

/// `hud spirals merge`: the parts must be of the same runs and, together, all of them, once.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let outputs = Outputs { csv: args.csv.as_ref(), markdown: args.markdown.as_ref() };
    outputs.check()?;
    let named: Vec<(&str, &Path)> = [("--csv", &args.csv), ("--markdown", &args.markdown)]
        .into_iter()
        .filter_map(|(option, path)| path.as_deref().map(|p| (option, p)))
        .collect();
    let (spec, rows) =
        crate::engine::shard::join(&args.parts, &named, "grid", read_csv, |r: &Row| r.run, Spec::total_runs)?;
    outputs.report(&spec, "all", &rows)
}

/// How to train a set of runs.
pub struct Plan {
    pub engine: Engine,
    pub device: DeviceArg,
    /// Worker threads (each with one intra-op thread).
    pub jobs: usize,
    /// The most runs stacked in one batch.
    pub batch: usize,
}

/// Run `run`'s row from its end: epochs run, whether it solved the spirals or diverged, its
/// accuracies and losses (the last of each is its final one).
fn row_of(
    spec: &Spec,
    run: u64,
    epochs: u64,
    solved: bool,
    diverged: bool,
    accuracies: &[f32],
    losses: &[f32],
) -> Row {
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    Row {
        run,
        setting: spec.setting(run).label(),
        seed: spec.seed(run),
        epochs: if diverged { 0 } else { epochs },
        solved: yes(solved),
        diverged: yes(diverged),
        final_accuracy: if diverged { 0.0 } else { accuracies.last().copied().unwrap_or(0.0) },
        final_loss: if diverged { f32::NAN } else { losses.last().copied().unwrap_or(f32::NAN) },
    }
}

/// The batches of the stacked engine: runs of one network together, split so that every worker
/// has work and no batch exceeds `plan.batch`.
fn batches(spec: &Spec, runs: &[u64], plan: &Plan) -> Vec<Vec<u64>> {
    let size = runs.len().div_ceil(plan.jobs.max(1)).clamp(1, plan.batch.max(1));
    let mut groups: Vec<(crate::engine::nets::Shape, Vec<u64>)> = Vec::new();
    for &run in runs {
        let shape = spec.config(run, plan.device).shape();
        match groups.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, group)) => group.push(run),
            None => groups.push((shape, vec![run])),
        }
    }
    groups
        .into_iter()
        .flat_map(|(_, group)| group.chunks(size).map(<[u64]>::to_vec).collect::<Vec<_>>())
        .collect()
}

/// Trains run `run` of `spec` alone, as `hud spirals --seed S` does.
fn train_alone(spec: &Spec, run: u64, points: &crate::data::points::PointSet, plan: &Plan) -> Result<Row> {
    let config = spec.config(run, plan.device);
    Ok(match super::train(&config, points, plan.device.to_device()?, |_, _, _| Ok(())) {
        Ok(r) => row_of(spec, run, r.losses.len() as u64, r.solved(), false, &r.accuracies, &r.losses),
        Err(e) if e.is::<super::Diverged>() => row_of(spec, run, 0, false, true, &[], &[]),
        Err(e) => return Err(e),
    })
}

/// Trains `runs` of `spec` and returns their rows in run order.
pub fn train(spec: &Spec, runs: &[u64], plan: &Plan) -> Result<Vec<Row>> {
    let device = plan.device.to_device()?;
    let points = || spec.config(0, plan.device).points();
    points()?;
    let bar = indicatif::ProgressBar::new(runs.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} runs  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let mut rows: Vec<Row> = match plan.engine {
        Engine::Threads => {
            crate::engine::train::on_workers(runs.to_vec(), plan.jobs, points, |points, run| {
                let row = train_alone(spec, run, points, plan)?;
                bar.inc(1);
                Ok(vec![row])
            })?
        }
        Engine::Stacked => crate::engine::train::on_workers(
            batches(spec, runs, plan),
            plan.jobs,
            points,
            |points, batch| {
                if let [run] = batch[..] {
                    // A run alone trains faster as the single run (the same numbers).
                    let row = train_alone(spec, run, points, plan)?;
                    bar.inc(1);
                    return Ok(vec![row]);
                }
                let configs: Vec<Config> = batch.iter().map(|&r| spec.config(r, plan.device)).collect();
                let mut remaining = batch.len();
                let trained = super::stacked::train(&configs, points, device, false, |epoch, left| {
                    bar.inc((remaining - left) as u64);
                    bar.set_message(format!("epoch {epoch}"));
                    remaining = left;
                })?;
                Ok(batch
                    .iter()
                    .zip(trained)
                    .map(|(&run, t)| {
                        row_of(spec, run, t.epochs, t.solved(), t.diverged, &t.accuracies, &t.losses)
                    })
                    .collect())
            },
        )?,
    }
    .into_iter()
    .flatten()
    .collect();
    bar.finish_and_clear();
    rows.sort_by_key(|r| r.run);
    Ok(rows)
}
