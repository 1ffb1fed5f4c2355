//! Argon2 PHC strings (formats.md §3.1) and the Django and Spring wrappers around them
//! (§3.2, §2.5). Hashing is RustCrypto's `argon2` crate; this file only parses, caps and
//! renders. The crate computes the lanes of a p > 1 hash one after another, so such a
//! verification costs p times the single-lane time (acceptable within the caps).

use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};

use super::util::{
    canonical_u32, ct_eq, params, parse_decimal, push_decimal, split_ascii, truncate,
};
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Reason,
    Scheme,
};
use crate::encoding::{is_canonical_std_nopad_b64, std_nopad_decode, std_nopad_encode_into};

/// `$argon2i$`, `$argon2d$` or `$argon2id$`.
pub struct Argon2Phc(Variant);
/// Django's `argon2` hasher: `argon2` + the PHC string.
pub struct DjangoArgon2;
/// Spring Security's `Argon2PasswordEncoder` behind `{argon2}`.
pub struct SpringArgon2;

pub static SCHEMES: &[&dyn super::Scheme] = &[
    &Argon2Phc(Variant::I),
    &Argon2Phc(Variant::D),
    &Argon2Phc(Variant::Id),
    &DjangoArgon2,
    &SpringArgon2,
];

/// Every PHC argon2 string starts so; an unknown variant after it is still ours to refuse.
const PHC_PREFIX: &str = "$argon2";
const DJANGO_PREFIX: &str = "argon2";
const SPRING_PREFIX: &str = "{argon2}";
/// The most associated data the `argon2` crate accepts (`Params::MAX_DATA_LEN`).
const MAX_DATA_LEN: usize = argon2::Params::MAX_DATA_LEN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    I,
    D,
    Id,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::I => "argon2i",
            Variant::D => "argon2d",
            Variant::Id => "argon2id",
        }
    }
    fn from_name(s: &str) -> Option<Self> {
        match s {
            "argon2i" => Some(Variant::I),
            "argon2d" => Some(Variant::D),
            "argon2id" => Some(Variant::Id),
            _ => None,
        }
    }
    fn algorithm(self) -> Algorithm {
        match self {
            Variant::I => Algorithm::Argon2i,
            Variant::D => Algorithm::Argon2d,
            Variant::Id => Algorithm::Argon2id,
        }
    }
}

/// Whose decoder a PHC string must satisfy: they differ on the extras and on `v=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// The reference decoder's layout plus the PHC spec's `keyid`/`data`; no `v=` is 16.
    Phc,
    /// argon2-cffi (libargon2): no `keyid`/`data`; no `v=` is 16.
    Django,
    /// Spring's `Argon2EncodingUtils`: exactly `m,t,p`; no `v=` leaves BouncyCastle's
    /// builder default, version 19.
    Spring,
}

