//! The streaming event loop: quick-xml events in, test cases and suites out.

use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::mem;

use failtale_core::IngestError;
use failtale_core::capped::CappedBuf;
use failtale_core::model::{
    Attempt, Diagnostic, Failure, FailureKind, Format, Location, Property, Skip, Stream, Suite,
    SuitePath, TestCase, TestId,
};
use failtale_core::stage::Ingested;
use quick_xml::events::{BytesStart, Event};

use super::JunitReader;
use super::attrs::RawAttrs;
use super::producer::{Hints, RootKind};
use super::source::Source;
use super::time::parse_seconds;

const FORMAT: &str = "JUnit XML";

/// At most this many warnings are kept per file (a generated file can repeat
/// the same mistake a million times).
const MAX_WARNINGS: usize = 200;
/// Suites nested deeper than this are read as part of the suite at this
/// depth: real files nest a few levels, and each level costs a suite record.
const MAX_SUITE_DEPTH: usize = 256;
/// The longest name, file, type or other identifying attribute kept (bytes).
const MAX_IDENTIFIER: usize = 4096;

/// A suite's `tests` count reserves room for at most this many cases at a
/// time, so a wrong or hostile count cannot make the reader allocate much.
const MAX_RESERVED_CASES: usize = 1 << 16;

/// Reads one JUnit XML input.
pub(crate) fn read(cfg: &JunitReader, input: &mut dyn Read) -> Ingested {
    read_reserving(cfg, input, 0)
}

/// [`read`], with room for `cases` test cases reserved up front.
pub(crate) fn read_reserving(cfg: &JunitReader, input: &mut dyn Read, cases: usize) -> Ingested {
    let mut out = Ingested::default();
    out.cases.reserve(cases);
    let source = match Source::new(input) {
        Ok(s) => s,
        Err(e) => {
            out.error = Some(IngestError::Io(e));
            return out;
        }
    };
    if source.head().iter().all(u8::is_ascii_whitespace) {
        out.warnings
            .push(Diagnostic::new("the file is empty: no test results in it"));
        return out;
    }
    let mut reader = quick_xml::Reader::from_reader(source);
    {
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        // A lone `&` in captured output is a writer's bug, not a reason to lose the file.
        config.allow_dangling_amp = true;
    }
    let mut p = Parser::new(cfg, out);
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        let start = reader.buffer_position();
        let event = reader.read_event_into(&mut buf);
        let src = reader.get_ref();
        match event {
            Ok(Event::Start(e)) => {
                if !p.start(&e, src, start) {
                    break;
                }
            }
            Ok(Event::Empty(e)) => {
                if local_name(e.name().as_ref()) == b"properties" {
                    p.hints.empty_properties = true;
                }
                if !p.start(&e, src, start) {
                    break;
                }
                p.end();
            }
            Ok(Event::End(_)) => p.end(),
            Ok(Event::Text(t)) => {
                // Indentation between a retry element's children (stackTrace,
                // system-out) is formatting, not part of the failure text.
                let formatting =
                    p.stack.last() == Some(&Kind::Retry) && t.iter().all(u8::is_ascii_whitespace);
                if !formatting && let Some(sink) = p.sink() {
                    push_text(sink, &t);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(sink) = p.sink() {
                    push_text(sink, &t);
                }
            }
            Ok(Event::GeneralRef(r)) => p.reference(&r, src, start),
            Ok(Event::DocType(d)) => {
                if memchr::memmem::find(&d, b"ENTITY").is_some() {
                    p.warn(
                        src,
                        start,
                        "the DOCTYPE declares entities; they are not expanded (external \
                         entities are never fetched)"
                            .into(),
                    );
                }
            }
            Ok(Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
            Ok(Event::Eof) => {
                if p.stack.is_empty() {
                    if !p.root_seen {
                        p.out.error = Some(IngestError::Unrecognized {
                            looks_like: crate::sniff::looks_like(src.head()),
                        });
                    }
                } else {
                    let open = p.path.names_open();
                    let offset = reader.buffer_position();
                    p.fail(
                        src.location(offset, p.path.render()),
                        format!("unexpected end of file inside {open} (the file is truncated)"),
                    );
                }
                break;
            }
            Err(e) => {
                let offset = reader.error_position();
                p.fail(src.location(offset, p.path.render()), e.to_string());
                break;
            }
        }
        buf.clear();
    }
    let src = reader.get_ref();
    if !src.encoding().eq_ignore_ascii_case("UTF-8") && p.root_seen {
        p.out.warnings.push(Diagnostic::new(format!(
            "the file is {}; it was read as such",
            src.encoding()
        )));
    }
    p.finish()
}

/// What an open element is, as far as this reader cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Root,
    Suite,
    /// A `<testsuite>` nested deeper than [`MAX_SUITE_DEPTH`]: its cases
    /// belong to the deepest suite kept.
    FlatSuite,
    Case,
    Failure,
    Skipped,
    Retry,
    StackTrace,
    SystemOut,
    SystemErr,
    Properties,
    Property,
    Other,
}

fn kind_of(local: &[u8]) -> Kind {
    match local {
        b"testsuite" => Kind::Suite,
        b"testcase" => Kind::Case,
        b"failure" | b"error" => Kind::Failure,
        b"skipped" => Kind::Skipped,
        b"flakyFailure" | b"flakyError" | b"rerunFailure" | b"rerunError" => Kind::Retry,
        b"stackTrace" => Kind::StackTrace,
        b"system-out" => Kind::SystemOut,
        b"system-err" => Kind::SystemErr,
        b"properties" => Kind::Properties,
        b"property" => Kind::Property,
        _ => Kind::Other,
    }
}

fn local_name(qname: &[u8]) -> &[u8] {
    // Names are short: a plain scan beats a call into memchr.
    match qname.iter().rposition(|&b| b == b':') {
        Some(i) => &qname[i + 1..],
        None => qname,
    }
}

/// One attempt being read.
#[derive(Default)]
struct AttemptBuilder {
    failures: Vec<(Failure, Option<CappedBuf>)>,
    skipped: Option<(Skip, Option<CappedBuf>)>,
    timestamp: Option<String>,
    duration: Option<std::time::Duration>,
    stdout: Option<CappedBuf>,
    stderr: Option<CappedBuf>,
}

