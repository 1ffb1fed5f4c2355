//! hashport: move user accounts between identity systems without password resets.
//!
//! The library identifies, validates, normalizes and verifies legacy password hashes
//! ([`scheme`]), and never prints: the CLI in `src/cli/` does the talking.
//!
//! ```
//! use hashport::scheme::{parse, ParseContext};
//! let ctx = ParseContext::default();
//! let h = parse("$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", None, &ctx).unwrap();
//! assert_eq!(h.identification.format, "bcrypt");
//! assert!(h.verify(b"Kk4DQuMMfZL9o"));
//! assert!(!h.verify(b"wrong"));
//! ```

// The only `unsafe` is two SSE2 scans over byte slices (`pipeline::scan`,
// `pipeline::render`), each allowed where it stands with its bounds argument.
#![deny(unsafe_code)]

pub mod caps;
pub mod encoding;
pub mod scheme;

pub use caps::WorkCaps;
pub use scheme::{identify, parse, HashError, ParseContext, Reason, StoredHash};
pub mod bench;
pub mod bundle;
pub mod pipeline;
pub mod policy;
