//! Hand-written JSON for the two fixed record layouts. serde_json's derive spent more
//! time per user than classification itself (it goes through the generic
//! `Serializer` machinery field by field); this writes the same bytes directly. The
//! structs keep `#[derive(Serialize)]` and the tests check byte equality with
//! serde_json, so the two cannot drift apart.

use super::classify::{RejectRow, UserRow};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `s` as a JSON string, escaped exactly as serde_json does (`"`, `\`, and control
/// characters; `/`, DEL and non-ASCII as they are).
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escape: find that out eight bytes at a time, without a
    // branch per word (the OR of the masks vectorises).
    let (words, tail) = bytes.split_at(bytes.len() - bytes.len() % 8);
    // The tail as one more word, padded with a byte that needs no escape.
    let mut last = [b'a'; 8];
    last[..tail.len()].copy_from_slice(tail);
    let mask = words
        .chunks_exact(8)
        .fold(escape_mask(u64::from_le_bytes(last)), |acc, c| {
            acc | escape_mask(u64::from_le_bytes(c.try_into().expect("8 bytes")))
        });
    if mask == 0 {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Non-zero when any of the eight bytes is a control character, `"` or `\\` (SWAR:
/// a byte is "zero" after xor with the searched value; `below` flags bytes < 0x20).
/// Each term is exact about whether some byte matches, which is all this answers.
fn escape_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below | zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64))
}

