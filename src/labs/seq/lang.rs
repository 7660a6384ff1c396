//! The course's languages (`anbn.py`, `reber.py`): each example drawn from numpy's legacy generator
//! exactly as the scripts draw it, with the symbols, the true next-symbol probabilities and the state
//! after each symbol, and printed as their `print_outputs` prints it.

use crate::data::numpy::{format_array, RandomState};

/// One example: the symbols (`seq`), for each symbol after the first the probabilities of every
/// symbol there (`prob`), and the state before each symbol (`state`).
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub seq: Vec<i64>,
    pub prob: Vec<Vec<f32>>,
    pub state: Vec<i64>,
}

/// `lang_anbn(num_class, length)` (a^n b^n for 2 classes, a^n b^n c^n for 3) or
/// `lang_reber(embed, length)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Lang {
    Anbn { num_class: usize, max_length: i64 },
    Reber { embed: bool, min_length: i64 },
}

/// The Reber grammar's graph: per node, the nodes it can go to and the symbols that take it there.
const REBER: [(&[usize], &str); 6] =
    [(&[1, 5], "TP"), (&[1, 2], "SX"), (&[3, 5], "SX"), (&[6], "E"), (&[3, 2], "VP"), (&[4, 5], "VT")];

impl Lang {
    pub fn num_class(&self) -> usize {
        match self {
            Lang::Anbn { num_class, .. } => *num_class,
            Lang::Reber { .. } => 7,
        }
    }

    pub fn chars(&self) -> &'static str {
        match self {
            Lang::Anbn { .. } => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            Lang::Reber { .. } => "BTSXPVE",
        }
    }

    /// `lang.get_sequence()`'s example (before it becomes tensors).
    pub fn example(&self, rng: &mut RandomState) -> Example {
        match *self {
            Lang::Anbn { num_class, max_length } => anbn(rng, num_class, max_length),
            Lang::Reber { embed: false, min_length } => reber(rng, min_length),
            Lang::Reber { embed: true, min_length } => embedded_reber(rng, min_length),
        }
    }
}

/// `lang_anbn.get_one_example`: five strings of (length-1) A's, then B's, C's..., each length drawn
/// by `np.random.randint(1, max_length + 1)`.
fn anbn(rng: &mut RandomState, num_class: usize, max_length: i64) -> Example {
    let (mut seq, mut prob, mut state) = (vec![0i64], Vec::new(), Vec::new());
    let one_hot = |k: usize| (0..num_class).map(|c| if c == k { 1.0 } else { 0.0 }).collect::<Vec<f32>>();
    let a_or_b = || (0..num_class).map(|c| [0.8, 0.2].get(c).copied().unwrap_or(0.0)).collect::<Vec<f32>>();
    for _ in 0..5 {
        let length = rng.randint(1, max_length + 1);
        state.push(0);
        for j in 1..length {
            prob.push(a_or_b());
            seq.push(0);
            state.push(j);
        }
        prob.push(a_or_b());
        seq.push(1);
        state.push(length);
        for j in 1..length {
            prob.push(one_hot(1));
            seq.push(1);
            state.push(length - j);
        }
        for k in 2..num_class {
            for j in 0..length {
                prob.push(one_hot(k));
                seq.push(k as i64);
                state.push(length - j);
            }
        }
        prob.push(one_hot(0));
        seq.push(0);
    }
    state.push(0);
    Example { seq, prob, state }
}

/// `lang_reber.get_one_example(min_length)`: a walk through the grammar from node 0 to node 6, the
/// second transition forced at nodes 2 and 4 while the string is short, else one drawn by
/// `np.random.randint(0, len(transitions))`.
fn reber(rng: &mut RandomState, min_length: i64) -> Example {
    let chars = "BTSXPVE";
    let (mut seq, mut prob, mut state) = (vec![0i64], Vec::new(), vec![0i64]);
    let mut node = 0usize;
    while node != 6 {
        state.push(node as i64 + 1);
        let mut this_prob = vec![0.0f32; 7];
        let (targets, symbols) = REBER[node];
        let i = if (seq.len() as i64) < min_length - 2 && (node == 2 || node == 4) {
            let forced = symbols.as_bytes()[1] as char;
            this_prob[chars.find(forced).unwrap()] = 1.0;
            1
        } else {
            let i = rng.randint(0, targets.len() as i64) as usize;
            for ch in symbols.chars() {
                // 1./len(transitions[1]) in double, stored in a float64 array, later read as float32.
                this_prob[chars.find(ch).unwrap()] = (1.0 / symbols.len() as f64) as f32;
            }
            i
        };
        prob.push(this_prob);
        seq.push(chars.find(symbols.as_bytes()[i] as char).unwrap() as i64);
        node = targets[i];
    }
    Example { seq, prob, state }
}

