//! Each format's string layout: a cheap claim, parse (text to value) and render (value to
//! text). The parse and render of one layout sit side by side so they stay inverses.
//!
//! Most layouts differ only in data, so they are static descriptors with one parse and one
//! render each: [`TextLayout`] (`<prefix><iterations>$<salt>$<key>`: Django, passlib MCF,
//! Clerk) and [`BlobLayout`] (a prefix, then one encoded `salt ‖ key` with fixed parameters:
//! Atlassian, ASP.NET Identity v2, Spring). PHC, Werkzeug, ASP.NET Identity v3 and the colon
//! form have their own code.

use std::borrow::Cow;

use super::{Layout, Pbkdf2Value, Prf};
use crate::encoding::{self, DecodeError};
use crate::scheme::util::{canonical_u32, parse_decimal, push_decimal, split_ascii, truncate};
use crate::scheme::{Claim, HashError, Lead, ParseContext, Reason};

static DJANGO_SHA256: TextLayout = TextLayout {
    prefix: "pbkdf2_sha256$",
    prf: Prf::Sha256,
    iterations: "iterations",
    // Django hashes the salt text as it is: never decode it.
    salt: Encoding::Text,
    key: Encoding::StdB64,
    key_len: KeyLen::OneBlock,
    shape: "<iterations>$<salt>$<base64 hash>",
};
static DJANGO_SHA1: TextLayout = TextLayout {
    prefix: "pbkdf2_sha1$",
    prf: Prf::Sha1,
    ..DJANGO_SHA256
};
static PASSLIB_SHA1: TextLayout = TextLayout {
    prefix: "$pbkdf2$",
    prf: Prf::Sha1,
    iterations: "rounds",
    salt: Encoding::Ab64,
    key: Encoding::Ab64,
    key_len: KeyLen::OneBlock,
    shape: "<rounds>$<ab64 salt>$<ab64 hash>",
};
static PASSLIB_SHA256: TextLayout = TextLayout {
    prefix: "$pbkdf2-sha256$",
    prf: Prf::Sha256,
    ..PASSLIB_SHA1
};
static PASSLIB_SHA512: TextLayout = TextLayout {
    prefix: "$pbkdf2-sha512$",
    prf: Prf::Sha512,
    ..PASSLIB_SHA1
};
// Clerk's own layouts (import-targets.md §1.2) take keys of any length.
/// Clerk generic `pbkdf2_sha256`: same prefix as Django, but the salt is base64-decoded.
static CLERK_SHA256: TextLayout = TextLayout {
    salt: Encoding::StdB64,
    key_len: KeyLen::Any,
    shape: "<iterations>$<base64 salt>$<base64 hash>",
    ..DJANGO_SHA256
};
/// Clerk `pbkdf2_sha1`: `…$<salt>$<hex hash>` or `…$<hex salt>$<hex hash>$<key length>`.
static CLERK_SHA1: TextLayout = TextLayout {
    prefix: "pbkdf2_sha1$",
    prf: Prf::Sha1,
    iterations: "iterations",
    salt: Encoding::HexOrText,
    key: Encoding::Hex,
    key_len: KeyLen::Stored,
    shape: "<iterations>$<salt>$<hex hash>[$<key length>]",
};
/// Clerk `pbkdf2_sha512`: salt is an "unencoded string literal", hash hex.
static CLERK_SHA512: TextLayout = TextLayout {
    prefix: "pbkdf2_sha512$",
    prf: Prf::Sha512,
    iterations: "iterations",
    salt: Encoding::Text,
    key: Encoding::Hex,
    key_len: KeyLen::Any,
    shape: "<iterations>$<salt>$<hex hash>",
};
/// Clerk `pbkdf2_sha512_hex`: salt and hash both hex.
static CLERK_SHA512_HEX: TextLayout = TextLayout {
    prefix: "pbkdf2_sha512_hex$",
    salt: Encoding::Hex,
    shape: "<iterations>$<hex salt>$<hex hash>",
    ..CLERK_SHA512
};

/// Whether `s` is a Django `pbkdf2_sha256$` string that parses within the caps and is
/// its own canonical string: iterations without leading zeros, an alphanumeric salt (as
/// Django's `get_random_string` makes them; anything else takes the general path) and
/// strict padded base64 of one SHA-256 block. Checked without decoding, for
/// `scheme::verbatim` (the migrate hot path); `false` says nothing about `s`.
pub(in crate::scheme) fn is_django_sha256_verbatim(s: &str, ctx: &ParseContext) -> bool {
    let Some(rest) = s.strip_prefix(DJANGO_SHA256.prefix) else {
        return false;
    };
    let ([iter, salt, hash], 3) = split_fields::<3>(rest, b'$') else {
        return false;
    };
    let Some(iterations) = canonical_u32(iter.as_bytes()) else {
        return false;
    };
    // One SHA-256 block of key: the iterations are the whole work.
    iterations <= ctx.caps.pbkdf2_iterations
        && !salt.is_empty()
        && salt.bytes().all(|b| b.is_ascii_alphanumeric())
        // 32 bytes: 43 characters and one `=`.
        && matches!(hash.as_bytes(), [.., c, b'='] if *c != b'=')
        && hash.len() == 44
        && encoding::is_canonical_std_b64(hash.as_bytes())
}

