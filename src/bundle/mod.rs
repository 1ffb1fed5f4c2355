//! The import bundle: `users-NNNNN.jsonl` chunks, `rejects.jsonl`, and
//! `manifest.json`, written last and atomically (temp file, fsync, rename). A
//! directory without `manifest.json` is an unfinished bundle. Directory 0700, files
//! 0600: the bundle holds password hashes (and Firebase signer keys) and is a secret.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::pipeline::{Counts, InputInfo, Sink};

pub const MANIFEST: &str = "manifest.json";
pub const REJECTS: &str = "rejects.jsonl";

/// Files this tool writes into a bundle directory (for `--force` clean-up).
fn is_bundle_file(name: &str) -> bool {
    name == MANIFEST
        || name == REJECTS
        || name == "manifest.json.tmp"
        || name == "rejects.jsonl.old"
        || name == "rejects.jsonl.new"
        || (name.starts_with("users-")
            && (name.ends_with(".jsonl") || name.ends_with(".jsonl.old")))
}

/// Create a file readable by its owner only.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Bytes a [`HashedFile`] gathers before handing them to the output thread.
const BLOCK: usize = 256 << 10;
/// Blocks queued for the output thread at most (memory stays flat).
const QUEUED: usize = 4;

/// The bundle's output thread: it writes and hashes every file of the bundle, in the
/// order the blocks come, and hands each closed file to a sync thread for its fsync.
/// A bundle is about three times the size of the CSV it came from, and SHA-256 of it
/// plus the write and fsync calls were most of the pipeline writer thread's time; now
/// that thread only copies records into blocks, and each file is on disk soon after
/// it is closed. Two threads for the whole bundle, however many chunks (a thread per
/// file measured the same, but spawned one per chunk, and `--chunk-size 1` is legal).
#[derive(Clone)]
struct Output {
    jobs: SyncSender<Job>,
    state: Arc<OutputState>,
}

/// What the writer and the output thread share. (Not the job sender: the thread ends
/// when the last one is dropped.)
struct OutputState {
    /// Written blocks, for reuse.
    spare: Mutex<Vec<Vec<u8>>>,
    /// The first write error, so the writer stops at its next block instead of at
    /// the next file it closes.
    failed: Mutex<Option<(io::ErrorKind, String)>>,
}

enum Job {
    Open(u64, File),
    Block(u64, Vec<u8>),
    Close(u64, SyncSender<io::Result<String>>),
}

impl Output {
    fn start() -> io::Result<(Output, JoinHandle<()>)> {
        let (jobs, rx) = sync_channel::<Job>(QUEUED);
        let state = Arc::new(OutputState {
            spare: Mutex::new(Vec::new()),
            failed: Mutex::new(None),
        });
        let shared = Arc::clone(&state);
        let output = Output { jobs, state };
        // fsync waits for the disk: a thread of its own, so the output thread goes on
        // with the next file's blocks meanwhile.
        type Syncing = (File, String, SyncSender<io::Result<String>>);
        let (to_sync, syncing) = sync_channel::<Syncing>(QUEUED);
        let syncer = std::thread::Builder::new()
            .name("hashport-sync".into())
            .spawn(move || {
                for (file, sha256, done) in syncing {
                    let _ = done.send(file.sync_all().map(|()| sha256));
                }
            })?;
        let thread = std::thread::Builder::new()
            .name("hashport-output".into())
            .spawn(move || {
                // The files open now (a bundle has two: the current chunk and rejects,
                // a few more while a chunk closes): a short list.
                let mut open: Vec<(u64, File, Sha256, Option<io::Error>)> = Vec::new();
                for job in rx {
                    match job {
                        Job::Open(id, file) => open.push((id, file, Sha256::new(), None)),
                        Job::Block(id, mut block) => {
                            if let Some((_, file, sha, err @ None)) =
                                open.iter_mut().find(|f| f.0 == id)
                            {
                                sha.update(&block);
                                if let Err(e) = file.write_all(&block) {
                                    if let Ok(mut f) = shared.failed.lock() {
                                        f.get_or_insert((e.kind(), e.to_string()));
                                    }
                                    *err = Some(e);
                                }
                            }
                            block.clear();
                            // A block a huge record grew is not kept: spares stay small.
                            if let Ok(mut spare) = shared.spare.lock() {
                                if spare.len() < QUEUED && block.capacity() == BLOCK {
                                    spare.push(block);
                                }
                            }
                        }
                        Job::Close(id, done) => {
                            let Some(at) = open.iter().position(|f| f.0 == id) else {
                                continue;
                            };
                            let (_, file, sha, err) = open.swap_remove(at);
                            match err {
                                Some(e) => {
                                    let _ = done.send(Err(e));
                                }
                                None => {
                                    let sha256 = hex::encode(sha.finalize());
                                    if let Err(e) = to_sync.send((file, sha256, done)) {
                                        let (.., done) = e.0;
                                        let _ = done
                                            .send(Err(io::Error::other("the sync thread stopped")));
                                    }
                                }
                            }
                        }
                    }
                }
                drop(to_sync);
                let _ = syncer.join();
            })?;
        Ok((output, thread))
    }