/// The `$...` PHC string of the variant `expected` (any variant when `None`).
fn parse_phc(
    format: &'static str,
    s: &str,
    expected: Option<Variant>,
    dialect: Dialect,
    ctx: &ParseContext,
) -> Result<Phc, HashError> {
    let layout = "must be $argon2<i|d|id>[$v=<16|19>]$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>";
    let rest = s
        .strip_prefix('$')
        .ok_or_else(|| HashError::malformed(format, "layout", layout))?;
    // Up to five fields in place; `n_fields` counts them all for the layout error.
    let mut fields = [""; 5];
    let mut n_fields = 0;
    for field in split_ascii(rest, b'$') {
        if let Some(slot) = fields.get_mut(n_fields) {
            *slot = field;
        }
        n_fields += 1;
    }
    let variant = Variant::from_name(fields[0]).ok_or_else(|| {
        HashError::malformed(
            "argon2",
            "variant",
            format_args!(
                "must be argon2i, argon2d or argon2id, found {:?}",
                truncate(fields[0], 12)
            ),
        )
    })?;
    if let Some(want) = expected.filter(|w| *w != variant) {
        return Err(HashError::malformed(
            format,
            "variant",
            format_args!("is {}, not {}", variant.name(), want.name()),
        ));
    }
    let has_version = n_fields > 1 && fields[1].starts_with("v=");
    let expected_fields = if has_version { 5 } else { 4 };
    if n_fields != expected_fields {
        return Err(HashError::malformed(
            format,
            "layout",
            format_args!("{layout} ({} $-separated fields)", n_fields + 1),
        ));
    }
    let version = if has_version {
        match parse_decimal(format, "v", &fields[1][2..])? {
            16 => Version::V0x10,
            19 => Version::V0x13,
            v => {
                return Err(HashError::malformed(
                    format,
                    "v",
                    format_args!("must be 16 or 19, found {v}"),
                ))
            }
        }
    } else if dialect == Dialect::Spring {
        Version::V0x13
    } else {
        // Reference decoder: a string without `v=` predates version 0x13 (formats.md §3.1).
        Version::V0x10
    };
    let Cost {
        m,
        t,
        p,
        keyid,
        data,
    } = parse_cost(format, fields[expected_fields - 3], dialect)?;
    let data = data.unwrap_or_default();
    let salt = decode_b64(format, "salt", fields[expected_fields - 2])?;
    if salt.len() < argon2::MIN_SALT_LEN {
        return Err(HashError::malformed(
            format,
            "salt",
            format_args!(
                "must be at least {} bytes, found {}",
                argon2::MIN_SALT_LEN,
                salt.len()
            ),
        ));
    }
    let digest = decode_b64(format, "hash", fields[expected_fields - 1])?;
    if digest.len() < argon2::Params::MIN_OUTPUT_LEN {
        return Err(HashError::malformed(
            format,
            "hash",
            format_args!(
                "must be at least {} bytes, found {}",
                argon2::Params::MIN_OUTPUT_LEN,
                digest.len()
            ),
        ));
    }
    if data.len() > MAX_DATA_LEN {
        return Err(HashError::new(
            Reason::NotVerifiable,
            format!("{format}: data (associated data) of {} bytes: the argon2 crate accepts at most {MAX_DATA_LEN}", data.len()),
        ));
    }
    ctx.caps.check_argon2(format, m, t, p)?;
    let params = ParamsBuilder::new()
        .m_cost(m)
        .t_cost(t)
        .p_cost(p)
        .output_len(digest.len())
        .data(AssociatedData::new(&data).map_err(|e| HashError::malformed(format, "data", e))?)
        .build()
        .map_err(|e| HashError::malformed(format, "parameters", e))?;
    Ok(Phc {
        variant,
        version,
        params,
        keyid,
        salt,
        digest,
    })
}

/// The Clerk hasher of `s` when it is a canonical `$argon2id$` or `$argon2i$` string of
/// version 19 that [`parse_phc`] accepts within the caps with only m, t and p: then it is
/// its own canonical string and Clerk digest. Checked without decoding, for
/// `scheme::verbatim` (the migrate hot path); `None` says nothing about `s`.
pub(super) fn verbatim_hasher(s: &str, ctx: &ParseContext) -> Option<&'static str> {
    let (hasher, rest) = if let Some(rest) = s.strip_prefix("$argon2id$v=19$m=") {
        ("argon2id", rest)
    } else {
        ("argon2i", s.strip_prefix("$argon2i$v=19$m=")?)
    };
    // A decimal u32 without leading zeros, then `end`.
    let number = |text: &str, end: u8| -> Option<(u32, usize)> {
        let b = text.as_bytes();
        let len = b.iter().position(|&c| c == end)?;
        Some((canonical_u32(&b[..len])?, len + 1))
    };
    let (m, used) = number(rest, b',')?;
    let rest = rest[used..].strip_prefix("t=")?;
    let (t, used) = number(rest, b',')?;
    let rest = rest[used..].strip_prefix("p=")?;
    let (p, used) = number(rest, b'$')?;
    let rest = &rest[used..];
    let dollar = memchr::memchr(b'$', rest.as_bytes())?;
    let (salt, hash) = (&rest[..dollar], &rest[dollar + 1..]);
    let valid = (argon2::Params::MIN_P_COST..=argon2::Params::MAX_P_COST).contains(&p)
        && u64::from(m) >= 8 * u64::from(p)
        && t >= argon2::Params::MIN_T_COST
        && ctx.caps.check_argon2(hasher, m, t, p).is_ok()
        // Unpadded base64 (no `=` can pass the alphabet check) of at least 8 salt bytes
        // and 4 hash bytes.
        && salt.len() >= 11
        && hash.len() >= 6
        && is_canonical_std_nopad_b64(salt.as_bytes())
        && is_canonical_std_nopad_b64(hash.as_bytes());
    valid.then_some(hasher)
}

