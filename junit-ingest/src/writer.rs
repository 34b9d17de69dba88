//! Writes a [`TestRun`] back out as JUnit XML, enriched with failtale's
//! findings, so existing JUnit viewers (Jenkins, GitLab, GitHub actions)
//! show them without changes. [`to_junit`] builds the document as
//! quick-junit's typed [`Report`]; [`write_junit`] streams the same document
//! (byte for byte what quick-junit writes, for text that needs no repair)
//! straight from the run to a writer, a test case at a time, so writing a
//! large run costs no second copy of it.
//!
//! # What goes where
//!
//! - **Suites.** One `<testsuite>` per [`Suite`] of the run, in order.
//!   quick-junit has no nested suites, so a nested suite's name is the path of
//!   names from the outermost, joined by `/` (`outer/inner`; past 32
//!   levels, `…/` and the 32 innermost names); an outer suite
//!   that only holds other suites (no test cases, properties or output of its
//!   own) is not written. `timestamp`, `time`, properties, `system-out` and
//!   `system-err` are kept; `hostname`, `file` and every uninterpreted
//!   attribute are written as attributes again. The count attributes (`tests`,
//!   `failures`, `errors`, `skipped`) are recomputed by quick-junit from the
//!   cases. Test cases without a suite go to a suite named after their
//!   [`TestId::suite`] path, or `tests`.
//! - **Test cases.** `name`, `classname`, `time`, properties, uninterpreted
//!   attributes (an `assertions` attribute becomes quick-junit's own), `file`
//!   (when it is not just the enclosing suite's) and `line`. The timestamp,
//!   `system-out` and `system-err` come from the attempt written as the main
//!   result.
//! - **Attempts.** A test whose last attempt passed is a success whose
//!   earlier failing attempts are `<flakyFailure>`/`<flakyError>`s. A failing
//!   test's first failing attempt is its `<failure>`/`<error>` and the later
//!   failing attempts are `<rerunFailure>`/`<rerunError>`s (JUnit's order:
//!   the first run, then the reruns). A skipped test is `<skipped>`. Each
//!   rerun keeps its own timestamp, time, message, type, output, and its body
//!   as `<stackTrace>`.
//! - **Timestamps** that are RFC 3339 are written in quick-junit's form
//!   (milliseconds, numeric offset); others are written verbatim (suites and
//!   test cases) or dropped (reruns, which have no free-form attributes).
//!
//! Not written, because JUnit has no place for them: timeline events (they
//! are found again in the output), a second failure of one attempt (its
//! message is appended to the description instead), failure file and line
//! (the test case's `file`/`line` are), attempts that passed or were skipped
//! before the final one, and retries of a skipped test.
//!
//! # Enrichment
//!
//! An [`Enrichment`] adds properties to test cases, by index into
//! [`TestRun::cases`], can put a line at the top of a failure's
//! description, and can append a readable block to a failing test's
//! `system-err` under a `--- failtale ---` line (viewers that ignore
//! properties still show output). The property names failtale uses are in
//! [`keys`]. Only standard JUnit elements are written, and [`write_junit`]
//! makes the text valid XML 1.0 whatever the tests printed.
//!
//! The writer takes a [`Sanitized`] run only: what it writes has been through
//! the sanitize stage.
//!
//! ```
//! use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId, TestRun};
//! use failtale_core::{Pipeline, Redactions};
//! use junit_ingest::writer::{keys, to_junit, Enrichment};
//!
//! let mut run = TestRun::default();
//! let failing = Attempt::with_failures(vec![Failure::new(FailureKind::Failure)]);
//! run.cases.push(TestCase::new(TestId::new(Default::default(), None, "t"), vec![failing]));
//! let run = Pipeline::default().sanitize(run, &mut Redactions::new());
//! let mut enrich = Enrichment::default();
//! enrich.add_property(0, keys::CLUSTER, "c1");
//! enrich.set_note(0, "root cause: the database was not reachable");
//! let report = to_junit(&run, &enrich);
//! let xml = report.to_string().unwrap();
//! assert!(xml.contains(r#"<property name="failtale.cluster" value="c1"/>"#));
//! assert!(xml.contains("root cause: the database was not reachable"));
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use failtale_core::Sanitized;
use failtale_core::model::{
    Attempt, AttemptStatus, FailureKind, Property, Suite, TestCase, TestId, TestRun,
};
use quick_junit::{
    NonSuccessKind, Report, TestCase as JCase, TestCaseStatus, TestRerun, TestSuite,
};

pub use crate::errors::WriteError;
use crate::xml_out;

/// Property names failtale adds to test cases in the enriched JUnit.
pub mod keys {
    /// Identifier of the failure cluster the test belongs to (`c1`, `c2`, …).
    pub const CLUSTER: &str = "failtale.cluster";
    /// Fingerprint (stable hex hash) of the failure's signature.
    pub const FINGERPRINT: &str = "failtale.fingerprint";
    /// The most likely root cause, in one sentence.
    pub const ROOT_CAUSE: &str = "failtale.root_cause";
    /// Category of the root cause (`network`, `timeout`, …, as in `report.json`).
    pub const CATEGORY: &str = "failtale.category";
    /// A concrete fix suggestion.
    pub const FIX: &str = "failtale.fix";
    /// Confidence in the analysis, 0–1.
    pub const CONFIDENCE: &str = "failtale.confidence";
    /// Severity of the root cause (`low`, `medium`, `high`, `critical`).
    pub const SEVERITY: &str = "failtale.severity";
    /// Probability 0–1 that the failure is a flake, from the history store.
    pub const FLAKE_PROBABILITY: &str = "failtale.flake_probability";
}

/// The first line of the block failtale appends to a failing test's `system-err`.
pub const STDERR_HEADER: &str = "--- failtale ---";

/// What failtale adds to one test case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseEnrichment {
    /// Properties appended after the test case's own.
    pub properties: Vec<Property>,
    /// A line put at the top of the failure description (failing tests only).
    pub note: Option<String>,
    /// A block appended to the test's `system-err` after [`STDERR_HEADER`].
    pub stderr_block: Option<String>,
}

/// Additions to the written JUnit, by index into [`TestRun::cases`].
///
/// What every member of a cluster shares (its cluster id, analysis and
/// block) is held once, as an [`Arc`] given to each member with
/// [`Enrichment::share`]; what is a test's own (its flake probability) is
/// added beside it. 100,000 failing tests of 1,000 clusters hold 1,000
/// analyses, not 100,000 copies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enrichment {
    cases: BTreeMap<usize, Entry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    shared: Option<Arc<CaseEnrichment>>,
    own: CaseEnrichment,
}

/// What is added to one test case: the part it shares with other tests and
/// its own, in that order.
#[derive(Clone, Copy, Debug)]
pub struct Additions<'a> {
    shared: Option<&'a CaseEnrichment>,
    own: &'a CaseEnrichment,
}

impl<'a> Additions<'a> {
    /// The shared properties, then the test's own.
    pub fn properties(&self) -> impl Iterator<Item = &'a Property> + Clone + use<'a> {
        self.shared
            .into_iter()
            .flat_map(|s| s.properties.iter())
            .chain(self.own.properties.iter())
    }

    /// The note at the top of the failure description: the test's own, else the shared one.
    pub fn note(&self) -> Option<&'a str> {
        self.own
            .note
            .as_deref()
            .or_else(|| self.shared.and_then(|s| s.note.as_deref()))
    }

    /// The parts of the `system-err` block, shared first; empty when none.
    pub fn stderr_block(&self) -> impl Iterator<Item = &'a str> + Clone + use<'a> {
        self.shared
            .and_then(|s| s.stderr_block.as_deref())
            .into_iter()
            .chain(self.own.stderr_block.as_deref())
    }

    /// The whole `system-err` block as one text, when there is one.
    pub fn stderr_block_text(&self) -> Option<String> {
        let mut parts = self.stderr_block().peekable();
        parts.peek()?;
        let mut text = String::new();
        for p in parts {
            if !(text.is_empty() || text.ends_with('\n')) {
                text.push('\n');
            }
            text.push_str(p);
        }
        Some(text)
    }
}

impl Enrichment {
    /// Adds a property to a test case (names in [`keys`]).
    pub fn add_property(&mut self, case: usize, name: impl Into<String>, value: impl Into<String>) {
        self.cases
            .entry(case)
            .or_default()
            .own
            .properties
            .push(Property::new(name.into(), value.into()));
    }

    /// Sets the line put at the top of a failing test case's description.
    pub fn set_note(&mut self, case: usize, note: impl Into<String>) {
        self.cases.entry(case).or_default().own.note = Some(note.into());
    }

    /// Sets the block appended to a test case's `system-err`, under a
    /// `--- failtale ---` line, where every JUnit viewer shows output
    /// (after the shared block, when the test has one).
    pub fn set_stderr_block(&mut self, case: usize, block: impl Into<String>) {
        self.cases.entry(case).or_default().own.stderr_block = Some(block.into());
    }

    /// Gives a test case additions it shares with others (held once): they
    /// come before its own properties and block, and its own note wins.
    pub fn share(&mut self, case: usize, shared: Arc<CaseEnrichment>) {
        self.cases.entry(case).or_default().shared = Some(shared);
    }