    fn send(&self, job: Job) -> io::Result<()> {
        self.jobs
            .send(job)
            .map_err(|_| io::Error::other("the output thread stopped"))
    }

    /// An empty block: a written one if there is one (already paged in), else new.
    fn spare_block(&self) -> Vec<u8> {
        self.state
            .spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_else(|| Vec::with_capacity(BLOCK))
    }

    fn failed(&self) -> Option<io::Error> {
        let f = self.state.failed.lock().ok()?;
        f.as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }
}

/// A file of the bundle that counts its records and is hashed for the manifest;
/// written by the [`Output`] thread.
pub struct HashedFile {
    id: u64,
    name: String,
    records: u64,
    block: Vec<u8>,
    output: Output,
}

impl HashedFile {
    fn create(output: &Output, id: u64, dir: &Path, name: &str) -> io::Result<Self> {
        output.send(Job::Open(id, create_private(&dir.join(name))?))?;
        Ok(HashedFile {
            id,
            name: name.to_string(),
            records: 0,
            block: output.spare_block(),
            output: output.clone(),
        })
    }

    /// One record, its `\n` included.
    pub fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        // The block goes out before a record that would not fit: appending first made
        // every block grow to twice its size (a copy of 256 KiB into fresh memory per
        // block, and most of the writer thread's page faults).
        if self.block.len() + record.len() > self.block.capacity() && !self.block.is_empty() {
            self.hand_over()?;
        }
        self.block.extend_from_slice(record);
        self.records += 1;
        // Full (or grown past full by one huge record): out now.
        if self.block.len() >= BLOCK {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Send the current block to the output thread and take a spare one.
    fn hand_over(&mut self) -> io::Result<()> {
        if let Some(e) = self.output.failed() {
            return Err(e);
        }
        let full = std::mem::replace(&mut self.block, self.output.spare_block());
        self.output.send(Job::Block(self.id, full))
    }

    /// Hand over the last block; the output and sync threads finish the file (write,
    /// hash, fsync) while the caller goes on.
    fn close(mut self) -> ClosingFile {
        let (done, result) = sync_channel(1);
        let last = std::mem::take(&mut self.block);
        let sent = (last.is_empty() || self.output.send(Job::Block(self.id, last)).is_ok())
            && self.output.send(Job::Close(self.id, done)).is_ok();
        ClosingFile {
            name: self.name,
            records: self.records,
            result: sent.then_some(result),
        }
    }

    /// Close and wait until the file is written, hashed and durable.
    fn finish(self) -> io::Result<FileEntry> {
        self.close().wait()
    }
}

/// A [`HashedFile`] the output thread is finishing.
struct ClosingFile {
    name: String,
    records: u64,
    result: Option<Receiver<io::Result<String>>>,
}

impl ClosingFile {
    fn wait(self) -> io::Result<FileEntry> {
        let sha256 = self
            .result
            .and_then(|r| r.recv().ok())
            .unwrap_or_else(|| Err(io::Error::other("the output thread stopped")))?;
        Ok(FileEntry {
            name: self.name,
            records: self.records,
            sha256,
        })
    }
}

/// One file in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub name: String,
    pub records: u64,
    pub sha256: String,
}

/// The manifest, written last.
#[derive(Debug, Serialize)]
pub struct Manifest<'a, P: Serialize> {
    pub tool: &'static str,
    pub version: &'static str,
    pub input: &'a InputInfo,
    pub policy: &'a P,
    pub counts: &'a Counts,
    pub files: &'a [FileEntry],
}

/// Writes a bundle directory.
pub struct BundleWriter {
    dir: PathBuf,
    chunk_size: u64,
    current: Option<HashedFile>,
    /// Chunks written, hashed and synced, in order.
    done: Vec<FileEntry>,
    /// Chunks after those, still being written or synced.
    closing: VecDeque<ClosingFile>,
    /// The source line of each chunk's first user (to find a retracted line's chunk);
    /// its length is the number of chunks opened.
    first_lines: Vec<u64>,
    rejects: HashedFile,
    output: Output,
    output_thread: JoinHandle<()>,
    /// Ids for the output thread's files.
    next_id: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0} is not empty (use --force to replace a previous bundle)")]
    NotEmpty(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, io::Error),
}

