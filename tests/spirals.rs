//! `hud spirals`: the twin spirals of spiral_main.py, against live PyTorch runs of the reference
//! generator (fixtures/spirals_reference.py), its pictures, its `--seeds` summary and its refusals.

mod common;

use common::{files_in, hud, python, refuses_in, repo_file};
use hud::draw::region;
use hud::parity::{self, Fixture};
use rand::Rng;
use std::process::Command;

fn reference(args: &[String], out: &std::path::Path, print: bool) -> String {
    let mut command = Command::new(python());
    command.arg(repo_file("fixtures/spirals_reference.py")).args(args).arg("--out").arg(out);
    if print {
        command.arg("--print");
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "reference failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A random short run: any net (an MLP with a random depth and activation too), size, scales, seed.
fn random_config(rng: &mut impl Rng) -> Vec<String> {
    let net = ["raw", "polar", "short", "mlp"][rng.random_range(0..4)];
    let mut args = format!(
        "--net {net} --hid {} --init {} --lr {} --epochs {} --seed {}",
        rng.random_range(1..=12),
        [0.1, 0.3, rng.random_range(0.01..1.0f64)][rng.random_range(0..3)],
        [0.01, rng.random_range(0.001..0.05f64)][rng.random_range(0..2)],
        rng.random_range(2..=260),
        rng.random_range(0..u32::MAX),
    );
    if net == "mlp" {
        let act = ["tanh", "sigmoid", "relu", "selu"][rng.random_range(0..4)];
        args += &format!(" --layers {} --act {act}", rng.random_range(1..=4));
    }
    args.split(' ').map(String::from).collect()
}

#[test]
fn random_configs_match_a_live_pytorch_run_exactly() {
    common::portable();
    let mut rng = rand::rng();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let args = random_config(&mut rng);
        let out = dir.path().join("reference.json");
        reference(&args, &out, false);
        let report = parity::replay(hud::labs::REPLAYS, &Fixture::load(&out).unwrap()).unwrap();
        assert!(report.exact(), "hud spirals {}: {}", args.join(" "), report.summary());
    }
}

#[test]
fn prints_the_scripts_lines_and_writes_the_same_trace() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = "--net short --seed 2 --epochs 401".split(' ').map(String::from).collect();
    let python_lines = reference(&args, &dir.path().join("reference.json"), true);
    let output = hud()
        .arg("spirals")
        .args(&args)
        .args(["--no-plots", "--trace", "ours.json"])
        .current_dir(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let ours = String::from_utf8(output.stdout).unwrap();
    assert_eq!(ours, python_lines);
    assert_eq!(ours.lines().count(), 4);
    assert!(ours.starts_with("ep:  100 loss: "), "{ours}");
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("ours.json")).unwrap()).unwrap();
    let params = trace["params"].as_object().unwrap();
    let names: Vec<&str> = params.keys().map(String::as_str).collect();
    assert_eq!(names, ["hid1.bias", "hid1.weight", "hid2.bias", "hid2.weight", "out.bias", "out.weight"]);
    assert_eq!(params["hid2.weight"].as_array().unwrap()[0].as_array().unwrap().len(), 12);
    assert_eq!(trace["accuracy"].as_array().unwrap().len(), 400);
    let report =
        parity::replay(hud::labs::REPLAYS, &Fixture::load(&dir.path().join("reference.json")).unwrap())
            .unwrap();
    assert!(report.exact(), "{}", report.summary());
}

#[test]
fn draws_the_output_every_hidden_unit_and_a_contact_sheet_per_layer() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["spirals", "--net", "raw", "--hid", "3", "--seed", "0", "--epochs", "3"])
        .current_dir(dir.path())
        .assert()
        .success();
    let expected = [
        "raw1_0.png",
        "raw1_1.png",
        "raw1_2.png",
        "raw1_all.png",
        "raw2_0.png",
        "raw2_1.png",
        "raw2_2.png",
        "raw2_all.png",
        "raw_out.png",
        "raw_out_graded.png",
    ];
    assert_eq!(files_in(dir.path()), expected);
    let has = |picture: &image::RgbImage, colour: plotters::style::RGBColor| {
        picture.pixels().any(|p| p.0 == [colour.0, colour.1, colour.2])
    };
    for name in expected {
        let picture = image::open(dir.path().join(name)).unwrap().to_rgb8();
        assert!(picture.width() >= 400 && picture.height() >= 300, "{name}");
        // Both classes' points are drawn on every picture.
        assert!(has(&picture, region::CLASS_0) && has(&picture, region::CLASS_1), "{name}");
    }
}

