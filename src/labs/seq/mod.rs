//! `hud seq`: the course's `seq_train.py`, hidden unit dynamics of recurrent networks: a simple
//! recurrent network (SRN) or an LSTM learns to predict the next symbol of a^n b^n, a^n b^n c^n or the
//! (embedded) Reber grammar, one sequence per step, and every 1000 steps prints a fresh sequence
//! with its hidden activations and output probabilities.
//!
//! The scripts (`seq_train.py`, `seq_models.py`, `anbn.py`, `reber.py`) seed nothing; their data come
//! from numpy's legacy global generator and their weights from torch's. `fixtures/seq_reference.py`
//! mirrors them with `torch.manual_seed(seed)` and `np.random.seed(data_seed)`, and hud with the same
//! `--seed` and `--data-seed` prints the same lines, bit for bit in the same kernels.
//!
//! The result it should give: `hud seq --lang anbn --seed 0 --epoch 1` prints the same 2 blocks as
//! `python fixtures/seq_reference.py --lang anbn --seed 0 --epoch 1`.

pub mod analysis;
pub mod explore;
pub mod lang;
pub mod picture;

use crate::data::files;
use crate::data::numpy::RandomState;
use crate::engine::optim::{Adam, Sgd};
use crate::engine::recurrent::{Cell, Recurrent};
use crate::engine::scalar_srn::{self, ScalarSrn};
use crate::engine::trace::exact_f32;
use crate::parity::{self, Fixture, Report};
use anyhow::{bail, ensure, Context, Result};
use lang::{Example, Lang};
use serde::{Deserialize, Serialize};
use std::io::Write;
use tch::{Kind, Tensor};

/// The largest `--epoch` (thousands of steps).
pub const MAX_THOUSANDS: u64 = 100_000;

/// Train a recurrent network on a formal language, as `seq_train.py` does
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// reber, anbn or anbncn
    #[arg(long, default_value = "reber", value_parser = ["reber", "anbn", "anbncn"])]
    pub lang: String,
    /// Embedded Reber grammar. As the script's argparse `type=bool`: any value but the empty string
    /// means yes (`--embed False` too), so that the course's command lines run unchanged
    #[arg(long, value_name = "ANY", default_value = "")]
    pub embed: String,
    /// min (reber) or max (anbn, anbncn) length of a string; 0: the script's default (anbn, anbncn 8)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..=1000))]
    pub length: i64,
    /// srn or lstm
    #[arg(long, default_value = "srn", value_parser = ["srn", "lstm"])]
    pub model: String,
    /// number of hidden units; 0: the language's default (reber 2, anbn 2, anbncn 3)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..=1000))]
    pub hid: i64,
    /// sgd or adam
    #[arg(long, default_value = "adam", value_parser = ["sgd", "adam"])]
    pub optim: String,
    /// learning rate
    #[arg(long, default_value_t = 0.001, allow_negative_numbers = true)]
    pub lr: f64,
    /// momentum (sgd)
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub mom: f64,
    /// initial weight size (srn)
    #[arg(long, default_value_t = 0.001, allow_negative_numbers = true)]
    pub init: f64,
    /// number of training steps, in thousands; 0: the language's default (reber 50, anbn 100, anbncn 200)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=MAX_THOUSANDS))]
    pub epoch: u64,
    /// torch's seed (torch.manual_seed), for the weights; drawn and printed when not given
    #[arg(long)]
    pub seed: Option<u64>,
    /// numpy's seed (np.random.seed), for the data [default: the --seed]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=u32::MAX as u64))]
    pub data_seed: Option<u64>,
    /// After training, draw the hidden states of --num-plot fresh sequences, coloured by state
    /// (seq_plot.py's picture: the plane for 2 hidden units, four views of the cube for 3, pairs of
    /// units for more), to this PNG or SVG
    #[arg(long, value_name = "FILE")]
    pub plot: Option<std::path::PathBuf>,
    /// Write the run (every step's loss, the final parameters) as JSON, as fixtures/seq_reference.py
    /// --trace does
    #[arg(long, value_name = "FILE")]
    pub trace: Option<std::path::PathBuf>,
    /// How to compute: auto (the scalar engine in the portable kernels, where it gives their numbers
    /// about 200 times faster; tensors and autograd otherwise), tensor, or scalar (an SRN of up to 3
    /// hidden units, portable kernels only)
    #[arg(long, default_value = "auto", value_parser = ["auto", "tensor", "scalar"])]
    pub engine: String,
    /// After training, print what the network learned, measured on 100 fresh sequences: certain
    /// symbols predicted, the printed error in the last 10 evaluations, Reber's legal predictions,
    /// the hidden state by symbol and state
    #[arg(long)]
    pub analysis: bool,
    /// Save the network every this many steps (a multiple of 1000; 0: never) as the script does, into
    /// --out-path with its names (anbn_srn2_10.pth after 10,000 steps), written when the run ends;
    /// Python's torch.load reads them
    #[arg(long, default_value_t = 0, value_name = "STEPS")]
    pub checkpoint_every: u64,
    /// The folder for checkpoints (the script's --out_path); it must exist, as for the script
    #[arg(long, default_value = "net", value_name = "DIR")]
    pub out_path: std::path::PathBuf,
    /// Load the network from a checkpoint instead of training it (seq_plot.py): give the checkpoint's
    /// --lang, --model and --hid; then --plot and --analysis
    #[arg(long, value_name = "FILE.pth", conflicts_with_all = ["trace", "checkpoint_every"])]
    pub from: Option<std::path::PathBuf>,
    /// Draw the hidden states of --num-plot fresh sequences (the same ones each time) at 0, 1,000,
    /// 2,000, 5,000, 10,000, ... steps of training, as small multiples, to this PNG or SVG
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub dynamics: Option<std::path::PathBuf>,
    /// Also write an interactive page of the run (one self-contained file, offline): the hidden states
    /// of --num-plot fresh sequences (--dynamics's) at recorded steps, with a slider, coloured by
    /// state, each state's symbols and next-symbol probabilities on hover, the loss of every step;
    /// the plane for 2 hidden units, the cube (turned by dragging) for 3
    #[arg(long, value_name = "FILE.html", conflicts_with = "from")]
    pub html: Option<std::path::PathBuf>,
    /// How many sequences --plot, --dynamics and --html draw
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub num_plot: u64,
}

