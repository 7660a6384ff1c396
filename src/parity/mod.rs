//! Parity with PyTorch: saved reference runs (the fixtures, made by the Python generators in
//! `fixtures/`) replayed and compared with ours, bit for bit, by `hud verify`.
//!
//! Each fixture is a trace whose `"script"` names the ported script that replays it; every fixture
//! under `fixtures/` is built into the binary, so `hud verify` and `hud encoder`'s check need no files.
//!
//! A fixture records the kernels it was made in ([`Kernels`]); PyTorch's numbers are reproducible only
//! in the same kernels, so `hud verify` replays each fixture in its own kernels (in a child process with
//! their environment where this one has others) and compares exactly only like with like. The saved
//! fixtures are made in the portable kernels, which any x86-64 CPU has.

use crate::kernels::Kernels;
use anyhow::{bail, ensure, Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// Replays a fixture with our code and compares the outcome with it.
pub type Replay = fn(&Fixture) -> Result<Report>;

/// The ported scripts, by the name their traces carry in `"script"`.
pub const SCRIPTS: &[(&str, Replay)] = &[
    (crate::encoder::Trace::SCRIPT, crate::encoder::replay),
    (crate::spirals::Trace::SCRIPT, crate::spirals::replay),
    (crate::xor::Trace::SCRIPT, crate::xor::replay),
    (crate::depth::Trace::SCRIPT, crate::depth::replay),
];

/// A saved reference run.
pub struct Fixture {
    /// Its path under `fixtures/`, or as given.
    pub name: String,
    pub text: Cow<'static, str>,
    /// The folder a fixture file was read from: relative target files are found there.
    pub dir: Option<PathBuf>,
}

impl Fixture {
    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::files::read_text_capped(path, crate::files::MAX_READ_BYTES, "")?;
        Ok(Fixture {
            name: path.display().to_string(),
            text: Cow::Owned(text),
            dir: path.parent().map(Path::to_path_buf),
        })
    }

    /// The kernels the fixture was made in, where it records them.
    pub fn kernels(&self) -> Result<Option<Kernels>> {
        #[derive(Deserialize)]
        struct Head {
            #[serde(default)]
            kernels: Option<Kernels>,
        }
        Ok(self.parse::<Head>()?.kernels)
    }

    /// The script whose trace this is.
    pub fn script(&self) -> Result<String> {
        #[derive(Deserialize)]
        struct Head {
            script: String,
        }
        Ok(self.parse::<Head>()?.script)
    }

    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.text).with_context(|| format!("{} is not a valid trace", self.name))
    }

    /// A file named in the fixture: relative to the fixture's folder where it is there, else as
    /// written (relative to the working folder); names that are not files (`input`, ...) stay.
    pub fn resolve_path(&self, name: &str) -> String {
        match &self.dir {
            Some(dir) if !crate::targets::NAMES.contains(&name) && dir.join(name).is_file() => {
                dir.join(name).display().to_string()
            }
            _ => name.to_string(),
        }
    }
}

/// Every fixture saved under `fixtures/` when this binary was built.
pub fn embedded() -> Vec<Fixture> {
    embedded::FIXTURES
        .iter()
        .map(|&(name, text)| Fixture { name: name.to_string(), text: Cow::Borrowed(text), dir: None })
        .collect()
}

/// The first fixture built into this binary that `script` made and whose trace `matches`: the saved
/// PyTorch reference a run can be checked against.
pub fn find_embedded<T: DeserializeOwned>(
    script: &str,
    mut matches: impl FnMut(&T) -> bool,
) -> Result<Option<(String, T)>> {
    for fixture in embedded() {
        if fixture.script()? == script {
            let reference: T = fixture.parse()?;
            if matches(&reference) {
                return Ok(Some((fixture.name, reference)));
            }
        }
    }
    Ok(None)
}

