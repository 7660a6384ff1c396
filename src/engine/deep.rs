//! Deep fully connected networks for `hud depth`, built as `fixtures/depth_reference.py` builds them in
//! PyTorch, so that a seed gives the same weights and every gradient is PyTorch's, bit for bit on CPU.
//!
//! The network: `depth` hidden layers of `width` units, each `Linear`, then (with batch norm)
//! `BatchNorm1d` in training mode, then the activation; a `Linear` output layer and a sigmoid,
//! trained on the mean binary cross-entropy. With `Skip::Residual`, hidden layers after the first add
//! their activation to their input (`h = h + act(bn(linear(h)))`, an identity skip); with
//! `Skip::Dense`, every hidden layer after the first and the output layer read the concatenation of
//! all earlier hidden layers' activations (DenseNet's connections, without its blocks).
//!
//! The draws, after `torch.manual_seed(seed)`: every `nn.Linear` in layer order (hidden layers, then
//! the output), each its weight then its bias as `reset_parameters` draws them ([`Linear::new`]);
//! then, unless the init is PyTorch's default, every Linear's weight again in the same order
//! (`xavier_uniform_`, `kaiming_normal_(nonlinearity='relu')`, or LeCun's
//! `kaiming_normal_(nonlinearity='linear')`) and its bias zeroed. Built on the CPU, then moved.

use crate::engine::model::{mean_bce, seeded, Linear, NanOutputs};
use crate::engine::optim::Adam;
use anyhow::{bail, ensure, Result};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// The most hidden layers a network may have.
pub const MAX_DEPTH: usize = 200;

/// A hidden layer's activation function: the one `hud spirals --net mlp` uses too.
pub use crate::engine::nets::Activation as Act;

/// How the Linear layers' weights start.
#[derive(clap::ValueEnum, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// torch.nn.Linear's own: kaiming_uniform_(a=sqrt(5)), so U(+-1/sqrt(fan_in)), bias too
    Pytorch,
    /// Glorot & Bengio's uniform: U(+-sqrt(6/(fan_in+fan_out))), bias 0
    Xavier,
    /// He et al.'s normal for ReLU: N(0, 2/fan_in), bias 0
    Kaiming,
    /// LeCun's normal (for SELU): N(0, 1/fan_in), bias 0
    Lecun,
}

impl Init {
    pub fn name(self) -> &'static str {
        match self {
            Init::Pytorch => "pytorch",
            Init::Xavier => "xavier",
            Init::Kaiming => "kaiming",
            Init::Lecun => "lecun",
        }
    }
}

/// Connections that skip layers.
#[derive(clap::ValueEnum, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "lowercase")]
pub enum Skip {
    #[default]
    None,
    /// h = h + act(bn(linear(h))) after the first hidden layer
    Residual,
    /// each layer reads all earlier hidden layers' activations, concatenated
    Dense,
}

impl Skip {
    pub fn name(self) -> &'static str {
        match self {
            Skip::None => "none",
            Skip::Residual => "residual",
            Skip::Dense => "dense",
        }
    }
}

/// A network's shape and the techniques it uses.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arch {
    pub depth: usize,
    pub width: i64,
    pub act: Act,
    pub init: Init,
    pub batchnorm: bool,
    pub skip: Skip,
}

impl Arch {
    /// `relu+kaiming+bn+residual`: the activation, then what differs from the defaults.
    pub fn technique(&self) -> String {
        let mut name = self.act.name().to_string();
        if self.init != Init::Pytorch {
            name = format!("{name}+{}", self.init.name());
        }
        if self.batchnorm {
            name.push_str("+bn");
        }
        if self.skip != Skip::None {
            name = format!("{name}+{}", self.skip.name());
        }
        name
    }