/// A string of ours known to need no escaping (format ids, codes): no scan.
fn static_str(out: &mut Vec<u8>, s: Option<&'static str>) {
    match s {
        Some(s) => {
            debug_assert!(!s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'));
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn uint(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// One user as a JSON line (with its `\n`).
pub fn user_json(out: &mut Vec<u8>, u: &UserRow<'_>) {
    // Room for the common case (nothing to escape) in one reservation.
    let text = |s: Option<&str>| s.map_or(0, str::len);
    out.reserve(
        300 + text(u.external_id.as_deref())
            + u.email_address.iter().map(|e| e.len() + 3).sum::<usize>()
            + text(u.username.as_deref())
            + text(u.first_name.as_deref())
            + text(u.last_name.as_deref())
            + text(u.password_digest.as_deref()),
    );
    out.extend_from_slice(b"{\"source_line\":");
    uint(out, u.source_line);
    out.extend_from_slice(b",\"external_id\":");
    opt_str(out, u.external_id.as_deref());
    out.extend_from_slice(b",\"email_address\":[");
    for (i, e) in u.email_address.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(out, e);
    }
    out.extend_from_slice(b"],\"username\":");
    opt_str(out, u.username.as_deref());
    out.extend_from_slice(b",\"first_name\":");
    opt_str(out, u.first_name.as_deref());
    out.extend_from_slice(b",\"last_name\":");
    opt_str(out, u.last_name.as_deref());
    out.extend_from_slice(b",\"format\":");
    static_str(out, u.format);
    out.extend_from_slice(b",\"format_confidence\":");
    static_str(out, u.format_confidence.map(|c| c.as_str()));
    out.extend_from_slice(b",\"password_hasher\":");
    static_str(out, u.password_hasher);
    out.extend_from_slice(b",\"password_digest\":");
    opt_str(out, u.password_digest.as_deref());
    out.extend_from_slice(if u.upgrade_on_sign_in {
        b",\"upgrade_on_sign_in\":true,\"upgrade_reason\":"
    } else {
        b",\"upgrade_on_sign_in\":false,\"upgrade_reason\":"
    });
    static_str(out, u.upgrade_reason.map(|r| r.as_str()));
    out.extend_from_slice(b"}\n");
}

/// One reject as a JSON line (with its `\n`).
pub fn reject_json(out: &mut Vec<u8>, r: &RejectRow<'_>) {
    out.extend_from_slice(b"{\"source_line\":");
    uint(out, r.source_line);
    out.extend_from_slice(b",\"external_id\":");
    opt_str(out, r.external_id.as_deref());
    out.extend_from_slice(b",\"reason\":");
    static_str(out, Some(r.reason));
    out.extend_from_slice(b",\"message\":");
    json_str(out, &r.message);
    out.extend_from_slice(b"}\n");
}

/// The column names of `--output-format csv`.
pub const CSV_COLUMNS: [&str; 12] = [
    "source_line",
    "external_id",
    "email_address",
    "username",
    "first_name",
    "last_name",
    "format",
    "format_confidence",
    "password_hasher",
    "password_digest",
    "upgrade_on_sign_in",
    "upgrade_reason",
];

/// One user as a CSV record, through the csv crate's quoting.
pub fn user_csv(w: &mut csv::Writer<Vec<u8>>, u: &UserRow<'_>) -> csv::Result<()> {
    let opt = |o: &Option<std::borrow::Cow<'_, str>>| o.as_deref().unwrap_or_default().to_string();
    let emails: Vec<&str> = u.email_address.iter().map(|e| e.as_ref()).collect();
    w.write_record([
        u.source_line.to_string(),
        opt(&u.external_id),
        emails.join(","),
        opt(&u.username),
        opt(&u.first_name),
        opt(&u.last_name),
        u.format.unwrap_or_default().to_string(),
        u.format_confidence
            .map(|c| c.as_str())
            .unwrap_or_default()
            .to_string(),
        u.password_hasher.unwrap_or_default().to_string(),
        u.password_digest.as_deref().unwrap_or_default().to_string(),
        u.upgrade_on_sign_in.to_string(),
        u.upgrade_reason
            .map(|r| r.as_str())
            .unwrap_or_default()
            .to_string(),
    ])?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::UpgradeReason;
    use crate::scheme::Confidence;
    use proptest::prelude::*;
    use std::borrow::Cow;

    fn serde_line<T: serde::Serialize>(v: &T) -> Vec<u8> {
        let mut s = serde_json::to_vec(v).unwrap();
        s.push(b'\n');
        s
    }

    #[test]
    fn one_special_character_is_found_at_every_position() {
        // Each byte that needs an escape, and neighbours that must not, at every
        // offset of strings long enough to fill several eight-byte words.
        for special in [
            "\u{0}", "\u{1f}", "\"", "\\", "\n", " ", "!", "#", "[", "]", "\u{7f}", "é",
        ] {
            for len in 0..40 {
                for at in 0..=len {
                    let s = format!("{}{special}{}", "a".repeat(at), "b".repeat(len - at));
                    let mut out = Vec::new();
                    json_str(&mut out, &s);
                    assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn strings_escape_like_serde_json(s in any::<String>(), ctl in proptest::collection::vec(0u8..0x20, 0..4)) {
            let mut s = s;
            for c in ctl {
                s.push(c as char);
                s.push('"');
                s.push('\\');
            }
            let mut out = Vec::new();
            json_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }

        #[test]
        fn rows_render_like_serde_json(
            line in any::<u64>(),
            id in proptest::option::of(any::<String>()),
            emails in proptest::collection::vec(any::<String>(), 0..3),
            name in proptest::option::of("[a-z\"\\\\\n\u{1}é]{0,8}"),
            digest in proptest::option::of(any::<String>()),
            upgrade in any::<bool>(),
            message in any::<String>(),
        ) {
            let u = UserRow {
                source_line: line,
                external_id: id.clone().map(Cow::Owned),
                email_address: emails.into_iter().map(Cow::Owned).collect(),
                username: name.clone().map(Cow::Owned),
                first_name: None,
                last_name: name.map(Cow::Owned),
                format: Some("bcrypt"),
                format_confidence: upgrade.then_some(Confidence::Shape),
                password_hasher: digest.as_ref().map(|_| "bcrypt"),
                password_digest: digest.map(Cow::Owned),
                upgrade_on_sign_in: upgrade,
                upgrade_reason: upgrade.then_some(UpgradeReason::BcryptCostBelowTarget),
                candidates: Vec::new(),
            };
            let mut out = Vec::new();
            user_json(&mut out, &u);
            prop_assert_eq!(out, serde_line(&u));
            let r = RejectRow {
                source_line: line,
                external_id: id.map(Cow::Owned),
                reason: "malformed",
                message: Cow::Owned(message),
            };
            let mut out = Vec::new();
            reject_json(&mut out, &r);
            prop_assert_eq!(out, serde_line(&r));
        }
    }
}
