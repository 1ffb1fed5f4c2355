//! Throughput measurement shared by `hashport bench` and the criterion benches:
//! reference hash strings at the parameters a migration and a sign-in server meet,
//! and a generator of realistic mixed exports.
//!
//! A verification costs the same whether the password matches (constant-time
//! comparison, fixed work), so each case is a well-formed string at the reference
//! parameters and the benchmark times `verify` on it.

use std::io::Write;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::caps::WorkCaps;
use crate::scheme::{self, ParseContext, StoredHash};

/// One benchmark case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Name used on the command line and in reports (`--scheme`).
    pub name: &'static str,
    /// Human description of the parameters.
    pub params: &'static str,
    /// A stored string at those parameters.
    pub hash: &'static str,
}

/// The reference cases (issue: bcrypt 10/12, argon2id OWASP and RFC 9106 second choice,
/// scrypt 2^15/8/1, PBKDF2-SHA256 600k, sha512-crypt 5000, a few legacy formats).
pub const CASES: &[Case] = &[
    Case { name: "bcrypt-10", params: "cost 10", hash: "$2b$10$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm" },
    Case { name: "bcrypt-12", params: "cost 12", hash: "$2b$12$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm" },
    Case { name: "argon2id-19m", params: "m=19456 t=2 p=1", hash: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc" },
    Case { name: "argon2id-64m", params: "m=65536 t=3 p=4", hash: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc" },
    Case { name: "scrypt-15", params: "N=2^15 r=8 p=1", hash: "$scrypt$ln=15,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E" },
    Case { name: "pbkdf2-sha256-600k", params: "600000 iterations", hash: "$pbkdf2-sha256$i=600000,l=32$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E" },
    Case { name: "sha512-crypt-5000", params: "5000 rounds", hash: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
    Case { name: "md5-crypt", params: "1000 rounds", hash: "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXR1" },
    Case { name: "phpass", params: "2^13", hash: "$P$BIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0" },
    Case { name: "hex-sha256", params: "unsalted", hash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" },
];

/// Parse a case's string (caps lifted: these are our own constants).
pub fn stored(case: &Case) -> Result<StoredHash, scheme::HashError> {
    let ctx = ParseContext {
        caps: WorkCaps::unlimited(),
        ..Default::default()
    };
    scheme::parse(case.hash, None, &ctx)
}

/// Verifications per second of `h` on `threads` threads for about `seconds`.
pub fn throughput(h: &StoredHash, threads: usize, seconds: f64) -> f64 {
    let deadline = Duration::from_secs_f64(seconds.max(0.01));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| {
                    let start = Instant::now();
                    let mut n = 0u64;
                    // At least one call, so slow cases still report something.
                    loop {
                        std::hint::black_box(h.verify(std::hint::black_box(b"benchmark password")));
                        n += 1;
                        if start.elapsed() >= deadline {
                            return n as f64 / start.elapsed().as_secs_f64();
                        }
                    }
                })
            })
            .collect();
        // Each thread's rate over its own elapsed time, summed.
        handles.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
    })
}

/// The `migrate` configuration benchmarks use: automatic columns, Clerk target, default
/// policy, `jobs` classifier threads.
pub fn run_config(jobs: usize) -> crate::pipeline::RunConfig {
    use crate::pipeline::classify::{ClassifyConfig, Target};
    use crate::pipeline::columns::{ColumnMap, Preset};
    crate::pipeline::RunConfig {
        classify: ClassifyConfig {
            columns: ColumnMap::new(Preset::Auto, &[]),
            format_hint: None,
            firebase: None,
            target: Target::Clerk,
            policy: crate::policy::Policy::default(),
            ctx: Default::default(),
        },
        kind: None,
        jobs,
        // What a bundle run does.
        input_sha256: true,
    }
}

/// A realistic mixed export for the migrate benchmark: CSV with a header, `rows` users,
/// common formats in rough real-world proportions and about 3% broken records.
/// Deterministic for a given seed.
pub fn synthetic_export(rows: u64, seed: u64, out: &mut dyn Write) -> std::io::Result<()> {
    const HASHES: &[&str] = &[
        "$2b$10$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
        "$2y$10$6bNw2HLQYeqHYyBfLMsv/OUcZd0LKP39b87nBw3.S2tVZSqiQX6eu",
        "$2a$10$k87L/MF28Q673VKh8/cPi.SUl7MU/rWuSiIDDFayrKk/1tBsSQu4u",
        "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$P$946647711V1klyitUYhtB8Yw5DMA/w.",
        "5f4dcc3b5aa765d61d8327deb882cf99",
        "scrypt:32768:8:1$Zx8kQ2pL9vT4mN7r$f60588327e7fd79fbfc4f4bcaa98c904660fc69a4ea46c44916e6ffbe4a86a1ce8358268ac71419ad120de75eeff3e5c1ffc2a713da3afa80782abfee6a1cfd2",
        "$pbkdf2-sha256$29000$x9h7j/Ge8x6DMEao1VqrdQ$kra3R1wEnY8mPdDWOpTqOTINaAmZvRMcYd8u5OBQP9A",
        "{SSHA}FLzWcQqyle6Mo7NvrwXCMAmRzXQxNjYxMTYzNw==",
        "",
    ];
    const WEIGHTS: &[u32] = &[30, 10, 8, 15, 6, 10, 5, 3, 3, 2, 5];
    const BROKEN: &[&str] = &[
        "$2b$10$short",
        "not-a-hash",
        "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$AAAA",
    ];
    let total: u32 = WEIGHTS.iter().sum();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    writeln!(out, "id,email,first_name,last_name,password")?;
    for i in 0..rows {
        let hash = if rng.gen_range(0..100) < 3 {
            BROKEN[rng.gen_range(0..BROKEN.len())]
        } else {
            let mut pick = rng.gen_range(0..total);
            let mut idx = 0;
            while pick >= WEIGHTS[idx] {
                pick -= WEIGHTS[idx];
                idx += 1;
            }
            HASHES[idx]
        };
        // PHC strings carry commas (`m=65536,t=2,p=1`): quote them, as an export would.
        let quoted;
        let field = if hash.contains([',', '"']) {
            quoted = format!("\"{}\"", hash.replace('"', "\"\""));
            quoted.as_str()
        } else {
            hash
        };
        writeln!(
            out,
            "u{i:08},user{i}@example.com,First{},Last{},{field}",
            i % 97,
            i % 89
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_export_is_well_formed_csv() {
        let mut data = Vec::new();
        synthetic_export(2_000, 42, &mut data).unwrap();
        let mut rdr = csv::Reader::from_reader(&data[..]); // strict: equal field counts
        let mut argon2 = 0;
        for rec in rdr.records() {
            let rec = rec.unwrap();
            assert_eq!(rec.len(), 5);
            if rec[4].starts_with("$argon2id$") && rec[4].len() > 40 {
                assert!(rec[4].contains("m=65536,t=2,p=1$"));
                argon2 += 1;
            }
        }
        assert!(argon2 > 0, "the sample has argon2 rows");
    }
}