impl AttemptBuilder {
    fn finish(
        self,
        events: &mut Vec<failtale_core::model::TimelineEvent>,
        keep_passing_output: bool,
    ) -> Attempt {
        let passed = self.failures.is_empty() && self.skipped.is_none();
        let failures = if passed {
            Vec::new()
        } else {
            self.failures
                .into_iter()
                .map(|(mut f, body)| {
                    f.body = body.and_then(CappedBuf::finish).map(|t| t.text.into());
                    f
                })
                .collect()
        };
        let skipped = self.skipped.map(|(mut s, body)| {
            s.body = body.and_then(CappedBuf::finish).map(|t| t.text);
            s
        });
        let stdout = self.stdout.and_then(CappedBuf::finish);
        let stderr = self.stderr.and_then(CappedBuf::finish);
        if let Some(out) = &stdout {
            events.extend(crate::timeline::parse_markers(&out.text, Stream::Stdout));
        }
        if let Some(err) = &stderr {
            events.extend(crate::timeline::parse_markers(&err.text, Stream::Stderr));
        }
        let keep = keep_passing_output || !passed;
        {
            let mut attempt = Attempt::default();
            attempt.failures = failures;
            attempt.skipped = skipped.map(Box::new);
            attempt.timestamp = self.timestamp;
            attempt.duration = self.duration;
            attempt.stdout = stdout.filter(|_| keep).map(Box::new);
            attempt.stderr = stderr.filter(|_| keep).map(Box::new);
            attempt
        }
    }
}

/// The test case being read.
#[derive(Default)]
struct CaseBuilder {
    id: TestId,
    has_name: bool,
    suite: Option<usize>,
    file: Option<String>,
    line: Option<u32>,
    duration: Option<std::time::Duration>,
    main: AttemptBuilder,
    before: Vec<Attempt>,
    after: Vec<Attempt>,
    /// An open `flakyFailure`/`rerunFailure`…: (comes before the main attempt, attempt).
    /// Boxed: retries are rare, and the builder is moved once per case.
    retry: Option<Box<(bool, AttemptBuilder)>>,
    properties: Vec<Property>,
    extra: std::collections::BTreeMap<String, String>,
    status: Option<String>,
    result: Option<String>,
    events: Vec<failtale_core::model::TimelineEvent>,
}

/// A property whose value may come from its body.
struct PendingProperty {
    owner: Owner,
    name: String,
    value: Option<String>,
    body: CappedBuf,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Root,
    Suite,
    Case,
}

/// A suite's own `system-out` or `system-err`, while it is read (boxed:
/// most suites have none, and a deep nesting holds one entry per level).
type SuiteOutput = Option<Box<CappedBuf>>;

/// A suite being read.
struct OpenSuite {
    /// Index into `out.suites`.
    index: usize,
    out: SuiteOutput,
    err: SuiteOutput,
    /// A test in it (or in a suite nested in it) failed at some attempt.
    troubled: bool,
}

/// A case list up to this size (in bytes of capacity) is shrunk to fit
/// when the file is read.
const SHRINK_CASES_BELOW: usize = 16 * 1024 * 1024;

/// Cap on one suite output once a file's suite-output budget is spent.
pub(crate) const SUITE_OUTPUT_OVER_BUDGET: usize = 1024;

/// Element path with 1-based sibling indices per element name, for messages.
#[derive(Default)]
struct PathTracker {
    /// Open elements; entries past `depth` are kept for reuse.
    levels: Vec<Level>,
    depth: usize,
    /// Element names seen, each once (a document uses a handful).
    names: Vec<Vec<u8>>,
}

#[derive(Default)]
struct Level {
    /// Index into `names`.
    name: u32,
    index: u32,
    /// Children seen so far: (name, how many).
    children: Vec<(u32, u32)>,
}

impl PathTracker {
    fn intern(&mut self, name: &[u8]) -> u32 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            // A document with endless distinct element names: stop learning
            // them (messages then name the last one learnt).
            None if self.names.len() >= 1024 => self.names.len() as u32 - 1,
            None => {
                self.names.push(name.to_vec());
                self.names.len() as u32 - 1
            }
        }
    }

    fn push(&mut self, name: &[u8]) {
        let name = self.intern(name);
        let index = match self.depth.checked_sub(1) {
            Some(parent) => {
                let children = &mut self.levels[parent].children;
                match children.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => {
                        *count += 1;
                        *count
                    }
                    None => {
                        children.push((name, 1));
                        1
                    }
                }
            }
            None => 0,
        };
        if self.levels.len() == self.depth {
            self.levels.push(Level::default());
        }
        let level = &mut self.levels[self.depth];
        level.name = name;
        level.index = index;
        level.children.clear();
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `testsuites/testsuite[3]/testcase[12]`; past 24 levels, the 8
    /// outermost, `…` and the 16 innermost, so a message stays short however
    /// deep the document.
    fn render(&self) -> String {
        let mut s = String::new();
        let open = &self.levels[..self.depth];
        let elided = open.len().saturating_sub(24);
        for (i, level) in open.iter().enumerate() {
            if elided > 0 && (8..8 + elided).contains(&i) {
                if i == 8 {
                    s.push_str("/…");
                }
                continue;
            }
            if i > 0 {
                s.push('/');
            }
            s.push_str(&String::from_utf8_lossy(&self.names[level.name as usize]));
            if level.index > 0 {
                s.push_str(&format!("[{}]", level.index));
            }
        }
        s
    }

    /// `<testcase>` or `<testsuite>`, naming the innermost open element.
    fn names_open(&self) -> String {
        match self.levels[..self.depth].last() {
            Some(l) => format!(
                "<{}>",
                String::from_utf8_lossy(&self.names[l.name as usize])
            ),
            None => "the document".into(),
        }
    }
}

struct Parser<'c> {
    cfg: &'c JunitReader,
    out: Ingested,
    stack: Vec<Kind>,
    path: PathTracker,
    root_seen: bool,
    /// Open suites, innermost last.
    suites: Vec<OpenSuite>,
    /// The last test case's classname.
    last_classname: Option<std::sync::Arc<str>>,
    /// Bytes of suite output kept so far in this file, against
    /// [`JunitReader::max_suite_output_total`].
    suite_output_kept: usize,
    /// Suite outputs cut to [`SUITE_OUTPUT_OVER_BUDGET`] because the file's
    /// budget was spent.
    suite_outputs_cut: usize,
    /// The path of each open suite, innermost last, shared by its cases.
    suite_paths: Vec<SuitePath>,
    case: Option<CaseBuilder>,
    property: Option<PendingProperty>,
    /// Failing cases by hash of (suite, classname, name), for merging retries
    /// written as repeated test cases.
    failing: FxHashMap<u64, Vec<usize>>,
    hints: Hints,
    warned_entities: Vec<String>,
    warnings_dropped: usize,
    /// Names, files, types and other short attribute values cut to
    /// [`MAX_IDENTIFIER`] bytes.
    identifiers_cut: usize,
    /// Suites nested deeper than [`MAX_SUITE_DEPTH`], read as part of the
    /// deepest suite kept.
    suites_flattened: usize,
}

impl<'c> Parser<'c> {
    fn new(cfg: &'c JunitReader, out: Ingested) -> Self {
        Parser {
            cfg,
            out,
            stack: Vec::with_capacity(16),
            path: PathTracker::default(),
            root_seen: false,
            suites: Vec::new(),
            last_classname: None,
            suite_output_kept: 0,
            suite_outputs_cut: 0,
            suite_paths: Vec::new(),
            case: None,
            property: None,
            failing: FxHashMap::default(),
            hints: Hints::default(),
            warned_entities: Vec::new(),
            warnings_dropped: 0,
            identifiers_cut: 0,
            suites_flattened: 0,
        }
    }

