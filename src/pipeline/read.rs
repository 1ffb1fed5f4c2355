//! Readers: turn an export (CSV, JSONL, JSON array, Firebase `{"users":[…]}`; plain or
//! gzip; file or stdin) into a stream of [`SourceRecord`]s, each with the physical line
//! where it starts (for JSON arrays, its 1-based index). A broken record becomes a
//! record with a [`RowError`], never a lost one; only an unreadable stream is fatal.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use serde_json::{Map, Value};

/// The largest field (CSV) or record (JSON) accepted, per issue: 64 KiB.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Which reader to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Csv {
        delimiter: Option<u8>,
    },
    Jsonl,
    /// A JSON array of user objects, or an object with a `users` array (Firebase).
    Json,
}

/// Why a record could not be read. Becomes a reject with a stable reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub reason: &'static str,
    pub message: String,
}

impl RowError {
    fn new(reason: &'static str, message: impl Into<String>) -> Self {
        RowError {
            reason,
            message: message.into(),
        }
    }
}

/// A CSV header, shared by every record of the file, with the field→column
/// resolution cached on first use (it is the same for every record).
#[derive(Debug, Default)]
pub struct CsvHeader {
    pub names: Vec<String>,
    pub resolved: std::sync::OnceLock<super::columns::Resolved>,
}

/// One record's fields, owned: CSV values by column, or a JSON object.
#[derive(Debug, Clone)]
pub enum Fields {
    Csv {
        header: Arc<CsvHeader>,
        /// Every field's bytes, each followed by `sep` bytes (a delimiter, or none);
        /// `ends[i]` is where field `i` ends (see [`field_start`]).
        text: String,
        ends: Vec<usize>,
        sep: usize,
    },
    Json(Map<String, Value>),
}

/// Test records: `cells` joined as a CSV batch holds them (with a `,` between fields
/// when `sep` is 1, as a plain line does; back to back when 0, as csv_core writes them),
/// and each field's end.
#[cfg(test)]
pub(crate) fn joined_cells<S: AsRef<str>>(cells: &[S], sep: usize) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut ends = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 && sep == 1 {
            text.push(',');
        }
        text.push_str(c.as_ref());
        ends.push(text.len());
    }
    (text, ends)
}

/// Where field `i` starts when fields end at `ends` and `sep` bytes separate them.
#[inline]
pub fn field_start(ends: &[usize], sep: usize, i: usize) -> usize {
    if i == 0 {
        0
    } else {
        ends[i - 1] + sep
    }
}

/// One record's fields, borrowed from a batch (CSV) or a record (JSON).
#[derive(Debug, Clone, Copy)]
pub enum FieldsRef<'a> {
    Csv {
        header: &'a CsvHeader,
        text: &'a str,
        ends: &'a [usize],
        sep: usize,
    },
    Json(&'a Map<String, Value>),
}

impl Fields {
    pub fn view(&self) -> FieldsRef<'_> {
        match self {
            Fields::Csv {
                header,
                text,
                ends,
                sep,
            } => FieldsRef::Csv {
                header,
                text,
                ends,
                sep: *sep,
            },
            Fields::Json(m) => FieldsRef::Json(m),
        }
    }

    /// See [`FieldsRef::get`].
    pub fn get(&self, name: &str) -> Option<String> {
        self.view().get(name)
    }

    /// See [`FieldsRef::names`].
    pub fn names(&self) -> Vec<String> {
        self.view().names()
    }
}

impl<'a> FieldsRef<'a> {
    /// CSV value `i` (by column position).
    pub fn column(&self, i: usize) -> Option<&'a str> {
        match *self {
            FieldsRef::Csv {
                text, ends, sep, ..
            } => {
                let end = *ends.get(i)?;
                text.get(field_start(ends, sep, i)..end)
            }
            FieldsRef::Json(_) => None,
        }
    }

    /// The value at a column name (CSV) or dotted key path (JSON, e.g. `_id.$oid`),
    /// as text; `None` when absent, JSON null, or empty.
    pub fn get(&self, name: &str) -> Option<String> {
        let v = match *self {
            FieldsRef::Csv { header, .. } => header
                .names
                .iter()
                .position(|h| h == name)
                .and_then(|i| self.column(i))
                .map(str::to_string),
            FieldsRef::Json(map) => {
                let mut parts = name.split('.');
                let mut cur = map.get(parts.next()?)?;
                for p in parts {
                    cur = cur.as_object()?.get(p)?;
                }
                match cur {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Array(a) => Some(
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    other => Some(other.to_string()),
                }
            }
        };
        v.filter(|s| !s.is_empty())
    }

    /// Column names (CSV header, or the JSON object's top-level keys).
    pub fn names(&self) -> Vec<String> {
        match self {
            FieldsRef::Csv { header, .. } => header.names.clone(),
            FieldsRef::Json(map) => map.keys().cloned().collect(),
        }
    }

    pub fn to_owned(self) -> Fields {
        match self {
            FieldsRef::Csv {
                header,
                text,
                ends,
                sep,
            } => Fields::Csv {
                header: Arc::new(CsvHeader {
                    names: header.names.clone(),
                    resolved: Default::default(),
                }),
                text: text.to_string(),
                ends: ends.to_vec(),
                sep,
            },
            FieldsRef::Json(m) => Fields::Json(m.clone()),
        }
    }
}

/// One input record.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub line: u64,
    pub body: Result<Fields, RowError>,
}

