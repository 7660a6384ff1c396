//! `hud depth --table`: every depth of `--depths` with every technique, each trained with `--seeds`
//! seeds for the budget, and tabulated: per cell, how many seeds learned (reached the threshold), the
//! median epoch at which they did with its quartiles, and the median final accuracy. A cell's seeds
//! train together ([`crate::engine::stacked`]) unless `--engine threads`; `--shard I/N` trains one of
//! N disjoint parts into a CSV and `hud depth merge` joins them.

use super::{data, Args, TABLE_TECHNIQUES};
use crate::data::files;
use crate::draw::{self, figure};
use crate::engine::deep::{self, Arch, DeepNet, Skip, Training};
use crate::engine::device::DeviceArg;
use crate::engine::shard::Shard;
use anyhow::{ensure, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{Device, Tensor};

pub use crate::engine::stacked::Engine;

/// The most runs (cells x seeds) one table trains.
pub const MAX_RUNS: u64 = 1_000_000;

/// What a table is: saved in its CSV's first line, so that merged parts can be checked to belong
/// together.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Spec {
    pub techniques: Vec<String>,
    pub depths: Vec<usize>,
    pub width: i64,
    pub budget: usize,
    pub threshold: f64,
    pub lr: f64,
    pub data: String,
    pub dim: Option<i64>,
    pub first_seed: u64,
    pub seeds: u64,
}

impl Spec {
    fn of(args: &Args) -> Result<Self> {
        let given: Vec<String> = if args.techniques.is_empty() {
            TABLE_TECHNIQUES.split(',').map(String::from).collect()
        } else {
            args.techniques.clone()
        };
        // Each technique under its one canonical name (`relu+bn+kaiming` is `relu+kaiming+bn`), once.
        let mut techniques: Vec<String> = Vec::new();
        for t in &given {
            let name = Arch::parse(t, 1, args.width)?.technique();
            if !techniques.contains(&name) {
                techniques.push(name);
            }
        }
        ensure!(!args.depths().is_empty(), "--depths is empty");
        let spec = Spec {
            techniques,
            depths: args.depths(),
            width: args.width,
            budget: args.budget(),
            threshold: args.threshold(),
            lr: args.lr,
            data: args.data.clone(),
            dim: args.dim,
            first_seed: args.seed,
            seeds: args.seeds,
        };
        for arch in spec.archs()? {
            arch.check()?;
        }
        ensure!(
            spec.first_seed.checked_add(spec.seeds).is_some(),
            "--seed {} plus --seeds {} passes the largest seed",
            spec.first_seed,
            spec.seeds
        );
        ensure!(
            spec.total_runs() <= MAX_RUNS,
            "the table would train {} runs (cells x seeds); at most {MAX_RUNS}",
            spec.total_runs()
        );
        Ok(spec)
    }

    /// The cells' networks: each technique at each depth, in that order.
    pub fn archs(&self) -> Result<Vec<Arch>> {
        let mut archs = Vec::new();
        for t in &self.techniques {
            for &depth in &self.depths {
                archs.push(Arch::parse(t, depth, self.width)?);
            }
        }
        Ok(archs)
    }

    pub fn total_runs(&self) -> u64 {
        (self.techniques.len() * self.depths.len()) as u64 * self.seeds
    }

    fn data_args(&self) -> Args {
        Args { data: self.data.clone(), dim: self.dim, ..super::default_args() }
    }
}

/// One run of the table: a technique at a depth with one seed, trained for the budget.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Cell {
    pub run: u64,
    pub technique: String,
    pub depth: usize,
    pub width: i64,
    pub seed: u64,
    pub final_accuracy: f32,
    pub final_loss: f32,
    pub epochs_run: usize,
    pub reached_epoch: Option<usize>,
    pub diverged_epoch: Option<usize>,
    /// The run's share of its batch's wall time.
    pub seconds: f64,
}

/// A cell of the table: all its seeds' runs.
pub struct Summary<'a> {
    pub runs: Vec<&'a Cell>,
}

