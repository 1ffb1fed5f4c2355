//! `hashport verify` on every public vector: exit 0 for the right password, 1 for a
//! wrong one, 2 for malformed strings and no-password markers. Passwords go in on
//! stdin as exact bytes (non-UTF-8 ones included); `--no-work-caps` lets the few
//! vectors above the default caps (argon2 m=1 GiB, PBKDF2 2^24) verify.

use assert_cmd::Command;
mod common;
use common::{Vector, DIVERGENCES};

/// Run one vector through the CLI; `Some(problem)` when it misbehaves.
fn check(v: &Vector) -> Option<String> {
    {
        let pw = v.password().unwrap_or_default();
        let expected = match (v.expect.as_str(), v.reason.as_deref()) {
            ("valid", _) => 0,
            (_, Some("wrong_password")) => 1,
            _ => 2,
        };
        // One trailing newline is removed, so a password is sent with one appended.
        let mut stdin = pw.clone();
        stdin.push(b'\n');
        let mut cmd = Command::cargo_bin("hashport").unwrap();
        cmd.args(["verify", "--no-work-caps", "--digest", &v.hash]);
        // No-password markers are read without a hint (they are not of the vector's format).
        if v.reason.as_deref() != Some("unusable_password") {
            cmd.args(["--format", &v.format]);
        }
        let out = cmd.write_stdin(stdin).output().unwrap();
        let code = out.status.code();
        if code != Some(expected) {
            return Some(format!(
                "{}: exit {:?}, expected {expected}: {}",
                v.id,
                code,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if expected == 2 && out.stderr.is_empty() {
            return Some(format!("{}: exit 2 without a reason on stderr", v.id));
        }
        None
    }
}

#[test]
fn every_vector_through_the_cli() {
    let vectors = common::vectors();
    // A NUL byte cannot be a command-line argument; that marker is covered in tests/vectors.rs.
    let runnable: Vec<&Vector> = vectors
        .iter()
        .filter(|v| !DIVERGENCES.iter().any(|(id, _)| *id == v.id) && !v.hash.contains('\0'))
        .collect();
    assert!(runnable.len() >= vectors.len() - 2);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(v) = runnable.get(i) else {
                            return mine;
                        };
                        mine.extend(check(v));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
