//! Hand-written JSON for the two fixed record layouts. serde_json's derive spent more
//! time per user than classification itself (it goes through the generic
//! `Serializer` machinery field by field); this writes the same bytes directly. The
//! structs keep `#[derive(Serialize)]` and the tests check byte equality with
//! serde_json, so the two cannot drift apart.

use super::classify::{RejectRow, UserRow};
use crate::policy::UpgradeReason;
use crate::scheme::Confidence;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `s` as a JSON string, escaped exactly as serde_json does (`"`, `\`, and control
/// characters; `/`, DEL and non-ASCII as they are).
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if needs_escape(bytes) {
        escape_into(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Whether any byte of `b` is a control character, `"` or `\\`. Most strings have
/// none, and most are short (ids, names, emails): those are read as two overlapping
/// words (no loop, no tail), longer ones sixteen bytes at a time.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    let n = b.len();
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    if n >= 16 {
        return needs_escape_long(b);
    }
    if n >= 8 {
        return escape_mask(word(0)) | escape_mask(word(n - 8)) != 0;
    }
    if n >= 4 {
        let half = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        return escape_mask(u64::from(half(0)) | u64::from(half(n - 4)) << 32) != 0;
    }
    b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\')
}

/// [`needs_escape`] for 16 bytes or more: 16-byte blocks, the last one overlapping.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
fn needs_escape_long(b: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    debug_assert!(b.len() >= 16);
    // SAFETY (every intrinsic below): SSE2 is part of the x86_64 baseline.
    let (quote, backslash, space) = unsafe {
        (
            _mm_set1_epi8(b'"' as i8),
            _mm_set1_epi8(b'\\' as i8),
            _mm_set1_epi8(0x1f),
        )
    };
    let block = |at: usize| {
        // SAFETY: b[at..at + 16] is in bounds (callers pass at <= len - 16); the load
        // takes any alignment. A byte is below 0x20 iff max(byte, 0x1f) == 0x1f.
        unsafe {
            let v = _mm_loadu_si128(b.as_ptr().add(at).cast::<__m128i>());
            let hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                _mm_cmpeq_epi8(_mm_max_epu8(v, space), space),
            );
            _mm_movemask_epi8(hit) != 0
        }
    };
    let last = b.len() - 16;
    (0..last).step_by(16).any(block) || block(last)
}

#[cfg(not(target_arch = "x86_64"))]
fn needs_escape_long(b: &[u8]) -> bool {
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let last = b.len() - 8;
    (0..last).step_by(8).any(|at| escape_mask(word(at)) != 0) || escape_mask(word(last)) != 0
}