impl Summary<'_> {
    /// How many learned (reached the threshold).
    pub fn learned(&self) -> usize {
        self.runs.iter().filter(|c| c.reached_epoch.is_some()).count()
    }

    pub fn share(&self) -> f64 {
        self.learned() as f64 / self.runs.len().max(1) as f64
    }

    pub fn all_diverged(&self) -> bool {
        self.runs.iter().all(|c| c.diverged_epoch.is_some())
    }

    /// The median epoch to the threshold of the runs that reached it, and its quartiles.
    pub fn epochs(&self) -> Option<[f64; 3]> {
        let mut epochs: Vec<f64> =
            self.runs.iter().filter_map(|c| c.reached_epoch).map(|e| e as f64).collect();
        epochs.sort_by(f64::total_cmp);
        crate::analysis::stats::quartiles(&epochs)
    }

    pub fn median_accuracy(&self) -> f64 {
        let accuracies: Vec<f64> = self.runs.iter().map(|c| f64::from(c.final_accuracy)).collect();
        crate::analysis::stats::median(&accuracies).unwrap_or(f64::NAN)
    }

    /// The cell as the printed table writes it: one seed `100% @312`, `71%` or `NaN @40`; many
    /// `18/20 @312 (250-401) 93%`: learned of all, median epoch (quartiles), median final accuracy.
    pub fn text(&self) -> String {
        let [line, detail] = self.lines();
        if detail.is_empty() {
            line
        } else {
            format!("{line} {detail}")
        }
    }

    /// [`Summary::text`] in two parts, for the heatmap's two lines.
    pub fn lines(&self) -> [String; 2] {
        if let [cell] = self.runs.as_slice() {
            let text = match (cell.diverged_epoch, cell.reached_epoch) {
                (Some(epoch), _) => format!("NaN @{epoch}"),
                (None, Some(epoch)) => format!("{:.0}% @{epoch}", 100.0 * cell.final_accuracy),
                (None, None) => format!("{:.0}%", 100.0 * cell.final_accuracy),
            };
            return [text, String::new()];
        }
        let learned = format!("{}/{}", self.learned(), self.runs.len());
        let accuracy = format!("{:.0}%", 100.0 * self.median_accuracy());
        match self.epochs() {
            // Epochs to the nearest one: quartiles interpolate between runs.
            Some([q1, median, q3]) => {
                [format!("{learned} @{median:.0}"), format!("({q1:.0}-{q3:.0}) {accuracy}")]
            }
            None => [learned, accuracy],
        }
    }
}

/// The runs of each cell, in the spec's order (cells with no runs in this part left out).
pub fn summaries<'a>(spec: &Spec, cells: &'a [Cell]) -> Vec<(Arch, Summary<'a>)> {
    let archs = spec.archs().unwrap_or_default();
    archs
        .into_iter()
        .enumerate()
        .map(|(i, arch)| {
            let runs = cells.iter().filter(|c| c.run / spec.seeds == i as u64).collect();
            (arch, Summary { runs })
        })
        .filter(|(_, s)| !s.runs.is_empty())
        .collect()
}

fn table_text(spec: &Spec, cells: &[Cell]) -> String {
    let mut text = String::new();
    let seeds = spec.seeds;
    if seeds == 1 {
        let _ = writeln!(
            text,
            "final accuracy, and @ the epoch it first reached {:.0}% (budget {} epochs; {} units per layer)",
            100.0 * spec.threshold,
            spec.budget,
            spec.width
        );
    } else {
        let _ = writeln!(
            text,
            "seeds that reached {:.0}% of {seeds}, @ their median epoch (quartiles), median final accuracy \
             (budget {} epochs; {} units per layer; seeds {} to {})",
            100.0 * spec.threshold,
            spec.budget,
            spec.width,
            spec.first_seed,
            spec.first_seed + seeds - 1
        );
    }
    let column = if seeds == 1 { 10 } else { 24 };
    let name_width = spec.techniques.iter().map(String::len).max().unwrap_or(9).max(9);
    let _ = write!(text, "{:<name_width$}", "technique");
    for depth in &spec.depths {
        let _ = write!(text, " {:>column$}", format!("{depth} layers"));
    }
    text.push('\n');
    let summaries = summaries(spec, cells);
    for technique in &spec.techniques {
        let _ = write!(text, "{technique:<name_width$}");
        for depth in &spec.depths {
            let cell = summaries.iter().find(|(a, _)| &a.technique() == technique && a.depth == *depth);
            let _ = write!(text, " {:>column$}", cell.map(|(_, s)| s.text()).unwrap_or_default());
        }
        text.push('\n');
    }
    text
}

