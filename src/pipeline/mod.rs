//! The migrate pipeline: read → classify and render in parallel → de-duplicate and
//! write, in input order.
//!
//! Three stages, bounded so memory stays flat whatever the input size: a reader
//! thread parses the stream into batches (CSV: one buffer per batch, no allocation per
//! record); the calling thread hands each group of 1,024 records to the rayon pool as
//! its own task, which classifies them and renders every record to its output bytes
//! (tokens bound the groups in flight); a writer thread puts the groups back in input
//! order, checks duplicates (which needs that order), counts, and hands the bytes to
//! the [`Sink`]. Every input record reaches the
//! sink exactly once, as a user or a reject (a provisional user may later be turned
//! into a reject by [`Sink::retract`]).

pub mod classify;
pub mod columns;
pub mod dedup;
pub mod read;
pub mod render;
mod scan;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::scheme::Confidence;
use classify::{classify, Classified, ClassifyConfig, RejectRow};
use dedup::{Check, Dedup, Fingerprinter, Key, MetaRef, Retraction};
use read::{CsvBatch, CsvReader, FieldsRef, InputKind, RowError, SourceRecord};

/// Records per batch handed to the classifier pool.
const BATCH: usize = 4096;
/// Field bytes per CSV batch (a batch of long records ends early).
const BATCH_BYTES: usize = 4 << 20;
/// Records per rayon task: rendered into one buffer.
const GROUP: usize = 1024;
/// Batches in flight between stages (bounds memory).
const IN_FLIGHT: usize = 2;
/// CSV batches in circulation: one being filled, `IN_FLIGHT` queued, and those whose
/// groups are still being rendered (tokens allow `IN_FLIGHT + 1` batches' worth).
const CSV_BATCHES: usize = 2 * IN_FLIGHT + 2;

/// How users are rendered for the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserFormat {
    #[default]
    Json,
    Csv,
}

/// Receives rendered records in input order. Each record is one line, `\n` included:
/// users in the sink's [`UserFormat`], rejects as JSON.
pub trait Sink: Send {
    fn user_format(&self) -> UserFormat {
        UserFormat::Json
    }
    fn user(&mut self, line: u64, record: &[u8]) -> io::Result<()>;
    fn reject(&mut self, line: u64, record: &[u8]) -> io::Result<()>;
    /// Users sent from now on are provisional: [`Sink::retract`] will be called at
    /// the end and may turn some of them into rejects. A sink that cannot rewrite what
    /// it wrote holds later records back from here (see [`Holdback`]).
    fn provisional(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Called once at the end, after `provisional`: the provisional users at these
    /// lines (ascending) are duplicates; each is replaced by the reject given, which
    /// takes its place in input order among the rejects.
    fn retract(
        &mut self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()>;
}

/// Counts for the summary and the manifest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub input: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub without_password: u64,
    pub upgrade_on_sign_in: u64,
    pub by_format: BTreeMap<String, u64>,
    pub by_confidence: BTreeMap<String, u64>,
    pub by_reason: BTreeMap<String, u64>,
    /// Formats identified by shape only, with the other readings seen.
    pub shape_only: BTreeMap<String, ShapeNote>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ShapeNote {
    pub count: u64,
    pub candidates: Vec<String>,
}

/// What was read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputInfo {
    pub name: String,
    pub bytes: u64,
    /// Of the raw input, when [`RunConfig::input_sha256`] asked for it.
    pub sha256: Option<String>,
    pub records: u64,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("reading {name}: {message}")]
    Input { name: String, message: String },
    #[error("writing the output: {0}")]
    Output(io::Error),
}

/// Counts bytes and hashes the raw input (before decompression) for the manifest.
struct HashingReader<R> {
    inner: R,
    state: Arc<Mutex<(Sha256, u64)>>,
    /// Hash as well as count (a run without a manifest only counts, for progress).
    hash: bool,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if self.hash {
            st.0.update(&buf[..n]);
        }
        st.1 += n as u64;
        Ok(n)
    }
}

