//! Migrate throughput against the floor of merely reading and writing the CSV.
//!
//! `cargo bench --bench migrate`. Generates a 1,000,000-row export with
//! `hashport::bench::synthetic_export` once, in memory, then alternates for
//! `MIGRATE_ROUNDS` rounds (default 5):
//!
//! - floor: the `csv` crate reads every `ByteRecord` and writes it to a
//!   `csv::Writer` over `io::sink()`: parsing and re-serialising, nothing else;
//! - migrate: `pipeline::run` over the same bytes (read, classify on all cores,
//!   de-duplicate, SHA-256 of the input), its sink serialising every user and
//!   reject to JSON as the bundle writer does, into `io::sink()`.
//!
//! Then the same pair on disk, as a user runs them: the floor reads the CSV file and
//! writes a CSV file (then fsync); migrate reads the file into a bundle directory
//! (chunk files, sha256 of each, rejects, manifest, fsync) — both in one temp dir.
//!
//! Prints rows/s (median of the rounds) and the ratio migrate/floor (median of
//! the per-round ratios). `MIGRATE_ROWS` overrides the row count; `MIGRATE_PROFILE=1`
//! runs only the in-memory migrate, for a profiler.

use std::io::{self, Write};
use std::time::Instant;

use hashport::bench;
use hashport::pipeline::{self, Sink};

// The CLI's allocator, so this measures what `hashport migrate` runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rendered records into the void, as the bundle writer gets them, without the disk.
struct VoidSink {
    out: io::Sink,
}

