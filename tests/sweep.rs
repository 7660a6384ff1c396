//! `hud sweep`: batched runs against single runs, independence from the batch, shards and merge, the
//! CSV, the summary, the picture and the refusals.

mod common;

use common::hud;
use hud::data::targets::Target;
use hud::engine::batched::{self, RunSpec, Status};
use hud::engine::device::DeviceArg;
use hud::engine::trace::LinearTrace;
use hud::labs::encoder::{self, Config};
use predicates::prelude::*;
use tch::Device;

/// The single run (`hud encoder`, itself checked against PyTorch by the fixtures) of one spec: its
/// losses, whether it diverged, and its final weights (`in_hid`, `hid_out`) if it did not.
fn single(
    target: &str,
    dim: i64,
    hid: i64,
    epochs: u64,
    spec: RunSpec,
) -> (Vec<f32>, bool, Option<[LinearTrace; 2]>) {
    let config = Config {
        target: target.into(),
        dim,
        hid,
        epochs,
        stop: 0.02,
        lr: spec.lr,
        mom: spec.mom,
        init: spec.init,
        seed: spec.seed,
        device: DeviceArg::Cpu,
    };
    let target = config.target().unwrap();
    let mut losses = Vec::new();
    let ended = encoder::train(&config, &target, Device::Cpu, |_, loss, _| {
        losses.push(loss);
        Ok(())
    });
    let weights = ended
        .as_ref()
        .ok()
        .map(|run| [LinearTrace::of(&run.net.in_hid).unwrap(), LinearTrace::of(&run.net.hid_out).unwrap()]);
    (losses, ended.is_err(), weights)
}

/// Seeds with different init, lr and momentum in one batch; some stop early (the batch then freezes
/// and drops them), one diverges (momentum 5).
fn mixed_specs() -> Vec<RunSpec> {
    let mut specs: Vec<RunSpec> = (0..6)
        .map(|seed| RunSpec {
            seed,
            init: [0.001, 0.1, 0.5][seed as usize % 3],
            lr: [0.4, 0.9][seed as usize % 2],
            mom: [0.9, 0.0, 0.5][seed as usize % 3],
        })
        .collect();
    specs.push(RunSpec { seed: 11, init: 0.001, lr: 0.4, mom: 5.0 });
    specs
}

#[test]
fn batched_runs_equal_single_runs_bit_for_bit() {
    common::portable();
    // Shapes whose products go to MKL's sgemm and to ATen's small-matrix loop (fewer than 4 outputs),
    // with and without a scalar tail in sigmoid's vector loop (src/engine/batched.rs).
    let specs = mixed_specs();
    let track: Vec<usize> = (0..specs.len()).collect();
    for (name, dim, hid, epochs) in [
        ("input", 9, 2, 1500),
        ("input", 8, 3, 1200),
        ("star16", 0, 2, 600),
        ("question1", 0, 2, 600),
        ("input", 5, 2, 900),
        ("input", 4, 3, 400),
    ] {
        let target = Target::resolve(name, dim).unwrap();
        let schedule = batched::Schedule { hid, epochs, stop: 0.02 };
        let result = batched::train(&target, &schedule, &specs, &track, Device::Cpu, |_, _| {}).unwrap();
        for (i, spec) in specs.iter().enumerate() {
            let (reference, diverged, weights) = single(name, dim, hid, epochs, *spec);
            let outcome = result.outcomes[i];
            let ours = &result.tracked_losses[i];
            let what = format!("{name} dim {dim} hid {hid} {spec:?}");
            assert_eq!(diverged, outcome.status == Status::Diverged, "{what}");
            let epochs_run = reference.len() + usize::from(diverged);
            assert_eq!(outcome.epochs as usize, epochs_run, "{what}");
            assert_eq!(ours.len(), epochs_run, "{what}");
            let first = reference.iter().zip(ours).position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(first, None, "{what}: losses differ from epoch {:?}", first.map(|e| e + 1));
            if let Some(weights) = weights {
                assert_eq!(outcome.final_loss.to_bits(), reference.last().unwrap().to_bits(), "{what}");
                let values = |w: &[LinearTrace; 2]| {
                    w.iter().flat_map(|l| l.values()).map(f32::to_bits).collect::<Vec<_>>()
                };
                assert_eq!(values(&result.final_weights[i]), values(&weights), "{what}: final weights");
            }
        }
    }
}