/// Whether `s` is a passlib `$pbkdf2-sha256$` string that parses within the caps and is
/// its own canonical string: rounds without leading zeros, canonical ab64 of a non-empty
/// salt and of one SHA-256 block. Checked without decoding, for `scheme::verbatim`;
/// `false` says nothing about `s`.
pub(in crate::scheme) fn is_passlib_sha256_verbatim(s: &str, ctx: &ParseContext) -> bool {
    let Some([rounds, salt, hash]) = passlib_sha256_fields(s) else {
        return false;
    };
    // One block of key, so the rounds are the whole work; a salt byte takes 2 characters.
    canonical_u32(rounds.as_bytes()).is_some_and(|n| n <= ctx.caps.pbkdf2_iterations)
        && salt.len() >= 2
        && encoding::is_canonical_ab64(salt.as_bytes())
        && encoding::is_canonical_ab64(hash.as_bytes())
}

/// The Clerk `pbkdf2_sha256` digest of a string [`is_passlib_sha256_verbatim`] took:
/// the same rounds, and salt and key in padded standard base64, which for canonical ab64
/// are the same characters with `.` as `+` ([`encoding::ab64_as_std_into`]), so nothing
/// is decoded.
pub(in crate::scheme) fn passlib_sha256_as_clerk(s: &str) -> String {
    let [rounds, salt, hash] = passlib_sha256_fields(s).expect("a verbatim passlib string");
    let prefix = CLERK_SHA256.prefix;
    // Each base64 field gains at most two `=`.
    let mut out = String::with_capacity(s.len() + prefix.len() + 4);
    out.push_str(prefix);
    out.push_str(rounds);
    out.push('$');
    encoding::ab64_as_std_into(salt, &mut out);
    out.push('$');
    encoding::ab64_as_std_into(hash, &mut out);
    out
}

/// Rounds, salt and key of a would-be verbatim passlib string: the key is the last 43
/// characters (one SHA-256 block) and the rounds end at the first `$` (a `$` elsewhere
/// fails the ab64 checks), so one byte search splits it.
fn passlib_sha256_fields(s: &str) -> Option<[&str; 3]> {
    let rest = s.strip_prefix(PASSLIB_SHA256.prefix)?;
    let (head, hash) = rest.split_at_checked(rest.len().checked_sub(43)?)?;
    let head = head.strip_suffix('$')?;
    let dollar = memchr::memchr(b'$', head.as_bytes())?;
    Some([&head[..dollar], &head[dollar + 1..], hash])
}

/// Atlassian `{PKCS5S2}`: fixed, not stored (passlib `atlassian_pbkdf2_sha1`).
static ATLASSIAN: BlobLayout = BlobLayout {
    prefix: "{PKCS5S2}",
    marker: None,
    encoding: Encoding::StdB64,
    prf: Prf::Sha1,
    iterations: 10_000,
    salt_len: 16,
    key_len: 32,
};
/// ASP.NET Identity v2 (`PasswordHasher.HashPasswordV2`): SHA-1, 1000 iterations, 128-bit
/// salt, 256-bit subkey after a 0x00 marker.
static ASPNET_V2: BlobLayout = BlobLayout {
    prefix: "",
    marker: Some(0),
    encoding: Encoding::StdB64,
    prf: Prf::Sha1,
    iterations: 1000,
    salt_len: 16,
    key_len: 32,
};
/// Spring's `pbkdf2` id: up to 5.7 the only one, then kept for `defaultsForSpringSecurity_v5_5`.
/// Spring stores neither PRF nor iterations: the encoder id names a set of defaults
/// (`Pbkdf2PasswordEncoder.defaultsForSpringSecurity_v5_5` / `_v5_8`), both with a 256-bit
/// hash.
static SPRING_V5_5: BlobLayout = BlobLayout {
    prefix: "{pbkdf2}",
    marker: None,
    encoding: Encoding::Hex,
    prf: Prf::Sha1,
    iterations: 185_000,
    salt_len: 8,
    key_len: 32,
};
static SPRING_V5_8: BlobLayout = BlobLayout {
    prefix: "{pbkdf2@SpringSecurity_v5_8}",
    prf: Prf::Sha256,
    iterations: 310_000,
    salt_len: 16,
    ..SPRING_V5_5
};

/// ASP.NET Identity v3 header: marker, PRF, iterations, salt length.
const ASPNET_V3_HEADER_LEN: usize = 13;
/// `VerifyHashedPasswordV3` refuses salts and subkeys shorter than 128 bits.
const ASPNET_V3_MIN_LEN: usize = 16;
/// The longest string the v3 shape claims without a hint (salt + subkey up to ~750 bytes):
/// keeps claiming cheap on arbitrary input.
const ASPNET_V3_MAX_CHARS: usize = 1024;

