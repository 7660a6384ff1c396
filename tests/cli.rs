//! `hud` as a user runs it: what it prints and writes, and how it refuses bad input (one `error:` line,
//! a non-zero exit, no file left behind).

mod common;

use common::{files_in, hud};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn encoder_writes_the_picture_and_a_trace_of_every_epoch() {
    common::portable();
    // The lines PyTorch prints for this config (the reference generator prints the script's lines).
    let python = std::process::Command::new(common::python())
        .arg(common::repo_file("fixtures/encoder_reference.py"))
        .args(["--target", "question1", "--seed", "2", "--print-every", "50", "--out", "/dev/null"])
        .output()
        .unwrap();
    assert!(python.status.success(), "{}", String::from_utf8_lossy(&python.stderr));
    let lines = String::from_utf8(python.stdout).unwrap();
    assert_eq!(lines.lines().count(), 3);

    let dir = tempfile::tempdir().unwrap();
    hud()
        .args([
            "encoder",
            "--target",
            "question1",
            "--seed",
            "2",
            "--print-every",
            "50",
            "--trace",
            "q1.json",
        ])
        .args(["--out", "q1.png"])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout(lines)
        .stderr(contains(
            "parity: reproduces the PyTorch reference fixtures/encoder/question1-seed2.json exactly",
        ));
    assert_eq!(files_in(dir.path()), ["q1.json", "q1.png"]);
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("q1.json")).unwrap()).unwrap();
    assert_eq!(trace["script"], "encoder");
    assert_eq!(trace["config"]["target"], "question1");
    assert_eq!(trace["config"]["seed"], 2);
    assert_eq!(trace["epochs"], 184);
    assert_eq!(trace["loss"].as_array().unwrap().len(), 184);
    assert_eq!(trace["in_hid"]["weight"].as_array().unwrap().len(), 2);
    assert_eq!(trace["in_hid"]["weight"][0].as_array().unwrap().len(), 6);
    assert_eq!(trace["hid_out"]["bias"].as_array().unwrap().len(), 3);
    let png = image::open(dir.path().join("q1.png")).unwrap();
    assert_eq!((png.width(), png.height()), hud::draw::SIZE);
}

#[test]
fn a_drawn_seed_is_printed_and_repeats_the_run() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let first = hud()
        .args(["encoder", "--dim", "4", "--epochs", "300", "--stop", "0", "--print-every", "100"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("(drawn; repeat this run with --seed "));
    let stderr = String::from_utf8(first.get_output().stderr.clone()).unwrap();
    let seed = stderr.split("--seed ").nth(1).unwrap().split(')').next().unwrap().to_string();
    let stdout = first.get_output().stdout.clone();
    assert_eq!(String::from_utf8_lossy(&stdout).lines().count(), 3);
    hud()
        .args([
            "encoder",
            "--dim",
            "4",
            "--epochs",
            "300",
            "--stop",
            "0",
            "--print-every",
            "100",
            "--seed",
            &seed,
        ])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout(predicate::eq(stdout))
        .stderr(contains("drawn").not());
}

#[test]
fn plot_saves_the_picture_at_the_courses_epochs() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["encoder", "--seed", "1", "--epochs", "160", "--plot", "--out", "run.svg"])
        .current_dir(&dir)
        .assert()
        .success();
    assert_eq!(files_in(dir.path()), ["run.svg", "run_ep00050.svg", "run_ep00100.svg", "run_ep00150.svg"]);
    let svg = std::fs::read_to_string(dir.path().join("run_ep00100.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("epoch 100"), "{}", &svg[..200]);
}

#[test]
fn other_hidden_sizes_train_and_draw_their_own_pictures() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["encoder", "--dim", "8", "--hid", "3", "--seed", "3", "--trace", "t.json"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("parity: reproduces the PyTorch reference fixtures/encoder/838-seed3.json exactly"))
        .stderr(contains("wrote encoder.png"));
    assert_eq!(files_in(dir.path()), ["encoder.png", "t.json"]);
    // Beyond 10 hidden units (45 pairs) there is no picture (tests/cube.rs has the others).
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["encoder", "--dim", "12", "--hid", "11", "--seed", "3", "--epochs", "20", "--trace", "t.json"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("no picture: the hidden-unit picture draws 1 to 10 hidden units"));
    assert_eq!(files_in(dir.path()), ["t.json"]);
}

