//! Many independent encoder runs trained at once, as one tensor program: every run's weights are
//! stacked along a leading run dimension and each epoch is the same few dozen batched operations,
//! whatever the number of runs, on the CPU or a GPU.
//!
//! Each run starts from exactly the weights `hud encoder --seed S` draws, and follows the script's loop:
//! full-batch forward pass, mean binary cross-entropy, SGD with momentum, stop after the first epoch
//! whose loss is at most `stop`. A run that stops is frozen (its update masked to zero) and later
//! dropped from the batch; nothing a run computes mixes with another run's numbers, so its result does
//! not depend on which runs share its batch.
//!
//! Bit for bit with the single run on CPU. `torch.bmm` rounds its dot products differently from the
//! single run's `addmm`/`mm`, so the batched products are written out elementwise in the single run's
//! order: MKL's sgemm (most shapes) is a chain of fused multiply-adds in index order, which `addcmul`
//! reproduces; ATen's own loop (taken for small shapes, e.g. fewer than 4 outputs) rounds each product
//! and sums even and odd terms apart; in the portable kernels (MKL's COMPATIBLE branch, ATen's scalar
//! loops) each product is rounded and added in index order. [`Products::calibrate`] finds which one
//! each product uses by trying them all. The input is the identity, so `input @ W.t()` is `W.t()` exactly, and its weight
//! gradient is the transposed back-propagated gradient. `sigmoid` rounds differently in a kernel's
//! vector loop and its scalar tail, so each run's outputs go through the same split as a lone run's
//! ([`crate::engine::ops::sigmoid_per_run`]); every other operation is elementwise with one rounding, or a
//! per-run reduction that sums in the single run's order. Measured (tests/sweep.rs): identical losses,
//! epochs and outcomes for every shape with 2 to 4 hidden units tried; with one hidden unit (matrix-
//! vector products) or 5 or more with fewer than 4 outputs, equal to within rounding only, and the
//! sweep says so.

use crate::data::targets::Target;
use crate::engine::model::{seeded, EncModel};
use crate::engine::ops::sigmoid_per_run;
use crate::engine::trace::LinearTrace;
use anyhow::{ensure, Result};
use tch::{nn, Device, Kind, Reduction, Tensor};

/// What varies between the runs of one batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSpec {
    pub seed: u64,
    pub init: f64,
    pub lr: f64,
    pub mom: f64,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// An epoch's loss was at most the stop loss (that epoch's step was still taken, as in the script).
    Converged,
    /// It ran the maximum number of epochs.
    NotConverged,
    /// Its outputs became NaN at this epoch; that epoch's step was not taken.
    Diverged,
}

/// The result of one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// Epochs run (for a diverged run, the epoch whose outputs were NaN).
    pub epochs: u64,
    /// The loss of the last epoch (NaN for a diverged run).
    pub final_loss: f32,
    /// Whether every output of the final network is on the right side of 0.5.
    pub correct: bool,
}

/// The shared settings of a batch.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub hid: i64,
    pub epochs: u64,
    pub stop: f64,
}

/// A batch's results: one outcome per run, and the loss of every epoch for the runs asked for.
pub struct BatchResult {
    pub outcomes: Vec<Outcome>,
    /// Each run's final `in_hid` and `hid_out` (the weights after its last step).
    pub final_weights: Vec<[LinearTrace; 2]>,
    /// How the batch rounded its products, and whether that is the single run's rounding.
    pub products: Products,
    pub tracked_losses: Vec<Vec<f32>>,
}

/// How often (in epochs) the host looks at the batch: to end it, drop finished runs, report progress.
const CHECK_EVERY: u64 = 100;

/// The stacked parameters of the runs still in the batch, `net.parameters()` order:
/// `in_hid.weight [R,K,N]`, `in_hid.bias [R,K]`, `hid_out.weight [R,M,K]`, `hid_out.bias [R,M]`.
struct Stack {
    params: [Tensor; 4],
    buffers: Option<[Tensor; 4]>,
    /// `-lr` and `momentum` of each run, shaped to broadcast over weights and biases.
    neg_lr: [Tensor; 2],
    mom: [Tensor; 2],
    /// Which run (index into the caller's list) each row is.
    ids: Vec<usize>,
    ledger: Ledger,
}

