//! `scheme::verbatim`, the migrate hot path, must say what the general path says:
//! wherever it answers, `parse` (no hint) gives the same identification, a usable hash
//! whose canonical string and Clerk digest are the input itself, and the same bcrypt
//! facts; and it must answer for every canonical string of the layouts it covers.

mod common;

use hashport::caps::WorkCaps;
use hashport::encoding::{bcrypt64_encode, hash64_encode, std_encode, HASH64_ALPHABET};
use hashport::scheme::{self, ParseContext};
use proptest::prelude::*;

/// The layouts `verbatim` covers, by format id.
const COVERED: [&str; 6] = [
    "bcrypt",
    "phpass",
    "django_pbkdf2_sha256",
    "argon2id",
    "argon2i",
    "werkzeug_scrypt",
];

fn agrees(s: &str, ctx: &ParseContext) -> Result<(), String> {
    let fast = scheme::verbatim(s, ctx);
    let slow = scheme::parse(s, None, ctx);
    match (fast, slow) {
        (Some(v), Ok(p)) => {
            let id = &p.identification;
            let clerk = p.hash.clerk().map_err(|e| format!("{s}: clerk(): {e:?}"))?;
            let got = (
                id.format,
                id.confidence,
                id.candidates.is_empty(),
                p.hash.usable(),
                clerk.password_hasher,
                clerk.password_digest == s,
                p.hash.canonical() == s,
                p.hash.bcrypt(),
            );
            let want = (
                v.format,
                v.confidence,
                true,
                true,
                v.clerk_hasher,
                true,
                true,
                v.bcrypt,
            );
            if got == want {
                Ok(())
            } else {
                Err(format!("{s}: verbatim says {want:?}, parse says {got:?}"))
            }
        }
        (Some(v), Err(e)) => Err(format!("{s}: verbatim says {v:?}, parse refuses: {e}")),
        (None, Ok(p))
            if COVERED.contains(&p.identification.format)
                && p.hash.clerk().is_ok_and(|c| c.password_digest == s)
                && p.hash.canonical() == s
                && !odd_salt(s) =>
        {
            Err(format!(
                "{s}: canonical {} not taken verbatim",
                p.identification.format
            ))
        }
        (None, _) => Ok(()),
    }
}