/// A run's settings, the script's defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub lang: Lang,
    pub cell: Cell,
    pub hid: i64,
    pub sgd: bool,
    pub lr: f64,
    pub mom: f64,
    pub init: f64,
    /// Training steps: `epoch * 1000 + 1`.
    pub steps: u64,
    pub seed: u64,
    pub data_seed: u32,
    /// Train with [`crate::engine::scalar_srn`] (an SRN in the portable kernels) instead of tensors.
    pub scalar: bool,
}

impl Args {
    pub fn config(&self, seed: u64) -> Result<Config> {
        for (name, value) in [("lr", self.lr), ("mom", self.mom), ("init", self.init)] {
            ensure!(value.is_finite() && value >= 0.0, "--{name} must be a finite number >= 0, got {value}");
        }
        let (lang, hid, thousands) = match self.lang.as_str() {
            "reber" => (Lang::Reber { embed: !self.embed.is_empty(), min_length: self.length }, 2, 50),
            "anbn" => (
                Lang::Anbn { num_class: 2, max_length: if self.length == 0 { 8 } else { self.length } },
                2,
                100,
            ),
            _ => (
                Lang::Anbn { num_class: 3, max_length: if self.length == 0 { 8 } else { self.length } },
                3,
                200,
            ),
        };
        let data_seed = self.data_seed.unwrap_or(seed);
        ensure!(data_seed <= u64::from(u32::MAX), "numpy's seed must be below 2^32: give --data-seed");
        let thousands = if self.epoch == 0 { thousands } else { self.epoch };
        let cell = if self.model == "lstm" { Cell::Lstm } else { Cell::Srn };
        let hid = if self.hid == 0 { hid } else { self.hid };
        let scalar = match self.engine.as_str() {
            "tensor" => false,
            "scalar" => {
                ensure!(cell == Cell::Srn, "--engine scalar trains an SRN; use --engine tensor for an LSTM");
                ensure!(
                    hid as usize <= scalar_srn::MAX_HIDDEN,
                    "--engine scalar takes up to {} hidden units; use --engine tensor",
                    scalar_srn::MAX_HIDDEN
                );
                ensure!(
                    scalar_srn::available(),
                    "--engine scalar computes what the portable kernels compute: run hud --portable seq"
                );
                true
            }
            _ => scalar_srn::suits(cell == Cell::Srn, hid),
        };
        Ok(Config {
            lang,
            cell,
            hid,
            sgd: self.optim == "sgd",
            lr: self.lr,
            mom: self.mom,
            init: self.init,
            steps: thousands * 1000 + 1,
            seed,
            data_seed: data_seed as u32,
            scalar,
        })
    }
}

