//! The `hud` command: parses the arguments and hands them to the script's module.

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Hidden unit dynamics: the COMP9444 PyTorch lab scripts in Rust, bit for bit with PyTorch on CPU.
#[derive(Parser, Debug)]
#[command(name = "hud", version)]
struct Cli {
    /// Compute in the portable kernels (ATen's scalar kernels, MKL COMPATIBLE, one thread, the correctly
    /// rounded sqrt in place of MKL's), whose
    /// numbers are the same on every x86-64 CPU and are those of the saved PyTorch fixtures and of the
    /// README's figures; without it, in this CPU's own kernels, as PyTorch runs here by default
    #[arg(long, global = true)]
    portable: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train an N-K-N encoder as encoder_main.py does and draw its hidden-unit space
    Encoder(hud::labs::encoder::Args),
    /// Train and draw the seed page's two exercises (Question 1: 6-2-3; Question 2: 8-3-8), and say
    /// what the pictures show
    Exercises(hud::studies::exercises::Args),
    /// Train a 2-2-1 network on XOR as xor.py does (a global or a local minimum)
    Xor(hud::labs::xor::Args),
    /// Train many encoder runs at once (seeds x a grid of sizes and settings) and summarise them
    Sweep(hud::studies::sweep::Args),
    /// Train PolarNet, RawNet, ShortNet (or a plain MLP) on the twin spirals as spiral_main.py does,
    /// and draw the output and every hidden unit over the plane
    Spirals(hud::labs::spirals::Args),
    /// Replay saved PyTorch reference runs and compare them with ours, bit for bit
    Verify(hud::parity::verify::Args),
    /// Check the seed page's weight-space symmetry claims numerically on a trained network
    Symmetry(hud::studies::symmetry::Args),
    /// Measure how the weights' size moves a network between nearly linear and step-like
    Nonlinearity(hud::studies::nonlinearity::Args),
    /// Measure vanishing and exploding gradients layer by layer in deep networks, or (--table) train
    /// every depth with every technique and tabulate which learn
    Depth(hud::labs::depth::Args),
    /// Train a recurrent network (SRN or LSTM) on a^n b^n, a^n b^n c^n or Reber, as seq_train.py does
    Seq(hud::labs::seq::Args),
}

/// `--noise -1e-6` as `--noise=-1e-6`, so that a negative value is parsed as a value (and `--seed -1`
/// refused as an invalid one) rather than taken for an unknown argument: clap takes only plain
/// negative numbers after a space, and only where an argument allows them.
fn joined_negative_values(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut joined: Vec<std::ffi::OsString> = Vec::new();
    for arg in args {
        let negative = arg.to_str().is_some_and(|a| {
            let mut chars = a.chars();
            chars.next() == Some('-') && chars.next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        });
        let option = joined
            .last()
            .and_then(|o| o.to_str())
            .is_some_and(|o| o.starts_with("--") && o.len() > 2 && !o.contains('='));
        match (negative, option) {
            (true, true) => {
                let last = joined.last_mut().expect("an option before the value");
                last.push("=");
                last.push(&arg);
            }
            _ => joined.push(arg),
        }
    }
    joined
}

fn main() {
    // A closed pipe (`hud ... | head`) ends hud quietly, as it does any Unix tool; Rust would
    // otherwise ignore SIGPIPE and fail the next print.
    // SAFETY: restoring a signal's default disposition, before any other thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    hud::report_panics_in_one_line();
    let cli = match Cli::command()
        .try_get_matches_from(joined_negative_values(std::env::args_os()))
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        // --help and --version (to stdout), and a bare `hud` (its help, to stderr).
        Err(e) if !e.use_stderr() || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // As clap's own `exit`, but a help that cannot be written (a full disk) is an error.
            let printed = e.print().and_then(|()| std::io::Write::flush(&mut std::io::stdout()));
            std::process::exit(if printed.is_err() { hud::STREAM_FAILED } else { e.exit_code() })
        }
        Err(e) => {
            // clap's first line is the `error: ...` itself; of the lines after it (usage, tips), only
            // the possible values are worth keeping.
            let message = e.to_string();
            let mut lines = message.lines();
            let mut first = lines.next().unwrap_or("error: invalid arguments").to_string();
            // "the following required arguments were not provided:" names them on the lines below.
            if first.ends_with(':') {
                let named: Vec<&str> =
                    lines.clone().take_while(|l| l.starts_with(' ')).map(str::trim).collect();
                first = format!("{first} {}", named.join(", "));
            }
            match message.lines().map(str::trim).find(|l| l.starts_with("[possible values")) {
                Some(values) => eprintln!("{first} {values}"),
                None => eprintln!("{first}"),
            }
            std::process::exit(2);
        }
    };
    // Before anything touches libtorch: its kernels are chosen at its first dispatch.
    if cli.portable {
        if let Err(e) = hud::engine::kernels::reexec_portable() {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
    // Every output is staged and written when the command has succeeded, or not at all
    // (src/data/files.rs); an interrupt leaves no file behind.
    if let Err(e) = hud::data::files::on_interrupt() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
    hud::data::files::begin();
    let result = match cli.command {
        Command::Encoder(args) => hud::labs::encoder::run(args),
        Command::Exercises(args) => hud::studies::exercises::run(args),
        Command::Xor(args) => hud::labs::xor::run(args),
        Command::Sweep(args) => hud::studies::sweep::run(args),
        Command::Spirals(args) => hud::labs::spirals::run(args),
        Command::Verify(args) => hud::parity::verify::run(args, hud::labs::REPLAYS),
        Command::Symmetry(args) => hud::studies::symmetry::run(args),
        Command::Nonlinearity(args) => hud::studies::nonlinearity::run(args),
        Command::Depth(args) => hud::labs::depth::run(args),
        Command::Seq(args) => hud::labs::seq::run(args),
    };
    if let Err(e) = result.and_then(|()| hud::data::files::commit().context("nothing was written")) {
        hud::data::files::discard();
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