    /// Parses a technique name as [`Arch::technique`] writes it (any order after the activation;
    /// `batchnorm` for `bn` too), with this depth and width.
    pub fn parse(technique: &str, depth: usize, width: i64) -> Result<Self> {
        let mut parts = technique.trim().split('+').map(str::trim);
        let act = match parts.next().unwrap_or("") {
            "sigmoid" => Act::Sigmoid,
            "tanh" => Act::Tanh,
            "relu" => Act::Relu,
            "selu" => Act::Selu,
            other => bail!(
                "technique '{technique}': unknown activation '{other}' (sigmoid, tanh, relu or selu, then \
                 +kaiming, +xavier, +lecun, +bn, +residual or +dense)"
            ),
        };
        let mut arch = Arch { depth, width, act, init: Init::Pytorch, batchnorm: false, skip: Skip::None };
        let (mut inits, mut skips, mut norms) = (0, 0, 0);
        for part in parts {
            // One of each kind: `relu+kaiming+xavier` or `relu+dense+residual` names two at once.
            match part {
                "pytorch" | "xavier" | "kaiming" | "lecun" => inits += 1,
                "residual" | "dense" => skips += 1,
                "bn" | "batchnorm" => norms += 1,
                _ => {}
            }
            ensure!(
                inits <= 1 && skips <= 1 && norms <= 1,
                "technique '{technique}' names two {} at once",
                if inits > 1 {
                    "initialisations"
                } else if skips > 1 {
                    "kinds of skip connection"
                } else {
                    "batch norms"
                }
            );
            match part {
                "pytorch" => arch.init = Init::Pytorch,
                "xavier" => arch.init = Init::Xavier,
                "kaiming" => arch.init = Init::Kaiming,
                "lecun" => arch.init = Init::Lecun,
                "bn" | "batchnorm" => arch.batchnorm = true,
                "residual" => arch.skip = Skip::Residual,
                "dense" => arch.skip = Skip::Dense,
                other => bail!(
                    "technique '{technique}': unknown part '{other}' (pytorch, xavier, kaiming, lecun, bn, \
                     residual or dense)"
                ),
            }
        }
        Ok(arch)
    }

    /// Refuses depths outside 1..=200 and a width of 0.
    pub fn check(&self) -> Result<()> {
        if !(1..=MAX_DEPTH).contains(&self.depth) {
            bail!("depth {} is out of range: 1 to {MAX_DEPTH} hidden layers", self.depth);
        }
        if !(1..=4096).contains(&self.width) {
            bail!("width {} is out of range: 1 to 4096 units", self.width);
        }
        Ok(())
    }
}

/// `torch.nn.BatchNorm1d(width)` in training mode: weight 1, bias 0, running statistics.
#[derive(Debug)]
pub struct BatchNorm {
    pub weight: Tensor,
    pub bias: Tensor,
    pub running_mean: Tensor,
    pub running_var: Tensor,
}

impl BatchNorm {
    fn new(width: i64) -> Self {
        let opts = (Kind::Float, Device::Cpu);
        BatchNorm {
            weight: Tensor::ones([width], opts),
            bias: Tensor::zeros([width], opts),
            running_mean: Tensor::zeros([width], opts),
            running_var: Tensor::ones([width], opts),
        }
    }

    /// `F.batch_norm(z, running_mean, running_var, weight, bias, training=True, momentum=0.1, eps=1e-5)`.
    fn forward(&self, z: &Tensor) -> Tensor {
        z.batch_norm(
            Some(&self.weight),
            Some(&self.bias),
            Some(&self.running_mean),
            Some(&self.running_var),
            true,
            0.1,
            1e-5,
            true,
        )
    }
}

/// A deep network (see the module's notes).
#[derive(Debug)]
pub struct DeepNet {
    pub arch: Arch,
    pub hidden: Vec<Linear>,
    pub norms: Vec<BatchNorm>,
    pub output: Linear,
}

/// One forward pass: the output and every layer's activations (hidden layers, then the output's
/// sigmoid, which is the output).
pub struct Forward {
    pub output: Tensor,
    pub acts: Vec<Tensor>,
}

