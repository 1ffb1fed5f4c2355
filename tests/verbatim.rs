//! `scheme::verbatim`, the migrate hot path, must say what the general path says:
//! wherever it answers, `parse` (no hint) gives the same identification and candidates,
//! a usable hash whose canonical string is the input itself, the Clerk digest (or
//! refusal) that its `ClerkForm` gives, and the same bcrypt facts; and it must answer for
//! every canonical string of the layouts it covers.

mod common;

use hashport::caps::WorkCaps;
use hashport::encoding::{
    ab64_encode, bcrypt64_encode, hash64_encode, std_encode, HASH64_ALPHABET,
};
use hashport::scheme::{self, ClerkForm, ParseContext};
use proptest::prelude::*;

/// The layouts `verbatim` covers whose canonical strings Clerk takes as they are, by
/// format id.
const COVERED: [&str; 8] = [
    "bcrypt",
    "phpass",
    "django_pbkdf2_sha256",
    "argon2id",
    "argon2i",
    "werkzeug_scrypt",
    "hex_md5",
    "hex_sha256",
];

/// The layouts `verbatim` covers whose canonical strings Clerk takes rewritten, or not
/// at all: every canonical string of these is taken.
const COVERED_OTHERWISE: [&str; 8] = [
    "passlib_pbkdf2_sha256",
    "hex_sha1",
    "hex_sha512",
    "ldap_sha1",
    "ldap_salted_md5",
    "ldap_salted_sha1",
    "ldap_salted_sha256",
    "ldap_salted_sha512",
];

