//! `hashport check`: known credentials against a bundle, one JSON line each; exit 0
//! only when every credential matches.

use std::fs;

use assert_cmd::Command;
use serde_json::Value;

fn run_check(creds: &str) -> (Option<i32>, Vec<Value>) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("b");
    Command::cargo_bin("hashport")
        .unwrap()
        .args([
            "migrate",
            "fixtures/sample-export.csv",
            "--quiet",
            "--target-cost",
            "4",
            "-o",
        ])
        .arg(&dir)
        .assert()
        .success();
    let c = t.path().join("creds.csv");
    fs::write(&c, creds).unwrap();
    let out = Command::cargo_bin("hashport")
        .unwrap()
        .arg("check")
        .arg(&dir)
        .arg("--credentials")
        .arg(&c)
        .args(["--target-cost", "4"])
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code(), lines)
}

#[test]
fn shipped_credentials_all_match() {
    let creds = fs::read_to_string("fixtures/sample-credentials.csv").unwrap();
    let (code, lines) = run_check(&creds);
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), creds.lines().count() - 1);
    assert!(lines.iter().all(|l| l["result"] == "match"));
    // md5 is upgraded at sign-in; bcrypt at the target cost is not.
    let u004 = lines.iter().find(|l| l["external_id"] == "u004").unwrap();
    assert_eq!(u004["upgrade"], true);
    let u001 = lines.iter().find(|l| l["external_id"] == "u001").unwrap();
    assert_eq!(u001["upgrade"], false);
}

#[test]
fn every_result_kind_and_hex_passwords() {
    // "password" in hex for u004 (unsalted md5); a wrong one for u001; unknown id;
    // u008 has no password; u009 was rejected (sha512-crypt is not expressible for Clerk).
    let creds = "external_id,password_hex\n\
                 u004,70617373776f7264\n\
                 u001,78\n\
                 nobody,61\n\
                 u008,61\n\
                 u009,61\n";
    let (code, lines) = run_check(creds);
    assert_eq!(code, Some(1));
    let result = |id: &str| {
        lines.iter().find(|l| l["external_id"] == id).unwrap()["result"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(result("u004"), "match");
    assert_eq!(result("u001"), "mismatch");
    assert_eq!(result("nobody"), "not_found");
    assert_eq!(result("u008"), "no_password");
    assert_eq!(result("u009"), "rejected");
}
