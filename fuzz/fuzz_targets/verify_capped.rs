//! Parse under tiny work caps, then verify a fuzz-chosen password against the hash and
//! against its canonical form and against its Clerk digest read back with the Clerk
//! hasher as the hint: all must give the same answer.
//!
//! Input layout: byte 0 picks a hint (a registry index, or none when it is past the
//! end), byte 1 is the password length, then the password, then the hash string.
#![no_main]

use hashport::scheme::{self, ParseContext};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let [pick, pw_len, rest @ ..] = data else {
        return;
    };
    let pw_len = (*pw_len as usize).min(rest.len());
    let (password, s) = rest.split_at(pw_len);
    let Ok(s) = std::str::from_utf8(s) else {
        return;
    };
    let reg = scheme::registry();
    let hint = reg.get(*pick as usize).map(|sch| sch.id());
    let ctx = ParseContext {
        caps: common::tiny_caps(),
        pepper: None,
    };
    let Ok(h) = scheme::parse(s, hint, &ctx) else {
        return;
    };
    let again = common::check_parsed(s, &h, &ctx);
    let ok = h.verify(password);
    let ok2 = again.verify(password);
    assert_eq!(
        ok,
        ok2,
        "{} verifies differently from its canonical form\n  input: {s:?}\n  canonical: {:?}",
        h.identification.format,
        h.hash.canonical()
    );
    // The Clerk layout, read back by hashport (a Clerk hasher name is a valid hint),
    // must accept the same passwords.
    if let Ok(c) = h.hash.clerk() {
        if scheme::resolve_hint(c.password_hasher).is_ok() {
            match scheme::parse(&c.password_digest, Some(c.password_hasher), &ctx) {
                Ok(back) => assert_eq!(
                    ok,
                    back.verify(password),
                    "{} verifies differently from its Clerk digest\n  input: {s:?}\n  clerk: {} {:?}",
                    h.identification.format,
                    c.password_hasher,
                    c.password_digest
                ),
                Err(e) => panic!(
                    "the Clerk digest of a {} hash does not parse back\n  input: {s:?}\n  clerk: {} {:?}\n  error: {e}",
                    h.identification.format, c.password_hasher, c.password_digest
                ),
            }
        }
    }
    if !h.hash.usable() {
        assert!(!ok, "an unusable marker verified a password: {s:?}");
    }
});