/// Per row, on the device: still training; the epoch it ended (or the last epoch); its last loss;
/// whether it diverged.
struct Ledger {
    active: Tensor,
    end_epoch: Tensor,
    final_loss: Tensor,
    diverged: Tensor,
}

impl Ledger {
    fn new(rows: i64, epochs: u64, device: Device) -> Self {
        Ledger {
            active: Tensor::ones([rows], (Kind::Bool, device)),
            end_epoch: Tensor::full([rows], epochs as i64, (Kind::Int64, device)),
            final_loss: Tensor::full([rows], f64::NAN, (Kind::Float, device)),
            diverged: Tensor::zeros([rows], (Kind::Bool, device)),
        }
    }

    /// Books an epoch's losses (NaN where the outputs were NaN): rows that end with it (loss at most
    /// `stop`, or NaN, or the last epoch) record it and stop being active.
    fn book(&mut self, epoch: u64, last_epoch: bool, loss: &Tensor, nan: &Tensor, stop: f64) {
        let ended = self.active.logical_and(&nan.logical_or(&loss.gt(stop).logical_not()));
        let _ = self.end_epoch.masked_fill_(&ended, epoch as i64);
        self.final_loss = loss.where_self(&ended, &self.final_loss);
        self.diverged = self.diverged.logical_or(&self.active.logical_and(nan));
        self.active = self.active.logical_and(&ended.logical_not());
        if last_epoch {
            self.final_loss = loss.where_self(&self.active, &self.final_loss);
        }
    }
}

impl Stack {
    fn select(&self, rows: &Tensor) -> Result<Stack> {
        let pick = |t: &Tensor| t.index_select(0, rows);
        let ids_kept = Vec::<i64>::try_from(rows.to_device(Device::Cpu))?;
        Ok(Stack {
            params: self.params.each_ref().map(pick),
            buffers: self.buffers.as_ref().map(|b| b.each_ref().map(pick)),
            neg_lr: self.neg_lr.each_ref().map(pick),
            mom: self.mom.each_ref().map(pick),
            ids: ids_kept.iter().map(|&i| self.ids[i as usize]).collect(),
            ledger: Ledger {
                active: pick(&self.ledger.active),
                end_epoch: pick(&self.ledger.end_epoch),
                final_loss: pick(&self.ledger.final_loss),
                diverged: pick(&self.ledger.diverged),
            },
        })
    }
}

/// How one of libtorch's matrix products rounds its dot products, for a given shape and layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// MKL's sgemm: the first product, then one fused multiply-add per further term, in index order.
    FusedChain,
    /// ATen's own small-matrix loop: each product rounded, the even-indexed and the odd-indexed ones
    /// summed separately in index order, then the two sums added (for two terms, `p0 + p1`).
    TwoLaneSum,
    /// MKL's COMPATIBLE branch (the portable kernels) and ATen's scalar loops: each product rounded,
    /// then added in index order.
    Sequential,
}

impl Rounding {
    /// `sum_i a_i * b_i` over the terms in order, rounded this way.
    fn sum(self, terms: impl IntoIterator<Item = (Tensor, Tensor)>) -> Tensor {
        let mut terms = terms.into_iter();
        let (a, b) = terms.next().expect("a product of at least one term");
        let mut acc = a * b;
        match self {
            Rounding::FusedChain => {
                for (a, b) in terms {
                    let _ = acc.addcmul_(&a, &b);
                }
                acc
            }
            Rounding::Sequential => {
                for (a, b) in terms {
                    let _ = acc.g_add_(&(a * b));
                }
                acc
            }
            Rounding::TwoLaneSum => {
                let mut odd: Option<Tensor> = None;
                for (k, (a, b)) in terms.enumerate() {
                    let product = a * b;
                    match (k % 2, &mut odd) {
                        (0, None) => odd = Some(product),
                        (0, Some(odd)) => drop(odd.g_add_(&product)),
                        _ => drop(acc.g_add_(&product)),
                    }
                }
                match odd {
                    Some(odd) => acc + odd,
                    None => acc,
                }
            }
        }
    }
}

