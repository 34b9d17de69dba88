//! Rust libtest's JSON event stream.
//!
//! `cargo test -- -Z unstable-options --format json` (and nextest's
//! `--message-format libtest-json` / `libtest-json-plus` emulation) writes one
//! JSON object per line:
//!
//! ```text
//! { "type": "suite", "event": "started", "test_count": 2 }
//! { "type": "test", "event": "started", "name": "tests::fails" }
//! { "type": "test", "name": "tests::fails", "event": "failed", "stdout": "thread 'tests::fails' panicked at src/lib.rs:10:9:\n…" }
//! { "type": "suite", "event": "failed", "passed": 1, "failed": 1, "ignored": 0, "measured": 0, "filtered_out": 0, "exec_time": 0.01 }
//! ```
//!
//! [`LibtestReader`] reads it line by line with one reused buffer, so memory
//! is bounded by the longest line and the output it keeps, not by the file.
//! A stream of 4 MiB or more (by its announced size) is read on two threads:
//! this one cuts 256 KiB blocks into lines and takes the plain test lines
//! apart, another builds the run from them in order (a few blocks in flight).
//!
//! # How the stream becomes a [`TestRun`](failtale_core::TestRun)
//!
//! - **Suites.** Every `suite started` event opens one [`Suite`]. libtest's
//!   events do not name the test binary, so the suite is named from, in order:
//!   nextest's `"nextest": {"crate", "test_binary"}` object or the
//!   `crate::binary$` prefix of nextest test names (`crate::binary`); the
//!   nearest preceding cargo line `Running … (target/…/deps/NAME-HASH)`
//!   (`NAME`, hash stripped; the source file becomes [`Suite::file`]) or
//!   `Doc-tests NAME` (`NAME`); the target name of the next unclaimed cargo
//!   `compiler-artifact` message built with `"profile": {"test": true}`;
//!   `doctests` when every test in it is a doctest; else `suite-N` (1-based).
//! - **Identity.** [`TestId::suite`] is `[suite name]`, [`TestId::classname`]
//!   is `None` and [`TestId::name`] is the full test path (`tests::parse::empty`),
//!   so [`TestId::key`] reads `binary::tests::parse::empty`: unique across
//!   binaries (every crate has a `tests` module) and copy-pasteable as a
//!   `cargo test` filter after the first `::`. nextest's `crate::binary$`
//!   prefix and `#N` retry suffix are removed from the name.
//! - **Outcomes.** `ok` → passed; `failed` → a [`FailureKind::Failure`] whose
//!   message is the event's `message` (or nextest's `reason`), else the first
//!   line of the panic message in `stdout`, and whose body is `stdout`;
//!   `ignored` → skipped with the `#[ignore = "…"]` message; `allowed_failure`
//!   → passed, with the property `libtest.allowed_failure` = `true`. A test
//!   that started but never finished (its binary was killed or crashed) is a
//!   [`FailureKind::Error`] "test did not finish (the test binary was killed
//!   or crashed)". nextest's `#N` suffix (the test ran N times) becomes N-1
//!   failed attempts without details before the final one, so a pass after
//!   retries is [`Outcome::Flaky`](failtale_core::model::Outcome::Flaky).
//! - **Output.** `stdout` (libtest puts the panic there, and with captured
//!   output it may hold stderr text too) is the attempt's stdout, capped, and
//!   its markers become [`TestCase::events`] (see [`crate::timeline`]).
//! - **Files.** A doctest's name carries its file and line
//!   (`src/lib.rs - foo::bar (line 12)`); other tests take them from the panic
//!   location unless it is inside the standard library or a registry crate.
//! - **Not test cases.** `timeout` events (the test has run for over 60
//!   seconds) are warnings and add the property `libtest.slow`; `bench` and
//!   `report` events become suite properties (`libtest.bench`,
//!   `libtest.report.*`); `discovered` events (`--list`) are ignored.
//! - **Noise.** Lines that are not JSON objects (cargo's `Compiling …`,
//!   `Running …`, test output that escaped capture) and JSON objects that are
//!   not libtest events (cargo `--message-format json`, log lines) are skipped.
//!   A line that starts like a JSON object but does not parse is a warning with
//!   its line number; two repairs are tried first: a string broken by raw
//!   newlines is rejoined with the lines that follow, and lone backslashes
//!   (Windows paths written unescaped) are escaped.
//!
//! ```
//! use failtale_core::Ingest;
//! use junit_ingest::libtest::LibtestReader;
//!
//! let stream = br#"{ "type": "suite", "event": "started", "test_count": 1 }
//! { "type": "test", "event": "started", "name": "tests::boom" }
//! { "type": "test", "name": "tests::boom", "event": "failed", "stdout": "thread 'tests::boom' panicked at src/lib.rs:3:5:\nexplicit panic\n" }
//! { "type": "suite", "event": "failed", "passed": 0, "failed": 1, "ignored": 0, "measured": 0, "filtered_out": 0 }
//! "#;
//! let read = LibtestReader::default().ingest(&mut &stream[..]);
//! let case = &read.cases[0];
//! assert_eq!(case.id.key(), "suite-1::tests::boom");
//! assert_eq!(case.primary_failure().unwrap().message.as_deref(), Some("explicit panic"));
//! assert_eq!((case.file.as_deref(), case.line), (Some("src/lib.rs"), Some(3)));
//! ```

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::time::Duration;

use failtale_core::IngestError;
use failtale_core::capped::{CappedBuf, CappedText, DEFAULT_CAP};
use failtale_core::model::{
    Attempt, Diagnostic, Failure, FailureKind, Format, Location, Property, Skip, Stream, Suite,
    SuitePath, TestCase, TestId,
};
use failtale_core::stage::{Ingest, Ingested, Sniff};
use serde::Deserialize;

use crate::sniff::head_text;
use crate::timeline::parse_markers;

/// The message of a test that started but never reported a result.
pub const DID_NOT_FINISH: &str = "test did not finish (the test binary was killed or crashed)";

/// Longest text that broken lines are rejoined into before giving up.
const MAX_JOINED: usize = 16 * 1024 * 1024;

/// Reads Rust libtest's `--format json` event stream (and nextest's emulation of it).
#[derive(Clone, Debug)]
pub struct LibtestReader {
    output_cap: usize,
}

impl Default for LibtestReader {
    fn default() -> Self {
        LibtestReader {
            output_cap: DEFAULT_CAP,
        }
    }
}

impl LibtestReader {
    /// A reader keeping at most `cap` bytes of each test's output (head and tail).
    pub fn with_output_cap(cap: usize) -> Self {
        LibtestReader { output_cap: cap }
    }
}

impl Ingest for LibtestReader {
    fn name(&self) -> &str {
        "libtest-json"
    }