impl Layout {
    /// What every string [`Layout::claim`] takes starts with (see [`crate::scheme::Lead`]).
    pub(super) fn leads(self) -> Option<Vec<Lead>> {
        match self {
            Layout::DjangoSha256 | Layout::ClerkSha256 => Lead::prefixes(&[DJANGO_SHA256.prefix]),
            Layout::DjangoSha1 | Layout::ClerkSha1 => Lead::prefixes(&[DJANGO_SHA1.prefix]),
            Layout::PasslibSha1 => Lead::prefixes(&[PASSLIB_SHA1.prefix]),
            Layout::PasslibSha256 => Lead::prefixes(&[PASSLIB_SHA256.prefix]),
            Layout::PasslibSha512 => Lead::prefixes(&[PASSLIB_SHA512.prefix]),
            Layout::Phc => Lead::prefixes(&["$pbkdf2"]),
            Layout::Werkzeug => Lead::prefixes(&["pbkdf2:", "pbkdf2$"]),
            Layout::Atlassian => Lead::prefixes(&[ATLASSIAN.prefix]),
            Layout::AspnetV2 => Lead::prefixes(&["A"]),
            Layout::AspnetV3 => Lead::prefixes(&["AQAAAA"]),
            Layout::Colon => Lead::prefixes(&["sha1:", "sha256:", "sha512:"]),
            Layout::Spring => Lead::prefixes(&[SPRING_V5_5.prefix, "{pbkdf2@"]),
            Layout::ClerkSha512 => Lead::prefixes(&[CLERK_SHA512.prefix]),
            Layout::ClerkSha512Hex => Lead::prefixes(&[CLERK_SHA512_HEX.prefix]),
        }
    }

    /// A cheap look at `s`: prefixes, lengths, and for the prefix-less ASP.NET blobs a
    /// decode of at most [`ASPNET_V3_MAX_CHARS`] characters.
    pub(super) fn claim(self, s: &str) -> Option<Claim> {
        let prefixed =
            |layout: &TextLayout, claim: Claim| s.starts_with(layout.prefix).then_some(claim);
        match self {
            Layout::DjangoSha256 => prefixed(&DJANGO_SHA256, Claim::Default),
            Layout::DjangoSha1 => prefixed(&DJANGO_SHA1, Claim::Default),
            Layout::PasslibSha1 => passlib_claim(s, PASSLIB_SHA1.prefix),
            Layout::PasslibSha256 => passlib_claim(s, PASSLIB_SHA256.prefix),
            Layout::PasslibSha512 => passlib_claim(s, PASSLIB_SHA512.prefix),
            Layout::Phc => phc_claim(s),
            Layout::Werkzeug => {
                (s.starts_with("pbkdf2:") || s.starts_with("pbkdf2$")).then_some(Claim::Certain)
            }
            Layout::Atlassian => s.starts_with(ATLASSIAN.prefix).then_some(Claim::Certain),
            Layout::AspnetV2 => aspnet_v2_shape(s).then_some(Claim::Shape),
            Layout::AspnetV3 => aspnet_v3_shape(s).then_some(Claim::Shape),
            Layout::Colon => colon_shape(s).then_some(Claim::Certain),
            Layout::Spring => (s.starts_with(SPRING_V5_5.prefix) || s.starts_with("{pbkdf2@"))
                .then_some(Claim::Certain),
            Layout::ClerkSha256 => prefixed(&CLERK_SHA256, Claim::Alternative),
            Layout::ClerkSha1 => prefixed(&CLERK_SHA1, Claim::Alternative),
            Layout::ClerkSha512 => prefixed(&CLERK_SHA512, Claim::Alternative),
            Layout::ClerkSha512Hex => prefixed(&CLERK_SHA512_HEX, Claim::Alternative),
        }
    }

    pub(super) fn parse(self, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
        let f = self.id();
        match self {
            Layout::DjangoSha256 => DJANGO_SHA256.parse(f, s, ctx),
            Layout::DjangoSha1 => DJANGO_SHA1.parse(f, s, ctx),
            Layout::PasslibSha1 => PASSLIB_SHA1.parse(f, s, ctx),
            Layout::PasslibSha256 => PASSLIB_SHA256.parse(f, s, ctx),
            Layout::PasslibSha512 => PASSLIB_SHA512.parse(f, s, ctx),
            Layout::Phc => parse_phc(f, s, ctx),
            Layout::Werkzeug => parse_werkzeug(f, s, ctx),
            Layout::Atlassian => ATLASSIAN.parse(f, s, ctx),
            Layout::AspnetV2 => ASPNET_V2.parse(f, s, ctx),
            Layout::AspnetV3 => parse_aspnet_v3(f, s, ctx),
            Layout::Colon => parse_colon(f, s, ctx),
            Layout::Spring => parse_spring(f, s, ctx),
            Layout::ClerkSha256 => CLERK_SHA256.parse(f, s, ctx),
            Layout::ClerkSha1 => CLERK_SHA1.parse(f, s, ctx),
            Layout::ClerkSha512 => CLERK_SHA512.parse(f, s, ctx),
            Layout::ClerkSha512Hex => CLERK_SHA512_HEX.parse(f, s, ctx),
        }
    }

