//! `hud verify --live`: does hud give what this machine's PyTorch gives, here, now?
//!
//! Runs the reference generators (built into hud, written to a temporary folder) with the installed
//! PyTorch for each script's standard configs, in whatever kernels and thread count this process has
//! (this machine's own unless `--portable` or the kernel variables say otherwise; the generators inherit
//! the same environment), replays each trace with hud in this process, and compares bit for bit.

use crate::engine::kernels::Kernels;
use crate::parity::{self, Fixture};
use anyhow::{bail, ensure, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The generators and the helper they import, as `fixtures/` holds them.
const GENERATORS: [(&str, &str); 6] = [
    ("hud_kernels.py", include_str!("../../fixtures/hud_kernels.py")),
    ("encoder_reference.py", include_str!("../../fixtures/encoder_reference.py")),
    ("xor_reference.py", include_str!("../../fixtures/xor_reference.py")),
    ("spirals_reference.py", include_str!("../../fixtures/spirals_reference.py")),
    ("depth_reference.py", include_str!("../../fixtures/depth_reference.py")),
    ("seq_reference.py", include_str!("../../fixtures/seq_reference.py")),
];

/// Each script's standard configs: (what it is, generator, its arguments). The spirals run 1,000
/// epochs, enough for the rounding of every kernel they use to show.
pub const CONFIGS: &[(&str, &str, &str)] = &[
    ("encoder 9-2-9 seed 0", "encoder_reference.py", "--seed 0"),
    ("encoder 8-3-8 seed 3", "encoder_reference.py", "--dim 8 --hid 3 --seed 3"),
    ("encoder question1 seed 2", "encoder_reference.py", "--target question1 --seed 2"),
    ("encoder star16 seed 0", "encoder_reference.py", "--target star16 --seed 0 --epochs 3000"),
    ("xor seed 0", "xor_reference.py", "--seed 0"),
    ("spirals polar seed 0 --epochs 1000", "spirals_reference.py", "--net polar --seed 0 --epochs 1000"),
    ("spirals short seed 2 --epochs 1000", "spirals_reference.py", "--net short --seed 2 --epochs 1000"),
    ("spirals raw seed 3 --epochs 1000", "spirals_reference.py", "--net raw --seed 3 --epochs 1000"),
    ("depth relu 8 layers kaiming, at init", "depth_reference.py", "--act relu --depth 8 --init kaiming"),
    (
        "depth tanh 6 layers residual, 150 epochs",
        "depth_reference.py",
        "--act tanh --depth 6 --skip residual --width 8 --epochs 150 --lr 0.02 --measure-at 0,150 --seed 7",
    ),
    ("seq SRN a^n b^n seed 0, 1001 steps", "seq_reference.py", "--lang anbn --seed 0 --epoch 1"),
    (
        "seq LSTM embedded Reber seed 3, 1001 steps",
        "seq_reference.py",
        "--lang reber --embed 1 --model lstm --hid 4 --seed 3 --epoch 1",
    ),
];

/// The Python that runs the generators: `--python`, else `$HUD_PYTHON`, else `python3`.
fn python(given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("HUD_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// Runs `python` with `args`; its standard output, or an error ending with the last line it wrote
/// to standard error (`failing` says what failed).
fn run_python(python: &Path, args: &[&std::ffi::OsStr], failing: &str) -> Result<Vec<u8>> {
    let output = std::process::Command::new(python).args(args).output().with_context(|| {
        format!("cannot run {} (give a Python with torch 2.11.0: --python or HUD_PYTHON)", python.display())
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
        bail!("{} {failing} ({}): {last}", python.display(), output.status);
    }
    Ok(output.stdout)
}

/// Runs one generator, which writes its trace to `out`.
fn generate(python: &Path, dir: &Path, script: &str, args: &str, out: &Path) -> Result<()> {
    let script_path = dir.join(script);
    let mut all: Vec<&std::ffi::OsStr> = vec![script_path.as_os_str()];
    all.extend(args.split(' ').map(std::ffi::OsStr::new));
    all.extend([std::ffi::OsStr::new("--out"), out.as_os_str()]);
    run_python(python, &all, &format!("{script} {args} failed")).map(drop)
}

/// Checks, once before any generator runs, that `python`'s torch computes in the same kernels as
/// hud: a missing Python, a missing torch, another torch version or other kernels is one error, not
/// ten.
fn check_python(python: &Path, dir: &Path, here: &Kernels) -> Result<()> {
    let probe = "import json, sys; sys.path.insert(0, sys.argv[1]); import hud_kernels; \
                 print(json.dumps(hud_kernels.record()))";
    let args = [std::ffi::OsStr::new("-c"), std::ffi::OsStr::new(probe), dir.as_os_str()];
    let stdout = run_python(python, &args, "cannot run the reference generators")?;
    let theirs: Kernels = serde_json::from_slice(&stdout)
        .with_context(|| format!("{} did not say which kernels its torch computes in", python.display()))?;
    ensure!(
        theirs.torch == here.torch,
        "{} has torch {}, and hud runs libtorch {}: their numbers are not comparable",
        python.display(),
        theirs.torch,
        here.torch
    );
    ensure!(
        theirs.same_numbers_as(here),
        "{}'s torch computes in {}, and hud in {}: not comparable",
        python.display(),
        theirs.describe(),
        here.describe()
    );
    Ok(())
}

/// `hud verify --live`: one line per config and a verdict; an error unless every config is exact.
pub fn run(python_arg: Option<&Path>, labs: parity::Labs) -> Result<()> {
    let python = python(python_arg);
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    for (name, text) in GENERATORS {
        std::fs::write(dir.path().join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    let here = Kernels::here();
    check_python(&python, dir.path(), &here)?;
    println!("hud and {} both compute in {}", python.display(), here.describe());
    let (mut exact, mut differing, mut failed) = (0, 0, 0);
    for (i, &(what, script, args)) in CONFIGS.iter().enumerate() {
        let trace = dir.path().join(format!("trace-{i}.json"));
        let started = Instant::now();
        let generated = generate(&python, dir.path(), script, args, &trace);
        let python_s = started.elapsed().as_secs_f64();
        let line = generated.and_then(|()| {
            let fixture = Fixture::load(&trace)?;
            let theirs = fixture.kernels()?.context("the generator did not record its kernels")?;
            ensure!(
                theirs.same_numbers_as(&here),
                "PyTorch computed in {}, hud in {}: not comparable",
                theirs.describe(),
                here.describe()
            );
            let started = Instant::now();
            let report = parity::replay(labs, &fixture)?;
            let hud_s = started.elapsed().as_secs_f64();
            let verdict = if report.exact() { "exact" } else { "DIFFERS" };
            Ok((
                report.exact(),
                format!("{verdict} (PyTorch {python_s:.1} s, hud {hud_s:.1} s): {}", report.summary()),
            ))
        });
        match line {
            Ok((is_exact, line)) => {
                println!("{what}: {line}");
                if is_exact {
                    exact += 1;
                } else {
                    differing += 1;
                }
            }
            Err(e) => {
                println!("{what}: cannot compare: {e:#}");
                failed += 1;
            }
        }
    }
    if differing + failed > 0 {
        bail!(
            "{differing} of {} configs differ from this machine's PyTorch in the same kernels, {failed} could not be compared",
            CONFIGS.len()
        );
    }
    println!(
        "all {exact} configs: hud gives exactly what this machine's PyTorch gives, every loss and weight, in {}",
        here.describe()
    );
    Ok(())
}