/// `lang.get_sequence()`'s inputs and labels: the one-hot inputs (1, L, classes) and `seq[1:]`.
fn tensors(example: &Example, classes: usize) -> (Tensor, Tensor) {
    let seq = Tensor::from_slice(&example.seq);
    let steps = example.seq.len() as i64 - 1;
    let input = seq.narrow(0, 0, steps).one_hot(classes as i64).to_kind(Kind::Float).unsqueeze(0);
    (input, seq.narrow(0, 1, steps))
}

/// The true probabilities (1, L, classes), which only the printed error needs.
fn target(example: &Example, classes: usize) -> Tensor {
    let flat: Vec<f32> = example.prob.iter().flatten().copied().collect();
    Tensor::from_slice(&flat).reshape([example.prob.len() as i64, classes as i64]).unsqueeze(0)
}

/// How a run trains: tensors and autograd with the optimiser `seq_train.py` makes (Adam or SGD,
/// both with weight decay 0.00001), or the scalar engine with the same optimiser written out.
enum Engine {
    Adam(Adam),
    Sgd(Sgd),
    Scalar(ScalarSrn, scalar_srn::Optimizer),
}

impl Engine {
    fn new(config: &Config, net: &Recurrent) -> Result<Self> {
        if config.scalar {
            let params = net
                .params
                .iter()
                .map(|p| Vec::<f32>::try_from(p.detach().reshape([-1])))
                .collect::<Result<Vec<_>, _>>()?;
            let classes = config.lang.num_class();
            let srn = ScalarSrn::new(classes, config.hid as usize, classes, params)?;
            let optimizer = if config.sgd {
                scalar_srn::Optimizer::sgd(config.lr, config.mom, 0.00001)
            } else {
                scalar_srn::Optimizer::adam(config.lr, 0.00001)
            };
            return Ok(Engine::Scalar(srn, optimizer));
        }
        Ok(if config.sgd {
            Engine::Sgd(Sgd::new(config.lr, config.mom).with_weight_decay(0.00001))
        } else {
            Engine::Adam(Adam::new(config.lr, (0.9, 0.999), 1e-8, 0.00001))
        })
    }

    /// One training step on `example`: the loss before the update. The scalar engine leaves `net`
    /// behind until [`Engine::sync`].
    fn step(&mut self, net: &mut Recurrent, example: &Example, classes: usize) -> Result<f32> {
        if let Engine::Scalar(srn, optimizer) = self {
            return Ok(srn.train_step(&example.seq, optimizer));
        }
        let (input, label) = tensors(example, classes);
        let (_, output) = net.forward(&input);
        let log_prob = output.log_softmax(2, Kind::Float);
        let loss = log_prob.squeeze().nll_loss(&label.squeeze());
        let grads = Tensor::run_backward(&[&loss], &net.params, false, false);
        match self {
            Engine::Adam(adam) => adam.step(&mut net.params, &grads)?,
            Engine::Sgd(sgd) => sgd.step(&mut net.params, &grads)?,
            Engine::Scalar(..) => unreachable!("returned above"),
        }
        Ok(f32::try_from(&loss)?)
    }

