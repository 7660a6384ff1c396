//! `hud seq`: the course's seq_train.py, its printed lines against the seeded Python
//! (`fixtures/seq_reference.py`, the course's code line for line) for every language, both networks
//! and both optimisers; numpy's generator and printing against numpy itself; the inputs it refuses.

mod common;

use common::{hud, python, repo_file};
use std::process::Command;

/// What the seeded course script prints for `args`.
fn reference(args: &[&str]) -> String {
    let output =
        Command::new(python()).arg(repo_file("fixtures/seq_reference.py")).args(args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn hud_seq_prints_the_scripts_lines_for_every_language_network_and_optimiser() {
    common::portable();
    for args in [
        &["--lang", "anbn", "--seed", "0", "--epoch", "2"][..],
        &["--lang", "anbncn", "--seed", "1", "--epoch", "1"],
        &["--lang", "reber", "--seed", "2", "--epoch", "1"],
        &[
            "--lang", "reber", "--embed", "True", "--model", "lstm", "--hid", "4", "--seed", "3", "--epoch",
            "1",
        ],
        // The a^n b^2n assignment's settings: SGD with momentum, short strings; numpy seeded apart.
        &[
            "--lang",
            "anbn",
            "--optim",
            "sgd",
            "--lr",
            "0.005",
            "--mom",
            "0.9",
            "--length",
            "4",
            "--seed",
            "4",
            "--data-seed",
            "9",
            "--epoch",
            "1",
        ],
        &["--lang", "reber", "--length", "8", "--model", "lstm", "--seed", "5", "--epoch", "1"],
    ] {
        let ours = hud().arg("seq").args(args).assert().success().get_output().stdout.clone();
        let ours = String::from_utf8(ours).unwrap();
        let theirs = reference(args);
        assert!(theirs.contains("epoch: 1000"), "{args:?}: {theirs}");
        assert_eq!(ours, theirs, "{args:?}");
    }
}

/// The trace: every step's loss and the final parameters, the same from hud as from the script, and
/// replayed exactly by `hud verify` (as the saved fixtures in fixtures/seq/ are).
#[test]
fn hud_seqs_trace_is_the_scripts_and_verify_replays_it() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let args = ["--lang", "reber", "--embed", "1", "--model", "lstm", "--seed", "7", "--epoch", "1"];
    let ours = dir.path().join("ours.json");
    let theirs = dir.path().join("theirs.json");
    hud().arg("seq").args(args).arg("--trace").arg(&ours).assert().success();
    let output = Command::new(python())
        .arg(repo_file("fixtures/seq_reference.py"))
        .args(args)
        .arg("--trace")
        .arg(&theirs)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read = |path: &std::path::Path| -> hud::labs::seq::Trace {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let (ours, theirs_trace) = (read(&ours), read(&theirs));
    assert_eq!(ours.config, theirs_trace.config);
    assert_eq!(ours.steps, 1001);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&ours.loss), bits(&theirs_trace.loss));
    for (a, b) in ours.params.iter().zip(&theirs_trace.params) {
        assert_eq!(bits(a), bits(b));
    }
    hud().arg("verify").arg(&theirs).assert().success().stdout(predicates::str::contains("exact"));
}