    /// What is added to a test case, if anything.
    pub fn get(&self, case: usize) -> Option<Additions<'_>> {
        self.cases.get(&case).map(|e| Additions {
            shared: e.shared.as_deref(),
            own: &e.own,
        })
    }

    /// True when nothing is added.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

/// Attributes quick-junit writes itself from its own fields.
const COMPUTED_SUITE_ATTRS: &[&str] = &["tests", "failures", "errors", "skipped", "disabled"];

/// Which cases each suite holds, and which suites are written.
struct Layout {
    /// Case indices per suite of the run (`u32`, each list its exact
    /// length: for 1.6M tests this is most of what writing adds).
    by_suite: Vec<Vec<u32>>,
    /// Cases without a suite, grouped by their [`TestId::suite`] path.
    loose: Vec<(String, Vec<u32>)>,
    /// Per suite: false for an outer suite that only holds other suites (not written).
    written: Vec<bool>,
}

impl Layout {
    fn of(run: &TestRun) -> Layout {
        let mut sizes = vec![0usize; run.suites.len()];
        for case in &run.cases {
            if let Some(s) = case.suite.filter(|&s| s < run.suites.len()) {
                sizes[s] += 1;
            }
        }
        let mut by_suite: Vec<Vec<u32>> = sizes.into_iter().map(Vec::with_capacity).collect();
        let mut loose: Vec<(String, Vec<u32>)> = Vec::new();
        let mut loose_at: std::collections::HashMap<String, usize> = Default::default();
        for (i, case) in run.cases.iter().enumerate() {
            // A run's cases fit in `u32`: four billion tests would be a
            // terabyte of model before this.
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match case.suite.filter(|&s| s < run.suites.len()) {
                Some(s) => by_suite[s].push(i),
                None => {
                    let name = if case.id.suite.is_empty() {
                        "tests".to_owned()
                    } else {
                        case.id.suite.join("/")
                    };
                    match loose_at.get(&name) {
                        Some(&k) => loose[k].1.push(i),
                        None => {
                            loose_at.insert(name.clone(), loose.len());
                            loose.push((name, vec![i]));
                        }
                    }
                }
            }
        }
        let mut has_children = vec![false; run.suites.len()];
        for s in &run.suites {
            if let Some(p) = s.parent.filter(|&p| p < has_children.len()) {
                has_children[p] = true;
            }
        }
        let written = run
            .suites
            .iter()
            .enumerate()
            .map(|(s, suite)| {
                !(has_children[s]
                    && by_suite[s].is_empty()
                    && suite.properties.is_empty()
                    && suite.stdout.is_none()
                    && suite.stderr.is_none())
            })
            .collect();
        Layout {
            by_suite,
            loose,
            written,
        }
    }
}

/// Builds the quick-junit report for a run (see the module docs for the
/// mapping). [`write_junit`] writes the same report without building it.
pub fn to_junit(run: &Sanitized<TestRun>, enrich: &Enrichment) -> Report {
    let run: &TestRun = run;
    let layout = Layout::of(run);
    let mut report = Report::unnamed();
    let mut suites = Vec::new();
    for (s, cases) in layout.by_suite.iter().enumerate() {
        if !layout.written[s] {
            continue;
        }
        let mut js = suite_head(run, s);
        for &i in cases {
            js.add_test_case(case_to_junit(run, i as usize, enrich));
        }
        suites.push(js);
    }
    for (name, cases) in layout.loose {
        let mut js = TestSuite::new(name);
        for i in cases {
            js.add_test_case(case_to_junit(run, i as usize, enrich));
        }
        suites.push(js);
    }
    report.add_test_suites(suites);
    report
}

/// What [`write_junit`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// Bytes written.
    pub bytes: u64,
    /// Attribute names from the input that were not written because XML
    /// could not carry them (not names, or a namespace prefix never
    /// declared), each once, in the order met.
    pub dropped_attributes: Vec<String>,
}

/// Writes the enriched JUnit XML for a run, streaming: one test case at a
/// time goes from the run to `w`, through a buffer, with no copy of the run
/// or of the document in memory.
///
/// The output is well-formed XML 1.0 whatever the input held: ANSI
/// escape sequences and control characters are removed, U+FFFE and U+FFFF
/// become U+FFFD, line breaks and tabs inside attribute values are written
/// as character references (readers do not fold a multi-line message into
/// one line), and attributes whose names XML cannot carry are dropped and
/// listed in [`Written::dropped_attributes`].
pub fn write_junit(
    run: &Sanitized<TestRun>,
    enrich: &Enrichment,
    w: impl std::io::Write,
) -> Result<Written, WriteError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    write_on(run, enrich, w, threads)
}

/// [`write_junit`] rendering on up to `threads` threads.
fn write_on(
    run: &Sanitized<TestRun>,
    enrich: &Enrichment,
    w: impl std::io::Write,
    threads: usize,
) -> Result<Written, WriteError> {
    let run: &TestRun = run;
    let layout = Layout::of(run);
    let mut out = Emitter {
        w: Counting {
            w: std::io::BufWriter::with_capacity(1 << 16, w),
            n: 0,
        },
        dropped: Vec::new(),
    };
    out.document(run, &layout, enrich, threads)
        .map_err(WriteError::Write)?;
    std::io::Write::flush(&mut out.w).map_err(WriteError::Write)?;
    Ok(Written {
        bytes: out.w.n,
        dropped_attributes: out.dropped,
    })
}

/// A writer that counts the bytes it passes on.
struct Counting<W> {
    w: W,
    n: u64,
}

impl<W: std::io::Write> std::io::Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.w.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.w.write_all(buf)?;
        self.n += buf.len() as u64;
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// Counts per suite, as quick-junit computes them.
#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add_case(&mut self, case: &TestCase) {
        self.tests += 1;
        let Some(last) = case.attempts.last() else {
            return;
        };
        match last.status() {
            AttemptStatus::Passed => {}
            AttemptStatus::Skipped => self.skipped += 1,
            AttemptStatus::Failed | AttemptStatus::Error => {
                let first = case
                    .attempts
                    .iter()
                    .find(|a| a.status().is_failing())
                    .unwrap_or(last);
                match kind_of(first) {
                    NonSuccessKind::Failure => self.failures += 1,
                    NonSuccessKind::Error => self.errors += 1,
                }
            }
        }
    }

    fn of(run: &TestRun, cases: &[u32]) -> Counts {
        let mut c = Counts::default();
        for &i in cases {
            c.add_case(&run.cases[i as usize]);
        }
        c
    }

    fn add(&mut self, o: Counts) {
        self.tests += o.tests;
        self.failures += o.failures;
        self.errors += o.errors;
        self.skipped += o.skipped;
    }
}

struct Emitter<W: std::io::Write> {
    w: W,
    dropped: Vec<String>,
}

impl<W: std::io::Write> Emitter<W> {
    /// Records an attribute name dropped elsewhere (by a chunk rendered on
    /// another thread), once, in the order first seen.
    fn note_dropped(&mut self, names: Vec<String>) {
        for name in names {
            if !self.dropped.contains(&name) {
                self.dropped.push(name);
            }
        }
    }
}

/// A piece of one `<testsuite>` to write (a suite of the run, or cases
/// without one grouped under a name): some of its cases, with the opening
/// tag when they are its first and the closing part when its last. A suite
/// of many tests (pytest writes one for the whole run) or of much text is
/// cut into pieces of at most [`PIECE_CASES`] tests and about
/// [`CHUNK_BYTES`], so what one thread renders at once stays small.
#[derive(Clone)]
struct Part<'l> {
    suite: Option<usize>,
    name: Option<&'l str>,
    /// Every case of the suite (its counts are of all of them).
    all: &'l [u32],
    /// The cases of this piece.
    cases: std::ops::Range<usize>,
    /// About how many bytes it writes (see [`case_weight`]).
    weight: usize,
}

/// Most tests one piece of a suite holds.
const PIECE_CASES: usize = 1024;

/// The length of a kept output, if any.
fn text_len(o: Option<&failtale_core::capped::CappedText>) -> usize {
    o.map_or(0, |o| o.text.len())
}

/// About how many bytes a case writes: enough to cut pieces and chunks of
/// similar weight, without rendering anything.
fn case_weight(run: &TestRun, i: u32) -> usize {
    let Some(case) = run.cases.get(i as usize) else {
        return 160;
    };
    let mut n = 160;
    for a in &case.attempts {
        n += text_len(a.stdout.as_deref()) + text_len(a.stderr.as_deref());
        for f in &a.failures {
            n += f.message.as_ref().map_or(0, String::len) + f.body.as_ref().map_or(0, |b| b.len());
        }
    }
    n
}

