//! hud, hidden unit dynamics: the PyTorch lab scripts of UNSW's COMP9444 ported to tch, reproducing
//! PyTorch's numbers bit for bit on CPU, with the pictures the course draws.
//!
//! The folders are the layers, each using only those listed after it:
//! - [`labs`]: one module per ported course script (`hud encoder`, `hud xor`, `hud spirals`,
//!   `hud depth`): its arguments, config, training, trace, replay and run. No lab uses another;
//!   [`labs::REPLAYS`] is where each registers its replay for `hud verify`.
//! - [`studies`]: the commands that study a trained network or many runs (`hud sweep`,
//!   `hud symmetry`, `hud nonlinearity`, `hud exercises`); they build on the encoder lab.
//! - [`parity`]: fixtures, comparison with PyTorch's numbers and `hud verify`, knowing no lab (the
//!   replays come in as a table).
//! - [`draw`]: every picture: rendering, the hidden-unit picture, charts, labels and the layout
//!   check, the cube, pairs, regions, animations.
//! - [`engine`]: what makes numbers the way PyTorch makes them: networks, optimisers, ATen shims,
//!   training loops, batched runs, devices and kernels, traces of layers.
//! - [`analysis`]: measurements of the numbers: the cube's geometry and verdict, percentiles.
//! - [`data`]: what goes in and out: targets, point sets, files written all or nothing.
//!
//! PORTING.md says how to add a lab: one module in `labs/`, one line in `main.rs`, one in
//! [`labs::REPLAYS`].

use std::io::Write;

pub mod analysis;
pub mod data;
pub mod draw;
pub mod engine;
pub mod labs;
pub mod parity;
pub mod studies;

/// A libtorch error message without the C++ backtrace that follows it (newlines in it may have been
/// escaped, as `{:?}` escapes them).
pub fn without_backtrace(message: &str) -> &str {
    let first = message.split("Exception raised from").next().unwrap_or(message);
    first.trim_end().trim_end_matches("\\n").trim_end()
}

/// An error from libtorch, one line: its message without the C++ backtrace.
pub fn libtorch_error(message: &str) -> anyhow::Error {
    anyhow::anyhow!("libtorch: {}", without_backtrace(message))
}

/// Makes a panic (a libtorch error inside one of tch's infallible calls, or a bug) end the process
/// with one `error:` line instead of a backtrace, as every other failure does.
pub fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("unknown panic");
        // `println!` and `eprintln!` panic when their stream fails (a full disk, a closed terminal):
        // that is an error of the run, not of hud, and a failing standard error cannot carry it.
        if message.starts_with("failed printing to stderr") {
            std::process::exit(STREAM_FAILED);
        }
        let stdout_failed = message.strip_prefix("failed printing to stdout: ");
        let line = match stdout_failed {
            Some(reason) => format!("error: cannot write to standard output: {reason}"),
            None => format!("error: internal error: {}", without_backtrace(message)),
        };
        // Never `eprintln!` here: a panic inside the hook aborts the process.
        let _ = writeln!(std::io::stderr(), "{line}");
        if stdout_failed.is_some() {
            std::process::exit(STREAM_FAILED);
        }
    }));
}

/// The exit status when standard output or standard error cannot be written (other than a closed
/// pipe, which ends hud quietly by SIGPIPE, as it does any Unix tool).
pub const STREAM_FAILED: i32 = 74;