#[test]
fn one_hidden_unit_agrees_within_rounding() {
    common::portable();
    let target = Target::resolve("input", 6).unwrap();
    assert!(!batched::Products::calibrate(6, 1, 6).exact);
    assert!(batched::Products::calibrate(6, 2, 6).exact && batched::Products::calibrate(6, 4, 3).exact);
    // For K = 1 the single run's products are matrix-vector products (gemv), which round differently
    // from the fused multiply-add chain: the losses agree to within a few float32 ulps (a loss near
    // 0.3 has an ulp of 3e-8), not exactly.
    let specs = &mixed_specs()[..4];
    let schedule = batched::Schedule { hid: 1, epochs: 800, stop: 0.02 };
    let track: Vec<usize> = (0..specs.len()).collect();
    let result = batched::train(&target, &schedule, specs, &track, Device::Cpu, |_, _| {}).unwrap();
    for (i, spec) in specs.iter().enumerate() {
        let (reference, _, _) = single("input", 6, 1, 800, *spec);
        let largest =
            reference.iter().zip(&result.tracked_losses[i]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(largest < 1e-5, "{spec:?}: {largest}");
    }
}

#[test]
fn a_run_does_not_depend_on_the_rest_of_its_batch() {
    common::portable();
    let target = Target::resolve("input", 4).unwrap();
    let schedule = batched::Schedule { hid: 2, epochs: 4000, stop: 0.1 };
    // Seed 16 with momentum 1.05 converges at epoch 87, then stays frozen beside slow runs (more than
    // half the batch, so it is not dropped) for the rest of the 4000 epochs: its momentum buffer must
    // not keep growing (by 1.05 an epoch, to infinity, then NaN weights).
    let mut all = mixed_specs();
    all.push(RunSpec { seed: 16, init: 0.001, lr: 0.4, mom: 1.05 });
    all.extend((0..10).map(|seed| RunSpec { seed, init: 0.001, lr: 0.001, mom: 0.0 }));
    let together = batched::train(&target, &schedule, &all, &[], Device::Cpu, |_, _| {}).unwrap().outcomes;
    assert_eq!((together[7].epochs, together[7].status, together[7].correct), (87, Status::Converged, true));
    for (i, spec) in all.iter().enumerate() {
        let alone =
            batched::train(&target, &schedule, &[*spec], &[], Device::Cpu, |_, _| {}).unwrap().outcomes;
        assert_eq!(alone[0].epochs, together[i].epochs, "{spec:?}");
        assert_eq!(alone[0].final_loss.to_bits(), together[i].final_loss.to_bits(), "{spec:?}");
        assert_eq!(alone[0].status, together[i].status, "{spec:?}");
        assert_eq!(alone[0].correct, together[i].correct, "{spec:?}");
    }
}

const SMALL: &[&str] = &["--dim", "4,5", "--hid", "2", "--lr", "0.4,0.9", "--seeds", "5", "--epochs", "900"];

/// The CSV's rows without its first line (which says which shard the file holds).
fn rows_of(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.split_once('\n').unwrap().1.to_string()
}

#[test]
fn sharded_and_merged_equals_unsharded() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let whole = hud()
        .current_dir(dir.path())
        .args(["sweep", "--csv", "all.csv", "--out", "all.png", "--compare", "0"])
        .args(SMALL)
        .assert()
        .success();
    let whole_summary = String::from_utf8(whole.get_output().stdout.clone()).unwrap();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let csv = format!("part{i}.csv");
        hud()
            .current_dir(dir.path())
            .args([
                "sweep",
                "--shard",
                &shard,
                "--csv",
                &csv,
                "--out",
                &format!("part{i}.png"),
                "--compare",
                "0",
            ])
            .args(SMALL)
            .assert()
            .success();
    }
    let merged = hud()
        .current_dir(dir.path())
        .args([
            "sweep",
            "merge",
            "part3.csv",
            "part1.csv",
            "part2.csv",
            "--csv",
            "merged.csv",
            "--out",
            "merged.png",
        ])
        .assert()
        .success();
    assert_eq!(String::from_utf8(merged.get_output().stdout.clone()).unwrap(), whole_summary);
    assert_eq!(rows_of(&dir.path().join("merged.csv")), rows_of(&dir.path().join("all.csv")));
    assert_eq!(
        std::fs::read(dir.path().join("merged.png")).unwrap(),
        std::fs::read(dir.path().join("all.png")).unwrap()
    );
    // 2 sizes x 2 learning rates x 5 seeds, in run order, one shard's runs every third.
    let rows = rows_of(&dir.path().join("all.csv"));
    assert_eq!(rows.lines().count(), 1 + 20);
    assert!(rows.starts_with("run,target,items,hid,outputs,lr,mom,init,stop,max_epochs,seed,epochs_to_stop,epochs,final_loss,all_correct,hidden_shape\n"));
    let part1 = rows_of(&dir.path().join("part1.csv"));
    let runs: Vec<&str> = part1.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(runs, ["0", "3", "6", "9", "12", "15", "18"]);
}

