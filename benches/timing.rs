//! Does a wrong password take as long to reject as the right one to accept?
//!
//! `cargo bench --bench timing`. For each scheme at fixed parameters (bcrypt cost 8,
//! PBKDF2-SHA256 10000, unsalted hex SHA-256, argon2id m=4096 t=3 p=1) it times
//! `verify(right)` and `verify(wrong)` (same length, last byte changed) in pairs,
//! back to back, alternating which goes first, for many pairs; each sample times a
//! batch of calls sized to take about 2 ms. Prints the median time per call of
//! each and the median of the paired relative differences (wrong - right) / right
//! with its 99% confidence interval (sign-test order statistics, so preemption
//! outliers on a shared machine do not sway it). A verdict of "same" means the
//! interval contains 0: no timing difference is detectable at this sample size.
//! `TIMING_SAMPLES` overrides the number of pairs (default 301).

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
    // Warm up first (caches, allocator, CPU frequency), or the first timing is cold.
    let warm = Instant::now();
    while warm.elapsed() < target * 10 {
        black_box(h.verify(black_box(RIGHT)));
    }
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

/// Median of the paired relative differences and its 99% confidence interval from
/// order statistics (distribution-free: the sign test's interval for a median).
fn paired(right: &[f64], wrong: &[f64]) -> (f64, f64, f64) {
    let mut d: Vec<f64> = right.iter().zip(wrong).map(|(r, w)| (w - r) / r).collect();
    d.sort_by(f64::total_cmp);
    let n = d.len();
    let half = 2.576 * (n as f64).sqrt() / 2.0;
    let lo = ((n as f64 / 2.0 - half).floor().max(0.0)) as usize;
    let hi = (n - 1 - lo).max(lo);
    (median(&d), d[lo], d[hi])
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
        let (diff, lo, hi) = paired(&right, &wrong);
        eprintln!("  {name}: {} ({}) batch {n}", h.identification.format, s);
        rows.push((name, n, mr, mw, diff, lo, hi));
    }

    println!();
    println!(
        "{:<26} {:>6} {:>13} {:>13} {:>12} {:>21}  verdict",
        "scheme (fixed parameters)",
        "batch",
        "right median",
        "wrong median",
        "wrong/right",
        "99% CI"
    );
    for (name, n, mr, mw, diff, lo, hi) in rows {
        let verdict = if lo <= 0.0 && hi >= 0.0 {
            "same (no difference detected)"
        } else {
            "DIFFERS"
        };
        println!(
            "{name:<26} {n:>6} {:>13} {:>13} {:>+11.2}% {:>21}  {verdict}",
            fmt_time(mr),
            fmt_time(mw),
            diff * 100.0,
            format!("[{:+.2}%, {:+.2}%]", lo * 100.0, hi * 100.0),
        );
    }
}