/// Reads a table's CSV: its spec and runs, each checked against the spec.
pub fn read_csv(path: &Path) -> Result<(Spec, Vec<Cell>)> {
    let text = files::read_text_capped(path, files::MAX_READ_BYTES, "")?;
    let context = || format!("{} is not a CSV of hud depth --table", path.display());
    let (spec, _part): (Spec, String) =
        crate::engine::shard::read_header(&text, "depth").with_context(context)?;
    let archs = spec.archs()?;
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for record in reader.deserialize::<Cell>() {
        let cell = record.with_context(|| format!("{}: a malformed row", path.display()))?;
        let arch = archs.get((cell.run / spec.seeds.max(1)) as usize);
        let belongs = arch.is_some_and(|a| {
            a.technique() == cell.technique
                && a.depth == cell.depth
                && a.width == cell.width
                && cell.seed == spec.first_seed + cell.run % spec.seeds
                && cell.epochs_run <= spec.budget
        });
        ensure!(belongs, "{}: run {} does not belong to the table in its header", path.display(), cell.run);
        cells.push(cell);
    }
    Ok((spec, cells))
}

/// Where a table goes.
pub struct Outputs {
    pub out: PathBuf,
    pub csv: PathBuf,
}

impl Outputs {
    pub fn of(out: &Option<PathBuf>, csv: &Option<PathBuf>) -> Result<Self> {
        let out = out.clone().unwrap_or_else(|| "depth-table.png".into());
        let csv = csv.clone().unwrap_or_else(|| "depth-table.csv".into());
        draw::Format::of(&out)?;
        files::check_distinct(&[&out, &csv])?;
        files::check_writable(&out)?;
        files::check_writable(&csv)?;
        Ok(Outputs { out, csv })
    }

    /// Prints the table, writes the CSV (`part`: `all` or `shard I/N`) and the heatmap.
    pub fn report(&self, spec: &Spec, part: &str, cells: &[Cell]) -> Result<()> {
        print!("{}", table_text(spec, cells));
        let threshold = 100.0 * spec.threshold;
        let title = format!(
            "Depth table: {}, width {}, Adam lr {}, {} epochs, threshold {threshold:.0}%{}",
            if spec.data == "spirals" { "twin spirals" } else { &spec.data },
            spec.width,
            figure::number(spec.lr),
            spec.budget,
            if spec.seeds > 1 { format!(", {} seeds per cell", spec.seeds) } else { String::new() }
        );
        let summaries = summaries(spec, cells);
        let picture = super::picture::TablePicture {
            cells: &summaries,
            techniques: &spec.techniques,
            depths: &spec.depths,
            seeds: spec.seeds,
            title,
        };
        let size = (1200, 120 + 60 * spec.techniques.len() as u32);
        let png = figure::render(&picture, &self.out, size)?;
        files::write_atomically(&self.csv, &crate::engine::shard::csv_bytes("depth", spec, part, cells)?)?;
        files::write_atomically(&self.out, &png)?;
        eprintln!("wrote {} and {}", self.out.display(), self.csv.display());
        Ok(())
    }
}

/// The arguments of `hud depth merge`.
#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// The parts' CSV files (written with --table --shard I/N --csv FILE)
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The merged CSV [default: depth-table.csv]
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// The heatmap (.png or .svg) [default: depth-table.png]
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `hud depth merge`: the parts must be of the same table and, together, all of it, once.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let outputs = Outputs::of(&args.out, &args.csv)?;
    let named = [("--out", outputs.out.as_path()), ("--csv", outputs.csv.as_path())];
    let (spec, cells) = crate::engine::shard::join(
        &args.parts,
        &named,
        "table",
        read_csv,
        |c: &Cell| c.run,
        Spec::total_runs,
    )?;
    outputs.report(&spec, "all", &cells)
}

fn cell_of(spec: &Spec, arch: &Arch, run: u64, trained: &deep::Run, seconds: f64) -> Cell {
    Cell {
        run,
        technique: arch.technique(),
        depth: arch.depth,
        width: arch.width,
        seed: spec.first_seed + run % spec.seeds,
        final_accuracy: trained.accuracies.last().copied().unwrap_or(f32::NAN),
        final_loss: trained.losses.last().copied().unwrap_or(f32::NAN),
        epochs_run: trained.losses.len().saturating_sub(1),
        reached_epoch: trained.reached,
        diverged_epoch: trained.diverged_at,
        seconds,
    }
}

