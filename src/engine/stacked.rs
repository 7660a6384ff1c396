//! Many runs of one network trained at once, as one tensor program: the twin-spirals networks
//! ([`crate::engine::nets`]) and the deep networks ([`crate::engine::deep`]), with Adam. Every
//! parameter of R runs is stacked along a leading run dimension, so an epoch is the same few dozen
//! operations whatever R is, on the CPU or a GPU; each run starts from the weights its single run
//! draws (the caller draws them, as the single run does, and hands them over), may have its own
//! learning rate, and leaves the batch at its own stopping epoch.
//!
//! Bit for bit with the single run in the portable kernels (tests/stacked.rs): the forward passes are
//! the single runs' own code ([`crate::engine::nets::pass_with`], [`crate::engine::deep::forward_with`])
//! on stacked tensors, and each stacked operation rounds as the single run's does there, measured:
//! `baddbmm` sums each product as `addmm` does; a layer of one output takes `bmm(W, x^T)^T + b`, the
//! order of the single run's matrix-vector product; autograd's gradients of those are the single run's
//! products too; batch norm runs over the runs' channels side by side (`[n, runs * width]`), each
//! channel on its own; the loss's gradient is `binary_cross_entropy_backward` elementwise, divided by
//! the batch size as the mean's backward does, fed to autograd through `(output * grad).sum()`
//! (multiplying by 1 is exact); Adam is the single run's, with per-run rates where they differ
//! ([`crate::engine::optim::Adam::with_run_rates`]). Nothing mixes one run's numbers with another's,
//! so a run's result does not depend on which runs share its batch. In a machine's own (vector)
//! kernels the stacked products may round otherwise than a lone run's: equal within rounding.

use crate::engine::deep::{self, Arch};
use crate::engine::nets::{self, Shape};
use crate::engine::optim::Adam;
use anyhow::{ensure, Result};
use tch::{Device, Kind, Reduction, Tensor};

/// How a command with many runs trains them.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Engine {
    /// Runs of one network stacked and trained as one tensor program
    #[default]
    Stacked,
    /// One run at a time on each worker thread
    Threads,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Stacked => "stacked",
            Engine::Threads => "threads",
        }
    }
}

/// The parameters of many runs, stacked: `params[i]` is `[runs, ...]`, the single run's i-th
/// parameter (in `net.parameters()` order) of each run. They are views of one `[runs, all
/// parameters]` buffer, so that Adam updates every parameter in a few operations on the buffer (its
/// operations are elementwise: the same numbers as parameter by parameter) instead of a few for each.
pub struct Stack {
    pub params: Vec<Tensor>,
    /// Which run (index into the caller's list) each row is.
    pub ids: Vec<usize>,
    pub adam: Adam,
    flat: Tensor,
    /// Each parameter's shape without the run dimension.
    shapes: Vec<Vec<i64>>,
}

impl Stack {
    /// Stacks the runs' initial parameters (each run's list in the same order and shapes) on `device`.
    pub fn new(runs: &[Vec<Tensor>], device: Device, adam: Adam) -> Result<Self> {
        ensure!(!runs.is_empty(), "no runs to train");
        let count = runs[0].len();
        ensure!(runs.iter().all(|r| r.len() == count), "the runs' networks differ");
        let shapes: Vec<Vec<i64>> = runs[0].iter().map(Tensor::size).collect();
        let rows = runs
            .iter()
            .map(|r| {
                ensure!(r.iter().map(Tensor::size).eq(shapes.iter().cloned()), "the runs' networks differ");
                let flat: Vec<Tensor> = r.iter().map(|p| p.detach().reshape([-1])).collect();
                Ok(Tensor::cat(&flat, 0))
            })
            .collect::<Result<Vec<_>>>()?;
        let flat = Tensor::f_stack(&rows, 0)?.to_device(device);
        let mut stack = Stack { params: Vec::new(), ids: (0..runs.len()).collect(), adam, flat, shapes };
        stack.views();
        Ok(stack)
    }

    /// The parameters as views of the buffer, each a leaf that autograd differentiates.
    fn views(&mut self) {
        let runs = self.flat.size()[0];
        let mut offset = 0;
        self.params = self
            .shapes
            .iter()
            .map(|shape| {
                let size: i64 = shape.iter().product();
                let mut full = vec![runs];
                full.extend(shape);
                let view = self.flat.narrow(1, offset, size).view(full.as_slice());
                offset += size;
                view.set_requires_grad(true)
            })
            .collect();
    }

    pub fn runs(&self) -> usize {
        self.ids.len()
    }

    /// Keeps only the rows `keep` (in order): the other runs have ended.
    pub fn keep(&mut self, keep: &[i64]) {
        if keep.len() == self.ids.len() {
            return;
        }
        let index = Tensor::from_slice(keep).to_device(self.flat.device());
        self.flat = self.flat.index_select(0, &index);
        self.views();
        self.adam.keep_runs(keep);
        self.ids = keep.iter().map(|&r| self.ids[r as usize]).collect();
    }

