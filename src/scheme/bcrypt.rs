//! bcrypt: `$2<minor>$<cost>$<salt22><digest31>` for the minors `a`, `b`, `x`, `y`
//! and none (the 1997 `$2$`), formats.md §1. Hashing is [`super::bcrypt_core`].
//!
//! [`BcryptHash`] and [`parse_bcrypt`] are shared with the wrappers
//! (`bcrypt_wrappers.rs`), which put a prefix or a pre-hash around the same string.

use super::bcrypt_core::{self, bcrypt_raw, countermeasure_applies, Variant};
use super::util::{ct_eq, params};
use super::{
    BcryptFacts, Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext,
    ParsedHash, Scheme,
};
use crate::encoding::{
    bcrypt64_decode, bcrypt64_decode_array, bcrypt64_encode_bytes, bcrypt64_encode_slice,
    is_bcrypt64_char, is_canonical_bcrypt64,
};

/// Plain bcrypt of the password.
pub struct Bcrypt;

pub static SCHEMES: &[&dyn super::Scheme] = &[&Bcrypt];

const FORMAT: &str = "bcrypt";
const SALT_CHARS: usize = 22;
const DIGEST_CHARS: usize = 31;
const COST_RULE: &str = "must be two digits 04..31";

/// A validated bcrypt string: typed fields, padding bits already cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcryptHash {
    pub variant: Variant,
    pub cost: u32,
    pub salt: [u8; bcrypt_core::SALT_LEN],
    pub digest: [u8; bcrypt_core::DIGEST_LEN],
    /// Non-canonical padding bits that parsing cleared (formats.md §1.4).
    pub warnings: Vec<String>,
}

/// What every string [`looks_like_bcrypt`] accepts starts with.
pub const BCRYPT_LEAD: &str = "$2";

/// True when `s` starts like a bcrypt string: `$2$` or `$2` + a letter + `$`.
/// Broad on purpose, so that `$2c$...` reaches [`parse_bcrypt`] and gets a
/// precise error instead of "unknown format".
pub fn looks_like_bcrypt(s: &str) -> bool {
    bcrypt_len(s).is_some()
}

/// The length a bcrypt string starting `s` has, judged from its prefix alone:
/// 59 for `$2$`, 60 for `$2<letter>$`.
pub fn bcrypt_len(s: &str) -> Option<usize> {
    match s.as_bytes() {
        [b'$', b'2', b'$', ..] => Some(59),
        [b'$', b'2', c, b'$', ..] if c.is_ascii_alphabetic() => Some(60),
        _ => None,
    }
}