    /// Brings `net`'s tensors up to the engine's parameters.
    fn sync(&self, net: &mut Recurrent) {
        if let Engine::Scalar(srn, _) = self {
            tch::no_grad(|| {
                for (tensor, values) in net.params.iter_mut().zip(&srn.params) {
                    let shape = tensor.size();
                    tensor.copy_(&Tensor::from_slice(values).reshape(shape.as_slice()));
                }
            });
        }
    }
}

/// A trained network, every training step's loss, and numpy's generator where training left it.
pub struct Run {
    pub net: Recurrent,
    pub losses: Vec<f32>,
    /// The printed error(s) of each evaluation, every 1000 steps.
    pub errors: Vec<Vec<f32>>,
    pub rng: RandomState,
}

/// Trains `config`'s network, calling `report` with the step, the printed block and the network every
/// 1000 steps.
pub fn train(config: &Config, mut report: impl FnMut(u64, &str, &Recurrent) -> Result<()>) -> Result<Run> {
    tch::manual_seed(config.seed as i64);
    let mut rng = RandomState::new(config.data_seed);
    let classes = config.lang.num_class();
    let mut net = Recurrent::new(config.cell, classes as i64, config.hid, classes as i64, config.init);
    let mut engine = Engine::new(config, &net)?;
    let mut losses = Vec::with_capacity(config.steps as usize);
    let mut errors = Vec::new();
    for epoch in 0..config.steps {
        let example = config.lang.example(&mut rng);
        losses.push(engine.step(&mut net, &example, classes)?);
        if epoch % 1000 == 0 || epoch + 1 == config.steps {
            engine.sync(&mut net);
        }
        if epoch % 1000 == 0 {
            let example = config.lang.example(&mut rng);
            let (block, error) = evaluate(config, &net, epoch, &example)?;
            report(epoch, &block, &net)?;
            errors.push(error);
        }
    }
    Ok(Run { net, losses, errors, rng })
}

/// A run's settings as the trace records them (the script's names, defaults filled in).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TraceConfig {
    pub lang: String,
    pub embed: bool,
    /// anbn's max length or Reber's min length, after the script's default.
    pub length: i64,
    pub model: String,
    pub hid: i64,
    pub optim: String,
    pub lr: f64,
    pub mom: f64,
    pub init: f64,
    pub steps: u64,
    pub seed: u64,
    pub data_seed: u32,
}

impl TraceConfig {
    fn of(config: &Config) -> Self {
        let (lang, embed, length) = match config.lang {
            Lang::Anbn { num_class: 2, max_length } => ("anbn", false, max_length),
            Lang::Anbn { max_length, .. } => ("anbncn", false, max_length),
            Lang::Reber { embed, min_length } => ("reber", embed, min_length),
        };
        TraceConfig {
            lang: lang.into(),
            embed,
            length,
            model: if config.cell == Cell::Lstm { "lstm" } else { "srn" }.into(),
            hid: config.hid,
            optim: if config.sgd { "sgd" } else { "adam" }.into(),
            lr: config.lr,
            mom: config.mom,
            init: config.init,
            steps: config.steps,
            seed: config.seed,
            data_seed: config.data_seed,
        }
    }

    fn config(&self) -> Result<Config> {
        let lang = match self.lang.as_str() {
            "anbn" => Lang::Anbn { num_class: 2, max_length: self.length },
            "anbncn" => Lang::Anbn { num_class: 3, max_length: self.length },
            "reber" => Lang::Reber { embed: self.embed, min_length: self.length },
            other => bail!("no language called '{other}'"),
        };
        ensure!(self.steps >= 1 && self.steps <= MAX_THOUSANDS * 1000 + 1, "a trace of {} steps", self.steps);
        ensure!((1..=1000).contains(&self.hid), "a trace with {} hidden units", self.hid);
        let cell = if self.model == "lstm" { Cell::Lstm } else { Cell::Srn };
        Ok(Config {
            lang,
            cell,
            hid: self.hid,
            sgd: self.optim == "sgd",
            lr: self.lr,
            mom: self.mom,
            init: self.init,
            steps: self.steps,
            seed: self.seed,
            data_seed: self.data_seed,
            scalar: scalar_srn::suits(cell == Cell::Srn, self.hid),
        })
    }
}