/// Open `reader`, transparently decompressing gzip, and detect the kind when `kind` is None.
pub fn open(
    reader: Box<dyn Read + Send>,
    kind: Option<InputKind>,
    name_hint: &str,
) -> io::Result<(Box<dyn BufRead + Send>, InputKind)> {
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    let head = buffered.fill_buf()?;
    let mut r: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let kind = match kind {
        Some(k) => k,
        None => sniff(&mut r, name_hint)?,
    };
    Ok((r, kind))
}

fn sniff(r: &mut Box<dyn BufRead + Send>, name: &str) -> io::Result<InputKind> {
    let name = name.trim_end_matches(".gz").to_ascii_lowercase();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        return Ok(InputKind::Jsonl);
    }
    if name.ends_with(".csv") || name.ends_with(".tsv") {
        return Ok(InputKind::Csv { delimiter: None });
    }
    if name.ends_with(".json") {
        return Ok(InputKind::Json);
    }
    let head = r.fill_buf()?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    Ok(match first {
        Some(b'[') => InputKind::Json,
        Some(b'{') => {
            // JSONL when the first line is a whole object on its own.
            let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
            if serde_json::from_slice::<Value>(&head[..line_end]).is_ok() {
                InputKind::Jsonl
            } else {
                InputKind::Json
            }
        }
        _ => InputKind::Csv { delimiter: None },
    })
}

/// The record stream for `kind`.
pub fn records<'a>(
    r: &'a mut (dyn BufRead + Send),
    kind: InputKind,
) -> io::Result<Box<dyn Iterator<Item = io::Result<SourceRecord>> + Send + 'a>> {
    Ok(match kind {
        InputKind::Csv { delimiter } => match CsvReader::new(r, delimiter) {
            Ok(reader) => Box::new(CsvRecords {
                reader: Some(reader),
                error: None,
                batch: None,
                next: 0,
            }),
            Err(e) => Box::new(CsvRecords {
                reader: None,
                error: Some(e),
                batch: None,
                next: 0,
            }),
        },
        InputKind::Jsonl => Box::new(JsonlRecords { r, line: 0 }),
        InputKind::Json => Box::new(JsonArrayRecords::new(r)),
    })
}

// ---------------------------------------------------------------------------- CSV

/// The delimiter among `, ; \t |` that occurs most often outside quotes in the header line.
fn detect_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = cands.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], 4 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        cands[best]
    }
}

/// A record holding more than this many bytes of field data (or more than
/// [`MAX_RECORD_FIELDS`] fields) is read to its end but not kept: an unclosed quote
/// must not pull the rest of a large file into memory.
pub const MAX_RECORD_BYTES: usize = 4 << 20;
pub const MAX_RECORD_FIELDS: usize = 1 << 14;

/// Records parsed from a CSV stream, many at a time: field bytes in one buffer, field
/// ends in another (the layout of `csv::ByteRecord`, for a whole batch), so reading
/// allocates nothing per record and the classifiers borrow their fields from here.
#[derive(Debug)]
pub struct CsvBatch {
    pub header: Arc<CsvHeader>,
    bytes: Vec<u8>,
    used: usize,
    ends: Vec<usize>,
    ends_used: usize,
    records: Vec<CsvRec>,
    /// The batch's field bytes once they have been found to be UTF-8 as a whole (then
    /// `bytes` is empty): records are sliced from it with a boundary check instead of
    /// each being validated again. Given back to `bytes` when the batch is refilled.
    text: String,
}

#[derive(Debug, Clone, Copy)]
struct CsvRec {
    line: u64,
    start: usize,
    ends_start: usize,
    fields: usize,
    /// Bytes between fields: 0 from csv_core (it writes field bytes only), 1 for a
    /// plain line (copied whole, delimiters included).
    sep: usize,
    oversized: bool,
}

