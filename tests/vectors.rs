//! Every public vector (fixtures/vectors.json, copied from the research vector file:
//! RFCs, OpenWall, Django, passlib, hashcat) through identify, parse, verify with the
//! right and a wrong password, and the normalization invariant
//! verify(pw, h) == verify(pw, canonical(h)) == verify(pw, clerk_render(h)).
//!
//! One test per vector: `cargo test --test vectors -- bcrypt-0` runs a subset.

use hashport::scheme::{self, Confidence, ParseContext};
use hashport::WorkCaps;
use libtest_mimic::{Arguments, Failed, Trial};
mod common;
use common::{Vector, DIVERGENCES};

fn ctx() -> ParseContext {
    // The few public vectors above the default caps (argon2 m=1 GiB, PBKDF2 2^24) must
    // still verify: the caps themselves are tested in tests/caps.rs.
    ParseContext {
        caps: WorkCaps::unlimited(),
        ..Default::default()
    }
}

/// A password that must not verify: prepend a byte, which changes every construction
/// (appending would not for bcrypt past 72 bytes or DES past 8).
fn wrong(pw: &[u8]) -> Vec<u8> {
    let mut w = b"x".to_vec();
    w.extend_from_slice(pw);
    w
}

fn check(v: &Vector) -> Result<(), Failed> {
    let ctx = ctx();
    if DIVERGENCES.iter().any(|(id, _)| *id == v.id) {
        let h = scheme::parse(&v.hash, Some(&v.format), &ctx)
            .map_err(|e| format!("documented divergence no longer holds: {e}"))?;
        return if h.hash.bcrypt().is_some_and(|b| b.minor == 'x') {
            Ok(())
        } else {
            Err("documented divergence no longer holds".into())
        };
    }
    match (v.expect.as_str(), v.reason.as_deref()) {
        ("valid", _) => check_valid(v, &ctx),
        ("invalid", Some("wrong_password")) => {
            let h = scheme::parse(&v.hash, Some(&v.format), &ctx)
                .map_err(|e| format!("parse with hint failed: {e}"))?;
            let pw = v
                .password()
                .ok_or("wrong_password vector without password")?;
            if h.verify(&pw) {
                return Err("wrong password verified".into());
            }
            let canon = scheme::parse(&h.hash.canonical(), Some(&v.format), &ctx)
                .map_err(|e| format!("canonical form does not parse: {e}"))?;
            if canon.verify(&pw) {
                return Err("wrong password verified against the canonical form".into());
            }
            Ok(())
        }
        ("invalid", Some("malformed")) => {
            if let Ok(h) = scheme::parse(&v.hash, Some(&v.format), &ctx) {
                return Err(format!("malformed string parsed with hint as {:?}", h.hash).into());
            }
            // Without a hint it must be refused, or read as something else entirely
            // (e.g. `!gAwTx2l6NADI` is an unusable marker, not DES).
            if let Ok(h) = scheme::parse(&v.hash, None, &ctx) {
                if h.identification.format == v.format && h.hash.usable() {
                    return Err("malformed string parsed without hint".into());
                }
            }
            Ok(())
        }
        ("invalid", Some("unusable_password")) => {
            let h = scheme::parse(&v.hash, None, &ctx)
                .map_err(|e| format!("marker refused instead of read as no password: {e}"))?;
            if h.hash.usable() {
                return Err(format!("marker read as usable {}", h.identification.format).into());
            }
            if let Some(pw) = v.password() {
                if h.verify(&pw) {
                    return Err("marker verified".into());
                }
            }
            Ok(())
        }
        other => Err(format!("unknown expectation {other:?}").into()),
    }
}

fn check_valid(v: &Vector, ctx: &ParseContext) -> Result<(), Failed> {
    let pw = v.password().ok_or("valid vector without password")?;
    let scheme = scheme::by_id(&v.format).ok_or(format!("format {} not registered", v.format))?;
    // Identification without a hint: hint-only formats are listed nowhere; others must be
    // the answer, or (shape / default) among the candidates.
    let auto = scheme::identify(&v.hash, None);
    if !scheme.hint_only() {
        let id = auto.map_err(|e| format!("not identified: {e}"))?;
        let found = id.format == v.format
            || (id.confidence != Confidence::Certain
                && id.candidates.iter().any(|c| *c == v.format));
        if !found {
            return Err(format!(
                "identified as {} ({:?}, candidates {:?}), expected {}",
                id.format, id.confidence, id.candidates, v.format
            )
            .into());
        }
    }
    let h =
        scheme::parse(&v.hash, Some(&v.format), ctx).map_err(|e| format!("parse failed: {e}"))?;
    if !h.verify(&pw) {
        return Err("right password did not verify".into());
    }
    if h.verify(&wrong(&pw)) {
        return Err("wrong password verified".into());
    }
    // Normalization invariant.
    let canonical = h.hash.canonical();
    let c = scheme::parse(&canonical, Some(&v.format), ctx)
        .map_err(|e| format!("canonical {canonical:?} does not parse: {e}"))?;
    if !c.verify(&pw) {
        return Err(format!("canonical {canonical:?} does not verify").into());
    }
    if c.hash.canonical() != canonical {
        return Err("canonical form is not idempotent".into());
    }
    // The shortcut migrate takes must agree with rendering.
    if let Some(hasher) = h.hash.clerk_verbatim() {
        match h.hash.clerk() {
            Ok(c) if c.password_hasher == hasher && c.password_digest == v.hash => {}
            other => {
                return Err(format!(
                    "clerk_verbatim says {hasher} with the input unchanged, clerk() gives {other:?}"
                )
                .into())
            }
        }
    }
    if let Ok(clerk) = h.hash.clerk() {
        let r = scheme::parse(&clerk.password_digest, Some(clerk.password_hasher), ctx)
            .map_err(|e| format!("Clerk rendering {clerk:?} does not parse: {e}"))?;
        if !r.verify(&pw) {
            return Err(format!("Clerk rendering {clerk:?} does not verify").into());
        }
        if r.verify(&wrong(&pw)) {
            return Err("Clerk rendering verifies a wrong password".into());
        }
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let vectors = common::vectors();
    let trials = vectors
        .into_iter()
        .map(|v| {
            let name = v.id.clone();
            Trial::test(name, move || check(&v))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