/// numpy's legacy generator and its float32 printing, against numpy itself over many cases.
#[test]
fn numpy_draws_and_prints_as_numpy() {
    common::portable();
    let script = r#"
import numpy as np, sys
np.set_printoptions(suppress=True, precision=2, sign=' ')
for seed in [0, 1, 7, 12345, 4294967295]:
    np.random.seed(seed)
    print(' '.join(str(np.random.randint(lo, hi)) for lo, hi in [(1, 9), (0, 2), (0, 1), (1, 5), (0, 3), (3, 1000)] * 20))
rng = np.random.RandomState(99)
for n in range(300):
    a = (rng.standard_normal(rng.randint(1, 8)) * 10.0 ** rng.randint(-4, 2)).astype(np.float32)
    print(' '.join(repr(float(x)) for x in a) + '|' + str(a))
"#;
    let output = Command::new(python()).args(["-c", script]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    for seed in [0u32, 1, 7, 12345, 4294967295] {
        let mut rng = hud::data::numpy::RandomState::new(seed);
        let ranges = [(1, 9), (0, 2), (0, 1), (1, 5), (0, 3), (3, 1000)];
        let ours: Vec<String> =
            (0..20).flat_map(|_| ranges).map(|(lo, hi)| rng.randint(lo, hi).to_string()).collect();
        assert_eq!(ours.join(" "), lines.next().unwrap(), "seed {seed}");
    }
    for line in lines {
        let (values, printed) = line.split_once('|').unwrap();
        let values: Vec<f32> = values.split(' ').map(|v| v.parse::<f64>().unwrap() as f32).collect();
        assert_eq!(hud::data::numpy::format_array(&values), printed, "{values:?}");
    }
}

/// `seq_plot.py`'s picture: every state's colour of the jet scale present, the start marked.
#[test]
fn the_picture_colours_each_hidden_state_by_its_count() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args([
            "seq",
            "--lang",
            "anbn",
            "--length",
            "4",
            "--seed",
            "0",
            "--epoch",
            "1",
            "--plot",
            "states.png",
        ])
        .current_dir(dir.path())
        .assert()
        .success()
        .stderr(predicates::str::contains("wrote states.png"));
    let image = image::open(dir.path().join("states.png")).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), hud::labs::seq::picture::SIZE);
    // a^n b^n with --length 4: states 0 to 4, each its colour on jet's scale (the dots and the bar).
    for state in 0..=4 {
        let colour = hud::labs::seq::picture::jet(state as f64 / 4.0);
        let count = image.pixels().filter(|p| p.0 == [colour.0, colour.1, colour.2]).count();
        assert!(count > 50, "state {state}: {count} pixels of {colour:?}");
    }
    let black = image.pixels().filter(|p| p.0 == [0, 0, 0]).count();
    assert!(black > 20, "the start's cross");
}

#[test]
fn bad_arguments_are_refused() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["seq", "--lang", "abc"][..], "invalid value 'abc'"),
        (&["seq", "--model", "gru"], "invalid value 'gru'"),
        (&["seq", "--epoch", "100001"], "100001"),
        (&["seq", "--lr", "-1", "--seed", "0"], "--lr must be a finite number >= 0"),
        (&["seq", "--seed", "5000000000"], "numpy's seed must be below 2^32"),
        (&["seq", "--data-seed", "4294967296"], "4294967296"),
        (&["seq", "--seed", "0", "--plot", "s.jpg"], ".png or .svg"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
}