/// The slow path of [`json_str`]: `bytes` escaped, without the quotes.
#[cold]
fn escape_into(out: &mut Vec<u8>, bytes: &[u8]) {
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
///
/// The line is written into a region of `out` sized for it up front: the stores go to
/// a slice (each checked against its end, which would panic, never corrupt, were the
/// size wrong) with no `Vec` length to keep, short strings are copied as overlapping
/// words instead of through `memcpy` and checked sixteen bytes at once, and the fixed
/// parts come from tables. A string that needs an escape sends the line to
/// [`user_json_escaped`].
pub fn user_json(out: &mut Vec<u8>, u: &UserRow<'_>) {
    let start = out.len();
    let text = |s: Option<&str>| s.map_or(0, str::len);
    let size = LINE_FIXED
        + text(u.external_id.as_deref())
        + u.email_address.iter().map(|e| e.len() + 3).sum::<usize>()
        + text(u.username.as_deref())
        + text(u.first_name.as_deref())
        + text(u.last_name.as_deref())
        + text(u.format)
        + text(u.password_hasher)
        + text(u.password_digest.as_deref());
    out.resize(start + size, FILL);
    let mut line = Line {
        rest: &mut out[start..],
    };
    match line.user(u) {
        Some(()) => {
            let end = start + size - line.rest.len();
            out.truncate(end);
        }
        None => {
            out.truncate(start);
            user_json_escaped(out, u);
        }
    }
}

/// The most a user line takes besides its strings' bytes: keys and punctuation, 20
/// digits, `null` or two quotes for each optional value (287 bytes), and the tail
/// table's padding past the line's end (7).
const LINE_FIXED: usize = 300;

/// A `&'static` piece written as its whole array (a fixed-size copy) of which only
/// the first `len` bytes count: the rest (spaces, see [`Line`]) is overwritten by
/// what follows or cut.
struct Padded<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Padded<N> {
    const fn new(parts: &[&str]) -> Self {
        let mut bytes = [FILL; N];
        let mut len = 0;
        let mut p = 0;
        while p < parts.len() {
            let s = parts[p].as_bytes();
            let mut i = 0;
            while i < s.len() {
                bytes[len] = s[i];
                len += 1;
                i += 1;
            }
            p += 1;
        }
        Padded { bytes, len }
    }
}

/// `,"format_confidence":…` for `None` and each [`Confidence`] (as serde names them).
static CONFIDENCE: [Padded<32>; 5] = {
    const KEY: &str = ",\"format_confidence\":";
    [
        Padded::new(&[KEY, "null"]),
        Padded::new(&[KEY, "\"certain\""]),
        Padded::new(&[KEY, "\"default\""]),
        Padded::new(&[KEY, "\"shape\""]),
        Padded::new(&[KEY, "\"hint\""]),
    ]
};

fn confidence_index(c: Option<Confidence>) -> usize {
    match c {
        None => 0,
        Some(Confidence::Certain) => 1,
        Some(Confidence::Default) => 2,
        Some(Confidence::Shape) => 3,
        Some(Confidence::Hint) => 4,
    }
}

/// The end of a line, from `,"upgrade_on_sign_in":` to the `\n`, for each
/// `upgrade_on_sign_in` and each `upgrade_reason` (`None` first, as serde names them).
static TAIL: [[Padded<80>; 5]; 2] = {
    const fn row(upgrade: &str) -> [Padded<80>; 5] {
        const K: &str = ",\"upgrade_on_sign_in\":";
        const R: &str = ",\"upgrade_reason\":";
        const E: &str = "}\n";
        [
            Padded::new(&[K, upgrade, R, "null", E]),
            Padded::new(&[K, upgrade, R, "\"not_bcrypt\"", E]),
            Padded::new(&[K, upgrade, R, "\"bcrypt_cost_below_target\"", E]),
            Padded::new(&[K, upgrade, R, "\"bcrypt_legacy_variant\"", E]),
            Padded::new(&[K, upgrade, R, "\"bcrypt_wrapper\"", E]),
        ]
    }
    [row("false"), row("true")]
};

fn reason_index(r: Option<UpgradeReason>) -> usize {
    match r {
        None => 0,
        Some(UpgradeReason::NotBcrypt) => 1,
        Some(UpgradeReason::BcryptCostBelowTarget) => 2,
        Some(UpgradeReason::BcryptLegacyVariant) => 3,
        Some(UpgradeReason::BcryptWrapper) => 4,
    }
}

/// What a line's region starts as, and tables pad with: nothing JSON escapes.
const FILL: u8 = b' ';

/// A line being written: `rest` is the part of its region not written yet. Each write
/// takes what it needs from the front (one length check) and moves past it.
///
/// The region starts as spaces and what lies past the cursor stays spaces (a write
/// stores only the bytes it moves past, or pads with spaces): so a string shorter than
/// sixteen bytes, once copied, is checked as the sixteen bytes from its start, where
/// nothing else can need an escape.
struct Line<'a> {
    rest: &'a mut [u8],
}

