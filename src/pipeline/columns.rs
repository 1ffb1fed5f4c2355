//! Which column holds what: detected from common names (case-insensitive), set by a
//! source preset, or overridden with `--map FIELD=COLUMN`.

use std::borrow::Cow;
use std::collections::HashMap;

use super::read::FieldsRef;

/// The user fields hashport reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Email,
    Username,
    FirstName,
    LastName,
    Password,
    Salt,
    Hint,
    Plaintext,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Id,
        Field::Email,
        Field::Username,
        Field::FirstName,
        Field::LastName,
        Field::Password,
        Field::Salt,
        Field::Hint,
        Field::Plaintext,
    ];

    pub fn parse(name: &str) -> Option<Field> {
        debug_assert!(Field::ALL.iter().enumerate().all(|(i, f)| *f as usize == i));
        Some(match name {
            "id" | "external_id" => Field::Id,
            "email" | "email_address" => Field::Email,
            "username" => Field::Username,
            "first_name" => Field::FirstName,
            "last_name" => Field::LastName,
            "password" | "password_hash" | "password_digest" | "hash" => Field::Password,
            "salt" => Field::Salt,
            "format" | "hint" | "password_hasher" => Field::Hint,
            "plaintext" => Field::Plaintext,
            _ => return None,
        })
    }

    /// Column names recognised without `--map`, most specific first.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Id => &[
                "external_id",
                "user_id",
                "userid",
                "localid",
                "uid",
                "id",
                "_id.$oid",
                "_id",
            ],
            Field::Email => &[
                "email_address",
                "primary_email_address",
                "email",
                "emailaddress",
                "mail",
                "user_email",
            ],
            Field::Username => &["username", "user_name", "login", "user_login"],
            Field::FirstName => &["first_name", "firstname", "given_name", "givenname"],
            Field::LastName => &[
                "last_name",
                "lastname",
                "family_name",
                "familyname",
                "surname",
            ],
            Field::Password => &[
                "password_digest",
                "password_hash",
                "passwordhash",
                "encrypted_password",
                "password",
                "user_pass",
                "userpassword",
                "hash",
            ],
            Field::Salt => &["salt", "passwordsalt", "password_salt"],
            Field::Hint => &["password_hasher", "hasher", "format", "hash_format"],
            // Plaintext is never detected: only --plaintext-column names it.
            Field::Plaintext => &[],
        }
    }
}

/// A source system preset (`--from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    Auto,
    Csv,
    Jsonl,
    Json,
    Firebase,
    Auth0,
    Clerk,
    Django,
    Supabase,
}

/// A CSV header's columns per field, resolved on first use (the same for every record
/// of the file).
#[derive(Debug, Default)]
pub struct Resolved {
    /// Each field's column, indexed by `Field as usize`.
    columns: [Option<usize>; 9],
    /// The fields that have a column, with it, in `Field::ALL` order: all a record's
    /// values are read from.
    mapped: Vec<(Field, usize)>,
}

/// Resolved column names per field, applied to every record.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    explicit: HashMap<Field, String>,
    preset: Option<Preset>,
}

impl ColumnMap {
    pub fn new(preset: Preset, overrides: &[(Field, String)]) -> Self {
        ColumnMap {
            explicit: overrides.iter().cloned().collect(),
            preset: Some(preset),
        }
    }

