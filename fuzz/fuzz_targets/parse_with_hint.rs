//! First byte picks a format id from the registry (as a hint), the rest is the string.
#![no_main]

use hashport::scheme::{self, ParseContext};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    let reg = scheme::registry();
    let hint = reg[pick as usize % reg.len()].id();
    let ctx = ParseContext::default();
    let _ = scheme::identify(s, Some(hint));
    if let Ok(h) = scheme::parse(s, Some(hint), &ctx) {
        assert_eq!(
            h.identification.format, hint,
            "hint {hint} not honoured for {s:?}"
        );
        common::check_parsed(s, &h, &ctx);
    }
});
