//! Property tests over hashes that independent implementations (the `bcrypt`, `argon2`,
//! `scrypt`, `pbkdf2` and `pwhash` crates, RustCrypto digests) produce for random
//! passwords and salts: hashport identifies each, verifies the password and refuses
//! another, its canonical form is idempotent and verifies the same, and the Clerk
//! rendering (where there is one) verifies the same.

use hashport::encoding;
use hashport::scheme::{self, ParseContext};
use proptest::prelude::*;
use sha2::Digest;

fn check(hash: &str, format: &str, pw: &[u8]) -> Result<(), TestCaseError> {
    let ctx = ParseContext::default();
    let h =
        scheme::parse(hash, None, &ctx).map_err(|e| TestCaseError::fail(format!("{hash}: {e}")))?;
    prop_assert_eq!(h.identification.format, format, "{}", hash);
    let mut wrong = pw.to_vec();
    wrong.insert(0, b'#');
    prop_assert!(h.verify(pw), "{} does not verify", hash);
    prop_assert!(!h.verify(&wrong), "{} verifies a wrong password", hash);
    let canonical = h.hash.canonical();
    let c = scheme::parse(&canonical, Some(format), &ctx)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        c.hash.canonical(),
        canonical.clone(),
        "canonical is not idempotent"
    );
    prop_assert!(c.verify(pw) && !c.verify(&wrong));
    if let Ok(clerk) = h.hash.clerk() {
        let r = scheme::parse(&clerk.password_digest, Some(clerk.password_hasher), &ctx)
            .map_err(|e| TestCaseError::fail(format!("{clerk:?}: {e}")))?;
        prop_assert!(
            r.verify(pw) && !r.verify(&wrong),
            "Clerk rendering {:?}",
            clerk
        );
    }
    Ok(())
}

/// Printable passwords without NUL (C bcrypt and crypt(3) stop at NUL).
fn password() -> impl Strategy<Value = String> {
    "[ -~]{0,40}"
}

fn salt_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{4,16}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn bcrypt_crate_hashes(pw in password(), salt in any::<[u8; 16]>()) {
        let h = bcrypt::hash_with_salt(pw.as_bytes(), 4, salt).unwrap().format_for_version(bcrypt::Version::TwoB);
        check(&h, "bcrypt", pw.as_bytes())?;
        let y = h.replacen("$2b$", "$2y$", 1);
        check(&y, "bcrypt", pw.as_bytes())?;
    }

    #[test]
    fn argon2_crate_hashes(pw in password(), salt in proptest::collection::vec(any::<u8>(), 8..24), v19 in any::<bool>()) {
        let version = if v19 { argon2::Version::V0x13 } else { argon2::Version::V0x10 };
        let params = argon2::Params::new(64, 1, 1, Some(32)).unwrap();
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, version, params);
        let mut out = [0u8; 32];
        a.hash_password_into(pw.as_bytes(), &salt, &mut out).unwrap();
        let h = format!(
            "$argon2id$v={}$m=64,t=1,p=1${}${}",
            if v19 { 19 } else { 16 },
            encoding::std_nopad_encode(&salt),
            encoding::std_nopad_encode(&out)
        );
        check(&h, "argon2id", pw.as_bytes())?;
    }

    #[test]
    fn scrypt_crate_hashes(pw in password(), salt in proptest::collection::vec(any::<u8>(), 8..24)) {
        let mut out = [0u8; 32];
        scrypt::scrypt(pw.as_bytes(), &salt, &scrypt::Params::new(4, 8, 1).unwrap(), &mut out).unwrap();
        let h = format!(
            "$scrypt$ln=4,r=8,p=1${}${}",
            encoding::std_nopad_encode(&salt),
            encoding::std_nopad_encode(&out)
        );
        check(&h, "scrypt_phc", pw.as_bytes())?;
        // Werkzeug's layout of the same KDF: literal salt text, 64-byte hex key.
        let mut out64 = [0u8; 64];
        let text = encoding::hex_encode(&salt);
        scrypt::scrypt(pw.as_bytes(), text.as_bytes(), &scrypt::Params::new(4, 8, 1).unwrap(), &mut out64).unwrap();
        let w = format!("scrypt:16:8:1${text}${}", encoding::hex_encode(&out64));
        check(&w, "werkzeug_scrypt", pw.as_bytes())?;
    }

    #[test]
    fn pbkdf2_crate_hashes(pw in password(), salt in salt_text(), iterations in 1000u32..1500) {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw.as_bytes(), salt.as_bytes(), iterations, &mut out);
        let django = format!("pbkdf2_sha256${iterations}${salt}${}", encoding::std_encode(&out));
        check(&django, "django_pbkdf2_sha256", pw.as_bytes())?;
        let passlib = format!(
            "$pbkdf2-sha256${iterations}${}${}",
            encoding::ab64_encode(salt.as_bytes()),
            encoding::ab64_encode(&out)
        );
        check(&passlib, "passlib_pbkdf2_sha256", pw.as_bytes())?;
        let mut out512 = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw.as_bytes(), salt.as_bytes(), iterations, &mut out512);
        let phc = format!(
            "$pbkdf2-sha512$i={iterations},l=64${}${}",
            encoding::std_nopad_encode(salt.as_bytes()),
            encoding::std_nopad_encode(&out512)
        );
        check(&phc, "phc_pbkdf2", pw.as_bytes())?;
    }

    // pwhash deprecates these for *new* passwords; here they are the independent producer.
    #[allow(deprecated)]
    #[test]
    fn pwhash_crypt_hashes(pw in password(), salt in "[./A-Za-z0-9]{8}") {
        let md5 = pwhash::md5_crypt::hash_with(format!("$1${salt}$").as_str(), pw.as_bytes()).unwrap();
        check(&md5, "md5_crypt", pw.as_bytes())?;
        let sha512 = pwhash::sha512_crypt::hash_with(format!("$6$rounds=1000${salt}$").as_str(), pw.as_bytes()).unwrap();
        check(&sha512, "sha512_crypt", pw.as_bytes())?;
        let sha256 = pwhash::sha256_crypt::hash_with(format!("$5${salt}$").as_str(), pw.as_bytes()).unwrap();
        check(&sha256, "sha256_crypt", pw.as_bytes())?;
    }

    #[test]
    fn digest_hashes(pw in password(), salt in proptest::collection::vec(any::<u8>(), 1..16)) {
        let p = pw.as_bytes();
        check(&hex::encode(sha2::Sha512::digest(p)), "hex_sha512", p)?;
        let mut salted = sha1::Sha1::new();
        salted.update(p);
        salted.update(&salt);
        let mut blob = salted.finalize().to_vec();
        blob.extend_from_slice(&salt);
        if salt.len() >= 4 {
            check(&format!("{{SSHA}}{}", encoding::std_encode(&blob)), "ldap_salted_sha1", p)?;
        }
        let mysql = sha1::Sha1::digest(sha1::Sha1::digest(p));
        check(&format!("*{}", hex::encode_upper(mysql)), "mysql41", p)?;
    }
}
