//! The scheme engine: one registry of password-hash formats, each answering
//! identify / parse / verify / render (after passlib's handlers), with parse producing
//! a typed, validated value (after RustCrypto's `PasswordHash`): a [`ParsedHash`] can
//! only exist if the string was well-formed and within the [`WorkCaps`].
//!
//! Adding a format = one `Scheme` impl in a family file + one line in [`REGISTRY`].
//! Format ids are those of formats.md §0.3.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::caps::WorkCaps;

pub mod argon2;
pub mod bcrypt;
pub mod bcrypt_core;
pub mod bcrypt_wrappers;
pub mod crypt;
pub mod digest;
mod dispatch;
pub mod ldap;
pub mod marker;
pub mod pbkdf2;
pub mod phpass;
pub mod scrypt;
pub mod spring;
pub mod util;
pub mod yescrypt;

pub use util::ct_eq;

/// A stable, snake_case reason code for a refused hash. Listed in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Nothing in the registry recognises the string.
    UnknownFormat,
    /// Recognised, but a field is out of its alphabet, length or legal range.
    Malformed,
    /// A recognised format whose variant hashport does not implement (e.g. `$gy$`).
    UnsupportedVariant,
    /// A parameter demands more work than the caps allow.
    WorkCapExceeded,
    /// The hint names no known format or Clerk hasher.
    UnknownHint,
    /// The hint names a format the string cannot be.
    HintMismatch,
    /// The format needs parameters the string does not carry (Firebase project keys, a pepper).
    MissingParameters,
    /// Recognised and well-formed, but no maintained implementation can verify it.
    NotVerifiable,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UnknownFormat => "unknown_format",
            Reason::Malformed => "malformed",
            Reason::UnsupportedVariant => "unsupported_variant",
            Reason::WorkCapExceeded => "work_cap_exceeded",
            Reason::UnknownHint => "unknown_hint",
            Reason::HintMismatch => "hint_mismatch",
            Reason::MissingParameters => "missing_parameters",
            Reason::NotVerifiable => "not_verifiable",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a stored string was refused: a reason code and a sentence for a person that
/// names the format and, where there is one, the parameter. Never contains a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {message}")]
pub struct HashError {
    pub reason: Reason,
    pub message: String,
}

impl HashError {
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        HashError {
            reason,
            message: message.into(),
        }
    }
    /// A malformed field: `malformed(format, "salt", "must be 22 bcrypt64 characters")`.
    pub fn malformed(format: &str, field: &str, why: impl fmt::Display) -> Self {
        use fmt::Write;
        // Sized up front: `format!` sizes from its literal pieces only, and growing the
        // String three or four times cost more than writing it (a broken row's message).
        let mut message = String::with_capacity(format.len() + field.len() + 80);
        let _ = write!(message, "{format}: {field} {why}");
        Self::new(Reason::Malformed, message)
    }
    pub fn work_cap(format: &str, param: &str, value: u64, cap: u64) -> Self {
        Self::new(
            Reason::WorkCapExceeded,
            format!("{format}: {param}={value} exceeds the work cap {cap} (raise it with the matching --max-* flag if this hash is trusted)"),
        )
    }
}

/// How sure identification is. Every answer carries one, so the pipeline can count them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A prefix only one format uses.
    Certain,
    /// A prefix several formats share, resolved by the documented default (formats.md §14).
    Default,
    /// No prefix: the most common reading of the string's shape; see the candidates.
    Shape,
    /// The caller said which format it is.
    Hint,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Certain => "certain",
            Confidence::Default => "default",
            Confidence::Shape => "shape",
            Confidence::Hint => "hint",
        }
    }
}

/// What a scheme says about a string it was shown (before parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    /// It could be me, but another format is the documented default for this shape.
    Alternative,
    /// My shape, no prefix (bare hex, 13-char DES, ASP.NET blobs).
    Shape,
    /// A shared prefix for which I am the documented default.
    Default,
    /// A prefix only I use.
    Certain,
}

