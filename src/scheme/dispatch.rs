//! Lookups over the registry, built once: which schemes could claim a string (from its
//! first two bytes and the schemes' [`Lead`]s), and schemes by format id and by Clerk
//! hasher name. `identify` runs once per record of a migration, and asking all the
//! schemes there cost more than parsing the hash.
//!
//! Asking only the candidates, in registry order, gives exactly the answer of asking
//! every scheme: one that cannot claim a string leaves `identify`'s result unchanged.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{registry, Lead, Scheme};

/// A set of registry indexes, one bit each.
pub(super) type Mask = u128;

/// Schemes that could claim a string, by the string's first two bytes.
pub(super) struct Dispatch {
    /// Asked for the empty string: the schemes without leads.
    empty: Mask,
    /// By first byte: schemes without leads, first-byte tests, one-byte prefixes.
    first: [Mask; 256],
    /// By first byte, the row of `rows` holding prefixes of two bytes or more by second
    /// byte. Row 0 is all empty, for first bytes no longer prefix starts with.
    row: [u8; 256],
    rows: Vec<[Mask; 256]>,
}

impl Dispatch {
    fn build(schemes: &[&'static dyn Scheme]) -> Dispatch {
        assert!(
            schemes.len() <= Mask::BITS as usize,
            "the dispatch mask holds {} schemes; widen it",
            Mask::BITS
        );
        let mut d = Dispatch {
            empty: 0,
            first: [0; 256],
            row: [0; 256],
            rows: vec![[0; 256]],
        };
        for (i, scheme) in schemes.iter().enumerate() {
            // Never claimed without a hint, so never asked.
            if scheme.hint_only() {
                continue;
            }
            let bit: Mask = 1 << i;
            let Some(leads) = scheme.leads() else {
                d.empty |= bit;
                d.first.iter_mut().for_each(|m| *m |= bit);
                continue;
            };
            for lead in leads {
                let (prefix, any_case) = match lead {
                    Lead::FirstByte(test) => {
                        for b in 0..=255u8 {
                            if test(b) {
                                d.first[usize::from(b)] |= bit;
                            }
                        }
                        continue;
                    }
                    Lead::Prefix(p) => (p, false),
                    Lead::PrefixAnyCase(p) => (p, true),
                };
                let cases = |b: u8| {
                    if any_case {
                        [b.to_ascii_lowercase(), b.to_ascii_uppercase()]
                    } else {
                        [b, b]
                    }
                };
                match *prefix.as_bytes() {
                    [] => {
                        d.empty |= bit;
                        d.first.iter_mut().for_each(|m| *m |= bit);
                    }
                    [b0] => cases(b0)
                        .iter()
                        .for_each(|&c| d.first[usize::from(c)] |= bit),
                    [b0, b1, ..] => {
                        for c0 in cases(b0) {
                            let r = d.row_for(c0);
                            for c1 in cases(b1) {
                                d.rows[r][usize::from(c1)] |= bit;
                            }
                        }
                    }
                }
            }
        }
        d
    }

    /// The row for first byte `b`, made on first use.
    fn row_for(&mut self, b: u8) -> usize {
        let b = usize::from(b);
        if self.row[b] == 0 {
            self.rows.push([0; 256]);
            self.row[b] = u8::try_from(self.rows.len() - 1).expect("at most 255 rows");
        }
        usize::from(self.row[b])
    }

    /// The schemes that could claim `s`: a superset of those that do.
    pub(super) fn candidates(&self, s: &str) -> Mask {
        match *s.as_bytes() {
            [] => self.empty,
            [b0] => self.first[usize::from(b0)],
            [b0, b1, ..] => {
                self.first[usize::from(b0)]
                    | self.rows[usize::from(self.row[usize::from(b0)])][usize::from(b1)]
            }
        }
    }
}

pub(super) fn dispatch() -> &'static Dispatch {
    static DISPATCH: OnceLock<Dispatch> = OnceLock::new();
    DISPATCH.get_or_init(|| Dispatch::build(registry()))
}

/// Format id and Clerk hasher name to scheme; the first registered wins, as a linear
/// search would.
struct Names {
    ids: HashMap<&'static str, &'static dyn Scheme>,
    clerk: HashMap<&'static str, &'static dyn Scheme>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Names {
            ids: HashMap::new(),
            clerk: HashMap::new(),
        };
        for &scheme in registry() {
            names.ids.entry(scheme.id()).or_insert(scheme);
            if let Some(hasher) = scheme.clerk_parses() {
                names.clerk.entry(hasher).or_insert(scheme);
            }
        }
        names
    })
}

pub(super) fn by_id(id: &str) -> Option<&'static dyn Scheme> {
    names().ids.get(id).copied()
}

pub(super) fn by_clerk_hasher(hasher: &str) -> Option<&'static dyn Scheme> {
    names().clerk.get(hasher).copied()
}

#[cfg(test)]
mod tests {
    use super::super::{identify, identify_every_scheme};
    use super::*;
    use proptest::prelude::*;

