//! `hud symmetry`: the seed page's weight-space symmetry claims, as the command reports them and as
//! these tests compute them again on their own (with libtorch, from the trace's weights).

mod common;

use common::hud;
use hud::engine::model::{EncModel, Linear};
use hud::labs::encoder::{Config, Trace};
use hud::studies::symmetry::{tie_run, NUDGED, ONE_UNIT, TIED};
use tch::nn::Module;
use tch::{Device, Kind, Tensor};

/// The network of a trace, float32 on the CPU.
fn network(trace: &Trace) -> EncModel {
    EncModel { in_hid: trace.in_hid.to_linear(), hid_out: trace.hid_out.to_linear() }
}

/// `net` with hidden units `i` and `j` swapped (rows of in_hid, columns of hid_out).
fn swapped(net: &EncModel, i: i64, j: i64) -> EncModel {
    let hid = net.in_hid.bias.size()[0];
    let order: Vec<i64> = (0..hid)
        .map(|k| {
            if k == i {
                j
            } else if k == j {
                i
            } else {
                k
            }
        })
        .collect();
    let order = Tensor::from_slice(&order);
    EncModel {
        in_hid: Linear {
            weight: net.in_hid.weight.index_select(0, &order),
            bias: net.in_hid.bias.index_select(0, &order),
        },
        hid_out: Linear { weight: net.hid_out.weight.index_select(1, &order), bias: net.hid_out.bias.copy() },
    }
}

/// `net` with hidden unit `k`'s incoming weights, bias and outgoing weights negated.
fn flipped(net: &EncModel, k: i64) -> EncModel {
    let hid = net.in_hid.bias.size()[0];
    let signs: Vec<f32> = (0..hid).map(|u| if u == k { -1.0 } else { 1.0 }).collect();
    let signs = Tensor::from_slice(&signs);
    EncModel {
        in_hid: Linear { weight: &net.in_hid.weight * signs.unsqueeze(1), bias: &net.in_hid.bias * &signs },
        hid_out: Linear { weight: &net.hid_out.weight * signs.unsqueeze(0), bias: net.hid_out.bias.copy() },
    }
}

fn outputs(net: &EncModel) -> Tensor {
    let items = net.in_hid.weight.size()[1];
    tch::no_grad(|| net.forward(&Tensor::eye(items, (Kind::Float, Device::Cpu))))
}

fn largest_difference(a: &EncModel, b: &EncModel) -> f32 {
    f32::try_from((outputs(a) - outputs(b)).abs().max()).unwrap()
}

/// The number after `prefix` on the line that starts (after spaces) with it: `0` or `1.7881393e-7`.
fn reported(stdout: &str, prefix: &str) -> (f32, String) {
    let line = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix}: {stdout}"));
    let rest = &line[prefix.len()..];
    let number = rest.split_whitespace().next().unwrap().trim_end_matches(':');
    (number.parse().unwrap_or_else(|_| panic!("{number} in {line}")), rest.to_string())
}