#[test]
fn the_summary_and_csv_say_what_happened() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .current_dir(dir.path())
        .args(["sweep", "--dim", "5", "--mom", "0.9,5", "--seeds", "3", "--epochs", "1000", "--compare", "6"])
        .assert()
        .success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    // 5-2-5 seeds 0-2 stop at epochs 751, 793 and 749 (as `hud encoder --dim 5 --seed S` does);
    // momentum 5 diverges at epoch 63.
    assert!(stdout.contains("5-2-5 lr 0.4 mom 0.9 init 0.001           3       3 (100.0%)         0         3  750 / 751 / 772 (749-793)"), "{stdout}");
    assert!(stdout.contains("5-2-5 lr 0.4 mom 5 init 0.001             3         0 (0.0%)         3         0  none within 1000 epochs"), "{stdout}");
    assert!(stdout.contains("run 0 (5-2-5 seed 0): identical to the single run, every loss bit for bit; both stopped at epoch 751, all outputs correct"), "{stdout}");
    assert!(stdout.contains("run 3 (5-2-5 seed 0): identical to the single run, every loss bit for bit; both diverged at epoch 63, not all outputs correct"), "{stdout}");
    let csv = rows_of(&dir.path().join("sweep.csv"));
    let row0 = csv.lines().find(|l| l.starts_with("0,")).unwrap();
    let (head, tail) = row0.rsplit_once(",yes,").unwrap();
    let (head, final_loss) = head.rsplit_once(',').unwrap();
    assert_eq!(head, "0,input,5,2,5,0.4,0.9,0.001,0.02,1000,0,751,751", "{csv}");
    assert!(tail.is_empty() && final_loss.parse::<f32>().is_ok_and(|l| l <= 0.02), "{csv}");
    assert!(csv.contains("\n3,input,5,2,5,0.4,5.0,0.001,0.02,1000,0,diverged,63,NaN,no,\n"), "{csv}");

    // Two configurations at one N: each its colour (success markers; the converged one's median too).
    let picture = image::open(dir.path().join("sweep.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), hud::studies::sweep::picture::SIZE);
    for colour in &hud::draw::COLOUR_CYCLE[..2] {
        let count = picture.pixels().filter(|p| p.0 == [colour.0, colour.1, colour.2]).count();
        assert!(count > 50, "{count} pixels of {colour:?}");
    }
}

#[test]
fn one_configuration_gets_a_histogram_of_its_epochs() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .current_dir(dir.path())
        .args(["sweep", "--dim", "5", "--seeds", "6", "--epochs", "1000", "--compare", "0"])
        .assert()
        .success();
    let picture = image::open(dir.path().join("sweep.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), hud::studies::sweep::picture::SIZE);
    let bar = blend(hud::draw::COLOUR_CYCLE[0], 0.5);
    let bar_pixels = picture.pixels().filter(|p| close(p.0, bar)).count();
    assert!(bar_pixels > 2000, "{bar_pixels} pixels of the histogram's bars");
}

#[test]
fn the_success_rate_picture_has_a_line_per_setting() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .current_dir(dir.path())
        .args([
            "sweep",
            "--dim",
            "4,6,5",
            "--hid",
            "2,3",
            "--seeds",
            "2",
            "--epochs",
            "400",
            "--compare",
            "0",
        ])
        .assert()
        .success();
    let picture = image::open(dir.path().join("sweep.png")).unwrap().to_rgb8();
    for colour in &hud::draw::COLOUR_CYCLE[..2] {
        let rgb = [colour.0, colour.1, colour.2];
        let count = picture.pixels().filter(|p| p.0 == rgb).count();
        assert!(count > 300, "{count} pixels of {rgb:?}");
    }
    let third = hud::draw::COLOUR_CYCLE[2];
    assert_eq!(picture.pixels().filter(|p| p.0 == [third.0, third.1, third.2]).count(), 0);
}

fn blend(colour: plotters::style::RGBColor, alpha: f64) -> [u8; 3] {
    let mix = |c: u8| (f64::from(c) * alpha + 255.0 * (1.0 - alpha)).round() as u8;
    [mix(colour.0), mix(colour.1), mix(colour.2)]
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) <= 2)
}

