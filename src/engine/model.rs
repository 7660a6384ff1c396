//! Networks built the way PyTorch builds them, so that a seed draws the same numbers in the same order.
//!
//! `tch::nn::linear` creates its bias before its weight and draws the weight from a different bound
//! than `torch.nn.Linear`; [`Linear::new`] mirrors `torch.nn.Linear.reset_parameters` instead.

use anyhow::Result;
use std::sync::Mutex;
use tch::nn::{self, Init, Module};
use tch::{Reduction, Tensor};

/// Runs `build` right after `torch.manual_seed(seed)`, holding a process-wide lock: the default
/// generator is global, so two threads seeding and drawing at once would get each other's numbers.
pub fn seeded<T>(seed: u64, build: impl FnOnce() -> T) -> T {
    static GENERATOR: Mutex<()> = Mutex::new(());
    let _guard = GENERATOR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // at_manual_seed takes an int64 and hands its bits on as the uint64 seed.
    tch::manual_seed(seed as i64);
    build()
}

/// `torch.nn.Linear(in_features, out_features)`: `weight` is `[out, in]`, `bias` is `[out]`.
#[derive(Debug)]
pub struct Linear {
    pub weight: Tensor,
    pub bias: Tensor,
}

impl Linear {
    /// Creates `weight` then `bias` under `path`, each drawn uniformly as `reset_parameters` does:
    /// `kaiming_uniform_(weight, a=sqrt(5))`, then `uniform_(bias, -1/sqrt(fan_in), 1/sqrt(fan_in))`.
    pub fn new(path: nn::Path, in_features: i64, out_features: i64) -> Self {
        let fan_in = in_features as f64;
        // torch.nn.init.kaiming_uniform_, evaluated in the same order, in Python floats.
        let a = 5f64.sqrt();
        let gain = (2.0 / (1.0 + a.powi(2))).sqrt();
        let std = gain / fan_in.sqrt();
        let weight_bound = 3f64.sqrt() * std;
        let bias_bound = 1.0 / fan_in.sqrt();
        let weight = path.var(
            "weight",
            &[out_features, in_features],
            Init::Uniform { lo: -weight_bound, up: weight_bound },
        );
        let bias = path.var("bias", &[out_features], Init::Uniform { lo: -bias_bound, up: bias_bound });
        Linear { weight, bias }
    }
}

impl Module for Linear {
    /// `F.linear`, which is `at::linear` (an `addmm` for a matrix input).
    fn forward(&self, input: &Tensor) -> Tensor {
        input.linear(&self.weight, Some(&self.bias))
    }
}

/// `EncModel` of `encoder_main.py`: `in_hid` Linear, tanh, `hid_out` Linear, sigmoid.
#[derive(Debug)]
pub struct EncModel {
    pub in_hid: Linear,
    pub hid_out: Linear,
}

impl EncModel {
    /// Builds the layers as the script's constructor does, `in_hid` then `hid_out`.
    pub fn new(path: &nn::Path, num_input: i64, num_hid: i64, num_out: i64) -> Self {
        let in_hid = Linear::new(path / "in_hid", num_input, num_hid);
        let hid_out = Linear::new(path / "hid_out", num_hid, num_out);
        EncModel { in_hid, hid_out }
    }

    /// The script's initialisation after construction: `normal_(0, init)` on `in_hid.weight` then
    /// `hid_out.weight`, both biases zeroed.
    pub fn init_weights(&mut self, init: f64) {
        tch::no_grad(|| {
            let _ = self.in_hid.weight.normal_(0.0, init);
            let _ = self.hid_out.weight.normal_(0.0, init);
            let _ = self.in_hid.bias.zero_();
            let _ = self.hid_out.bias.zero_();
        });
    }