#[test]
fn a_csv_target_trains() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "# xor-like\n1,0\n0 1\n\n1,1\n").unwrap();
    hud()
        .args(["encoder", "--target", "t.csv", "--seed", "4", "--epochs", "500", "--print-every", "0"])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout("")
        .stderr(contains("wrote encoder.png"));
}

#[test]
fn verify_replays_a_fixture_file_and_fails_on_a_tampered_one() {
    common::portable();
    let fixture = common::repo_file("fixtures/encoder/question1-seed2.json");
    hud()
        .args(["verify"])
        .arg(&fixture)
        .assert()
        .success()
        .stdout(contains("epochs 184 (PyTorch) vs 184 (hud); losses differing 0 of 184"))
        .stdout(contains("all 1 fixtures reproduced exactly"));

    let dir = tempfile::tempdir().unwrap();
    let mut trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let loss = trace["loss"][10].as_f64().unwrap();
    trace["loss"][10] = serde_json::json!(f64::from(loss as f32 + 1e-6));
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, trace.to_string()).unwrap();
    hud()
        .args(["verify"])
        .arg(&tampered)
        .assert()
        .failure()
        .stdout(contains("losses differing 1 of 184").and(contains("DIFFERS")))
        .stderr(contains("error: 1 of 1 fixtures differ from PyTorch"));
}

#[test]
fn verify_refuses_traces_whose_lengths_disagree_and_bounds_the_replay() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let broken = |name: &str, fixture: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut trace: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(common::repo_file(fixture)).unwrap()).unwrap();
        edit(&mut trace);
        let path = dir.path().join(name);
        std::fs::write(&path, trace.to_string()).unwrap();
        path
    };
    let long = broken("long.json", "fixtures/encoder/question1-seed2.json", &|t| {
        let loss = t["loss"].as_array().unwrap().clone();
        t["loss"] = serde_json::json!(loss.iter().cycle().take(loss.len() * 3).collect::<Vec<_>>());
    });
    let empty = broken("empty.json", "fixtures/xor/seed0.json", &|t| t["loss"] = serde_json::json!([]));
    let accuracy = broken("accuracy.json", "fixtures/spirals/short-seed0.json", &|t| {
        t["accuracy"].as_array_mut().unwrap().pop();
    });
    let depth = broken("depth.json", "fixtures/depth/train-relu-d4-kaiming.json", &|t| {
        t["config"]["epochs"] = serde_json::json!(1_000_000_000_000u64)
    });
    for (path, message) in [
        (&long, "it records 184 epochs but 552 values of loss"),
        (&empty, "it records 4690 epochs but 0 values of loss"),
        (&accuracy, "it records 1000 epochs but 999 values of accuracy"),
        (&depth, "it records 1000000000001 epochs but 201 values of losses"),
    ] {
        let output =
            hud().arg("verify").arg(path).timeout(std::time::Duration::from_secs(60)).assert().failure();
        let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
        assert!(stdout.contains("the trace's lengths disagree") && stdout.contains(message), "{stdout}");
    }

    // A config that would run for ever (10^12 epochs, never stopping) against a trace of 184: the
    // replay stops one epoch after the trace's end and reports the difference.
    let endless = broken("endless.json", "fixtures/encoder/question1-seed2.json", &|t| {
        t["config"]["epochs"] = serde_json::json!(1_000_000_000_000u64);
        t["config"]["stop"] = serde_json::json!(0.0);
    });
    let output =
        hud().arg("verify").arg(&endless).timeout(std::time::Duration::from_secs(60)).assert().failure();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("epochs 184 (PyTorch) vs 185 (hud)"), "{stdout}");
}

/// Runs `hud encoder` with `args` in a fresh folder, expects it to fail with `message` in one
/// `error:` line, and checks it left no file behind.
fn refuses(args: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ragged.csv"), "1,0,1\n0,1\n").unwrap();
    std::fs::write(dir.path().join("values.csv"), "1,0\n0,2\n").unwrap();
    std::fs::write(dir.path().join("empty.csv"), "").unwrap();
    std::fs::write(dir.path().join("binary.csv"), [0xff, 0xfe, 0x00]).unwrap();
    std::fs::write(dir.path().join("holes.csv"), "1,,0\n0,,1\n").unwrap();
    std::fs::create_dir(dir.path().join("folder.png")).unwrap();
    common::encoder_refuses_in(dir.path(), args, message);
}

