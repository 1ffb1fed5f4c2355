//! scrypt in its six stored layouts (formats.md §4): PHC `$scrypt$`, `$7$`, Werkzeug,
//! Firebase (scrypt key + AES-256-CTR), Django and Spring. The KDF is RustCrypto's
//! `scrypt`; AES-CTR is RustCrypto's `aes` + `ctr`. This file parses, caps and renders.

use aes::cipher::{KeyIvInit, StreamCipher};

use super::util::{
    canonical_u32, ct_eq, params, parse_decimal, push_decimal, split_ascii, split_n, truncate,
};
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Reason,
    Scheme,
};
use crate::encoding::{
    hash64_decode, hash64_decode_int, hash64_encode, hash64_encode_int, hash64_value, hex_decode,
    hex_encode_into, is_hash64, std_decode, std_encode, std_nopad_decode, std_nopad_encode,
    HASH64_ALPHABET,
};

/// passlib / RustCrypto `$scrypt$ln=..,r=..,p=..$salt$hash`.
pub struct ScryptPhc;
/// libsodium / libxcrypt `$7$`.
pub struct ScryptMcf7;
/// Werkzeug `scrypt:N:r:p$salt$hex`.
pub struct WerkzeugScrypt;
/// Firebase's modified scrypt in Clerk's six-field packing.
pub struct ScryptFirebase;
/// Django `scrypt$N$salt$r$p$b64`.
pub struct DjangoScrypt;
/// Spring Security `{scrypt}$<hex params>$<b64 salt>$<b64 key>`.
pub struct SpringScrypt;

pub static SCHEMES: &[&dyn super::Scheme] = &[
    &ScryptPhc,
    &ScryptMcf7,
    &WerkzeugScrypt,
    &DjangoScrypt,
    &SpringScrypt,
    &ScryptFirebase,
];

/// scrypt's own limit (RFC 7914): r*p < 2^30.
const MAX_R_TIMES_P: u64 = 1 << 30;
/// PHC string spec output limits, which RustCrypto's `$scrypt$` support enforces.
const PHC_DIGEST_LEN: std::ops::RangeInclusive<usize> = 10..=64;
/// Werkzeug and Django hash with dkLen 64.
const WIDE_DIGEST_LEN: usize = 64;
/// `$7$` digests are always 32 bytes = 43 hash64 characters.
const MCF7_DIGEST_CHARS: usize = 43;

/// Check N = 2^`log_n`, r and p against scrypt's legal ranges, then the caps, and build
/// the crate's parameters. `names` are the string's names for (log2 N, r, p).
fn scrypt_params(
    format: &'static str,
    names: [&str; 3],
    (log_n, r, p): (u64, u64, u64),
    ctx: &ParseContext,
) -> Result<scrypt::Params, HashError> {
    let [n_name, r_name, p_name] = names;
    // N = 2^log_n must be > 1 and addressable (the crate refuses log_n >= 64; passlib
    // stops at 31). A large but legal N is the caps' business: work_cap_exceeded.
    if !(1..=63).contains(&log_n) {
        return Err(HashError::malformed(
            format,
            n_name,
            "must give N = 2^1 .. 2^63",
        ));
    }
    let r = positive_u32(format, r_name, r)?;
    let p = positive_u32(format, p_name, p)?;
    if r as u64 * p as u64 >= MAX_R_TIMES_P {
        return Err(HashError::malformed(
            format,
            &format!("{r_name}*{p_name}"),
            "must be below 2^30 (RFC 7914)",
        ));
    }
    ctx.caps.check_scrypt(format, log_n as u8, r, p)?;
    scrypt::Params::new(log_n as u8, r, p).map_err(|_| {
        HashError::malformed(
            format,
            &format!("{n_name}, {r_name}"),
            "need more memory than this machine can address",
        )
    })
}

fn positive_u32(format: &str, name: &str, v: u64) -> Result<u32, HashError> {
    match u32::try_from(v) {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(HashError::malformed(
            format,
            name,
            format_args!("must be 1..={}, found {v}", u32::MAX),
        )),
    }
}

