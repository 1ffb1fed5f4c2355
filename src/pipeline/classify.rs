//! Classify one record: accepted (hash identified, validated, rendered for the target,
//! upgrade decided) or rejected with a reason code. Pure and per-record, so it runs in
//! parallel; duplicate detection needs input order and happens in the writer stage.

use std::borrow::Cow;

use serde::Serialize;
use smallvec::SmallVec;

use super::columns::{ColumnMap, Field};
use super::read::{FieldsRef, RowError};
use crate::policy::{Policy, UpgradeReason};
use crate::scheme::{self, ClerkForm, Confidence, ParseContext};

/// Where the bundle is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Clerk's `password_hasher` / `password_digest`.
    Clerk,
    /// hashport's own format ids and canonical strings.
    Native,
}

/// Firebase project hash parameters (console → Authentication → Users → Password hash
/// parameters). The signer key is a secret: it is never printed, only packed into
/// `scrypt_firebase` digests, whose Clerk layout requires it.
#[derive(Clone, Default)]
pub struct FirebaseParams {
    pub signer_key: String,
    pub salt_separator: String,
    pub rounds: u32,
    pub mem_cost: u32,
}

impl std::fmt::Debug for FirebaseParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirebaseParams")
            .field("signer_key", &"<redacted>")
            .field("salt_separator", &self.salt_separator)
            .field("rounds", &self.rounds)
            .field("mem_cost", &self.mem_cost)
            .finish()
    }
}

/// Everything classification needs, shared read-only by the workers.
#[derive(Debug, Clone)]
pub struct ClassifyConfig {
    pub columns: ColumnMap,
    pub format_hint: Option<String>,
    pub firebase: Option<FirebaseParams>,
    pub target: Target,
    pub policy: Policy,
    pub ctx: ParseContext,
}

/// An accepted user: Clerk's createUser field names plus hashport's own. Text borrows
/// from the input record where it can.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow<'a> {
    pub source_line: u64,
    pub external_id: Option<Cow<'a, str>>,
    /// Almost always one address: kept inline, no allocation per user.
    pub email_address: Emails<'a>,
    pub username: Option<Cow<'a, str>>,
    pub first_name: Option<Cow<'a, str>>,
    pub last_name: Option<Cow<'a, str>>,
    pub format: Option<&'static str>,
    pub format_confidence: Option<Confidence>,
    pub password_hasher: Option<&'static str>,
    pub password_digest: Option<Cow<'a, str>>,
    pub upgrade_on_sign_in: bool,
    pub upgrade_reason: Option<UpgradeReason>,
    /// Other readings of a shape-identified hash (summary only, not written).
    #[serde(skip)]
    pub candidates: Vec<&'static str>,
}

/// A user's email addresses.
pub type Emails<'a> = SmallVec<[Cow<'a, str>; 1]>;

/// A refused record.
#[derive(Debug, Clone, Serialize)]
pub struct RejectRow<'a> {
    pub source_line: u64,
    pub external_id: Option<Cow<'a, str>>,
    pub reason: &'static str,
    pub message: Cow<'a, str>,
}

#[derive(Debug, Clone)]
pub enum Classified<'a> {
    Accepted(UserRow<'a>),
    Rejected(RejectRow<'a>),
}

fn reject<'a>(
    line: u64,
    id: Option<Cow<'a, str>>,
    reason: &'static str,
    message: impl Into<Cow<'a, str>>,
) -> Classified<'a> {
    Classified::Rejected(RejectRow {
        source_line: line,
        external_id: id,
        reason,
        message: message.into(),
    })
}

