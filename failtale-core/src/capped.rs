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
    pub fn push_str(&mut self, mut s: &str) {
        if self.tail.is_empty() && self.dropped == 0 && self.head.len() < self.head_cap {
            let room = self.head_cap - self.head.len();
            let cut = floor_char_boundary(s, room.min(s.len()));
            self.head.push_str(&s[..cut]);
            s = &s[cut..];
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
            // The buffers grew in steps; what is kept should cost only its length.
            text.shrink_to_fit();
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
