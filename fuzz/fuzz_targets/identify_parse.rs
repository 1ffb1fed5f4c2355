//! Any string → identify + parse with the default caps (nothing is hashed: verify is
//! not called), then every accessor and the canonical round trip.
#![no_main]

use hashport::scheme::{self, ParseContext};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = ParseContext::default();
    let id = scheme::identify(s, None);
    if let Ok(h) = scheme::parse(s, None, &ctx) {
        assert_eq!(
            id.as_ref().map(|i| i.format).ok(),
            Some(h.identification.format),
            "identify and parse disagree on {s:?}"
        );
        common::check_parsed(s, &h, &ctx);
    }
});