/// A Django or Werkzeug string whose salt is not alphanumeric: `verbatim` leaves those
/// to `parse` (both make alphanumeric salts; odd ones are rare and not worth the
/// reasoning).
fn odd_salt(s: &str) -> bool {
    let salt = if let Some(rest) = s.strip_prefix("pbkdf2_sha256$") {
        rest.split('$').nth(1)
    } else if let Some(rest) = s.strip_prefix("scrypt:") {
        rest.split('$').nth(1)
    } else {
        None
    };
    salt.is_some_and(|salt| salt.is_empty() || !salt.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The default caps, and caps low enough to refuse some of the strings generated here.
fn contexts() -> [ParseContext; 2] {
    let tight = ParseContext {
        caps: WorkCaps {
            bcrypt_cost: 9,
            phpass_log2: 10,
            pbkdf2_iterations: 50_000,
            argon2_memory_kib: 4096,
            argon2_time: 3,
            scrypt_memory_bytes: 8 << 20,
            ..WorkCaps::default()
        },
        ..ParseContext::default()
    };
    [ParseContext::default(), tight]
}

#[test]
fn agrees_on_every_vector_and_example() {
    let mut strings: Vec<String> = common::vectors().into_iter().map(|v| v.hash).collect();
    strings.extend(scheme::registry().iter().map(|s| s.example().to_string()));
    // Near misses found by the proptests: 44 base64 characters without padding (33 bytes).
    strings.push(format!("pbkdf2_sha256$1$0${}", "A".repeat(44)));
    let mut taken = 0;
    for ctx in contexts() {
        for s in &strings {
            agrees(s, &ctx).unwrap();
            taken += usize::from(scheme::verbatim(s, &ctx).is_some());
        }
    }
    // The sweep means something only if the shortcut was taken on some of them.
    assert!(taken >= 10, "verbatim answered for only {taken} strings");
}

fn bcrypt_text(bytes: &[u8], chars: usize) -> String {
    bcrypt64_encode(bytes)[..chars].to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn canonical_bcrypt_is_taken_verbatim(
        minor in prop::sample::select(vec!["a", "b", "y"]),
        cost in 4u32..=31,
        salt in any::<[u8; 16]>(),
        digest in any::<[u8; 23]>(),
    ) {
        let s = format!("$2{minor}${cost:02}${}{}", bcrypt_text(&salt, 22), bcrypt_text(&digest, 31));
        for ctx in contexts() {
            let v = scheme::verbatim(&s, &ctx);
            prop_assert_eq!(v.is_some(), cost <= ctx.caps.bcrypt_cost, "{}", s);
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn bcrypt_like_strings_agree(
        prefix in prop::sample::select(vec!["$2a$", "$2b$", "$2y$", "$2x$", "$2$", "$2c$", "$2B$", "$3a$"]),
        cost in "[0-9]{1,3}|[0-9a ]{2}",
        body in "[./A-Za-z0-9]{50,56}",
        odd in proptest::option::of(("[!$\\- \u{e9}\0]", any::<prop::sample::Index>())),
    ) {
        let mut s = format!("{prefix}{cost}${body}");
        if let Some((c, at)) = odd {
            s.insert_str(at.index(s.len() + 1), &c);
        }
        for ctx in contexts() {
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn canonical_phpass_is_taken_verbatim(
        log2 in 7usize..=30,
        salt in "[./A-Za-z0-9]{8}",
        digest in any::<[u8; 16]>(),
    ) {
        let s = format!("$P${}{salt}{}", HASH64_ALPHABET[log2] as char, hash64_encode(&digest));
        for ctx in contexts() {
            let v = scheme::verbatim(&s, &ctx);
            prop_assert_eq!(v.is_some(), log2 as u32 <= ctx.caps.phpass_log2, "{}", s);
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn phpass_like_strings_agree(
        prefix in prop::sample::select(vec!["$P$", "$H$", "$S$", "$p$", "U$P$"]),
        body in "[./A-Za-z0-9]{29,32}",
        odd in proptest::option::of(("[!$\\- \u{e9}\0]", any::<prop::sample::Index>())),
    ) {
        let mut s = format!("{prefix}{body}");
        if let Some((c, at)) = odd {
            s.insert_str(at.index(s.len() + 1), &c);
        }
        for ctx in contexts() {
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn canonical_django_is_taken_verbatim(
        iterations in 1u32..2_000_000,
        salt in "[A-Za-z0-9]{1,30}",
        key in any::<[u8; 32]>(),
    ) {
        let s = format!("pbkdf2_sha256${iterations}${salt}${}", std_encode(&key));
        for ctx in contexts() {
            let v = scheme::verbatim(&s, &ctx);
            prop_assert_eq!(v.is_some(), iterations <= ctx.caps.pbkdf2_iterations, "{}", s);
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn django_like_strings_agree(
        prefix in prop::sample::select(vec!["pbkdf2_sha256$", "pbkdf2_sha1$", "pbkdf2_sha256", "pbkdf2_sha512$"]),
        iterations in "0?[0-9]{1,11}|[0-9 +-]{1,3}",
        salt in "[A-Za-z0-9]{0,12}|[A-Za-z0-9$!.+/=\u{e9}\0 ]{0,12}",
        key in prop::collection::vec(any::<u8>(), 30..34),
        tweak in 0usize..5,
    ) {
        let mut b64 = std_encode(&key);
        match tweak {
            0 => {}
            1 => { b64.pop(); }
            2 => { b64.pop(); b64.push('B'); }
            3 => b64.push('='),
            _ => b64.push_str("$64"),
        }
        let s = format!("{prefix}{iterations}${salt}${b64}");
        for ctx in contexts() {
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }
}

fn phc_b64(bytes: &[u8]) -> String {
    std_encode(bytes).trim_end_matches('=').to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn canonical_argon2_is_taken_verbatim(
        variant in prop::sample::select(vec!["argon2id", "argon2i"]),
        p in 1u32..=4,
        m_extra in 0u32..70_000,
        t in 1u32..=4,
        salt in prop::collection::vec(any::<u8>(), 8..=24),
        hash in prop::collection::vec(any::<u8>(), 4..=64),
    ) {
        let m = 8 * p + m_extra;
        let s = format!("${variant}$v=19$m={m},t={t},p={p}${}${}", phc_b64(&salt), phc_b64(&hash));
        for ctx in contexts() {
            let v = scheme::verbatim(&s, &ctx);
            prop_assert_eq!(v.is_some(), ctx.caps.check_argon2(variant, m, t, p).is_ok(), "{}", s);
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn argon2_near_misses_agree(
        variant in prop::sample::select(vec!["argon2id", "argon2i"]),
        p in 1u32..=4,
        m_extra in 0u32..5000,
        t in 1u32..=4,
        salt in prop::collection::vec(any::<u8>(), 8..=16),
        hash in prop::collection::vec(any::<u8>(), 4..=33),
        flaw in 0usize..18,
        below in 1u32..8,
    ) {
        // A canonical string with one thing wrong (or nothing, for flaw 0).
        let m = 8 * p + m_extra;
        let (mut variant, mut version) = (variant.to_string(), "$v=19".to_string());
        let (mut ms, mut ts, mut ps) = (m.to_string(), t.to_string(), p.to_string());
        let (mut extra, mut salt_s, mut hash_s) = (String::new(), phc_b64(&salt), phc_b64(&hash));
        match flaw {
            1 => ms = (8 * p - below).to_string(),
            2 => ts = "0".into(),
            3 => ps = "0".into(),
            4 => ms = format!("0{ms}"),
            5 => extra = ",keyid=YWJj".into(),
            6 => extra = ",data=YWJj".into(),
            7 => version = "$v=16".into(),
            8 => variant = "argon2d".into(),
            9 => salt_s = std_encode(&salt),
            10 => salt_s = phc_b64(&salt[..7]),
            11 => hash_s = phc_b64(&hash[..3]),
            12 => { hash_s.pop(); hash_s.push('B'); }
            13 => hash_s.push_str("$x"),
            14 => extra = ",x=1".into(),
            15 => version.clear(),
            16 => ms = "4294967296".into(),
            17 => variant = variant.to_uppercase(),
            _ => {}
        }
        let s = format!("${variant}{version}$m={ms},t={ts},p={ps}{extra}${salt_s}${hash_s}");
        for ctx in contexts() {
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn werkzeug_scrypt_is_taken_verbatim_when_canonical(
        log_n in 1u32..=17,
        r in 1u32..=16,
        p in 1u32..=4,
        salt in "[A-Za-z0-9]{1,20}",
        digest in any::<[u8; 64]>(),
        flaw in 0usize..14,
    ) {
        // A canonical string, or one with one thing wrong.
        let (mut n, mut r, mut p) = ((1u64 << log_n).to_string(), r.to_string(), p.to_string());
        let (mut salt, mut hex) = (salt, hex::encode(digest));
        let mut prefix = "scrypt:";
        match flaw {
            1 => n = format!("0{n}"),
            2 => n = ((1u64 << log_n) + 2).to_string(),
            3 => n = "1".into(),
            4 => r = "0".into(),
            5 => hex = hex.to_uppercase(),
            6 => { hex.pop(); }
            7 => salt.push('.'),
            8 => hex.push_str("$x"),
            9 => prefix = "scrypt$",
            10 => p = (1u64 << 30).to_string(),
            11 => n = (1u64 << 40).to_string(),
            12 => salt.clear(),
            13 => p = format!("+{p}"),
            _ => {}
        }
        let s = format!("{prefix}{n}:{r}:{p}${salt}${hex}");
        for ctx in contexts() {
            if flaw == 0 {
                let v = scheme::verbatim(&s, &ctx);
                prop_assert_eq!(v.is_some(), scheme::parse(&s, None, &ctx).is_ok(), "{}", s);
            }
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }
}