    /// The parameters in `net.parameters()` order: `in_hid.weight`, `in_hid.bias`, `hid_out.weight`,
    /// `hid_out.bias`.
    pub fn parameters(&self) -> [Tensor; 4] {
        [&self.in_hid.weight, &self.in_hid.bias, &self.hid_out.weight, &self.hid_out.bias]
            .map(Tensor::shallow_clone)
    }

    /// The mean binary cross-entropy of the outputs against `target`, and its gradient for each
    /// parameter (in [`EncModel::parameters`] order): what `loss.backward()` leaves in `.grad`, bit for
    /// bit, computed by the ATen kernels autograd calls, in its order, without recording a graph
    /// (autograd's bookkeeping is most of an epoch's time for a network this small). The backward
    /// formulas are those of PyTorch's derivatives.yaml: `binary_cross_entropy_backward`,
    /// `sigmoid_backward` and `tanh_backward`; for `addmm(b, x, W.t())` the bias gets the gradient
    /// summed over the batch (`sum_to`), `W` gets `grad.t().mm(x)` (`mm_mat2_backward` for the
    /// transposed, column-major `W.t()`), and `x` gets `grad.mm(W)` (`mm_mat1_backward`).
    pub fn loss_and_gradients(&self, input: &Tensor, target: &Tensor) -> Result<(Tensor, [Tensor; 4])> {
        let _no_grad = tch::no_grad_guard();
        let hidden = self.hidden(input);
        let output = self.hid_out.forward(&hidden).sigmoid();
        let loss = mean_bce(&output, target)?;
        let grad_output =
            output.binary_cross_entropy_backward(&loss.ones_like(), target, None::<Tensor>, Reduction::Mean);
        let grad_out_sum = Tensor::sigmoid_backward(&grad_output, &output);
        let grad_out_bias = sum_over_batch(&grad_out_sum);
        let grad_out_weight = grad_out_sum.tr().mm(&hidden);
        let grad_hidden = grad_out_sum.mm(&self.hid_out.weight);
        let grad_hid_sum = Tensor::tanh_backward(&grad_hidden, &hidden);
        let grad_hid_bias = sum_over_batch(&grad_hid_sum);
        let grad_hid_weight = grad_hid_sum.tr().mm(input);
        Ok((loss, [grad_hid_weight, grad_hid_bias, grad_out_weight, grad_out_bias]))
    }

    /// The hidden units' activations, `tanh(in_hid(input))`.
    pub fn hidden(&self, input: &Tensor) -> Tensor {
        self.in_hid.forward(input).tanh()
    }

    /// Each input item's point in hidden-unit space, as `plot_hidden` computes it: column k of
    /// `tanh(weight + bias.unsqueeze(1).repeat(1, num_in))` is where one-hot input k lands.
    pub fn hidden_points(&self) -> Tensor {
        tch::no_grad(|| {
            let num_in = self.in_hid.weight.size()[1];
            let bias = self.in_hid.bias.unsqueeze(1).repeat([1, num_in]);
            (&self.in_hid.weight + bias).tanh()
        })
    }
}

/// `F.binary_cross_entropy(output, target)` (the mean), or [`NanOutputs`] when the outputs are NaN.
pub fn mean_bce(output: &Tensor, target: &Tensor) -> Result<Tensor> {
    let has_nan = || output.isnan().any().int64_value(&[]) != 0;
    // On CUDA binary_cross_entropy checks its input with a device-side assert, which would wreck the
    // CUDA context: look first. On the CPU it returns an error, and only then do we look.
    if output.device().is_cuda() && has_nan() {
        return Err(NanOutputs.into());
    }
    output.f_binary_cross_entropy(target, None::<Tensor>, Reduction::Mean).map_err(|e| {
        if has_nan() {
            NanOutputs.into()
        } else {
            crate::libtorch_error(&e.to_string())
        }
    })
}

/// `at::sum_to(grad, bias.sizes())` for a bias broadcast over the batch: `sum(0, keepdim=true)`, viewed.
fn sum_over_batch(grad: &Tensor) -> Tensor {
    grad.sum_dim_intlist(&[0i64][..], true, None).view([-1])
}