impl DeepNet {
    /// Draws the network after `torch.manual_seed(seed)` on the CPU, then moves it to `device`.
    pub fn new(arch: Arch, inputs: i64, outputs: i64, seed: u64, device: Device) -> Result<Self> {
        arch.check()?;
        let width = arch.width;
        let vs = nn::VarStore::new(Device::Cpu);
        let (hidden, output) = seeded(seed, || {
            let hidden: Vec<Linear> = (0..arch.depth)
                .map(|i| {
                    let fan_in = match (i, arch.skip) {
                        (0, _) => inputs,
                        (_, Skip::Dense) => width * i as i64,
                        _ => width,
                    };
                    Linear::new(vs.root() / format!("hidden{i}"), fan_in, width)
                })
                .collect();
            let fan_in = if arch.skip == Skip::Dense { width * arch.depth as i64 } else { width };
            let output = Linear::new(vs.root() / "output", fan_in, outputs);
            tch::no_grad(|| {
                for layer in hidden.iter().chain([&output]) {
                    reinitialise(layer, arch.init);
                }
            });
            (hidden, output)
        });
        let norms =
            if arch.batchnorm { (0..arch.depth).map(|_| BatchNorm::new(width)).collect() } else { vec![] };
        let leaf = |t: &Tensor| t.to_device(device).detach().set_requires_grad(true);
        let moved = |l: &Linear| Linear { weight: leaf(&l.weight), bias: leaf(&l.bias) };
        Ok(DeepNet {
            arch,
            hidden: hidden.iter().map(moved).collect(),
            norms: norms
                .iter()
                .map(|n| BatchNorm {
                    weight: leaf(&n.weight),
                    bias: leaf(&n.bias),
                    running_mean: n.running_mean.to_device(device),
                    running_var: n.running_var.to_device(device),
                })
                .collect(),
            output: moved(&output),
        })
    }

    /// The trainable parameters, as `net.parameters()` lists them: hidden Linears (weight, bias),
    /// batch norms (weight, bias), the output Linear.
    pub fn parameters(&self) -> Vec<Tensor> {
        let linears = self.hidden.iter().flat_map(|l| [&l.weight, &l.bias]);
        let norms = self.norms.iter().flat_map(|n| [&n.weight, &n.bias]);
        let output = [&self.output.weight, &self.output.bias];
        linears.chain(norms).chain(output).map(Tensor::shallow_clone).collect()
    }

    /// Each Linear layer's weight, hidden layers then the output.
    pub fn weights(&self) -> Vec<Tensor> {
        self.hidden.iter().chain([&self.output]).map(|l| l.weight.shallow_clone()).collect()
    }

    pub fn forward(&self, input: &Tensor) -> Forward {
        let linears: Vec<&Linear> = self.hidden.iter().chain([&self.output]).collect();
        forward_with(&self.arch, input, |i, x| linears[i].forward(x), |i, z| self.norms[i].forward(z))
    }
}

/// The forward pass of a network of this architecture, its `i`-th Linear layer (the output layer
/// last, at `arch.depth`) applied by `linear(i, x)` and its `i`-th batch norm by `norm(i, z)`: one
/// network (`input` `[n, inputs]`, [`DeepNet::forward`]) or many stacked (`[runs, n, inputs]`,
/// [`crate::engine::stacked`]), with the same operations on the last dimension.
pub fn forward_with(
    arch: &Arch,
    input: &Tensor,
    linear: impl Fn(usize, &Tensor) -> Tensor,
    norm: impl Fn(usize, &Tensor) -> Tensor,
) -> Forward {
    let mut acts: Vec<Tensor> = Vec::with_capacity(arch.depth + 1);
    let mut h = input.shallow_clone();
    for i in 0..arch.depth {
        let z = match arch.skip {
            Skip::Dense if i > 0 => linear(i, &Tensor::cat(&acts, -1)),
            _ => linear(i, &h),
        };
        let z = if arch.batchnorm { norm(i, &z) } else { z };
        let a = arch.act.apply(&z);
        h = match arch.skip {
            Skip::Residual if i > 0 => &h + &a,
            _ => a.shallow_clone(),
        };
        acts.push(a);
    }
    let last = match arch.skip {
        Skip::Dense => Tensor::cat(&acts, -1),
        _ => h,
    };
    let output = linear(arch.depth, &last).sigmoid();
    acts.push(output.shallow_clone());
    Forward { output, acts }
}