/// The scalar engine (`hud seq`'s SRN in the portable kernels) computes what tensors and autograd
/// compute, to the bit: every step's loss and the final weights, for each language, 1 to 3 hidden
/// units, Adam and SGD with momentum, short and long strings. In native kernels it is refused.
#[test]
fn the_scalar_engine_is_the_tensor_engine_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    if !common::portable() {
        common::refuses_in(
            dir.path(),
            &["seq", "--engine", "scalar", "--epoch", "1"],
            "run hud --portable seq",
        );
        return;
    }
    for args in [
        &["--lang", "anbn", "--seed", "11", "--epoch", "2"][..],
        &["--lang", "anbn", "--hid", "1", "--length", "20", "--seed", "12", "--epoch", "1"],
        &[
            "--lang", "anbncn", "--seed", "13", "--epoch", "1", "--optim", "sgd", "--lr", "0.05", "--mom",
            "0.9",
        ],
        &["--lang", "reber", "--hid", "3", "--seed", "14", "--epoch", "1", "--init", "0.5"],
        &["--lang", "reber", "--embed", "1", "--seed", "15", "--epoch", "1", "--lr", "0.01"],
        &["--lang", "anbn", "--hid", "3", "--seed", "16", "--epoch", "1", "--optim", "sgd", "--lr", "0.1"],
    ] {
        let run = |engine: &str| {
            let trace = dir.path().join(format!("{engine}.json"));
            let out = hud().arg("seq").args(args).args(["--engine", engine, "--trace"]).arg(&trace).assert();
            let stdout = out.success().get_output().stdout.clone();
            (stdout, std::fs::read_to_string(&trace).unwrap())
        };
        let (scalar, tensor) = (run("scalar"), run("tensor"));
        assert!(scalar.1.contains("\"loss\""), "{args:?}");
        assert!(scalar == tensor, "{args:?}: the engines differ");
    }
    for (args, message) in [
        (&["seq", "--engine", "scalar", "--model", "lstm"][..], "use --engine tensor for an LSTM"),
        (&["seq", "--engine", "scalar", "--hid", "4"], "up to 3 hidden units"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
}

/// Checkpoints: the script's names every --checkpoint-every steps, in torch.save's format (Python's
/// torch.load reads them, weights_only as its default is, and they hold the trace's final weights);
/// --from loads one (hud's or one Python saved) for the picture and the analysis, as seq_plot.py does.
#[test]
fn checkpoints_are_the_scripts_and_load_both_ways() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    std::fs::create_dir(&net).unwrap();
    let args = ["seq", "--lang", "anbn", "--seed", "3", "--epoch", "2", "--checkpoint-every", "1000"];
    hud().args(args).args(["--trace", "trace.json"]).current_dir(dir.path()).assert().success();
    let mut names: Vec<String> =
        std::fs::read_dir(&net).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["anbn_srn2_0.pth", "anbn_srn2_1.pth", "anbn_srn2_2.pth"]);
    // Python reads the last one and writes it back with torch.save.
    let script = "import json, sys, torch\n\
        state = torch.load('net/anbn_srn2_2.pth')\n\
        trace = json.load(open('trace.json'))\n\
        assert list(state) == ['H0', 'W', 'U', 'hid_bias', 'V', 'out_bias'], list(state)\n\
        for value, saved in zip(state.values(), trace['params']):\n\
        \x20   assert torch.equal(value.flatten(), torch.tensor(saved, dtype=torch.float32)), (value, saved)\n\
        torch.save(state, 'python.pth')\n";
    let output = Command::new(python()).args(["-c", script]).current_dir(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for checkpoint in ["net/anbn_srn2_2.pth", "python.pth"] {
        let out = hud()
            .args([
                "seq",
                "--lang",
                "anbn",
                "--seed",
                "3",
                "--from",
                checkpoint,
                "--analysis",
                "--plot",
                "p.png",
            ])
            .current_dir(dir.path())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("analysis of the loaded network, on 100 fresh sequences"), "{out}");
        assert!(out.contains("certain next symbols predicted (p > 0.5): "), "{out}");
    }
    for (args, message) in [
        (
            &["seq", "--lang", "anbn", "--hid", "3", "--from", "python.pth"][..],
            "give the checkpoint's --lang",
        ),
        (&["seq", "--from", "missing.pth"], "cannot read missing.pth"),
        (&["seq", "--from", "trace.json"], "trace.json is not a checkpoint of this network"),
        (&["seq", "--checkpoint-every", "1500"], "a multiple of 1000"),
        (&["seq", "--checkpoint-every", "1000", "--out-path", "nowhere"], "nowhere: no such folder"),
        (&["seq", "--from", "python.pth", "--trace", "t.json"], "cannot be used with"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
}

/// What the lab is for, measured: after 20,000 steps the default SRN predicts every certain symbol
/// of a^n b^n (every B after the first, and the A after each string), and its hidden state after k
/// A's moves along a line as k grows; the analysis says so in numbers that add up.
#[test]
fn the_analysis_measures_the_count() {
    common::portable();
    let out = hud()
        .args(["seq", "--lang", "anbn", "--seed", "0", "--epoch", "20", "--analysis"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let analysis =
        &out[out.find("analysis after 20001 training steps, on 100 fresh sequences").expect(&out)..];
    let predicted = analysis.lines().find(|l| l.contains("certain next symbols predicted")).unwrap();
    let counts: Vec<usize> =
        predicted.rsplit(": ").next().unwrap().split(" of ").map(|n| n.trim().parse().unwrap()).collect();
    assert_eq!(counts[0], counts[1], "{analysis}");
    assert!(counts[1] > 1000, "{analysis}");
    assert!(analysis.contains("printed error in the last 10 evaluations: largest "), "{analysis}");
    // The states after 2 to 8 A's: the second unit falls as the count grows.
    let after_a: Vec<f64> = (2..=8)
        .map(|k| {
            let line =
                analysis.lines().find(|l| l.trim_start().starts_with(&format!("A {k:>2}:"))).expect(analysis);
            let inside = &line[line.find('(').unwrap() + 1..line.find(')').unwrap()];
            inside.split(',').nth(1).unwrap().trim().parse().unwrap()
        })
        .collect();
    assert!(after_a.windows(2).all(|w| w[1] < w[0]), "{after_a:?}\n{analysis}");
}
