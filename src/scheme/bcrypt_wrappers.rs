//! Formats that wrap a bcrypt string (formats.md §2): a prefix (Django, Spring,
//! WordPress), a pre-hash of the password that dodges the 72-byte limit (passlib,
//! Django `bcrypt_sha256`, hashcat's pre-hashed modes, WordPress), or a pepper
//! (Devise, in Clerk's `bcrypt_peppered` layout). The bcrypt string itself is
//! parsed and verified by [`super::bcrypt`].
//!
//! Pre-hashes see the whole password: only the pre-hash is subject to bcrypt's
//! 72-byte limit (it matters for the 128-char SHA-512 hex).

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::bcrypt::{bcrypt_len, looks_like_bcrypt, parse_bcrypt, BcryptHash, BCRYPT_LEAD};
use super::bcrypt_core::Variant;
use super::util::parse_decimal;
use super::{
    BcryptFacts, Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext,
    ParsedHash, Reason, Scheme,
};
use crate::encoding::{bcrypt64_decode, bcrypt64_encode, std_encode};

pub static SCHEMES: &[&dyn super::Scheme] = &[
    &SPRING_BCRYPT,
    &DJANGO_BCRYPT,
    &DJANGO_BCRYPT_SHA256,
    &PasslibBcryptSha256,
    &WORDPRESS_BCRYPT,
    &BcryptPeppered,
    &PREHASH_MD5,
    &PREHASH_SHA1,
    &PREHASH_SHA256,
    &PREHASH_SHA512,
];

/// The digests hashcat's pre-hashed bcrypt modes apply first (formats.md §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrehashDigest {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl PrehashDigest {
    fn hex(self, password: &[u8]) -> String {
        match self {
            PrehashDigest::Md5 => hex::encode(md5::Md5::digest(password)),
            PrehashDigest::Sha1 => hex::encode(sha1::Sha1::digest(password)),
            PrehashDigest::Sha256 => hex::encode(Sha256::digest(password)),
            PrehashDigest::Sha512 => hex::encode(Sha512::digest(password)),
        }
    }
}

/// Which wrapper, i.e. how the password becomes the bcrypt key and how the
/// string is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Spring `{bcrypt}` + bcrypt: the password itself.
    Spring,
    /// Django `bcrypt$` + bcrypt: the password itself.
    Django,
    /// Django `bcrypt_sha256$` + bcrypt: lowercase hex SHA-256.
    DjangoSha256,
    /// passlib `$bcrypt-sha256$2b,5$`: base64 SHA-256.
    PasslibV1,
    /// passlib `$bcrypt-sha256$v=2,t=2b,r=5$`: base64 HMAC-SHA256 keyed by the salt text.
    PasslibV2,
    /// A bare bcrypt string over the lowercase hex of a digest.
    Prehash(PrehashDigest),
    /// WordPress 6.8 `$wp` + bcrypt: base64 HMAC-SHA384 of the trimmed password.
    WordPress,
    /// Clerk `bcrypt_peppered`: the password followed by the pepper.
    Peppered,
}

impl Kind {
    fn format(self) -> &'static str {
        match self {
            Kind::Spring => "spring_bcrypt",
            Kind::Django => "django_bcrypt",
            Kind::DjangoSha256 => "bcrypt_sha256_django",
            Kind::PasslibV1 | Kind::PasslibV2 => "bcrypt_sha256_passlib",
            Kind::Prehash(PrehashDigest::Md5) => "bcrypt_prehash_md5_hex",
            Kind::Prehash(PrehashDigest::Sha1) => "bcrypt_prehash_sha1_hex",
            Kind::Prehash(PrehashDigest::Sha256) => "bcrypt_prehash_sha256_hex",
            Kind::Prehash(PrehashDigest::Sha512) => "bcrypt_prehash_sha512_hex",
            Kind::WordPress => "wordpress_bcrypt",
            Kind::Peppered => "bcrypt_peppered",
        }
    }
}

/// A validated wrapped bcrypt hash.
struct Wrapped {
    kind: Kind,
    inner: BcryptHash,
    /// `Kind::Peppered` only. A secret: never shown by `Debug` or `params`.
    pepper: String,
}