    /// `Yes` when a line of the head is a JSON object with `"type": "suite" | "test"`
    /// (cargo's plain-text lines before it are fine); `Maybe` when the head holds
    /// only cargo `--message-format json` objects, which precede the test events
    /// of a large build; `No` otherwise.
    fn sniff(&self, head: &[u8]) -> Sniff {
        #[derive(Deserialize)]
        struct Head<'a> {
            #[serde(rename = "type", borrow)]
            ty: Option<Cow<'a, str>>,
            #[serde(borrow)]
            reason: Option<Cow<'a, str>>,
        }
        let text = head_text(head);
        let mut cargo = false;
        for line in text.lines() {
            let line = line.trim();
            if !line.starts_with('{') {
                continue;
            }
            // The last line of the head may be cut off; it then simply does not count.
            let Ok(h) = serde_json::from_str::<Head<'_>>(line) else {
                continue;
            };
            match (h.ty.as_deref(), h.reason.as_deref()) {
                (Some("suite" | "test"), _) => return Sniff::Yes,
                (None, Some(r)) if r.starts_with("compiler-") || r.starts_with("build-") => {
                    cargo = true;
                }
                _ => {}
            }
        }
        if cargo { Sniff::Maybe } else { Sniff::No }
    }

    fn ingest(&self, input: &mut dyn Read) -> Ingested {
        self.ingest_sized(input, None)
    }

    fn ingest_sized(&self, input: &mut dyn Read, size: Option<u64>) -> Ingested {
        let mut state = State::new(self.output_cap);
        // A test is at least its two lines (started, then its result), about
        // 150 bytes; the room is capped so a reservation stays small.
        let room = size.map_or(0, |s| (s / 150).min(1_000_000) as usize);
        state.cases.reserve(room);
        // A large stream is cut into lines and its plain lines read on this
        // thread while another builds the run; a small one is read here alone.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if threads > 1 && size.is_some_and(|s| s >= THREADED_BYTES) {
            return read_on_two_threads(state, input, BLOCK_BYTES);
        }
        let mut reader = BufReader::with_capacity(64 * 1024, input);
        let mut buf = Vec::with_capacity(4096);
        let mut line_no = 0u64;
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    line_no += 1;
                    // Valid UTF-8 (the usual case) is checked word by word, not
                    // char by char as the lossy conversion does.
                    let text = match std::str::from_utf8(&buf) {
                        Ok(t) => std::borrow::Cow::Borrowed(t),
                        Err(_) => String::from_utf8_lossy(&buf),
                    };
                    let text = text.trim_end_matches(['\n', '\r']);
                    state.line(line_no, text);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    state.error = Some(IngestError::Io(e));
                    break;
                }
            }
        }
        state.finish(line_no)
    }
}

/// Streams at least this long are read on two threads.
const THREADED_BYTES: u64 = 4 << 20;
/// Bytes read at once when reading on two threads (the block ends at a line end).
const BLOCK_BYTES: usize = 256 * 1024;

/// A plain test line (see [`plain_test_event`]) found by the reading thread:
/// where its parts are in the block.
struct PlainLine {
    /// `None`: `started`.
    event: Option<Range<usize>>,
    name: Range<usize>,
    exec_time: Option<f64>,
}

/// One line of a block: where it is (without its line break) and, for a
/// plain test line, its parts.
struct BlockLine {
    text: Range<usize>,
    plain: Option<PlainLine>,
}

/// Whole lines read at once: text when they are valid UTF-8 (the usual
/// case, checked once for the block), else bytes read line by line as
/// [`LibtestReader`] reads them.
enum Block {
    Text(String, Vec<BlockLine>),
    Bytes(Vec<u8>, Vec<Range<usize>>),
    Failed(std::io::Error),
}

/// The lines of `text` (which ends at a line end, or at the end of the
/// stream), with the plain test lines taken apart.
fn block_lines(text: &str) -> Vec<BlockLine> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i + 1);
        let line = text[start..end].trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        // Where a part of the line is in the block (`None` for a text the
        // quick path supplies itself, such as the `started` of a start line).
        let at = |part: &str| {
            let from = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
            (from + part.len() <= text.len()).then_some(from..from + part.len())
        };
        let plain =
            plain_test_event(trimmed).and_then(|ev| match (ev.event, ev.name, ev.exec_time) {
                (Some(Cow::Borrowed(event)), Some(Cow::Borrowed(name)), exec_time) => {
                    Some(PlainLine {
                        event: match at(event) {
                            Some(range) => Some(range),
                            None if event == "started" => None,
                            None => return None,
                        },
                        name: at(name)?,
                        exec_time: match exec_time {
                            None => None,
                            Some(ExecTime::Seconds(s)) => Some(s),
                            // Not made by the quick path: the line is read whole.
                            Some(ExecTime::Text(_)) => return None,
                        },
                    })
                }
                _ => None,
            });
        lines.push(BlockLine {
            text: start..start + line.len(),
            plain,
        });
        start = end;
    }
    lines
}

/// Reads `input` in blocks of about `block` bytes on this thread (lines cut,
/// checked as UTF-8, plain test lines taken apart) while another thread
/// hands them to `state`, in order: what [`LibtestReader`] reads line by
/// line, with the decoding of most lines off the thread that builds the run.
fn read_on_two_threads(mut state: State, input: &mut dyn Read, block: usize) -> Ingested {
    let (send, receive) = std::sync::mpsc::sync_channel::<Block>(4);
    std::thread::scope(|scope| {
        let builder = scope.spawn(move || {
            let mut line_no = 0u64;
            for b in receive {
                match b {
                    Block::Text(text, lines) => {
                        for line in lines {
                            line_no += 1;
                            match line.plain {
                                // A plain line is handled as the line itself
                                // would be, unless a broken object is being rejoined.
                                Some(p) if state.broken.is_none() => {
                                    let ev = Event {
                                        ty: Some(Cow::Borrowed("test")),
                                        event: Some(Cow::Borrowed(
                                            p.event.map_or("started", |e| &text[e]),
                                        )),
                                        name: Some(Cow::Borrowed(&text[p.name])),
                                        exec_time: p.exec_time.map(ExecTime::Seconds),
                                        ..Event::default()
                                    };
                                    state.event(line_no, ev);
                                }
                                _ => state.line(line_no, &text[line.text]),
                            }
                        }
                    }
                    Block::Bytes(bytes, lines) => {
                        for line in lines {
                            line_no += 1;
                            state.line(line_no, &String::from_utf8_lossy(&bytes[line]));
                        }
                    }
                    Block::Failed(e) => {
                        state.error = Some(IngestError::Io(e));
                        break;
                    }
                }
            }
            state.finish(line_no)
        });
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let mut buf = std::mem::take(&mut carry);
            let filled = buf.len();
            buf.resize(filled + block, 0);
            let n = match input.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    buf.truncate(filled);
                    carry = buf;
                    continue;
                }
                Err(e) => {
                    // As reading line by line: the line cut by the error is not read.
                    let _ = send.send(Block::Failed(e));
                    break;
                }
            };
            buf.truncate(filled + n);
            let end = if n == 0 {
                buf.len()
            } else {
                // Only the bytes just read: what was carried over holds no
                // line end (a line of any length costs one pass).
                match memchr::memrchr(b'\n', &buf[filled..]) {
                    Some(i) => filled + i + 1,
                    // No line end yet: read on (a line longer than a block).
                    None => {
                        carry = buf;
                        continue;
                    }
                }
            };
            carry = buf[end..].to_vec();
            buf.truncate(end);
            if !buf.is_empty() {
                let b = match String::from_utf8(buf) {
                    Ok(text) => {
                        let lines = block_lines(&text);
                        Block::Text(text, lines)
                    }
                    Err(e) => {
                        let bytes = e.into_bytes();
                        let lines = byte_lines(&bytes);
                        Block::Bytes(bytes, lines)
                    }
                };
                if send.send(b).is_err() {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        drop(send);
        builder
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// The lines of `bytes`, each without its line break (`\n`, `\r\n`).
fn byte_lines(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        let mut text_end = end;
        while text_end > start && matches!(bytes[text_end - 1], b'\n' | b'\r') {
            text_end -= 1;
        }
        lines.push(start..text_end);
        start = end;
    }
    lines
}

/// Reads a libtest JSON stream while it is being written (a test run in
/// progress), one line at a time: each line returns the test cases it
/// finished, so a caller can show progress and act on a failure before the
/// run ends. [`LibtestStream::finish`] returns the same [`Ingested`] that
/// [`LibtestReader::ingest`] would have read from the whole stream.
///
/// Cases returned by [`LibtestStream::line`] carry the suite name known so
/// far in [`TestId::suite`] (empty until the stream names it); the names in
/// the final [`Ingested`] are authoritative.
///
/// ```
/// use junit_ingest::libtest::LibtestStream;
///
/// let mut stream = LibtestStream::default();
/// assert!(stream.line(r#"{ "type": "suite", "event": "started", "test_count": 1 }"#).is_empty());
/// let done = stream.line(r#"{ "type": "test", "name": "t", "event": "failed", "stdout": "boom" }"#);
/// assert_eq!(done.len(), 1);
/// assert_eq!(stream.finish().cases.len(), 1);
/// ```
pub struct LibtestStream {
    state: State,
    line_no: u64,
}

impl std::fmt::Debug for LibtestStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibtestStream")
            .field("lines", &self.line_no)
            .field("cases", &self.state.cases.len())
            .finish_non_exhaustive()
    }
}