/// Split an email cell that may hold several addresses (`a@x,b@y` or `a@x|b@y`).
fn emails(cell: Option<Cow<'_, str>>) -> Emails<'_> {
    let split = |c: &str| {
        c.split([',', '|', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    match cell {
        None => Emails::new(),
        // The common case: one address, nothing to split.
        Some(Cow::Borrowed(c)) if memchr::memchr3(b',', b'|', b';', c.as_bytes()).is_none() => {
            let c = super::columns::trim_space(c);
            if c.is_empty() {
                Emails::new()
            } else {
                smallvec::smallvec![Cow::Borrowed(c)]
            }
        }
        Some(Cow::Borrowed(c)) => c
            .split([',', '|', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(Cow::Borrowed)
            .collect(),
        Some(Cow::Owned(c)) => split(&c).into_iter().map(Cow::Owned).collect(),
    }
}

/// The reject message for a hash Clerk cannot take, joined by hand: one row in several
/// of some exports (`{SSHA}`), and `format!` costs more than the rest of the reject.
fn not_expressible(format: &str, why: &str) -> String {
    const ADVICE: &str = " (use --target native to keep it in hashport's own layout)";
    let mut m = String::with_capacity(format.len() + 2 + why.len() + ADVICE.len());
    m.push_str(format);
    m.push_str(": ");
    m.push_str(why);
    m.push_str(ADVICE);
    m
}

/// Standard base64 with padding, as Firebase exports salts and hashes.
fn looks_base64(s: &str) -> bool {
    !s.is_empty()
        && s.len() % 4 == 0
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// Classify one record (its physical line, and its fields or why it has none).
pub fn classify<'a>(
    line: u64,
    body: Result<FieldsRef<'a>, &RowError>,
    cfg: &ClassifyConfig,
) -> Classified<'a> {
    let fields = match body {
        Ok(f) => f,
        Err(e) => return reject(line, None, e.reason, e.message.clone()),
    };
    match cfg.columns.csv_values(&fields) {
        Some(values) => classify_values(line, &fields, values, cfg),
        None => classify_values(line, &fields, cfg.columns.all(&fields), cfg),
    }
}

/// A record's values by field ([`ColumnMap::all`]'s, or a CSV record's borrowed as
/// [`ColumnMap::csv_values`] gives them), each taken once.
trait Values<'a> {
    fn take(&mut self, field: Field) -> Option<Cow<'a, str>>;
}

impl<'a> Values<'a> for [&'a str; 9] {
    #[inline(always)]
    fn take(&mut self, field: Field) -> Option<Cow<'a, str>> {
        let v = self[field as usize];
        (!v.is_empty()).then_some(Cow::Borrowed(v))
    }
}

impl<'a> Values<'a> for [Option<Cow<'a, str>>; 9] {
    #[inline(always)]
    fn take(&mut self, field: Field) -> Option<Cow<'a, str>> {
        self[field as usize].take()
    }
}

/// [`classify`] of a record's fields and their values.
#[inline(always)]
fn classify_values<'a>(
    line: u64,
    fields: &FieldsRef<'a>,
    mut values: impl Values<'a>,
    cfg: &ClassifyConfig,
) -> Classified<'a> {
    let mut get = |f: Field| values.take(f);
    let external_id = get(Field::Id);
    let email_address = emails(get(Field::Email));
    let username = get(Field::Username);
    if external_id.is_none() && email_address.is_empty() && username.is_none() {
        return reject(
            line,
            None,
            "missing_identifier",
            format!(
                "no id, email or username found (columns: {}); use --map id=COLUMN",
                fields.names().join(", ")
            ),
        );
    }
    let mut user = UserRow {
        source_line: line,
        external_id,
        email_address,
        username,
        first_name: get(Field::FirstName),
        last_name: get(Field::LastName),
        format: None,
        format_confidence: None,
        password_hasher: None,
        password_digest: None,
        upgrade_on_sign_in: false,
        upgrade_reason: None,
        candidates: Vec::new(),
    };

    // Plaintext passwords (only from an explicit --plaintext-column) become bcrypt now.
    if let Some(pw) = get(Field::Plaintext) {
        return match cfg.policy.new_bcrypt(pw.as_bytes()) {
            Ok(d) => {
                user.format = Some("plaintext");
                user.format_confidence = Some(Confidence::Hint);
                user.password_hasher = Some(match cfg.target {
                    Target::Clerk => d.password_hasher,
                    Target::Native => "bcrypt",
                });
                user.password_digest = Some(Cow::Owned(d.password_digest));
                Classified::Accepted(user)
            }
            Err(e) => reject(
                line,
                user.external_id,
                "plaintext_not_hashable",
                e.to_string(),
            ),
        };
    }

    let hint = get(Field::Hint).or_else(|| cfg.format_hint.as_deref().map(Cow::Borrowed));
    let salt = get(Field::Salt);
    let Some(mut stored) = get(Field::Password) else {
        return Classified::Accepted(user); // no password: imported without one
    };

    // Assemble hashes whose salt (or project parameters) live outside the hash column.
    if let Some(salt) = &salt {
        let is_firebase_export =
            looks_base64(&stored) && looks_base64(salt) && !stored.contains('$');
        if is_firebase_export
            && (cfg.firebase.is_some() || hint.as_deref() == Some("scrypt_firebase"))
        {
            let Some(fb) = &cfg.firebase else {
                return reject(
                    line,
                    user.external_id,
                    "missing_parameters",
                    "Firebase scrypt hash without project parameters: give --firebase-signer-key, --firebase-salt-separator, --firebase-rounds and --firebase-mem-cost",
                );
            };
            stored = Cow::Owned(format!(
                "{stored}${salt}${}${}${}${}",
                fb.signer_key, fb.salt_separator, fb.rounds, fb.mem_cost
            ));
        } else if hint
            .as_deref()
            .is_some_and(|h| h.starts_with("hex_") || h == "vbulletin" || h == "mybb_ipb")
        {
            stored = Cow::Owned(format!("{stored}:{salt}"));
        }
    }

    // Most of an export is in a common layout, canonical: its verdict without parsing.
    if hint.is_none() {
        if let Some(v) = scheme::verbatim(&stored, &cfg.ctx) {
            // The stored string is canonical(): the native digest, and Clerk's unless
            // Clerk's layout differs or Clerk has none.
            let (hasher, digest) = match v.clerk {
                _ if cfg.target == Target::Native => (v.format, stored),
                ClerkForm::Stored(hasher) => (hasher, stored),
                ClerkForm::Rewritten { hasher, rewrite } => (hasher, Cow::Owned(rewrite(&stored))),
                ClerkForm::Refused(why) => {
                    return reject(
                        line,
                        user.external_id,
                        "not_expressible_for_target",
                        not_expressible(v.format, why),
                    )
                }
            };
            user.format = Some(v.format);
            user.format_confidence = Some(v.confidence);
            if !v.candidates.is_empty() {
                user.candidates = v.candidates.to_vec();
            }
            user.password_hasher = Some(hasher);
            user.password_digest = Some(digest);
            user.upgrade_reason = cfg.policy.upgrade_reason_of(true, v.bcrypt, None);
            user.upgrade_on_sign_in = user.upgrade_reason.is_some();
            return Classified::Accepted(user);
        }
    }
    let parsed = match scheme::parse(&stored, hint.as_deref(), &cfg.ctx) {
        Ok(p) => p,
        Err(e) => return reject(line, user.external_id, e.reason.as_str(), e.message),
    };
    user.format = Some(parsed.identification.format);
    user.format_confidence = Some(parsed.identification.confidence);
    if !parsed.hash.usable() {
        return Classified::Accepted(user); // a "no password" marker
    }
    user.candidates = parsed.identification.candidates;
    let (hasher, digest) = match cfg.target {
        Target::Native => (
            parsed.identification.format,
            Cow::Owned(parsed.hash.canonical()),
        ),
        Target::Clerk => match parsed.hash.clerk_verbatim() {
            Some(hasher) => {
                debug_assert_eq!(
                    parsed
                        .hash
                        .clerk()
                        .ok()
                        .map(|c| c.password_digest)
                        .as_deref(),
                    Some(&*stored)
                );
                (hasher, stored)
            }
            None => match parsed.hash.clerk() {
                Ok(c) => (c.password_hasher, Cow::Owned(c.password_digest)),
                Err(e) => {
                    return reject(
                        line,
                        user.external_id,
                        "not_expressible_for_target",
                        not_expressible(parsed.identification.format, &e.message),
                    )
                }
            },
        },
    };
    user.password_hasher = Some(hasher);
    user.password_digest = Some(digest);
    user.upgrade_reason = cfg.policy.upgrade_reason(parsed.hash.as_ref(), None);
    user.upgrade_on_sign_in = user.upgrade_reason.is_some();
    Classified::Accepted(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::columns::Preset;
    use crate::pipeline::read::{CsvHeader, Fields};
    use proptest::prelude::*;
    use std::sync::Arc;

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(vec![
                "",
                " ",
                "\u{a0}",
                "u1",
                " u2 ",
                "a@x.io",
                " b@y.io\t",
                "a@x.io, b@y.io",
                "a@x|b@y;;",
                ",",
                "$2b$10$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
                " $P$946647711V1klyitUYhtB8Yw5DMA/w. ",
                "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
                "5f4dcc3b5aa765d61d8327deb882cf99",
                "c2FsdA==",
                "bcrypt",
                "hex_md5",
                "!",
                "not-a-hash",
            ])
            .prop_map(str::to_string),
            "[ a-z@,|é]{0,6}",
        ]
    }

    proptest! {
        /// A CSV record classifies the same from its borrowed values
        /// (`ColumnMap::csv_values`) as from owned ones taken field by field, the way
        /// JSON records go.
        #[test]
        fn csv_values_classify_as_field_by_field(
            header in proptest::sample::subsequence(
                vec!["id", "email", "username", "first_name", "last_name", "password", "salt",
                     "format", "other"],
                0..=9,
            ).prop_shuffle(),
            cells in proptest::collection::vec(cell(), 9),
            sep in 0..2usize,
            native in any::<bool>(),
            hint in proptest::option::of(Just("hex_md5".to_string())),
        ) {
            let cfg = ClassifyConfig {
                columns: ColumnMap::new(Preset::Auto, &[]),
                format_hint: hint,
                firebase: None,
                target: if native { Target::Native } else { Target::Clerk },
                policy: Policy::default(),
                ctx: Default::default(),
            };
            let (text, ends) =
                crate::pipeline::read::joined_cells(&cells[..cells.len().min(header.len())], sep);
            let f = Fields::Csv {
                header: Arc::new(CsvHeader {
                    names: header.iter().map(|h| h.to_string()).collect(),
                    resolved: Default::default(),
                }),
                text,
                ends,
                sep,
            };
            let view = f.view();
            let values = cfg.columns.csv_values(&view).expect("a CSV record");
            let by_field = Field::ALL.map(|field| {
                let v = cfg.columns.get(&view, field)?.trim().to_string();
                (!v.is_empty()).then_some(Cow::Owned(v))
            });
            let fast = format!("{:?}", classify_values(7, &view, values, &cfg));
            let slow = format!("{:?}", classify_values(7, &view, by_field, &cfg));
            prop_assert_eq!(&fast, &slow);
            prop_assert_eq!(fast, format!("{:?}", classify(7, Ok(view), &cfg)));
        }
    }
}
