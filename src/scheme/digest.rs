//! Plain and simply-salted message digests (formats.md §10, §12, §13): bare hex digests,
//! hashcat-notation `hexdigest:salt` pairs and the forum constructions, Django's and
//! Werkzeug's legacy `method$salt$hex`, MySQL 4.1 `PASSWORD()`, and Symfony's iterated
//! SHA-512 in Clerk's `sha512_symfony` layout.
//!
//! None of these is a password hash in the modern sense; they are here so accounts can
//! move (and be re-hashed at first sign-in) without a password reset. Digests are decoded
//! to bytes while parsing and every comparison is constant-time over those bytes.
//!
//! [`Alg`] is also used by the LDAP and Spring families.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Digest;

use super::util::{params, parse_decimal, truncate};
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Reason,
    Scheme,
};
use crate::caps::WorkCaps;
use crate::encoding::{hex_decode, hex_encode, std_decode, std_encode};

/// The message digests these legacy formats are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Alg {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Alg::Md5 => "md5",
            Alg::Sha1 => "sha1",
            Alg::Sha224 => "sha224",
            Alg::Sha256 => "sha256",
            Alg::Sha384 => "sha384",
            Alg::Sha512 => "sha512",
        }
    }

    /// Digest size in bytes.
    pub(crate) fn output_len(self) -> usize {
        match self {
            Alg::Md5 => 16,
            Alg::Sha1 => 20,
            Alg::Sha224 => 28,
            Alg::Sha256 => 32,
            Alg::Sha384 => 48,
            Alg::Sha512 => 64,
        }
    }

    /// The digest of the concatenation of `parts`.
    pub(crate) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Alg::Md5 => digest_of::<md5::Md5>(parts),
            Alg::Sha1 => digest_of::<sha1::Sha1>(parts),
            Alg::Sha224 => digest_of::<sha2::Sha224>(parts),
            Alg::Sha256 => digest_of::<sha2::Sha256>(parts),
            Alg::Sha384 => digest_of::<sha2::Sha384>(parts),
            Alg::Sha512 => digest_of::<sha2::Sha512>(parts),
        }
    }

    fn hmac(self, key: &[u8], msg: &[u8]) -> Vec<u8> {
        match self {
            Alg::Md5 => hmac_of::<md5::Md5>(key, msg),
            Alg::Sha1 => hmac_of::<sha1::Sha1>(key, msg),
            Alg::Sha224 => hmac_of::<sha2::Sha224>(key, msg),
            Alg::Sha256 => hmac_of::<sha2::Sha256>(key, msg),
            Alg::Sha384 => hmac_of::<sha2::Sha384>(key, msg),
            Alg::Sha512 => hmac_of::<sha2::Sha512>(key, msg),
        }
    }
}

fn digest_of<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = D::new();
    for p in parts {
        Digest::update(&mut h, p);
    }
    h.finalize().to_vec()
}

fn hmac_of<D: hmac::EagerHash>(key: &[u8], msg: &[u8]) -> Vec<u8>
where
    Hmac<D>: KeyInit + Mac,
{
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    Mac::update(&mut mac, msg);
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex of `md5(data)`: the inner step of the forum constructions.
fn md5_hex(data: &[u8]) -> String {
    hex_encode(&Alg::Md5.digest(&[data]))
}

/// Clerk's unsalted hashers (`md5`, `sha256`: lower-case hex of the digest of the
/// password). Any format computing exactly H(password) renders losslessly to them.
pub(crate) fn clerk_unsalted(alg: Alg, digest: &[u8]) -> Result<ClerkDigest, NotExpressible> {
    match unsalted_hasher(alg) {
        Ok(password_hasher) => Ok(ClerkDigest {
            password_hasher,
            password_digest: hex_encode(digest),
        }),
        Err(why) => Err(NotExpressible::new(why)),
    }
}

/// Why Clerk cannot take an unsalted SHA-1 (a bare hex one, or LDAP's `{SHA}`).
pub(crate) const NO_UNSALTED_SHA1: &str = "Clerk has no unsalted sha1 hasher (only md5 and sha256)";

/// Clerk's unsalted hasher for `alg`, or why there is none (a constant: `scheme::verbatim`
/// refuses a bare digest without building it).
fn unsalted_hasher(alg: Alg) -> Result<&'static str, &'static str> {
    match alg {
        Alg::Md5 => Ok("md5"),
        Alg::Sha256 => Ok("sha256"),
        Alg::Sha1 => Err(NO_UNSALTED_SHA1),
        Alg::Sha224 => Err("Clerk has no unsalted sha224 hasher (only md5 and sha256)"),
        Alg::Sha384 => Err("Clerk has no unsalted sha384 hasher (only md5 and sha256)"),
        Alg::Sha512 => Err("Clerk has no unsalted sha512 hasher (only md5 and sha256)"),
    }
}

/// [`scheme::verbatim`](super::verbatim) of a bare lower-case hex digest (`hex_md5` ..
/// `hex_sha512`), decided from its length and alphabet: no prefix names it, so parse
/// identifies it by shape, with Django's unsalted MD5 as the other reading of 32
/// lower-case characters ([`DjangoUnsalted::claim`]). Lower case only: canonical() writes
/// it, and upper case is not Django's. `None` says nothing about `s`.
pub(super) fn hex_verbatim(s: &str) -> Option<super::Verbatim> {
    let (scheme, candidates): (&HexDigest, &'static [&'static str]) = match s.len() {
        32 => (&HEX_MD5, &[DJANGO_UNSALTED_MD5_ID]),
        40 => (&HEX_SHA1, &[]),
        64 => (&HEX_SHA256, &[]),
        128 => (&HEX_SHA512, &[]),
        _ => return None,
    };
    if !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Some(super::Verbatim {
        format: scheme.id,
        confidence: super::Confidence::Shape,
        candidates,
        clerk: match unsalted_hasher(scheme.alg) {
            Ok(hasher) => super::ClerkForm::Stored(hasher),
            Err(why) => super::ClerkForm::Refused(why),
        },
        bcrypt: None,
    })
}

