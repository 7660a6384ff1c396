//! `hud seq --html`: what the page records while the network trains (see
//! [`crate::draw::explorer::seq`]). The sequences are the `--dynamics` picture's, drawn from a
//! generator of their own so that the training data and the printed lines stay the script's.
//!
//! Recorded steps: 0, 1,000, 2,000, 5,000, 10,000, ... (as `--dynamics`), every k-th thousand so that
//! at most [`MAX_EVERY`] are, and the last evaluation.

use super::lang::{Example, Lang};
use super::{outputs, Config};
use crate::draw::explorer::seq::{Explorer, Sequence, Snapshot};
use crate::draw::explorer::{css, Curve};
use crate::engine::recurrent::Recurrent;
use anyhow::{ensure, Result};

/// The most steps recorded at multiples of a thousand besides the 1-2-5 ones.
pub const MAX_EVERY: u64 = 25;
/// The most hidden states (symbols read, over all the sequences) a recorded step holds.
pub const MAX_STATES: usize = 5_000;

/// Keeps the hidden states of `examples` as the network trains.
pub struct Recorder {
    config: Config,
    examples: Vec<Example>,
    every: u64,
    snapshots: Vec<Snapshot>,
}

impl Recorder {
    /// Refuses networks the page cannot draw.
    pub fn check(hid: i64) -> Result<()> {
        ensure!(
            hid == 2 || hid == 3,
            "--html draws the hidden states for 2 or 3 hidden units (a plane or a cube), this network has {hid}"
        );
        Ok(())
    }

    /// A recorder of `examples`, which may hold at most [`MAX_STATES`] states in all.
    pub fn new(config: &Config, examples: Vec<Example>) -> Result<Self> {
        let states: usize = examples.iter().map(|e| e.seq.len().saturating_sub(1)).sum();
        ensure!(
            states <= MAX_STATES,
            "--html: the {} sequences have {states} states; at most {MAX_STATES} fit one page (give a smaller \
             --num-plot or --length)",
            examples.len()
        );
        let every = crate::draw::explorer::coarsened(1000, super::last_evaluation(config.steps), MAX_EVERY);
        Ok(Recorder { config: config.clone(), examples, every, snapshots: Vec::new() })
    }

    /// To be called at each evaluation (every 1000 steps) with the network as it is.
    pub fn after_report(&mut self, step: u64, net: &Recurrent) -> Result<()> {
        let last = super::last_evaluation(self.config.steps);
        if step == 0
            || super::round_steps().any(|s| s == step)
            || step.is_multiple_of(self.every)
            || step == last
        {
            self.snapshots.push(self.snapshot(step, net)?);
        }
        Ok(())
    }

    fn snapshot(&self, step: u64, net: &Recurrent) -> Result<Snapshot> {
        let (mut hidden, mut probs) = (Vec::new(), Vec::new());
        for example in &self.examples {
            let out = outputs(&self.config, net, example)?;
            hidden.push(out.hidden);
            probs.push(out.probs);
        }
        Ok(Snapshot { step, start: super::start_state(&self.config, net)?, hidden, probs })
    }

    /// The page's data, with the loss of every step (step 0 first).
    pub fn finish(self, name: String, losses: &[f32]) -> Explorer {
        let lang: &Lang = &self.config.lang;
        let alphabet: String = lang.chars().chars().take(lang.num_class()).collect();
        let letters: Vec<char> = alphabet.chars().collect();
        let sequences = self
            .examples
            .iter()
            .map(|e| Sequence {
                symbols: e.seq.iter().map(|&s| letters.get(s as usize).copied().unwrap_or('?')).collect(),
                states: e.state[1..].to_vec(),
            })
            .collect();
        let max_state = super::max_state(lang).max(1);
        let state_colours =
            (0..=max_state).map(|s| css(super::picture::jet(s as f64 / max_state as f64))).collect();
        Explorer {
            kind: "seq",
            name,
            hid: self.config.hid,
            alphabet,
            sequences,
            state_colours,
            snapshots: self.snapshots,
            loss: Curve::starting_at(0, losses),
            kernels: crate::engine::kernels::Kernels::here().describe(),
        }
    }
}
