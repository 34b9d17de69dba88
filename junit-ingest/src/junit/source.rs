//! The byte stream quick-xml reads: any input encoding turned into UTF-8 on
//! the fly, with line and column bookkeeping for error messages.
//!
//! Everything here streams: memory is one read buffer plus the newline
//! offsets of the event being parsed, whatever the size of the file.

use std::io::{self, BufRead, Read};

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
    pos: usize,
    len: usize,
    eof: bool,
    /// The first bytes of the input, as read.
    head: Vec<u8>,
    /// Name of the detected encoding, for diagnostics.
    encoding: &'static str,
    lines: LineTracker,
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
            pos: 0,
            len: 0,
            eof: false,
            head: Vec::new(),
            encoding: encoding.map_or("UTF-8", Encoding::name),
            lines: LineTracker::default(),
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

    /// Marks the start of the next event (quick-xml's `buffer_position()`):
    /// positions before it are folded into a count.
    pub(crate) fn mark(&mut self, offset: u64) {
        self.lines.mark(offset);
    }

    /// Line and column of a byte offset at or after the last mark (earlier
    /// offsets on the same line are exact too; others are approximate).
    pub(crate) fn location(&self, offset: u64, element_path: String) -> Location {
        let (line, column) = self.lines.line_col(offset);
        Location {
            line,
            column,
            element_path,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
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
        let amt = amt.min(self.len - self.pos);
        self.lines.advance(&self.buf[self.pos..self.pos + amt]);
        self.pos += amt;
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

/// Counts newlines in the bytes the parser consumed.
///
/// Only newlines since the last mark are kept, so memory is bounded by the
/// size of one event. A short chunk (a tag, a line of text) records where
/// each of its newlines is; a long one (bulk text or CDATA, read in chunks of
/// up to [`BUF_LEN`]) is counted with one vectorised pass and records only
/// its last newline. Positions in short chunks and anywhere after a long
/// chunk are exact; a position inside a long chunk gets the line where that
/// chunk started (such positions only come from errors inside bulk text,
/// which quick-xml does not raise).
#[derive(Debug, Default)]
pub(crate) struct LineTracker {
    /// Bytes consumed so far.
    consumed: u64,
    /// Newlines consumed so far.
    total: u64,
    /// The last checkpoint before `marked`: (offset of a newline, newlines up to and including it).
    before_mark: Option<(u64, u64)>,
    /// Checkpoints at or after `marked`, in order.
    newlines: Vec<(u64, u64)>,
}

/// Chunks at least this long are counted rather than located newline by newline.
const BULK_CHUNK: usize = 256;

impl LineTracker {
    pub(crate) fn advance(&mut self, bytes: &[u8]) {
        let base = self.consumed;
        self.consumed += bytes.len() as u64;
        if bytes.len() < 32 {
            // Blanks between tags: a plain loop beats a call into memchr.
            for (i, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'\n') {
                self.total += 1;
                self.newlines.push((base + i as u64, self.total));
            }
            return;
        }
        if bytes.len() < BULK_CHUNK {
            for i in memchr::memchr_iter(b'\n', bytes) {
                self.total += 1;
                self.newlines.push((base + i as u64, self.total));
            }
            return;
        }
        let count = memchr::memchr_iter(b'\n', bytes).count() as u64;
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            self.total += count;
            self.newlines.push((base + last as u64, self.total));
        }
    }

    pub(crate) fn mark(&mut self, offset: u64) {
        let before = self.newlines.partition_point(|&(n, _)| n < offset);
        if before > 0 {
            self.before_mark = Some(self.newlines[before - 1]);
            self.newlines.drain(..before);
        }
    }

    /// 1-based line and column (in bytes) of `offset`.
    pub(crate) fn line_col(&self, offset: u64) -> (u64, u64) {
        let within = self.newlines.partition_point(|&(n, _)| n < offset);
        let last = if within > 0 {
            Some(self.newlines[within - 1])
        } else {
            self.before_mark.filter(|&(n, _)| n < offset)
        };
        match last {
            Some((n, lines)) => (lines + 1, offset - n),
            None => (1, offset + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_survive_marks() {
        let mut t = LineTracker::default();
        t.advance(b"ab\ncd\n");
        assert_eq!(t.line_col(0), (1, 1));
        assert_eq!(t.line_col(4), (2, 2));
        t.mark(4);
        t.advance(b"efg\nh");
        assert_eq!(t.line_col(4), (2, 2));
        assert_eq!(t.line_col(6), (3, 1));
        assert_eq!(t.line_col(11), (4, 2));
        t.mark(11);
        assert_eq!(t.line_col(11), (4, 2));
        assert!(t.newlines.is_empty());
    }

    #[test]
    fn long_chunks_are_counted_and_positions_after_them_stay_exact() {
        let mut t = LineTracker::default();
        t.advance(b"<a>\n");
        t.mark(4);
        // Bulk text: 300 lines in one chunk.
        let bulk = "text line\n".repeat(300);
        t.advance(bulk.as_bytes());
        let end = 4 + bulk.len() as u64;
        assert_eq!(t.line_col(end), (302, 1));
        t.advance(b"</a");
        assert_eq!(t.line_col(end + 2), (302, 3));
        t.mark(end);
        assert_eq!(t.line_col(end + 1), (302, 2));
        // Inside the bulk chunk only the line where it started is known.
        let mut u = LineTracker::default();
        u.advance(bulk.as_bytes());
        assert_eq!(u.line_col(bulk.len() as u64).0, 301);
        assert!(u.line_col(15).0 <= 2);
        assert_eq!(u.newlines.len(), 1);
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
