//! The encoder scripts' training loop: one full batch per epoch, mean binary cross-entropy, one SGD
//! step with momentum, until the epoch's loss is at most `stop` or `epochs` have run.
//!
//! Bit-for-bit notes. `nn::Sgd` runs libtorch's C++ SGD, whose operations (`buf = grad.clone()`
//! on the first step, then `buf.mul_(m).add_(grad, 1 - dampening)`, `p.add_(buf, -lr)`) are those of
//! Python's single-tensor `torch.optim.SGD` on CPU, and its `zero_grad` sets gradients to None as
//! Python's does. The stop test compares the f32 loss with `stop` rounded to f32, as PyTorch compares a
//! float tensor with a Python float; before the first epoch the script's `loss = 1.0` is a Python
//! float, compared in f64.

use anyhow::{bail, Result};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Reduction, Tensor};

const ADVICE: &str = "try a smaller --lr, --mom or --init";

/// A libtorch error, without its C++ backtrace.
pub fn torch_error(error: tch::TchError) -> anyhow::Error {
    anyhow::anyhow!("libtorch: {}", crate::without_backtrace(&error.to_string()))
}

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

/// Trains `net`, whose parameters live in `vs`, on `(input, target)` and returns the loss of every
/// epoch (computed before that epoch's step, as the script prints it). `after_epoch(epoch, loss)` runs
/// after each step; an error from it ends training. A loss that is not finite ends training with an
/// error naming the epoch.
pub fn train_full_batch(
    vs: &nn::VarStore,
    net: &impl Module,
    input: &Tensor,
    target: &Tensor,
    schedule: &Schedule,
    mut after_epoch: impl FnMut(u64, f32) -> Result<()>,
) -> Result<Vec<f32>> {
    let mut optimizer = nn::Sgd { momentum: schedule.mom, ..Default::default() }.build(vs, schedule.lr)?;
    let stop = schedule.stop as f32;
    let mut losses = Vec::new();
    let mut epoch = 0;
    let mut keep_going = 1.0 > schedule.stop;
    while epoch < schedule.epochs && keep_going {
        epoch += 1;
        optimizer.zero_grad();
        let output = net.forward(input);
        let loss = match output.f_binary_cross_entropy(target, None::<Tensor>, Reduction::Mean) {
            Ok(loss) => loss,
            // It rejects outputs outside [0, 1], NaN among them: say why.
            Err(_) if output.isnan().any().int64_value(&[]) != 0 => {
                bail!("the run diverged at epoch {epoch}: the network's outputs became NaN ({ADVICE})")
            }
            Err(e) => return Err(torch_error(e)),
        };
        loss.f_backward().map_err(torch_error)?;
        optimizer.step();
        let loss = f32::try_from(&loss)?;
        if !loss.is_finite() {
            bail!("the run diverged at epoch {epoch}: the loss became {loss} ({ADVICE})");
        }
        losses.push(loss);
        after_epoch(epoch, loss)?;
        keep_going = loss > stop;
    }
    Ok(losses)
}