    /// The classname as a shared text: the tests of a class (written one
    /// after another) hold one copy.
    fn shared_classname(&mut self, name: String) -> std::sync::Arc<str> {
        match &self.last_classname {
            Some(last) if **last == *name => last.clone(),
            _ => {
                let shared: std::sync::Arc<str> = name.into();
                self.last_classname = Some(shared.clone());
                shared
            }
        }
    }

    fn warn(&mut self, src: &Source<'_>, offset: u64, message: String) {
        if self.out.warnings.len() >= MAX_WARNINGS {
            self.warnings_dropped += 1;
            return;
        }
        let location = src.location(offset, self.path.render());
        self.out.warnings.push(Diagnostic::at(message, location));
    }

    fn fail(&mut self, location: Location, message: String) {
        self.out.error = Some(IngestError::Malformed {
            format: FORMAT,
            location,
            message,
        });
    }

    /// Handles a start tag. Returns false when reading must stop.
    fn start(&mut self, e: &BytesStart<'_>, src: &Source<'_>, offset: u64) -> bool {
        let qname = e.name();
        let local = local_name(qname.as_ref());
        self.path.push(qname.as_ref());
        if !self.root_seen {
            self.root_seen = true;
            match local {
                b"testsuites" | b"testrun" => {
                    self.hints.root = RootKind::Testsuites;
                    self.out.format = Some(Format::Junit);
                    self.stack.push(Kind::Root);
                    self.root_attrs(e);
                    return true;
                }
                b"testsuite" => self.hints.root = RootKind::Testsuite,
                b"testcase" => self.hints.root = RootKind::Other,
                _ => {
                    self.out.error = Some(IngestError::Unrecognized {
                        looks_like: crate::sniff::looks_like(src.head()),
                    });
                    return false;
                }
            }
            self.out.format = Some(Format::Junit);
        }
        let parent = self.stack.last().copied();
        let mut kind = kind_of(local);
        // Elements mean something only in their place; elsewhere they are skipped.
        kind = match (kind, parent) {
            (Kind::Suite, None | Some(Kind::Root | Kind::Suite | Kind::FlatSuite))
                if self.suites.len() >= MAX_SUITE_DEPTH =>
            {
                self.suites_flattened += 1;
                Kind::FlatSuite
            }
            (Kind::Suite, None | Some(Kind::Root | Kind::Suite | Kind::FlatSuite)) => kind,
            (Kind::Case, None | Some(Kind::Root | Kind::Suite | Kind::FlatSuite))
                if self.case.is_none() =>
            {
                kind
            }
            (Kind::Failure | Kind::Skipped | Kind::Retry, Some(Kind::Case)) => kind,
            (Kind::StackTrace, Some(Kind::Retry | Kind::Failure)) => kind,
            (Kind::SystemOut | Kind::SystemErr, Some(Kind::Case | Kind::Retry | Kind::Suite)) => {
                kind
            }
            (Kind::Properties, Some(Kind::Root | Kind::Suite | Kind::Case)) => kind,
            (Kind::Property, Some(Kind::Properties | Kind::Case)) => kind,
            _ => Kind::Other,
        };
        match kind {
            Kind::Suite => self.start_suite(e, src, offset),
            Kind::Case => self.start_case(e, src, offset),
            Kind::Failure => self.start_failure(e, local),
            Kind::Skipped => self.start_skipped(e),
            Kind::Retry => self.start_retry(e, local, src, offset),
            Kind::SystemOut | Kind::SystemErr => self.start_output(kind, parent),
            Kind::Property => self.start_property(e),
            _ => {}
        }
        self.stack.push(kind);
        true
    }

    fn end(&mut self) {
        let Some(kind) = self.stack.pop() else {
            return;
        };
        match kind {
            Kind::Suite => self.end_suite(),
            Kind::Case => self.end_case(),
            Kind::Retry => self.end_retry(),
            Kind::Property => self.end_property(),
            _ => {}
        }
        self.path.pop();
    }

    fn attr_text(&mut self, raw: &[u8], src: Option<(&Source<'_>, u64)>) -> String {
        let text = utf8(raw);
        if memchr::memchr2(b'&', b'\r', raw).is_none() {
            return text.into_owned();
        }
        let mut out = String::with_capacity(text.len());
        let unknown = unescape_lenient(&text, &mut out);
        if let (Some(name), Some((src, offset))) = (unknown, src) {
            self.unknown_entity(name, src, offset);
        }
        out
    }

    /// An attribute value that names something (a test, class, file, type,
    /// time): at most [`MAX_IDENTIFIER`] bytes, so a 20 MB test name is not
    /// copied into every report line and history row that names the test.
    fn ident_text(&mut self, raw: &[u8], src: Option<(&Source<'_>, u64)>) -> String {
        let mut text = self.attr_text(raw, src);
        if text.len() > MAX_IDENTIFIER {
            let mut end = MAX_IDENTIFIER;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
            self.identifiers_cut += 1;
        }
        text
    }

    fn capped(&self, s: String) -> String {
        if s.len() <= self.cfg.max_failure_text {
            return s;
        }
        let mut b = CappedBuf::new(self.cfg.max_failure_text);
        b.push_str(&s);
        b.finish().map(|t| t.text).unwrap_or_default()
    }

    fn time_attr(
        &mut self,
        raw: &[u8],
        src: &Source<'_>,
        offset: u64,
    ) -> Option<std::time::Duration> {
        let text = utf8(raw);
        match parse_seconds(&text) {
            Ok(d) => d,
            Err(()) => {
                self.warn(
                    src,
                    offset,
                    format!(
                        "`time` value {text:?} is not a number of seconds; the duration is dropped"
                    ),
                );
                None
            }
        }
    }

    fn root_attrs(&mut self, e: &BytesStart<'_>) {
        for (key, value) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"name" => self.hints.root_name = Some(self.ident_text(value, None)),
                b"id" => self.hints.root_has_id = true,
                b"timestamp" if self.out.timestamp.is_none() => {
                    self.out.timestamp = Some(self.ident_text(value, None));
                }
                b"noNamespaceSchemaLocation" | b"schemaLocation"
                    if memchr::memmem::find(value, b"surefire").is_some() =>
                {
                    self.hints.surefire_schema = true;
                }
                _ => {}
            }
        }
    }