impl Default for LibtestStream {
    fn default() -> Self {
        LibtestStream::with_output_cap(DEFAULT_CAP)
    }
}

impl LibtestStream {
    /// A stream keeping at most `cap` bytes of each test's output (head and tail).
    pub fn with_output_cap(cap: usize) -> Self {
        LibtestStream {
            state: State::new(cap),
            line_no: 0,
        }
    }

    /// Reads one line (its line ending may be left on) and returns the test
    /// cases it finished: a result, or the tests a closed suite left running.
    pub fn line(&mut self, text: &str) -> &[TestCase] {
        self.line_no += 1;
        let before = self.state.cases.len();
        self.state
            .line(self.line_no, text.trim_end_matches(['\n', '\r']));
        for case in &mut self.state.cases[before..] {
            if let Some(name) = case.suite.and_then(|s| self.state.suites[s].name.as_ref()) {
                case.id.suite = vec![name.clone()].into();
            }
        }
        &self.state.cases[before..]
    }

    /// The number of tests the suites started so far announced.
    pub fn announced(&self) -> u64 {
        self.state.announced
    }

    /// Ends the stream: tests still running never finished.
    pub fn finish(self) -> Ingested {
        self.state.finish(self.line_no)
    }
}

/// One line of the stream: a libtest event, a cargo message, or another JSON object.
#[derive(Default, Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    exec_time: Option<ExecTime>,
    #[serde(borrow, default)]
    stdout: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    /// nextest: why a test failed (`time limit exceeded`); cargo: the message kind.
    #[serde(borrow, default)]
    reason: Option<Cow<'a, str>>,
    #[serde(default)]
    test_count: Option<u64>,
    #[serde(default)]
    passed: Option<u64>,
    #[serde(default)]
    failed: Option<u64>,
    #[serde(default)]
    ignored: Option<u64>,
    #[serde(borrow, default)]
    nextest: Option<NextestMeta<'a>>,
    #[serde(borrow, default)]
    target: Option<CargoTarget<'a>>,
    #[serde(default)]
    profile: Option<CargoProfile>,
    #[serde(default)]
    median: Option<f64>,
    #[serde(default)]
    deviation: Option<f64>,
    #[serde(default)]
    mib_per_second: Option<f64>,
    #[serde(default)]
    total_time: Option<f64>,
    #[serde(default)]
    compilation_time: Option<f64>,
}

