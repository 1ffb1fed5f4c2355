//! `hashport verify` on every public vector: exit 0 for the right password, 1 for a
//! wrong one, 2 for malformed strings and no-password markers. Passwords go in on
//! stdin as exact bytes (non-UTF-8 ones included); `--no-work-caps` lets the few
//! vectors above the default caps (argon2 m=1 GiB, PBKDF2 2^24) verify.

use assert_cmd::Command;
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    id: String,
    format: String,
    hash: String,
    password: Option<String>,
    password_hex: Option<String>,
    expect: String,
    reason: Option<String>,
}

/// Vectors whose expectation hashport does not share (see tests/vectors.rs).
const DIVERGENCES: &[&str] = &["bcrypt-096"];

/// Run one vector through the CLI; `Some(problem)` when it misbehaves.
fn check(v: &Vector) -> Option<String> {
    {
        let pw: Vec<u8> = match (&v.password_hex, &v.password) {
            (Some(h), _) => hex::decode(h).unwrap(),
            (None, Some(p)) => p.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        };
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
    let vectors: Vec<Vector> =
        serde_json::from_str(include_str!("../fixtures/vectors.json")).unwrap();
    // A NUL byte cannot be a command-line argument; that marker is covered in tests/vectors.rs.
    let runnable: Vec<&Vector> = vectors
        .iter()
        .filter(|v| !DIVERGENCES.contains(&v.id.as_str()) && !v.hash.contains('\0'))
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