/// Refuses a trace whose `series` has another length than the `epochs` it records (a broken or edited
/// fixture), before anything is replayed.
pub fn check_length(name: &str, series: &str, len: usize, epochs: u64) -> Result<()> {
    ensure!(
        len as u64 == epochs,
        "{name}: the trace's lengths disagree: it records {epochs} epochs but {len} values of {series}"
    );
    Ok(())
}

/// How a replay compared with its reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub name: String,
    pub epochs_reference: usize,
    pub epochs_ours: usize,
    /// Epochs whose loss differs in any bit, counting epochs only one side ran.
    pub losses_differing: usize,
    pub max_loss_diff: f64,
    /// For scripts that record an accuracy per epoch: epochs whose accuracy differs in any bit.
    pub accuracies_differing: Option<usize>,
    pub weights_compared: usize,
    /// Weights that differ in any bit, counting those only one side has.
    pub weights_differing: usize,
    pub max_weight_diff: f64,
}

/// Compares two series bit for bit: (elements differing, counting those only one side has; the
/// largest |difference| over the common part).
fn compare_series(reference: &[f32], ours: &[f32]) -> (usize, f64) {
    let mut differing = reference.len().abs_diff(ours.len());
    let mut max_diff = 0f64;
    for (&a, &b) in reference.iter().zip(ours) {
        if a.to_bits() != b.to_bits() {
            differing += 1;
            max_diff = max_diff.max((f64::from(a) - f64::from(b)).abs());
        }
    }
    (differing, max_diff)
}

impl Report {
    pub fn new(name: &str, epochs_reference: usize, epochs_ours: usize) -> Self {
        Report {
            name: name.to_string(),
            epochs_reference,
            epochs_ours,
            losses_differing: 0,
            max_loss_diff: 0.0,
            accuracies_differing: None,
            weights_compared: 0,
            weights_differing: 0,
            max_weight_diff: 0.0,
        }
    }

    pub fn compare_losses(&mut self, reference: &[f32], ours: &[f32]) {
        let (differing, max_diff) = compare_series(reference, ours);
        self.losses_differing += differing;
        self.max_loss_diff = self.max_loss_diff.max(max_diff);
    }

    pub fn compare_accuracies(&mut self, reference: &[f32], ours: &[f32]) {
        let (differing, _) = compare_series(reference, ours);
        *self.accuracies_differing.get_or_insert(0) += differing;
    }

    pub fn compare_weights(&mut self, reference: &[f32], ours: &[f32]) {
        let (differing, max_diff) = compare_series(reference, ours);
        self.weights_compared += reference.len().max(ours.len());
        self.weights_differing += differing;
        self.max_weight_diff = self.max_weight_diff.max(max_diff);
    }

    /// Every epoch, loss and weight the same, bit for bit.
    pub fn exact(&self) -> bool {
        self.epochs_reference == self.epochs_ours
            && self.losses_differing == 0
            && self.accuracies_differing.unwrap_or(0) == 0
            && self.weights_differing == 0
    }

    pub fn summary(&self) -> String {
        let epochs = self.epochs_reference.max(self.epochs_ours);
        let accuracies = match self.accuracies_differing {
            Some(differing) => format!("; accuracies differing {differing} of {epochs}"),
            None => String::new(),
        };
        format!(
            "epochs {} (PyTorch) vs {} (hud); losses differing {} of {epochs}, largest |diff| {}{accuracies}; weights differing {} of {}, largest |diff| {}",
            self.epochs_reference,
            self.epochs_ours,
            self.losses_differing,
            format_diff(self.max_loss_diff),
            self.weights_differing,
            self.weights_compared,
            format_diff(self.max_weight_diff),
        )
    }
}

fn format_diff(diff: f64) -> String {
    if diff == 0.0 {
        "0".into()
    } else {
        format!("{diff:.3e}")
    }
}