/// How the strings a scheme can claim begin, so that [`identify`] asks only the schemes
/// that could answer instead of all of them. Only the first two bytes narrow the search.
/// A lead must cover every string `claim` takes: a unit test checks the dispatch against
/// asking every scheme.
#[derive(Debug, Clone)]
pub enum Lead {
    /// Strings starting with this prefix, byte for byte.
    Prefix(Cow<'static, str>),
    /// Strings starting with this prefix, its ASCII letters in either case (LDAP `{ssha}`).
    PrefixAnyCase(Cow<'static, str>),
    /// Non-empty strings whose first byte passes the test (prefix-less shapes).
    FirstByte(fn(u8) -> bool),
}

impl Lead {
    /// Shorthand for a list of byte-for-byte prefixes.
    pub fn prefixes(prefixes: &[&'static str]) -> Option<Vec<Lead>> {
        Some(
            prefixes
                .iter()
                .map(|p| Lead::Prefix(Cow::Borrowed(*p)))
                .collect(),
        )
    }
}

/// Families group formats for the README and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Bcrypt,
    Argon2,
    Scrypt,
    Yescrypt,
    Pbkdf2,
    Crypt,
    Phpass,
    Ldap,
    Digest,
    Plaintext,
    Unusable,
}

/// A Clerk `password_hasher` + `password_digest` pair (import-targets.md §1.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClerkDigest {
    pub password_hasher: &'static str,
    pub password_digest: String,
}

/// Why a hash cannot be given to Clerk without loss. The code is stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotExpressible {
    pub message: String,
}

impl NotExpressible {
    pub fn new(message: impl Into<String>) -> Self {
        NotExpressible {
            message: message.into(),
        }
    }
}

/// Facts about the bcrypt inside a hash, for the upgrade policy (`None` for non-bcrypt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BcryptFacts {
    /// The minor letter: `'b'`, `'a'`, `'y'`, `'x'`, or `'0'` for the 1997 `$2$`.
    pub minor: char,
    pub cost: u32,
    /// Plain bcrypt of the password (not a pre-hash, pepper or WordPress wrapper).
    pub plain: bool,
}

/// Things a scheme may need beyond the string and the caps.
#[derive(Clone, Default)]
pub struct ParseContext {
    pub caps: WorkCaps,
    /// Devise-style pepper appended to the password before bcrypt (`bcrypt_peppered`).
    pub pepper: Option<Vec<u8>>,
}

impl fmt::Debug for ParseContext {
    // The pepper is a secret: never in logs, even debug ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseContext")
            .field("caps", &self.caps)
            .field("pepper", &self.pepper.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A validated hash. Built only by a [`Scheme`]'s parse.
pub trait ParsedHash: Send + Sync + fmt::Debug {
    /// The format id (formats.md §0.3).
    fn format(&self) -> &'static str;
    /// Parameters worth showing (cost, m/t/p, iterations, salt length, ...). No secrets.
    fn params(&self) -> serde_json::Map<String, serde_json::Value>;
    /// Check `password` (its exact bytes). Digest comparison is constant-time.
    fn verify(&self, password: &[u8]) -> bool;
    /// The canonical string of this hash; parsing it gives a hash that verifies the same.
    fn canonical(&self) -> String;
    /// The same hash in Clerk's layout, or why that would lose information.
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible>;
    /// `Some(password_hasher)` when [`ParsedHash::clerk`] would give exactly the string
    /// this hash was parsed from: a caller that holds that string uses it as the digest
    /// and skips rendering one (a canonical bcrypt, half of a typical export).
    fn clerk_verbatim(&self) -> Option<&'static str> {
        None
    }
    /// False for "no usable password" markers: they never verify.
    fn usable(&self) -> bool {
        true
    }
    /// bcrypt facts for the upgrade policy.
    fn bcrypt(&self) -> Option<BcryptFacts> {
        None
    }
    /// Warnings found while parsing (e.g. non-canonical bcrypt padding bits repaired).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// One password-hash format.
pub trait Scheme: Send + Sync {
    /// The format id (formats.md §0.3).
    fn id(&self) -> &'static str;
    fn family(&self) -> Family;
    /// The Clerk `password_hasher` whose layout this scheme parses, if any. A Clerk
    /// hasher given as a hint resolves to the scheme that names it here.
    fn clerk_parses(&self) -> Option<&'static str> {
        None
    }
    /// Only used when a hint names it: the string alone can never point here
    /// (pre-hashed bcrypt looks exactly like bcrypt).
    fn hint_only(&self) -> bool {
        false
    }
    /// A cheap look at the string: could it be this format, and how surely?
    fn claim(&self, s: &str) -> Option<Claim>;
    /// What every string [`Scheme::claim`] takes starts with (one of these leads), or
    /// `None` when any string may be claimed. Read once, to build the dispatch.
    fn leads(&self) -> Option<Vec<Lead>> {
        None
    }
    /// Parse and validate, applying the work caps.
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError>;
    /// One example for the README's formats table (need not verify anything).
    fn example(&self) -> &'static str;
}

/// The registry, in identification order (formats.md §14): markers, containers,
/// MCF/PHC prefixes, named text prefixes, Firebase, shapes.
pub fn registry() -> &'static [&'static dyn Scheme] {
    static REGISTRY: std::sync::OnceLock<Vec<&'static dyn Scheme>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r: Vec<&'static dyn Scheme> = Vec::new();
        r.extend_from_slice(marker::SCHEMES);
        r.extend_from_slice(spring::SCHEMES);
        r.extend_from_slice(bcrypt::SCHEMES);
        r.extend_from_slice(bcrypt_wrappers::SCHEMES);
        r.extend_from_slice(argon2::SCHEMES);
        r.extend_from_slice(scrypt::SCHEMES);
        r.extend_from_slice(yescrypt::SCHEMES);
        r.extend_from_slice(pbkdf2::SCHEMES);
        r.extend_from_slice(crypt::SCHEMES);
        r.extend_from_slice(phpass::SCHEMES);
        r.extend_from_slice(ldap::SCHEMES);
        r.extend_from_slice(digest::SCHEMES);
        r
    })
}