/// log2 of a decimal N that must be a power of two greater than 1.
fn log2_of_n(format: &str, name: &str, s: &str) -> Result<u64, HashError> {
    let n = parse_decimal(format, name, s)?;
    if n < 2 || !n.is_power_of_two() {
        return Err(HashError::malformed(
            format,
            name,
            format_args!("must be a power of two greater than 1, found {n}"),
        ));
    }
    Ok(n.trailing_zeros() as u64)
}

/// scrypt into a buffer as long as `expected`, compared in constant time.
fn scrypt_matches(password: &[u8], salt: &[u8], params: &scrypt::Params, expected: &[u8]) -> bool {
    let mut out = vec![0u8; expected.len()];
    // Output lengths are validated in parse; the crate's only error is an empty output.
    scrypt::scrypt(password, salt, params, &mut out).is_ok() && ct_eq(&out, expected)
}

/// How a [`ScryptHash`] is written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Phc,
    Mcf7,
    Werkzeug,
    Django,
    Spring,
}

/// A validated plain-scrypt hash (every layout but Firebase).
#[derive(Debug)]
struct ScryptHash {
    format: &'static str,
    layout: Layout,
    params: scrypt::Params,
    /// The KDF's salt: decoded bytes (PHC, Spring) or the salt text's bytes (the others).
    salt: Vec<u8>,
    digest: Vec<u8>,
}

impl ScryptHash {
    fn n(&self) -> u64 {
        1 << self.params.log_n()
    }
    /// The salt as the text it was read from (text-salt layouts only, so always UTF-8).
    fn salt_text(&self) -> String {
        String::from_utf8_lossy(&self.salt).into_owned()
    }
}

impl ParsedHash for ScryptHash {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("ln", self.params.log_n().into()),
            ("r", self.params.r().into()),
            ("p", self.params.p().into()),
            ("salt_len", self.salt.len().into()),
            ("digest_len", self.digest.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        scrypt_matches(password, &self.salt, &self.params, &self.digest)
    }
    fn canonical(&self) -> String {
        let (ln, r, p) = (self.params.log_n(), self.params.r(), self.params.p());
        match self.layout {
            Layout::Phc => format!(
                "$scrypt$ln={ln},r={r},p={p}${}${}",
                std_nopad_encode(&self.salt),
                std_nopad_encode(&self.digest)
            ),
            Layout::Mcf7 => {
                let mut s = String::from("$7$");
                s.push(HASH64_ALPHABET[ln as usize] as char);
                hash64_encode_int(r as u64, 5, &mut s);
                hash64_encode_int(p as u64, 5, &mut s);
                s.push_str(&self.salt_text());
                s.push('$');
                s.push_str(&hash64_encode(&self.digest));
                s
            }
            Layout::Werkzeug => {
                // Built by hand: this runs once per Werkzeug record of a migration.
                let salt = String::from_utf8_lossy(&self.salt);
                let mut s = String::with_capacity(40 + salt.len() + 2 * self.digest.len());
                s.push_str("scrypt:");
                push_decimal(&mut s, self.n());
                s.push(':');
                push_decimal(&mut s, r.into());
                s.push(':');
                push_decimal(&mut s, p.into());
                s.push('$');
                s.push_str(&salt);
                s.push('$');
                hex_encode_into(&self.digest, &mut s);
                s
            }
            Layout::Django => format!(
                "scrypt${}${}${r}${p}${}",
                self.n(),
                self.salt_text(),
                std_encode(&self.digest)
            ),
            Layout::Spring => format!(
                "{{scrypt}}${:x}${}${}",
                ((ln as u32) << 16) | (r << 8) | p,
                std_encode(&self.salt),
                std_encode(&self.digest)
            ),
        }
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        match self.layout {
            Layout::Werkzeug => Ok(ClerkDigest {
                password_hasher: "scrypt_werkzeug",
                password_digest: self.canonical(),
            }),
            _ => Err(NotExpressible::new(format!(
                "Clerk has no hasher for {} (its scrypt hashers are scrypt_werkzeug and scrypt_firebase)",
                self.format
            ))),
        }
    }
}