/// Options for one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub classify: ClassifyConfig,
    pub kind: Option<InputKind>,
    pub jobs: usize,
    /// Hash the raw input (SHA-256, in [`InputInfo`]): a bundle's manifest records it;
    /// stdout and dry runs have no use for it and skip the cost (about a tenth of the CPU).
    pub input_sha256: bool,
}

// ------------------------------------------------------------------ rendered groups

/// One rayon task's records, rendered.
struct Group {
    users: Vec<u8>,
    rejects: Vec<u8>,
    keys: Vec<Key>,
    ids: String,
    items: Vec<Item>,
}

enum Item {
    User {
        line: u64,
        end: usize,
        keys_end: usize,
        id: Option<(usize, usize)>,
        format: Option<&'static str>,
        confidence: Option<Confidence>,
        without_password: bool,
        upgrade: bool,
        candidates: Vec<&'static str>,
    },
    Reject {
        line: u64,
        end: usize,
        reason: &'static str,
    },
}

/// A batch as the reader hands it on.
enum Batch {
    Csv(CsvBatch),
    Records(Vec<SourceRecord>),
}

impl Batch {
    fn len(&self) -> usize {
        match self {
            Batch::Csv(b) => b.len(),
            Batch::Records(r) => r.len(),
        }
    }
}

/// A batch on its way through the workers. Whoever lets go of it last (a worker, or the
/// thread that spawned its groups) hands a CSV batch back to the reader, which waits
/// for one once `CSV_BATCHES` exist: a batch that did not come back would stop the run.
struct Circulating {
    batch: Batch,
    back: std::sync::mpsc::SyncSender<CsvBatch>,
}

impl Drop for Circulating {
    fn drop(&mut self) {
        if let Batch::Csv(b) = std::mem::replace(&mut self.batch, Batch::Records(Vec::new())) {
            // Full cannot happen (the channel holds every batch there is); disconnected
            // means the reader has finished.
            let _ = self.back.try_send(b);
        }
    }
}

/// Groups handed back by the writer for reuse, buffers and all: fresh memory costs
/// page faults (the kernel zeroes every new page) and cross-thread frees; reused
/// memory costs neither.
#[derive(Default)]
struct GroupPool(Mutex<Vec<Group>>);

impl GroupPool {
    fn take(&self) -> Group {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            // Sized for a typical group up front: grown by doubling instead, a fresh
            // group's buffers were copied over a dozen times each.
            .unwrap_or_else(|| Group {
                users: Vec::with_capacity(GROUP * 512),
                rejects: Vec::new(),
                keys: Vec::with_capacity(GROUP * 2),
                ids: String::with_capacity(GROUP * 16),
                items: Vec::with_capacity(GROUP),
            })
    }
    fn give(&self, mut g: Group) {
        g.users.clear();
        g.rejects.clear();
        g.keys.clear();
        g.ids.clear();
        g.items.clear();
        if let Ok(mut v) = self.0.lock() {
            if v.len() < (IN_FLIGHT + 2) * BATCH / GROUP {
                v.push(g);
            }
        }
    }
}

