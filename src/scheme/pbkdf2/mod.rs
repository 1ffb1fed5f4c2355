//! PBKDF2 (formats.md §5): many encodings, one value.
//!
//! Django, passlib, PHC, Werkzeug, Atlassian, ASP.NET Identity, the hashcat colon form,
//! Spring and Clerk's own layouts all store the same four things: a PRF (HMAC-SHA1/256/512),
//! an iteration count, salt bytes and derived-key bytes. Every format parses to one
//! [`Pbkdf2Value`]; a [`Layout`] only says how that value is written. So `canonical()` is
//! "render in my own layout" and `clerk()` is "render in Clerk's layout for this PRF".
//!
//! The KDF itself is RustCrypto's `pbkdf2_hmac`; only the string layouts are ours.

mod layouts;
pub(super) use layouts::{
    is_django_sha256_verbatim, is_passlib_sha256_verbatim, passlib_sha256_as_clerk,
};
#[cfg(test)]
mod tests;

use ::pbkdf2::pbkdf2_hmac;

use super::util::{ct_eq, params};
use super::{
    Claim, ClerkDigest, Family, HashError, Lead, NotExpressible, ParseContext, ParsedHash, Scheme,
};
use crate::caps::WorkCaps;

/// The HMAC hash inside PBKDF2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

impl Prf {
    /// The lower-case hashlib / hashcat name, as written by Werkzeug and the colon form.
    fn name(self) -> &'static str {
        match self {
            Prf::Sha1 => "sha1",
            Prf::Sha256 => "sha256",
            Prf::Sha512 => "sha512",
        }
    }

    fn from_name(name: &str) -> Option<Prf> {
        match name {
            "sha1" => Some(Prf::Sha1),
            "sha256" => Some(Prf::Sha256),
            "sha512" => Some(Prf::Sha512),
            _ => None,
        }
    }

    /// HMAC output size in bytes: one PBKDF2 block.
    fn output_len(self) -> usize {
        match self {
            Prf::Sha1 => 20,
            Prf::Sha256 => 32,
            Prf::Sha512 => 64,
        }
    }
}

/// A validated PBKDF2 hash. [`Pbkdf2Value::new`] is the only way to build one, so every
/// value has a non-empty salt and key, iterations >= 1 and work within the caps.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pbkdf2Value {
    prf: Prf,
    iterations: u32,
    salt: Vec<u8>,
    dk: Vec<u8>,
}

impl Pbkdf2Value {
    /// Check the parameters (before any hashing) and build the value. `format` names the
    /// format in errors.
    fn new(
        format: &str,
        ctx: &ParseContext,
        prf: Prf,
        iterations: u32,
        salt: Vec<u8>,
        dk: Vec<u8>,
    ) -> Result<Self, HashError> {
        if iterations == 0 {
            return Err(HashError::malformed(
                format,
                "iterations",
                "must be at least 1",
            ));
        }
        if salt.is_empty() {
            return Err(HashError::malformed(format, "salt", "must not be empty"));
        }
        if dk.is_empty() {
            return Err(HashError::malformed(format, "hash", "must not be empty"));
        }
        ctx.caps.check_pbkdf2(format, iterations)?;
        // Each PRF-sized block of the key costs a full run of iterations, so a long stored
        // key multiplies the work: bound the product by the same cap.
        let blocks = dk.len().div_ceil(prf.output_len()) as u64;
        WorkCaps::check(
            format,
            "iterations x key blocks",
            u64::from(iterations) * blocks,
            u64::from(ctx.caps.pbkdf2_iterations),
        )?;
        Ok(Pbkdf2Value {
            prf,
            iterations,
            salt,
            dk,
        })
    }

