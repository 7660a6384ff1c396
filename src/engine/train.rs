//! The encoder scripts' training loop: one full batch per epoch, mean binary cross-entropy, one SGD
//! step with momentum, until the epoch's loss is at most `stop` or `epochs` have run.
//!
//! Bit-for-bit notes. The gradients are autograd's, computed by the same kernels
//! ([`EncModel::loss_and_gradients`]); the update is Python's single-tensor SGD, op for op
//! ([`Sgd`]); Python's `zero_grad()` leaves nothing to carry over, and neither do we. The stop test
//! compares the f32 loss with `stop` rounded to f32, as PyTorch compares a float tensor with a Python
//! float; before the first epoch the script's `loss = 1.0` is a Python float, compared in f64.

use crate::engine::model::{mean_bce, EncModel, NanOutputs};
use crate::engine::optim::Sgd;
use anyhow::{bail, Result};
use tch::Tensor;

/// The most epochs any command trains a network for (the encoder's 100,000,000 take about 75 minutes).
pub const MAX_EPOCHS: u64 = 100_000_000;

const ADVICE: &str = "try a smaller --lr, --mom or --init";

/// The hyper-parameters of the encoder's training loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// Maximum number of epochs.
    pub epochs: u64,
    /// Stop once an epoch's loss is at most this.
    pub stop: f64,
    /// SGD learning rate.
    pub lr: f64,
    /// SGD momentum.
    pub mom: f64,
}

/// Trains `net` on `(input, target)` and returns the loss of every epoch (computed before that
/// epoch's step, as the script prints it). `after_epoch(epoch, loss)` runs after each step; an error
/// from it ends training. A diverging run (NaN outputs or loss) ends with an error naming the epoch.
pub fn train_full_batch(
    net: &EncModel,
    input: &Tensor,
    target: &Tensor,
    schedule: &Schedule,
    mut after_epoch: impl FnMut(u64, f32) -> Result<()>,
) -> Result<Vec<f32>> {
    let mut params = net.parameters();
    let mut optimizer = Sgd::new(schedule.lr, schedule.mom);
    let mut losses = Vec::new();
    let mut epoch = 0;
    let mut keep_going = starts(schedule.stop);
    while epoch < schedule.epochs && keep_going {
        epoch += 1;
        let (loss, grads) = match net.loss_and_gradients(input, target) {
            Err(e) if e.is::<NanOutputs>() => bail!("the run diverged at epoch {epoch}: {e} ({ADVICE})"),
            result => result?,
        };
        optimizer.step(&mut params, &grads)?;
        // Binary cross-entropy clamps its logarithms at -100, so a loss from outputs that are not NaN
        // is finite.
        let loss = f32::try_from(&loss)?;
        losses.push(loss);
        after_epoch(epoch, loss)?;
        keep_going = above_stop(loss, schedule.stop);
    }
    Ok(losses)
}

/// Whether the script's loop runs at all: `loss = 1.0` is a Python float there, so `loss > stop`
/// compares in f64.
fn starts(stop: f64) -> bool {
    1.0 > stop
}

/// The script's `loss > stop` after an epoch: a float32 tensor against a Python float, which PyTorch
/// compares in float32, with `stop` rounded to f32.
fn above_stop(loss: f32, stop: f64) -> bool {
    loss > stop as f32
}

/// One epoch of a classifier's training as the course's 2-D scripts run it (`spiral_main.py`'s
/// `train`): for each batch in order, `zero_grad()`, forward, mean binary cross-entropy, backward,
/// `optimizer.step()`; predictions `output >= 0.5` from the outputs computed before each step.
pub struct ClassifierEpoch {
    /// The last batch's loss.
    pub loss: f32,
    /// `100 * correct / total` over the epoch, in float32 as PyTorch computes it.
    pub accuracy: f32,
}

