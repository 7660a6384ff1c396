//! What the recurrent lab is for, measured on fresh sequences through a trained network: whether it
//! predicts every symbol that can be predicted (a^n b^n: every B after the first, and the A after the
//! last B), whether its printed error stayed below 0.01 (the assignment's "consistently below
//! 0.01"), whether each Reber prediction is legal, and where the hidden state sits after each
//! symbol and state (the count, for a^n b^n).

use super::lang::{Example, Lang};
use std::fmt::Write;

/// How many of the last evaluations the printed error must stay below [`GOOD_ERROR`] in.
pub const LAST_EVALUATIONS: usize = 10;
/// The assignment's threshold for the printed error.
pub const GOOD_ERROR: f32 = 0.01;

/// One fresh sequence and what the network made of it.
pub struct Seen<'a> {
    pub example: &'a Example,
    pub hidden: &'a [Vec<f32>],
    pub probs: &'a [Vec<f32>],
    pub errors: &'a [f32],
}

/// The verdicts and the text `hud seq --analysis` prints.
pub struct Analysis {
    /// The printed error below [`GOOD_ERROR`] at each of the last [`LAST_EVALUATIONS`] evaluations.
    pub consistent: bool,
    /// Every certain next symbol predicted with probability above 0.5 (a^n b^n, a^n b^n c^n), or
    /// every most likely symbol legal (Reber).
    pub predicts: bool,
    pub text: String,
}

/// Analyses `seen` (fresh sequences through the trained network) and the errors printed in training.
pub fn analyse(lang: &Lang, printed_errors: &[Vec<f32>], seen: &[Seen]) -> Analysis {
    let mut text = String::new();
    let positions: usize = seen.iter().map(|s| s.probs.len()).sum();
    let trained = match printed_errors.len() {
        0 => "of the loaded network".to_string(),
        evaluations => format!("after {} training steps", (evaluations as u64 - 1) * 1000 + 1),
    };
    let _ =
        writeln!(text, "analysis {trained}, on {} fresh sequences ({positions} predictions):", seen.len());
    let last = &printed_errors[printed_errors.len().saturating_sub(LAST_EVALUATIONS)..];
    let worst_printed = last.iter().flatten().fold(0f32, |m, &e| m.max(e));
    let consistent = !last.is_empty() && worst_printed < GOOD_ERROR;
    if last.is_empty() {
        let _ = writeln!(text, "  no printed errors (a network loaded from a checkpoint)");
    } else {
        let _ = writeln!(
            text,
            "  printed error in the last {} evaluations: largest {worst_printed:.4}: {}",
            last.len(),
            if consistent {
                "below 0.01 every time (the assignment's goal)"
            } else {
                "not consistently below 0.01"
            }
        );
    }
    let fresh: Vec<f32> = seen.iter().flat_map(|s| s.errors.iter().copied()).collect();
    let mean = fresh.iter().sum::<f32>() / fresh.len().max(1) as f32;
    let below = fresh.iter().filter(|&&e| e < GOOD_ERROR).count();
    let _ = writeln!(
        text,
        "  error on the fresh sequences: mean {mean:.4}; below 0.01 in {below} of {}",
        fresh.len()
    );
    let predicts = match lang {
        Lang::Reber { .. } => legality(&mut text, seen),
        Lang::Anbn { .. } => certainty(&mut text, lang, seen),
    };
    states(&mut text, lang, seen);
    Analysis { consistent, predicts, text }
}

/// a^n b^n (c^n): at each step whose next symbol is certain, is it predicted (p > 0.5)?
fn certainty(text: &mut String, lang: &Lang, seen: &[Seen]) -> bool {
    let classes = lang.num_class();
    let (mut right, mut total, mut least) =
        (vec![0usize; classes], vec![0usize; classes], vec![1f32; classes]);
    for s in seen {
        for (truth, probs) in s.example.prob.iter().zip(s.probs) {
            if let Some(symbol) = truth.iter().position(|&p| p == 1.0) {
                total[symbol] += 1;
                right[symbol] += usize::from(probs[symbol] > 0.5);
                least[symbol] = least[symbol].min(probs[symbol]);
            }
        }
    }
    let (all_right, all) = (right.iter().sum::<usize>(), total.iter().sum::<usize>());
    let _ = writeln!(text, "  certain next symbols predicted (p > 0.5): {all_right} of {all}");
    let chars: Vec<char> = lang.chars().chars().collect();
    for symbol in (0..classes).filter(|&c| total[c] > 0) {
        let what = match (symbol, classes) {
            (0, _) => "the A after the last letter of a string".to_string(),
            (1, _) => "every B after the first".to_string(),
            (c, _) => format!("every {}", chars[c]),
        };
        let _ = writeln!(
            text,
            "    {}: {} of {} ({what}); the least p {:.3}",
            chars[symbol], right[symbol], total[symbol], least[symbol]
        );
    }
    all > 0 && all_right == all
}

/// Reber: is the most likely next symbol a legal one, and how much probability goes to illegal ones?
fn legality(text: &mut String, seen: &[Seen]) -> bool {
    let (mut legal, mut total, mut worst_mass) = (0usize, 0usize, 0f32);
    for s in seen {
        for (truth, probs) in s.example.prob.iter().zip(s.probs) {
            let best = (0..probs.len()).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap_or(0);
            total += 1;
            legal += usize::from(truth[best] > 0.0);
            let illegal: f32 = probs.iter().zip(truth).filter(|(_, &t)| t == 0.0).map(|(p, _)| p).sum();
            worst_mass = worst_mass.max(illegal);
        }
    }
    let _ = writeln!(
        text,
        "  most likely next symbol legal at {legal} of {total} steps; largest probability on illegal symbols {worst_mass:.3}"
    );
    total > 0 && legal == total
}

/// The mean hidden state after each (symbol read, state) pair: for a^n b^n the count up through the
/// A's and down through the B's.
fn states(text: &mut String, lang: &Lang, seen: &[Seen]) {
    let mut groups: std::collections::BTreeMap<(i64, i64), (usize, Vec<f64>)> = Default::default();
    for s in seen {
        for (k, h) in s.hidden.iter().enumerate() {
            let key = (s.example.seq[k], s.example.state[k + 1]);
            let entry = groups.entry(key).or_insert_with(|| (0, vec![0.0; h.len()]));
            entry.0 += 1;
            entry.1.iter_mut().zip(h).for_each(|(sum, &v)| *sum += f64::from(v));
        }
    }
    let chars: Vec<char> = lang.chars().chars().collect();
    let _ = writeln!(text, "  mean hidden state by the symbol just read and the state after it:");
    for ((symbol, state), (count, sum)) in groups {
        let mean: Vec<String> = sum.iter().map(|v| format!("{:6.3}", v / count as f64)).collect();
        let symbol = chars.get(symbol as usize).copied().unwrap_or('?');
        let _ = writeln!(text, "    {symbol} {state:>2}: ({})  {count} times", mean.join(", "));
    }
}
