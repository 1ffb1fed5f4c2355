//! `hashport bench`: hashes per second per scheme at reference parameters, with one
//! thread and all threads, plus migrate rows per second on generated data.

use std::io::{self, IsTerminal};
use std::time::Instant;

use hashport::bench::{self, CASES};
use hashport::pipeline::{self, NullSink};
use serde_json::json;

use super::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Cases to run (default: all). See the list with --list.
    #[arg(long = "scheme", value_name = "NAME")]
    pub schemes: Vec<String>,
    /// Threads for the parallel run [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Rows of generated export for the migrate measurement (0 skips it).
    #[arg(long, default_value_t = 200_000)]
    pub migrate_rows: u64,
    /// One JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// List the cases and exit.
    #[arg(long)]
    pub list: bool,
}

fn migrate_rows_per_sec(rows: u64, jobs: usize) -> Result<f64, String> {
    let mut data = Vec::new();
    bench::synthetic_export(rows, 42, &mut data).map_err(|e| e.to_string())?;
    let cfg = bench::run_config(jobs);
    let start = Instant::now();
    let (counts, _) = pipeline::run(
        Box::new(io::Cursor::new(data)),
        "synthetic.csv",
        &cfg,
        &mut NullSink::default(),
        &|_, _| {},
    )
    .map_err(|e| e.to_string())?;
    Ok(counts.input as f64 / start.elapsed().as_secs_f64())
}

pub fn run(a: Args) -> u8 {
    if a.list {
        for c in CASES {
            println!("{:<22} {}", c.name, c.params);
        }
        return exit::OK;
    }
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let selected: Vec<_> = CASES
        .iter()
        .filter(|c| a.schemes.is_empty() || a.schemes.iter().any(|s| s == c.name))
        .collect();
    if let Some(bad) = a
        .schemes
        .iter()
        .find(|s| !CASES.iter().any(|c| c.name == s.as_str()))
    {
        eprintln!("hashport bench: unknown case {bad:?} (see --list)");
        return exit::USAGE_OR_REFUSED;
    }
    let chatty = !a.json || io::stderr().is_terminal();
    let mut results = Vec::new();
    for c in &selected {
        let h = match bench::stored(c) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("hashport bench: {}: {e}", c.name);
                return exit::MISMATCH_OR_FAILURE;
            }
        };
        if chatty {
            eprintln!("measuring {} ({}) ...", c.name, c.params);
        }
        let one = bench::throughput(&h, 1, a.seconds);
        let all = if threads > 1 {
            bench::throughput(&h, threads, a.seconds)
        } else {
            one
        };
        results.push(json!({
            "case": c.name, "format": h.identification.format, "params": c.params,
            "per_sec_1_thread": one, "per_sec_all_threads": all, "threads": threads,
            "scaling": all / one,
        }));
    }
    // The bcrypt cost whose time is nearest 250 ms (by ratio): each cost step doubles the work.
    let cost_hint = results.iter().find(|r| r["case"] == "bcrypt-10").map(|r| {
        let t10 = 1.0 / r["per_sec_1_thread"].as_f64().unwrap_or(1.0);
        let time = |cost: u32| t10 * 2f64.powi(cost as i32 - 10);
        let cost = (4..=31u32)
            .min_by(|&a, &b| {
                let off = |c: u32| (time(c) / 0.25).ln().abs();
                off(a).total_cmp(&off(b))
            })
            .unwrap_or(12);
        (cost, time(cost))
    });
    let migrate = if a.migrate_rows > 0 {
        if chatty {
            eprintln!("measuring migrate on {} generated rows ...", a.migrate_rows);
        }
        match migrate_rows_per_sec(a.migrate_rows, threads) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("hashport bench: migrate: {e}");
                return exit::MISMATCH_OR_FAILURE;
            }
        }
    } else {
        None
    };
    if a.json {
        println!(
            "{}",
            json!({
                "threads": threads, "seconds": a.seconds, "hashing": results,
                "migrate_rows_per_sec": migrate,
                "bcrypt_cost_for_250ms": cost_hint.map(|(c, t)| json!({"cost": c, "seconds": t})),
            })
        );
    } else {
        println!(
            "{:<22} {:<20} {:>12} {:>14} {:>8}",
            "case",
            "params",
            "1 thread/s",
            format!("{threads} threads/s"),
            "scaling"
        );
        for r in &results {
            println!(
                "{:<22} {:<20} {:>12.1} {:>14.1} {:>7.2}x",
                r["case"].as_str().unwrap_or(""),
                r["params"].as_str().unwrap_or(""),
                r["per_sec_1_thread"].as_f64().unwrap_or(0.0),
                r["per_sec_all_threads"].as_f64().unwrap_or(0.0),
                r["scaling"].as_f64().unwrap_or(0.0)
            );
        }
        if let Some(m) = migrate {
            println!(
                "migrate: {m:.0} rows/s on {} generated rows, {threads} threads",
                a.migrate_rows
            );
        }
        if let Some((c, t)) = cost_hint {
            println!(
                "hint: bcrypt cost {c} takes about {:.0} ms per hash on one core here",
                t * 1000.0
            );
        }
    }
    exit::OK
}
