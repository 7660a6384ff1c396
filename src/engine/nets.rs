//! The course's networks for 2-D points (twin spirals): PolarNet, RawNet and ShortNet as the
//! assignment specifies them, and a plain multi-layer perceptron, built layer by layer as PyTorch
//! builds them so that a seed draws the same numbers in the same order.
//!
//! Each is a list of [`Linear`] layers named as their PyTorch attributes (`hid1`, `hid2`, `out`), whose
//! parameters in order are `net.parameters()`: `hid1.weight`, `hid1.bias`, `hid2.weight`, ... The
//! forward passes use the same ATen operations, in the same order, on tensors of the same shapes and
//! strides as the Python modules below, so that outputs and autograd's gradients are PyTorch's bit for
//! bit:
//!
//! ```python
//! class PolarNet(nn.Module):        # hid1 = Linear(2, hid), out = Linear(hid, 1)
//!     def forward(self, input):
//!         x, y = input[:, 0], input[:, 1]
//!         polar = torch.stack((torch.sqrt(x*x + y*y), torch.atan2(y, x)), 1)
//!         self.hid1_act = torch.tanh(self.hid1(polar))
//!         return torch.sigmoid(self.out(self.hid1_act))
//! class RawNet(nn.Module):          # hid1 = Linear(2, hid), hid2 = Linear(hid, hid), out = Linear(hid, 1)
//!     def forward(self, input):
//!         self.hid1_act = torch.tanh(self.hid1(input))
//!         self.hid2_act = torch.tanh(self.hid2(self.hid1_act))
//!         return torch.sigmoid(self.out(self.hid2_act))
//! class ShortNet(nn.Module):        # hid1 = Linear(2, hid), hid2 = Linear(2+hid, hid), out = Linear(2+2*hid, 1)
//!     def forward(self, input):
//!         self.hid1_act = torch.tanh(self.hid1(input))
//!         self.hid2_act = torch.tanh(self.hid2(torch.cat((input, self.hid1_act), 1)))
//!         return torch.sigmoid(self.out(torch.cat((input, self.hid1_act, self.hid2_act), 1)))
//! ```
//! `Mlp` (`--net mlp --layers L --act A`) is `hid1` .. `hidL` (Linear(2, hid), then Linear(hid, hid)),
//! each followed by the activation, then `out` = Linear(hid, 1) and sigmoid.

use crate::engine::model::Linear;
use anyhow::{ensure, Result};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::Tensor;

/// The most hidden units per layer, and the most layers, a network may have (200 layers of 1000
/// units, with Adam's two moments, take about 2.4 GB).
pub const MAX_HID: i64 = 1_000;
pub const MAX_LAYERS: i64 = 200;

/// Which network.
#[derive(clap::ValueEnum, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NetKind {
    /// Raw (x, y) inputs, two tanh hidden layers
    Raw,
    /// Polar (r, a) inputs, one tanh hidden layer
    Polar,
    /// Two tanh hidden layers with shortcut connections between every pair of layers
    Short,
    /// Raw inputs, --layers hidden layers of --act units
    Mlp,
}

impl NetKind {
    /// The name the course's pictures start with (`polar_out.png`, `raw1_3.png`).
    pub fn name(self) -> &'static str {
        match self {
            NetKind::Raw => "raw",
            NetKind::Polar => "polar",
            NetKind::Short => "short",
            NetKind::Mlp => "mlp",
        }
    }
}

/// SELU's constants (Klambauer et al. 2017), as torch.nn.functional.selu uses them.
pub const SELU_LAMBDA: f64 = 1.0507009873554805;
pub const SELU_ALPHA: f64 = 1.6732632423543772;

/// A hidden layer's activation function.
#[derive(clap::ValueEnum, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    #[default]
    Tanh,
    Sigmoid,
    Relu,
    Selu,
}

impl Activation {
    pub fn apply(self, x: &Tensor) -> Tensor {
        match self {
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Relu => x.relu(),
            Activation::Selu => x.selu(),
        }
    }

