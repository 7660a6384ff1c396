//! The `hud` command: parses the arguments and hands them to the script's module.

use clap::{Parser, Subcommand};

/// Hidden unit dynamics: the COMP9444 PyTorch lab scripts in Rust, bit for bit with PyTorch on CPU.
#[derive(Parser, Debug)]
#[command(name = "hud", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train an N-K-N encoder as encoder_main.py does and draw its hidden-unit space
    Encoder(hud::encoder::Args),
    /// Replay saved PyTorch reference runs and compare them with ours, bit for bit
    Verify(hud::parity::Args),
}

fn main() {
    hud::report_panics_in_one_line();
    let result = match Cli::parse().command {
        Command::Encoder(args) => hud::encoder::run(args),
        Command::Verify(args) => hud::parity::run(args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
