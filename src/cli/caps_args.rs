//! `--max-*` flags that raise or lower the work caps (see `hashport::caps`).

use hashport::WorkCaps;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct CapsArgs {
    /// Highest bcrypt cost accepted [default: 14].
    #[arg(long, value_name = "COST")]
    pub max_bcrypt_cost: Option<u32>,
    /// Highest argon2 memory in KiB [default: 262144 = 256 MiB].
    #[arg(long, value_name = "KIB")]
    pub max_argon2_memory: Option<u32>,
    /// Highest argon2 passes t [default: 16].
    #[arg(long, value_name = "T")]
    pub max_argon2_time: Option<u32>,
    /// Highest scrypt memory 128·N·r in bytes [default: 268435456 = 256 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_scrypt_memory: Option<u64>,
    /// Highest PBKDF2 iteration count [default: 4000000].
    #[arg(long, value_name = "N")]
    pub max_pbkdf2_iterations: Option<u32>,
    /// Highest SHA-crypt rounds [default: 1000000].
    #[arg(long, value_name = "N")]
    pub max_sha_crypt_rounds: Option<u32>,
    /// Lift every cap to the format's legal maximum. Only for hashes you trust.
    #[arg(long)]
    pub no_work_caps: bool,
}

impl CapsArgs {
    pub fn caps(&self) -> WorkCaps {
        let mut c = if self.no_work_caps {
            WorkCaps::unlimited()
        } else {
            WorkCaps::default()
        };
        if let Some(v) = self.max_bcrypt_cost {
            c.bcrypt_cost = v;
        }
        if let Some(v) = self.max_argon2_memory {
            c.argon2_memory_kib = v;
            c.argon2_work_kib = c.argon2_work_kib.max(v as u64 * 4);
        }
        if let Some(v) = self.max_argon2_time {
            c.argon2_time = v;
        }
        if let Some(v) = self.max_scrypt_memory {
            c.scrypt_memory_bytes = v;
            c.scrypt_work = c.scrypt_work.max(v / 128 * 16);
        }
        if let Some(v) = self.max_pbkdf2_iterations {
            c.pbkdf2_iterations = v;
        }
        if let Some(v) = self.max_sha_crypt_rounds {
            c.sha_crypt_rounds = v;
        }
        c
    }
}
