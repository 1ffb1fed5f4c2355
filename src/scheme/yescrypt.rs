//! yescrypt `$y$` (formats.md §8), the Linux shadow default. The KDF is RustCrypto's
//! `yescrypt` crate (`yescrypt::yescrypt`); its string front end is not used because its
//! parameter parser ignores trailing characters and is reached only after hashing
//! starts, whereas the caps must see N, r, p and t first. So the parameter field is
//! decoded here, exactly as libxcrypt's `yescrypt_r` does. `$gy$` (GOST R yescrypt) is
//! recognised and refused as unsupported.

use yescrypt::Mode;

use super::util::{ct_eq, params, truncate};
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Reason,
    Scheme,
};
use crate::caps::WorkCaps;
use crate::encoding::{hash64_decode, hash64_encode, hash64_value};

pub struct Yescrypt;

pub static SCHEMES: &[&dyn super::Scheme] = &[&Yescrypt];

const FORMAT: &str = "yescrypt";
/// yescrypt hashes are 32 bytes = 43 crypt-base64 characters.
const DIGEST_CHARS: usize = 43;

/// The flavor values libxcrypt writes for the modes the crate implements: classic
/// scrypt (0), write-once/read-many (1) and the default read-write flavor `j` (47).
fn mode_of(flavor: u32) -> Option<Mode> {
    match flavor {
        0 => Some(Mode::Classic),
        1 => Some(Mode::Worm),
        47 => Some(Mode::Rw),
        _ => None,
    }
}
/// Flavors libxcrypt accepts: classic, worm, or RW plus any of 8 flag bits.
const MAX_FLAVOR: u32 = 2 + 0xff;

/// One variable-width integer of the parameter field (libxcrypt `decode64_uint32`):
/// the first character's range says how many characters follow. Returns the value and
/// the unread input; `None` for a bad character, a short input or a value over 32 bits.
fn decode_uint(s: &[u8], min: u32) -> Option<(u32, &[u8])> {
    let (&first, mut rest) = s.split_first()?;
    let c = hash64_value(first)?;
    let (mut start, mut end, mut chars, mut bits) = (0u32, 47u32, 1u32, 0u32);
    let mut value = min as u64;
    while c > end {
        value += ((end + 1 - start) as u64) << bits;
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    value += ((c - start) as u64) << bits;
    for _ in 1..chars {
        let (&next, tail) = rest.split_first()?;
        bits -= 6;
        value += (hash64_value(next)? as u64) << bits;
        rest = tail;
    }
    u32::try_from(value).ok().map(|v| (v, rest))
}

/// The decoded parameter field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cost {
    flavor: u32,
    n_log2: u32,
    r: u32,
    p: u32,
    t: u32,
    g: u32,
    nrom_log2: Option<u32>,
}

/// `flavor, N_log2, r[, have, p?, t?, g?, NROM_log2?]`, consumed exactly.
fn decode_cost(field: &str) -> Option<Cost> {
    let (flavor, rest) = decode_uint(field.as_bytes(), 0)?;
    let (n_log2, rest) = decode_uint(rest, 1)?;
    let (r, mut rest) = decode_uint(rest, 1)?;
    let mut cost = Cost {
        flavor,
        n_log2,
        r,
        p: 1,
        t: 0,
        g: 0,
        nrom_log2: None,
    };
    if !rest.is_empty() {
        let (have, tail) = decode_uint(rest, 1)?;
        rest = tail;
        // Bits: 1 = p, 2 = t, 4 = g, 8 = NROM; libxcrypt writes no others.
        if have & !0xf != 0 {
            return None;
        }
        let mut optional = |bit: u32, min: u32| -> Option<Option<u32>> {
            if have & bit == 0 {
                return Some(None);
            }
            let (v, tail) = decode_uint(rest, min)?;
            rest = tail;
            Some(Some(v))
        };
        cost.p = optional(1, 2)?.unwrap_or(1);
        cost.t = optional(2, 1)?.unwrap_or(0);
        cost.g = optional(4, 1)?.unwrap_or(0);
        cost.nrom_log2 = optional(8, 1)?;
    }
    (rest.is_empty() && n_log2 <= 63).then_some(cost)
}

