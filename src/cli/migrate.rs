//! `hashport migrate [INPUT|-] (-o DIR | --stdout) [options]`: export in, import bundle out.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use hashport::bundle::{create_private, BundleWriter};
use hashport::pipeline::classify::{ClassifyConfig, FirebaseParams, Target};
use hashport::pipeline::columns::{ColumnMap, Field, Preset};
use hashport::pipeline::dedup::Dedup;
use hashport::pipeline::read::InputKind;
use hashport::pipeline::render::CSV_COLUMNS;
use hashport::pipeline::{self, Counts, Holdback, NullSink, RunConfig, Sink, UserFormat};
use hashport::policy::Policy;
use hashport::scheme::ParseContext;

use super::caps_args::CapsArgs;
use super::exit;

/// Exit code when --max-rejects is exceeded.
pub const EXIT_TOO_MANY_REJECTS: u8 = 3;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Export file (CSV, JSONL, JSON, Firebase auth:export; .gz read transparently); `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
    /// Bundle directory to write.
    #[arg(short = 'o', long = "output", value_name = "DIR", required_unless_present_any = ["stdout", "dry_run"], conflicts_with = "stdout")]
    pub output: Option<PathBuf>,
    /// Write accepted users to stdout instead of a bundle (rejects go to --rejects or stderr).
    #[arg(long)]
    pub stdout: bool,
    /// Users format on stdout.
    #[arg(long, value_enum, default_value = "jsonl", requires = "stdout")]
    pub output_format: OutputFormat,
    /// Rejects file in --stdout mode [default: stderr].
    #[arg(long, value_name = "FILE", requires = "stdout")]
    pub rejects: Option<PathBuf>,
    /// Input kind or source-system preset.
    #[arg(long, value_enum, default_value = "auto")]
    pub from: Preset,
    /// CSV delimiter (detected from the header line when absent).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// Take FIELD from COLUMN (fields: id, email, username, first_name, last_name, password, salt, format). Repeatable.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// A column of plaintext passwords, hashed to bcrypt now (never written anywhere).
    #[arg(long, value_name = "COLUMN")]
    pub plaintext_column: Option<String>,
    /// Format id or Clerk password_hasher of every hash in the file (per-row hints win).
    #[arg(long, value_name = "ID")]
    pub format_hint: Option<String>,
    /// Firebase project signer key (base64). Also HASHPORT_FIREBASE_SIGNER_KEY.
    #[arg(
        long,
        env = "HASHPORT_FIREBASE_SIGNER_KEY",
        hide_env_values = true,
        value_name = "B64"
    )]
    pub firebase_signer_key: Option<String>,
    /// Firebase salt separator (base64). Also HASHPORT_FIREBASE_SALT_SEPARATOR.
    #[arg(long, env = "HASHPORT_FIREBASE_SALT_SEPARATOR", value_name = "B64")]
    pub firebase_salt_separator: Option<String>,
    /// Firebase rounds. Also HASHPORT_FIREBASE_ROUNDS.
    #[arg(long, env = "HASHPORT_FIREBASE_ROUNDS", value_name = "N")]
    pub firebase_rounds: Option<u32>,
    /// Firebase mem_cost. Also HASHPORT_FIREBASE_MEM_COST.
    #[arg(long, env = "HASHPORT_FIREBASE_MEM_COST", value_name = "N")]
    pub firebase_mem_cost: Option<u32>,
    /// The JSON the Firebase console shows under "Password hash parameters" (hash_config).
    #[arg(long, value_name = "FILE")]
    pub firebase_config: Option<PathBuf>,
    /// File holding the Devise-style pepper for bcrypt_peppered hashes. Also HASHPORT_PEPPER.
    #[arg(long, value_name = "FILE")]
    pub pepper_file: Option<PathBuf>,
    /// Target layout.
    #[arg(long, value_enum, default_value = "clerk")]
    pub target: Target,
    /// bcrypt cost of the policy: bcrypt below it is marked for upgrade; plaintext is hashed at it.
    #[arg(long, default_value_t = hashport::policy::DEFAULT_TARGET_COST, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub target_cost: u32,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Users per bundle file.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub chunk_size: u64,
    /// Report only; write no bundle.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar, no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Replace a previous bundle in a non-empty DIR.
    #[arg(long)]
    pub force: bool,
    /// Exit 3 when rejects exceed N records or P% of the input.
    #[arg(long, value_name = "N|P%")]
    pub max_rejects: Option<String>,
    /// Ids and emails checked in memory before duplicate detection spills to temp
    /// files (tests use a small window to exercise the spilled path).
    #[arg(long, value_name = "KEYS", hide = true)]
    pub dedup_window: Option<usize>,
    #[command(flatten)]
    pub caps: CapsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Jsonl,
    Csv,
}

fn usage(msg: impl std::fmt::Display) -> u8 {
    eprintln!("hashport migrate: {msg}");
    exit::USAGE_OR_REFUSED
}

enum MaxRejects {
    Count(u64),
    Percent(f64),
}

fn parse_max_rejects(s: &str) -> Result<MaxRejects, String> {
    if let Some(p) = s.strip_suffix('%') {
        p.trim()
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p))
            .map(MaxRejects::Percent)
            .ok_or_else(|| format!("--max-rejects {s:?}: expected a percentage 0-100%"))
    } else {
        s.trim()
            .parse::<u64>()
            .map(MaxRejects::Count)
            .map_err(|_| format!("--max-rejects {s:?}: expected a count or a percentage"))
    }
}

fn firebase_params(a: &Args) -> Result<Option<FirebaseParams>, String> {
    let mut p = FirebaseParams::default();
    let mut given = 0;
    if let Some(path) = &a.firebase_config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--firebase-config {}: {e}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("--firebase-config {}: invalid JSON: {e}", path.display()))?;
        let v = v.get("hash_config").unwrap_or(&v);
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let n = |k: &str| {
            v.get(k)
                .and_then(|x| {
                    x.as_u64()
                        .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
                })
                .map(|x| x as u32)
        };
        if let Some(x) = s("base64_signer_key").or_else(|| s("signerKey")) {
            p.signer_key = x;
            given += 1;
        }
        if let Some(x) = s("base64_salt_separator").or_else(|| s("saltSeparator")) {
            p.salt_separator = x;
            given += 1;
        }
        if let Some(x) = n("rounds") {
            p.rounds = x;
            given += 1;
        }
        if let Some(x) = n("mem_cost").or_else(|| n("memoryCost")) {
            p.mem_cost = x;
            given += 1;
        }
    }
    if let Some(x) = &a.firebase_signer_key {
        p.signer_key = x.clone();
        given += 1;
    }
    if let Some(x) = &a.firebase_salt_separator {
        p.salt_separator = x.clone();
        given += 1;
    }
    if let Some(x) = a.firebase_rounds {
        p.rounds = x;
        given += 1;
    }
    if let Some(x) = a.firebase_mem_cost {
        p.mem_cost = x;
        given += 1;
    }
    if given == 0 {
        return Ok(None);
    }
    let missing: Vec<&str> = [
        ("--firebase-signer-key", p.signer_key.is_empty()),
        ("--firebase-salt-separator", p.salt_separator.is_empty()),
        ("--firebase-rounds", p.rounds == 0),
        ("--firebase-mem-cost", p.mem_cost == 0),
    ]
    .into_iter()
    .filter_map(|(n, m)| m.then_some(n))
    .collect();
    if !missing.is_empty() {
        // A partial set gives digests that verify against nothing: refuse up front.
        return Err(format!(
            "Firebase parameters are required as a set; missing {}",
            missing.join(", ")
        ));
    }
    Ok(Some(p))
}

fn parse_map(
    entries: &[String],
    plaintext: &Option<String>,
) -> Result<Vec<(Field, String)>, String> {
    let mut out = Vec::new();
    for e in entries {
        let (f, c) = e
            .split_once('=')
            .ok_or_else(|| format!("--map {e:?}: expected FIELD=COLUMN"))?;
        let field = Field::parse(f.trim()).ok_or_else(|| {
            format!("--map {e:?}: unknown field {f:?} (id, email, username, first_name, last_name, password, salt, format)")
        })?;
        if field == Field::Plaintext {
            return Err("use --plaintext-column to name a plaintext column".into());
        }
        out.push((field, c.trim().to_string()));
    }
    if let Some(c) = plaintext {
        out.push((Field::Plaintext, c.clone()));
    }
    Ok(out)
}

/// Users to stdout (JSONL or CSV), rejects to a file or stderr. Past the in-memory
/// duplicate window, records are held back until duplicates are known (stdout cannot
/// be rewritten).
struct StdoutSink {
    format: UserFormat,
    users: io::BufWriter<io::Stdout>,
    rejects: Box<dyn Write + Send>,
    held: Option<Holdback>,
}

impl Sink for StdoutSink {
    fn user_format(&self) -> UserFormat {
        self.format
    }
    fn user(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        match &mut self.held {
            Some(h) => h.user(line, record),
            None => self.users.write_all(record),
        }
    }
    fn reject(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        match &mut self.held {
            Some(h) => h.reject(line, record),
            None => self.rejects.write_all(record),
        }
    }
    fn provisional(&mut self) -> io::Result<()> {
        self.held = Some(Holdback::new()?);
        Ok(())
    }
    fn retract(
        &mut self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()> {
        match self.held.take() {
            Some(h) => h.release(retractions, &mut self.users, &mut *self.rejects),
            None => {
                for r in retractions {
                    r?;
                }
                Ok(())
            }
        }
    }
}

impl StdoutSink {
    fn flush(&mut self) -> io::Result<()> {
        self.users.flush()?;
        self.rejects.flush()
    }
}

pub fn run(a: Args) -> u8 {
    // Base pages: flat memory for the pipeline (see the function). `--plaintext-column`
    // hashes bcrypt only, which huge pages do not help.
    hashport::pipeline::small_pages_only();
    let max_rejects = match a.max_rejects.as_deref().map(parse_max_rejects).transpose() {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
    let firebase = match firebase_params(&a) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let overrides = match parse_map(&a.map, &a.plaintext_column) {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
    if let Some(h) = &a.format_hint {
        if let Err(e) = hashport::scheme::resolve_hint(h) {
            return usage(format!("--format-hint: {}", e.message));
        }
    }
    let pepper = match (&a.pepper_file, std::env::var_os("HASHPORT_PEPPER")) {
        (Some(p), _) => match std::fs::read(p) {
            Ok(mut b) => {
                while b.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
                    b.pop();
                }
                Some(b)
            }
            Err(e) => return usage(format!("--pepper-file {}: {e}", p.display())),
        },
        (None, Some(v)) => Some(v.to_string_lossy().as_bytes().to_vec()),
        (None, None) => None,
    };
    let delimiter = match a.delimiter {
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => return usage(format!("--delimiter {c:?} must be one ASCII character")),
        None => None,
    };
    let kind = match a.from {
        Preset::Csv | Preset::Clerk | Preset::Django | Preset::Supabase => {
            Some(InputKind::Csv { delimiter })
        }
        Preset::Jsonl | Preset::Auth0 => Some(InputKind::Jsonl),
        Preset::Json | Preset::Firebase => Some(InputKind::Json),
        Preset::Auto => delimiter.map(|d| InputKind::Csv { delimiter: Some(d) }),
    };
    let format_hint = a.format_hint.clone().or_else(|| match a.from {
        // Supabase's encrypted_password is always bcrypt.
        Preset::Supabase => Some("bcrypt".to_string()),
        _ => None,
    });
    let caps = a.caps.caps();
    let policy = Policy {
        target_cost: a.target_cost,
        caps: caps.clone(),
        ..Policy::default()
    };
    let cfg = RunConfig {
        classify: ClassifyConfig {
            columns: ColumnMap::new(a.from, &overrides),
            format_hint,
            firebase,
            target: a.target,
            policy: policy.clone(),
            ctx: ParseContext { caps, pepper },
        },
        kind,
        jobs: a.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }),
        // Only a bundle's manifest records the input's SHA-256.
        input_sha256: !a.stdout && !a.dry_run,
    };

    // Input.
    let from_stdin = a.input.as_ref().is_none_or(|p| p.as_os_str() == "-");
    let (input, name, size): (Box<dyn Read + Send>, String, Option<u64>) = if from_stdin {
        (Box::new(io::stdin()), "-".to_string(), None)
    } else {
        let p = a.input.as_ref().expect("input path");
        match File::open(p) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(f), p.display().to_string(), size)
            }
            Err(e) => {
                eprintln!("hashport migrate: cannot open {}: {e}", p.display());
                return exit::MISMATCH_OR_FAILURE;
            }
        }
    };

    // Output.
    let mut bundle = None;
    let mut stdout_sink = None;
    if a.dry_run {
    } else if a.stdout {
        let rejects: Box<dyn Write + Send> = match &a.rejects {
            Some(p) => match create_private(p) {
                Ok(f) => Box::new(io::BufWriter::new(f)),
                Err(e) => {
                    eprintln!("hashport migrate: cannot create {}: {e}", p.display());
                    return exit::MISMATCH_OR_FAILURE;
                }
            },
            None => Box::new(io::stderr()),
        };
        let mut users = io::BufWriter::new(io::stdout());
        let format = if a.output_format == OutputFormat::Csv {
            let _ = users.write_all(CSV_COLUMNS.join(",").as_bytes());
            let _ = users.write_all(b"\n");
            UserFormat::Csv
        } else {
            UserFormat::Json
        };
        stdout_sink = Some(StdoutSink {
            format,
            users,
            rejects,
            held: None,
        });
    } else if let Some(dir) = &a.output {
        match BundleWriter::create(dir, a.chunk_size, a.force) {
            Ok(b) => bundle = Some(b),
            Err(e @ hashport::bundle::BundleError::NotEmpty(_)) => return usage(e),
            Err(e) => {
                eprintln!("hashport migrate: {e}");
                return exit::MISMATCH_OR_FAILURE;
            }
        }
    }

    let bar = (!a.quiet && io::stderr().is_terminal()).then(|| {
        let pb = match size {
            Some(n) => indicatif::ProgressBar::new(n).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {msg} ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            ),
            None => indicatif::ProgressBar::new_spinner(),
        };
        pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        pb
    });
    let started = Instant::now();
    let progress = |records: u64, bytes: u64| {
        if let Some(pb) = &bar {
            pb.set_position(bytes);
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            pb.set_message(format!(
                "{records} records, {:.0} records/s",
                records as f64 / secs
            ));
        }
    };

    let mut null = NullSink::default();
    let sink: &mut dyn Sink = if let Some(b) = bundle.as_mut() {
        b
    } else if let Some(s) = stdout_sink.as_mut() {
        s
    } else {
        &mut null
    };
    let dedup = a
        .dedup_window
        .map_or_else(Dedup::default, Dedup::with_inline_limit);
    let result = pipeline::run_with(input, &name, &cfg, sink, &progress, dedup);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let (counts, info) = match result {
        Ok(r) => r,
        Err(e) => {
            // No manifest is written: the directory stays an unfinished bundle.
            eprintln!("hashport migrate: {e}; no manifest written");
            return exit::MISMATCH_OR_FAILURE;
        }
    };
    if let Some(s) = stdout_sink.as_mut() {
        if let Err(e) = s.flush() {
            eprintln!("hashport migrate: writing the output: {e}");
            return exit::MISMATCH_OR_FAILURE;
        }
    }
    #[derive(serde::Serialize)]
    struct PolicyRecord<'a> {
        target: Target,
        target_cost: u32,
        caps: &'a hashport::WorkCaps,
    }
    if let Some(b) = bundle {
        let pol = PolicyRecord {
            target: a.target,
            target_cost: policy.target_cost,
            caps: &policy.caps,
        };
        if let Err(e) = b.finish(&info, &pol, &counts) {
            eprintln!("hashport migrate: writing the bundle: {e}; no manifest written");
            return exit::MISMATCH_OR_FAILURE;
        }
    }
    if !a.quiet {
        print_summary(
            &counts,
            started.elapsed().as_secs_f64(),
            a.output.as_ref().filter(|_| !a.stdout && !a.dry_run),
        );
    }
    let too_many = match max_rejects {
        Some(MaxRejects::Count(n)) => counts.rejected > n,
        Some(MaxRejects::Percent(p)) => {
            counts.input > 0 && (counts.rejected as f64) * 100.0 / (counts.input as f64) > p
        }
        None => false,
    };
    if too_many {
        eprintln!(
            "hashport migrate: {} of {} records rejected, over --max-rejects {}",
            counts.rejected,
            counts.input,
            a.max_rejects.as_deref().unwrap_or_default()
        );
        return EXIT_TOO_MANY_REJECTS;
    }
    exit::OK
}

fn print_summary(c: &Counts, secs: f64, dir: Option<&PathBuf>) {
    let mut e = io::stderr().lock();
    let _ = writeln!(
        e,
        "{} records: {} accepted ({} without password, {} to upgrade to bcrypt at sign-in), {} rejected  [{:.2}s]",
        c.input, c.accepted, c.without_password, c.upgrade_on_sign_in, c.rejected, secs
    );
    if !c.by_format.is_empty() {
        let _ = writeln!(e, "  by format:");
        for (f, n) in &c.by_format {
            let _ = writeln!(e, "    {f:<28} {n}");
        }
    }
    if !c.by_reason.is_empty() {
        let _ = writeln!(e, "  rejected by reason:");
        for (r, n) in &c.by_reason {
            let _ = writeln!(e, "    {r:<28} {n}");
        }
    }
    for (f, note) in &c.shape_only {
        let also = if note.candidates.is_empty() {
            String::new()
        } else {
            format!(" (could also be: {})", note.candidates.join(", "))
        };
        let _ = writeln!(
            e,
            "  note: {} hashes identified as {f} by shape only{also}; confirm with --format-hint {f}",
            note.count
        );
    }
    if let Some(d) = dir {
        let _ = writeln!(e, "  bundle: {} (manifest.json written last)", d.display());
    }
}
