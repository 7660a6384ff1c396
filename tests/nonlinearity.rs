//! `hud nonlinearity`: the table, the init sweep (checked against single `hud encoder` runs), the
//! picture, and refusals.

mod common;

use common::hud;
use hud::studies::nonlinearity::{CONVERGED, EPOCHS, RANDOM, TRAINED};
use predicates::prelude::*;

/// The epochs `hud encoder` takes with these arguments, from its trace.
fn encoder_epochs(dir: &std::path::Path, args: &[&str]) -> u64 {
    hud()
        .current_dir(dir)
        .args(["encoder", "--print-every", "0", "--trace", "single.json", "--out", "single.png"])
        .args(args)
        .assert()
        .success();
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("single.json")).unwrap()).unwrap();
    std::fs::remove_file(dir.join("single.json")).unwrap();
    std::fs::remove_file(dir.join("single.png")).unwrap();
    trace["epochs"].as_u64().unwrap()
}

#[test]
fn small_weights_are_nearly_linear_large_ones_step_like_and_the_sweep_matches_single_runs() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .current_dir(dir.path())
        .args(["nonlinearity", "--dim", "4", "--epochs", "3000", "--scales", "6", "--samples", "300"])
        .args(["--min-scale", "0.001", "--max-scale", "100"])
        .args([
            "--sweep-inits",
            "0.001,0.5",
            "--sweep-seeds",
            "2",
            "--sweep-epochs",
            "2000",
            "--out",
            "n.png",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("network: 4-2-4 encoder, seed 0, "), "{stdout}");
    assert!(stdout.contains("sample: 300 random points of [0,1]^4 and the 4 one-hot items"), "{stdout}");

    // Part 1's table: a row per scale (0.001, 0.01, ..., 100), nonlinearity growing with the scale.
    let rows: Vec<Vec<f64>> = stdout
        .lines()
        .filter(|l| l.contains(" | ") && !l.contains("scale") && !l.contains("trained"))
        .map(|l| {
            l.split(['|', '%'])
                .flat_map(str::split_whitespace)
                .map(|cell| cell.parse().unwrap_or_else(|_| panic!("{cell} in {l}")))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 6, "{stdout}");
    let column = |c: usize| rows.iter().map(|r| r[c]).collect::<Vec<f64>>();
    let scales = column(0);
    for (scale, expected) in scales.iter().zip([0.001, 0.01, 0.1, 1.0, 10.0, 100.0]) {
        assert!((scale / expected - 1.0).abs() < 1e-3, "{scales:?}");
    }
    // Columns: scale | trained: hidden, outputs, saturated %, mean |h| | random: the same.
    for c in [1, 2, 5, 6] {
        let values = column(c);
        assert!(values[0] < 1e-4 && values[5] > 0.2, "column {c}: {values:?}");
        assert!(values.windows(2).take(4).all(|w| w[0] < w[1]), "column {c}: {values:?}");
    }
    for c in [3, 7] {
        let saturated = column(c);
        assert!(saturated[0] == 0.0 && saturated[5] > 80.0, "column {c}: {saturated:?}");
        assert!(saturated.windows(2).all(|w| w[0] <= w[1]), "column {c}: {saturated:?}");
    }
    assert!(
        stdout.contains(
            "small weights, each layer approximately linear: both layers nearly linear up to scale"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("the trained network's own weights (scale "), "{stdout}");

    // Part 2: the batched runs stop where single hud encoder runs with the same seed and init stop.
    let single: Vec<u64> = (0..2)
        .map(|seed| {
            encoder_epochs(dir.path(), &["--dim", "4", "--init", "0.001", "--seed", &seed.to_string()])
        })
        .collect();
    let (low, high) = (single.iter().min().unwrap(), single.iter().max().unwrap());
    let median = (single[0] + single[1]) as f64 / 2.0;
    let line = format!("   0.001        2/2         0        2  {median}, converged in {low}-{high}");
    assert!(stdout.contains(&line), "{line}\n{stdout}");

    // The picture: four panels' colours.
    let picture = image::open(dir.path().join("n.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), hud::studies::nonlinearity::SIZE);
    for colour in [TRAINED, RANDOM, EPOCHS, CONVERGED] {
        let count = picture.pixels().filter(|p| p.0 == [colour.0, colour.1, colour.2]).count();
        assert!(count > 50, "{count} pixels of {colour:?}");
    }
    assert_eq!(common::files_in(dir.path()), ["n.png"]);
}

#[test]
fn part_two_can_be_skipped() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .current_dir(dir.path())
        .args(["nonlinearity", "--dim", "4", "--epochs", "1000", "--scales", "3", "--samples", "100"])
        .args(["--sweep-seeds", "0", "--out", "n.svg"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Part 2").not());
    let svg = std::fs::read_to_string(dir.path().join("n.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("part 2 skipped"), "{}", &svg[..200]);
}

#[test]
fn bad_input_is_refused_and_leaves_nothing() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let refuses = |args: &[&str], message: &str| {
        let mut all = vec!["nonlinearity"];
        all.extend_from_slice(args);
        common::refuses_in(dir.path(), &all, message);
    };
    refuses(&["--min-scale", "0"], "--min-scale must be a finite number > 0, got 0");
    refuses(&["--max-scale", "inf"], "--max-scale must be a finite number > 0, got inf");
    refuses(&["--min-scale", "10", "--max-scale", "1"], "--min-scale (10) must be below --max-scale (1)");
    refuses(&["--scales", "1"], "--scales must be between 2 and 1000, got 1");
    refuses(&["--samples", "-5"], "--samples must be between 100 and 1000000, got -5");
    refuses(&["--samples", "10"], "--samples must be between 100 and 1000000, got 10");
    refuses(&["--sweep-inits", "0.1,0"], "--sweep-inits must be finite numbers > 0, got 0");
    refuses(&["--sweep-inits", "-1"], "--sweep-inits must be finite numbers > 0, got -1");
    refuses(
        &["--sweep-epochs", "0"],
        "invalid value '0' for '--sweep-epochs <SWEEP_EPOCHS>': 0 is not in 1..=100000000",
    );
    refuses(&["--stop", "1"], "--stop must be below 1");
    refuses(&["--out", "n.gif"], "must end in .png or .svg");
    refuses(&["--out", "no/such/folder/n.png"], "cannot write");
    refuses(&["--trace", "t.json", "--dim", "4"], "cannot be used with");
    refuses(&["--trace", "missing.json"], "cannot read missing.json");
    refuses(&["--hid", "0"], "--hid must be between 1 and 10000, got 0");
}