impl fmt::Debug for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wrapped")
            .field("kind", &self.kind)
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

fn mac_of<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// PHP's `trim()` with its default character list " \t\n\r\0\x0B".
fn php_trim(password: &[u8]) -> &[u8] {
    let strip = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0B');
    let start = password
        .iter()
        .position(|b| !strip(b))
        .unwrap_or(password.len());
    let end = password
        .iter()
        .rposition(|b| !strip(b))
        .map_or(start, |i| i + 1);
    &password[start..end]
}

/// WordPress 6.8 `wp_hash_password`'s bcrypt input (formats.md §2.4).
fn wordpress_key(password: &[u8]) -> String {
    std_encode(&mac_of::<Hmac<Sha384>>(b"wp-sha384", php_trim(password)))
}

impl Wrapped {
    /// The bcrypt key for `password`, per wrapper.
    fn key(&self, password: &[u8]) -> Vec<u8> {
        match self.kind {
            Kind::Spring | Kind::Django => password.to_vec(),
            Kind::DjangoSha256 => PrehashDigest::Sha256.hex(password).into_bytes(),
            Kind::Prehash(d) => d.hex(password).into_bytes(),
            Kind::PasslibV1 => std_encode(&Sha256::digest(password)).into_bytes(),
            Kind::PasslibV2 => {
                let salt_text = bcrypt64_encode(&self.inner.salt);
                std_encode(&mac_of::<Hmac<Sha256>>(salt_text.as_bytes(), password)).into_bytes()
            }
            Kind::WordPress => wordpress_key(password).into_bytes(),
            Kind::Peppered => [password, self.pepper.as_bytes()].concat(),
        }
    }

    /// passlib's own layout: the bcrypt fields without the `$2b$05$` header.
    fn passlib_string(&self) -> String {
        let config = if self.kind == Kind::PasslibV2 {
            format!("v=2,t=2b,r={}", self.inner.cost)
        } else {
            format!("2{},{}", self.inner.variant.minor(), self.inner.cost)
        };
        format!(
            "$bcrypt-sha256${config}${}${}",
            bcrypt64_encode(&self.inner.salt),
            bcrypt64_encode(&self.inner.digest)
        )
    }
}

impl ParsedHash for Wrapped {
    fn format(&self) -> &'static str {
        self.kind.format()
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = self.inner.params();
        match self.kind {
            Kind::PasslibV1 => {
                p.insert("version".into(), 1.into());
            }
            Kind::PasslibV2 => {
                p.insert("version".into(), 2.into());
            }
            _ => {}
        }
        p
    }
    fn verify(&self, password: &[u8]) -> bool {
        self.inner.verify_key(&self.key(password))
    }
    fn canonical(&self) -> String {
        let inner = self.inner.encode();
        match self.kind {
            Kind::Spring => format!("{{bcrypt}}{inner}"),
            Kind::Django => format!("bcrypt${inner}"),
            Kind::DjangoSha256 => format!("bcrypt_sha256${inner}"),
            Kind::PasslibV1 | Kind::PasslibV2 => self.passlib_string(),
            Kind::Prehash(_) => inner,
            Kind::WordPress => format!("$wp{inner}"),
            Kind::Peppered => format!("{inner}${}", self.pepper),
        }
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        let (password_hasher, password_digest) = match self.kind {
            Kind::Spring | Kind::Django => ("bcrypt", self.inner.encode()),
            Kind::DjangoSha256 => ("bcrypt_sha256_django", self.canonical()),
            // The same construction as Django's, which Clerk takes with its prefix.
            Kind::Prehash(PrehashDigest::Sha256) => (
                "bcrypt_sha256_django",
                format!("bcrypt_sha256${}", self.inner.encode()),
            ),
            Kind::Peppered => ("bcrypt_peppered", self.canonical()),
            Kind::Prehash(_) => {
                return Err(NotExpressible::new(
                    "Clerk has no hasher for bcrypt over an MD5, SHA-1 or SHA-512 hex pre-hash",
                ))
            }
            Kind::PasslibV1 | Kind::PasslibV2 => {
                return Err(NotExpressible::new(
                    "Clerk has no hasher for passlib's bcrypt_sha256 (base64 SHA-256 / HMAC-SHA256 pre-hash)",
                ))
            }
            Kind::WordPress => {
                return Err(NotExpressible::new(
                    "Clerk has no hasher for WordPress's HMAC-SHA384 pre-hashed bcrypt",
                ))
            }
        };
        self.inner.clerk_expressible()?;
        Ok(ClerkDigest {
            password_hasher,
            password_digest,
        })
    }
    fn bcrypt(&self) -> Option<BcryptFacts> {
        Some(
            self.inner
                .facts(matches!(self.kind, Kind::Spring | Kind::Django)),
        )
    }
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }
}

