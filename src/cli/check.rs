//! `hashport check DIR --credentials FILE`: prove a bundle works before cutover by
//! verifying known test accounts against it. Exit 0 only when every credential matches.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};

use hashport::policy::{verify_and_upgrade, Outcome, Policy};
use hashport::scheme::{self, ParseContext};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::caps_args::CapsArgs;
use super::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bundle directory written by `hashport migrate`.
    pub dir: PathBuf,
    /// CSV with columns external_id and password (or password_hex for non-UTF-8 passwords).
    #[arg(long, value_name = "FILE")]
    pub credentials: PathBuf,
    /// bcrypt cost the upgrade policy targets.
    #[arg(long, default_value_t = hashport::policy::DEFAULT_TARGET_COST, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub target_cost: u32,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub caps: CapsArgs,
}

/// What the bundle says about one external_id.
enum Entry {
    User {
        hasher: Option<String>,
        digest: Option<String>,
    },
    Rejected(String),
}

struct Credential {
    external_id: String,
    password: Vec<u8>,
}

fn read_credentials(path: &Path) -> Result<Vec<Credential>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header = r
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let col = |n: &str| header.iter().position(|h| h.trim() == n);
    let id =
        col("external_id").ok_or_else(|| format!("{}: no external_id column", path.display()))?;
    let (pw, is_hex) = match (col("password"), col("password_hex")) {
        (_, Some(i)) => (i, true),
        (Some(i), None) => (i, false),
        (None, None) => {
            return Err(format!(
                "{}: no password or password_hex column",
                path.display()
            ))
        }
    };
    let mut out = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let line = n + 2;
        let field = |i: usize| rec.get(i).unwrap_or("");
        let password = if is_hex {
            hex::decode(field(pw))
                .map_err(|_| format!("{}: line {line}: password_hex is not hex", path.display()))?
        } else {
            field(pw).as_bytes().to_vec()
        };
        out.push(Credential {
            external_id: field(id).to_string(),
            password,
        });
    }
    Ok(out)
}

/// Scan the bundle once, keeping only the ids asked about.
fn index_bundle(dir: &Path, wanted: &HashMap<&str, ()>) -> Result<HashMap<String, Entry>, String> {
    if !dir.join(hashport::bundle::MANIFEST).exists() {
        return Err(format!(
            "{}: no manifest.json: not a finished bundle",
            dir.display()
        ));
    }
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("users-") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    files.push(dir.join(hashport::bundle::REJECTS));
    let mut index = HashMap::new();
    for f in files {
        let is_rejects = f.ends_with(hashport::bundle::REJECTS);
        let r = BufReader::new(File::open(&f).map_err(|e| format!("{}: {e}", f.display()))?);
        for (n, line) in r.lines().enumerate() {
            let line = line.map_err(|e| format!("{}: {e}", f.display()))?;
            let v: Value = serde_json::from_str(&line)
                .map_err(|e| format!("{}: line {}: {e}", f.display(), n + 1))?;
            let Some(id) = v.get("external_id").and_then(|x| x.as_str()) else {
                continue;
            };
            if !wanted.contains_key(id) || index.contains_key(id) {
                continue;
            }
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let entry = if is_rejects {
                Entry::Rejected(s("reason").unwrap_or_default())
            } else {
                Entry::User {
                    hasher: s("password_hasher"),
                    digest: s("password_digest"),
                }
            };
            index.insert(id.to_string(), entry);
        }
    }
    Ok(index)
}

fn check_one(
    c: &Credential,
    index: &HashMap<String, Entry>,
    policy: &Policy,
    ctx: &ParseContext,
) -> Value {
    let base =
        |result: &str| json!({"external_id": c.external_id, "result": result, "upgrade": false});
    match index.get(&c.external_id) {
        None => base("not_found"),
        Some(Entry::Rejected(reason)) => {
            json!({"external_id": c.external_id, "result": "rejected", "reason": reason, "upgrade": false})
        }
        Some(Entry::User { digest: None, .. }) => base("no_password"),
        Some(Entry::User {
            hasher,
            digest: Some(d),
        }) => match scheme::parse(d, hasher.as_deref(), ctx) {
            Err(e) => {
                json!({"external_id": c.external_id, "result": "rejected", "reason": e.reason, "message": e.message, "upgrade": false})
            }
            Ok(stored) => match verify_and_upgrade(&c.password, &stored, policy) {
                Ok(Outcome::Match {
                    upgrade, reason, ..
                }) => json!({
                    "external_id": c.external_id, "result": "match",
                    "upgrade": upgrade.is_some(), "reason": reason.map(|r| r.as_str()),
                }),
                Ok(Outcome::Mismatch) => base("mismatch"),
                Err(_) => base("no_password"),
            },
        },
    }
}

pub fn run(args: Args) -> u8 {
    let creds = match read_credentials(&args.credentials) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hashport check: {e}");
            return exit::USAGE_OR_REFUSED;
        }
    };
    let wanted: HashMap<&str, ()> = creds.iter().map(|c| (c.external_id.as_str(), ())).collect();
    let index = match index_bundle(&args.dir, &wanted) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("hashport check: {e}");
            return exit::USAGE_OR_REFUSED;
        }
    };
    let policy = Policy {
        target_cost: args.target_cost,
        caps: args.caps.caps(),
        ..Policy::default()
    };
    let ctx = policy.parse_context();
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hashport check: {e}");
            return exit::MISMATCH_OR_FAILURE;
        }
    };
    let bar = (io::stderr().is_terminal() && creds.len() > 20)
        .then(|| indicatif::ProgressBar::new(creds.len() as u64));
    let results: Vec<Value> = pool.install(|| {
        creds
            .par_iter()
            .map(|c| {
                let v = check_one(c, &index, &policy, &ctx);
                if let Some(b) = &bar {
                    b.inc(1);
                }
                v
            })
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut out = io::stdout().lock();
    let mut tally: std::collections::BTreeMap<String, usize> = Default::default();
    for v in &results {
        let _ = writeln!(out, "{v}");
        *tally
            .entry(v["result"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    let summary: Vec<String> = tally.iter().map(|(k, n)| format!("{n} {k}")).collect();
    eprintln!("{} credentials: {}", results.len(), summary.join(", "));
    if results.iter().all(|v| v["result"] == "match") {
        exit::OK
    } else {
        exit::MISMATCH_OR_FAILURE
    }
}