/// How the single run's three matrix products round, found by trying them. Which kernel libtorch picks
/// for `addmm`/`mm` depends on the shapes and strides (MKL's sgemm for most; ATen's own loops where a
/// dimension is small, e.g. fewer than 4 outputs; matrix-vector code for K = 1), so rather than
/// restate those rules, each product is computed every way on random numbers and compared with the call
/// the single run makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Products {
    /// `hidden.linear(hid_out.weight, hid_out.bias)`, contracted over K.
    pub output: Rounding,
    /// `grad.t().mm(hidden)`, contracted over the N items.
    pub grad_out_weight: Rounding,
    /// `grad.mm(hid_out.weight)`, contracted over the M outputs.
    pub grad_hidden: Rounding,
    /// Whether all three matched one of the roundings exactly.
    pub exact: bool,
    /// Per-run sums as chains of elementwise adds in index order, rather than reduction kernels. On
    /// the CPU the reduction kernels sum each run as the single run does, whatever the batch; on a GPU
    /// they pick their thread layout from the tensor's shape, so a run's sums (and its loss) would
    /// depend on how many runs share its batch.
    pub fixed_order_sums: bool,
}

impl Products {
    /// The roundings of an N-K-M network's products on the CPU. (On a GPU no emulation is exact: cuBLAS
    /// has its own orders, and the fused chain is used.)
    pub fn calibrate(items: i64, hid: i64, outputs: i64) -> Products {
        let _no_grad = tch::no_grad_guard();
        let options = (Kind::Float, Device::Cpu);
        // Any numbers will do; a fixed seed keeps the answer the same from run to run.
        let trials: Vec<[Tensor; 4]> = seeded(0x5eed, || {
            (0..8)
                .map(|_| {
                    let hidden = Tensor::rand([items, hid], options) * 2 - 1;
                    let grad = Tensor::randn([items, outputs], options);
                    let weight = Tensor::randn([outputs, hid], options);
                    let bias = Tensor::randn([outputs], options);
                    [hidden, grad, weight, bias]
                })
                .collect()
        });
        let find = |single: &dyn Fn(&[Tensor; 4]) -> Tensor,
                    batched: &dyn Fn(&[Tensor; 4], Rounding) -> Tensor| {
            [Rounding::FusedChain, Rounding::TwoLaneSum, Rounding::Sequential].into_iter().find(|&rounding| {
                trials.iter().all(|t| single(t).equal(&batched(t, rounding).squeeze_dim(0)))
            })
        };
        let one = |t: &Tensor| t.unsqueeze(0);
        let output = find(&|[h, _, w, b]| h.linear(w, Some(b)), &|[h, _, w, b], r| {
            output_sum(&one(h), &one(w), &one(b), r)
        });
        let grad_out_weight =
            find(&|[h, g, _, _]| g.tr().mm(h), &|[h, g, _, _], r| grad_weight_product(&one(g), &one(h), r));
        let grad_hidden =
            find(&|[_, g, w, _]| g.mm(w), &|[_, g, w, _], r| grad_hidden_product(&one(g), &one(w), r));
        let or_chain = |r: Option<Rounding>| r.unwrap_or(Rounding::FusedChain);
        Products {
            output: or_chain(output),
            grad_out_weight: or_chain(grad_out_weight),
            grad_hidden: or_chain(grad_hidden),
            exact: output.is_some() && grad_out_weight.is_some() && grad_hidden.is_some(),
            fixed_order_sums: false,
        }
    }

    /// `x` summed over `dim`, one value per run.
    fn sum_over(&self, x: &Tensor, dim: i64) -> Tensor {
        if !self.fixed_order_sums {
            return x.sum_dim_intlist(&[dim][..], false, None);
        }
        let mut parts = x.unbind(dim).into_iter();
        let mut sum = parts.next().expect("a dimension of at least one element").copy();
        for part in parts {
            let _ = sum.g_add_(&part);
        }
        sum
    }