#[test]
fn bad_targets_are_refused() {
    common::portable();
    refuses(&["--target", "heart18"], "unknown target 'heart18'");
    refuses(&["--target", "ragged.csv"], "line 2: 2 values where the first row has 3");
    refuses(&["--target", "values.csv"], "line 2, column 2: '2' is not 0 or 1");
    refuses(&["--target", "empty.csv"], "no rows of 0/1 values");
    refuses(&["--target", "binary.csv"], "cannot read target file binary.csv");
    refuses(&["--target", "."], "cannot read target file .");
    // An empty cell is an error naming its place, not a column less.
    refuses(&["--target", "holes.csv"], "line 1, column 2: an empty cell");
    // An endless file is read up to a bound, not into all memory.
    refuses(&["--target", "/dev/zero"], "cannot read target file /dev/zero: it is longer than 256 MB");
}

#[test]
fn negative_numbers_are_invalid_values_not_unknown_arguments() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["exercises", "--q1-seed", "-1"][..],
        &["sweep", "--seeds", "-1"],
        &["depth", "--depth", "-1"],
        &["xor", "--seed", "-1"],
        &["spirals", "--epochs", "-5"],
    ] {
        let flag = args[1];
        common::refuses_in(dir.path(), args, &format!("invalid value '{}' for '{flag}", args[2]));
    }
}

#[test]
fn impossible_sizes_and_numbers_are_refused() {
    common::portable();
    refuses(&["--dim", "0"], "--dim must be between 1 and 10000, got 0");
    refuses(&["--dim", "-3"], "--dim must be between 1 and 10000, got -3");
    refuses(&["--dim", "100000"], "--dim must be between 1 and 10000, got 100000");
    refuses(&["--hid", "0"], "--hid must be between 1 and 10000, got 0");
    refuses(&["--lr", "-0.1"], "--lr must be a finite number >= 0, got -0.1");
    refuses(&["--init", "nan"], "--init must be a finite number >= 0, got NaN");
    refuses(&["--stop", "inf"], "--stop must be a finite number >= 0, got inf");
    refuses(&["--mom", "-1"], "--mom must be a finite number >= 0, got -1");
}

#[test]
fn unwritable_outputs_are_refused_before_training() {
    common::portable();
    refuses(&["--out", "no/such/folder/encoder.png"], "cannot write no/such/folder/encoder.png");
    refuses(&["--out", "encoder.jpg"], "the picture's name must end in .png or .svg");
    refuses(&["--out", "folder.png"], "cannot write folder.png: it is a folder");
    refuses(&["--trace", "missing/trace.json"], "cannot write missing/trace.json");
    refuses(&["--trace", "run.png", "--out", "run.png"], "--trace and --out both name run.png");
}

#[test]
fn a_diverging_run_stops_with_a_message_and_leaves_nothing() {
    common::portable();
    refuses(&["--init", "3e38"], "the run diverged at epoch 1: the network's outputs became NaN");
    // This one diverges at epoch 64, after --plot drew epoch 50: that picture goes too.
    refuses(&["--mom", "5", "--plot", "--epochs", "100"], "the run diverged at epoch 64");
}

#[test]
fn malformed_arguments_get_one_line() {
    common::portable();
    refuses(&["--epochs", "-1"], "error: invalid value '-1' for '--epochs <EPOCHS>'");
    refuses(&["--dim", "abc"], "error: invalid value 'abc' for '--dim <DIM>'");
    refuses(&["--seed", "-1"], "error: invalid value '-1' for '--seed <SEED>'");
    refuses(
        &["--device", "gpu"],
        "error: invalid value 'gpu' for '--device <DEVICE>' [possible values: cpu, cuda]",
    );
    refuses(&["--bogus"], "error: unexpected argument '--bogus' found");
}

#[test]
fn cuda_is_refused_where_there_is_none() {
    common::portable();
    if tch::Cuda::is_available() {
        // On a GPU machine the same request must train.
        hud()
            .args(["encoder", "--device", "cuda", "--seed", "0", "--epochs", "20", "--hid", "3"])
            .assert()
            .success();
    } else {
        refuses(&["--device", "cuda"], "--device cuda: CUDA is not available here");
    }
}