/// The decoded parameter field.
struct Cost {
    m: u32,
    t: u32,
    p: u32,
    keyid: Option<Vec<u8>>,
    data: Option<Vec<u8>>,
}

/// `m=..,t=..,p=..[,keyid=..][,data=..]`, in that order (the reference decoder's order).
fn parse_cost(format: &'static str, field: &str, dialect: Dialect) -> Result<Cost, HashError> {
    let mut items = split_ascii(field, b',');
    let mut next = |name: &str| -> Result<u32, HashError> {
        let value = items
            .next()
            .and_then(|item| item.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| {
                HashError::malformed(
                    format,
                    "parameters",
                    format_args!(
                        "must start m=..,t=..,p=.. in that order ({name} missing or misplaced)"
                    ),
                )
            })?;
        let v = parse_decimal(format, name, value)?;
        u32::try_from(v).map_err(|_| {
            HashError::malformed(
                format,
                name,
                format_args!("must be at most {}, found {v}", u32::MAX),
            )
        })
    };
    let (m, t, p) = (next("m")?, next("t")?, next("p")?);
    if t < argon2::Params::MIN_T_COST {
        return Err(HashError::malformed(format, "t", "must be at least 1"));
    }
    if !(argon2::Params::MIN_P_COST..=argon2::Params::MAX_P_COST).contains(&p) {
        return Err(HashError::malformed(
            format,
            "p",
            format_args!("must be 1..={}, found {p}", argon2::Params::MAX_P_COST),
        ));
    }
    if (m as u64) < 8 * p as u64 {
        return Err(HashError::malformed(
            format,
            "m",
            format_args!("must be at least 8*p = {} KiB, found {m}", 8 * p as u64),
        ));
    }
    let (mut keyid, mut data) = (None, None);
    for item in items {
        let (key, value) = item.split_once('=').unwrap_or((item, ""));
        match key {
            "keyid" | "data" if dialect != Dialect::Phc => {
                return Err(HashError::malformed(
                    format,
                    key,
                    "is not accepted by this system's decoder (only m, t and p)",
                ))
            }
            "keyid" if keyid.is_none() && data.is_none() => {
                keyid = Some(decode_b64(format, key, value)?)
            }
            "data" if data.is_none() => data = Some(decode_b64(format, key, value)?),
            _ => {
                return Err(HashError::malformed(
                    format,
                    "parameters",
                    format_args!(
                        "{:?} is unknown, repeated or misplaced (expected m,t,p[,keyid][,data])",
                        truncate(key, 12)
                    ),
                ))
            }
        }
    }
    Ok(Cost {
        m,
        t,
        p,
        keyid,
        data,
    })
}

/// PHC base64 (standard alphabet, no padding); an empty field is refused.
fn decode_b64(format: &str, field: &str, s: &str) -> Result<Vec<u8>, HashError> {
    if s.is_empty() {
        return Err(HashError::malformed(format, field, "is empty"));
    }
    std_nopad_decode(s).map_err(|e| {
        HashError::malformed(format, field, format_args!("is not unpadded base64: {e}"))
    })
}

/// A validated PHC argon2 hash.
#[derive(Debug)]
struct Phc {
    variant: Variant,
    version: Version,
    /// m, t, p, output length and associated data, already accepted by the crate.
    params: argon2::Params,
    /// Informational key id: carried in the string, never an input to the hash.
    keyid: Option<Vec<u8>>,
    salt: Vec<u8>,
    digest: Vec<u8>,
}

