//! The policy: which hashes must become bcrypt at the user's next sign-in, and the
//! sign-in call that does it (passlib's `CryptContext.verify_and_update`, Django's
//! `check_password(setter=...)`). Schemes hold no policy; this module holds all of it.
//!
//! ```
//! use hashport::policy::{verify_and_upgrade, Outcome, Policy};
//! use hashport::scheme::parse;
//!
//! let policy = Policy { target_cost: 4, ..Policy::default() }; // cost 4 only to keep the doc test fast
//! let ctx = policy.parse_context();
//! // A legacy hash from the import bundle (here: unsalted MD5 of "password").
//! let stored = parse("5f4dcc3b5aa765d61d8327deb882cf99", Some("hex_md5"), &ctx).unwrap();
//! match verify_and_upgrade(b"password", &stored, &policy).unwrap() {
//!     Outcome::Match { upgrade: Some(new), .. } => {
//!         // Save new.password_hasher / new.password_digest for this user, then sign in.
//!         assert_eq!(new.password_hasher, "bcrypt");
//!         assert!(new.password_digest.starts_with("$2b$04$"));
//!     }
//!     Outcome::Match { upgrade: None, .. } => { /* sign in, keep the stored hash */ }
//!     Outcome::Mismatch => panic!("wrong password"),
//! }
//! ```

use serde::Serialize;

use crate::caps::WorkCaps;
use crate::scheme::{BcryptFacts, ClerkDigest, ParsedHash, StoredHash};

/// bcrypt cost written by upgrades unless told otherwise (OWASP: at least 10; 12 is
/// the common production default and about 250 ms here).
pub const DEFAULT_TARGET_COST: u32 = 12;
/// Shortest password not flagged at sign-in (NIST SP 800-63B §3.1.1.2: at least 8).
pub const DEFAULT_MIN_PASSWORD_LEN: usize = 8;
/// bcrypt reads at most this many password bytes.
pub const BCRYPT_MAX_PASSWORD_BYTES: usize = 72;

/// What must be upgraded, and the caps on stored hashes.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// bcrypt cost of new hashes; bcrypt below it is upgraded.
    pub target_cost: u32,
    /// Passwords shorter than this still match, with a warning.
    pub min_password_len: usize,
    /// Work caps for parsing stored hashes.
    pub caps: WorkCaps,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            target_cost: DEFAULT_TARGET_COST,
            min_password_len: DEFAULT_MIN_PASSWORD_LEN,
            caps: WorkCaps::default(),
        }
    }
}

/// Why a hash is to be replaced by bcrypt. The codes are stable (README).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeReason {
    /// Any scheme other than bcrypt.
    NotBcrypt,
    /// bcrypt below the policy's target cost.
    BcryptCostBelowTarget,
    /// `$2x$`, `$2$`, or `$2a$` checked with an 8-bit password (its meaning differs
    /// between crypt_blowfish and OpenBSD): re-hash as `$2b$`.
    BcryptLegacyVariant,
    /// bcrypt over a pre-hash, a pepper or WordPress's HMAC: replace with plain bcrypt.
    BcryptWrapper,
}

impl UpgradeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UpgradeReason::NotBcrypt => "not_bcrypt",
            UpgradeReason::BcryptCostBelowTarget => "bcrypt_cost_below_target",
            UpgradeReason::BcryptLegacyVariant => "bcrypt_legacy_variant",
            UpgradeReason::BcryptWrapper => "bcrypt_wrapper",
        }
    }
}

/// Why a due upgrade was not made at sign-in; the legacy hash stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeHeld {
    /// bcrypt would silently drop bytes past 72: keep the legacy hash, which uses them all.
    PasswordExceedsBcryptLimit,
    /// bcrypt stops at a NUL byte: the new hash would accept a shorter password.
    PasswordContainsNul,
}

impl Policy {
    /// Must this hash become bcrypt? `password`, when known (at sign-in), lets `$2a$`
    /// be judged: it only differs between implementations for bytes >= 0x80.
    pub fn upgrade_reason(
        &self,
        hash: &dyn ParsedHash,
        password: Option<&[u8]>,
    ) -> Option<UpgradeReason> {
        self.upgrade_reason_of(hash.usable(), hash.bcrypt(), password)
    }

