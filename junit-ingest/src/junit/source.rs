//! The byte stream quick-xml reads: any input encoding turned into UTF-8 on
//! the fly, with line and column bookkeeping for error messages.
//!
//! Everything here streams: memory is two read buffers (the current one and
//! the one before it, for positions in an event that spans a refill),
//! whatever the size of the file.

use std::io::{self, BufRead, Read};
use std::mem;

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE};
use failtale_core::model::Location;

/// Size of the read buffer. quick-xml copies each event out of it, so a
/// larger buffer only means fewer `read` calls.
const BUF_LEN: usize = 64 * 1024;

/// How many bytes of the start of the file are kept for the "looks like" message.
pub(crate) const HEAD_LEN: usize = 4 * 1024;

/// A [`BufRead`] over the input that yields UTF-8 and knows line numbers.
///
/// Byte offsets (as quick-xml reports them) refer to the UTF-8 stream this
/// type yields, after a byte-order mark is dropped and other encodings are
/// transcoded; line numbers are the same as in the original file.
pub(crate) struct Source<'a> {
    inner: &'a mut dyn Read,
    /// Set when the input is not UTF-8 and must be transcoded.
    decoder: Option<Decoder>,
    /// Raw input not yet transcoded (only used with a decoder).
    raw: Vec<u8>,
    raw_pos: usize,
    raw_eof: bool,
    /// The decoder has flushed its last output.
    decoded_all: bool,
    /// UTF-8 bytes handed to the parser.
    buf: Vec<u8>,
    /// The buffer before `buf`, kept for positions in it.
    prev: Vec<u8>,
    /// Bytes of `prev` that were handed out.
    prev_len: usize,
    pos: usize,
    len: usize,
    eof: bool,
    /// The first bytes of the input, as read.
    head: Vec<u8>,
    /// Name of the detected encoding, for diagnostics.
    encoding: &'static str,
    lines: Lines,
}