    /// The column name used for `field` among `names`, if any.
    pub fn column_for<'a>(
        &self,
        field: Field,
        names: impl Iterator<Item = &'a str> + Clone,
    ) -> Option<String> {
        if let Some(c) = self.explicit.get(&field) {
            return Some(c.clone());
        }
        for alias in field.aliases() {
            if let Some(n) = names.clone().find(|n| n.eq_ignore_ascii_case(alias)) {
                return Some(n.to_string());
            }
            // Dotted JSON paths (Auth0's `_id.$oid`) are looked up as given.
            if alias.contains('.') {
                let top = alias.split('.').next().unwrap_or(alias);
                if names.clone().any(|n| n == top) {
                    return Some(alias.to_string());
                }
            }
        }
        None
    }

    /// Every field of a record at once (indexed by `Field as usize`), trimmed; a value
    /// of only whitespace is no value.
    pub fn all<'a>(&self, fields: &FieldsRef<'a>) -> [Option<Cow<'a, str>>; 9] {
        if let Some(values) = self.csv_values(fields) {
            return values.map(|v| (!v.is_empty()).then_some(Cow::Borrowed(v)));
        }
        let trim = |v: Cow<'a, str>| match v {
            Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
            Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
            Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
        };
        Field::ALL.map(|f| self.get(fields, f).map(trim).filter(|v| !v.is_empty()))
    }

    /// [`ColumnMap::all`] of a CSV record, borrowed from it: each field trimmed, `""`
    /// where it has no value. Only the mapped columns are read (their positions are
    /// resolved once per header). `None` when the record needs [`ColumnMap::all`]:
    /// JSON, or Auth0's ids (which may be rewritten).
    #[inline(always)]
    pub fn csv_values<'a>(&self, fields: &FieldsRef<'a>) -> Option<[&'a str; 9]> {
        let FieldsRef::Csv {
            header,
            text,
            ends,
            sep,
        } = *fields
        else {
            return None;
        };
        if self.preset == Some(Preset::Auth0) {
            return None;
        }
        let mut values = [""; 9];
        for &(field, col) in &self.resolve(header).mapped {
            // A column past the record's fields, or not on character boundaries, has
            // no value (as in `FieldsRef::column`).
            let Some(&end) = ends.get(col) else { continue };
            let start = match col {
                0 => 0,
                _ => ends[col - 1] + sep,
            };
            values[field as usize] = trim_space(text.get(start..end).unwrap_or(""));
        }
        Some(values)
    }

    /// Each field's column index in a CSV header, computed once per header.
    fn resolve<'h>(&self, header: &'h super::read::CsvHeader) -> &'h Resolved {
        header.resolved.get_or_init(|| {
            let mut r = Resolved::default();
            for f in Field::ALL {
                let col = self
                    .column_for(f, header.names.iter().map(String::as_str))
                    .and_then(|col| header.names.iter().position(|n| *n == col));
                r.columns[f as usize] = col;
                r.mapped.extend(col.map(|c| (f, c)));
            }
            r
        })
    }

    /// Pull one field out of a record. CSV columns are resolved once per header.
    pub fn get<'a>(&self, fields: &FieldsRef<'a>, field: Field) -> Option<Cow<'a, str>> {
        let v: Cow<'a, str> = match *fields {
            FieldsRef::Csv { header, .. } => {
                let resolved = self.resolve(header);
                // ALL lists the variants in declaration order.
                Cow::Borrowed(fields.column(resolved.columns[field as usize]?)?)
            }
            FieldsRef::Json(map) => {
                let col = self.column_for(field, map.keys().map(String::as_str))?;
                match map.get(&col) {
                    Some(serde_json::Value::String(s)) => Cow::Borrowed(s.as_str()),
                    _ => Cow::Owned(fields.get(&col)?),
                }
            }
        };
        if v.is_empty() {
            return None;
        }
        if field == Field::Id && self.preset == Some(Preset::Auth0) && !v.starts_with("auth0|") {
            // Auth0's support export stores the bare id; its user_id is auth0|<id>.
            let alt = fields.get("alt_id");
            return Some(Cow::Owned(format!(
                "auth0|{}",
                alt.as_deref().unwrap_or(&v)
            )));
        }
        Some(v)
    }
}

/// `s.trim()`, with the ASCII edges of nearly every cell handled inline, without
/// decoding characters; falls back to `str::trim` where a non-ASCII character meets a
/// trimmed edge (it may be Unicode white space).
#[inline(always)]
pub(crate) fn trim_space(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        // The common cell: nothing to trim.
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => s,
        (None, _) | (_, None) => s,
        _ => trim_edges(s),
    }
}

