use std::process::ExitCode;

fn main() -> ExitCode {
    hashport_cli::run()
}

#[path = "cli/mod.rs"]
mod hashport_cli;