/// The lines that make up most of a libtest stream, read without the JSON
/// decoder: a test starting and a test ending with no output, exactly as
/// libtest writes them (`{ "type": "test", "event": "started", "name": "a::b" }`,
/// `{ "type": "test", "name": "a::b", "event": "ok", "exec_time": 0.001 }`)
/// and with a name that needs no unescaping. Any other line, or any
/// difference in spacing, is left to the decoder, so what is read is the
/// same either way.
fn plain_test_event(text: &str) -> Option<Event<'_>> {
    fn plain(s: &str) -> bool {
        !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
    }
    let rest = text.strip_prefix(r#"{ "type": "test", "#)?;
    let mut ev = Event {
        ty: Some(Cow::Borrowed("test")),
        ..Event::default()
    };
    if let Some(rest) = rest.strip_prefix(r#""event": "started", "name": ""#) {
        let name = rest.strip_suffix(r#"" }"#)?;
        if !plain(name) {
            return None;
        }
        ev.event = Some(Cow::Borrowed("started"));
        ev.name = Some(Cow::Borrowed(name));
        return Some(ev);
    }
    let rest = rest.strip_prefix(r#""name": ""#)?;
    let (name, rest) = rest.split_once(r#"", "event": ""#)?;
    let (event, rest) = rest.split_once('"')?;
    if !plain(name) || event.is_empty() || !event.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    if rest != " }" {
        let secs = rest
            .strip_prefix(r#", "exec_time": "#)?
            .strip_suffix(" }")?;
        if !secs.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        ev.exec_time = Some(ExecTime::Seconds(serde_json::from_str(secs).ok()?));
    }
    ev.event = Some(Cow::Borrowed(event));
    ev.name = Some(Cow::Borrowed(name));
    Some(ev)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ExecTime {
    Seconds(f64),
    Text(String),
}

impl ExecTime {
    fn duration(&self) -> Option<Duration> {
        let secs = match self {
            ExecTime::Seconds(s) => *s,
            ExecTime::Text(t) => t.trim().trim_end_matches('s').trim().parse().ok()?,
        };
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
    }
}

#[derive(Deserialize)]
struct NextestMeta<'a> {
    #[serde(rename = "crate", borrow)]
    krate: Cow<'a, str>,
    #[serde(borrow)]
    test_binary: Cow<'a, str>,
}

#[derive(Deserialize)]
struct CargoTarget<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct CargoProfile {
    #[serde(default)]
    test: bool,
}

/// A suite being read.
struct SuiteBuild {
    suite: Suite,
    /// Name known from the stream or cargo's output; `None` until then.
    name: Option<String>,
    /// nextest binary id (`crate::binary`), when known.
    binary: Option<String>,
    /// Tests started and not yet finished, in start order, with the line that started them.
    running: Vec<(String, u64)>,
    /// Tests that ran over 60 seconds (libtest `timeout` events).
    slow: Vec<String>,
    open: bool,
    counts: [u64; 3],
    all_doctests: bool,
    has_tests: bool,
}

struct State {
    cap: usize,
    suites: Vec<SuiteBuild>,
    cases: Vec<TestCase>,
    /// The suite plain libtest events go to.
    current: Option<usize>,
    /// Suite name and file from the latest cargo `Running`/`Doc-tests` line, not yet used.
    cargo_name: Option<(String, Option<String>)>,
    /// Target names of test artifacts cargo reported, not yet given to a suite.
    artifacts: VecDeque<String>,
    /// A JSON object broken across lines: its first line number and the text so far.
    broken: Option<(u64, String)>,
    warnings: Vec<Diagnostic>,
    nextest: bool,
    saw_events: bool,
    /// Sum of the `test_count` of every `suite started` event.
    announced: u64,
    error: Option<IngestError>,
}

impl State {
    fn new(cap: usize) -> Self {
        State {
            cap,
            suites: Vec::new(),
            cases: Vec::new(),
            current: None,
            cargo_name: None,
            artifacts: VecDeque::new(),
            broken: None,
            warnings: Vec::new(),
            nextest: false,
            saw_events: false,
            announced: 0,
            error: None,
        }
    }

    fn warn(&mut self, line: u64, message: String) {
        self.warnings.push(Diagnostic::at(
            message,
            Location::new(line, 1, String::new()),
        ));
    }

    fn line(&mut self, no: u64, text: &str) {
        if let Some((start, mut joined)) = self.broken.take() {
            let fresh = text.trim_start();
            if fresh.starts_with('{') && serde_json::from_str::<Event<'_>>(fresh).is_ok() {
                self.warn(
                    start,
                    "JSON object is not closed before the next event; skipped".into(),
                );
            } else {
                // A raw newline inside a string was a `\n` its writer forgot to escape.
                joined.push_str(if inside_string(&joined) { "\\n" } else { "\n" });
                joined.push_str(text);
                self.parse_object(start, &joined, true);
                return;
            }
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return;
        }
        if trimmed.starts_with('{') {
            self.parse_object(no, trimmed, false);
        } else {
            self.cargo_line(trimmed);
        }
    }

    /// Parses one JSON object (possibly rejoined from several lines) and handles it.
    fn parse_object(&mut self, no: u64, text: &str, joined: bool) {
        if !joined && let Some(ev) = plain_test_event(text) {
            self.event(no, ev);
            return;
        }
        let err = match serde_json::from_str::<Event<'_>>(text) {
            Ok(ev) => {
                if joined {
                    self.warn(
                        no,
                        "JSON object spans several lines (raw newlines in a string); rejoined"
                            .into(),
                    );
                }
                self.event(no, ev);
                return;
            }
            Err(e) => e,
        };
        if err.classify() == serde_json::error::Category::Data && !is_libtest_object(text) {
            // Well-formed JSON that is not a libtest event (a log line, another tool's object).
            return;
        }
        if err.is_eof() && text.len() < MAX_JOINED {
            self.broken = Some((no, text.to_owned()));
            return;
        }
        if let Some(fixed) = escape_lone_backslashes(text)
            && let Ok(ev) = serde_json::from_str::<Event<'_>>(&fixed)
        {
            self.warn(
                no,
                "invalid escape in JSON (an unescaped backslash); read with it escaped".into(),
            );
            self.event(no, ev);
            return;
        }
        self.warn(no, format!("line is not valid JSON ({err}); skipped"));
        self.unreadable_result(no, text);
    }

    /// A broken line that names a running test was most likely its result:
    /// that test is an error saying so, rather than one that never finished.
    fn unreadable_result(&mut self, no: u64, text: &str) {
        let Some(name) = crude_string_field(text, "name") else {
            return;
        };
        let Some(s) = self
            .suites
            .iter()
            .rposition(|b| b.open && b.running.iter().any(|(n, _)| *n == name))
        else {
            return;
        };
        let build = &mut self.suites[s];
        build.running.retain(|(n, _)| *n != name);
        let mut failure = Failure::new(FailureKind::Error);
        failure.message = Some(format!(
            "the result of this test could not be read: line {no} is not valid JSON"
        ));
        failure.body = Some(text.into());
        let attempt = Attempt::with_failures(vec![failure]);
        let case = self.new_case(s, &name, attempt);
        self.cases.push(case);
    }

    /// cargo's human output: remembers which test binary runs next.
    fn cargo_line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("Running ") {
            let rest = rest.trim();
            let (source, path) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
                Some((source, path)) => (Some(source), path),
                None => (None, rest),
            };
            let file = source
                .map(|s| s.strip_prefix("unittests ").unwrap_or(s).trim())
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            if let Some(name) = binary_name(path) {
                self.cargo_name = Some((name, file));
            }
        } else if let Some(name) = line.strip_prefix("Doc-tests ") {
            let name = name.trim();
            if !name.is_empty() {
                self.cargo_name = Some((name.to_owned(), None));
            }
        }
    }

    fn event(&mut self, no: u64, ev: Event<'_>) {
        let Some(ty) = ev.ty.as_deref() else {
            if ev.reason.as_deref() == Some("compiler-artifact")
                && ev.profile.as_ref().is_some_and(|p| p.test)
                && let Some(t) = &ev.target
            {
                self.artifacts.push_back(t.name.clone().into_owned());
            }
            return;
        };
        match (ty, ev.event.as_deref().unwrap_or("")) {
            ("suite", "started") => {
                self.saw_events = true;
                self.start_suite(&ev);
            }
            ("suite", "ok" | "failed") => {
                self.saw_events = true;
                self.end_suite(no, &ev);
            }
            ("test", "started") => {
                self.saw_events = true;
                if let Some(name) = ev.name.as_deref() {
                    let s = self.suite_for(name);
                    self.suites[s].running.push((name.to_owned(), no));
                }
            }
            ("test", "ok" | "failed" | "ignored" | "allowed_failure") => {
                self.saw_events = true;
                self.result(&ev);
            }
            ("test", "timeout") => {
                self.saw_events = true;
                if let Some(name) = ev.name.as_deref() {
                    let s = self.suite_for(name);
                    self.suites[s].slow.push(name.to_owned());
                    self.warn(
                        no,
                        format!("test `{name}` has been running for over 60 seconds"),
                    );
                }
            }
            ("bench", _) => {
                if let (Some(s), Some(name)) = (self.last_suite(), ev.name.as_deref()) {
                    // A benchmark's `started` event is answered by its `bench` line.
                    self.finished(s, name);
                    let mut value = format!("{name}:");
                    if let Some(m) = ev.median {
                        value.push_str(&format!(" median {m} ns/iter"));
                    }
                    if let Some(d) = ev.deviation {
                        value.push_str(&format!(" (+/- {d})"));
                    }
                    if let Some(mb) = ev.mib_per_second {
                        value.push_str(&format!(" {mb} MiB/s"));
                    }
                    self.suites[s]
                        .suite
                        .properties
                        .push(Property::new("libtest.bench", value));
                }
            }
            ("report", _) => {
                if let Some(s) = self.last_suite() {
                    for (what, v) in [
                        ("total_time", ev.total_time),
                        ("compilation_time", ev.compilation_time),
                    ] {
                        if let Some(v) = v {
                            self.suites[s].suite.properties.push(Property::new(
                                format!("libtest.report.{what}"),
                                v.to_string(),
                            ));
                        }
                    }
                }
            }
            ("suite" | "test", _) => self.saw_events = true,
            _ => {}
        }
    }

    fn last_suite(&self) -> Option<usize> {
        self.current.or(self.suites.len().checked_sub(1))
    }

    fn new_suite(&mut self, name: Option<String>, file: Option<String>) -> usize {
        self.suites.push(SuiteBuild {
            suite: {
                let mut suite = Suite::default();
                suite.file = file;
                suite
            },
            name,
            binary: None,
            running: Vec::new(),
            slow: Vec::new(),
            open: true,
            counts: [0; 3],
            all_doctests: true,
            has_tests: false,
        });
        self.suites.len() - 1
    }

    fn start_suite(&mut self, ev: &Event<'_>) {
        self.announced += ev.test_count.unwrap_or(0);
        if let Some(meta) = &ev.nextest {
            // nextest runs binaries in parallel: their events interleave, so only
            // this binary's suite is replaced.
            self.nextest = true;
            let binary = format!("{}::{}", meta.krate, meta.test_binary);
            if let Some(old) = self.open_binary(&binary) {
                self.close_suite(old);
            }
            let s = self.new_suite(Some(binary.clone()), None);
            self.suites[s].binary = Some(binary);
            self.current = Some(s);
            return;
        }
        if let Some(c) = self.current.take() {
            self.close_suite(c);
        }
        let (name, file) = match self.cargo_name.take() {
            Some((name, file)) => {
                if let Some(i) = self.artifacts.iter().position(|a| *a == name) {
                    self.artifacts.remove(i);
                }
                (Some(name), file)
            }
            None => (self.artifacts.pop_front(), None),
        };
        let s = self.new_suite(name, file);
        self.current = Some(s);
    }

    fn open_binary(&self, binary: &str) -> Option<usize> {
        self.suites
            .iter()
            .rposition(|s| s.open && s.binary.as_deref() == Some(binary))
    }

    fn end_suite(&mut self, no: u64, ev: &Event<'_>) {
        let s = match &ev.nextest {
            Some(meta) => self.open_binary(&format!("{}::{}", meta.krate, meta.test_binary)),
            None => self.current,
        };
        let Some(s) = s else {
            return;
        };
        let duration = ev.exec_time.as_ref().and_then(ExecTime::duration);
        let build = &mut self.suites[s];
        build.suite.duration = duration;
        let want = [ev.passed, ev.failed, ev.ignored];
        let got = build.counts;
        if want.iter().zip(got).any(|(w, g)| w.is_some_and(|w| w != g)) {
            let show = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
            let message = format!(
                "the suite reported {} passed, {} failed, {} ignored, but the stream has results for {} passed, {} failed, {} ignored",
                show(want[0]),
                show(want[1]),
                show(want[2]),
                got[0],
                got[1],
                got[2]
            );
            self.warn(no, message);
        }
        self.close_suite(s);
        if self.current == Some(s) {
            self.current = None;
        }
    }

    /// Closes a suite: tests still running never finished.
    fn close_suite(&mut self, s: usize) {
        let build = &mut self.suites[s];
        if !build.open {
            return;
        }
        build.open = false;
        let running = std::mem::take(&mut build.running);
        for (name, _line) in running {
            let slow = self.suites[s].slow.contains(&name);
            let mut failure = Failure::new(FailureKind::Error);
            failure.message = Some(if slow {
                format!("{DID_NOT_FINISH}; it had been running for over 60 seconds")
            } else {
                DID_NOT_FINISH.to_owned()
            });
            let attempt = Attempt::with_failures(vec![failure]);
            let case = self.new_case(s, &name, attempt);
            self.cases.push(case);
        }
    }

    /// The suite a test event belongs to, creating one when there is none.
    fn suite_for(&mut self, raw_name: &str) -> usize {
        if let Some((binary, _)) = split_nextest(raw_name) {
            self.nextest = true;
            if let Some(s) = self.open_binary(binary) {
                return s;
            }
            if let Some(c) = self.current.filter(|&c| self.suites[c].binary.is_none()) {
                let build = &mut self.suites[c];
                build.binary = Some(binary.to_owned());
                if build.name.is_none() || self.cargo_name.is_none() {
                    build.name = Some(binary.to_owned());
                }
                return c;
            }
            let s = self.new_suite(Some(binary.to_owned()), None);
            self.suites[s].binary = Some(binary.to_owned());
            return s;
        }
        match self.current {
            Some(c) => c,
            None => {
                // Test events without a `suite started` (a cut stream): an implicit suite.
                let s = self.new_suite(None, None);
                self.current = Some(s);
                s
            }
        }
    }

    fn new_case(&mut self, s: usize, raw_name: &str, attempt: Attempt) -> TestCase {
        let (name, retries) = match split_nextest(raw_name) {
            Some((_, rest)) => split_retries(rest),
            None => (raw_name, 1),
        };
        let build = &mut self.suites[s];
        build.has_tests = true;
        let doctest = doctest_location(name);
        build.all_doctests &= doctest.is_some();
        // A plain pass holds no attempt (most tests of a large run).
        let plain = retries == 1 && attempt.is_plain_pass();
        let mut attempts = Vec::with_capacity(if plain { 0 } else { retries });
        for _ in 1..retries {
            let mut f = Failure::new(FailureKind::Failure);
            f.message = Some(
                "failed attempt before a retry (its output is not in the libtest JSON stream)"
                    .into(),
            );
            attempts.push(Attempt::with_failures(vec![f]));
        }
        let duration = attempt.duration;
        let location = doctest.or_else(|| {
            attempt
                .failures
                .iter()
                .find_map(|f| Some((f.file.clone()?, f.line?)))
                .filter(|(file, _)| is_project_file(file))
        });
        if !plain {
            attempts.push(attempt);
        }
        let mut case = TestCase::new(
            TestId::new(Vec::new().into(), None, identifier(name)),
            attempts,
        );
        case.suite = Some(s);
        case.duration = duration;
        if let Some((file, line)) = location {
            case.file = Some(file);
            case.line = Some(line);
        }
        if build.slow.iter().any(|n| n == raw_name) {
            case.properties_mut()
                .push(Property::new("libtest.slow", "ran for over 60 seconds"));
        }
        case
    }

    fn result(&mut self, ev: &Event<'_>) {
        let Some(raw_name) = ev.name.as_deref() else {
            return;
        };
        let s = self.suite_for(raw_name);
        self.finished(s, raw_name);
        let build = &mut self.suites[s];
        let kind = ev.event.as_deref().unwrap_or("");
        match kind {
            "ok" | "allowed_failure" => build.counts[0] += 1,
            "failed" => build.counts[1] += 1,
            _ => build.counts[2] += 1,
        }
        let stdout = ev.stdout.as_deref().filter(|s| !s.trim().is_empty());
        let mut attempt = {
            let mut attempt = Attempt::default();
            attempt.duration = ev.exec_time.as_ref().and_then(ExecTime::duration);
            attempt.stdout = stdout.and_then(|s| self.capped(s)).map(Box::new);
            attempt
        };
        let message = ev
            .message
            .as_deref()
            .or(ev.reason.as_deref())
            .filter(|m| !m.trim().is_empty());
        match kind {
            "failed" => {
                let mut failure = Failure::new(FailureKind::Failure);
                let panic = stdout.map(parse_panic).unwrap_or_default();
                failure.message = message.map(str::to_owned).or(panic.message);
                failure.body = attempt.stdout.as_ref().map(|o| o.text.as_str().into());
                if let Some((file, line)) = panic.location {
                    failure.file = Some(file);
                    failure.line = Some(line);
                }
                attempt.failures.push(failure);
            }
            "ignored" => {
                attempt.skipped = Some(Box::new(Skip::with_message(message.map(str::to_owned))));
            }
            _ => {}
        }
        let mut case = self.new_case(s, raw_name, attempt);
        if kind == "allowed_failure" {
            case.properties_mut()
                .push(Property::new("libtest.allowed_failure", "true"));
        }
        if let Some(events) = stdout
            .map(|out| parse_markers(out, Stream::Stdout))
            .filter(|e| !e.is_empty())
        {
            *case.events_mut() = events;
        }
        self.cases.push(case);
    }

    /// Takes a test off its suite's running list (nextest's `#N` suffix is not in `started`).
    fn finished(&mut self, s: usize, raw_name: &str) {
        let key = match split_nextest(raw_name) {
            Some((_, rest)) => {
                &raw_name[..raw_name.len() - rest.len() + split_retries(rest).0.len()]
            }
            None => raw_name,
        };
        let running = &mut self.suites[s].running;
        if let Some(i) = running.iter().position(|(n, _)| n == key) {
            running.remove(i);
        }
    }

    fn capped(&self, text: &str) -> Option<CappedText> {
        let mut buf = CappedBuf::new(self.cap);
        buf.push_str(text);
        buf.finish()
    }

    fn finish(mut self, last_line: u64) -> Ingested {
        if let Some((start, _)) = self.broken.take() {
            self.warn(
                start,
                "JSON object is not closed at the end of the input; skipped".into(),
            );
        }
        for s in 0..self.suites.len() {
            self.close_suite(s);
        }
        if !self.saw_events && self.error.is_none() {
            self.warn(
                last_line.max(1),
                "no libtest test or suite events in the input".into(),
            );
        }
        let names: Vec<String> = self
            .suites
            .iter()
            .enumerate()
            .map(|(i, b)| match &b.name {
                Some(n) => n.clone(),
                None if b.has_tests && b.all_doctests => "doctests".to_owned(),
                None => format!("suite-{}", i + 1),
            })
            .collect();
        let paths: Vec<SuitePath> = names.iter().map(|n| vec![n.clone()].into()).collect();
        for case in &mut self.cases {
            if let Some(s) = case.suite {
                case.id.suite = paths[s].clone();
            }
        }
        let suites = self
            .suites
            .into_iter()
            .zip(names)
            .map(|(b, name)| {
                let mut suite = b.suite;
                suite.name = name;
                suite
            })
            .collect();
        Ingested {
            format: Some(Format::LibtestJson),
            producer: Some(if self.nextest { "nextest" } else { "libtest" }.into()),
            timestamp: None,
            cases: self.cases,
            suites,
            warnings: self.warnings,
            error: self.error,
        }
    }
}

