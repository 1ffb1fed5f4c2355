//! Work caps: hostile parameters are refused before any hashing, fast, naming the
//! parameter; values just under a cap still parse; `verify` flags raise caps.

use std::time::{Duration, Instant};

use assert_cmd::Command;
use hashport::scheme::{parse, ParseContext, Reason};
use hashport::WorkCaps;

/// Each is a well-formed string whose only problem is the work it demands.
const ABSURD: &[(&str, &str)] = &[
    ("$2b$31$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", "cost"),
    ("$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "m"),
    ("$argon2id$v=19$m=65536,t=4294967295,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "t"),
    ("$scrypt$ln=40,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "N"),
    ("$pbkdf2-sha256$i=4294967295,l=32$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "iterations"),
    ("pbkdf2_sha256$4294967295$salt$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=", "iterations"),
    ("$6$rounds=999999999$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "rounds"),
];

#[test]
fn absurd_parameters_are_refused_fast_naming_the_parameter() {
    let ctx = ParseContext::default();
    for (hash, param) in ABSURD {
        let start = Instant::now();
        let err = parse(hash, None, &ctx).expect_err(hash);
        let took = start.elapsed();
        assert_eq!(err.reason, Reason::WorkCapExceeded, "{hash}: {err}");
        assert!(
            err.message.contains(param),
            "{hash}: message {:?} should name {param}",
            err.message
        );
        assert!(took < Duration::from_millis(10), "{hash} took {took:?}");
    }
}

#[test]
fn bcrypt_cost_cap_boundary() {
    // Just under / at the cap parses; one over is refused. Built from a cost-4 vector,
    // parse only (no hashing), so the test stays fast.
    let caps = WorkCaps {
        bcrypt_cost: 10,
        ..WorkCaps::default()
    };
    let ctx = ParseContext {
        caps,
        ..Default::default()
    };
    let body = "cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm";
    assert!(parse(&format!("$2b$10${body}"), None, &ctx).is_ok());
    let err = parse(&format!("$2b$11${body}"), None, &ctx).unwrap_err();
    assert_eq!(err.reason, Reason::WorkCapExceeded);
}

#[test]
fn pbkdf2_iteration_cap_boundary() {
    let ctx = ParseContext {
        caps: WorkCaps {
            pbkdf2_iterations: 10_000,
            ..WorkCaps::default()
        },
        ..Default::default()
    };
    let at = "pbkdf2_sha256$10000$1135411628$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=";
    let over = "pbkdf2_sha256$10001$1135411628$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=";
    let h = parse(at, None, &ctx).unwrap();
    assert!(h.verify(b"hashcat"));
    assert_eq!(
        parse(over, None, &ctx).unwrap_err().reason,
        Reason::WorkCapExceeded
    );
}

#[test]
fn argon2_memory_cap_boundary() {
    let ctx = ParseContext {
        caps: WorkCaps {
            argon2_memory_kib: 256,
            ..WorkCaps::default()
        },
        ..Default::default()
    };
    let at = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
    let over =
        "$argon2id$v=19$m=257,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
    assert!(parse(at, None, &ctx).unwrap().verify(b"password"));
    assert_eq!(
        parse(over, None, &ctx).unwrap_err().reason,
        Reason::WorkCapExceeded
    );
}

#[test]
fn scrypt_cap_boundary() {
    // ln=14, r=8: 16 MiB, N*r*p = 2^17.
    let h = "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI";
    let at = ParseContext {
        caps: WorkCaps {
            scrypt_memory_bytes: 16 << 20,
            ..WorkCaps::default()
        },
        ..Default::default()
    };
    assert!(parse(h, None, &at).unwrap().verify(b"pleaseletmein"));
    let under = ParseContext {
        caps: WorkCaps {
            scrypt_memory_bytes: (16 << 20) - 1,
            ..WorkCaps::default()
        },
        ..Default::default()
    };
    assert_eq!(
        parse(h, None, &under).unwrap_err().reason,
        Reason::WorkCapExceeded
    );
}

#[test]
fn sha_crypt_rounds_cap_boundary() {
    let h = "$6$rounds=11531$G/gkPn17kHYo0gTF$Kq.uZBHlSBXyzsOJXtxJruOOH4yc0Is13uY7yK0PvAvXxbvc1w8DO1RzREMhKsc82K/Jh8OquV8FZUlreYPJk1";
    let caps = |n| ParseContext {
        caps: WorkCaps {
            sha_crypt_rounds: n,
            ..WorkCaps::default()
        },
        ..Default::default()
    };
    assert!(parse(h, None, &caps(11531)).unwrap().verify(b"test"));
    assert_eq!(
        parse(h, None, &caps(11530)).unwrap_err().reason,
        Reason::WorkCapExceeded
    );
}

#[test]
fn verify_cli_refuses_over_cap_and_flags_raise_it() {
    // RFC 6070's 2^24-iteration case is above the default PBKDF2 cap.
    let h = "$pbkdf2$i=16777216,l=20$c2FsdA$7v49Yc1NpOTplFs9a6IVjCY06YQ";
    let out = Command::cargo_bin("hashport")
        .unwrap()
        .args(["verify", "--digest", h])
        .write_stdin("password\n")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let msg = String::from_utf8(out).unwrap();
    assert!(
        msg.contains("work_cap_exceeded") && msg.contains("iterations"),
        "{msg}"
    );
    Command::cargo_bin("hashport")
        .unwrap()
        .args([
            "verify",
            "--max-pbkdf2-iterations",
            "16777216",
            "--digest",
            h,
        ])
        .write_stdin("password\n")
        .assert()
        .code(0);
}

#[test]
fn migrate_rejects_over_cap_records() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("c.csv");
    std::fs::write(
        &p,
        format!(
            "id,password\n1,{}\n2,$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm\n",
            ABSURD[0].0
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("hashport")
        .unwrap()
        .args(["migrate", "--stdout", "--quiet"])
        .arg(&p)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    let rejects = String::from_utf8(out.stderr).unwrap();
    assert!(
        rejects.contains("work_cap_exceeded") && rejects.contains("\"source_line\":2"),
        "{rejects}"
    );
}

/// (flag, cap value the hash needs, hash, password): each cap just at and just under
/// what a public vector demands, through `verify` and through `migrate`.
const BOUNDARIES: &[(&str, u64, &str, &str)] = &[
    ("--max-bcrypt-cost", 4, "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", "Kk4DQuMMfZL9o"),
    ("--max-argon2-memory", 256, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password"),
    ("--max-argon2-time", 2, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password"),
    ("--max-scrypt-memory", 16 << 20, "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI", "pleaseletmein"),
    ("--max-pbkdf2-iterations", 10_000, "pbkdf2_sha256$10000$1135411628$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=", "hashcat"),
    ("--max-sha-crypt-rounds", 11_531, "$6$rounds=11531$G/gkPn17kHYo0gTF$Kq.uZBHlSBXyzsOJXtxJruOOH4yc0Is13uY7yK0PvAvXxbvc1w8DO1RzREMhKsc82K/Jh8OquV8FZUlreYPJk1", "test"),
];

#[test]
fn every_cap_at_and_under_through_verify_and_migrate() {
    let t = tempfile::tempdir().unwrap();
    for (flag, need, hash, password) in BOUNDARIES {
        for (cap, ok) in [(*need, true), (need - 1, false)] {
            let cap = cap.to_string();
            let verify = Command::cargo_bin("hashport")
                .unwrap()
                .args(["verify", flag, &cap, "--digest", hash])
                .write_stdin(format!("{password}\n"))
                .output()
                .unwrap();
            assert_eq!(
                verify.status.code(),
                Some(if ok { 0 } else { 2 }),
                "verify {flag} {cap}"
            );
            if !ok {
                assert!(String::from_utf8_lossy(&verify.stderr).contains("work_cap_exceeded"));
            }
            let input = t.path().join("in.csv");
            std::fs::write(&input, format!("id,password\n1,\"{hash}\"\n")).unwrap();
            let migrate = Command::cargo_bin("hashport")
                .unwrap()
                .args([
                    "migrate", "--stdout", "--quiet", "--target", "native", flag, &cap,
                ])
                .arg(&input)
                .output()
                .unwrap();
            assert!(migrate.status.success(), "migrate {flag} {cap}");
            let users = String::from_utf8_lossy(&migrate.stdout).lines().count();
            let rejects = String::from_utf8_lossy(&migrate.stderr).to_string();
            assert_eq!(users, usize::from(ok), "migrate {flag} {cap}: {rejects}");
            assert_eq!(
                rejects.contains("work_cap_exceeded"),
                !ok,
                "migrate {flag} {cap}"
            );
        }
    }
}
