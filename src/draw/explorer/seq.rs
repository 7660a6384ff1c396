//! The recurrent networks' explorer (`hud seq --html`): the hidden states of the same fresh sequences
//! at recorded training steps (the plane for two hidden units, the cube for three), each state
//! coloured by the language's state there as `seq_plot.py` colours it, each sequence's path, and for
//! each state its symbols so far and the network's next-symbol probabilities; the loss of every step.

use super::Curve;
use anyhow::Result;
use serde::Serialize;

/// One fresh sequence: its symbols, and the language's state after each symbol but the last (where
/// each hidden state is).
#[derive(Serialize, Clone, Debug)]
pub struct Sequence {
    pub symbols: String,
    pub states: Vec<i64>,
}

/// The network at one recorded step.
#[derive(Serialize, Clone, Debug)]
pub struct Snapshot {
    pub step: u64,
    /// The hidden state before the first symbol (tanh of H0 for the SRN, zeros for the LSTM).
    pub start: Vec<f32>,
    /// Per sequence, per symbol read (all but the last), the hidden state.
    pub hidden: Vec<Vec<Vec<f32>>>,
    /// Per sequence, per symbol read, the probability of each next symbol.
    pub probs: Vec<Vec<Vec<f32>>>,
}

/// The page's data.
#[derive(Serialize, Clone, Debug)]
pub struct Explorer {
    pub kind: &'static str,
    pub name: String,
    pub hid: i64,
    /// The symbols, in class order (`AB`, `BTSXPVE`).
    pub alphabet: String,
    pub sequences: Vec<Sequence>,
    /// The colour of each state, 0 to the largest (`jet`, as `seq_plot.py`).
    pub state_colours: Vec<String>,
    pub snapshots: Vec<Snapshot>,
    pub loss: Curve,
    pub kernels: String,
}

impl Explorer {
    /// The page.
    pub fn html(&self) -> Result<String> {
        super::page(&self.name, self, include_str!("../../../assets/explorer/seq.js"))
    }
}