impl Scheme for ScryptPhc {
    fn id(&self) -> &'static str {
        "scrypt_phc"
    }
    fn family(&self) -> Family {
        Family::Scrypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["$scrypt$"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with("$scrypt$").then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let fields: Vec<&str> = s
            .strip_prefix("$scrypt$")
            .map(|r| r.split('$').collect())
            .unwrap_or_default();
        let [cost, salt, digest] = fields[..] else {
            return Err(HashError::malformed(
                format,
                "layout",
                "must be $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>",
            ));
        };
        let mut items = cost.split(',');
        let mut next = |name: &str| {
            let value = items
                .next()
                .and_then(|item| item.strip_prefix(name)?.strip_prefix('='))
                .ok_or_else(|| {
                    HashError::malformed(
                        format,
                        "parameters",
                        format_args!(
                            "must be ln=..,r=..,p=.. in that order ({name} missing or misplaced)"
                        ),
                    )
                })?;
            parse_decimal(format, name, value)
        };
        let cost = (next("ln")?, next("r")?, next("p")?);
        if items.next().is_some() {
            return Err(HashError::malformed(
                format,
                "parameters",
                "must be exactly ln, r and p",
            ));
        }
        let salt = std_nopad_decode(salt).map_err(|e| {
            HashError::malformed(format, "salt", format_args!("is not unpadded base64: {e}"))
        })?;
        let digest = std_nopad_decode(digest).map_err(|e| {
            HashError::malformed(format, "hash", format_args!("is not unpadded base64: {e}"))
        })?;
        if !PHC_DIGEST_LEN.contains(&digest.len()) {
            return Err(HashError::malformed(
                format,
                "hash",
                format_args!("must be 10..=64 bytes, found {}", digest.len()),
            ));
        }
        let params = scrypt_params(format, ["ln", "r", "p"], cost, ctx)?;
        Ok(Box::new(ScryptHash {
            format,
            layout: Layout::Phc,
            params,
            salt,
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"
    }
}

impl Scheme for ScryptMcf7 {
    fn id(&self) -> &'static str {
        "scrypt_mcf7"
    }
    fn family(&self) -> Family {
        Family::Scrypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["$7$"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with("$7$").then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let layout =
            "must be $7$<N: 1 char><r: 5 chars><p: 5 chars><salt>$<43-char hash>, all crypt base64";
        let (setting, digest) = s
            .strip_prefix("$7$")
            .and_then(|r| r.split_once('$'))
            .ok_or_else(|| HashError::malformed(format, "layout", layout))?;
        // All hash64 means all ASCII, so the byte offsets below are character boundaries.
        if setting.len() < 11 || !is_hash64(setting) {
            return Err(HashError::malformed(format, "parameters and salt", layout));
        }
        // Cannot fail on hash64 input; 0 would be refused as out of range anyway.
        let log_n = hash64_value(setting.as_bytes()[0]).unwrap_or(0) as u64;
        let field = |range: std::ops::Range<usize>| hash64_decode_int(&setting[range]).unwrap_or(0);
        let (r, p) = (field(1..6), field(6..11));
        if digest.len() != MCF7_DIGEST_CHARS {
            return Err(HashError::malformed(
                format,
                "hash",
                format_args!(
                    "must be {MCF7_DIGEST_CHARS} characters, found {}",
                    digest.len()
                ),
            ));
        }
        let digest = hash64_decode(digest).map_err(|e| {
            HashError::malformed(format, "hash", format_args!("is not crypt base64: {e}"))
        })?;
        let params = scrypt_params(format, ["N", "r", "p"], (log_n, r, p), ctx)?;
        Ok(Box::new(ScryptHash {
            format,
            layout: Layout::Mcf7,
            params,
            // The salt characters themselves are the KDF salt (libsodium, libxcrypt).
            salt: setting.as_bytes()[11..].to_vec(),
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "$7$CU..../....Mq4YHD2syxYT.MsH1Ek0n1$JyHIxez0DOwm0r6.kAIohc8UFBOLU4xX8a1wGBpLrw7"
    }
}

/// Whether `s` is a Werkzeug `scrypt:N:r:p$salt$hex` string that parses within the caps
/// and is its own canonical string and Clerk digest: decimals without leading zeros, an
/// alphanumeric salt (what Werkzeug's `gen_salt` makes; anything else takes the general
/// path) and 128 lowercase hex characters. For `scheme::verbatim` (the migrate hot path):
/// the parameters go through the same [`scrypt_params`] as parsing, nothing is decoded.
pub(super) fn is_werkzeug_verbatim(s: &str, ctx: &ParseContext) -> bool {
    let format = WerkzeugScrypt.id();
    let Some([method_args, salt, digest]) =
        s.strip_prefix("scrypt:").and_then(|r| split_n(r, b'$'))
    else {
        return false;
    };
    let Some([n, r, p]) = split_n(method_args, b':') else {
        return false;
    };
    // N above 2^31 is far past any cap: u32 loses nothing a cap would admit.
    let decimal = |d: &str| canonical_u32(d.as_bytes()).map(u64::from);
    let (Some(n), Some(r), Some(p)) = (decimal(n), decimal(r), decimal(p)) else {
        return false;
    };
    n >= 2
        && n.is_power_of_two()
        && !salt.is_empty()
        && salt.bytes().all(|b| b.is_ascii_alphanumeric())
        && digest.len() == 2 * WIDE_DIGEST_LEN
        && digest
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        && scrypt_params(
            format,
            ["N", "r", "p"],
            (u64::from(n.trailing_zeros()), r, p),
            ctx,
        )
        .is_ok()
}

impl Scheme for WerkzeugScrypt {
    fn id(&self) -> &'static str {
        "werkzeug_scrypt"
    }
    fn family(&self) -> Family {
        Family::Scrypt
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        Some("scrypt_werkzeug")
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["scrypt:"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with("scrypt:").then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let layout = "must be scrypt:<N>:<r>:<p>$<salt>$<128 hex>";
        let Some([method_args, salt, digest]) =
            s.strip_prefix("scrypt:").and_then(|r| split_n(r, b'$'))
        else {
            return Err(HashError::malformed(format, "layout", layout));
        };
        let Some([n, r, p]) = split_n(method_args, b':') else {
            return Err(HashError::malformed(format, "method", layout));
        };
        let cost = (
            log2_of_n(format, "N", n)?,
            parse_decimal(format, "r", r)?,
            parse_decimal(format, "p", p)?,
        );
        // Werkzeug compares the lowercase hex strings, so only lowercase can ever match.
        let lower_hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
        // A fold, not `all`: no early exit, so the check runs a word at a time.
        let all_lower_hex = digest.bytes().fold(true, |ok, c| ok & lower_hex(c));
        if digest.len() != 2 * WIDE_DIGEST_LEN || !all_lower_hex {
            return Err(HashError::malformed(
                format,
                "hash",
                "must be 128 lowercase hex characters (dkLen 64)",
            ));
        }
        let params = scrypt_params(format, ["N", "r", "p"], cost, ctx)?;
        let digest = hex_decode(digest).map_err(|e| HashError::malformed(format, "hash", e))?;
        Ok(Box::new(ScryptHash {
            format,
            layout: Layout::Werkzeug,
            params,
            salt: salt.as_bytes().to_vec(),
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "scrypt:16384:8:1$SodiumChloride$7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
    }
}

impl Scheme for DjangoScrypt {
    fn id(&self) -> &'static str {
        "django_scrypt"
    }
    fn family(&self) -> Family {
        Family::Scrypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["scrypt$"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with("scrypt$").then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let fields: Vec<&str> = s
            .strip_prefix("scrypt$")
            .map(|r| r.split('$').collect())
            .unwrap_or_default();
        let [n, salt, r, p, digest] = fields[..] else {
            return Err(HashError::malformed(
                format,
                "layout",
                "must be scrypt$<N>$<salt>$<r>$<p>$<base64 hash> (Django >= 4.0)",
            ));
        };
        let cost = (
            log2_of_n(format, "N", n)?,
            parse_decimal(format, "r", r)?,
            parse_decimal(format, "p", p)?,
        );
        // Django's encode() asserts a non-empty salt, so it could never verify without one.
        if salt.is_empty() {
            return Err(HashError::malformed(format, "salt", "is empty"));
        }
        let digest = std_decode(digest).map_err(|e| {
            HashError::malformed(format, "hash", format_args!("is not padded base64: {e}"))
        })?;
        if digest.len() != WIDE_DIGEST_LEN {
            return Err(HashError::malformed(
                format,
                "hash",
                format_args!("must be {WIDE_DIGEST_LEN} bytes, found {}", digest.len()),
            ));
        }
        let params = scrypt_params(format, ["N", "r", "p"], cost, ctx)?;
        Ok(Box::new(ScryptHash {
            format,
            layout: Layout::Django,
            params,
            salt: salt.as_bytes().to_vec(),
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw=="
    }
}

impl Scheme for SpringScrypt {
    fn id(&self) -> &'static str {
        "spring_scrypt"
    }
    fn family(&self) -> Family {
        Family::Scrypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["{scrypt}"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with("{scrypt}").then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let fields: Vec<&str> = s
            .strip_prefix("{scrypt}$")
            .map(|r| r.split('$').collect())
            .unwrap_or_default();
        let [packed, salt, key] = fields[..] else {
            return Err(HashError::malformed(
                format,
                "layout",
                "must be {scrypt}$<hex(log2N<<16 | r<<8 | p)>$<base64 salt>$<base64 key>",
            ));
        };
        // Spring writes Long.toString(params, 16): lowercase, no leading zeros, 32 bits.
        let canonical_hex = !packed.is_empty()
            && packed.len() <= 8
            && !packed.starts_with('0')
            && packed
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        let packed = canonical_hex
            .then(|| u64::from_str_radix(packed, 16).ok())
            .flatten()
            .ok_or_else(|| {
                HashError::malformed(
                    format,
                    "parameters",
                    format_args!(
                        "must be lowercase hex without leading zeros, found {:?}",
                        truncate(packed, 12)
                    ),
                )
            })?;
        let cost = ((packed >> 16) & 0xffff, (packed >> 8) & 0xff, packed & 0xff);
        let salt = std_decode(salt).map_err(|e| {
            HashError::malformed(format, "salt", format_args!("is not padded base64: {e}"))
        })?;
        let digest = std_decode(key).map_err(|e| {
            HashError::malformed(format, "key", format_args!("is not padded base64: {e}"))
        })?;
        if digest.is_empty() {
            return Err(HashError::malformed(format, "key", "is empty"));
        }
        let params = scrypt_params(format, ["log2 N", "r", "p"], cost, ctx)?;
        Ok(Box::new(ScryptHash {
            format,
            layout: Layout::Spring,
            params,
            salt,
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "{scrypt}$e0801$8bWJaSu2IKSn9Z9kM+TPXfOc/9bdYSrN1oD9qfVThWEwdRTnO7re7Ei+fUZRJ68k9lTyuTeUp4of4g24hHnazw==$OAOec05+bXxvuu/1qZ6NUR+xQYvYv7BeL1QxwRpY5Pc="
    }
}

/// True for a possibly empty run of standard-base64 characters (with `=`).
fn is_std_b64_text(s: &str) -> bool {
    s.bytes().all(is_std_b64_byte)
}

fn is_std_b64_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')
}

fn is_decimal_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// A Firebase export's 64-byte `passwordHash` is 88 base64 characters.
const FIREBASE_EXPORT_HASH_CHARS: usize = 88;

/// A validated Firebase hash with its project parameters.
#[derive(Debug)]
struct FirebaseHash {
    params: scrypt::Params,
    /// The user's salt, and the project's salt separator appended to it for the KDF.
    salt: Vec<u8>,
    separator: Vec<u8>,
    /// The project's signer key: a secret, never shown in params().
    signer_key: Vec<u8>,
    hash: Vec<u8>,
}

impl ParsedHash for FirebaseHash {
    fn format(&self) -> &'static str {
        "scrypt_firebase"
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("rounds", self.params.r().into()),
            ("mem_cost", self.params.log_n().into()),
            ("salt_len", self.salt.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let salt = [self.salt.as_slice(), &self.separator].concat();
        let mut key = [0u8; 32];
        if scrypt::scrypt(password, &salt, &self.params, &mut key).is_err() {
            return false;
        }
        // The stored hash is the signer key encrypted with AES-256-CTR under the derived
        // key, counter block all zero (firebase/scrypt scryptenc.c).
        let mut block = self.signer_key.clone();
        ctr::Ctr128BE::<aes::Aes256>::new(&key.into(), &[0u8; 16].into())
            .apply_keystream(&mut block);
        ct_eq(&block, &self.hash)
    }
    fn canonical(&self) -> String {
        format!(
            "{}${}${}${}${}${}",
            std_encode(&self.hash),
            std_encode(&self.salt),
            std_encode(&self.signer_key),
            std_encode(&self.separator),
            self.params.r(),
            self.params.log_n()
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Ok(ClerkDigest {
            password_hasher: "scrypt_firebase",
            password_digest: self.canonical(),
        })
    }
}

impl Scheme for ScryptFirebase {
    fn id(&self) -> &'static str {
        "scrypt_firebase"
    }
    fn family(&self) -> Family {
        Family::Scrypt
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        Some("scrypt_firebase")
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        // Both layouts start with a non-empty base64 field.
        Some(vec![Lead::FirstByte(is_std_b64_byte)])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        // Both layouts need a first field of base64 characters: most strings that reach
        // here (Django's `pbkdf2_sha256$`, Werkzeug's `scrypt:`) fail that within a few
        // bytes, before the whole string is split.
        if !s.bytes().take_while(|&c| c != b'$').all(is_std_b64_byte) {
            return None;
        }
        // At most 7 fields, as `splitn(7, '$')` gives, without collecting them.
        let mut fields = [""; 7];
        let mut n = 0;
        for field in split_ascii(s, b'$') {
            if n == fields.len() {
                return None;
            }
            fields[n] = field;
            n += 1;
        }
        match fields[..n] {
            // Clerk's packing hash$salt$signer_key$separator$rounds$mem_cost: no other
            // format has four base64 fields followed by two decimals.
            [hash, salt, key, sep, rounds, mem_cost]
                if !hash.is_empty()
                    && [hash, salt, key, sep].iter().all(|f| is_std_b64_text(f))
                    && is_decimal_text(rounds)
                    && is_decimal_text(mem_cost) =>
            {
                Some(Claim::Certain)
            }
            // A bare export pair passwordHash$salt: recognisable, but it lacks the project
            // parameters, which parse reports.
            [hash, salt]
                if hash.len() == FIREBASE_EXPORT_HASH_CHARS
                    && is_std_b64_text(hash)
                    && is_std_b64_text(salt) =>
            {
                Some(Claim::Alternative)
            }
            _ => None,
        }
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let format = self.id();
        let fields: Vec<&str> = s.split('$').collect();
        let [hash, salt, key, sep, rounds, mem_cost] = fields[..] else {
            let layout = "hash$salt$base64_signer_key$base64_salt_separator$rounds$mem_cost";
            if fields.len() < 6 {
                return Err(HashError::new(
                    Reason::MissingParameters,
                    format!("{format}: found {} of the 6 fields {layout}; the signer key, salt separator, rounds and mem_cost are the project's \"Password hash parameters\" in the Firebase console", fields.len()),
                ));
            }
            return Err(HashError::malformed(
                format,
                "layout",
                format_args!("must be {layout}"),
            ));
        };
        let decode = |field: &str, s: &str, may_be_empty: bool| {
            let bytes = std_decode(s).map_err(|e| {
                HashError::malformed(format, field, format_args!("is not padded base64: {e}"))
            })?;
            if bytes.is_empty() && !may_be_empty {
                return Err(HashError::malformed(format, field, "is empty"));
            }
            Ok(bytes)
        };
        let hash = decode("hash", hash, false)?;
        let salt = decode("salt", salt, false)?;
        let signer_key = decode("signer key", key, false)?;
        let separator = decode("salt separator", sep, true)?;
        if hash.len() != signer_key.len() {
            return Err(HashError::malformed(
                format,
                "hash",
                format_args!(
                    "must be as long as the signer key it encrypts ({} bytes), found {}",
                    signer_key.len(),
                    hash.len()
                ),
            ));
        }
        let cost = (
            parse_decimal(format, "mem_cost", mem_cost)?,
            parse_decimal(format, "rounds", rounds)?,
            1,
        );
        let params = scrypt_params(format, ["mem_cost", "rounds", "p"], cost, ctx)?;
        Ok(Box::new(FirebaseHash {
            params,
            salt,
            separator,
            signer_key,
            hash,
        }))
    }
    fn example(&self) -> &'static str {
        "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$14"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{identify, parse, Confidence};
    use std::time::{Duration, Instant};

    fn ctx() -> ParseContext {
        ParseContext::default()
    }

    // Known answers from fixtures/vectors.json (scrypt_firebase-001, scrypt_mcf7-009,
    // werkzeug_scrypt-002, spring_scrypt-001).
    const FIREBASE: &str = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$14";
    const MCF7: &str =
        "$7$CU..../....Mq4YHD2syxYT.MsH1Ek0n1$JyHIxez0DOwm0r6.kAIohc8UFBOLU4xX8a1wGBpLrw7";
    const WERKZEUG: &str = "scrypt:1024:8:16$NaCl$fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
    const SPRING: &str = "{scrypt}$e0801$8bWJaSu2IKSn9Z9kM+TPXfOc/9bdYSrN1oD9qfVThWEwdRTnO7re7Ei+fUZRJ68k9lTyuTeUp4of4g24hHnazw==$OAOec05+bXxvuu/1qZ6NUR+xQYvYv7BeL1QxwRpY5Pc=";

    fn refused_fast(s: &str) -> HashError {
        let start = Instant::now();
        let err = parse(s, None, &ctx()).expect_err("must be refused");
        // Hashing would take seconds (or exhaust memory); the bound allows a loaded machine.
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "{s}: not refused fast"
        );
        err
    }

    #[test]
    fn huge_n_is_capped_before_hashing() {
        let hostile = [
            "$scrypt$ln=40,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$7$x5..../....Mq4YHD2syxYT.MsH1Ek0n1$JyHIxez0DOwm0r6.kAIohc8UFBOLU4xX8a1wGBpLrw7",
            "scrypt:1099511627776:8:1$NaCl$fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
            "{scrypt}$280801$c2FsdA==$OAOec05+bXxvuu/1qZ6NUR+xQYvYv7BeL1QxwRpY5Pc=",
            &FIREBASE.replace("$8$14", "$8$40"),
        ];
        for s in hostile {
            let err = refused_fast(s);
            assert_eq!(err.reason, Reason::WorkCapExceeded, "{s}: {}", err.message);
            assert!(err.message.contains("N*r"), "{}", err.message);
        }
        // Work N*r*p is capped separately from memory.
        let err = refused_fast(
            "$scrypt$ln=14,r=8,p=4096$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
        );
        assert!(err.message.contains("N*r*p="), "{}", err.message);
    }

    #[test]
    fn legal_ranges() {
        let cases = [
            ("$scrypt$ln=0,r=1,p=1$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "ln"),
            ("$scrypt$ln=64,r=1,p=1$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "ln"),
            ("$scrypt$ln=4,r=134217728,p=8$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "r*p"),
            ("$scrypt$r=1,ln=4,p=1$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "ln missing"),
            ("$scrypt$ln=4,r=1,p=1,x=1$c2FsdA$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "exactly"),
            ("$scrypt$ln=4,r=1,p=1$c2FsdA$nFNh2CVHVjNl", "10..=64"),
            ("scrypt:1000:8:1$NaCl$fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640", "power of two"),
            (&WERKZEUG.to_uppercase().replacen("SCRYPT", "scrypt", 1), "lowercase"),
            ("scrypt$16384$$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==", "salt"),
            ("scrypt$16384$salt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQ", "base64"),
            (&SPRING.replacen("$e0801$", "$0e0801$", 1), "leading zeros"),
            (&SPRING.replacen("$e0801$", "$E0801$", 1), "lowercase"),
            ("$7$CU..../....Mq4YHD2syxYT.MsH1Ek0n1$JyHIxez0DOwm0r6.kAIohc8UFBOLU4xX8a1wGBpLrw", "43"),
            ("$7$CU..../...!Mq4YHD2syxYT.MsH1Ek0n1$JyHIxez0DOwm0r6.kAIohc8UFBOLU4xX8a1wGBpLrw7", "parameters and salt"),
            ("$7$.U..../....Mq4YHD2syxYT.MsH1Ek0n1$JyHIxez0DOwm0r6.kAIohc8UFBOLU4xX8a1wGBpLrw7", "N"),
        ];
        for (s, why) in cases {
            let err = parse(s, None, &ctx()).unwrap_err();
            assert_eq!(err.reason, Reason::Malformed, "{s}");
            assert!(err.message.contains(why), "{s}: {}", err.message);
        }
    }

    #[test]
    fn mcf7_fields_and_canonical_form() {
        let h = parse(MCF7, None, &ctx()).unwrap();
        let p = h.hash.params();
        // formats.md §4.2: this string is N=2^14, r=32, p=1.
        assert_eq!(
            (p["ln"].as_u64(), p["r"].as_u64(), p["p"].as_u64()),
            (Some(14), Some(32), Some(1))
        );
        assert_eq!(h.hash.canonical(), MCF7);
        assert!(h.hash.clerk().is_err());
    }

    #[test]
    fn werkzeug_and_spring_round_trip() {
        let w = parse(WERKZEUG, None, &ctx()).unwrap();
        assert_eq!(w.hash.canonical(), WERKZEUG);
        let clerk = w.hash.clerk().unwrap();
        assert_eq!(
            (clerk.password_hasher, clerk.password_digest.as_str()),
            ("scrypt_werkzeug", WERKZEUG)
        );
        let s = parse(SPRING, None, &ctx()).unwrap();
        assert_eq!(s.hash.canonical(), SPRING);
        let p = s.hash.params();
        assert_eq!(
            (p["ln"].as_u64(), p["r"].as_u64(), p["p"].as_u64()),
            (Some(14), Some(8), Some(1))
        );
    }

    #[test]
    fn firebase_needs_its_project_parameters() {
        let id = identify(FIREBASE, None).unwrap();
        assert_eq!(
            (id.format, id.confidence),
            ("scrypt_firebase", Confidence::Certain)
        );
        let fields: Vec<&str> = FIREBASE.split('$').collect();
        // The user export alone: hash$salt.
        let export = fields[..2].join("$");
        assert_eq!(ScryptFirebase.claim(&export), Some(Claim::Alternative));
        let err = parse(&export, None, &ctx()).unwrap_err();
        assert_eq!(err.reason, Reason::MissingParameters);
        assert!(err.message.contains("signer key"), "{}", err.message);
        let five = fields[..5].join("$");
        assert_eq!(
            ScryptFirebase.parse(&five, &ctx()).unwrap_err().reason,
            Reason::MissingParameters
        );
        // The hash encrypts the signer key, so their lengths must agree.
        let short_hash = FIREBASE.replacen(fields[0], "c2lnbmVy", 1);
        let err = parse(&short_hash, None, &ctx()).unwrap_err();
        assert_eq!(err.reason, Reason::Malformed);
        assert!(err.message.contains("signer key"), "{}", err.message);
    }

    #[test]
    fn firebase_params_hide_the_signer_key() {
        let h = parse(FIREBASE, None, &ctx()).unwrap();
        let p = h.hash.params();
        let keys: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(keys, ["mem_cost", "rounds", "salt_len"]);
        assert_eq!(
            (p["rounds"].as_u64(), p["mem_cost"].as_u64()),
            (Some(8), Some(14))
        );
        assert_eq!(h.hash.canonical(), FIREBASE);
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let inputs = [
            "$scrypt$",
            "$scrypt$ln=,r=,p=$$",
            "$scrypt$ln=99999999999999999999,r=1,p=1$$AAAAAAAAAAAAAA",
            "$7$",
            "$7$C",
            "$7$CU..../....$",
            "$7$é$",
            "$7$CU..../....\u{1F600}$abc",
            "scrypt:",
            "scrypt::::$$",
            "scrypt:16:1:1$\u{1F600}$",
            "scrypt$",
            "scrypt$$$$$$",
            "{scrypt}",
            "{scrypt}$$$",
            "{scrypt}$ffffffff$$AA==",
            "$$$$$",
            "a$b$c$d$1$2",
            "AA==$AA==$AA==$AA==$4294967296$1",
            "AA==$AA==$AA==$$1$0",
        ];
        for s in inputs {
            for scheme in SCHEMES {
                let _ = scheme.parse(s, &ctx());
            }
        }
    }
}