impl CsvBatch {
    fn new(header: Arc<CsvHeader>) -> Self {
        CsvBatch {
            header,
            bytes: vec![0; 1 << 16],
            used: 0,
            ends: vec![0; 1 << 12],
            ends_used: 0,
            text: String::new(),
            records: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Record `i`: its physical line, and its fields or why they cannot be used.
    #[inline]
    pub fn get(&self, i: usize) -> (u64, Result<FieldsRef<'_>, RowError>) {
        let r = &self.records[i];
        (r.line, self.fields(r))
    }

    #[inline]
    fn fields(&self, r: &CsvRec) -> Result<FieldsRef<'_>, RowError> {
        if r.oversized || r.fields != self.header.names.len() {
            return Err(self.shape_error(r));
        }
        let ends = &self.ends[r.ends_start..r.ends_start + r.fields];
        let len = ends.last().copied().unwrap_or(0);
        // No field is longer than the record.
        if len > MAX_FIELD_BYTES {
            if let Some(e) = self.field_too_large(ends, r.sep) {
                return Err(e);
            }
        }
        // One UTF-8 check for the whole record, and field boundaries on character
        // boundaries (else the record is valid but a field not).
        let text = match self.bytes.is_empty() {
            // A record of empty fields only (`,` read by csv_core) has no bytes, and no
            // bytes are valid text wherever they sit: between a lead byte ending one
            // record and a continuation byte starting the next, say.
            _ if len == 0 => Some(""),
            // Valid as a batch: the record is valid if it starts and ends on boundaries.
            true => self.text.get(r.start..r.start + len),
            false => std::str::from_utf8(&self.bytes[r.start..r.start + len]).ok(),
        };
        match text {
            // A plain line's fields (`sep` 1) end at its delimiter, one ASCII byte (see
            // `CsvReader::plain_lines`), and the last at the record's end: all on
            // boundaries. csv_core's (`sep` 0) are packed: a character may straddle two.
            Some(text) if r.sep == 1 || ends.iter().all(|&e| text.is_char_boundary(e)) => {
                Ok(FieldsRef::Csv {
                    header: &self.header,
                    text,
                    ends,
                    sep: r.sep,
                })
            }
            _ => Err(self.bad_field(r, ends)),
        }
    }

    /// Why a record of the wrong shape cannot be used.
    #[cold]
    fn shape_error(&self, r: &CsvRec) -> RowError {
        if r.oversized {
            return RowError::new(
                "field_too_large",
                format!(
                    "record is over {MAX_RECORD_BYTES} bytes or {MAX_RECORD_FIELDS} fields (an unclosed quote?)"
                ),
            );
        }
        RowError::new(
            "malformed_row",
            format!(
                "expected {} fields as in the header, found {}",
                self.header.names.len(),
                r.fields
            ),
        )
    }

    /// The first field over [`MAX_FIELD_BYTES`], if any.
    #[cold]
    fn field_too_large(&self, ends: &[usize], sep: usize) -> Option<RowError> {
        ends.iter().enumerate().find_map(|(i, &end)| {
            let size = end - field_start(ends, sep, i);
            (size > MAX_FIELD_BYTES).then(|| {
                RowError::new(
                    "field_too_large",
                    format!(
                        "field {:?} is {size} bytes (limit {MAX_FIELD_BYTES})",
                        self.header.names[i],
                    ),
                )
            })
        })
    }

    /// A record that is not valid UTF-8 as a whole, or not field by field: name the
    /// first bad field.
    #[cold]
    fn bad_field(&self, r: &CsvRec, ends: &[usize]) -> RowError {
        let len = ends.last().copied().unwrap_or(0);
        let data = match self.bytes.is_empty() {
            true => &self.text.as_bytes()[r.start..r.start + len],
            false => &self.bytes[r.start..r.start + len],
        };
        let bad = (0..ends.len())
            .position(|i| std::str::from_utf8(&data[field_start(ends, r.sep, i)..ends[i]]).is_err())
            .unwrap_or(0);
        RowError::new(
            "invalid_utf8",
            format!("field {:?} is not valid UTF-8", self.header.names[bad]),
        )
    }
}

/// Reads CSV records in batches with `csv_core` (the csv crate's parser, driven
/// directly so that records land in a shared batch buffer and each record's physical
/// starting line is exact, CRLF and blank lines included).
pub struct CsvReader<'a> {
    r: &'a mut (dyn BufRead + Send),
    core: csv_core::Reader,
    header: Arc<CsvHeader>,
    /// `\n` bytes consumed so far.
    newlines: u64,
    /// The `\n` bytes of lines read by [`CsvReader::read_plain_line`] (csv_core counts
    /// only those it reads itself).
    plain_newlines: u64,
    delimiter: u8,
    /// Whether plain lines may skip csv_core (off to test the two against each other,
    /// and for a delimiter the line scan cannot take or that is not ASCII).
    plain_lines: bool,
    /// Delimiter positions of the line being scanned (reused).
    cuts: Vec<usize>,
    /// Quote positions of the line being scanned (reused).
    quotes: Vec<usize>,
    done: bool,
}

/// The outcome of reading one record.
enum ReadOne {
    Record,
    End,
}

