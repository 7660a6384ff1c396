//! Parity with PyTorch, bit for bit on CPU: every saved fixture, a live run of the reference generator
//! with a random config, and the seed's own script.

mod common;

use common::{hud, python, repo_file};
use hud::model::{seeded, Linear};
use hud::parity::{self, Fixture};
use hud::trace::LinearTrace;
use rand::Rng;
use std::process::Command;

#[test]
fn every_saved_fixture_is_reproduced_exactly() {
    let fixtures = parity::embedded();
    // fixtures/encoder_reference.py --all writes seven: 9-2-9 (two seeds), 8-3-8, star16, question1,
    // and two with other lr / mom / init.
    assert!(fixtures.len() >= 7, "only {} fixtures", fixtures.len());
    for fixture in &fixtures {
        let report = parity::replay(fixture).unwrap();
        assert!(report.exact(), "{}: {}", report.name, report.summary());
        assert!(report.epochs_reference > 0 && report.weights_compared > 0, "{}", report.summary());
    }
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
        let report = parity::replay(&Fixture::load(&reference).unwrap()).unwrap();
        assert!(report.exact(), "hud encoder {}: {}", args.join(" "), report.summary());
    }
}

#[test]
fn hud_encoder_prints_the_seed_scripts_lines_after_manual_seed() {
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
    // Seed 0 stops at epoch 15673: 156 lines, the last at epoch 15600.
    assert_eq!(ours.lines().count(), 156);
    assert_eq!(ours.lines().last(), Some("ep15600: loss =  0.0201"));
    assert!(hud_dir.path().join("encoder.png").is_file());
    assert!(python_dir.path().join("encoder.png").is_file());
}

#[test]
fn linear_layers_draw_what_torch_nn_linear_draws() {
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
