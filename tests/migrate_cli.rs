//! `hashport migrate` end to end: every input kind and preset, mapping, hints, Firebase
//! parameters, each record rule, ordering, permissions, the manifest, stdout mode and
//! conservation (every input record is in exactly one of users or rejects).

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use sha2::Digest;

const BCRYPT_A: &str = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"; // Kk4DQuMMfZL9o
const BCRYPT_B: &str = "$2b$04$pQ7gRO7e6wx/936oXhNjrOUNOHL1D0h1N2IDbJZYs.1ppzSof6SPy"; // 9IeRXmnGxMYbs
const DJANGO: &str = "pbkdf2_sha256$10000$1135411628$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE="; // hashcat
const MD5: &str = "5f4dcc3b5aa765d61d8327deb882cf99"; // password
const SIGNER: &str =
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";

fn hashport() -> Command {
    Command::cargo_bin("hashport").expect("binary")
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    if !path.exists() {
        return Vec::new();
    }
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Bundle {
    users: Vec<Value>,
    rejects: Vec<Value>,
    manifest: Value,
}

fn bundle(dir: &Path) -> Bundle {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("users-"))
        .collect();
    names.sort();
    let users = names
        .iter()
        .flat_map(|n| read_jsonl(&dir.join(n)))
        .collect();
    Bundle {
        users,
        rejects: read_jsonl(&dir.join("rejects.jsonl")),
        manifest: serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap())
            .unwrap(),
    }
}

fn migrate(input: &Path, extra: &[&str]) -> (tempfile::TempDir, Bundle) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("b");
    hashport()
        .arg("migrate")
        .arg(input)
        .arg("-o")
        .arg(&dir)
        .args(["--target-cost", "4", "--quiet"])
        .args(extra)
        .assert()
        .success();
    let b = bundle(&dir);
    (out, b)
}

fn write(dir: &Path, name: &str, content: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::File::create(&p).unwrap().write_all(content).unwrap();
    p
}

fn by_id<'a>(users: &'a [Value], id: &str) -> &'a Value {
    users
        .iter()
        .find(|u| u["external_id"] == id)
        .unwrap_or_else(|| panic!("user {id} not accepted"))
}

fn lines(rows: &[Value]) -> BTreeSet<u64> {
    rows.iter()
        .map(|r| r["source_line"].as_u64().unwrap())
        .collect()
}