impl<'a> CsvReader<'a> {
    pub fn new(r: &'a mut (dyn BufRead + Send), delimiter: Option<u8>) -> io::Result<Self> {
        // A UTF-8 BOM is not part of the first column's name.
        if r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            r.consume(3);
        }
        let delimiter = match delimiter {
            Some(d) => d,
            None => detect_delimiter(r.fill_buf()?),
        };
        let core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        let mut reader = CsvReader {
            r,
            core,
            header: Arc::new(CsvHeader::default()),
            newlines: 0,
            plain_newlines: 0,
            delimiter,
            // Its fields are known to end on character boundaries (`CsvBatch::fields`)
            // only for an ASCII delimiter.
            plain_lines: delimiter.is_ascii() && !matches!(delimiter, b'"' | b'\n' | b'\r'),
            cuts: Vec::new(),
            quotes: Vec::new(),
            done: false,
        };
        let mut first = CsvBatch::new(Arc::clone(&reader.header));
        let header = match reader.read_one(&mut first)? {
            ReadOne::End => Vec::new(),
            ReadOne::Record => {
                let r = first.records[0];
                if r.oversized {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "line 1: the CSV header is too large",
                    ));
                }
                let ends = &first.ends[r.ends_start..r.ends_start + r.fields];
                (0..ends.len())
                    .map(|i| {
                        let field = r.start + field_start(ends, r.sep, i)..r.start + ends[i];
                        String::from_utf8_lossy(&first.bytes[field])
                            .trim()
                            .to_string()
                    })
                    .collect()
            }
        };
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = header.iter().find(|h| !h.is_empty() && !seen.insert(*h)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line 1: the CSV header names column {dup:?} twice; rename one or use --map"
                ),
            ));
        }
        reader.header = Arc::new(CsvHeader {
            names: header,
            resolved: Default::default(),
        });
        if reader.header.names.is_empty() {
            reader.done = true;
        }
        Ok(reader)
    }

    /// Up to `max_records` records (fewer at the end of the input, or once about
    /// `max_bytes` of field data are held). `None` at the end of the input.
    pub fn next_batch(
        &mut self,
        reuse: Option<CsvBatch>,
        max_records: usize,
        max_bytes: usize,
    ) -> io::Result<Option<CsvBatch>> {
        if self.done {
            return Ok(None);
        }
        // A used batch keeps its buffers (already sized and paged in).
        let mut batch = match reuse {
            Some(mut b) => {
                if b.bytes.is_empty() {
                    b.bytes = std::mem::take(&mut b.text).into_bytes();
                    b.bytes.resize(b.bytes.capacity().max(1 << 16), 0);
                }
                b.records.clear();
                b.used = 0;
                b.ends_used = 0;
                b.header = Arc::clone(&self.header);
                b
            }
            None => CsvBatch::new(Arc::clone(&self.header)),
        };
        while batch.records.len() < max_records && batch.used < max_bytes {
            if let ReadOne::End = self.read_one(&mut batch)? {
                self.done = true;
                break;
            }
        }
        // One UTF-8 check for the whole batch (the common case); a batch that fails it
        // is checked record by record, so the bad record is named.
        batch.bytes.truncate(batch.used);
        match String::from_utf8(std::mem::take(&mut batch.bytes)) {
            Ok(text) => batch.text = text,
            Err(e) => batch.bytes = e.into_bytes(),
        }
        Ok((!batch.records.is_empty()).then_some(batch))
    }

    /// Parse one record into `batch`.
    fn read_one(&mut self, batch: &mut CsvBatch) -> io::Result<ReadOne> {
        use csv_core::ReadRecordResult as R;
        if self.plain_lines && self.read_plain_line(batch)? {
            return Ok(ReadOne::Record);
        }
        let start = batch.used;
        let ends_start = batch.ends_used;
        let mut line: Option<u64> = None;
        let mut oversized = false;
        // Scratch space for the rest of an oversized record.
        let mut scratch_out = Vec::new();
        let mut scratch_ends = Vec::new();
        loop {
            let input = self.r.fill_buf()?;
            if line.is_none() {
                // csv_core skips line terminators before a record (blank lines): the
                // record starts at the first other byte.
                match input.iter().position(|&b| b != b'\n' && b != b'\r') {
                    Some(j) => {
                        let nl = input[..j].iter().filter(|&&b| b == b'\n').count();
                        line = Some(self.newlines + nl as u64 + 1);
                    }
                    None if input.is_empty() => {}
                    None => {}
                }
            }
            let (res, nin, nout, nend) = if oversized {
                scratch_out.resize(1 << 16, 0);
                scratch_ends.resize(1 << 10, 0);
                self.core
                    .read_record(input, &mut scratch_out, &mut scratch_ends)
            } else {
                if batch.bytes.len() - batch.used < 1024 {
                    let n = (batch.bytes.len() * 2).max(1 << 16);
                    batch.bytes.resize(n, 0);
                }
                if batch.ends.len() - batch.ends_used < 64 {
                    let n = batch.ends.len() * 2;
                    batch.ends.resize(n, 0);
                }
                self.core.read_record(
                    input,
                    &mut batch.bytes[batch.used..],
                    &mut batch.ends[batch.ends_used..],
                )
            };
            // csv_core counts every `\n` it consumes (its line number starts at 1).
            self.newlines = self.core.line() - 1 + self.plain_newlines;
            self.r.consume(nin);
            if !oversized {
                batch.used += nout;
                batch.ends_used += nend;
                if batch.used - start > MAX_RECORD_BYTES
                    || batch.ends_used - ends_start > MAX_RECORD_FIELDS
                {
                    oversized = true;
                    batch.used = start;
                    batch.ends_used = ends_start;
                }
            }
            match res {
                R::InputEmpty | R::OutputFull | R::OutputEndsFull => continue,
                R::Record => {
                    batch.records.push(CsvRec {
                        line: line.unwrap_or(self.newlines + 1),
                        start,
                        ends_start,
                        fields: batch.ends_used - ends_start,
                        sep: 0,
                        oversized,
                    });
                    return Ok(ReadOne::Record);
                }
                R::End => return Ok(ReadOne::End),
            }
        }
    }
}

