use std::process::ExitCode;

// The migrate pipeline allocates per record on every core; mimalloc's thread-local
// heaps cut that cost well below glibc malloc's (measured with `perf` on `migrate`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    hashport_cli::run()
}

#[path = "cli/mod.rs"]
mod hashport_cli;