    /// [`Policy::upgrade_reason`] from what it reads of the hash: whether it is usable
    /// and its bcrypt facts (for a hash known without parsing, `scheme::verbatim`).
    pub fn upgrade_reason_of(
        &self,
        usable: bool,
        bcrypt: Option<BcryptFacts>,
        password: Option<&[u8]>,
    ) -> Option<UpgradeReason> {
        if !usable {
            return None;
        }
        let Some(b) = bcrypt else {
            return Some(UpgradeReason::NotBcrypt);
        };
        if !b.plain {
            return Some(UpgradeReason::BcryptWrapper);
        }
        let eight_bit = password.is_some_and(|p| p.iter().any(|&c| c >= 0x80));
        if b.minor == 'x' || b.minor == '0' || (b.minor == 'a' && eight_bit) {
            return Some(UpgradeReason::BcryptLegacyVariant);
        }
        if b.cost < self.target_cost {
            return Some(UpgradeReason::BcryptCostBelowTarget);
        }
        None
    }

    /// The parse context whose work caps are this policy's.
    pub fn parse_context(&self) -> crate::scheme::ParseContext {
        crate::scheme::ParseContext {
            caps: self.caps.clone(),
            ..Default::default()
        }
    }

    /// A fresh `$2b$` hash of `password` at the target cost.
    pub fn new_bcrypt(&self, password: &[u8]) -> Result<ClerkDigest, VerifyError> {
        if password.len() > BCRYPT_MAX_PASSWORD_BYTES {
            return Err(VerifyError::PasswordTooLong);
        }
        let digest = bcrypt::hash(password, self.target_cost)
            .map_err(|e| VerifyError::Hashing(e.to_string()))?;
        Ok(ClerkDigest {
            password_hasher: "bcrypt",
            password_digest: digest,
        })
    }
}

/// The result of a sign-in check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Mismatch,
    Match {
        /// The new bcrypt hash to store, when the policy wants one and it could be made.
        upgrade: Option<ClerkDigest>,
        /// Why an upgrade is due (even when `held` kept it from happening).
        reason: Option<UpgradeReason>,
        /// Why a due upgrade was not made.
        held: Option<UpgradeHeld>,
        /// Things the application may act on, e.g. `password_below_minimum_length`.
        warnings: Vec<String>,
    },
}

/// Errors that are not a plain mismatch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the stored value means \"no usable password\"")]
    NoUsablePassword,
    #[error("password longer than bcrypt's 72-byte limit")]
    PasswordTooLong,
    #[error("bcrypt hashing failed: {0}")]
    Hashing(String),
}

/// Check `password` against a stored legacy hash and, on a match, return the bcrypt hash
/// that should replace it when the policy says so. Work caps were applied when `stored`
/// was parsed, so nothing here can be made to hash more than they allow.
pub fn verify_and_upgrade(
    password: &[u8],
    stored: &StoredHash,
    policy: &Policy,
) -> Result<Outcome, VerifyError> {
    if !stored.hash.usable() {
        return Err(VerifyError::NoUsablePassword);
    }
    if !stored.hash.verify(password) {
        return Ok(Outcome::Mismatch);
    }
    let mut warnings = Vec::new();
    if password.len() < policy.min_password_len {
        warnings.push("password_below_minimum_length".to_string());
    }
    let reason = policy.upgrade_reason(stored.hash.as_ref(), Some(password));
    let (upgrade, held) = match reason {
        None => (None, None),
        Some(_) if password.len() > BCRYPT_MAX_PASSWORD_BYTES => {
            (None, Some(UpgradeHeld::PasswordExceedsBcryptLimit))
        }
        Some(_) if password.contains(&0) => (None, Some(UpgradeHeld::PasswordContainsNul)),
        Some(_) => (Some(policy.new_bcrypt(password)?), None),
    };
    Ok(Outcome::Match {
        upgrade,
        reason,
        held,
        warnings,
    })
}