/// A bcrypt string behind a fixed text prefix.
struct PrefixedBcrypt {
    kind: Kind,
    /// What the claim looks for.
    claim_prefix: &'static str,
    /// What is cut off before the bcrypt string (`$wp`: 3 characters, not 4).
    strip: &'static str,
    clerk_parses: Option<&'static str>,
    example: &'static str,
}

static SPRING_BCRYPT: PrefixedBcrypt = PrefixedBcrypt {
    kind: Kind::Spring,
    claim_prefix: "{bcrypt}",
    strip: "{bcrypt}",
    clerk_parses: None,
    example: "{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG",
};
static DJANGO_BCRYPT: PrefixedBcrypt = PrefixedBcrypt {
    kind: Kind::Django,
    claim_prefix: "bcrypt$",
    strip: "bcrypt$",
    clerk_parses: None,
    example: "bcrypt$$2a$10$fVH8e28OQRj9tqiDXs1e1uxpsjN0c7II7YPKXua2NAKYvM6iQk7dq",
};
static DJANGO_BCRYPT_SHA256: PrefixedBcrypt = PrefixedBcrypt {
    kind: Kind::DjangoSha256,
    claim_prefix: "bcrypt_sha256$",
    strip: "bcrypt_sha256$",
    clerk_parses: Some("bcrypt_sha256_django"),
    example: "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61OySmyXA8FoY4PjGizjE1QSDfuL5MXNni",
};
static WORDPRESS_BCRYPT: PrefixedBcrypt = PrefixedBcrypt {
    kind: Kind::WordPress,
    claim_prefix: "$wp$",
    strip: "$wp",
    clerk_parses: None,
    // A published WordPress 6.8 hash of "grimoire-test-123" (checked to verify).
    example: "$wp$2y$12$iWN5xRwDE7i9R5jVJvCyqOxS1CNnwUggQaF8O2W9Bg8TuXQz.ngrS",
};