/// Draws `layer`'s weight again by `init` (its bias zeroed), as torch.nn.init does, in Python floats.
fn reinitialise(layer: &Linear, init: Init) {
    let size = layer.weight.size();
    let (fan_out, fan_in) = (size[0] as f64, size[1] as f64);
    let mut weight = layer.weight.shallow_clone();
    match init {
        Init::Pytorch => return,
        Init::Xavier => {
            let std = 1.0 * (2.0 / (fan_in + fan_out)).sqrt();
            let a = 3f64.sqrt() * std;
            let _ = weight.uniform_(-a, a);
        }
        Init::Kaiming => {
            let _ = weight.normal_(0.0, 2f64.sqrt() / fan_in.sqrt());
        }
        Init::Lecun => {
            let _ = weight.normal_(0.0, 1.0 / fan_in.sqrt());
        }
    }
    let _ = layer.bias.shallow_clone().zero_();
}

/// An f32 written as its f64 widening and read as an f64 rounded to f32, as `.item()`'s Python float
/// is: serde's own f32 parsing rounds the shortest decimal of an f64 straight to f32, which differs
/// when the f64 (a float64 mean, say) lies exactly halfway between two f32s.
mod via_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        Ok(f64::deserialize(d)? as f32)
    }
}

/// What one layer looked like in one forward and backward pass.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct LayerStats {
    /// `w.grad.double().norm()`, `.mean()`, `.std()` of the layer's weight (rounded to float32)
    #[serde(with = "via_f64")]
    pub weight_grad_norm: f32,
    #[serde(with = "via_f64")]
    pub weight_grad_mean: f32,
    #[serde(with = "via_f64")]
    pub weight_grad_std: f32,
    /// the same of the loss's gradient with respect to the layer's activations
    #[serde(with = "via_f64")]
    pub back_grad_norm: f32,
    #[serde(with = "via_f64")]
    pub back_grad_mean: f32,
    #[serde(with = "via_f64")]
    pub back_grad_std: f32,
    #[serde(with = "via_f64")]
    pub act_mean: f32,
    #[serde(with = "via_f64")]
    pub act_std: f32,
    /// the share of saturated units over the batch (see [`Act::saturated`])
    #[serde(with = "via_f64")]
    pub saturated: f32,
}

impl LayerStats {
    pub fn values(&self) -> [f32; 9] {
        [
            self.weight_grad_norm,
            self.weight_grad_mean,
            self.weight_grad_std,
            self.back_grad_norm,
            self.back_grad_mean,
            self.back_grad_std,
            self.act_mean,
            self.act_std,
            self.saturated,
        ]
    }
}

/// A float64 scalar rounded to float32, as Python's `.item()` written to JSON and read back as f32.
fn double_scalar(t: Tensor) -> f32 {
    t.to_device(Device::Cpu).double_value(&[]) as f32
}

fn scalar(t: Tensor) -> f32 {
    f32::try_from(t.to_device(Device::Cpu)).expect("a float scalar")
}

/// Per-layer statistics of one pass, from the activations and the gradients of the weights and of
/// the activations.
fn layer_stats(
    net: &DeepNet,
    pass: &Forward,
    weight_grads: &[Tensor],
    act_grads: &[Tensor],
) -> Vec<LayerStats> {
    let _no_grad = tch::no_grad_guard();
    (0..pass.acts.len())
        .map(|l| {
            // Python's .grad is laid out as its tensor (retain_grad clones, AccumulateGrad obeys the
            // parameter's layout); a captured gradient may be a strided view (a slice of cat's
            // gradient), which a norm would sum in another order.
            // In float64: a float32 norm squares its elements, and the squares of the deep layers'
            // gradients (1e-24 and less) underflow to 0 although the gradients do not.
            let double = |g: &Tensor| g.contiguous().to_kind(Kind::Double);
            let (wg, ag, a) = (double(&weight_grads[l]), double(&act_grads[l]), &pass.acts[l]);
            let act = if l < net.arch.depth { net.arch.act } else { Act::Sigmoid };
            LayerStats {
                weight_grad_norm: double_scalar(wg.norm()),
                weight_grad_mean: double_scalar(wg.mean(None)),
                weight_grad_std: double_scalar(wg.std(true)),
                back_grad_norm: double_scalar(ag.norm()),
                back_grad_mean: double_scalar(ag.mean(None)),
                back_grad_std: double_scalar(ag.std(true)),
                act_mean: scalar(a.mean(None)),
                act_std: scalar(a.std(true)),
                saturated: scalar(act.saturated(a).to_kind(Kind::Float).mean(None)),
            }
        })
        .collect()
}

