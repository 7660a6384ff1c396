//! `hud depth`: parity of the per-layer numbers with a live PyTorch run, the CSV and pictures it
//! writes, the depth table on a tiny budget, and the inputs it refuses.

mod common;

use common::{files_in, hud, python, refuses_in, repo_file};
use hud::draw::COLOUR_CYCLE;
use hud::labs::depth::Trace;
use std::process::Command;

fn has_colour(image: &image::RgbImage, colour: [u8; 3]) -> usize {
    image.pixels().filter(|p| p.0 == colour).count()
}

#[test]
fn a_config_not_in_the_fixtures_matches_a_live_pytorch_run_exactly() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let config = [
        "--depth",
        "10",
        "--width",
        "7",
        "--act",
        "tanh",
        "--init",
        "xavier",
        "--skip",
        "residual",
        "--seed",
        "11",
        "--lr",
        "0.03",
        "--epochs",
        "40",
        "--measure-at",
        "0,17",
    ];
    let reference = dir.path().join("reference.json");
    let status = Command::new(python())
        .arg(repo_file("fixtures/depth_reference.py"))
        .args(config)
        .arg("--out")
        .arg(&reference)
        .status()
        .unwrap();
    assert!(status.success());
    let ours = dir.path().join("ours.json");
    hud()
        .arg("depth")
        .args(config)
        .args(["--trace", "ours.json", "--out", "g.png", "--histograms", "h.png", "--csv", "g.csv"])
        .current_dir(dir.path())
        .assert()
        .success();
    let read = |p: &std::path::Path| -> Trace {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (reference, ours) = (read(&reference), read(&ours));
    assert_eq!(reference.config, ours.config);
    assert_eq!(reference.measurements.iter().map(|m| m.epoch).collect::<Vec<_>>(), [0, 17, 40]);
    let bits = |t: &Trace| -> Vec<u32> {
        let layers = t.measurements.iter().flat_map(|m| m.layers.iter().flat_map(|s| s.values()));
        layers.chain(t.losses.iter().copied()).chain(t.accuracies.iter().copied()).map(f32::to_bits).collect()
    };
    assert_eq!(bits(&reference), bits(&ours));
}

