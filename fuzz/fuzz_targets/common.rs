//! Shared checks for the hash targets (not a target itself: no `[[bin]]` names it).
#![allow(dead_code)]

use hashport::caps::WorkCaps;
use hashport::scheme::{self, ParseContext, StoredHash};

/// Caps small enough that any hash they admit verifies in about a millisecond, so
/// `verify_capped` can call `verify` on every input.
pub fn tiny_caps() -> WorkCaps {
    WorkCaps {
        bcrypt_cost: 5,
        argon2_memory_kib: 64,
        argon2_time: 2,
        argon2_work_kib: 128,
        argon2_lanes: 2,
        scrypt_memory_bytes: 1 << 20,
        scrypt_work: 1 << 12,
        pbkdf2_iterations: 2000,
        sha_crypt_rounds: 2000,
        phpass_log2: 10,
        generic_iterations: 1 << 12,
    }
}

/// Everything a parsed hash offers except `verify`, plus the canonical round trip:
/// the canonical string parses again under the same format hint, and its canonical is
/// itself (idempotent). Returns the re-parsed hash.
pub fn check_parsed(s: &str, h: &StoredHash, ctx: &ParseContext) -> StoredHash {
    let format = h.identification.format;
    assert_eq!(
        h.hash.format(),
        format,
        "format() disagrees with identify for {s:?}"
    );
    let _ = h.hash.params();
    let _ = h.hash.clerk();
    let _ = h.hash.usable();
    let _ = h.hash.bcrypt();
    let _ = h.hash.warnings();
    let canonical = h.hash.canonical();
    let again = match scheme::parse(&canonical, Some(format), ctx) {
        Ok(a) => a,
        Err(e) => panic!(
            "canonical of a {format} hash does not parse with hint {format}\n  input:     {s:?}\n  canonical: {canonical:?}\n  error:     {e}"
        ),
    };
    assert_eq!(
        again.hash.format(),
        format,
        "canonical re-parsed as another format\n  input: {s:?}\n  canonical: {canonical:?}"
    );
    let canonical2 = again.hash.canonical();
    assert_eq!(
        canonical, canonical2,
        "canonical is not idempotent for {format}\n  input: {s:?}"
    );
    assert_eq!(
        h.hash.usable(),
        again.hash.usable(),
        "usable() changed through the canonical for {format}: {s:?}"
    );
    again
}
