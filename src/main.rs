use std::process::ExitCode;

// The migrate pipeline allocates per record on every core; mimalloc's thread-local
// heaps cut that cost well below glibc malloc's (measured with `perf` on `migrate`;
// glibc: a 10M-row run 9.4 s against 7.0 s). Built with `no_thp` (Cargo.toml): its
// arenas otherwise ask for transparent huge pages, and whole 2 MiB pages made peak
// RSS twice the memory in use and uneven from run to run, at no measured gain.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    hashport_cli::run()
}

#[path = "cli/mod.rs"]
mod hashport_cli;
