//! Does a wrong password take as long to reject as the right one to accept?
//!
//! `cargo bench --bench timing`. For each scheme at fixed parameters (bcrypt cost 8,
//! PBKDF2-SHA256 10000, unsalted hex SHA-256, argon2id m=4096 t=3 p=1) it times
//! `verify(right)` and `verify(wrong)` (same length, one byte changed) interleaved
//! pair by pair, alternating which goes first, for many samples; each sample times a
//! batch of calls sized to take about 2 ms. Prints the median time per call of
//! each, their relative difference, and the run's noise: the median absolute
//! difference between consecutive samples of the same password, relative to the
//! median. A difference inside the noise is no measurable timing difference.
//! `TIMING_SAMPLES` overrides the sample count (default 301).

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hashport::scheme::{parse, ParseContext, StoredHash};
use sha2::{Digest, Sha256};

const RIGHT: &[u8] = b"correct horse battery staple";
const WRONG: &[u8] = b"correct horse battery stapld";
const SALT: &[u8; 16] = b"hashport-timing!";

fn cases() -> Vec<(&'static str, String)> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64u = base64::engine::general_purpose::STANDARD_NO_PAD;

    let bcrypt = bcrypt::hash_with_salt(RIGHT, 8, *SALT)
        .expect("bcrypt")
        .format_for_version(bcrypt::Version::TwoB);

    let mut dk = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(RIGHT, b"timingsalt", 10_000, &mut dk);
    let pbkdf2 = format!("pbkdf2_sha256$10000$timingsalt${}", b64.encode(dk));

    let hex_sha256 = hex::encode(Sha256::digest(RIGHT));

    let params = argon2::Params::new(4096, 3, 1, Some(32)).expect("argon2 params");
    let a2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    a2.hash_password_into(RIGHT, SALT, &mut out)
        .expect("argon2");
    let argon2id = format!(
        "$argon2id$v=19$m=4096,t=3,p=1${}${}",
        b64u.encode(SALT),
        b64u.encode(out)
    );

    vec![
        ("bcrypt cost 8", bcrypt),
        ("pbkdf2-sha256 10000", pbkdf2),
        ("hex_sha256", hex_sha256),
        ("argon2id m=4096 t=3 p=1", argon2id),
    ]
}

/// Calls of `verify` that take about `target`.
fn batch_size(h: &StoredHash, target: Duration) -> u32 {
    let mut n = 1u32;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            black_box(h.verify(black_box(RIGHT)));
        }
        if start.elapsed() >= target || n >= 1 << 24 {
            return n;
        }
        n *= 2;
    }
}

/// Seconds per call, averaged over a batch of `n`.
fn sample(h: &StoredHash, pw: &[u8], n: u32, expect: bool) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        let ok = h.verify(black_box(pw));
        assert_eq!(ok, expect);
    }
    start.elapsed().as_secs_f64() / f64::from(n)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median absolute difference of consecutive samples, relative to the median:
/// how much two measurements of the very same thing disagree on this machine now.
fn noise(v: &[f64]) -> f64 {
    let d: Vec<f64> = v.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    median(&d) / median(v)
}

fn fmt_time(s: f64) -> String {
    if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.3} µs", s * 1e6)
    } else {
        format!("{:.1} ns", s * 1e9)
    }
}

fn main() {
    // `cargo test --benches` runs bench targets without `--bench`: a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let samples: usize = std::env::var("TIMING_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 5 } else { 301 });
    let target = Duration::from_millis(if smoke { 1 } else { 2 });
    let ctx = ParseContext::default();

    eprintln!("timing bench: {samples} interleaved samples per password, batches of ~{target:?}");
    let mut rows = Vec::new();
    for (name, s) in cases() {
        let h = parse(&s, None, &ctx).unwrap_or_else(|e| panic!("{name}: {s}: {e}"));
        assert!(h.verify(RIGHT) && !h.verify(WRONG), "{name}: wrong fixture");
        let n = batch_size(&h, target);
        let (mut right, mut wrong) = (Vec::new(), Vec::new());
        for i in 0..samples {
            // Alternate the order so drift and cache warmth favour neither.
            if i % 2 == 0 {
                right.push(sample(&h, RIGHT, n, true));
                wrong.push(sample(&h, WRONG, n, false));
            } else {
                wrong.push(sample(&h, WRONG, n, false));
                right.push(sample(&h, RIGHT, n, true));
            }
        }
        let (mr, mw) = (median(&right), median(&wrong));
        let diff = (mw - mr) / mr;
        let nz = noise(&right).max(noise(&wrong));
        eprintln!("  {name}: {} ({}) batch {n}", h.identification.format, s);
        rows.push((name, n, mr, mw, diff, nz));
    }

    println!();
    println!(
        "{:<26} {:>7} {:>13} {:>13} {:>10} {:>9}  verdict",
        "scheme (fixed parameters)",
        "batch",
        "right median",
        "wrong median",
        "wrong/right",
        "noise"
    );
    for (name, n, mr, mw, diff, nz) in rows {
        let verdict = if diff.abs() <= nz.max(0.01) {
            "same within noise"
        } else {
            "DIFFERS"
        };
        println!(
            "{name:<26} {n:>7} {:>13} {:>13} {:>+9.2}% {:>8.2}%  {verdict}",
            fmt_time(mr),
            fmt_time(mw),
            diff * 100.0,
            nz * 100.0
        );
    }
}
