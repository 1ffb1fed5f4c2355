//! Duplicate detection in bounded memory, without holding records back.
//!
//! A later record whose external_id, or (case-insensitive) email, an earlier accepted
//! record used is rejected, naming the first line. Every accepted record's keys count,
//! duplicates' too; when several keys repeat, an id beats an email and then the
//! earliest first line wins. Exact detection needs every key seen so far, which for
//! 10M users is far more than the memory budget; so:
//!
//! 1. **Inline** while few keys have been seen: a map of 128-bit key fingerprint →
//!    first line; each user is decided on arrival.
//! 2. **Spill** once the map holds [`INLINE_KEYS`]: the map's keys (each with its
//!    first line) open [`PARTITIONS`] partitions in a temp file, chosen by the
//!    fingerprint's top 8 bits, and the map is dropped. Later users are sent on
//!    *provisionally*: their keys are appended to the partitions (see `Partition`:
//!    the fingerprint's low 96 bits and a varint of the line's distance from the
//!    partition's previous record, 13–14 bytes a key), and a small record of each
//!    user (see `put_meta_head`: varint line distance, flags, varint slot, varint id
//!    length, the id; 4 bytes and the id) goes to a side file.
//! 3. **Resolve** at the end, one partition at a time (each thread takes the next
//!    one, reusing its buffer and table): a partition's records are in input order
//!    (the window's keys, each once, first), so the first time a fingerprint is seen
//!    is its first line, and every later sighting is a candidate. A flat
//!    linear-probing table (`FirstLines`) keeps the first lines. The candidates of
//!    all partitions are merged by line; each line's best candidate becomes a
//!    [`Retraction`], joined with the side file so the caller can adjust its counts
//!    and have its sink turn that user into a `duplicate_*` reject.
//!
//! Nothing is held back or copied twice in the common case (no duplicates past the
//! inline window): the cost is about 27 bytes of temp file per user with an id and
//! an email (two key records), plus 4 bytes and the id (it was 48 plus 15 and the
//! id). Fingerprints are keyed SipHash-1-3-128 (a random key per run). The inline
//! window compares all 128 bits; the spill compares 104 (the partition's 8 and the
//! 96 kept), so a false duplicate past the window needs a 104-bit collision: for 20M
//! keys the chance that any two collide is about n²/2^105 ≈ 1e-17.

use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufReader, Read, Write};

use rayon::prelude::*;
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::scheme::Confidence;

/// Keys decided in memory before spilling (about 8 MiB of map).
pub const INLINE_KEYS: usize = 200_000;
/// Partitions of the spilled keys (a power of two): each is resolved with its own
/// small table, so resolving 20M keys needs about 3 MiB of table per thread (78k
/// keys a partition, 131,072 slots of 24 bytes).
pub const PARTITIONS: usize = 256;
/// Bytes buffered per partition before they go to the temp file: 2 MiB of buffers in
/// all. Resolving reads each block with one `pread`; 1,024 partitions of 2 KiB (the
/// same buffer memory) took four times as many, and 5 % more CPU on a 1M-row run.
const PART_BUF: usize = 8 << 10;

pub const KIND_ID: u8 = 0;
pub const KIND_EMAIL: u8 = 1;

/// One key of a user: fingerprint and kind.
pub type Key = (u128, u8);

/// Fingerprints keys with a per-run random SipHash key. Cheap to copy into workers.
/// Each kind has a key of its own, so an id and an email never share a fingerprint,
/// and a key is hashed in one `write` (SipHash takes whole words; a leading kind byte
/// would leave every word of the key straddling two).
#[derive(Clone, Copy)]
pub struct Fingerprinter {
    id_keys: (u64, u64),
    email_keys: (u64, u64),
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter(<random key>)")
    }
}

impl Default for Fingerprinter {
    fn default() -> Self {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        Fingerprinter {
            id_keys: (rng.gen(), rng.gen()),
            email_keys: (rng.gen(), rng.gen()),
        }
    }
}

impl Fingerprinter {
    fn fingerprint((k0, k1): (u64, u64), bytes: &[u8]) -> u128 {
        let mut h = SipHasher13::new_with_keys(k0, k1);
        h.write(bytes);
        h.finish128().as_u128()
    }

    pub fn id(&self, id: &str) -> Key {
        (Self::fingerprint(self.id_keys, id.as_bytes()), KIND_ID)
    }

    /// An email, case-insensitively (the fingerprint of its lowercase form).
    pub fn email(&self, email: &str) -> Key {
        const STACK: usize = 256;
        let fp = if email.len() <= STACK && email.is_ascii() {
            // Lowercase through a stack buffer: no allocation for the common case.
            let mut buf = [0u8; STACK];
            let b = &mut buf[..email.len()];
            b.copy_from_slice(email.as_bytes());
            b.make_ascii_lowercase();
            Self::fingerprint(self.email_keys, b)
        } else {
            Self::fingerprint(self.email_keys, email.to_lowercase().as_bytes())
        };
        (fp, KIND_EMAIL)
    }

    /// The keys of a user (id first, then each distinct email), appended to `out`.
    pub fn keys<'s>(
        &self,
        id: Option<&str>,
        emails: impl Iterator<Item = &'s str>,
        out: &mut Vec<Key>,
    ) {
        let start = out.len();
        if let Some(id) = id {
            out.push(self.id(id));
        }
        for e in emails {
            let k = self.email(e);
            if !out[start..].contains(&k) {
                out.push(k);
            }
        }
    }
}

/// What [`Dedup::check`] decided about a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Not a duplicate: send it on.
    Fresh,
    /// A duplicate of `first` by a key of `kind`.
    Duplicate { kind: u8, first: u64 },
    /// Send it on; [`Dedup::resolve`] may retract it.
    Provisional,
}

/// What a provisional user counted as, so a retraction can undo it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserMeta {
    pub external_id: Option<String>,
    /// Where the caller counted the user's format (its own numbering; `None`: not
    /// counted by format).
    pub format_slot: Option<u16>,
    pub confidence: Option<Confidence>,
    pub without_password: bool,
    pub upgrade: bool,
}

/// What a provisional user counted as, borrowed (to record it without allocating).
#[derive(Debug, Clone, Copy, Default)]
pub struct MetaRef<'a> {
    pub external_id: Option<&'a str>,
    pub format_slot: Option<u16>,
    pub confidence: Option<Confidence>,
    pub without_password: bool,
    pub upgrade: bool,
}

/// A provisional user found to be a duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retraction {
    pub line: u64,
    pub kind: u8,
    pub first: u64,
    pub meta: UserMeta,
}

