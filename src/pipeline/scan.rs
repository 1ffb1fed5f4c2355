//! One pass over a CSV line that finds its delimiters, its simple quoted fields and its
//! end, or says it is not plain (see `CsvReader::read_plain_line`).
//!
//! memchr finds one byte kind per call; a line needs four (delimiter, `\n`, `"` and
//! `\r`), and calling memchr per field paid its setup for every few bytes. This
//! compares sixteen bytes against all four at once (SSE2, part of every x86_64) and
//! walks the hits; other targets run the same logic a byte at a time. No crate does
//! this without also taking over the parsing (quotes, line numbers, errors) that
//! csv_core does for us.

/// Where a plain line ends: `Some(nl)` with the `\n` at `input[nl]`, or `None` when the
/// line is not plain or has no `\n` in `input`. A plain line has no `\r` but one
/// directly before its `\n`, and no `"` but those of simple quoted fields: a field that
/// starts with `"` (at the line's start or right after a delimiter) and ends at the next
/// `"`, which is directly followed by a delimiter, `\n` or `\r\n`; nothing inside is
/// `"`, `\n` or `\r`. csv_core reads such a field as the bytes between its quotes.
///
/// On `Some`, `quotes` holds the positions in `input` of those quotes (opening and
/// closing, in order) and `cuts` the delimiters outside them, as positions in the line
/// with the quotes taken out (in `input` for a line without quotes). `delimiter` must
/// not be `"`, `\n` or `\r`; `cuts` and `quotes` may hold anything on `None`.
pub fn plain_line(
    input: &[u8],
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
) -> Option<usize> {
    debug_assert!(!matches!(delimiter, b'"' | b'\n' | b'\r'));
    #[cfg(target_arch = "x86_64")]
    {
        sse2(input, delimiter, cuts, quotes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        bytewise(input, 0, delimiter, cuts, quotes, 0)
    }
}

/// What one special byte at `i` means for the scan.
enum Hit {
    Cut,
    End,
    /// The opening quote of what may be a simple quoted field.
    Quote,
    Continue,
    NotPlain,
}

#[inline(always)]
fn hit(input: &[u8], i: usize, delimiter: u8) -> Hit {
    match input[i] {
        b if b == delimiter => Hit::Cut,
        b'\n' => Hit::End,
        // `\r\n`: the `\n` ends the line (csv_core takes it as one terminator).
        b'\r' if input.get(i + 1) == Some(&b'\n') => Hit::Continue,
        b'"' if i == 0 || input[i - 1] == delimiter => Hit::Quote,
        b'"' | b'\r' => Hit::NotPlain,
        _ => Hit::Continue,
    }
}

/// The closing quote of a simple quoted field opened at `open`: the first `"`, `\n` or
/// `\r` after it (`find` gives its offset in what it is passed) must be a `"`, directly
/// followed by a delimiter, `\n` or `\r\n`.
#[inline(always)]
fn closing_quote(
    input: &[u8],
    open: usize,
    delimiter: u8,
    find: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let close = open + 1 + find(&input[open + 1..])?;
    let ends = match (input[close], input.get(close + 1), input.get(close + 2)) {
        (b'"', Some(&b), _) if b == delimiter || b == b'\n' => true,
        (b'"', Some(b'\r'), Some(b'\n')) => true,
        _ => false,
    };
    ends.then_some(close)
}

/// The scan from `from` on, a byte at a time (`removed` quotes already found). Without
/// `QUOTES`, the first quote hands the line over to an instance with.
#[inline(always)]
fn bytewise_from<const QUOTES: bool>(
    input: &[u8],
    from: usize,
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
    mut removed: usize,
) -> Option<usize> {
    let mut i = from;
    while i < input.len() {
        match hit(input, i, delimiter) {
            // `removed` is 0 without `QUOTES`.
            Hit::Cut => cuts.push(i - removed),
            Hit::End => return Some(i),
            Hit::NotPlain => return None,
            Hit::Quote if !QUOTES => return bytewise_quoted(input, i, delimiter, cuts, quotes),
            Hit::Quote => {
                let close = closing_quote(input, i, delimiter, |rest| {
                    rest.iter().position(|&b| matches!(b, b'"' | b'\n' | b'\r'))
                })?;
                quotes.extend([i, close]);
                removed += 2;
                i = close;
            }
            Hit::Continue => {}
        }
        i += 1;
    }
    None
}

/// [`bytewise_from`] from a line's first quote on, out of line.
#[inline(never)]
fn bytewise_quoted(
    input: &[u8],
    quote: usize,
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
) -> Option<usize> {
    bytewise_from::<true>(input, quote, delimiter, cuts, quotes, 0)
}

/// The scan from `from` on, a byte at a time, after `removed` quotes.
fn bytewise(
    input: &[u8],
    from: usize,
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
    removed: usize,
) -> Option<usize> {
    match removed {
        0 => bytewise_from::<false>(input, from, delimiter, cuts, quotes, 0),
        _ => bytewise_from::<true>(input, from, delimiter, cuts, quotes, removed),
    }
}

#[cfg(target_arch = "x86_64")]
fn sse2(
    input: &[u8],
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
) -> Option<usize> {
    sse2_from::<false>(input, 0, delimiter, cuts, quotes, 0)
}

/// The rest of a line from its first quote on (out of line: the common line has none,
/// and its loop then keeps no count of quotes).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn sse2_quoted(
    input: &[u8],
    quote: usize,
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
) -> Option<usize> {
    sse2_from::<true>(input, quote, delimiter, cuts, quotes, 0)
}