    /// Which units count as saturated: sigmoid within 0.01 of 0 or 1, tanh within 0.01 of -1 or 1,
    /// ReLU exactly 0, SELU within 1% of its floor -lambda*alpha.
    pub fn saturated(self, a: &Tensor) -> Tensor {
        match self {
            Activation::Sigmoid => a.lt(0.01).logical_or(&a.gt(0.99)),
            Activation::Tanh => a.abs().gt(0.99),
            Activation::Relu => a.eq(0.0),
            Activation::Selu => a.lt(-0.99 * SELU_LAMBDA * SELU_ALPHA),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Selu => "selu",
        }
    }

    /// The range the activations' histograms cover.
    pub fn range(self) -> (f64, f64) {
        match self {
            Activation::Sigmoid => (0.0, 1.0),
            Activation::Tanh => (-1.0, 1.0),
            Activation::Relu => (0.0, 4.0),
            Activation::Selu => (-2.0, 4.0),
        }
    }

    /// Where a hidden unit's picture is painted: where the unit is "on", which for every activation
    /// here is where its net input is positive (the course paints tanh units at activation >= 0).
    /// ReLU is 0 for every negative input, so it is painted where it is above 0, not at or above.
    pub fn on(self, activation: &Tensor) -> Tensor {
        match self {
            Activation::Sigmoid => activation.ge(0.5),
            Activation::Relu => activation.gt(0.0),
            Activation::Tanh | Activation::Selu => activation.ge(0.0),
        }
    }

    /// What [`Activation::on`] paints, for a picture's key.
    pub fn on_label(self) -> &'static str {
        match self {
            Activation::Sigmoid => "activation >= 0.5",
            Activation::Relu => "activation > 0",
            Activation::Tanh | Activation::Selu => "activation >= 0",
        }
    }
}

/// What a network is made of.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub net: NetKind,
    /// Hidden units per layer.
    pub hid: i64,
    /// Hidden layers (for `mlp`; the others have their own).
    pub layers: i64,
    pub act: Activation,
}

impl Shape {
    pub fn check(&self) -> Result<()> {
        ensure!((1..=MAX_HID).contains(&self.hid), "--hid must be between 1 and {MAX_HID}, got {}", self.hid);
        ensure!(
            (1..=MAX_LAYERS).contains(&self.layers),
            "--layers must be between 1 and {MAX_LAYERS}, got {}",
            self.layers
        );
        ensure!(
            self.net == NetKind::Mlp || (self.layers == Shape::COURSE_LAYERS && self.act == Activation::Tanh),
            "--layers and --act go with --net mlp; --net {} has its own (tanh hidden layers)",
            self.net.name()
        );
        Ok(())
    }

    /// `--layers`' default: what `--net mlp` has unless told.
    pub const COURSE_LAYERS: i64 = 2;

    /// The number of hidden layers.
    pub fn hidden_layers(&self) -> i64 {
        match self.net {
            NetKind::Polar => 1,
            NetKind::Raw | NetKind::Short => 2,
            NetKind::Mlp => self.layers,
        }
    }

    /// `(name, in_features, out_features)` of each Linear layer, in construction order.
    fn layer_sizes(&self) -> Vec<(String, i64, i64)> {
        let hid = self.hid;
        let hidden = |k: i64, inputs: i64| (format!("hid{k}"), inputs, hid);
        match self.net {
            NetKind::Polar => vec![hidden(1, 2), ("out".into(), hid, 1)],
            NetKind::Raw => vec![hidden(1, 2), hidden(2, hid), ("out".into(), hid, 1)],
            NetKind::Short => vec![hidden(1, 2), hidden(2, 2 + hid), ("out".into(), 2 + 2 * hid, 1)],
            NetKind::Mlp => (1..=self.layers)
                .map(|k| hidden(k, if k == 1 { 2 } else { hid }))
                .chain([("out".into(), hid, 1)])
                .collect(),
        }
    }
}

