//! The migrate pipeline: read → classify in parallel → de-duplicate and write, in
//! input order.
//!
//! Three stages joined by bounded channels, so memory stays flat whatever the input
//! size: a reader thread cuts the stream into batches, the calling thread classifies
//! each batch on a rayon pool (order kept by `collect` on an indexed iterator), and a
//! writer thread checks duplicates (which needs input order) and hands every record to
//! the [`Sink`]. Every input record reaches the sink exactly once, as a user or a reject.

pub mod classify;
pub mod columns;
pub mod dedup;
pub mod read;

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use classify::{classify, Classified, ClassifyConfig, RejectRow, UserRow};
use read::{InputKind, SourceRecord};

/// Records per batch handed to the classifier pool.
const BATCH: usize = 4096;
/// Batches in flight between stages (bounds memory).
const IN_FLIGHT: usize = 4;

/// Receives classified records in input order.
pub trait Sink: Send {
    fn user(&mut self, user: &UserRow) -> io::Result<()>;
    fn reject(&mut self, reject: &RejectRow) -> io::Result<()>;
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
    pub sha256: String,
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
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.0.update(&buf[..n]);
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
}

fn count_reject(c: &mut Counts, r: &RejectRow) {
    c.rejected += 1;
    *c.by_reason.entry(r.reason.to_string()).or_default() += 1;
}

fn count_user(c: &mut Counts, u: &UserRow) {
    c.accepted += 1;
    if let (Some(f), Some(conf)) = (u.format, u.format_confidence) {
        *c.by_format.entry(f.to_string()).or_default() += 1;
        *c.by_confidence
            .entry(conf.as_str().to_string())
            .or_default() += 1;
        if conf == crate::scheme::Confidence::Shape {
            let note = c.shape_only.entry(f.to_string()).or_default();
            note.count += 1;
            for cand in &u.candidates {
                if !note.candidates.iter().any(|x| x == cand) {
                    note.candidates.push(cand.to_string());
                }
            }
        }
    }
    if u.password_digest.is_none() {
        c.without_password += 1;
    }
    if u.upgrade_on_sign_in {
        c.upgrade_on_sign_in += 1;
    }
}

/// Run the pipeline over `input` (raw bytes, maybe gzip). `progress` is called from the
/// writer thread with the number of records done so far, about once per batch.
pub fn run(
    input: Box<dyn Read + Send>,
    name: &str,
    cfg: &RunConfig,
    sink: &mut dyn Sink,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Counts, InputInfo), PipelineError> {
    let state = Arc::new(Mutex::new((Sha256::new(), 0u64)));
    let hashing = HashingReader {
        inner: input,
        state: Arc::clone(&state),
    };
    let input_err = |message: String| PipelineError::Input {
        name: name.to_string(),
        message,
    };
    let (mut reader, kind) =
        read::open(Box::new(hashing), cfg.kind, name).map_err(|e| input_err(e.to_string()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs.max(1))
        .build()
        .map_err(|e| input_err(format!("cannot start worker threads: {e}")))?;

    let (batch_tx, batch_rx) = sync_channel::<Vec<SourceRecord>>(IN_FLIGHT);
    let (out_tx, out_rx) = sync_channel::<Vec<Classified>>(IN_FLIGHT);

    std::thread::scope(|scope| {
        // Stage 1: read.
        let reader_handle = scope.spawn(move || -> Result<(), String> {
            let r: &mut (dyn BufRead + Send) = &mut *reader;
            let mut last_line = 0;
            {
                let mut records = read::records(r, kind).map_err(|e| e.to_string())?;
                let mut batch = Vec::with_capacity(BATCH);
                for rec in records.by_ref() {
                    let rec =
                        rec.map_err(|e| format!("{e} (after the record at line {last_line})"))?;
                    last_line = rec.line;
                    batch.push(rec);
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if batch_tx.send(full).is_err() {
                            return Ok(()); // downstream stopped; its error wins
                        }
                    }
                }
                if !batch.is_empty() {
                    let _ = batch_tx.send(batch);
                }
            }
            // Drain what the reader did not need, so the manifest's sha256 covers the file.
            io::copy(&mut *reader, &mut io::sink())
                .map_err(|e| format!("{e} (after the record at line {last_line})"))?;
            Ok(())
        });

        // Stage 3: de-duplicate, count, write.
        let progress_state = Arc::clone(&state);
        let writer_handle = scope.spawn(move || -> io::Result<Counts> {
            let mut counts = Counts::default();
            let mut dedup = dedup::Dedup::default();
            for batch in out_rx {
                for item in batch {
                    counts.input += 1;
                    match item {
                        Classified::Accepted(u) => match dedup.user(&u, sink)? {
                            dedup::Sent::User => count_user(&mut counts, &u),
                            dedup::Sent::Reject(r) => count_reject(&mut counts, &r),
                            dedup::Sent::Spooled => {}
                        },
                        Classified::Rejected(r) => {
                            if dedup.reject(&r, sink)? {
                                count_reject(&mut counts, &r);
                            }
                        }
                    }
                }
                let bytes = progress_state.lock().map(|s| s.1).unwrap_or(0);
                progress(counts.input, bytes);
            }
            dedup.finish(sink, &mut |sent| match sent {
                dedup::Emitted::User(u) => count_user(&mut counts, u),
                dedup::Emitted::Reject(r) => count_reject(&mut counts, r),
            })?;
            Ok(counts)
        });

        // Stage 2: classify in parallel, in order.
        for batch in batch_rx {
            let out: Vec<Classified> = pool.install(|| {
                batch
                    .into_par_iter()
                    .map(|r| classify(r, &cfg.classify))
                    .collect()
            });
            if out_tx.send(out).is_err() {
                break; // the writer failed; its error is reported below
            }
        }
        drop(out_tx);
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
            sha256: hex::encode(hasher.finalize()),
            records: counts.input,
        };
        Ok((counts, info))
    })
}