impl<'l> Part<'l> {
    /// The pieces of one suite, in order (one for a suite without cases).
    fn pieces(
        run: &TestRun,
        suite: Option<usize>,
        name: Option<&'l str>,
        all: &'l [u32],
    ) -> Vec<Part<'l>> {
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut weight = 200;
        for (k, &i) in all.iter().enumerate() {
            weight += case_weight(run, i);
            if k + 1 - start == PIECE_CASES || weight >= CHUNK_BYTES {
                pieces.push(Part {
                    suite,
                    name,
                    all,
                    cases: start..k + 1,
                    weight,
                });
                start = k + 1;
                weight = 0;
            }
        }
        if start < all.len() || all.is_empty() {
            pieces.push(Part {
                suite,
                name,
                all,
                cases: start..all.len(),
                weight,
            });
        }
        // The suite's own output goes with its last piece.
        if let (Some(last), Some(s)) = (pieces.last_mut(), suite.and_then(|s| run.suites.get(s))) {
            last.weight += text_len(s.stdout.as_ref()) + text_len(s.stderr.as_ref());
        }
        pieces
    }

    fn head(&self) -> bool {
        self.cases.start == 0
    }

    fn tail(&self) -> bool {
        self.cases.end == self.all.len()
    }
}

/// About how many bytes a chunk of suites rendered on one thread holds:
/// big enough that handing chunks around costs nothing, small enough that
/// the chunks in flight stay a few MiB.
const CHUNK_BYTES: usize = 256 * 1024;
/// Fewer cases than this are written on the calling thread alone.
const THREADED_CASES: usize = 4096;
/// Chunks rendered ahead of the one being written, per thread.
const CHUNKS_AHEAD: usize = 4;

/// A chunk's bytes and the attribute names it dropped.
type Rendered = (Vec<u8>, Vec<String>);

/// What the rendering threads and the writing thread share.
struct Chunks {
    /// Rendered chunks not yet written, by index, with the attribute names they dropped.
    ready: std::collections::BTreeMap<usize, std::io::Result<Rendered>>,
    /// Chunks written so far.
    written: usize,
    /// Buffers written out, for reuse (fresh memory costs page faults).
    spare: Vec<Vec<u8>>,
    /// Writing stopped (an error or a panic): every thread gives up.
    stop: bool,
}

/// Sets `stop` when a rendering thread panics, so the writer does not
/// wait for its chunk forever.
struct StopOnPanic<'a>(&'a std::sync::Mutex<Chunks>, &'a std::sync::Condvar);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
            self.1.notify_all();
        }
    }
}

/// quick-junit's timestamp form: milliseconds and a numeric offset.
const RFC_3339_MILLIS: &str = "%Y-%m-%dT%H:%M:%S%.3f%:z";

fn timestamp_text(raw: &str) -> String {
    parse_timestamp(raw).map_or_else(
        || raw.to_owned(),
        |ts| ts.format(RFC_3339_MILLIS).to_string(),
    )
}

/// Seconds with three decimals, as `format!("{:.3}", d.as_secs_f64())`
/// writes them (quick-junit's form), without float formatting for the
/// common case: whole milliseconds away from a tie round the same way.
fn seconds(d: std::time::Duration) -> String {
    let sub_ms = d.subsec_nanos() % 1_000_000;
    // Near a tie the float's own rounding (its last bit is under a
    // microsecond below 2^32 s) decides: leave it to the float.
    if sub_ms.abs_diff(500_000) <= 2_000 || d.as_secs() >= 1 << 32 {
        return format!("{:.3}", d.as_secs_f64());
    }
    let ms = d.as_millis() + u128::from(sub_ms > 500_000);
    let mut text = (ms / 1000).to_string();
    let frac = (ms % 1000) as u32;
    text.push('.');
    for digit in [frac / 100, frac / 10 % 10, frac % 10] {
        text.push(char::from(b'0' + digit as u8));
    }
    text
}

impl<W: std::io::Write> Emitter<W> {
    fn raw(&mut self, b: &[u8]) -> std::io::Result<()> {
        std::io::Write::write_all(&mut self.w, b)
    }