/// How many bins the activation histograms have.
pub const HISTOGRAM_BINS: i64 = 40;

fn histograms(net: &DeepNet, pass: &Forward) -> Vec<Vec<f32>> {
    let _no_grad = tch::no_grad_guard();
    pass.acts
        .iter()
        .enumerate()
        .map(|(l, a)| {
            let act = if l < net.arch.depth { net.arch.act } else { Act::Sigmoid };
            let (lo, hi) = act.range();
            let values = Vec::<f32>::try_from(a.to_device(Device::Cpu).reshape([-1])).expect("floats");
            let bins = HISTOGRAM_BINS as usize;
            let mut counts = vec![0f32; bins];
            for v in &values {
                let at = ((f64::from(*v) - lo) / (hi - lo) * bins as f64).floor();
                counts[at.clamp(0.0, bins as f64 - 1.0) as usize] += 1.0;
            }
            counts.iter().map(|c| c / values.len() as f32).collect()
        })
        .collect()
}

/// How to train: Adam (PyTorch's defaults but the rate) on the full batch.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Training {
    pub lr: f64,
    pub epochs: usize,
    /// Epochs (0 = at initialisation) whose pass is measured layer by layer.
    pub measure_at: Vec<usize>,
    /// Stop once the accuracy reaches this share.
    pub stop_at: Option<f64>,
}

/// A run: loss and accuracy at every epoch's forward pass (epoch e after e updates), the
/// measurements, and the first epoch that reached `stop_at`.
#[derive(Debug, Default)]
pub struct Run {
    pub losses: Vec<f32>,
    pub accuracies: Vec<f32>,
    pub measurements: Vec<(usize, Vec<LayerStats>)>,
    /// For each measurement, each layer's activations as shares of units in [`HISTOGRAM_BINS`]
    /// bins over the activation's [`Act::range`] (values outside it counted in the end bins).
    pub histograms: Vec<Vec<Vec<f32>>>,
    pub reached: Option<usize>,
    /// The epoch whose outputs became NaN, if any (training stops there).
    pub diverged_at: Option<usize>,
}

