//! Spring Security `DelegatingPasswordEncoder` ids whose encoders are not another
//! family's (formats.md §2.5): `{noop}` (plain text) and `{sha256}`
//! (`StandardPasswordEncoder`). `{bcrypt}`, `{pbkdf2}`, `{scrypt}` and `{argon2}` live
//! with their families. Spring matches the id case-sensitively, and so does hashport.

use std::fmt;

use super::digest::Alg;
use super::util::params;
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Scheme,
};
use crate::encoding::{hex_decode, hex_encode};

/// `{noop}password`: `NoOpPasswordEncoder`, the password in plain text.
pub struct SpringNoop;
/// `{sha256}` + hex(salt[8] || SHA-256^1024(salt || secret || password)).
pub struct SpringSha256;

const NOOP_ID: &str = "spring_noop";
const NOOP_PREFIX: &str = "{noop}";
const SHA256_ID: &str = "spring_sha256";
const SHA256_PREFIX: &str = "{sha256}";
/// `StandardPasswordEncoder`: `KeyGenerators.secureRandom()` (8 bytes) and
/// `Digester("SHA-256", 1024)`.
const SHA256_SALT_LEN: usize = 8;
const SHA256_ITERATIONS: usize = 1024;

struct NoopHash {
    password: String,
}

impl fmt::Debug for NoopHash {
    // Hand-written so the stored password never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoopHash").finish_non_exhaustive()
    }
}

impl ParsedHash for NoopHash {
    fn format(&self) -> &'static str {
        NOOP_ID
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([("plaintext", true.into())])
    }
    fn verify(&self, password: &[u8]) -> bool {
        // Compare fixed-size digests so neither contents nor length leak through timing.
        super::ct_eq(
            &Alg::Sha256.digest(&[password]),
            &Alg::Sha256.digest(&[self.password.as_bytes()]),
        )
    }
    fn canonical(&self) -> String {
        format!("{NOOP_PREFIX}{}", self.password)
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new(
            "{noop} stores the password in plain text: hash it (e.g. bcrypt) before import",
        ))
    }
    fn warnings(&self) -> Vec<String> {
        vec!["spring_noop: {noop} stores the password in plain text".into()]
    }
}

impl Scheme for SpringNoop {
    fn id(&self) -> &'static str {
        NOOP_ID
    }
    fn family(&self) -> Family {
        Family::Plaintext
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[NOOP_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(NOOP_PREFIX).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let password = s
            .strip_prefix(NOOP_PREFIX)
            .ok_or_else(|| HashError::malformed(NOOP_ID, "prefix", "must be {noop}"))?;
        Ok(Box::new(NoopHash {
            password: password.to_string(),
        }))
    }
    fn example(&self) -> &'static str {
        "{noop}password"
    }
}

#[derive(Debug)]
struct SpringSha256Hash {
    salt: [u8; SHA256_SALT_LEN],
    digest: Vec<u8>,
}

impl ParsedHash for SpringSha256Hash {
    fn format(&self) -> &'static str {
        SHA256_ID
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("digest", "sha256".into()),
            ("iterations", SHA256_ITERATIONS.into()),
            ("salt_len", SHA256_SALT_LEN.into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        // Spring's default constructor uses an empty secret; an application-wide secret
        // is not in the string, and hashes made with one will not verify.
        let mut digest = Alg::Sha256.digest(&[&self.salt, password]);
        for _ in 1..SHA256_ITERATIONS {
            digest = Alg::Sha256.digest(&[&digest]);
        }
        super::ct_eq(&digest, &self.digest)
    }
    fn canonical(&self) -> String {
        format!(
            "{SHA256_PREFIX}{}{}",
            hex_encode(&self.salt),
            hex_encode(&self.digest)
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new(
            "Clerk has no hasher for Spring's StandardPasswordEncoder (SHA-256 iterated 1024 times over salt || password)",
        ))
    }
}