#[test]
fn writes_the_courses_spirals_csv() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud().args(["spirals", "--write-data", "spirals.csv"]).current_dir(dir.path()).assert().success();
    let text = std::fs::read(dir.path().join("spirals.csv")).unwrap();
    assert_eq!(sha1_smol::Sha1::from(&text).digest().to_string(), hud::data::points::SPIRALS_SHA1);
    // The file reads back as the built-in set, and trains the same run.
    let run = |data: &str| {
        let mut command = hud();
        command.args(["spirals", "--net", "polar", "--seed", "1", "--epochs", "101", "--no-plots"]);
        command.args(["--data", data]).current_dir(dir.path()).assert().success().get_output().stdout.clone()
    };
    assert_eq!(run("spirals.csv"), run("spirals"));
}

#[test]
fn relu_units_are_painted_where_they_are_on() {
    common::portable();
    // relu(z) >= 0 everywhere: the units are painted where they are above 0.
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["spirals", "--net", "mlp", "--act", "relu", "--layers", "1", "--hid", "3", "--seed", "0"])
        .args(["--epochs", "2"])
        .current_dir(dir.path())
        .assert()
        .success();
    for node in 0..3 {
        let picture = image::open(dir.path().join(format!("mlp1_{node}.png"))).unwrap().to_rgb8();
        let count =
            |c: plotters::style::RGBColor| picture.pixels().filter(|p| p.0 == [c.0, c.1, c.2]).count();
        let (painted, pale) = (count(region::PAINTED), count(region::UNPAINTED));
        assert!(painted > 1000 && pale > 1000, "unit {node}: {painted} painted, {pale} pale pixels");
    }
}

/// `--seeds` trains stacked runs, or one run per worker thread: the same rows either way, and each
/// its lone run's, bit for bit in the portable kernels.
#[test]
fn seeds_are_their_lone_runs_bit_for_bit_on_either_engine() {
    let exact = common::portable();
    use hud::engine::device::DeviceArg;
    use hud::engine::nets::{Activation, NetKind};
    use hud::labs::spirals::seeds::{self, Engine, Plan, Setting, Spec};
    let setting =
        |hid, lr| Setting { net: NetKind::Short, hid, layers: 2, act: Activation::Tanh, init: 0.1, lr };
    let spec = Spec {
        settings: vec![setting(6, 0.01), setting(6, 0.03), setting(4, 0.01)],
        first_seed: 40,
        seeds: 3,
        epochs: 151,
        data: "spirals".into(),
    };
    let runs: Vec<u64> = (0..spec.total_runs()).collect();
    let plan = |engine| Plan { engine, device: DeviceArg::Cpu, jobs: 2, batch: 4 };
    let stacked = seeds::train(&spec, &runs, &plan(Engine::Stacked)).unwrap();
    let threads = seeds::train(&spec, &runs, &plan(Engine::Threads)).unwrap();
    assert_eq!(stacked.len(), 9);
    for (a, b) in stacked.iter().zip(&threads) {
        assert_eq!((a.run, a.seed, &a.setting), (b.run, b.seed, &b.setting));
        if exact {
            assert_eq!(
                (a.epochs, a.final_loss.to_bits(), a.final_accuracy.to_bits()),
                (b.epochs, b.final_loss.to_bits(), b.final_accuracy.to_bits()),
                "{a:?} {b:?}"
            );
        }
    }
    let config = spec.config(4, DeviceArg::Cpu);
    assert_eq!((config.seed, config.lr, config.hid), (41, 0.03, 6));
    let run =
        hud::labs::spirals::train(&config, &config.points().unwrap(), tch::Device::Cpu, |_, _, _| Ok(()))
            .unwrap();
    if exact {
        assert_eq!(run.losses.last().unwrap().to_bits(), stacked[4].final_loss.to_bits());
        assert_eq!(run.losses.len() as u64, stacked[4].epochs);
    }
}