impl<'a> Source<'a> {
    /// Reads the first bytes of `inner` to detect its encoding.
    pub(crate) fn new(inner: &'a mut dyn Read) -> io::Result<Self> {
        let mut head = vec![0u8; HEAD_LEN];
        let mut filled = 0;
        while filled < head.len() {
            match inner.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        head.truncate(filled);
        let (encoding, skip) = detect_encoding(&head);
        let mut source = Source {
            inner,
            decoder: None,
            raw: Vec::new(),
            raw_pos: 0,
            raw_eof: false,
            decoded_all: false,
            buf: Vec::new(),
            prev: Vec::new(),
            prev_len: 0,
            pos: 0,
            len: 0,
            eof: false,
            head: Vec::new(),
            encoding: encoding.map_or("UTF-8", Encoding::name),
            lines: Lines::default(),
        };
        match encoding {
            Some(enc) => {
                source.decoder = Some(enc.new_decoder_without_bom_handling());
                source.raw = Vec::with_capacity(BUF_LEN);
                source.raw.extend_from_slice(&head[skip..]);
                source.buf = vec![0; BUF_LEN];
            }
            None => {
                source.buf = Vec::with_capacity(BUF_LEN.max(head.len()));
                source.buf.extend_from_slice(&head[skip..]);
                source.len = source.buf.len();
                source.buf.resize(BUF_LEN.max(source.len), 0);
            }
        }
        source.head = head;
        Ok(source)
    }

    /// The first bytes of the input, untouched.
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// The encoding the input was read as.
    pub(crate) fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// Line and column of a byte offset of the UTF-8 stream, exact for any
    /// offset in the current or the previous read buffer (every position an
    /// error or warning names in practice: the event being read, unless it
    /// is longer than a buffer). An older offset gets the line where the
    /// previous buffer starts.
    pub(crate) fn location(&self, offset: u64, element_path: String) -> Location {
        let (line, column) = self.line_col(offset);
        Location::new(line, column, element_path)
    }

    fn line_col(&self, offset: u64) -> (u64, u64) {
        let l = &self.lines;
        let (bytes, start, lines, last) = if offset >= l.buf_start {
            (
                &self.buf[..self.len],
                l.buf_start,
                l.before_buf,
                l.last_before_buf,
            )
        } else {
            let bytes = &self.prev[..self.prev_len];
            let offset = offset.max(l.prev_start);
            return line_in(
                bytes,
                l.prev_start,
                l.before_prev,
                l.last_before_prev,
                offset,
            );
        };
        line_in(bytes, start, lines, last, offset)
    }

    /// The current buffer is done with: its newlines are counted (one
    /// vectorised pass) and it becomes the previous one.
    fn retire_buffer(&mut self) {
        let bytes = &self.buf[..self.len];
        let l = &mut self.lines;
        l.prev_start = l.buf_start;
        l.before_prev = l.before_buf;
        l.last_before_prev = l.last_before_buf;
        l.before_buf += memchr::memchr_iter(b'\n', bytes).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', bytes) {
            l.last_before_buf = Some(l.buf_start + i as u64);
        }
        l.buf_start += self.len as u64;
        self.prev_len = self.len;
        mem::swap(&mut self.buf, &mut self.prev);
        if self.buf.len() < BUF_LEN {
            self.buf.resize(BUF_LEN, 0);
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.retire_buffer();
        self.pos = 0;
        self.len = 0;
        let Some(decoder) = self.decoder.as_mut() else {
            loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => {
                        self.len = n;
                        self.eof = n == 0;
                        return Ok(());
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        };
        loop {
            if self.raw_pos == self.raw.len() && !self.raw_eof {
                self.raw.clear();
                self.raw_pos = 0;
                self.raw.resize(BUF_LEN, 0);
                let n = loop {
                    match self.inner.read(&mut self.raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            self.raw.clear();
                            return Err(e);
                        }
                    }
                };
                self.raw.truncate(n);
                self.raw_eof = n == 0;
            }
            if self.decoded_all {
                self.eof = true;
                return Ok(());
            }
            let last = self.raw_eof;
            let (result, read, written, _) =
                decoder.decode_to_utf8(&self.raw[self.raw_pos..], &mut self.buf, last);
            self.raw_pos += read;
            self.len = written;
            // encoding_rs forbids another call once the last input was consumed.
            self.decoded_all = last && result == encoding_rs::CoderResult::InputEmpty;
            if written > 0 {
                return Ok(());
            }
        }
    }
}

impl Read for Source<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Source<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len && !self.eof {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt.min(self.len - self.pos);
    }
}

/// Picks the encoding from a byte-order mark, the shape of UTF-16 text, or
/// the XML declaration. Returns `None` for UTF-8 (no transcoding), and how
/// many bytes of byte-order mark to skip.
fn detect_encoding(head: &[u8]) -> (Option<&'static Encoding>, usize) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (None, 3),
        [0xFF, 0xFE, ..] => (Some(UTF_16LE), 2),
        [0xFE, 0xFF, ..] => (Some(UTF_16BE), 2),
        [b'<', 0, ..] | [b' ' | b'\t' | b'\r' | b'\n', 0, ..] => (Some(UTF_16LE), 0),
        [0, b'<', ..] | [0, b' ' | b'\t' | b'\r' | b'\n', ..] => (Some(UTF_16BE), 0),
        _ => (
            declared_encoding(head).filter(|e| *e != encoding_rs::UTF_8),
            0,
        ),
    }
}