impl Phc {
    fn verify(&self, password: &[u8]) -> bool {
        let argon2 = Argon2::new(self.variant.algorithm(), self.version, self.params.clone());
        let mut out = vec![0u8; self.digest.len()];
        // The only errors left are allocation failure and a password over 4 GiB.
        argon2
            .hash_password_into(password, &self.salt, &mut out)
            .is_ok()
            && ct_eq(&out, &self.digest)
    }

    /// The PHC string with `v=` always written (its absence means different things to
    /// different decoders), optionally without the informational `keyid`.
    fn render(&self, prefix: &str, with_keyid: bool) -> String {
        // Built by hand: this runs once per argon2 record of a migration.
        let b64 = |n: usize| (n * 4).div_ceil(3);
        let keyid = self.keyid.as_deref().filter(|_| with_keyid);
        let data = self.params.data();
        let mut s = String::with_capacity(
            prefix.len()
                + 48
                + keyid.map_or(0, |k| 7 + b64(k.len()))
                + 6
                + b64(data.len())
                + b64(self.salt.len())
                + b64(self.digest.len()),
        );
        s.push_str(prefix);
        s.push('$');
        s.push_str(self.variant.name());
        s.push_str("$v=");
        push_decimal(&mut s, u32::from(self.version).into());
        s.push_str("$m=");
        push_decimal(&mut s, self.params.m_cost().into());
        s.push_str(",t=");
        push_decimal(&mut s, self.params.t_cost().into());
        s.push_str(",p=");
        push_decimal(&mut s, self.params.p_cost().into());
        if let Some(keyid) = keyid {
            s.push_str(",keyid=");
            std_nopad_encode_into(keyid, &mut s);
        }
        if !data.is_empty() {
            s.push_str(",data=");
            std_nopad_encode_into(data, &mut s);
        }
        s.push('$');
        std_nopad_encode_into(&self.salt, &mut s);
        s.push('$');
        std_nopad_encode_into(&self.digest, &mut s);
        s
    }

    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        let password_hasher = match self.variant {
            Variant::I => "argon2i",
            Variant::Id => "argon2id",
            Variant::D => return Err(NotExpressible::new("Clerk has no argon2d hasher")),
        };
        if self.version != Version::V0x13 {
            return Err(NotExpressible::new(
                "Clerk assumes Argon2 version 19; this hash is version 16 and would not verify there",
            ));
        }
        if !self.params.data().is_empty() {
            return Err(NotExpressible::new(
                "Clerk's argon2 hashers take no associated data (data=)",
            ));
        }
        // keyid is not an input to the hash, so dropping it loses nothing.
        Ok(ClerkDigest {
            password_hasher,
            password_digest: self.render("", false),
        })
    }
}

/// A parsed argon2 hash and the wrapper text in front of its PHC string.
#[derive(Debug)]
struct Argon2Hash {
    format: &'static str,
    prefix: &'static str,
    phc: Phc,
}

impl ParsedHash for Argon2Hash {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let p = &self.phc;
        let mut map = params([
            ("variant", p.variant.name().into()),
            ("version", u32::from(p.version).into()),
            ("m", p.params.m_cost().into()),
            ("t", p.params.t_cost().into()),
            ("p", p.params.p_cost().into()),
            ("salt_len", p.salt.len().into()),
            ("digest_len", p.digest.len().into()),
        ]);
        if let Some(keyid) = &p.keyid {
            map.insert("keyid_len".into(), keyid.len().into());
        }
        if !p.params.data().is_empty() {
            map.insert("data_len".into(), p.params.data().len().into());
        }
        map
    }
    fn verify(&self, password: &[u8]) -> bool {
        self.phc.verify(password)
    }
    fn canonical(&self) -> String {
        self.phc.render(self.prefix, true)
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        self.phc.clerk()
    }
}

