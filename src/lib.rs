//! hud, hidden unit dynamics: the PyTorch lab scripts of UNSW's COMP9444 ported to tch, reproducing
//! PyTorch's numbers bit for bit on CPU, with the pictures the course draws.
//!
//! One module per ported script ([`encoder`], [`xor`]; PORTING.md says how to add one); the pieces
//! they share each have their own: networks built as PyTorch builds them ([`model`]), optimisers as
//! Python runs them ([`optim`]), training loops ([`train`]), data ([`targets`], [`points`]),
//! pictures ([`plot`]) and their change during training ([`animate`]), traces ([`trace`]) and parity
//! with saved PyTorch runs ([`parity`]).

use std::io::Write;

pub mod animate;
pub mod batched;
pub mod cube;
pub mod cube_plot;
pub mod deep;
pub mod depth;
pub mod depth_plot;
pub mod device;
pub mod encoder;
pub mod exercises;
pub mod figure;
pub mod files;
pub mod kernels;
pub mod labels;
pub mod layout;
pub mod live;
pub mod model;
pub mod nets;
pub mod nonlinearity;
pub mod ops;
pub mod optim;
pub mod parity;
pub mod plot;
pub mod points;
pub mod region_plot;
pub mod smooth;
pub mod space_plot;
pub mod spirals;
pub mod stats;
pub mod sweep;
pub mod sweep_plot;
pub mod symmetry;
pub mod targets;
pub mod trace;
pub mod train;
pub mod trained;
pub mod xor;

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
