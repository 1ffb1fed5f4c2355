//! The crypt(3) family (formats.md §6, §7, §12, §13): md5-crypt `$1$`, Apache
//! `$apr1$`, SHA-crypt `$5$` / `$6$`, traditional DES crypt, and Django's `crypt$$`
//! wrapper around DES crypt.
//!
//! Salts are text (their characters are hashed as-is) and must use the hash64
//! alphabet, as in passlib. glibc would hash any byte but `$`; crypt(3) never writes
//! one outside `./0-9A-Za-z`, and passlib's malformed vectors (a `:` in a salt) must
//! fail. A salt longer than the algorithm reads (8 characters for md5-crypt, 16 for
//! SHA-crypt) is accepted with a warning, because glibc silently hashes only its first
//! characters; canonical() then writes the salt that was actually hashed.

use md5::{Digest, Md5};

use super::util::{params, parse_decimal, truncate};
use super::{
    ct_eq, Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash,
    Scheme,
};
use crate::caps::WorkCaps;
use crate::encoding::{hash64_decode, hash64_encode, hash64_value, is_hash64, DecodeError};

pub static MD5_CRYPT: Md5Crypt = Md5Crypt {
    id: "md5_crypt",
    magic: "$1$",
    example: "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXR1",
};
pub static APR_MD5_CRYPT: Md5Crypt = Md5Crypt {
    id: "apr_md5_crypt",
    magic: "$apr1$",
    example: "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
};
pub static SHA256_CRYPT: ShaCrypt = ShaCrypt {
    id: "sha256_crypt",
    magic: "$5$",
    variant: ShaVariant::Sha256,
    example: "$5$rounds=1000$short$ZdPvzZvIImIpuK5lWQOf9fejM0NmEYYdVaC1aT4mrYA",
};
pub static SHA512_CRYPT: ShaCrypt = ShaCrypt {
    id: "sha512_crypt",
    magic: "$6$",
    variant: ShaVariant::Sha512,
    example: "$6$short$rLc6/9Uv/lPa6jahU8mQ2DxUh.2OJlTc4jozt6eXBDRV/RBp1xO8Ak1X9k2s35Awl5eQ/ATaGzXd8JR.620ZJ.",
};

pub static SCHEMES: &[&dyn super::Scheme] = &[
    &MD5_CRYPT,
    &APR_MD5_CRYPT,
    &SHA256_CRYPT,
    &SHA512_CRYPT,
    &DjangoDesCrypt,
    &DesCrypt,
];

fn no_clerk_hasher() -> NotExpressible {
    NotExpressible::new(
        "Clerk has no crypt(3) hasher (md5-crypt, SHA-crypt, DES crypt): verify at sign-in and upgrade, or reset",
    )
}

/// Put digest bytes in the order the crypt hash64 encoding takes them. Each crypt
/// algorithm interleaves its digest before encoding; expressed as an order of bytes,
/// the encoding is then the plain little-endian [`hash64_encode`].
fn transpose(raw: &[u8], order: &[usize]) -> Vec<u8> {
    order.iter().map(|&i| raw[i]).collect()
}

/// Decode a crypt digest of exactly `chars` hash64 characters, refusing set padding
/// bits so that only the canonical spelling of a digest parses.
fn decode_digest(format: &str, digest: &str, chars: usize) -> Result<Vec<u8>, HashError> {
    if digest.len() != chars || !is_hash64(digest) {
        return Err(HashError::malformed(
            format,
            "digest",
            format_args!(
                "must be {chars} hash64 characters (./0-9A-Za-z), found {} characters",
                digest.chars().count()
            ),
        ));
    }
    hash64_decode(digest).map_err(|e| match e {
        DecodeError::PaddingBits => HashError::malformed(
            format,
            "digest",
            "has non-zero unused bits in its last character (not a canonical crypt digest)",
        ),
        other => HashError::malformed(format, "digest", other),
    })
}

/// Check a text salt's alphabet and cut it to the `max` characters the algorithm
/// reads, returning the effective salt and a warning when it was cut.
fn crypt_salt(format: &str, salt: &str, max: usize) -> Result<(String, Option<String>), HashError> {
    if !is_hash64(salt) {
        return Err(HashError::malformed(
            format,
            "salt",
            "must use only hash64 characters (./0-9A-Za-z)",
        ));
    }
    if salt.len() <= max {
        return Ok((salt.to_string(), None));
    }
    let warning = format!(
        "{format}: salt has {} characters; crypt(3) uses only the first {max}, so the rest is ignored",
        salt.len()
    );
    Ok((salt[..max].to_string(), Some(warning)))
}