    /// Each run's mean binary cross-entropy, `[R,N,M]` outputs to `[R]`.
    fn mean_loss(&self, output: &Tensor, target: &Tensor) -> Tensor {
        let losses = output.binary_cross_entropy(target, None::<Tensor>, Reduction::None);
        if !self.fixed_order_sums {
            return losses.mean_dim(&[1i64, 2][..], false, None);
        }
        let per_run = (output.size()[1] * output.size()[2]) as f64;
        self.sum_over(&self.sum_over(&losses, 2), 1) / per_run
    }

    /// The products a GPU batch uses.
    pub fn gpu() -> Products {
        let r = Rounding::FusedChain;
        Products { output: r, grad_out_weight: r, grad_hidden: r, exact: false, fixed_order_sums: true }
    }
}

/// `hidden @ w2.t() + b2` per run: `[R,N,K]`, `[R,M,K]`, `[R,M]` to `[R,N,M]`.
fn output_sum(hidden: &Tensor, w2: &Tensor, b2: &Tensor, rounding: Rounding) -> Tensor {
    let hid_cols = hidden.unsqueeze(3).unbind(2); // K x [R,N,1]
    let w2_cols = w2.transpose(1, 2).unsqueeze(2).unbind(1); // K x [R,1,M]
    rounding.sum(hid_cols.into_iter().zip(w2_cols)) + b2.unsqueeze(1)
}

/// `grad.t() @ hidden` per run, contracted over the items: `[R,N,M]`, `[R,N,K]` to `[R,M,K]`.
fn grad_weight_product(grad: &Tensor, hidden: &Tensor, rounding: Rounding) -> Tensor {
    let grad_cols = grad.unsqueeze(3).unbind(1); // N x [R,M,1]
    let hidden_rows = hidden.unsqueeze(2).unbind(1); // N x [R,1,K]
    rounding.sum(grad_cols.into_iter().zip(hidden_rows))
}

/// `grad @ w2` per run, contracted over the outputs: `[R,N,M]`, `[R,M,K]` to `[R,N,K]`.
fn grad_hidden_product(grad: &Tensor, w2: &Tensor, rounding: Rounding) -> Tensor {
    let grad_terms = grad.unsqueeze(3).unbind(2); // M x [R,N,1]
    let w2_rows = w2.unsqueeze(2).unbind(1); // M x [R,1,K]
    rounding.sum(grad_terms.into_iter().zip(w2_rows))
}

/// The forward pass of every run: hidden activations `[R,N,K]` and outputs `[R,N,M]`.
fn forward(params: &[Tensor; 4], products: &Products) -> (Tensor, Tensor) {
    let [w1, b1, w2, b2] = params;
    // addmm(b1, I, w1.t()): the products with the identity are exact, leaving w1.t() + b1.
    let hidden = (w1.transpose(1, 2) + b1.unsqueeze(1)).tanh();
    let out_sum = output_sum(&hidden, w2, b2, products.output);
    (hidden, sigmoid_per_run(&out_sum))
}