impl Scheme for SpringSha256 {
    fn id(&self) -> &'static str {
        SHA256_ID
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[SHA256_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(SHA256_PREFIX).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let body = s
            .strip_prefix(SHA256_PREFIX)
            .ok_or_else(|| HashError::malformed(SHA256_ID, "prefix", "must be {sha256}"))?;
        let want = 2 * (SHA256_SALT_LEN + Alg::Sha256.output_len());
        if body.len() != want {
            return Err(HashError::malformed(
                SHA256_ID,
                "value",
                format_args!(
                    "must be {want} hex characters (8-byte salt + 32-byte digest), found {}",
                    body.len()
                ),
            ));
        }
        // Spring's Hex.decode reads either case.
        let raw = hex_decode(body).map_err(|e| {
            HashError::malformed(SHA256_ID, "value", format_args!("is not hex: {e}"))
        })?;
        let (salt, digest) = raw.split_at(SHA256_SALT_LEN);
        let salt: [u8; SHA256_SALT_LEN] = salt.try_into().expect("length checked above");
        Ok(Box::new(SpringSha256Hash {
            salt,
            digest: digest.to_vec(),
        }))
    }
    fn example(&self) -> &'static str {
        "{sha256}97cde38028ad898ebc02e690819fa220e88c62e0699403e94fff291cfffaf8410849f27605abcbc0"
    }
}

pub static SCHEMES: &[&dyn super::Scheme] = &[&SpringNoop, &SpringSha256];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{identify, parse, Confidence, Reason};
    use proptest::prelude::*;

    fn ctx() -> ParseContext {
        ParseContext::default()
    }

    /// Spring reference docs, DelegatingPasswordEncoder example (password `password`).
    const SPRING_SHA256: &str =
        "{sha256}97cde38028ad898ebc02e690819fa220e88c62e0699403e94fff291cfffaf8410849f27605abcbc0";

    #[test]
    fn noop_never_shows_the_password() {
        let h = parse("{noop}hunter2", None, &ctx()).unwrap();
        assert_eq!(h.identification.format, "spring_noop");
        assert!(h.verify(b"hunter2"));
        assert!(!h.verify(b"hunter"));
        assert_eq!(h.hash.canonical(), "{noop}hunter2");
        let shown = format!("{:?} {:?}", h.hash, h.hash.params());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(h.hash.clerk().is_err());
        // An empty stored password matches only the empty password.
        let h = parse("{noop}", None, &ctx()).unwrap();
        assert!(h.verify(b""));
        assert!(!h.verify(b"x"));
    }

    #[test]
    fn ids_are_case_sensitive() {
        assert!(SpringNoop.claim("{NOOP}pw").is_none());
        assert!(SpringSha256
            .claim(&SPRING_SHA256.replace("{sha256}", "{SHA256}"))
            .is_none());
    }

    #[test]
    fn sha256_hex_either_case_canonical_lower() {
        let upper = format!("{{sha256}}{}", SPRING_SHA256[8..].to_ascii_uppercase());
        let h = parse(&upper, None, &ctx()).unwrap();
        assert_eq!(h.identification.confidence, Confidence::Certain);
        assert!(h.verify(b"password"));
        assert_eq!(h.hash.canonical(), SPRING_SHA256);
        let e = parse(&SPRING_SHA256[..86], None, &ctx()).unwrap_err();
        assert_eq!(e.reason, Reason::Malformed);
        assert!(e.message.contains("80 hex"), "{e}");
        assert_eq!(
            identify(SPRING_SHA256, None).unwrap().format,
            "spring_sha256"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn claim_and_parse_never_panic(
            prefix in prop::sample::select(vec!["", "{noop}", "{sha256}", "{sha256"]),
            tail in "\\PC{0,100}",
        ) {
            let s = format!("{prefix}{tail}");
            for scheme in SCHEMES {
                let _ = scheme.claim(&s);
                let _ = scheme.parse(&s, &ctx());
            }
        }
    }
}