    fn start_suite(&mut self, e: &BytesStart<'_>, src: &Source<'_>, offset: u64) {
        let mut suite = {
            let mut suite = Suite::default();
            suite.parent = self.suites.last().map(|s| s.index);
            suite
        };
        for (key, value) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"name" => suite.name = self.ident_text(value, Some((src, offset))),
                b"timestamp" => suite.timestamp = Some(self.ident_text(value, None)),
                b"hostname" => suite.hostname = Some(self.ident_text(value, None)),
                b"time" => suite.duration = self.time_attr(value, src, offset),
                b"file" => suite.file = Some(self.ident_text(value, None)),
                b"noNamespaceSchemaLocation" | b"schemaLocation"
                    if memchr::memmem::find(value, b"surefire").is_some() =>
                {
                    self.hints.surefire_schema = true;
                }
                _ => {
                    match local_name(key) {
                        b"id" => self.hints.suite_has_id = true,
                        // The outermost suites announce how many cases follow:
                        // room for them now saves copying the list as it grows.
                        b"tests" if self.suites.is_empty() => {
                            if let Ok(n) = utf8(value).trim().parse::<usize>() {
                                self.out.cases.reserve(n.min(MAX_RESERVED_CASES));
                            }
                        }
                        _ => {}
                    }
                    let k = String::from_utf8_lossy(key).into_owned();
                    let v = self.ident_text(value, None);
                    suite.extra.insert(k, v);
                }
            }
        }
        if self.out.timestamp.is_none() {
            self.out.timestamp.clone_from(&suite.timestamp);
        }
        if self.hints.first_suite_name.is_none() {
            self.hints.first_suite_name = Some(suite.name.clone());
            self.hints.suite_hostname.clone_from(&suite.hostname);
            self.hints.suite_timestamp = suite.timestamp.is_some();
        }
        if suite.file.as_deref().is_some_and(|f| f.contains("cypress")) {
            self.hints.suite_file_cypress = true;
        }
        let path = self.suite_paths.last().map_or_else(
            || SuitePath::from(vec![suite.name.clone()]),
            |p| p.child(suite.name.clone()),
        );
        self.suite_paths.push(path);
        self.suites.push(OpenSuite {
            index: self.out.suites.len(),
            out: None,
            err: None,
            troubled: false,
        });
        self.out.suites.push(suite);
    }

    fn end_suite(&mut self) {
        if let Some(open) = self.suites.pop() {
            // A suite whose tests all passed has nothing to explain: its log
            // is passing output, dropped as a passing test's is (a suite with
            // no test case at all keeps it: the log is all there is).
            let has_cases = self
                .out
                .cases
                .last()
                .and_then(|c| c.suite)
                .is_some_and(|s| s >= open.index);
            let keep = open.troubled || !has_cases || self.cfg.keep_passing_output;
            if open.troubled
                && let Some(parent) = self.suites.last_mut()
            {
                parent.troubled = true;
            }
            let suite = &mut self.out.suites[open.index];
            if keep {
                suite.stdout = open.out.and_then(|b| b.finish());
                suite.stderr = open.err.and_then(|b| b.finish());
                self.suite_output_kept += [&suite.stdout, &suite.stderr]
                    .iter()
                    .filter_map(|t| t.as_ref().map(|t| t.text.len()))
                    .sum::<usize>();
            }
        }
        self.suite_paths.pop();
    }

    fn start_case(&mut self, e: &BytesStart<'_>, src: &Source<'_>, offset: u64) {
        let mut case = CaseBuilder {
            suite: self.suites.last().map(|s| s.index),
            ..CaseBuilder::default()
        };
        for (key, value) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"name" => {
                    case.id.name = self.ident_text(value, Some((src, offset)));
                    case.has_name = true;
                }
                b"classname" => {
                    let c = self.ident_text(value, Some((src, offset)));
                    case.id.classname = (!c.trim().is_empty()).then(|| self.shared_classname(c));
                }
                b"time" => case.duration = self.time_attr(value, src, offset),
                b"file" => {
                    let f = self.ident_text(value, None);
                    case.file = (!f.is_empty()).then_some(f);
                }
                b"line" => case.line = parse_line(value),
                b"timestamp" => case.main.timestamp = Some(self.ident_text(value, None)),
                other => {
                    let v = self.ident_text(value, None);
                    match other {
                        b"status" => {
                            self.hints.gtest_status |= v == "run" || v == "notrun";
                            case.status = Some(v.clone());
                        }
                        b"result" => {
                            self.hints.gtest_result |= v == "completed" || v == "suppressed";
                            case.result = Some(v.clone());
                        }
                        b"duration" => self.hints.bazel_duration = true,
                        b"class" => self.hints.phpunit_case = true,
                        b"lineno" => self.hints.lineno_attr = true,
                        _ => {}
                    }
                    case.extra
                        .insert(String::from_utf8_lossy(key).into_owned(), v);
                }
            }
        }
        if self.hints.cases_seen < 32 {
            self.hints.cases_seen += 1;
            self.hints.gtest_disabled_name |= case.id.name.starts_with("DISABLED_");
            self.hints.playwright_names |= case.id.name.contains(" › ");
            // Bazel names the single test case after the target, like the suite.
            self.hints.bazel_duration &= case.status.is_some();
        }
        case.id.suite = self.suite_paths.last().cloned().unwrap_or_default();
        case.main.duration = case.duration;
        self.case = Some(case);
    }

    fn end_case(&mut self) {
        if let Some(case) = self.case.take() {
            self.push_case(case);
        }
    }

    fn push_case(&mut self, mut b: CaseBuilder) {
        if let Some((before, attempt)) = b.retry.take().map(|r| *r) {
            let attempt = attempt.finish(&mut b.events, self.cfg.keep_passing_output);
            if before {
                b.before.push(attempt);
            } else {
                b.after.push(attempt);
            }
        }
        let mut main = mem::take(&mut b.main);
        if main.failures.is_empty()
            && main.skipped.is_none()
            && let Some(reason) = skip_reason(&b)
        {
            main.skipped = Some((Skip::with_message(Some(reason)), None));
        }
        if b.file.is_none()
            && let Some(f) = main.failures.iter().find(|(f, _)| f.file.is_some())
        {
            b.file.clone_from(&f.0.file);
            b.line = b.line.or(f.0.line);
        }
        if b.line.is_none() {
            b.line = main.failures.iter().find_map(|(f, _)| f.line);
        }
        if b.file.is_none() {
            let mut s = b.suite;
            while let Some(i) = s {
                if let Some(f) = &self.out.suites[i].file {
                    b.file = Some(f.clone());
                    break;
                }
                s = self.out.suites[i].parent;
            }
        }
        let main = main.finish(&mut b.events, self.cfg.keep_passing_output);
        let attempts = if b.before.is_empty()
            && b.after.is_empty()
            && main.is_plain_pass()
            && main.duration == b.duration
        {
            // A plain pass holds no attempt (most tests of a large run).
            Vec::new()
        } else {
            // Exact capacity: a `Vec` grown by one push reserves room for four
            // attempts, which for 100k passing tests is 60 MB of nothing.
            let mut attempts = Vec::with_capacity(b.before.len() + 1 + b.after.len());
            attempts.append(&mut b.before);
            attempts.push(main);
            attempts.append(&mut b.after);
            attempts
        };
        if attempts.iter().any(|a| !a.failures.is_empty())
            && let Some(open) = self.suites.last_mut()
        {
            open.troubled = true;
        }
        let mut case = TestCase::new(b.id, attempts);
        case.suite = b.suite;
        case.file = b.file;
        case.line = b.line;
        case.duration = b.duration;
        case.set_details(b.properties, b.events, b.extra);

        // A test without a name has no identity to repeat.
        let key = (!case.id.name.is_empty()).then(|| case_key(&case));
        if let Some(candidates) = key.and_then(|k| self.failing.get_mut(&k)) {
            let found = candidates.iter().position(|&i| {
                let c = &self.out.cases[i];
                c.suite == case.suite && c.id == case.id
            });
            if let Some(pos) = found {
                let index = candidates[pos];
                let prev = &mut self.out.cases[index];
                if case.attempts.is_empty() {
                    // The repeat passed plainly: it is still an attempt here.
                    case.attempts.push({
                        let mut attempt = Attempt::default();
                        attempt.duration = case.duration;
                        attempt
                    });
                }
                prev.attempts.append(&mut case.attempts);
                let (properties, mut events, _) = case.take_details();
                if !events.is_empty() {
                    prev.events_mut().append(&mut events);
                }
                prev.duration = match (prev.duration, case.duration) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
                for p in properties {
                    if !prev.properties().contains(&p) {
                        prev.properties_mut().push(p);
                    }
                }
                prev.refresh_outcome();
                if !prev.outcome.is_failing() {
                    candidates.swap_remove(pos);
                }
                return;
            }
        }
        if let Some(key) = key.filter(|_| case.outcome.is_failing()) {
            self.failing
                .entry(key)
                .or_default()
                .push(self.out.cases.len());
        }
        self.out.cases.push(case);
    }

    fn start_failure(&mut self, e: &BytesStart<'_>, local: &[u8]) {
        let kind = if local == b"error" {
            FailureKind::Error
        } else {
            FailureKind::Failure
        };
        let failure = self.failure_attrs(e, kind);
        if let Some(case) = &mut self.case {
            case.main.failures.push((failure, None));
        }
    }

    fn failure_attrs(&mut self, e: &BytesStart<'_>, kind: FailureKind) -> Failure {
        let mut f = Failure::new(kind);
        for (key, value) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"message" => {
                    let m = self.attr_text(value, None);
                    f.message = Some(self.capped(m));
                }
                b"type" => {
                    let t = self.ident_text(value, None);
                    f.r#type = (!t.is_empty()).then_some(t);
                }
                b"file" => f.file = Some(self.ident_text(value, None)),
                b"line" => f.line = parse_line(value),
                _ => {}
            }
        }
        f
    }

    fn start_skipped(&mut self, e: &BytesStart<'_>) {
        let mut skip = Skip::default();
        for (key, value) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"message" => {
                    let m = self.attr_text(value, None);
                    skip.message = Some(self.capped(m));
                }
                b"type" => skip.r#type = Some(self.ident_text(value, None)),
                _ => {}
            }
        }
        if let Some(case) = &mut self.case
            && case.main.skipped.is_none()
        {
            case.main.skipped = Some((skip, None));
        }
    }

    fn start_retry(&mut self, e: &BytesStart<'_>, local: &[u8], src: &Source<'_>, offset: u64) {
        self.hints.retry_elements = true;
        let before = local.starts_with(b"flaky");
        let kind = if local.ends_with(b"Error") {
            FailureKind::Error
        } else {
            FailureKind::Failure
        };
        let failure = self.failure_attrs(e, kind);
        let mut attempt = AttemptBuilder {
            failures: vec![(failure, None)],
            ..AttemptBuilder::default()
        };
        for (key, value) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"time" => attempt.duration = self.time_attr(value, src, offset),
                b"timestamp" => attempt.timestamp = Some(self.ident_text(value, None)),
                _ => {}
            }
        }
        if let Some(case) = &mut self.case {
            case.retry = Some(Box::new((before, attempt)));
        }
    }

    fn end_retry(&mut self) {
        if let Some(case) = &mut self.case
            && let Some((before, attempt)) = case.retry.take().map(|r| *r)
        {
            let attempt = attempt.finish(&mut case.events, self.cfg.keep_passing_output);
            if before {
                case.before.push(attempt);
            } else {
                case.after.push(attempt);
            }
        }
    }

    fn start_output(&mut self, kind: Kind, parent: Option<Kind>) {
        let cap = self.cfg.max_output;
        let slot = match parent {
            Some(Kind::Case) => self.case.as_mut().map(|c| &mut c.main),
            Some(Kind::Retry) => self
                .case
                .as_mut()
                .and_then(|c| c.retry.as_mut().map(|r| &mut r.1)),
            Some(Kind::Suite) => {
                let spent = self.suite_output_kept >= self.cfg.max_suite_output_total;
                if let Some(open) = self.suites.last_mut() {
                    let buf = if kind == Kind::SystemOut {
                        &mut open.out
                    } else {
                        &mut open.err
                    };
                    if buf.is_none() && spent {
                        self.suite_outputs_cut += 1;
                    }
                    let cap = if spent {
                        cap.min(SUITE_OUTPUT_OVER_BUDGET)
                    } else {
                        cap
                    };
                    buf.get_or_insert_with(|| Box::new(CappedBuf::new(cap)));
                }
                None
            }
            _ => None,
        };
        if let Some(a) = slot {
            let buf = if kind == Kind::SystemOut {
                &mut a.stdout
            } else {
                &mut a.stderr
            };
            buf.get_or_insert_with(|| CappedBuf::new(cap));
        }
    }

    fn start_property(&mut self, e: &BytesStart<'_>) {
        let owner = self
            .stack
            .iter()
            .rev()
            .find_map(|k| match k {
                Kind::Case => Some(Owner::Case),
                Kind::Suite => Some(Owner::Suite),
                Kind::Root => Some(Owner::Root),
                _ => None,
            })
            .unwrap_or(Owner::Root);
        let mut name = String::new();
        let mut value = None;
        for (key, raw) in RawAttrs::new(e.attributes_raw()) {
            match local_name(key) {
                b"name" => name = self.ident_text(raw, None),
                b"value" => {
                    let v = self.attr_text(raw, None);
                    value = Some(self.capped(v));
                }
                _ => {}
            }
        }
        self.property = Some(PendingProperty {
            owner,
            name,
            value,
            body: CappedBuf::new(self.cfg.max_failure_text),
        });
    }

    fn end_property(&mut self) {
        let Some(p) = self.property.take() else {
            return;
        };
        let value = p
            .value
            .unwrap_or_else(|| p.body.finish().map(|t| t.text).unwrap_or_default());
        match p.name.as_str() {
            "go.version" => self.hints.go_version = true,
            "java.version" | "java.vendor" | "surefire.test.class.path" => {
                self.hints.java_properties = true;
            }
            _ if value.contains("xUnit.net") => self.hints.xunit_net = true,
            _ => {}
        }
        let property = Property::new(p.name, value);
        match p.owner {
            Owner::Case => {
                if let Some(c) = &mut self.case {
                    c.properties.push(property);
                }
            }
            Owner::Suite => {
                if let Some(open) = self.suites.last() {
                    self.out.suites[open.index].properties.push(property);
                }
            }
            Owner::Root => {}
        }
    }

    /// Where text in the current element goes, if it is kept.
    fn sink(&mut self) -> Option<&mut CappedBuf> {
        let top = *self.stack.last()?;
        let parent = self.stack.len().checked_sub(2).map(|i| self.stack[i]);
        let failure_cap = self.cfg.max_failure_text;
        match top {
            Kind::Failure => {
                let f = self.case.as_mut()?.main.failures.last_mut()?;
                Some(f.1.get_or_insert_with(|| CappedBuf::new(failure_cap)))
            }
            Kind::Retry => {
                let f = self.case.as_mut()?.retry.as_mut()?.1.failures.first_mut()?;
                Some(f.1.get_or_insert_with(|| CappedBuf::new(failure_cap)))
            }
            Kind::StackTrace => {
                let case = self.case.as_mut()?;
                let f = match parent? {
                    Kind::Retry => case.retry.as_mut()?.1.failures.first_mut()?,
                    _ => case.main.failures.last_mut()?,
                };
                Some(f.1.get_or_insert_with(|| CappedBuf::new(failure_cap)))
            }
            Kind::Skipped => {
                let s = self.case.as_mut()?.main.skipped.as_mut()?;
                Some(s.1.get_or_insert_with(|| CappedBuf::new(failure_cap)))
            }
            Kind::SystemOut | Kind::SystemErr => {
                let out = top == Kind::SystemOut;
                let attempt = match parent? {
                    Kind::Case => &mut self.case.as_mut()?.main,
                    Kind::Retry => &mut self.case.as_mut()?.retry.as_mut()?.1,
                    Kind::Suite => {
                        let open = self.suites.last_mut()?;
                        return if out {
                            open.out.as_deref_mut()
                        } else {
                            open.err.as_deref_mut()
                        };
                    }
                    _ => return None,
                };
                if out {
                    attempt.stdout.as_mut()
                } else {
                    attempt.stderr.as_mut()
                }
            }
            Kind::Property => Some(&mut self.property.as_mut()?.body),
            _ => None,
        }
    }

    fn reference(&mut self, r: &[u8], src: &Source<'_>, offset: u64) {
        let name = String::from_utf8_lossy(r);
        let resolved = resolve_entity(&name);
        match resolved {
            Some(c) => {
                if let Some(sink) = self.sink() {
                    let mut tmp = [0u8; 4];
                    sink.push_str(c.encode_utf8(&mut tmp));
                }
            }
            None => {
                let literal = format!("&{name};");
                if let Some(sink) = self.sink() {
                    sink.push_str(&literal);
                }
                self.unknown_entity(name.into_owned(), src, offset);
            }
        }
    }

    fn unknown_entity(&mut self, name: String, src: &Source<'_>, offset: u64) {
        if self.warned_entities.len() < 16 && !self.warned_entities.contains(&name) {
            self.warn(
                src,
                offset,
                format!(
                    "unknown entity `&{name};` kept as literal text (entities are never expanded)"
                ),
            );
            self.warned_entities.push(name);
        }
    }

    fn finish(mut self) -> Ingested {
        // A list that grew by doubling has slack. A small list gives it back;
        // a large one keeps it: its slack was never written, so it costs
        // address space rather than memory, while shrinking it copies the
        // whole list into a new allocation and holds both for a moment
        // (measured: +530 MiB at the end of reading 1.66M tests).
        let bytes = self.out.cases.capacity() * mem::size_of::<failtale_core::model::TestCase>();
        if bytes <= SHRINK_CASES_BELOW {
            self.out.cases.shrink_to_fit();
        }
        if self.out.error.is_some() {
            if let Some(mut case) = self.case.take()
                && case.has_name
            {
                self.out.warnings.push(Diagnostic::new(format!(
                    "test case `{}` was cut off; its result may be incomplete",
                    case.id.name
                )));
                case.id.suite = mem::take(&mut case.id.suite);
                self.push_case(case);
            }
            while !self.suites.is_empty() {
                self.end_suite();
            }
        }
        if self.suite_outputs_cut > 0 {
            self.out.warnings.push(Diagnostic::new(format!(
                "{} suite system-out/system-err block(s) past the first {} MiB of suite output in this file were cut to {} KiB each (head and tail kept)",
                self.suite_outputs_cut,
                self.cfg.max_suite_output_total / (1024 * 1024),
                SUITE_OUTPUT_OVER_BUDGET / 1024
            )));
        }
        if self.suites_flattened > 0 {
            self.out.warnings.push(Diagnostic::new(format!(
                    "{} test suite(s) nested deeper than {MAX_SUITE_DEPTH} levels were read as part of the suite at that depth",
                    self.suites_flattened
                )));
        }
        if self.identifiers_cut > 0 {
            self.out.warnings.push(Diagnostic::new(format!(
                    "{} name, file or type attribute(s) longer than {} KiB were cut to that length (marked …)",
                    self.identifiers_cut,
                    MAX_IDENTIFIER / 1024
                )));
        }
        if self.warnings_dropped > 0 {
            self.out.warnings.push(Diagnostic::new(format!(
                "{} further warnings not shown",
                self.warnings_dropped
            )));
        }
        if matches!(self.out.error, Some(IngestError::Unrecognized { .. })) {
            self.out.format = None;
        }
        self.out.producer = self.hints.guess().map(str::to_owned);
        self.out
    }
}