// ---------------------------------------------------------------------------------
// md5-crypt and Apache apr1

/// md5-crypt under one magic string. `$1$` and `$apr1$` differ only in the magic mixed
/// into the first digest, so they are one algorithm with two ids.
pub struct Md5Crypt {
    id: &'static str,
    magic: &'static str,
    example: &'static str,
}

/// md5-crypt always runs 1000 rounds.
const MD5_CRYPT_ROUNDS: u32 = 1000;
const MD5_CRYPT_MAX_SALT: usize = 8;
/// FreeBSD crypt-md5.c `_crypt_to64` groups: (0,6,12) (1,7,13) (2,8,14) (3,9,15) (4,10,5) (11).
const MD5_CRYPT_ORDER: [usize; 16] = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

/// Poul-Henning Kamp's md5-crypt (FreeBSD crypt-md5.c), 1000 fixed rounds.
///
/// Hand-written over the `md-5` crate: no maintained crate implements both the `$1$`
/// and `$apr1$` magics (pwhash's md5_crypt knows only `$1$`), and the algorithm is short.
fn md5_crypt_raw(password: &[u8], salt: &[u8], magic: &[u8]) -> [u8; 16] {
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut ctx = Md5::new()
        .chain_update(password)
        .chain_update(magic)
        .chain_update(salt);
    let mut remaining = password.len();
    while remaining > 0 {
        let n = remaining.min(16);
        ctx.update(&alternate[..n]);
        remaining -= n;
    }
    // The original's "clear" bug: a zero byte where a bit is set, else the first
    // password byte (i > 0 here, so the password is not empty).
    let mut i = password.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        i >>= 1;
    }
    let mut digest = ctx.finalize();
    for round in 0..MD5_CRYPT_ROUNDS {
        let mut ctx = Md5::new();
        if round & 1 == 1 {
            ctx.update(password);
        } else {
            ctx.update(digest);
        }
        if round % 3 != 0 {
            ctx.update(salt);
        }
        if round % 7 != 0 {
            ctx.update(password);
        }
        if round & 1 == 1 {
            ctx.update(digest);
        } else {
            ctx.update(password);
        }
        digest = ctx.finalize();
    }
    digest.into()
}

#[derive(Debug)]
struct ParsedMd5Crypt {
    format: &'static str,
    magic: &'static str,
    salt: String,
    /// The stored digest, bytes in encoding order ([`MD5_CRYPT_ORDER`]).
    digest: Vec<u8>,
    warnings: Vec<String>,
}