#[test]
fn measurements_are_written_as_csv_and_drawn() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .args(["depth", "--depth", "6", "--act", "sigmoid,selu", "--init", "lecun", "--epochs", "20"])
        .args(["--measure-at", "0,10"])
        .current_dir(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("sigmoid+lecun") && stdout.contains("selu+lecun"), "{stdout}");
    assert_eq!(files_in(dir.path()), ["depth-activations.png", "depth.csv", "depth.png"]);

    let mut reader = csv::Reader::from_path(dir.path().join("depth.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for column in
        ["technique", "epoch", "layer", "weight_grad_norm", "back_grad_std", "act_mean", "saturated"]
    {
        assert!(header.iter().any(|h| h == column), "{column} missing from {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // 2 techniques x 3 epochs (0, 10 and the last, 20) x (6 hidden layers + the output).
    assert_eq!(rows.len(), 2 * 3 * 7);
    let norm = header.iter().position(|h| h == "weight_grad_norm").unwrap();
    assert!(rows.iter().all(|r| r[norm].parse::<f64>().unwrap() >= 0.0));

    let picture = image::open(dir.path().join("depth.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), hud::labs::depth::picture::GRADIENT_SIZE);
    for colour in &COLOUR_CYCLE[..2] {
        assert!(has_colour(&picture, [colour.0, colour.1, colour.2]) > 200, "no line in {colour:?}");
    }
    assert_eq!(has_colour(&picture, [COLOUR_CYCLE[2].0, COLOUR_CYCLE[2].1, COLOUR_CYCLE[2].2]), 0);
    let histograms = image::open(dir.path().join("depth-activations.png")).unwrap().to_rgb8();
    assert_eq!(histograms.dimensions(), (1200, 900));
    // The first layer's histogram line (light violet) and the last's (dark blue).
    assert!(has_colour(&histograms, [200, 150, 255]) > 50);
    assert!(has_colour(&histograms, [0, 30, 175]) > 50);
}

#[test]
fn a_tiny_table_prints_every_cell_and_draws_its_heatmap() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .args([
            "depth",
            "--table",
            "--depths",
            "1,3",
            "--techniques",
            // The dense network spelt another way: its row is still filled (under its canonical name).
            "relu,selu+lecun,relu+dense+bn+kaiming",
        ])
        .args(["--budget", "30", "--threshold", "0.6"])
        .current_dir(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("1 layers") && stdout.contains("3 layers"), "{stdout}");
    assert!(stdout.contains("6 networks in"), "{stdout}");
    // Every cell of every row has its accuracy printed.
    for technique in ["relu", "selu+lecun", "relu+kaiming+bn+dense"] {
        let row = stdout.lines().find(|l| l.starts_with(&format!("{technique} "))).expect(technique);
        assert_eq!(row.matches('%').count(), 2, "{row}");
    }
    assert_eq!(files_in(dir.path()), ["depth-table.csv", "depth-table.png"]);
    let (_, cells) = hud::labs::depth::table::read_csv(&dir.path().join("depth-table.csv")).unwrap();
    assert_eq!(cells.len(), 6);
    for cell in &cells {
        let accuracy = f64::from(cell.final_accuracy);
        assert!((0.0..=1.0).contains(&accuracy) && cell.epochs_run <= 30, "{cell:?}");
        // A run stops at the threshold, or runs the whole budget.
        match cell.reached_epoch {
            None => assert!(cell.epochs_run == 30 && accuracy < 0.6, "{cell:?}"),
            Some(epoch) => assert!(accuracy >= 0.6 && epoch == cell.epochs_run, "{cell:?}"),
        }
    }
    let picture = image::open(dir.path().join("depth-table.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (1200, 120 + 60 * 3));
    // Every cell is filled: little of the picture is left white.
    let white = has_colour(&picture, [255, 255, 255]) as f64 / f64::from(1200 * 300);
    assert!(white < 0.6, "{white}");
}

/// A tiny table with many seeds per cell: stacked seeds give the same runs as single ones, bit for bit
/// in the portable kernels, and a table trained in three parts merges into the same table.
#[test]
fn seeds_per_cell_stack_and_shard_into_the_same_table() {
    let exact = common::portable();
    let dir = tempfile::tempdir().unwrap();
    let table = ["depth", "--table", "--depths", "2,3", "--techniques", "tanh,relu+kaiming+bn"];
    let small = ["--budget", "40", "--threshold", "0.6", "--seeds", "4", "--seed", "3"];
    let train = |extra: &[&str]| -> String {
        let output = hud().args(table).args(small).args(extra).current_dir(dir.path()).assert().success();
        String::from_utf8(output.get_output().stdout.clone()).unwrap()
    };
    let stacked = train(&["--csv", "stacked.csv", "--out", "stacked.png"]);
    assert!(stacked.contains("seeds that reached 60% of 4") && stacked.contains("/4"), "{stacked}");
    train(&["--csv", "threads.csv", "--out", "threads.png", "--engine", "threads"]);
    for i in 1..=3 {
        train(&[
            "--csv",
            &format!("part{i}.csv"),
            "--out",
            &format!("part{i}.png"),
            "--shard",
            &format!("{i}/3"),
        ]);
    }
    let read = |name: &str| hud::labs::depth::table::read_csv(&dir.path().join(name)).unwrap();
    let (spec, stacked_cells) = read("stacked.csv");
    assert_eq!(stacked_cells.len(), 16);
    assert_eq!(spec.seeds, 4);
    let (_, threads_cells) = read("threads.csv");
    let outcome =
        |c: &hud::labs::depth::table::Cell| (c.run, c.seed, c.epochs_run, c.reached_epoch, c.diverged_epoch);
    for (a, b) in stacked_cells.iter().zip(&threads_cells) {
        if exact {
            assert_eq!(outcome(a), outcome(b));
            assert_eq!(a.final_loss.to_bits(), b.final_loss.to_bits(), "{a:?} {b:?}");
        }
    }
    let merged = hud()
        .args([
            "depth",
            "merge",
            "part1.csv",
            "part2.csv",
            "part3.csv",
            "--csv",
            "merged.csv",
            "--out",
            "merged.png",
        ])
        .current_dir(dir.path())
        .assert()
        .success();
    let merged_text = String::from_utf8(merged.get_output().stdout.clone()).unwrap();
    let (_, merged_cells) = read("merged.csv");
    assert_eq!(
        merged_cells.iter().map(outcome).collect::<Vec<_>>(),
        stacked_cells.iter().map(outcome).collect::<Vec<_>>()
    );
    assert!(stacked.starts_with(&merged_text), "{stacked}\n{merged_text}");
    let picture = image::open(dir.path().join("merged.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (1200, 120 + 60 * 2));
    // Missing, repeated and foreign parts are refused.
    refuses_in(
        dir.path(),
        &["depth", "merge", "part1.csv", "part2.csv"],
        "the parts hold 11 of the table's 16 runs",
    );
    refuses_in(
        dir.path(),
        &["depth", "merge", "part1.csv", "part1.csv", "part2.csv", "part3.csv"],
        "appears twice",
    );
    hud()
        .args(table)
        .args(["--budget", "41", "--threshold", "0.6", "--seeds", "4", "--seed", "3", "--shard", "3/3"])
        .args(["--csv", "other.csv", "--out", "other.png"])
        .current_dir(dir.path())
        .assert()
        .success();
    refuses_in(
        dir.path(),
        &["depth", "merge", "part1.csv", "part2.csv", "other.csv"],
        "part of a different table",
    );
    refuses_in(dir.path(), &["depth", "merge", "merged.png"], "cannot read merged.png");
    std::fs::write(dir.path().join("plain.csv"), "run,technique\n0,relu\n").unwrap();
    refuses_in(dir.path(), &["depth", "merge", "plain.csv"], "plain.csv is not a CSV of hud depth --table");
}

#[test]
fn bad_input_is_refused_with_one_line_and_no_file() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    refuses_in(d, &["depth", "--depth", "0"], "depth 0 is out of range: 1 to 200");
    refuses_in(d, &["depth", "--depth", "201"], "depth 201 is out of range");
    refuses_in(d, &["depth", "--width", "0"], "width 0 is out of range");
    refuses_in(d, &["depth", "--act", "gelu"], "invalid value 'gelu'");
    refuses_in(d, &["depth", "--techniques", "relu+magic"], "unknown part 'magic'");
    refuses_in(d, &["depth", "--table", "--depths", "2,300", "--budget", "5"], "depth 300 is out of range");
    refuses_in(d, &["depth", "--lr", "NaN"], "--lr NaN should be a positive number");
    refuses_in(d, &["depth", "--table", "--threshold", "2"], "--threshold 2 should be between 0 and 1");
    refuses_in(d, &["depth", "--out", "no/such/folder/g.png"], "cannot write no/such/folder/g.png");
    refuses_in(d, &["depth", "--out", "g.jpg"], "must end in .png or .svg");
    refuses_in(
        d,
        &["depth", "--epochs", "5", "--measure-at", "0,9"],
        "--measure-at 9 is after the last epoch",
    );
    refuses_in(d, &["depth", "--table", "--histograms", "h.png"], "are for single runs, not --table");
    refuses_in(d, &["depth", "--data", "missing.csv"], "cannot read missing.csv");
    refuses_in(d, &["depth", "--trace", "t.json"], "--trace records one network");
    refuses_in(
        d,
        &["depth", "--act", "relu", "--out", "d.png", "--histograms", "./d.png"],
        "two outputs are both ./d.png",
    );
    std::fs::write(d.join("one.csv"), "x,y,class\n1,2,0\n").unwrap();
    refuses_in(
        d,
        &["depth", "--data", "one.csv", "--batchnorm", "--act", "relu"],
        "batch norm needs at least 2 points",
    );
    std::fs::remove_file(d.join("one.csv")).unwrap();
    refuses_in(
        d,
        &["depth", "--depth", "4", "--act", "relu", "--lr", "1e30", "--epochs", "5"],
        "relu: the network's outputs became NaN at epoch 1: training diverged",
    );
    if !tch::Cuda::is_available() {
        refuses_in(d, &["depth", "--device", "cuda"], "CUDA is not available");
        refuses_in(d, &["depth", "--table", "--device", "cuda"], "CUDA is not available");
    }
}

/// The seed page's claim, in PyTorch's own numbers (the saved fixtures): at depth 32 the gradient
/// vanishes through sigmoid and ReLU layers with PyTorch's default init, not through SELU with LeCun's.
#[test]
fn pytorchs_gradients_vanish_at_depth_32_for_sigmoid_and_relu_not_selu() {
    common::portable();
    let ratio = |name: &str| {
        let text = std::fs::read_to_string(repo_file(&format!("fixtures/depth/{name}.json"))).unwrap();
        let trace: Trace = serde_json::from_str(&text).unwrap();
        let layers = &trace.measurements[0].layers;
        f64::from(layers[0].weight_grad_norm) / f64::from(layers[31].weight_grad_norm)
    };
    assert!(ratio("sigmoid-d32-pytorch") < 1e-20, "{}", ratio("sigmoid-d32-pytorch"));
    assert!(ratio("relu-d32-pytorch") < 1e-10, "{}", ratio("relu-d32-pytorch"));
    let selu = ratio("selu-d32-lecun");
    assert!((0.1..10.0).contains(&selu), "{selu}");
}

/// At depth 128 the residual network's output starts saturated to exactly 0 or 1 in float32, so every
/// gradient is 0: still measured and drawn (an all-zero log axis once made plotters loop forever).
#[test]
fn a_dead_network_with_every_gradient_zero_is_still_drawn() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["depth", "--depth", "128", "--techniques", "relu+kaiming+bn+residual"])
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicates::str::contains("50.0000"));
    let mut reader = csv::Reader::from_path(dir.path().join("depth.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 129);
    assert!(rows.iter().all(|r| r[4].parse::<f64>().unwrap() == 0.0));
    assert_eq!(
        image::open(dir.path().join("depth.png")).unwrap().to_rgb8().dimensions(),
        hud::labs::depth::picture::GRADIENT_SIZE
    );
}