    fn indent(&mut self, depth: usize) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        self.raw(b"\n")?;
        let n = (depth * 4).min(SPACES.len());
        self.raw(&SPACES[..n])
    }

    /// `<name attrs` then `>` or `/>`, on a new line.
    fn open(
        &mut self,
        depth: usize,
        name: &str,
        attrs: &xml_out::Attrs<'_>,
        empty: bool,
    ) -> std::io::Result<()> {
        self.indent(depth)?;
        self.raw(b"<")?;
        self.raw(name.as_bytes())?;
        attrs.write(&mut self.w)?;
        self.raw(if empty { b"/>" } else { b">" })
    }

    /// `</name>`, on a new line when `depth` is given.
    fn close(&mut self, depth: Option<usize>, name: &str) -> std::io::Result<()> {
        if let Some(d) = depth {
            self.indent(d)?;
        }
        self.raw(b"</")?;
        self.raw(name.as_bytes())?;
        self.raw(b">")
    }

    /// `<name>text</name>` on its own line.
    fn text_element(&mut self, depth: usize, name: &str, text: &str) -> std::io::Result<()> {
        self.indent(depth)?;
        self.raw(b"<")?;
        self.raw(name.as_bytes())?;
        self.raw(b">")?;
        xml_out::escape(&mut self.w, text, false)?;
        self.close(None, name)
    }

    /// An attribute copied from the input; its name is recorded when dropped.
    fn set_extra<'a>(&mut self, attrs: &mut xml_out::Attrs<'a>, name: &'a str, value: &'a str) {
        if !attrs.set(name, value) && !self.dropped.iter().any(|d| d == name) {
            self.dropped.push(name.to_owned());
        }
    }

    fn document(
        &mut self,
        run: &TestRun,
        layout: &Layout,
        enrich: &Enrichment,
        threads: usize,
    ) -> std::io::Result<()> {
        let mut total = Counts::default();
        let mut disabled: Option<u64> = None;
        for (s, cases) in layout.by_suite.iter().enumerate() {
            if layout.written[s] {
                total.add(Counts::of(run, cases));
                if let Some(d) = suite_disabled(&run.suites[s]) {
                    *disabled.get_or_insert(0) += d;
                }
            }
        }
        for (_, cases) in &layout.loose {
            total.add(Counts::of(run, cases));
        }
        self.raw(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        let mut attrs = xml_out::Attrs::default();
        counts_attrs(&mut attrs, total, true);
        if let Some(d) = disabled {
            attrs.set("disabled", d.to_string());
        }
        self.open(0, "testsuites", &attrs, false)?;
        let parts: Vec<Part<'_>> = layout
            .by_suite
            .iter()
            .enumerate()
            .filter(|&(s, _)| layout.written[s])
            .flat_map(|(s, cases)| Part::pieces(run, Some(s), None, cases))
            .chain(
                layout
                    .loose
                    .iter()
                    .flat_map(|(name, cases)| Part::pieces(run, None, Some(name), cases)),
            )
            .collect();
        if threads < 2 || total.tests < THREADED_CASES {
            for part in &parts {
                self.part(run, part, enrich)?;
            }
        } else {
            self.parts_on_threads(run, &parts, enrich, threads)?;
        }
        self.close(Some(0), "testsuites")?;
        self.raw(b"\n")
    }

    fn part(&mut self, run: &TestRun, part: &Part<'_>, enrich: &Enrichment) -> std::io::Result<()> {
        if part.head() {
            let name = match (part.suite, part.name) {
                (Some(s), _) => std::borrow::Cow::Owned(suite_path(run, s)),
                (None, name) => std::borrow::Cow::Borrowed(name.unwrap_or("tests")),
            };
            if !self.suite_open(run, part.suite, &name, part.all)? {
                return Ok(());
            }
        }
        for &i in &part.all[part.cases.clone()] {
            self.case(run, i as usize, enrich)?;
        }
        if part.tail() {
            self.suite_close(run, part.suite)?;
        }
        Ok(())
    }

    /// Writes `parts` in order, rendered in chunks on `threads` threads
    /// while this one writes the chunks already done: the same bytes as
    /// writing them one after another, with a bounded number of chunks held.
    fn parts_on_threads(
        &mut self,
        run: &TestRun,
        parts: &[Part<'_>],
        enrich: &Enrichment,
        threads: usize,
    ) -> std::io::Result<()> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Condvar, Mutex};
        let mut chunks: Vec<&[Part<'_>]> = Vec::new();
        let mut start = 0;
        let mut weight = 0;
        for (i, part) in parts.iter().enumerate() {
            weight += part.weight;
            if weight >= CHUNK_BYTES {
                chunks.push(&parts[start..=i]);
                start = i + 1;
                weight = 0;
            }
        }
        if start < parts.len() {
            chunks.push(&parts[start..]);
        }
        let ahead = threads * CHUNKS_AHEAD;
        let shared = Mutex::new(Chunks {
            ready: Default::default(),
            written: 0,
            spare: Vec::new(),
            stop: false,
        });
        let changed = Condvar::new();
        let next = AtomicUsize::new(0);
        let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
        let render = || {
            let _stop = StopOnPanic(&shared, &changed);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(chunk) = chunks.get(i) else { break };
                let buf = {
                    let mut state = lock();
                    while !state.stop && i >= state.written + ahead {
                        state = changed.wait(state).unwrap_or_else(|e| e.into_inner());
                    }
                    if state.stop {
                        break;
                    }
                    state.spare.pop().unwrap_or_default()
                };
                let mut out = Emitter {
                    w: buf,
                    dropped: Vec::new(),
                };
                let done = chunk
                    .iter()
                    .try_for_each(|part| out.part(run, part, enrich))
                    .map(|()| (out.w, out.dropped));
                lock().ready.insert(i, done);
                changed.notify_all();
            }
        };
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(render);
            }
            let result = (|| {
                for i in 0..chunks.len() {
                    let done = {
                        let mut state = lock();
                        loop {
                            if let Some(done) = state.ready.remove(&i) {
                                break done;
                            }
                            if state.stop {
                                return Ok(());
                            }
                            state = changed.wait(state).unwrap_or_else(|e| e.into_inner());
                        }
                    };
                    let (mut bytes, dropped) = done?;
                    self.raw(&bytes)?;
                    self.note_dropped(dropped);
                    bytes.clear();
                    let mut state = lock();
                    state.written = i + 1;
                    state.spare.push(bytes);
                    drop(state);
                    changed.notify_all();
                }
                Ok(())
            })();
            if result.is_err() {
                lock().stop = true;
                changed.notify_all();
            }
            result
        })
    }

    /// The opening tag of a suite of `cases` and its properties; false
    /// when the suite is empty (written as one self-closing tag).
    fn suite_open(
        &mut self,
        run: &TestRun,
        s: Option<usize>,
        name: &str,
        cases: &[u32],
    ) -> std::io::Result<bool> {
        let suite = s.map(|s| &run.suites[s]);
        let mut attrs = xml_out::Attrs::default();
        attrs.set("name", name);
        counts_attrs(&mut attrs, Counts::of(run, cases), false);
        if let Some(suite) = suite {
            if let Some(d) = suite_disabled(suite) {
                attrs.set("disabled", d.to_string());
            }
            if let Some(t) = suite.timestamp.as_deref() {
                attrs.set("timestamp", timestamp_text(t));
            }
            if let Some(d) = suite.duration {
                attrs.set("time", seconds(d));
            }
            if let Some(h) = &suite.hostname {
                attrs.set("hostname", h.as_str());
            }
            if let Some(f) = &suite.file {
                attrs.set("file", f.as_str());
            }
            for (k, v) in &suite.extra {
                if k == "disabled" || COMPUTED_SUITE_ATTRS.contains(&k.as_str()) {
                    continue;
                }
                self.set_extra(&mut attrs, k, v);
            }
        }
        let (props, stdout, stderr) = match suite {
            Some(s) => (
                s.properties.as_slice(),
                s.stdout.as_ref().map(|o| o.text.as_str()),
                s.stderr.as_ref().map(|o| o.text.as_str()),
            ),
            None => (&[][..], None, None),
        };
        let empty = props.is_empty() && cases.is_empty() && stdout.is_none() && stderr.is_none();
        self.open(1, "testsuite", &attrs, empty)?;
        if empty {
            return Ok(false);
        }
        self.properties(2, props.iter())?;
        Ok(true)
    }

    /// A suite's own output and its closing tag.
    fn suite_close(&mut self, run: &TestRun, s: Option<usize>) -> std::io::Result<()> {
        if let Some(suite) = s.map(|s| &run.suites[s]) {
            if let Some(o) = &suite.stdout {
                self.text_element(2, "system-out", o.text.as_str())?;
            }
            if let Some(e) = &suite.stderr {
                self.text_element(2, "system-err", e.text.as_str())?;
            }
        }
        self.close(Some(1), "testsuite")
    }

    fn properties<'p>(
        &mut self,
        depth: usize,
        props: impl Iterator<Item = &'p Property> + Clone,
    ) -> std::io::Result<()> {
        if props.clone().next().is_none() {
            return Ok(());
        }
        self.indent(depth)?;
        self.raw(b"<properties>")?;
        let mut attrs = xml_out::Attrs::default();
        for p in props {
            attrs.clear();
            attrs.set("name", p.name.as_str());
            attrs.set("value", p.value.as_str());
            self.open(depth + 1, "property", &attrs, true)?;
        }
        self.close(Some(depth), "properties")
    }

    fn case(&mut self, run: &TestRun, index: usize, enrich: &Enrichment) -> std::io::Result<()> {
        let case = &run.cases[index];
        let extra = enrich.get(index);
        let view = View::of(case, extra.and_then(|e| e.note()));
        let main = view.main();
        let mut attrs = xml_out::Attrs::default();
        attrs.set("name", case.id.name.as_str());
        if let Some(c) = &case.id.classname {
            attrs.set("classname", &**c);
        }
        let assertions = case
            .extra()
            .get("assertions")
            .and_then(|v| v.trim().parse::<usize>().ok());
        if let Some(n) = assertions {
            attrs.set("assertions", n.to_string());
        }
        if let Some(t) = main.and_then(|a| a.timestamp.as_deref()) {
            attrs.set("timestamp", timestamp_text(t));
        }
        if let Some(d) = case.duration {
            attrs.set("time", seconds(d));
        }
        if let Some(f) = &case.file
            && suite_file(run, case) != Some(f.as_str())
        {
            attrs.set("file", f.as_str());
        }
        if let Some(l) = case.line {
            attrs.set("line", l.to_string());
        }
        for (k, v) in case.extra() {
            if k == "assertions" && assertions.is_some() {
                continue;
            }
            self.set_extra(&mut attrs, k, v);
        }
        let props = case
            .properties()
            .iter()
            .chain(extra.into_iter().flat_map(|e| e.properties()));
        let stdout = main
            .and_then(|a| a.stdout.as_ref())
            .map(|o| o.text.as_str());
        let stderr = main
            .and_then(|a| a.stderr.as_ref())
            .map(|o| o.text.as_str());
        let block = extra
            .map(|e| e.stderr_block())
            .filter(|b| case.outcome.is_failing() && b.clone().next().is_some());
        let has_status = match &view {
            View::Success { flaky, .. } => !flaky.is_empty(),
            _ => true,
        };
        let empty = props.clone().next().is_none()
            && stdout.is_none()
            && stderr.is_none()
            && block.is_none()
            && !has_status;
        self.open(2, "testcase", &attrs, empty)?;
        if empty {
            return Ok(());
        }
        self.properties(3, props)?;
        match &view {
            View::Success { flaky, .. } => {
                for a in flaky {
                    self.rerun(a, true)?;
                }
            }
            View::Skipped { main } => {
                let skip = main.skipped.as_ref();
                self.status(
                    "skipped",
                    skip.and_then(|s| s.message.as_deref()),
                    skip.and_then(|s| s.r#type.as_deref()),
                    skip.and_then(|s| s.body.as_deref()),
                )?;
            }
            View::NonSuccess {
                main,
                description,
                reruns,
            } => {
                let p = primary(main);
                let tag = match kind_of(main) {
                    NonSuccessKind::Failure => "failure",
                    NonSuccessKind::Error => "error",
                };
                self.status(
                    tag,
                    p.and_then(|f| f.message.as_deref()),
                    p.and_then(|f| f.r#type.as_deref()),
                    description.as_deref(),
                )?;
                for a in reruns {
                    self.rerun(a, false)?;
                }
            }
        }
        if let Some(o) = stdout {
            self.text_element(3, "system-out", o)?;
        }
        match (stderr, block) {
            (before, Some(block)) => {
                let before = before.unwrap_or("");
                self.indent(3)?;
                self.raw(b"<system-err>")?;
                xml_out::escape(&mut self.w, before, false)?;
                if !(before.is_empty() || before.ends_with('\n')) {
                    self.raw(b"\n")?;
                }
                self.raw(STDERR_HEADER.as_bytes())?;
                self.raw(b"\n")?;
                let mut parts = block.peekable();
                while let Some(part) = parts.next() {
                    if parts.peek().is_some() {
                        xml_out::escape(&mut self.w, part, false)?;
                        if !part.ends_with('\n') {
                            self.raw(b"\n")?;
                        }
                    } else {
                        xml_out::escape(&mut self.w, part.trim_end(), false)?;
                    }
                }
                self.close(None, "system-err")?;
            }
            (Some(e), None) => self.text_element(3, "system-err", e)?,
            (None, None) => {}
        }
        self.close(Some(2), "testcase")
    }

    fn status(
        &mut self,
        tag: &str,
        message: Option<&str>,
        ty: Option<&str>,
        description: Option<&str>,
    ) -> std::io::Result<()> {
        let mut attrs = xml_out::Attrs::default();
        if let Some(m) = message {
            attrs.set("message", m);
        }
        if let Some(t) = ty {
            attrs.set("type", t);
        }
        match description {
            Some(d) => {
                self.open(3, tag, &attrs, false)?;
                xml_out::escape(&mut self.w, d, false)?;
                self.close(None, tag)
            }
            None => self.open(3, tag, &attrs, true),
        }
    }

    fn rerun(&mut self, a: &Attempt, flaky: bool) -> std::io::Result<()> {
        let tag = match (flaky, kind_of(a)) {
            (true, NonSuccessKind::Failure) => "flakyFailure",
            (true, NonSuccessKind::Error) => "flakyError",
            (false, NonSuccessKind::Failure) => "rerunFailure",
            (false, NonSuccessKind::Error) => "rerunError",
        };
        let mut attrs = xml_out::Attrs::default();
        if let Some(ts) = a.timestamp.as_deref().and_then(parse_timestamp) {
            attrs.set("timestamp", ts.format(RFC_3339_MILLIS).to_string());
        }
        if let Some(d) = a.duration {
            attrs.set("time", seconds(d));
        }
        let p = primary(a);
        if let Some(m) = p.and_then(|f| f.message.as_deref()) {
            attrs.set("message", m);
        }
        if let Some(t) = p.and_then(|f| f.r#type.as_deref()) {
            attrs.set("type", t);
        }
        self.open(3, tag, &attrs, false)?;
        if let Some(st) = p.and_then(|f| f.body.as_deref()) {
            self.text_element(4, "stackTrace", st)?;
        }
        if let Some(o) = &a.stdout {
            self.text_element(4, "system-out", &o.text)?;
        }
        if let Some(e) = &a.stderr {
            self.text_element(4, "system-err", &e.text)?;
        }
        self.close(Some(3), tag)
    }
}

/// `tests`, `skipped`, `failures`, `errors` in quick-junit's order (which
/// differs between `<testsuites>` and `<testsuite>`).
fn counts_attrs(attrs: &mut xml_out::Attrs<'_>, c: Counts, top: bool) {
    attrs.set("tests", c.tests.to_string());
    attrs.set("skipped", c.skipped.to_string());
    if top {
        attrs.set("failures", c.failures.to_string());
        attrs.set("errors", c.errors.to_string());
    } else {
        attrs.set("errors", c.errors.to_string());
        attrs.set("failures", c.failures.to_string());
    }
}

/// A suite's `disabled` count, when the input gave a number.
fn suite_disabled(suite: &Suite) -> Option<u64> {
    suite
        .extra
        .get("disabled")
        .and_then(|v| v.trim().parse().ok())
}

/// The suite's name path (`outer/inner`), guarding against parent cycles.
/// Names kept in a flattened nested suite's name, innermost first: a deeper
/// suite is named `…/` and its innermost names, so that suites nested
/// thousands deep write (and take) no more than linear room and time.
const SUITE_PATH_NAMES: usize = 32;

fn suite_path(run: &TestRun, s: usize) -> String {
    let mut names = vec![run.suites[s].name.as_str()];
    let mut cur = run.suites[s].parent;
    while let Some(p) = cur.filter(|&p| p < run.suites.len()) {
        if names.len() == SUITE_PATH_NAMES {
            names.push("…");
            break;
        }
        names.push(run.suites[p].name.as_str());
        cur = run.suites[p].parent;
    }
    names.reverse();
    names.join("/")
}

fn suite_head(run: &TestRun, s: usize) -> TestSuite {
    let suite: &Suite = &run.suites[s];
    let mut js = TestSuite::new(suite_path(run, s));
    match suite.timestamp.as_deref().map(|t| (t, parse_timestamp(t))) {
        Some((_, Some(ts))) => js.timestamp = Some(ts),
        Some((raw, None)) => {
            js.extra.insert("timestamp".into(), raw.into());
        }
        None => {}
    }
    js.time = suite.duration;
    if let Some(h) = &suite.hostname {
        js.extra.insert("hostname".into(), h.as_str().into());
    }
    if let Some(f) = &suite.file {
        js.extra.insert("file".into(), f.as_str().into());
    }
    for (k, v) in &suite.extra {
        if k == "disabled"
            && let Ok(n) = v.trim().parse()
        {
            js.disabled = Some(n);
            continue;
        }
        if !COMPUTED_SUITE_ATTRS.contains(&k.as_str()) {
            js.extra.insert(k.as_str().into(), v.as_str().into());
        }
    }
    js.add_properties(
        suite
            .properties
            .iter()
            .map(|p| quick_junit::Property::new(p.name.as_str(), p.value.as_str())),
    );
    if let Some(out) = &suite.stdout {
        js.set_system_out(out.text.as_str());
    }
    if let Some(err) = &suite.stderr {
        js.set_system_err(err.text.as_str());
    }
    js
}

/// The file of the innermost suite around a case that names one.
fn suite_file<'a>(run: &'a TestRun, case: &TestCase) -> Option<&'a str> {
    let mut cur = case.suite;
    let mut steps = 0;
    while let Some(s) = cur.filter(|&s| s < run.suites.len() && steps <= run.suites.len()) {
        if let Some(f) = &run.suites[s].file {
            return Some(f);
        }
        cur = run.suites[s].parent;
        steps += 1;
    }
    None
}