    /// Derive a key of the stored length from `password` and compare in constant time.
    fn derive_matches(&self, password: &[u8]) -> bool {
        let mut out = vec![0u8; self.dk.len()];
        match self.prf {
            Prf::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, &self.salt, self.iterations, &mut out),
            Prf::Sha256 => {
                pbkdf2_hmac::<sha2::Sha256>(password, &self.salt, self.iterations, &mut out)
            }
            Prf::Sha512 => {
                pbkdf2_hmac::<sha2::Sha512>(password, &self.salt, self.iterations, &mut out)
            }
        }
        ct_eq(&out, &self.dk)
    }

    /// The value in Clerk's layout for its PRF (import-targets.md §1.2). Salt and key are
    /// written as bytes (base64 or hex), so nothing about the source encoding is lost.
    fn clerk(&self) -> ClerkDigest {
        let (password_hasher, layout) = match self.prf {
            Prf::Sha1 => ("pbkdf2_sha1", Layout::ClerkSha1),
            Prf::Sha256 => ("pbkdf2_sha256", Layout::ClerkSha256),
            Prf::Sha512 => ("pbkdf2_sha512_hex", Layout::ClerkSha512Hex),
        };
        ClerkDigest {
            password_hasher,
            password_digest: layout.render(self),
        }
    }
}

/// How one format writes a [`Pbkdf2Value`]. Each layout is one format id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `pbkdf2_sha256$<iter>$<salt text>$<std b64, 32 B>`
    DjangoSha256,
    /// `pbkdf2_sha1$<iter>$<salt text>$<std b64, 20 B>`
    DjangoSha1,
    /// `$pbkdf2$<iter>$<ab64 salt>$<ab64, 20 B>`
    PasslibSha1,
    /// `$pbkdf2-sha256$<iter>$<ab64 salt>$<ab64, 32 B>`
    PasslibSha256,
    /// `$pbkdf2-sha512$<iter>$<ab64 salt>$<ab64, 64 B>`
    PasslibSha512,
    /// `$pbkdf2[-sha256|-sha512]$i=<iter>,l=<len>$<b64 salt>$<b64 key>` (RustCrypto)
    Phc,
    /// `pbkdf2:<hashname>:<iter>$<salt text>$<hex, digest size>`
    Werkzeug,
    /// `{PKCS5S2}` + std b64(salt 16 B ‖ key 32 B), SHA-1, 10000 iterations
    Atlassian,
    /// std b64(0x00 ‖ salt 16 B ‖ key 32 B), SHA-1, 1000 iterations
    AspnetV2,
    /// std b64(0x01 ‖ prf ‖ iter ‖ salt len ‖ salt ‖ key), all u32 big-endian
    AspnetV3,
    /// `<alg>:<iter>:<std b64 salt>:<std b64 key>` (hashcat 10900 / 12000 / 12100)
    Colon,
    /// `{pbkdf2}` + hex(salt 8 B ‖ key 32 B), or `{pbkdf2@SpringSecurity_v5_8}` + hex(16 ‖ 32)
    Spring,
    /// Clerk `pbkdf2_sha256`: `pbkdf2_sha256$<iter>$<std b64 salt>$<std b64 key>`
    ClerkSha256,
    /// Clerk `pbkdf2_sha1`: `pbkdf2_sha1$<iter>$<salt>$<hex key>[$<key len>]`
    ClerkSha1,
    /// Clerk `pbkdf2_sha512`: `pbkdf2_sha512$<iter>$<salt text>$<hex key>`
    ClerkSha512,
    /// Clerk `pbkdf2_sha512_hex`: `pbkdf2_sha512_hex$<iter>$<hex salt>$<hex key>`
    ClerkSha512Hex,
}

