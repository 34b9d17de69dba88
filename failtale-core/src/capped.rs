//! Captured output with a memory cap.
//!
//! Test output can be enormous (Bazel puts a whole log into one
//! `system-out`). failtale keeps the head and the tail of such text — the
//! start says what ran, the end says how it died — and records how much was
//! dropped in between. [`CappedBuf`] does this while streaming, so memory is
//! bounded by the cap, not by the input.

use serde::{Deserialize, Serialize};

/// Default cap for one captured stream: 64 KiB.
pub const DEFAULT_CAP: usize = 64 * 1024;

/// Text kept from a possibly larger stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CappedText {
    /// The kept text. When bytes were dropped, a marker line separates head and tail.
    pub text: String,
    /// Bytes dropped from the middle (0 when the text is complete).
    pub omitted_bytes: u64,
}

impl CappedText {
    /// Wraps complete text.
    pub fn complete(text: impl Into<String>) -> Self {
        CappedText {
            text: text.into(),
            omitted_bytes: 0,
        }
    }

    /// True when nothing was dropped.
    pub fn is_complete(&self) -> bool {
        self.omitted_bytes == 0
    }
}

/// Accumulates text, keeping at most `cap` bytes: a quarter from the head, the rest from the tail.
#[derive(Clone, Debug)]
pub struct CappedBuf {
    head: String,
    tail: String,
    head_cap: usize,
    tail_cap: usize,
    dropped: u64,
}

impl Default for CappedBuf {
    fn default() -> Self {
        CappedBuf::new(DEFAULT_CAP)
    }
}

impl CappedBuf {
    /// A buffer keeping at most `cap` bytes (plus one marker line).
    pub fn new(cap: usize) -> Self {
        let head_cap = cap / 4;
        CappedBuf {
            head: String::new(),
            tail: String::new(),
            head_cap,
            tail_cap: cap - head_cap,
            dropped: 0,
        }
    }