/// `hud sweep ARGS` fails with `message` on its one line of stderr and writes nothing.
fn refuses(args: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    common::refuses_in(dir.path(), &all, message);
}

#[test]
fn bad_sweeps_are_refused() {
    common::portable();
    refuses(&["--shard", "0/3"], "expected I/N with 1 <= I <= N");
    refuses(&["--seeds", "0"], "0 is not in 1..=1000000");
    refuses(&["--epochs", "0"], "0 is not in 1..=100000000");
    refuses(&["--stop", "1"], "--stop must be below 1");
    refuses(&["--stop", "nan"], "--stop must be a finite number >= 0, got NaN");
    refuses(&["--dim", "5,5"], "--dim lists a value twice");
    refuses(&["--first-seed", "18446744073709551615", "--seeds", "2"], "goes past the largest seed");
    refuses(&["--csv", "a.png", "--out", "a.png"], "--csv and --out both name a.png");
    refuses(&["--hid", "2,0"], "--hid must be between 1 and 10000, got 0");
    refuses(&["--dim", "9,-1"], "dim");
    refuses(&["--lr", "0.4,nan"], "--lr must be a finite number >= 0, got NaN");
    refuses(&["--target", "nosuch"], "nosuch");
    refuses(&["--out", "x.jpg"], ".png or .svg");
    refuses(&["--csv", "no/such/dir/x.csv"], "no/such/dir");
    refuses(&["--device", "cuda", "--epochs", "1"], "CUDA");
}

#[test]
fn a_shard_without_runs_says_so_and_merges() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let args = ["--dim", "4", "--seeds", "2", "--epochs", "50", "--compare", "0"];
    for i in 1..=3 {
        let output = hud()
            .current_dir(dir.path())
            .args([
                "sweep",
                "--shard",
                &format!("{i}/3"),
                "--csv",
                &format!("p{i}.csv"),
                "--out",
                &format!("p{i}.png"),
            ])
            .args(args)
            .assert()
            .success();
        let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
        assert_eq!(
            i == 3,
            stderr.contains("this part of the sweep has no runs (the sweep has 2 runs)"),
            "{stderr}"
        );
    }
    let empty = image::open(dir.path().join("p3.png")).unwrap().to_rgb8();
    assert!(empty.pixels().any(|p| p.0 != [255, 255, 255]), "the empty part's picture says so in text");
    hud().current_dir(dir.path()).args(["sweep", "merge", "p1.csv", "p2.csv", "p3.csv"]).assert().success();
    assert_eq!(rows_of(&dir.path().join("sweep.csv")).lines().count(), 1 + 2);
}