/// A grid file's settings, each with every seed, in one command; the same runs in three parts merge
/// into the same summary; missing, repeated and foreign parts are refused.
#[test]
fn grids_train_in_one_command_or_in_parts() {
    // In a machine's own kernels a stacked run may round otherwise with other neighbours, and the
    // parts' batches are not the whole's: their numbers agree within rounding only.
    let exact = common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("grid.txt"),
        "# two settings of one network, one of another\n--hid 5 --init 0.2\n--hid 5 --lr 0.02  # faster\n\n--net polar --hid 4\n",
    )
    .unwrap();
    let common = ["spirals", "--grid", "grid.txt", "--seeds", "3", "--epochs", "201"];
    let whole = hud()
        .args(common)
        .args(["--csv", "all.csv", "--markdown", "all.md"])
        .current_dir(dir.path())
        .assert()
        .success();
    let summary = String::from_utf8(whole.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), 3, "{summary}");
    assert!(lines[0].starts_with("raw hid 5, init 0.2, lr 0.01, 200 epochs: 3 runs, "), "{summary}");
    assert!(lines[1].starts_with("raw hid 5, init 0.1, lr 0.02, 200 epochs: 3 runs, "), "{summary}");
    assert!(lines[2].starts_with("polar hid 4, init 0.1, lr 0.01, 200 epochs: 3 runs, "), "{summary}");
    let markdown = std::fs::read_to_string(dir.path().join("all.md")).unwrap();
    assert_eq!(markdown.lines().count(), 5, "{markdown}");
    assert!(markdown.contains("| polar hid 4 | 0.1 | 0.01 | "), "{markdown}");
    for i in 1..=3 {
        hud()
            .args(common)
            .args(["--shard", &format!("{i}/3"), "--csv", &format!("part{i}.csv")])
            .current_dir(dir.path())
            .assert()
            .success();
    }
    let merged = hud()
        .args(["spirals", "merge", "part1.csv", "part2.csv", "part3.csv", "--csv", "merged.csv"])
        .current_dir(dir.path())
        .assert()
        .success();
    let merged_summary = String::from_utf8(merged.get_output().stdout.clone()).unwrap();
    assert_eq!(merged_summary.lines().count(), 3);
    let strip = |name: &str| {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        text.lines().skip(1).map(String::from).collect::<Vec<_>>()
    };
    if exact {
        assert_eq!(merged_summary, summary);
        assert_eq!(strip("merged.csv"), strip("all.csv"));
    }
    refuses_in(
        dir.path(),
        &["spirals", "merge", "part1.csv", "part2.csv"],
        "the parts hold 6 of the grid's 9 runs",
    );
    refuses_in(
        dir.path(),
        &["spirals", "merge", "part1.csv", "part2.csv", "part3.csv", "part3.csv"],
        "appears twice",
    );
    hud()
        .args([
            "spirals",
            "--grid",
            "grid.txt",
            "--seeds",
            "3",
            "--epochs",
            "202",
            "--shard",
            "3/3",
            "--csv",
            "other.csv",
        ])
        .current_dir(dir.path())
        .assert()
        .success();
    refuses_in(
        dir.path(),
        &["spirals", "merge", "part1.csv", "part2.csv", "other.csv"],
        "is part of a different grid from part1.csv",
    );
    refuses_in(dir.path(), &["spirals", "merge", "grid.txt"], "grid.txt is not a CSV of hud spirals --seeds");
    std::fs::write(dir.path().join("bad.txt"), "--hid 5\n--hid 0\n").unwrap();
    refuses_in(
        dir.path(),
        &["spirals", "--grid", "bad.txt", "--seeds", "2"],
        "bad.txt, line 2: --hid must be between 1 and",
    );
    std::fs::write(dir.path().join("bad.txt"), "--hid 5 --seed 3\n").unwrap();
    refuses_in(
        dir.path(),
        &["spirals", "--grid", "bad.txt", "--seeds", "2"],
        "bad.txt, line 1: unexpected argument '--seed'",
    );
    refuses_in(dir.path(), &["spirals", "--seeds", "2", "--shard", "1/2"], "--csv");
}

