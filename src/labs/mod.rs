//! One module per ported course script: its arguments, config, training, trace, replay and run, each
//! opening with the script it ports and the result it should give. No lab uses another.

use crate::parity::Replay;

pub mod depth;
pub mod encoder;
pub mod seq;
pub mod spirals;
pub mod xor;

/// Each lab's replay of its fixtures, by the `"script"` its traces carry: what `hud verify` and the
/// parity tests call (the parity machinery itself knows no lab).
pub const REPLAYS: &[(&str, Replay)] = &[
    (encoder::Trace::SCRIPT, encoder::replay),
    (spirals::Trace::SCRIPT, spirals::replay),
    (xor::Trace::SCRIPT, xor::replay),
    (depth::Trace::SCRIPT, depth::replay),
    (seq::Trace::SCRIPT, seq::replay),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_fixture_names_a_lab() {
        let fixtures = crate::parity::embedded();
        assert!(!fixtures.is_empty());
        for fixture in &fixtures {
            let script = fixture.script().unwrap();
            assert!(super::REPLAYS.iter().any(|(name, _)| *name == script), "{}: {script}", fixture.name);
        }
    }
}
