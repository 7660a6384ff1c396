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

use crate::engine::kernels::Kernels;
use anyhow::{bail, ensure, Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub mod live;
pub mod verify;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// Replays a fixture with our code and compares the outcome with it.
pub type Replay = fn(&Fixture) -> Result<Report>;

/// The ported scripts' replays, by the name their traces carry in `"script"`: the labs fill it
/// (`crate::labs::REPLAYS`), so that parity depends on no lab.
pub type Labs = &'static [(&'static str, Replay)];

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
        let text = crate::data::files::read_text_capped(path, crate::data::files::MAX_READ_BYTES, "")?;
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
            Some(dir) if !crate::data::targets::NAMES.contains(&name) && dir.join(name).is_file() => {
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

/// [`RunTrace`] for a lab's trace type with the fields `script`, `kernels` and `epochs` and a method
/// `compare(&self, name, ours) -> Report`, as every lab's trace has them.
macro_rules! run_trace {
    ($trace:ty) => {
        impl $crate::parity::RunTrace for $trace {
            fn script(&self) -> &str {
                &self.script
            }

            fn kernels(&self) -> Option<&$crate::engine::kernels::Kernels> {
                self.kernels.as_ref()
            }

            fn epochs(&self) -> u64 {
                self.epochs
            }

            fn compare_with(&self, name: &str, ours: &Self) -> $crate::parity::Report {
                self.compare(name, ours)
            }
        }
    };
}
pub(crate) use run_trace;

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

/// Replays one fixture with the script that made it (its replay in `labs`), in this process's kernels.
pub fn replay(labs: Labs, fixture: &Fixture) -> Result<Report> {
    let script = fixture.script()?;
    match labs.iter().find(|(name, _)| *name == script) {
        Some((_, replay)) => replay(fixture),
        None => bail!("{}: no ported script is called '{script}'", fixture.name),
    }
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
}