    /// The value written in this layout. Only called with values this layout parsed, or
    /// (for the Clerk layouts) with any value: those write salt and key as bytes.
    pub(super) fn render(self, v: &Pbkdf2Value) -> String {
        match self {
            Layout::DjangoSha256 => DJANGO_SHA256.render(v),
            Layout::DjangoSha1 => DJANGO_SHA1.render(v),
            Layout::PasslibSha1 => PASSLIB_SHA1.render(v),
            Layout::PasslibSha256 => PASSLIB_SHA256.render(v),
            Layout::PasslibSha512 => PASSLIB_SHA512.render(v),
            Layout::Phc => render_phc(v),
            Layout::Werkzeug => render_werkzeug(v),
            Layout::Atlassian => ATLASSIAN.render(v),
            Layout::AspnetV2 => ASPNET_V2.render(v),
            Layout::AspnetV3 => render_aspnet_v3(v),
            Layout::Colon => render_colon(v),
            // The PRF tells the two default sets apart.
            Layout::Spring if v.prf == Prf::Sha256 => SPRING_V5_8.render(v),
            Layout::Spring => SPRING_V5_5.render(v),
            Layout::ClerkSha256 => CLERK_SHA256.render(v),
            Layout::ClerkSha1 => CLERK_SHA1.render(v),
            Layout::ClerkSha512 => CLERK_SHA512.render(v),
            Layout::ClerkSha512Hex => CLERK_SHA512_HEX.render(v),
        }
    }
}

// ---- shared field helpers -------------------------------------------------------------

fn strip<'a>(format: &str, s: &'a str, prefix: &str) -> Result<&'a str, HashError> {
    s.strip_prefix(prefix)
        .ok_or_else(|| HashError::malformed(format, "prefix", format_args!("must be {prefix:?}")))
}

/// The first `N` fields of `s` split at the ASCII `sep`, and how many fields there are.
fn split_fields<const N: usize>(s: &str, sep: u8) -> ([&str; N], usize) {
    let mut fields = [""; N];
    let mut found = 0;
    for field in split_ascii(s, sep) {
        if let Some(slot) = fields.get_mut(found) {
            *slot = field;
        }
        found += 1;
    }
    (fields, found)
}

fn layout_error(
    format: &str,
    shape: impl std::fmt::Display,
    n: impl std::fmt::Display,
    found: usize,
) -> HashError {
    HashError::malformed(
        format,
        "layout",
        format_args!("must be {shape} ({n} fields after the prefix, found {found})"),
    )
}

/// Split `s` into exactly `N` fields; `shape` shows the expected layout in the error
/// (a `Display`, so callers pass `format_args!` and nothing is built unless it fails).
fn split_exact<'a, const N: usize>(
    format: &str,
    s: &'a str,
    sep: char,
    shape: impl std::fmt::Display,
) -> Result<[&'a str; N], HashError> {
    let sep = u8::try_from(sep).expect("layout separators are ASCII");
    match split_fields(s, sep) {
        (fields, found) if found == N => Ok(fields),
        (_, found) => Err(layout_error(format, shape, N, found)),
    }
}
/// `<prefix><iterations>$`, with room for `more` bytes after it: the start of most
/// renders, which run once per record of a migration (so no `format!`).
fn start_with_iterations(prefix: &str, iterations: u32, more: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + 11 + more);
    out.push_str(prefix);
    push_decimal(&mut out, iterations.into());
    out.push('$');
    out
}

/// A decimal iteration count that fits PBKDF2's 32-bit counter (zero is refused by
/// [`Pbkdf2Value::new`]).
fn iterations(format: &str, field: &str, s: &str) -> Result<u32, HashError> {
    let n = parse_decimal(format, field, s)?;
    u32::try_from(n)
        .map_err(|_| HashError::malformed(format, field, format_args!("{n} exceeds 4294967295")))
}

fn decoded(
    format: &str,
    field: &str,
    dialect: &str,
    result: Result<Vec<u8>, DecodeError>,
) -> Result<Vec<u8>, HashError> {
    result.map_err(|e| HashError::malformed(format, field, format_args!("is not {dialect}: {e}")))
}

fn std_b64(format: &str, field: &str, s: &str) -> Result<Vec<u8>, HashError> {
    decoded(
        format,
        field,
        "padded standard base64",
        encoding::std_decode(s),
    )
}

fn hex(format: &str, field: &str, s: &str) -> Result<Vec<u8>, HashError> {
    decoded(format, field, "hex", encoding::hex_decode(s))
}

fn exact_len(format: &str, field: &str, bytes: &[u8], want: usize) -> Result<(), HashError> {
    if bytes.len() == want {
        Ok(())
    } else {
        Err(HashError::malformed(
            format,
            field,
            format_args!("must decode to {want} bytes, found {}", bytes.len()),
        ))
    }
}

