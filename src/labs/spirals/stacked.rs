//! Many spirals runs trained at once ([`crate::engine::stacked`]): runs of one network shape (any
//! seeds, `--init` and `--lr`) stacked, each as [`super::train`] trains it alone: two batches of 97
//! per epoch, Adam, stopping at the first multiple of 100 epochs with every point right. A run that
//! stops leaves the batch; the batch ends when every run has.

use super::{Config, ADAM_BETAS, ADAM_EPS, BATCH_SIZE, WEIGHT_DECAY};
use crate::data::points::PointSet;
use crate::engine::optim::Adam;
use crate::engine::stacked::{self, Stack};
use anyhow::{ensure, Result};
use tch::{Device, Kind, Tensor};

/// How often (in epochs) the host looks at the batch: runs stop only at multiples of 100.
const CHECK_EVERY: u64 = 100;

/// A run trained in a stack: what [`super::train`] would have given.
#[derive(Debug)]
pub struct StackedRun {
    /// The last batch's loss and the accuracy, per epoch (kept only when asked for: otherwise the
    /// last epoch's alone).
    pub losses: Vec<f32>,
    pub accuracies: Vec<f32>,
    /// Epochs run (for a diverged run, up to the epoch whose outputs were NaN).
    pub epochs: u64,
    /// Its outputs became NaN (the single run ends with an error there).
    pub diverged: bool,
    /// The parameters after its last step, in `net.parameters()` order (on the CPU).
    pub params: Vec<Tensor>,
}

impl StackedRun {
    /// Whether it stopped the script's way: at a multiple of 100 epochs with 100% accuracy.
    pub fn solved(&self) -> bool {
        !self.diverged && self.epochs.is_multiple_of(100) && self.accuracies.last() == Some(&100.0)
    }
}

/// Trains `configs` (one network shape, one `--epochs`, the same points) together on `device`;
/// `record` keeps every epoch's loss and accuracy; `progress(epoch, runs still training)` runs at
/// each check.
pub fn train(
    configs: &[Config],
    points: &PointSet,
    device: Device,
    record: bool,
    mut progress: impl FnMut(u64, usize),
) -> Result<Vec<StackedRun>> {
    ensure!(!configs.is_empty(), "no runs to train");
    let first = &configs[0];
    ensure!(
        configs.iter().all(|c| c.shape() == first.shape() && c.epochs == first.epochs),
        "runs stacked together must share their network and --epochs"
    );
    let initial: Vec<Vec<Tensor>> = configs.iter().map(|c| super::draw(c).1.parameters()).collect();
    let rates: Vec<f64> = configs.iter().map(|c| c.lr).collect();
    let adam = Adam::new(first.lr, ADAM_BETAS, ADAM_EPS, WEIGHT_DECAY).with_run_rates(&rates);
    let mut stack = Stack::new(&initial, device, adam)?;
    let batches = points.to_device(device).batches(BATCH_SIZE);
    let total = points.len() as i64;
    let shape = first.shape();
    let mut done: Vec<Option<StackedRun>> = configs.iter().map(|_| None).collect();
    let mut history: Vec<(Vec<f32>, Vec<f32>)> = vec![(Vec::new(), Vec::new()); configs.len()];
    let mut diverged = Tensor::zeros([configs.len() as i64], (Kind::Bool, device));
    for epoch in 1..first.epochs {
        let runs = stack.runs();
        let (mut loss, mut correct) = (None, None::<Tensor>);
        for (input, target) in &batches {
            let target = stacked::shared(target, runs);
            let output = stacked::points_pass(&stack, shape, &stacked::shared(input, runs)).output;
            let (batch_loss, grad) = stacked::mean_bce(&output, &target);
            diverged = diverged.logical_or(&batch_loss.isnan());
            stack.step(&output, &grad)?;
            let right = tch::no_grad(|| stacked::right(&output, &target));
            correct = Some(match correct.take() {
                Some(c) => c + right,
                None => right,
            });
            loss = Some(batch_loss);
        }
        let (Some(loss), Some(correct)) = (loss, correct) else { anyhow::bail!("no points to train on") };
        let accuracy = (correct * 100i64) / total;
        let last = epoch + 1 == first.epochs;
        let check = epoch.is_multiple_of(CHECK_EVERY) || last;
        if !(record || check) {
            continue;
        }
        let losses = Vec::<f32>::try_from(loss.to_device(Device::Cpu))?;
        let accuracies = Vec::<f32>::try_from(accuracy.to_device(Device::Cpu))?;
        for (row, &id) in stack.ids.iter().enumerate() {
            let (l, a) = &mut history[id];
            if !record {
                l.clear();
                a.clear();
            }
            l.push(losses[row]);
            a.push(accuracies[row]);
        }
        if !check {
            continue;
        }
        let nan = Vec::<bool>::try_from(diverged.to_device(Device::Cpu))?;
        let ended: Vec<bool> = (0..stack.runs())
            .map(|row| last || nan[row] || (epoch.is_multiple_of(100) && accuracies[row] == 100.0))
            .collect();
        for (row, _) in ended.iter().enumerate().filter(|(_, &e)| e) {
            let id = stack.ids[row];
            let (losses, accuracies) = std::mem::take(&mut history[id]);
            done[id] = Some(StackedRun {
                losses,
                accuracies,
                epochs: epoch,
                diverged: nan[row],
                params: stack.run_params(row),
            });
        }
        let keep: Vec<i64> = (0..stack.runs() as i64).filter(|&r| !ended[r as usize]).collect();
        let keep_index = Tensor::from_slice(&keep).to_device(device);
        diverged = diverged.index_select(0, &keep_index);
        stack.keep(&keep);
        progress(epoch, stack.runs());
        if stack.runs() == 0 {
            break;
        }
    }
    Ok(done.into_iter().map(|d| d.expect("every run ends by the last epoch")).collect())
}
