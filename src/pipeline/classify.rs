//! Classify one record: accepted (hash identified, validated, rendered for the target,
//! upgrade decided) or rejected with a reason code. Pure and per-record, so it runs in
//! parallel; duplicate detection needs input order and happens in the writer stage.

use serde::Serialize;

use super::columns::{ColumnMap, Field};
use super::read::SourceRecord;
use crate::policy::{Policy, UpgradeReason};
use crate::scheme::{self, Confidence, ParseContext};

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

/// An accepted user: Clerk's createUser field names plus hashport's own.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub source_line: u64,
    pub external_id: Option<String>,
    pub email_address: Vec<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub format: Option<&'static str>,
    pub format_confidence: Option<Confidence>,
    pub password_hasher: Option<String>,
    pub password_digest: Option<String>,
    pub upgrade_on_sign_in: bool,
    pub upgrade_reason: Option<UpgradeReason>,
    /// Other readings of a shape-identified hash (summary only, not written).
    #[serde(skip)]
    pub candidates: Vec<&'static str>,
}

/// A refused record.
#[derive(Debug, Clone, Serialize)]
pub struct RejectRow {
    pub source_line: u64,
    pub external_id: Option<String>,
    pub reason: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum Classified {
    Accepted(UserRow),
    Rejected(RejectRow),
}

fn reject(line: u64, id: Option<String>, reason: &'static str, message: String) -> Classified {
    Classified::Rejected(RejectRow {
        source_line: line,
        external_id: id,
        reason,
        message,
    })
}

/// Split an email cell that may hold several addresses (`a@x,b@y` or `a@x|b@y`).
fn emails(cell: Option<String>) -> Vec<String> {
    cell.map(|c| {
        c.split([',', '|', ';'])
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Standard base64 with padding, as Firebase exports salts and hashes.
fn looks_base64(s: &str) -> bool {
    !s.is_empty()
        && s.len() % 4 == 0
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

pub fn classify(rec: SourceRecord, cfg: &ClassifyConfig) -> Classified {
    let line = rec.line;
    let fields = match rec.body {
        Ok(f) => f,
        Err(e) => return reject(line, None, e.reason, e.message),
    };
    let get = |f: Field| cfg.columns.get(&fields, f).map(|v| v.trim().to_string());
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
                    Target::Clerk => d.password_hasher.to_string(),
                    Target::Native => "bcrypt".to_string(),
                });
                user.password_digest = Some(d.password_digest);
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

    let hint = get(Field::Hint).or_else(|| cfg.format_hint.clone());
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
                    "Firebase scrypt hash without project parameters: give --firebase-signer-key, --firebase-salt-separator, --firebase-rounds and --firebase-mem-cost".into(),
                );
            };
            stored = format!(
                "{stored}${salt}${}${}${}${}",
                fb.signer_key, fb.salt_separator, fb.rounds, fb.mem_cost
            );
        } else if hint
            .as_deref()
            .is_some_and(|h| h.starts_with("hex_") || h == "vbulletin" || h == "mybb_ipb")
        {
            stored = format!("{stored}:{salt}");
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
    user.candidates = parsed.identification.candidates.clone();
    let (hasher, digest) = match cfg.target {
        Target::Native => (
            parsed.identification.format.to_string(),
            parsed.hash.canonical(),
        ),
        Target::Clerk => match parsed.hash.clerk() {
            Ok(c) => (c.password_hasher.to_string(), c.password_digest),
            Err(e) => {
                return reject(
                    line,
                    user.external_id,
                    "not_expressible_for_target",
                    format!(
                        "{}: {} (use --target native to keep it in hashport's own layout)",
                        parsed.identification.format, e.message
                    ),
                )
            }
        },
    };
    user.password_hasher = Some(hasher);
    user.password_digest = Some(digest);
    user.upgrade_reason = cfg.policy.upgrade_reason(parsed.hash.as_ref(), None);
    user.upgrade_on_sign_in = user.upgrade_reason.is_some();
    Classified::Accepted(user)
}