/// Trains `runs` (each with its own seed, init, lr and momentum) on `target` for at most
/// `schedule.epochs` epochs, on `device`. `track` lists the runs whose every loss to keep;
/// `progress(epoch, runs_left)` is called every 100 epochs.
pub fn train(
    target: &Target,
    schedule: &Schedule,
    runs: &[RunSpec],
    track: &[usize],
    device: Device,
    mut progress: impl FnMut(u64, usize),
) -> Result<BatchResult> {
    ensure!(!runs.is_empty(), "a batch needs at least one run");
    ensure!(schedule.stop < 1.0, "--stop must be below 1 (the script's loop starts from loss = 1.0)");
    ensure!(schedule.epochs >= 1, "--epochs must be at least 1");
    let _no_grad = tch::no_grad_guard();
    let (items, outputs) = (target.num_items() as i64, target.num_outputs() as i64);
    let mut stack = initial_stack(runs, items, schedule, outputs, device);
    let products = if device == Device::Cpu {
        Products::calibrate(items, schedule.hid, outputs)
    } else {
        Products::gpu()
    };
    let target = target.tensor().to_device(device);
    let ones = Tensor::ones([1, items, outputs], (Kind::Float, device));
    let stop = f64::from(schedule.stop as f32);

    let mut outcomes = vec![None; runs.len()];
    let mut final_weights = vec![None; runs.len()];
    let mut tracked_losses = vec![Vec::new(); runs.len()];
    let mut tracked_pending: Vec<Tensor> = Vec::new();
    let is_tracked: Vec<bool> = (0..runs.len()).map(|i| track.contains(&i)).collect();

    let mut tracked_rows = tracked_positions(&stack.ids, &is_tracked, device);

    let mut epoch = 0;
    while epoch < schedule.epochs {
        epoch += 1;
        let (hidden, output) = forward(&stack.params, &products);
        let nan = output.isnan().flatten(1, -1).any_dim(1, false);
        let output = output.nan_to_num(0.5, None, None);
        let target = target.expand_as(&output);
        let loss = products.mean_loss(&output, &target);
        let gradients = backward(&stack.params, &products, &hidden, &output, &target, &ones);

        let stepping = stack.ledger.active.logical_and(&nan.logical_not());
        sgd_step(&mut stack, &gradients, &stepping);

        let loss = loss.masked_fill(&nan, f64::NAN);
        stack.ledger.book(epoch, epoch == schedule.epochs, &loss, &nan, stop);
        if let Some(rows) = &tracked_rows {
            tracked_pending.push(loss.index_select(0, rows));
        }

        if epoch % CHECK_EVERY == 0 || epoch == schedule.epochs {
            flush_tracked(&mut tracked_pending, &stack.ids, &is_tracked, &mut tracked_losses)?;
            let active = &stack.ledger.active;
            let left = active.sum(Kind::Int64).int64_value(&[]) as usize;
            progress(epoch, left);
            if left == 0 || epoch == schedule.epochs {
                record(
                    &stack,
                    &products,
                    &active.ones_like(),
                    &target,
                    stop,
                    &mut outcomes,
                    &mut final_weights,
                )?;
                break;
            }
            // Drop the finished runs once they are half the batch: fewer rows, same numbers.
            if left * 2 <= stack.ids.len() {
                record(
                    &stack,
                    &products,
                    &active.logical_not(),
                    &target,
                    stop,
                    &mut outcomes,
                    &mut final_weights,
                )?;
                let keep = active.nonzero().view([-1]);
                stack = stack.select(&keep)?;
                tracked_rows = tracked_positions(&stack.ids, &is_tracked, device);
            }
        }
    }
    let outcomes: Vec<Outcome> = outcomes.into_iter().map(|o| o.expect("every run has an outcome")).collect();
    // A frozen run stays in the batch until it is dropped: keep its losses up to its last epoch only.
    for (history, outcome) in tracked_losses.iter_mut().zip(&outcomes) {
        history.truncate(outcome.epochs as usize);
    }
    let final_weights = final_weights.into_iter().map(|w| w.expect("every run has weights")).collect();
    Ok(BatchResult { final_weights, products, outcomes, tracked_losses })
}