impl Scheme for Argon2Phc {
    fn id(&self) -> &'static str {
        self.0.name()
    }
    fn family(&self) -> Family {
        Family::Argon2
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        match self.0 {
            Variant::I => Some("argon2i"),
            Variant::Id => Some("argon2id"),
            Variant::D => None,
        }
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[PHC_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        let variant = s
            .strip_prefix('$')
            .and_then(|r| split_ascii(r, b'$').next())
            .filter(|name| name.starts_with(&PHC_PREFIX[1..]))?;
        match Variant::from_name(variant) {
            Some(v) if v == self.0 => Some(Claim::Certain),
            Some(_) => None,
            // `$argon2qq$`: argon2id (the recommended variant) takes it to refuse precisely.
            None if self.0 == Variant::Id => Some(Claim::Certain),
            None => None,
        }
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let phc = parse_phc(self.id(), s, Some(self.0), Dialect::Phc, ctx)?;
        Ok(Box::new(Argon2Hash {
            format: self.id(),
            prefix: "",
            phc,
        }))
    }
    fn example(&self) -> &'static str {
        match self.0 {
            Variant::I => "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
            Variant::D => "$argon2d$v=19$m=65536,t=2,p=1$YzI5dFpYTmhiSFFBQUFBQUFBQUFBQQ$Jxy74cswY2mq9y+u+iJcJy8EqOp4t/C7DWDzGwGB3IM",
            Variant::Id => "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        }
    }
}

/// Parse `prefix` + PHC string for a wrapper format.
fn parse_wrapped(
    format: &'static str,
    prefix: &'static str,
    dialect: Dialect,
    s: &str,
    ctx: &ParseContext,
) -> Result<Box<dyn ParsedHash>, HashError> {
    let inner = s
        .strip_prefix(prefix)
        .filter(|inner| inner.starts_with(PHC_PREFIX))
        .ok_or_else(|| {
            HashError::malformed(
                format,
                "layout",
                format_args!("must be {prefix} followed by a $argon2 PHC string"),
            )
        })?;
    let phc = parse_phc(format, inner, None, dialect, ctx)?;
    Ok(Box::new(Argon2Hash {
        format,
        prefix,
        phc,
    }))
}

impl Scheme for DjangoArgon2 {
    fn id(&self) -> &'static str {
        "django_argon2"
    }
    fn family(&self) -> Family {
        Family::Argon2
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[DJANGO_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.strip_prefix(DJANGO_PREFIX)?
            .starts_with('$')
            .then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        parse_wrapped(self.id(), DJANGO_PREFIX, Dialect::Django, s, ctx)
    }
    fn example(&self) -> &'static str {
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
    }
}