/// Splits nextest's `crate::binary$test::path` into the binary id and the rest.
fn split_nextest(name: &str) -> Option<(&str, &str)> {
    let (binary, rest) = name.split_once('$')?;
    (!binary.is_empty() && !binary.contains(char::is_whitespace)).then_some((binary, rest))
}

/// The longest test name kept (bytes); a longer one is cut, marked `…`,
/// so a name of megabytes is not copied into every line that names the test.
const MAX_NAME: usize = 4096;

fn identifier(name: &str) -> String {
    if name.len() <= MAX_NAME {
        return name.to_owned();
    }
    let mut end = MAX_NAME;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &name[..end])
}

/// Splits nextest's retry suffix `test#3` into the name and the number of runs.
fn split_retries(name: &str) -> (&str, usize) {
    match name.rsplit_once('#') {
        Some((base, n)) if !base.is_empty() => match n.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => (base, n),
            _ => (name, 1),
        },
        _ => (name, 1),
    }
}

/// `target/debug/deps/foo_bar-1a2b3c4d5e6f7a8b(.exe)` → `foo_bar`.
fn binary_name(path: &str) -> Option<String> {
    let base = path.rsplit(['/', '\\']).next()?.trim();
    let base = base.strip_suffix(".exe").unwrap_or(base);
    let name = match base.rsplit_once('-') {
        Some((name, hash)) if hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name
        }
        _ => base,
    };
    (!name.is_empty()).then(|| name.to_owned())
}