/// `lang_reber.get_one_embed_example(min_length)`: a Reber string between B T ... T E or B P ... P E.
fn embedded_reber(rng: &mut RandomState, min_length: i64) -> Example {
    let middle = reber(rng, min_length - 4);
    let upper = rng.randint(0, 2) == 1;
    let (first, offset, before_end) = if upper { (4, 10, 17) } else { (1, 2, 9) };
    let mut state = vec![0, 1];
    state.extend(middle.state.iter().map(|s| s + offset));
    state.extend([before_end, 18]);
    let mut seq = vec![0, first];
    seq.extend(&middle.seq);
    seq.extend([first, 6]);
    let (f1, f4) = if upper { (0.0, 1.0) } else { (1.0, 0.0) };
    let mut prob = vec![vec![0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0], vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]];
    prob.extend(middle.prob);
    prob.push(vec![0.0, f1, 0.0, 0.0, f4, 0.0, 0.0]);
    prob.push(vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    Example { seq, prob, state }
}

/// What `print_outputs` prints for an example after `epoch` steps: the states, symbols and labels,
/// (for Reber) the true probabilities, then per symbol the hidden activations and output
/// probabilities, then the epoch and the mean squared error against the true probabilities.
/// `hidden` and `probs` are per step; `errors` the script's `error:` (and, embedded, `final:`) values.
pub fn printed(
    lang: &Lang,
    epoch: u64,
    example: &Example,
    hidden: &[Vec<f32>],
    probs: &[Vec<f32>],
    errors: &[f32],
) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let joined = |v: &[i64], sep: &str| v.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(sep);
    let chars: Vec<char> = lang.chars().chars().collect();
    let symbols: String = example.seq.iter().map(|&k| chars[k as usize]).collect();
    let _ = writeln!(t, "-----");
    match lang {
        Lang::Anbn { .. } => {
            let _ = writeln!(t, "color = {}", joined(&example.state, ""));
            let _ = writeln!(t, "symbol= {symbols}");
            let _ = writeln!(t, "label = {}", joined(&example.seq, ""));
            let _ = writeln!(t, "hidden activations and output probabilities:");
            for k in 0..example.state.len() - 1 {
                let symbol = chars[example.seq[k + 1] as usize];
                let _ = writeln!(t, "{symbol} {} {}", format_array(&hidden[k]), format_array(&probs[k]));
            }
        }
        Lang::Reber { embed, .. } => {
            match embed {
                true => writeln!(t, "state =  {}", joined(&example.state, " ")),
                false => writeln!(t, "state = {}", joined(&example.state, "")),
            }
            .ok();
            let _ = writeln!(t, "symbol= {symbols}");
            let _ = writeln!(t, "label = {}", joined(&example.seq, ""));
            let _ = writeln!(t, "true probabilities:");
            let _ = writeln!(t, "     B    T    S    X    P    V    E");
            for k in 0..example.state.len() - 1 {
                let _ = writeln!(t, "{} {}", example.state[k + 1], format_array(&example.prob[k]));
            }
            let _ = writeln!(t, "hidden activations and output probabilities [BTSXPVE]:");
            for k in 0..example.state.len() - 1 {
                let state = example.state[k + 1];
                let _ = writeln!(t, "{state} {} {}", format_array(&hidden[k]), format_array(&probs[k]));
            }
        }
    }
    let _ = writeln!(t, "epoch: {epoch}");
    let _ = writeln!(t, "error: {:1.4}", f64::from(errors[0]));
    if let Some(last) = errors.get(1) {
        let _ = writeln!(t, "final: {:1.4}", f64::from(*last));
    }
    t
}
