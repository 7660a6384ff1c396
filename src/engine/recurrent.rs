//! The course's recurrent networks (`seq_models.py`), built and run as PyTorch builds and runs them:
//! the same parameters in the same order, drawn by the same calls, and the forward pass written with
//! the same tensor operations step by step, so that autograd's backward is the same too.

use tch::{Kind, Tensor};

/// `SRN_model(nin, nhid, nout)` or `LSTM_model(nin, nhid, nout)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Srn,
    Lstm,
}

/// A recurrent network: its parameters in registration order (SRN: H0, W, U, hid_bias, V, out_bias;
/// LSTM: W, U, hid_bias, V, out_bias), each a leaf that requires grad.
pub struct Recurrent {
    pub cell: Cell,
    pub hid: i64,
    pub params: Vec<Tensor>,
}

impl Recurrent {
    /// The network as `seq_train.py` makes it: an SRN's parameters each `normal_(0, init)` in order; an
    /// LSTM's each `uniform_(-1/sqrt(hid), 1/sqrt(hid))` in order (its `init_weights`).
    pub fn new(cell: Cell, nin: i64, hid: i64, nout: i64, init: f64) -> Self {
        let shapes: Vec<Vec<i64>> = match cell {
            Cell::Srn => {
                vec![vec![hid], vec![nin, hid], vec![hid, hid], vec![hid], vec![hid, nout], vec![nout]]
            }
            Cell::Lstm => {
                vec![vec![nin, 4 * hid], vec![hid, 4 * hid], vec![4 * hid], vec![hid, nout], vec![nout]]
            }
        };
        let params = tch::no_grad(|| {
            shapes
                .iter()
                .map(|shape| {
                    let mut p = Tensor::empty(shape.as_slice(), (Kind::Float, tch::Device::Cpu));
                    let _ = match cell {
                        Cell::Srn => p.normal_(0.0, init),
                        Cell::Lstm => {
                            let stdv = 1.0 / (hid as f64).sqrt();
                            p.uniform_(-stdv, stdv)
                        }
                    };
                    p
                })
                .collect::<Vec<_>>()
        });
        let params = params.into_iter().map(|p| p.set_requires_grad(true)).collect();
        Recurrent { cell, hid, params }
    }

    /// `net(x)` for `x` of shape (1, sequence, nin): the hidden states (1, sequence, hid) and the
    /// outputs (1, sequence, nout), step by step as the script's loop computes them.
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        let steps = x.size()[1];
        let mut hidden_seq = Vec::with_capacity(steps as usize);
        match self.cell {
            Cell::Srn => {
                let [h0, w, u, hid_bias, _, _] = self.params.as_slice() else { unreachable!() };
                // init_hidden: tanh(H0).unsqueeze(0).expand(batch_size, -1)
                let mut h_t = h0.tanh().unsqueeze(0).expand([1, -1], false);
                for t in 0..steps {
                    let x_t = x.select(1, t);
                    let c_t = x_t.matmul(w) + h_t.matmul(u) + hid_bias;
                    h_t = c_t.tanh();
                    hidden_seq.push(h_t.unsqueeze(0));
                }
            }
            Cell::Lstm => {
                let [w, u, hid_bias, _, _] = self.params.as_slice() else { unreachable!() };
                let nh = self.hid;
                let mut h_t = Tensor::zeros([1, nh], (Kind::Float, tch::Device::Cpu));
                let mut c_t = Tensor::zeros([1, nh], (Kind::Float, tch::Device::Cpu));
                for t in 0..steps {
                    let x_t = x.select(1, t);
                    let gates = x_t.matmul(w) + h_t.matmul(u) + hid_bias;
                    let i_t = gates.slice(1, 0, nh, 1).sigmoid();
                    let f_t = gates.slice(1, nh, 2 * nh, 1).sigmoid();
                    let g_t = gates.slice(1, 2 * nh, 3 * nh, 1).tanh();
                    let o_t = gates.slice(1, 3 * nh, 4 * nh, 1).sigmoid();
                    c_t = &f_t * &c_t + &i_t * &g_t;
                    h_t = &o_t * c_t.tanh();
                    hidden_seq.push(h_t.unsqueeze(0));
                }
            }
        }
        let hidden_seq = Tensor::cat(&hidden_seq, 0).transpose(0, 1).contiguous();
        let n = self.params.len();
        let output = hidden_seq.matmul(&self.params[n - 2]) + &self.params[n - 1];
        (hidden_seq, output)
    }
}