/// A doctest name `src/lib.rs - foo::bar (line 12)` → (`src/lib.rs`, 12).
fn doctest_location(name: &str) -> Option<(String, u32)> {
    // Test functions' names have no spaces: skip building a substring
    // searcher for each of them.
    if !name.contains(' ') {
        return None;
    }
    let (file, rest) = name.split_once(" - ")?;
    if file.is_empty() || file.contains(char::is_whitespace) || !file.contains('.') {
        return None;
    }
    let after = &rest[rest.find("(line ")? + "(line ".len()..];
    let line = after[..after.find(')')?].trim().parse().ok()?;
    Some((file.to_owned(), line))
}

/// False for panic locations in the standard library or in dependencies.
fn is_project_file(file: &str) -> bool {
    let f = file.replace('\\', "/");
    !(f.starts_with("/rustc/") || f.contains("/.cargo/registry/") || f.contains("/.cargo/git/"))
}

#[derive(Default)]
struct Panic {
    message: Option<String>,
    location: Option<(String, u32)>,
}

/// The first panic in a test's output: its message's first line and its location.
///
/// Handles both `panicked at 'msg', src/lib.rs:1:2` (Rust < 1.73) and
/// `panicked at src/lib.rs:1:2:\nmsg`.
fn parse_panic(out: &str) -> Panic {
    let lines: Vec<&str> = out.lines().collect();
    let Some(h) = failtale_core::fingerprint::rust::panic_header(&lines) else {
        return Panic::default();
    };
    let location = h.location.and_then(parse_location);
    let message = h
        .message
        .iter()
        .map(|l| l.trim_end())
        .find(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| h.location.map(|l| format!("panicked at {l}")));
    Panic { message, location }
}

/// `src/lib.rs:27:9` → (`src/lib.rs`, 27).
fn parse_location(s: &str) -> Option<(String, u32)> {
    let mut parts = s.trim().rsplitn(3, ':');
    let col = parts.next()?;
    let line = parts.next()?;
    let file = parts.next()?;
    col.parse::<u32>().ok()?;
    let line = line.parse().ok()?;
    (!file.is_empty()).then(|| (file.to_owned(), line))
}