/// Parse a bcrypt string, naming `format` in errors (the wrappers pass their own
/// id), and refuse a cost above `ctx.caps` before any hashing.
pub fn parse_bcrypt(format: &str, s: &str, ctx: &ParseContext) -> Result<BcryptHash, HashError> {
    let b = s.as_bytes();
    let (variant, rest) = match b {
        [b'$', b'2', b'$', rest @ ..] => (Variant::Original, rest),
        [b'$', b'2', minor, b'$', rest @ ..] => {
            let variant = match minor {
                b'a' => Variant::A,
                b'b' => Variant::B,
                b'x' => Variant::X,
                b'y' => Variant::Y,
                other => {
                    return Err(HashError::malformed(
                        format,
                        "minor version",
                        format_args!(
                            "must be 2a, 2b, 2x, 2y or 2, found 2{}",
                            char::from(*other).escape_default()
                        ),
                    ))
                }
            };
            (variant, rest)
        }
        _ => {
            return Err(HashError::malformed(
                format,
                "prefix",
                "must be $2a$, $2b$, $2x$, $2y$ or $2$",
            ))
        }
    };

    let cost = match rest {
        [d1 @ b'0'..=b'9', d2 @ b'0'..=b'9', b'$', ..] => {
            u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0')
        }
        _ => return Err(HashError::malformed(format, "cost", COST_RULE)),
    };
    if !(4..=bcrypt_core::MAX_COST).contains(&cost) {
        return Err(HashError::malformed(
            format,
            "cost",
            format_args!("{COST_RULE}, found {cost:02}"),
        ));
    }

    let salt_digest = &rest[3..];
    // The usual case in one pass: both fields decode, so every character is in the
    // alphabet and the length is right. Anything else goes through the checks below,
    // which name what is wrong.
    if let (Some((salt, salt_bits)), Some((digest, digest_bits))) = (
        bcrypt64_decode_array(salt_digest.get(..SALT_CHARS).unwrap_or_default()),
        bcrypt64_decode_array(salt_digest.get(SALT_CHARS..).unwrap_or_default()),
    ) {
        ctx.caps.check_bcrypt_cost(format, cost)?;
        let mut warnings = Vec::new();
        for (field, bits) in [("salt", salt_bits), ("digest", digest_bits)] {
            if bits {
                warnings.push(padding_warning(format, field));
            }
        }
        return Ok(BcryptHash {
            variant,
            cost,
            salt,
            digest,
            warnings,
        });
    }
    if let Some(pos) = salt_digest.iter().position(|&c| !is_bcrypt64_char(c)) {
        let field = if pos < SALT_CHARS { "salt" } else { "digest" };
        return Err(HashError::malformed(
            format,
            field,
            "has a character outside the bcrypt64 alphabet ./A-Za-z0-9",
        ));
    }
    if salt_digest.len() != SALT_CHARS + DIGEST_CHARS {
        return Err(HashError::malformed(
            format,
            "salt and digest",
            format_args!(
                "must be {SALT_CHARS} + {DIGEST_CHARS} bcrypt64 characters, found {}",
                salt_digest.len()
            ),
        ));
    }
    ctx.caps.check_bcrypt_cost(format, cost)?;

    // All ASCII from here, so slicing the str is safe.
    let start = s.len() - salt_digest.len();
    let mut warnings = Vec::new();
    let salt = decode_field(format, "salt", &s[start..start + SALT_CHARS], &mut warnings)?;
    let digest = decode_field(format, "digest", &s[start + SALT_CHARS..], &mut warnings)?;
    Ok(BcryptHash {
        variant,
        cost,
        salt,
        digest,
        warnings,
    })
}

/// The facts of `s` when it is a canonical `$2a$`, `$2b$` or `$2y$` string within the
/// caps: then [`parse_bcrypt`] accepts it without warnings and it is its own canonical
/// string and Clerk digest. Checked without decoding (for `scheme::verbatim`, the
/// migrate hot path); `None` says nothing about `s`.
// Inlined into its one caller, as it was before `scheme::verbatim` grew more arms (out of
// line it cost about 25 instructions more per bcrypt row).
#[inline(always)]
pub(super) fn verbatim_facts(s: &str, ctx: &ParseContext) -> Option<BcryptFacts> {
    let [b'$', b'2', minor @ (b'a' | b'b' | b'y'), b'$', d1 @ b'0'..=b'9', d2 @ b'0'..=b'9', b'$', rest @ ..] =
        s.as_bytes()
    else {
        return None;
    };
    let cost = u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0');
    let within = (4..=bcrypt_core::MAX_COST).contains(&cost) && cost <= ctx.caps.bcrypt_cost;
    let (salt, digest) = rest.split_at_checked(SALT_CHARS)?;
    (within
        && digest.len() == DIGEST_CHARS
        && is_canonical_bcrypt64(salt)
        && is_canonical_bcrypt64(digest))
    .then_some(BcryptFacts {
        minor: char::from(*minor),
        cost,
        plain: true,
    })
}

fn padding_warning(format: &str, field: &str) -> String {
    format!(
        "{format}: {field} has non-zero padding bits; they were cleared (the canonical form differs from the stored string)"
    )
}