fn render_group(
    batch: &Batch,
    range: std::ops::Range<usize>,
    cfg: &ClassifyConfig,
    fp: &Fingerprinter,
    format: UserFormat,
    groups: &GroupPool,
) -> Group {
    let n = range.len();
    let mut g = groups.take();
    g.keys.reserve(n * 2);
    g.items.reserve(n);
    let mut csv_out = (format == UserFormat::Csv).then(|| {
        csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new())
    });
    for i in range {
        let owned_err: RowError;
        let (line, body): (u64, Result<FieldsRef<'_>, &RowError>) = match batch {
            Batch::Csv(b) => {
                let (line, body) = b.get(i);
                match body {
                    Ok(f) => (line, Ok(f)),
                    Err(e) => {
                        owned_err = e;
                        (line, Err(&owned_err))
                    }
                }
            }
            Batch::Records(r) => (r[i].line, r[i].body.as_ref().map(|f| f.view())),
        };
        match classify(line, body, cfg) {
            Classified::Accepted(u) => {
                let end = match &mut csv_out {
                    Some(w) => {
                        if let Err(e) = render::user_csv(w, &u) {
                            // Writing to a Vec cannot fail; say so if it ever does.
                            let r = RejectRow {
                                source_line: line,
                                external_id: u.external_id.clone(),
                                reason: "malformed_row",
                                message: format!("cannot write as CSV: {e}").into(),
                            };
                            render::reject_json(&mut g.rejects, &r);
                            g.items.push(Item::Reject {
                                line,
                                end: g.rejects.len(),
                                reason: r.reason,
                            });
                            continue;
                        }
                        w.get_ref().len()
                    }
                    None => {
                        render::user_json(&mut g.users, &u);
                        g.users.len()
                    }
                };
                fp.keys(
                    u.external_id.as_deref(),
                    u.email_address.iter().map(|e| e.as_ref()),
                    &mut g.keys,
                );
                let id = u.external_id.as_deref().map(|id| {
                    let start = g.ids.len();
                    g.ids.push_str(id);
                    (start, g.ids.len())
                });
                g.items.push(Item::User {
                    line,
                    end,
                    keys_end: g.keys.len(),
                    id,
                    format: u.format,
                    confidence: u.format_confidence,
                    without_password: u.password_digest.is_none(),
                    upgrade: u.upgrade_on_sign_in,
                    candidates: u.candidates,
                });
            }
            Classified::Rejected(r) => {
                render::reject_json(&mut g.rejects, &r);
                g.items.push(Item::Reject {
                    line,
                    end: g.rejects.len(),
                    reason: r.reason,
                });
            }
        }
    }
    if let Some(w) = csv_out {
        g.users = w.into_inner().unwrap_or_default();
    }
    g
}

// ------------------------------------------------------------------ counting