/// A salt some formats keep as text. It came from a `&str`, so it is always UTF-8.
fn salt_text(salt: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(salt)
}

fn unsupported(format: &str, what: impl std::fmt::Display) -> HashError {
    HashError::new(Reason::UnsupportedVariant, format!("{format}: {what}"))
}

// ---- descriptors ----------------------------------------------------------------------
//
// Their methods are `#[inline(always)]`: [`Layout`]'s dispatch passes a static descriptor,
// so the fields fold to constants and each layout's parse costs what hand-written code did.

/// How salt, key or payload bytes are written.
#[derive(Clone, Copy)]
enum Encoding {
    /// The salt as stored text, hashed as it is.
    Text,
    /// Hex when it is valid hex, else the text itself: how Clerk reads `pbkdf2_sha1` salts.
    /// Written as hex.
    HexOrText,
    Hex,
    /// Padded standard base64.
    StdB64,
    /// passlib's adapted base64.
    Ab64,
}

impl Encoding {
    #[inline(always)]
    fn decode(self, format: &str, field: &str, s: &str) -> Result<Vec<u8>, HashError> {
        match self {
            Encoding::Text => Ok(s.as_bytes().to_vec()),
            Encoding::HexOrText => {
                Ok(encoding::hex_decode(s).unwrap_or_else(|_| s.as_bytes().to_vec()))
            }
            Encoding::Hex => hex(format, field, s),
            Encoding::StdB64 => std_b64(format, field, s),
            Encoding::Ab64 => decoded(format, field, "ab64", encoding::ab64_decode(s)),
        }
    }

    #[inline(always)]
    fn encode_into(self, bytes: &[u8], out: &mut String) {
        match self {
            Encoding::Text => out.push_str(&salt_text(bytes)),
            Encoding::HexOrText | Encoding::Hex => encoding::hex_encode_into(bytes, out),
            Encoding::StdB64 => encoding::std_encode_into(bytes, out),
            Encoding::Ab64 => encoding::ab64_encode_into(bytes, out),
        }
    }
}

/// What a text layout says about the key's length.
#[derive(Clone, Copy)]
enum KeyLen {
    /// One PRF output: all Django and passlib ever write.
    OneBlock,
    /// Any length (Clerk).
    Any,
    /// Any length, in an optional fourth field that must agree with the key (Clerk
    /// `pbkdf2_sha1`); always written.
    Stored,
}

// ---- text: <prefix><iter>$<salt>$<key> (Django, passlib MCF, Clerk) --------------------

/// `<prefix><iterations>$<salt>$<key>`, the PRF named by the prefix.
struct TextLayout {
    prefix: &'static str,
    prf: Prf,
    /// The iteration field's name in errors (passlib's is "rounds").
    iterations: &'static str,
    salt: Encoding,
    key: Encoding,
    key_len: KeyLen,
    /// The fields after the prefix, for the layout error.
    shape: &'static str,
}

impl TextLayout {
    #[inline(always)]
    fn parse(&self, format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
        let rest = strip(format, s, self.prefix)?;
        let ([iter, salt, hash, key_len], found) = split_fields(rest, b'$');
        let stored = matches!(self.key_len, KeyLen::Stored);
        if !(found == 3 || found == 4 && stored) {
            let n = if stored { "3 or 4" } else { "3" };
            let shape = format_args!("{}{}", self.prefix, self.shape);
            return Err(layout_error(format, shape, n, found));
        }
        let iterations = iterations(format, self.iterations, iter)?;
        let salt = self.salt.decode(format, "salt", salt)?;
        let dk = self.key.decode(format, "hash", hash)?;
        if matches!(self.key_len, KeyLen::OneBlock) {
            exact_len(format, "hash", &dk, self.prf.output_len())?;
        }
        // The key length tells Clerk how much to derive; anything but the hash's own length
        // could never match.
        if found == 4 {
            let n = parse_decimal(format, "key length", key_len)?;
            if n != dk.len() as u64 {
                return Err(HashError::malformed(
                    format,
                    "key length",
                    format_args!("is {n} but the hash is {} bytes", dk.len()),
                ));
            }
        }
        Pbkdf2Value::new(format, ctx, self.prf, iterations, salt, dk)
    }

    #[inline(always)]
    fn render(&self, v: &Pbkdf2Value) -> String {
        // Room for hex of both, the `$`s and a key length.
        let more = (v.salt.len() + v.dk.len()) * 2 + 5;
        let mut out = start_with_iterations(self.prefix, v.iterations, more);
        self.salt.encode_into(&v.salt, &mut out);
        out.push('$');
        self.key.encode_into(&v.dk, &mut out);
        if matches!(self.key_len, KeyLen::Stored) {
            out.push('$');
            push_decimal(&mut out, v.dk.len() as u64);
        }
        out
    }
}

/// passlib's MCF form and the PHC form share `$pbkdf2…$`: MCF iff the params field is
/// not `key=value` (RustCrypto `pbkdf2/src/mcf.rs` draws the same line).
fn passlib_claim(s: &str, prefix: &str) -> Option<Claim> {
    let params = split_ascii(s.strip_prefix(prefix)?, b'$').next()?;
    (!params.as_bytes().contains(&b'=')).then_some(Claim::Certain)
}