/// Trains the runs `runs` of the table on `jobs` workers: a cell's runs as one stack, or each alone.
fn train(spec: &Spec, runs: &[u64], engine: Engine, jobs: usize, device: Device) -> Result<Vec<Cell>> {
    let archs = spec.archs()?;
    let training =
        Training { lr: spec.lr, epochs: spec.budget, measure_at: vec![], stop_at: Some(spec.threshold) };
    // A cell's runs together (or each alone), the deepest networks first, so that the last to finish
    // are short ones.
    let mut work: Vec<Vec<u64>> = match engine {
        Engine::Stacked => {
            let mut cells: Vec<Vec<u64>> = Vec::new();
            for &run in runs {
                match cells.last_mut() {
                    Some(cell) if cell[0] / spec.seeds == run / spec.seeds => cell.push(run),
                    _ => cells.push(vec![run]),
                }
            }
            cells
        }
        Engine::Threads => runs.iter().map(|&r| vec![r]).collect(),
    };
    let arch_of = |run: u64| archs[(run / spec.seeds) as usize];
    work.sort_by_key(|w| (std::cmp::Reverse(arch_of(w[0]).depth), arch_of(w[0]).skip != Skip::Dense));
    let bar = ProgressBar::new(runs.len() as u64).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} networks trained  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let data_args = spec.data_args();
    let cells = crate::engine::train::on_workers(
        work,
        jobs,
        // Tensors cannot be shared between threads: each has its own copy of the data.
        || {
            let (input, target) = data(&data_args)?;
            Ok((input.to_device(device), target.to_device(device)))
        },
        |(input, target), batch| {
            let started = Instant::now();
            let arch = arch_of(batch[0]);
            let (inputs, outputs) = (input.size()[1], target.size()[1]);
            let seed = |run: u64| spec.first_seed + run % spec.seeds;
            let trained: Vec<deep::Run> = match engine {
                Engine::Threads => {
                    let mut net = DeepNet::new(arch, inputs, outputs, seed(batch[0]), device)?;
                    vec![deep::train(&mut net, input, target, &training, |_| {})?]
                }
                Engine::Stacked => {
                    let initial: Vec<Vec<Tensor>> = batch
                        .iter()
                        .map(|&r| Ok(DeepNet::new(arch, inputs, outputs, seed(r), Device::Cpu)?.parameters()))
                        .collect::<Result<_>>()?;
                    let stacked = crate::engine::stacked::train_deep(
                        &arch,
                        &initial,
                        input,
                        target,
                        &training,
                        device,
                        |_, _| {},
                    )?;
                    stacked.into_iter().map(|s| s.run).collect()
                }
            };
            let seconds = started.elapsed().as_secs_f64() / batch.len() as f64;
            bar.set_message(format!("{} x{}", arch.technique(), arch.depth));
            bar.inc(batch.len() as u64);
            Ok(batch
                .iter()
                .zip(&trained)
                .map(|(&run, t)| cell_of(spec, &arch, run, t, seconds))
                .collect::<Vec<_>>())
        },
    )?;
    bar.finish_and_clear();
    let mut cells: Vec<Cell> = cells.into_iter().flatten().collect();
    cells.sort_by_key(|c| c.run);
    Ok(cells)
}

/// `hud depth --table`.
pub fn run(args: &Args) -> Result<()> {
    let spec = Spec::of(args)?;
    let outputs = Outputs::of(&args.out, &args.csv)?;
    let device = args.device.to_device()?;
    super::check_batch(&spec.archs()?, &data(args)?.0)?;
    let runs = args.shard.unwrap_or(Shard::ALL).runs(spec.total_runs());
    let jobs = if args.device == DeviceArg::Cuda { 1 } else { args.jobs() };
    let started = Instant::now();
    let cells = train(&spec, &runs, args.engine, jobs, device)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.engine == Engine::Stacked && spec.seeds > 1 {
        eprintln!("{}", crate::engine::stacked::exactness(device));
    }
    let part = Shard::part_name(args.shard);
    outputs.report(&spec, &part, &cells)?;
    println!("{} networks in {seconds:.1} s ({} engine, {jobs} jobs)", cells.len(), args.engine.name());
    Ok(())
}
