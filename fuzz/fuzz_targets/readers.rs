//! Bytes → every reader (sniffed, CSV with detected and fixed delimiters, JSONL, JSON),
//! consuming the record stream as the pipeline does (it stops at the first stream
//! error). No panic; every record carries a line (or array index) of at least 1.
#![no_main]

use std::io::Cursor;

use hashport::pipeline::read::{self, Fields, InputKind, MAX_FIELD_BYTES};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Differential check of the streaming JSON-array scanner: when serde_json reads the
/// whole input as an array, the reader yields exactly its elements, in order, with
/// 1-based indexes, each object equal to serde_json's.
fn check_json_array(data: &[u8]) {
    if data.starts_with(&[0x1f, 0x8b]) {
        return; // gzip: serde_json sees the compressed bytes
    }
    let Ok(Value::Array(elems)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (mut r, k) = read::open(
        Box::new(Cursor::new(data.to_vec())),
        Some(InputKind::Json),
        "fuzz",
    )
    .expect("open");
    let recs: Vec<_> = read::records(&mut *r, k)
        .expect("records")
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("stream error on a valid JSON array: {e}"));
    assert_eq!(recs.len(), elems.len(), "element count");
    for (i, (rec, want)) in recs.iter().zip(&elems).enumerate() {
        assert_eq!(rec.line, i as u64 + 1);
        match (&rec.body, want) {
            (Ok(Fields::Json(m)), Value::Object(w)) => assert_eq!(m, w, "element {}", i + 1),
            (Err(e), _) if e.reason == "field_too_large" => {
                assert!(
                    data.len() > MAX_FIELD_BYTES,
                    "too large in a small input: {e:?}"
                )
            }
            (Err(e), w) if !w.is_object() => assert_eq!(e.reason, "malformed_row"),
            (got, w) => panic!("element {}: reader gave {got:?}, serde_json {w}", i + 1),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check_json_array(data);
    let kinds = [
        None,
        Some(InputKind::Csv { delimiter: None }),
        Some(InputKind::Csv {
            delimiter: Some(b';'),
        }),
        Some(InputKind::Jsonl),
        Some(InputKind::Json),
    ];
    for kind in kinds {
        let Ok((mut r, k)) = read::open(Box::new(Cursor::new(data.to_vec())), kind, "fuzz") else {
            continue;
        };
        if let Some(want) = kind {
            assert_eq!(k, want, "open changed the requested kind");
        }
        let Ok(records) = read::records(&mut *r, k) else {
            continue;
        };
        let mut last = 0u64;
        for rec in records {
            let Ok(rec) = rec else {
                break;
            };
            assert!(rec.line >= 1, "{k:?}: record with line {}", rec.line);
            assert!(
                rec.line >= last,
                "{k:?}: line went backwards ({last} then {})",
                rec.line
            );
            last = rec.line;
            if let Ok(f) = &rec.body {
                for n in f.names() {
                    let _ = f.get(&n);
                }
            }
        }
    }
});
