//! Incremental decoding of `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1) from a read
//! buffer, for the upstream client: data comes out as slices of the buffer (no copy), trailers as
//! a header map. Like Go's reader, a line may end in a bare LF.

use bytes::{Buf, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue};

/// Longest chunk-size line (size and extensions) accepted.
const MAX_SIZE_LINE: usize = 4096;
/// Largest trailer section accepted.
const MAX_TRAILERS: usize = 64 * 1024;
/// Most trailer fields accepted.
const MAX_TRAILER_FIELDS: usize = 100;

/// What the decoder found in the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Body bytes.
    Data(Bytes),
    /// The trailer fields; the body has ended.
    Trailers(HeaderMap),
    /// The body has ended (no trailers, or after them).
    End,
    /// The buffer holds no complete item: read more into it and call again.
    NeedMore,
}

/// A malformed chunked body.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChunkedError {
    /// The size is not hex digits (at most 16), or is followed by other than `;extensions`.
    #[error("invalid chunk size line")]
    Size,
    /// No line end within the limit.
    #[error("chunk size line too long")]
    SizeLineTooLong,
    /// The chunk's data ran past its size.
    #[error("chunk data not followed by CRLF")]
    DataEnd,
    /// The trailer fields do not parse, or are too many or too long.
    #[error("invalid trailer section")]
    Trailers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    End,
}

/// Decoder state between reads.
#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self { state: State::Size }
    }
}

impl ChunkedDecoder {
    /// Whether the body has ended.
    pub fn is_end(&self) -> bool {
        self.state == State::End
    }

    /// Takes the next item from the front of `buf`.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Step, ChunkedError> {
        loop {
            match self.state {
                State::Size => {
                    let Some(lf) = buf.iter().take(MAX_SIZE_LINE + 1).position(|&b| b == b'\n') else {
                        return if buf.len() > MAX_SIZE_LINE {
                            Err(ChunkedError::SizeLineTooLong)
                        } else {
                            Ok(Step::NeedMore)
                        };
                    };
                    let size = parse_size(&buf[..lf])?;
                    buf.advance(lf + 1);
                    self.state = if size == 0 { State::Trailers } else { State::Data(size) };
                }
                State::Data(remaining) => {
                    if buf.is_empty() {
                        return Ok(Step::NeedMore);
                    }
                    let n = usize::try_from(remaining).unwrap_or(usize::MAX).min(buf.len());
                    let left = remaining - n as u64;
                    self.state = if left == 0 { State::DataEnd } else { State::Data(left) };
                    return Ok(Step::Data(buf.split_to(n).freeze()));
                }
                State::DataEnd => match buf.first() {
                    None => return Ok(Step::NeedMore),
                    Some(b'\n') => {
                        buf.advance(1);
                        self.state = State::Size;
                    }
                    Some(b'\r') => match buf.get(1) {
                        None => return Ok(Step::NeedMore),
                        Some(b'\n') => {
                            buf.advance(2);
                            self.state = State::Size;
                        }
                        Some(_) => return Err(ChunkedError::DataEnd),
                    },
                    Some(_) => return Err(ChunkedError::DataEnd),
                },
                State::Trailers => {
                    let mut fields = [httparse::EMPTY_HEADER; MAX_TRAILER_FIELDS];
                    let (used, fields) = match httparse::parse_headers(buf, &mut fields) {
                        Ok(httparse::Status::Complete(done)) => done,
                        Ok(httparse::Status::Partial) if buf.len() <= MAX_TRAILERS => return Ok(Step::NeedMore),
                        _ => return Err(ChunkedError::Trailers),
                    };
                    let mut trailers = HeaderMap::with_capacity(fields.len());
                    for field in fields.iter() {
                        let name = HeaderName::from_bytes(field.name.as_bytes()).map_err(|_| ChunkedError::Trailers)?;
                        let value = HeaderValue::from_bytes(field.value).map_err(|_| ChunkedError::Trailers)?;
                        trailers.append(name, value);
                    }
                    buf.advance(used);
                    self.state = State::End;
                    return Ok(if trailers.is_empty() { Step::End } else { Step::Trailers(trailers) });
                }
                State::End => return Ok(Step::End),
            }
        }
    }
}