/// Find a scheme by format id.
pub fn by_id(id: &str) -> Option<&'static dyn Scheme> {
    dispatch::by_id(id)
}

/// Resolve a hint: a format id, or a Clerk `password_hasher` name.
pub fn resolve_hint(hint: &str) -> Result<&'static dyn Scheme, HashError> {
    let h = hint.trim();
    if let Some(s) = by_id(h).or_else(|| dispatch::by_clerk_hasher(h)) {
        return Ok(s);
    }
    Err(HashError::new(
        Reason::UnknownHint,
        format!("hint {h:?} is neither a hashport format id nor a Clerk password_hasher (see `hashport formats`)"),
    ))
}

/// The answer to "what is this string?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identification {
    pub format: &'static str,
    pub family: Family,
    pub confidence: Confidence,
    /// Other formats the string could be (empty when `certain`).
    pub candidates: Vec<&'static str>,
}

/// Identify `s` (already trimmed by the caller if it wants). A hint always wins, but a
/// hint the string contradicts is an error.
pub fn identify(s: &str, hint: Option<&str>) -> Result<Identification, HashError> {
    identify_scheme(s, hint).map(|(_, id)| id)
}

/// [`identify`], with the scheme that parses the answer.
fn identify_scheme(
    s: &str,
    hint: Option<&str>,
) -> Result<(&'static dyn Scheme, Identification), HashError> {
    if let Some(h) = hint {
        let scheme = resolve_hint(h)?;
        if scheme.claim(s).is_none() {
            let looks = identify(s, None)
                .map(|i| format!("; it looks like {}", i.format))
                .unwrap_or_default();
            return Err(HashError::new(
                Reason::HintMismatch,
                format!(
                    "the string does not have the layout of {} (hint {h:?}){looks}",
                    scheme.id()
                ),
            ));
        }
        let id = Identification {
            format: scheme.id(),
            family: scheme.family(),
            confidence: Confidence::Hint,
            candidates: Vec::new(),
        };
        return Ok((scheme, id));
    }
    // Only the schemes whose leads admit `s`, in registry order: the same answer as
    // asking all of them (`identify_every_scheme`), at a fraction of the calls.
    let registry = registry();
    let mut candidates = dispatch::dispatch().candidates(s);
    let mut best: Option<(usize, Claim)> = None;
    // The others in the order a full scan finds them; a Vec only if they are returned.
    let mut others = [0u8; dispatch::Mask::BITS as usize];
    let mut n_others = 0;
    while candidates != 0 {
        if matches!(best, Some((_, Claim::Certain))) {
            // Nothing outranks a certain claim and it lists no other candidates: the
            // schemes after it cannot change the answer.
            break;
        }
        let i = candidates.trailing_zeros() as usize;
        candidates &= candidates - 1;
        if let Some(c) = registry[i].claim(s) {
            let other = match best {
                Some((b, bc)) if c > bc => {
                    best = Some((i, c));
                    b
                }
                None => {
                    best = Some((i, c));
                    continue;
                }
                _ => i,
            };
            // `i` < 128 (the dispatch mask's width), so it fits.
            others[n_others] = other as u8;
            n_others += 1;
        }
    }
    let Some((best, claim)) = best else {
        return Err(HashError::new(
            Reason::UnknownFormat,
            "no known password-hash format has this layout (give --format-hint if you know the source system)",
        ));
    };
    let others = if claim == Claim::Certain {
        &others[..0]
    } else {
        &others[..n_others]
    };
    let scheme = registry[best];
    Ok((
        scheme,
        identification(
            scheme,
            claim,
            others
                .iter()
                .map(|&i| registry[usize::from(i)].id())
                .collect(),
        ),
    ))
}

