//! Parity with PyTorch: saved reference runs (the fixtures, made by the Python generators in
//! `fixtures/`) replayed and compared with ours, bit for bit, by `hud verify`.
//!
//! Each fixture is a trace whose `"script"` names the ported script that replays it; every fixture
//! under `fixtures/` is built into the binary, so `hud verify` and `hud encoder`'s check need no files.

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;
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
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Fixture {
            name: path.display().to_string(),
            text: Cow::Owned(text),
            dir: path.parent().map(Path::to_path_buf),
        })
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

/// How a replay compared with its reference.
#[derive(Clone, Debug, PartialEq)]
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

/// Replay saved PyTorch reference runs and compare them with ours, bit for bit.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Fixture files (traces written by a reference generator); without any, every fixture saved in
    /// fixtures/ when hud was built
    pub fixtures: Vec<PathBuf>,
}

/// Replays one fixture with the script that made it.
pub fn replay(fixture: &Fixture) -> Result<Report> {
    let script = fixture.script()?;
    match SCRIPTS.iter().find(|(name, _)| *name == script) {
        Some((_, replay)) => replay(fixture),
        None => bail!("{}: no ported script is called '{script}'", fixture.name),
    }
}

/// `hud verify`: one line per fixture; an error when any differs.
pub fn run(args: Args) -> Result<()> {
    let fixtures = if args.fixtures.is_empty() {
        embedded()
    } else {
        args.fixtures.iter().map(|p| Fixture::load(p)).collect::<Result<_>>()?
    };
    if fixtures.is_empty() {
        bail!("no fixtures to verify");
    }
    let (mut differing, mut failed) = (0, 0);
    for fixture in &fixtures {
        match replay(fixture) {
            Ok(report) => {
                let verdict = if report.exact() { "exact" } else { "DIFFERS" };
                println!("{}: {}: {verdict}", report.name, report.summary());
                differing += usize::from(!report.exact());
            }
            Err(e) => {
                println!("{}: cannot replay: {e:#}", fixture.name);
                failed += 1;
            }
        }
    }
    if differing + failed > 0 {
        bail!(
            "{differing} of {} fixtures differ from PyTorch, {failed} could not be replayed",
            fixtures.len()
        );
    }
    println!("all {} fixtures reproduced exactly", fixtures.len());
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
