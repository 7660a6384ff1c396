//! The course's SRN trained in plain `f32` arithmetic, operation for operation as PyTorch computes
//! it in the portable kernels, without a tensor or autograd in the loop: many times faster than
//! [`super::recurrent`] for the lab's tiny networks (up to [`MAX_HIDDEN`] hidden units), and the same
//! numbers bit for bit.
//!
//! Each step is the one `seq_train.py` takes (forward, `log_softmax`, `nll_loss`, backward, the
//! optimiser), and each operation rounds as ATen's does in the portable kernels (scalar code, MKL's
//! COMPATIBLE branch, one thread), read from PyTorch's sources and checked against them:
//! - a matrix product sums its terms in order, from zero (MKL's sgemm there);
//! - `tanh` and `sqrt` are MKL's vector functions, which ATen's call ([`vml_in_place`]; MKL's sqrt is
//!   not the correctly rounded one);
//! - `log_softmax` takes the row's maximum, sums `exp(x - max)` in order and returns
//!   `x - max - log(sum)` (glibc's `expf` and `logf`, as ATen's scalar vectors call them); its backward
//!   is `grad - exp(output) * sum(grad)`;
//! - `nll_loss` sums in ATen's cascade of 8 levels of 16 and divides by the length;
//! - a bias's gradient is ATen's cascade sum over the sequence ([`column_sum`]);
//! - a leaf's gradients from the time steps add up in autograd's order, the last step first;
//! - Adam and SGD as `optim` writes them out (`lerp`, `addcmul`, `addcdiv`, each rounding as ATen's
//!   scalar kernels do).
//!
//! In other kernels (ATen's AVX2 or AVX-512 loops, MKL's own code path) PyTorch rounds differently,
//! so `hud seq` uses this engine only in the portable kernels ([`available`]).

use anyhow::{bail, Result};

extern "C" {
    fn hud_vml(which: i32, n: i32, input: *const f32, output: *mut f32) -> i32;
}

/// MKL's vector functions that ATen's float `tanh` and `sqrt` call.
#[derive(Clone, Copy)]
enum Vml {
    Tanh = 0,
    Sqrt = 1,
}

/// `x.tanh()` or `x.sqrt()` in place, as ATen computes it on a float tensor.
fn vml_in_place(function: Vml, x: &mut [f32]) -> i32 {
    let n = i32::try_from(x.len()).expect("a parameter fits an i32");
    // SAFETY: in and out are the same live slice of n floats, which MKL's VML allows.
    unsafe { hud_vml(function as i32, n, x.as_ptr(), x.as_mut_ptr()) }
}

fn tanh_in_place(x: &mut [f32]) {
    let status = vml_in_place(Vml::Tanh, x);
    assert_eq!(status, 0, "MKL's tanh is missing; check scalar_srn::available() first");
}

fn sqrt_in_place(x: &mut [f32]) {
    let status = vml_in_place(Vml::Sqrt, x);
    assert_eq!(status, 0, "MKL's sqrt is missing; check scalar_srn::available() first");
}

/// The most hidden units the engine takes. MKL's products sum their terms in order for the shapes
/// of an SRN with up to 3 hidden units (measured on every product of a step, against PyTorch); from
/// 5 units on, `grad @ U.T` sums a row in another order, and at 4 units with Reber's 7 symbols
/// another product does, which this engine does not copy. Larger networks train with tensors.
pub const MAX_HIDDEN: usize = 3;

/// Whether this process computes what the engine computes: libtorch's portable kernels, with MKL.
pub fn available() -> bool {
    let has_mkl = [Vml::Tanh, Vml::Sqrt].into_iter().all(|f| vml_in_place(f, &mut [0.5]) == 0);
    has_mkl && crate::engine::kernels::Kernels::here().is_portable()
}

/// Whether the engine computes this network in this process: an SRN, small enough, in the portable
/// kernels.
pub fn suits(srn: bool, hid: i64) -> bool {
    srn && (1..=MAX_HIDDEN as i64).contains(&hid) && available()
}

