//! `hashport verify --digest D [--format ID | --hasher CLERK_NAME]`, password on stdin.
//! Exit 0 match, 1 mismatch, 2 malformed / unusable / refused by a cap. On a match
//! whose upgrade is due, the new bcrypt digest is printed (or the whole answer with --json).

use std::io::{self, Read};

use hashport::policy::{verify_and_upgrade, Outcome, Policy};
use hashport::scheme;
use serde_json::json;

use super::caps_args::CapsArgs;
use super::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The stored hash (or Clerk password_digest).
    #[arg(long, value_name = "D")]
    pub digest: String,
    /// The hashport format id of the digest.
    #[arg(long, value_name = "ID", conflicts_with = "hasher")]
    pub format: Option<String>,
    /// The Clerk password_hasher of the digest.
    #[arg(long, value_name = "CLERK_NAME")]
    pub hasher: Option<String>,
    /// bcrypt cost of the upgrade (and below which bcrypt is upgraded).
    #[arg(long, default_value_t = hashport::policy::DEFAULT_TARGET_COST, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub target_cost: u32,
    /// Print {match, upgrade, password_hasher, password_digest, reason, warnings} as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub caps: CapsArgs,
}

/// The password is stdin's exact bytes with one trailing newline (LF or CRLF) removed.
pub fn read_password(mut r: impl Read) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.read_to_end(&mut buf)?;
    if buf.ends_with(b"\r\n") {
        buf.truncate(buf.len() - 2);
    } else if buf.ends_with(b"\n") {
        buf.truncate(buf.len() - 1);
    }
    Ok(buf)
}

pub fn run(args: Args) -> u8 {
    let policy = Policy {
        target_cost: args.target_cost,
        caps: args.caps.caps(),
        ..Policy::default()
    };
    let ctx = policy.parse_context();
    let hint = args.format.as_deref().or(args.hasher.as_deref());
    let stored = match scheme::parse(args.digest.trim(), hint, &ctx) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("hashport verify: {e}");
            return exit::USAGE_OR_REFUSED;
        }
    };
    let password = match read_password(io::stdin().lock()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hashport verify: cannot read the password from stdin: {e}");
            return exit::MISMATCH_OR_FAILURE;
        }
    };
    let outcome = match verify_and_upgrade(&password, &stored, &policy) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("hashport verify: {}: {e}", stored.identification.format);
            return exit::USAGE_OR_REFUSED;
        }
    };
    match outcome {
        Outcome::Mismatch => {
            if args.json {
                println!("{}", json!({"match": false}));
            }
            exit::MISMATCH_OR_FAILURE
        }
        Outcome::Match {
            upgrade,
            reason,
            held,
            warnings,
        } => {
            if args.json {
                println!(
                    "{}",
                    json!({
                        "match": true,
                        "upgrade": upgrade.is_some(),
                        "password_hasher": upgrade.as_ref().map(|u| u.password_hasher),
                        "password_digest": upgrade.as_ref().map(|u| u.password_digest.clone()),
                        "reason": reason.map(|r| r.as_str()),
                        "held": held,
                        "warnings": warnings,
                    })
                );
            } else if let Some(u) = upgrade {
                println!("{}", u.password_digest);
            }
            exit::OK
        }
    }
}