/// The scan from `from` on, sixteen bytes at a time (`removed` quotes already found).
/// Without `QUOTES`, the first quote hands the line over to [`sse2_quoted`].
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[inline(always)]
fn sse2_from<const QUOTES: bool>(
    input: &[u8],
    from: usize,
    delimiter: u8,
    cuts: &mut Vec<usize>,
    quotes: &mut Vec<usize>,
    mut removed: usize,
) -> Option<usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY (every intrinsic below): SSE2 is part of the x86_64 baseline, so these
    // instructions exist on every CPU this code compiles for.
    let splat = |b: u8| unsafe { _mm_set1_epi8(b as i8) };
    let (delim, nl, quote, cr) = (splat(delimiter), splat(b'\n'), splat(b'"'), splat(b'\r'));
    let mut base = from;
    'chunks: while base + 16 <= input.len() {
        // SAFETY: input[base..base + 16] is in bounds (the loop condition); the load
        // takes any alignment.
        let mut mask = unsafe {
            let v = _mm_loadu_si128(input.as_ptr().add(base).cast::<__m128i>());
            let any = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, delim), _mm_cmpeq_epi8(v, nl)),
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr)),
            );
            _mm_movemask_epi8(any) as u32
        };
        while mask != 0 {
            let i = base + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            match hit(input, i, delimiter) {
                // `removed` is 0 without `QUOTES`.
                Hit::Cut => cuts.push(i - removed),
                Hit::End => return Some(i),
                Hit::NotPlain => return None,
                Hit::Quote if !QUOTES => return sse2_quoted(input, i, delimiter, cuts, quotes),
                Hit::Quote => {
                    // The whole quoted field at once; the scan goes on after it.
                    let close = closing_quote(input, i, delimiter, |rest| {
                        memchr::memchr3(b'"', b'\n', b'\r', rest)
                    })?;
                    quotes.extend([i, close]);
                    removed += 2;
                    base = close + 1;
                    continue 'chunks;
                }
                Hit::Continue => {}
            }
        }
        base += 16;
    }
    bytewise(input, base, delimiter, cuts, quotes, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Scanned = (Option<usize>, Vec<usize>, Vec<usize>);

    fn scan(input: &[u8], d: u8) -> Scanned {
        let (mut cuts, mut quotes) = (Vec::new(), Vec::new());
        let nl = plain_line(input, d, &mut cuts, &mut quotes);
        match nl {
            Some(_) => (nl, cuts, quotes),
            None => (None, Vec::new(), Vec::new()),
        }
    }

    /// The bytewise twin on its own (the SSE2 scan runs it only on a line's tail).
    fn scan_bytewise(input: &[u8], d: u8) -> Scanned {
        let (mut cuts, mut quotes) = (Vec::new(), Vec::new());
        let nl = bytewise(input, 0, d, &mut cuts, &mut quotes, 0);
        match nl {
            Some(_) => (nl, cuts, quotes),
            None => (None, Vec::new(), Vec::new()),
        }
    }

    /// The definition, spelled out: the first `\n`; before it (and an optional `\r`),
    /// fields split at delimiters, each either with no `"` and no `\r`, or a `"`, bytes
    /// with no `"` and no `\r`, and a `"` just before the field's end (a delimiter
    /// inside the quotes belongs to the field).
    fn reference(input: &[u8], d: u8) -> Scanned {
        let Some(nl) = input.iter().position(|&b| b == b'\n') else {
            return (None, Vec::new(), Vec::new());
        };
        let line = &input[..nl];
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let (mut cuts, mut quotes) = (Vec::new(), Vec::new());
        let mut start = 0;
        loop {
            let end = if body.get(start) == Some(&b'"') {
                let Some(close) = body[start + 1..].iter().position(|&b| b == b'"') else {
                    return (None, Vec::new(), Vec::new());
                };
                let close = start + 1 + close;
                if body[start + 1..close].contains(&b'\r')
                    || !(close + 1 == body.len() || body[close + 1] == d)
                {
                    return (None, Vec::new(), Vec::new());
                }
                quotes.extend([start, close]);
                close + 1
            } else {
                let end = body[start..]
                    .iter()
                    .position(|&b| b == d)
                    .map_or(body.len(), |e| start + e);
                if body[start..end].iter().any(|&b| b == b'"' || b == b'\r') {
                    return (None, Vec::new(), Vec::new());
                }
                end
            };
            if end == body.len() {
                break;
            }
            cuts.push(end - quotes.len());
            start = end + 1;
        }
        (Some(nl), cuts, quotes)
    }

    #[test]
    fn finds_cuts_and_the_end() {
        assert_eq!(scan(b"a,b,,c\nx", b','), (Some(6), vec![1, 3, 4], vec![]));
        assert_eq!(scan(b"a,b\r\nx", b','), (Some(4), vec![1], vec![]));
        assert_eq!(scan(b"a\rb\n", b','), (None, vec![], vec![]));
        assert_eq!(scan(b"a,b", b','), (None, vec![], vec![]));
        assert_eq!(scan(b"a,b\r", b','), (None, vec![], vec![]));
        // Hits on both sides of a 16-byte boundary, and a quote after the line end.
        let long = b"0123456789abcde,ghijklmnopqrstu,\r\n\"";
        assert_eq!(scan(long, b','), (Some(33), vec![15, 31], vec![]));
        assert_eq!(scan(b"a;b,c\n", b';'), (Some(5), vec![1], vec![]));
    }

    #[test]
    fn takes_simple_quoted_fields() {
        // Cuts count the line without its quotes: `a,b,c,d` for the first.
        assert_eq!(
            scan(b"a,\"b,c\",d\n", b','),
            (Some(9), vec![1, 5], vec![2, 6])
        );
        assert_eq!(
            scan(b"\"\",\"\"\r\n", b','),
            (Some(6), vec![0], vec![0, 1, 3, 4])
        );
        assert_eq!(scan(b"\"a\"\n", b','), (Some(3), vec![], vec![0, 2]));
        // A quoted field across a 16-byte boundary, with delimiters in it.
        let long = b"0123456789abcd,\"$m=1,t=2,p=1$xyzxyzxyz\",z\n";
        assert_eq!(scan(long, b','), (Some(41), vec![14, 37], vec![15, 38]));
        // Near misses.
        for bad in [
            &b"a,\"b\"c\n"[..],
            b"\"a\"\"b\"\n",
            b"\"a\n",
            b"x\"y\"\n",
            b"\"a\nb\",c\n",
            b"\"a\rb\",c\n",
            b"\"a\"\rb\n",
            b"\"a\" ,b\n",
            b" \"a\",b\n",
            b"a,\"b\"",
            b"a,\"b\"\r",
        ] {
            assert_eq!(scan(bad, b','), (None, vec![], vec![]), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn scan_equals_the_definition(
            input in proptest::collection::vec(
                prop_oneof![
                    4 => Just(b'a'), 2 => Just(b','), 1 => Just(b'\n'), 1 => Just(b'\r'),
                    1 => Just(b'"'), 1 => Just(b'\t'), 1 => any::<u8>(),
                ],
                0..80,
            ),
            tab in any::<bool>(),
        ) {
            let d = if tab { b'\t' } else { b',' };
            let want = reference(&input, d);
            prop_assert_eq!(&scan(&input, d), &want);
            prop_assert_eq!(scan_bytewise(&input, d), want);
        }

        /// Lines made of fields, quoted or not, with near misses mixed in: most are
        /// plain, unlike random bytes.
        #[test]
        fn scan_of_fields_equals_the_definition(
            fields in proptest::collection::vec(
                (
                    0u8..6,
                    proptest::collection::vec(
                        proptest::sample::select(b"ab,\t$=\"\r\n".to_vec()),
                        0..24,
                    ),
                ),
                1..6,
            ),
            tab in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let d = if tab { b'\t' } else { b',' };
            let mut input = Vec::new();
            for (i, (kind, text)) in fields.iter().enumerate() {
                if i > 0 {
                    input.push(d);
                }
                // Kinds 1 and 3 may hold any byte (near misses); 5 has text after its
                // closing quote.
                let text = text.iter().copied().map(|b| match b {
                    b'"' | b'\r' | b'\n' if !matches!(kind, 1 | 3) => b'a',
                    _ => b,
                });
                match kind {
                    0 | 1 => input.extend(text.filter(|&b| b != d)),
                    _ => {
                        input.push(b'"');
                        input.extend(text);
                        input.push(b'"');
                    }
                }
                if *kind == 5 {
                    input.push(b'x');
                }
            }
            input.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            input.extend_from_slice(b"\"x\n");
            let want = reference(&input, d);
            prop_assert_eq!(&scan(&input, d), &want);
            prop_assert_eq!(scan_bytewise(&input, d), want);
        }
    }
}