impl Scheme for PrefixedBcrypt {
    fn id(&self) -> &'static str {
        self.kind.format()
    }
    fn family(&self) -> Family {
        Family::Bcrypt
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        self.clerk_parses
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[self.claim_prefix])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(self.claim_prefix).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        if !s.starts_with(self.claim_prefix) {
            return Err(HashError::malformed(
                format,
                "prefix",
                format_args!("must be {}", self.claim_prefix),
            ));
        }
        // `strip` is a prefix of `claim_prefix`, so this is a character boundary.
        let inner = &s[self.strip.len()..];
        Ok(Box::new(Wrapped {
            kind: self.kind,
            inner: parse_bcrypt(format, inner, ctx)?,
            pepper: String::new(),
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

/// A bare bcrypt string over a hex pre-hash: looks exactly like bcrypt, so only
/// a hint selects it.
struct PrehashBcrypt(PrehashDigest);

static PREHASH_MD5: PrehashBcrypt = PrehashBcrypt(PrehashDigest::Md5);
static PREHASH_SHA1: PrehashBcrypt = PrehashBcrypt(PrehashDigest::Sha1);
static PREHASH_SHA256: PrehashBcrypt = PrehashBcrypt(PrehashDigest::Sha256);
static PREHASH_SHA512: PrehashBcrypt = PrehashBcrypt(PrehashDigest::Sha512);

impl Scheme for PrehashBcrypt {
    fn id(&self) -> &'static str {
        Kind::Prehash(self.0).format()
    }
    fn family(&self) -> Family {
        Family::Bcrypt
    }
    fn hint_only(&self) -> bool {
        true
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[BCRYPT_LEAD])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        looks_like_bcrypt(s).then_some(Claim::Alternative)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        Ok(Box::new(Wrapped {
            kind: Kind::Prehash(self.0),
            inner: parse_bcrypt(self.id(), s, ctx)?,
            pepper: String::new(),
        }))
    }
    fn example(&self) -> &'static str {
        // hashcat's example hashes for modes 25600, 25800, 30600, 28400.
        match self.0 {
            PrehashDigest::Md5 => "$2a$05$/VT2Xs2dMd8GJKfrXhjYP.DkTjOVrY12yDN7/6I8ZV0q/1lEohLru",
            PrehashDigest::Sha1 => "$2a$05$Uo385Fa0g86uUXHwZxB90.qMMdRFExaXePGka4WGFv.86I45AEjmO",
            PrehashDigest::Sha256 => "$2b$10$FxDtpTNaL303lLcWtd6LFO2U6Gc63VJ07qycHcfqbQQ71GhO/qSzu",
            PrehashDigest::Sha512 => "$2a$12$KhivLhCuLhSyMBOxLxCyLu78x4z2X/EJdZNfS3Gy36fvRt56P2jbS",
        }
    }
}

/// passlib's `bcrypt_sha256` (formats.md §2.1).
struct PasslibBcryptSha256;

const PASSLIB_PREFIX: &str = "$bcrypt-sha256$";

impl PasslibBcryptSha256 {
    /// The version, minor and rounds of `2b,5` (v1) or `v=2,t=2b,r=5` (v2).
    fn parse_config(config: &str) -> Result<(Kind, Variant, u64), HashError> {
        let format = Kind::PasslibV1.format();
        let (kind, ident, rounds) = if let Some(v2) = config.strip_prefix("v=") {
            let mut fields = v2.split(',');
            let (Some(version), Some(ident), Some(rounds), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(HashError::malformed(
                    format,
                    "config",
                    "must be v=2,t=2b,r=<rounds>",
                ));
            };
            if version != "2" {
                return Err(HashError::malformed(
                    format,
                    "version",
                    "must be v=2 (v1 hashes are written 2b,<rounds>)",
                ));
            }
            let Some(ident) = ident.strip_prefix("t=").filter(|t| *t == "2b") else {
                return Err(HashError::malformed(format, "type", "must be t=2b in v=2"));
            };
            let Some(rounds) = rounds.strip_prefix("r=") else {
                return Err(HashError::malformed(format, "rounds", "must be r=<rounds>"));
            };
            (Kind::PasslibV2, ident, rounds)
        } else {
            let Some((ident, rounds)) = config.split_once(',') else {
                return Err(HashError::malformed(
                    format,
                    "config",
                    "must be 2a,<rounds>, 2b,<rounds> or v=2,t=2b,r=<rounds>",
                ));
            };
            if ident != "2a" && ident != "2b" {
                return Err(HashError::malformed(format, "type", "must be 2a or 2b"));
            }
            (Kind::PasslibV1, ident, rounds)
        };
        let variant = if ident == "2a" {
            Variant::A
        } else {
            Variant::B
        };
        // passlib writes the rounds unpadded ("5"); "05" is malformed.
        let rounds = parse_decimal(format, "rounds", rounds)?;
        Ok((kind, variant, rounds))
    }
}