/// What a run computed: every step's loss and the final parameters, in `net.parameters()` order.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trace {
    pub script: String,
    pub config: TraceConfig,
    pub steps: u64,
    #[serde(with = "exact_f32")]
    pub loss: Vec<f32>,
    pub params: Vec<Vec<f32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<crate::engine::kernels::Kernels>,
}

impl Trace {
    pub const SCRIPT: &'static str = "seq";

    pub fn of(config: &Config, run: &Run) -> Result<Self> {
        let params = run
            .net
            .params
            .iter()
            .map(|p| Vec::<f32>::try_from(p.detach().reshape([-1])))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Trace {
            script: Self::SCRIPT.into(),
            config: TraceConfig::of(config),
            steps: run.losses.len() as u64,
            loss: run.losses.clone(),
            params,
            kernels: Some(crate::engine::kernels::Kernels::here()),
        })
    }

    pub fn compare(&self, name: &str, ours: &Trace) -> Report {
        let mut report = Report::new(name, self.steps as usize, ours.steps as usize);
        report.compare_losses(&self.loss, &ours.loss);
        let flat = |t: &Trace| t.params.iter().flatten().copied().collect::<Vec<f32>>();
        report.compare_weights(&flat(self), &flat(ours));
        report
    }
}

/// Replays a saved reference run with our code and compares every step's loss and the final
/// parameters with it.
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let reference: Trace = fixture.parse()?;
    parity::check_length(&fixture.name, "loss", reference.loss.len(), reference.steps)?;
    let config = reference.config.config()?;
    let run = train(&config, |_, _, _| Ok(()))?;
    Ok(reference.compare(&fixture.name, &Trace::of(&config, &run)?))
}

/// The largest state of `lang`, as `seq_plot.py` colours to it.
pub(crate) fn max_state(lang: &Lang) -> i64 {
    match *lang {
        Lang::Reber { embed: true, .. } => 18,
        Lang::Reber { embed: false, .. } => 6,
        Lang::Anbn { max_length, .. } => max_length,
    }
}

/// `seq_plot.py`'s picture of `count` fresh sequences through the trained network.
fn state_picture(
    config: &Config,
    net: &Recurrent,
    rng: &mut RandomState,
    count: u64,
) -> Result<picture::StatePicture> {
    let examples: Vec<Example> = (0..count).map(|_| config.lang.example(rng)).collect();
    let model = model_name(config.cell);
    let shown = if config.hid > 4 { ", units 1 to 4" } else { "" };
    let title = format!(
        "{model} on {}, seed {}: hidden states of {count} sequences{shown} (x: start)",
        lang_name(&config.lang),
        config.seed
    );
    states_of(config, net, &examples, title)
}

/// The network as the pictures name it.
fn model_name(cell: Cell) -> &'static str {
    match cell {
        Cell::Srn => "SRN",
        Cell::Lstm => "LSTM",
    }
}

/// `SRN on a^n b^n, seed 0: 10 sequences' hidden states`: what `--dynamics` and `--html` show.
fn sequences_name(config: &Config, count: u64) -> String {
    let (model, lang) = (model_name(config.cell), lang_name(&config.lang));
    format!("{model} on {lang}, seed {}: {count} sequences' hidden states", config.seed)
}

/// The language as the pictures name it.
fn lang_name(lang: &Lang) -> &'static str {
    match lang {
        Lang::Anbn { num_class: 2, .. } => "a^n b^n",
        Lang::Anbn { .. } => "a^n b^n c^n",
        Lang::Reber { embed: true, .. } => "embedded Reber",
        Lang::Reber { .. } => "Reber",
    }
}

/// The hidden states of `examples` through `net`, coloured by the language's state.
fn states_of(
    config: &Config,
    net: &Recurrent,
    examples: &[Example],
    title: String,
) -> Result<picture::StatePicture> {
    let classes = config.lang.num_class();
    let mut paths = Vec::new();
    for example in examples {
        let (input, _) = tensors(example, classes);
        let (hidden, _) = tch::no_grad(|| net.forward(&input));
        let hidden = Vec::<Vec<f32>>::try_from(hidden.squeeze_dim(0))?;
        paths.push(hidden.into_iter().zip(example.state[1..].iter().copied()).collect());
    }
    let start = start_state(config, net)?;
    Ok(picture::StatePicture { paths, max_state: max_state(&config.lang), start: Some(start), title })
}