impl ParsedHash for ParsedMd5Crypt {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("rounds", MD5_CRYPT_ROUNDS.into()),
            ("salt_len", self.salt.len().into()),
            ("digest_len", self.digest.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let raw = md5_crypt_raw(password, self.salt.as_bytes(), self.magic.as_bytes());
        ct_eq(&transpose(&raw, &MD5_CRYPT_ORDER), &self.digest)
    }
    fn canonical(&self) -> String {
        format!(
            "{}{}${}",
            self.magic,
            self.salt,
            hash64_encode(&self.digest)
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(no_clerk_hasher())
    }
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}

impl Scheme for Md5Crypt {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> Family {
        Family::Crypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[self.magic])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(self.magic).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let rest = s.strip_prefix(self.magic).ok_or_else(|| {
            HashError::malformed(self.id, "prefix", format_args!("must be {}", self.magic))
        })?;
        let (salt, digest) = rest.split_once('$').ok_or_else(|| {
            HashError::malformed(
                self.id,
                "digest",
                "is missing (expected <magic><salt>$<22 hash64 characters>)",
            )
        })?;
        let digest = decode_digest(self.id, digest, 22)?;
        let (salt, warning) = crypt_salt(self.id, salt, MD5_CRYPT_MAX_SALT)?;
        Ok(Box::new(ParsedMd5Crypt {
            format: self.id,
            magic: self.magic,
            salt,
            digest,
            warnings: warning.into_iter().collect(),
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

// ---------------------------------------------------------------------------------
// SHA-crypt

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShaVariant {
    Sha256,
    Sha512,
}

impl ShaVariant {
    fn digest_chars(self) -> usize {
        match self {
            ShaVariant::Sha256 => 43,
            ShaVariant::Sha512 => 86,
        }
    }
    /// Drepper's encoding groups, as a byte order for [`hash64_encode`]
    /// (SHA-crypt.txt: `b64_from_24bit (alt_result[0], alt_result[10], alt_result[20], 4)` ...).
    fn order(self) -> &'static [usize] {
        const SHA256: [usize; 32] = [
            20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27,
            8, 28, 18, 29, 19, 9, 30, 31,
        ];
        const SHA512: [usize; 64] = [
            42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28,
            29, 8, 50, 51, 30, 9, 10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57,
            36, 15, 16, 58, 37, 38, 17, 59, 60, 39, 18, 19, 61, 40, 41, 20, 62, 63,
        ];
        match self {
            ShaVariant::Sha256 => &SHA256,
            ShaVariant::Sha512 => &SHA512,
        }
    }
}

/// SHA-crypt (Drepper). The core rounds come from the `sha-crypt` crate's raw
/// functions; the string layer is ours, because hashport parses more strictly than
/// the crate's MCF layer (off in Cargo.toml) and keeps a stored `rounds=` field.
pub struct ShaCrypt {
    id: &'static str,
    magic: &'static str,
    variant: ShaVariant,
    example: &'static str,
}

const SHA_CRYPT_MAX_SALT: usize = 16;
/// Rounds when the string has no `rounds=` field.
const SHA_CRYPT_DEFAULT_ROUNDS: u32 = 5000;
/// Drepper's range. Fewer rounds are raised to the minimum, as glibc and Drepper's
/// reference do (libxcrypt refuses them instead); more are out of range.
const SHA_CRYPT_MIN_ROUNDS: u32 = 1000;
const SHA_CRYPT_MAX_ROUNDS: u64 = 999_999_999;

#[derive(Debug)]
struct ParsedShaCrypt {
    format: &'static str,
    magic: &'static str,
    variant: ShaVariant,
    /// The rounds that are hashed (after raising to the minimum), as the crate takes
    /// them and as a number (the crate keeps its field private).
    params: sha_crypt::Params,
    rounds: u32,
    /// Whether the string carried `rounds=` (kept in canonical()).
    explicit_rounds: bool,
    salt: String,
    /// The stored digest, bytes in encoding order ([`ShaVariant::order`]).
    digest: Vec<u8>,
    warnings: Vec<String>,
}

impl ParsedHash for ParsedShaCrypt {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("rounds", self.rounds.into()),
            ("salt_len", self.salt.len().into()),
            ("digest_len", self.digest.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let salt = self.salt.as_bytes();
        let order = self.variant.order();
        let computed = match self.variant {
            ShaVariant::Sha256 => {
                transpose(&sha_crypt::sha256_crypt(password, salt, self.params), order)
            }
            ShaVariant::Sha512 => {
                transpose(&sha_crypt::sha512_crypt(password, salt, self.params), order)
            }
        };
        ct_eq(&computed, &self.digest)
    }
    fn canonical(&self) -> String {
        let rounds = if self.explicit_rounds {
            format!("rounds={}$", self.rounds)
        } else {
            String::new()
        };
        format!(
            "{}{rounds}{}${}",
            self.magic,
            self.salt,
            hash64_encode(&self.digest)
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(no_clerk_hasher())
    }
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}

impl ShaCrypt {
    /// Parse the value of `rounds=`: decimal without leading zeros (passlib refuses
    /// `rounds=010428`), 1..999999999, raised to 1000 as glibc does.
    fn parse_rounds(&self, value: &str, warnings: &mut Vec<String>) -> Result<u32, HashError> {
        let n = parse_decimal(self.id, "rounds", value)?;
        if n == 0 || n > SHA_CRYPT_MAX_ROUNDS {
            return Err(HashError::malformed(
                self.id,
                "rounds",
                format_args!(
                    "must be 1..{SHA_CRYPT_MAX_ROUNDS}, found {}",
                    truncate(value, 12)
                ),
            ));
        }
        let n = n as u32;
        if n < SHA_CRYPT_MIN_ROUNDS {
            warnings.push(format!(
                "{}: rounds={n} is below the minimum; crypt(3) uses {SHA_CRYPT_MIN_ROUNDS}",
                self.id
            ));
            return Ok(SHA_CRYPT_MIN_ROUNDS);
        }
        Ok(n)
    }
}

impl Scheme for ShaCrypt {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> Family {
        Family::Crypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[self.magic])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(self.magic).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let rest = s.strip_prefix(self.magic).ok_or_else(|| {
            HashError::malformed(self.id, "prefix", format_args!("must be {}", self.magic))
        })?;
        let mut warnings = Vec::new();
        // `=` is not a salt character, so a first field starting `rounds=` is the parameter.
        let (rounds, explicit_rounds, rest) = match rest.strip_prefix("rounds=") {
            Some(r) => {
                let (value, rest) = r.split_once('$').ok_or_else(|| {
                    HashError::malformed(self.id, "rounds", "must be followed by '$'")
                })?;
                (self.parse_rounds(value, &mut warnings)?, true, rest)
            }
            None => (SHA_CRYPT_DEFAULT_ROUNDS, false, rest),
        };
        let (salt, digest) = rest.split_once('$').ok_or_else(|| {
            HashError::malformed(
                self.id,
                "digest",
                "is missing (expected [rounds=N$]<salt>$<digest>)",
            )
        })?;
        let digest = decode_digest(self.id, digest, self.variant.digest_chars())?;
        let (salt, warning) = crypt_salt(self.id, salt, SHA_CRYPT_MAX_SALT)?;
        warnings.extend(warning);
        WorkCaps::check(
            self.id,
            "rounds",
            rounds as u64,
            ctx.caps.sha_crypt_rounds as u64,
        )?;
        let params = sha_crypt::Params::new(rounds)
            .map_err(|_| HashError::malformed(self.id, "rounds", "is out of range"))?;
        Ok(Box::new(ParsedShaCrypt {
            format: self.id,
            magic: self.magic,
            variant: self.variant,
            params,
            rounds,
            explicit_rounds,
            salt,
            digest,
            warnings,
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

// ---------------------------------------------------------------------------------
// DES crypt and Django's crypt$$

/// Traditional DES crypt: 2 salt characters + 11 digest characters, no prefix.
pub struct DesCrypt;
/// Django's `CryptPasswordHasher` (removed in Django 5.0): `crypt$$<13-char DES crypt>`.
pub struct DjangoDesCrypt;

const DES_CRYPT_LEN: usize = 13;
const DJANGO_DES_PREFIX: &str = "crypt$";

fn is_des_shape(s: &str) -> bool {
    s.len() == DES_CRYPT_LEN && is_hash64(s)
}

#[derive(Debug)]
struct ParsedDesCrypt {
    format: &'static str,
    /// 2 salt characters + 11 digest characters.
    hash: String,
}

/// Validate a 13-character DES crypt string.
fn parse_des(format: &'static str, s: &str) -> Result<ParsedDesCrypt, HashError> {
    if !is_des_shape(s) {
        return Err(HashError::malformed(
            format,
            "hash",
            format_args!(
                "must be {DES_CRYPT_LEN} hash64 characters (2 salt + 11 digest), found {} characters",
                s.chars().count()
            ),
        ));
    }
    // 11 characters carry 66 bits for a 64-bit block: the last one's low 2 bits are unused.
    let last = s.as_bytes()[DES_CRYPT_LEN - 1];
    if hash64_value(last).is_some_and(|v| v & 3 != 0) {
        return Err(HashError::malformed(
            format,
            "digest",
            "has non-zero unused bits in its last character (not a canonical DES crypt digest)",
        ));
    }
    Ok(ParsedDesCrypt {
        format,
        hash: s.to_string(),
    })
}

impl ParsedHash for ParsedDesCrypt {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("rounds", 25.into()),
            ("salt_len", 2.into()),
            ("password_bytes_used", 8.into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        // pwhash deprecates hash_with for *new* hashes; recomputing a stored one is its
        // purpose here. Like crypt(3) it uses 8 bytes, 7 bits each.
        #[allow(deprecated)]
        let computed = pwhash::unix_crypt::hash_with(&self.hash[..2], password);
        computed.is_ok_and(|c| ct_eq(c.as_bytes(), self.hash.as_bytes()))
    }
    fn canonical(&self) -> String {
        if self.format == DjangoDesCrypt.id() {
            format!("{DJANGO_DES_PREFIX}${}", self.hash)
        } else {
            self.hash.clone()
        }
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(no_clerk_hasher())
    }
}

impl Scheme for DesCrypt {
    fn id(&self) -> &'static str {
        "des_crypt"
    }
    fn family(&self) -> Family {
        Family::Crypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Some(vec![Lead::FirstByte(|b| hash64_value(b).is_some())])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        is_des_shape(s).then_some(Claim::Shape)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        Ok(Box::new(parse_des(self.id(), s)?))
    }
    fn example(&self) -> &'static str {
        "CCNf8Sbh3HDfQ"
    }
}

impl Scheme for DjangoDesCrypt {
    fn id(&self) -> &'static str {
        "django_des_crypt"
    }
    fn family(&self) -> Family {
        Family::Crypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[DJANGO_DES_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(DJANGO_DES_PREFIX).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let rest = s
            .strip_prefix(DJANGO_DES_PREFIX)
            .ok_or_else(|| HashError::malformed(self.id(), "prefix", "must be crypt$"))?;
        // Django writes an empty salt field (the salt is inside the DES string); older
        // `crypt$<salt>$...` rows are refused rather than guessed at.
        let des = rest.strip_prefix('$').ok_or_else(|| {
            HashError::malformed(
                self.id(),
                "salt field",
                "must be empty: the layout is crypt$$<13-character DES crypt>",
            )
        })?;
        Ok(Box::new(parse_des(self.id(), des)?))
    }
    fn example(&self) -> &'static str {
        "crypt$$CCNf8Sbh3HDfQ"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{identify, Confidence, Reason};
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    fn ctx() -> ParseContext {
        ParseContext::default()
    }

    use crate::scheme::util::testkit::{parse_ok as parse, refused};

    #[test]
    fn md5_crypt_empty_salt() {
        // DokuWiki _test/tests/inc/auth_password.test.php, test_verifyPassword_nohash.
        let h = parse(&MD5_CRYPT, "$1$$n1rTiFE0nRifwV/43bVon/");
        assert!(h.verify(b"foo"));
        assert!(!h.verify(b"fo"));
        assert_eq!(h.canonical(), "$1$$n1rTiFE0nRifwV/43bVon/");
    }

    #[test]
    fn md5_crypt_long_salt_is_cut_to_8() {
        // DokuWiki hashes `foosmd5` with salt `abcdefgh1234...` and gets this 8-char-salt hash.
        let long = "$1$abcdefgh12345678912345678912345678$SYbjm2AEvSoHG7Xapi8so.";
        let h = parse(&MD5_CRYPT, long);
        assert!(h.verify(b"foosmd5"));
        assert_eq!(h.canonical(), "$1$abcdefgh$SYbjm2AEvSoHG7Xapi8so.");
        assert_eq!(h.warnings().len(), 1);
        assert!(parse(&MD5_CRYPT, &h.canonical()).warnings().is_empty());
    }

    #[test]
    fn apr1_and_md5_magics_are_not_interchangeable() {
        // DokuWiki's apr1 hash and vector apr_md5_crypt-001, each under the other magic.
        assert!(parse(&APR_MD5_CRYPT, "$apr1$abcdefgh$C/GzYTF4kOVByYLEoD5X4.").verify(b"fooapr1"));
        assert!(!parse(&MD5_CRYPT, "$1$abcdefgh$C/GzYTF4kOVByYLEoD5X4.").verify(b"fooapr1"));
        assert!(!parse(&MD5_CRYPT, "$1$r31.....$HqJZimcKQFAMYayBlzkrA/").verify(b"myPassword"));
    }

    #[test]
    fn md5_crypt_refuses_noncanonical_and_bad_salts() {
        // md5_crypt-001 with its last character's unused bits set ('1' = 3 -> '2' = 4).
        let e = refused(&MD5_CRYPT, "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXR2");
        assert_eq!(e.reason, Reason::Malformed);
        assert!(e.message.contains("digest"), "{e}");
        let e = refused(&MD5_CRYPT, "$1$dXc3:7Rw$ctlgjDdWJLMT.qwHsWhXR1");
        assert!(e.message.contains("salt"), "{e}");
        assert!(refused(&MD5_CRYPT, "$1$dXc3I7Rw")
            .message
            .contains("digest"));
        assert!(
            refused(&APR_MD5_CRYPT, "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXR1")
                .message
                .contains("prefix")
        );
    }

    #[test]
    fn sha_crypt_rounds_below_minimum_are_raised() {
        // Drepper's example: setting `$5$rounds=10$roundstoolow` gives vector sha256_crypt-031.
        let h = parse(
            &SHA256_CRYPT,
            "$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC",
        );
        assert!(h.verify(b"the minimum number is still observed"));
        assert_eq!(h.params()["rounds"], 1000);
        assert_eq!(h.warnings().len(), 1);
        assert_eq!(
            h.canonical(),
            "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC"
        );
    }

    #[test]
    fn sha_crypt_rounds_field_is_kept_only_when_present() {
        // Drepper's examples (vectors sha256_crypt-003, -027): implicit and explicit 5000.
        let implicit = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
        assert_eq!(parse(&SHA256_CRYPT, implicit).canonical(), implicit);
        let explicit =
            "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5";
        assert_eq!(parse(&SHA256_CRYPT, explicit).canonical(), explicit);
    }

    #[test]
    fn sha_crypt_long_salt_is_cut_to_16() {
        // DokuWiki: `foosha512` with salt `abcdefgh1234...` gives this 16-character-salt hash.
        let digest = "J9.zOcgx0lotwZdcz0uulA3IVQMinZvFZVjA5vapRLVAAqtay23XD4xeeUxQ3B4JvDWYFBIxVWW1tOYlHX13k1";
        let h = parse(
            &SHA512_CRYPT,
            &format!("$6$abcdefgh12345678912345678912345678${digest}"),
        );
        assert!(h.verify(b"foosha512"));
        assert_eq!(h.canonical(), format!("$6$abcdefgh12345678${digest}"));
        assert_eq!(h.warnings().len(), 1);
    }

    #[test]
    fn sha_crypt_rounds_syntax() {
        let tail = "$nacl$oiWPbm.kQ7.jTCZoOtdv7/tO5mWv/vxw5yTqlBagVR7";
        for bad in [
            "0",
            "01004",
            "+1004",
            "1000000000",
            "99999999999999999999999",
            "",
            "1e4",
        ] {
            let e = refused(&SHA256_CRYPT, &format!("$5$rounds={bad}{tail}"));
            assert_eq!(e.reason, Reason::Malformed, "{bad}: {e}");
            assert!(e.message.contains("rounds"), "{bad}: {e}");
        }
        // sha256_crypt-016 itself parses.
        assert!(parse(&SHA256_CRYPT, &format!("$5$rounds=1004{tail}")).verify(b"secret"));
    }

    #[test]
    fn sha_crypt_rounds_cap_is_refused_fast() {
        let digest = "mUzaGDDVnOsq2tXwboJuEeMSdwHewrviq2hNFSCSVbOrWAkDHza1wpdVg81sUAfc1ki.xuLyu.h.JJmzHGXJa1";
        let start = Instant::now();
        let e = refused(
            &SHA512_CRYPT,
            &format!("$6$rounds=999999999$saltstring${digest}"),
        );
        assert!(start.elapsed() < Duration::from_millis(10));
        assert_eq!(e.reason, Reason::WorkCapExceeded);
        assert!(e.message.contains("rounds=999999999"), "{e}");
        // Just above a lowered cap, and the implicit 5000 against a cap below it.
        let low = ParseContext {
            caps: WorkCaps {
                sha_crypt_rounds: 4999,
                ..WorkCaps::default()
            },
            ..Default::default()
        };
        let implicit = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
        let e = SHA256_CRYPT.parse(implicit, &low).unwrap_err();
        assert_eq!(e.reason, Reason::WorkCapExceeded);
    }

    #[test]
    fn sha_crypt_refuses_wrong_digest_length_for_variant() {
        // A $5$ digest under the $6$ magic (vector sha256_crypt-003).
        let e = refused(
            &SHA512_CRYPT,
            "$6$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
        );
        assert!(e.message.contains("86"), "{e}");
    }

    #[test]
    fn des_crypt_semantics() {
        // des_crypt-001: only 8 password bytes count.
        let h = parse(&DesCrypt, "CCNf8Sbh3HDfQ");
        assert!(h.verify(b"U*U*U*U*"));
        assert!(h.verify(b"U*U*U*U*anything after the eighth byte"));
        assert!(!h.verify(b"U*U*U*U"));
        // DokuWiki `crypt`: foocrypt.
        assert!(parse(&DesCrypt, "ablvoGr1hvZ5k").verify(b"foocrypt"));
        // Last character 'Q' (28) with its unused low bits set: 'R' (29).
        let e = refused(&DesCrypt, "CCNf8Sbh3HDfR");
        assert!(e.message.contains("unused bits"), "{e}");
    }

    #[test]
    fn django_des_crypt_layout() {
        // des_crypt-001 wrapped as Django's CryptPasswordHasher writes it.
        let s = "crypt$$CCNf8Sbh3HDfQ";
        let id = identify(s, None).unwrap();
        assert_eq!(
            (id.format, id.confidence),
            ("django_des_crypt", Confidence::Certain)
        );
        let h = parse(&DjangoDesCrypt, s);
        assert!(h.verify(b"U*U*U*U*"));
        assert!(!h.verify(b"U*U*U*U"));
        assert_eq!(h.canonical(), s);
        assert!(h.clerk().is_err());
        let e = refused(&DjangoDesCrypt, "crypt$CC$CCNf8Sbh3HDfQ");
        assert!(e.message.contains("salt field"), "{e}");
        assert!(refused(&DjangoDesCrypt, "crypt$$CCNf8Sbh3HDf")
            .message
            .contains("13"));
    }

    #[test]
    fn claims() {
        let md5 = "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXR1";
        assert_eq!(identify(md5, None).unwrap().confidence, Confidence::Certain);
        assert_eq!(MD5_CRYPT.claim(md5), Some(Claim::Certain));
        assert_eq!(APR_MD5_CRYPT.claim(md5), None);
        // A malformed string of the format is still claimed, so parse can say why.
        assert_eq!(SHA512_CRYPT.claim("$6$rounds=01$x$y"), Some(Claim::Certain));
        assert_eq!(DesCrypt.claim("CCNf8Sbh3HDfQ"), Some(Claim::Shape));
        assert_eq!(DesCrypt.claim("CCNf8Sbh3HDf"), None);
        assert_eq!(DesCrypt.claim("!gAwTx2l6NADI"), None);
        let id = identify("CCNf8Sbh3HDfQ", None).unwrap();
        assert_eq!(id.confidence, Confidence::Shape);
    }

    #[test]
    fn all_crypt_formats_refuse_clerk() {
        for (scheme, s) in [
            (&MD5_CRYPT as &dyn Scheme, MD5_CRYPT.example()),
            (&APR_MD5_CRYPT, APR_MD5_CRYPT.example()),
            (&SHA256_CRYPT, SHA256_CRYPT.example()),
            (&SHA512_CRYPT, SHA512_CRYPT.example()),
            (&DesCrypt, DesCrypt.example()),
            (&DjangoDesCrypt, DjangoDesCrypt.example()),
        ] {
            assert!(parse(scheme, s).clerk().is_err(), "{s}");
        }
    }

    #[test]
    fn non_ascii_never_panics() {
        for s in [
            "$1$sälz$ctlgjDdWJLMT.qwHsWhXR1",
            "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXRé",
            "$apr1$€$x",
            "$5$rounds=1٠00$salt$x",
            "$5$rounds=1000$ü$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
            "$6$ü",
            "CCNf8Sbh3HDé",
            "crypt$$CCNf8Sbh3HDé",
            "crypt$é",
        ] {
            for scheme in SCHEMES {
                let _ = scheme.parse(s, &ctx());
            }
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(
            prefix in prop::sample::select(vec!["$1$", "$apr1$", "$5$", "$6$rounds=", "crypt$$", ""]),
            tail in "\\PC{0,100}",
        ) {
            let s = format!("{prefix}{tail}");
            for scheme in SCHEMES {
                let _ = scheme.parse(&s, &ctx());
            }
        }
    }
}