/// Each run's initial weights, drawn on the CPU exactly as `hud encoder --seed S --init I` draws them,
/// then stacked on `device`.
fn initial_stack(runs: &[RunSpec], items: i64, schedule: &Schedule, outputs: i64, device: Device) -> Stack {
    let hid = schedule.hid;
    let nets: Vec<[Tensor; 4]> = runs
        .iter()
        .map(|run| {
            let vs = nn::VarStore::new(Device::Cpu);
            seeded(run.seed, || {
                let mut net = EncModel::new(&vs.root(), items, hid, outputs);
                net.init_weights(run.init);
                net.parameters().map(|p| p.detach().copy())
            })
        })
        .collect();
    let params = std::array::from_fn(|i| {
        Tensor::stack(&nets.iter().map(|p| p[i].shallow_clone()).collect::<Vec<_>>(), 0).to_device(device)
    });
    let column = |values: Vec<f32>, shape: &[i64]| Tensor::from_slice(&values).view(shape).to_device(device);
    let neg_lr: Vec<f32> = runs.iter().map(|r| -r.lr as f32).collect();
    let mom: Vec<f32> = runs.iter().map(|r| r.mom as f32).collect();
    Stack {
        params,
        buffers: None,
        neg_lr: [column(neg_lr.clone(), &[-1, 1, 1]), column(neg_lr, &[-1, 1])],
        mom: [column(mom.clone(), &[-1, 1, 1]), column(mom, &[-1, 1])],
        ids: (0..runs.len()).collect(),
        ledger: Ledger::new(runs.len() as i64, schedule.epochs, device),
    }
}

/// The gradients of every run's mean loss, as [`EncModel::loss_and_gradients`] computes them for one.
fn backward(
    params: &[Tensor; 4],
    products: &Products,
    hidden: &Tensor,
    output: &Tensor,
    target: &Tensor,
    ones: &Tensor,
) -> [Tensor; 4] {
    let [_, _, w2, _] = params;
    let per_run = (output.size()[1] * output.size()[2]) as f64;
    // binary_cross_entropy_backward with Mean: the elementwise formula, then divided by numel.
    let grad_output = output.binary_cross_entropy_backward(
        &ones.expand_as(output),
        target,
        None::<Tensor>,
        Reduction::None,
    ) / per_run;
    let grad_out_sum = Tensor::sigmoid_backward(&grad_output, output);
    let grad_out_bias = products.sum_over(&grad_out_sum, 1);
    let grad_out_weight = grad_weight_product(&grad_out_sum, hidden, products.grad_out_weight);
    let grad_hidden = grad_hidden_product(&grad_out_sum, w2, products.grad_hidden);
    let grad_hid_sum = Tensor::tanh_backward(&grad_hidden, hidden);
    let grad_hid_bias = products.sum_over(&grad_hid_sum, 1);
    // grad.t().mm(I) is grad.t() exactly.
    let grad_hid_weight = grad_hid_sum.transpose(1, 2);
    [grad_hid_weight, grad_hid_bias, grad_out_weight, grad_out_bias]
}

/// Python's single-tensor SGD for every run at once, with per-run `lr` and `momentum`. Rows where
/// `stepping` is false keep their parameters and their momentum buffers as they are: selected, not
/// multiplied by zero, since a frozen run's buffer could otherwise keep growing to infinity (momentum
/// above 1), and infinity times zero is NaN. `p.add_(buf, alpha=-lr)` is one fused multiply-add, as is
/// `p.addcmul(buf, -lr)`, so a per-run learning rate rounds as the scalar one does.
fn sgd_step(stack: &mut Stack, gradients: &[Tensor; 4], stepping: &Tensor) {
    let masks = [stepping.view([-1, 1, 1]), stepping.view([-1, 1])];
    let shape_of = |i: usize| i % 2; // weights are 3-D, biases 2-D
    match &mut stack.buffers {
        None => stack.buffers = Some(gradients.each_ref().map(Tensor::copy)),
        Some(buffers) => {
            for (i, (buffer, grad)) in buffers.iter_mut().zip(gradients).enumerate() {
                let updated = buffer.g_mul(&stack.mom[shape_of(i)]).g_add_(grad);
                *buffer = updated.where_self(&masks[shape_of(i)], buffer);
            }
        }
    }
    let buffers = stack.buffers.as_ref().unwrap();
    for (i, (param, buffer)) in stack.params.iter_mut().zip(buffers).enumerate() {
        let updated = param.addcmul(buffer, &stack.neg_lr[shape_of(i)]);
        *param = updated.where_self(&masks[shape_of(i)], param);
    }
}

