//! Bytes → every reader (sniffed, CSV with detected and fixed delimiters, JSONL, JSON),
//! consuming the record stream as the pipeline does (it stops at the first stream
//! error). No panic; every record carries a line (or array index) of at least 1.
#![no_main]

use std::io::Cursor;

use hashport::pipeline::read::{self, InputKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
