//! Optimisers written out as Python's `torch.optim` runs them on CPU (its single-tensor path), the same
//! ATen operations in the same order, so that every update is bitwise the same.

use crate::ops::add_scaled_;
use anyhow::Result;
use tch::Tensor;

/// `torch.optim.SGD(params, lr, momentum)` (no dampening, weight decay or Nesterov).
#[derive(Debug)]
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    momentum_buffers: Vec<Option<Tensor>>,
}

impl Sgd {
    pub fn new(lr: f64, momentum: f64) -> Self {
        Sgd { lr, momentum, momentum_buffers: Vec::new() }
    }

    /// One step of `_single_tensor_sgd`: for each parameter, on the first step `buf = grad.clone()`,
    /// then `buf.mul_(momentum).add_(grad, alpha=1)`; then `param.add_(buf, alpha=-lr)` (with no
    /// momentum, `param.add_(grad, alpha=-lr)`). `params` and `grads` pair up in order.
    pub fn step(&mut self, params: &mut [Tensor], grads: &[Tensor]) -> Result<()> {
        let _no_grad = tch::no_grad_guard();
        self.momentum_buffers.resize_with(params.len(), || None);
        for ((param, grad), buffer) in params.iter_mut().zip(grads).zip(&mut self.momentum_buffers) {
            let step = if self.momentum == 0.0 {
                grad
            } else {
                match buffer {
                    Some(buf) => {
                        let _ = buf.g_mul_scalar_(self.momentum);
                        add_scaled_(buf, grad, 1.0)?;
                    }
                    None => *buffer = Some(grad.copy().detach()),
                }
                buffer.as_ref().unwrap()
            };
            add_scaled_(param, step, -self.lr)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::OptimizerConfig;

    /// libtorch's C++ SGD performs the same operations as Python's single-tensor SGD (checked against
    /// PyTorch by the encoder fixtures), so ours must match it bit for bit, momentum or not.
    #[test]
    fn steps_match_libtorchs_sgd_bit_for_bit() {
        for momentum in [0.0, 0.9] {
            let vs = tch::nn::VarStore::new(tch::Device::Cpu);
            let param = vs.root().var("p", &[23], tch::nn::Init::Uniform { lo: -1.0, up: 1.0 });
            let mut ours = param.detach().copy();
            let mut reference = tch::nn::Sgd { momentum, ..Default::default() }.build(&vs, 0.37).unwrap();
            let mut sgd = Sgd::new(0.37, momentum);
            for step in 0..5 {
                let grad = Tensor::from_slice(
                    &(0..23).map(|i| ((i * 7 + step) as f32 * 0.31).sin()).collect::<Vec<_>>(),
                );
                reference.zero_grad();
                (&param * &grad).sum(tch::Kind::Float).backward();
                reference.step();
                sgd.step(std::slice::from_mut(&mut ours), &[grad]).unwrap();
                assert!(param.detach().equal(&ours), "momentum {momentum}, step {step}");
            }
        }
    }
}