/// Positions (rows of the current batch) of the tracked runs, if any are still in it.
fn tracked_positions(ids: &[usize], is_tracked: &[bool], device: Device) -> Option<Tensor> {
    let rows: Vec<i64> =
        ids.iter().enumerate().filter(|(_, &id)| is_tracked[id]).map(|(row, _)| row as i64).collect();
    (!rows.is_empty()).then(|| Tensor::from_slice(&rows).to_device(device))
}

/// Moves the tracked runs' pending losses to the host, appending each to its run's history (a frozen
/// run's entries after its last epoch are cut off at the end of [`train`]).
fn flush_tracked(
    pending: &mut Vec<Tensor>,
    ids: &[usize],
    is_tracked: &[bool],
    histories: &mut [Vec<f32>],
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let block = Tensor::stack(pending, 0).to_device(Device::Cpu); // [epochs, tracked]
    pending.clear();
    let block = Vec::<Vec<f32>>::try_from(block)?;
    let tracked_ids: Vec<usize> = ids.iter().copied().filter(|&id| is_tracked[id]).collect();
    for row in block {
        for (&id, &loss) in tracked_ids.iter().zip(&row) {
            histories[id].push(loss);
        }
    }
    Ok(())
}

/// Records the outcome of the rows in `done` that have none yet.
fn record(
    stack: &Stack,
    products: &Products,
    done: &Tensor,
    target: &Tensor,
    stop: f64,
    outcomes: &mut [Option<Outcome>],
    final_weights: &mut [Option<[LinearTrace; 2]>],
) -> Result<()> {
    let (_, output) = forward(&stack.params, products);
    let correct =
        output.gt(0.5).eq_tensor(&target.expand_as(&output).gt(0.5)).flatten(1, -1).all_dim(1, false);
    let host = |t: &Tensor| t.to_device(Device::Cpu);
    let done = Vec::<bool>::try_from(host(done))?;
    let epochs = Vec::<i64>::try_from(host(&stack.ledger.end_epoch))?;
    let losses = Vec::<f32>::try_from(host(&stack.ledger.final_loss))?;
    let diverged = Vec::<bool>::try_from(host(&stack.ledger.diverged))?;
    let correct = Vec::<bool>::try_from(host(&correct))?;
    let params = stack.params.iter().map(to_host).collect::<Result<Vec<_>>>()?;
    for (row, &id) in stack.ids.iter().enumerate() {
        if !done[row] || outcomes[id].is_some() {
            continue;
        }
        let status = if diverged[row] {
            Status::Diverged
        } else if losses[row] > stop as f32 {
            Status::NotConverged
        } else {
            Status::Converged
        };
        outcomes[id] = Some(Outcome {
            status,
            epochs: epochs[row] as u64,
            final_loss: losses[row],
            correct: correct[row] && status != Status::Diverged,
        });
        let layer = |weight: &[Vec<Vec<f32>>], bias: &[Vec<f32>]| LinearTrace {
            weight: weight[row].clone(),
            bias: bias[row].clone(),
        };
        final_weights[id] = Some([layer(&params[0].0, &params[1].1), layer(&params[2].0, &params[3].1)]);
    }
    Ok(())
}

/// A stacked parameter on the host, one entry per row: as matrices (for weights) and as vectors (for
/// biases); only the one that fits its shape is filled.
type HostParam = (Vec<Vec<Vec<f32>>>, Vec<Vec<f32>>);

fn to_host(param: &Tensor) -> Result<HostParam> {
    let size = param.size();
    let values = Vec::<f32>::try_from(param.to_device(Device::Cpu).contiguous().view([-1]))?;
    let per_row = values.len() / size[0].max(1) as usize;
    let rows: Vec<Vec<f32>> = values.chunks(per_row.max(1)).map(<[f32]>::to_vec).collect();
    Ok(match size.as_slice() {
        [_, _, columns] => (
            rows.iter().map(|r| r.chunks(*columns as usize).map(<[f32]>::to_vec).collect()).collect(),
            vec![],
        ),
        _ => (vec![], rows),
    })
}