#[test]
fn the_claims_hold_as_reported_and_as_computed_again() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    // A 6-2-6 encoder, trained as hud encoder trains it (it stops at epoch 1965 of at most 3000).
    hud()
        .current_dir(dir.path())
        .args(["encoder", "--dim", "6", "--seed", "1", "--epochs", "3000", "--print-every", "0"])
        .args(["--trace", "run.json", "--out", "run.png"])
        .assert()
        .success();
    let output = hud()
        .current_dir(dir.path())
        .args(["symmetry", "--trace", "run.json", "--out", "symmetry.png"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let trace: Trace =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run.json")).unwrap()).unwrap();
    let net = network(&trace);
    assert!(stdout.starts_with("network: 6-2-6 encoder, seed 1, "), "{stdout}");

    // 1. The swap's difference is exactly the one computed here; either 0 or rounding, never more.
    let (swap, verdict) = reported(&stdout, "swap units 1 and 2: largest output difference ");
    let ours = largest_difference(&net, &swapped(&net, 0, 1));
    assert_eq!(swap.to_bits(), ours.to_bits(), "{stdout}");
    if ours == 0.0 {
        assert!(verdict.contains("(bit for bit)"), "{verdict}");
    } else {
        assert!(verdict.contains("rounding (float64: 0)") && ours < 1e-5, "{verdict}");
        assert!(stdout.contains("adds the hidden units' contributions in another order"), "{stdout}");
    }

    // 2. Reversing a tanh unit's signs changes nothing, bit for bit.
    for k in 0..2 {
        assert!(outputs(&net).equal(&outputs(&flipped(&net, k))), "unit {k}");
        let (flip, verdict) = reported(&stdout, &format!("flip unit {}: largest output difference ", k + 1));
        assert_eq!((flip, verdict.as_str()), (0.0, "0 (bit for bit)"));
        // With sigmoid hidden units: a different function, until the output biases are adjusted.
        let (unadjusted, verdict) = reported(
            &stdout,
            &format!("flip sigmoid unit {}, biases as they were: largest output difference ", k + 1),
        );
        assert!(unadjusted > 0.01 && verdict.contains("a different function"), "{verdict}");
        let (adjusted, verdict) = reported(
            &stdout,
            &format!("flip sigmoid unit {}, biases adjusted:     largest output difference ", k + 1),
        );
        assert!(
            adjusted < 1e-5 && (verdict.contains("rounding") || verdict == "0 (bit for bit)"),
            "{verdict}"
        );
    }

    // 3. Tied units stay tied, bit for bit, through every epoch; nudged ones specialise and learn.
    assert!(
        stdout.contains("units 1 and 2 were identical, bit for bit, after every one of 3000 epochs (largest difference at the end: 0)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("loss 0.02 not reached") || stdout.contains("(--stop 0.02 not reached)"),
        "{stdout}"
    );
    let (start, _) = reported(&stdout, "epoch      0: loss          units 1 and 2 differ by at most ");
    assert!((start - 1e-6).abs() < 1e-8, "{start}");
    let nudged_end = stdout.lines().rfind(|l| l.contains("units 1 and 2 differ by at most")).unwrap();
    let end: f64 =
        nudged_end.split("at most ").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!(end > 1.0, "{nudged_end}");
    assert!(stdout.contains("reached loss 0.0200 (--stop 0.02) at epoch"), "{stdout}");

    // The picture: its size, and the three runs' colours.
    let picture = image::open(dir.path().join("symmetry.png")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), hud::studies::symmetry::SIZE);
    for colour in [TIED, NUDGED, ONE_UNIT] {
        let count = picture.pixels().filter(|p| p.0 == [colour.0, colour.1, colour.2]).count();
        assert!(count > 300, "{count} pixels of {colour:?}");
    }
    assert_eq!(common::files_in(dir.path()), ["run.json", "run.png", "symmetry.png"]);
}

#[test]
fn tied_units_stay_identical_at_every_epoch_and_nudged_ones_separate() {
    common::portable();
    let config = Config {
        target: "input".into(),
        dim: 8,
        hid: 3,
        epochs: 1500,
        stop: 0.02,
        lr: 0.4,
        mom: 0.9,
        init: 0.001,
        seed: 4,
        device: hud::engine::device::DeviceArg::Cpu,
    };
    let target = config.target().unwrap();
    let tied = tie_run(&config, &target, None).unwrap();
    assert_eq!(tied.first_split, None);
    assert_eq!(tied.largest.len(), tied.losses.len() + 1);
    assert!(tied.largest.iter().chain(&tied.distance).all(|&d| d == 0.0));
    let nudged = tie_run(&config, &target, Some(1e-6)).unwrap();
    assert_eq!(nudged.first_split, Some(0));
    assert!((nudged.largest[0] - 1e-6).abs() < 1e-9, "{}", nudged.largest[0]);
    assert!(*nudged.largest.last().unwrap() > 0.1, "{:?}", nudged.largest.last());
}

#[test]
fn bad_input_is_refused_and_leaves_nothing() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("not-a-trace.json"), "{\"hello\": 1}").unwrap();
    let refuses = |args: &[&str], message: &str| {
        let mut all = vec!["symmetry"];
        all.extend_from_slice(args);
        common::refuses_in(dir.path(), &all, message);
    };
    refuses(&["--hid", "1"], "needs at least 2 hidden units");
    refuses(&["--noise", "0"], "--noise must be a finite number other than 0");
    refuses(&["--noise", "nan"], "--noise must be a finite number other than 0");
    refuses(&["--out", "symmetry.jpg"], "must end in .png or .svg");
    refuses(&["--out", "no/such/folder/symmetry.png"], "cannot write");
    refuses(&["--trace", "missing.json"], "cannot read missing.json");
    refuses(
        &["--trace", "not-a-trace.json"],
        "not-a-trace.json is not a trace written by hud encoder --trace",
    );
    refuses(&["--trace", "not-a-trace.json", "--hid", "3"], "cannot be used with");
    refuses(&["--target", "nosuch"], "unknown target 'nosuch'");
    refuses(&["--lr", "-1"], "--lr must be a finite number >= 0");
}