/// `c10::utils::CeilLog2`.
fn ceil_log2(x: usize) -> u32 {
    if x <= 2 {
        1
    } else {
        usize::BITS - (x - 1).leading_zeros()
    }
}

/// ATen's `multi_row_sum`: `N` columns summed over `size` rows in a cascade of four levels.
fn multi_row_sum<const N: usize>(load: impl Fn(usize, usize) -> f32, size: usize) -> [f32; N] {
    const LEVELS: usize = 4;
    let level_power = (ceil_log2(size) / LEVELS as u32).max(4);
    let level_step = 1usize << level_power;
    let level_mask = level_step - 1;
    let mut acc = [[0f32; N]; LEVELS];
    let mut i = 0;
    while i + level_step <= size {
        for _ in 0..level_step {
            for (k, a) in acc[0].iter_mut().enumerate() {
                *a += load(i, k);
            }
            i += 1;
        }
        for j in 1..LEVELS {
            let (lower, upper) = acc.split_at_mut(j);
            for (sum, part) in upper[0].iter_mut().zip(lower[j - 1].iter_mut()) {
                *sum += *part;
                *part = 0.0;
            }
            if i & (level_mask << (j as u32 * level_power)) != 0 {
                break;
            }
        }
    }
    for i in i..size {
        for (k, a) in acc[0].iter_mut().enumerate() {
            *a += load(i, k);
        }
    }
    let (first, rest) = acc.split_at_mut(1);
    for level in rest.iter() {
        for (sum, &part) in first[0].iter_mut().zip(level) {
            *sum += part;
        }
    }
    acc[0]
}

/// ATen's `row_sum`: one column, read four rows at a time.
fn row_sum(load: impl Fn(usize) -> f32, size: usize) -> f32 {
    let size_ilp = size / 4;
    let mut partial = multi_row_sum::<4>(|i, k| load(i * 4 + k), size_ilp);
    for i in size_ilp * 4..size {
        partial[0] += load(i);
    }
    for k in 1..4 {
        partial[0] += partial[k];
    }
    partial[0]
}

/// `x.sum(0)` of a row-major `rows x cols` matrix with fewer than eight columns, as ATen's
/// `cascade_sum` takes it there (`scalar_outer_sum`): four columns at a time, then one by one, each
/// added to a zeroed output.
pub fn column_sum(x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    let mut j = 0;
    while j + 3 < cols {
        let sums = multi_row_sum::<4>(|i, k| x[i * cols + j + k], rows);
        for (k, sum) in sums.into_iter().enumerate() {
            out[j + k] = 0.0 + sum;
        }
        j += 4;
    }
    for j in j..cols {
        out[j] = 0.0 + row_sum(|i| x[i * cols + j], rows);
    }
}

/// `nll_loss(log_prob, labels)` with the mean reduction, as ATen's `nll_loss_out_frame` sums it.
fn nll_loss(log_prob: &[f32], labels: &[usize], classes: usize) -> f32 {
    const LEVELS: usize = 8;
    let level_power = (ceil_log2(labels.len()) / LEVELS as u32).max(4);
    let level_mask = (1usize << level_power) - 1;
    let mut partial = [0f32; LEVELS];
    for (b, &label) in labels.iter().enumerate() {
        partial[0] -= log_prob[b * classes + label];
        for j in 0..LEVELS - 1 {
            if b & (level_mask << (j as u32 * level_power)) != 0 {
                break;
            }
            partial[j + 1] += partial[j];
            partial[j] = 0.0;
        }
    }
    let total = partial.iter().fold(0f32, |sum, &p| sum + p);
    total / labels.len() as f32
}

/// `out = a @ b` for row-major `a` (m x k) and `b` (k x n), each sum in order from zero.
fn matmul(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, out: &mut [f32]) {
    for i in 0..m {
        for j in 0..n {
            let mut sum = 0f32;
            for t in 0..k {
                sum += a[i * k + t] * b[t * n + j];
            }
            out[i * n + j] = sum;
        }
    }
}