/// Why a test case without failure or skip elements was nevertheless skipped,
/// from `status`/`result` attributes or a googletest `DISABLED_` name.
fn skip_reason(b: &CaseBuilder) -> Option<String> {
    let status = b.status.as_deref().map(str::trim).unwrap_or("");
    let result = b.result.as_deref().map(str::trim).unwrap_or("");
    let skipped_status = [
        "notrun", "not_run", "not run", "disabled", "skipped", "skip", "ignored", "pending",
    ];
    if skipped_status
        .iter()
        .any(|s| status.eq_ignore_ascii_case(s))
    {
        return Some(format!("status=\"{status}\""));
    }
    if ["suppressed", "skipped"]
        .iter()
        .any(|s| result.eq_ignore_ascii_case(s))
    {
        return Some(format!("result=\"{result}\""));
    }
    let disabled = |s: &str| {
        s.starts_with("DISABLED_") || (s.as_bytes().contains(&b'/') && s.contains("/DISABLED_"))
    };
    if result != "completed"
        && (disabled(&b.id.name) || b.id.classname.as_deref().is_some_and(disabled))
    {
        return Some("disabled test (DISABLED_ prefix)".into());
    }
    None
}

fn case_key(case: &TestCase) -> u64 {
    // Not a security boundary: a fast hash keeps duplicate detection off the profile.
    let mut h = rustc_hash::FxHasher::default();
    case.suite.hash(&mut h);
    case.id.classname.hash(&mut h);
    case.id.name.hash(&mut h);
    h.finish()
}