impl Scheme for PasslibBcryptSha256 {
    fn id(&self) -> &'static str {
        Kind::PasslibV1.format()
    }
    fn family(&self) -> Family {
        Family::Bcrypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[PASSLIB_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(PASSLIB_PREFIX).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let rest = s.strip_prefix(PASSLIB_PREFIX).ok_or_else(|| {
            HashError::malformed(format, "prefix", format_args!("must be {PASSLIB_PREFIX}"))
        })?;
        let mut parts = rest.split('$');
        let (Some(config), Some(salt), Some(digest), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(HashError::malformed(
                format,
                "layout",
                "must be $bcrypt-sha256$<config>$<salt>$<digest>",
            ));
        };
        let (kind, variant, rounds) = Self::parse_config(config)?;
        if !(4..=31).contains(&rounds) {
            return Err(HashError::malformed(
                format,
                "rounds",
                format_args!("must be 4..31, found {rounds}"),
            ));
        }
        if salt.len() != 22 {
            return Err(HashError::malformed(
                format,
                "salt",
                "must be 22 bcrypt64 characters",
            ));
        }
        if digest.len() != 31 {
            return Err(HashError::malformed(
                format,
                "digest",
                "must be 31 bcrypt64 characters",
            ));
        }
        // v2 keys the HMAC with the salt text itself, so a salt with padding bits
        // set cannot be repaired without changing the key (passlib refuses it too).
        if kind == Kind::PasslibV2 && bcrypt64_decode(salt, true).is_err() {
            return Err(HashError::malformed(
                format,
                "salt",
                "must be canonical bcrypt64 (no padding bits set) in v=2",
            ));
        }
        let inner = format!("$2{}${rounds:02}${salt}{digest}", variant.minor());
        Ok(Box::new(Wrapped {
            kind,
            inner: parse_bcrypt(format, &inner, ctx)?,
            pepper: String::new(),
        }))
    }
    fn example(&self) -> &'static str {
        "$bcrypt-sha256$v=2,t=2b,r=5$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe"
    }
}

/// Clerk's `bcrypt_peppered` (Devise with `config.pepper`): `<bcrypt>$<pepper>`,
/// bcrypt over password || pepper (formats.md §2.5). With a hint, a plain bcrypt
/// string takes the pepper from the context instead.
struct BcryptPeppered;

impl BcryptPeppered {
    /// The bcrypt part and the pepper: from the string, else from the context.
    fn split<'a>(s: &'a str, ctx: &ParseContext) -> Result<(&'a str, String), HashError> {
        let format = Kind::Peppered.format();
        let len = bcrypt_len(s).ok_or_else(|| {
            HashError::malformed(
                format,
                "prefix",
                "must be a bcrypt string ($2a$, $2b$, ...)",
            )
        })?;
        if s.as_bytes().get(len) == Some(&b'$') {
            // Byte `len` is ASCII, so both slices fall on character boundaries.
            let pepper = &s[len + 1..];
            if pepper.is_empty() {
                return Err(HashError::malformed(format, "pepper", "must not be empty"));
            }
            return Ok((&s[..len], pepper.to_string()));
        }
        match ctx.pepper.as_deref() {
            Some(p) if !p.is_empty() => {
                let pepper = String::from_utf8(p.to_vec()).map_err(|_| {
                    HashError::new(
                        Reason::MissingParameters,
                        format!("{format}: the pepper must be UTF-8 text to be written in Clerk's layout"),
                    )
                })?;
                Ok((s, pepper))
            }
            _ => Err(HashError::new(
                Reason::MissingParameters,
                format!("{format}: the string carries no $<pepper>; give the application's pepper (Devise config.pepper)"),
            )),
        }
    }
}

