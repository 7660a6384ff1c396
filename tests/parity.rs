//! Parity with PyTorch, bit for bit on CPU: every saved fixture, a live run of the reference generator
//! with a random config, and the seed's own script.

mod common;

use common::{hud, python, repo_file};
use hud::engine::kernels::{Kernels, PORTABLE_ENV, PORTABLE_PRELOAD_VARS};
use hud::engine::model::{seeded, Linear};
use hud::engine::trace::LinearTrace;
use hud::parity::{self, Fixture};
use rand::Rng;
use std::process::Command;

#[test]
fn every_saved_fixture_is_reproduced_exactly() {
    common::portable();
    let fixtures = parity::embedded();
    // fixtures/encoder_reference.py --all writes seven: 9-2-9 (two seeds), 8-3-8, star16, question1,
    // and two with other lr / mom / init.
    assert!(fixtures.len() >= 7, "only {} fixtures", fixtures.len());
    for fixture in &fixtures {
        let made_in = fixture.kernels().unwrap().expect("every saved fixture records its kernels");
        assert!(made_in.is_portable(), "{} was made in {}", fixture.name, made_in.describe());
        // In this process's kernels when they are the portable ones (the usual run of the tests).
        if Kernels::here().same_numbers_as(&made_in) {
            let report = parity::replay(hud::labs::REPLAYS, fixture).unwrap();
            assert!(report.exact(), "{}: {}", report.name, report.summary());
            assert!(report.epochs_reference > 0 && report.weights_compared > 0, "{}", report.summary());
        }
    }
}

/// `hud verify` (with `env` changed) reproduces every saved fixture, each in its own kernels.
fn verify_reports_every_fixture_exact(env: &[(&str, Option<&str>)]) -> String {
    let mut command = hud();
    command.arg("verify");
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let output = command.assert().success().get_output().clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let count = parity::embedded().len();
    assert_eq!(stdout.matches(": exact in the fixture's own portable kernels (").count(), count, "{stdout}");
    assert!(!stdout.contains("DIFFERS"), "{stdout}");
    assert!(stdout.contains(&format!("all {count} fixtures reproduced exactly")), "{stdout}");
    stdout
}

#[test]
fn hud_verify_replays_the_fixtures_in_their_own_kernels_from_any_kernels() {
    common::portable();
    let portable = verify_reports_every_fixture_exact(&[]);
    // This machine's own kernels (or, in .ci/run's second pass, another ATen capability): hud verify
    // starts a replay in the fixtures' kernels.
    let unset: Vec<(&str, Option<&str>)> =
        PORTABLE_ENV.iter().map(|(k, _)| *k).chain(PORTABLE_PRELOAD_VARS).map(|k| (k, None)).collect();
    let native = verify_reports_every_fixture_exact(&unset);
    if common::portable() {
        assert!(portable.starts_with("this process computes in portable kernels"), "{portable}");
    }
    assert!(native.starts_with("this process computes in native kernels of"), "{native}");
    let avx2 = [("ATEN_CPU_CAPABILITY", Some("avx2")), ("OMP_NUM_THREADS", Some("2"))];
    verify_reports_every_fixture_exact(&avx2);
}

/// Traces made on another AMD Zen 4 machine in MKL's COMPATIBLE kernels with MKL's own square root
/// (before the portable square root): the same bits on any AMD CPU, so exact on one; elsewhere MKL's
/// square root rounds otherwise, and `hud verify` says it cannot compare them, never that they differ.
#[test]
fn mkl_compatible_traces_made_on_an_amd_zen4_are_exact_on_amd_and_never_said_to_differ() {
    common::portable();
    let dir = repo_file("tests/data/portable-zen4");
    let mut traces: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    traces.sort();
    assert_eq!(traces.len(), 5);
    let output = hud().arg("--portable").arg("verify").args(&traces).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("DIFFERS"), "{stdout}");
    if Kernels::here().cpu.contains("AMD") {
        assert!(output.status.success(), "{stdout}");
        assert_eq!(
            stdout.matches(": exact in the fixture's own MKL COMPATIBLE kernels of AMD").count(),
            5,
            "{stdout}"
        );
        assert!(stdout.contains("all 5 fixtures reproduced exactly"), "{stdout}");
    } else {
        assert!(stdout.contains("MKL's square root"), "{stdout}");
    }
}

#[test]
fn a_run_in_other_kernels_than_its_reference_says_so_and_never_differs() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let mut native = hud();
    for key in PORTABLE_ENV.iter().map(|(k, _)| *k).chain(PORTABLE_PRELOAD_VARS) {
        native.env_remove(key);
    }
    let output = native
        .args(["encoder", "--seed", "1", "--print-every", "0"])
        .current_dir(&dir)
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("parity: not compared with the PyTorch reference fixtures/encoder/929-seed1.json, made in portable kernels"),
        "{stderr}"
    );
    assert!(stderr.contains("`hud encoder --seed 1 --print-every 0 --portable`"), "{stderr}");
    assert!(!stderr.contains("DIFFERS"), "{stderr}");

    let output = hud()
        .args(["encoder", "--seed", "1", "--print-every", "0", "--portable"])
        .current_dir(&dir)
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "parity: reproduces the PyTorch reference fixtures/encoder/929-seed1.json exactly (14973 epochs"
        ) && stderr.contains("in portable kernels (ATen DEFAULT, MKL COMPATIBLE, 1 thread"),
        "{stderr}"
    );
}

