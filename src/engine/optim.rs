//! Optimisers written out as Python's `torch.optim` runs them on CPU (its single-tensor path), the same
//! ATen operations in the same order, so that every update is bitwise the same.

use crate::engine::ops::{add_scaled_, addcdiv_, addcmul_};
use anyhow::Result;
use tch::Tensor;

/// `grad.add(param, alpha=weight_decay)`, as both optimisers take it first: a new tensor, or `None`
/// when there is no weight decay (the gradient is used as it is).
fn with_weight_decay(grad: &Tensor, param: &Tensor, weight_decay: f64) -> Result<Option<Tensor>> {
    if weight_decay == 0.0 {
        return Ok(None);
    }
    let mut decayed = grad.copy();
    add_scaled_(&mut decayed, param, weight_decay)?;
    Ok(Some(decayed))
}

/// `torch.optim.SGD(params, lr, momentum, weight_decay)` (no dampening or Nesterov).
#[derive(Debug)]
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    momentum_buffers: Vec<Option<Tensor>>,
}

impl Sgd {
    pub fn new(lr: f64, momentum: f64) -> Self {
        Sgd { lr, momentum, weight_decay: 0.0, momentum_buffers: Vec::new() }
    }

    /// The same with `weight_decay`: each step first takes `grad = grad.add(param, alpha=weight_decay)`.
    pub fn with_weight_decay(self, weight_decay: f64) -> Self {
        Sgd { weight_decay, ..self }
    }

    /// One step of `_single_tensor_sgd`: for each parameter, on the first step `buf = grad.clone()`,
    /// then `buf.mul_(momentum).add_(grad, alpha=1)`; then `param.add_(buf, alpha=-lr)` (with no
    /// momentum, `param.add_(grad, alpha=-lr)`). `params` and `grads` pair up in order.
    pub fn step(&mut self, params: &mut [Tensor], grads: &[Tensor]) -> Result<()> {
        let _no_grad = tch::no_grad_guard();
        self.momentum_buffers.resize_with(params.len(), || None);
        for ((param, grad), buffer) in params.iter_mut().zip(grads).zip(&mut self.momentum_buffers) {
            let decayed = with_weight_decay(grad, param, self.weight_decay)?;
            let grad = decayed.as_ref().unwrap_or(grad);
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

/// `torch.optim.Adam(params, lr, betas, eps, weight_decay)` as Python runs it on the CPU: the
/// single-tensor path (`_single_tensor_adam`, foreach off on the CPU), weight decay as L2 added to
/// the gradient (not AdamW), no amsgrad.
///
/// libtorch's C++ Adam rounds differently (it decays `exp_avg` with `mul_` + `add_` where Python uses
/// `lerp_`), so the update is written out here with Python's operations, in its order.
#[derive(Debug)]
pub struct Adam {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// `state['step']`: a float32 tensor in Python, incremented by one, so exact as an f64 up to 2^24.
    step: f64,
    moments: Vec<(Tensor, Tensor)>,
    /// For many runs stacked along the first dimension ([`crate::engine::stacked`]): each run's own
    /// learning rate, in place of `lr`.
    run_rates: Option<Vec<f64>>,
}

impl Adam {
    pub fn new(lr: f64, betas: (f64, f64), eps: f64, weight_decay: f64) -> Self {
        Adam {
            lr,
            beta1: betas.0,
            beta2: betas.1,
            eps,
            weight_decay,
            step: 0.0,
            moments: Vec::new(),
            run_rates: None,
        }
    }

    /// The same for parameters that stack runs along their first dimension, run `r` stepping with
    /// `rates[r]`. Where every rate is the same this is [`Adam::new`]'s own step.
    pub fn with_run_rates(self, rates: &[f64]) -> Self {
        let uniform = rates.iter().all(|&r| r.to_bits() == rates[0].to_bits());
        match rates.first() {
            Some(&lr) if uniform => Adam { lr, ..self },
            _ => Adam { run_rates: Some(rates.to_vec()), ..self },
        }
    }

    /// Keeps only these runs (indices along the first dimension, in order) of stacked parameters'
    /// moments and rates, as the parameters are cut to them.
    pub fn keep_runs(&mut self, rows: &[i64]) {
        let index = Tensor::from_slice(rows);
        for (exp_avg, exp_avg_sq) in &mut self.moments {
            let index = index.to_device(exp_avg.device());
            *exp_avg = exp_avg.index_select(0, &index);
            *exp_avg_sq = exp_avg_sq.index_select(0, &index);
        }
        if let Some(rates) = &mut self.run_rates {
            *rates = rows.iter().map(|&r| rates[r as usize]).collect();
        }
    }

    /// One `optimizer.step()`. For each parameter, in order:
    /// ```text
    /// grad = grad.add(param, alpha=weight_decay)          # when weight_decay != 0
    /// exp_avg.lerp_(grad, 1 - beta1)
    /// exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    /// bias_correction1 = 1 - beta1 ** step                # Python floats
    /// bias_correction2 = 1 - beta2 ** step
    /// step_size = lr / bias_correction1
    /// denom = (exp_avg_sq.sqrt() / bias_correction2 ** 0.5).add_(eps)
    /// param.addcdiv_(exp_avg, denom, value=-step_size)
    /// ```
    pub fn step(&mut self, params: &mut [Tensor], grads: &[Tensor]) -> Result<()> {
        let _no_grad = tch::no_grad_guard();
        if self.moments.is_empty() {
            self.moments = params.iter().map(|p| (p.zeros_like(), p.zeros_like())).collect();
        }
        self.step += 1.0;
        let bias_correction1 = 1.0 - self.beta1.powf(self.step);
        let bias_correction2 = 1.0 - self.beta2.powf(self.step);
        let step_size = self.lr / bias_correction1;
        // Python computes `** 0.5` with libm's pow, which need not round as sqrt does: keep it a pow call.
        let bias_correction2_sqrt = bias_correction2.powf(std::hint::black_box(0.5));
        for ((param, grad), (exp_avg, exp_avg_sq)) in params.iter_mut().zip(grads).zip(&mut self.moments) {
            let decayed = with_weight_decay(grad, param, self.weight_decay)?;
            let grad = decayed.as_ref().unwrap_or(grad);
            let _ = exp_avg.lerp_(grad, 1.0 - self.beta1);
            let _ = exp_avg_sq.g_mul_scalar_(self.beta2);
            addcmul_(exp_avg_sq, grad, grad, 1.0 - self.beta2)?;
            let mut denom = exp_avg_sq.sqrt().g_div_scalar(bias_correction2_sqrt);
            let _ = denom.g_add_scalar_(self.eps);
            match &self.run_rates {
                None => addcdiv_(param, exp_avg, &denom, -step_size)?,
                Some(rates) => {
                    // ATen's addcdiv computes `self + value * t1 / t2` with `value` rounded to
                    // float32: the same three roundings, with each run's value.
                    let values: Vec<f32> = rates.iter().map(|lr| (-lr / bias_correction1) as f32).collect();
                    let mut shape = vec![1i64; param.dim()];
                    shape[0] = -1;
                    let values = Tensor::from_slice(&values).to_device(param.device()).view(shape.as_slice());
                    let _ = param.g_add_(&(values * &*exp_avg / &denom));
                }
            }
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