impl Scheme for BcryptPeppered {
    fn id(&self) -> &'static str {
        Kind::Peppered.format()
    }
    fn family(&self) -> Family {
        Family::Bcrypt
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        Some("bcrypt_peppered")
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[BCRYPT_LEAD])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        let len = bcrypt_len(s)?;
        if s.len() > len + 1 && s.as_bytes()[len] == b'$' {
            Some(Claim::Certain)
        } else {
            // A plain bcrypt string: mine only with a hint and a pepper.
            Some(Claim::Alternative)
        }
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let (bcrypt, pepper) = Self::split(s, ctx)?;
        Ok(Box::new(Wrapped {
            kind: Kind::Peppered,
            inner: parse_bcrypt(self.id(), bcrypt, ctx)?,
            pepper,
        }))
    }
    fn example(&self) -> &'static str {
        // bcrypt of "password" || "pepper".
        "$2b$10$YEDxYF/talOrXVffZV/qXO33CeTMExlA/dIcakkiHa.Maz.Yib7na$pepper"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{self, by_id};

    fn ctx() -> ParseContext {
        ParseContext::default()
    }

    /// A bcrypt string made by the `bcrypt` crate (cost 4) over `key`.
    fn crate_bcrypt(key: &[u8]) -> String {
        bcrypt::hash_with_salt(key, 4, *b"0123456789abcdef")
            .unwrap()
            .format_for_version(bcrypt::Version::TwoY)
    }

    #[test]
    fn wordpress_key_matches_python() {
        // python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
        //   b'wp-sha384', b'Secret 123', hashlib.sha384).digest()).decode())"
        let expected = "s6za7lXNLAO8SCtV3I/lOVMrJjxnlnFBzq4uzpSAWxSx4mEuhgkxF/lscCt8zK6z";
        assert_eq!(wordpress_key(b"Secret 123"), expected);
        assert_eq!(wordpress_key(b" \t\0Secret 123\r\n\x0B"), expected);
        assert_ne!(
            wordpress_key(b"Secret 123\x0C"),
            expected,
            "form feed is not trimmed"
        );
    }

    #[test]
    fn wordpress_strips_three_characters() {
        let stored = format!("$wp{}", crate_bcrypt(wordpress_key(b"hunter2").as_bytes()));
        assert!(stored.starts_with("$wp$2y$04$"));
        let h = scheme::parse(&stored, None, &ctx()).unwrap();
        assert_eq!(h.identification.format, "wordpress_bcrypt");
        assert!(h.verify(b"hunter2"));
        assert!(h.verify(b"  hunter2\n"), "WordPress trims the password");
        assert!(!h.verify(b"hunter3"));
        assert_eq!(h.hash.canonical(), stored);
        assert!(h.hash.clerk().is_err());
        assert!(!h.hash.bcrypt().unwrap().plain);
    }

    #[test]
    fn prehash_does_not_truncate_the_password() {
        // Two passwords equal in their first 72 bytes: bcrypt alone cannot tell
        // them apart, bcrypt over a SHA-256 hex pre-hash can.
        let long_a = [b'a'; 100];
        let mut long_b = long_a;
        long_b[99] = b'b';
        let key = PrehashDigest::Sha256.hex(&long_a);
        let stored = crate_bcrypt(key.as_bytes());
        let h = scheme::parse(&stored, Some("bcrypt_prehash_sha256_hex"), &ctx()).unwrap();
        assert!(h.verify(&long_a));
        assert!(!h.verify(&long_b));
        // Lossless in Clerk as Django's bcrypt_sha256.
        let clerk = h.hash.clerk().unwrap();
        assert_eq!(clerk.password_hasher, "bcrypt_sha256_django");
        assert_eq!(clerk.password_digest, format!("bcrypt_sha256${stored}"));
    }

    #[test]
    fn prehash_schemes_are_hint_only() {
        let s = "$2b$10$FxDtpTNaL303lLcWtd6LFO2U6Gc63VJ07qycHcfqbQQ71GhO/qSzu";
        assert_eq!(scheme::identify(s, None).unwrap().format, "bcrypt");
        for id in ["bcrypt_prehash_md5_hex", "bcrypt_prehash_sha512_hex"] {
            assert!(by_id(id).unwrap().hint_only());
            assert!(scheme::parse(s, Some(id), &ctx())
                .unwrap()
                .hash
                .clerk()
                .is_err());
        }
    }

    #[test]
    fn pepper_in_the_string() {
        let bcrypt = crate_bcrypt(b"hunter2s3cr3t");
        let stored = format!("{bcrypt}$s3cr3t");
        let h = scheme::parse(&stored, None, &ctx()).unwrap();
        assert_eq!(h.identification.format, "bcrypt_peppered");
        assert!(h.verify(b"hunter2"));
        assert!(!h.verify(b"hunter2s3cr3t"));
        assert_eq!(h.hash.canonical(), stored);
        let clerk = h.hash.clerk().unwrap();
        assert_eq!(clerk.password_hasher, "bcrypt_peppered");
        assert_eq!(clerk.password_digest, stored);
        let shown = format!("{:?} {:?}", h.hash, h.hash.params());
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!h.hash.bcrypt().unwrap().plain);
    }

    #[test]
    fn pepper_from_the_context() {
        let bcrypt = crate_bcrypt(b"hunter2pep");
        let err = scheme::parse(&bcrypt, Some("bcrypt_peppered"), &ctx()).unwrap_err();
        assert_eq!(err.reason, Reason::MissingParameters);
        let with_pepper = ParseContext {
            pepper: Some(b"pep".to_vec()),
            ..ParseContext::default()
        };
        let h = scheme::parse(&bcrypt, Some("bcrypt_peppered"), &with_pepper).unwrap();
        assert!(h.verify(b"hunter2"));
        assert_eq!(h.hash.canonical(), format!("{bcrypt}$pep"));
        // Unhinted, the plain string stays plain bcrypt.
        assert_eq!(scheme::identify(&bcrypt, None).unwrap().format, "bcrypt");
        let empty = format!("{bcrypt}$");
        assert!(scheme::parse(&empty, Some("bcrypt_peppered"), &ctx()).is_err());
    }

    #[test]
    fn passlib_rounds_and_versions() {
        let good =
            "$bcrypt-sha256$v=2,t=2b,r=5$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe";
        let h = scheme::parse(good, None, &ctx()).unwrap();
        assert_eq!(h.hash.canonical(), good);
        assert_eq!(h.hash.params()["version"], 2);
        for (bad, field) in [
            ("$bcrypt-sha256$v=3,t=2b,r=5$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe", "version"),
            ("$bcrypt-sha256$v=2,t=2b,r=3$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe", "rounds"),
            ("$bcrypt-sha256$v=2,t=2b,r=5$E/e/2AOhqM5W/KJTFQzLcf$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe", "salt"),
            ("$bcrypt-sha256$2x,5$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe", "type"),
        ] {
            let err = scheme::parse(bad, None, &ctx()).unwrap_err();
            assert_eq!(err.reason, Reason::Malformed, "{bad}");
            assert!(err.message.contains(field), "{bad}: {}", err.message);
        }
        let capped =
            "$bcrypt-sha256$v=2,t=2b,r=31$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe";
        let err = scheme::parse(capped, None, &ctx()).unwrap_err();
        assert_eq!(err.reason, Reason::WorkCapExceeded);
        assert!(err.message.contains("cost"));
    }

    #[test]
    fn prefixed_wrappers_facts_and_clerk() {
        let inner = "$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG";
        for (prefix, plain) in [
            ("{bcrypt}", true),
            ("bcrypt$", true),
            ("bcrypt_sha256$", false),
        ] {
            let h = scheme::parse(&format!("{prefix}{inner}"), None, &ctx()).unwrap();
            assert_eq!(h.identification.confidence, scheme::Confidence::Certain);
            assert_eq!(h.hash.bcrypt().unwrap().plain, plain, "{prefix}");
            let clerk = h.hash.clerk().unwrap();
            if plain {
                assert_eq!(clerk.password_hasher, "bcrypt");
                assert_eq!(clerk.password_digest, inner);
            } else {
                assert_eq!(clerk.password_hasher, "bcrypt_sha256_django");
                assert_eq!(clerk.password_digest, format!("{prefix}{inner}"));
            }
        }
        // The Django wrapper of a $2x$ string is not expressible in Clerk.
        let x = "bcrypt$$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e";
        assert!(scheme::parse(x, None, &ctx())
            .unwrap()
            .hash
            .clerk()
            .is_err());
        // Errors name the wrapper.
        let err = scheme::parse("{bcrypt}$2b$03$abc", None, &ctx()).unwrap_err();
        assert!(
            err.message.starts_with("spring_bcrypt: cost"),
            "{}",
            err.message
        );
    }
}
