//! Write a synthetic mixed export (CSV) of N rows to stdout, for benchmarks and memory
//! measurements: `cargo run --release --example gen_export -- 1000000 > export.csv`.

use std::io::{self, BufWriter};

fn main() -> io::Result<()> {
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(42);
    let mut out = BufWriter::new(io::stdout().lock());
    hashport::bench::synthetic_export(rows, seed, &mut out)
}