impl BundleWriter {
    /// Prepare `dir`: create it (0700), or with `force` clear a previous bundle's files.
    /// The old manifest goes first, so an interrupted run never leaves a stale one.
    pub fn create(dir: &Path, chunk_size: u64, force: bool) -> Result<Self, BundleError> {
        let io_err = |e| BundleError::Io(dir.to_path_buf(), e);
        if dir.exists() {
            let entries: Vec<_> = fs::read_dir(dir)
                .map_err(io_err)?
                .filter_map(|e| e.ok())
                .collect();
            if !entries.is_empty() {
                if !force {
                    return Err(BundleError::NotEmpty(dir.to_path_buf()));
                }
                let remove = |p: &Path| match fs::remove_file(p) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(e)),
                    _ => Ok(()),
                };
                remove(&dir.join(MANIFEST))?;
                for e in entries {
                    let name = e.file_name().to_string_lossy().to_string();
                    if is_bundle_file(&name) {
                        remove(&e.path())?;
                    }
                }
            }
        } else {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err)?;
        }
        let (output, output_thread) = Output::start().map_err(io_err)?;
        let rejects = HashedFile::create(&output, 0, dir, REJECTS).map_err(io_err)?;
        Ok(BundleWriter {
            dir: dir.to_path_buf(),
            chunk_size: chunk_size.max(1),
            current: None,
            done: Vec::new(),
            closing: VecDeque::new(),
            first_lines: Vec::new(),
            rejects,
            output,
            output_thread,
            next_id: 1,
        })
    }

    /// Close every file and write the manifest atomically.
    pub fn finish<P: Serialize>(
        mut self,
        input: &InputInfo,
        policy: &P,
        counts: &Counts,
    ) -> io::Result<Vec<FileEntry>> {
        self.close_current();
        self.settle(0)?;
        let mut files = std::mem::take(&mut self.done);
        files.push(self.rejects.finish()?);
        // Every file is closed: with the last job sender gone the output thread ends.
        drop(self.output);
        self.output_thread
            .join()
            .map_err(|_| io::Error::other("the output thread panicked"))?;
        // Every file is durable before the manifest that vouches for it: a file's
        // entry exists only once the sync thread's fsync of it has succeeded.
        let manifest = Manifest {
            tool: "hashport",
            version: env!("CARGO_PKG_VERSION"),
            input,
            policy,
            counts,
            files: &files,
        };
        let tmp = self.dir.join("manifest.json.tmp");
        {
            let mut f = create_private(&tmp)?;
            serde_json::to_writer_pretty(&mut f, &manifest)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
        }
        fs::rename(&tmp, self.dir.join(MANIFEST))?;
        File::open(&self.dir)?.sync_all()?;
        Ok(files)
    }
}

impl BundleWriter {
    fn create_file(&mut self, name: &str) -> io::Result<HashedFile> {
        self.next_id += 1;
        HashedFile::create(&self.output, self.next_id, &self.dir, name)
    }

    fn close_current(&mut self) {
        if let Some(cur) = self.current.take() {
            self.closing.push_back(cur.close());
        }
    }

    /// Wait for closing chunks until at most `keep` are left.
    fn settle(&mut self, keep: usize) -> io::Result<()> {
        while self.closing.len() > keep {
            let c = self.closing.pop_front().expect("more than keep");
            self.done.push(c.wait()?);
        }
        Ok(())
    }
}

fn chunk_name(n: u32) -> String {
    format!("users-{n:05}.jsonl")
}

/// The `source_line` a record of ours starts with (`{"source_line":N,`).
fn source_line(record: &[u8]) -> io::Result<u64> {
    record
        .strip_prefix(b"{\"source_line\":")
        .and_then(|rest| {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
        })
        .ok_or_else(|| io::Error::other("a bundle record without a source_line"))
}

/// Records of bundle files read back in order, one record of lookahead.
struct Records {
    files: VecDeque<PathBuf>,
    reader: Option<BufReader<File>>,
    peeked: Option<(u64, Vec<u8>)>,
}

impl Records {
    fn new(files: Vec<PathBuf>) -> Self {
        Records {
            files: files.into(),
            reader: None,
            peeked: None,
        }
    }

    fn peek(&mut self) -> io::Result<Option<u64>> {
        while self.peeked.is_none() {
            if self.reader.is_none() {
                let Some(path) = self.files.pop_front() else {
                    return Ok(None);
                };
                self.reader = Some(BufReader::with_capacity(1 << 16, File::open(&path)?));
            }
            let mut rec = Vec::new();
            let r = self.reader.as_mut().expect("opened above");
            if r.read_until(b'\n', &mut rec)? == 0 {
                self.reader = None;
                continue;
            }
            self.peeked = Some((source_line(&rec)?, rec));
        }
        Ok(self.peeked.as_ref().map(|(l, _)| *l))
    }

    fn take(&mut self) -> Option<(u64, Vec<u8>)> {
        self.peeked.take()
    }
}