// ---- PHC: $pbkdf2[-sha256|-sha512]$i=<iter>,l=<len>$<b64 salt>$<b64> --------------------

fn phc_claim(s: &str) -> Option<Claim> {
    let rest = s.strip_prefix("$pbkdf2")?;
    // `$pbkdf2$…` (SHA-1) or `$pbkdf2-<digest>$…`; the params field carries `=`.
    let after_ident = match rest.strip_prefix('$') {
        Some(r) => r,
        None => rest.strip_prefix('-')?.split_once('$')?.1,
    };
    let params = after_ident.split('$').next()?;
    params.contains('=').then_some(Claim::Certain)
}

fn phc_ident(prf: Prf) -> &'static str {
    match prf {
        Prf::Sha1 => "pbkdf2",
        Prf::Sha256 => "pbkdf2-sha256",
        Prf::Sha512 => "pbkdf2-sha512",
    }
}

fn parse_phc(format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
    let rest = strip(format, s, "$")?;
    let [ident, params, salt, hash] = split_exact(
        format,
        rest,
        '$',
        "$pbkdf2-sha256$i=<iterations>,l=<length>$<salt>$<hash>",
    )?;
    let prf = match ident {
        "pbkdf2" => Prf::Sha1,
        "pbkdf2-sha256" => Prf::Sha256,
        "pbkdf2-sha512" => Prf::Sha512,
        other if other.starts_with("pbkdf2-") => {
            return Err(unsupported(
                format,
                format!(
                    "algorithm {:?} is not supported (pbkdf2, pbkdf2-sha256, pbkdf2-sha512 are)",
                    truncate(other, 24)
                ),
            ))
        }
        other => {
            return Err(HashError::malformed(
                format,
                "algorithm",
                format_args!(
                    "must be pbkdf2[-sha256|-sha512], found {:?}",
                    truncate(other, 24)
                ),
            ))
        }
    };
    let (iterations, declared_len) = phc_params(format, params)?;
    let salt = decoded(
        format,
        "salt",
        "unpadded standard base64",
        encoding::std_nopad_decode(salt),
    )?;
    let dk = decoded(
        format,
        "hash",
        "unpadded standard base64",
        encoding::std_nopad_decode(hash),
    )?;
    if let Some(l) = declared_len.filter(|&l| l != dk.len() as u64) {
        return Err(HashError::malformed(
            format,
            "l",
            format_args!("says {l} bytes but the hash decodes to {}", dk.len()),
        ));
    }
    Pbkdf2Value::new(format, ctx, prf, iterations, salt, dk)
}

/// `i=<iterations>` optionally followed by `,l=<key length>`, in that order.
fn phc_params(format: &str, params: &str) -> Result<(u32, Option<u64>), HashError> {
    let bad = || {
        HashError::malformed(
            format,
            "params",
            "must be i=<iterations> or i=<iterations>,l=<key length>",
        )
    };
    let (i, l) = match params.split_once(',') {
        Some((i, l)) => (i, Some(l)),
        None => (params, None),
    };
    let iterations = iterations(format, "i", i.strip_prefix("i=").ok_or_else(bad)?)?;
    let length = match l {
        Some(l) => Some(parse_decimal(
            format,
            "l",
            l.strip_prefix("l=").ok_or_else(bad)?,
        )?),
        None => None,
    };
    Ok((iterations, length))
}

fn render_phc(v: &Pbkdf2Value) -> String {
    format!(
        "${}$i={},l={}${}${}",
        phc_ident(v.prf),
        v.iterations,
        v.dk.len(),
        encoding::std_nopad_encode(&v.salt),
        encoding::std_nopad_encode(&v.dk)
    )
}

// ---- Werkzeug: pbkdf2:<hashname>:<iter>$<salt text>$<hex> ------------------------------