/// The hidden state before the first symbol: tanh of H0 for the SRN, zeros for the LSTM.
pub(crate) fn start_state(config: &Config, net: &Recurrent) -> Result<Vec<f32>> {
    Ok(match config.cell {
        Cell::Srn => Vec::<f32>::try_from(tch::no_grad(|| net.params[0].tanh()))?,
        Cell::Lstm => vec![0.0; config.hid as usize],
    })
}

/// Steps 1,000, 2,000, 5,000, 10,000, 20,000, ... up to 500,000,000: where the pictures of training
/// look.
pub(crate) fn round_steps() -> impl Iterator<Item = u64> {
    (0..6).flat_map(|p| [1, 2, 5].map(|m| m * 1000 * 10u64.pow(p)))
}

/// The step of a run's last evaluation: a run of 50,001 steps evaluates at 0, 1,000, ..., 50,000.
pub(crate) fn last_evaluation(steps: u64) -> u64 {
    (steps - 1) / 1000 * 1000
}

/// The steps `--dynamics` draws: 0, 1,000, 2,000, 5,000, 10,000, ... up to the last evaluation, the
/// last 8 of them.
fn dynamics_steps(steps: u64) -> Vec<u64> {
    let last = last_evaluation(steps);
    let mut chosen: Vec<u64> = std::iter::once(0).chain(round_steps()).filter(|&s| s <= last).collect();
    if chosen.last() != Some(&last) {
        chosen.push(last);
    }
    chosen.split_off(chosen.len().saturating_sub(8))
}

/// What the network makes of an example: each step's hidden state and output probabilities, and the
/// script's printed error(s): the mean squared difference between those probabilities and the true
/// ones (embedded Reber: over the inner string, and at the last symbol but one).
pub struct Outputs {
    pub hidden: Vec<Vec<f32>>,
    pub probs: Vec<Vec<f32>>,
    pub errors: Vec<f32>,
}

pub(crate) fn outputs(config: &Config, net: &Recurrent, example: &Example) -> Result<Outputs> {
    let classes = config.lang.num_class();
    let (input, _) = tensors(example, classes);
    let target = target(example, classes);
    let (hidden, output) = tch::no_grad(|| net.forward(&input));
    let prob_out = output.log_softmax(-1, Kind::Float).exp();
    let squared_error = |p: &Tensor, t: &Tensor| -> Result<f32> {
        let d = p - t;
        Ok(f32::try_from((&d * &d).mean(Kind::Float))?)
    };
    let errors = match config.lang {
        Lang::Reber { embed: true, .. } => {
            let steps = prob_out.size()[1];
            let middle = |x: &Tensor| x.slice(1, 2, steps - 3, 1);
            let last = |x: &Tensor| x.select(1, steps - 2);
            vec![
                squared_error(&middle(&prob_out), &middle(&target))?,
                squared_error(&last(&prob_out), &last(&target))?,
            ]
        }
        _ => vec![squared_error(&prob_out, &target)?],
    };
    let hidden = Vec::<Vec<f32>>::try_from(hidden.squeeze_dim(0))?;
    let probs = Vec::<Vec<f32>>::try_from(prob_out.squeeze_dim(0))?;
    Ok(Outputs { hidden, probs, errors })
}

/// The block `print_outputs` prints for a fresh example, and its error(s).
fn evaluate(config: &Config, net: &Recurrent, epoch: u64, example: &Example) -> Result<(String, Vec<f32>)> {
    let out = outputs(config, net, example)?;
    Ok((lang::printed(&config.lang, epoch, example, &out.hidden, &out.probs, &out.errors), out.errors))
}

