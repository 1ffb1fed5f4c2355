use std::process::ExitCode;

// The migrate pipeline allocates per record on every core; mimalloc's thread-local
// heaps cut that cost well below glibc malloc's (measured with `perf` on `migrate`;
// glibc: a 10M-row run 9.4 s against 7.0 s). Its arenas ask for transparent huge
// pages, which argon2 and scrypt gain from; `migrate` turns them off for itself
// (`pipeline::small_pages_only`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    hashport_cli::run()
}

#[path = "cli/mod.rs"]
mod hashport_cli;