/// The rest of [`trim_space`], out of line.
#[inline(never)]
fn trim_edges(s: &str) -> &str {
    let b = s.as_bytes();
    let space = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
    let start = b.iter().position(|&c| !space(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !space(c)).map_or(start, |i| i + 1);
    if start < end && (b[start] >= 0x80 || b[end - 1] >= 0x80) {
        return s.trim();
    }
    // Both edges are ASCII, or nothing is left: char boundaries.
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn trim_space_is_str_trim(
            s in "[ \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{3000}a-zé\u{1c}]{0,12}",
            t in proptest::prelude::any::<String>(),
        ) {
            proptest::prop_assert_eq!(trim_space(&s), s.trim());
            proptest::prop_assert_eq!(trim_space(&t), t.trim());
        }
    }
    use crate::pipeline::read::{CsvHeader, Fields};
    use std::sync::Arc;

    fn csv(header: &[&str], values: &[&str]) -> Fields {
        let mut ends = Vec::new();
        let mut text = String::new();
        for v in values {
            text.push_str(v);
            ends.push(text.len());
        }
        Fields::Csv {
            header: Arc::new(CsvHeader {
                names: header.iter().map(|s| s.to_string()).collect(),
                resolved: Default::default(),
            }),
            text,
            ends,
            sep: 0,
        }
    }

    /// A header name: an alias in any case (or with a space around it), or another.
    fn column_name() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let aliases: Vec<&str> = Field::ALL
            .iter()
            .flat_map(|f| f.aliases())
            .copied()
            .collect();
        prop_oneof![
            (proptest::sample::select(aliases), any::<u8>()).prop_map(|(a, case)| match case % 4 {
                0 => a.to_uppercase(),
                1 => format!(" {a}"),
                _ => a.to_string(),
            }),
            proptest::sample::select(vec!["", "other", "salt2", "pw", "_id", "e-mail", "é"])
                .prop_map(str::to_string),
        ]
    }

    /// A cell: text, padding of ASCII and Unicode white space, separators, multibyte.
    fn cell() -> impl proptest::strategy::Strategy<Value = String> {
        "[ \t\u{a0}\u{3000}a-z0-9@.,é$]{0,8}"
    }

    proptest::proptest! {
        /// `csv_values` (resolved once per header, only the mapped columns) gives what
        /// `all` gives field by field: each field's column found by name, its value
        /// trimmed, none when empty. Records of either layout (`sep` 0 or 1), some with
        /// missing or broken field ends.
        #[test]
        fn csv_values_are_all_by_field(
            header in proptest::collection::vec(column_name(), 0..10),
            cells in proptest::collection::vec(cell(), 10),
            overrides in proptest::collection::vec(
                (0..9usize, proptest::prelude::any::<bool>(), 0..10usize, column_name()),
                0..3,
            ),
            preset in proptest::sample::select(vec![
                Preset::Auto, Preset::Csv, Preset::Clerk, Preset::Django, Preset::Firebase,
                Preset::Supabase, Preset::Auth0,
            ]),
            sep in 0..2usize,
            (truncate, bend, bend_to) in (0..12usize, 0..12usize, 0..120usize),
        ) {
            let overrides: Vec<(Field, String)> = overrides
                .into_iter()
                .map(|(f, pick, i, name)| {
                    let name = match pick {
                        true if !header.is_empty() => header[i % header.len()].clone(),
                        _ => name,
                    };
                    (Field::ALL[f], name)
                })
                .collect();
            let m = ColumnMap::new(preset, &overrides);
            let (text, mut ends) =
                crate::pipeline::read::joined_cells(&cells[..cells.len().min(header.len())], sep);
            ends.truncate(truncate);
            if let Some(e) = ends.get_mut(bend) {
                *e = bend_to;
            }
            let names: Vec<String> = header.clone();
            let f = Fields::Csv {
                header: Arc::new(CsvHeader { names: header, resolved: Default::default() }),
                text,
                ends,
                sep,
            };
            let view = f.view();
            // Straightforward: by name, without the header's cache.
            let expected: [Option<String>; 9] = Field::ALL.map(|field| {
                let col = m.column_for(field, names.iter().map(String::as_str))?;
                let i = names.iter().position(|n| *n == col)?;
                let v = view.column(i)?.trim();
                (!v.is_empty()).then(|| v.to_string())
            });
            let all = m.all(&view).map(|v| v.map(Cow::into_owned));
            match m.csv_values(&view) {
                Some(values) => {
                    proptest::prop_assert!(preset != Preset::Auth0);
                    let values = values.map(|v| (!v.is_empty()).then(|| v.to_string()));
                    proptest::prop_assert_eq!(&values, &expected);
                    proptest::prop_assert_eq!(&all, &expected);
                }
                None => {
                    proptest::prop_assert_eq!(preset, Preset::Auth0);
                    // Auth0 rewrites ids; the rest is as for every CSV.
                    proptest::prop_assert_eq!(&all[1..], &expected[1..]);
                }
            }
        }
    }

    #[test]
    fn detects_common_names() {
        let m = ColumnMap::new(Preset::Auto, &[]);
        let f = csv(
            &["localId", "Email", "passwordHash", "salt"],
            &["u1", "a@x", "h", "s"],
        );
        assert_eq!(m.get(&f.view(), Field::Id).as_deref(), Some("u1"));
        assert_eq!(m.get(&f.view(), Field::Email).as_deref(), Some("a@x"));
        assert_eq!(m.get(&f.view(), Field::Password).as_deref(), Some("h"));
        assert_eq!(m.get(&f.view(), Field::Salt).as_deref(), Some("s"));
        assert_eq!(m.get(&f.view(), Field::Plaintext), None);
    }

    #[test]
    fn override_wins() {
        let m = ColumnMap::new(Preset::Auto, &[(Field::Password, "pw2".into())]);
        let f = csv(&["password", "pw2"], &["a", "b"]);
        assert_eq!(m.get(&f.view(), Field::Password).as_deref(), Some("b"));
    }

    #[test]
    fn auth0_ids() {
        let m = ColumnMap::new(Preset::Auth0, &[]);
        let obj: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"_id":{"$oid":"5dea"},"email":"a@x","passwordHash":"h"}"#)
                .unwrap();
        let f = Fields::Json(obj);
        assert_eq!(m.get(&f.view(), Field::Id).as_deref(), Some("auth0|5dea"));
    }
}