/// The ASCII-compatible encoding named by an XML declaration at the start, if
/// encoding_rs knows it. A declaration naming UTF-16 in an 8-bit file is a lie
/// the bytes already exposed, so it is ignored.
fn declared_encoding(head: &[u8]) -> Option<&'static Encoding> {
    let rest = head.strip_prefix(b"<?xml")?;
    let end = memchr::memmem::find(rest, b"?>")?;
    let decl = &rest[..end];
    let at = memchr::memmem::find(decl, b"encoding")?;
    let after = &decl[at + b"encoding".len()..];
    let after = trim_ascii_start(after).strip_prefix(b"=")?;
    let after = trim_ascii_start(after);
    let quote = *after.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = &after[1..];
    let close = memchr::memchr(quote, value)?;
    let encoding = Encoding::for_label(&value[..close])?;
    encoding.is_ascii_compatible().then_some(encoding)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Newlines counted in the buffers already read.
#[derive(Debug, Default)]
struct Lines {
    /// Stream offset of the current buffer's first byte.
    buf_start: u64,
    /// Newlines before the current buffer.
    before_buf: u64,
    /// Offset of the last newline before the current buffer.
    last_before_buf: Option<u64>,
    /// The same for the previous buffer.
    prev_start: u64,
    before_prev: u64,
    last_before_prev: Option<u64>,
}

/// 1-based line and column (in bytes) of `offset` in `bytes`, which start at
/// stream offset `start` after `lines` newlines, the last at `last`.
fn line_in(bytes: &[u8], start: u64, lines: u64, last: Option<u64>, offset: u64) -> (u64, u64) {
    let upto =
        &bytes[..usize::try_from(offset - start).map_or(bytes.len(), |n| n.min(bytes.len()))];
    let line = lines + memchr::memchr_iter(b'\n', upto).count() as u64 + 1;
    let last = memchr::memrchr(b'\n', upto)
        .map(|i| start + i as u64)
        .or(last);
    let column = match last {
        Some(n) => offset - n,
        None => offset + 1,
    };
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line and column by brute force over the whole text.
    fn expected(text: &[u8], offset: usize) -> (u64, u64) {
        let before = &text[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let column = match before.iter().rposition(|&b| b == b'\n') {
            Some(n) => (offset - n) as u64,
            None => offset as u64 + 1,
        };
        (line, column)
    }

    #[test]
    fn positions_in_the_current_and_previous_buffer_are_exact() {
        // Lines of varied length, three buffers and more.
        let mut text = String::new();
        let mut i = 0usize;
        while text.len() < BUF_LEN * 3 + 1000 {
            text.push_str(&"x".repeat(i % 97));
            text.push('\n');
            i += 1;
        }
        let bytes = text.as_bytes();
        let mut input = bytes;
        let mut source = Source::new(&mut input).unwrap();
        let mut consumed = 0usize;
        let mut step = 1usize;
        loop {
            let n = source.fill_buf().unwrap().len().min(step);
            if n == 0 {
                break;
            }
            source.consume(n);
            consumed += n;
            step = step * 7 % 5003 + 1;
            let oldest = source.lines.prev_start as usize;
            for offset in [
                oldest,
                (oldest + consumed) / 2,
                consumed.saturating_sub(1),
                consumed,
            ] {
                let at = source.location(offset as u64, String::new());
                assert_eq!(
                    (at.line, at.column),
                    expected(bytes, offset),
                    "offset {offset}"
                );
            }
        }
        assert_eq!(consumed, bytes.len());
        // An offset older than the previous buffer gets the line where that
        // buffer starts: never earlier than its own.
        let at = source.location(10, String::new());
        assert!(at.line >= expected(bytes, 10).0);
    }

    #[test]
    fn utf16_is_transcoded_in_small_reads() {
        let text = "<?xml version='1.0' encoding='UTF-16 LE'?>\n<testsuite name='ключ'/>";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut input = bytes.as_slice();
        let mut source = Source::new(&mut input).unwrap();
        let mut out = String::new();
        source.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn declared_latin1_is_transcoded() {
        let mut input: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>";
        let mut source = Source::new(&mut input).unwrap();
        let mut out = String::new();
        source.read_to_string(&mut out).unwrap();
        assert!(out.ends_with("<a>café</a>"));
    }
}
