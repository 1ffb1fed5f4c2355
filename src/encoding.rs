//! The text encodings password hashes use (formats.md §0.1).
//!
//! Five base64 dialects plus hex. They share characters but not alphabets or
//! bit orders, so every format names the one it uses and never borrows another's
//! decoder: decoding with the wrong one is the commonest silent mismatch.
//!
//! | dialect     | alphabet             | bit order     | padding  |
//! |-------------|----------------------|---------------|----------|
//! | `std`       | `A-Za-z0-9+/`        | RFC 4648      | `=`      |
//! | `std_nopad` | `A-Za-z0-9+/`        | RFC 4648      | none     |
//! | `ab64`      | `A-Za-z0-9./`        | RFC 4648      | none     |
//! | `bcrypt64`  | `./A-Za-z0-9`        | RFC 4648      | none     |
//! | `hash64`    | `./0-9A-Za-z`        | little-endian | none     |

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Why a field did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid character {0:?}")]
    InvalidChar(char),
    #[error("invalid length {0}")]
    InvalidLength(usize),
    #[error("non-zero padding bits")]
    PaddingBits,
    #[error("bad padding")]
    Padding,
}

fn map_b64(e: base64::DecodeError) -> DecodeError {
    match e {
        base64::DecodeError::InvalidByte(_, b) => {
            if b == b'=' {
                DecodeError::Padding
            } else {
                DecodeError::InvalidChar(b as char)
            }
        }
        base64::DecodeError::InvalidLength(n) => DecodeError::InvalidLength(n),
        base64::DecodeError::InvalidLastSymbol(_, _) => DecodeError::PaddingBits,
        base64::DecodeError::InvalidPadding => DecodeError::Padding,
    }
}

const STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);
const STD_NOPAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);
const BCRYPT_STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::BCRYPT,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);
const BCRYPT_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::BCRYPT,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Standard base64 with mandatory, canonical `=` padding (Django, LDAP, Firebase, ASP.NET).
pub fn std_decode(s: &str) -> Result<Vec<u8>, DecodeError> {
    STD.decode(s).map_err(map_b64)
}
pub fn std_encode(b: &[u8]) -> String {
    STD.encode(b)
}

/// Standard alphabet, padding forbidden (PHC strings: argon2, `$scrypt$`, `$pbkdf2-*$i=`).
pub fn std_nopad_decode(s: &str) -> Result<Vec<u8>, DecodeError> {
    STD_NOPAD.decode(s).map_err(map_b64)
}
pub fn std_nopad_encode(b: &[u8]) -> String {
    STD_NOPAD.encode(b)
}

/// passlib's "adapted base64": `.` replaces `+`, no padding (`$pbkdf2-sha256$` MCF).
pub fn ab64_decode(s: &str) -> Result<Vec<u8>, DecodeError> {
    if let Some(c) = s.chars().find(|c| *c == '+' || *c == '=') {
        return Err(DecodeError::InvalidChar(c));
    }
    let translated: String = s.chars().map(|c| if c == '.' { '+' } else { c }).collect();
    std_nopad_decode(&translated)
}
pub fn ab64_encode(b: &[u8]) -> String {
    std_nopad_encode(b).replace('+', ".")
}

/// bcrypt's alphabet. `strict` refuses set padding bits; lenient decoding drops them
/// (the caller then knows the string was non-canonical, formats.md §1.4).
pub fn bcrypt64_decode(s: &str, strict: bool) -> Result<Vec<u8>, DecodeError> {
    let engine = if strict {
        &BCRYPT_STRICT
    } else {
        &BCRYPT_LENIENT
    };
    engine.decode(s).map_err(map_b64)
}
pub fn bcrypt64_encode(b: &[u8]) -> String {
    BCRYPT_STRICT.encode(b)
}

/// The crypt(3) alphabet, in value order.
pub const HASH64_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Value 0..63 of one crypt hash64 character.
pub fn hash64_value(c: u8) -> Option<u32> {
    match c {
        b'.' => Some(0),
        b'/' => Some(1),
        b'0'..=b'9' => Some((c - b'0') as u32 + 2),
        b'A'..=b'Z' => Some((c - b'A') as u32 + 12),
        b'a'..=b'z' => Some((c - b'a') as u32 + 38),
        _ => None,
    }
}

/// True when every byte of `s` is a hash64 character.
pub fn is_hash64(s: &str) -> bool {
    s.bytes().all(|b| hash64_value(b).is_some())
}

/// Encode `v` as `n` hash64 characters, least significant 6 bits first.
pub fn hash64_encode_int(mut v: u64, n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(HASH64_ALPHABET[(v & 0x3f) as usize] as char);
        v >>= 6;
    }
}

/// Decode hash64 characters as a little-endian integer (the inverse of [`hash64_encode_int`]).
pub fn hash64_decode_int(s: &str) -> Result<u64, DecodeError> {
    if s.len() > 10 {
        return Err(DecodeError::InvalidLength(s.len()));
    }
    let mut v = 0u64;
    for (i, b) in s.bytes().enumerate() {
        let d = hash64_value(b).ok_or(DecodeError::InvalidChar(b as char))?;
        v |= (d as u64) << (6 * i);
    }
    Ok(v)
}