    /// Every public vector's hash, every scheme's example and hand-picked edge strings.
    fn corpus() -> Vec<String> {
        let vectors: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../fixtures/vectors.json")).unwrap();
        let mut out: Vec<String> = vectors
            .iter()
            .filter_map(|v| v["hash"].as_str().map(str::to_string))
            .collect();
        out.extend(registry().iter().map(|s| s.example().to_string()));
        let edges = [
            "",
            "$",
            "$$",
            "$2",
            "$2$",
            "$2b",
            "$2b$",
            "$2b$10$short",
            "$2{$05$CCCC",
            "not-a-hash",
            "*",
            "*0",
            "*1",
            "*LK*",
            "*NP*",
            "*AB",
            "**",
            "!",
            "!!",
            "!x",
            "0",
            "x",
            "LK",
            "NP",
            "\0",
            "a\0b",
            "$2b$\0",
            "{",
            "{}",
            "{SSHA}",
            "{ssha}",
            "{sSha}x",
            "{CRYPT}",
            "{crypt}*",
            "{CRYPT}$1$",
            "{CrYpT}CCNf8Sbh3HDfQ",
            "{noop}",
            "{NOOP}x",
            "U$",
            "U$S$",
            "u$S$x",
            "A",
            "AQ",
            "AQAAAA",
            "AAAA==",
            "md5$",
            "md5$$",
            "MD5$$x",
            "sha1$$",
            "plain$$pw",
            "sha256$",
            "sha1:",
            "sha1:1:a:b",
            "SHA1:1:a:b",
            "pbkdf2$",
            "pbkdf2:",
            "pbkdf2_sha256$",
            "scrypt:",
            "scrypt$",
            "crypt$$",
            "argon2$",
            "argon2$argon2id$",
            "$argon2",
            "$argon2qq$v=19$m=256,t=2,p=1$c29tZXNhbHQ$AAAAAAAA",
            "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$AAAA",
            "$y$",
            "$gy$",
            "$7$",
            "$P$",
            "$H$",
            "$S$",
            "$1$",
            "$5$",
            "$6$",
            "$apr1$",
            "$wp$",
            "$bcrypt-sha256$",
            "$pbkdf2",
            "$pbkdf2-sha256$i=1,l=1$a$b",
            "$scrypt$",
            "CCNf8Sbh3HDfQ",
            "CCNf8Sbh3HDf!",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "5F4DCC3B5AA765D61D8327DEB882CF99",
            "5f4dcc3b5aa765d61d8327deb882cf99:salt",
            "a$b$c$d$1$2",
            "+$/$=$a$1$2",
            "é$x",
            "ü",
            "\u{1F600}",
            " $2b$",
            "\t",
            "aa",
            "a:b",
            "a$b",
        ];
        out.extend(edges.iter().map(|s| s.to_string()));
        out
    }

    fn assert_same(s: &str) {
        assert_eq!(
            identify(s, None),
            identify_every_scheme(s),
            "dispatch and full scan differ on {s:?}"
        );
    }

    #[test]
    fn dispatch_matches_asking_every_scheme() {
        let corpus = corpus();
        for s in &corpus {
            assert_same(s);
            // Every truncation: prefixes are where leads are read.
            for (i, _) in s.char_indices() {
                assert_same(&s[..i]);
            }
        }
        // Each string with its first or second byte replaced by every ASCII byte, and
        // every string of one or two ASCII bytes: the bytes the table is keyed on.
        for s in &corpus {
            let b = s.as_bytes();
            for pos in 0..b.len().min(2) {
                for c in 0..128u8 {
                    let mut v = b.to_vec();
                    v[pos] = c;
                    if let Ok(t) = String::from_utf8(v) {
                        assert_same(&t);
                    }
                }
            }
        }
        for c0 in 0..128u8 {
            assert_same(&char::from(c0).to_string());
            for c1 in 0..128u8 {
                assert_same(&format!("{}{}", char::from(c0), char::from(c1)));
            }
        }
    }

    proptest! {
        #[test]
        fn dispatch_matches_on_random_strings(
            head in prop::sample::select(vec![
                "", "$", "$2b$", "{", "{ssha}", "!", "*", "U$", "A", "AQAAAA", "md5$", "sha1:",
                "pbkdf2", "scrypt", "$argon2", "$pbkdf2", "argon2$", "crypt$",
            ]),
            tail in "[$:{}*!=+/.,a-zA-Z0-9\\x00é]{0,90}",
        ) {
            let s = format!("{head}{tail}");
            prop_assert_eq!(identify(&s, None), identify_every_scheme(&s), "{:?}", s);
        }
    }

    #[test]
    fn names_resolve_like_a_linear_search() {
        for &scheme in registry() {
            let first = registry().iter().find(|s| s.id() == scheme.id()).unwrap();
            assert_eq!(by_id(scheme.id()).unwrap().id(), first.id());
            if let Some(h) = scheme.clerk_parses() {
                let first = registry()
                    .iter()
                    .find(|s| s.clerk_parses() == Some(h))
                    .unwrap();
                assert_eq!(by_clerk_hasher(h).unwrap().id(), first.id());
            }
        }
        assert!(by_id("no_such_format").is_none());
    }
}
