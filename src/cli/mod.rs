//! The command line: one module per subcommand, each with its own `Args` and `run`.
//! The library does the work; this layer parses flags, reads and prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod caps_args;
mod check;
mod formats;
mod identify;
mod migrate;
mod verify;

/// Move user accounts between identity systems without password resets.
#[derive(Parser, Debug)]
#[command(name = "hashport", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Identify password hashes: one JSON line per hash (arguments, or one per line on stdin).
    Identify(identify::Args),
    /// Turn an export into an import bundle (or a stream of users with --stdout).
    Migrate(Box<migrate::Args>),
    /// Check a password (on stdin) against a stored hash: exit 0 match, 1 mismatch, 2 refused.
    Verify(verify::Args),
    /// Verify known test accounts (CSV external_id,password) against a bundle before cutover.
    Check(check::Args),
    /// Hashing throughput per scheme at reference parameters, and migrate rows/s.
    Bench(bench::Args),
    /// List every supported format: id, family, Clerk name, example.
    Formats(formats::Args),
}

/// Exit codes shared by every subcommand (README "Exit codes").
pub mod exit {
    pub const OK: u8 = 0;
    pub const MISMATCH_OR_FAILURE: u8 = 1;
    pub const USAGE_OR_REFUSED: u8 = 2;
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE_OR_REFUSED
            } else {
                exit::OK
            });
        }
    };
    let code = match cli.command {
        Command::Identify(a) => identify::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Migrate(a) => migrate::run(*a),
        Command::Formats(a) => formats::run(a),
        Command::Check(a) => check::run(a),
        Command::Bench(a) => bench::run(a),
    };
    ExitCode::from(code)
}
