//! Verification cost per reference case (`hashport::bench::CASES`), and our
//! Eksblowfish core against the `bcrypt` crate at cost 10.
//!
//! `cargo bench --bench hashing` (a few minutes). Criterion's `thrpt` line is
//! verifications per second on one thread. Filter with a name:
//! `cargo bench --bench hashing -- bcrypt`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use hashport::bench::{self, CASES};
use hashport::scheme::bcrypt_core::{bcrypt_raw, Variant};

const PASSWORD: &[u8] = b"benchmark password";

fn cases(c: &mut Criterion) {
    for case in CASES {
        let h = bench::stored(case).expect("reference case parses");
        let mut g = c.benchmark_group(case.name);
        // Flat sampling: 10 samples of equal size, so a 1 s argon2 case costs ~10 s,
        // not the 55 iterations of linear sampling.
        g.sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .throughput(Throughput::Elements(1));
        g.bench_function(format!("verify ({})", case.params), |b| {
            b.iter(|| h.verify(std::hint::black_box(PASSWORD)))
        });
        g.finish();
    }
}

fn bcrypt_core_vs_crate(c: &mut Criterion) {
    let salt = *b"hashport-bench!!";
    // Sanity: both compute the same $2b$ digest, so the comparison is like for like.
    let ours = bcrypt_raw(Variant::B, 4, &salt, PASSWORD);
    let theirs = bcrypt::hash_with_salt(PASSWORD, 4, salt)
        .expect("bcrypt crate")
        .format_for_version(bcrypt::Version::TwoB);
    assert_eq!(
        hashport::encoding::bcrypt64_encode(&ours),
        theirs[29..],
        "bcrypt_core and the bcrypt crate disagree"
    );

    let mut g = c.benchmark_group("bcrypt-10 core vs crate");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    g.bench_function("hashport bcrypt_core::bcrypt_raw", |b| {
        b.iter(|| bcrypt_raw(Variant::B, 10, &salt, std::hint::black_box(PASSWORD)))
    });
    g.bench_function("bcrypt crate hash_with_salt", |b| {
        b.iter(|| bcrypt::hash_with_salt(std::hint::black_box(PASSWORD), 10, salt))
    });
    g.finish();
}

criterion_group!(benches, cases, bcrypt_core_vs_crate);
criterion_main!(benches);