impl BundleWriter {
    /// Rewrite the bundle without the retracted users, their rejects merged into
    /// `rejects.jsonl` in line order. Chunks before the first retracted user stay as
    /// they are; later ones are written again (so every chunk but the last stays full).
    fn rewrite(
        &mut self,
        first: (u64, Vec<u8>),
        rest: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()> {
        self.close_current();
        // The chunks read back below must be whole on disk.
        self.settle(0)?;
        let k = self
            .first_lines
            .partition_point(|&f| f <= first.0)
            .saturating_sub(1);
        let mut old_users = Vec::new();
        for n in k as u32 + 1..=self.first_lines.len() as u32 {
            let from = self.dir.join(chunk_name(n));
            let to = self.dir.join(format!("{}.old", chunk_name(n)));
            fs::rename(&from, &to)?;
            old_users.push(to);
        }
        self.done.truncate(k);
        self.first_lines.truncate(k);
        let old_rejects = self.dir.join("rejects.jsonl.old");
        let new_rejects = self.create_file("rejects.jsonl.new")?;
        let rejects = std::mem::replace(&mut self.rejects, new_rejects);
        rejects.finish()?;
        fs::rename(self.dir.join(REJECTS), &old_rejects)?;
        fs::rename(self.dir.join("rejects.jsonl.new"), self.dir.join(REJECTS))?;
        self.rejects.name = REJECTS.to_string();

        let mut users = Records::new(old_users.clone());
        let mut rejects = Records::new(vec![old_rejects.clone()]);
        let mut next = Some(first);
        while let Some((line, json)) = next {
            while rejects.peek()?.is_some_and(|l| l < line) {
                let (_, rec) = rejects.take().expect("peeked");
                self.rejects.write_record(&rec)?;
            }
            self.rejects.write_record(&json)?;
            let mut found = false;
            while let Some(l) = users.peek()? {
                if l > line {
                    break;
                }
                let (l, rec) = users.take().expect("peeked");
                if l < line {
                    self.user(l, &rec)?;
                } else {
                    found = true;
                }
            }
            if !found {
                return Err(io::Error::other(format!(
                    "duplicate detection: the user at line {line} is not in the bundle"
                )));
            }
            next = rest.next().transpose()?;
        }
        while rejects.peek()?.is_some() {
            let (_, rec) = rejects.take().expect("peeked");
            self.rejects.write_record(&rec)?;
        }
        while users.peek()?.is_some() {
            let (l, rec) = users.take().expect("peeked");
            self.user(l, &rec)?;
        }
        for p in old_users.iter().chain([&old_rejects]) {
            fs::remove_file(p)?;
        }
        Ok(())
    }
}

impl Sink for BundleWriter {
    fn user(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        let rotate = self
            .current
            .as_ref()
            .is_none_or(|c| c.records >= self.chunk_size);
        if rotate {
            self.close_current();
            // A few chunks finish beside the run; wait for older ones, so the files
            // still open stay few whatever the chunk size.
            self.settle(2)?;
            self.first_lines.push(line);
            let n = self.first_lines.len() as u32;
            self.current = Some(self.create_file(&chunk_name(n))?);
        }
        self.current
            .as_mut()
            .expect("a chunk is open")
            .write_record(record)
    }

    fn reject(&mut self, _line: u64, record: &[u8]) -> io::Result<()> {
        self.rejects.write_record(record)
    }

    fn retract(
        &mut self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()> {
        match retractions.next().transpose()? {
            Some(first) => self.rewrite(first, retractions),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records of every size around the block size, one larger than a block: the file
    /// holds them all in order, its hash is of those bytes, and a block that would
    /// overflow is sent first instead of growing (a grown block is a copy into fresh
    /// memory each time).
    #[test]
    fn records_cross_blocks_whole_and_blocks_keep_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let (output, thread) = Output::start().unwrap();
        let mut file = HashedFile::create(&output, 1, dir.path(), "f.jsonl").unwrap();
        let sizes = [1, 100, BLOCK - 1, 7, BLOCK, 3, BLOCK + 5, 64 << 10, 999, 1];
        let mut expected = Vec::new();
        for (i, &n) in sizes.iter().cycle().take(40).enumerate() {
            let mut record = vec![b'a' + (i % 26) as u8; n];
            *record.last_mut().unwrap() = b'\n';
            file.write_record(&record).unwrap();
            expected.extend_from_slice(&record);
            if n < BLOCK {
                assert_eq!(file.block.capacity(), BLOCK, "record {i} grew the block");
            }
        }
        let entry = file.finish().unwrap();
        drop(output);
        thread.join().unwrap();
        let written = fs::read(dir.path().join("f.jsonl")).unwrap();
        assert!(written == expected, "file differs from the records written");
        assert_eq!(entry.records, 40);
        assert_eq!(entry.sha256, hex::encode(Sha256::digest(&expected)));
    }
}
