//! The import bundle: `users-NNNNN.jsonl` chunks, `rejects.jsonl`, and
//! `manifest.json`, written last and atomically (temp file, fsync, rename). A
//! directory without `manifest.json` is an unfinished bundle. Directory 0700, files
//! 0600: the bundle holds password hashes (and Firebase signer keys) and is a secret.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::pipeline::classify::{RejectRow, UserRow};
use crate::pipeline::{Counts, InputInfo, Sink};

pub const MANIFEST: &str = "manifest.json";
pub const REJECTS: &str = "rejects.jsonl";

/// Files this tool writes into a bundle directory (for `--force` clean-up).
fn is_bundle_file(name: &str) -> bool {
    name == MANIFEST
        || name == REJECTS
        || name == "manifest.json.tmp"
        || (name.starts_with("users-") && name.ends_with(".jsonl"))
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

/// A writer that counts records and hashes what it writes, for the manifest.
pub struct HashedFile {
    name: String,
    out: BufWriter<File>,
    sha: Sha256,
    records: u64,
}

impl HashedFile {
    pub fn create(dir: &Path, name: &str) -> io::Result<Self> {
        Ok(HashedFile {
            name: name.to_string(),
            out: BufWriter::with_capacity(1 << 16, create_private(&dir.join(name))?),
            sha: Sha256::new(),
            records: 0,
        })
    }
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.sha.update(line);
        self.sha.update(b"\n");
        self.out.write_all(line)?;
        self.out.write_all(b"\n")?;
        self.records += 1;
        Ok(())
    }
    pub fn finish(mut self) -> io::Result<FileEntry> {
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        Ok(FileEntry {
            name: self.name,
            records: self.records,
            sha256: hex::encode(self.sha.finalize()),
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
    chunks: u32,
    done: Vec<FileEntry>,
    rejects: HashedFile,
    buf: Vec<u8>,
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
        let rejects = HashedFile::create(dir, REJECTS).map_err(io_err)?;
        Ok(BundleWriter {
            dir: dir.to_path_buf(),
            chunk_size: chunk_size.max(1),
            current: None,
            chunks: 0,
            done: Vec::new(),
            rejects,
            buf: Vec::with_capacity(512),
        })
    }

    /// Close every file and write the manifest atomically.
    pub fn finish<P: Serialize>(
        mut self,
        input: &InputInfo,
        policy: &P,
        counts: &Counts,
    ) -> io::Result<Vec<FileEntry>> {
        if let Some(cur) = self.current.take() {
            self.done.push(cur.finish()?);
        }
        let mut files = std::mem::take(&mut self.done);
        files.push(self.rejects.finish()?);
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

impl Sink for BundleWriter {
    fn user(&mut self, user: &UserRow) -> io::Result<()> {
        let rotate = self
            .current
            .as_ref()
            .is_none_or(|c| c.records >= self.chunk_size);
        if rotate {
            if let Some(cur) = self.current.take() {
                self.done.push(cur.finish()?);
            }
            self.chunks += 1;
            let name = format!("users-{:05}.jsonl", self.chunks);
            self.current = Some(HashedFile::create(&self.dir, &name)?);
        }
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, user)?;
        self.current
            .as_mut()
            .expect("a chunk is open")
            .write_line(&self.buf)
    }

    fn reject(&mut self, reject: &RejectRow) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, reject)?;
        self.rejects.write_line(&self.buf)
    }
}
