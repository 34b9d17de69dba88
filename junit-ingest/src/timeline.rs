//! Structured markers in test output.
//!
//! A test (or the harness around it) can print markers that failtale turns
//! into [`TimelineEvent`]s, so a report can show what phase a test was in when
//! it failed and which errors it logged on the way:
//!
//! | marker | event |
//! |---|---|
//! | `::PHASE::name` | [`EventKind::Phase`], `name` |
//! | `::SUCCESS::msg` | [`EventKind::Success`] |
//! | `::ERROR::msg` | [`EventKind::Error`] |
//! | `::WARNING::msg` | [`EventKind::Warning`] |
//! | `::CONTEXT::key::value` (or `::CONTEXT::msg`) | [`EventKind::Context`], `name` = key |
//! | `::PROGRESS::stage::details` | [`EventKind::Progress`], `name` = stage |
//! | `::METRIC::name::value` | [`EventKind::Metric`], `value` parsed as `f64` (`None` when not a number) |
//! | `::error file=f,line=1,col=2,title=t::msg` | [`EventKind::Error`], `file`, `line`, `name` = title |
//! | `::warning …::msg`, `::notice …::msg` | [`EventKind::Warning`], [`EventKind::Notice`] |
//!
//! The lowercase forms are GitHub Actions workflow commands: their values are
//! percent-decoded the way GitHub encodes them (`%25`, `%0D`, `%0A`, and in
//! parameters also `%3A`, `%2C`).
//!
//! A marker starts a line, after optional indentation and an optional
//! timestamp token (`2024-01-01T00:00:00Z ` or `[2024-01-01 10:00:00] `), or
//! follows whitespace later in the line (`[worker 3] ::ERROR::db down`). A
//! `::` glued to a word, as in `std::io::Error` or `a::b::c`, is never a
//! marker, and neither are keywords failtale does not know (`::std::…`,
//! `::group::`).
//!
//! ```
//! use failtale_core::model::{EventKind, Stream};
//! use junit_ingest::timeline::parse_markers;
//!
//! let out = "starting\n::PHASE::migrate\nError: std::io::Error\n::METRIC::rows::12.5\n";
//! let events = parse_markers(out, Stream::Stdout);
//! assert_eq!(events.len(), 2);
//! assert_eq!((events[0].kind, events[0].name.as_str(), events[0].output_line), (EventKind::Phase, "migrate", 2));
//! assert_eq!(events[1].value, Some(12.5));
//! ```

use std::borrow::Cow;

use failtale_core::model::{EventKind, Stream, TimelineEvent};
use memchr::memmem;