/// A run's trace as `hud <script>` checks it against a saved reference with its config.
pub trait RunTrace {
    /// The script that made it (`fixtures/<script>_reference.py` makes references).
    fn script(&self) -> &str;
    fn kernels(&self) -> Option<&Kernels>;
    fn epochs(&self) -> u64;
    /// Compares `ours` with this reference, bit for bit.
    fn compare_with(&self, name: &str, ours: &Self) -> Report;
}

/// What `hud <script>` says of its run `ours`, given the saved reference with its config (`found`,
/// if there is one): compared bit for bit where the run computed in the reference's kernels;
/// otherwise that it was not, and the command that checks it (never "differs" where only the kernels
/// differ).
pub fn run_line<T: RunTrace>(found: Option<(String, T)>, ours: &T) -> String {
    let Some((name, reference)) = found else {
        return format!(
            "parity: no saved PyTorch reference has this config (fixtures/{}_reference.py makes one)",
            ours.script()
        );
    };
    let here = Kernels::here();
    let epochs = ours.epochs();
    let exact = |in_kernels: &str| {
        format!("parity: reproduces the PyTorch reference {name} exactly ({epochs} epochs, every loss and weight bit for bit{in_kernels})")
    };
    match reference.kernels() {
        Some(kernels) if kernels.same_numbers_as(&here) => {
            let report = reference.compare_with(&name, ours);
            if report.exact() {
                exact(&format!(", in {}", here.describe()))
            } else {
                format!(
                    "parity: DIFFERS from the PyTorch reference {name}, made in the same kernels ({}): {}",
                    here.describe(),
                    report.summary()
                )
            }
        }
        Some(kernels) => {
            let check = match kernels.environment() {
                Ok(_) if kernels.is_portable() => {
                    format!("To check this run exactly: `{}`; to", portable_command())
                }
                Ok(_) => "To".to_string(),
                Err(why) => format!("It cannot be checked here ({why}). To"),
            };
            format!(
                "parity: not compared with the PyTorch reference {name}, made in {}: this run computed in {}, which \
                 round differently. {check} compare hud with this machine's PyTorch in its own kernels: `hud \
                 verify --live`",
                kernels.describe(),
                here.describe(),
            )
        }
        None => {
            let report = reference.compare_with(&name, ours);
            if report.exact() {
                exact(" (the reference does not record its kernels)")
            } else {
                format!(
                    "parity: not compared: the PyTorch reference {name} does not record the kernels it was made in, and \
                     this run's ({}) give other numbers ({}); remake it with its generator's --portable",
                    here.describe(),
                    report.summary()
                )
            }
        }
    }
}

/// This command again, in the portable kernels: `hud encoder --seed 0 --portable`.
fn portable_command() -> String {
    let quote = |arg: String| {
        if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
            arg
        } else {
            format!("'{}'", arg.replace('\'', "'\\''"))
        }
    };
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| a != "--portable")
        .map(quote)
        .collect();
    format!("hud {} --portable", args.join(" "))
}

/// Replay saved PyTorch reference runs and compare them with ours, bit for bit, each in the kernels it
/// was made in.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Fixture files (traces written by a reference generator); without any, every fixture saved in
    /// fixtures/ when hud was built
    pub fixtures: Vec<PathBuf>,
    /// Run the reference generators with this machine's PyTorch now, in its own kernels and thread
    /// count, for each script's standard configs, and compare hud run the same way
    #[arg(long, conflicts_with = "fixtures")]
    pub live: bool,
    /// The Python with torch 2.11.0 that --live runs [default: $HUD_PYTHON, else python3]
    #[arg(long, requires = "live")]
    pub python: Option<PathBuf>,
    /// Replay the fixtures in this process only and print one JSON line each (how `hud verify` checks
    /// fixtures made in other kernels than its own: `embedded:NAME` names a built-in fixture)
    #[arg(long, hide = true)]
    pub child: bool,
}