    /// True when nothing has been pushed (or only empty strings).
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.tail.is_empty()
    }

    /// Total bytes pushed so far.
    pub fn total_len(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.dropped
    }

    /// Appends text.
    ///
    /// Until the cap is reached everything goes into one buffer, so complete
    /// text (nearly all of it) is copied once; only then is it split into the
    /// kept head and a rolling tail.
    pub fn push_str(&mut self, mut s: &str) {
        if self.tail.is_empty() && self.dropped == 0 {
            if self.head.len() + s.len() <= self.head_cap + self.tail_cap {
                self.head.push_str(s);
                return;
            }
            if self.head.len() > self.head_cap {
                // The cap is reached: what is past the head's share starts the tail.
                let cut = floor_char_boundary(&self.head, self.head_cap);
                self.tail.push_str(&self.head[cut..]);
                self.head.truncate(cut);
            } else {
                let room = self.head_cap - self.head.len();
                let cut = floor_char_boundary(s, room.min(s.len()));
                self.head.push_str(&s[..cut]);
                s = &s[cut..];
            }
        }
        if s.is_empty() {
            return;
        }
        if s.len() >= self.tail_cap {
            // The new text alone fills the tail: drop what the tail held and the front of `s`.
            let start = ceil_char_boundary(s, s.len() - self.tail_cap);
            self.dropped += (self.tail.len() + start) as u64;
            self.tail.clear();
            self.tail.push_str(&s[start..]);
            return;
        }
        self.tail.push_str(s);
        // Amortise: only shift the tail once it has grown to twice its cap.
        if self.tail.len() > self.tail_cap * 2 {
            self.trim_tail();
        }
    }

    fn trim_tail(&mut self) {
        if self.tail.len() > self.tail_cap {
            let start = ceil_char_boundary(&self.tail, self.tail.len() - self.tail_cap);
            self.dropped += start as u64;
            self.tail.drain(..start);
        }
    }

    /// Finishes the buffer. Returns `None` when nothing (or only whitespace) was pushed.
    pub fn finish(mut self) -> Option<CappedText> {
        self.trim_tail();
        if self.dropped == 0 {
            let mut text = self.head;
            text.push_str(&self.tail);
            if text.trim().is_empty() {
                return None;
            }
            // The buffer grew in steps; what is kept costs its length (a run's
            // failing output is most of what a large run holds: a quarter
            // of slack on it was 40 MB of a 1 GB file's 1 GiB budget).
            if text.capacity() > text.len() {
                text.shrink_to_fit();
            }
            return Some(CappedText::complete(text));
        }
        let mut text = self.head;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!(
            "[… {} bytes omitted by failtale …]\n",
            self.dropped
        ));
        text.push_str(&self.tail);
        Some(CappedText {
            text,
            omitted_bytes: self.dropped,
        })
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_text_is_kept_whole() {
        let mut b = CappedBuf::new(100);
        b.push_str("hello ");
        b.push_str("world");
        assert_eq!(b.finish().unwrap(), CappedText::complete("hello world"));
    }

    #[test]
    fn large_text_keeps_head_and_tail_and_counts_the_rest() {
        let mut b = CappedBuf::new(40);
        for i in 0..1000 {
            b.push_str(&format!("line {i}\n"));
        }
        let total = b.total_len();
        let t = b.finish().unwrap();
        assert!(t.text.starts_with("line 0\n"));
        assert!(t.text.ends_with("line 999\n"));
        assert!(t.text.contains("bytes omitted"));
        let kept = t
            .text
            .lines()
            .filter(|l| l.starts_with("line"))
            .map(|l| l.len() + 1)
            .sum::<usize>();
        assert!(kept <= 40 + 16, "kept {kept}");
        assert!(t.omitted_bytes > 0 && t.omitted_bytes < total);
    }

    /// The head is the first quarter of the cap and the tail the last bytes,
    /// however the text arrives in pieces.
    #[test]
    fn the_kept_text_does_not_depend_on_how_it_was_pushed() {
        let text: String = (0..500).map(|i| format!("ключ {i} →\n")).collect();
        let whole = {
            let mut b = CappedBuf::new(256);
            b.push_str(&text);
            b.finish().unwrap()
        };
        for piece in [1, 3, 7, 64, 255, 256, 257, 1000] {
            let mut b = CappedBuf::new(256);
            let mut rest = text.as_str();
            while !rest.is_empty() {
                let cut = ceil_char_boundary(rest, piece.min(rest.len()));
                b.push_str(&rest[..cut]);
                rest = &rest[cut..];
            }
            assert_eq!(b.finish().unwrap(), whole, "pieces of {piece} bytes");
        }
        assert!(whole.text.starts_with("ключ 0 →\n"));
        assert!(whole.text.ends_with("ключ 499 →\n"));
        // Head and tail around the marker are a prefix and a suffix of the text,
        // and the omitted count is exactly what lies between them.
        let marker = whole.text.find("[… ").unwrap();
        let head = whole.text[..marker].strip_suffix('\n').unwrap();
        let after = &whole.text[marker..];
        let tail = &after[after.find('\n').unwrap() + 1..];
        assert!(text.starts_with(head) && text.ends_with(tail));
        let between = text.len() - text[..head.len()].len() - tail.len();
        assert!(
            whole.omitted_bytes == between as u64 || whole.omitted_bytes == between as u64 - 1,
            "{} vs {between}",
            whole.omitted_bytes
        );
    }

    #[test]
    fn text_up_to_the_cap_is_kept_whole() {
        let mut b = CappedBuf::new(64);
        for _ in 0..8 {
            b.push_str("12345678");
        }
        assert_eq!(
            b.finish().unwrap(),
            CappedText::complete("12345678".repeat(8))
        );
        let mut b = CappedBuf::new(64);
        for _ in 0..9 {
            b.push_str("12345678");
        }
        assert!(b.finish().unwrap().omitted_bytes > 0);
    }

    #[test]
    fn multibyte_text_is_cut_on_char_boundaries() {
        let mut b = CappedBuf::new(10);
        for _ in 0..100 {
            b.push_str("ключ→");
        }
        let t = b.finish().unwrap();
        assert!(t.omitted_bytes > 0);
        assert!(t.text.contains('→'));
    }

    #[test]
    fn whitespace_only_is_none() {
        let mut b = CappedBuf::new(10);
        b.push_str("\n  \n");
        assert!(b.finish().is_none());
    }
}