/// Decode a bcrypt64 field leniently: set padding bits are cleared with a
/// warning, as passlib does (the canonical string is the repaired one).
fn decode_field<const N: usize>(
    format: &str,
    field: &str,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<[u8; N], HashError> {
    let bytes = bcrypt64_decode(text, false)
        .map_err(|e| HashError::malformed(format, field, format_args!("is not bcrypt64: {e}")))?;
    if bcrypt64_decode(text, true).is_err() {
        warnings.push(padding_warning(format, field));
    }
    bytes
        .try_into()
        .map_err(|_| HashError::malformed(format, field, "has the wrong length"))
}

impl BcryptHash {
    /// Check the bcrypt key (the password, or a wrapper's pre-hash of it) in
    /// constant time.
    pub fn verify_key(&self, key: &[u8]) -> bool {
        let computed = bcrypt_raw(self.variant, self.cost, &self.salt, key);
        let mut ok = ct_eq(&computed, &self.digest);
        // Two implementations wrote `$2a$` (formats.md §1.3): crypt_blowfish (PHP,
        // libxcrypt) flips a key bit for passwords that collide with a `$2x$` hash,
        // OpenBSD and the libraries that follow it (Go, Java, pyca, passlib) do not.
        // Both kinds of hash exist, so accept either. They differ only when the
        // countermeasure fires (a few 8-bit passwords), so only then is the OpenBSD
        // digest computed; the branch depends on the candidate, not on the hash.
        if self.variant == Variant::A && countermeasure_applies(key) {
            let openbsd = bcrypt_raw(Variant::B, self.cost, &self.salt, key);
            ok |= ct_eq(&openbsd, &self.digest);
        }
        ok
    }

    /// The canonical string: `$2b$12$<salt22><digest31>`, padding bits zero.
    pub fn encode(&self) -> String {
        // Built by hand on the stack, one allocation: this runs once per bcrypt record
        // of a migration.
        let mut out = [0u8; 60];
        out[..2].copy_from_slice(b"$2");
        let mut n = 2;
        if let Some(minor) = self.variant.minor().bytes().next() {
            out[n] = minor;
            n += 1;
        }
        let cost = match u8::try_from(self.cost) {
            Ok(c) if c < 100 => [b'0' + c / 10, b'0' + c % 10],
            // Parsing admits two digits only; a value built by hand may have more.
            _ => return self.encode_wide_cost(),
        };
        out[n..n + 4].copy_from_slice(&[b'$', cost[0], cost[1], b'$']);
        n += 4;
        let (salt, digest) = out[n..].split_at_mut(SALT_CHARS);
        bcrypt64_encode_slice(&self.salt, salt);
        bcrypt64_encode_slice(&self.digest, &mut digest[..DIGEST_CHARS]);
        String::from(
            std::str::from_utf8(&out[..n + SALT_CHARS + DIGEST_CHARS])
                .expect("bcrypt strings are ASCII"),
        )
    }

    /// [`BcryptHash::encode`] for a cost of three digits or more (never parsed).
    fn encode_wide_cost(&self) -> String {
        let mut out = format!("$2{}${:02}$", self.variant.minor(), self.cost).into_bytes();
        bcrypt64_encode_bytes(&self.salt, &mut out);
        bcrypt64_encode_bytes(&self.digest, &mut out);
        String::from_utf8(out).expect("bcrypt strings are ASCII")
    }

    pub fn facts(&self, plain: bool) -> BcryptFacts {
        BcryptFacts {
            minor: self.variant.letter(),
            cost: self.cost,
            plain,
        }
    }

    /// Whether Clerk can take this string: its shape check is `^\$2[aby]\$`.
    pub fn clerk_expressible(&self) -> Result<(), NotExpressible> {
        match self.variant {
            // A crypt_blowfish `$2a$` whose password trips the countermeasure will
            // not verify under Clerk's OpenBSD semantics; such passwords need \xff
            // bytes, which are not UTF-8, so sign-up forms cannot produce them.
            Variant::A | Variant::B | Variant::Y => Ok(()),
            Variant::X => Err(NotExpressible::new(
                "$2x$ needs crypt_blowfish's sign-extension bug emulation; Clerk accepts only $2a$, $2b$ and $2y$",
            )),
            Variant::Original => Err(NotExpressible::new(
                "the 1997 $2$ omits the key's NUL terminator; Clerk accepts only $2a$, $2b$ and $2y$",
            )),
        }
    }

    /// The parameters worth showing, shared with the wrappers.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("variant", format!("2{}", self.variant.minor()).into()),
            ("cost", self.cost.into()),
            ("salt_len", bcrypt_core::SALT_LEN.into()),
            ("digest_len", bcrypt_core::DIGEST_LEN.into()),
        ])
    }
}

