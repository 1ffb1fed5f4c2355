//! Small helpers every scheme uses.

use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

/// Constant-time equality of two digests. Lengths are public (they come from the
/// stored string), so a length mismatch returns early; contents never do.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Build a params map: `params([("cost", 12.into()), ("salt_len", 16.into())])`.
pub fn params<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Parse a decimal field that must not have a sign, leading zeros (unless it is "0")
/// or anything but digits, naming the field in the error.
pub fn parse_decimal(format: &str, field: &str, s: &str) -> Result<u64, super::HashError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(super::HashError::malformed(
            format,
            field,
            format_args!("must be a decimal number, found {:?}", truncate(s, 24)),
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(super::HashError::malformed(
            format,
            field,
            format_args!("must not have leading zeros, found {:?}", truncate(s, 24)),
        ));
    }
    // All digits from here: accumulate by hand (`str::parse` re-checks every byte).
    s.bytes()
        .try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or_else(|| {
            super::HashError::malformed(
                format,
                field,
                format_args!("is out of range: {}", truncate(s, 24)),
            )
        })
}

/// A positive decimal that [`parse_decimal`] accepts as it is (digits, no leading
/// zero) and that fits `u32`; `None` for anything else, zero included (the
/// `scheme::verbatim` checks' number rule: their numbers are all at least 1, and what
/// they refuse, parsing judges).
pub fn canonical_u32(s: &[u8]) -> Option<u32> {
    match s {
        [b'1'..=b'9', more @ ..] if more.len() < 10 && more.iter().all(u8::is_ascii_digit) => {
            u32::try_from(s.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))).ok()
        }
        _ => None,
    }
}

/// `s.split(sep)` for an ASCII separator, searching bytes with `memchr`: on the fields
/// of a hash string this is several times cheaper than `str::split`'s char searcher.
pub fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    assert!(sep.is_ascii(), "split_ascii takes an ASCII separator");
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(sep, r.as_bytes()) {
            // An ASCII byte is a char boundary on both sides.
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Exactly `N` fields of `s` split at the ASCII `sep`, or `None` for any other count.
pub fn split_n<const N: usize>(s: &str, sep: u8) -> Option<[&str; N]> {
    let mut fields = [""; N];
    let mut found = 0;
    for field in split_ascii(s, sep) {
        *fields.get_mut(found)? = field;
        found += 1;
    }
    (found == N).then_some(fields)
}

/// Append the decimal digits of `n` (renders run once per record of a migration, so
/// without the formatting machinery).
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).expect("digits are ASCII"));
}

/// At most `n` characters of `s`, for error messages (never echo a whole field).
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// Helpers for the schemes' unit tests.
#[cfg(test)]
pub(crate) mod testkit {
    use crate::scheme::{HashError, ParseContext, ParsedHash, Scheme};

    /// Parse with default caps, panicking with the error when it fails.
    pub fn parse_ok(scheme: &dyn Scheme, s: &str) -> Box<dyn ParsedHash> {
        scheme
            .parse(s, &ParseContext::default())
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    /// The error of a parse that must fail.
    pub fn refused(scheme: &dyn Scheme, s: &str) -> HashError {
        match scheme.parse(s, &ParseContext::default()) {
            Ok(h) => panic!("{s:?} parsed as {h:?}"),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ct_eq_basics() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
    #[test]
    fn split_ascii_is_split() {
        for s in [
            "",
            "$",
            "$$",
            "a$b",
            "$a$b$",
            "é$ü$$x",
            "no separator",
            "0123456789abcdef$",
            "0123456789abcdef0$x",
            "0123456789abcde$0123456789abcdef0123456789$$",
            "0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            let ours: Vec<&str> = split_ascii(s, b'$').collect();
            let std: Vec<&str> = s.split('$').collect();
            assert_eq!(ours, std, "{s:?}");
        }
    }
    #[test]
    fn canonical_u32_is_positive_parse_decimal() {
        for s in [
            "1",
            "9",
            "10",
            "4294967295",
            "4294967296",
            "0",
            "01",
            "",
            "1a",
            "+1",
            "99999999999",
        ] {
            let parsed = parse_decimal("f", "n", s)
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n >= 1);
            assert_eq!(canonical_u32(s.as_bytes()), parsed, "{s:?}");
        }
    }

    #[test]
    fn split_n_counts_exactly() {
        assert_eq!(split_n::<3>("a$b$c", b'$'), Some(["a", "b", "c"]));
        assert_eq!(split_n::<3>("a$b", b'$'), None);
        assert_eq!(split_n::<3>("a$b$c$d", b'$'), None);
        assert_eq!(split_n::<1>("", b'$'), Some([""]));
    }
    #[test]
    fn push_decimal_is_display() {
        for n in [0, 7, 10, 390000, u32::MAX as u64, u64::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
    #[test]
    fn decimal_rules() {
        assert_eq!(parse_decimal("f", "i", "1000").unwrap(), 1000);
        assert!(parse_decimal("f", "i", "01000").is_err());
        assert!(parse_decimal("f", "i", "-1").is_err());
        assert!(parse_decimal("f", "i", "").is_err());
        assert!(parse_decimal("f", "i", "99999999999999999999999").is_err());
        assert_eq!(parse_decimal("f", "i", "0").unwrap(), 0);
        assert_eq!(
            parse_decimal("f", "i", "18446744073709551615").unwrap(),
            u64::MAX
        );
        assert_eq!(
            parse_decimal("f", "i", "18446744073709551616")
                .unwrap_err()
                .message,
            "f: i is out of range: 18446744073709551616"
        );
    }
}
