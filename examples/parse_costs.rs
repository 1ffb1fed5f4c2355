//! Per-hash cost of the scheme engine on the `migrate` hot path, single thread:
//! `cargo run --release --example parse_costs [-- ROWS [SEED]]`.
//!
//! Builds the hash column of `hashport::bench::synthetic_export` (1,000,000 rows,
//! seed 42 by default) in memory, then times, over every hash:
//!
//! - identify: `scheme::identify(s, None)`;
//! - parse: `scheme::parse(s, None, &ctx)`;
//! - parse+clerk+upgrade: what the pipeline does per record (parse, read the
//!   identification, `usable()`, `clerk()`, `Policy::upgrade_reason`).
//!
//! Prints ns/hash, the median of 3 runs each (the machine is shared: medians, not means).
//! `--by-format` adds parse+clerk+upgrade per distinct input string, with its share
//! of the mix, to show where the average comes from.

use std::hint::black_box;
use std::time::Instant;

use hashport::policy::Policy;
use hashport::scheme;

// The CLI's allocator, so the numbers are those `hashport migrate` sees.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 3;

fn hashes(rows: u64, seed: u64) -> Vec<String> {
    let mut data = Vec::new();
    hashport::bench::synthetic_export(rows, seed, &mut data).expect("generate");
    let mut rdr = csv::Reader::from_reader(&data[..]);
    rdr.records()
        .map(|r| r.expect("csv")[4].to_string())
        .collect()
}

/// Median ns/hash of `RUNS` passes of `f` over `hashes`; `f` returns something to sink.
fn time(hashes: &[String], mut f: impl FnMut(&str) -> usize) -> f64 {
    let mut runs: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let mut acc = 0usize;
            for h in hashes {
                acc = acc.wrapping_add(f(black_box(h.as_str())));
            }
            black_box(acc);
            start.elapsed().as_nanos() as f64 / hashes.len() as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[RUNS / 2]
}

/// What the pipeline does with one record, reduced to a number to sink.
fn pipeline_step(s: &str, ctx: &scheme::ParseContext, policy: &Policy) -> usize {
    match scheme::parse(s, None, ctx) {
        Ok(p) => {
            let id = &p.identification;
            let mut n = id.format.len() + id.confidence as usize + id.candidates.len();
            if p.hash.usable() {
                n += match p.hash.clerk() {
                    Ok(c) => c.password_hasher.len() + c.password_digest.len(),
                    Err(e) => e.message.len(),
                };
            }
            n + policy
                .upgrade_reason(p.hash.as_ref(), None)
                .map_or(0, |r| r as usize)
        }
        Err(e) => e.message.len(),
    }
}

fn main() {
    let by_format = std::env::args().any(|a| a == "--by-format");
    let mut numbers = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let rows: u64 = numbers
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let hashes = hashes(rows, seed);
    let policy = Policy::default();
    let ctx = policy.parse_context();

    let identify = time(&hashes, |s| match scheme::identify(s, None) {
        Ok(id) => id.format.len() + id.candidates.len(),
        Err(e) => e.message.len(),
    });
    let parse = time(&hashes, |s| match scheme::parse(s, None, &ctx) {
        Ok(p) => p.identification.format.len(),
        Err(e) => e.message.len(),
    });
    let full = time(&hashes, |s| pipeline_step(s, &ctx, &policy));

    println!(
        "{} hashes (seed {seed}), median of {RUNS} runs",
        hashes.len()
    );
    println!("identify              {identify:8.1} ns/hash");
    println!("parse                 {parse:8.1} ns/hash");
    println!("parse+clerk+upgrade   {full:8.1} ns/hash");

    if by_format {
        let mut distinct: Vec<&str> = hashes.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        println!("parse+clerk+upgrade by input (share of the mix):");
        for d in distinct {
            let share = hashes.iter().filter(|h| *h == d).count() as f64 / hashes.len() as f64;
            let one: Vec<String> = vec![d.to_string(); 100_000];
            let ns = time(&one, |s| pipeline_step(s, &ctx, &policy));
            let shown: String = d.chars().take(40).collect();
            println!("  {ns:8.1} ns  {:5.1}%  {shown:?}", share * 100.0);
        }
    }
}