impl Sink for VoidSink {
    fn user(&mut self, _: u64, record: &[u8]) -> io::Result<()> {
        self.out.write_all(record)
    }
    fn reject(&mut self, _: u64, record: &[u8]) -> io::Result<()> {
        self.out.write_all(record)
    }
    fn retract(
        &mut self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()> {
        for r in retractions {
            self.out.write_all(&r?.1)?;
        }
        Ok(())
    }
}

/// Every record of `rdr`, header included, through `wtr`: the floor's work. Rows copied.
fn copy_csv<R: io::Read, W: Write>(rdr: &mut csv::Reader<R>, wtr: &mut csv::Writer<W>) -> u64 {
    wtr.write_byte_record(rdr.byte_headers().expect("header"))
        .expect("write");
    let mut rec = csv::ByteRecord::new();
    let mut rows = 0u64;
    while rdr.read_byte_record(&mut rec).expect("csv") {
        wtr.write_byte_record(&rec).expect("write");
        rows += 1;
    }
    rows
}

/// Rows per second of a plain csv read + write.
fn floor(data: &[u8]) -> (u64, f64) {
    let start = Instant::now();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(data);
    let mut wtr = csv::Writer::from_writer(io::sink());
    let rows = copy_csv(&mut rdr, &mut wtr);
    wtr.flush().expect("flush");
    (rows, rows as f64 / start.elapsed().as_secs_f64())
}

/// Rows per second of `pipeline::run` with `jobs` classifier threads.
fn migrate(data: &[u8], jobs: usize) -> (u64, f64) {
    let cfg = bench::run_config(jobs);
    let mut sink = VoidSink { out: io::sink() };
    // The pipeline owns its reader; the copy is made before the clock starts.
    let input = Box::new(io::Cursor::new(data.to_vec()));
    let start = Instant::now();
    let (counts, _) =
        pipeline::run(input, "synthetic.csv", &cfg, &mut sink, &|_, _| {}).expect("pipeline");
    (
        counts.input,
        counts.input as f64 / start.elapsed().as_secs_f64(),
    )
}

/// The floor on disk: read the CSV file, write a CSV file, fsync.
fn floor_disk(input: &std::path::Path, dir: &std::path::Path) -> (u64, f64) {
    let start = Instant::now();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(input)
        .expect("open");
    let out = std::fs::File::create(dir.join("floor.csv")).expect("create");
    let mut wtr = csv::Writer::from_writer(io::BufWriter::with_capacity(1 << 16, out));
    let rows = copy_csv(&mut rdr, &mut wtr);
    let out = wtr
        .into_inner()
        .expect("flush")
        .into_inner()
        .expect("flush");
    out.sync_all().expect("fsync");
    (rows, rows as f64 / start.elapsed().as_secs_f64())
}

/// Migrate on disk: the file into a bundle directory, manifest and fsync included.
fn migrate_disk(input: &std::path::Path, dir: &std::path::Path, jobs: usize) -> (u64, f64) {
    let cfg = bench::run_config(jobs);
    let start = Instant::now();
    let mut bundle =
        hashport::bundle::BundleWriter::create(&dir.join("bundle"), 10_000, true).expect("bundle");
    let file = std::fs::File::open(input).expect("open");
    let (counts, info) = pipeline::run(
        Box::new(file),
        "synthetic.csv",
        &cfg,
        &mut bundle,
        &|_, _| {},
    )
    .expect("pipeline");
    bundle.finish(&info, &"bench", &counts).expect("manifest");
    (
        counts.input,
        counts.input as f64 / start.elapsed().as_secs_f64(),
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // As `hashport migrate` runs (base pages; the floor is measured under the same).
    pipeline::small_pages_only();
    // `cargo test --benches` runs bench targets with no `--bench`: do a tiny smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let rows: u64 = env_or("MIGRATE_ROWS", if smoke { 2_000 } else { 1_000_000 });
    let rounds: usize = env_or("MIGRATE_ROUNDS", if smoke { 1 } else { 5 }).max(1);
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut data = Vec::new();
    bench::synthetic_export(rows, 42, &mut data).expect("generate");
    eprintln!(
        "migrate bench: {rows} rows, {:.1} MiB, {jobs} jobs, {rounds} rounds (floor and migrate interleaved)",
        data.len() as f64 / (1 << 20) as f64
    );

    if std::env::var_os("MIGRATE_PROFILE").is_some() {
        // Only the in-memory migrate, for a profiler: `MIGRATE_PROFILE=1 perf record …`.
        for round in 1..=rounds {
            let (_, m) = migrate(&data, jobs);
            eprintln!("  round {round}: migrate {m:>12.0} rows/s");
        }
        return;
    }
    let (f, m, r) = interleaved(rounds, rows, "", || floor(&data), || migrate(&data, jobs));
    println!();
    println!("{:<52} {:>14}", "measurement (median of rounds)", "rows/s");
    println!(
        "{:<52} {:>14.0}",
        "floor: csv ByteRecord read + csv::Writer to sink", f
    );
    println!(
        "{:<52} {:>14.0}",
        format!("migrate: pipeline::run, JSON sink, {jobs} jobs"),
        m
    );
    println!("ratio migrate/floor (median of per-round ratios): {r:.3}");

    // On disk, as a user runs them.
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("export.csv");
    std::fs::write(&input, &data).expect("write export");
    let (f, m, r) = interleaved(
        rounds,
        rows,
        "disk ",
        || floor_disk(&input, tmp.path()),
        || migrate_disk(&input, tmp.path(), jobs),
    );
    println!(
        "{:<52} {:>14.0}",
        "floor on disk: csv file read + csv file write, fsync", f
    );
    println!(
        "{:<52} {:>14.0}",
        format!("migrate on disk: bundle + manifest, fsync, {jobs} jobs"),
        m
    );
    println!("ratio on disk (median of per-round ratios): {r:.3}");
}

/// `rounds` rounds of floor then migrate; medians of the floor and migrate rates and
/// of the per-round ratios.
fn interleaved(
    rounds: usize,
    rows: u64,
    label: &str,
    mut floor: impl FnMut() -> (u64, f64),
    mut migrate: impl FnMut() -> (u64, f64),
) -> (f64, f64, f64) {
    let (mut f_rates, mut m_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let (fr, f) = floor();
        let (mr, m) = migrate();
        assert_eq!((fr, mr), (rows, rows), "every row read and migrated");
        eprintln!(
            "  {label}round {round}: floor {f:>12.0} rows/s   migrate {m:>12.0} rows/s   ratio {:.3}",
            m / f
        );
        f_rates.push(f);
        m_rates.push(m);
        ratios.push(m / f);
    }
    (
        median(&mut f_rates),
        median(&mut m_rates),
        median(&mut ratios),
    )
}