#[test]
fn hud_verify_live_equals_this_machines_pytorch_in_its_kernels() {
    common::portable();
    let output =
        hud().args(["verify", "--live", "--python"]).arg(python()).assert().success().get_output().clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let configs = hud::parity::live::CONFIGS.len();
    assert_eq!(stdout.lines().filter(|l| l.contains(": exact (PyTorch ")).count(), configs, "{stdout}");
    assert!(stdout
        .contains(&format!("all {configs} configs: hud gives exactly what this machine's PyTorch gives")));
}

/// A random small config: the identity of a random size or a random 0/1 matrix from a CSV file,
/// with random sizes, rates, momentum, initial scale, stop loss and seed.
fn random_config(rng: &mut impl Rng, dir: &std::path::Path) -> Vec<String> {
    let target = if rng.random_bool(0.5) {
        format!("input --dim {}", rng.random_range(2..=10))
    } else {
        let (rows, cols) = (rng.random_range(2..=8), rng.random_range(1..=8));
        let csv: String = (0..rows)
            .map(|_| {
                (0..cols).map(|_| rng.random_range(0..=1).to_string()).collect::<Vec<_>>().join(",") + "\n"
            })
            .collect();
        let path = dir.join("target.csv");
        std::fs::write(&path, csv).unwrap();
        path.display().to_string()
    };
    let args = format!(
        "--target {target} --hid {} --epochs {} --stop {} --lr {} --mom {} --init {} --seed {}",
        rng.random_range(1..=4),
        rng.random_range(1..=1500),
        [0.0, 0.02, 0.1, 0.3][rng.random_range(0..4)],
        rng.random_range(0.01..2.0f64),
        [0.0, 0.5, 0.9, rng.random_range(0.0..0.99f64)][rng.random_range(0..4)],
        10f64.powf(rng.random_range(-4.0..0.5)),
        rng.random_range(0..u32::MAX),
    );
    args.split(' ').map(String::from).collect()
}

#[test]
fn random_configs_match_a_live_pytorch_run_exactly() {
    common::portable();
    let mut rng = rand::rng();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let args = random_config(&mut rng, dir.path());
        let reference = dir.path().join("reference.json");
        let status = Command::new(python())
            .arg(repo_file("fixtures/encoder_reference.py"))
            .args(&args)
            .arg("--out")
            .arg(&reference)
            .status()
            .unwrap();
        assert!(status.success(), "the reference generator failed for {}", args.join(" "));
        let report = parity::replay(hud::labs::REPLAYS, &Fixture::load(&reference).unwrap()).unwrap();
        assert!(report.exact(), "hud encoder {}: {}", args.join(" "), report.summary());
    }
}

#[test]
fn hud_encoder_prints_the_seed_scripts_lines_after_manual_seed() {
    common::portable();
    // The seed's script as is, run after torch.manual_seed(0) (its main() draws nothing before that).
    let script = repo_file("fixtures/encoder_main.py");
    let python_dir = tempfile::tempdir().unwrap();
    let seeded_run = format!(
        "import runpy, torch; torch.manual_seed(0); runpy.run_path({:?}, run_name='__main__')",
        script.display().to_string()
    );
    let output = Command::new(python())
        .arg("-c")
        .arg(seeded_run)
        .env("MPLBACKEND", "Agg")
        .current_dir(&python_dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let expected = String::from_utf8(output.stdout).unwrap();

    let hud_dir = tempfile::tempdir().unwrap();
    let ours = hud().args(["encoder", "--seed", "0"]).current_dir(&hud_dir).assert().success();
    let ours = String::from_utf8(ours.get_output().stdout.clone()).unwrap();
    assert_eq!(ours, expected);
    // In the portable kernels seed 0 stops at epoch 15673: 156 lines, the last at epoch 15600.
    if common::portable() {
        assert_eq!(ours.lines().count(), 156);
        assert_eq!(ours.lines().last(), Some("ep15600: loss =  0.0201"));
    }
    assert!(hud_dir.path().join("encoder.png").is_file());
    assert!(python_dir.path().join("encoder.png").is_file());
}

#[test]
fn linear_layers_draw_what_torch_nn_linear_draws() {
    common::portable();
    // Two layers in a row after each seed, as the encoder builds them: the second's numbers depend
    // on how many the first drew, and each layer's on drawing its weight before its bias.
    let shapes = [(0u64, 9i64, 2i64), (3, 2, 9), (7, 7, 3), (11, 1, 5)];
    let python_code = r#"
import json, sys, torch
out = []
for seed, i, o in json.loads(sys.argv[1]):
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(i, o), torch.nn.Linear(o, i)]
    out.append([{"weight": l.weight.tolist(), "bias": l.bias.tolist()} for l in layers])
print(json.dumps(out))
"#;
    let output = Command::new(python())
        .arg("-c")
        .arg(python_code)
        .arg(serde_json::to_string(&shapes).unwrap())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let torch_layers: Vec<Vec<LinearTrace>> = serde_json::from_slice(&output.stdout).unwrap();
    for (&(seed, i, o), theirs) in shapes.iter().zip(&torch_layers) {
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let ours = seeded(seed, || [Linear::new(vs.root() / "a", i, o), Linear::new(vs.root() / "b", o, i)]);
        for (layer, theirs) in ours.iter().zip(theirs) {
            let ours = LinearTrace::of(layer).unwrap();
            let bits = |t: &LinearTrace| t.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&ours), bits(theirs), "seed {seed}, Linear({i}, {o}) then Linear({o}, {i})");
        }
    }
}
