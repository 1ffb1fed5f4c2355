//! Work caps: the most work one stored hash may demand before hashport refuses it.
//!
//! A hostile or broken export can carry `$argon2id$m=4294967295…` or
//! `$2b$31$…`; verifying it would pin a sign-in server for minutes or exhaust its
//! memory. Every scheme checks its parameters against these caps while parsing,
//! before any hashing, so a refused hash costs microseconds and its error names the
//! parameter. Defaults keep one verification under about 2 s and 256 MiB on a
//! 2-core server (figures in README "Work caps"); `hashport verify --max-*` flags and
//! `migrate` flags raise them.

use crate::scheme::HashError;

/// bcrypt cost 14 = 16384 Eksblowfish rounds, about 1 s on one core here; 15 is ~2 s.
pub const DEFAULT_BCRYPT_COST: u32 = 14;
/// 256 MiB, the memory budget of one verification.
pub const DEFAULT_ARGON2_MEMORY_KIB: u32 = 256 * 1024;
/// Argon2 passes. m=256 MiB × t=4 is about 1.5 s on one core.
pub const DEFAULT_ARGON2_TIME: u32 = 16;
/// Memory-passes product (KiB × t): bounds time whatever the split between m and t.
pub const DEFAULT_ARGON2_WORK_KIB: u64 = 1024 * 1024;
/// Lanes. Supabase caps p at 16; the reference implementation allows 2^24-1.
pub const DEFAULT_ARGON2_LANES: u32 = 16;
/// scrypt memory, 128·N·r bytes: 256 MiB.
pub const DEFAULT_SCRYPT_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// scrypt work N·r·p (BlockMix calls): 2^22 ≈ 16× the common N=2^15,r=8,p=1.
pub const DEFAULT_SCRYPT_WORK: u64 = 1 << 22;
/// PBKDF2 iterations. Django 5.2 writes 1,000,000; OWASP asks 600,000 for SHA-256.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 4_000_000;
/// SHA-crypt rounds (default 5000; distributions use up to ~656,000).
pub const DEFAULT_SHA_CRYPT_ROUNDS: u32 = 1_000_000;
/// phpass / Drupal 7 log2 iteration count (WordPress uses 13, Drupal 15, legal up to 30).
pub const DEFAULT_PHPASS_LOG2: u32 = 22;
/// Any other iterated construction (yescrypt N·r, Symfony-style iteration counts, ...).
pub const DEFAULT_GENERIC_ITERATIONS: u64 = 1 << 22;

/// The caps in force. Built with [`WorkCaps::default`] and adjusted field by field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WorkCaps {
    pub bcrypt_cost: u32,
    pub argon2_memory_kib: u32,
    pub argon2_time: u32,
    pub argon2_work_kib: u64,
    pub argon2_lanes: u32,
    pub scrypt_memory_bytes: u64,
    pub scrypt_work: u64,
    pub pbkdf2_iterations: u32,
    pub sha_crypt_rounds: u32,
    pub phpass_log2: u32,
    pub generic_iterations: u64,
}

impl Default for WorkCaps {
    fn default() -> Self {
        WorkCaps {
            bcrypt_cost: DEFAULT_BCRYPT_COST,
            argon2_memory_kib: DEFAULT_ARGON2_MEMORY_KIB,
            argon2_time: DEFAULT_ARGON2_TIME,
            argon2_work_kib: DEFAULT_ARGON2_WORK_KIB,
            argon2_lanes: DEFAULT_ARGON2_LANES,
            scrypt_memory_bytes: DEFAULT_SCRYPT_MEMORY_BYTES,
            scrypt_work: DEFAULT_SCRYPT_WORK,
            pbkdf2_iterations: DEFAULT_PBKDF2_ITERATIONS,
            sha_crypt_rounds: DEFAULT_SHA_CRYPT_ROUNDS,
            phpass_log2: DEFAULT_PHPASS_LOG2,
            generic_iterations: DEFAULT_GENERIC_ITERATIONS,
        }
    }
}

impl WorkCaps {
    /// No caps beyond each format's legal range. For tests and trusted offline checks only.
    pub fn unlimited() -> Self {
        WorkCaps {
            bcrypt_cost: 31,
            argon2_memory_kib: u32::MAX,
            argon2_time: u32::MAX,
            argon2_work_kib: u64::MAX,
            argon2_lanes: u32::MAX,
            scrypt_memory_bytes: u64::MAX,
            scrypt_work: u64::MAX,
            pbkdf2_iterations: u32::MAX,
            sha_crypt_rounds: u32::MAX,
            phpass_log2: 30,
            generic_iterations: u64::MAX,
        }
    }

    /// Refuse `value` above `cap` for `param` of `format`, naming both.
    pub fn check(format: &str, param: &str, value: u64, cap: u64) -> Result<(), HashError> {
        if value > cap {
            Err(HashError::work_cap(format, param, value, cap))
        } else {
            Ok(())
        }
    }

    pub fn check_bcrypt_cost(&self, format: &str, cost: u32) -> Result<(), HashError> {
        Self::check(format, "cost", cost as u64, self.bcrypt_cost as u64)
    }

    pub fn check_pbkdf2(&self, format: &str, iterations: u32) -> Result<(), HashError> {
        Self::check(
            format,
            "iterations",
            iterations as u64,
            self.pbkdf2_iterations as u64,
        )
    }

    /// scrypt: memory 128·N·r bytes and work N·r·p. `log_n` is log2 N.
    pub fn check_scrypt(&self, format: &str, log_n: u8, r: u32, p: u32) -> Result<(), HashError> {
        let n = 1u128 << log_n.min(127);
        let mem = 128u128 * n * r as u128;
        let work = n * r as u128 * p as u128;
        if mem > self.scrypt_memory_bytes as u128 {
            return Err(HashError::work_cap(
                format,
                "N*r (memory 128*N*r bytes)",
                mem.min(u64::MAX as u128) as u64,
                self.scrypt_memory_bytes,
            ));
        }
        Self::check(
            format,
            "N*r*p",
            work.min(u64::MAX as u128) as u64,
            self.scrypt_work,
        )
    }

    /// argon2: m (KiB), t, p and the m·t product.
    pub fn check_argon2(&self, format: &str, m: u32, t: u32, p: u32) -> Result<(), HashError> {
        Self::check(format, "m", m as u64, self.argon2_memory_kib as u64)?;
        Self::check(format, "t", t as u64, self.argon2_time as u64)?;
        Self::check(format, "p", p as u64, self.argon2_lanes as u64)?;
        Self::check(format, "m*t", m as u64 * t as u64, self.argon2_work_kib)
    }
}