fn parse_line(raw: &[u8]) -> Option<u32> {
    std::str::from_utf8(raw).ok()?.trim().parse().ok()
}

/// Decodes UTF-8, replacing invalid sequences. Valid input (nearly all of
/// it) takes the fast validating path rather than the lossy iterator.
fn utf8(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

/// Appends raw text (escaped text or CDATA) to a sink: invalid UTF-8 is
/// replaced, and CR LF / CR line ends become LF as XML requires.
fn push_text(sink: &mut CappedBuf, raw: &[u8]) {
    let text = utf8(raw);
    if memchr::memchr(b'\r', raw).is_some() {
        sink.push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        sink.push_str(&text);
    }
}

/// The character a predefined entity or character reference stands for.
fn resolve_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        // An invalid code point still stood for *something*; keep a marker.
        return Some(
            code.and_then(char::from_u32)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{FFFD}'),
        );
    }
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// Unescapes an attribute value; unknown entities and lone `&` stay literal.
/// CR LF / CR become LF. Returns the first unknown entity name.
fn unescape_lenient(text: &str, out: &mut String) -> Option<String> {
    let mut unknown = None;
    let mut rest = text;
    while let Some(i) = rest.find(['&', '\r']) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'\r' {
            out.push('\n');
            rest = rest[i + 1..].strip_prefix('\n').unwrap_or(&rest[i + 1..]);
            continue;
        }
        let after = &rest[i + 1..];
        match after.find(';').filter(|&j| j > 0 && j <= 32) {
            Some(j) => {
                let name = &after[..j];
                match resolve_entity(name) {
                    Some(c) => out.push(c),
                    None => {
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                        if unknown.is_none()
                            && name
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
                        {
                            unknown = Some(name.to_owned());
                        }
                    }
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tests_of_a_suite_share_its_path() {
        let depth = 200;
        let mut xml = String::from("<testsuites>");
        for i in 0..depth {
            xml += &format!("<testsuite name='level{i}'>");
        }
        for i in 0..50 {
            xml += &format!("<testcase name='t{i}'/>");
        }
        xml += &"</testsuite>".repeat(depth - 1);
        xml += "<testcase name='outer'/></testsuite></testsuites>";
        let run = read(&xml);
        assert_eq!(run.cases.len(), 51);
        let deepest = &run.cases[0].id.suite;
        assert_eq!(deepest.len(), depth);
        assert_eq!(deepest.to_vec()[0], "level0");
        assert_eq!(deepest.to_vec()[depth - 1], format!("level{}", depth - 1));
        // One path for the 50 tests, not 50 copies of 300 names.
        assert!(run.cases[..50].iter().all(|c| c.id.suite.shares(deepest)));
        let outer = &run.cases[50].id.suite;
        assert_eq!(outer.len(), 1);
        assert_eq!(outer.to_vec()[0], "level0");
        assert!(run.warnings.is_empty(), "{:?}", run.warnings);
    }

    #[test]
    fn suites_nested_past_the_limit_belong_to_the_deepest_kept_and_say_so() {
        let depth = 20_000;
        let mut xml = String::from("<testsuites>");
        for _ in 0..depth {
            xml += "<testsuite name='a'>";
        }
        xml += "<testcase name='deep'><failure message='x'/></testcase>";
        xml += &"</testsuite>".repeat(depth - MAX_SUITE_DEPTH);
        // Back inside the kept suites: a case of the suite at the limit.
        xml += "<testcase name='at limit'/>";
        xml += &"</testsuite>".repeat(MAX_SUITE_DEPTH);
        xml += "</testsuites>";
        let run = read(&xml);
        assert!(run.error.is_none(), "{:?}", run.error);
        assert_eq!(run.suites.len(), MAX_SUITE_DEPTH);
        assert_eq!(run.cases.len(), 2);
        for case in &run.cases {
            assert_eq!(case.id.suite.len(), MAX_SUITE_DEPTH, "{}", case.id.name);
            assert_eq!(case.suite, Some(MAX_SUITE_DEPTH - 1));
        }
        assert!(run.cases[0].outcome.is_failing());
        let warned = run.warnings.iter().any(|w| {
            w.message.contains(&format!(
                "{} test suite(s) nested deeper than {MAX_SUITE_DEPTH}",
                depth - MAX_SUITE_DEPTH
            ))
        });
        assert!(warned, "{:?}", run.warnings);
    }

    #[test]
    fn the_tests_of_a_class_share_its_name() {
        let r = read(
            "<testsuite name='s'><testcase classname='pkg.A' name='a'/><testcase classname='pkg.A' name='b'/>\
             <testcase classname='pkg.B' name='c'/><testcase classname=' ' name='d'/></testsuite>",
        );
        let names: Vec<_> = r.cases.iter().map(|c| c.id.classname.clone()).collect();
        let (a, b) = (names[0].as_ref().unwrap(), names[1].as_ref().unwrap());
        assert!(std::sync::Arc::ptr_eq(a, b), "one copy for class pkg.A");
        assert_eq!(names[2].as_deref(), Some("pkg.B"));
        assert_eq!(names[3], None, "a blank classname is none");
    }

    #[test]
    fn a_passing_suite_s_log_is_dropped_and_a_failing_or_empty_one_kept() {
        let xml = "<testsuites>\
            <testsuite name='green'><testcase name='a'/><system-out>green log</system-out></testsuite>\
            <testsuite name='outer'>\
              <testsuite name='inner'><testcase name='b'><failure message='x'/></testcase></testsuite>\
              <system-out>outer log</system-out><system-err>outer err</system-err>\
            </testsuite>\
            <testsuite name='crashed'><system-out>binary crashed before any test</system-out></testsuite>\
            </testsuites>";
        let log = |r: &Ingested, name: &str| {
            let s = r.suites.iter().find(|s| s.name == name).unwrap();
            s.stdout.as_ref().map(|t| t.text.clone())
        };
        let r = read(xml);
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(log(&r, "green"), None, "all its tests passed");
        assert_eq!(
            log(&r, "outer").as_deref(),
            Some("outer log"),
            "a nested suite failed"
        );
        let outer = r.suites.iter().find(|s| s.name == "outer").unwrap();
        assert_eq!(
            outer.stderr.as_ref().map(|t| t.text.as_str()),
            Some("outer err")
        );
        assert_eq!(
            log(&r, "crashed").as_deref(),
            Some("binary crashed before any test"),
            "no test case: the log is all there is"
        );
        let keep = JunitReader {
            keep_passing_output: true,
            ..JunitReader::default()
        };
        let r = super::read(&keep, &mut xml.as_bytes());
        assert_eq!(log(&r, "green").as_deref(), Some("green log"));
    }

    #[test]
    fn suite_logs_past_the_file_s_budget_keep_only_head_and_tail() {
        let line = "x".repeat(99) + "\n";
        let big = line.repeat(100); // 10,000 bytes per suite log
        let mut xml = String::from("<testsuites>");
        for i in 0..10 {
            xml += &format!(
                "<testsuite name='s{i}'><testcase name='t'><failure message='m'/></testcase>\
                 <system-out>START{i}\n{big}END{i}</system-out></testsuite>"
            );
        }
        xml += "</testsuites>";
        let reader = JunitReader {
            max_suite_output_total: 25_000,
            ..JunitReader::default()
        };
        let r = super::read(&reader, &mut xml.as_bytes());
        assert!(r.error.is_none(), "{:?}", r.error);
        let texts: Vec<_> = r.suites.iter().map(|s| s.stdout.clone().unwrap()).collect();
        // The first three fill the budget (10 KB each, the third crosses it).
        for t in &texts[..3] {
            assert!(t.is_complete(), "{}", t.text.len());
        }
        for (i, t) in texts.iter().enumerate().skip(3) {
            assert!(!t.is_complete());
            assert!(
                t.text.len() <= SUITE_OUTPUT_OVER_BUDGET + 100,
                "{}",
                t.text.len()
            );
            assert!(t.text.starts_with(&format!("START{i}")), "the head is kept");
            assert!(t.text.ends_with(&format!("END{i}")), "the tail is kept");
        }
        let warning = r
            .warnings
            .iter()
            .find(|w| w.message.contains("suite system-out"));
        assert!(
            warning.is_some_and(|w| w.message.starts_with("7 suite")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn a_suites_test_count_reserves_room_but_never_much() {
        let file = |tests: &str| {
            format!(
                "<testsuites><testsuite name='s' tests='{tests}'>\
                 <testcase name='a'/><testcase name='b'/></testsuite></testsuites>"
            )
        };
        let read = |xml: String| read(&xml);
        let exact = read(file("2"));
        assert_eq!(exact.cases.len(), 2);
        assert_eq!(
            exact.cases.capacity(),
            2,
            "no room wasted when the count is right"
        );
        // A hostile count neither aborts nor reserves without bound.
        for hostile in ["18446744073709551615", "99999999999999999999999", "-5", "x"] {
            let r = read(file(hostile));
            assert_eq!(r.cases.len(), 2, "tests={hostile}");
            assert!(r.error.is_none());
            assert!(r.cases.capacity() <= MAX_RESERVED_CASES);
        }
        // Each attempt list is exactly as long as it needs to be: none for
        // a plain pass, one for a failure.
        assert!(exact.cases.iter().all(|c| c.attempts.capacity() == 0));
        let failing = read(
            "<testsuite><testcase name='a' time='1'><failure/></testcase>\
             <testcase name='b' time='1'><skipped/></testcase></testsuite>"
                .into(),
        );
        assert!(failing.cases.iter().all(|c| c.attempts.capacity() == 1));
    }

    #[test]
    fn attribute_unescaping_keeps_unknown_entities() {
        let mut out = String::new();
        let unknown = unescape_lenient("a &lt;b&gt; &amp; &#65;&#x42; &xxe; & c\r\nd", &mut out);
        assert_eq!(out, "a <b> & AB &xxe; & c\nd");
        assert_eq!(unknown.as_deref(), Some("xxe"));
    }

    #[test]
    fn element_paths_count_siblings_by_name() {
        let mut p = PathTracker::default();
        p.push(b"testsuites");
        p.push(b"testsuite");
        p.pop();
        p.push(b"properties");
        p.pop();
        p.push(b"testsuite");
        p.push(b"testcase");
        p.pop();
        p.push(b"testcase");
        assert_eq!(p.render(), "testsuites/testsuite[2]/testcase[2]");
        p.pop();
        p.pop();
        p.push(b"testsuite");
        p.push(b"testcase");
        assert_eq!(p.render(), "testsuites/testsuite[3]/testcase[1]");
    }

    fn read(xml: &str) -> Ingested {
        super::read(&JunitReader::default(), &mut xml.as_bytes())
    }

    #[test]
    fn indentation_between_a_retry_s_children_is_not_failure_text() {
        let r = read(
            "<testsuite><testcase name=\"t\">\n  <flakyFailure message=\"m\">\n    <stackTrace>X\n  at y</stackTrace>\n    <system-out>o</system-out>\n  </flakyFailure>\n</testcase></testsuite>",
        );
        let first = &r.cases[0].attempts[0];
        assert_eq!(first.failures[0].body.as_deref(), Some("X\n  at y"));
        assert_eq!(first.stdout.as_ref().map(|o| o.text.as_str()), Some("o"));
    }

    #[test]
    fn truncated_file_reports_position_and_keeps_earlier_cases() {
        let r = read(
            "<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\"/>\n<testcase name=\"b\"><failure>bo",
        );
        let Some(IngestError::Malformed { location, .. }) = &r.error else {
            panic!("{:?}", r.error);
        };
        assert_eq!(
            location.element_path,
            "testsuites/testsuite[1]/testcase[2]/failure[1]"
        );
        assert_eq!(location.line, 4);
        assert_eq!(r.cases.len(), 2);
        assert_eq!(r.cases[0].id.name, "a");
    }

    #[test]
    fn syntax_error_location() {
        let r = read("<testsuite>\n  <testcase name=\"a\"/>\n  <testcase name=\"b\" time=\"1\"\n");
        let Some(IngestError::Malformed { location, .. }) = &r.error else {
            panic!("{:?}", r.error);
        };
        assert_eq!((location.line, location.column), (3, 3));
        assert_eq!(r.cases.len(), 1);
    }

    #[test]
    fn external_entities_are_never_resolved() {
        let dir = std::env::temp_dir().join(format!("failtale-xxe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("secret.txt");
        std::fs::write(&secret, "TOP-SECRET-CONTENT").unwrap();
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [<!ENTITY xxe SYSTEM \"file://{}\">]>\n\
             <testsuite name=\"s\"><testcase name=\"&xxe;\"><failure message=\"&xxe;\">&xxe;</failure>\
             <system-out>&xxe;</system-out></testcase></testsuite>",
            secret.display()
        );
        let r = read(&xml);
        std::fs::remove_dir_all(&dir).ok();
        assert!(r.error.is_none(), "{:?}", r.error);
        let dump = format!("{:?}", r.cases);
        assert!(!dump.contains("TOP-SECRET"), "{dump}");
        assert!(dump.contains("&xxe;"));
        assert!(!r.warnings.is_empty());
    }

    #[test]
    fn mismatched_end_tag_is_located() {
        let r = read(
            "<testsuite name=\"s\">\n  <testcase name=\"ok\"/>\n  <testcase name=\"bad\"><failure></testcase>\n</testsuite>\n",
        );
        let Some(IngestError::Malformed {
            location, message, ..
        }) = &r.error
        else {
            panic!("{:?}", r.error);
        };
        assert_eq!(location.element_path, "testsuite/testcase[2]/failure[1]");
        assert_eq!(location.line, 3);
        assert!(message.contains("testcase"), "{message}");
    }
}