/// The folder `--checkpoint-every` writes into, checked before training.
fn checkpoint_folder(args: &Args) -> Result<Option<std::path::PathBuf>> {
    if args.checkpoint_every == 0 {
        return Ok(None);
    }
    ensure!(
        args.checkpoint_every.is_multiple_of(1000),
        "--checkpoint-every must be a multiple of 1000 (the script names checkpoints by thousands of steps)"
    );
    let folder = args.out_path.clone();
    ensure!(
        folder.is_dir(),
        "--out-path {}: no such folder (the script needs it to exist too)",
        folder.display()
    );
    Ok(Some(folder))
}

/// The names of a network's parameters in its state dict.
fn param_names(cell: Cell) -> &'static [&'static str] {
    match cell {
        Cell::Srn => &["H0", "W", "U", "hid_bias", "V", "out_bias"],
        Cell::Lstm => &["W", "U", "hid_bias", "V", "out_bias"],
    }
}

/// The script's checkpoint after `epoch` steps: `torch.save(net.state_dict(), path +
/// '%s_%s%d_%d.pth' % (lang, model, hid, epoch / 1000))`, which Python's `torch.load` reads.
fn save_checkpoint(config: &Config, folder: &std::path::Path, epoch: u64, net: &Recurrent) -> Result<()> {
    let TraceConfig { lang, model, hid, .. } = TraceConfig::of(config);
    let path = folder.join(format!("{lang}_{model}{hid}_{}.pth", epoch / 1000));
    let detached: Vec<Tensor> = net.params.iter().map(Tensor::detach).collect();
    let named: Vec<(&str, &Tensor)> = param_names(config.cell).iter().copied().zip(&detached).collect();
    files::write_atomically(&path, &crate::engine::ops::save_state(&named)?)
}

/// A network from a checkpoint (`torch.save(net.state_dict())`, the script's or hud's), as
/// `seq_plot.py` loads it.
fn load_checkpoint(config: &Config, path: &std::path::Path) -> Result<Recurrent> {
    // A course network's checkpoint is a few kilobytes; refuse to read a huge file whole.
    const MAX_BYTES: u64 = 64 << 20;
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    ensure!(size <= MAX_BYTES, "{}: {size} bytes is not a checkpoint of this network", path.display());
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let names = param_names(config.cell);
    let tensors = crate::engine::ops::load_state(&bytes, names).map_err(|e| {
        // libtorch's reason, cut to its first sentence: a corrupt zip says a great deal more.
        let reason = format!("{e:#}");
        let reason = reason.split(['\n', '.']).next().unwrap_or_default().to_string();
        anyhow::anyhow!("{} is not a checkpoint of this network ({reason})", path.display())
    })?;
    let classes = config.lang.num_class() as i64;
    let mut net = Recurrent::new(config.cell, classes, config.hid, classes, config.init);
    for ((param, loaded), name) in net.params.iter_mut().zip(tensors).zip(names) {
        ensure!(
            param.size() == loaded.size() && loaded.kind() == Kind::Float,
            "{}: '{name}' is {:?} {:?}, this network's is {:?} (give the checkpoint's --lang, --model and --hid)",
            path.display(),
            loaded.kind(),
            loaded.size(),
            param.size()
        );
        tch::no_grad(|| param.copy_(&loaded));
    }
    Ok(net)
}

/// Says which seed a run drew, so that it can be repeated.
fn note_drawn_seed(args: &Args, seed: u64) {
    if args.seed.is_none() {
        eprintln!("seed {seed} (drawn; repeat this run with --seed {seed})");
    }
}

/// How many fresh sequences `--analysis` measures on.
pub const ANALYSED_SEQUENCES: usize = 100;

/// [`analysis::analyse`] on `count` fresh sequences drawn from `rng`.
pub fn analyse(
    config: &Config,
    run: &Run,
    rng: &mut RandomState,
    count: usize,
) -> Result<analysis::Analysis> {
    let examples: Vec<Example> = (0..count).map(|_| config.lang.example(rng)).collect();
    let outs = examples.iter().map(|e| outputs(config, &run.net, e)).collect::<Result<Vec<_>>>()?;
    let seen: Vec<analysis::Seen> = examples
        .iter()
        .zip(&outs)
        .map(|(example, out)| analysis::Seen {
            example,
            hidden: &out.hidden,
            probs: &out.probs,
            errors: &out.errors,
        })
        .collect();
    Ok(analysis::analyse(&config.lang, &run.errors, &seen))
}