impl CsvReader<'_> {
    /// The common record without csv_core: a whole line in the buffer with no `\r` but
    /// an optional one before its `\n` and no quotes but those of simple quoted fields
    /// (`"…"` around a whole field, nothing inside that is `"`, `\r` or `\n`), found and
    /// split in one pass ([`super::scan::plain_line`]) and copied whole, delimiters
    /// included and those quotes left out (the record's `sep` is 1). csv_core would give
    /// exactly these fields (such a line has nothing else it interprets; a simple quoted
    /// field is the bytes between its quotes) but walks its state machine byte by byte,
    /// the reader thread's largest cost. Anything else (escaped or stray quotes, a
    /// newline in quotes, a lone `\r`, blank lines, a line across the buffer's end, the
    /// last line without `\n`, too many fields) is left to csv_core. Returns whether it
    /// read a record.
    fn read_plain_line(&mut self, batch: &mut CsvBatch) -> io::Result<bool> {
        let input = self.r.fill_buf()?;
        self.cuts.clear();
        self.quotes.clear();
        let Some(nl) =
            super::scan::plain_line(input, self.delimiter, &mut self.cuts, &mut self.quotes)
        else {
            return Ok(false);
        };
        let mut line = &input[..nl];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        let fields = self.cuts.len() + 1;
        if line.is_empty() || line.len() > MAX_RECORD_BYTES || fields > MAX_RECORD_FIELDS {
            // Blank lines are skipped and oversized records read through by csv_core.
            return Ok(false);
        }
        let (start, ends_start) = (batch.used, batch.ends_used);
        // The line without its quotes (they all lie before its end).
        let len = line.len() - self.quotes.len();
        let need = start + len;
        if batch.bytes.len() < need {
            batch.bytes.resize(need.max(batch.bytes.len() * 2), 0);
        }
        if batch.ends.len() < ends_start + fields {
            batch
                .ends
                .resize((ends_start + fields).max(batch.ends.len() * 2), 0);
        }
        let out = &mut batch.bytes[start..need];
        if self.quotes.is_empty() {
            out.copy_from_slice(line);
        } else {
            // The stretches between quotes, one after another.
            let (mut from, mut to) = (0, 0);
            for &q in self.quotes.iter().chain(std::iter::once(&line.len())) {
                let n = q - from;
                out[to..to + n].copy_from_slice(&line[from..q]);
                (from, to) = (q + 1, to + n);
            }
        }
        let ends = &mut batch.ends[ends_start..ends_start + fields];
        ends[..fields - 1].copy_from_slice(&self.cuts);
        ends[fields - 1] = len;
        batch.used = need;
        batch.ends_used = ends_start + fields;
        batch.records.push(CsvRec {
            line: self.newlines + 1,
            start,
            ends_start,
            fields,
            sep: 1,
            oversized: false,
        });
        self.r.consume(nl + 1);
        self.plain_newlines += 1;
        self.newlines += 1;
        Ok(true)
    }
}

/// Owned records from a [`CsvReader`], one at a time (tests, fuzzing, small tools).
struct CsvRecords<'a> {
    reader: Option<CsvReader<'a>>,
    error: Option<io::Error>,
    batch: Option<CsvBatch>,
    next: usize,
}

impl Iterator for CsvRecords<'_> {
    type Item = io::Result<SourceRecord>;
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        loop {
            if let Some(b) = &self.batch {
                if self.next < b.len() {
                    let (line, body) = b.get(self.next);
                    self.next += 1;
                    return Some(Ok(SourceRecord {
                        line,
                        body: body.map(|f| f.to_owned()),
                    }));
                }
            }
            match self
                .reader
                .as_mut()?
                .next_batch(self.batch.take(), 256, 1 << 20)
            {
                Ok(Some(b)) => {
                    self.batch = Some(b);
                    self.next = 0;
                }
                Ok(None) => return None,
                Err(e) => {
                    self.reader = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------- JSONL

struct JsonlRecords<'a> {
    r: &'a mut (dyn BufRead + Send),
    line: u64,
}

impl Iterator for JsonlRecords<'_> {
    type Item = io::Result<SourceRecord>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            // Read at most a little over the limit; a longer line is drained, not stored.
            let n = match read_line_capped(&mut self.r, &mut buf, MAX_FIELD_BYTES + 1) {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            if n.bytes == 0 {
                return None;
            }
            self.line += 1;
            if self.line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            if n.truncated {
                return Some(Ok(SourceRecord {
                    line: self.line,
                    body: Err(RowError::new(
                        "field_too_large",
                        format!("record is {} bytes (limit {MAX_FIELD_BYTES})", n.bytes),
                    )),
                }));
            }
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue; // blank lines are not records
            }
            return Some(Ok(SourceRecord {
                line: self.line,
                body: json_object(&buf),
            }));
        }
    }
}

struct LineRead {
    bytes: usize,
    truncated: bool,
}

/// Read one line, keeping at most `cap` bytes in `buf` (the rest is consumed and counted).
fn read_line_capped(r: &mut dyn BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<LineRead> {
    let mut total = 0;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(LineRead {
                bytes: total,
                truncated: total > buf.len(),
            });
        }
        let (chunk, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..=i], true),
            None => (avail, false),
        };
        let keep = cap.saturating_sub(buf.len()).min(chunk.len());
        buf.extend_from_slice(&chunk[..keep]);
        let n = chunk.len();
        total += n;
        r.consume(n);
        if done {
            return Ok(LineRead {
                bytes: total,
                truncated: total > buf.len(),
            });
        }
    }
}