/// Memory 128·N·r bytes and work N·r·(t+1), times p outside RW mode (where the p
/// threads split N instead of each using all of it).
fn check_caps(caps: &WorkCaps, cost: &Cost, mode: Mode) -> Result<(), HashError> {
    let n_r = (1u128 << cost.n_log2) * cost.r as u128;
    let clamp = |v: u128| v.min(u64::MAX as u128) as u64;
    WorkCaps::check(
        FORMAT,
        "N*r (memory 128*N*r bytes)",
        clamp(128 * n_r),
        caps.scrypt_memory_bytes,
    )?;
    let threads = if mode == Mode::Rw { 1 } else { cost.p as u128 };
    WorkCaps::check(
        FORMAT,
        "N*r*(t+1)",
        clamp(
            n_r.saturating_mul(cost.t as u128 + 1)
                .saturating_mul(threads),
        ),
        caps.generic_iterations,
    )
}

#[derive(Debug)]
struct YescryptHash {
    /// The parameter field as written; it was decoded exactly, so it is canonical.
    cost_text: String,
    cost: Cost,
    params: yescrypt::Params,
    salt: Vec<u8>,
    digest: Vec<u8>,
}

impl ParsedHash for YescryptHash {
    fn format(&self) -> &'static str {
        FORMAT
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mode = match mode_of(self.cost.flavor) {
            Some(Mode::Classic) => "classic",
            Some(Mode::Worm) => "worm",
            _ => "rw",
        };
        params([
            ("mode", mode.into()),
            ("ln", self.cost.n_log2.into()),
            ("r", self.cost.r.into()),
            ("p", self.cost.p.into()),
            ("t", self.cost.t.into()),
            ("salt_len", self.salt.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let mut out = [0u8; 32];
        yescrypt::yescrypt(password, &self.salt, &self.params, &mut out).is_ok()
            && ct_eq(&out, &self.digest)
    }
    fn canonical(&self) -> String {
        format!(
            "$y${}${}${}",
            self.cost_text,
            hash64_encode(&self.salt),
            hash64_encode(&self.digest)
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new("Clerk has no yescrypt hasher"))
    }
}

impl Scheme for Yescrypt {
    fn id(&self) -> &'static str {
        FORMAT
    }
    fn family(&self) -> Family {
        Family::Yescrypt
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["$y$", "$gy$"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        (s.starts_with("$y$") || s.starts_with("$gy$")).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        if s.starts_with("$gy$") {
            return Err(HashError::new(
                Reason::UnsupportedVariant,
                "yescrypt: $gy$ (gost-yescrypt, GOST R 34.11-2012 around yescrypt) has no maintained Rust implementation; verify it with libxcrypt or reset the password",
            ));
        }
        let fields: Vec<&str> = s
            .strip_prefix("$y$")
            .map(|r| r.split('$').collect())
            .unwrap_or_default();
        let [cost_text, salt, digest] = fields[..] else {
            return Err(HashError::malformed(
                FORMAT,
                "layout",
                "must be $y$<params>$<salt>$<43-char hash>",
            ));
        };
        let cost = decode_cost(cost_text).ok_or_else(|| {
            HashError::malformed(
                FORMAT,
                "params",
                format_args!(
                    "{:?} is not a yescrypt parameter encoding",
                    truncate(cost_text, 16)
                ),
            )
        })?;
        let unsupported = |why: String| {
            Err(HashError::new(
                Reason::UnsupportedVariant,
                format!("yescrypt: {why}, which the yescrypt crate does not implement"),
            ))
        };
        let mode = match mode_of(cost.flavor) {
            Some(mode) => mode,
            None if cost.flavor <= MAX_FLAVOR => {
                return unsupported(format!("flavor {} is not the default (j)", cost.flavor))
            }
            None => {
                return Err(HashError::malformed(
                    FORMAT,
                    "params",
                    format_args!("flavor {} is not a yescrypt flavor", cost.flavor),
                ))
            }
        };
        if cost.g != 0 {
            return unsupported(format!("the hash was upgraded in place (g={})", cost.g));
        }
        if cost.nrom_log2.is_some() {
            return unsupported("the hash needs a ROM (NROM)".into());
        }
        // yescrypt's own limits (yescrypt_kdf_body): r*p < 2^30, 128*N*r addressable.
        let n_r = (1u128 << cost.n_log2) * cost.r as u128;
        if (cost.r as u64 * cost.p as u64) >= 1 << 30 || 128 * n_r > u64::MAX as u128 {
            return Err(HashError::malformed(
                FORMAT,
                "params",
                "N, r, p are outside yescrypt's range (r*p < 2^30, 128*N*r < 2^64)",
            ));
        }
        if digest.len() != DIGEST_CHARS {
            return Err(HashError::malformed(
                FORMAT,
                "hash",
                format_args!("must be {DIGEST_CHARS} characters, found {}", digest.len()),
            ));
        }
        let digest = hash64_decode(digest).map_err(|e| {
            HashError::malformed(FORMAT, "hash", format_args!("is not crypt base64: {e}"))
        })?;
        let salt = hash64_decode(salt).map_err(|e| {
            HashError::malformed(FORMAT, "salt", format_args!("is not crypt base64: {e}"))
        })?;
        check_caps(&ctx.caps, &cost, mode)?;
        let params = yescrypt::Params::new_with_all_params(
            mode,
            1u64 << cost.n_log2,
            cost.r,
            cost.p,
            cost.t,
            0,
        )
        .map_err(|e| HashError::malformed(FORMAT, "params", e))?;
        Ok(Box::new(YescryptHash {
            cost_text: cost_text.to_string(),
            cost,
            params,
            salt,
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "$y$j75$LdJMENpBABJJ3hIHjB1Bi.$LOFz5qVpaHYHlkfy7RM1hH9gRBSqy5mk4KRmFVRFKM4"
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

    // yescrypt-006 in fixtures/vectors.json (libxcrypt test/ka-table.inc).
    const J75: &str = "$y$j75$LdJMENpBABJJ3hIHjB1Bi.$LOFz5qVpaHYHlkfy7RM1hH9gRBSqy5mk4KRmFVRFKM4";

    #[test]
    fn parameter_decoding() {
        // libxcrypt's default `j9T`: flavor 47 (rw), N = 2^12, r = 32.
        let cost = decode_cost("j9T").unwrap();
        assert_eq!((cost.flavor, cost.n_log2, cost.r, cost.p), (47, 12, 32, 1));
        let h = parse(J75, None, &ctx()).unwrap();
        assert_eq!(h.hash.params()["mode"], "rw");
        assert_eq!(h.hash.canonical(), J75);
        assert!(decode_cost("j75!").is_none(), "trailing junk");
        assert!(decode_cost("j7").is_none(), "r missing");
        assert!(decode_cost("j75z").is_none(), "multi-char value cut short");
    }

    #[test]
    fn huge_n_is_capped_before_hashing() {
        // N_log2 = 30 ('R' is value 29 + min 1), r = 8.
        let hostile = J75.replacen("$j75$", "$jR5$", 1);
        let start = Instant::now();
        let err = parse(&hostile, None, &ctx()).unwrap_err();
        assert!(start.elapsed() < Duration::from_millis(50));
        assert_eq!(err.reason, Reason::WorkCapExceeded);
        assert!(err.message.contains("N*r"), "{}", err.message);
    }

    #[test]
    fn unsupported_variants() {
        let gost = J75.replacen("$y$", "$gy$", 1);
        let id = identify(&gost, None).unwrap();
        assert_eq!(
            (id.format, id.confidence),
            ("yescrypt", Confidence::Certain)
        );
        assert_eq!(
            parse(&gost, None, &ctx()).unwrap_err().reason,
            Reason::UnsupportedVariant
        );
        // Flavor 2 ('0') is RW without the default flag bits.
        let flavor = J75.replacen("$j75$", "$075$", 1);
        assert_eq!(
            parse(&flavor, None, &ctx()).unwrap_err().reason,
            Reason::UnsupportedVariant
        );
        // have = 8 ('5' is value 7 + 1): an NROM field follows.
        let rom = J75.replacen("$j75$", "$j755.$", 1);
        assert_eq!(
            parse(&rom, None, &ctx()).unwrap_err().reason,
            Reason::UnsupportedVariant
        );
    }

    #[test]
    fn malformed_fields() {
        for s in [
            J75.replacen("$j75$", "$j75!$", 1),
            J75.replacen("Bi.$", "Bi$", 1),
            format!("{J75}A"),
            format!("{J75}$"),
            "$y$j75$$".to_string(),
        ] {
            assert_eq!(
                parse(&s, None, &ctx()).unwrap_err().reason,
                Reason::Malformed,
                "{s}"
            );
        }
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for s in [
            "$y$",
            "$y$$$",
            "$y$zzzzzzzzzzzz$$",
            "$y$j\u{1F600}$a$b",
            "$y$jzzzzzz$.$.",
            "$gy$",
        ] {
            let _ = Yescrypt.parse(s, &ctx());
        }
    }
}