#[test]
fn bad_merges_are_refused() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=2 {
        hud()
            .current_dir(dir.path())
            .args([
                "sweep",
                "--shard",
                &format!("{i}/2"),
                "--csv",
                &format!("p{i}.csv"),
                "--out",
                &format!("p{i}.png"),
            ])
            .args(["--dim", "4", "--seeds", "3", "--epochs", "50", "--compare", "0"])
            .assert()
            .success();
    }
    hud()
        .current_dir(dir.path())
        .args([
            "sweep",
            "--csv",
            "other.csv",
            "--out",
            "other.png",
            "--dim",
            "5",
            "--seeds",
            "3",
            "--epochs",
            "50",
        ])
        .assert()
        .success();
    std::fs::write(dir.path().join("bad.csv"), "run,target\n1,2\n").unwrap();
    let merge_refuses = |parts: &[&str], message: &str| {
        let mut all = vec!["sweep", "merge"];
        all.extend_from_slice(parts);
        common::refuses_in(dir.path(), &all, message);
    };
    merge_refuses(&["p1.csv"], "the parts hold 2 of the sweep's 3 runs (missing runs [1]");
    merge_refuses(&["p1.csv", "p1.csv", "p2.csv"], "run 0 appears twice");
    merge_refuses(&["p1.csv", "other.csv"], "other.csv is part of a different sweep from p1.csv");
    merge_refuses(&["bad.csv"], "bad.csv is not a hud sweep CSV");
    merge_refuses(&["missing.csv"], "cannot read missing.csv");
    merge_refuses(
        &["p1.csv", "p2.csv", "--csv", "m.png", "--out", "m.png"],
        "--csv and --out both name m.png",
    );
    hud()
        .current_dir(dir.path())
        .args(["sweep", "merge"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("required"));
}

#[test]
fn three_hidden_units_get_the_cubes_shape_as_hud_encoder_names_it() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .current_dir(dir.path())
        .args(["sweep", "--dim", "8", "--hid", "3", "--seeds", "9", "--compare", "0"])
        .assert()
        .success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    let shapes: Vec<String> = rows_of(&dir.path().join("sweep.csv"))
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(shapes.len(), 9);
    let line = stdout.lines().find(|l| l.contains("final hidden-unit shapes: ")).expect("a shapes line");
    let counted: usize = line
        .split(": ")
        .last()
        .unwrap()
        .split(", ")
        .map(|c| c.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, 9, "{line}");
    // The same verdict as `hud encoder` prints for the same seed.
    for seed in [0, 3, 8] {
        let output = hud()
            .current_dir(dir.path())
            .args(["encoder", "--dim", "8", "--hid", "3", "--seed", &seed.to_string(), "--print-every", "0"])
            .assert()
            .success();
        let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
        let verdict = format!("verdict: {}", shapes[seed]);
        assert!(stderr.contains(&verdict), "seed {seed}: {verdict}\n{stderr}");
    }
}

#[test]
fn diverged_runs_have_no_cube_shape() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .current_dir(dir.path())
        .args([
            "sweep",
            "--dim",
            "8",
            "--hid",
            "3",
            "--mom",
            "5",
            "--seeds",
            "2",
            "--epochs",
            "200",
            "--compare",
            "0",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(!stdout.contains("final hidden-unit shapes"), "{stdout}");
    for row in rows_of(&dir.path().join("sweep.csv")).lines().skip(1) {
        assert!(row.contains(",diverged,") && row.ends_with(",NaN,no,"), "{row}");
    }
}