/// A log-softmax row and its backward, as ATen's `_vec_log_softmax_lastdim` and
/// `_vec_host_softmax_backward_lastdim` compute them in scalar vectors.
fn log_softmax(x: &[f32], out: &mut [f32]) {
    let max = x[1..].iter().fold(x[0], |m, &v| if v > m || v.is_nan() { v } else { m });
    let sum = x[1..].iter().fold((x[0] - max).exp(), |s, &v| s + (v - max).exp());
    let log_sum = sum.ln();
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v - max - log_sum;
    }
}

/// The optimiser's state, one entry per parameter.
#[derive(Clone, Debug)]
pub enum Optimizer {
    /// `torch.optim.Adam(lr, (0.9, 0.999), 1e-8, weight_decay)`.
    Adam { lr: f64, weight_decay: f64, step: f64, moments: Vec<(Vec<f32>, Vec<f32>)> },
    /// `torch.optim.SGD(lr, momentum, weight_decay)`.
    Sgd { lr: f64, momentum: f64, weight_decay: f64, buffers: Vec<Option<Vec<f32>>> },
}

impl Optimizer {
    pub fn adam(lr: f64, weight_decay: f64) -> Self {
        Optimizer::Adam { lr, weight_decay, step: 0.0, moments: Vec::new() }
    }

    pub fn sgd(lr: f64, momentum: f64, weight_decay: f64) -> Self {
        Optimizer::Sgd { lr, momentum, weight_decay, buffers: Vec::new() }
    }

    /// One `optimizer.step()`, as [`crate::engine::optim`] writes it out with ATen's operations.
    fn step(&mut self, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
        match self {
            Optimizer::Adam { lr, weight_decay, step, moments } => {
                if moments.is_empty() {
                    *moments = params.iter().map(|p| (vec![0.0; p.len()], vec![0.0; p.len()])).collect();
                }
                *step += 1.0;
                let (beta1, beta2, eps) = (0.9f64, 0.999f64, 1e-8f64);
                let bias_correction1 = 1.0 - beta1.powf(*step);
                let bias_correction2 = 1.0 - beta2.powf(*step);
                let step_size = *lr / bias_correction1;
                let bias_correction2_sqrt = bias_correction2.powf(std::hint::black_box(0.5)) as f32;
                let (decay, weight, keep, gain) =
                    (*weight_decay as f32, (1.0 - beta1) as f32, beta2 as f32, (1.0 - beta2) as f32);
                let (eps, value) = (eps as f32, -step_size as f32);
                for ((param, grad), (exp_avg, exp_avg_sq)) in params.iter_mut().zip(grads).zip(moments) {
                    for i in 0..param.len() {
                        let g = decayed(grad[i], param[i], decay);
                        exp_avg[i] += weight * (g - exp_avg[i]);
                        exp_avg_sq[i] = exp_avg_sq[i] * keep + gain * g * g;
                    }
                    let mut denom = exp_avg_sq.clone();
                    sqrt_in_place(&mut denom);
                    for i in 0..param.len() {
                        let denom = denom[i] / bias_correction2_sqrt + eps;
                        param[i] += value * exp_avg[i] / denom;
                    }
                }
            }
            Optimizer::Sgd { lr, momentum, weight_decay, buffers } => {
                buffers.resize(params.len(), None);
                let (decay, momentum, alpha) = (*weight_decay as f32, *momentum as f32, -*lr as f32);
                for ((param, grad), buffer) in params.iter_mut().zip(grads).zip(buffers) {
                    let g: Vec<f32> =
                        grad.iter().zip(param.iter()).map(|(&g, &p)| decayed(g, p, decay)).collect();
                    let step = if momentum == 0.0 {
                        &g
                    } else {
                        match buffer {
                            // buf.mul_(momentum).add_(grad, alpha=1)
                            Some(buf) => buf.iter_mut().zip(&g).for_each(|(b, &g)| *b = *b * momentum + g),
                            None => *buffer = Some(g.clone()),
                        }
                        buffer.as_ref().expect("set above")
                    };
                    for (p, &s) in param.iter_mut().zip(step) {
                        *p += alpha * s;
                    }
                }
            }
        }
    }
}