fn json_object(bytes: &[u8]) -> Result<Fields, RowError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(RowError::new("invalid_utf8", "record is not valid UTF-8"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(Fields::Json(m)),
        Ok(other) => Err(RowError::new(
            "malformed_row",
            format!("expected a JSON object, found {}", json_kind(&other)),
        )),
        Err(e) => Err(RowError::new("malformed_row", format!("invalid JSON: {e}"))),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------- JSON array

/// Streams the elements of a top-level JSON array (or of the `users` array of a
/// top-level object) without holding the document: a small scanner finds each
/// element's bytes, serde_json parses that element alone. Hand-written because
/// serde_json's StreamDeserializer reads a sequence of documents, not array elements.
struct JsonArrayRecords<'a> {
    r: &'a mut (dyn BufRead + Send),
    state: ArrayState,
    index: u64,
}

#[derive(PartialEq, Eq)]
enum ArrayState {
    Start,
    InArray,
    Done,
}

impl<'a> JsonArrayRecords<'a> {
    fn new(r: &'a mut (dyn BufRead + Send)) -> Self {
        JsonArrayRecords {
            r,
            state: ArrayState::Start,
            index: 0,
        }
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.peek()? {
                Some(b) if b.is_ascii_whitespace() => self.r.consume(1),
                other => return Ok(other),
            }
        }
    }

    fn bad_shape(msg: impl Into<String>) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, msg.into())
    }

    /// Position the reader just inside the users array.
    fn enter_array(&mut self) -> io::Result<()> {
        if self.r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.r.consume(3);
        }
        match self.skip_ws()? {
            Some(b'[') => {
                self.r.consume(1);
                Ok(())
            }
            Some(b'{') => {
                self.r.consume(1);
                // Walk the object's keys until "users"; skip other values whole.
                loop {
                    match self.skip_ws()? {
                        Some(b'"') => {}
                        Some(b'}') | None => {
                            return Err(Self::bad_shape(
                                "the JSON object has no \"users\" array (expected a JSON array of users or Firebase's {\"users\":[…]})",
                            ))
                        }
                        Some(b) => {
                            return Err(Self::bad_shape(format!(
                                "unexpected {:?} in the top-level JSON object",
                                b as char
                            )))
                        }
                    }
                    let mut key = Vec::new();
                    self.read_value(&mut key, usize::MAX)?;
                    let key: String = serde_json::from_slice(&key).map_err(|e| {
                        Self::bad_shape(format!("bad key in the top-level object: {e}"))
                    })?;
                    if self.skip_ws()? != Some(b':') {
                        return Err(Self::bad_shape(
                            "expected ':' after a key in the top-level object",
                        ));
                    }
                    self.r.consume(1);
                    if key == "users" {
                        if self.skip_ws()? != Some(b'[') {
                            return Err(Self::bad_shape("\"users\" is not an array"));
                        }
                        self.r.consume(1);
                        return Ok(());
                    }
                    self.skip_ws()?;
                    let mut sink = Vec::new();
                    self.read_value(&mut sink, 0)?;
                    if self.skip_ws()? == Some(b',') {
                        self.r.consume(1);
                    }
                }
            }
            Some(b) => Err(Self::bad_shape(format!(
                "expected a JSON array or object, found {:?}",
                b as char
            ))),
            None => {
                self.state = ArrayState::Done;
                Ok(())
            }
        }
    }

    /// Read one JSON value's bytes into `out` (keeping at most `cap` bytes). Returns
    /// the total length, or an UnexpectedEof error when the input ends inside it.
    fn read_value(&mut self, out: &mut Vec<u8>, cap: usize) -> io::Result<usize> {
        let mut depth = 0usize;
        let mut in_str = false;
        let mut escape = false;
        let mut total = 0usize;
        let mut started = false;
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                if started && depth == 0 && !in_str {
                    return Ok(total); // a scalar ending at EOF
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "input ends inside a record",
                ));
            }
            let mut used = 0;
            let mut finished = false;
            for &b in buf {
                if !in_str && depth == 0 && started && matches!(b, b',' | b']' | b'}') {
                    finished = true;
                    break;
                }
                if !in_str && depth == 0 && started && b.is_ascii_whitespace() {
                    finished = true;
                    break;
                }
                used += 1;
                started = true;
                if in_str {
                    if escape {
                        escape = false;
                    } else if b == b'\\' {
                        escape = true;
                    } else if b == b'"' {
                        in_str = false;
                        if depth == 0 {
                            finished = true;
                            break;
                        }
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                finished = true;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            let keep = cap.saturating_sub(out.len()).min(used);
            out.extend_from_slice(&buf[..keep]);
            total += used;
            self.r.consume(used);
            if finished {
                return Ok(total);
            }
        }
    }
}