#[derive(Debug)]
struct ParsedBcrypt(BcryptHash);

impl ParsedHash for ParsedBcrypt {
    fn format(&self) -> &'static str {
        FORMAT
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0.params()
    }
    fn verify(&self, password: &[u8]) -> bool {
        self.0.verify_key(password)
    }
    fn canonical(&self) -> String {
        self.0.encode()
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        self.0.clerk_expressible()?;
        Ok(ClerkDigest {
            password_hasher: "bcrypt",
            password_digest: self.0.encode(),
        })
    }
    fn clerk_verbatim(&self) -> Option<&'static str> {
        // Parsing took exactly `$2?$NN$` and 53 bcrypt64 characters; with no padding
        // bits repaired (no warning), encoding gives the same characters back.
        (self.0.warnings.is_empty() && self.0.clerk_expressible().is_ok()).then_some("bcrypt")
    }
    fn bcrypt(&self) -> Option<BcryptFacts> {
        Some(self.0.facts(true))
    }
    fn warnings(&self) -> Vec<String> {
        self.0.warnings.clone()
    }
}

impl Scheme for Bcrypt {
    fn id(&self) -> &'static str {
        FORMAT
    }
    fn family(&self) -> Family {
        Family::Bcrypt
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        Some("bcrypt")
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[BCRYPT_LEAD])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        let len = bcrypt_len(s)?;
        // `<bcrypt>$<pepper>` is Clerk's bcrypt_peppered layout.
        if s.len() > len + 1 && s.as_bytes()[len] == b'$' {
            Some(Claim::Alternative)
        } else {
            Some(Claim::Certain)
        }
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        Ok(Box::new(ParsedBcrypt(parse_bcrypt(FORMAT, s, ctx)?)))
    }
    fn example(&self) -> &'static str {
        // Clerk's documented example (password "hello").
        "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{self, Reason};
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    fn parse(s: &str) -> Result<BcryptHash, HashError> {
        parse_bcrypt(FORMAT, s, &ParseContext::default())
    }

    #[test]
    fn cost_cap_refused_fast_naming_cost() {
        let hostile = "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        let start = Instant::now();
        let err = parse(hostile).unwrap_err();
        assert!(start.elapsed() < Duration::from_millis(10));
        assert_eq!(err.reason, Reason::WorkCapExceeded);
        assert!(err.message.contains("cost"), "{}", err.message);
        // Through the registry as well.
        let err = scheme::parse(hostile, None, &ParseContext::default()).unwrap_err();
        assert_eq!(err.reason, Reason::WorkCapExceeded);
    }

    #[test]
    fn malformed_fields_are_named() {
        let cases = [
            (
                "$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "minor version",
            ),
            (
                "$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "cost",
            ),
            (
                "$2b$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "cost",
            ),
            (
                "$2b$05$CCCCCCCCCC!CCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "salt",
            ),
            (
                "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",
                "digest",
            ),
            (
                "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
                "salt and digest",
            ),
        ];
        for (s, field) in cases {
            let err = parse(s).unwrap_err();
            assert_eq!(err.reason, Reason::Malformed, "{s}");
            assert!(err.message.contains(field), "{s}: {}", err.message);
        }
    }

    #[test]
    fn two_a_accepts_both_implementations() {
        // bcrypt-008 (crypt_blowfish $2a$ of ff ff a3) and the same password's OpenBSD
        // digest (bcrypt-009's $2b$ digest, which OpenBSD also writes under $2a$).
        let pw = b"\xff\xff\xa3";
        let crypt_blowfish = parse("$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.");
        let openbsd = parse("$2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e");
        assert!(crypt_blowfish.unwrap().verify_key(pw));
        assert!(openbsd.unwrap().verify_key(pw));
        // $2b$ does not take the crypt_blowfish $2a$ digest.
        let b = parse("$2b$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.");
        assert!(!b.unwrap().verify_key(pw));
    }

    #[test]
    fn two_x_only_with_the_bug() {
        // bcrypt-005: under $2x$, a3 alone gives ff ff a3's correct digest.
        let x = parse("$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e").unwrap();
        assert!(x.verify_key(b"\xa3"));
        let y = parse("$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e").unwrap();
        assert!(!y.verify_key(b"\xa3"));
        assert!(y.verify_key(b"\xff\xff\xa3"));
    }

    #[test]
    fn only_72_bytes_count() {
        // bcrypt-025 (crypt_blowfish wrapper.c): 72 bytes of 0xaa, then ignored text.
        let h = parse("$2a$05$/OK.fbVrR/bpIqNJ5ianF.swQOIzjOiJ9GHEPuhEkvqrUyvWhEMx6").unwrap();
        assert!(h.verify_key(&[0xaa; 72]));
        assert!(h.verify_key(&[0xaa; 100]));
        assert!(!h.verify_key(&[0xaa; 71]));
    }

    #[test]
    fn padding_bits_repaired_with_a_warning() {
        // bcrypt-100: passlib known_incorrect_padding, canonical form from the vector.
        let h = scheme::parse(
            "$2a$04$oaQbBqq8JnSM1NHRPQGXORY4Vw3bdHKLIXTecPDRAcJ98cz1ilveO",
            None,
            &ParseContext::default(),
        )
        .unwrap();
        assert_eq!(h.hash.warnings().len(), 1);
        assert!(h.hash.warnings()[0].contains("salt"));
        let canonical = h.hash.canonical();
        assert_eq!(
            canonical,
            "$2a$04$oaQbBqq8JnSM1NHRPQGXOOY4Vw3bdHKLIXTecPDRAcJ98cz1ilveO"
        );
        assert!(parse(&canonical).unwrap().warnings.is_empty());
        assert!(h.verify(b"test"));
        // Migrate may not take the stored string as the Clerk digest: it is not canonical.
        assert_eq!(h.hash.clerk_verbatim(), None);
        assert_eq!(h.hash.clerk().unwrap().password_digest, canonical);
    }

    #[test]
    fn claims() {
        let h = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm";
        assert_eq!(Bcrypt.claim(h), Some(Claim::Certain));
        assert_eq!(Bcrypt.claim("$2c$05$CCCC"), Some(Claim::Certain));
        assert_eq!(Bcrypt.claim("$2$05$CCCC"), Some(Claim::Certain));
        assert_eq!(
            Bcrypt.claim(&format!("{h}$pepper")),
            Some(Claim::Alternative)
        );
        assert_eq!(Bcrypt.claim("bcrypt$$2b$04$xyz"), None);
        assert_eq!(Bcrypt.claim("$2{$05$CCCC"), None);
        assert_eq!(Bcrypt.claim("$bcrypt-sha256$2b,5$xyz"), None);
    }

    #[test]
    fn clerk_rendering() {
        let ctx = ParseContext::default();
        let y = "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e";
        let clerk = Bcrypt.parse(y, &ctx).unwrap().clerk().unwrap();
        assert_eq!(clerk.password_hasher, "bcrypt");
        assert_eq!(clerk.password_digest, y);
        assert_eq!(
            Bcrypt.parse(y, &ctx).unwrap().clerk_verbatim(),
            Some("bcrypt")
        );
        let x = "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e";
        assert!(Bcrypt.parse(x, &ctx).unwrap().clerk().is_err());
        assert_eq!(Bcrypt.parse(x, &ctx).unwrap().clerk_verbatim(), None);
        let original = "$2$05$......................J2ihDv8vVf7QZ9BsaRrKyqs2tkn55Yq";
        let parsed = Bcrypt.parse(original, &ctx).unwrap();
        assert!(parsed.clerk().is_err());
        assert_eq!(parsed.clerk_verbatim(), None);
        assert_eq!(parsed.bcrypt().unwrap().minor, '0');
    }

    proptest! {
        #[test]
        fn hostile_strings_never_panic(tail in "\\PC{0,70}", minor in "[a-z$]?") {
            for s in [format!("$2{minor}${tail}"), format!("$2{minor}$05${tail}")] {
                let _ = parse(&s);
                let _ = Bcrypt.claim(&s);
            }
        }
    }
}