/// A network for 2-D points with one sigmoid output.
#[derive(Debug)]
pub struct PointNet {
    pub shape: Shape,
    /// The Linear layers by name, in construction order, the output layer last.
    pub layers: Vec<(String, Linear)>,
}

/// A forward pass: each hidden layer's activations (`[n, hid]`) and the output (`[n, 1]`).
pub struct Pass {
    pub hidden: Vec<Tensor>,
    pub output: Tensor,
}

impl PointNet {
    /// Builds the layers as PyTorch's constructor does, each drawn as `nn.Linear` draws it.
    pub fn new(path: &nn::Path, shape: Shape) -> Self {
        let layers = shape
            .layer_sizes()
            .into_iter()
            .map(|(name, i, o)| (name.clone(), Linear::new(path / name, i, o)))
            .collect();
        PointNet { shape, layers }
    }

    /// The parameters in `net.parameters()` order, with their state_dict names.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.layers
            .iter()
            .flat_map(|(name, layer)| {
                [
                    (format!("{name}.weight"), layer.weight.shallow_clone()),
                    (format!("{name}.bias"), layer.bias.shallow_clone()),
                ]
            })
            .collect()
    }

    pub fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters().into_iter().map(|(_, p)| p).collect()
    }

    /// `for p in net.parameters(): p.data.normal_(0, init)`.
    pub fn init_normal(&self, init: f64) {
        tch::no_grad(|| {
            for mut p in self.parameters() {
                let _ = p.normal_(0.0, init);
            }
        });
    }

    fn layer(&self, index: usize) -> &Linear {
        &self.layers[index].1
    }

    /// The forward pass, keeping each hidden layer's activations (the modules' `hid1_act`, ...).
    pub fn pass(&self, input: &Tensor) -> Pass {
        pass_with(self.shape, input, |k, x| self.layer(k).forward(x))
    }
}

/// The forward pass of a network of this shape, its `k`-th Linear layer applied by `linear(k, x)`:
/// one network (`input` `[n, 2]`, [`PointNet::pass`]) or many stacked (`[runs, n, 2]`,
/// [`crate::engine::stacked`]), with the same operations on the last dimension.
pub fn pass_with(shape: Shape, input: &Tensor, linear: impl Fn(usize, &Tensor) -> Tensor) -> Pass {
    let tanh = |layer: usize, x: &Tensor| linear(layer, x).tanh();
    let (hidden, last) = match shape.net {
        NetKind::Polar => {
            let (x, y) = (input.select(-1, 0), input.select(-1, 1));
            let r = (&x * &x + &y * &y).sqrt();
            let a = y.atan2(&x);
            let h1 = tanh(0, &Tensor::stack(&[r, a], -1));
            (vec![h1.shallow_clone()], h1)
        }
        NetKind::Raw => {
            let h1 = tanh(0, input);
            let h2 = tanh(1, &h1);
            (vec![h1, h2.shallow_clone()], h2)
        }
        NetKind::Short => {
            let h1 = tanh(0, input);
            let h2 = tanh(1, &Tensor::cat(&[input, &h1], -1));
            let last = Tensor::cat(&[input, &h1, &h2], -1);
            (vec![h1, h2], last)
        }
        NetKind::Mlp => {
            let mut hidden: Vec<Tensor> = Vec::new();
            for k in 0..shape.hidden_layers() as usize {
                let x = hidden.last().unwrap_or(input);
                hidden.push(shape.act.apply(&linear(k, x)));
            }
            let last = hidden.last().unwrap().shallow_clone();
            (hidden, last)
        }
    };
    // The output layer comes after the hidden ones.
    let output = linear(shape.hidden_layers() as usize, &last).sigmoid();
    Pass { hidden, output }
}