/// Variables that put a process in given kernels.
type Environment = Vec<(&'static str, String)>;

/// Where a fixture comes from: built into hud, or a file.
#[derive(Clone, Debug)]
enum Source {
    Embedded(String),
    File(PathBuf),
}

const EMBEDDED_PREFIX: &str = "embedded:";

impl Source {
    fn of_arg(arg: &Path) -> Source {
        match arg.to_str().and_then(|a| a.strip_prefix(EMBEDDED_PREFIX)) {
            Some(name) => Source::Embedded(name.to_string()),
            None => Source::File(arg.to_path_buf()),
        }
    }

    fn arg(&self) -> std::ffi::OsString {
        match self {
            Source::Embedded(name) => format!("{EMBEDDED_PREFIX}{name}").into(),
            Source::File(path) => path.clone().into_os_string(),
        }
    }

    fn name(&self) -> String {
        match self {
            Source::Embedded(name) => name.clone(),
            Source::File(path) => path.display().to_string(),
        }
    }

    fn load(&self) -> Result<Fixture> {
        match self {
            Source::Embedded(name) => embedded()
                .into_iter()
                .find(|f| f.name == *name)
                .with_context(|| format!("no fixture called {name} is built into hud")),
            Source::File(path) => Fixture::load(path),
        }
    }
}

/// Replays one fixture with the script that made it, in this process's kernels.
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let script = fixture.script()?;
    match SCRIPTS.iter().find(|(name, _)| *name == script) {
        Some((_, replay)) => replay(fixture),
        None => bail!("{}: no ported script is called '{script}'", fixture.name),
    }
}

/// What `hud verify` found for one fixture.
enum Outcome {
    /// Replayed in the kernels the fixture was made in.
    Checked {
        kernels: Kernels,
        report: Report,
    },
    /// The fixture does not say which kernels made it; replayed in this process's.
    Unrecorded {
        report: Report,
    },
    /// Made in kernels this machine cannot run (another CPU's native ones).
    Unreachable {
        kernels: Kernels,
        why: String,
    },
    Failed(String),
}

/// One line of a child's output: the kernels it ran in, then a report (or an error) per fixture.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ChildLine {
    Kernels(Kernels),
    Report(Report),
    Error(String),
}

fn replay_outcome(fixture: &Fixture, kernels: Option<Kernels>) -> Outcome {
    match (replay(fixture), kernels) {
        (Ok(report), Some(kernels)) => Outcome::Checked { kernels, report },
        (Ok(report), None) => Outcome::Unrecorded { report },
        (Err(e), _) => Outcome::Failed(format!("{e:#}")),
    }
}

/// `hud verify --child`: each fixture replayed here, as JSON lines on standard output.
fn run_child(sources: &[Source]) -> Result<()> {
    let mut lines = vec![ChildLine::Kernels(Kernels::here())];
    for source in sources {
        lines.push(match source.load().and_then(|fixture| replay(&fixture)) {
            Ok(report) => ChildLine::Report(report),
            Err(e) => ChildLine::Error(format!("{e:#}")),
        });
    }
    for line in lines {
        println!("{CHILD_MARK}{}", serde_json::to_string(&line)?);
    }
    Ok(())
}

/// Marks the child's JSON lines on its standard output, which anything else might also write to
/// (`MKL_VERBOSE=1`, say).
const CHILD_MARK: &str = "hud-verify-child: ";

