//! `hud verify`: every fixture (or the traces named) replayed by its lab and compared with ours, bit
//! for bit, each in the kernels it was made in: in this process where those are its own, otherwise in
//! a child hud started with their environment (`hud verify --child`). `--live` runs the generators
//! against this machine's PyTorch instead ([`super::live`]).

use super::{embedded, live, replay, Fixture, Labs, Report};
use crate::engine::kernels::Kernels;
use anyhow::{bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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

fn replay_outcome(labs: Labs, fixture: &Fixture, kernels: Option<Kernels>) -> Outcome {
    match (replay(labs, fixture), kernels) {
        (Ok(report), Some(kernels)) => Outcome::Checked { kernels, report },
        (Ok(report), None) => Outcome::Unrecorded { report },
        (Err(e), _) => Outcome::Failed(format!("{e:#}")),
    }
}

/// `hud verify --child`: each fixture replayed here, as JSON lines on standard output.
fn run_child(labs: Labs, sources: &[Source]) -> Result<()> {
    let mut lines = vec![ChildLine::Kernels(Kernels::here())];
    for source in sources {
        lines.push(match source.load().and_then(|fixture| replay(labs, &fixture)) {
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
    let portable = crate::engine::kernels::PORTABLE_ENV.iter().map(|(k, _)| *k);
    for key in
        portable.chain(["MKL_ENABLE_INSTRUCTIONS", "LD_PRELOAD", crate::engine::kernels::PORTABLE_SQRT_VAR])
    {
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
fn replay_all(labs: Labs, sources: &[Source], here: &Kernels) -> Vec<Outcome> {
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
            Ok(None) => Some(replay_outcome(labs, &fixture, None)),
            Ok(Some(kernels)) if kernels.same_numbers_as(here) => {
                Some(replay_outcome(labs, &fixture, Some(kernels)))
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

/// `hud verify`: one line per fixture, each replayed by its lab in `labs`; an error when any differs
/// or could not be checked.
pub fn run(args: Args, labs: Labs) -> Result<()> {
    if args.live {
        return live::run(args.python.as_deref(), labs);
    }
    let sources: Vec<Source> = if args.fixtures.is_empty() {
        embedded().into_iter().map(|f| Source::Embedded(f.name)).collect()
    } else {
        args.fixtures.iter().map(|p| Source::of_arg(p)).collect()
    };
    if args.child {
        return run_child(labs, &sources);
    }
    ensure!(!sources.is_empty(), "no fixtures to verify");
    let here = Kernels::here();
    println!("this process computes in {}", here.describe());
    let outcomes = replay_all(labs, &sources, &here);
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