/// `grad.add(param, alpha=weight_decay)` (`optim::with_weight_decay`), the gradient itself without decay.
fn decayed(grad: f32, param: f32, decay: f32) -> f32 {
    if decay != 0.0 {
        grad + decay * param
    } else {
        grad
    }
}

/// An SRN's parameters in `seq_models.py`'s order (H0, W, U, hid_bias, V, out_bias), row-major, and
/// the scratch space of a training step.
pub struct ScalarSrn {
    pub nin: usize,
    pub hid: usize,
    pub nout: usize,
    pub params: Vec<Vec<f32>>,
}

impl ScalarSrn {
    pub fn new(nin: usize, hid: usize, nout: usize, params: Vec<Vec<f32>>) -> Result<Self> {
        let sizes = [hid, nin * hid, hid * hid, hid, hid * nout, nout];
        if params.len() != 6 || params.iter().zip(sizes).any(|(p, n)| p.len() != n) {
            bail!("an SRN {nin}-{hid}-{nout} has parameters of sizes {sizes:?}");
        }
        if hid > MAX_HIDDEN || nin > 7 || nout > 7 {
            bail!("the scalar engine takes up to {MAX_HIDDEN} hidden units and 7 symbols, not {nin}-{hid}-{nout}");
        }
        Ok(ScalarSrn { nin, hid, nout, params })
    }

    /// One training step on the sequence `seq` (inputs `seq[..L]`, labels `seq[1..]`): returns the
    /// loss before the update.
    pub fn train_step(&mut self, seq: &[i64], optimizer: &mut Optimizer) -> f32 {
        let (loss, grads) = self.gradients(seq);
        optimizer.step(&mut self.params, &grads);
        loss
    }