/// Runs one such epoch. `forward` is the network, `params` its parameters in `net.parameters()`
/// order. Gradients come from autograd (`torch.autograd.grad`, the kernels `loss.backward()` runs),
/// fresh for each batch as after Python's `zero_grad()` (which sets them to None).
pub fn classifier_epoch(
    forward: impl Fn(&Tensor) -> Tensor,
    params: &mut [Tensor],
    batches: &[(Tensor, Tensor)],
    optimizer: &mut crate::engine::optim::Adam,
) -> Result<ClassifierEpoch> {
    let (mut loss, mut correct, mut total) = (None, None::<Tensor>, 0i64);
    for (input, target) in batches {
        let output = forward(input);
        let batch_loss = mean_bce(&output, target)?;
        let grads = Tensor::run_backward(&[&batch_loss], &*params, false, false);
        optimizer.step(params, &grads)?;
        tch::no_grad(|| {
            // correct += (pred == target).float().sum()
            let right = output
                .ge(0.5)
                .to_kind(tch::Kind::Float)
                .eq_tensor(target)
                .to_kind(tch::Kind::Float)
                .sum(None);
            correct = Some(match correct.take() {
                Some(c) => c + right,
                None => right,
            });
        });
        total += target.size()[0];
        loss = Some(batch_loss);
    }
    let (Some(loss), Some(correct)) = (loss, correct) else { anyhow::bail!("no batches to train on") };
    // accuracy = 100*correct/total: a float32 tensor times a Python int, divided by a Python int.
    let accuracy = tch::no_grad(|| (correct * 100i64) / total);
    Ok(ClassifierEpoch { loss: f32::try_from(&loss)?, accuracy: f32::try_from(&accuracy)? })
}

/// Runs `work` on every item, on `jobs` threads. Each thread has one intra-op thread of its own, so
/// that a run computes exactly as it does alone whatever runs beside it, and its own `state` (data
/// loaded by `state()`: tensors cannot be shared between threads). Items are taken in order; the
/// results come back in the order they finish. The first error ends the work.
pub fn on_workers<I: Send, S, T: Send>(
    items: Vec<I>,
    jobs: usize,
    state: impl Fn() -> Result<S> + Sync,
    work: impl Fn(&S, I) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let workers = jobs.clamp(1, items.len().max(1));
    let queue = std::sync::Mutex::new(items.into_iter());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    tch::set_num_threads(1);
                    let state = state()?;
                    loop {
                        let Some(item) = queue.lock().unwrap().next() else { return Ok(()) };
                        let result = work(&state, item)?;
                        results.lock().unwrap().push(result);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().map_err(|_| anyhow::anyhow!("a training thread panicked"))??;
        }
        Ok(())
    })?;
    Ok(results.into_inner().unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_test_is_pytorchs_float32_comparison() {
        // f32(0.1) = 0.100000001490116..., above 0.1: PyTorch's `tensor(0.1) > 0.1` is False, so a loss
        // of f32(0.1) stops the run, where a comparison in f64 would carry on.
        assert!(f64::from(0.1f32) > 0.1);
        assert!(!above_stop(0.1f32, 0.1));
        assert!(above_stop(0.1f32.next_up(), 0.1));
        assert!(!above_stop(0.02, 0.02) && above_stop(f32::MIN_POSITIVE, 0.0) && !above_stop(0.0, 0.0));
        assert!(starts(0.99) && !starts(1.0));
    }

    #[test]
    fn workers_do_every_item_once_and_pass_errors_on() {
        let mut done = on_workers((0..20).collect(), 3, || Ok(10), |add, i: i32| Ok(i + add)).unwrap();
        done.sort_unstable();
        assert_eq!(done, (10..30).collect::<Vec<_>>());
        assert!(on_workers(Vec::<i32>::new(), 4, || Ok(()), |_, i| Ok(i)).unwrap().is_empty());
        let err = on_workers(
            (0..5).collect(),
            2,
            || Ok(()),
            |_, i: i32| {
                anyhow::ensure!(i != 3, "item 3 failed");
                Ok(i)
            },
        );
        assert_eq!(err.unwrap_err().to_string(), "item 3 failed");
        let state_err = on_workers(vec![1], 1, || anyhow::bail!("no data"), |_: &(), i: i32| Ok(i));
        assert_eq!(state_err.unwrap_err().to_string(), "no data");
    }
}