impl Layout {
    fn id(self) -> &'static str {
        match self {
            Layout::DjangoSha256 => "django_pbkdf2_sha256",
            Layout::DjangoSha1 => "django_pbkdf2_sha1",
            Layout::PasslibSha1 => "passlib_pbkdf2_sha1",
            Layout::PasslibSha256 => "passlib_pbkdf2_sha256",
            Layout::PasslibSha512 => "passlib_pbkdf2_sha512",
            Layout::Phc => "phc_pbkdf2",
            Layout::Werkzeug => "werkzeug_pbkdf2",
            Layout::Atlassian => "atlassian_pbkdf2_sha1",
            Layout::AspnetV2 => "aspnet_identity_v2",
            Layout::AspnetV3 => "aspnet_identity_v3",
            Layout::Colon => "pbkdf2_colon",
            Layout::Spring => "spring_pbkdf2",
            Layout::ClerkSha256 => "clerk_pbkdf2_sha256",
            Layout::ClerkSha1 => "clerk_pbkdf2_sha1",
            Layout::ClerkSha512 => "clerk_pbkdf2_sha512",
            Layout::ClerkSha512Hex => "clerk_pbkdf2_sha512_hex",
        }
    }

    /// The Clerk `password_hasher` that takes this layout unchanged.
    fn clerk_hasher(self) -> Option<&'static str> {
        match self {
            Layout::DjangoSha256 => Some("pbkdf2_sha256_django"),
            Layout::ClerkSha256 => Some("pbkdf2_sha256"),
            Layout::ClerkSha1 => Some("pbkdf2_sha1"),
            Layout::ClerkSha512 => Some("pbkdf2_sha512"),
            Layout::ClerkSha512Hex => Some("pbkdf2_sha512_hex"),
            _ => None,
        }
    }

    /// Clerk's layouts share prefixes with Django's (`pbkdf2_sha256$`, `pbkdf2_sha1$`) or
    /// are only ever produced for Clerk: the string alone never points to them.
    fn hint_only(self) -> bool {
        matches!(
            self,
            Layout::ClerkSha256 | Layout::ClerkSha1 | Layout::ClerkSha512 | Layout::ClerkSha512Hex
        )
    }

    fn example(self) -> &'static str {
        match self {
            Layout::DjangoSha256 => "pbkdf2_sha256$10000$1135411628$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=",
            Layout::DjangoSha1 => "pbkdf2_sha1$30000$seasalt2$pMzU1zNPcydf6wjnJFbiVKwgULc=",
            Layout::PasslibSha1 => "$pbkdf2$131000$r5WythYixPgfQ2jt3buXcg$8Kdr.QQEOaZIXNOrrru36I/.6Po",
            Layout::PasslibSha256 => "$pbkdf2-sha256$29000$x9h7j/Ge8x6DMEao1VqrdQ$kra3R1wEnY8mPdDWOpTqOTINaAmZvRMcYd8u5OBQP9A",
            Layout::PasslibSha512 => "$pbkdf2-sha512$25000$LyWE0HrP2RsjZCxlDGFMKQ$1vC5Ohk2mCS9b6akqsEfgeb4l74SF8XjH.SljXf3dMLHdlY1GK9ojcCKts6/asR4aPqBmk74nCDddU3tvSCJvw",
            Layout::Phc => "$pbkdf2-sha256$i=4096,l=40$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q",
            Layout::Werkzeug => "pbkdf2:sha1:4096$salt$4b007901b765489abead49d926f721d065a429c1",
            Layout::Atlassian => "{PKCS5S2}NTczNTY0NDY2NjQyNzU1Mx8gGiRGobaZYwumctGHbn2ZOHB8LkwzH+Z1gkWfy1zD",
            Layout::AspnetV2 => "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==",
            Layout::AspnetV3 => "AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M",
            Layout::Colon => "sha256:1000:NjI3MDM3:vVfavLQL9ZWjg8BUMq6/FB8FtpkIGWYk",
            Layout::Spring => "{pbkdf2}5d923b44a6d129f3ddf3e3c8d29412723dcbde72445e8ef6bf3b508fbf17fa4ed4d6b99ca763d8dc",
            Layout::ClerkSha256 => "pbkdf2_sha256$10000$MTEzNTQxMTYyOA==$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=",
            Layout::ClerkSha1 => "pbkdf2_sha1$1000$73656173616c74$481af65412b26b246a40c720d8ab035ad8908ec60ae38bc990a00cc4d3f325b2$32",
            Layout::ClerkSha512 => "pbkdf2_sha512$1000$seasalt$f19e388f131ed7e823b1e006326e9b14aafb5d2a9099d55c2c9ac89f55ec45d15d4bc1e53ddf55231556a86eb07c9fe88c36b284abebdad048638de857d12599",
            Layout::ClerkSha512Hex => "pbkdf2_sha512_hex$1000$73656173616c74$f19e388f131ed7e823b1e006326e9b14aafb5d2a9099d55c2c9ac89f55ec45d15d4bc1e53ddf55231556a86eb07c9fe88c36b284abebdad048638de857d12599",
        }
    }
}