fn identification(
    scheme: &'static dyn Scheme,
    claim: Claim,
    candidates: Vec<&'static str>,
) -> Identification {
    let confidence = match claim {
        Claim::Certain => Confidence::Certain,
        Claim::Default | Claim::Alternative => Confidence::Default,
        Claim::Shape => Confidence::Shape,
    };
    Identification {
        format: scheme.id(),
        family: scheme.family(),
        confidence,
        candidates,
    }
}

/// `identify` without a hint the slow, obvious way: every scheme is asked. The dispatch
/// must give the same answer for every string.
#[cfg(test)]
fn identify_every_scheme(s: &str) -> Result<Identification, HashError> {
    let mut best: Option<(&'static dyn Scheme, Claim)> = None;
    let mut others: Vec<&'static str> = Vec::new();
    for scheme in registry().iter().copied().filter(|s| !s.hint_only()) {
        if let Some(c) = scheme.claim(s) {
            match best {
                Some((b, bc)) if c > bc => {
                    others.push(b.id());
                    best = Some((scheme, c));
                }
                None => best = Some((scheme, c)),
                _ => others.push(scheme.id()),
            }
        }
    }
    let Some((scheme, claim)) = best else {
        return Err(HashError::new(
            Reason::UnknownFormat,
            "no known password-hash format has this layout (give --format-hint if you know the source system)",
        ));
    };
    if claim == Claim::Certain {
        others.clear();
    }
    Ok(identification(scheme, claim, others))
}

/// A stored hash: how it was identified and its validated value.
#[derive(Debug)]
pub struct StoredHash {
    pub identification: Identification,
    pub hash: Box<dyn ParsedHash>,
}

impl StoredHash {
    pub fn verify(&self, password: &[u8]) -> bool {
        self.hash.usable() && self.hash.verify(password)
    }
}

/// What [`parse`] (without a hint) says of a stored string that can be taken as it is:
/// already its own canonical string, and what Clerk takes for it known without parsing.
#[derive(Debug, Clone, Copy)]
pub struct Verbatim {
    pub format: &'static str,
    pub confidence: Confidence,
    /// [`Identification::candidates`]: empty but for a shape-identified hex digest.
    pub candidates: &'static [&'static str],
    /// What [`ParsedHash::clerk`] gives.
    pub clerk: ClerkForm,
    /// [`ParsedHash::bcrypt`] of the parsed hash.
    pub bcrypt: Option<BcryptFacts>,
}