/// Which letter cases a hex digest field may use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HexCase {
    /// Either case: the verifier decodes the hex (hashcat, MySQL, most PHP apps).
    Any,
    /// Lower case only: the verifier compares text (Django, Werkzeug).
    Lower,
}

/// Decode a hex digest field of exactly `alg.output_len()` bytes.
fn hex_digest(
    format: &str,
    field: &str,
    s: &str,
    alg: Alg,
    case: HexCase,
) -> Result<Vec<u8>, HashError> {
    let want = alg.output_len() * 2;
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(HashError::malformed(
            format,
            field,
            format_args!("must be hex, found {c:?}"),
        ));
    }
    if s.len() != want {
        return Err(HashError::malformed(
            format,
            field,
            format_args!(
                "must be {want} hex characters ({}), found {}",
                alg.name(),
                s.len()
            ),
        ));
    }
    if case == HexCase::Lower && s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(HashError::malformed(
            format,
            field,
            "must be lower-case hex (the source system compares the text)",
        ));
    }
    hex_decode(s).map_err(|e| HashError::malformed(format, field, e))
}

fn is_hex_len(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_lower_hex_len(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

// ---------------------------------------------------------------------------------------
// H(password), as bare hex or behind Django's `md5$$` / `sha1$$`.

/// A bare hex digest of the password (`hex_md5` .. `hex_sha512`), either case.
pub struct HexDigest {
    id: &'static str,
    alg: Alg,
    clerk: Option<&'static str>,
    example: &'static str,
}

/// Django's unsalted hashers: `md5$$<hex>` or bare 32-hex (`unsalted_md5`),
/// `sha1$$<hex>` (`unsalted_sha1`; Django refuses a bare 40-hex SHA-1).
pub struct DjangoUnsalted {
    id: &'static str,
    alg: Alg,
    prefix: &'static str,
    /// Whether Django also reads the bare hex form (MD5 only).
    bare: bool,
    example: &'static str,
}

#[derive(Debug)]
struct UnsaltedHash {
    format: &'static str,
    alg: Alg,
    /// Written before the hex on output (`md5$$` for Django, empty for bare hex).
    prefix: &'static str,
    digest: Vec<u8>,
}

impl ParsedHash for UnsaltedHash {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("digest", self.alg.name().into()),
            ("digest_len", self.digest.len().into()),
            ("salted", false.into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        super::ct_eq(&self.alg.digest(&[password]), &self.digest)
    }
    fn canonical(&self) -> String {
        format!("{}{}", self.prefix, hex_encode(&self.digest))
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        clerk_unsalted(self.alg, &self.digest)
    }
}

impl Scheme for HexDigest {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        self.clerk
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Some(vec![Lead::FirstByte(|b| b.is_ascii_hexdigit())])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        is_hex_len(s, self.alg.output_len() * 2).then_some(Claim::Shape)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let digest = hex_digest(self.id, "digest", s, self.alg, HexCase::Any)?;
        Ok(Box::new(UnsaltedHash {
            format: self.id,
            alg: self.alg,
            prefix: "",
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

impl Scheme for DjangoUnsalted {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        let mut leads = vec![Lead::Prefix(self.prefix.into())];
        if self.bare {
            leads.push(Lead::FirstByte(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        }
        Some(leads)
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        if s.starts_with(self.prefix) {
            // Werkzeug's unsalted `md5$$hex` computes the same digest.
            Some(Claim::Default)
        } else if self.bare && is_lower_hex_len(s, self.alg.output_len() * 2) {
            // Bare hex is hex_md5 first; Django is one of the systems that wrote it.
            Some(Claim::Alternative)
        } else {
            None
        }
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let body = match s.strip_prefix(self.prefix) {
            Some(body) => body,
            None if self.bare => s,
            None => {
                return Err(HashError::malformed(
                    self.id,
                    "prefix",
                    format_args!("must be {:?}", self.prefix),
                ))
            }
        };
        let digest = hex_digest(self.id, "digest", body, self.alg, HexCase::Lower)?;
        // Canonical keeps the prefix: it says "Django" where bare hex says nothing.
        Ok(Box::new(UnsaltedHash {
            format: self.id,
            alg: self.alg,
            prefix: self.prefix,
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

// ---------------------------------------------------------------------------------------
// hashcat notation `hexdigest:salt`: the salt's place in the input is not in the string.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Salting {
    /// H(password || salt) (hashcat 10/110/1410/1710; Joomla < 2.5.18).
    PassSalt,
    /// H(salt || password) (hashcat 20/120/1420/1720).
    SaltPass,
    /// vBulletin < 3.8.5: md5(md5hex(password) || salt).
    VBulletin,
    /// MyBB 1.2+, IPB 2+: md5(md5hex(salt) || md5hex(password)).
    MybbIpb,
}

/// A digest and its salt in hashcat's `hexdigest:salt` notation. The string cannot say
/// how the salt was combined, so these are chosen only by a hint.
pub struct ColonSalted {
    id: &'static str,
    alg: Alg,
    salting: Salting,
    example: &'static str,
}

#[derive(Debug)]
struct ColonSaltedHash {
    format: &'static str,
    alg: Alg,
    salting: Salting,
    digest: Vec<u8>,
    salt: String,
}

impl ParsedHash for ColonSaltedHash {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let construction = match self.salting {
            Salting::PassSalt => "H(password || salt)",
            Salting::SaltPass => "H(salt || password)",
            Salting::VBulletin => "md5(md5hex(password) || salt)",
            Salting::MybbIpb => "md5(md5hex(salt) || md5hex(password))",
        };
        params([
            ("digest", self.alg.name().into()),
            ("construction", construction.into()),
            ("salt_len", self.salt.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let salt = self.salt.as_bytes();
        let computed = match self.salting {
            Salting::PassSalt => self.alg.digest(&[password, salt]),
            Salting::SaltPass => self.alg.digest(&[salt, password]),
            Salting::VBulletin => Alg::Md5.digest(&[md5_hex(password).as_bytes(), salt]),
            Salting::MybbIpb => {
                Alg::Md5.digest(&[md5_hex(salt).as_bytes(), md5_hex(password).as_bytes()])
            }
        };
        super::ct_eq(&computed, &self.digest)
    }
    fn canonical(&self) -> String {
        format!("{}:{}", hex_encode(&self.digest), self.salt)
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new(match self.salting {
            Salting::PassSalt | Salting::SaltPass => {
                "Clerk's md5_salted / sha256_salted do not document whether the salt goes \
                 before or after the password; confirm with Clerk before importing"
            }
            Salting::VBulletin | Salting::MybbIpb => {
                "Clerk has no hasher for this nested-MD5 forum construction"
            }
        }))
    }
}

impl Scheme for ColonSalted {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn hint_only(&self) -> bool {
        true
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        // Broad on purpose: with a hint, parse names what is wrong.
        s.contains(':').then_some(Claim::Shape)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let (hex, salt) = s
            .split_once(':')
            .ok_or_else(|| HashError::malformed(self.id, "layout", "must be hexdigest:salt"))?;
        let digest = hex_digest(self.id, "digest", hex, self.alg, HexCase::Any)?;
        if salt.is_empty() {
            return Err(HashError::malformed(
                self.id,
                "salt",
                "is empty (an unsalted digest is a hex_* format)",
            ));
        }
        Ok(Box::new(ColonSaltedHash {
            format: self.id,
            alg: self.alg,
            salting: self.salting,
            digest,
            salt: salt.to_string(),
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

// ---------------------------------------------------------------------------------------
// Django `md5$salt$hex` / `sha1$salt$hex` = H(salt || password).

/// Django's `MD5PasswordHasher` / `SHA1PasswordHasher`. Werkzeug's legacy HMAC strings
/// have the same shape; Django is the documented default (formats.md §14 step 4).
pub struct DjangoSalted {
    id: &'static str,
    alg: Alg,
    example: &'static str,
}

#[derive(Debug)]
struct DjangoSaltedHash {
    format: &'static str,
    alg: Alg,
    salt: String,
    digest: Vec<u8>,
}

impl ParsedHash for DjangoSaltedHash {
    fn format(&self) -> &'static str {
        self.format
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("digest", self.alg.name().into()),
            ("salt_len", self.salt.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let computed = self.alg.digest(&[self.salt.as_bytes(), password]);
        super::ct_eq(&computed, &self.digest)
    }
    fn canonical(&self) -> String {
        format!(
            "{}${}${}",
            self.alg.name(),
            self.salt,
            hex_encode(&self.digest)
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new(format!(
            "Clerk has no salted {} hasher with a documented salt order (Django computes {}(salt || password))",
            self.alg.name(),
            self.alg.name()
        )))
    }
}

impl DjangoSalted {
    fn prefix(&self) -> &'static str {
        match self.alg {
            Alg::Md5 => "md5$",
            _ => "sha1$",
        }
    }
}

impl Scheme for DjangoSalted {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[self.prefix()])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        let rest = s.strip_prefix(self.prefix())?;
        // `md5$$` / `sha1$$` (empty salt) is Django's unsalted hasher.
        (!rest.starts_with('$')).then_some(Claim::Default)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let rest = s.strip_prefix(self.prefix()).ok_or_else(|| {
            HashError::malformed(
                self.id,
                "prefix",
                format_args!("must be {:?}", self.prefix()),
            )
        })?;
        let (salt, hex) = rest.split_once('$').ok_or_else(|| {
            HashError::malformed(
                self.id,
                "layout",
                format_args!("must be {}<salt>$<hexdigest>", self.prefix()),
            )
        })?;
        if salt.is_empty() {
            return Err(HashError::malformed(
                self.id,
                "salt",
                "is empty (the empty-salt form is Django's unsalted hasher)",
            ));
        }
        let digest = hex_digest(self.id, "digest", hex, self.alg, HexCase::Lower)?;
        Ok(Box::new(DjangoSaltedHash {
            format: self.id,
            alg: self.alg,
            salt: salt.to_string(),
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        self.example
    }
}

// ---------------------------------------------------------------------------------------
// Werkzeug < 2.3 `method$salt$hex`.

/// Werkzeug's legacy `generate_password_hash` output: `method$salt$hex` =
/// HMAC(key = salt, msg = password) (hashcat 30000/30120); `method$$hex` = the plain
/// digest; `plain$$password` = the password itself (kept under this id rather than a
/// separate one: it is the same Werkzeug function and the same string layout).
pub struct WerkzeugLegacy;

enum WerkzeugValue {
    Hmac {
        alg: Alg,
        salt: String,
        mac: Vec<u8>,
    },
    Unsalted {
        alg: Alg,
        digest: Vec<u8>,
    },
    Plaintext(String),
}

struct WerkzeugHash(WerkzeugValue);

impl fmt::Debug for WerkzeugHash {
    // Hand-written so a `plain$$` password never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match &self.0 {
            WerkzeugValue::Hmac { alg, .. } | WerkzeugValue::Unsalted { alg, .. } => alg.name(),
            WerkzeugValue::Plaintext(_) => "plain",
        };
        f.debug_struct("WerkzeugHash")
            .field("method", &method)
            .finish_non_exhaustive()
    }
}

const WERKZEUG_ID: &str = "werkzeug_legacy_hmac";

/// Werkzeug's methods that Django never wrote, hence certain.
fn werkzeug_only_alg(method: &str) -> Option<Alg> {
    match method {
        "sha224" => Some(Alg::Sha224),
        "sha256" => Some(Alg::Sha256),
        "sha384" => Some(Alg::Sha384),
        "sha512" => Some(Alg::Sha512),
        _ => None,
    }
}

fn werkzeug_alg(method: &str) -> Option<Alg> {
    match method {
        "md5" => Some(Alg::Md5),
        "sha1" => Some(Alg::Sha1),
        _ => werkzeug_only_alg(method),
    }
}

/// Compare a password with a stored plaintext in constant time without revealing its
/// length: compare fixed-size digests of both.
fn plaintext_eq(password: &[u8], stored: &[u8]) -> bool {
    super::ct_eq(
        &Alg::Sha256.digest(&[password]),
        &Alg::Sha256.digest(&[stored]),
    )
}

impl ParsedHash for WerkzeugHash {
    fn format(&self) -> &'static str {
        WERKZEUG_ID
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        match &self.0 {
            WerkzeugValue::Hmac { alg, salt, .. } => params([
                ("method", alg.name().into()),
                ("construction", "HMAC(key=salt, msg=password)".into()),
                ("salt_len", salt.len().into()),
            ]),
            WerkzeugValue::Unsalted { alg, .. } => params([
                ("method", alg.name().into()),
                ("construction", "H(password)".into()),
            ]),
            WerkzeugValue::Plaintext(_) => params([("method", "plain".into())]),
        }
    }
    fn verify(&self, password: &[u8]) -> bool {
        match &self.0 {
            WerkzeugValue::Hmac { alg, salt, mac } => {
                super::ct_eq(&alg.hmac(salt.as_bytes(), password), mac)
            }
            WerkzeugValue::Unsalted { alg, digest } => {
                super::ct_eq(&alg.digest(&[password]), digest)
            }
            WerkzeugValue::Plaintext(stored) => plaintext_eq(password, stored.as_bytes()),
        }
    }
    fn canonical(&self) -> String {
        match &self.0 {
            WerkzeugValue::Hmac { alg, salt, mac } => {
                format!("{}${salt}${}", alg.name(), hex_encode(mac))
            }
            WerkzeugValue::Unsalted { alg, digest } => {
                format!("{}$${}", alg.name(), hex_encode(digest))
            }
            WerkzeugValue::Plaintext(p) => format!("plain$${p}"),
        }
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        match &self.0 {
            WerkzeugValue::Hmac { .. } => Err(NotExpressible::new(
                "Clerk has no HMAC hasher keyed by the salt (Werkzeug < 2.3 legacy method)",
            )),
            WerkzeugValue::Unsalted { alg, digest } => clerk_unsalted(*alg, digest),
            WerkzeugValue::Plaintext(_) => Err(NotExpressible::new(
                "the password is stored in plain text: hash it (e.g. bcrypt) before import",
            )),
        }
    }
    fn warnings(&self) -> Vec<String> {
        match self.0 {
            WerkzeugValue::Plaintext(_) => {
                vec!["werkzeug_legacy_hmac: plain$$ stores the password in plain text".into()]
            }
            _ => Vec::new(),
        }
    }
}

impl Scheme for WerkzeugLegacy {
    fn id(&self) -> &'static str {
        WERKZEUG_ID
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[
            "md5$", "sha1$", "plain$", "sha224$", "sha256$", "sha384$", "sha512$",
        ])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        let (method, _) = s.split_once('$')?;
        match method {
            // Same shape as Django's md5$/sha1$, which is the documented default.
            "md5" | "sha1" => Some(Claim::Alternative),
            "plain" => Some(Claim::Certain),
            m => werkzeug_only_alg(m).map(|_| Claim::Certain),
        }
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let layout = || HashError::malformed(WERKZEUG_ID, "layout", "must be method$salt$value");
        let (method, rest) = s.split_once('$').ok_or_else(layout)?;
        let (salt, value) = rest.split_once('$').ok_or_else(layout)?;
        let parsed = if method == "plain" {
            if !salt.is_empty() {
                return Err(HashError::malformed(
                    WERKZEUG_ID,
                    "salt",
                    "must be empty for method plain (Werkzeug writes plain$$password)",
                ));
            }
            WerkzeugValue::Plaintext(value.to_string())
        } else {
            let alg = werkzeug_alg(method).ok_or_else(|| {
                HashError::new(
                    Reason::UnsupportedVariant,
                    format!(
                        "{WERKZEUG_ID}: method {:?} is not one of md5, sha1, sha224, sha256, sha384, sha512, plain",
                        truncate(method, 16)
                    ),
                )
            })?;
            let digest = hex_digest(WERKZEUG_ID, "digest", value, alg, HexCase::Lower)?;
            if salt.is_empty() {
                WerkzeugValue::Unsalted { alg, digest }
            } else {
                WerkzeugValue::Hmac {
                    alg,
                    salt: salt.to_string(),
                    mac: digest,
                }
            }
        };
        Ok(Box::new(WerkzeugHash(parsed)))
    }
    fn example(&self) -> &'static str {
        "sha256$70108387805$8b9472281c36c3a693703de0e0f1ffab8fc0ecdd3bc5ead04c76dd74ef431e49"
    }
}

// ---------------------------------------------------------------------------------------
// MySQL 4.1+ PASSWORD(): `*` + 40 upper-case hex of sha1(sha1(password)).

pub struct Mysql41;

#[derive(Debug)]
struct Mysql41Hash {
    digest: Vec<u8>,
}

impl ParsedHash for Mysql41Hash {
    fn format(&self) -> &'static str {
        "mysql41"
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([("construction", "sha1(sha1(password))".into())])
    }
    fn verify(&self, password: &[u8]) -> bool {
        let inner = Alg::Sha1.digest(&[password]);
        super::ct_eq(&Alg::Sha1.digest(&[&inner]), &self.digest)
    }
    fn canonical(&self) -> String {
        format!("*{}", hex_encode(&self.digest).to_ascii_uppercase())
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Err(NotExpressible::new(
            "Clerk has no hasher for MySQL PASSWORD() (sha1 of sha1)",
        ))
    }
}

impl Scheme for Mysql41 {
    fn id(&self) -> &'static str {
        "mysql41"
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&["*"])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        // `*`, `*0`, `*1` are no-password markers; longer `*`+alphanumerics are MySQL,
        // claimed even at the wrong length so parse can say what is wrong.
        let rest = s.strip_prefix('*')?;
        (rest.len() > 2 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, _ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let rest = s
            .strip_prefix('*')
            .ok_or_else(|| HashError::malformed(self.id(), "prefix", "must be '*'"))?;
        // MySQL writes upper case; the digest is what counts, so either case is read.
        let digest = hex_digest(self.id(), "digest", rest, Alg::Sha1, HexCase::Any)?;
        Ok(Box::new(Mysql41Hash { digest }))
    }
    fn example(&self) -> &'static str {
        "*2C905879F74F28F8570989947D06A8429FB943E6"
    }
}

// ---------------------------------------------------------------------------------------
// Symfony MessageDigestPasswordEncoder (sha512, base64) in Clerk's layout.

/// Clerk's `sha512_symfony$<iterations>$<salt>$<base64 hash>`: Symfony's legacy
/// `MessageDigestPasswordHasher('sha512', true, iterations)`.
pub struct Sha512Symfony;

const SYMFONY_ID: &str = "sha512_symfony";
const SYMFONY_PREFIX: &str = "sha512_symfony$";
/// Symfony refuses longer passwords (`PasswordHasherInterface::MAX_PASSWORD_LENGTH`).
const SYMFONY_MAX_PASSWORD_LEN: usize = 4096;

#[derive(Debug)]
struct SymfonyHash {
    iterations: u64,
    salt: String,
    digest: Vec<u8>,
}

impl SymfonyHash {
    /// Symfony's `mergePasswordAndSalt`: `password{salt}`, or the bare password when the
    /// salt is falsy in PHP (empty, or the string "0").
    fn salted(&self, password: &[u8]) -> Vec<u8> {
        let mut salted = password.to_vec();
        if !(self.salt.is_empty() || self.salt == "0") {
            salted.push(b'{');
            salted.extend_from_slice(self.salt.as_bytes());
            salted.push(b'}');
        }
        salted
    }
}

impl ParsedHash for SymfonyHash {
    fn format(&self) -> &'static str {
        SYMFONY_ID
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("digest", "sha512".into()),
            ("iterations", self.iterations.into()),
            ("salt_len", self.salt.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        if password.len() > SYMFONY_MAX_PASSWORD_LEN {
            return false;
        }
        let salted = self.salted(password);
        let mut digest = Alg::Sha512.digest(&[&salted]);
        for _ in 1..self.iterations {
            digest = Alg::Sha512.digest(&[&digest, &salted]);
        }
        super::ct_eq(&digest, &self.digest)
    }
    fn canonical(&self) -> String {
        format!(
            "{SYMFONY_PREFIX}{}${}${}",
            self.iterations,
            self.salt,
            std_encode(&self.digest)
        )
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        Ok(ClerkDigest {
            password_hasher: SYMFONY_ID,
            password_digest: self.canonical(),
        })
    }
}

impl Scheme for Sha512Symfony {
    fn id(&self) -> &'static str {
        SYMFONY_ID
    }
    fn family(&self) -> Family {
        Family::Digest
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        Some(SYMFONY_ID)
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        Lead::prefixes(&[SYMFONY_PREFIX])
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        s.starts_with(SYMFONY_PREFIX).then_some(Claim::Certain)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let rest = s.strip_prefix(SYMFONY_PREFIX).ok_or_else(|| {
            HashError::malformed(
                SYMFONY_ID,
                "prefix",
                format_args!("must be {SYMFONY_PREFIX:?}"),
            )
        })?;
        let fields: Vec<&str> = rest.split('$').collect();
        let [iterations, salt, hash] = fields[..] else {
            return Err(HashError::malformed(
                SYMFONY_ID,
                "layout",
                "must be sha512_symfony$<iterations>$<salt>$<base64 hash>",
            ));
        };
        let iterations = parse_decimal(SYMFONY_ID, "iterations", iterations)?;
        if iterations == 0 {
            return Err(HashError::malformed(
                SYMFONY_ID,
                "iterations",
                "must be at least 1",
            ));
        }
        WorkCaps::check(
            SYMFONY_ID,
            "iterations",
            iterations,
            ctx.caps.generic_iterations,
        )?;
        if salt.contains(['{', '}']) {
            // Symfony throws "Cannot use { or } in salt."
            return Err(HashError::malformed(
                SYMFONY_ID,
                "salt",
                "must not contain '{' or '}'",
            ));
        }
        let digest = std_decode(hash).map_err(|e| {
            HashError::malformed(SYMFONY_ID, "hash", format_args!("is not base64: {e}"))
        })?;
        if digest.len() != Alg::Sha512.output_len() {
            return Err(HashError::malformed(
                SYMFONY_ID,
                "hash",
                format_args!("must decode to 64 bytes (sha512), found {}", digest.len()),
            ));
        }
        Ok(Box::new(SymfonyHash {
            iterations,
            salt: salt.to_string(),
            digest,
        }))
    }
    fn example(&self) -> &'static str {
        "sha512_symfony$5000$c2FsdHlzYWx0$yRnVw5K4bhDgoVNNH8yTyqHglgns9ucRahVv4LMkoF2uAAQtmdupfdxate1r4ZCxTXsWeqLgtkzv3aNWaAuJSw=="
    }
}

// ---------------------------------------------------------------------------------------

static HEX_MD5: HexDigest = HexDigest {
    id: "hex_md5",
    alg: Alg::Md5,
    clerk: Some("md5"),
    example: "5f4dcc3b5aa765d61d8327deb882cf99",
};
static HEX_SHA1: HexDigest = HexDigest {
    id: "hex_sha1",
    alg: Alg::Sha1,
    clerk: None,
    example: "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
};
static HEX_SHA256: HexDigest = HexDigest {
    id: "hex_sha256",
    alg: Alg::Sha256,
    clerk: Some("sha256"),
    example: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
};
static HEX_SHA512: HexDigest = HexDigest {
    id: "hex_sha512",
    alg: Alg::Sha512,
    clerk: None,
    example: "b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86",
};
const DJANGO_UNSALTED_MD5_ID: &str = "django_unsalted_md5";
static DJANGO_UNSALTED_MD5: DjangoUnsalted = DjangoUnsalted {
    id: DJANGO_UNSALTED_MD5_ID,
    alg: Alg::Md5,
    prefix: "md5$$",
    bare: true,
    example: "md5$$88a434c88cca4e900f7874cd98123f43",
};
static DJANGO_UNSALTED_SHA1: DjangoUnsalted = DjangoUnsalted {
    id: "django_unsalted_sha1",
    alg: Alg::Sha1,
    prefix: "sha1$$",
    bare: false,
    example: "sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b",
};
static DJANGO_SALTED_MD5: DjangoSalted = DjangoSalted {
    id: "django_salted_md5",
    alg: Alg::Md5,
    example: "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3",
};
static DJANGO_SALTED_SHA1: DjangoSalted = DjangoSalted {
    id: "django_salted_sha1",
    alg: Alg::Sha1,
    example: "sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8",
};
static HEX_MD5_PASS_SALT: ColonSalted = ColonSalted {
    id: "hex_md5_pass_salt",
    alg: Alg::Md5,
    salting: Salting::PassSalt,
    example: "3d83c8e717ff0e7ecfe187f088d69954:343141",
};
static HEX_MD5_SALT_PASS: ColonSalted = ColonSalted {
    id: "hex_md5_salt_pass",
    alg: Alg::Md5,
    salting: Salting::SaltPass,
    example: "57ab8499d08c59a7211c77f557bf9425:4247",
};
static HEX_SHA1_PASS_SALT: ColonSalted = ColonSalted {
    id: "hex_sha1_pass_salt",
    alg: Alg::Sha1,
    salting: Salting::PassSalt,
    example: "848952984db93bdd2d0151d4ecca6ea44fcf49e3:30007548152",
};
static HEX_SHA1_SALT_PASS: ColonSalted = ColonSalted {
    id: "hex_sha1_salt_pass",
    alg: Alg::Sha1,
    salting: Salting::SaltPass,
    example: "a428863972744b16afef28e0087fc094b44bb7b1:465727565",
};
static HEX_SHA256_PASS_SALT: ColonSalted = ColonSalted {
    id: "hex_sha256_pass_salt",
    alg: Alg::Sha256,
    salting: Salting::PassSalt,
    example: "5bb7456f43e3610363f68ad6de82b8b96f3fc9ad24e9d1f1f8d8bd89638db7c0:12480864321",
};
static HEX_SHA256_SALT_PASS: ColonSalted = ColonSalted {
    id: "hex_sha256_salt_pass",
    alg: Alg::Sha256,
    salting: Salting::SaltPass,
    example: "816d1ded1d621873595048912ea3405d9d42afd3b57665d9f5a2db4d89720854:36176620",
};
static HEX_SHA512_PASS_SALT: ColonSalted = ColonSalted {
    id: "hex_sha512_pass_salt",
    alg: Alg::Sha512,
    salting: Salting::PassSalt,
    example: "3f749c84d00c6f94a6651b5c195c71dacae08f3cea6fed760232856cef701f7bf60d7f38a587f69f159d4e4cbe00435aeb9c8c0a4927b252d76a744e16e87e91:388026522082",
};
static HEX_SHA512_SALT_PASS: ColonSalted = ColonSalted {
    id: "hex_sha512_salt_pass",
    alg: Alg::Sha512,
    salting: Salting::SaltPass,
    example: "efc5dd0e4145970917abdc311e1d4e23ba0afa9426d960cb28569f4d585cb031af5c936f57fbcb0a08368a1b302573cf582100d40bd7c632f3d8aecd1a1a8eb1:812",
};
static VBULLETIN: ColonSalted = ColonSalted {
    id: "vbulletin",
    alg: Alg::Md5,
    salting: Salting::VBulletin,
    example: "28f9975808ae2bdc5847b1cda26033ea:308",
};
static MYBB_IPB: ColonSalted = ColonSalted {
    id: "mybb_ipb",
    alg: Alg::Md5,
    salting: Salting::MybbIpb,
    example: "022f7e02b3314f7d0968f73c00ba759f:67588",
};

/// Prefixed formats first, then the bare-hex shapes (formats.md §14 steps 4 and 6).
pub static SCHEMES: &[&dyn super::Scheme] = &[
    &Sha512Symfony,
    &DJANGO_UNSALTED_MD5,
    &DJANGO_UNSALTED_SHA1,
    &DJANGO_SALTED_MD5,
    &DJANGO_SALTED_SHA1,
    &WerkzeugLegacy,
    &Mysql41,
    &HEX_MD5,
    &HEX_SHA1,
    &HEX_SHA256,
    &HEX_SHA512,
    &HEX_MD5_PASS_SALT,
    &HEX_MD5_SALT_PASS,
    &HEX_SHA1_PASS_SALT,
    &HEX_SHA1_SALT_PASS,
    &HEX_SHA256_PASS_SALT,
    &HEX_SHA256_SALT_PASS,
    &HEX_SHA512_PASS_SALT,
    &HEX_SHA512_SALT_PASS,
    &VBULLETIN,
    &MYBB_IPB,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{identify, parse, resolve_hint, Confidence};
    use proptest::prelude::*;

    fn ctx() -> ParseContext {
        ParseContext::default()
    }

    fn hinted(s: &str, hint: &str) -> Result<Box<dyn ParsedHash>, HashError> {
        parse(s, Some(hint), &ctx()).map(|h| h.hash)
    }

    /// import-targets.md §1.2, Clerk's `sha512_symfony` row: pw `hunter2`, salt
    /// `c2FsdHlzYWx0`, 5000 iterations, computed with Symfony's algorithm.
    const SYMFONY_KNOWN: &str = "sha512_symfony$5000$c2FsdHlzYWx0$yRnVw5K4bhDgoVNNH8yTyqHglgns9ucRahVv4LMkoF2uAAQtmdupfdxate1r4ZCxTXsWeqLgtkzv3aNWaAuJSw==";

    #[test]
    fn symfony_known_answer_and_clerk_round_trip() {
        let h = parse(SYMFONY_KNOWN, None, &ctx()).unwrap();
        assert_eq!(h.identification.format, "sha512_symfony");
        assert_eq!(h.identification.confidence, Confidence::Certain);
        assert!(h.verify(b"hunter2"));
        assert!(!h.verify(b"hunter3"));
        assert_eq!(h.hash.canonical(), SYMFONY_KNOWN);
        let clerk = h.hash.clerk().unwrap();
        assert_eq!(clerk.password_hasher, "sha512_symfony");
        assert_eq!(clerk.password_digest, SYMFONY_KNOWN);
        assert_eq!(
            resolve_hint("sha512_symfony").unwrap().id(),
            "sha512_symfony"
        );
        // One iteration fewer is a different hash.
        let fewer = SYMFONY_KNOWN.replacen("$5000$", "$4999$", 1);
        assert!(!hinted(&fewer, "sha512_symfony").unwrap().verify(b"hunter2"));
    }

    #[test]
    fn symfony_iterations_capped_before_hashing() {
        let s = SYMFONY_KNOWN.replacen("$5000$", "$4294967295$", 1);
        let start = std::time::Instant::now();
        let e = hinted(&s, "sha512_symfony").unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_millis(50));
        assert_eq!(e.reason, Reason::WorkCapExceeded);
        assert!(e.message.contains("iterations"), "{e}");
    }

    #[test]
    fn symfony_field_errors_name_the_field() {
        for (bad, field) in [
            (SYMFONY_KNOWN.replacen("$5000$", "$0$", 1), "iterations"),
            (SYMFONY_KNOWN.replacen("$5000$", "$05000$", 1), "iterations"),
            (SYMFONY_KNOWN.replacen("c2FsdHlzYWx0", "a{b}", 1), "salt"),
            (SYMFONY_KNOWN.replacen("Sw==", "Sw", 1), "hash"),
            (SYMFONY_KNOWN.replacen("$yRnV", "$yRnVAAAA", 1), "hash"),
            ("sha512_symfony$5000$salt".to_string(), "layout"),
        ] {
            let e = hinted(&bad, "sha512_symfony").unwrap_err();
            assert_eq!(e.reason, Reason::Malformed, "{bad}");
            assert!(e.message.contains(field), "{bad}: {e}");
        }
    }

    #[test]
    fn hex_either_case_canonical_lower() {
        // RFC 1321 A.5: md5("abc").
        let upper = parse("900150983CD24FB0D6963F7D28E17F72", Some("hex_md5"), &ctx()).unwrap();
        assert!(upper.verify(b"abc"));
        assert_eq!(upper.hash.canonical(), "900150983cd24fb0d6963f7d28e17f72");
        let clerk = upper.hash.clerk().unwrap();
        assert_eq!(clerk.password_hasher, "md5");
        assert_eq!(clerk.password_digest, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(resolve_hint("md5").unwrap().id(), "hex_md5");
        assert_eq!(resolve_hint("sha256").unwrap().id(), "hex_sha256");
        assert!(
            hinted("5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "hex_sha1")
                .unwrap()
                .clerk()
                .is_err()
        );
    }

    #[test]
    fn django_forms_are_lower_case_only() {
        // Django compares the hex text, so upper case never verified there.
        let e = hinted(
            "md5$$88A434C88CCA4E900F7874CD98123F43",
            "django_unsalted_md5",
        )
        .unwrap_err();
        assert!(e.message.contains("lower-case"), "{e}");
        let e = hinted(
            "md5$seasalt$3F86D0D3D465B7B458C231BF3555C0E3",
            "django_salted_md5",
        )
        .unwrap_err();
        assert!(e.message.contains("lower-case"), "{e}");
        // Upper-case bare hex is hex_md5 only.
        let id = identify("88A434C88CCA4E900F7874CD98123F43", None).unwrap();
        assert!(!id.candidates.contains(&"django_unsalted_md5"));
    }

    #[test]
    fn identification_levels() {
        let id = identify("88a434c88cca4e900f7874cd98123f43", None).unwrap();
        assert_eq!((id.format, id.confidence), ("hex_md5", Confidence::Shape));
        assert!(id.candidates.contains(&"django_unsalted_md5"));

        let id = identify("6d138ca3ae545631b3abd71a4f076ce759c5700b", None).unwrap();
        assert_eq!(id.format, "hex_sha1");
        assert!(!id.candidates.contains(&"django_unsalted_sha1"));

        let id = identify("md5$$88a434c88cca4e900f7874cd98123f43", None).unwrap();
        assert_eq!(
            (id.format, id.confidence),
            ("django_unsalted_md5", Confidence::Default)
        );
        assert!(id.candidates.contains(&"werkzeug_legacy_hmac"));

        let id = identify("md5$84143$7f51edecfa6fb401a0b5e63d33fc8c0e", None).unwrap();
        assert_eq!(
            (id.format, id.confidence),
            ("django_salted_md5", Confidence::Default)
        );
        assert!(id.candidates.contains(&"werkzeug_legacy_hmac"));

        for s in [
            "sha256$70108387805$8b9472281c36c3a693703de0e0f1ffab8fc0ecdd3bc5ead04c76dd74ef431e49",
            "plain$$secret",
        ] {
            let id = identify(s, None).unwrap();
            assert_eq!(
                (id.format, id.confidence),
                ("werkzeug_legacy_hmac", Confidence::Certain)
            );
        }

        let id = identify("*2C905879F74F28F8570989947D06A8429FB943E6", None).unwrap();
        assert_eq!((id.format, id.confidence), ("mysql41", Confidence::Certain));
        // Short `*` values stay no-password markers.
        assert_eq!(identify("*0", None).unwrap().family, Family::Unusable);

        // `hexdigest:salt` never identifies without a hint.
        assert!(identify("3d83c8e717ff0e7ecfe187f088d69954:343141", None).is_err());
    }

    #[test]
    fn mysql41_reads_lower_case_writes_upper() {
        let h = hinted("*2c905879f74f28f8570989947d06a8429fb943e6", "mysql41").unwrap();
        assert!(h.verify(b"verysecretpassword"));
        assert_eq!(h.canonical(), "*2C905879F74F28F8570989947D06A8429FB943E6");
        let e = hinted("*2C905879F74F28F8570989947D06A8429FB943", "mysql41").unwrap_err();
        assert!(e.message.contains("40 hex"), "{e}");
    }

    #[test]
    fn werkzeug_unsalted_and_plain() {
        // md5("password") and sha256("password"): vectors hex_md5-011, hex_sha256-001.
        let h = hinted(
            "md5$$5f4dcc3b5aa765d61d8327deb882cf99",
            "werkzeug_legacy_hmac",
        )
        .unwrap();
        assert!(h.verify(b"password"));
        assert_eq!(h.clerk().unwrap().password_hasher, "md5");
        let sha = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
        let h = hinted(&format!("sha256$${sha}"), "werkzeug_legacy_hmac").unwrap();
        assert!(h.verify(b"password"));
        assert_eq!(h.clerk().unwrap().password_digest, sha);

        let h = hinted("plain$$pa$$word", "werkzeug_legacy_hmac").unwrap();
        assert!(h.verify(b"pa$$word"));
        assert!(!h.verify(b"pa$$wor"));
        assert_eq!(h.canonical(), "plain$$pa$$word");
        assert!(h.clerk().is_err());
        assert!(!h.warnings().is_empty());
        let shown = format!("{h:?} {:?}", h.params());
        assert!(!shown.contains("pa$$word"), "{shown}");
        let e = hinted("plain$salt$pw", "werkzeug_legacy_hmac").unwrap_err();
        assert!(e.message.contains("salt"), "{e}");
    }

    #[test]
    fn colon_salted_errors_and_salt_with_colons() {
        let e = hinted("3d83c8e717ff0e7ecfe187f088d69954:", "hex_md5_pass_salt").unwrap_err();
        assert!(e.message.contains("salt"), "{e}");
        let e = hinted(
            "3d83c8e717ff0e7ecfe187f088d6995:343141",
            "hex_md5_pass_salt",
        )
        .unwrap_err();
        assert!(e.message.contains("32 hex"), "{e}");
        // The salt is everything after the first ':'.
        let h = hinted(
            "3d83c8e717ff0e7ecfe187f088d69954:34:41",
            "hex_md5_pass_salt",
        )
        .unwrap();
        assert_eq!(h.canonical(), "3d83c8e717ff0e7ecfe187f088d69954:34:41");
        assert!(h.clerk().is_err());
        // The same string read with the other order does not verify.
        let s = "3d83c8e717ff0e7ecfe187f088d69954:343141";
        assert!(hinted(s, "hex_md5_pass_salt").unwrap().verify(b"hashcat"));
        assert!(!hinted(s, "hex_md5_salt_pass").unwrap().verify(b"hashcat"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn claim_and_parse_never_panic(
            prefix in prop::sample::select(vec![
                "", "md5$", "md5$$", "sha1$", "sha1$$", "sha256$", "plain$", "*",
                "sha512_symfony$", "sha512_symfony$5000$",
            ]),
            tail in "\\PC{0,140}",
        ) {
            let s = format!("{prefix}{tail}");
            for scheme in SCHEMES {
                if scheme.claim(&s).is_some() {
                    let _ = scheme.parse(&s, &ctx());
                }
                let _ = scheme.parse(&s, &ctx());
            }
        }
    }
}