/// The size of a chunk-size line (without its LF): hex digits, then optional whitespace and
/// `;extensions`, which are ignored.
fn parse_size(line: &[u8]) -> Result<u64, ChunkedError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 16 {
        return Err(ChunkedError::Size);
    }
    let rest = &line[digits..];
    let rest = rest.trim_ascii_start();
    if !(rest.is_empty() || rest[0] == b';') || rest.contains(&b'\r') {
        return Err(ChunkedError::Size);
    }
    let text = std::str::from_utf8(&line[..digits]).map_err(|_| ChunkedError::Size)?;
    u64::from_str_radix(text, 16).map_err(|_| ChunkedError::Size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes `input` fed in pieces of `piece` bytes: the data, the trailers, whether it ended.
    fn decode_in_pieces(input: &[u8], piece: usize) -> Result<(Vec<u8>, Option<HeaderMap>, bool), ChunkedError> {
        let mut decoder = ChunkedDecoder::default();
        let mut buf = BytesMut::new();
        let mut data = Vec::new();
        let mut trailers = None;
        let mut fed = 0;
        loop {
            match decoder.decode(&mut buf)? {
                Step::Data(d) => data.extend_from_slice(&d),
                Step::Trailers(t) => trailers = Some(t),
                Step::End => return Ok((data, trailers, true)),
                Step::NeedMore if fed >= input.len() => return Ok((data, trailers, false)),
                Step::NeedMore => {
                    let end = (fed + piece.max(1)).min(input.len());
                    buf.extend_from_slice(&input[fed..end]);
                    fed = end;
                }
            }
        }
    }

    fn encode(chunks: &[Vec<u8>], trailers: &[(String, String)]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in chunks.iter().filter(|c| !c.is_empty()) {
            out.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n");
        for (name, value) in trailers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    #[test]
    fn decodes_chunks_trailers_and_bare_lf() {
        let (data, trailers, ended) = decode_in_pieces(b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n", 3).unwrap();
        assert_eq!((data.as_slice(), trailers, ended), (&b"firstsecond"[..], None, true));
        let (data, trailers, ended) = decode_in_pieces(b"3\nabc\n0\nX-Sum: 1\n\n", 1).unwrap();
        assert_eq!((data.as_slice(), ended), (&b"abc"[..], true));
        assert_eq!(trailers.unwrap()["x-sum"], "1");
        let (data, _, ended) = decode_in_pieces(b"A \t; name=\"v\"\r\n0123456789\r\n0\r\n\r\n", 100).unwrap();
        assert_eq!((data.as_slice(), ended), (&b"0123456789"[..], true));
    }

    #[test]
    fn an_unfinished_body_asks_for_more() {
        for input in [&b"5\r\nfir"[..], b"5\r\nfirst", b"5\r\nfirst\r", b"5\r\nfirst\r\n0\r\n", b"0\r\nX-A: 1\r\n"] {
            let (_, _, ended) = decode_in_pieces(input, 1).unwrap();
            assert!(!ended, "{input:?}");
        }
    }

    #[test]
    fn malformed_bodies_are_errors() {
        let cases: &[(&[u8], ChunkedError)] = &[
            (b"\r\n", ChunkedError::Size),
            (b"x\r\n", ChunkedError::Size),
            (b"5 x\r\nfirst\r\n", ChunkedError::Size),
            (b"-5\r\n", ChunkedError::Size),
            (b"11111111111111111\r\n", ChunkedError::Size),
            (b"5\r\nfirstX\r\n", ChunkedError::DataEnd),
            (b"5\r\nfirst\rX", ChunkedError::DataEnd),
            (b"0\r\nbad header\r\n\r\n", ChunkedError::Trailers),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_in_pieces(input, 2).unwrap_err(), *expected, "{input:?}");
        }
        assert_eq!(decode_in_pieces(&[b'1'; MAX_SIZE_LINE + 2], 8192).unwrap_err(), ChunkedError::SizeLineTooLong);
        let mut long = b"1".to_vec();
        long.extend(std::iter::repeat_n(b' ', MAX_SIZE_LINE + 1));
        long.push(b'\n');
        assert_eq!(decode_in_pieces(&long, 8192).unwrap_err(), ChunkedError::SizeLineTooLong);
    }

    proptest! {
        #[test]
        fn whatever_the_pieces_the_body_comes_out_whole(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..6),
            trailer_values in proptest::collection::vec("[a-z0-9]{0,12}", 0..3),
            piece in 1usize..64,
        ) {
            let trailers: Vec<(String, String)> =
                trailer_values.iter().enumerate().map(|(i, v)| (format!("x-t{i}"), v.clone())).collect();
            let (data, got, ended) = decode_in_pieces(&encode(&chunks, &trailers), piece).unwrap();
            prop_assert!(ended);
            prop_assert_eq!(data, chunks.concat());
            let got: Vec<(String, String)> = got
                .iter()
                .flatten()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
                .collect();
            prop_assert_eq!(got, trailers);
        }

        #[test]
        fn arbitrary_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200), piece in 1usize..16) {
            let _ = decode_in_pieces(&input, piece);
        }
    }
}