impl Line<'_> {
    /// The user's line; `None` as soon as a string needs an escape.
    #[inline(always)]
    fn user(&mut self, u: &UserRow<'_>) -> Option<()> {
        self.put(b"{\"source_line\":");
        let digits =
            self.copy::<false, false>(itoa::Buffer::new().format(u.source_line).as_bytes());
        debug_assert!(digits.is_some());
        self.opt_str(
            b",\"external_id\":\"",
            b",\"external_id\":null",
            u.external_id.as_deref(),
        )?;
        match u.email_address.split_first() {
            None => self.put(b",\"email_address\":[]"),
            Some((first, rest)) => {
                self.put(b",\"email_address\":[\"");
                self.string(first)?;
                for e in rest {
                    self.put(b",\"");
                    self.string(e)?;
                }
                self.put(b"]");
            }
        }
        self.opt_str(
            b",\"username\":\"",
            b",\"username\":null",
            u.username.as_deref(),
        )?;
        self.opt_str(
            b",\"first_name\":\"",
            b",\"first_name\":null",
            u.first_name.as_deref(),
        )?;
        self.opt_str(
            b",\"last_name\":\"",
            b",\"last_name\":null",
            u.last_name.as_deref(),
        )?;
        match u.format {
            Some(f) => {
                self.put(b",\"format\":\"");
                self.name(f);
            }
            None => self.put(b",\"format\":null"),
        }
        self.put_padded(&CONFIDENCE[confidence_index(u.format_confidence)]);
        match u.password_hasher {
            Some(h) => {
                self.put(b",\"password_hasher\":\"");
                self.name(h);
            }
            None => self.put(b",\"password_hasher\":null"),
        }
        self.opt_str(
            b",\"password_digest\":\"",
            b",\"password_digest\":null",
            u.password_digest.as_deref(),
        )?;
        self.put_padded(&TAIL[usize::from(u.upgrade_on_sign_in)][reason_index(u.upgrade_reason)]);
        Some(())
    }

    /// `some` and the string's text and closing quote, or `none`.
    #[inline(always)]
    fn opt_str(&mut self, some: &[u8], none: &[u8], s: Option<&str>) -> Option<()> {
        match s {
            Some(s) => {
                self.put(some);
                self.string(s)?;
            }
            None => self.put(none),
        }
        Some(())
    }

    /// Moves past `n` bytes just written (the check is the write's own).
    #[inline(always)]
    fn advance(&mut self, n: usize) {
        let rest = std::mem::take(&mut self.rest);
        self.rest = &mut rest[n..];
    }

    /// Bytes of ours, a literal: a copy of known length.
    #[inline(always)]
    fn put(&mut self, b: &[u8]) {
        self.rest[..b.len()].copy_from_slice(b);
        self.advance(b.len());
    }

    #[inline(always)]
    fn put_padded<const N: usize>(&mut self, p: &Padded<N>) {
        self.rest[..N].copy_from_slice(&p.bytes);
        self.advance(p.len);
    }

    /// `s`'s text and closing quote (`None` when it needs an escape).
    #[inline(always)]
    fn string(&mut self, s: &str) -> Option<()> {
        self.copy::<true, true>(s.as_bytes())
    }

    /// A name of ours (format id, hasher), known to need no escape, and its closing quote.
    #[inline(always)]
    fn name(&mut self, s: &str) {
        let copied = self.copy::<false, true>(s.as_bytes());
        debug_assert!(copied.is_some());
    }

    /// `b` as it is, after checking when `CHECK` that it needs no escape (`None` if it
    /// does), then a closing quote when `CLOSE`. By length: short strings are two
    /// overlapping loads and stores, no `memcpy` up to 32 bytes; those under 16 bytes
    /// are checked where they were copied (sixteen bytes: the string and spaces, see
    /// [`Line`]), longer ones as they are read.
    #[inline(always)]
    fn copy<const CHECK: bool, const CLOSE: bool>(&mut self, b: &[u8]) -> Option<()> {
        let n = b.len();
        let dst = &mut self.rest[..n + usize::from(CLOSE)];
        if n >= 16 {
            if CHECK && needs_escape_long(b) {
                return None;
            }
            if n <= 32 {
                let head: [u8; 16] = b[..16].try_into().expect("16 bytes");
                let tail: [u8; 16] = b[n - 16..].try_into().expect("16 bytes");
                dst[..16].copy_from_slice(&head);
                dst[n - 16..n].copy_from_slice(&tail);
            } else {
                dst[..n].copy_from_slice(b);
            }
        } else {
            // Copied first, then checked where it now is: sixteen bytes that are the
            // string and spaces (see [`Line`]).
            if n >= 8 {
                let head: [u8; 8] = b[..8].try_into().expect("8 bytes");
                let tail: [u8; 8] = b[n - 8..].try_into().expect("8 bytes");
                dst[..8].copy_from_slice(&head);
                dst[n - 8..n].copy_from_slice(&tail);
            } else if n >= 4 {
                let head: [u8; 4] = b[..4].try_into().expect("4 bytes");
                let tail: [u8; 4] = b[n - 4..].try_into().expect("4 bytes");
                dst[..4].copy_from_slice(&head);
                dst[n - 4..n].copy_from_slice(&tail);
            } else if n > 0 {
                dst[0] = b[0];
                dst[n / 2] = b[n / 2];
                dst[n - 1] = b[n - 1];
            }
            if CHECK && needs_escape_long(&self.rest[..16]) {
                return None;
            }
        }
        if CLOSE {
            self.rest[n] = b'"';
        }
        self.advance(n + usize::from(CLOSE));
        Some(())
    }
}