/// Replays `members` (each with the kernels it was made in, all the same numbers) in a child hud
/// started with `env`, which puts it in those kernels.
fn replay_in_child(env: &[(&str, String)], members: &[(Source, Kernels)]) -> Result<Vec<Outcome>> {
    let described = members.first().map_or_else(String::new, |(_, k)| k.describe());
    let exe = std::env::current_exe().context("cannot find hud's own executable")?;
    let mut command = std::process::Command::new(&exe);
    command.arg("verify").arg("--child").args(members.iter().map(|(source, _)| source.arg()));
    for key in crate::kernels::PORTABLE_ENV.iter().map(|(k, _)| *k).chain(["MKL_ENABLE_INSTRUCTIONS"]) {
        command.env_remove(key);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    ensure!(output.status.success(), "the replay in {described} failed ({})", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines =
        stdout.lines().filter_map(|l| l.strip_prefix(CHILD_MARK)).map(serde_json::from_str::<ChildLine>);
    let child_kernels = match lines.next() {
        Some(Ok(ChildLine::Kernels(k))) => k,
        _ => bail!("the replay in {described} did not say its kernels"),
    };
    let mut outcomes = Vec::new();
    for ((_, kernels), line) in members.iter().zip(lines) {
        outcomes.push(match line.context("the replay's output is not one report per line")? {
            _ if !child_kernels.same_numbers_as(kernels) => Outcome::Unreachable {
                kernels: kernels.clone(),
                why: format!("a process started for them ran in {}", child_kernels.describe()),
            },
            ChildLine::Report(report) => Outcome::Checked { kernels: kernels.clone(), report },
            ChildLine::Error(e) => Outcome::Failed(e),
            ChildLine::Kernels(_) => bail!("the replay said its kernels twice"),
        });
    }
    ensure!(
        outcomes.len() == members.len(),
        "the replay reported {} of {} fixtures",
        outcomes.len(),
        members.len()
    );
    Ok(outcomes)
}

/// Replays every source in the kernels it was made in: here where those are this process's, in one
/// child per other set of kernels.
fn replay_all(sources: &[Source], here: &Kernels) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = sources.iter().map(|_| None).collect();
    // Per other set of kernels: the environment that puts a process in them, and the fixtures (with
    // their kernels) made in them.
    let mut elsewhere: Vec<(Environment, Vec<(usize, Kernels)>)> = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let fixture = match source.load() {
            Ok(fixture) => fixture,
            Err(e) => {
                outcomes[i] = Some(Outcome::Failed(format!("{e:#}")));
                continue;
            }
        };
        outcomes[i] = match fixture.kernels() {
            Err(e) => Some(Outcome::Failed(format!("{e:#}"))),
            Ok(None) => Some(replay_outcome(&fixture, None)),
            Ok(Some(kernels)) if kernels.same_numbers_as(here) => {
                Some(replay_outcome(&fixture, Some(kernels)))
            }
            Ok(Some(kernels)) => match kernels.environment() {
                Ok(env) => {
                    let group = elsewhere.iter_mut().find(|(e, members)| {
                        *e == env && members.first().is_some_and(|(_, k)| k.same_numbers_as(&kernels))
                    });
                    match group {
                        Some((_, members)) => members.push((i, kernels)),
                        None => elsewhere.push((env, vec![(i, kernels)])),
                    }
                    None
                }
                Err(why) => Some(Outcome::Unreachable { why, kernels }),
            },
        };
    }
    for (env, members) in elsewhere {
        let group: Vec<(Source, Kernels)> =
            members.iter().map(|(i, k)| (sources[*i].clone(), k.clone())).collect();
        match replay_in_child(&env, &group) {
            Ok(found) => members.iter().zip(found).for_each(|((i, _), outcome)| outcomes[*i] = Some(outcome)),
            Err(e) => {
                members.iter().for_each(|(i, _)| outcomes[*i] = Some(Outcome::Failed(format!("{e:#}"))))
            }
        }
    }
    outcomes.into_iter().map(|o| o.expect("every fixture has an outcome")).collect()
}