/// Finds the markers in one stream's text, in order, one event per line at most.
///
/// `output_line` is the 1-based line within `text`.
pub fn parse_markers(text: &str, stream: Stream) -> Vec<TimelineEvent> {
    let mut events = Vec::new();
    // Most output has no `::` at all; one SIMD scan answers that for the whole text.
    let finder = memmem::Finder::new(b"::");
    if finder.find(text.as_bytes()).is_none() {
        return events;
    }
    for (index, line) in text.split('\n').enumerate() {
        if finder.find(line.as_bytes()).is_none() {
            continue;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(mut event) = parse_line(line, &finder) {
            event.stream = stream;
            event.output_line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            events.push(event);
        }
    }
    events
}

/// Parses one line, returning an event with `stream` and `output_line` still to fill.
fn parse_line(line: &str, finder: &memmem::Finder<'_>) -> Option<TimelineEvent> {
    let start = strip_prefix(line);
    let bytes = line.as_bytes();
    let mut from = start;
    while let Some(rel) = finder.find(&bytes[from..]) {
        let at = from + rel;
        // A marker opens the line or follows whitespace; `a::b` is a path, not a marker.
        let boundary = at == start || bytes[at - 1].is_ascii_whitespace();
        if let Some(event) = boundary.then(|| parse_marker(&line[at + 2..])).flatten() {
            return Some(event);
        }
        from = at + 2;
    }
    None
}

/// Index after leading whitespace and an optional timestamp token.
fn strip_prefix(line: &str) -> usize {
    let trimmed = line.trim_start();
    let mut start = line.len() - trimmed.len();
    if looks_like_timestamp(trimmed) {
        let token_end = timestamp_token_len(trimmed);
        let rest = &trimmed[token_end..];
        let after = rest.trim_start();
        start += token_end + (rest.len() - after.len());
    }
    start
}

/// `2024-01-01T…`, `2024-01-01 10:00:00…` or either in square brackets.
fn looks_like_timestamp(s: &str) -> bool {
    let s = s.strip_prefix('[').unwrap_or(s);
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

fn timestamp_token_len(s: &str) -> usize {
    if s.starts_with('[') {
        return s.find(']').map_or(s.len(), |i| i + 1);
    }
    let first = s.find(char::is_whitespace).unwrap_or(s.len());
    // `2024-01-01 10:00:00.123 ` is one timestamp written with a space.
    let rest = &s[first..];
    let next = rest.trim_start();
    let nb = next.as_bytes();
    if first == 10 && nb.len() >= 8 && nb[2] == b':' && nb[5] == b':' {
        let skipped = rest.len() - next.len();
        let second = next.find(char::is_whitespace).unwrap_or(next.len());
        return first + skipped + second;
    }
    first
}

/// Parses the text after the opening `::`.
fn parse_marker(rest: &str) -> Option<TimelineEvent> {
    let keyword_end = rest
        .find(|c: char| !(c.is_ascii_alphabetic()))
        .unwrap_or(rest.len());
    let keyword = &rest[..keyword_end];
    let after = &rest[keyword_end..];
    let upper = match keyword {
        "PHASE" => Some(EventKind::Phase),
        "SUCCESS" => Some(EventKind::Success),
        "ERROR" => Some(EventKind::Error),
        "WARNING" => Some(EventKind::Warning),
        "CONTEXT" => Some(EventKind::Context),
        "PROGRESS" => Some(EventKind::Progress),
        "METRIC" => Some(EventKind::Metric),
        _ => None,
    };
    if let Some(kind) = upper {
        let body = after.strip_prefix("::")?;
        return Some(upper_event(kind, body));
    }
    let kind = match keyword {
        "error" => EventKind::Error,
        "warning" => EventKind::Warning,
        "notice" => EventKind::Notice,
        _ => return None,
    };
    let (params, message) = if let Some(message) = after.strip_prefix("::") {
        ("", message)
    } else {
        let params = after.strip_prefix(' ')?;
        params.split_once("::")?
    };
    let mut event = blank(kind);
    event.message = decode(message, false).into_owned();
    for param in params.split(',') {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = decode(value.trim(), true);
        match key.trim() {
            "file" => event.file = Some(value.into_owned()),
            "line" => event.line = value.parse().ok(),
            "title" => event.name = value.into_owned(),
            _ => {}
        }
    }
    Some(event)
}

fn upper_event(kind: EventKind, body: &str) -> TimelineEvent {
    let mut event = blank(kind);
    let body = body.trim_end();
    match kind {
        EventKind::Phase | EventKind::Context | EventKind::Progress | EventKind::Metric => {
            match body.split_once("::") {
                Some((name, message)) => {
                    event.name = name.trim().to_owned();
                    event.message = message.trim().to_owned();
                }
                // `::CONTEXT::msg` has no key: the text is the message. The others name something.
                None if kind == EventKind::Context => event.message = body.trim().to_owned(),
                None => event.name = body.trim().to_owned(),
            }
            if kind == EventKind::Metric {
                event.value = event.message.parse::<f64>().ok().filter(|v| v.is_finite());
            }
        }
        _ => event.message = body.to_owned(),
    }
    event
}

fn blank(kind: EventKind) -> TimelineEvent {
    TimelineEvent::new(kind, String::new(), String::new(), Stream::Stdout, 0)
}

/// Undoes GitHub's escaping: `%25` `%0D` `%0A` everywhere, `%3A` `%2C` in parameters.
fn decode(s: &str, property: bool) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).map(str::to_ascii_uppercase);
        let decoded = match code.as_deref() {
            Some("25") => Some('%'),
            Some("0D") => Some('\r'),
            Some("0A") => Some('\n'),
            Some("3A") if property => Some(':'),
            Some("2C") if property => Some(','),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[i + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> TimelineEvent {
        let mut events = parse_markers(line, Stream::Stderr);
        assert_eq!(events.len(), 1, "{line:?} gave {events:?}");
        events.remove(0)
    }

    fn none(text: &str) {
        let events = parse_markers(text, Stream::Stdout);
        assert!(events.is_empty(), "{text:?} gave {events:?}");
    }

    #[test]
    fn phase() {
        let e = one("::PHASE::setup database");
        assert_eq!(e.kind, EventKind::Phase);
        assert_eq!(e.name, "setup database");
        assert_eq!(e.message, "");
        assert_eq!(e.stream, Stream::Stderr);
        assert_eq!(e.output_line, 1);
    }

    #[test]
    fn success_error_warning_keep_the_message() {
        for (line, kind) in [
            ("::SUCCESS::schema loaded", EventKind::Success),
            ("::ERROR::schema loaded", EventKind::Error),
            ("::WARNING::schema loaded", EventKind::Warning),
        ] {
            let e = one(line);
            assert_eq!((e.kind, e.message.as_str()), (kind, "schema loaded"));
            assert!(e.name.is_empty());
        }
        // The message may itself contain `::`.
        assert_eq!(
            one("::ERROR::std::io::Error: denied").message,
            "std::io::Error: denied"
        );
    }

    #[test]
    fn context_with_and_without_key() {
        let e = one("::CONTEXT::db_url::postgres://localhost");
        assert_eq!(
            (e.name.as_str(), e.message.as_str()),
            ("db_url", "postgres://localhost")
        );
        let e = one("::CONTEXT::running as root");
        assert_eq!(
            (e.name.as_str(), e.message.as_str()),
            ("", "running as root")
        );
    }

    #[test]
    fn progress() {
        let e = one("::PROGRESS::upload::3 of 7 files");
        assert_eq!(e.kind, EventKind::Progress);
        assert_eq!(
            (e.name.as_str(), e.message.as_str()),
            ("upload", "3 of 7 files")
        );
    }

    #[test]
    fn metric_numeric_and_not() {
        let e = one("::METRIC::latency_ms::12.5");
        assert_eq!((e.name.as_str(), e.value), ("latency_ms", Some(12.5)));
        let e = one("::METRIC::latency_ms::fast");
        assert_eq!((e.message.as_str(), e.value), ("fast", None));
        assert_eq!(one("::METRIC::nan::NaN").value, None);
    }

    #[test]
    fn github_commands_with_parameters_are_decoded() {
        let e = one(
            "::error file=src/a%2Cb.rs,line=12,col=5,title=Bad%3A value::first%0Asecond 100%25",
        );
        assert_eq!(e.kind, EventKind::Error);
        assert_eq!(e.file.as_deref(), Some("src/a,b.rs"));
        assert_eq!(e.line, Some(12));
        assert_eq!(e.name, "Bad: value");
        assert_eq!(e.message, "first\nsecond 100%");
        let e = one("::warning::disk almost full");
        assert_eq!(
            (e.kind, e.message.as_str()),
            (EventKind::Warning, "disk almost full")
        );
        let e = one("::notice title=FYI::cache cold");
        assert_eq!((e.kind, e.name.as_str()), (EventKind::Notice, "FYI"));
        // `%3A` only means `:` in parameters, as GitHub encodes it.
        assert_eq!(one("::notice::a%3Ab").message, "a%3Ab");
    }

    #[test]
    fn indentation_and_timestamps_are_allowed() {
        let text = "first\n   ::PHASE::a\n2024-01-01T00:00:00Z ::ERROR::b\n[2024-01-01 10:00:00.5] ::SUCCESS::c\n2024-01-01 10:00:00 ::WARNING::d\n";
        let events = parse_markers(text, Stream::Stdout);
        let got: Vec<_> = events.iter().map(|e| (e.kind, e.output_line)).collect();
        assert_eq!(
            got,
            [
                (EventKind::Phase, 2),
                (EventKind::Error, 3),
                (EventKind::Success, 4),
                (EventKind::Warning, 5)
            ]
        );
        assert_eq!(events[1].message, "b");
    }

    #[test]
    fn marker_after_whitespace_later_in_the_line() {
        let e = one("[worker 3] ::ERROR::db down");
        assert_eq!(e.message, "db down");
    }

    #[test]
    fn crlf_line_ends() {
        let events = parse_markers("x\r\n::PHASE::a\r\n", Stream::Stdout);
        assert_eq!((events[0].name.as_str(), events[0].output_line), ("a", 2));
    }

    #[test]
    fn rust_paths_and_near_misses_are_not_markers() {
        none("Error: std::io::Error { kind: NotFound }");
        none("a::b::c");
        none("thread 'tests::it_works' panicked at src/lib.rs:3:5");
        none("use ::std::error::Error;");
        none("<Foo as Bar>::ERROR::x");
        none("::phase::lowercase is not a failtale marker");
        none("::PHASE no separator");
        none("::group::GitHub group commands are not events");
        none("::errors::plural is another word");
        none("::error file=x.rs has no closing separator");
        none("x::ERROR::glued to a word");
        none("");
        none("::");
    }

    #[test]
    fn one_event_per_line() {
        let events = parse_markers("::ERROR::a ::WARNING::b", Stream::Stdout);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message, "a ::WARNING::b");
    }
}
