//! "No usable password" markers (formats.md §12, §14 step 1): values found in a
//! password column that are never hashes. They identify with certainty and never verify.

use super::util::params;
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Scheme,
};

/// Django's `set_unusable_password`: `!` followed by up to 40 random characters.
pub struct DjangoDisabled;
/// Empty string, `*`, `*0`, `*1`, `!!`, `0`, `x`, NUL and lock markers from shadow files.
pub struct UnusableMarker;

pub static SCHEMES: &[&dyn super::Scheme] = &[&UnusableMarker, &DjangoDisabled];

fn is_unusable_marker(s: &str) -> bool {
    // Asked about every string identified: a hash starts with none of these bytes, so
    // it costs one NUL scan (no early exit, so it vectorises; cheaper than a memchr
    // call on strings this short).
    let b = s.as_bytes();
    let lead = matches!(
        b.first(),
        None | Some(b'*' | b'!' | b'0' | b'x' | b'L' | b'N')
    );
    (lead
        && (matches!(
            s,
            "" | "*" | "*0" | "*1" | "!!" | "0" | "x" | "*LK*" | "*NP*" | "LK" | "NP"
        ) || (s.starts_with('!') && s.len() > 1 && !is_django_disabled(s))
            || (s.starts_with('*') && !s.starts_with("*0") && s.len() < 3)))
        || b.iter().fold(false, |nul, &c| nul | (c == 0))
}

fn is_django_disabled(s: &str) -> bool {
    // UNUSABLE_PASSWORD_PREFIX '!' + get_random_string(40) (alphanumeric), or bare '!'.
    s.strip_prefix('!').is_some_and(|rest| {
        rest.is_empty() || (rest.len() == 40 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

#[derive(Debug)]
struct Unusable {
    format: &'static str,
}

impl ParsedHash for Unusable {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([])
    }
    fn verify(&self, _password: &[u8]) -> bool {
        false
    }
    fn canonical(&self) -> String {
        // Markers carry no secret worth keeping; the canonical form is "no password"
        // in the format's own layout, so it parses again as the same format: Django's
        // bare "!" (an empty string would re-identify as unusable_marker).
        match self.format {
            "django_disabled" => "!".to_string(),
            _ => String::new(),
        }
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new(
            "no usable password: import the user without one",
        ))
    }
    fn usable(&self) -> bool {
        false
    }
}

impl Scheme for UnusableMarker {
    fn id(&self) -> &'static str {
        "unusable_marker"
    }
    fn family(&self) -> Family {
        Family::Unusable
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        is_unusable_marker(s).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        if !is_unusable_marker(s) {
            return Err(HashError::malformed(
                self.id(),
                "value",
                "is not a known no-password marker",
            ));
        }
        Ok(Box::new(Unusable { format: self.id() }))
    }
    fn example(&self) -> &'static str {
        "*"
    }
}

impl Scheme for DjangoDisabled {
    fn id(&self) -> &'static str {
        "django_disabled"
    }
    fn family(&self) -> Family {
        Family::Unusable
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["!"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        is_django_disabled(s).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        if !is_django_disabled(s) {
            return Err(HashError::malformed(
                self.id(),
                "value",
                "must be '!' optionally followed by 40 letters and digits",
            ));
        }
        Ok(Box::new(Unusable { format: self.id() }))
    }
    fn example(&self) -> &'static str {
        "!Zx8kQ2pL9vT4mN7rZx8kQ2pL9vT4mN7rZx8kQ2pL"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The marker rule as first written, without the fast path.
    fn reference(s: &str) -> bool {
        matches!(
            s,
            "" | "*" | "*0" | "*1" | "!!" | "0" | "x" | "*LK*" | "*NP*" | "LK" | "NP"
        ) || s.contains('\0')
            || (s.starts_with('!') && s.len() > 1 && !is_django_disabled(s))
            || (s.starts_with('*') && !s.starts_with("*0") && s.len() < 3)
    }

    proptest! {
        #[test]
        fn fast_path_keeps_the_rule(s in "[*!0xLKNPa\0é$]{0,6}|[*!a-zA-Z0-9\0]{0,45}") {
            prop_assert_eq!(is_unusable_marker(&s), reference(&s));
        }
    }
    #[test]
    fn markers() {
        for m in [
            "", "*", "*0", "*1", "!", "!!", "0", "x", "\0", "!$6$abc", "*LK*",
        ] {
            let id = crate::scheme::identify(m, None).unwrap();
            assert_eq!(id.family, Family::Unusable, "{m:?}");
        }
        let p = crate::scheme::parse("!", None, &ParseContext::default()).unwrap();
        assert!(!p.verify(b"!"));
        assert!(!p.verify(b""));
        assert_eq!(
            crate::scheme::identify("!abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ", None)
                .unwrap()
                .format,
            "django_disabled"
        );
    }

    /// Found by fuzzing (fuzz/ identify_parse): a 41-byte string whose first character
    /// is multi-byte panicked in `is_django_disabled` (`s[1..]` off a char boundary),
    /// so `identify` panicked on it.
    #[test]
    fn multibyte_first_char_of_41_bytes() {
        let s = format!("\u{70c}{}", "a".repeat(39));
        assert_eq!(s.len(), 41);
        assert!(!is_django_disabled(&s));
        let _ = crate::scheme::identify(&s, None);
        let s = format!("é{}", "a".repeat(39));
        assert_eq!(s.len(), 41);
        assert!(!is_django_disabled(&s));
        let _ = crate::scheme::parse(&s, Some("django_disabled"), &ParseContext::default());
    }

    /// Found by fuzzing (fuzz/ identify_parse): the canonical of a django_disabled
    /// marker was "", which parses only as unusable_marker, so the canonical did not
    /// re-parse under its own format hint.
    #[test]
    fn canonical_reparses_as_same_format() {
        let ctx = ParseContext::default();
        for s in [
            "!",
            "!Zx8kQ2pL9vT4mN7rZx8kQ2pL9vT4mN7rZx8kQ2pL",
            "*",
            "",
            "!!",
        ] {
            let h = crate::scheme::parse(s, None, &ctx).unwrap();
            let format = h.identification.format;
            let c = h.hash.canonical();
            let again = crate::scheme::parse(&c, Some(format), &ctx)
                .unwrap_or_else(|e| panic!("{s:?} -> {c:?}: {e}"));
            assert_eq!(again.identification.format, format);
            assert_eq!(again.hash.canonical(), c);
            assert!(!again.verify(b""));
        }
    }
}