    /// The loss on `seq` and each parameter's gradient, as `loss.backward()` leaves them.
    pub fn gradients(&self, seq: &[i64]) -> (f32, Vec<Vec<f32>>) {
        let (hid, nout) = (self.hid, self.nout);
        let steps = seq.len() - 1;
        let inputs: Vec<usize> = seq[..steps].iter().map(|&s| s as usize).collect();
        let labels: Vec<usize> = seq[1..].iter().map(|&s| s as usize).collect();
        let [h0, w, u, hid_bias, v, out_bias] = self.params.as_slice() else { unreachable!() };

        // Forward: hidden[0] is tanh(H0), hidden[t + 1] the state after input t.
        let mut hidden = vec![0f32; (steps + 1) * hid];
        hidden[..hid].copy_from_slice(h0);
        tanh_in_place(&mut hidden[..hid]);
        let mut one_hot = vec![0f32; self.nin];
        let (mut from_input, mut from_state) = (vec![0f32; hid], vec![0f32; hid]);
        for (t, &symbol) in inputs.iter().enumerate() {
            one_hot.fill(0.0);
            one_hot[symbol] = 1.0;
            matmul(&one_hot, w, 1, self.nin, hid, &mut from_input);
            matmul(&hidden[t * hid..(t + 1) * hid], u, 1, hid, hid, &mut from_state);
            let next = &mut hidden[(t + 1) * hid..(t + 2) * hid];
            for j in 0..hid {
                next[j] = from_input[j] + from_state[j] + hid_bias[j];
            }
            tanh_in_place(next);
        }
        let states = &hidden[hid..];
        let mut output = vec![0f32; steps * nout];
        matmul(states, v, steps, hid, nout, &mut output);
        for row in output.chunks_mut(nout) {
            for (o, &b) in row.iter_mut().zip(out_bias) {
                *o += b;
            }
        }
        let mut log_prob = vec![0f32; steps * nout];
        for (row, out) in output.chunks(nout).zip(log_prob.chunks_mut(nout)) {
            log_softmax(row, out);
        }
        let loss = nll_loss(&log_prob, &labels, nout);

        // Backward.
        let grad_label = -(1.0f32 / steps as f32);
        let mut grad_output = vec![0f32; steps * nout];
        for (t, &label) in labels.iter().enumerate() {
            let row = &mut grad_output[t * nout..(t + 1) * nout];
            let mut grad_row = vec![0f32; nout];
            grad_row[label] = grad_label;
            let sum = grad_row[1..].iter().fold(grad_row[0], |s, &g| s + g);
            for o in 0..nout {
                row[o] = grad_row[o] - log_prob[t * nout + o].exp() * sum;
            }
        }
        let mut grads: Vec<Vec<f32>> = self.params.iter().map(|p| vec![0f32; p.len()]).collect();
        column_sum(&grad_output, steps, nout, &mut grads[5]);
        let transposed = |m: &[f32], rows: usize, cols: usize| -> Vec<f32> {
            (0..cols * rows).map(|i| m[(i % rows) * cols + i / rows]).collect()
        };
        let states_t = transposed(states, steps, hid);
        matmul(&states_t, &grad_output, hid, steps, nout, &mut grads[4]);
        let mut grad_states = vec![0f32; steps * hid];
        matmul(&grad_output, &transposed(v, hid, nout), steps, nout, hid, &mut grad_states);

        let u_t = transposed(u, hid, hid);
        let mut grad_next = vec![0f32; hid];
        let mut grad_pre = vec![0f32; hid];
        let (mut outer_w, mut outer_u) = (vec![0f32; self.nin * hid], vec![0f32; hid * hid]);
        for t in (0..steps).rev() {
            let h = &hidden[(t + 1) * hid..(t + 2) * hid];
            for j in 0..hid {
                let grad_h = if t + 1 < steps {
                    grad_states[t * hid + j] + grad_next[j]
                } else {
                    grad_states[t * hid + j]
                };
                grad_pre[j] = grad_h * (1.0 - h[j] * h[j]);
            }
            one_hot.fill(0.0);
            one_hot[inputs[t]] = 1.0;
            matmul(&one_hot, &grad_pre, self.nin, 1, hid, &mut outer_w);
            matmul(&hidden[t * hid..(t + 1) * hid], &grad_pre, hid, 1, hid, &mut outer_u);
            let first = t + 1 == steps;
            accumulate(&mut grads[1], &outer_w, first);
            accumulate(&mut grads[2], &outer_u, first);
            let bias_part: Vec<f32> = grad_pre.iter().map(|&g| 0.0 + g).collect();
            accumulate(&mut grads[3], &bias_part, first);
            matmul(&grad_pre, &u_t, 1, hid, hid, &mut grad_next);
        }
        let h0_state = &hidden[..hid];
        for j in 0..hid {
            grads[0][j] = grad_next[j] * (1.0 - h0_state[j] * h0_state[j]);
        }
        (loss, grads)
    }
}

/// A leaf's gradient from one more time step: autograd keeps the first that arrives and adds each
/// later one to the sum.
fn accumulate(sum: &mut [f32], part: &[f32], first: bool) {
    if first {
        sum.copy_from_slice(part);
    } else {
        for (s, &p) in sum.iter_mut().zip(part) {
            *s += p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_log2_is_c10s() {
        assert_eq!([0, 1, 2, 3, 4, 5, 16, 17].map(ceil_log2), [1, 1, 1, 2, 2, 3, 4, 5]);
    }

    /// A cascade of 16-element chunks rounds differently from a running sum: 1 + 2^-24 * 16 ones
    /// in order loses every small term, the cascade keeps them.
    #[test]
    fn the_cascade_sums_chunks_first() {
        let mut x = vec![2f32.powi(-24); 64];
        x[0] = 1.0;
        let sum = row_sum(|i| x[i], x.len());
        let running = x.iter().fold(0f32, |s, &v| s + v);
        assert_eq!(running, 1.0);
        assert!(sum > 1.0, "{sum}");
    }
}
