//! One pass over a CSV line that finds its delimiters and its end, or says it is not
//! plain (see `CsvReader::read_plain_line`).
//!
//! memchr finds one byte kind per call; a line needs four (delimiter, `\n`, `"` and
//! `\r`), and calling memchr per field paid its setup for every few bytes. This
//! compares sixteen bytes against all four at once (SSE2, part of every x86_64) and
//! walks the hits; other targets run the same logic a byte at a time. No crate does
//! this without also taking over the parsing (quotes, line numbers, errors) that
//! csv_core does for us.

/// Where a plain line ends: `Some(nl)` with the `\n` at `input[nl]` and every delimiter
/// before it pushed onto `cuts` (positions in `input`), or `None` when the line is not
/// plain (a quote, or a `\r` not directly before a `\n`) or has no `\n` in `input`.
/// `delimiter` must not be `"`, `\n` or `\r`; `cuts` may hold other positions on `None`.
pub fn plain_line(input: &[u8], delimiter: u8, cuts: &mut Vec<usize>) -> Option<usize> {
    debug_assert!(!matches!(delimiter, b'"' | b'\n' | b'\r'));
    #[cfg(target_arch = "x86_64")]
    {
        sse2(input, delimiter, cuts)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        bytewise(input, 0, delimiter, cuts)
    }
}

/// What one special byte at `i` means for the scan.
enum Hit {
    Cut,
    End,
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
        b'"' | b'\r' => Hit::NotPlain,
        _ => Hit::Continue,
    }
}

/// The scan from `from` on, a byte at a time.
fn bytewise(input: &[u8], from: usize, delimiter: u8, cuts: &mut Vec<usize>) -> Option<usize> {
    for i in from..input.len() {
        match hit(input, i, delimiter) {
            Hit::Cut => cuts.push(i),
            Hit::End => return Some(i),
            Hit::NotPlain => return None,
            Hit::Continue => {}
        }
    }
    None
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
fn sse2(input: &[u8], delimiter: u8, cuts: &mut Vec<usize>) -> Option<usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY (every intrinsic below): SSE2 is part of the x86_64 baseline, so these
    // instructions exist on every CPU this code compiles for.
    let splat = |b: u8| unsafe { _mm_set1_epi8(b as i8) };
    let (delim, nl, quote, cr) = (splat(delimiter), splat(b'\n'), splat(b'"'), splat(b'\r'));
    let mut base = 0;
    while base + 16 <= input.len() {
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
                Hit::Cut => cuts.push(i),
                Hit::End => return Some(i),
                Hit::NotPlain => return None,
                Hit::Continue => {}
            }
        }
        base += 16;
    }
    bytewise(input, base, delimiter, cuts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scan(input: &[u8], d: u8) -> (Option<usize>, Vec<usize>) {
        let mut cuts = Vec::new();
        let nl = plain_line(input, d, &mut cuts);
        (nl, if nl.is_some() { cuts } else { Vec::new() })
    }

    /// The definition, spelled out: the first `\n`, the delimiters before it, no `"`
    /// and no `\r` but one right before a `\n`.
    fn reference(input: &[u8], d: u8) -> (Option<usize>, Vec<usize>) {
        let Some(nl) = input.iter().position(|&b| b == b'\n') else {
            return (None, Vec::new());
        };
        let line = &input[..nl];
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        if body.contains(&b'"') || body.contains(&b'\r') {
            return (None, Vec::new());
        }
        let cuts = (0..nl).filter(|&i| input[i] == d).collect();
        (Some(nl), cuts)
    }

    #[test]
    fn finds_cuts_and_the_end() {
        assert_eq!(scan(b"a,b,,c\nx", b','), (Some(6), vec![1, 3, 4]));
        assert_eq!(scan(b"a,b\r\nx", b','), (Some(4), vec![1]));
        assert_eq!(scan(b"a\rb\n", b','), (None, vec![]));
        assert_eq!(scan(b"a,\"b\"\n", b','), (None, vec![]));
        assert_eq!(scan(b"a,b", b','), (None, vec![]));
        assert_eq!(scan(b"a,b\r", b','), (None, vec![]));
        // Hits on both sides of a 16-byte boundary, and a quote after the line end.
        let long = b"0123456789abcde,ghijklmnopqrstu,\r\n\"";
        assert_eq!(scan(long, b','), (Some(33), vec![15, 31]));
        assert_eq!(scan(b"a;b,c\n", b';'), (Some(5), vec![1]));
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
            prop_assert_eq!(scan(&input, d), reference(&input, d));
        }
    }
}
