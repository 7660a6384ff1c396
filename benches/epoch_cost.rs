//! Where an epoch of `hud encoder` spends its time: each phase of the training loop, timed over many
//! epochs of the seed's 9-2-9 run (seed 0), against the same arithmetic in plain Rust.
//!
//!     cargo bench --bench epoch_cost
use hud::encoder::Config;
use hud::model::EncModel;
use std::time::{Duration, Instant};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Reduction, Tensor};

fn main() {
    let epochs = 15_000u32;
    let config = Config {
        target: "input".into(),
        dim: 9,
        hid: 2,
        epochs: epochs.into(),
        stop: 0.0,
        lr: 0.4,
        mom: 0.9,
        init: 0.001,
        seed: 0,
        device: hud::device::DeviceArg::Cpu,
    };
    let target = config.target().unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let mut net = hud::model::seeded(0, || EncModel::new(&vs.root(), 9, 2, 9));
    net.init_weights(config.init);
    let (input, target) = (target.inputs(), target.tensor());
    let mut opt = nn::Sgd { momentum: config.mom, ..Default::default() }.build(&vs, config.lr).unwrap();
    let names = ["zero_grad", "forward", "loss", "backward", "step", "item"];
    let mut spent = [Duration::ZERO; 6];
    let start = Instant::now();
    for _ in 0..epochs {
        let mut t = Instant::now();
        let mut lap = |i: usize, t: &mut Instant| {
            let now = Instant::now();
            spent[i] += now - *t;
            *t = now;
        };
        opt.zero_grad();
        lap(0, &mut t);
        let output = net.forward(&input);
        lap(1, &mut t);
        let loss = output.binary_cross_entropy(&target, None::<Tensor>, Reduction::Mean);
        lap(2, &mut t);
        loss.backward();
        lap(3, &mut t);
        opt.step();
        lap(4, &mut t);
        let _ = f32::try_from(&loss).unwrap();
        lap(5, &mut t);
    }
    let total = start.elapsed();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(epochs);
    println!("libtorch, per epoch of the 9-2-9 encoder ({epochs} epochs):");
    for (name, d) in names.iter().zip(spent) {
        println!("  {name:<10} {:7.2} us", per(d));
    }
    println!("  {:<10} {:7.2} us", "total", per(total));

    let start = Instant::now();
    let mut plain = PlainEncoder::new(9, 2);
    for _ in 0..epochs {
        plain.epoch(0.4, 0.9);
    }
    println!(
        "plain Rust f32, the same arithmetic: {:7.3} us per epoch (final loss {:.4})",
        per(start.elapsed()),
        plain.last_loss
    );
}

/// The encoder's epoch written out in scalars (forward, BCE, backward, SGD with momentum): what the
/// arithmetic alone costs.
struct PlainEncoder {
    n: usize,
    k: usize,
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
    bufs: Vec<Vec<f32>>,
    last_loss: f32,
}

impl PlainEncoder {
    fn new(n: usize, k: usize) -> Self {
        let init = |len: usize, s: f32| (0..len).map(|i| ((i as f32 * 1.7).sin()) * s).collect::<Vec<_>>();
        PlainEncoder {
            n,
            k,
            w1: init(n * k, 0.001),
            b1: vec![0.0; k],
            w2: init(n * k, 0.001),
            b2: vec![0.0; n],
            bufs: vec![vec![0.0; n * k], vec![0.0; k], vec![0.0; n * k], vec![0.0; n]],
            last_loss: 0.0,
        }
    }

    fn epoch(&mut self, lr: f32, mom: f32) {
        let (n, k) = (self.n, self.k);
        let mut g = [vec![0.0f32; n * k], vec![0.0; k], vec![0.0; n * k], vec![0.0; n]];
        let mut loss = 0.0;
        for item in 0..n {
            // One-hot input `item`: hidden = tanh(W1[:, item] + b1).
            let h: Vec<f32> = (0..k).map(|j| (self.w1[j * n + item] + self.b1[j]).tanh()).collect();
            let mut gh = vec![0.0f32; k];
            for o in 0..n {
                let z: f32 = self.b2[o] + (0..k).map(|j| self.w2[o * k + j] * h[j]).sum::<f32>();
                let y = 1.0 / (1.0 + (-z).exp());
                let t = if o == item { 1.0 } else { 0.0 };
                loss -= t * y.ln().max(-100.0) + (1.0 - t) * (1.0 - y).ln().max(-100.0);
                let gz = (y - t) / (n * n) as f32;
                g[3][o] += gz;
                for j in 0..k {
                    g[2][o * k + j] += gz * h[j];
                    gh[j] += gz * self.w2[o * k + j];
                }
            }
            for j in 0..k {
                let gp = gh[j] * (1.0 - h[j] * h[j]);
                g[0][j * n + item] += gp;
                g[1][j] += gp;
            }
        }
        for (p, (grad, buf)) in [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2]
            .into_iter()
            .zip(g.iter().zip(&mut self.bufs))
        {
            for i in 0..p.len() {
                buf[i] = buf[i] * mom + grad[i];
                p[i] -= lr * buf[i];
            }
        }
        self.last_loss = loss / (n * n) as f32;
    }
}