fn parse_werkzeug(format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
    let [method, salt, hash] = split_exact(
        format,
        s,
        '$',
        "pbkdf2:<hash name>:<iterations>$<salt>$<hex hash>",
    )?;
    let mut args = method.split(':');
    if args.next() != Some("pbkdf2") {
        return Err(HashError::malformed(
            format,
            "method",
            "must start with pbkdf2",
        ));
    }
    let (name, iter) = (args.next(), args.next());
    if args.next().is_some() {
        return Err(HashError::malformed(
            format,
            "method",
            "must be pbkdf2:<hash name>:<iterations>",
        ));
    }
    // Werkzeug hands the name to hashlib, which ignores case; it writes lower case.
    let name = name.unwrap_or("sha256").to_ascii_lowercase();
    let Some(prf) = Prf::from_name(&name) else {
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(unsupported(
                format,
                format!(
                    "hash name {:?} is not supported (sha1, sha256, sha512 are)",
                    truncate(&name, 24)
                ),
            ));
        }
        return Err(HashError::malformed(
            format,
            "hash name",
            format_args!("is not a hashlib name: {:?}", truncate(&name, 24)),
        ));
    };
    let Some(iter) = iter else {
        return Err(HashError::new(
            Reason::MissingParameters,
            format!(
                "{format}: iteration count absent: Werkzeug used its own version's default \
                 (260000 in 2.0-2.2, 600000 in 2.3-3.0, 1000000 in 3.1); give the count by \
                 rewriting the method as pbkdf2:{name}:<iterations>"
            ),
        ));
    };
    let iterations = iterations(format, "iterations", iter)?;
    // Werkzeug compares the hex text, so only its own lower-case output can ever match.
    if let Some(c) = hash.chars().find(|c| c.is_ascii_uppercase()) {
        return Err(HashError::malformed(
            format,
            "hash",
            format_args!("must be lower-case hex, found {c:?}"),
        ));
    }
    let dk = hex(format, "hash", hash)?;
    exact_len(format, "hash", &dk, prf.output_len())?;
    Pbkdf2Value::new(format, ctx, prf, iterations, salt.as_bytes().to_vec(), dk)
}

fn render_werkzeug(v: &Pbkdf2Value) -> String {
    format!(
        "pbkdf2:{}:{}${}${}",
        v.prf.name(),
        v.iterations,
        salt_text(&v.salt),
        encoding::hex_encode(&v.dk)
    )
}

// ---- blob: <prefix> + encoded(marker ‖ salt ‖ key) (Atlassian, ASP.NET v2, Spring) -----

/// A prefix, then one encoded blob of an optional marker byte, salt and key, all of fixed
/// lengths. PRF and iterations are not stored: the format fixes them.
struct BlobLayout {
    prefix: &'static str,
    marker: Option<u8>,
    encoding: Encoding,
    prf: Prf,
    iterations: u32,
    salt_len: usize,
    key_len: usize,
}

impl BlobLayout {
    #[inline(always)]
    fn parse(&self, format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
        let payload = strip(format, s, self.prefix)?;
        let blob = self.encoding.decode(format, "payload", payload)?;
        let marker_len = usize::from(self.marker.is_some());
        let len = marker_len + self.salt_len + self.key_len;
        exact_len(format, "payload", &blob, len)?;
        if let Some(m) = self.marker.filter(|&m| blob.first() != Some(&m)) {
            return Err(HashError::malformed(
                format,
                "format marker",
                format_args!("must be {m:#04x}"),
            ));
        }
        let (salt, dk) = blob[marker_len..].split_at(self.salt_len);
        Pbkdf2Value::new(
            format,
            ctx,
            self.prf,
            self.iterations,
            salt.to_vec(),
            dk.to_vec(),
        )
    }

    #[inline(always)]
    fn render(&self, v: &Pbkdf2Value) -> String {
        let mut blob = Vec::with_capacity(1 + v.salt.len() + v.dk.len());
        blob.extend(self.marker);
        blob.extend_from_slice(&v.salt);
        blob.extend_from_slice(&v.dk);
        let mut out = String::with_capacity(self.prefix.len() + blob.len() * 2);
        out.push_str(self.prefix);
        self.encoding.encode_into(&blob, &mut out);
        out
    }
}

fn aspnet_v2_shape(s: &str) -> bool {
    // 49 bytes are 68 characters ending "=="; a leading 0x00 byte makes the first "A".
    s.len() == 68
        && s.starts_with('A')
        && s.ends_with("==")
        && encoding::std_decode(s).is_ok_and(|b| b.first() == Some(&0))
}

fn parse_spring(format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
    let layout = if s.starts_with(SPRING_V5_8.prefix) {
        &SPRING_V5_8
    } else if s.starts_with(SPRING_V5_5.prefix) {
        &SPRING_V5_5
    } else if s.starts_with("{pbkdf2@") {
        return Err(unsupported(
            format,
            "encoder id is not {pbkdf2} or {pbkdf2@SpringSecurity_v5_8}: its defaults are unknown",
        ));
    } else {
        return Err(HashError::malformed(
            format,
            "prefix",
            "must be {pbkdf2} or {pbkdf2@SpringSecurity_v5_8}",
        ));
    };
    layout.parse(format, s, ctx)
}

// ---- ASP.NET Identity v3: b64(0x01 ‖ prf ‖ iter ‖ salt len ‖ salt ‖ subkey) -------------

/// The v3 header fields (PRF code, iterations, salt length) and the bytes after it.
fn aspnet_v3_header(blob: &[u8]) -> Option<(u32, u32, usize, &[u8])> {
    let (header, body) = blob.split_at_checked(ASPNET_V3_HEADER_LEN)?;
    let word = |at: usize| {
        header
            .get(at..at + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_be_bytes)
    };
    if header.first() != Some(&1) {
        return None;
    }
    Some((word(1)?, word(5)?, word(9)? as usize, body))
}