impl Scheme for SpringArgon2 {
    fn id(&self) -> &'static str {
        "spring_argon2"
    }
    fn family(&self) -> Family {
        Family::Argon2
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[SPRING_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(SPRING_PREFIX).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        parse_wrapped(self.id(), SPRING_PREFIX, Dialect::Spring, s, ctx)
    }
    fn example(&self) -> &'static str {
        "{argon2}$argon2id$v=19$m=16384,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
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

    // Known answers from fixtures/vectors.json (argon2i-004, argon2id-003, argon2d-005/007).
    const V16_NO_VERSION: &str =
        "$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY";
    const V19_ID: &str =
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
    const WITH_KEYID_AND_DATA: &str = "$argon2d$v=16$m=32,t=2,p=3,keyid=8PDw8A,data=Dw8PDw8P$AAAAAAAAAAA$KnH4gniiaFnDvlA1xev3yovC4cnrrI6tnHOYtmja90o";

    fn refused_fast(s: &str, ctx: &ParseContext) -> HashError {
        let start = Instant::now();
        let err = parse(s, None, ctx).expect_err("must be refused");
        // Hashing would take seconds; the bound leaves room for a loaded machine.
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "{s}: not refused fast"
        );
        err
    }

    #[test]
    fn memory_over_u32_is_malformed_and_4_gib_is_capped() {
        let over = "$argon2id$v=19$m=4294967296,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        let err = refused_fast(over, &ctx());
        assert_eq!(err.reason, Reason::Malformed);
        assert!(err.message.contains("argon2id: m "), "{}", err.message);

        let four_gib = "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        let err = refused_fast(four_gib, &ctx());
        assert_eq!(err.reason, Reason::WorkCapExceeded);
        assert!(err.message.contains("m=4194304"), "{}", err.message);
    }

    #[test]
    fn time_and_lanes_caps_name_their_parameter() {
        let t = "$argon2id$v=19$m=256,t=4294967295,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        let err = refused_fast(t, &ctx());
        assert_eq!(err.reason, Reason::WorkCapExceeded);
        assert!(err.message.contains("t=4294967295"), "{}", err.message);
        let p = "argon2$argon2id$v=19$m=16384,t=1,p=1024$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        let err = refused_fast(p, &ctx());
        assert_eq!(err.reason, Reason::WorkCapExceeded);
        assert!(
            err.message.starts_with("django_argon2: p=1024"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_version_means_16() {
        let h = parse(V16_NO_VERSION, None, &ctx()).unwrap();
        assert!(h.verify(b"password"));
        assert_eq!(h.hash.params()["version"], 16);
        assert!(h
            .hash
            .canonical()
            .starts_with("$argon2i$v=16$m=256,t=2,p=1$"));
        // The same digest read as version 19 is a different hash.
        let as_v19 = V16_NO_VERSION.replacen("$m=", "$v=19$m=", 1);
        assert!(!parse(&as_v19, None, &ctx()).unwrap().verify(b"password"));
        // Django (argon2-cffi) reads it the same way; Clerk would assume 19.
        let django = parse(&format!("argon2{V16_NO_VERSION}"), None, &ctx()).unwrap();
        assert!(django.verify(b"password"));
        assert!(django
            .hash
            .clerk()
            .unwrap_err()
            .message
            .contains("version 19"));
    }

    #[test]
    fn spring_without_version_means_19() {
        // BouncyCastle's builder defaults to 0x13, so Spring reads the v=19 vector
        // without its `v=` the same as with it.
        let spring = format!("{{argon2}}{}", V19_ID.replacen("$v=19", "", 1));
        let h = parse(&spring, None, &ctx()).unwrap();
        assert_eq!(h.identification.format, "spring_argon2");
        assert!(h.verify(b"password"));
        assert_eq!(h.hash.canonical(), format!("{{argon2}}{V19_ID}"));
        assert_eq!(h.hash.clerk().unwrap().password_digest, V19_ID);
    }

    #[test]
    fn keyid_is_not_hashed_and_data_is() {
        let h = parse(WITH_KEYID_AND_DATA, None, &ctx()).unwrap();
        assert!(h.verify(b"password"));
        let other_keyid = WITH_KEYID_AND_DATA.replacen("keyid=8PDw8A", "keyid=AAAAAAAA", 1);
        assert!(parse(&other_keyid, None, &ctx())
            .unwrap()
            .verify(b"password"));
        let no_data = WITH_KEYID_AND_DATA.replacen(",data=Dw8PDw8P", "", 1);
        assert!(!parse(&no_data, None, &ctx()).unwrap().verify(b"password"));
        assert_eq!(h.hash.canonical(), WITH_KEYID_AND_DATA);
        assert!(h.hash.clerk().is_err(), "argon2d, version 16, data=");
    }

    #[test]
    fn clerk_drops_keyid_only() {
        let with_keyid = V19_ID.replacen(",p=1$", ",p=1,keyid=8PDw8A$", 1);
        let h = parse(&with_keyid, None, &ctx()).unwrap();
        assert_eq!(h.hash.canonical(), with_keyid);
        let clerk = h.hash.clerk().unwrap();
        assert_eq!(clerk.password_hasher, "argon2id");
        assert_eq!(clerk.password_digest, V19_ID);
    }

    #[test]
    fn extras_refused_where_the_source_decoder_refuses_them() {
        let with_keyid = V19_ID.replacen(",p=1$", ",p=1,keyid=8PDw8A$", 1);
        for wrapped in [
            format!("argon2{with_keyid}"),
            format!("{{argon2}}{with_keyid}"),
        ] {
            let err = parse(&wrapped, None, &ctx()).unwrap_err();
            assert_eq!(err.reason, Reason::Malformed);
            assert!(err.message.contains("keyid"), "{}", err.message);
        }
    }

    #[test]
    fn parameter_rules() {
        let cases = [
            (
                "$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$AAAAAAAA",
                "m missing or misplaced",
            ),
            (
                "$argon2id$v=19$m=256,t=2,p=1,data=AAAA,keyid=AAAA$c29tZXNhbHQ$AAAAAAAA",
                "misplaced",
            ),
            (
                "$argon2id$v=19$m=256,t=2,p=1,keyid=AAAA,keyid=AAAA$c29tZXNhbHQ$AAAAAAAA",
                "repeated",
            ),
            (
                "$argon2id$v=019$m=256,t=2,p=1$c29tZXNhbHQ$AAAAAAAA",
                "leading zeros",
            ),
            (
                "$argon2id$v=19$m=+256,t=2,p=1$c29tZXNhbHQ$AAAAAAAA",
                "decimal",
            ),
            ("$argon2id$v=19$m=15,t=2,p=2$c29tZXNhbHQ$AAAAAAAA", "8*p"),
            (
                "$argon2id$v=19$m=256,t=2,p=16777216$c29tZXNhbHQ$AAAAAAAA",
                "p must be",
            ),
            (
                "$argon2id$v=19$m=256,t=2,p=1$c2FsdA$AAAAAAAA",
                "at least 8 bytes",
            ),
            ("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$AAA", "hash"),
            ("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$AAAAAAAA", "salt"),
        ];
        for (s, why) in cases {
            let err = parse(s, None, &ctx()).unwrap_err();
            assert_eq!(err.reason, Reason::Malformed, "{s}");
            assert!(err.message.contains(why), "{s}: {}", err.message);
        }
    }

    #[test]
    fn long_associated_data_is_not_verifiable() {
        let data = crate::encoding::std_nopad_encode(&[7u8; 33]);
        let s = V19_ID.replacen(",p=1$", &format!(",p=1,data={data}$"), 1);
        assert_eq!(
            parse(&s, None, &ctx()).unwrap_err().reason,
            Reason::NotVerifiable
        );
    }

    #[test]
    fn claims() {
        let unknown = identify("$argon2qq$v=19$m=256,t=2,p=1$c29tZXNhbHQ$AAAAAAAA", None).unwrap();
        assert_eq!(unknown.confidence, Confidence::Certain);
        let err = parse(
            "$argon2qq$v=19$m=256,t=2,p=1$c29tZXNhbHQ$AAAAAAAA",
            None,
            &ctx(),
        )
        .unwrap_err();
        assert!(
            err.message.starts_with("argon2: variant"),
            "{}",
            err.message
        );
        assert_eq!(identify(V19_ID, None).unwrap().format, "argon2id");
        assert_eq!(identify(V16_NO_VERSION, None).unwrap().format, "argon2i");
        assert!(Argon2Phc(Variant::I).claim(V19_ID).is_none());
        assert!(Argon2Phc(Variant::Id).claim("$argon").is_none());
        assert!(DjangoArgon2.claim("argon2id$x").is_none());
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let inputs = [
            "$argon2id",
            "$argon2id$",
            "$argon2id$$$$",
            "$argon2id$v=",
            "$argon2id$v=19$m=é,t=1,p=1$$",
            "$argon2id$v=19$m=256,t=1,p=1,keyid=$c29tZXNhbHQ$AAAAAAAA",
            "$argon2id$v=19$m=256,t=1,p=1,=$a$b",
            "argon2$",
            "argon2$argon2id",
            "{argon2}",
            "{argon2}$argon2id$v=19$m=99999999999999999999,t=1,p=1$a$b",
            "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$AAAAAAAA$",
            "$argon2id$v=19$m=256,t=1,p=1$\u{1F600}$AAAA",
        ];
        for s in inputs {
            for scheme in SCHEMES {
                let _ = scheme.parse(s, &ctx());
            }
        }
    }
}