/// One PBKDF2 format, named by its layout.
pub struct Pbkdf2Format(Layout);

/// Identification order within the family: unique prefixes first, then the shared
/// `pbkdf2_sha*$` prefixes, then prefix-less ASP.NET shapes, then the hint-only Clerk layouts.
pub static SCHEMES: &[&dyn super::Scheme] = &[
    &Pbkdf2Format(Layout::Spring),
    &Pbkdf2Format(Layout::Atlassian),
    &Pbkdf2Format(Layout::Phc),
    &Pbkdf2Format(Layout::PasslibSha1),
    &Pbkdf2Format(Layout::PasslibSha256),
    &Pbkdf2Format(Layout::PasslibSha512),
    &Pbkdf2Format(Layout::Werkzeug),
    &Pbkdf2Format(Layout::Colon),
    &Pbkdf2Format(Layout::DjangoSha256),
    &Pbkdf2Format(Layout::DjangoSha1),
    &Pbkdf2Format(Layout::AspnetV3),
    &Pbkdf2Format(Layout::AspnetV2),
    &Pbkdf2Format(Layout::ClerkSha256),
    &Pbkdf2Format(Layout::ClerkSha1),
    &Pbkdf2Format(Layout::ClerkSha512),
    &Pbkdf2Format(Layout::ClerkSha512Hex),
];

impl Scheme for Pbkdf2Format {
    fn id(&self) -> &'static str {
        self.0.id()
    }
    fn family(&self) -> Family {
        Family::Pbkdf2
    }
    fn clerk_parses(&self) -> Option<&'static str> {
        self.0.clerk_hasher()
    }
    fn hint_only(&self) -> bool {
        self.0.hint_only()
    }
    fn leads(&self) -> Option<Vec<Lead>> {
        self.0.leads()
    }
    fn claim(&self, s: &str) -> Option<Claim> {
        self.0.claim(s)
    }
    fn parse(&self, s: &str, ctx: &ParseContext) -> Result<Box<dyn ParsedHash>, HashError> {
        let value = self.0.parse(s, ctx)?;
        Ok(Box::new(Pbkdf2Hash {
            layout: self.0,
            value,
        }))
    }
    fn example(&self) -> &'static str {
        self.0.example()
    }
}

/// A parsed PBKDF2 hash: the value and the layout it came in.
#[derive(Debug)]
struct Pbkdf2Hash {
    layout: Layout,
    value: Pbkdf2Value,
}

impl ParsedHash for Pbkdf2Hash {
    fn format(&self) -> &'static str {
        self.layout.id()
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        params([
            ("prf", self.value.prf.name().into()),
            ("iterations", self.value.iterations.into()),
            ("salt_len", self.value.salt.len().into()),
            ("digest_len", self.value.dk.len().into()),
        ])
    }
    fn verify(&self, password: &[u8]) -> bool {
        self.value.derive_matches(password)
    }
    fn canonical(&self) -> String {
        self.layout.render(&self.value)
    }
    fn clerk(&self) -> Result<ClerkDigest, NotExpressible> {
        // Clerk takes Django's SHA-256 strings as they are; every other value is rewritten
        // in Clerk's byte-exact layout for its PRF.
        if self.layout == Layout::DjangoSha256 {
            return Ok(ClerkDigest {
                password_hasher: "pbkdf2_sha256_django",
                password_digest: self.canonical(),
            });
        }
        Ok(self.value.clerk())
    }
    fn clerk_verbatim(&self) -> Option<&'static str> {
        // Django's layout reads back only what it writes: fixed prefix, decimal
        // iterations without leading zeros, the salt as text, strict padded base64 of
        // exactly one block. So the canonical string, Clerk's digest, is the input.
        (self.layout == Layout::DjangoSha256).then_some("pbkdf2_sha256_django")
    }
}