fn aspnet_v3_shape(s: &str) -> bool {
    // 0x01 then a PRF code below 16 always encodes as "AQAAAA".
    if s.len() > ASPNET_V3_MAX_CHARS || s.len() % 4 != 0 || !s.starts_with("AQAAAA") {
        return false;
    }
    let Ok(blob) = encoding::std_decode(s) else {
        return false;
    };
    // The salt must fit; an unknown PRF code is still claimed so parse can name it.
    aspnet_v3_header(&blob).is_some_and(|(_, _, salt_len, body)| salt_len <= body.len())
}

fn aspnet_v3_prf_code(prf: Prf) -> u32 {
    match prf {
        Prf::Sha1 => 0,
        Prf::Sha256 => 1,
        Prf::Sha512 => 2,
    }
}

fn parse_aspnet_v3(format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
    let blob = std_b64(format, "payload", s)?;
    let Some((prf_code, iterations, salt_len, body)) = aspnet_v3_header(&blob) else {
        return Err(HashError::malformed(
            format,
            "header",
            "must be 0x01 followed by PRF, iteration count and salt length (13 bytes)",
        ));
    };
    let prf = match prf_code {
        0 => Prf::Sha1,
        1 => Prf::Sha256,
        2 => Prf::Sha512,
        n => {
            return Err(unsupported(
                format,
                format!("PRF code {n} is not 0 (SHA-1), 1 (SHA-256) or 2 (SHA-512)"),
            ))
        }
    };
    // ASP.NET reads the count as a signed int: larger values never verify there.
    if iterations > i32::MAX as u32 {
        return Err(HashError::malformed(
            format,
            "iterations",
            format_args!("{iterations} exceeds 2147483647"),
        ));
    }
    if salt_len < ASPNET_V3_MIN_LEN {
        return Err(HashError::malformed(
            format,
            "salt length",
            format_args!("{salt_len} is below the 16 bytes ASP.NET requires"),
        ));
    }
    let Some((salt, dk)) = body.split_at_checked(salt_len) else {
        return Err(HashError::malformed(
            format,
            "salt length",
            format_args!(
                "{salt_len} exceeds the {} bytes after the header",
                body.len()
            ),
        ));
    };
    if dk.len() < ASPNET_V3_MIN_LEN {
        return Err(HashError::malformed(
            format,
            "subkey",
            format_args!("is {} bytes, below the 16 ASP.NET requires", dk.len()),
        ));
    }
    // The subkey is "the rest of the payload", so bytes appended after it are read as a
    // longer subkey that can never verify. ASP.NET writes 128/256/512-bit subkeys: refuse
    // lengths that are not whole 32-bit words (`VerifyHashedPassword_FailureCases`).
    if dk.len() % 4 != 0 {
        return Err(HashError::malformed(
            format,
            "subkey",
            format_args!(
                "is {} bytes, not a whole number of 32-bit words (data after the subkey?)",
                dk.len()
            ),
        ));
    }
    Pbkdf2Value::new(format, ctx, prf, iterations, salt.to_vec(), dk.to_vec())
}

fn render_aspnet_v3(v: &Pbkdf2Value) -> String {
    let mut blob = Vec::with_capacity(ASPNET_V3_HEADER_LEN + v.salt.len() + v.dk.len());
    blob.push(1);
    blob.extend_from_slice(&aspnet_v3_prf_code(v.prf).to_be_bytes());
    blob.extend_from_slice(&v.iterations.to_be_bytes());
    // Salt length fitted in a u32 when parsed.
    blob.extend_from_slice(&(v.salt.len() as u32).to_be_bytes());
    blob.extend_from_slice(&v.salt);
    blob.extend_from_slice(&v.dk);
    encoding::std_encode(&blob)
}

// ---- colon: <alg>:<iter>:<b64 salt>:<b64 key> ------------------------------------------

fn colon_shape(s: &str) -> bool {
    let Some((alg, rest)) = s.split_once(':') else {
        return false;
    };
    Prf::from_name(alg).is_some()
        && rest
            .split_once(':')
            .is_some_and(|(iter, _)| !iter.is_empty() && iter.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_colon(format: &str, s: &str, ctx: &ParseContext) -> Result<Pbkdf2Value, HashError> {
    let [alg, iter, salt, hash] = split_exact(
        format,
        s,
        ':',
        "<sha1|sha256|sha512>:<iterations>:<base64 salt>:<base64 hash>",
    )?;
    let Some(prf) = Prf::from_name(alg) else {
        return Err(HashError::malformed(
            format,
            "algorithm",
            format_args!(
                "must be sha1, sha256 or sha512, found {:?}",
                truncate(alg, 24)
            ),
        ));
    };
    let iterations = iterations(format, "iterations", iter)?;
    let salt = std_b64(format, "salt", salt)?;
    let dk = std_b64(format, "hash", hash)?;
    Pbkdf2Value::new(format, ctx, prf, iterations, salt, dk)
}

fn render_colon(v: &Pbkdf2Value) -> String {
    format!(
        "{}:{}:{}:{}",
        v.prf.name(),
        v.iterations,
        encoding::std_encode(&v.salt),
        encoding::std_encode(&v.dk)
    )
}