/// The value of `"key": "value"` in text that is not valid JSON, unescaping only `\"` and `\\`.
fn crude_string_field(text: &str, key: &str) -> Option<String> {
    let at = text.find(&format!("\"{key}\""))?;
    let rest = text[at + key.len() + 2..].trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                c @ ('"' | '\\') => out.push(c),
                c => {
                    out.push('\\');
                    out.push(c);
                }
            },
            c => out.push(c),
        }
    }
    None
}

/// True when a JSON object's `type` is one of libtest's.
fn is_libtest_object(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(rename = "type", borrow)]
        ty: Option<Cow<'a, str>>,
    }
    serde_json::from_str::<Probe<'_>>(text)
        .is_ok_and(|p| matches!(p.ty.as_deref(), Some("suite" | "test" | "bench" | "report")))
}

/// True when a prefix of a JSON text ends inside a string.
fn inside_string(s: &str) -> bool {
    let mut inside = false;
    let mut escaped = false;
    for b in s.bytes() {
        if escaped {
            escaped = false;
        } else if inside && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            inside = !inside;
        }
    }
    inside
}

/// Escapes backslashes that do not start a JSON escape (`C:\src` → `C:\\src`).
/// `None` when there are none.
fn escape_lone_backslashes(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 8);
    let mut changed = false;
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            match bytes.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u')
                    if bytes.len() >= i + 6
                        && bytes[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) =>
                {
                    i += 6
                }
                _ => {
                    out.push_str(&s[last..i]);
                    out.push_str("\\\\");
                    changed = true;
                    i += 1;
                    last = i;
                }
            }
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::model::Outcome;

    fn read(s: &str) -> Ingested {
        LibtestReader::default().ingest(&mut s.as_bytes())
    }

    #[test]
    fn plain_test_lines_read_without_the_decoder_read_as_the_decoder_reads_them() {
        let names = [
            "a::ok",
            "tests::ünïcode_名前",
            "a b c",
            "x::y::z_1",
            "",
            "q\\\"uote",
            "back\\\\slash",
            "tab\\there",
            "\\u00e9",
            "end\" }",
            "a\", \"event\": \"ok",
        ];
        let tails = [
            " }",
            ", \"exec_time\": 0.001 }",
            ", \"exec_time\": 12 }",
            ", \"exec_time\": 1. }",
            ", \"exec_time\": 01 }",
            ", \"exec_time\": 1e-3 }",
            ", \"exec_time\": \"0.5s\" }",
            ", \"stdout\": \"x\" }",
            " } ",
            "}",
        ];
        let mut lines = Vec::new();
        for name in names {
            lines.push(format!(
                "{{ \"type\": \"test\", \"event\": \"started\", \"name\": \"{name}\" }}"
            ));
            lines.push(format!(
                "{{ \"type\": \"test\", \"event\": \"started\", \"name\": \"{name}\"}}"
            ));
            for event in ["ok", "failed", "ignored", "OK", "timeout"] {
                for tail in tails {
                    lines.push(format!(
                        "{{ \"type\": \"test\", \"name\": \"{name}\", \"event\": \"{event}\"{tail}"
                    ));
                }
            }
        }
        let (mut quick, mut decoded) = (0, 0);
        for line in &lines {
            let Some(q) = plain_test_event(line) else {
                continue;
            };
            quick += 1;
            let Ok(d) = serde_json::from_str::<Event<'_>>(line) else {
                panic!("read without the decoder, but the decoder rejects it: {line}");
            };
            decoded += 1;
            assert_eq!(q.ty, d.ty, "{line}");
            assert_eq!(q.event, d.event, "{line}");
            assert_eq!(q.name, d.name, "{line}");
            assert_eq!(
                q.exec_time.as_ref().and_then(ExecTime::duration),
                d.exec_time.as_ref().and_then(ExecTime::duration),
                "{line}"
            );
            assert!(d.stdout.is_none() && d.message.is_none() && d.nextest.is_none());
        }
        // The common shapes take the quick path; escapes and odd spacing do not.
        assert!(quick >= 60, "{quick}");
        assert_eq!(quick, decoded);
        assert!(
            plain_test_event(r#"{ "type": "test", "event": "started", "name": "a::ok" }"#)
                .is_some()
        );
        assert!(
            plain_test_event(r#"{ "type": "test", "event": "started", "name": "q\"uote" }"#)
                .is_none()
        );
        assert!(
            plain_test_event(r#"{ "type": "test", "name": "a", "event": "ok", "exec_time": 01 }"#)
                .is_none()
        );
    }

    /// A reader that hands out `bytes` a few at a time, then fails when `fail`.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
        fail: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.bytes.is_empty() && self.fail {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn reading_on_two_threads_reads_what_one_thread_reads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/libtest");
        let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        assert!(inputs.len() >= 15);
        let mut all = inputs.concat();
        // Invalid UTF-8, CR LF line ends, a plain line inside an object
        // broken across lines, blank lines, a line longer than a block, no
        // line end at the end.
        all.extend_from_slice(
            b"{ \"type\": \"test\", \"event\": \"started\", \"name\": \"bad\xff\" }\r\n",
        );
        all.extend_from_slice(
            b"{ \"type\": \"test\", \"name\": \"bad\xff\", \"event\": \"ok\" }\r\n\r\n",
        );
        all.extend_from_slice(b"{ \"type\": \"test\", \"name\": \"split\", \"event\": \"failed\", \"stdout\": \"one\n");
        all.extend_from_slice(b"{ \"type\": \"test\", \"name\": \"a::ok\", \"event\": \"ok\" }\n");
        all.extend_from_slice(b"two\" }\n\n   \n");
        let long = format!(
            "{{ \"type\": \"test\", \"name\": \"long\", \"event\": \"failed\", \"stdout\": \"{}\" }}\n",
            "x".repeat(5000)
        );
        all.extend_from_slice(long.as_bytes());
        all.extend_from_slice(
            b"{ \"type\": \"test\", \"name\": \"last\", \"event\": \"ok\", \"exec_time\": 0.25 }",
        );
        inputs.push(all);
        for input in &inputs {
            let one = format!("{:?}", read(std::str::from_utf8(input).unwrap_or("")));
            let one = if std::str::from_utf8(input).is_ok() {
                one
            } else {
                format!(
                    "{:?}",
                    LibtestReader::default().ingest(&mut input.as_slice())
                )
            };
            for (block, step) in [
                (1, 1),
                (7, 3),
                (64, 1000),
                (4096, 100_000),
                (BLOCK_BYTES, 1 << 20),
            ] {
                let two = read_on_two_threads(
                    State::new(DEFAULT_CAP),
                    &mut Trickle {
                        bytes: input,
                        step,
                        fail: false,
                    },
                    block,
                );
                assert!(format!("{two:?}") == one, "block {block}: {two:?}\n{one}");
            }
        }
        // A read error: the lines before it count, the one it cut does not.
        let input = inputs.last().unwrap();
        let cut = &input[..input.len() - 30];
        let one = LibtestReader::default().ingest(&mut Trickle {
            bytes: cut,
            step: 50,
            fail: true,
        });
        let two = read_on_two_threads(
            State::new(DEFAULT_CAP),
            &mut Trickle {
                bytes: cut,
                step: 50,
                fail: true,
            },
            64,
        );
        assert!(one.error.is_some());
        assert_eq!(format!("{two:?}"), format!("{one:?}"));
    }

    const TWO_BINARIES: &str = r#"     Running unittests src/lib.rs (target/debug/deps/alpha-0123456789abcdef)
{ "type": "suite", "event": "started", "test_count": 2 }
{ "type": "test", "event": "started", "name": "a::ok" }
{ "type": "test", "name": "a::ok", "event": "ok" }
{ "type": "test", "event": "started", "name": "a::bad" }
{ "type": "test", "name": "a::bad", "event": "failed", "stdout": "thread 'a::bad' panicked at src/lib.rs:3:5:\nboom\n" }
{ "type": "suite", "event": "failed", "passed": 1, "failed": 1, "ignored": 0, "measured": 0, "filtered_out": 0 }
{ "type": "suite", "event": "started", "test_count": 1 }
{ "type": "test", "event": "started", "name": "b::hangs" }
"#;

    #[test]
    fn stream_returns_each_case_when_its_line_arrives() {
        let mut stream = LibtestStream::default();
        let mut seen = Vec::new();
        for line in TWO_BINARIES.lines() {
            let done = stream.line(line);
            seen.push(done.iter().map(|c| c.id.key()).collect::<Vec<_>>());
        }
        assert_eq!(seen[3], ["alpha::a::ok"]);
        assert_eq!(seen[5], ["alpha::a::bad"]);
        assert_eq!(
            seen.iter().map(Vec::len).sum::<usize>(),
            2,
            "a test still running is not finished"
        );
        assert_eq!(stream.announced(), 3);
        let done = stream.finish();
        assert_eq!(done.cases.len(), 3);
        assert_eq!(done.cases[2].outcome, Outcome::Error);
    }

    #[test]
    fn stream_finishes_like_the_reader() {
        let mut stream = LibtestStream::default();
        for line in TWO_BINARIES.lines() {
            stream.line(line);
        }
        let streamed = stream.finish();
        let read = read(TWO_BINARIES);
        assert_eq!(format!("{:?}", streamed.cases), format!("{:?}", read.cases));
        assert_eq!(
            format!("{:?}", streamed.suites),
            format!("{:?}", read.suites)
        );
    }

    #[test]
    fn sniff_finds_events_after_cargo_lines() {
        let r = LibtestReader::default();
        let head = b"   Compiling x v0.1.0\n     Running unittests src/lib.rs (target/debug/deps/x-0123456789abcdef)\n{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 1 }\n";
        assert_eq!(r.sniff(head), Sniff::Yes);
        assert_eq!(r.sniff(br#"{"reason":"compiler-artifact"}"#), Sniff::Maybe);
        assert_eq!(r.sniff(br#"{"name": "x"}"#), Sniff::No);
        assert_eq!(r.sniff(b"<testsuite/>"), Sniff::No);
    }

    #[test]
    fn panic_messages_old_and_new() {
        let p = parse_panic(
            "thread 't' panicked at 'assertion failed: `(left == right)`\n  left: `4`', src/lib.rs:10:9\nnote: x",
        );
        assert_eq!(
            p.message.as_deref(),
            Some("assertion failed: `(left == right)`")
        );
        assert_eq!(p.location, Some(("src/lib.rs".into(), 10)));
        let p = parse_panic(
            "\nthread 't' (123) panicked at src/lib.rs:27:9:\nassertion `left == right` failed\n  left: 4\n",
        );
        assert_eq!(
            p.message.as_deref(),
            Some("assertion `left == right` failed")
        );
        assert_eq!(p.location, Some(("src/lib.rs".into(), 27)));
        let p = parse_panic("thread 't' panicked at C:\\src\\a.rs:3:1:\nboom");
        assert_eq!(p.location, Some(("C:\\src\\a.rs".into(), 3)));
    }

    #[test]
    fn names() {
        assert_eq!(
            binary_name("target/debug/deps/foo_bar-1a2b3c4d5e6f7a8b"),
            Some("foo_bar".into())
        );
        assert_eq!(
            binary_name("target\\debug\\deps\\foo-1a2b3c4d5e6f7a8b.exe"),
            Some("foo".into())
        );
        assert_eq!(
            doctest_location("src/lib.rs - foo::bar (line 12)"),
            Some(("src/lib.rs".into(), 12))
        );
        assert_eq!(
            doctest_location("src/lib.rs - (line 3) - compile fail"),
            Some(("src/lib.rs".into(), 3))
        );
        assert_eq!(doctest_location("tests::a - b"), None);
        assert_eq!(split_retries("a::b#3"), ("a::b", 3));
        assert_eq!(split_retries("a::b"), ("a::b", 1));
    }

    #[test]
    fn lone_backslashes_are_escaped_only_when_invalid() {
        assert_eq!(
            escape_lone_backslashes(r#"{"a": "C:\src\n\u00e9"}"#).as_deref(),
            Some(r#"{"a": "C:\\src\n\u00e9"}"#)
        );
        assert_eq!(escape_lone_backslashes(r#"{"a": "\n"}"#), None);
    }

    #[test]
    fn nextest_names_retries_and_interleaving() {
        let s = r#"{"type":"suite","event":"started","test_count":1,"nextest":{"crate":"a","test_binary":"a","kind":"lib"}}
{"type":"suite","event":"started","test_count":1,"nextest":{"crate":"b","test_binary":"it","kind":"test"}}
{"type":"test","event":"started","name":"a::a$t::one"}
{"type":"test","event":"started","name":"b::it$two"}
{"type":"test","event":"ok","name":"b::it$two#2","exec_time":0.5}
{"type":"test","event":"failed","name":"a::a$t::one","exec_time":0.1,"reason":"time limit exceeded"}
{"type":"suite","event":"ok","passed":1,"failed":0,"ignored":0,"measured":0,"filtered_out":0,"exec_time":0.5,"nextest":{"crate":"b","test_binary":"it","kind":"test"}}
{"type":"suite","event":"failed","passed":0,"failed":1,"ignored":0,"measured":0,"filtered_out":0,"exec_time":0.1,"nextest":{"crate":"a","test_binary":"a","kind":"lib"}}
"#;
        let r = read(s);
        assert_eq!(r.producer.as_deref(), Some("nextest"));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.cases[0].id.key(), "b::it::two");
        assert_eq!(r.cases[0].outcome, Outcome::Flaky);
        assert_eq!(r.cases[0].attempts.len(), 2);
        assert_eq!(r.cases[1].id.key(), "a::a::t::one");
        assert_eq!(
            r.cases[1].primary_failure().unwrap().message.as_deref(),
            Some("time limit exceeded")
        );
        assert_eq!(r.suites.len(), 2);
        assert_eq!(r.cases[1].suite, Some(0));
    }

    #[test]
    fn broken_object_followed_by_a_good_one_is_a_warning() {
        let r = read(
            "{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 1 }\n{ \"type\": \"test\", \"name\": \"a\", \n{ \"type\": \"test\", \"name\": \"b\", \"event\": \"ok\" }\n",
        );
        assert_eq!(r.cases.len(), 1);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].location.as_ref().unwrap().line, 2);
    }
}