fn agrees(s: &str, ctx: &ParseContext) -> Result<(), String> {
    let fast = scheme::verbatim(s, ctx);
    let slow = scheme::parse(s, None, ctx);
    match (fast, slow) {
        (Some(v), Ok(p)) => {
            let id = &p.identification;
            let clerk = match (v.clerk, p.hash.clerk()) {
                (ClerkForm::Stored(hasher), Ok(c)) => {
                    c.password_hasher == hasher && c.password_digest == s
                }
                (ClerkForm::Rewritten { hasher, rewrite }, Ok(c)) => {
                    c.password_hasher == hasher && c.password_digest == rewrite(s)
                }
                (ClerkForm::Refused(why), Err(e)) => e.message == why,
                (_, c) => return Err(format!("{s}: verbatim says {v:?}, clerk() says {c:?}")),
            };
            let got = (
                id.format,
                id.confidence,
                id.candidates.as_slice(),
                p.hash.usable(),
                clerk,
                p.hash.canonical() == s,
                p.hash.bcrypt(),
            );
            let want = (
                v.format,
                v.confidence,
                v.candidates,
                true,
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
            if p.hash.canonical() == s
                && !odd_salt(s)
                && (COVERED.contains(&p.identification.format)
                    && p.hash.clerk().is_ok_and(|c| c.password_digest == s)
                    || COVERED_OTHERWISE.contains(&p.identification.format)) =>
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn bare_hex_agrees(
        len in prop::sample::select(vec![32usize, 40, 64, 128, 31, 33, 39, 41, 56, 63, 96, 127, 129]),
        hex in "[0-9a-f]{129}",
        flaw in 0usize..5,
        at in any::<prop::sample::Index>(),
        odd in "[A-FG-Zg-z:$ .\u{e9}]",
    ) {
        // A lower-case digest of some length, or one with a flaw (or nothing, for flaw 0).
        let mut s = hex[..len].to_string();
        let i = at.index(len);
        match flaw {
            1 => s = s.to_uppercase(),
            2 => s.replace_range(i..=i, &s[i..=i].to_uppercase()),
            3 => s.replace_range(i..=i, &odd),
            4 => s.insert_str(i, &odd),
            _ => {}
        }
        for ctx in contexts() {
            if flaw == 0 {
                // All digits is still lower case.
                let canonical = [32, 40, 64, 128].contains(&len);
                prop_assert_eq!(scheme::verbatim(&s, &ctx).is_some(), canonical, "{}", s);
            }
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn passlib_pbkdf2_sha256_agrees(
        rounds in 1u32..200_000,
        salt in prop::collection::vec(any::<u8>(), 0..=24),
        key in prop::collection::vec(any::<u8>(), 31..=33),
        flaw in 0usize..16,
    ) {
        // A canonical string (given a 32-byte key), or one with one thing wrong.
        let mut prefix = "$pbkdf2-sha256$".to_string();
        let (mut r, mut salt_s, mut key_s) = (rounds.to_string(), ab64_encode(&salt), ab64_encode(&key));
        let mut extra = String::new();
        match flaw {
            1 => r = format!("0{r}"),
            2 => r = "0".into(),
            3 => r = format!("i={r},l=32"),
            4 => key_s = key_s.replace('.', "+"),
            5 => key_s.push('='),
            6 => { key_s.pop(); key_s.push('B'); }
            7 => salt_s = std_encode(&salt),
            8 => salt_s.clear(),
            9 => extra = "$x".into(),
            10 => prefix = "$pbkdf2-sha512$".into(),
            11 => prefix = "$pbkdf2$".into(),
            12 => r = "4294967296".into(),
            13 => { salt_s.push('$'); }
            14 => salt_s = salt_s.replace('/', "."),
            15 => key_s = key_s.to_uppercase(),
            _ => {}
        }
        let s = format!("{prefix}{r}${salt_s}${key_s}{extra}");
        for ctx in contexts() {
            if flaw == 0 && key.len() == 32 {
                let taken = !salt.is_empty() && rounds <= ctx.caps.pbkdf2_iterations;
                prop_assert_eq!(scheme::verbatim(&s, &ctx).is_some(), taken, "{}", s);
            }
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn ldap_digests_agree(
        (name, n) in prop::sample::select(vec![
            ("SSHA", 20usize), ("SMD5", 16), ("SSHA256", 32), ("SSHA512", 64), ("SHA", 20), ("MD5", 16),
        ]),
        salt in prop::collection::vec(any::<u8>(), 0..=8),
        extra in -1isize..=1,
        flaw in 0usize..9,
        at in any::<prop::sample::Index>(),
    ) {
        // A digest and a salt (or a byte too many or too few), base64 behind the scheme
        // name, or with one thing wrong.
        let mut raw: Vec<u8> = (0..n as u8).collect();
        raw.extend_from_slice(&salt);
        match extra {
            -1 => { raw.pop(); }
            1 => raw.push(7),
            _ => {}
        }
        let (mut name, mut body) = (name.to_string(), std_encode(&raw));
        match flaw {
            1 => name = name.to_lowercase(),
            2 => body = body.trim_end_matches('=').to_string(),
            3 => body.push('='),
            4 if !body.is_empty() => { let i = at.index(body.len()); body.replace_range(i..=i, "-"); }
            5 => body.push_str("AAAA"),
            6 => name.push(' '),
            7 => body.insert(0, '}'),
            8 => body = body.replace('=', "") + "A=",
            _ => {}
        }
        let s = format!("{{{name}}}{body}");
        // What parse takes: the digest, and a salt of at least 4 bytes (SSHA, SMD5), 1
        // (SSHA256, SSHA512) or none (SHA, MD5); Clerk's `md5` needs {MD5} rewritten.
        let min_salt = match name.as_str() { "SSHA" | "SMD5" => 4, "SSHA256" | "SSHA512" => 1, _ => 0 };
        let salt_len = raw.len() as isize - n as isize;
        let taken = flaw == 0
            && name != "MD5"
            && if min_salt == 0 { salt_len == 0 } else { salt_len >= min_salt };
        for ctx in contexts() {
            if flaw == 0 {
                prop_assert_eq!(scheme::verbatim(&s, &ctx).is_some(), taken, "{}", s);
            }
            agrees(&s, &ctx).map_err(TestCaseError::fail)?;
        }
    }
}