#[test]
fn seeds_are_summarised() {
    let exact = common::portable();
    let output = hud()
        .args(["spirals", "--net", "polar", "--seeds", "3", "--seed", "5", "--epochs", "201"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("polar hid 10, init 0.1, lr 0.01, 200 epochs: 3 runs, "), "{stdout}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    // One line per seed, in seed order whatever order they finished in.
    // It says what the stacked runs are to their single runs in these kernels.
    let said = if exact { "is its single run bit for bit (portable kernels)" } else { "within rounding" };
    assert!(stderr.contains(said), "{stderr}");
    let seeds: Vec<&str> = stderr.lines().filter(|l| l.starts_with("seed ")).collect();
    assert_eq!(seeds.len(), 3, "{stderr}");
    for (line, seed) in seeds.iter().zip(5..8) {
        assert!(line.starts_with(&format!("seed {seed}: ")), "{stderr}");
    }
}

#[test]
fn bad_input_is_refused_before_training() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.csv"), "x,y,class\n1,2,0\n3,oops,1\n").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--net", "deep"], "invalid value 'deep'"),
        (&["--hid", "0"], "--hid must be between 1 and"),
        (&["--net", "raw", "--layers", "3"], "go with --net mlp"),
        (&["--net", "mlp", "--layers", "201"], "--layers must be between 1 and 200"),
        (&["--lr", "nan"], "--lr must be a finite number"),
        (&["--init", "-1"], "--init must be a finite number >= 0"),
        (&["--data", "bad.csv"], "bad.csv, line 3: `oops` is not a number"),
        (&["--data", "missing.csv"], "cannot read missing.csv"),
        (&["--out-dir", "bad.csv/x"], "--out-dir bad.csv/x: cannot make it, a file is in the way"),
        (&["--trace", "no/such/dir/t.json"], "cannot write no/such/dir/t.json"),
        (&["--seeds", "2", "--trace", "t.json"], "does not go with --seeds"),
        (&["--jobs", "2"], "--seeds"),
        (&["--grid", "g.txt"], "--seeds"),
        (&["--seeds", "2", "--no-plots"], "cannot be used with"),
        (&["--net", "mlp", "--layers", "3", "--hid", "50"], "150 hidden units are too many to draw"),
        (&["--hid", "1001", "--no-plots"], "--hid must be between 1 and 1000"),
    ];
    for (args, message) in cases {
        let mut all = vec!["spirals", "--seed", "1", "--epochs", "3"];
        all.extend_from_slice(args);
        refuses_in(dir.path(), &all, message);
    }
    if !tch::Cuda::is_available() {
        refuses_in(dir.path(), &["spirals", "--device", "cuda", "--epochs", "3"], "CUDA is not available");
    }
    refuses_in(
        dir.path(),
        &["spirals", "--seed", &u64::MAX.to_string(), "--seeds", "2"],
        "passes the largest seed",
    );
}

#[test]
fn a_diverging_run_stops_with_its_epoch() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    // Huge weights and rate: the outputs saturate, then Adam's steps blow the weights up to NaN.
    let output = hud()
        .args(["spirals", "--net", "mlp", "--act", "relu", "--layers", "4", "--hid", "50", "--init", "1e30"])
        .args(["--lr", "1e30", "--seed", "0", "--epochs", "50", "--trace", "t.json", "--no-plots"])
        .current_dir(dir.path())
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("diverged at epoch"), "{stderr}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn parity_holds_on_each_cpu_kernel_path() {
    common::portable();
    // Long RawNet and ShortNet runs are chaotic: the last-bit differences between libtorch's AVX512,
    // AVX2 and scalar kernels (and MKL's) grow until the stopping epoch moves (raw seed 3: 6700 epochs
    // with AVX512, 5200 with AVX2, 5000 without vectors). PyTorch and hud choose the same paths from
    // the same environment, so each path is reproduced exactly.
    for capability in [("avx2", "AVX2"), ("default", "SSE4_2")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reference.json");
        let args = ["--net", "short", "--seed", "2", "--epochs", "301", "--out"];
        let status = Command::new(python())
            .arg(repo_file("fixtures/spirals_reference.py"))
            .args(args)
            .arg(&out)
            .env("ATEN_CPU_CAPABILITY", capability.0)
            .env("MKL_ENABLE_INSTRUCTIONS", capability.1)
            .status()
            .unwrap();
        assert!(status.success());
        hud()
            .arg("verify")
            .arg(&out)
            .env("ATEN_CPU_CAPABILITY", capability.0)
            .env("MKL_ENABLE_INSTRUCTIONS", capability.1)
            .assert()
            .success();
    }
}
