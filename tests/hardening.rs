//! Hardening: adversarial inputs, crash safety, full disk, and secrets never leaking.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use serde_json::Value;

const MD5: &str = "5f4dcc3b5aa765d61d8327deb882cf99";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("hashport")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, content).unwrap();
    p
}

/// Run `migrate --stdout` and return (users, rejects) as JSON values.
fn stdout_run(input: &Path) -> (Vec<Value>, Vec<Value>, String) {
    let t = tempfile::tempdir().unwrap();
    let rej = t.path().join("r.jsonl");
    let out = Command::cargo_bin("hashport")
        .unwrap()
        .args(["migrate", "--stdout", "--rejects"])
        .arg(&rej)
        .arg(input)
        .timeout(Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .clone();
    let parse = |s: &str| -> Vec<Value> {
        s.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    (
        parse(&String::from_utf8(out.stdout).unwrap()),
        parse(&fs::read_to_string(rej).unwrap()),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn adversarial_csv_inputs_never_panic_and_conserve() {
    let t = tempfile::tempdir().unwrap();
    let wide = format!(
        "{}\n",
        (0..100_000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let cases: Vec<(&str, Vec<u8>, u64)> = vec![
        ("empty.csv", b"".to_vec(), 0),
        ("header_only.csv", b"id,email,password\n".to_vec(), 0),
        (
            "nul.csv",
            format!("id,password\n1,ab\0cd\n2,{MD5}\n").into_bytes(),
            2,
        ),
        (
            "mixed_endings.csv",
            format!("id,password\r\n1,{MD5}\n2,{MD5}\r3,{MD5}\r\n").into_bytes(),
            3,
        ),
        (
            "quoted_newlines.csv",
            format!("id,password,note\n1,{MD5},\"a\nb\nc\"\n2,{MD5},x\n").into_bytes(),
            2,
        ),
        (
            "unterminated_quote.csv",
            format!("id,password\n1,{MD5}\n2,\"{MD5}\n3,{MD5}\n").into_bytes(),
            2,
        ),
        (
            "megabyte_field.csv",
            format!("id,password\n1,{}\n2,{MD5}\n", "x".repeat(1 << 20)).into_bytes(),
            2,
        ),
        (
            "wide_row.csv",
            format!("id,password\n{wide}2,{MD5}\n").into_bytes(),
            2,
        ),
    ];
    for (name, data, records) in cases {
        let p = write(t.path(), name, &data);
        let (users, rejects, _) = stdout_run(&p);
        assert_eq!((users.len() + rejects.len()) as u64, records, "{name}");
        for r in &rejects {
            assert!(r["source_line"].as_u64().unwrap() >= 2, "{name}: {r}");
            assert!(!r["message"].as_str().unwrap().is_empty(), "{name}");
        }
    }
}

#[test]
fn duplicate_headers_and_wrong_json_shapes_fail_clearly() {
    let t = tempfile::tempdir().unwrap();
    for (name, data, needle) in [
        ("dup.csv", "id,id,password\n1,2,x\n", "twice"),
        ("obj.json", "{\"accounts\":[]}", "users"),
        ("num.json", "42", "JSON"),
    ] {
        let p = write(t.path(), name, data.as_bytes());
        let out = Command::cargo_bin("hashport")
            .unwrap()
            .args(["migrate", "--dry-run", "--quiet"])
            .arg(&p)
            .assert()
            .code(1)
            .get_output()
            .stderr
            .clone();
        let msg = String::from_utf8(out).unwrap();
        assert!(msg.contains(needle), "{name}: {msg}");
    }
}

#[test]
fn json_that_ends_mid_record_keeps_what_came_before() {
    let t = tempfile::tempdir().unwrap();
    let p = write(
        t.path(),
        "cut.json",
        format!("[{{\"id\":\"1\",\"password\":\"{MD5}\"}},{{\"id\":\"2\",\"pass").as_bytes(),
    );
    let (users, rejects, _) = stdout_run(&p);
    assert_eq!(users.len(), 1);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["source_line"], 2);
    assert_eq!(rejects[0]["reason"], "malformed_row");
}

fn big_export(rows: usize) -> Vec<u8> {
    let mut data = b"id,email,password\n".to_vec();
    for i in 0..rows {
        writeln!(data, "{i},u{i}@x.com,{MD5}").unwrap();
    }
    data
}

fn bundle_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn kill_9_leaves_no_manifest_and_a_rerun_is_identical() {
    let t = tempfile::tempdir().unwrap();
    let data = big_export(200_000);
    let dir = t.path().join("b");
    // Feed stdin slowly so the process is surely mid-run when killed.
    let mut child = StdCommand::cargo_bin("hashport")
        .unwrap()
        .args(["migrate", "-", "--quiet", "--chunk-size", "1000", "-o"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&data[..data.len() / 2]).unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while !dir.join("users-00002.jsonl").exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        dir.join("users-00002.jsonl").exists(),
        "migrate did not start writing"
    );
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    drop(stdin);
    assert!(
        !dir.join("manifest.json").exists(),
        "a killed run must not leave a manifest"
    );

    let input = write(t.path(), "in.csv", &data);
    let run = |d: &Path, force: bool| {
        let mut c = Command::cargo_bin("hashport").unwrap();
        c.arg("migrate")
            .arg(&input)
            .arg("-o")
            .arg(d)
            .args(["--quiet", "--chunk-size", "1000"]);
        if force {
            c.arg("--force");
        }
        c.assert().success();
    };
    run(&dir, true);
    let clean = t.path().join("clean");
    run(&clean, false);
    assert!(dir.join("manifest.json").exists());
    assert_eq!(bundle_files(&dir), bundle_files(&clean));
}

#[test]
fn full_disk_fails_loudly_without_manifest() {
    // A file-size limit (ulimit -f, with SIGXFSZ ignored so writes fail with EFBIG)
    // stands in for a full disk.
    let t = tempfile::tempdir().unwrap();
    let input = write(t.path(), "in.csv", &big_export(50_000));
    let dir = t.path().join("b");
    let out = StdCommand::new("bash")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 256; exec "$0" migrate "$1" -o "$2" --quiet"#)
        .arg(bin())
        .arg(&input)
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("no manifest"), "{msg}");
    assert!(!dir.join("manifest.json").exists());
}

#[test]
fn secrets_never_appear_in_outputs() {
    let t = tempfile::tempdir().unwrap();
    let signer =
        "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
    let pepper = "s3cr3t-pepper-value";
    let plaintext = "plain-text-password-42";
    let csv = format!(
        "id,email,password,salt,clear,format\n\
         1,a@x.com,lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==,42xEC+ixf3L2lw==,,\n\
         2,b@x.com,,,{plaintext},\n\
         3,c@x.com,$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm,,,bcrypt_peppered\n\
         4,d@x.com,garbage {plaintext},,,\n"
    );
    let input = write(t.path(), "s.csv", csv.as_bytes());
    let pepper_file = write(t.path(), "pepper", pepper.as_bytes());
    let dir = t.path().join("b");
    let out = Command::cargo_bin("hashport")
        .unwrap()
        .arg("migrate")
        .arg(&input)
        .arg("-o")
        .arg(&dir)
        .args([
            "--plaintext-column",
            "clear",
            "--target-cost",
            "4",
            "--pepper-file",
        ])
        .arg(&pepper_file)
        .env("HASHPORT_FIREBASE_SIGNER_KEY", signer)
        .args([
            "--firebase-salt-separator",
            "Bw==",
            "--firebase-rounds",
            "8",
            "--firebase-mem-cost",
            "14",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let streams = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in [signer, pepper, plaintext] {
        assert!(!streams.contains(secret), "secret on stdout/stderr");
    }
    let mut seen_in_digest = (false, false);
    for e in fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains(plaintext), "{}", path.display());
        // The signer key and the pepper only inside the digests whose Clerk layouts
        // require them (scrypt_firebase, bcrypt_peppered); nowhere else, not in the manifest.
        for (secret, hasher, seen) in [
            (signer, "scrypt_firebase", &mut seen_in_digest.0),
            (pepper, "bcrypt_peppered", &mut seen_in_digest.1),
        ] {
            for line in text.lines().filter(|l| l.contains(secret)) {
                let v: Value = serde_json::from_str(line).unwrap();
                assert_eq!(v["password_hasher"], hasher, "{}", path.display());
                let digest = v["password_digest"].as_str().unwrap();
                assert!(digest.contains(secret));
                assert!(
                    !line.replace(digest, "").contains(secret),
                    "{}",
                    path.display()
                );
                *seen = true;
            }
        }
    }
    assert_eq!(seen_in_digest, (true, true), "both digests were written");
    // identify never prints the parameters that are secrets either.
    let id = Command::cargo_bin("hashport")
        .unwrap()
        .args(["identify", &format!("lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==${signer}$Bw==$8$14")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!String::from_utf8(id).unwrap().contains(signer));
}
