//! Which column holds what: detected from common names (case-insensitive), set by a
//! source preset, or overridden with `--map FIELD=COLUMN`.

use std::collections::HashMap;

use super::read::Fields;

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

    /// The column name used for `field` in a record with these names, if any.
    pub fn column_for(&self, field: Field, names: &[String]) -> Option<String> {
        if let Some(c) = self.explicit.get(&field) {
            return Some(c.clone());
        }
        for alias in field.aliases() {
            if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(alias)) {
                return Some(n.clone());
            }
            // Dotted JSON paths (Auth0's `_id.$oid`) are looked up as given.
            if alias.contains('.') {
                let top = alias.split('.').next().unwrap_or(alias);
                if names.iter().any(|n| n == top) {
                    return Some(alias.to_string());
                }
            }
        }
        None
    }

    /// Pull one field out of a record.
    pub fn get(&self, fields: &Fields, field: Field, names: &[String]) -> Option<String> {
        let col = self.column_for(field, names)?;
        let v = fields.get(&col)?;
        if field == Field::Id && self.preset == Some(Preset::Auth0) && !v.starts_with("auth0|") {
            // Auth0's support export stores the bare id; its user_id is auth0|<id>.
            let alt = fields.get("alt_id");
            return Some(format!("auth0|{}", alt.unwrap_or(v)));
        }
        Some(v)
    }

    /// Describe the mapping found for a record's names (for the summary).
    pub fn describe(&self, names: &[String]) -> Vec<(Field, Option<String>)> {
        Field::ALL
            .iter()
            .map(|&f| (f, self.column_for(f, names)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn csv(header: &[&str], values: &[&str]) -> (Fields, Vec<String>) {
        let h: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        (
            Fields::Csv {
                header: Arc::new(h.clone()),
                values: values.iter().map(|s| s.to_string()).collect(),
            },
            h,
        )
    }

    #[test]
    fn detects_common_names() {
        let m = ColumnMap::new(Preset::Auto, &[]);
        let (f, names) = csv(
            &["localId", "Email", "passwordHash", "salt"],
            &["u1", "a@x", "h", "s"],
        );
        assert_eq!(m.get(&f, Field::Id, &names).as_deref(), Some("u1"));
        assert_eq!(m.get(&f, Field::Email, &names).as_deref(), Some("a@x"));
        assert_eq!(m.get(&f, Field::Password, &names).as_deref(), Some("h"));
        assert_eq!(m.get(&f, Field::Salt, &names).as_deref(), Some("s"));
        assert_eq!(m.get(&f, Field::Plaintext, &names), None);
    }

    #[test]
    fn override_wins() {
        let m = ColumnMap::new(Preset::Auto, &[(Field::Password, "pw2".into())]);
        let (f, names) = csv(&["password", "pw2"], &["a", "b"]);
        assert_eq!(m.get(&f, Field::Password, &names).as_deref(), Some("b"));
    }

    #[test]
    fn auth0_ids() {
        let m = ColumnMap::new(Preset::Auth0, &[]);
        let obj: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"_id":{"$oid":"5dea"},"email":"a@x","passwordHash":"h"}"#)
                .unwrap();
        let names: Vec<String> = obj.keys().cloned().collect();
        let f = Fields::Json(obj);
        assert_eq!(m.get(&f, Field::Id, &names).as_deref(), Some("auth0|5dea"));
    }
}