/// Refuses, before training, outputs that cannot be written or that name one file twice.
fn check_outputs(args: &Args, config: &Config) -> Result<()> {
    if let Some(path) = &args.trace {
        files::check_writable(path)?;
    }
    for path in [&args.plot, &args.dynamics].into_iter().flatten() {
        crate::draw::Format::of(path)?;
        files::check_writable(path)?;
    }
    if let Some(path) = &args.html {
        explore::Recorder::check(config.hid)?;
        crate::draw::explorer::check_path(path)?;
    }
    let outputs: Vec<&std::path::Path> = [&args.trace, &args.plot, &args.dynamics, &args.html]
        .into_iter()
        .flatten()
        .map(|p| p.as_path())
        .collect();
    files::check_distinct(&outputs)
}

/// `hud seq`.
pub fn run(args: Args) -> Result<()> {
    let seed = args.seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let config = args.config(seed)?;
    check_outputs(&args, &config)?;
    let mut stdout = std::io::stdout().lock();
    let checkpoints = checkpoint_folder(&args)?;
    // The dynamics picture's sequences come from a generator of their own, so that the training data
    // and the printed lines stay the script's.
    let snapshot_steps = dynamics_steps(config.steps);
    let mut side = RandomState::new(config.data_seed.wrapping_add(1));
    let snapshot_examples: Vec<Example> = if args.dynamics.is_some() || args.html.is_some() {
        (0..args.num_plot).map(|_| config.lang.example(&mut side)).collect()
    } else {
        Vec::new()
    };
    let mut explorer = match &args.html {
        Some(_) => Some(explore::Recorder::new(&config, snapshot_examples.clone())?),
        None => None,
    };
    let mut frames = Vec::new();
    let mut run = match &args.from {
        Some(path) => {
            let net = load_checkpoint(&config, path)?;
            note_drawn_seed(&args, seed);
            Run { net, losses: Vec::new(), errors: Vec::new(), rng: RandomState::new(config.data_seed) }
        }
        None => {
            note_drawn_seed(&args, seed);
            train(&config, |epoch, block, net| {
                stdout.write_all(block.as_bytes()).and_then(|()| stdout.flush())?;
                if args.dynamics.is_some() && snapshot_steps.contains(&epoch) {
                    frames.push((epoch, states_of(&config, net, &snapshot_examples, String::new())?));
                }
                if let Some(explorer) = &mut explorer {
                    explorer.after_report(epoch, net)?;
                }
                match &checkpoints {
                    Some(folder) if epoch % args.checkpoint_every == 0 => {
                        save_checkpoint(&config, folder, epoch, net)
                    }
                    _ => Ok(()),
                }
            })?
        }
    };
    if let Some(path) = &args.dynamics {
        let title = format!("{} during training (x: start)", sequences_name(&config, args.num_plot));
        let dynamics = picture::Dynamics { frames: std::mem::take(&mut frames), title };
        files::write_atomically(path, &crate::draw::render_sized(&dynamics, path, picture::DYNAMICS_SIZE)?)?;
        eprintln!("wrote {}", path.display());
    }
    if let (Some(path), Some(explorer)) = (&args.html, explorer) {
        let page = explorer.finish(sequences_name(&config, args.num_plot), &run.losses).html()?;
        crate::draw::explorer::write(path, &page)?;
    }
    if let Some(path) = &args.trace {
        let json = serde_json::to_string(&Trace::of(&config, &run)?).context("cannot encode the trace")?;
        files::write_atomically(path, json.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    if args.analysis {
        let report = analyse(&config, &run, &mut run.rng.clone(), ANALYSED_SEQUENCES)?;
        stdout.write_all(report.text.as_bytes())?;
        stdout.flush()?;
    }
    if let Some(path) = &args.plot {
        let picture = state_picture(&config, &run.net, &mut run.rng, args.num_plot)?;
        files::write_atomically(path, &crate::draw::render_sized(&picture, path, picture.size())?)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