/// The fingerprints are already uniform: use their low bits as the map's hash.
#[derive(Default)]
struct FingerprintHasher(u64);
impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}
type FpMap<V> = HashMap<u128, V, BuildHasherDefault<FingerprintHasher>>;

/// `line` with the key kind in the top bit (lines stay below 2^63).
fn pack(line: u64, kind: u8) -> u64 {
    line | (u64::from(kind) << 63)
}
fn unpack(v: u64) -> (u64, u8) {
    (v & !(1 << 63), (v >> 63) as u8)
}

// ------------------------------------------------------------------ block file

/// Many append-only streams of fixed-size records in one unlinked temp file: each
/// stream is a list of blocks, read back with positioned reads (so streams can be
/// read in parallel). Small blocks are staged and written `STAGE` bytes at a time:
/// one system call per 2 KiB partition block cost more than the rest of the spill.
struct BlockFile {
    file: File,
    /// Bytes written to the file.
    written: u64,
    /// Appended blocks not yet written; they follow `written`.
    staged: Vec<u8>,
}

const STAGE: usize = 256 << 10;

impl BlockFile {
    fn new() -> io::Result<Self> {
        Ok(BlockFile {
            file: anonymous_file()?,
            written: 0,
            staged: Vec::new(),
        })
    }

    /// Append a block; returns where it went.
    fn append(&mut self, data: &[u8]) -> io::Result<(u64, u32)> {
        let at = self.written + self.staged.len() as u64;
        if self.staged.len() + data.len() > STAGE {
            self.flush()?;
        }
        if data.len() >= STAGE {
            self.write(data)?;
        } else {
            if self.staged.capacity() == 0 {
                self.staged.reserve_exact(STAGE);
            }
            self.staged.extend_from_slice(data);
        }
        Ok((at, data.len() as u32))
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.write_all_at(data, self.written)?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Write what is staged: blocks can be read only once written.
    fn flush(&mut self) -> io::Result<()> {
        let staged = std::mem::take(&mut self.staged);
        self.write(&staged)?;
        self.staged = staged;
        self.staged.clear();
        Ok(())
    }

    fn read(&self, (at, len): (u64, u32), out: &mut Vec<u8>) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        if at + u64::from(len) > self.written {
            return Err(io::Error::other("spill block read before it was written"));
        }
        let start = out.len();
        out.resize(start + len as usize, 0);
        self.file.read_exact_at(&mut out[start..], at)
    }

    /// A block into `buf` (grown if too small, never cleared: no bytes are zeroed
    /// once it is large enough), returned as a slice of it.
    fn read_into<'b>(&self, (at, len): (u64, u32), buf: &'b mut Vec<u8>) -> io::Result<&'b [u8]> {
        use std::os::unix::fs::FileExt;
        if at + u64::from(len) > self.written {
            return Err(io::Error::other("spill block read before it was written"));
        }
        let len = len as usize;
        if buf.len() < len {
            buf.resize(len, 0);
        }
        self.file.read_exact_at(&mut buf[..len], at)?;
        Ok(&buf[..len])
    }
}

