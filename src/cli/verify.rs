//! `hashport verify --digest D [--format ID | --hasher CLERK_NAME]`, password on stdin.

use std::io::{self, Read};

use hashport::scheme::{self, ParseContext};

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
    let ctx = ParseContext {
        caps: args.caps.caps(),
        ..Default::default()
    };
    let hint = args.format.as_deref().or(args.hasher.as_deref());
    let stored = match scheme::parse(args.digest.trim(), hint, &ctx) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("hashport verify: {e}");
            return exit::USAGE_OR_REFUSED;
        }
    };
    if !stored.hash.usable() {
        eprintln!(
            "hashport verify: {}: the stored value means \"no usable password\"; nothing can match",
            stored.identification.format
        );
        return exit::USAGE_OR_REFUSED;
    }
    let password = match read_password(io::stdin().lock()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hashport verify: cannot read the password from stdin: {e}");
            return exit::MISMATCH_OR_FAILURE;
        }
    };
    if stored.verify(&password) {
        exit::OK
    } else {
        exit::MISMATCH_OR_FAILURE
    }
}