/// Counters keyed by static strings: a short list searched by pointer first (the
/// registry hands out the same `&'static str` for a format every time), no hashing.
#[derive(Default)]
struct StaticCounter<V>(Vec<(&'static str, V)>);

impl<V: Default> StaticCounter<V> {
    fn entry(&mut self, key: &'static str) -> &mut V {
        let i = self.slot(key);
        &mut self.0[i].1
    }

    /// Where `key` is counted (added if new); slots never move.
    fn slot(&mut self, key: &'static str) -> usize {
        match self
            .0
            .iter()
            .position(|(k, _)| std::ptr::eq(*k, key) || *k == key)
        {
            Some(i) => i,
            None => {
                self.0.push((key, V::default()));
                self.0.len() - 1
            }
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.0.iter_mut().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// Counts as the writer keeps them (static keys, no allocation per record).
#[derive(Default)]
struct Tally {
    input: u64,
    accepted: u64,
    rejected: u64,
    without_password: u64,
    upgrade: u64,
    by_format: StaticCounter<u64>,
    by_confidence: [u64; 4],
    by_reason: StaticCounter<u64>,
    shape_only: StaticCounter<ShapeNote>,
}

fn confidence_index(c: Confidence) -> usize {
    match c {
        Confidence::Certain => 0,
        Confidence::Default => 1,
        Confidence::Shape => 2,
        Confidence::Hint => 3,
    }
}
const CONFIDENCE_ORDER: [Confidence; 4] = [
    Confidence::Certain,
    Confidence::Default,
    Confidence::Shape,
    Confidence::Hint,
];

impl Tally {
    fn reject(&mut self, reason: &'static str) {
        self.rejected += 1;
        *self.by_reason.entry(reason) += 1;
    }

    /// Count an accepted user; returns the `by_format` slot it was counted in, if any,
    /// for [`Tally::retract`] (a provisional user's record keeps it, not the name).
    // One caller, once per user on the serial stage: out of line (as LLVM left it once it
    // returned the slot) the call cost the writer about 35 instructions per user.
    #[inline(always)]
    fn user(
        &mut self,
        format: Option<&'static str>,
        confidence: Option<Confidence>,
        without_password: bool,
        upgrade: bool,
        candidates: &[&'static str],
    ) -> Option<u16> {
        self.accepted += 1;
        self.without_password += u64::from(without_password);
        self.upgrade += u64::from(upgrade);
        if let (Some(f), Some(conf)) = (format, confidence) {
            let slot = self.by_format.slot(f);
            self.by_format.0[slot].1 += 1;
            self.by_confidence[confidence_index(conf)] += 1;
            if conf == Confidence::Shape {
                let note = self.shape_only.entry(f);
                note.count += 1;
                for cand in candidates {
                    if !note.candidates.iter().any(|x| x == cand) {
                        note.candidates.push(cand.to_string());
                    }
                }
            }
            // Formats are the registry's names: a few dozen, nowhere near the limit.
            Some(u16::try_from(slot).expect("fewer than 65,535 formats"))
        } else {
            None
        }
    }

    /// Undo [`Tally::user`] for a retracted user, and count its reject.
    fn retract(&mut self, r: &Retraction, reason: &'static str) {
        let m = &r.meta;
        self.accepted -= 1;
        if let (Some(slot), Some(conf)) = (m.format_slot, m.confidence) {
            // The slot [`Tally::user`] counted it in (slots never move).
            let format = self.by_format.0.get_mut(usize::from(slot)).map(|(f, n)| {
                *n -= 1;
                *f
            });
            self.by_confidence[confidence_index(conf)] -= 1;
            if conf == Confidence::Shape {
                if let Some(note) = format.and_then(|f| self.shape_only.get_mut(f)) {
                    note.count -= 1;
                }
            }
        }
        self.without_password -= u64::from(m.without_password);
        self.upgrade -= u64::from(m.upgrade);
        self.reject(reason);
    }

    fn into_counts(self) -> Counts {
        let keep = |(k, n): (&'static str, u64)| (n > 0).then(|| (k.to_string(), n));
        Counts {
            input: self.input,
            accepted: self.accepted,
            rejected: self.rejected,
            without_password: self.without_password,
            upgrade_on_sign_in: self.upgrade,
            by_format: self.by_format.0.into_iter().filter_map(keep).collect(),
            by_confidence: CONFIDENCE_ORDER
                .iter()
                .zip(self.by_confidence)
                .filter(|(_, n)| *n > 0)
                .map(|(c, n)| (c.as_str().to_string(), n))
                .collect(),
            by_reason: self.by_reason.0.into_iter().filter_map(keep).collect(),
            shape_only: self
                .shape_only
                .0
                .into_iter()
                .filter(|(_, n)| n.count > 0)
                .map(|(k, n)| (k.to_string(), n))
                .collect(),
        }
    }
}

/// A `duplicate_*` reject, rendered.
fn duplicate_reject(
    line: u64,
    external_id: Option<&str>,
    kind: u8,
    first: u64,
) -> (&'static str, Vec<u8>) {
    let (reason, message) = dedup::duplicate_reason(kind, first);
    let mut out = Vec::with_capacity(160);
    render::reject_json(
        &mut out,
        &RejectRow {
            source_line: line,
            external_id: external_id.map(std::borrow::Cow::Borrowed),
            reason,
            message: message.into(),
        },
    );
    (reason, out)
}

/// The writer stage: duplicates, counts, and the sink, in input order.
struct Writer<'s> {
    sink: &'s mut dyn Sink,
    tally: Tally,
    dedup: Dedup,
    provisional: bool,
}

impl Writer<'_> {
    fn group(&mut self, g: &Group) -> io::Result<()> {
        let (mut user_start, mut reject_start, mut keys_start) = (0, 0, 0);
        for item in &g.items {
            self.tally.input += 1;
            match item {
                Item::Reject { line, end, reason } => {
                    self.sink.reject(*line, &g.rejects[reject_start..*end])?;
                    reject_start = *end;
                    self.tally.reject(reason);
                }
                Item::User {
                    line,
                    end,
                    keys_end,
                    id,
                    format,
                    confidence,
                    without_password,
                    upgrade,
                    candidates,
                } => {
                    let record = &g.users[user_start..*end];
                    user_start = *end;
                    let keys = &g.keys[keys_start..*keys_end];
                    keys_start = *keys_end;
                    let external_id = id.map(|(a, b)| &g.ids[a..b]);
                    let provisional = match self.dedup.check(*line, keys)? {
                        Check::Duplicate { kind, first } => {
                            let (reason, json) = duplicate_reject(*line, external_id, kind, first);
                            self.sink.reject(*line, &json)?;
                            self.tally.reject(reason);
                            continue;
                        }
                        Check::Fresh => false,
                        Check::Provisional => true,
                    };
                    // Counted before it is recorded: the record keeps the format's slot.
                    let format_slot = self.tally.user(
                        *format,
                        *confidence,
                        *without_password,
                        *upgrade,
                        candidates,
                    );
                    if provisional {
                        if !self.provisional {
                            self.sink.provisional()?;
                            self.provisional = true;
                        }
                        self.dedup.provisional(
                            *line,
                            &MetaRef {
                                external_id,
                                format_slot,
                                confidence: *confidence,
                                without_password: *without_password,
                                upgrade: *upgrade,
                            },
                        )?;
                    }
                    self.sink.user(*line, record)?;
                }
            }
        }
        Ok(())
    }

    fn finish(self, pool: &rayon::ThreadPool) -> io::Result<Counts> {
        let Writer {
            sink,
            mut tally,
            dedup,
            provisional,
        } = self;
        let retractions = dedup.resolve(pool)?;
        if provisional {
            let tally = &mut tally;
            let mut rendered = retractions.map(|r| {
                let r = r?;
                let (reason, json) =
                    duplicate_reject(r.line, r.meta.external_id.as_deref(), r.kind, r.first);
                tally.retract(&r, reason);
                Ok((r.line, json))
            });
            sink.retract(&mut rendered)?;
        }
        Ok(tally.into_counts())
    }
}

/// Discards records, counting them (dry runs, benchmarks).
#[derive(Debug, Default)]
pub struct NullSink {
    pub users: u64,
    pub rejects: u64,
}

impl Sink for NullSink {
    fn user(&mut self, _: u64, _: &[u8]) -> io::Result<()> {
        self.users += 1;
        Ok(())
    }
    fn reject(&mut self, _: u64, _: &[u8]) -> io::Result<()> {
        self.rejects += 1;
        Ok(())
    }
    fn retract(
        &mut self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()> {
        for r in retractions {
            r?;
            self.users -= 1;
            self.rejects += 1;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ holding back

/// For sinks that cannot rewrite what they wrote (stdout, a pipe): records sent after
/// [`Sink::provisional`] wait in an unlinked temp file, and [`Holdback::release`]
/// writes them out with the retractions applied.
pub struct Holdback {
    file: BufWriter<File>,
}

impl Holdback {
    pub fn new() -> io::Result<Self> {
        Ok(Holdback {
            file: BufWriter::with_capacity(1 << 16, dedup::anonymous_file()?),
        })
    }

    fn put(&mut self, tag: u8, line: u64, record: &[u8]) -> io::Result<()> {
        self.file.write_all(&[tag])?;
        self.file.write_all(&line.to_le_bytes())?;
        self.file.write_all(&(record.len() as u32).to_le_bytes())?;
        self.file.write_all(record)
    }

    pub fn user(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        self.put(0, line, record)
    }

    pub fn reject(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        self.put(1, line, record)
    }

    /// Write everything held, in order, to `users` and `rejects`, replacing each
    /// retracted user by its reject.
    pub fn release(
        self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
        users: &mut dyn Write,
        rejects: &mut dyn Write,
    ) -> io::Result<()> {
        use std::io::Seek;
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.seek(io::SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(1 << 16, file);
        let mut next = retractions.next().transpose()?;
        let mut buf = Vec::new();
        loop {
            let mut head = [0u8; 13];
            match r.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            }
            let line = u64::from_le_bytes(head[1..9].try_into().expect("8 bytes"));
            let len = u32::from_le_bytes(head[9..].try_into().expect("4 bytes")) as usize;
            buf.resize(len, 0);
            r.read_exact(&mut buf)?;
            if head[0] == 1 {
                rejects.write_all(&buf)?;
            } else if next.as_ref().is_some_and(|(l, _)| *l == line) {
                let (_, json) = next.take().expect("checked");
                rejects.write_all(&json)?;
                next = retractions.next().transpose()?;
            } else {
                users.write_all(&buf)?;
            }
        }
        match next {
            Some((line, _)) => Err(io::Error::other(format!(
                "duplicate detection: line {line} was not held back"
            ))),
            None => Ok(()),
        }
    }
}

// ------------------------------------------------------------------ the run

/// Run the pipeline over `input` (raw bytes, maybe gzip). `progress` is called from the
/// writer thread with the number of records done so far, about once per batch.
/// Ask the kernel for base pages only, for the rest of this process (Linux; elsewhere
/// nothing). A migrate's memory is buffers reused in place; with transparent huge pages
/// (mimalloc asks for them) it came and went in 2 MiB pages, and peak RSS was about
/// twice the memory in use and uneven from run to run (10M rows against 100k: 1.13× on
/// the median, up to 1.21×; without: 1.08×, at most 1.09×), for no measured speed.
/// Memory-hard hashes are another matter (argon2id at 64 MiB ran 10 % slower, scrypt
/// N=2^15 6 %), so processes that verify passwords should not call this.
pub fn small_pages_only() {
    #[cfg(target_os = "linux")]
    {
        // Advisory: a kernel without THP refuses it, and that changes nothing.
        let _ = nix::sys::prctl::set_thp_disable(true);
    }
}

pub fn run(
    input: Box<dyn Read + Send>,
    name: &str,
    cfg: &RunConfig,
    sink: &mut dyn Sink,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Counts, InputInfo), PipelineError> {
    run_with(input, name, cfg, sink, progress, Dedup::default())
}

/// [`run`] with a given deduplicator (tests use a small in-memory window).
pub fn run_with(
    input: Box<dyn Read + Send>,
    name: &str,
    cfg: &RunConfig,
    sink: &mut dyn Sink,
    progress: &(dyn Fn(u64, u64) + Sync),
    dedup: Dedup,
) -> Result<(Counts, InputInfo), PipelineError> {
    let state = Arc::new(Mutex::new((Sha256::new(), 0u64)));
    let hashing = HashingReader {
        inner: input,
        state: Arc::clone(&state),
        hash: cfg.input_sha256,
    };
    let input_err = |message: String| PipelineError::Input {
        name: name.to_string(),
        message,
    };
    let (mut reader, kind) =
        read::open(Box::new(hashing), cfg.kind, name).map_err(|e| input_err(e.to_string()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs.max(1))
        .thread_name(|i| format!("hashport-classify-{i}"))
        .build()
        .map_err(|e| input_err(format!("cannot start worker threads: {e}")))?;
    let fingerprinter = Fingerprinter::default();
    let user_format = sink.user_format();
    let group_pool = GroupPool::default();

    let (batch_tx, batch_rx) = sync_channel::<Batch>(IN_FLIGHT);
    // Rendered CSV batches go back to the reader to be filled again.
    // A fixed set of batches circulates: the reader makes at most CSV_BATCHES and then
    // waits for one back, so their buffers are allocated and paged in once (a batch
    // made fresh each time costs page faults and cross-thread frees).
    let (recycled_tx, recycled_rx) = sync_channel::<CsvBatch>(CSV_BATCHES);
    // Rendered groups, in any order (the writer reorders); tokens bound how many are
    // in flight, rendered or being rendered, so memory stays flat.
    let (out_tx, out_rx) = std::sync::mpsc::channel::<(u64, Result<Group, String>)>();
    let max_groups = (IN_FLIGHT + 1) * BATCH / GROUP;
    let (token_tx, token_rx) = sync_channel::<()>(max_groups);
    for _ in 0..max_groups {
        let _ = token_tx.send(());
    }

    std::thread::scope(|scope| {
        // Stage 1: read.
        // Named threads, so a profiler can tell the stages apart.
        let stage = |name: &str| std::thread::Builder::new().name(format!("hashport-{name}"));
        let reader_handle = stage("read")
            .spawn_scoped(scope, move || -> Result<(), String> {
                let r: &mut (dyn BufRead + Send) = &mut *reader;
                let mut last_line = 0;
                let after =
                    |e: io::Error, last: u64| format!("{e} (after the record at line {last})");
                match kind {
                    InputKind::Csv { delimiter } => {
                        let mut csv = CsvReader::new(r, delimiter).map_err(|e| e.to_string())?;
                        let mut made = 0;
                        loop {
                            let reuse = if made < CSV_BATCHES {
                                recycled_rx.try_recv().ok()
                            } else {
                                match recycled_rx.recv() {
                                    Ok(b) => Some(b),
                                    Err(_) => return Ok(()), // downstream stopped
                                }
                            };
                            made += usize::from(reuse.is_none());
                            let Some(b) = csv
                                .next_batch(reuse, BATCH, BATCH_BYTES)
                                .map_err(|e| after(e, last_line))?
                            else {
                                break;
                            };
                            last_line = b.get(b.len() - 1).0;
                            if batch_tx.send(Batch::Csv(b)).is_err() {
                                return Ok(()); // downstream stopped; its error wins
                            }
                        }
                    }
                    _ => {
                        let mut records = read::records(r, kind).map_err(|e| e.to_string())?;
                        let mut batch = Vec::with_capacity(BATCH.min(1024));
                        for rec in records.by_ref() {
                            let rec = rec.map_err(|e| after(e, last_line))?;
                            last_line = rec.line;
                            batch.push(rec);
                            if batch.len() == BATCH {
                                let full = std::mem::take(&mut batch);
                                if batch_tx.send(Batch::Records(full)).is_err() {
                                    return Ok(());
                                }
                            }
                        }
                        if !batch.is_empty() {
                            let _ = batch_tx.send(Batch::Records(batch));
                        }
                    }
                }
                // Drain what the reader did not need, so the manifest's sha256 covers the file.
                io::copy(&mut *reader, &mut io::sink()).map_err(|e| after(e, last_line))?;
                Ok(())
            })
            .map_err(|e| input_err(format!("cannot start a thread: {e}")))?;

        // Stage 3: de-duplicate, count, write — groups put back in order as they come.
        let progress_state = Arc::clone(&state);
        let pool_ref = &pool;
        let group_pool_ref = &group_pool;
        let writer_handle = stage("write")
            .spawn_scoped(scope, move || -> io::Result<Counts> {
                let mut w = Writer {
                    sink,
                    tally: Tally::default(),
                    dedup,
                    provisional: false,
                };
                let mut pending: BTreeMap<u64, Group> = BTreeMap::new();
                let mut next = 0u64;
                for (seq, group) in out_rx {
                    pending.insert(seq, group.map_err(io::Error::other)?);
                    let before = next;
                    while let Some(g) = pending.remove(&next) {
                        w.group(&g)?;
                        group_pool_ref.give(g);
                        next += 1;
                        let _ = token_tx.send(());
                    }
                    if next / 16 != before / 16 {
                        let bytes = progress_state.lock().map(|s| s.1).unwrap_or(0);
                        progress(w.tally.input, bytes);
                    }
                }
                if !pending.is_empty() {
                    return Err(io::Error::other(
                        "a worker stopped before rendering every record",
                    ));
                }
                let bytes = progress_state.lock().map(|s| s.1).unwrap_or(0);
                progress(w.tally.input, bytes);
                w.finish(pool_ref)
            })
            .map_err(|e| input_err(format!("cannot start a thread: {e}")))?;

        // Stage 2: classify and render on the pool, a group per task. No barrier between
        // batches: a free worker takes the next group whatever is still running.
        let mut seq = 0u64;
        pool.in_place_scope(|s| {
            'batches: for batch in batch_rx {
                let batch = Arc::new(Circulating {
                    batch,
                    back: recycled_tx.clone(),
                });
                let n = batch.batch.len();
                for g in 0..n.div_ceil(GROUP) {
                    if token_rx.recv().is_err() {
                        break 'batches; // the writer stopped; its error is reported below
                    }
                    let (batch, out_tx) = (Arc::clone(&batch), out_tx.clone());
                    let this = seq;
                    seq += 1;
                    let (classify_cfg, fp, groups) = (&cfg.classify, &fingerprinter, &group_pool);
                    s.spawn(move |_| {
                        let range = g * GROUP..((g + 1) * GROUP).min(n);
                        let rendered =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                render_group(
                                    &batch.batch,
                                    range,
                                    classify_cfg,
                                    fp,
                                    user_format,
                                    groups,
                                )
                            }))
                            .map_err(|_| "a worker panicked while classifying".to_string());
                        let _ = out_tx.send((this, rendered));
                    });
                }
            }
        });
        drop(out_tx);
        // A reader waiting for a batch back learns that none will come.
        drop(recycled_tx);
        let counts = writer_handle
            .join()
            .map_err(|_| PipelineError::Output(io::Error::other("writer thread panicked")))?
            .map_err(PipelineError::Output)?;
        reader_handle
            .join()
            .map_err(|_| input_err("reader thread panicked".into()))?
            .map_err(input_err)?;
        let (hasher, bytes) = {
            let st = state.lock().unwrap_or_else(|p| p.into_inner());
            (st.0.clone(), st.1)
        };
        let info = InputInfo {
            name: name.to_string(),
            bytes,
            sha256: cfg.input_sha256.then(|| hex::encode(hasher.finalize())),
            records: counts.input,
        };
        Ok((counts, info))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_csv_batch() -> CsvBatch {
        let mut input: &[u8] = b"id\n1\n2\n";
        let mut reader = CsvReader::new(&mut input, None).unwrap();
        reader
            .next_batch(None, BATCH, BATCH_BYTES)
            .unwrap()
            .unwrap()
    }

    /// `migrate` runs on base pages (the flag is the process's, as the kernel reports it).
    #[cfg(target_os = "linux")]
    #[test]
    fn small_pages_only_turns_transparent_huge_pages_off() {
        small_pages_only();
        let disabled = nix::sys::prctl::get_thp_disable().expect("PR_GET_THP_DISABLE");
        assert!(disabled, "THP still allowed for this process");
    }

    /// The reader waits for batches to come back: whichever thread lets go of a batch
    /// last must return it (the spawning thread can outlast every worker).
    #[test]
    fn a_batch_comes_back_whoever_drops_it_last() {
        for spawner_last in [false, true] {
            let (tx, rx) = sync_channel::<CsvBatch>(CSV_BATCHES);
            let batch = Arc::new(Circulating {
                batch: Batch::Csv(a_csv_batch()),
                back: tx,
            });
            let worker = Arc::clone(&batch);
            let (release_tx, release_rx) = sync_channel::<()>(0);
            let handle = std::thread::spawn(move || {
                let _ = release_rx.recv();
                drop(worker);
            });
            if spawner_last {
                let _ = release_tx.send(());
                handle.join().unwrap();
                assert!(rx.try_recv().is_err(), "still held by the spawner");
                drop(batch);
            } else {
                drop(batch);
                assert!(rx.try_recv().is_err(), "still held by the worker");
                let _ = release_tx.send(());
                handle.join().unwrap();
            }
            let back = rx.try_recv().expect("the batch came back");
            assert_eq!(back.len(), 2);
        }
    }
}