/// [`user_json`] for a line with something to escape: field by field into the `Vec`.
fn user_json_escaped(out: &mut Vec<u8>, u: &UserRow<'_>) {
    // No reservation: `user_json` made room for the line unescaped.
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

    /// Every `UpgradeReason` (the match fails to compile when one is added).
    fn reasons() -> [UpgradeReason; 4] {
        let all = [
            UpgradeReason::NotBcrypt,
            UpgradeReason::BcryptCostBelowTarget,
            UpgradeReason::BcryptLegacyVariant,
            UpgradeReason::BcryptWrapper,
        ];
        for r in all {
            match r {
                UpgradeReason::NotBcrypt
                | UpgradeReason::BcryptCostBelowTarget
                | UpgradeReason::BcryptLegacyVariant
                | UpgradeReason::BcryptWrapper => {}
            }
        }
        all
    }

    /// Every `Confidence` (likewise).
    fn confidences() -> [Confidence; 4] {
        let all = [
            Confidence::Certain,
            Confidence::Default,
            Confidence::Shape,
            Confidence::Hint,
        ];
        for c in all {
            match c {
                Confidence::Certain
                | Confidence::Default
                | Confidence::Shape
                | Confidence::Hint => {}
            }
        }
        all
    }

    /// Text for the escaped fields: plain printable ASCII of every length the short
    /// copies distinguish (and past them), non-ASCII, anything, short strings dense in
    /// characters that need an escape, and plain text with one of them anywhere.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ !#-\\[\\]-~]{0,150}",
            "[a-z0-9é€😀]{0,40}",
            any::<String>(),
            "[a-z\"\\\\\n\u{1}\u{7f}é]{0,8}",
            (
                "[ !#-\\[\\]-~]{0,150}",
                any::<proptest::sample::Index>(),
                "[\"\\\\\u{0}-\u{1f}]",
            )
                .prop_map(|(plain, at, special)| {
                    let mut s = plain;
                    s.insert_str(at.index(s.len() + 1), &special);
                    s
                }),
        ]
    }

    /// A format id or hasher name: every registered id, and the empty and long extremes.
    fn static_name() -> impl Strategy<Value = &'static str> {
        let mut names: Vec<&'static str> =
            crate::scheme::registry().iter().map(|s| s.id()).collect();
        names.extend([
            "",
            "x",
            "bcrypt",
            "a_static_name_longer_than_thirty_two_bytes_and_then_some",
        ]);
        proptest::sample::select(names)
    }

    /// A user row with every field drawn on its own: each optional field None or Some,
    /// both bools, every `Confidence` and `UpgradeReason` (and combinations classify
    /// never makes, such as an upgrade without a reason).
    fn user_row() -> impl Strategy<Value = UserRow<'static>> {
        let names = (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
        );
        let hash = (
            proptest::option::of(static_name()),
            proptest::option::of(proptest::sample::select(confidences().to_vec())),
            proptest::option::of(static_name()),
            proptest::option::of(text()),
            any::<bool>(),
            proptest::option::of(proptest::sample::select(reasons().to_vec())),
        );
        (
            any::<u64>(),
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..4),
            names,
            hash,
        )
            .prop_map(
                |(
                    line,
                    id,
                    emails,
                    (username, first, last),
                    (format, confidence, hasher, digest, upgrade, reason),
                )| {
                    UserRow {
                        source_line: line,
                        external_id: id.map(Cow::Owned),
                        email_address: emails.into_iter().map(Cow::Owned).collect(),
                        username: username.map(Cow::Owned),
                        first_name: first.map(Cow::Owned),
                        last_name: last.map(Cow::Owned),
                        format,
                        format_confidence: confidence,
                        password_hasher: hasher,
                        password_digest: digest.map(Cow::Owned),
                        upgrade_on_sign_in: upgrade,
                        upgrade_reason: reason,
                        candidates: Vec::new(),
                    }
                },
            )
    }

    #[test]
    fn user_row_strategy_varies_every_field() {
        // The row proptest only covers what its strategy draws: check that each field
        // takes each of its kinds of value, independently of the others.
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, TestRng, TestRunner};
        use std::collections::HashSet;
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::deterministic_rng(Default::default()),
        );
        let mut seen = HashSet::new();
        let strategy = user_row();
        for _ in 0..2000 {
            let u = strategy.new_tree(&mut runner).unwrap().current();
            let some = |o: &Option<Cow<'_, str>>| o.is_some();
            seen.insert(format!("id {}", some(&u.external_id)));
            seen.insert(format!("emails {}", u.email_address.len()));
            seen.insert(format!("username {}", some(&u.username)));
            seen.insert(format!("first {}", some(&u.first_name)));
            seen.insert(format!("last {}", some(&u.last_name)));
            seen.insert(format!("digest {}", some(&u.password_digest)));
            seen.insert(format!("format {}", u.format.is_some()));
            seen.insert(format!("hasher {}", u.password_hasher.is_some()));
            seen.insert(format!("confidence {:?}", u.format_confidence));
            seen.insert(format!(
                "upgrade {} {:?}",
                u.upgrade_on_sign_in, u.upgrade_reason
            ));
            seen.insert(format!(
                "names {} {} {}",
                some(&u.username),
                some(&u.first_name),
                some(&u.last_name)
            ));
            for s in [&u.external_id, &u.username, &u.password_digest]
                .into_iter()
                .flatten()
            {
                seen.insert(format!(
                    "escape {}",
                    s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
                ));
            }
        }
        let mut want: Vec<String> = Vec::new();
        for field in [
            "id", "username", "first", "last", "digest", "format", "hasher", "escape",
        ] {
            want.extend([format!("{field} true"), format!("{field} false")]);
        }
        want.extend((0..4).map(|n| format!("emails {n}")));
        want.push("confidence None".into());
        want.extend(confidences().map(|c| format!("confidence {:?}", Some(c))));
        for upgrade in [false, true] {
            want.push(format!("upgrade {upgrade} None"));
            want.extend(reasons().map(|r| format!("upgrade {upgrade} {:?}", Some(r))));
        }
        for bits in 0..8 {
            want.push(format!(
                "names {} {} {}",
                bits & 4 != 0,
                bits & 2 != 0,
                bits & 1 != 0
            ));
        }
        for w in &want {
            assert!(seen.contains(w), "the row strategy never drew {w}");
        }
    }

    #[test]
    fn every_upgrade_and_confidence_renders_like_serde_json() {
        // The fixed parts of a line, in every combination (whatever the proptest draws).
        let confidence = std::iter::once(None).chain(confidences().map(Some));
        for c in confidence {
            for upgrade in [false, true] {
                for reason in std::iter::once(None).chain(reasons().map(Some)) {
                    for (format, hasher) in
                        [(None, None), (Some("bcrypt"), Some("pbkdf2_sha256_django"))]
                    {
                        let u = UserRow {
                            source_line: 7,
                            external_id: Some(Cow::Borrowed("u1")),
                            email_address: smallvec::smallvec![Cow::Borrowed("a@example.com")],
                            username: None,
                            first_name: Some(Cow::Borrowed("Ann")),
                            last_name: None,
                            format,
                            format_confidence: c,
                            password_hasher: hasher,
                            password_digest: Some(Cow::Borrowed("$2b$10$abcdefghijklmnopqrstuv")),
                            upgrade_on_sign_in: upgrade,
                            upgrade_reason: reason,
                            candidates: Vec::new(),
                        };
                        let mut out = b"before".to_vec();
                        user_json(&mut out, &u);
                        assert_eq!(out[6..], serde_line(&u)[..], "{u:?}");
                        assert_eq!(&out[..6], b"before");
                    }
                }
            }
        }
    }

    #[test]
    fn one_special_character_in_a_user_line_is_found_at_every_position() {
        // As above, through each escaped field of a user line (whose copies and checks
        // differ by length).
        for special in [
            "\u{0}", "\u{1f}", "\"", "\\", "\n", " ", "!", "#", "[", "]", "\u{7f}", "é",
        ] {
            for len in 0..70 {
                for at in 0..=len {
                    let s = format!("{}{special}{}", "a".repeat(at), "b".repeat(len - at));
                    for field in 0..6 {
                        let text = |f: usize| (f == field).then_some(Cow::Borrowed(s.as_str()));
                        let u = UserRow {
                            source_line: 1,
                            external_id: text(0),
                            email_address: [text(1), Some(Cow::Borrowed("x@y")), text(2)]
                                .into_iter()
                                .flatten()
                                .collect(),
                            username: text(3),
                            first_name: None,
                            last_name: text(4),
                            format: Some("bcrypt"),
                            format_confidence: None,
                            password_hasher: None,
                            password_digest: text(5),
                            upgrade_on_sign_in: false,
                            upgrade_reason: None,
                            candidates: Vec::new(),
                        };
                        let mut out = Vec::new();
                        user_json(&mut out, &u);
                        assert_eq!(out, serde_line(&u), "{s:?} in field {field}");
                    }
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
            u in user_row(),
            prefix in proptest::collection::vec(any::<u8>(), 0..3),
            message in any::<String>(),
        ) {
            // Lines with nothing to escape take the fast path.
            let plain = [&u.external_id, &u.username, &u.first_name, &u.last_name, &u.password_digest]
                .into_iter()
                .flatten()
                .chain(&u.email_address)
                .all(|s| !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'));
            let mut region = vec![FILL; 4000];
            let fast = Line { rest: &mut region }.user(&u).is_some();
            prop_assert_eq!(fast, plain);
            // Appended after whatever the buffer already holds, as the workers do.
            let mut out = prefix.clone();
            user_json(&mut out, &u);
            prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
            prop_assert_eq!(&out[prefix.len()..], &serde_line(&u)[..]);
            let r = RejectRow {
                source_line: u.source_line,
                external_id: u.external_id.clone(),
                reason: "malformed",
                message: Cow::Owned(message),
            };
            let mut out = Vec::new();
            reject_json(&mut out, &r);
            prop_assert_eq!(out, serde_line(&r));
        }
    }
}