/// [`ParsedHash::clerk`] of a [`Verbatim`] string.
#[derive(Debug, Clone, Copy)]
pub enum ClerkForm {
    /// This hasher, and the stored string is the digest (`clerk_verbatim`).
    Stored(&'static str),
    /// This hasher, and the digest `rewrite` writes from the stored string's characters
    /// (a passlib PBKDF2 in Clerk's `pbkdf2_sha256`): only when the target is Clerk, and
    /// only of the string `verbatim` answered for.
    Rewritten {
        hasher: &'static str,
        rewrite: fn(&str) -> String,
    },
    /// Not expressible, with this [`NotExpressible::message`].
    Refused(&'static str),
}

/// The migrate hot path: for the commonest layouts already in canonical form (bcrypt
/// `$2a$`/`$2b$`/`$2y$`, phpass `$P$`, Django PBKDF2-SHA256, argon2id/argon2i v19, Werkzeug
/// scrypt, lower-case bare hex digests, passlib PBKDF2-SHA256, LDAP `{SSHA}` and kin but
/// `{MD5}`), the verdict of [`parse`] + `clerk()` in one pass over the characters, with
/// nothing decoded or allocated. `Some` only when `parse(s, None, ctx)` succeeds with
/// that identification and candidates, the hash is usable, `canonical()` is `s` itself
/// and `clerk()` gives what [`ClerkForm`] says (the vector and property tests hold it to
/// that); `None` says nothing: call [`parse`].
pub fn verbatim(s: &str, ctx: &ParseContext) -> Option<Verbatim> {
    let certain = |format, clerk| Verbatim {
        format,
        confidence: Confidence::Certain,
        candidates: &[],
        clerk,
        bcrypt: None,
    };
    match s.as_bytes().get(..3)? {
        b"$2a" | b"$2b" | b"$2y" => bcrypt::verbatim_facts(s, ctx).map(|facts| Verbatim {
            bcrypt: Some(facts),
            ..certain("bcrypt", ClerkForm::Stored("bcrypt"))
        }),
        b"$P$" => {
            phpass::is_verbatim(s, ctx).then(|| certain("phpass", ClerkForm::Stored("phpass")))
        }
        b"$ar" => {
            argon2::verbatim_hasher(s, ctx).map(|hasher| certain(hasher, ClerkForm::Stored(hasher)))
        }
        b"scr" => scrypt::is_werkzeug_verbatim(s, ctx)
            .then(|| certain("werkzeug_scrypt", ClerkForm::Stored("scrypt_werkzeug"))),
        b"pbk" => pbkdf2::is_django_sha256_verbatim(s, ctx).then(|| Verbatim {
            confidence: Confidence::Default,
            ..certain(
                "django_pbkdf2_sha256",
                ClerkForm::Stored("pbkdf2_sha256_django"),
            )
        }),
        b"$pb" => pbkdf2::is_passlib_sha256_verbatim(s, ctx).then(|| {
            certain(
                "passlib_pbkdf2_sha256",
                ClerkForm::Rewritten {
                    hasher: "pbkdf2_sha256",
                    rewrite: pbkdf2::passlib_sha256_as_clerk,
                },
            )
        }),
        [b'{', ..] => {
            ldap::verbatim(s).map(|(format, why)| certain(format, ClerkForm::Refused(why)))
        }
        _ => digest::hex_verbatim(s),
    }
}

/// Identify and parse `s` with the context's caps.
pub fn parse(s: &str, hint: Option<&str>, ctx: &ParseContext) -> Result<StoredHash, HashError> {
    let (scheme, identification) = identify_scheme(s, hint)?;
    let hash = scheme.parse(s, ctx)?;
    Ok(StoredHash {
        identification,
        hash,
    })
}

/// Parse an inner string for a container format (`{CRYPT}`, Spring `{id}`): identify
/// it automatically, restricted to `allowed` families when given.
pub fn parse_inner(
    container: &str,
    inner: &str,
    ctx: &ParseContext,
    allowed: &[Family],
) -> Result<Box<dyn ParsedHash>, HashError> {
    let (scheme, id) = identify_scheme(inner, None)
        .map_err(|e| HashError::new(e.reason, format!("{container}: inner hash: {}", e.message)))?;
    if !allowed.is_empty() && !allowed.contains(&id.family) {
        return Err(HashError::malformed(
            container,
            "inner hash",
            format_args!("is {}, which {container} cannot wrap", id.format),
        ));
    }
    scheme.parse(inner, ctx)
}