#[test]
fn sample_export_bundle() {
    let (t, b) = migrate(Path::new("fixtures/sample-export.csv"), &[]);
    let m = &b.manifest["counts"];
    assert_eq!(m["input"], 16);
    assert_eq!(
        m["accepted"].as_u64().unwrap() + m["rejected"].as_u64().unwrap(),
        16
    );
    // A passwordless user and an unusable marker are accepted without a digest.
    assert!(by_id(&b.users, "u008")["password_digest"].is_null());
    assert!(by_id(&b.users, "u012")["password_digest"].is_null());
    assert_eq!(m["without_password"], 2);
    // Clerk layouts.
    let grace = by_id(&b.users, "u002");
    assert_eq!(grace["password_hasher"], "pbkdf2_sha256_django");
    assert_eq!(grace["upgrade_on_sign_in"], true);
    assert_eq!(grace["upgrade_reason"], "not_bcrypt");
    let ada = by_id(&b.users, "u001");
    assert_eq!(ada["password_hasher"], "bcrypt");
    // Cost 4 meets the --target-cost 4 of this run: no upgrade.
    assert_eq!(ada["upgrade_on_sign_in"], false);
    assert!(ada["upgrade_reason"].is_null());
    assert_eq!(by_id(&b.users, "u013")["upgrade_reason"], "bcrypt_wrapper");
    assert_eq!(ada["format_confidence"], "certain");
    assert_eq!(by_id(&b.users, "u004")["format_confidence"], "shape");
    // Rejects name their line and reason.
    let reasons: Vec<(u64, &str)> = b
        .rejects
        .iter()
        .map(|r| {
            (
                r["source_line"].as_u64().unwrap(),
                r["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(reasons.contains(&(11, "malformed")), "{reasons:?}");
    assert!(reasons.contains(&(12, "duplicate_email")), "{reasons:?}");
    assert!(
        reasons.contains(&(10, "not_expressible_for_target")),
        "{reasons:?}"
    );
    let dup = b
        .rejects
        .iter()
        .find(|r| r["reason"] == "duplicate_email")
        .unwrap();
    assert!(dup["message"].as_str().unwrap().contains("line 2"));
    // Manifest files and checksums describe what is on disk, and the input as read.
    let sha256 = |p: &Path| hex::encode(sha2::Sha256::digest(fs::read(p).unwrap()));
    for f in b.manifest["files"].as_array().unwrap() {
        let on_disk = sha256(&t.path().join("b").join(f["name"].as_str().unwrap()));
        assert_eq!(f["sha256"], on_disk.as_str());
    }
    assert_eq!(
        b.manifest["input"]["sha256"],
        sha256(Path::new("fixtures/sample-export.csv")).as_str()
    );
}

#[test]
fn conservation_with_every_kind_of_broken_row() {
    let t = tempfile::tempdir().unwrap();
    let mut data = Vec::new();
    data.extend_from_slice(b"\xEF\xBB\xBFid,email,password\r\n");
    data.extend_from_slice(format!("1,a@x.com,{BCRYPT_A}\r\n").as_bytes()); // 2 ok
    data.extend_from_slice(b"2,b@x.com\r\n"); // 3 wrong field count
    data.extend_from_slice(b"3,c@x.com,\xff\xfe\r\n"); // 4 invalid utf-8
    data.extend_from_slice(b"4,\"multi\nline@x.com\",\r\n"); // 5-6 quoted newline, no password
    data.extend_from_slice(format!("5,e@x.com,{}\n", "a".repeat(70 * 1024)).as_bytes()); // 7 too large
    data.extend_from_slice(b"6,f@x.com,not a hash\n"); // 8 unknown format
    data.extend_from_slice(format!("1,g@x.com,{BCRYPT_B}\n").as_bytes()); // 9 duplicate id
    data.extend_from_slice(format!("7,A@X.com,  {MD5}  \n").as_bytes()); // 10 duplicate email
    data.extend_from_slice(b",,\n"); // 11 no identifier
    data.extend_from_slice(
        b"8,h@x.com,$2b$31$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm\n",
    ); // 12 cap
    data.extend_from_slice(format!("9,i@x.com,\"  {MD5} \"").as_bytes()); // 13 trimmed, no final newline
    let p = write(t.path(), "broken.csv", &data);
    let (_o, b) = migrate(&p, &[]);
    let users = lines(&b.users);
    let rejects = lines(&b.rejects);
    assert!(users.is_disjoint(&rejects));
    let all: BTreeSet<u64> = users.union(&rejects).copied().collect();
    assert_eq!(
        all,
        [2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13].into_iter().collect()
    );
    assert_eq!(users, [2, 5, 13].into_iter().collect());
    let reason = |line: u64| {
        b.rejects.iter().find(|r| r["source_line"] == line).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(reason(3), "malformed_row");
    assert_eq!(reason(4), "invalid_utf8");
    assert_eq!(reason(7), "field_too_large");
    assert_eq!(reason(8), "unknown_format");
    assert_eq!(reason(9), "duplicate_id");
    assert_eq!(reason(10), "duplicate_email");
    assert_eq!(reason(11), "missing_identifier");
    assert_eq!(reason(12), "work_cap_exceeded");
    let m = &b.manifest["counts"];
    assert_eq!(m["input"], 11);
    assert_eq!(m["accepted"], 3);
    assert_eq!(m["rejected"], 8);
    assert_eq!(by_id(&b.users, "9")["password_digest"], MD5);
}

#[test]
fn jsonl_json_auth0_and_gzip() {
    let t = tempfile::tempdir().unwrap();
    let jsonl = format!(
        "{{\"user_id\":\"u1\",\"email\":\"a@x.com\",\"password_hash\":\"{BCRYPT_A}\"}}\n\n{{bad json\n[1,2]\n{{\"user_id\":\"u2\",\"email\":\"b@x.com\"}}\n"
    );
    let p = write(t.path(), "users.jsonl", jsonl.as_bytes());
    let (_o, b) = migrate(&p, &[]);
    assert_eq!(lines(&b.users), [1, 5].into_iter().collect());
    assert_eq!(lines(&b.rejects), [3, 4].into_iter().collect());

    let arr = format!(
        "[\n {{\"id\":\"j1\",\"email\":\"a@x.com\",\"password\":\"{DJANGO}\",\"given_name\":\"Ada\"}},\n {{\"id\":\"j2\",\"email\":\"b@x.com\"}},\n 7\n]"
    );
    let p = write(t.path(), "users.json", arr.as_bytes());
    let (_o, b) = migrate(&p, &[]);
    assert_eq!(lines(&b.users), [1, 2].into_iter().collect());
    assert_eq!(lines(&b.rejects), [3].into_iter().collect());
    assert_eq!(by_id(&b.users, "j1")["first_name"], "Ada");

    let auth0 = format!(
        "{{\"_id\":{{\"$oid\":\"5dea\"}},\"email\":\"a@x.com\",\"passwordHash\":\"{BCRYPT_A}\",\"tenant\":\"t\"}}\n"
    );
    let p = write(t.path(), "auth0.ndjson", auth0.as_bytes());
    let (_o, b) = migrate(&p, &["--from", "auth0"]);
    assert_eq!(b.users[0]["external_id"], "auth0|5dea");

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("id,email,password\n1,a@x.com,{BCRYPT_A}\n").as_bytes())
        .unwrap();
    let p = write(t.path(), "users.csv.gz", &gz.finish().unwrap());
    let (_o, b) = migrate(&p, &[]);
    assert_eq!(b.users.len(), 1);
}

#[test]
fn firebase_export_with_project_parameters() {
    let t = tempfile::tempdir().unwrap();
    let export = r#"{"users":[{"localId":"fb1","email":"u1@x.com","passwordHash":"lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==","salt":"42xEC+ixf3L2lw==","displayName":"U"},{"localId":"fb2","email":"u2@x.com"}]}"#;
    let p = write(t.path(), "firebase.json", export.as_bytes());
    // Without the parameters the hash cannot be used: the record is rejected, not lost.
    let (_o, b) = migrate(
        &p,
        &["--from", "firebase", "--format-hint", "scrypt_firebase"],
    );
    assert_eq!(b.rejects[0]["reason"], "missing_parameters");
    assert_eq!(b.users.len(), 1);
    // A partial set is a usage error.
    hashport()
        .args(["migrate", "--dry-run", "--quiet"])
        .arg(&p)
        .args(["--firebase-rounds", "8"])
        .assert()
        .code(2);
    let (_o, b) = migrate(
        &p,
        &[
            "--from",
            "firebase",
            "--firebase-signer-key",
            SIGNER,
            "--firebase-salt-separator",
            "Bw==",
            "--firebase-rounds",
            "8",
            "--firebase-mem-cost",
            "14",
        ],
    );
    let u = by_id(&b.users, "fb1");
    assert_eq!(u["password_hasher"], "scrypt_firebase");
    assert_eq!(u["format"], "scrypt_firebase");
    // The digest verifies the README password of the firebase/scrypt vector.
    hashport()
        .args(["verify", "--hasher", "scrypt_firebase", "--digest"])
        .arg(u["password_digest"].as_str().unwrap())
        .write_stdin("user1password\n")
        .assert()
        .code(0);
}

#[test]
fn mapping_and_hints() {
    let t = tempfile::tempdir().unwrap();
    let csv = format!("login,pw,kind\nann,{MD5},\nbob,{MD5},hex_md5\n");
    let p = write(t.path(), "m.csv", csv.as_bytes());
    let (_o, b) = migrate(&p, &["--map", "id=login", "--map", "password=pw"]);
    assert_eq!(by_id(&b.users, "ann")["format_confidence"], "shape");
    assert_eq!(
        by_id(&b.users, "bob")["format_confidence"],
        "shape",
        "kind is not a hint column"
    );
    let (_o, b) = migrate(
        &p,
        &[
            "--map",
            "id=login",
            "--map",
            "password=pw",
            "--map",
            "format=kind",
        ],
    );
    assert_eq!(by_id(&b.users, "bob")["format_confidence"], "hint");
    let (_o, b) = migrate(
        &p,
        &[
            "--map",
            "id=login",
            "--map",
            "password=pw",
            "--format-hint",
            "md5",
        ],
    );
    assert_eq!(by_id(&b.users, "ann")["format_confidence"], "hint");
    assert_eq!(by_id(&b.users, "ann")["password_hasher"], "md5");
    // A hint the hash contradicts is a reject, not a guess.
    let csv = format!("id,password\n1,{BCRYPT_A}\n");
    let p = write(t.path(), "h.csv", csv.as_bytes());
    let (_o, b) = migrate(&p, &["--format-hint", "hex_md5"]);
    assert_eq!(b.rejects[0]["reason"], "hint_mismatch");
    // Unknown hint: usage error.
    hashport()
        .args(["migrate", "--dry-run", "--quiet", "--format-hint", "nope"])
        .arg(&p)
        .assert()
        .code(2);
}

#[test]
fn clerk_export_round_trips() {
    let t = tempfile::tempdir().unwrap();
    let csv = format!(
        "id,first_name,last_name,username,primary_email_address,password_digest,password_hasher\nuser_1,A,B,ab,a@x.com,{BCRYPT_A},bcrypt\nuser_2,C,D,cd,c@x.com,{MD5},md5\n"
    );
    let p = write(t.path(), "clerk.csv", csv.as_bytes());
    let (_o, b) = migrate(&p, &["--from", "clerk"]);
    assert_eq!(b.users.len(), 2);
    assert_eq!(by_id(&b.users, "user_2")["format_confidence"], "hint");
    assert_eq!(by_id(&b.users, "user_1")["email_address"][0], "a@x.com");
}

#[test]
fn output_is_identical_across_job_counts_and_private() {
    let (t1, _) = migrate(
        Path::new("fixtures/sample-export.csv"),
        &["--jobs", "1", "--chunk-size", "3"],
    );
    let (t2, _) = migrate(
        Path::new("fixtures/sample-export.csv"),
        &["--jobs", "2", "--chunk-size", "3"],
    );
    let d1 = t1.path().join("b");
    let d2 = t2.path().join("b");
    let mut names: Vec<_> = fs::read_dir(&d1)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(
        names.contains(&"users-00002.jsonl".to_string()),
        "{names:?}"
    );
    for n in names.iter().filter(|n| n.ends_with(".jsonl")) {
        assert_eq!(
            fs::read(d1.join(n)).unwrap(),
            fs::read(d2.join(n)).unwrap(),
            "{n}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&d1).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for n in &names {
            let mode = fs::metadata(d1.join(n)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{n}");
        }
    }
}

#[test]
fn non_empty_dir_needs_force_and_failure_leaves_no_manifest() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("b");
    let run = |input: &Path, force: bool| {
        let mut c = hashport();
        c.arg("migrate")
            .arg(input)
            .arg("-o")
            .arg(&dir)
            .args(["--quiet", "--target-cost", "4"]);
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    run(Path::new("fixtures/sample-export.csv"), false).success();
    run(Path::new("fixtures/sample-export.csv"), false).code(2);
    // --force replaces a finished bundle.
    let before = fs::read(dir.join("users-00001.jsonl")).unwrap();
    run(Path::new("fixtures/sample-export.csv"), true).success();
    assert_eq!(fs::read(dir.join("users-00001.jsonl")).unwrap(), before);
    assert!(dir.join("manifest.json").exists());
    // A truncated gzip fails loudly and the re-used directory has no manifest.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        gz.write_all(format!("{i},u{i}@x.com,{MD5}\n").as_bytes())
            .unwrap();
    }
    let full = gz.finish().unwrap();
    let mut bytes = b"".to_vec();
    bytes.extend_from_slice(&full[..full.len() / 2]);
    let p = write(t.path(), "cut.csv.gz", &bytes);
    run(&p, true).code(1);
    assert!(!dir.join("manifest.json").exists());
}

#[test]
fn stdout_mode_and_max_rejects() {
    let t = tempfile::tempdir().unwrap();
    let csv = format!("id,email,password\n1,a@x.com,{BCRYPT_A}\n2,b@x.com,garbage\n");
    let p = write(t.path(), "s.csv", csv.as_bytes());
    let rej = t.path().join("rej.jsonl");
    let out = hashport()
        .args(["migrate", "--stdout", "--quiet", "--rejects"])
        .arg(&rej)
        .arg("-")
        .write_stdin(fs::read(&p).unwrap())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let users: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(users.len(), 1);
    assert_eq!(read_jsonl(&rej).len(), 1);
    let out = hashport()
        .args(["migrate", "--stdout", "--quiet", "--output-format", "csv"])
        .arg(&p)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("source_line,external_id,"));
    assert_eq!(text.lines().count(), 2);
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("unknown_format"));
    hashport()
        .args(["migrate", "--dry-run", "--quiet", "--max-rejects", "0"])
        .arg(&p)
        .assert()
        .code(3);
    hashport()
        .args(["migrate", "--dry-run", "--quiet", "--max-rejects", "50%"])
        .arg(&p)
        .assert()
        .success();
}

#[test]
fn plaintext_column_is_hashed_and_never_written() {
    let t = tempfile::tempdir().unwrap();
    let secret = "correct horse battery staple";
    let csv = format!("id,email,clear\n1,a@x.com,{secret}\n");
    let p = write(t.path(), "p.csv", csv.as_bytes());
    let out = t.path().join("b");
    let assert = hashport()
        .arg("migrate")
        .arg(&p)
        .arg("-o")
        .arg(&out)
        .args(["--plaintext-column", "clear", "--target-cost", "4"])
        .assert()
        .success();
    let o = assert.get_output();
    assert!(!String::from_utf8_lossy(&o.stdout).contains(secret));
    assert!(!String::from_utf8_lossy(&o.stderr).contains(secret));
    for e in fs::read_dir(&out).unwrap() {
        let text = fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(!text.contains(secret));
    }
    let b = bundle(&out);
    let digest = b.users[0]["password_digest"].as_str().unwrap();
    assert!(digest.starts_with("$2b$04$"));
    hashport()
        .args(["verify", "--format", "bcrypt", "--digest", digest])
        .write_stdin(secret)
        .assert()
        .code(0);
}

/// An export full of duplicates of every kind (early and late, by id and by email with
/// case changes, both at once, duplicates of duplicates), interleaved with rejects and
/// users without a password.
fn export_with_duplicates(rows: u64) -> String {
    let mut csv = String::from("id,email,password\n");
    for i in 0..rows {
        let id = match i % 7 {
            0 if i > 0 => format!("u{}", i / 2),
            _ => format!("u{i}"),
        };
        let email = match i % 11 {
            0 if i > 0 => format!("E{}@X.COM", i / 3),
            5 => format!("e{}@x.com", i.saturating_sub(5)),
            _ => format!("e{i}@x.com"),
        };
        let email = if i % 13 == 0 {
            format!("\"{email},E5@X.com\"")
        } else {
            email
        };
        let password = match i % 5 {
            0 => "",
            1 => "not-a-hash",
            2 => DJANGO,
            _ => MD5,
        };
        csv.push_str(&format!("{id},{email},{password}\n"));
    }
    csv
}

fn dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().to_string(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn spilled_duplicate_detection_gives_identical_output() {
    // The same export decided all in memory and with a tiny in-memory window (every
    // later duplicate found from temp files, and retracted from chunks already
    // written): the bundle, stdout JSONL and stdout CSV must be byte-identical.
    let t = tempfile::tempdir().unwrap();
    let p = write(
        t.path(),
        "dups.csv",
        export_with_duplicates(3000).as_bytes(),
    );
    let run_bundle = |window: &str| {
        let dir = t.path().join(format!("b{window}"));
        hashport()
            .arg("migrate")
            .arg(&p)
            .arg("-o")
            .arg(&dir)
            .args(["--quiet", "--chunk-size", "37", "--dedup-window", window])
            .assert()
            .success();
        dir_files(&dir)
    };
    let reference = run_bundle("1000000");
    for window in ["0", "10", "1500"] {
        assert!(
            run_bundle(window) == reference,
            "bundle with window {window}"
        );
    }
    let rejects: Vec<Value> = reference
        .iter()
        .find(|(n, _)| n == "rejects.jsonl")
        .map(|(_, b)| {
            b.split(|c| *c == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| serde_json::from_slice(l).unwrap())
                .collect()
        })
        .unwrap();
    let count = |reason: &str| rejects.iter().filter(|r| r["reason"] == reason).count();
    assert!(count("duplicate_id") > 100, "{}", count("duplicate_id"));
    assert!(
        count("duplicate_email") > 200,
        "{}",
        count("duplicate_email")
    );
    // Each duplicate names an earlier line.
    for r in rejects
        .iter()
        .filter(|r| r["reason"].as_str().unwrap().starts_with("duplicate_"))
    {
        let first: u64 = r["message"]
            .as_str()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(first < r["source_line"].as_u64().unwrap());
    }

    for format in ["jsonl", "csv"] {
        let run_stdout = |window: &str| {
            let rejects = t.path().join(format!("r-{format}-{window}"));
            let out = hashport()
                .arg("migrate")
                .arg(&p)
                .args([
                    "--stdout",
                    "--quiet",
                    "--output-format",
                    format,
                    "--dedup-window",
                    window,
                ])
                .arg("--rejects")
                .arg(&rejects)
                .output()
                .unwrap();
            assert!(out.status.success());
            (out.stdout, fs::read(&rejects).unwrap())
        };
        let reference = run_stdout("1000000");
        for window in ["0", "10", "1500"] {
            assert!(
                run_stdout(window) == reference,
                "{format} stdout with window {window}"
            );
        }
    }
}

#[test]
fn duplicates_found_after_spilling_to_disk() {
    // Past the in-memory window, duplicates near the end are found from temp files;
    // they must be reported exactly as inline ones, and the user already written
    // retracted from its chunk.
    let t = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,email,password\n");
    for i in 0..6_000 {
        csv.push_str(&format!("{i},u{i}@x.com,{MD5}\n"));
    }
    csv.push_str(&format!("5,fresh@x.com,{MD5}\n")); // line 6002: id of line 7
    csv.push_str(&format!("new,U5999@X.COM,{MD5}\n")); // line 6003: email of line 6001
    csv.push_str(&format!("new2,late@x.com,{MD5}\n")); // line 6004: fine
    let p = write(t.path(), "many.csv", csv.as_bytes());
    let (_o, b) = migrate(&p, &["--dedup-window", "1000", "--chunk-size", "1000"]);
    assert_eq!(b.users.len(), 6_001);
    assert_eq!(b.rejects.len(), 2);
    assert_eq!(b.rejects[0]["source_line"], 6002);
    assert_eq!(b.rejects[0]["reason"], "duplicate_id");
    assert!(b.rejects[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("line 7"));
    assert_eq!(b.rejects[1]["reason"], "duplicate_email");
    assert!(b.rejects[1]["message"]
        .as_str()
        .unwrap()
        .ends_with("line 6001"));
    assert_eq!(b.users.last().unwrap()["external_id"], "new2");
    assert_eq!(b.manifest["counts"]["accepted"], 6_001);
    assert_eq!(b.manifest["counts"]["by_reason"]["duplicate_id"], 1);
    assert_eq!(b.manifest["counts"]["by_format"]["hex_md5"], 6_001);
    let files = b.manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 8, "7 user chunks and the rejects");
    assert_eq!(files[6]["records"], 1);
}

#[test]
fn retracted_users_past_the_window_are_uncounted() {
    // Duplicates found only after spilling (window of 2 keys: everything after line 2
    // is provisional) are counted as users first, then retracted: every count they
    // added (format, confidence, shape-only note, no password, upgrade) must be undone,
    // so the manifest's counts equal those of a run that decided them all in memory.
    const PHPASS: &str = "$P$946647711V1klyitUYhtB8Yw5DMA/w.";
    const SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let t = tempfile::tempdir().unwrap();
    let csv = format!(
        "id,email,password\n\
         a,a@x.com,{BCRYPT_A}\n\
         b,b@x.com,{DJANGO}\n\
         c,c@x.com,{MD5}\n\
         d,d@x.com,\n\
         e,e@x.com,{SHA256}\n\
         c,c7@x.com,{DJANGO}\n\
         f,E@X.COM,{MD5}\n\
         a,h@x.com,{PHPASS}\n\
         g,D@x.com,\n\
         h,h11@x.com,{SHA256}\n\
         e,i@x.com,{SHA256}\n\
         j,j@x.com,{MD5}\n"
    );
    let p = write(t.path(), "dups.csv", csv.as_bytes());
    let (_o, reference) = migrate(&p, &["--dedup-window", "1000000"]);
    let counts = &reference.manifest["counts"];
    assert_eq!(counts["accepted"], 7);
    assert_eq!(counts["without_password"], 1);
    assert_eq!(counts["by_reason"]["duplicate_id"], 3);
    assert_eq!(counts["by_reason"]["duplicate_email"], 2);
    assert_eq!(
        counts["by_format"],
        serde_json::json!({
            "bcrypt": 1,
            "django_pbkdf2_sha256": 1,
            "hex_md5": 2,
            "hex_sha256": 2,
        }),
        "phpass came only with a duplicate"
    );
    assert_eq!(counts["by_confidence"]["shape"], 4);
    let confident: u64 = counts["by_confidence"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(confident, 6, "every accepted user with a password");
    assert_eq!(counts["shape_only"]["hex_md5"]["count"], 2);
    assert_eq!(counts["shape_only"]["hex_sha256"]["count"], 2);
    for window in ["0", "2", "5"] {
        let (_o, b) = migrate(&p, &["--dedup-window", window]);
        assert_eq!(b.manifest["counts"], *counts, "window {window}");
        assert_eq!(lines(&b.users), lines(&reference.users), "window {window}");
        assert_eq!(
            lines(&b.rejects),
            BTreeSet::from([7, 8, 9, 10, 12]),
            "window {window}"
        );
    }
}

#[test]
fn django_and_supabase_presets() {
    let t = tempfile::tempdir().unwrap();
    // Django's auth_user table as exported by `COPY auth_user TO ... CSV HEADER`.
    let django = format!(
        "id,password,last_login,is_superuser,username,first_name,last_name,email,is_staff,is_active,date_joined\n\
         1,{DJANGO},,f,grace,Grace,Hopper,grace@x.com,f,t,2020-01-01\n\
         2,!unusable0123456789abcdefghijABCDEFGHIJ01,,f,alan,Alan,Turing,alan@x.com,f,t,2020-01-01\n"
    );
    let p = write(t.path(), "auth_user.csv", django.as_bytes());
    let (_o, b) = migrate(&p, &["--from", "django"]);
    let grace = by_id(&b.users, "1");
    assert_eq!(grace["username"], "grace");
    assert_eq!(grace["first_name"], "Grace");
    assert_eq!(grace["format"], "django_pbkdf2_sha256");
    assert!(by_id(&b.users, "2")["password_digest"].is_null());

    // Supabase auth.users: encrypted_password is always bcrypt (the preset hints it).
    let supabase = format!(
        "id,email,encrypted_password,email_confirmed_at\n\
         8d3c,ada@x.com,{BCRYPT_A},2024-01-01\n\
         9e4d,bob@x.com,{MD5},\n"
    );
    let p = write(t.path(), "users.csv", supabase.as_bytes());
    let (_o, b) = migrate(&p, &["--from", "supabase"]);
    assert_eq!(by_id(&b.users, "8d3c")["format_confidence"], "hint");
    assert_eq!(by_id(&b.users, "8d3c")["password_hasher"], "bcrypt");
    // Not bcrypt despite the preset: refused, not guessed.
    assert_eq!(b.rejects[0]["reason"], "hint_mismatch");
}

#[test]
fn whitespace_only_cells_are_empty() {
    // A cell of spaces is no value: no password (accepted without one), no identifier
    // (rejected), and values keep no surrounding whitespace.
    let t = tempfile::tempdir().unwrap();
    let csv = format!("id,email,password\nu1 ,  ,   \n  ,   ,{MD5}\n u3, c@x ,  {MD5} \n");
    let p = write(t.path(), "ws.csv", csv.as_bytes());
    let (_o, b) = migrate(&p, &[]);
    assert_eq!(b.users.len(), 2);
    assert_eq!(b.users[0]["external_id"], "u1");
    assert_eq!(b.users[0]["email_address"], serde_json::json!([]));
    assert_eq!(b.users[0]["password_digest"], Value::Null);
    assert_eq!(b.rejects[0]["source_line"], 3);
    assert_eq!(b.rejects[0]["reason"], "missing_identifier");
    assert_eq!(b.users[1]["email_address"], serde_json::json!(["c@x"]));
    assert_eq!(b.users[1]["format"], "hex_md5");
    assert_eq!(b.manifest["counts"]["without_password"], 1);
}