    /// One Adam step from the gradient of `output` (`[runs, n, outputs]`) given by `grad`.
    pub fn step(&mut self, output: &Tensor, grad: &Tensor) -> Result<()> {
        let surrogate = (output * grad.detach()).sum(Kind::Float);
        let grads = Tensor::run_backward(&[&surrogate], &self.params, false, false);
        let runs = self.flat.size()[0];
        let rows: Vec<Tensor> = grads.iter().map(|g| g.reshape([runs, -1])).collect();
        let flat_grad = Tensor::cat(&rows, 1);
        self.adam.step(std::slice::from_mut(&mut self.flat), &[flat_grad])
    }

    /// `linear(x)` with the `i`-th (weight, bias) pair of the parameters from `first`.
    pub fn linear(&self, first: usize, i: usize, x: &Tensor) -> Tensor {
        linear(&self.params[first + 2 * i], &self.params[first + 2 * i + 1], x)
    }

    /// Row `row`'s parameters as they are now, copied to the CPU (the stack steps on in place).
    pub fn run_params(&self, row: usize) -> Vec<Tensor> {
        self.params.iter().map(|p| p.get(row as i64).detach().to_device(Device::Cpu).copy()).collect()
    }
}

/// `F.linear` of each run: `weight` `[runs, out, in]`, `bias` `[runs, out]`, `x` `[runs, n, in]`.
pub fn linear(weight: &Tensor, bias: &Tensor, x: &Tensor) -> Tensor {
    if weight.size()[1] == 1 {
        // A single run's `addmm` with one output is a matrix-vector product, which sums in another
        // order than `baddbmm`: `bmm(W, x^T)` sums as it does.
        weight.bmm(&contiguous_gradient(x).transpose(1, 2)).transpose(1, 2) + bias.unsqueeze(1)
    } else {
        bias.unsqueeze(1).baddbmm(x, &weight.transpose(1, 2), 1, 1)
    }
}

/// `x` itself, whose gradient autograd will hand back laid out contiguously whatever the layout of
/// the gradient that reaches it. A gradient that comes back transposed in memory (through `bmm(W, x^T)`
/// or the batch norm's side-by-side layout) would make the bias gradient of the layer below sum over
/// the batch in another order than the single run's. Flattened and shaped again, `x` is a view of
/// itself; the backward of the flattening reshapes the gradient to one dimension, which a transposed
/// gradient can only be by a contiguous copy (a contiguous gradient passes through, uncopied).
fn contiguous_gradient(x: &Tensor) -> Tensor {
    x.reshape([-1]).view(x.size().as_slice())
}

/// `F.batch_norm(z, training=True, momentum=0.1, eps=1e-5)` of each run: `z` `[runs, n, width]`,
/// `weight` and `bias` `[runs, width]`. The runs' channels side by side, `[n, runs * width]`.
pub fn batch_norm(z: &Tensor, weight: &Tensor, bias: &Tensor) -> Tensor {
    let (runs, n, width) = z.size3().expect("a stacked [runs, n, width] tensor");
    let side_by_side = contiguous_gradient(z).transpose(0, 1).reshape([n, runs * width]);
    let normed = side_by_side.batch_norm(
        Some(&weight.reshape([-1])),
        Some(&bias.reshape([-1])),
        None::<&Tensor>,
        None::<&Tensor>,
        true,
        0.1,
        1e-5,
        true,
    );
    normed.view([n, runs, width]).transpose(0, 1)
}

/// Each run's mean binary cross-entropy (`[runs]`) and its gradient with respect to the output, as
/// the single run's `binary_cross_entropy(reduction='mean')` and its backward compute them. Runs whose
/// outputs are NaN get loss NaN and gradient 0 (the caller drops them; the others are untouched):
/// since the loss clamps its logarithms, a NaN loss is the mark of NaN outputs.
pub fn mean_bce(output: &Tensor, target: &Tensor) -> (Tensor, Tensor) {
    let nan = output.isnan();
    let safe = output.detach().masked_fill(&nan, 0.5);
    let per_item = safe.binary_cross_entropy(target, None::<Tensor>, Reduction::None);
    let dims: Vec<i64> = (1..output.dim() as i64).collect();
    let count: i64 = output.size()[1..].iter().product();
    let loss = per_item.mean_dim(dims.as_slice(), false, Kind::Float);
    let grad = safe.binary_cross_entropy_backward(&safe.ones_like(), target, None::<Tensor>, Reduction::None)
        / count;
    let run_nan = nan.any_dims(dims.as_slice(), false);
    let loss = loss.masked_fill(&run_nan, f64::NAN);
    (loss, grad.masked_fill(&nan, 0.0))
}