/// `hud verify`: one line per fixture; an error when any differs or could not be checked.
pub fn run(args: Args) -> Result<()> {
    if args.live {
        return crate::live::run(args.python.as_deref());
    }
    let sources: Vec<Source> = if args.fixtures.is_empty() {
        embedded().into_iter().map(|f| Source::Embedded(f.name)).collect()
    } else {
        args.fixtures.iter().map(|p| Source::of_arg(p)).collect()
    };
    if args.child {
        return run_child(&sources);
    }
    ensure!(!sources.is_empty(), "no fixtures to verify");
    let here = Kernels::here();
    println!("this process computes in {}", here.describe());
    let outcomes = replay_all(&sources, &here);
    let (mut exact, mut differing, mut unchecked, mut failed) = (0, 0, 0, 0);
    let mut kernels_used: Vec<String> = Vec::new();
    for (source, outcome) in sources.iter().zip(&outcomes) {
        let name = source.name();
        match outcome {
            Outcome::Checked { kernels, report } => {
                let verdict = if report.exact() { "exact" } else { "DIFFERS" };
                println!(
                    "{name}: {verdict} in the fixture's own {}: {}",
                    kernels.describe(),
                    report.summary()
                );
                if report.exact() {
                    exact += 1;
                    let used = kernels.describe();
                    if !kernels_used.contains(&used) {
                        kernels_used.push(used);
                    }
                } else {
                    differing += 1;
                }
            }
            Outcome::Unrecorded { report } if report.exact() => {
                println!(
                    "{name}: exact in this process's kernels (the fixture does not record its own): {}",
                    report.summary()
                );
                exact += 1;
            }
            Outcome::Unrecorded { report } => {
                println!(
                    "{name}: not compared: the fixture does not record the kernels it was made in, and this \
                     process's give other numbers ({}); if it was made in the portable kernels, `hud --portable \
                     verify {name}` compares it; else remake it with its generator's --portable",
                    report.summary()
                );
                unchecked += 1;
            }
            Outcome::Unreachable { kernels, why } => {
                println!(
                    "{name}: not compared: it was made in {}, which cannot be had here ({why}); remake it \
                     with its generator's --portable, or use `hud verify --live`",
                    kernels.describe()
                );
                unchecked += 1;
            }
            Outcome::Failed(e) => {
                println!("{name}: cannot replay: {e}");
                failed += 1;
            }
        }
    }
    let total = sources.len();
    if differing + failed > 0 {
        bail!(
            "{differing} of {total} fixtures differ from PyTorch in their own kernels, {failed} could not be replayed"
        );
    }
    if unchecked > 0 {
        bail!("{exact} of {total} fixtures reproduced exactly; {unchecked} could not be compared in their own kernels here");
    }
    match kernels_used.is_empty() {
        true => println!("all {total} fixtures reproduced exactly"),
        false => println!(
            "all {total} fixtures reproduced exactly, each in the kernels it was made in: {}",
            kernels_used.join("; ")
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_count_differing_and_missing_elements() {
        let mut report = Report::new("r", 3, 2);
        report.compare_losses(&[1.0, 2.0, 3.0], &[1.0, 2.5]);
        report.compare_weights(&[0.5, -0.0], &[0.5, 0.0]);
        assert_eq!(report.losses_differing, 2);
        assert_eq!(report.max_loss_diff, 0.5);
        // -0.0 and 0.0 differ in a bit, by nothing.
        assert_eq!((report.weights_compared, report.weights_differing, report.max_weight_diff), (2, 1, 0.0));
        assert!(!report.exact());
        assert!(report.summary().contains("losses differing 2 of 3"), "{}", report.summary());
    }

    #[test]
    fn identical_series_are_exact() {
        let mut report = Report::new("r", 2, 2);
        report.compare_losses(&[0.25, 0.125], &[0.25, 0.125]);
        report.compare_weights(&[1.0], &[1.0]);
        assert!(report.exact(), "{}", report.summary());
    }

    #[test]
    fn every_embedded_fixture_names_a_ported_script() {
        let fixtures = embedded();
        assert!(!fixtures.is_empty());
        for fixture in &fixtures {
            let script = fixture.script().unwrap();
            assert!(SCRIPTS.iter().any(|(name, _)| *name == script), "{}: {script}", fixture.name);
        }
    }
}