fn case_to_junit(run: &TestRun, index: usize, enrich: &Enrichment) -> JCase {
    let case = &run.cases[index];
    let extra = enrich.get(index);
    let (status, main) = status_of(case, extra.and_then(|e| e.note()));
    let TestId {
        classname, name, ..
    } = &case.id;
    let mut jc = JCase::new(name.as_str(), status);
    if let Some(c) = classname {
        jc.set_classname(&**c);
    }
    jc.time = case.duration;
    if let Some(a) = main {
        match a.timestamp.as_deref().map(|t| (t, parse_timestamp(t))) {
            Some((_, Some(ts))) => jc.timestamp = Some(ts),
            Some((raw, None)) => {
                jc.extra.insert("timestamp".into(), raw.into());
            }
            None => {}
        }
        if let Some(out) = &a.stdout {
            jc.set_system_out(out.text.as_str());
        }
        if let Some(err) = &a.stderr {
            jc.set_system_err(err.text.as_str());
        }
    }
    if let Some(block) = extra.and_then(|e| e.stderr_block_text())
        && case.outcome.is_failing()
    {
        let before = main
            .and_then(|a| a.stderr.as_ref())
            .map(|o| o.text.as_str())
            .unwrap_or("");
        let sep = if before.is_empty() || before.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        jc.set_system_err(format!(
            "{before}{sep}{STDERR_HEADER}\n{}",
            block.trim_end()
        ));
    }
    if let Some(f) = &case.file
        && suite_file(run, case) != Some(f.as_str())
    {
        jc.extra.insert("file".into(), f.as_str().into());
    }
    if let Some(l) = case.line {
        jc.extra.insert("line".into(), l.to_string().into());
    }
    for (k, v) in case.extra() {
        if k == "assertions"
            && let Ok(n) = v.trim().parse()
        {
            jc.assertions = Some(n);
            continue;
        }
        jc.extra.insert(k.as_str().into(), v.as_str().into());
    }
    let props = case
        .properties()
        .iter()
        .chain(extra.into_iter().flat_map(|e| e.properties()));
    jc.add_properties(props.map(|p| quick_junit::Property::new(p.name.as_str(), p.value.as_str())));
    jc
}

/// What a test case is written as: its status, the attempt that is its
/// main result, and the other attempts written beside it. Both emitters
/// ([`to_junit`] and [`write_junit`]) build on this one mapping.
enum View<'a> {
    /// Passed at last; the earlier failing attempts are flaky runs.
    Success {
        main: Option<&'a Attempt>,
        flaky: Vec<&'a Attempt>,
    },
    Skipped {
        main: &'a Attempt,
    },
    /// The first failing attempt is the result, later failing ones reruns.
    NonSuccess {
        main: &'a Attempt,
        description: Option<String>,
        reruns: Vec<&'a Attempt>,
    },
}

impl<'a> View<'a> {
    fn of(case: &'a TestCase, note: Option<&str>) -> View<'a> {
        let Some(last) = case.attempts.last() else {
            return View::Success {
                main: None,
                flaky: Vec::new(),
            };
        };
        match last.status() {
            AttemptStatus::Passed => View::Success {
                main: Some(last),
                flaky: case.attempts[..case.attempts.len() - 1]
                    .iter()
                    .filter(|a| a.status().is_failing())
                    .collect(),
            },
            AttemptStatus::Skipped => View::Skipped { main: last },
            AttemptStatus::Failed | AttemptStatus::Error => {
                let first = case
                    .attempts
                    .iter()
                    .position(|a| a.status().is_failing())
                    .unwrap_or(case.attempts.len() - 1);
                let main = &case.attempts[first];
                View::NonSuccess {
                    main,
                    description: description(main, note),
                    reruns: case.attempts[first + 1..]
                        .iter()
                        .filter(|a| a.status().is_failing())
                        .collect(),
                }
            }
        }
    }

    fn main(&self) -> Option<&'a Attempt> {
        match self {
            View::Success { main, .. } => *main,
            View::Skipped { main } | View::NonSuccess { main, .. } => Some(main),
        }
    }
}

/// The failure description: the primary failure's body, a line per other
/// failure of the attempt, the note on top.
fn description(main: &Attempt, note: Option<&str>) -> Option<String> {
    let primary = primary(main);
    let mut description = primary.and_then(|f| f.body.as_deref().map(str::to_owned));
    for other in main
        .failures
        .iter()
        .filter(|f| !std::ptr::eq(*f, primary.unwrap_or(*f)))
    {
        let line = format!(
            "also {}: {}",
            other.kind.as_str(),
            other.message.as_deref().unwrap_or("")
        );
        description = Some(match description {
            Some(d) => format!("{d}\n{line}"),
            None => line,
        });
    }
    if let Some(note) = note {
        description = Some(match description {
            Some(d) => format!("{note}\n\n{d}"),
            None => note.to_owned(),
        });
    }
    description
}

