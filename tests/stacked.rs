//! Many runs trained at once ([`hud::engine::stacked`]) against the same runs trained one at a time:
//! bit for bit in the portable kernels (losses and accuracies of every epoch, stopping epochs, final
//! parameters), whatever else shares the batch.

mod common;

use hud::data::points::PointSet;
use hud::engine::deep::{self, Arch, DeepNet, Training};
use hud::engine::device::DeviceArg;
use hud::engine::nets::{Activation, NetKind};
use hud::labs::spirals::{self, stacked, Config};
use tch::{Device, Tensor};

fn config(net: NetKind, hid: i64, layers: i64, act: Activation, seed: u64, init: f64, lr: f64) -> Config {
    Config {
        net,
        hid,
        layers,
        act,
        init,
        lr,
        epochs: 302,
        data: "spirals".into(),
        seed,
        device: DeviceArg::Cpu,
    }
}

/// In a machine's own kernels stacked products may round otherwise than a lone run's: their first
/// epochs agree within rounding (chaotic long runs part later), to this much.
const NATIVE_TOLERANCE: f32 = 1e-4;
const NATIVE_EPOCHS: usize = 20;

/// The two series agree: the same bits in the portable kernels; else within rounding at first.
fn agree(a: &[f32], b: &[f32], exact: bool) -> Result<(), String> {
    if exact {
        return same_bits(a, b);
    }
    match a.iter().zip(b).take(NATIVE_EPOCHS).position(|(x, y)| (x - y).abs() > NATIVE_TOLERANCE) {
        Some(i) => Err(format!("differ by more than rounding at epoch {}: {} against {}", i + 1, a[i], b[i])),
        None => Ok(()),
    }
}

/// Whether two series are the same bits; else where they first differ, and how.
fn same_bits(a: &[f32], b: &[f32]) -> Result<(), String> {
    match a.iter().zip(b).position(|(x, y)| x.to_bits() != y.to_bits()) {
        Some(i) => Err(format!("first differ at epoch {}: {} against {}", i + 1, a[i], b[i])),
        None if a.len() != b.len() => Err(format!("{} epochs against {}", a.len(), b.len())),
        None => Ok(()),
    }
}

/// Every network, with seeds, inits and rates that differ within one batch; 301 epochs, so that the
/// runs that solve the spirals stop at a check and the rest at the last epoch.
#[test]
fn stacked_spirals_runs_equal_their_single_runs() {
    let exact = common::portable();
    let points = PointSet::twin_spirals();
    let shapes = [
        (NetKind::Raw, 6, 2, Activation::Tanh),
        (NetKind::Polar, 5, 2, Activation::Tanh),
        (NetKind::Short, 4, 2, Activation::Tanh),
        (NetKind::Mlp, 5, 3, Activation::Relu),
        (NetKind::Mlp, 4, 2, Activation::Selu),
        (NetKind::Mlp, 3, 1, Activation::Sigmoid),
    ];
    for (net, hid, layers, act) in shapes {
        let configs: Vec<Config> = [(0, 0.1, 0.01), (1, 0.3, 0.01), (2, 0.5, 0.03), (3, 1.5, 0.05)]
            .iter()
            .map(|&(seed, init, lr)| config(net, hid, layers, act, seed, init, lr))
            .collect();
        let stacked = stacked::train(&configs, &points, Device::Cpu, true, |_, _| {}).unwrap();
        for (config, batched) in configs.iter().zip(&stacked) {
            let what = format!("{config:?}");
            let single = match spirals::train(config, &points, Device::Cpu, |_, _, _| Ok(())) {
                Ok(run) => run,
                Err(e) => {
                    assert!(batched.diverged, "{what}: the single run failed ({e}), the stacked one did not");
                    continue;
                }
            };
            assert!(!batched.diverged, "{what}");
            if let Err(e) = agree(&batched.losses, &single.losses, exact) {
                panic!("{what}: losses {e}");
            }
            if !exact {
                continue;
            }
            assert_eq!(batched.epochs as usize, single.losses.len(), "{what}");
            assert_eq!(batched.solved(), single.solved(), "{what}");
            if let Err(e) = same_bits(&batched.accuracies, &single.accuracies) {
                panic!("{what}: accuracies {e}");
            }
            for (b, s) in batched.params.iter().zip(single.net.parameters()) {
                assert!(b.equal(&s.detach()), "{what}: parameters");
            }
        }
    }
}

/// A run's numbers do not depend on its neighbours: alone in a stack, or among others.
#[test]
fn a_stacked_run_does_not_depend_on_its_neighbours() {
    let exact = common::portable();
    let points = PointSet::twin_spirals();
    let one = config(NetKind::Raw, 5, 2, Activation::Tanh, 7, 0.3, 0.02);
    let alone = stacked::train(std::slice::from_ref(&one), &points, Device::Cpu, true, |_, _| {}).unwrap();
    let others = [config(NetKind::Raw, 5, 2, Activation::Tanh, 1, 0.1, 0.01), one.clone()];
    let among = stacked::train(&others, &points, Device::Cpu, true, |_, _| {}).unwrap();
    assert_eq!(agree(&alone[0].losses, &among[1].losses, exact), Ok(()));
    assert!(!exact || alone[0].params.iter().zip(&among[1].params).all(|(a, b)| a.equal(b)));
}

fn spirals_data() -> (Tensor, Tensor) {
    let points = PointSet::twin_spirals();
    (points.inputs.shallow_clone(), points.targets.shallow_clone())
}

/// Deep networks with every technique: the stacked runs stop where their single runs do, with the
/// same losses, accuracies and final parameters.
#[test]
fn stacked_deep_runs_equal_their_single_runs() {
    let exact = common::portable();
    let (input, target) = spirals_data();
    let training = Training { lr: 0.01, epochs: 60, measure_at: vec![], stop_at: Some(0.62) };
    for technique in [
        "sigmoid",
        "tanh",
        "relu+kaiming",
        "selu+lecun",
        "relu+kaiming+bn",
        "relu+kaiming+bn+residual",
        "tanh+bn+dense",
    ] {
        let arch = Arch::parse(technique, 4, 8).unwrap();
        let seeds = [0u64, 1, 2, 3, 4];
        let nets: Vec<DeepNet> =
            seeds.iter().map(|&s| DeepNet::new(arch, 2, 1, s, Device::Cpu).unwrap()).collect();
        let initial: Vec<Vec<Tensor>> = nets.iter().map(|n| n.parameters()).collect();
        let stacked = hud::engine::stacked::train_deep(
            &arch,
            &initial,
            &input,
            &target,
            &training,
            Device::Cpu,
            |_, _| {},
        )
        .unwrap();
        for (seed, batched) in seeds.iter().zip(&stacked) {
            let mut net = DeepNet::new(arch, 2, 1, *seed, Device::Cpu).unwrap();
            let single = deep::train(&mut net, &input, &target, &training, |_| {}).unwrap();
            let what = format!("{technique} seed {seed}");
            if let Err(e) = agree(&batched.run.losses, &single.losses, exact) {
                panic!("{what}: losses {e}");
            }
            if !exact {
                continue;
            }
            assert_eq!(batched.run.reached, single.reached, "{what}");
            assert_eq!(batched.run.diverged_at, single.diverged_at, "{what}");
            if let Err(e) = same_bits(&batched.run.accuracies, &single.accuracies) {
                panic!("{what}: accuracies {e}");
            }
            for (b, s) in batched.params.iter().zip(net.parameters()) {
                assert!(b.equal(&s.detach()), "{what}: parameters");
            }
        }
    }
}
