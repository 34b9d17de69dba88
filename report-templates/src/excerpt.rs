//! Where a citation's quote is in its source text, and the lines around it.

use serde::Serialize;

/// Lines of context shown before and after the cited lines.
pub(crate) const CONTEXT_LINES: usize = 2;
/// Cited lines shown at most (a quote spanning more is shown up to this).
const MAX_CITED_LINES: usize = 12;
/// Characters shown of one line; longer lines end in `…`.
const MAX_LINE_CHARS: usize = 400;

/// One line of an excerpt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Line {
    /// 1-based line number in the source text.
    pub number: usize,
    /// The line, cut to [`MAX_LINE_CHARS`].
    pub text: String,
    /// True for the lines the quote is on.
    pub cited: bool,
}

/// Byte range of `quote` in `text`: an exact match, else a match with every
/// run of whitespace counted as one space (quotes are often re-indented or
/// joined onto one line). `None` when the quote is not there.
pub(crate) fn find(text: &str, quote: &str) -> Option<(usize, usize)> {
    let quote = quote.trim();
    if quote.is_empty() {
        return None;
    }
    if let Some(at) = text.find(quote) {
        return Some((at, at + quote.len()));
    }
    let (norm_text, offsets) = normalize(text);
    let (norm_quote, _) = normalize(quote);
    let norm_quote = norm_quote.trim();
    if norm_quote.is_empty() {
        return None;
    }
    let at = norm_text.find(norm_quote)?;
    let end = at + norm_quote.len();
    // `offsets[i]` is where normalized byte i came from; the end is the
    // original end of the last matched character.
    let last = offsets[end - 1];
    let last_len = text[last..].chars().next().map_or(1, char::len_utf8);
    Some((offsets[at], last + last_len))
}

/// `text` with every run of whitespace replaced by one space, and for each
/// byte of the result the byte offset in `text` it came from.
fn normalize(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len());
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
                offsets.push(i);
            }
            in_space = true;
        } else {
            in_space = false;
            out.push(c);
            offsets.extend(std::iter::repeat_n(i, c.len_utf8()));
        }
    }
    (out, offsets)
}

/// The lines of `text` around the byte range `start..end`, the cited ones marked.
pub(crate) fn excerpt(text: &str, start: usize, end: usize) -> Vec<Line> {
    let first = text[..start].matches('\n').count();
    let last = first
        + text[start..end.max(start)]
            .trim_end_matches('\n')
            .matches('\n')
            .count();
    let last_shown_cited = last.min(first + MAX_CITED_LINES - 1);
    let from = first.saturating_sub(CONTEXT_LINES);
    let to = last_shown_cited + CONTEXT_LINES;
    text.split('\n')
        .enumerate()
        .skip(from)
        .take(to + 1 - from)
        .map(|(i, line)| Line {
            number: i + 1,
            text: cut(line.trim_end_matches('\r'), MAX_LINE_CHARS),
            cited: (first..=last_shown_cited).contains(&i),
        })
        .collect()
}

/// `s` cut to `max` characters, ending in `…` when cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) => {
            let end = s
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "line one\nline two\n  thread 'main' panicked at src/lib.rs:3:5:\n  boom\nline five\nline six\nline seven\n";

    #[test]
    fn exact_quote_marks_its_line_with_two_lines_of_context() {
        let (s, e) = find(TEXT, "thread 'main' panicked at src/lib.rs:3:5:").unwrap();
        let lines = excerpt(TEXT, s, e);
        let shown: Vec<(usize, bool)> = lines.iter().map(|l| (l.number, l.cited)).collect();
        assert_eq!(
            shown,
            [(1, false), (2, false), (3, true), (4, false), (5, false)]
        );
        assert_eq!(lines[2].text, "  thread 'main' panicked at src/lib.rs:3:5:");
    }

    #[test]
    fn quote_with_other_whitespace_spanning_lines_is_found() {
        let (s, e) = find(TEXT, "src/lib.rs:3:5: boom").unwrap();
        assert_eq!(&TEXT[s..e], "src/lib.rs:3:5:\n  boom");
        let cited: Vec<usize> = excerpt(TEXT, s, e)
            .iter()
            .filter(|l| l.cited)
            .map(|l| l.number)
            .collect();
        assert_eq!(cited, [3, 4]);
        assert_eq!(find(TEXT, "not there"), None);
        assert_eq!(find(TEXT, "   "), None);
    }

    #[test]
    fn first_and_last_lines_have_the_context_there_is() {
        let (s, e) = find(TEXT, "line one").unwrap();
        let numbers: Vec<usize> = excerpt(TEXT, s, e).iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        let text = "a\nb\nlast";
        let (s, e) = find(text, "last").unwrap();
        let numbers: Vec<usize> = excerpt(text, s, e).iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        assert_eq!(cut("ééééé", 3), "éé…");
        assert_eq!(cut("abc", 3), "abc");
        let text = format!("x\n{}\ny", "ü".repeat(1000));
        let (s, e) = find(&text, "üüü").unwrap();
        let lines = excerpt(&text, s, e);
        assert_eq!(lines[1].text.chars().count(), MAX_LINE_CHARS);
    }
}
