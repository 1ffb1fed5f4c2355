//! `hashport identify [HASH]...`: one JSON line per hash.

use std::io::{self, BufRead, Write};

use hashport::scheme::{self, ParseContext};
use serde_json::{json, Value};

use super::caps_args::CapsArgs;
use super::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Hashes to identify; without any, one per line is read from stdin.
    pub hashes: Vec<String>,
    /// Format id or Clerk password_hasher the hashes are known to be.
    #[arg(long, value_name = "ID")]
    pub hint: Option<String>,
    #[command(flatten)]
    pub caps: CapsArgs,
}

/// The JSON answer for one string. Never includes the input string itself beyond its
/// format, so identifying a file of hashes does not copy them into logs.
pub fn describe(s: &str, hint: Option<&str>, ctx: &ParseContext) -> Value {
    let s = s.trim();
    match scheme::parse(s, hint, ctx) {
        Ok(h) => {
            let id = &h.identification;
            let clerk = h.hash.clerk();
            json!({
                "format": id.format,
                "family": id.family,
                "confidence": id.confidence,
                "candidates": id.candidates,
                "usable": h.hash.usable(),
                "params": h.hash.params(),
                "clerk_hasher": clerk.as_ref().ok().map(|c| c.password_hasher),
                "clerk_not_expressible": clerk.as_ref().err().map(|e| e.message.clone()),
                "warnings": h.hash.warnings(),
            })
        }
        Err(e) => {
            // Say what it looked like even when parsing failed.
            let looked = scheme::identify(s, hint).ok();
            json!({
                "format": looked.as_ref().map(|i| i.format),
                "candidates": looked.as_ref().map(|i| i.candidates.clone()).unwrap_or_default(),
                "error": e.reason,
                "message": e.message,
            })
        }
    }
}

pub fn run(args: Args) -> u8 {
    let ctx = ParseContext {
        caps: args.caps.caps(),
        ..Default::default()
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut any_error = false;
    let mut emit = |s: &str, out: &mut dyn Write| -> io::Result<()> {
        let v = describe(s, args.hint.as_deref(), &ctx);
        any_error |= v.get("error").is_some();
        writeln!(out, "{v}")
    };
    let result = if args.hashes.is_empty() {
        let stdin = io::stdin();
        let mut r = Ok(());
        for line in stdin.lock().lines() {
            match line {
                Ok(l) => {
                    let l = l.strip_suffix('\r').unwrap_or(&l).to_string();
                    r = emit(&l, &mut out);
                }
                Err(e) => r = Err(e),
            }
            if r.is_err() {
                break;
            }
        }
        r
    } else {
        args.hashes.iter().try_for_each(|h| emit(h, &mut out))
    };
    if let Err(e) = result.and_then(|_| out.flush()) {
        eprintln!("hashport identify: {e}");
        return exit::MISMATCH_OR_FAILURE;
    }
    if any_error {
        exit::USAGE_OR_REFUSED
    } else {
        exit::OK
    }
}
