//! Where an epoch of `hud encoder` spends its time: each phase of the training loop, timed over many
//! epochs of the seed's 9-2-9 run (seed 0), for hud's loop and for the straightforward tch port
//! (autograd and libtorch's C++ SGD), against the same arithmetic in plain Rust.
//!
//!     cargo bench --bench epoch_cost
use hud::engine::model::{seeded, EncModel};
use hud::engine::optim::Sgd;
use std::time::{Duration, Instant};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};

const EPOCHS: u32 = 15_000;

/// Accumulates the time between successive laps under each phase's name.
struct Phases {
    names: Vec<&'static str>,
    spent: Vec<Duration>,
    last: Instant,
}

impl Phases {
    fn new(names: &[&'static str]) -> Self {
        Phases { names: names.to_vec(), spent: vec![Duration::ZERO; names.len()], last: Instant::now() }
    }

    fn start(&mut self) {
        self.last = Instant::now();
    }

    fn lap(&mut self, phase: usize) {
        let now = Instant::now();
        self.spent[phase] += now - self.last;
        self.last = now;
    }

    fn print(&self, title: &str) {
        let per_epoch = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(EPOCHS);
        println!("{title}, microseconds per epoch:");
        for (name, &spent) in self.names.iter().zip(&self.spent) {
            println!("  {name:<28} {:7.2}", per_epoch(spent));
        }
        println!("  {:<28} {:7.2}", "total", per_epoch(self.spent.iter().sum()));
    }
}

fn encoder() -> (nn::VarStore, EncModel, Tensor, Tensor) {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = seeded(0, || {
        let mut net = EncModel::new(&vs.root(), 9, 2, 9);
        net.init_weights(0.001);
        net
    });
    let input = Tensor::eye(9, (Kind::Float, Device::Cpu));
    let target = input.copy();
    (vs, net, input, target)
}

fn main() {
    let (_vs, net, input, target) = encoder();
    let mut params = net.parameters();
    let mut sgd = Sgd::new(0.4, 0.9);
    let mut phases =
        Phases::new(&["forward + explicit backward", "SGD step (12 in-place ops)", "loss.item()"]);
    for _ in 0..EPOCHS {
        phases.start();
        let (loss, grads) = net.loss_and_gradients(&input, &target).unwrap();
        phases.lap(0);
        sgd.step(&mut params, &grads).unwrap();
        phases.lap(1);
        let _ = f32::try_from(&loss).unwrap();
        phases.lap(2);
    }
    phases.print("hud's loop (explicit backward, Python's SGD op for op)");

    let (vs, net, input, target) = encoder();
    let mut opt = nn::Sgd { momentum: 0.9, ..Default::default() }.build(&vs, 0.4).unwrap();
    let mut phases = Phases::new(&[
        "zero_grad",
        "forward",
        "loss",
        "loss.backward() (autograd)",
        "step (C++ SGD)",
        "loss.item()",
    ]);
    for _ in 0..EPOCHS {
        phases.start();
        opt.zero_grad();
        phases.lap(0);
        let output = net.forward(&input);
        phases.lap(1);
        let loss = output.binary_cross_entropy(&target, None::<Tensor>, Reduction::Mean);
        phases.lap(2);
        loss.backward();
        phases.lap(3);
        opt.step();
        phases.lap(4);
        let _ = f32::try_from(&loss).unwrap();
        phases.lap(5);
    }
    phases.print("the straightforward tch port (autograd, libtorch's C++ SGD)");

    let start = Instant::now();
    let mut plain = PlainEncoder::new(9, 2);
    for _ in 0..EPOCHS {
        plain.epoch(0.4, 0.9);
    }
    let per_epoch = start.elapsed().as_secs_f64() * 1e6 / f64::from(EPOCHS);
    println!(
        "the same arithmetic in plain Rust f32: {per_epoch:.2} microseconds per epoch (loss {:.4})",
        plain.last_loss
    );
}

/// The encoder's epoch written out in scalars (forward, BCE, backward, SGD with momentum): what the
/// arithmetic alone costs, without libtorch's dispatch and allocations.
struct PlainEncoder {
    n: usize,
    k: usize,
    params: [Vec<f32>; 4],
    buffers: [Vec<f32>; 4],
    last_loss: f32,
}

impl PlainEncoder {
    fn new(n: usize, k: usize) -> Self {
        let init = |len: usize, s: f32| (0..len).map(|i| (i as f32 * 1.7).sin() * s).collect::<Vec<_>>();
        let sizes = [n * k, k, n * k, n];
        PlainEncoder {
            n,
            k,
            params: [init(n * k, 0.001), vec![0.0; k], init(n * k, 0.001), vec![0.0; n]],
            buffers: sizes.map(|len| vec![0.0; len]),
            last_loss: 0.0,
        }
    }

    fn epoch(&mut self, lr: f32, mom: f32) {
        let (n, k) = (self.n, self.k);
        let [w1, b1, w2, b2] = &self.params;
        let mut grads = [vec![0.0f32; n * k], vec![0.0; k], vec![0.0; n * k], vec![0.0; n]];
        let mut loss = 0.0;
        for item in 0..n {
            // One-hot input `item`: hidden = tanh(W1[:, item] + b1).
            let h: Vec<f32> = (0..k).map(|j| (w1[j * n + item] + b1[j]).tanh()).collect();
            let mut grad_h = vec![0.0f32; k];
            for o in 0..n {
                let z: f32 = b2[o] + (0..k).map(|j| w2[o * k + j] * h[j]).sum::<f32>();
                let y = 1.0 / (1.0 + (-z).exp());
                let t = if o == item { 1.0 } else { 0.0 };
                loss -= t * y.ln().max(-100.0) + (1.0 - t) * (1.0 - y).ln().max(-100.0);
                let grad_z = (y - t) / (n * n) as f32;
                grads[3][o] += grad_z;
                for j in 0..k {
                    grads[2][o * k + j] += grad_z * h[j];
                    grad_h[j] += grad_z * w2[o * k + j];
                }
            }
            for j in 0..k {
                let grad_pre = grad_h[j] * (1.0 - h[j] * h[j]);
                grads[0][j * n + item] += grad_pre;
                grads[1][j] += grad_pre;
            }
        }
        for ((param, grad), buffer) in self.params.iter_mut().zip(&grads).zip(&mut self.buffers) {
            for i in 0..param.len() {
                buffer[i] = buffer[i] * mom + grad[i];
                param[i] -= lr * buffer[i];
            }
        }
        self.last_loss = loss / (n * n) as f32;
    }
}