/// The number of items each run gets right (`[runs]`, float): `(output >= 0.5) == target`, summed.
pub fn right(output: &Tensor, target: &Tensor) -> Tensor {
    let dims: Vec<i64> = (1..output.dim() as i64).collect();
    output.ge(0.5).to_kind(Kind::Float).eq_tensor(target).to_kind(Kind::Float).sum_dim_intlist(
        dims.as_slice(),
        false,
        Kind::Float,
    )
}

/// `input` (`[n, ...]`, shared by every run) as a stacked `[runs, n, ...]` view.
pub fn shared(input: &Tensor, runs: usize) -> Tensor {
    let mut size = input.size();
    size.insert(0, runs as i64);
    input.unsqueeze(0).expand(size.as_slice(), false)
}

/// The forward pass of stacked twin-spirals networks of this shape.
pub fn points_pass(stack: &Stack, shape: Shape, input: &Tensor) -> nets::Pass {
    nets::pass_with(shape, input, |k, x| stack.linear(0, k, x))
}

/// The forward pass of stacked deep networks: parameters in [`crate::engine::deep::DeepNet::parameters`]'
/// order (hidden Linears, batch norms, the output Linear).
pub fn deep_forward(stack: &Stack, arch: &Arch, input: &Tensor) -> deep::Forward {
    let depth = arch.depth;
    let norms = if arch.batchnorm { 2 * depth } else { 0 };
    let linear = |i: usize, x: &Tensor| {
        if i < depth {
            stack.linear(0, i, x)
        } else {
            stack.linear(2 * depth + norms, 0, x)
        }
    };
    let norm = |i: usize, z: &Tensor| {
        batch_norm(z, &stack.params[2 * depth + 2 * i], &stack.params[2 * depth + 2 * i + 1])
    };
    deep::forward_with(arch, input, linear, norm)
}

/// A deep run trained in a stack: what [`crate::engine::deep::train`] would have given (without
/// measurements), and its parameters at its last forward pass (on the CPU).
#[derive(Debug, Default)]
pub struct DeepRun {
    pub run: deep::Run,
    pub params: Vec<Tensor>,
}

/// Trains deep networks of one architecture together, from their initial parameters (each run's
/// [`crate::engine::deep::DeepNet::parameters`]), as [`crate::engine::deep::train`] trains each:
/// Adam on the full batch, a forward pass at every epoch, stopping at `training.stop_at`.
/// `progress(epoch, runs still training)` runs after each epoch.
pub fn train_deep(
    arch: &Arch,
    initial: &[Vec<Tensor>],
    input: &Tensor,
    target: &Tensor,
    training: &deep::Training,
    device: Device,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<DeepRun>> {
    ensure!(training.measure_at.is_empty(), "stacked runs are not measured layer by layer");
    let adam = Adam::new(training.lr, (0.9, 0.999), 1e-8, 0.0);
    let mut stack = Stack::new(initial, device, adam)?;
    let (input, target) = (input.to_device(device), target.to_device(device));
    let mut runs: Vec<DeepRun> = initial.iter().map(|_| DeepRun::default()).collect();
    for epoch in 0..=training.epochs {
        let rows = stack.runs();
        let target_rows = shared(&target, rows);
        let output = deep_forward(&stack, arch, &shared(&input, rows)).output;
        let (loss, grad) = mean_bce(&output, &target_rows);
        let count = output.size()[1..].iter().product::<i64>();
        let accuracy = tch::no_grad(|| right(&output, &target_rows) / count);
        let losses = Vec::<f32>::try_from(loss.to_device(Device::Cpu))?;
        let accuracies = Vec::<f32>::try_from(accuracy.to_device(Device::Cpu))?;
        let mut keep = Vec::with_capacity(rows);
        for row in 0..rows {
            let DeepRun { run, params } = &mut runs[stack.ids[row]];
            if losses[row].is_nan() {
                run.diverged_at = Some(epoch);
            } else {
                run.losses.push(losses[row]);
                run.accuracies.push(accuracies[row]);
                if training.stop_at.is_some_and(|s| f64::from(accuracies[row]) >= s) {
                    run.reached = Some(epoch);
                }
            }
            if run.diverged_at.is_some() || run.reached.is_some() || epoch == training.epochs {
                *params = stack.run_params(row);
            } else {
                keep.push(row as i64);
            }
        }
        if keep.is_empty() {
            break;
        }
        // The ended runs step too (their gradients are their own), and leave after.
        stack.step(&output, &grad)?;
        stack.keep(&keep);
        progress(epoch, stack.runs());
    }
    Ok(runs)
}

/// What a stacked run is to its single run here, for the output to say.
pub fn exactness(device: Device) -> &'static str {
    if device == Device::Cpu && crate::engine::kernels::portable_env_in_force() {
        "each stacked run is its single run bit for bit (portable kernels)"
    } else {
        "stacked runs equal their single runs within rounding in these kernels (--portable: bit for bit)"
    }
}