impl Iterator for JsonArrayRecords<'_> {
    type Item = io::Result<SourceRecord>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.state == ArrayState::Start {
            if let Err(e) = self.enter_array() {
                self.state = ArrayState::Done;
                return Some(Err(e));
            }
            if self.state != ArrayState::Done {
                self.state = ArrayState::InArray;
            }
        }
        if self.state == ArrayState::Done {
            return None;
        }
        let step = (|| -> io::Result<Option<SourceRecord>> {
            let mut c = self.skip_ws()?;
            if c == Some(b',') && self.index > 0 {
                self.r.consume(1);
                c = self.skip_ws()?;
            }
            match c {
                Some(b']') => {
                    self.r.consume(1);
                    self.state = ArrayState::Done;
                    return Ok(None);
                }
                None => {
                    self.state = ArrayState::Done;
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "input ends after record {} without closing the array",
                            self.index
                        ),
                    ));
                }
                _ => {}
            }
            self.index += 1;
            let mut buf = Vec::new();
            match self.read_value(&mut buf, MAX_FIELD_BYTES + 1) {
                Ok(total) if total > MAX_FIELD_BYTES => Ok(Some(SourceRecord {
                    line: self.index,
                    body: Err(RowError::new(
                        "field_too_large",
                        format!("record is {total} bytes (limit {MAX_FIELD_BYTES})"),
                    )),
                })),
                Ok(_) => Ok(Some(SourceRecord {
                    line: self.index,
                    body: json_object(&buf),
                })),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.state = ArrayState::Done;
                    Ok(Some(SourceRecord {
                        line: self.index,
                        body: Err(RowError::new(
                            "malformed_row",
                            "the input ends inside this record",
                        )),
                    }))
                }
                Err(e) => Err(e),
            }
        })();
        match step {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                self.state = ArrayState::Done;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn read_all(data: &[u8], kind: Option<InputKind>) -> Vec<SourceRecord> {
        let (mut r, k) = open(Box::new(io::Cursor::new(data.to_vec())), kind, "x").unwrap();
        records(&mut *r, k).unwrap().map(|r| r.unwrap()).collect()
    }

    #[test]
    fn csv_lines_and_errors() {
        let data = b"\xEF\xBB\xBFid,email\r\n1,a@x\r\n2,\"multi\nline\"\r\n3\r\n4,\xff\r\n";
        let recs = read_all(data, None);
        assert_eq!(
            recs.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 3, 5, 6]
        );
        assert!(recs[0].body.is_ok());
        assert_eq!(
            recs[0].body.as_ref().unwrap().get("id").as_deref(),
            Some("1")
        );
        assert_eq!(recs[2].body.as_ref().unwrap_err().reason, "malformed_row");
        assert_eq!(recs[3].body.as_ref().unwrap_err().reason, "invalid_utf8");
    }

    #[test]
    fn a_record_of_empty_fields_between_halves_of_a_character_is_valid() {
        // `1\xc3` and `\xa9` are broken records, but the batch's bytes join them into
        // "1é": the empty record read by csv_core between them sits inside that
        // character, and is still two empty fields. (Found by the plain-line proptest.)
        for plain_lines in [true, false] {
            let recs = csv_records(b"x,y\n1\xc3\r,\r\xa9\n", 1 << 16, plain_lines);
            assert_eq!(
                recs,
                [
                    (2, Err("malformed_row")),
                    (2, Ok(vec![String::new(), String::new()])),
                    (2, Err("malformed_row")),
                ]
            );
        }
    }

    #[test]
    fn csv_utf8_split_across_fields_is_invalid() {
        // "1\xc3" and "\xa9x" concatenate to valid UTF-8 ("1éx") but neither field is.
        let recs = read_all(b"id,email\n1\xc3,\xa9x\n2,b@x\n", None);
        assert_eq!(recs.len(), 2);
        let e = recs[0].body.as_ref().unwrap_err();
        assert_eq!(e.reason, "invalid_utf8");
        assert!(e.message.contains("\"id\""), "{}", e.message);
        assert!(recs[1].body.is_ok());
    }

    #[test]
    fn a_non_ascii_delimiter_splits_characters_into_invalid_fields() {
        // Cut at 0xC3, "1é2" is the fields "1" and "\xa92": the record is valid UTF-8
        // but its second field is not. Plain lines skip the per-field boundary check,
        // so they are only for ASCII delimiters.
        let mut input = io::BufReader::new(&b"x\xc3y\n1\xc3\xa92\n"[..]);
        let mut reader = CsvReader::new(&mut input, Some(0xC3)).unwrap();
        assert!(!reader.plain_lines);
        let b = reader.next_batch(None, 8, 1 << 20).unwrap().unwrap();
        assert_eq!(b.get(0).1.unwrap_err().reason, "invalid_utf8");
    }

    /// Every record of `data` (after a two-column header) as (line, fields or reason),
    /// read through a buffer of `cap` bytes, with or without the plain-line path.
    fn csv_records(
        data: &[u8],
        cap: usize,
        plain_lines: bool,
    ) -> Vec<(u64, Result<Vec<String>, &'static str>)> {
        let mut input = io::BufReader::with_capacity(cap, data);
        let mut reader = CsvReader::new(&mut input, Some(b',')).unwrap();
        reader.plain_lines = plain_lines;
        let mut out = Vec::new();
        let mut batch = None;
        while let Some(b) = reader.next_batch(batch.take(), 3, 1 << 20).unwrap() {
            for i in 0..b.len() {
                let (line, body) = b.get(i);
                let fields = body
                    .map(|f| (0..2).map(|c| f.column(c).unwrap().to_string()).collect())
                    .map_err(|e| e.reason);
                out.push((line, fields));
            }
            batch = Some(b);
        }
        out
    }

    /// Fields for the plain-line proptest: simple quoted ones and near misses.
    const QUOTED_FIELDS: &[&[u8]] = &[
        b"a",
        b"",
        b"\"\"",
        b"\"a,b\"",
        b"\",\"",
        b"\"$argon2id$v=19$m=65536,t=2,p=1$c29tZQ$CTFh\"",
        b"\"\xc3\xa9 \"",
        b"\"a\"\"b\"",
        b"\"a\"c",
        b"\"a",
        b"x\"y\"",
        b"\"a\nb\"",
        b"\"a\r\nb\"",
        b"\"a\rb\"",
        b" \"a\"",
        b"\"a\" ",
    ];

    proptest::proptest! {
        #[test]
        fn plain_lines_read_exactly_as_csv_core_does(
            // Bytes, and pieces of quoted fields: simple ones (with delimiters, empty,
            // multi-byte) and near misses (escaped quotes, unclosed, mid-field).
            // Whole two-field lines too, so that most records have the header's shape
            // and their fields are compared.
            body in proptest::collection::vec(
                proptest::prop_oneof![
                    1 => proptest::sample::select(vec![
                        &b"a"[..], b"b", b",", b",", b"\"", b"\r", b"\n", b"\n", b" ",
                        b"\xc3", b"\xa9", b"\r\n", b"\"a,b\"", b"\"\"", b"\"\xc3\xa9\"",
                        b"\"a\"", b"\"a\"\"b\"", b"\"a", b"x\"y\"", b"\"a\"c",
                    ])
                    .prop_map(|t| t.to_vec()),
                    2 => (
                        proptest::sample::select(QUOTED_FIELDS),
                        proptest::sample::select(QUOTED_FIELDS),
                        proptest::sample::select(vec![&b"\n"[..], b"\r\n", b"\r", b""]),
                    )
                        .prop_map(|(a, b, end): (&[u8], &[u8], &[u8])| [a, b",", b, end].concat()),
                ],
                0..30,
            ),
            cap in 1usize..40,
        ) {
            let mut data = b"x,y\n".to_vec();
            data.extend(body.concat());
            let plain = csv_records(&data, cap, true);
            proptest::prop_assert_eq!(&plain, &csv_records(&data, cap, false));
            proptest::prop_assert_eq!(&plain, &csv_records(&data, 1 << 16, true));
        }
    }

    #[test]
    fn a_plain_line_with_too_many_fields_is_read_through() {
        let mut data = b"x,y\n".to_vec();
        data.extend(std::iter::repeat_n(b',', MAX_RECORD_FIELDS + 5));
        data.extend_from_slice(b"\na,b\n");
        let recs = csv_records(&data, 1 << 20, true);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0], (2, Err("field_too_large")));
        assert_eq!(recs[1], (3, Ok(vec!["a".to_string(), "b".to_string()])));
        assert_eq!(recs, csv_records(&data, 1 << 20, false));
    }

    #[test]
    fn plain_and_quoted_lines_interleave_with_exact_lines() {
        let data = b"x,y\r\na,b\r\n\"c\nd\",e\n\nf,g\rh,i\n\"j\",k\nl,m";
        let recs = csv_records(data, 1 << 16, true);
        let want: Vec<(u64, Result<Vec<String>, &str>)> = [
            (2, ["a", "b"]),
            (3, ["c\nd", "e"]),
            (6, ["f", "g"]),
            (6, ["h", "i"]),
            (7, ["j", "k"]),
            (8, ["l", "m"]),
        ]
        .iter()
        .map(|(l, f)| (*l, Ok(f.iter().map(|s| s.to_string()).collect())))
        .collect();
        assert_eq!(recs, want);
        assert_eq!(recs, csv_records(data, 1 << 16, false));
    }

    #[test]
    fn csv_utf8_split_across_records_is_invalid() {
        // The batch's bytes are UTF-8 as a whole ("1é", "x", "ü"), but the first two
        // records each hold half of the "é"; the third is fine.
        let recs = read_all(b"id\n1\xc3\n\xa9x\n\xc3\xbc\n", None);
        assert_eq!(recs.len(), 3);
        for r in &recs[..2] {
            assert_eq!(r.body.as_ref().unwrap_err().reason, "invalid_utf8");
        }
        assert_eq!(
            recs[2].body.as_ref().unwrap().get("id").as_deref(),
            Some("ü")
        );
    }

    #[test]
    fn csv_lines_with_blank_lines_and_crlf() {
        let data = b"id,email\r\n\r\n1,a@x\r\n\n\r\n2,b@x\n\"3\",\"c\r\n@x\"\r\n4,d@x";
        let recs = read_all(data, None);
        assert_eq!(
            recs.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![3, 6, 7, 9]
        );
        assert_eq!(
            recs[2].body.as_ref().unwrap().get("email").as_deref(),
            Some("c\r\n@x")
        );
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter(b"id;email;\"a,b\"\n"), b';');
        assert_eq!(detect_delimiter(b"id\temail\n"), b'\t');
        assert_eq!(detect_delimiter(b"id\n"), b',');
    }

    #[test]
    fn jsonl_lines() {
        let data = b"{\"id\":1}\n\n[1]\n{bad\n{\"id\":\"2\"}";
        let recs = read_all(data, None);
        assert_eq!(
            recs.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 3, 4, 5]
        );
        assert_eq!(recs[1].body.as_ref().unwrap_err().reason, "malformed_row");
        assert_eq!(
            recs[3].body.as_ref().unwrap().get("id").as_deref(),
            Some("2")
        );
    }

    #[test]
    fn json_array_and_firebase() {
        let arr = br#"[ {"id": "a]", "x": {"y": [1,2]}}, {"id":"b"} ,3 ]"#;
        let recs = read_all(arr, Some(InputKind::Json));
        assert_eq!(recs.len(), 3);
        assert_eq!(
            recs[0].body.as_ref().unwrap().get("id").as_deref(),
            Some("a]")
        );
        assert_eq!(recs[2].line, 3);
        assert!(recs[2].body.is_err());
        let fb =
            br#"{"kind":"x","meta":{"a":[1,{"b":2}]},"users":[{"localId":"u1"},{"localId":"u2"}]}"#;
        let recs = read_all(fb, Some(InputKind::Json));
        assert_eq!(recs.len(), 2);
        assert_eq!(
            recs[1].body.as_ref().unwrap().get("localId").as_deref(),
            Some("u2")
        );
    }

    #[test]
    fn json_truncated_and_wrong_shape() {
        let recs = read_all(br#"[{"id":"a"},{"id":"#, Some(InputKind::Json));
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].body.as_ref().unwrap_err().reason, "malformed_row");
        let (mut r, k) = open(
            Box::new(io::Cursor::new(b"{\"a\":1}".to_vec())),
            Some(InputKind::Json),
            "x",
        )
        .unwrap();
        assert!(records(&mut *r, k).unwrap().any(|r| r.is_err()));
    }

    #[test]
    fn oversized_jsonl_record() {
        let mut data = b"{\"id\":\"".to_vec();
        data.extend(std::iter::repeat_n(b'a', MAX_FIELD_BYTES + 10));
        data.extend_from_slice(b"\"}\n{\"id\":\"b\"}\n");
        let recs = read_all(&data, Some(InputKind::Jsonl));
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].body.as_ref().unwrap_err().reason, "field_too_large");
        assert!(recs[1].body.is_ok());
    }
}