/// The status of a case and the attempt that is its main result.
fn status_of<'a>(case: &'a TestCase, note: Option<&str>) -> (TestCaseStatus, Option<&'a Attempt>) {
    let view = View::of(case, note);
    let main = view.main();
    let status = match view {
        View::Success { flaky, .. } => TestCaseStatus::Success {
            flaky_runs: flaky.into_iter().map(rerun).collect(),
        },
        View::Skipped { main } => {
            let skip = main.skipped.as_ref();
            TestCaseStatus::Skipped {
                message: skip.and_then(|s| s.message.as_deref()).map(Into::into),
                ty: skip.and_then(|s| s.r#type.as_deref()).map(Into::into),
                description: skip.and_then(|s| s.body.as_deref()).map(Into::into),
            }
        }
        View::NonSuccess {
            main,
            description,
            reruns,
        } => {
            let primary = primary(main);
            let mut status = TestCaseStatus::NonSuccess {
                kind: kind_of(main),
                message: primary.and_then(|f| f.message.as_deref()).map(Into::into),
                ty: primary.and_then(|f| f.r#type.as_deref()).map(Into::into),
                description: description.map(Into::into),
                reruns: Default::default(),
            };
            status.add_reruns(reruns.into_iter().map(rerun));
            status
        }
    };
    (status, main)
}

/// The failure that decides an attempt: an error if any, else the first.
fn primary(a: &Attempt) -> Option<&failtale_core::model::Failure> {
    a.failures
        .iter()
        .find(|f| f.kind == FailureKind::Error)
        .or_else(|| a.failures.first())
}

fn kind_of(a: &Attempt) -> NonSuccessKind {
    match a.status() {
        AttemptStatus::Error => NonSuccessKind::Error,
        _ => NonSuccessKind::Failure,
    }
}

fn rerun(a: &Attempt) -> TestRerun {
    let mut r = TestRerun::new(kind_of(a));
    r.timestamp = a.timestamp.as_deref().and_then(parse_timestamp);
    r.time = a.duration;
    if let Some(f) = primary(a) {
        r.message = f.message.as_deref().map(Into::into);
        r.ty = f.r#type.as_deref().map(Into::into);
        r.stack_trace = f.body.as_deref().map(Into::into);
    }
    r.system_out = a.stdout.as_ref().map(|o| o.text.as_str().into());
    r.system_err = a.stderr.as_ref().map(|o| o.text.as_str().into());
    r
}

fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use failtale_core::capped::CappedText;
    use failtale_core::model::{Failure, InputStatus, Outcome, Skip};
    use failtale_core::sanitize::{Redactions, sanitize_run};
    use failtale_core::stage::NoRedaction;

    /// The writer takes sanitized runs only; these samples hold no secrets.
    fn clean(run: TestRun) -> Sanitized<TestRun> {
        sanitize_run(&NoRedaction, run, &mut Redactions::new())
    }

    fn failing(kind: FailureKind, msg: &str) -> Attempt {
        let mut f = Failure::new(kind);
        f.message = Some(msg.into());
        f.body = Some(format!("{msg}\n  at here").into());
        {
            let mut attempt = Attempt::default();
            attempt.failures = vec![f];
            attempt.timestamp = Some("2024-03-01T10:00:00.000+01:00".into());
            attempt.duration = Some(Duration::from_millis(1500));
            attempt.stdout = Some(Box::new(CappedText::complete(format!("out of {msg}"))));
            attempt
        }
    }

    fn case(name: &str, suite: usize, attempts: Vec<Attempt>) -> TestCase {
        let mut c = TestCase::new(
            TestId::new(vec!["s".into()].into(), Some("pkg.C".into()), name),
            attempts,
        );
        c.suite = Some(suite);
        c
    }

    fn sample() -> TestRun {
        let mut run = TestRun::default();
        let outer = {
            let mut suite = Suite::default();
            suite.name = "outer".into();
            suite
        };
        let inner = {
            let mut suite_ = Suite::default();
            suite_.name = "inner".into();
            suite_.parent = Some(0);
            suite_.timestamp = Some("2024-03-01T10:00:00.000+01:00".into());
            suite_.hostname = Some("ci-7".into());
            suite_.duration = Some(Duration::from_millis(4200));
            suite_.file = Some("tests/a.py".into());
            suite_.properties = vec![Property::new("seed", "42")];
            suite_.stdout = Some(CappedText::complete("suite log"));
            suite_.stderr = Some(CappedText::complete("suite err"));
            suite_.extra = [("id".to_owned(), "3".to_owned())].into();
            suite_
        };
        let mut passed = case("passes", 1, vec![Attempt::default()]);
        passed.extra_mut().insert("assertions".into(), "3".into());
        passed.extra_mut().insert("owner".into(), "team-a".into());
        passed.properties_mut().push(Property::new("tag", "fast"));
        let flaky = case(
            "flaky",
            1,
            vec![
                failing(FailureKind::Failure, "first"),
                failing(FailureKind::Error, "second"),
                Attempt::default(),
            ],
        );
        let mut failed = case(
            "fails",
            1,
            vec![
                failing(FailureKind::Failure, "main"),
                failing(FailureKind::Failure, "again"),
            ],
        );
        failed.file = Some("tests/b.py".into());
        failed.line = Some(12);
        failed.duration = Some(Duration::from_millis(3000));
        let skipped = case(
            "skips",
            1,
            vec![{
                let mut attempt = Attempt::default();
                attempt.skipped = Some(Box::new({
                    let mut skip_ = Skip::default();
                    skip_.message = Some("not on CI".into());
                    skip_.r#type = Some("pytest.skip".into());
                    skip_.body = Some("reason text".into());
                    skip_
                }));
                attempt
            }],
        );
        run.push_input(
            InputStatus::default(),
            vec![passed, flaky, failed, skipped],
            vec![outer, inner],
        );
        run
    }

    #[test]
    fn nested_suites_are_flattened_and_containers_dropped() {
        let report = to_junit(&clean(sample()), &Enrichment::default());
        assert_eq!(report.test_suites.len(), 1);
        let s = &report.test_suites[0];
        assert_eq!(s.name.as_str(), "outer/inner");
        assert_eq!((s.tests, s.failures, s.errors, s.skipped), (4, 1, 0, 1));
        assert_eq!(s.extra.get("hostname").map(|v| v.as_str()), Some("ci-7"));
        assert_eq!(s.extra.get("id").map(|v| v.as_str()), Some("3"));
        assert_eq!(s.time, Some(Duration::from_millis(4200)));
        assert!(s.timestamp.is_some());
        assert_eq!(s.system_out.as_deref(), Some("suite log"));
    }

    #[test]
    fn attempts_become_statuses_and_reruns() {
        let report = to_junit(&clean(sample()), &Enrichment::default());
        let cases = &report.test_suites[0].test_cases;
        assert_eq!(cases[0].assertions, Some(3));
        assert_eq!(
            cases[0].extra.get("owner").map(|v| v.as_str()),
            Some("team-a")
        );
        match &cases[1].status {
            TestCaseStatus::Success { flaky_runs } => {
                assert_eq!(flaky_runs.len(), 2);
                assert_eq!(flaky_runs[1].kind, NonSuccessKind::Error);
                assert_eq!(flaky_runs[0].message.as_deref(), Some("first"));
                assert_eq!(flaky_runs[0].system_out.as_deref(), Some("out of first"));
                assert_eq!(flaky_runs[0].time, Some(Duration::from_millis(1500)));
                assert!(flaky_runs[0].timestamp.is_some());
            }
            other => panic!("{other:?}"),
        }
        match &cases[2].status {
            TestCaseStatus::NonSuccess {
                kind,
                message,
                reruns,
                ..
            } => {
                assert_eq!(*kind, NonSuccessKind::Failure);
                assert_eq!(message.as_deref(), Some("main"));
                assert_eq!(reruns.runs.len(), 1);
                assert_eq!(
                    reruns.runs[0].stack_trace.as_deref(),
                    Some("again\n  at here")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(cases[2].system_out.as_deref(), Some("out of main"));
        assert_eq!(
            cases[2].extra.get("file").map(|v| v.as_str()),
            Some("tests/b.py")
        );
        assert_eq!(cases[2].extra.get("line").map(|v| v.as_str()), Some("12"));
        assert!(matches!(
            &cases[3].status,
            TestCaseStatus::Skipped { message: Some(m), .. } if m.as_str() == "not on CI"
        ));
    }

    #[test]
    fn enrichment_adds_properties_and_a_note() {
        let run = clean(sample());
        let mut e = Enrichment::default();
        e.add_property(2, keys::ROOT_CAUSE, "db down");
        e.add_property(2, keys::CONFIDENCE, "0.8");
        e.set_note(2, "failtale: db down");
        e.set_note(0, "ignored on a passing test");
        let report = to_junit(&run, &e);
        let c = &report.test_suites[0].test_cases[2];
        assert_eq!(c.properties.len(), 2);
        assert_eq!(c.properties[0].name.as_str(), keys::ROOT_CAUSE);
        match &c.status {
            TestCaseStatus::NonSuccess { description, .. } => {
                assert!(
                    description
                        .as_deref()
                        .unwrap()
                        .starts_with("failtale: db down\n\nmain")
                );
            }
            other => panic!("{other:?}"),
        }
        let mut xml = Vec::new();
        write_junit(&run, &e, &mut xml).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("failtale.root_cause"));
    }

    #[test]
    fn shared_additions_are_held_once_and_written_for_each_member() {
        let mut run = sample();
        let mut second = run.cases[2].clone();
        second.id.name = "fails too".into();
        run.cases.push(second);
        let run = clean(run);
        let shared = Arc::new(CaseEnrichment {
            properties: vec![Property::new(keys::ROOT_CAUSE, "db down")],
            note: Some("failtale: db down".into()),
            stderr_block: Some("cluster c1 (2 tests)\nroot cause: db down\n".into()),
        });
        let mut e = Enrichment::default();
        let failing: Vec<usize> = (0..run.cases.len())
            .filter(|&i| run.cases[i].outcome.is_failing())
            .collect();
        assert!(failing.len() >= 2, "the sample has two failing tests");
        for &i in &failing {
            e.share(i, Arc::clone(&shared));
        }
        e.add_property(failing[1], keys::FLAKE_PROBABILITY, "0.40");
        e.set_stderr_block(failing[1], "flake probability: 0.40\n");
        assert_eq!(Arc::strong_count(&shared), failing.len() + 1);

        let mut xml = Vec::new();
        write_junit(&run, &e, &mut xml).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert_eq!(
            xml.matches("<property name=\"failtale.root_cause\" value=\"db down\"/>")
                .count(),
            failing.len()
        );
        assert_eq!(xml.matches("failtale.flake_probability").count(), 1);
        assert!(
            xml.contains("root cause: db down\nflake probability: 0.40</system-err>"),
            "{xml}"
        );
        assert_eq!(
            xml.matches("root cause: db down</system-err>").count(),
            failing.len() - 1
        );

        // The typed document says the same.
        let report = to_junit(&run, &e);
        let cases: Vec<_> = report
            .test_suites
            .iter()
            .flat_map(|s| &s.test_cases)
            .collect();
        let flaky = cases
            .iter()
            .find(|c| {
                c.properties
                    .iter()
                    .any(|p| p.name.as_str() == keys::FLAKE_PROBABILITY)
            })
            .unwrap();
        assert_eq!(flaky.properties.len(), 2);
        let err = flaky.system_err.as_ref().unwrap().as_str();
        assert!(
            err.ends_with("root cause: db down\nflake probability: 0.40"),
            "{err}"
        );
    }

    #[test]
    fn written_run_reads_back_the_same_through_quick_junit() {
        let run = clean(sample());
        let report = to_junit(&run, &Enrichment::default());
        let xml = report.to_string().unwrap();
        let back = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(back, report);
        // And the outcomes the run had are what the report says.
        let outcomes: Vec<Outcome> = run.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Passed,
                Outcome::Flaky,
                Outcome::Failed,
                Outcome::Skipped
            ]
        );
    }

    #[test]
    fn odd_timestamps_are_kept_verbatim_and_loose_cases_get_a_suite() {
        let mut run = TestRun::default();
        let a = {
            let mut attempt = Attempt::default();
            attempt.timestamp = Some("2024-03-01 10:00:00".into());
            attempt
        };
        let c = TestCase::new(TestId::new(Vec::new().into(), None, "x"), vec![a]);
        run.cases.push(c);
        let report = to_junit(&clean(run), &Enrichment::default());
        let s = &report.test_suites[0];
        assert_eq!(s.name.as_str(), "tests");
        assert_eq!(
            s.test_cases[0].extra.get("timestamp").map(|v| v.as_str()),
            Some("2024-03-01 10:00:00")
        );
    }

    /// Results with one of each status, retries, properties, output, a
    /// control character and a secret; the secret must not be written.
    const ENRICH_INPUT: &str = concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="pkg.OrdersTest" timestamp="2024-03-01T10:00:00.000+01:00" time="4.5" hostname="ci-7">
    <properties><property name="java.version" value="21"/></properties>
    <testcase classname="pkg.OrdersTest" name="creates" time="0.1">
      <properties><property name="tag" value="fast"/></properties>
      <system-out>created order 7</system-out>
    </testcase>
    <testcase classname="pkg.OrdersTest" name="totals" time="0.25">
      <failure message="expected 107.5&#10;got 107.0" type="AssertionError">AssertionError: expected 107.5
  got 107.0
    at totals (OrdersTest.java:41)</failure>
      <rerunFailure message="expected 107.5 again" type="AssertionError" time="0.2">again</rerunFailure>
      <system-out>token "#,
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        r#" in use</system-out>
      <system-err>&#x1b;[31mred&#x1b;[0m warning</system-err>
    </testcase>
    <testcase classname="pkg.OrdersTest" name="retried" time="0.3">
      <flakyFailure message="timed out" type="Timeout" time="0.3">timed out</flakyFailure>
    </testcase>
    <testcase classname="pkg.PayTest" name="charges" time="1.5">
      <error message="connection refused" type="IOError">IOError: connection refused</error>
    </testcase>
    <testcase classname="pkg.PayTest" name="later"><skipped message="not on CI"/></testcase>
  </testsuite>
</testsuites>
"#
    );

    fn read_xml(xml: &str) -> TestRun {
        let reader = crate::junit::JunitReader {
            keep_passing_output: true,
            ..crate::junit::JunitReader::default()
        };
        let read = failtale_core::Ingest::ingest(&reader, &mut xml.as_bytes());
        assert!(read.error.is_none(), "{:?}\n{xml}", read.error);
        let mut run = TestRun::default();
        run.push_input(InputStatus::default(), read.cases, read.suites);
        run
    }

    /// What a reader must give back: per test, everything but the additions.
    fn essentials(run: &TestRun) -> Vec<String> {
        run.cases
            .iter()
            .map(|c| {
                let attempts: Vec<String> = c
                    .attempts
                    .iter()
                    .map(|a| {
                        let f = a.failures.first();
                        format!(
                            "{:?} {:?} {:?} {:?} out={:?}",
                            a.status(),
                            f.and_then(|f| f.message.clone()),
                            f.and_then(|f| f.r#type.clone()),
                            a.duration,
                            a.stdout.as_ref().map(|o| o.text.clone()),
                        )
                    })
                    .collect();
                let props: Vec<String> = c
                    .properties()
                    .iter()
                    .filter(|p| !p.name.starts_with("failtale."))
                    .map(|p| format!("{}={}", p.name, p.value))
                    .collect();
                format!(
                    "{} {:?} {:?} {attempts:?} {props:?}",
                    c.id.key(),
                    c.outcome,
                    c.duration
                )
            })
            .collect()
    }

    #[test]
    fn enriched_junit_reads_back_whole_with_both_readers() {
        let sanitizer = failtale_core::RuleSanitizer::with_env(
            &failtale_core::sanitize::SanitizeConfig::default(),
            std::iter::empty(),
        )
        .unwrap();
        let run = sanitize_run(&sanitizer, read_xml(ENRICH_INPUT), &mut Redactions::new());
        let failing: Vec<usize> = (0..run.cases.len())
            .filter(|&i| run.cases[i].outcome.is_failing())
            .collect();
        assert_eq!(failing, [1, 3]);
        let mut e = Enrichment::default();
        for &i in &failing {
            e.add_property(i, keys::CLUSTER, format!("c{i}"));
            e.add_property(i, keys::ROOT_CAUSE, "the rate changed, & <rounding>");
            e.add_property(i, keys::FIX, "line one\nline two");
            e.add_property(i, keys::FLAKE_PROBABILITY, "0.12");
            e.set_stderr_block(i, format!("cluster c{i} (1 test)\nroot cause: x\n"));
        }
        let mut xml = Vec::new();
        write_junit(&run, &e, &mut xml).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(
            !xml.contains("ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
            "{xml}"
        );
        assert!(
            !xml.contains('\x1b'),
            "control characters are not XML: {xml}"
        );

        // The project's reader: the same tests, outcomes, attempts, messages,
        // times, properties and output, plus the additions.
        let back = read_xml(&xml);
        assert_eq!(essentials(&back), essentials(&run), "{xml}");
        let totals = &back.cases[1];
        let added: Vec<(&str, &str)> = totals
            .properties()
            .iter()
            .filter(|p| p.name.starts_with("failtale."))
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            added,
            [
                (keys::CLUSTER, "c1"),
                (keys::ROOT_CAUSE, "the rate changed, & <rounding>"),
                (keys::FIX, "line one\nline two"),
                (keys::FLAKE_PROBABILITY, "0.12"),
            ]
        );
        assert_eq!(
            totals.attempts[0].failures[0].message.as_deref(),
            Some("expected 107.5\ngot 107.0"),
            "a line break in an attribute survives"
        );
        let err = totals.attempts[0].stderr.as_ref().unwrap().text.as_str();
        assert_eq!(
            err,
            "red warning\n--- failtale ---\ncluster c1 (1 test)\nroot cause: x"
        );
        assert!(back.cases[0].attempts[0].stderr.is_none());

        // quick-junit's reader sees the same document.
        let q = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(q, to_junit(&run, &e));
        let cases = &q.test_suites[0].test_cases;
        assert_eq!(cases.len(), 5);
        assert_eq!(cases[1].properties.len(), 4);
        assert_eq!(cases[1].properties[2].value.as_str(), "line one\nline two");
        assert!(
            matches!(&cases[1].status, TestCaseStatus::NonSuccess { reruns, .. } if reruns.runs.len() == 1)
        );
        assert!(
            matches!(&cases[2].status, TestCaseStatus::Success { flaky_runs } if flaky_runs.len() == 1)
        );
        assert_eq!(cases[3].time, Some(Duration::from_millis(1500)));
    }

    fn xml_of(run: &Sanitized<TestRun>, e: &Enrichment) -> (String, Written) {
        let mut xml = Vec::new();
        let written = write_junit(run, e, &mut xml).unwrap();
        assert_eq!(written.bytes, xml.len() as u64);
        (String::from_utf8(xml).unwrap(), written)
    }

    #[test]
    fn streamed_document_is_what_quick_junit_builds() {
        let run = clean(sample());
        let mut e = Enrichment::default();
        e.add_property(2, keys::CLUSTER, "c1");
        e.set_note(2, "root cause: x");
        e.set_stderr_block(2, "cluster c1\n");
        let (xml, _) = xml_of(&run, &e);
        let back = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(back, to_junit(&run, &e), "{xml}");
        // The same bytes quick-junit writes for a run with nothing to fix.
        assert_eq!(xml, to_junit(&run, &e).to_string().unwrap());
    }

    #[test]
    fn seconds_are_written_as_float_formatting_writes_them() {
        let mut nanos: Vec<u64> = vec![0, 1, 499_999, 500_000, 500_001, 999_999_999, 1_000_500_000];
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Near every millisecond boundary and tie, and anywhere.
            let ms = x % 10_000_000;
            nanos.push(
                ms * 1_000_000 + [0, 1, 499_999, 500_000, 500_001, 999_999][(x >> 40) as usize % 6],
            );
            nanos.push(x >> 8);
            // Days to a century, a few nanoseconds from a tie.
            let far = (x >> 20) % (3_000_000_000 * 1000) * 1_000_000 + 500_000;
            nanos.push(far + (x >> 60) - 8);
        }
        for n in nanos {
            let d = Duration::from_nanos(n);
            assert_eq!(seconds(d), format!("{:.3}", d.as_secs_f64()), "{n} ns");
        }
        let huge = Duration::new(u64::MAX / 2, 123_456_789);
        assert_eq!(seconds(huge), format!("{:.3}", huge.as_secs_f64()));
    }

    #[test]
    fn rendering_on_threads_writes_the_same_bytes_as_one_thread() {
        let base = sample();
        let mut run = TestRun::default();
        let mut suites = Vec::new();
        let mut cases = Vec::new();
        // 600 suites of 1 to 30 cases, some failing with long texts, an
        // attribute XML cannot carry first seen far into the run, and cases
        // without a suite (written last, grouped by path).
        for s in 0..600usize {
            let mut suite = base.suites[1].clone();
            suite.parent = None;
            suite.name = format!("suite {s}");
            if s % 7 == 0 {
                suite.stdout = Some(CappedText::complete("log line\n".repeat(s)));
            }
            suites.push(suite);
            for c in 0..(1 + s * 13 % 30) {
                let mut case = base.cases[(s + c) % base.cases.len()].clone();
                case.id.name = format!("case {s}.{c}");
                case.suite = Some(s);
                if s == 411 && c == 0 {
                    case.extra_mut().insert("bad name".into(), "x".into());
                }
                if s % 5 == 0 && c == 1 {
                    case.attempts = vec![failing(FailureKind::Failure, &"long ".repeat(5_000))];
                }
                if s % 97 == 3 {
                    case.suite = None;
                    case.id.suite = vec![format!("loose {}", s % 3)].into();
                }
                cases.push(case);
            }
        }
        // One suite of 3,000 tests (pytest writes one for the whole run),
        // cut into pieces, with its own log after its last piece; an empty
        // suite; a suite with only a log.
        let big = suites.len();
        let mut suite = base.suites[1].clone();
        suite.parent = None;
        suite.name = "everything".into();
        suite.stdout = Some(CappedText::complete("the whole run log"));
        suites.push(suite);
        for c in 0..3_000 {
            let mut case = base.cases[c % base.cases.len()].clone();
            case.id.name = format!("big {c}");
            case.suite = Some(big);
            // Runs of heavy failures: pieces cut by size, not only by count.
            if (1_200..1_240).contains(&c) {
                case.attempts = vec![failing(FailureKind::Failure, &"heavy ".repeat(20_000))];
            }
            cases.push(case);
        }
        let mut empty = Suite::default();
        empty.name = "empty".into();
        let mut only_log = Suite::default();
        only_log.name = "only a log".into();
        only_log.stdout = Some(CappedText::complete("log"));
        suites.push(empty);
        suites.push(only_log);
        run.push_input(InputStatus::default(), cases, suites);
        assert!(run.cases.len() > 2 * THREADED_CASES);
        // What quick-junit writes for the run (without the attribute it
        // would write unchecked) is what the pieces make.
        let mut plain = run.clone();
        for case in &mut plain.cases {
            case.extra_mut().remove("bad name");
        }
        let plain = clean(plain);
        let (xml, _) = xml_of(&plain, &Enrichment::default());
        assert!(xml.contains("big 2999") && xml.contains("the whole run log"));
        let layout = Layout::of(&plain);
        let pieces = Part::pieces(&plain, Some(big), None, &layout.by_suite[big]);
        assert!(
            pieces.len() > 3 + 3_000 / PIECE_CASES,
            "cut by size too: {}",
            pieces.len()
        );
        assert!(pieces.iter().all(|p| p.weight < CHUNK_BYTES + 250_000));
        // (Byte for byte: nothing in these texts needs fixing.)
        let quick = to_junit(&plain, &Enrichment::default())
            .to_string()
            .unwrap();
        assert!(
            xml == quick,
            "the pieces differ from the document quick-junit writes"
        );
        let run = clean(run);
        let mut enrich = Enrichment::default();
        for i in (0..run.cases.len()).step_by(11) {
            enrich.add_property(i, keys::CLUSTER, format!("c{i}"));
            enrich.set_note(i, format!("root cause {i}"));
            enrich.set_stderr_block(i, "analysis");
        }
        let write = |threads| {
            let mut bytes = Vec::new();
            let written = write_on(&run, &enrich, &mut bytes, threads).unwrap();
            (String::from_utf8(bytes).unwrap(), written)
        };
        let (one, by_one) = write(1);
        assert!(one.contains("suite 599") && one.contains("loose 2"));
        assert_eq!(by_one.dropped_attributes, ["bad name"]);
        for threads in [2, 3, 8] {
            let (many, by_many) = write(threads);
            assert!(many == one, "{threads} threads wrote other bytes");
            assert_eq!(by_many.bytes, by_one.bytes);
            assert_eq!(by_many.dropped_attributes, by_one.dropped_attributes);
        }
    }

    #[test]
    fn any_input_gives_well_formed_xml_and_dropped_names_are_reported() {
        let mut run = sample();
        for (k, v) in [
            ("0errors", "1"),
            ("f!x", "2"),
            ("a\"b", "3"),
            ("xsi:type", "4"),
            ("n\u{fffd}", "5"),
            ("ok-name", "6"),
        ] {
            run.cases[0].extra_mut().insert(k.into(), v.into());
            run.suites[1].extra.insert(k.into(), v.into());
        }
        run.cases[2].id.name = "bell\x07 esc\x1b[31m red \u{fffe}\u{ffff} ]]> <&>".into();
        run.cases[2].attempts[0].failures[0].message = Some("line\nbreak\ttab\r\x00nul".into());
        let run = clean(run);
        let (xml, written) = xml_of(&run, &Enrichment::default());
        assert_eq!(
            written.dropped_attributes,
            ["0errors", "a\"b", "f!x", "xsi:type"]
        );
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                    for a in e.attributes() {
                        a.unwrap_or_else(|err| panic!("{err}: {xml}"));
                    }
                }
                Ok(_) => {}
                Err(err) => panic!("{err}: {xml}"),
            }
        }
        let back = Report::deserialize_from_str(&xml).unwrap();
        let c = &back.test_suites[0].test_cases[2];
        assert_eq!(c.name.as_str(), "bell esc red \u{fffd}\u{fffd} ]]> <&>");
        let first = &back.test_suites[0].test_cases[0];
        assert!(first.extra.get("n\u{fffd}").is_some() && first.extra.get("ok-name").is_some());
        // The project's reader keeps what XML can carry of the message.
        let ours = read_xml(&xml);
        assert_eq!(
            ours.cases[2].attempts[0].failures[0].message.as_deref(),
            Some("line\nbreak\ttab\rnul")
        );
    }
}
