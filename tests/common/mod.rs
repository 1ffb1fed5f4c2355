//! The public vector file, shared by the integration tests.

use serde::Deserialize;

#[derive(Deserialize, Clone, Debug)]
#[allow(dead_code)] // each test binary uses its own subset of fields
pub struct Vector {
    pub id: String,
    pub format: String,
    pub hash: String,
    pub password: Option<String>,
    pub password_hex: Option<String>,
    pub expect: String,
    pub reason: Option<String>,
}

#[allow(dead_code)]
impl Vector {
    /// The password's exact bytes (`password_hex` for non-UTF-8 passwords).
    pub fn password(&self) -> Option<Vec<u8>> {
        if let Some(h) = &self.password_hex {
            return Some(hex::decode(h).expect("vector password_hex"));
        }
        self.password.as_ref().map(|p| p.as_bytes().to_vec())
    }
}

/// fixtures/vectors.json, copied from the research vector file.
pub fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("../../fixtures/vectors.json"))
        .expect("fixtures/vectors.json")
}

/// Vectors whose expectation hashport deliberately does not share, with the reason.
#[allow(dead_code)]
pub const DIVERGENCES: &[(&str, &str)] = &[(
    "bcrypt-096",
    "passlib lists this well-formed $2x$ hash as malformed because passlib does not \
     implement $2x$; hashport does (crypt_blowfish semantics, vectors bcrypt-005/006/013/015/024 \
     must verify), so it parses and is marked for upgrade to $2b$ at sign-in",
)];