/// Trains `net` on `(input, target)` for `training.epochs` updates: at each epoch (and once more
/// after the last update) a forward pass, the loss and accuracy, the gradients, then an Adam step.
/// `progress` is called after each epoch.
pub fn train(
    net: &mut DeepNet,
    input: &Tensor,
    target: &Tensor,
    training: &Training,
    mut progress: impl FnMut(usize),
) -> Result<Run> {
    let mut params = net.parameters();
    let mut adam = Adam::new(training.lr, (0.9, 0.999), 1e-8, 0.0);
    let mut run = Run::default();
    let layers = net.arch.depth + 1;
    let weight_index: Vec<usize> = (0..net.arch.depth).map(|i| 2 * i).chain([params.len() - 2]).collect();
    for epoch in 0..=training.epochs {
        let pass = net.forward(input);
        let loss = match mean_bce(&pass.output, target) {
            Err(e) if e.is::<NanOutputs>() => {
                run.diverged_at = Some(epoch);
                break;
            }
            loss => loss?,
        };
        let accuracy = tch::no_grad(|| {
            pass.output.ge(0.5).to_kind(Kind::Float).eq_tensor(target).to_kind(Kind::Float).mean(None)
        });
        run.losses.push(scalar(loss.detach()));
        let accuracy = scalar(accuracy);
        run.accuracies.push(accuracy);
        let stop = training.stop_at.is_some_and(|s| f64::from(accuracy) >= s);
        if stop {
            run.reached = Some(epoch);
        }
        let measure = training.measure_at.contains(&epoch);
        let last = epoch == training.epochs || stop;
        if measure {
            let inputs: Vec<&Tensor> = params.iter().chain(&pass.acts).collect();
            let grads = Tensor::run_backward(&[&loss], &inputs, false, false);
            let (param_grads, act_grads) = grads.split_at(params.len());
            let weight_grads: Vec<Tensor> =
                weight_index.iter().map(|&i| param_grads[i].shallow_clone()).collect();
            debug_assert_eq!(act_grads.len(), layers);
            run.measurements.push((epoch, layer_stats(net, &pass, &weight_grads, act_grads)));
            run.histograms.push(histograms(net, &pass));
            if !last {
                adam.step(&mut params, param_grads)?;
            }
        } else if !last {
            let grads = Tensor::run_backward(&[&loss], &params, false, false);
            adam.step(&mut params, &grads)?;
        }
        progress(epoch);
        if stop {
            break;
        }
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Reduction;

    fn spirals() -> (Tensor, Tensor) {
        let points = crate::data::points::PointSet::twin_spirals();
        (points.inputs, points.targets)
    }

    #[test]
    fn techniques_round_trip_and_bad_ones_are_refused() {
        for name in ["sigmoid", "selu+lecun", "relu+kaiming+bn+residual", "tanh+xavier+dense"] {
            assert_eq!(Arch::parse(name, 4, 8).unwrap().technique(), name);
        }
        assert!(Arch::parse("gelu", 4, 8).unwrap_err().to_string().contains("unknown activation"));
        assert!(Arch::parse("relu+foo", 4, 8).unwrap_err().to_string().contains("unknown part 'foo'"));
        assert!(Arch::parse("relu", 0, 8).unwrap().check().is_err());
        assert!(Arch::parse("relu", 201, 8).unwrap().check().is_err());
        assert!(Arch::parse("relu", 3, 0).unwrap().check().is_err());
    }

    #[test]
    fn layers_have_their_shapes_and_inits() {
        let arch = Arch::parse("relu+kaiming+bn+dense", 3, 5).unwrap();
        let net = DeepNet::new(arch, 2, 1, 0, Device::Cpu).unwrap();
        let shapes: Vec<Vec<i64>> = net.weights().iter().map(Tensor::size).collect();
        assert_eq!(shapes, [vec![5, 2], vec![5, 5], vec![5, 10], vec![1, 15]]);
        assert_eq!(net.parameters().len(), 2 * 3 + 2 * 3 + 2);
        assert!(net.hidden.iter().all(|l| l.bias.abs().sum(Kind::Float).double_value(&[]) == 0.0));
        let pass = net.forward(&spirals().0);
        assert_eq!(pass.acts.len(), 4);
        assert_eq!(pass.output.size(), [194, 1]);
    }

    #[test]
    fn nan_outputs_stop_training() {
        let (input, target) = spirals();
        let mut net = DeepNet::new(Arch::parse("relu", 2, 4).unwrap(), 2, 1, 0, Device::Cpu).unwrap();
        let _ = tch::no_grad(|| net.output.bias.shallow_clone().fill_(f64::NAN));
        let training = Training { lr: 0.01, epochs: 10, measure_at: vec![], stop_at: None };
        let run = train(&mut net, &input, &target, &training, |_| {}).unwrap();
        assert_eq!((run.diverged_at, run.losses.len()), (Some(0), 0));
    }

    #[test]
    fn measured_gradients_are_autograds() {
        let (input, target) = spirals();
        let arch = Arch::parse("tanh+bn+residual", 4, 6).unwrap();
        let mut net = DeepNet::new(arch, 2, 1, 3, Device::Cpu).unwrap();
        let training = Training { lr: 0.01, epochs: 0, measure_at: vec![0], stop_at: None };
        let run = train(&mut net, &input, &target, &training, |_| {}).unwrap();
        let pass = net.forward(&input);
        let loss = pass.output.binary_cross_entropy(&target, None::<Tensor>, Reduction::Mean);
        loss.backward();
        let stats = &run.measurements[0].1;
        assert_eq!(stats.len(), 5);
        for (stat, weight) in stats.iter().zip(net.weights()) {
            assert_eq!(stat.weight_grad_norm, double_scalar(weight.grad().to_kind(Kind::Double).norm()));
        }
        assert_eq!(run.losses[0], scalar(loss.detach()));
    }
}