/// phpass-style hash64: bytes taken in order, 3 at a time, little-endian into 4 chars
/// (a short tail gives 2 or 3 chars). Used by phpass, Drupal 7 and `$7$` salts.
pub fn hash64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut v = 0u64;
        for (i, b) in chunk.iter().enumerate() {
            v |= (*b as u64) << (8 * i);
        }
        hash64_encode_int(v, chunk.len() + 1, &mut out);
    }
    out
}

/// Inverse of [`hash64_encode`]. Refuses a length of 1 mod 4 and set padding bits.
pub fn hash64_decode(s: &str) -> Result<Vec<u8>, DecodeError> {
    if s.len() % 4 == 1 {
        return Err(DecodeError::InvalidLength(s.len()));
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let chunk = std::str::from_utf8(chunk).map_err(|_| DecodeError::InvalidLength(s.len()))?;
        let v = hash64_decode_int(chunk)?;
        let nbytes = chunk.len() - 1;
        if v >> (8 * nbytes) != 0 {
            return Err(DecodeError::PaddingBits);
        }
        for i in 0..nbytes {
            out.push((v >> (8 * i)) as u8);
        }
    }
    Ok(out)
}

/// Hex, either case. Odd lengths and other characters are refused.
pub fn hex_decode(s: &str) -> Result<Vec<u8>, DecodeError> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(DecodeError::InvalidChar(c));
    }
    hex::decode(s).map_err(|_| DecodeError::InvalidLength(s.len()))
}
pub fn hex_encode(b: &[u8]) -> String {
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn std_round_trip(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(std_decode(&std_encode(&b)).unwrap(), b);
        }
        #[test]
        fn std_nopad_round_trip(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            let s = std_nopad_encode(&b);
            prop_assert!(!s.contains('='));
            prop_assert_eq!(std_nopad_decode(&s).unwrap(), b);
        }
        #[test]
        fn ab64_round_trip(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            let s = ab64_encode(&b);
            prop_assert!(!s.contains('+') && !s.contains('='));
            prop_assert_eq!(ab64_decode(&s).unwrap(), b);
        }
        #[test]
        fn bcrypt64_round_trip(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            let s = bcrypt64_encode(&b);
            prop_assert_eq!(bcrypt64_decode(&s, true).unwrap(), b.clone());
            prop_assert_eq!(bcrypt64_decode(&s, false).unwrap(), b);
        }
        #[test]
        fn hash64_round_trip(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            let s = hash64_encode(&b);
            prop_assert!(is_hash64(&s));
            prop_assert_eq!(hash64_decode(&s).unwrap(), b);
        }
        #[test]
        fn hash64_int_round_trip(v in 0u64..(1 << 60), n in 10usize..=10) {
            let mut s = String::new();
            hash64_encode_int(v, n, &mut s);
            prop_assert_eq!(hash64_decode_int(&s).unwrap(), v);
        }
        #[test]
        fn hex_round_trip(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(hex_decode(&hex_encode(&b)).unwrap(), b.clone());
            prop_assert_eq!(hex_decode(&hex_encode(&b).to_uppercase()).unwrap(), b);
        }
        #[test]
        fn decoders_never_panic(s in "\\PC{0,80}") {
            let _ = std_decode(&s);
            let _ = std_nopad_decode(&s);
            let _ = ab64_decode(&s);
            let _ = bcrypt64_decode(&s, false);
            let _ = hash64_decode(&s);
            let _ = hex_decode(&s);
        }
    }

    #[test]
    fn bcrypt64_is_permuted_std() {
        // formats.md §0.1: translating to the std alphabet then decoding gives the same bytes.
        let salt = "CCCCCCCCCCCCCCCCCCCCC.";
        let bcrypt_alpha = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let std_alpha = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let translated: String = salt
            .bytes()
            .map(|c| std_alpha[bcrypt_alpha.iter().position(|x| *x == c).unwrap()] as char)
            .collect();
        assert_eq!(
            bcrypt64_decode(salt, true).unwrap(),
            std_nopad_decode(&translated).unwrap()
        );
        assert_eq!(bcrypt64_decode(salt, true).unwrap().len(), 16);
    }

    #[test]
    fn padding_rules() {
        assert!(std_decode("YQ").is_err(), "std requires padding");
        assert!(std_nopad_decode("YQ==").is_err(), "PHC forbids padding");
        assert!(
            std_nopad_decode("YR").is_err(),
            "non-canonical trailing bits"
        );
        assert!(bcrypt64_decode("..R", true).is_err());
        assert!(bcrypt64_decode("..R", false).is_ok());
        assert!(
            hash64_decode("abcde").is_err(),
            "1 mod 4 can never be valid"
        );
        assert!(ab64_decode("ab+c").is_err());
    }
}