/// The network's outputs became NaN, so its loss is undefined: the run diverged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NanOutputs;

impl std::fmt::Display for NanOutputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the network's outputs became NaN")
    }
}

impl std::error::Error for NanOutputs {}

impl Module for EncModel {
    fn forward(&self, input: &Tensor) -> Tensor {
        self.hid_out.forward(&self.hidden(input)).sigmoid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn linear_layers_have_pytorchs_names_shapes_and_bounds() {
        let vs = nn::VarStore::new(Device::Cpu);
        let layer = seeded(0, || Linear::new(vs.root() / "l", 9, 2));
        assert_eq!(layer.weight.size(), [2, 9]);
        assert_eq!(layer.bias.size(), [2]);
        let bound = 1.0 / 3.0 + 1e-7;
        assert!(f64::try_from(layer.weight.abs().max()).unwrap() <= bound);
        assert!(f64::try_from(layer.bias.abs().max()).unwrap() <= bound);
        let names: Vec<String> = vs.variables().into_keys().collect();
        assert!(names.contains(&"l.weight".to_string()) && names.contains(&"l.bias".to_string()));
    }

    #[test]
    fn explicit_gradients_equal_autograds_bit_for_bit() {
        for (seed, (items, hid, outputs)) in [(0, (9, 2, 9)), (5, (8, 3, 8)), (7, (16, 2, 8)), (9, (5, 1, 3))]
        {
            let vs = nn::VarStore::new(Device::Cpu);
            let (net, target) = seeded(seed, || {
                let mut net = EncModel::new(&vs.root(), items, hid, outputs);
                net.init_weights(0.7);
                let _ = tch::no_grad(|| net.hid_out.bias.uniform_(-0.5, 0.5));
                let target = Tensor::rand([items, outputs], (Kind::Float, Device::Cpu)).round();
                (net, target)
            });
            let input = Tensor::eye(items, (Kind::Float, Device::Cpu));
            let loss = net.forward(&input).binary_cross_entropy(&target, None::<Tensor>, Reduction::Mean);
            loss.backward();
            let (ours, grads) = net.loss_and_gradients(&input, &target).unwrap();
            assert!(ours.equal(&loss.detach()), "seed {seed}: loss");
            for (param, grad) in net.parameters().iter().zip(&grads) {
                assert!(param.grad().equal(grad), "seed {seed}: gradient of a {:?} parameter", param.size());
            }
        }
    }

    #[test]
    fn nan_outputs_are_named() {
        let vs = nn::VarStore::new(Device::Cpu);
        let net = seeded(0, || EncModel::new(&vs.root(), 3, 2, 3));
        let _ = tch::no_grad(|| net.hid_out.bias.shallow_clone().fill_(f64::NAN));
        let err = net.loss_and_gradients(
            &Tensor::eye(3, (Kind::Float, Device::Cpu)),
            &Tensor::eye(3, (Kind::Float, Device::Cpu)),
        );
        assert!(err.unwrap_err().is::<NanOutputs>());
    }

    #[test]
    fn hidden_points_are_the_hidden_activations_of_one_hot_inputs() {
        let vs = nn::VarStore::new(Device::Cpu);
        let net = seeded(1, || {
            let mut net = EncModel::new(&vs.root(), 5, 2, 5);
            net.init_weights(0.5);
            let _ = tch::no_grad(|| net.in_hid.bias.uniform_(-0.5, 0.5));
            net
        });
        let eye = Tensor::eye(5, (Kind::Float, Device::Cpu));
        let by_forward = tch::no_grad(|| net.hidden(&eye)).transpose(0, 1);
        let diff = f64::try_from((net.hidden_points() - by_forward).abs().max()).unwrap();
        assert!(diff < 1e-6, "{diff}");
    }
}
