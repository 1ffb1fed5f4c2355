//! Bytes as an export → the whole migrate pipeline with a counting sink. Byte 0 picks
//! the file name the kind is sniffed from, the target, the column preset, Firebase
//! parameters and a tiny duplicate window; the rest is the file. Every input record
//! must reach the sink exactly once.
#![no_main]

use std::io::{self, Cursor};

use hashport::pipeline::classify::{ClassifyConfig, FirebaseParams, Target};
use hashport::pipeline::columns::{ColumnMap, Preset};
use hashport::pipeline::dedup::Dedup;
use hashport::pipeline::{self, RunConfig, Sink};
use hashport::policy::Policy;
use hashport::scheme::ParseContext;
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Counting {
    users: u64,
    rejects: u64,
}

/// Each record must be one JSON object line naming its source line.
fn check(line: u64, record: &[u8]) -> serde_json::Value {
    assert!(line >= 1, "record with line {line}");
    assert_eq!(record.last(), Some(&b'\n'), "record without its newline");
    assert_eq!(
        record.iter().filter(|b| **b == b'\n').count(),
        1,
        "record over lines"
    );
    let v: serde_json::Value = serde_json::from_slice(record).expect("record is JSON");
    assert_eq!(v["source_line"], line, "line of {v}");
    v
}

impl Sink for Counting {
    fn user(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        check(line, record);
        self.users += 1;
        Ok(())
    }
    fn reject(&mut self, line: u64, record: &[u8]) -> io::Result<()> {
        let v = check(line, record);
        assert!(!v["reason"].as_str().expect("reason").is_empty());
        self.rejects += 1;
        Ok(())
    }
    fn retract(
        &mut self,
        retractions: &mut dyn Iterator<Item = io::Result<(u64, Vec<u8>)>>,
    ) -> io::Result<()> {
        for r in retractions {
            let (line, record) = r?;
            check(line, &record);
            self.users -= 1;
            self.rejects += 1;
        }
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let name = ["export.csv", "export.jsonl", "export.json", "export"][(pick & 3) as usize];
    let target = if pick & 4 == 0 {
        Target::Clerk
    } else {
        Target::Native
    };
    let preset = [
        Preset::Auto,
        Preset::Firebase,
        Preset::Auth0,
        Preset::Django,
    ][((pick >> 3) & 3) as usize];
    let firebase = (pick & 0x20 != 0).then(|| FirebaseParams {
        signer_key: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==".into(),
        salt_separator: "Bw==".into(),
        rounds: 8,
        mem_cost: 14,
    });
    let cfg = RunConfig {
        classify: ClassifyConfig {
            columns: ColumnMap::new(preset, &[]),
            format_hint: None,
            firebase,
            target,
            policy: Policy::default(),
            ctx: ParseContext::default(),
        },
        kind: None,
        jobs: 1,
        input_sha256: true,
    };
    let mut sink = Counting::default();
    // Bit 6: a tiny in-memory duplicate window, so retractions are exercised.
    let dedup = if pick & 0x40 != 0 {
        Dedup::with_inline_limit(4)
    } else {
        Dedup::default()
    };
    let result = pipeline::run_with(
        Box::new(Cursor::new(file.to_vec())),
        name,
        &cfg,
        &mut sink,
        &|_, _| {},
        dedup,
    );
    if let Ok((counts, info)) = result {
        assert_eq!(
            counts.input,
            counts.accepted + counts.rejected,
            "input != accepted + rejected: {counts:?}"
        );
        assert_eq!(
            sink.users + sink.rejects,
            counts.input,
            "sink saw {} + {} records, counts say {counts:?}",
            sink.users,
            sink.rejects
        );
        assert_eq!(sink.users, counts.accepted);
        assert_eq!(sink.rejects, counts.rejected);
        assert_eq!(info.records, counts.input);
        assert_eq!(info.bytes, file.len() as u64, "manifest bytes");
    }
});