impl Module for PointNet {
    fn forward(&self, input: &Tensor) -> Tensor {
        self.pass(input).output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::seeded;
    use tch::Device;

    fn shape(net: NetKind, layers: i64) -> Shape {
        Shape { net, hid: 3, layers, act: Activation::Tanh }
    }

    #[test]
    fn layers_and_parameters_are_in_pytorchs_order() {
        let cases = [
            (shape(NetKind::Polar, 2), vec![("hid1.weight", vec![3, 2]), ("out.weight", vec![1, 3])]),
            (
                shape(NetKind::Short, 2),
                vec![("hid1.weight", vec![3, 2]), ("hid2.weight", vec![3, 5]), ("out.weight", vec![1, 8])],
            ),
            (
                shape(NetKind::Mlp, 3),
                vec![
                    ("hid1.weight", vec![3, 2]),
                    ("hid2.weight", vec![3, 3]),
                    ("hid3.weight", vec![3, 3]),
                    ("out.weight", vec![1, 3]),
                ],
            ),
        ];
        for (shape, weights) in cases {
            let vs = nn::VarStore::new(Device::Cpu);
            let net = PointNet::new(&vs.root(), shape);
            let params = net.named_parameters();
            assert_eq!(params.len(), 2 * weights.len());
            for (i, (name, size)) in weights.iter().enumerate() {
                assert_eq!(params[2 * i].0, *name);
                assert_eq!(params[2 * i].1.size(), *size);
                assert_eq!(params[2 * i + 1].0, name.replace("weight", "bias"));
            }
        }
    }

    #[test]
    fn passes_give_every_hidden_layer_and_one_output_per_point() {
        let input = Tensor::from_slice(&[1.0f32, 2.0, -3.0, 0.5, 0.0, 0.0]).view([3, 2]);
        for (net, layers, hidden) in
            [(NetKind::Polar, 2, 1), (NetKind::Raw, 2, 2), (NetKind::Short, 2, 2), (NetKind::Mlp, 4, 4)]
        {
            let vs = nn::VarStore::new(Device::Cpu);
            let net = seeded(0, || PointNet::new(&vs.root(), shape(net, layers)));
            let pass = tch::no_grad(|| net.pass(&input));
            assert_eq!(pass.hidden.len(), hidden);
            assert!(pass.hidden.iter().all(|h| h.size() == [3, 3]));
            assert_eq!(pass.output.size(), [3, 1]);
            let out = Vec::<f32>::try_from(pass.output.view([-1])).unwrap();
            assert!(out.iter().all(|o| (0.0..=1.0).contains(o)));
        }
    }

    #[test]
    fn polar_inputs_are_radius_and_angle() {
        let vs = nn::VarStore::new(Device::Cpu);
        let net = PointNet::new(&vs.root(), shape(NetKind::Polar, 2));
        tch::no_grad(|| {
            // hid1 = identity on (r, a), for reading them back through tanh.
            net.layer(0)
                .weight
                .shallow_clone()
                .copy_(&Tensor::from_slice(&[1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0]).view([3, 2]));
            let _ = net.layer(0).bias.shallow_clone().zero_();
        });
        let input = Tensor::from_slice(&[0.0f32, 0.5]).view([1, 2]);
        let h = Vec::<f32>::try_from(tch::no_grad(|| net.pass(&input)).hidden[0].view([-1])).unwrap();
        assert!(
            (h[0] - 0.5f32.tanh()).abs() < 1e-6 && (h[1] - std::f32::consts::FRAC_PI_2.tanh()).abs() < 1e-6
        );
    }

    #[test]
    fn layers_and_act_belong_to_mlp() {
        let mut s = shape(NetKind::Raw, 3);
        assert!(s.check().unwrap_err().to_string().contains("go with --net mlp"));
        s.layers = 2;
        s.check().unwrap();
        s.hid = 0;
        assert!(s.check().is_err());
        assert!(Shape { layers: 201, ..shape(NetKind::Mlp, 1) }.check().is_err());
    }
}
