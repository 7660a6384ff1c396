//! `hud xor` against the course's xor.py as fixtures/xor_reference.py runs it in PyTorch: the printed
//! lines, the saved fixtures and a live random config bit for bit, the files, and the refusals.

mod common;

use common::{files_in, hud, python, refuses_in, repo_file};
use hud::parity::{self, Fixture};
use predicates::str::contains;
use rand::Rng;
use std::process::Command;

/// Runs the reference generator with `args`; returns what it printed.
fn reference(args: &[&str]) -> String {
    let output =
        Command::new(python()).arg(repo_file("fixtures/xor_reference.py")).args(args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn hud_xor_prints_the_scripts_lines_and_writes_its_trace_and_picture() {
    common::portable();
    let lines = reference(&["--seed", "1", "--print"]);
    // Seed 1 reaches the global minimum at epoch 3663: 36 loss lines, then the script's last line.
    assert_eq!(lines.lines().count(), 37);
    assert_eq!(lines.lines().last(), Some("Global Mininum"));

    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["xor", "--seed", "1", "--trace", "xor.json", "--out", "xor.png"])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout(lines)
        .stderr(contains(
            "parity: reproduces the PyTorch reference fixtures/xor/seed1.json exactly (3663 epochs",
        ));
    assert_eq!(files_in(dir.path()), ["xor.json", "xor.png"]);
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("xor.json")).unwrap()).unwrap();
    assert_eq!(trace["script"], "xor");
    assert_eq!(trace["config"]["seed"], 1);
    assert_eq!(trace["config"]["lr"], 0.1);
    assert_eq!(trace["epochs"], 3663);
    assert_eq!(trace["minimum"], "global");
    assert_eq!(trace["in_hid"]["weight"].as_array().unwrap().len(), 2);
    assert_eq!(trace["hid_out"]["bias"].as_array().unwrap().len(), 1);
    let png = image::open(dir.path().join("xor.png")).unwrap();
    assert_eq!((png.width(), png.height()), hud::draw::SIZE);
}

#[test]
fn a_local_minimum_ends_with_the_scripts_other_line() {
    common::portable();
    let lines = reference(&["--seed", "2", "--print", "--epochs", "700"]);
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["xor", "--seed", "2", "--epochs", "700"])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout(lines.clone())
        .stderr(contains("parity: no saved PyTorch reference has this config"));
    assert_eq!(lines.lines().collect::<Vec<_>>()[5..], ["ep600: loss =  0.3889", "Local Minimum"]);
    // No --out, no --trace: nothing written.
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn the_saved_xor_fixtures_are_reproduced_exactly() {
    common::portable();
    let fixtures: Vec<Fixture> = parity::embedded()
        .into_iter()
        .filter(|f| f.script().unwrap() == hud::labs::xor::Trace::SCRIPT)
        .collect();
    // fixtures/xor_reference.py --all: seeds 0-2 with the defaults, momentum, another lr and init.
    assert_eq!(fixtures.len(), 5);
    let mut minima = Vec::new();
    for fixture in &fixtures {
        let report = parity::replay(hud::labs::REPLAYS, fixture).unwrap();
        assert!(report.exact(), "{}", report.summary());
        minima.push(fixture.parse::<hud::labs::xor::Trace>().unwrap().minimum);
    }
    assert!(
        minima.contains(&hud::labs::xor::Minimum::Local) && minima.contains(&hud::labs::xor::Minimum::Global)
    );

    let dir = repo_file("fixtures/xor");
    hud()
        .arg("verify")
        .arg(dir.join("seed2.json"))
        .arg(dir.join("mom0.9-init0.01-seed3.json"))
        .assert()
        .success()
        .stdout(contains("seed2.json: exact in the fixture's own portable kernels"))
        .stdout(contains("epochs 9999 (PyTorch) vs 9999 (hud); losses differing 0 of 9999"))
        .stdout(contains("all 2 fixtures reproduced exactly"));
}

#[test]
fn a_random_config_matches_a_live_pytorch_run_exactly() {
    common::portable();
    let mut rng = rand::rng();
    let dir = tempfile::tempdir().unwrap();
    let args = format!(
        "--lr {} --mom {} --init {} --epochs {} --seed {}",
        rng.random_range(0.01..2.0f64),
        [0.0, 0.5, 0.9, rng.random_range(0.0..0.99f64)][rng.random_range(0..4)],
        10f64.powf(rng.random_range(-3.0..0.5)),
        rng.random_range(2..=1500),
        rng.random_range(0..u32::MAX),
    );
    let trace = dir.path().join("reference.json");
    let mut all: Vec<&str> = args.split(' ').collect();
    all.extend(["--out", trace.to_str().unwrap()]);
    reference(&all);
    let report = parity::replay(hud::labs::REPLAYS, &Fixture::load(&trace).unwrap()).unwrap();
    assert!(report.exact(), "hud xor {args}: {}", report.summary());
}

#[test]
fn bad_input_is_refused_with_one_line_and_no_file() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--lr", "-0.1"], "--lr must be a finite number >= 0"),
        (&["--init", "nan"], "--init must be a finite number >= 0"),
        (&["--mom", "inf"], "--mom must be a finite number >= 0"),
        (&["--epochs", "-3"], "invalid value '-3' for '--epochs <EPOCHS>'"),
        (&["--out", "xor.jpg"], "must end in .png or .svg"),
        (&["--out", "no/such/folder/xor.png"], "cannot write no/such/folder/xor.png"),
        (&["--trace", "t.json", "--out", "t.json"], "must end in .png or .svg"),
        (&["--trace", "x.svg", "--out", "x.svg"], "--trace and --out both name x.svg"),
        (&["--hid", "3"], "unexpected argument '--hid'"),
        // PyTorch stops here with a RuntimeError from binary_cross_entropy; hud with one line.
        (
            &["--init", "1e300", "--lr", "1e300", "--out", "z.png"],
            "the run diverged at epoch 1: the network's outputs became NaN",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["xor", "--seed", "0"];
        all.extend_from_slice(args);
        if !args.contains(&"--epochs") {
            all.extend(["--epochs", "50"]);
        }
        refuses_in(dir.path(), &all, message);
    }
}
