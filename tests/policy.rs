//! verify_and_upgrade: every public valid vector matches (and its upgrade, when due,
//! verifies the same password and refuses a wrong one); wrong passwords mismatch; and
//! each upgrade rule has its own test.

use hashport::policy::{
    verify_and_upgrade, Outcome, Policy, UpgradeHeld, UpgradeReason, VerifyError,
};
use hashport::scheme::{parse, ParseContext, StoredHash};
use hashport::WorkCaps;
mod common;

fn policy(cost: u32) -> Policy {
    Policy {
        target_cost: cost,
        caps: WorkCaps::unlimited(),
        ..Policy::default()
    }
}

fn stored(h: &str, hint: Option<&str>) -> StoredHash {
    parse(
        h,
        hint,
        &ParseContext {
            caps: WorkCaps::unlimited(),
            ..Default::default()
        },
    )
    .unwrap()
}

fn matched(
    o: Outcome,
) -> (
    Option<String>,
    Option<UpgradeReason>,
    Option<UpgradeHeld>,
    Vec<String>,
) {
    match o {
        Outcome::Match {
            upgrade,
            reason,
            held,
            warnings,
        } => (upgrade.map(|u| u.password_digest), reason, held, warnings),
        Outcome::Mismatch => panic!("expected a match"),
    }
}

#[test]
fn every_public_vector() {
    let vectors = common::vectors();
    let p = policy(4);
    let mut checked = 0;
    for v in vectors {
        let Some(pw) = v.password() else { continue };
        // The 1 GiB argon2 and 2^24 PBKDF2 vectors are covered by tests/vectors.rs.
        if v.hash.contains("m=1048576") || v.hash.contains("16777216") {
            continue;
        }
        let wrong_password = v.reason.as_deref() == Some("wrong_password");
        if v.expect != "valid" && !wrong_password {
            continue;
        }
        let s = stored(&v.hash, Some(&v.format));
        let outcome = verify_and_upgrade(&pw, &s, &p).unwrap();
        if wrong_password {
            assert_eq!(outcome, Outcome::Mismatch, "{}", v.id);
            continue;
        }
        let mut wrong = b"x".to_vec();
        wrong.extend_from_slice(&pw);
        assert_eq!(
            verify_and_upgrade(&wrong, &s, &p).unwrap(),
            Outcome::Mismatch,
            "{}",
            v.id
        );
        let (upgrade, reason, held, _) = matched(outcome);
        if let Some(new) = upgrade {
            assert!(reason.is_some(), "{}", v.id);
            let n = stored(&new, Some("bcrypt"));
            assert!(n.verify(&pw), "{}: upgraded hash does not verify", v.id);
            assert!(
                !n.verify(&wrong),
                "{}: upgraded hash verifies a wrong password",
                v.id
            );
            assert!(new.starts_with("$2b$04$"), "{}", v.id);
        } else {
            assert!(
                reason.is_none() || held.is_some(),
                "{}: upgrade due but not made",
                v.id
            );
        }
        checked += 1;
    }
    assert!(checked > 250, "only {checked} vectors checked");
}

const B04: &str = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"; // Kk4DQuMMfZL9o

#[test]
fn non_bcrypt_is_upgraded() {
    let s = stored("5f4dcc3b5aa765d61d8327deb882cf99", Some("hex_md5"));
    let (u, r, _, _) = matched(verify_and_upgrade(b"password", &s, &policy(4)).unwrap());
    assert_eq!(r, Some(UpgradeReason::NotBcrypt));
    assert!(u.is_some());
}

#[test]
fn bcrypt_below_target_cost_is_upgraded_and_at_cost_is_kept() {
    let s = stored(B04, None);
    let (u, r, _, _) = matched(verify_and_upgrade(b"Kk4DQuMMfZL9o", &s, &policy(5)).unwrap());
    assert_eq!(r, Some(UpgradeReason::BcryptCostBelowTarget));
    assert!(u.unwrap().starts_with("$2b$05$"));
    let (u, r, _, _) = matched(verify_and_upgrade(b"Kk4DQuMMfZL9o", &s, &policy(4)).unwrap());
    assert_eq!((u, r), (None, None));
}

#[test]
fn bcrypt_2x_and_8bit_2a_are_upgraded_to_2b() {
    let s = stored(
        "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
        None,
    );
    let (u, r, _, _) = matched(verify_and_upgrade(&[0xa3], &s, &policy(4)).unwrap());
    assert_eq!(r, Some(UpgradeReason::BcryptLegacyVariant));
    let new = u.unwrap();
    assert!(new.starts_with("$2b$"));
    assert!(stored(&new, None).verify(&[0xa3]));
    // $2a$ with an 8-bit password: upgraded; with ASCII at the target cost: kept.
    let s = stored(
        "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.",
        None,
    );
    let (_, r, _, _) = matched(verify_and_upgrade(&[0xff, 0xff, 0xa3], &s, &policy(4)).unwrap());
    assert_eq!(r, Some(UpgradeReason::BcryptLegacyVariant));
    let s = stored(
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
        None,
    );
    let (u, r, _, _) = matched(verify_and_upgrade(b"U*U*", &s, &policy(4)).unwrap());
    assert_eq!((u, r), (None, None));
}

#[test]
fn bcrypt_wrappers_become_plain_bcrypt() {
    let s = stored(
        "bcrypt_sha256$$2a$06$kCXUnRFQptGg491siDKNTu8RxjBGSjALHRuvhPYNFsa4Ea5d9M48u",
        None,
    );
    let pw = "táБℓə".as_bytes();
    let (u, r, _, _) = matched(verify_and_upgrade(pw, &s, &policy(4)).unwrap());
    assert_eq!(r, Some(UpgradeReason::BcryptWrapper));
    assert!(stored(&u.unwrap(), Some("bcrypt")).verify(pw));
}

#[test]
fn long_password_keeps_the_legacy_hash() {
    // A wrapper that hashes all bytes: an 80-byte password must not be truncated into bcrypt.
    let pw = vec![b'a'; 80];
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pw));
    let s = stored(&digest, Some("hex_sha256"));
    let (u, r, held, _) = matched(verify_and_upgrade(&pw, &s, &policy(4)).unwrap());
    assert_eq!(u, None);
    assert_eq!(r, Some(UpgradeReason::NotBcrypt));
    assert_eq!(held, Some(UpgradeHeld::PasswordExceedsBcryptLimit));
}

#[test]
fn short_password_matches_with_a_warning() {
    let s = stored("900150983cd24fb0d6963f7d28e17f72", Some("hex_md5")); // "abc"
    let (_, _, _, w) = matched(verify_and_upgrade(b"abc", &s, &policy(4)).unwrap());
    assert_eq!(w, vec!["password_below_minimum_length".to_string()]);
    let s = stored("5f4dcc3b5aa765d61d8327deb882cf99", Some("hex_md5")); // "password"
    let (_, _, _, w) = matched(verify_and_upgrade(b"password", &s, &policy(4)).unwrap());
    assert!(w.is_empty());
}

#[test]
fn unusable_marker_is_an_error_not_a_match() {
    let s = stored("!", None);
    assert_eq!(
        verify_and_upgrade(b"!", &s, &policy(4)),
        Err(VerifyError::NoUsablePassword)
    );
}