/// A temp file that is already unlinked: nothing is left behind, even after `kill -9`,
/// and no other user can open it.
pub fn anonymous_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    for attempt in 0..100u32 {
        let path = dir.join(format!(
            ".hashport-{}-{}-{attempt}.tmp",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        match o.open(&path) {
            Ok(f) => {
                std::fs::remove_file(&path)?;
                return Ok(f);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("cannot create a temporary file"))
}

// ------------------------------------------------------------------ varints

/// The most bytes [`put_varint`] writes (a `u64`).
const MAX_VARINT: usize = 10;

/// LEB128: seven bits a byte, lowest first, the high bit set on every byte but the
/// last. Writes at the start of `out` (at least [`MAX_VARINT`] bytes unless `v` is
/// known to be small; two bytes are written, the second maybe not counted, when
/// one is enough); returns the length.
#[inline]
fn put_varint(out: &mut [u8], v: u64) -> usize {
    if v < 1 << 14 {
        // Most values here (line distances, short ids, format slots): one or two
        // bytes, without a loop or a branch on which.
        let two = v >= 0x80;
        out[0] = v as u8 | u8::from(two) << 7;
        out[1] = (v >> 7) as u8;
        return 1 + usize::from(two);
    }
    put_varint_long(out, v)
}

#[cold]
fn put_varint_long(out: &mut [u8], mut v: u64) -> usize {
    let mut i = 0;
    while v >= 0x80 {
        out[i] = v as u8 | 0x80;
        v >>= 7;
        i += 1;
    }
    out[i] = v as u8;
    i + 1
}

/// The varint at `data[*pos..]`, moving `pos` past it; `None` if it is cut short or
/// does not fit a `u64`.
#[inline]
fn get_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let b = *data.get(*pos)?;
    *pos += 1;
    if b < 0x80 {
        return Some(u64::from(b));
    }
    get_varint_long(data, pos, b)
}

/// [`get_varint`] past a first byte `b` with its high bit set.
#[inline]
fn get_varint_long(data: &[u8], pos: &mut usize, b: u8) -> Option<u64> {
    let mut v = u64::from(b & 0x7f);
    let mut shift = 7;
    loop {
        let b = *data.get(*pos)?;
        *pos += 1;
        // The tenth byte holds the top bit only.
        if shift == 63 && b > 1 {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

/// [`get_varint`] from a reader (the provisional users' records).
fn read_varint(r: &mut impl Read) -> io::Result<u64> {
    let mut buf = [0u8; MAX_VARINT];
    for i in 0..MAX_VARINT {
        r.read_exact(&mut buf[i..=i])?;
        if buf[i] < 0x80 {
            let mut pos = 0;
            return get_varint(&buf[..=i], &mut pos).ok_or_else(bad_record);
        }
    }
    Err(bad_record())
}

fn bad_record() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "duplicate detection: a spilled record does not decode",
    )
}

// ------------------------------------------------------------------ spill state

/// Bytes of a fingerprint kept in a partition's key records: its low 96 bits. The
/// partition is chosen by its top 8 bits, so two keys of one partition that agree on
/// these 12 bytes agree on 104 bits of keyed fingerprint.
const FP_BYTES: usize = 12;
/// Bits of the partition number (the fingerprint's top bits).
const PARTITION_BITS: u32 = PARTITIONS.ilog2();
/// The longest key record: fingerprint bytes and a varint.
const MAX_KEY_REC: usize = FP_BYTES + MAX_VARINT;

/// A duplicate candidate: line, kind, first line.
const CAND_REC: usize = 17;
/// Bytes per block of a candidate run (the merge holds one block per run).
const CAND_BLOCK: usize = 512 * CAND_REC;

fn cand_rec(line: u64, kind: u8, first: u64) -> [u8; CAND_REC] {
    let mut r = [0u8; CAND_REC];
    r[..8].copy_from_slice(&line.to_be_bytes());
    r[8] = kind;
    r[9..].copy_from_slice(&first.to_be_bytes());
    r
}

/// Where a block went in a [`BlockFile`]: offset, length.
type Block = (u64, u32);

/// One partition's key records, in input order. A record is the fingerprint's low
/// [`FP_BYTES`] bytes (little-endian), then a varint `(line << 1) | kind`: for the
/// first `window` records (the inline window's keys, each once, in no order) `line`
/// is the line itself; for the rest it is the line's distance from the previous
/// record's (the first from 0), so a typical key takes 13–14 bytes instead of 24.
/// Lines stay below 2^63 and never go back, so the varint fits a `u64`. A record
/// never straddles two blocks.
#[derive(Default)]
struct Partition {
    /// Records not yet written: `buf[..len]` (`PART_BUF` bytes once the first record
    /// comes, and always room for one more record).
    buf: Box<[u8]>,
    len: usize,
    /// Blocks written so far.
    blocks: Vec<Block>,
    /// Records in all (sizes the resolving map).
    records: usize,
    /// Leading records with absolute lines.
    window: usize,
    /// The line of the last delta-coded record.
    last: u64,
}

impl Partition {
    #[inline(always)]
    fn push(&mut self, keys: &mut BlockFile, fp: u128, v: u64) -> io::Result<()> {
        if self.len + MAX_KEY_REC > self.buf.len() {
            // Full, or not allocated yet.
            self.make_room(keys)?;
        }
        // Written in place with fixed-size stores (no `memcpy` call): all 16 bytes of
        // the fingerprint, then the varint over the 4 that do not count.
        let rec: &mut [u8; MAX_KEY_REC] = (&mut self.buf[self.len..self.len + MAX_KEY_REC])
            .try_into()
            .expect("room for a record");
        rec[..16].copy_from_slice(&fp.to_le_bytes());
        let n = FP_BYTES + put_varint(&mut rec[FP_BYTES..], v);
        self.len += n;
        self.records += 1;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn make_room(&mut self, keys: &mut BlockFile) -> io::Result<()> {
        if self.buf.is_empty() {
            self.buf = vec![0; PART_BUF].into_boxed_slice();
        }
        self.flush(keys)
    }

    fn flush(&mut self, keys: &mut BlockFile) -> io::Result<()> {
        if self.len > 0 {
            self.blocks.push(keys.append(&self.buf[..self.len])?);
            self.len = 0;
        }
        Ok(())
    }
}

struct Spill {
    keys: BlockFile,
    parts: Vec<Partition>,
    cands: BlockFile,
    /// Provisional users' records, written about `META_BUF` bytes at a time from
    /// `meta_buf[..meta_len]`.
    meta: File,
    meta_buf: Box<[u8]>,
    meta_len: usize,
    /// The line of the last provisional user recorded.
    meta_last: u64,
}

const META_BUF: usize = 64 << 10;

impl Spill {
    fn new() -> io::Result<Self> {
        Ok(Spill {
            keys: BlockFile::new()?,
            parts: (0..PARTITIONS).map(|_| Partition::default()).collect(),
            cands: BlockFile::new()?,
            meta: anonymous_file()?,
            meta_buf: vec![0; META_BUF].into_boxed_slice(),
            meta_len: 0,
            meta_last: 0,
        })
    }

    /// The top bits pick the partition; the map inside hashes the low ones.
    #[inline]
    fn part(fp: u128) -> usize {
        (fp >> (128 - PARTITION_BITS)) as usize
    }

    /// A key of the inline window (`packed`: its first line and kind). All of them
    /// come before any [`Spill::push_key`].
    fn push_window(&mut self, fp: u128, packed: u64) -> io::Result<()> {
        let (line, kind) = unpack(packed);
        let p = &mut self.parts[Self::part(fp)];
        debug_assert_eq!(p.window, p.records, "window keys come first");
        p.window += 1;
        p.push(&mut self.keys, fp, line << 1 | u64::from(kind))
    }

    /// A key sighting after the window, in input order.
    #[inline]
    fn push_key(&mut self, fp: u128, line: u64, kind: u8) -> io::Result<()> {
        let p = &mut self.parts[Self::part(fp)];
        let Some(delta) = line.checked_sub(p.last).filter(|_| line < 1 << 63) else {
            return Err(io::Error::other(format!(
                "duplicate detection: line {line} out of order"
            )));
        };
        p.last = line;
        p.push(&mut self.keys, fp, delta << 1 | u64::from(kind))
    }

    /// A provisional user's record (see [`put_meta_head`]), in input order.
    #[inline]
    fn provisional(&mut self, line: u64, meta: &MetaRef<'_>) -> io::Result<()> {
        let id = meta.external_id.unwrap_or("").as_bytes();
        let at = self.meta_len;
        if at + MAX_META_HEAD + id.len() > self.meta_buf.len() || line < self.meta_last {
            return self.provisional_slow(line, meta);
        }
        let n = put_meta_head(&mut self.meta_buf[at..], line - self.meta_last, meta);
        self.meta_buf[at + n..at + n + id.len()].copy_from_slice(id);
        self.meta_len = at + n + id.len();
        self.meta_last = line;
        Ok(())
    }

    /// [`Spill::provisional`] when the buffer is full, the id longer than it, or the
    /// line out of order.
    #[cold]
    #[inline(never)]
    fn provisional_slow(&mut self, line: u64, meta: &MetaRef<'_>) -> io::Result<()> {
        if line < self.meta_last {
            return Err(io::Error::other(format!(
                "duplicate detection: line {line} out of order"
            )));
        }
        self.meta.write_all(&self.meta_buf[..self.meta_len])?;
        self.meta_len = 0;
        let id = meta.external_id.unwrap_or("").as_bytes();
        if MAX_META_HEAD + id.len() > self.meta_buf.len() {
            // An id longer than the buffer goes straight to the file.
            let mut head = [0u8; MAX_META_HEAD];
            let n = put_meta_head(&mut head, line - self.meta_last, meta);
            self.meta.write_all(&head[..n])?;
            self.meta.write_all(id)?;
            self.meta_last = line;
            return Ok(());
        }
        self.provisional(line, meta)
    }
}

const CONFIDENCES: [Confidence; 4] = [
    Confidence::Certain,
    Confidence::Default,
    Confidence::Shape,
    Confidence::Hint,
];

/// A provisional user's record: varints and one byte, then the id. The line, as its
/// distance from the previous record's (the first from 0); the flags byte: the
/// confidence's index in [`CONFIDENCES`] in the low bits ([`NO_CONFIDENCE`] for
/// none), then [`WITHOUT_PASSWORD`] and [`UPGRADE`]; the format slot plus one (0:
/// none); the id's length plus one (0: none); the id's bytes. A typical user takes
/// 4 bytes and its id (there were 15).
const CONFIDENCE_BITS: u8 = 0b111;
const NO_CONFIDENCE: u8 = CONFIDENCE_BITS;
const WITHOUT_PASSWORD: u8 = 1 << 3;
const UPGRADE: u8 = 1 << 4;
/// The longest head of a provisional user's record (before the id).
const MAX_META_HEAD: usize = 3 * MAX_VARINT + 1;

/// Write the head of a provisional user's record (the id follows it) at the start of
/// `out` (at least [`MAX_META_HEAD`] bytes; bytes past the head may be written too);
/// returns its length. `delta`: its line's distance from the previous record's.
#[inline]
fn put_meta_head(out: &mut [u8], delta: u64, m: &MetaRef<'_>) -> usize {
    let conf = match m.confidence {
        Some(Confidence::Certain) => 0,
        Some(Confidence::Default) => 1,
        Some(Confidence::Shape) => 2,
        Some(Confidence::Hint) => 3,
        None => NO_CONFIDENCE,
    };
    let flags =
        conf | if m.without_password {
            WITHOUT_PASSWORD
        } else {
            0
        } | if m.upgrade { UPGRADE } else { 0 };
    let slot = m.format_slot.map_or(0, |s| u64::from(s) + 1);
    let id = m.external_id.map_or(0, |id| id.len() as u64 + 1);
    if delta | slot | id < 0x80 {
        // The usual case: four one-byte fields, one store.
        let word = delta as u32 | u32::from(flags) << 8 | (slot as u32) << 16 | (id as u32) << 24;
        out[..4].copy_from_slice(&word.to_le_bytes());
        return 4;
    }
    put_meta_head_long(out, delta, flags, slot, id)
}

#[cold]
fn put_meta_head_long(out: &mut [u8], delta: u64, flags: u8, slot: u64, id: u64) -> usize {
    let out = &mut out[..MAX_META_HEAD];
    let mut n = put_varint(out, delta);
    out[n] = flags;
    n += 1;
    n += put_varint(&mut out[n..], slot);
    n + put_varint(&mut out[n..], id)
}

/// Append one provisional user's record to `out`.
#[cfg(test)]
fn write_meta(out: &mut Vec<u8>, delta: u64, m: &MetaRef<'_>) {
    let mut head = [0u8; MAX_META_HEAD];
    let n = put_meta_head(&mut head, delta, m);
    out.extend_from_slice(&head[..n]);
    out.extend_from_slice(m.external_id.unwrap_or("").as_bytes());
}

/// The head of a provisional user's record: line distance, flags, format slot, and
/// the length of the id that follows.
fn read_meta_head(r: &mut impl Read) -> io::Result<(u64, u8, Option<u16>, Option<usize>)> {
    let delta = read_varint(r)?;
    let mut flags = [0u8];
    r.read_exact(&mut flags)?;
    let slot = match read_varint(r)? {
        0 => None,
        s => Some(u16::try_from(s - 1).map_err(|_| bad_record())?),
    };
    let id_len = match read_varint(r)? {
        0 => None,
        n => Some(usize::try_from(n - 1).map_err(|_| bad_record())?),
    };
    Ok((delta, flags[0], slot, id_len))
}

fn read_id(r: &mut impl Read, len: usize) -> io::Result<String> {
    let mut b = Vec::new();
    // Read as far as there is: a corrupt length cannot ask for more memory than the file.
    r.take(len as u64).read_to_end(&mut b)?;
    if b.len() != len {
        return Err(bad_record());
    }
    String::from_utf8(b).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn user_meta(flags: u8, format_slot: Option<u16>, external_id: Option<String>) -> UserMeta {
    UserMeta {
        external_id,
        format_slot,
        confidence: CONFIDENCES
            .get(usize::from(flags & CONFIDENCE_BITS))
            .copied(),
        without_password: flags & WITHOUT_PASSWORD != 0,
        upgrade: flags & UPGRADE != 0,
    }
}

/// A whole provisional user's record; `last`: the previous record's line (updated).
#[cfg(test)]
fn read_meta(r: &mut impl Read, last: &mut u64) -> io::Result<(u64, UserMeta)> {
    let (delta, flags, slot, id_len) = read_meta_head(r)?;
    *last = last.checked_add(delta).ok_or_else(bad_record)?;
    let id = id_len.map(|n| read_id(r, n)).transpose()?;
    Ok((*last, user_meta(flags, slot, id)))
}

// ------------------------------------------------------------------ the deduplicator

/// Decides, in input order, which users are duplicates.
pub struct Dedup {
    inline: FpMap<u64>,
    inline_limit: usize,
    spill: Option<Spill>,
}

impl Default for Dedup {
    fn default() -> Self {
        Self::with_inline_limit(INLINE_KEYS)
    }
}

impl Dedup {
    /// `inline_limit` keys are decided in memory before spilling (tests use a tiny one).
    pub fn with_inline_limit(inline_limit: usize) -> Self {
        Dedup {
            // Sized for the whole window at once: growing it rehashes every key.
            inline: FpMap::with_capacity_and_hasher(
                inline_limit.min(INLINE_KEYS),
                Default::default(),
            ),
            inline_limit,
            spill: None,
        }
    }

    /// The next user in input order, with its keys. After a `Provisional` answer the
    /// caller records the user with [`Dedup::provisional`].
    #[inline]
    pub fn check(&mut self, line: u64, keys: &[Key]) -> io::Result<Check> {
        if let Some(spill) = &mut self.spill {
            for &(fp, kind) in keys {
                spill.push_key(fp, line, kind)?;
            }
            return Ok(Check::Provisional);
        }
        self.check_inline(line, keys)
    }

    #[inline(never)]
    fn check_inline(&mut self, line: u64, keys: &[Key]) -> io::Result<Check> {
        let dup = keys
            .iter()
            .filter_map(|(fp, kind)| self.inline.get(fp).map(|&first| (*kind, unpack(first).0)))
            .min();
        for &(fp, kind) in keys {
            self.inline.entry(fp).or_insert(pack(line, kind));
        }
        if self.inline.len() >= self.inline_limit {
            // The window's keys open the partitions: each once, with its first line,
            // before any later sighting, so "first in the partition" stays "first line".
            let mut spill = Spill::new()?;
            for (fp, first) in std::mem::take(&mut self.inline) {
                spill.push_window(fp, first)?;
            }
            self.spill = Some(spill);
        }
        Ok(match dup {
            Some((kind, first)) => Check::Duplicate { kind, first },
            None => Check::Fresh,
        })
    }

    /// Remember what a provisional user counted as.
    #[inline]
    pub fn provisional(&mut self, line: u64, meta: &MetaRef<'_>) -> io::Result<()> {
        match &mut self.spill {
            Some(s) => s.provisional(line, meta),
            None => Ok(()),
        }
    }

    /// The provisional users that are duplicates, in line order (empty when nothing
    /// spilled). Partitions are resolved on `pool`.
    pub fn resolve(
        self,
        pool: &rayon::ThreadPool,
    ) -> io::Result<Box<dyn Iterator<Item = io::Result<Retraction>> + Send>> {
        let Some(mut spill) = self.spill else {
            return Ok(Box::new(std::iter::empty()));
        };
        // Flush the partition buffers.
        for p in &mut spill.parts {
            p.flush(&mut spill.keys)?;
            p.buf = Box::default();
        }
        spill.keys.flush()?;
        // Each thread takes the next partition until none is left, reusing its buffer
        // and map (memory: one partition's keys and map per thread); each partition
        // gives one sorted run of candidates, written to `cands` as it is done.
        let keys = &spill.keys;
        let parts = std::mem::take(&mut spill.parts);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let cands = std::sync::Mutex::new((&mut spill.cands, Vec::new()));
        let threads = pool.current_num_threads().max(1);
        pool.install(|| {
            (0..threads).into_par_iter().try_for_each(|_| {
                let mut data = Vec::new();
                let mut first = FirstLines::default();
                let mut run = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(part) = parts.get(i) else {
                        return Ok::<(), io::Error>(());
                    };
                    resolve_partition(keys, part, &mut data, &mut first, &mut run)?;
                    if run.is_empty() {
                        continue;
                    }
                    let mut c = cands
                        .lock()
                        .map_err(|_| io::Error::other("duplicate detection: a thread failed"))?;
                    let mut blocks = Vec::new();
                    for piece in run.chunks(CAND_BLOCK / CAND_REC) {
                        blocks.push(c.0.append(piece.as_flattened())?);
                    }
                    c.1.push(blocks);
                }
            })
        })?;
        let cand_runs = cands
            .into_inner()
            .map_err(|_| io::Error::other("duplicate detection: a thread failed"))?
            .1;
        drop(parts);
        drop(spill.keys);
        let mut meta_file = spill.meta;
        meta_file.write_all(&spill.meta_buf[..spill.meta_len])?;
        {
            use std::io::Seek;
            meta_file.seek(io::SeekFrom::Start(0))?;
        }
        spill.cands.flush()?;
        let merged = Merge::new(spill.cands, cand_runs)?;
        Ok(Box::new(Retractions {
            merged,
            meta: BufReader::with_capacity(1 << 16, meta_file),
            meta_line: 0,
            last_line: None,
        }))
    }
}

/// The first line of each fingerprint of one partition: open addressing with linear
/// probing, indexed by the fingerprint's low bits (uniform already), at most two
/// thirds full. A slot is in use when its `generation` is the table's: the next
/// partition bumps the generation instead of clearing the slots.
#[derive(Default)]
struct FirstLines {
    slots: Vec<Slot>,
    generation: u32,
}

/// A fingerprint as a partition's records keep it (low 64 bits, next 32), and the
/// line it was first seen on.
#[derive(Clone, Copy, Default)]
struct Slot {
    lo: u64,
    line: u64,
    hi: u32,
    generation: u32,
}

impl FirstLines {
    /// Empty, with room for `n` fingerprints.
    fn reset(&mut self, n: usize) {
        let want = n.saturating_add(n / 2).max(16).next_power_of_two();
        if self.slots.len() < want || self.generation == u32::MAX {
            self.slots.clear();
            self.slots.resize(want, Slot::default());
            self.generation = 0;
        }
        self.generation += 1;
    }

    /// The first line of fingerprint `(lo, hi)`; a fingerprint not seen before gets
    /// `line` as its first.
    #[inline]
    fn first(&mut self, lo: u64, hi: u32, line: u64) -> u64 {
        let generation = self.generation;
        let mask = self.slots.len() - 1;
        let mut i = lo as usize & mask;
        loop {
            let s = &mut self.slots[i];
            if s.generation != generation {
                *s = Slot {
                    lo,
                    line,
                    hi,
                    generation,
                };
                return line;
            }
            if s.lo == lo && s.hi == hi {
                return s.line;
            }
            i = (i + 1) & mask;
        }
    }
}

/// A partition's duplicate candidates into `run`, sorted by (line, kind, first);
/// `data` and `first` are scratch space, kept between partitions.
fn resolve_partition(
    keys: &BlockFile,
    part: &Partition,
    data: &mut Vec<u8>,
    first: &mut FirstLines,
    run: &mut Vec<[u8; CAND_REC]>,
) -> io::Result<()> {
    first.reset(part.records);
    run.clear();
    let (mut n, mut last) = (0usize, 0u64);
    for &block in &part.blocks {
        let data = keys.read_into(block, data)?;
        let mut pos = 0;
        while pos < data.len() {
            let (lo, hi, v) = get_key_rec(data, &mut pos).ok_or_else(bad_record)?;
            let kind = (v & 1) as u8;
            let line = if n < part.window {
                v >> 1
            } else {
                last = last.checked_add(v >> 1).ok_or_else(bad_record)?;
                last
            };
            n += 1;
            let first_line = first.first(lo, hi, line);
            if first_line != line {
                run.push(cand_rec(line, kind, first_line));
            }
        }
    }
    // In line order already, but two keys of one line may come in either order.
    run.sort_unstable();
    Ok(())
}

/// The key record at `data[*pos..]`, moving `pos` past it: the fingerprint's low 64
/// bits, its next 32, and the varint.
#[inline]
fn get_key_rec(data: &[u8], pos: &mut usize) -> Option<(u64, u32, u64)> {
    let fp = |rec: &[u8]| {
        (
            u64::from_le_bytes(rec[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(rec[8..FP_BYTES].try_into().expect("4 bytes")),
        )
    };
    // Most records end in a one- or two-byte varint: read as fixed-size fields.
    if let Some(rec) = data.get(*pos..*pos + FP_BYTES + 2) {
        let (lo, hi) = fp(rec);
        let (b0, b1) = (rec[FP_BYTES], rec[FP_BYTES + 1]);
        if b0 < 0x80 {
            *pos += FP_BYTES + 1;
            return Some((lo, hi, u64::from(b0)));
        }
        if b1 < 0x80 {
            *pos += FP_BYTES + 2;
            return Some((lo, hi, u64::from(b0 & 0x7f) | u64::from(b1) << 7));
        }
    }
    let (lo, hi) = fp(data.get(*pos..*pos + FP_BYTES)?);
    *pos += FP_BYTES;
    Some((lo, hi, get_varint(data, pos)?))
}

/// Reads one run of candidates block by block.
struct RunCursor {
    blocks: std::vec::IntoIter<(u64, u32)>,
    buf: Vec<u8>,
    pos: usize,
}

impl RunCursor {
    fn next(&mut self, file: &BlockFile) -> io::Result<Option<[u8; CAND_REC]>> {
        if self.pos >= self.buf.len() {
            let Some(block) = self.blocks.next() else {
                return Ok(None);
            };
            self.buf.clear();
            file.read(block, &mut self.buf)?;
            self.pos = 0;
        }
        let rec: [u8; CAND_REC] = self.buf[self.pos..self.pos + CAND_REC]
            .try_into()
            .expect("whole record");
        self.pos += CAND_REC;
        Ok(Some(rec))
    }
}

/// A k-way merge of the candidate runs: all candidates in (line, kind, first) order.
struct Merge {
    file: BlockFile,
    cursors: Vec<RunCursor>,
    heap: BinaryHeap<std::cmp::Reverse<([u8; CAND_REC], usize)>>,
}

impl Merge {
    fn new(file: BlockFile, runs: Vec<Vec<(u64, u32)>>) -> io::Result<Self> {
        let mut m = Merge {
            file,
            cursors: runs
                .into_iter()
                .map(|blocks| RunCursor {
                    blocks: blocks.into_iter(),
                    buf: Vec::new(),
                    pos: 0,
                })
                .collect(),
            heap: BinaryHeap::new(),
        };
        for i in 0..m.cursors.len() {
            if let Some(rec) = m.cursors[i].next(&m.file)? {
                m.heap.push(std::cmp::Reverse((rec, i)));
            }
        }
        Ok(m)
    }

    fn next(&mut self) -> io::Result<Option<(u64, u8, u64)>> {
        let Some(std::cmp::Reverse((rec, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(next) = self.cursors[i].next(&self.file)? {
            self.heap.push(std::cmp::Reverse((next, i)));
        }
        Ok(Some((
            u64::from_be_bytes(rec[..8].try_into().expect("8 bytes")),
            rec[8],
            u64::from_be_bytes(rec[9..].try_into().expect("8 bytes")),
        )))
    }
}

struct Retractions {
    merged: Merge,
    meta: BufReader<File>,
    /// The line of the last provisional user's record read.
    meta_line: u64,
    last_line: Option<u64>,
}

impl Retractions {
    fn step(&mut self) -> io::Result<Option<Retraction>> {
        // The first candidate of a line is its best: (kind, first) ascending.
        let (line, kind, first) = loop {
            let Some((line, kind, first)) = self.merged.next()? else {
                return Ok(None);
            };
            if self.last_line != Some(line) {
                break (line, kind, first);
            }
        };
        self.last_line = Some(line);
        loop {
            let (delta, flags, slot, id_len) = read_meta_head(&mut self.meta)?;
            self.meta_line = self.meta_line.checked_add(delta).ok_or_else(bad_record)?;
            if self.meta_line == line {
                let id = id_len.map(|n| read_id(&mut self.meta, n)).transpose()?;
                return Ok(Some(Retraction {
                    line,
                    kind,
                    first,
                    meta: user_meta(flags, slot, id),
                }));
            }
            if self.meta_line > line {
                return Err(io::Error::other(format!(
                    "duplicate detection: no record of line {line}"
                )));
            }
            // Another user's: skip its id.
            let skip = id_len.unwrap_or(0) as u64;
            if io::copy(&mut (&mut self.meta).take(skip), &mut io::sink())? != skip {
                return Err(bad_record());
            }
        }
    }
}

impl Iterator for Retractions {
    type Item = io::Result<Retraction>;
    fn next(&mut self) -> Option<Self::Item> {
        self.step().transpose()
    }
}

/// A `duplicate_*` reject's reason code and message.
pub fn duplicate_reason(kind: u8, first: u64) -> (&'static str, String) {
    let (reason, what) = if kind == KIND_ID {
        ("duplicate_id", "external_id")
    } else {
        ("duplicate_email", "email address")
    };
    (
        reason,
        format!("{what} already used by the record at line {first}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_blocks_read_back_as_written() {
        let mut f = BlockFile::new().unwrap();
        // Small blocks (staged), one as large as the stage (written directly), and
        // enough of them to flush the stage several times along the way.
        let sizes = (0..600usize)
            .map(|i| {
                if i == 300 {
                    STAGE + 7
                } else {
                    1 + i * 37 % 2048
                }
            })
            .collect::<Vec<_>>();
        let blocks: Vec<(Vec<u8>, (u64, u32))> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let data = (0..n).map(|j| (i * 31 + j) as u8).collect::<Vec<_>>();
                let at = f.append(&data).unwrap();
                (data, at)
            })
            .collect();
        let last = blocks.last().unwrap().1;
        assert!(
            f.read(last, &mut Vec::new()).is_err(),
            "a staged block is not on disk yet"
        );
        f.flush().unwrap();
        for (data, at) in &blocks {
            let mut out = vec![9];
            f.read(*at, &mut out).unwrap();
            assert_eq!(&out[1..], &data[..]);
        }
    }

    /// The id a provisional user of `line` is recorded with in [`decide`]: none, empty,
    /// longer than the record buffer, or short.
    fn test_id(line: u64) -> Option<String> {
        match line % 7 {
            0 => None,
            1 => Some(String::new()),
            2 if line % 3 == 0 => Some(format!("{line}").repeat(META_BUF / 4)),
            _ => Some(format!("id{line}")),
        }
    }

    /// Every user's decision, inline or after resolution: `None` = kept, or the
    /// (kind, first line) it duplicates.
    fn decide(users: &[(u64, Vec<Key>)], limit: usize) -> Vec<Option<(u8, u64)>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let mut d = Dedup::with_inline_limit(limit);
        let mut out = Vec::new();
        for (line, keys) in users {
            match d.check(*line, keys).unwrap() {
                Check::Fresh => out.push(None),
                Check::Duplicate { kind, first } => out.push(Some((kind, first))),
                Check::Provisional => {
                    let id = test_id(*line);
                    d.provisional(
                        *line,
                        &MetaRef {
                            external_id: id.as_deref(),
                            format_slot: Some((*line % 300) as u16),
                            confidence: Some(Confidence::Shape),
                            without_password: false,
                            upgrade: true,
                        },
                    )
                    .unwrap();
                    out.push(None);
                }
            }
        }
        for r in d.resolve(&pool).unwrap() {
            let r = r.unwrap();
            assert_eq!(r.meta.external_id, test_id(r.line));
            assert_eq!(r.meta.format_slot, Some((r.line % 300) as u16));
            assert_eq!(r.meta.confidence, Some(Confidence::Shape));
            let i = users.iter().position(|(l, _)| *l == r.line).unwrap();
            assert_eq!(out[i], None, "retracted twice or after a decision");
            out[i] = Some((r.kind, r.first));
        }
        out
    }

    #[test]
    fn spilled_decisions_match_inline_ones() {
        let f = Fingerprinter::default();
        // 3000 users with ids and emails that repeat in several patterns: repeats of
        // early and late records, by id and by email (case changes), both at once,
        // and repeats of records that were themselves duplicates.
        let mut users = Vec::new();
        for i in 0..3000u64 {
            let id = match i % 7 {
                0 if i > 0 => format!("u{}", i / 2),
                _ => format!("u{i}"),
            };
            let email = match i % 11 {
                0 if i > 0 => format!("E{}@X.COM", i / 3),
                5 => format!("e{}@x.com", i.saturating_sub(5)),
                _ => format!("e{i}@x.com"),
            };
            let mut keys = Vec::new();
            f.keys(
                Some(&id),
                [email.as_str(), "E5@x.com"][..1 + (i % 13 == 0) as usize]
                    .iter()
                    .copied(),
                &mut keys,
            );
            users.push((i * 2 + 2, keys));
        }
        let inline = decide(&users, usize::MAX);
        assert!(inline.iter().filter(|d| d.is_some()).count() > 500);
        assert!(inline.iter().any(|d| matches!(d, Some((KIND_EMAIL, _)))));
        for limit in [0, 1, 50, 2000, 5999] {
            let got = decide(&users, limit);
            let diff: Vec<_> = (0..users.len())
                .filter(|&i| got[i] != inline[i])
                .take(5)
                .map(|i| (users[i].0, got[i], inline[i]))
                .collect();
            assert!(
                diff.is_empty(),
                "inline limit {limit}: (line, got, want) {diff:?}"
            );
        }
    }

    #[test]
    fn emails_compare_case_insensitively_ids_do_not() {
        let f = Fingerprinter::default();
        assert_eq!(f.email("A@B.com"), f.email("a@b.COM"));
        assert_eq!(f.email("Ä@b.com"), f.email("ä@B.com"));
        assert_ne!(f.id("A"), f.id("a"));
        assert_ne!(f.id("a@b.com").0, f.email("a@b.com").0);
        let long = "X".repeat(300) + "@y.com";
        assert_eq!(f.email(&long), f.email(&long.to_lowercase()));
    }

    #[test]
    fn meta_round_trips() {
        let long = "é\"x".repeat(40_000);
        let mut metas = vec![UserMeta::default()];
        for (i, id) in [None, Some(""), Some("u00000042"), Some(long.as_str())]
            .into_iter()
            .enumerate()
        {
            for confidence in [None].into_iter().chain(CONFIDENCES.map(Some)) {
                for flags in 0..4u8 {
                    metas.push(UserMeta {
                        external_id: id.map(str::to_string),
                        format_slot: [None, Some(0), Some(7), Some(u16::MAX)][i],
                        confidence,
                        without_password: flags & 1 != 0,
                        upgrade: flags & 2 != 0,
                    });
                }
            }
        }
        // Lines from 0 up to the last below 2^63, in steps small and large.
        let lines: Vec<u64> = (0..metas.len() as u64)
            .map(|i| match i {
                0 => 0,
                i if i + 1 == metas.len() as u64 => (1 << 63) - 1,
                i => i * i * i * 1_000_003,
            })
            .collect();
        let mut buf = Vec::new();
        let mut last = 0;
        for (&line, m) in lines.iter().zip(&metas) {
            let r = MetaRef {
                external_id: m.external_id.as_deref(),
                format_slot: m.format_slot,
                confidence: m.confidence,
                without_password: m.without_password,
                upgrade: m.upgrade,
            };
            write_meta(&mut buf, line - last, &r);
            last = line;
        }
        let mut r = &buf[..];
        let mut last = 0;
        for (&line, m) in lines.iter().zip(metas) {
            assert_eq!(read_meta(&mut r, &mut last).unwrap(), (line, m));
        }
        assert!(r.is_empty());
        assert!(
            read_meta(&mut r, &mut last).is_err(),
            "nothing more to read"
        );
    }

    /// A key whose fingerprint falls in partition `part`, `n` telling keys apart.
    fn key_in(part: u8, n: u64, kind: u8) -> Key {
        let fp = u128::from(part) << 120
            | u128::from(n.wrapping_mul(0x9e37_79b9_7f4a_7c15)) << 20
            | u128::from(n);
        (fp, kind)
    }

    #[test]
    fn few_partitions_and_lines_near_the_top() {
        // Keys in two partitions only (the other 254 stay empty), lines up to the
        // largest a key can have (2^63 - 1), over the window and past it.
        let top = (1u64 << 63) - 1;
        let users: Vec<(u64, Vec<Key>)> = (0..40u64)
            .map(|i| {
                let line = if i < 20 { i * 1000 + 2 } else { top - 39 + i };
                let id = key_in(7, i % 13, KIND_ID);
                let email = key_in(200, i % 9, KIND_EMAIL);
                (line, vec![id, email])
            })
            .collect();
        let inline = decide(&users, usize::MAX);
        assert!(inline.iter().filter(|d| d.is_some()).count() > 20);
        for limit in [0, 2, 5, 30] {
            assert_eq!(decide(&users, limit), inline, "inline limit {limit}");
        }
    }

    #[test]
    fn a_line_going_back_is_an_error() {
        let mut d = Dedup::with_inline_limit(0);
        assert_eq!(d.check(10, &[key_in(1, 1, KIND_ID)]).unwrap(), Check::Fresh);
        assert_eq!(
            d.check(12, &[key_in(1, 2, KIND_ID)]).unwrap(),
            Check::Provisional
        );
        assert!(d.check(11, &[key_in(1, 3, KIND_ID)]).is_err());
        assert!(d.check(1 << 63, &[key_in(2, 3, KIND_ID)]).is_err());
        d.provisional(12, &MetaRef::default()).unwrap();
        assert!(d.provisional(11, &MetaRef::default()).is_err());
    }

    #[test]
    fn varint_boundaries() {
        let mut values = vec![0, 1, u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) - 1];
        for bits in 1..64 {
            values.extend([(1u64 << bits) - 1, 1 << bits, (1 << bits) + 1]);
        }
        for v in values {
            let mut buf = [0xffu8; MAX_VARINT + 2];
            let n = put_varint(&mut buf, v);
            let want = (64 - v.leading_zeros() as usize).div_ceil(7).max(1);
            assert_eq!(n, want, "{v}");
            let mut pos = 0;
            assert_eq!(get_varint(&buf[..n], &mut pos), Some(v));
            assert_eq!(pos, n);
            assert_eq!(read_varint(&mut &buf[..n]).unwrap(), v);
            // Cut short: no value.
            let mut pos = 0;
            assert_eq!(get_varint(&buf[..n - 1], &mut pos), None);
        }
        // Past 64 bits: refused.
        let mut pos = 0;
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(get_varint(&over, &mut pos), None);
        assert!(read_varint(&mut &over[..]).is_err());
        let eleven = [0x80u8; 11];
        assert!(read_varint(&mut &eleven[..]).is_err());
    }

    use proptest::prelude::*;

    fn meta_strategy() -> impl Strategy<Value = UserMeta> {
        (
            prop_oneof![
                Just(None),
                Just(Some(String::new())),
                "[a-zé\\\"0-9]{1,20}".prop_map(Some),
                (1usize..3 * META_BUF).prop_map(|n| Some("x".repeat(n))),
            ],
            prop_oneof![Just(None), any::<u16>().prop_map(Some)],
            prop_oneof![Just(None), (0..4usize).prop_map(|i| Some(CONFIDENCES[i]))],
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(external_id, format_slot, confidence, without_password, upgrade)| UserMeta {
                    external_id,
                    format_slot,
                    confidence,
                    without_password,
                    upgrade,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn varints_round_trip(v in any::<u64>(), small in 0u64..1 << 14) {
            for v in [v, small, v >> (v % 64)] {
                let mut buf = [0u8; MAX_VARINT];
                let n = put_varint(&mut buf, v);
                let mut pos = 0;
                prop_assert_eq!(get_varint(&buf[..n], &mut pos), Some(v));
                prop_assert_eq!(pos, n);
            }
        }

        /// Provisional users' records through the spill's own buffer (flushed as it
        /// fills, long ids written past it) read back as they were.
        #[test]
        fn user_records_round_trip(
            users in proptest::collection::vec((0u64..1 << 20, meta_strategy()), 1..60),
            start in prop_oneof![Just(0u64), (1u64 << 62)..(1 << 63) - (1 << 27)],
        ) {
            let mut spill = Spill::new().unwrap();
            let mut line = start;
            let mut lines = Vec::new();
            for (gap, m) in &users {
                line += gap;
                lines.push(line);
                spill
                    .provisional(
                        line,
                        &MetaRef {
                            external_id: m.external_id.as_deref(),
                            format_slot: m.format_slot,
                            confidence: m.confidence,
                            without_password: m.without_password,
                            upgrade: m.upgrade,
                        },
                    )
                    .unwrap();
            }
            let mut file = spill.meta;
            file.write_all(&spill.meta_buf[..spill.meta_len]).unwrap();
            use std::io::Seek;
            file.seek(io::SeekFrom::Start(0)).unwrap();
            let mut r = BufReader::new(file);
            let mut last = 0;
            for (line, (_, m)) in lines.into_iter().zip(users) {
                prop_assert_eq!(read_meta(&mut r, &mut last).unwrap(), (line, m));
            }
            prop_assert!(read_meta(&mut r, &mut last).is_err(), "nothing more");
        }

        /// Key records through the partitions and back: each partition's candidates
        /// are every later sighting of a fingerprint (104 bits of it) with its first line.
        #[test]
        fn key_records_resolve_as_a_map_would(
            window in proptest::collection::vec((0u8..3, 0u64..100, 0u64..1 << 40), 0..150),
            // Up to ~750 records a partition: several blocks each.
            later in proptest::collection::vec((0u8..2, 0u64..400, 0u64..1 << 20, 0u8..2), 0..1500),
            near_top in any::<bool>(),
        ) {
            let base = if near_top { (1u64 << 63) - (1 << 41) - 1 } else { 0 };
            let fp = |part: u8, n: u64| key_in(part * 60, n, 0).0;
            // The window holds each key once (here: with the last line drawn for it),
            // in no particular order.
            let mut want: HashMap<(u8, u64), u64> = HashMap::new();
            for &(part, n, line) in &window {
                want.insert((part, n), base + line);
            }
            let mut spill = Spill::new().unwrap();
            for (&(part, n), &line) in &want {
                spill.push_window(fp(part, n), pack(line, 0)).unwrap();
            }
            let mut cands: Vec<Vec<[u8; CAND_REC]>> = vec![Vec::new(); PARTITIONS];
            let mut line = base + (1 << 40);
            for &(part, n, gap, kind) in &later {
                line += gap;
                spill.push_key(fp(part, n), line, kind).unwrap();
                match want.get(&(part, n)) {
                    Some(&first) if first != line => {
                        cands[usize::from(part) * 60].push(cand_rec(line, kind, first));
                    }
                    Some(_) => {}
                    None => {
                        want.insert((part, n), line);
                    }
                }
            }
            for p in &mut spill.parts {
                p.flush(&mut spill.keys).unwrap();
            }
            spill.keys.flush().unwrap();
            let (mut data, mut first, mut run) = (Vec::new(), FirstLines::default(), Vec::new());
            for (i, part) in spill.parts.iter().enumerate() {
                resolve_partition(&spill.keys, part, &mut data, &mut first, &mut run).unwrap();
                cands[i].sort_unstable();
                prop_assert_eq!(&run, &cands[i], "partition {}", i);
            }
        }

        /// The resolving table against a map, over several partitions (generations)
        /// and tables small enough to wrap around.
        #[test]
        fn first_lines_match_a_map(
            parts in proptest::collection::vec(
                proptest::collection::vec((0u64..50, 0u32..3, any::<u64>()), 0..200),
                1..5,
            ),
        ) {
            let mut t = FirstLines::default();
            for keys in parts {
                t.reset(keys.len());
                let mut want = HashMap::new();
                for (lo, hi, line) in keys {
                    // Low bits alike, to crowd the probes.
                    let lo = (lo << 40) | (lo % 4);
                    let expect = *want.entry((lo, hi)).or_insert(line);
                    prop_assert_eq!(t.first(lo, hi, line), expect);
                }
            }
        }
    }
}
