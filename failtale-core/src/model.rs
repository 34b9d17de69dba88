//! The data model every stage reads and writes.
//!
//! A [`TestRun`] holds the [`TestCase`]s read from one or more result files.
//! Each test case keeps *every* attempt (retries keep their own text and
//! output), so later stages can tell a flake from a real break. The types the
//! later stages fill — [`Cluster`], [`Evidence`], [`Analysis`], [`Stability`] —
//! live here too, so the shape of the data does not change as stages are added.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::capped::CappedText;

/// Format of a result file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Format {
    /// JUnit XML in any dialect (Surefire, pytest, Jest, go-junit-report, nextest, …).
    Junit,
    /// Rust libtest's `--format json` event stream (also emitted by nextest's emulation).
    LibtestJson,
}

impl Format {
    /// The name used in `report.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Junit => "junit",
            Format::LibtestJson => "libtest-json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Version control facts about the run, when known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VcsInfo {
    /// Commit SHA.
    pub commit: Option<String>,
    /// Branch name.
    pub branch: Option<String>,
    /// CI job identifier.
    pub ci_job: Option<String>,
    /// Which of a job's runners produced the results: a matrix or shard
    /// dimension (`linux`, `shard-2`), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
}

/// The tests read from a set of result files, plus where each came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TestRun {
    /// One entry per input file, in the order given. [`TestCase::input`] indexes this.
    pub inputs: Vec<InputStatus>,
    /// Every test case, in file order.
    pub cases: Vec<TestCase>,
    /// Every suite, in file order (outer suites before the suites they contain).
    /// [`TestCase::suite`] indexes this.
    #[serde(default)]
    pub suites: Vec<Suite>,
    /// Version control facts, when known.
    pub vcs: Option<VcsInfo>,
    /// When the run started (RFC 3339), if a file said so.
    pub started_at: Option<String>,
}

impl TestRun {
    /// Appends the result of ingesting one input, re-pointing its cases at the new input index.
    pub fn push_input(
        &mut self,
        mut status: InputStatus,
        mut cases: Vec<TestCase>,
        mut suites: Vec<Suite>,
    ) {
        let index = self.inputs.len();
        let suite_base = self.suites.len();
        status.tests = cases.len();
        for case in &mut cases {
            case.input = index;
            if let Some(s) = &mut case.suite {
                *s += suite_base;
            }
        }
        for suite in &mut suites {
            suite.input = index;
            if let Some(p) = &mut suite.parent {
                *p += suite_base;
            }
        }
        self.suites.extend(suites);
        if self.started_at.is_none() {
            self.started_at = status.timestamp.clone();
        }
        self.inputs.push(status);
        // The first input's cases are taken as they are: copying them would
        // hold two copies of the largest thing in memory at once.
        if self.cases.is_empty() && self.cases.capacity() < cases.len() {
            self.cases = cases;
        } else {
            self.cases.extend(cases);
        }
    }

    /// Counts by outcome, with the precedence documented on [`Outcome`].
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for case in &self.cases {
            s.add(case.outcome);
        }
        s
    }

    /// Calls `f` on every piece of text the run holds — names, messages,
    /// bodies, output, properties, events, kept attributes (names and
    /// values), paths, timestamps, VCS facts and input errors — so a
    /// sanitizer can reach all of it.
    pub fn for_each_text_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        self.for_each_text_mut_outside_cases_and_suites(f);
        let mut paths = SharedPaths::default();
        for case in &mut self.cases {
            paths.visit(&mut case.id.suite, f);
            case.for_each_text_mut_but_suite_path(f);
        }
        for suite in &mut self.suites {
            suite.for_each_text_mut(f);
        }
    }

    /// [`TestRun::for_each_text_mut`] without the test cases and suites
    /// (the VCS facts, the inputs' paths, producers, errors and warnings).
    pub fn for_each_text_mut_outside_cases_and_suites(&mut self, f: &mut dyn FnMut(&mut String)) {
        let opt = opt_text;
        if let Some(vcs) = &mut self.vcs {
            opt(&mut vcs.commit, f);
            opt(&mut vcs.branch, f);
            opt(&mut vcs.ci_job, f);
            opt(&mut vcs.runner, f);
        }
        opt(&mut self.started_at, f);
        for input in &mut self.inputs {
            f(&mut input.path);
            opt(&mut input.producer, f);
            opt(&mut input.timestamp, f);
            opt(&mut input.error, f);
            for w in &mut input.warnings {
                f(&mut w.message);
                if let Some(l) = &mut w.location {
                    f(&mut l.element_path);
                }
            }
        }
    }

    /// The cases whose final outcome is a failure or an error.
    pub fn failing(&self) -> impl Iterator<Item = &TestCase> {
        self.cases.iter().filter(|c| c.outcome.is_failing())
    }
}

fn opt_text(o: &mut Option<String>, f: &mut dyn FnMut(&mut String)) {
    if let Some(s) = o {
        f(s)
    }
}

/// Visits a shared text: a copy is handed to `f`, and kept only if `f`
/// changed it.
fn opt_shared(o: &mut Option<std::sync::Arc<str>>, f: &mut dyn FnMut(&mut String)) {
    thread_local! {
        /// One buffer per thread for the copies: a walk over a large run
        /// allocates nothing per text.
        static COPY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    if let Some(s) = o {
        // A visitor that calls back into a walk gets a buffer of its own.
        let mut own = String::new();
        COPY.with(|copy| {
            let mut guard = copy.try_borrow_mut();
            let text = match &mut guard {
                Ok(buf) => &mut **buf,
                Err(_) => &mut own,
            };
            text.clear();
            text.push_str(s);
            f(text);
            if **text != **s {
                *s = text.as_str().into();
            }
            if text.capacity() > 1 << 20 {
                *text = String::new();
            }
        });
    }
}

fn map_texts(m: &mut BTreeMap<String, String>, f: &mut dyn FnMut(&mut String)) {
    if m.is_empty() {
        return;
    }
    *m = std::mem::take(m)
        .into_iter()
        .map(|(mut k, mut v)| {
            f(&mut k);
            f(&mut v);
            (k, v)
        })
        .collect();
}

/// Suite paths already visited in a walk over many test cases: each link
/// (one suite's name) is visited once, where it first appears, and every
/// test and nested suite sharing it gets the result, so a walk costs the
/// number of suites, not the number of tests times their depth.
#[derive(Default)]
pub(crate) struct SharedPaths {
    /// By link: the path as visited.
    seen: std::collections::HashMap<usize, (SuitePath, SuitePath)>,
}

impl SharedPaths {
    /// Visits each link of `path` with `f` the first time it is met (each
    /// name once over all paths); a link whose name and parent did not
    /// change is kept, so unchanged paths stay shared.
    pub(crate) fn visit(&mut self, path: &mut SuitePath, f: &mut dyn FnMut(&mut String)) {
        if path.is_empty() {
            return;
        }
        *path = SuitePath::fold(
            path,
            &mut self.seen,
            &SuitePath::default(),
            &mut |parent, name, link| {
                let mut text = name.to_owned();
                f(&mut text);
                if text == name && link.parent().is_some_and(|p| p.shares(parent)) {
                    link.clone()
                } else {
                    parent.child(text)
                }
            },
        );
    }
}

impl TestCase {
    /// Calls `f` on every piece of text of this test case (see
    /// [`TestRun::for_each_text_mut`]).
    pub fn for_each_text_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        self.id.suite.for_each_mut(f);
        self.for_each_text_mut_but_suite_path(f);
    }

    /// [`TestCase::for_each_text_mut`] without the suite path, which walks
    /// over many cases visit once per shared path ([`SharedPaths`]).
    pub(crate) fn for_each_text_mut_but_suite_path(&mut self, f: &mut dyn FnMut(&mut String)) {
        opt_shared(&mut self.id.classname, f);
        self.for_each_own_text_mut(f);
    }

    /// [`TestCase::for_each_text_mut`] without the texts a case usually
    /// shares with others (its suite path and class name): walks over many
    /// cases check those once per shared copy.
    pub(crate) fn for_each_own_text_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        let (opt, keys) = (opt_text, map_texts);
        let case = self;
        f(&mut case.id.name);
        opt(&mut case.file, f);
        for a in &mut case.attempts {
            for fl in &mut a.failures {
                opt(&mut fl.r#type, f);
                opt(&mut fl.message, f);
                opt_shared(&mut fl.body, f);
                opt(&mut fl.file, f);
            }
            if let Some(skip) = &mut a.skipped {
                opt(&mut skip.message, f);
                opt(&mut skip.r#type, f);
                opt(&mut skip.body, f);
            }
            opt(&mut a.timestamp, f);
            for out in [&mut a.stdout, &mut a.stderr].into_iter().flatten() {
                f(&mut out.text);
            }
        }
        let (properties, events, extra) = case.details_parts_mut();
        for p in properties {
            f(&mut p.name);
            f(&mut p.value);
        }
        for e in events {
            f(&mut e.name);
            f(&mut e.message);
            opt(&mut e.file, f);
        }
        if let Some(extra) = extra {
            keys(extra, f);
        }
    }
}

impl Suite {
    /// Calls `f` on every piece of text of this suite (see
    /// [`TestRun::for_each_text_mut`]).
    pub fn for_each_text_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        let (opt, keys) = (opt_text, map_texts);
        let suite = self;
        f(&mut suite.name);
        opt(&mut suite.timestamp, f);
        opt(&mut suite.hostname, f);
        opt(&mut suite.file, f);
        for p in &mut suite.properties {
            f(&mut p.name);
            f(&mut p.value);
        }
        for out in [&mut suite.stdout, &mut suite.stderr].into_iter().flatten() {
            f(&mut out.text);
        }
        keys(&mut suite.extra, f);
    }
}

/// Counts of a run's test cases. `flaky` is a subset of `passed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Every test case, once.
    pub tests: usize,
    /// Passed, including passed after retries.
    pub passed: usize,
    /// Failed (an assertion or a `<failure>`).
    pub failed: usize,
    /// Errored (an unexpected error, `<error>`).
    pub errors: usize,
    /// Skipped, ignored, disabled or not run.
    pub skipped: usize,
    /// Passed only after one or more failed attempts; also counted in `passed`.
    pub flaky: usize,
}

impl Summary {
    /// Adds one test case with the given outcome.
    pub fn add(&mut self, outcome: Outcome) {
        self.tests += 1;
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Flaky => {
                self.passed += 1;
                self.flaky += 1;
            }
            Outcome::Failed => self.failed += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

/// Status of one input file after ingest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InputStatus {
    /// Path as given (or `-` for standard input).
    pub path: String,
    /// Detected format; `None` when the file was not recognised.
    pub format: Option<Format>,
    /// Best guess at the tool that wrote the file (`surefire`, `pytest`, `nextest`, …).
    pub producer: Option<String>,
    /// Number of test cases read from this file (including those read before an error).
    pub tests: usize,
    /// Timestamp the file declared for its run, if any.
    pub timestamp: Option<String>,
    /// The error that stopped reading, if any. Cases read before it are kept.
    pub error: Option<String>,
    /// Problems that did not stop reading (bad `time` values, an empty file, …).
    pub warnings: Vec<Diagnostic>,
}

/// A problem found while reading input, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What went wrong, as a lowercase sentence fragment.
    pub message: String,
    /// Where, if known.
    pub location: Option<Location>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A position in an input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// 1-based line.
    pub line: u64,
    /// 1-based column (in bytes).
    pub column: u64,
    /// Element path such as `testsuites/testsuite[3]/testcase[12]` (JUnit), or empty.
    pub element_path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if !self.element_path.is_empty() {
            write!(f, " (at {})", self.element_path)?;
        }
        Ok(())
    }
}

/// The names of the suites enclosing a test, outermost first.
///
/// A path is a chain of links to its parent suite's path: every test of a
/// suite shares its suite's path (cloning it copies a pointer), and a nested
/// suite's path is one name plus a link to its parent's, so a run of deeply
/// nested suites holds each suite name once — memory and time linear in the
/// input, however deep the nesting. It serializes as a list of strings.
#[derive(Clone, Default)]
pub struct SuitePath(Option<std::sync::Arc<PathNode>>);

struct PathNode {
    name: String,
    parent: SuitePath,
    len: usize,
}

impl SuitePath {
    /// This path with `name` appended: the path of a suite nested in this one.
    pub fn child(&self, name: String) -> SuitePath {
        SuitePath(Some(std::sync::Arc::new(PathNode {
            name,
            parent: self.clone(),
            len: self.len() + 1,
        })))
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    /// True for the path of a test outside any suite.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The innermost name.
    pub fn last(&self) -> Option<&str> {
        self.0.as_ref().map(|n| n.name.as_str())
    }

    /// The path of the enclosing suite (empty for an outermost one).
    pub fn parent(&self) -> Option<&SuitePath> {
        self.0.as_ref().map(|n| &n.parent)
    }

    /// The names, outermost first.
    pub fn iter(&self) -> std::vec::IntoIter<&str> {
        let mut names = Vec::with_capacity(self.len());
        let mut at = self;
        while let Some(node) = &at.0 {
            names.push(node.name.as_str());
            at = &node.parent;
        }
        names.reverse();
        names.into_iter()
    }

    /// The names joined by `sep`, outermost first.
    pub fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }

    /// The names as owned strings, outermost first.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    /// Whether `self` and `other` are the same shared path (not only equal).
    pub fn shares(&self, other: &SuitePath) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// The address of the innermost link, naming a shared path while walks
    /// visit it once (0 for the empty path).
    pub(crate) fn id(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |n| std::sync::Arc::as_ptr(n) as usize)
    }

    /// Calls `f` on every name; links are copied only from the first
    /// changed name inward, and then this test alone gets the copy.
    pub fn for_each_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        SharedPaths::default().visit(self, f);
    }

    /// Computes a value for each link of `path` not yet in `memo`, outermost
    /// first, from its parent's value (`root` above the outermost), and
    /// returns the value of `path`. Each link is computed once however many
    /// paths share it, without recursion however deep the nesting. The memo
    /// keeps each link it names alive, so an address is never reused.
    pub(crate) fn fold<T: Clone>(
        path: &SuitePath,
        memo: &mut std::collections::HashMap<usize, (SuitePath, T)>,
        root: &T,
        f: &mut dyn FnMut(&T, &str, &SuitePath) -> T,
    ) -> T {
        let mut chain = Vec::new();
        let mut at = path;
        let mut base = root.clone();
        while let Some(node) = &at.0 {
            if let Some((_, done)) = memo.get(&at.id()) {
                base = done.clone();
                break;
            }
            chain.push(at);
            at = &node.parent;
        }
        for link in chain.into_iter().rev() {
            let name = link.last().unwrap_or_default();
            let value = f(&base, name, link);
            memo.insert(link.id(), (link.clone(), value.clone()));
            base = value;
        }
        base
    }
}

impl PartialEq for SuitePath {
    fn eq(&self, other: &Self) -> bool {
        self.shares(other) || (self.len() == other.len() && self.iter().eq(other.iter()))
    }
}

impl Eq for SuitePath {}

impl std::hash::Hash for SuitePath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for name in self.iter() {
            name.hash(state);
        }
    }
}

impl PartialOrd for SuitePath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SuitePath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl fmt::Debug for SuitePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Drop for PathNode {
    // Unlinks a long chain iteratively: dropping 100,000 nested links one
    // inside another would overflow the stack.
    fn drop(&mut self) {
        let mut next = std::mem::take(&mut self.parent).0;
        while let Some(node) = next {
            match std::sync::Arc::try_unwrap(node) {
                Ok(mut node) => next = std::mem::take(&mut node.parent).0,
                Err(_) => break,
            }
        }
    }
}

impl From<Vec<String>> for SuitePath {
    fn from(names: Vec<String>) -> Self {
        names.into_iter().collect()
    }
}

impl From<&[&str]> for SuitePath {
    fn from(names: &[&str]) -> Self {
        names.iter().map(|&n| n.to_owned()).collect()
    }
}

impl FromIterator<String> for SuitePath {
    fn from_iter<I: IntoIterator<Item = String>>(names: I) -> Self {
        names
            .into_iter()
            .fold(SuitePath::default(), |path, name| path.child(name))
    }
}

impl Serialize for SuitePath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for SuitePath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(SuitePath::from)
    }
}

/// The identity of a test.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TestId {
    /// Enclosing suite names, outermost first (JUnit nested `<testsuite>`s;
    /// libtest: the test binary group), shared by the suite's tests.
    pub suite: SuitePath,
    /// JUnit `classname`, when present and non-empty. Shared (`Arc<str>`):
    /// the tests of one class hold one copy (`Some(name.into())` builds one).
    pub classname: Option<std::sync::Arc<str>>,
    /// Test name. May be empty when the file gave none.
    pub name: String,
}

impl TestId {
    /// The innermost suite name, if any.
    pub fn suite_name(&self) -> Option<&str> {
        self.suite.last()
    }

    /// The key that names this test in reports: `classname::name`, or `suite::name`
    /// when there is no classname, or the bare name.
    pub fn key(&self) -> String {
        let name = if self.name.is_empty() {
            "<unnamed>"
        } else {
            &self.name
        };
        match (&self.classname, self.suite_name()) {
            (Some(class), _) => format!("{class}::{name}"),
            (None, Some(suite)) if !suite.is_empty() => format!("{suite}::{name}"),
            _ => name.to_owned(),
        }
    }
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Final outcome of a test case.
///
/// When one attempt carries several results, precedence is
/// error > failure > skipped > passed. A test whose last attempt passed after
/// earlier failed attempts is [`Outcome::Flaky`], which counts as passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Passed at the first attempt.
    Passed,
    /// Passed after one or more failed attempts.
    Flaky,
    /// Failed.
    Failed,
    /// Errored.
    Error,
    /// Skipped, ignored, disabled or not run.
    Skipped,
}

impl Outcome {
    /// True for [`Outcome::Failed`] and [`Outcome::Error`].
    pub fn is_failing(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Error)
    }

    /// Derives the final outcome from a test's attempts (last attempt decides;
    /// a passing last attempt after a failing one is flaky). No attempts at all
    /// means passed (a bare `<testcase/>`).
    pub fn from_attempts(attempts: &[Attempt]) -> Outcome {
        let Some(last) = attempts.last() else {
            return Outcome::Passed;
        };
        match last.status() {
            AttemptStatus::Passed => {
                if attempts[..attempts.len() - 1]
                    .iter()
                    .any(|a| a.status().is_failing())
                {
                    Outcome::Flaky
                } else {
                    Outcome::Passed
                }
            }
            AttemptStatus::Failed => Outcome::Failed,
            AttemptStatus::Error => Outcome::Error,
            AttemptStatus::Skipped => Outcome::Skipped,
        }
    }

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Flaky => "flaky",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
        }
    }
}

/// Status of a single attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    /// Passed.
    Passed,
    /// Failed.
    Failed,
    /// Errored.
    Error,
    /// Skipped.
    Skipped,
}

impl AttemptStatus {
    /// True for failed and errored attempts.
    pub fn is_failing(self) -> bool {
        matches!(self, AttemptStatus::Failed | AttemptStatus::Error)
    }
}

/// One execution of a test: the first run, or a retry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attempt {
    /// Failures and errors reported for this attempt (several are possible).
    pub failures: Vec<Failure>,
    /// Set when the attempt was skipped (boxed: most attempts are not, and
    /// a run holds hundreds of thousands of attempts).
    pub skipped: Option<Box<Skip>>,
    /// When the attempt started, as the file wrote it.
    pub timestamp: Option<String>,
    /// Wall time of this attempt.
    #[serde(with = "opt_secs")]
    pub duration: Option<std::time::Duration>,
    /// Captured standard output of this attempt (capped; boxed, as most
    /// attempts have none).
    pub stdout: Option<Box<CappedText>>,
    /// Captured standard error of this attempt (capped; boxed).
    pub stderr: Option<Box<CappedText>>,
}

impl Attempt {
    /// A pass that says nothing but its duration: no failure, no skip, no
    /// output, no timestamp. Readers leave such an attempt out when it is a
    /// test's only one and its duration is the test's, so a passing test holds
    /// no attempt at all (a test with no attempts passed: see
    /// [`Outcome::from_attempts`]).
    pub fn is_plain_pass(&self) -> bool {
        self.failures.is_empty()
            && self.skipped.is_none()
            && self.stdout.is_none()
            && self.stderr.is_none()
            && self.timestamp.is_none()
    }

    /// The status by precedence error > failure > skipped > passed.
    pub fn status(&self) -> AttemptStatus {
        if self.failures.iter().any(|f| f.kind == FailureKind::Error) {
            AttemptStatus::Error
        } else if !self.failures.is_empty() {
            AttemptStatus::Failed
        } else if self.skipped.is_some() {
            AttemptStatus::Skipped
        } else {
            AttemptStatus::Passed
        }
    }
}

/// Why a test was skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Skip {
    /// Short message (`message` attribute).
    pub message: Option<String>,
    /// Type attribute, if any.
    pub r#type: Option<String>,
    /// Body text, if any.
    pub body: Option<String>,
}

/// Whether a failure was an assertion failure or an unexpected error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// `<failure>`: an assertion did not hold.
    Failure,
    /// `<error>`: an unexpected error (exception, crash, timeout).
    Error,
}

impl FailureKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Failure => "failure",
            FailureKind::Error => "error",
        }
    }
}

/// Details of one failure or error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Failure {
    /// Failure or error.
    pub kind: FailureKind,
    /// Exception or failure type (`java.lang.AssertionError`, `AssertionError`, …).
    pub r#type: Option<String>,
    /// The short message (the `message` attribute in JUnit).
    pub message: Option<String>,
    /// The full text: element body, CDATA or `stackTrace` child; libtest: the test's stdout.
    ///
    /// Shared (`Arc<str>`): the report's text table holds the same text
    /// without a copy (`Some(text.into())` builds one from a `String`).
    pub body: Option<std::sync::Arc<str>>,
    /// Source file named by the failure, when the file says.
    pub file: Option<String>,
    /// Source line named by the failure, when the file says.
    pub line: Option<u32>,
}

impl Failure {
    /// A failure of the given kind with no details.
    pub fn new(kind: FailureKind) -> Self {
        Failure {
            kind,
            r#type: None,
            message: None,
            body: None,
            file: None,
            line: None,
        }
    }

    /// The whole failure text: the message, then the body when it adds to it.
    pub fn full_text(&self) -> String {
        self.whole_body()
            .map_or_else(|| self.joined_text(), |b| b.to_string())
    }

    /// [`Failure::full_text`], sharing the body rather than copying it when
    /// the body is the whole text (as it is for most failures).
    pub fn full_text_shared(&self) -> std::sync::Arc<str> {
        self.whole_body()
            .cloned()
            .unwrap_or_else(|| self.joined_text().into())
    }

    /// The body, when it is the whole text as it stands: nothing to trim
    /// and the message already in it.
    fn whole_body(&self) -> Option<&std::sync::Arc<str>> {
        let body = self.body.as_ref()?;
        let message = self.message.as_deref().map(str::trim).unwrap_or("");
        (!body.starts_with(['\n', '\r'])
            && !body.ends_with(['\n', '\r'])
            && !body.trim().is_empty()
            && (message.is_empty() || holds(body, message)))
        .then_some(body)
    }

    fn joined_text(&self) -> String {
        let message = self.message.as_deref().map(str::trim).unwrap_or("");
        let body = self
            .body
            .as_deref()
            .map(|b| b.trim_matches(['\n', '\r']))
            .unwrap_or("");
        match (message.is_empty(), body.trim().is_empty()) {
            (true, true) => self.r#type.clone().unwrap_or_default(),
            (false, true) => message.to_owned(),
            (true, false) => body.to_owned(),
            (false, false) if holds(body, message) => body.to_owned(),
            (false, false) => format!("{message}\n{body}"),
        }
    }
}

/// Whether `text` holds `part` (one SIMD substring search: asked of every
/// failure, several times in a run).
fn holds(text: &str, part: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), part.as_bytes()).is_some()
}

/// A name/value property (repeated names allowed, order kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Property {
    /// Name.
    pub name: String,
    /// Value (may span lines).
    pub value: String,
}

/// A structured marker found in a test's output (see the timeline docs in `junit-ingest`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimelineEvent {
    /// What kind of marker.
    pub kind: EventKind,
    /// Phase, progress stage, metric or context name; empty when the marker has none.
    pub name: String,
    /// The rest of the marker's text.
    pub message: String,
    /// File named by a GitHub workflow command, if any.
    pub file: Option<String>,
    /// Line named by a GitHub workflow command, if any.
    pub line: Option<u32>,
    /// Numeric value of a `::METRIC::` marker.
    pub value: Option<f64>,
    /// Which stream it was in.
    pub stream: Stream,
    /// 1-based line within that stream's captured text.
    pub output_line: u32,
}

/// Kinds of timeline events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum EventKind {
    /// `::PHASE::name` — a new phase of the test starts.
    Phase,
    /// `::SUCCESS::` — a step succeeded.
    Success,
    /// `::ERROR::` or `::error …::` — strong evidence for analysis.
    Error,
    /// `::WARNING::` or `::warning …::`.
    Warning,
    /// `::notice …::` (GitHub).
    Notice,
    /// `::CONTEXT::` — background facts.
    Context,
    /// `::PROGRESS::stage::details`.
    Progress,
    /// `::METRIC::name::value`.
    Metric,
}

/// An output stream of a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A test suite as the file described it (JUnit `<testsuite>`; libtest: one test binary's run).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Suite {
    /// Name (may be empty).
    pub name: String,
    /// Index into [`TestRun::inputs`].
    pub input: usize,
    /// Index into [`TestRun::suites`] of the enclosing suite, for nested suites.
    pub parent: Option<usize>,
    /// Timestamp attribute, as written.
    pub timestamp: Option<String>,
    /// Host name attribute.
    pub hostname: Option<String>,
    /// Duration the file declared for the suite.
    #[serde(with = "opt_secs")]
    pub duration: Option<std::time::Duration>,
    /// Source file declared on the suite.
    pub file: Option<String>,
    /// Suite properties (repeated names allowed, order kept).
    pub properties: Vec<Property>,
    /// Suite-level standard output (capped); Bazel puts the whole log here.
    pub stdout: Option<CappedText>,
    /// Suite-level standard error (capped).
    pub stderr: Option<CappedText>,
    /// Attributes not interpreted, kept verbatim.
    pub extra: BTreeMap<String, String>,
}

/// One test case with every attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TestCase {
    /// Identity.
    pub id: TestId,
    /// Index into [`TestRun::inputs`] of the file it came from.
    pub input: usize,
    /// Index into [`TestRun::suites`] of the innermost enclosing suite, if any.
    pub suite: Option<usize>,
    /// Source file of the test, from the testcase, its failure or its suite.
    pub file: Option<String>,
    /// Source line of the test, when known.
    pub line: Option<u32>,
    /// Final outcome, derived from `attempts` by [`Outcome::from_attempts`].
    pub outcome: Outcome,
    /// Total duration as the file reports it for the test case.
    #[serde(with = "opt_secs")]
    pub duration: Option<std::time::Duration>,
    /// Every attempt in order; the last one decides the outcome. Empty for a
    /// test that passed at its only attempt with nothing more to say than
    /// [`TestCase::duration`] ([`Attempt::is_plain_pass`]).
    pub attempts: Vec<Attempt>,
    /// Properties, timeline events and attributes not interpreted: absent
    /// for most tests, so a passing test does not pay three empty
    /// collections ([`TestCase::properties`], [`TestCase::events`],
    /// [`TestCase::extra`] read them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<Box<CaseDetails>>,
}

/// What few test cases have besides their attempts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct CaseDetails {
    properties: Vec<Property>,
    events: Vec<TimelineEvent>,
    extra: BTreeMap<String, String>,
}

static NO_EXTRA: BTreeMap<String, String> = BTreeMap::new();

impl TestCase {
    /// A test case with one attempt, its outcome derived.
    pub fn new(id: TestId, attempts: Vec<Attempt>) -> Self {
        let outcome = Outcome::from_attempts(&attempts);
        TestCase {
            id,
            input: 0,
            suite: None,
            file: None,
            line: None,
            outcome,
            duration: None,
            attempts,
            details: None,
        }
    }

    /// Properties of the test case itself (suite properties are on [`Suite`]).
    pub fn properties(&self) -> &[Property] {
        self.details.as_ref().map_or(&[], |d| &d.properties)
    }

    /// Structured markers found in the output, in order.
    pub fn events(&self) -> &[TimelineEvent] {
        self.details.as_ref().map_or(&[], |d| &d.events)
    }

    /// Attributes the reader did not interpret, kept verbatim (name, value).
    pub fn extra(&self) -> &BTreeMap<String, String> {
        self.details.as_ref().map_or(&NO_EXTRA, |d| &d.extra)
    }

    /// The properties, to change.
    pub fn properties_mut(&mut self) -> &mut Vec<Property> {
        &mut self.details_mut().properties
    }

    /// The timeline events, to change.
    pub fn events_mut(&mut self) -> &mut Vec<TimelineEvent> {
        &mut self.details_mut().events
    }

    /// The attributes not interpreted, to change.
    pub fn extra_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.details_mut().extra
    }

    /// Sets properties, events and attributes at once; nothing is held when
    /// all three are empty.
    pub fn set_details(
        &mut self,
        properties: Vec<Property>,
        events: Vec<TimelineEvent>,
        extra: BTreeMap<String, String>,
    ) {
        self.details =
            (!properties.is_empty() || !events.is_empty() || !extra.is_empty()).then(|| {
                Box::new(CaseDetails {
                    properties,
                    events,
                    extra,
                })
            });
    }

    /// Takes properties, events and attributes out, leaving none.
    pub fn take_details(
        &mut self,
    ) -> (Vec<Property>, Vec<TimelineEvent>, BTreeMap<String, String>) {
        match self.details.take() {
            Some(d) => (d.properties, d.events, d.extra),
            None => Default::default(),
        }
    }

    /// Properties, events and attributes, each to change, without making room
    /// for them when there are none.
    pub fn details_parts_mut(
        &mut self,
    ) -> (
        &mut [Property],
        &mut [TimelineEvent],
        Option<&mut BTreeMap<String, String>>,
    ) {
        match self.details.as_deref_mut() {
            Some(d) => (&mut d.properties, &mut d.events, Some(&mut d.extra)),
            None => (&mut [], &mut [], None),
        }
    }

    fn details_mut(&mut self) -> &mut CaseDetails {
        self.details.get_or_insert_with(Box::default)
    }

    /// Recomputes [`TestCase::outcome`] after `attempts` changed.
    pub fn refresh_outcome(&mut self) {
        self.outcome = Outcome::from_attempts(&self.attempts);
    }

    /// The attempt that decided the outcome (the last one).
    pub fn final_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    /// The failures that explain the outcome: those of the final attempt when it
    /// failed, else those of the last failing attempt (for flaky tests).
    pub fn failures(&self) -> &[Failure] {
        self.attempts
            .iter()
            .rev()
            .find(|a| !a.failures.is_empty())
            .map(|a| a.failures.as_slice())
            .unwrap_or(&[])
    }

    /// The most severe failure of the deciding attempt: an error if any, else the first failure.
    pub fn primary_failure(&self) -> Option<&Failure> {
        let failures = self.failures();
        failures
            .iter()
            .find(|f| f.kind == FailureKind::Error)
            .or_else(|| failures.first())
    }

    /// Number of attempts (at least 1).
    pub fn attempt_count(&self) -> usize {
        self.attempts.len().max(1)
    }
}

/// A named part of a failure's signature, shown in reports as "why grouped".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignatureComponent {
    /// What the component is (`kind`, `message`, `frame`, …).
    pub name: String,
    /// Its normalised value.
    pub value: String,
    /// Whether it went into the hash; `false` for components shown only to
    /// explain (the detected language, the environment of a mass failure).
    #[serde(default = "yes")]
    pub hashed: bool,
}

fn yes() -> bool {
    true
}

impl SignatureComponent {
    /// A component that goes into the hash.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        SignatureComponent {
            name: name.into(),
            value: value.into(),
            hashed: true,
        }
    }

    /// A component shown in reports but left out of the hash.
    pub fn info(name: impl Into<String>, value: impl Into<String>) -> Self {
        SignatureComponent {
            hashed: false,
            ..SignatureComponent::new(name, value)
        }
    }
}

/// A failure's signature: the components that identify its cause, and their stable hash (the fingerprint).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Signature {
    /// Stable hex hash.
    pub hash: String,
    /// The components that went into the hash, in order.
    pub components: Vec<SignatureComponent>,
}

impl Signature {
    /// Builds a signature, hashing the components marked
    /// [`hashed`](SignatureComponent::hashed) with a stable 64-bit FNV-1a
    /// (the same on every platform and in every release, so history stays valid).
    pub fn from_components(mut components: Vec<SignatureComponent>) -> Self {
        // Each failing test holds its signature until clustering: no slack
        // (100k failures of six components held 75 MB, a third of it room).
        components.shrink_to_fit();
        for c in &mut components {
            c.value.shrink_to_fit();
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for c in components.iter().filter(|c| c.hashed) {
            for b in c.name.bytes().chain([0]).chain(c.value.bytes()).chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        Signature {
            hash: format!("{h:016x}"),
            components,
        }
    }
}

/// Failures grouped by a shared root cause.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cluster {
    /// Stable identifier within a report (`c1`, `c2`, … largest first).
    pub id: String,
    /// Fingerprint shared by the members (of the representative, after near-duplicate merging).
    pub fingerprint: Signature,
    /// Member test keys ([`TestId::key`]), in run order.
    pub tests: Vec<String>,
    /// Indices into [`TestRun::cases`] of the members.
    pub case_indices: Vec<usize>,
    /// How many failing attempts the members had in total.
    pub occurrences: usize,
    /// Index into [`TestRun::cases`] of the member that represents the cluster.
    pub representative: usize,
    /// Every exact fingerprint whose failures this cluster holds, largest
    /// group first (one entry unless near-duplicates were merged).
    #[serde(default)]
    pub merged_from: Vec<String>,
    /// True when most failing tests share one environment problem (the same
    /// service refusing connections, a full disk, …) and this cluster holds them.
    #[serde(default)]
    pub mass_failure: bool,
    /// A short human label, such as the environment problem of a mass failure.
    #[serde(default)]
    pub label: Option<String>,
}

/// Context gathered for a cluster, with where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// Where the text came from.
    pub provenance: Provenance,
    /// Sanitized text.
    pub text: String,
}

impl Evidence {
    /// Evidence with its text and where it came from.
    pub fn new(text: impl Into<String>, provenance: Provenance) -> Self {
        Evidence {
            provenance,
            text: text.into(),
        }
    }
}

impl Provenance {
    /// Provenance naming only the collector.
    pub fn new(collector: impl Into<String>) -> Self {
        Provenance {
            collector: collector.into(),
            ..Provenance::default()
        }
    }
}

/// Where a piece of evidence came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Provenance {
    /// Collector name (`command`, `file`, `ssh`, `test-output`, …).
    pub collector: String,
    /// Host, for remote collectors.
    pub host: Option<String>,
    /// Command line or file path.
    pub command: Option<String>,
    /// Exit status of a command.
    pub exit_status: Option<i32>,
    /// How long collecting took, in milliseconds.
    pub duration_ms: Option<u64>,
    /// True when the text was cut to a limit.
    pub truncated: bool,
    /// Error, when the collector failed (the run still completes).
    pub error: Option<String>,
    /// What was collected, in the config's words (`database: postgres journal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// How collecting ended, for collectors that run commands or reach hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CollectStatus>,
}

/// How one collection ended. A command that ran and exited non-zero is `ok`
/// with its [`Provenance::exit_status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CollectStatus {
    /// Ran to completion.
    Ok,
    /// Did not finish within its timeout.
    TimedOut,
    /// The host could not be reached (refused, timed out, no route, unknown name).
    Unreachable,
    /// The host refused the login.
    AuthFailed,
    /// The host's key is unknown or has changed; the connection was refused.
    HostKeyRejected,
    /// Anything else (a missing program or file, a template without a value).
    Failed,
}

/// Category of a root cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Category {
    /// An assertion did not hold.
    Assertion,
    /// A panic or an unhandled exception.
    Panic,
    /// A timeout or missed deadline.
    Timeout,
    /// Network: connection refused/reset, DNS, TLS, HTTP status.
    Network,
    /// Resources: memory, disk, file descriptors.
    Resource,
    /// Permission denied.
    Permission,
    /// A missing file, directory, variable or configuration.
    MissingFileOrConfig,
    /// Dependency, import, link or version problems.
    Dependency,
    /// Database errors: deadlocks, constraints, migrations.
    Database,
    /// Crashes: segfaults, aborts, signals.
    Crash,
    /// Races, deadlocks, ordering.
    Concurrency,
    /// Infrastructure that fails intermittently.
    FlakyInfrastructure,
    /// Anything else.
    Other,
}

/// Severity of a root cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

/// An exact quote from the evidence that supports a claim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Citation {
    /// The quoted text, verbatim from the source.
    pub quote: String,
    /// Which source (`failure:<test key>`, `stdout:<test key>`, or an evidence's collector/command).
    pub source: String,
}

/// The explanation of a cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Analysis {
    /// The most likely root cause.
    pub root_cause: String,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// A concrete fix.
    pub fix_suggestion: String,
    /// Confidence in 0–1.
    pub confidence: f32,
    /// Citations supporting the root cause.
    pub evidence: Vec<Citation>,
    /// Which analyzer produced it: `rules`, `known-issue` or `llm:<provider>/<model>`.
    pub analyzer: String,
    /// Whether the critic replaced the analyzer's answer.
    pub critic_override: bool,
    /// Whether every citation was found in the evidence.
    pub grounded: bool,
    /// Why an LLM analysis fell back to the rules for this cluster (absent when it did not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

/// Stability of a test over its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stability {
    /// Grade A–F.
    pub grade: char,
    /// Share of recent runs that flipped outcome, 0–1.
    pub flakiness: f64,
    /// `stable`, `flaky`, `broken`, `fixed` or `new`.
    pub verdict: String,
    /// Per-run outcomes, oldest first.
    pub trend: Vec<Outcome>,
    /// Probability that the current failure is a flake, 0–1.
    pub flake_probability: Option<f64>,
    /// Why.
    pub reasons: Vec<String>,
}

mod opt_secs {
    //! Durations as fractional seconds, the unit JUnit uses.
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let v = Option::<f64>::deserialize(d)?;
        Ok(v.filter(|v| v.is_finite() && *v >= 0.0)
            .map(Duration::from_secs_f64))
    }
}

// Constructors: the model's structs are `#[non_exhaustive]`, so code outside
// this crate builds them with these (or `Default`) and sets the public fields
// it needs; a field added later breaks no caller.

impl Summary {
    /// Counts, each test once: `tests` is the sum of the others but `flaky`
    /// (a subset of `passed`).
    pub fn new(passed: usize, failed: usize, errors: usize, skipped: usize, flaky: usize) -> Self {
        Summary {
            tests: passed + failed + errors + skipped,
            passed,
            failed,
            errors,
            skipped,
            flaky,
        }
    }
}

impl InputStatus {
    /// The status of the input at `path`, nothing read yet.
    pub fn new(path: impl Into<String>) -> Self {
        InputStatus {
            path: path.into(),
            ..InputStatus::default()
        }
    }
}

impl Diagnostic {
    /// A message with no position.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: None,
        }
    }

    /// A message at a position.
    pub fn at(message: impl Into<String>, location: Location) -> Self {
        Diagnostic {
            message: message.into(),
            location: Some(location),
        }
    }
}

impl Location {
    /// Line and column (1-based) and the element path there.
    pub fn new(line: u64, column: u64, element_path: impl Into<String>) -> Self {
        Location {
            line,
            column,
            element_path: element_path.into(),
        }
    }
}

impl TestId {
    /// A test's identity.
    pub fn new(suite: SuitePath, classname: Option<String>, name: impl Into<String>) -> Self {
        TestId {
            suite,
            classname: classname.map(Into::into),
            name: name.into(),
        }
    }
}

impl Attempt {
    /// An attempt with these failures (none: a pass).
    pub fn with_failures(failures: Vec<Failure>) -> Self {
        Attempt {
            failures,
            ..Attempt::default()
        }
    }

    /// A skipped attempt.
    pub fn skipped(skip: Skip) -> Self {
        Attempt {
            skipped: Some(Box::new(skip)),
            ..Attempt::default()
        }
    }
}

impl Skip {
    /// A skip with this reason.
    pub fn with_message(message: Option<String>) -> Self {
        Skip {
            message,
            ..Skip::default()
        }
    }
}

impl Property {
    /// A name/value property.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Property {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl TimelineEvent {
    /// A marker of `kind` at `output_line` of `stream`, with no file, line or value.
    pub fn new(
        kind: EventKind,
        name: impl Into<String>,
        message: impl Into<String>,
        stream: Stream,
        output_line: u32,
    ) -> Self {
        TimelineEvent {
            kind,
            name: name.into(),
            message: message.into(),
            file: None,
            line: None,
            value: None,
            stream,
            output_line,
        }
    }
}

impl Suite {
    /// A suite with this name, nothing else known.
    pub fn new(name: impl Into<String>) -> Self {
        Suite {
            name: name.into(),
            ..Suite::default()
        }
    }
}

impl Citation {
    /// An exact quote and where it comes from (`failure:<test>`, …).
    pub fn new(quote: impl Into<String>, source: impl Into<String>) -> Self {
        Citation {
            quote: quote.into(),
            source: source.into(),
        }
    }
}

impl Analysis {
    /// An analysis with no citations, not grounded, not overridden, no fallback.
    pub fn new(
        root_cause: impl Into<String>,
        category: Category,
        severity: Severity,
        fix_suggestion: impl Into<String>,
        confidence: f32,
        analyzer: impl Into<String>,
    ) -> Self {
        Analysis {
            root_cause: root_cause.into(),
            category,
            severity,
            fix_suggestion: fix_suggestion.into(),
            confidence,
            evidence: Vec::new(),
            analyzer: analyzer.into(),
            critic_override: false,
            grounded: false,
            fallback_reason: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_costs_one_link_per_suite_and_each_name_is_visited_once() {
        // 100,000 suites, each inside the one before: one link each.
        let mut paths = vec![SuitePath::default()];
        for i in 0..100_000 {
            let next = paths[paths.len() - 1].child(format!("s{i}"));
            paths.push(next);
        }
        let deepest = paths.last().unwrap().clone();
        assert_eq!(deepest.len(), 100_000);
        assert_eq!(deepest.iter().next(), Some("s0"));
        assert_eq!(deepest.last(), Some("s99999"));
        // A walk over every path visits each name once, not once per path.
        let mut visits = 0usize;
        let mut seen = SharedPaths::default();
        for path in paths.iter_mut().rev() {
            seen.visit(path, &mut |_| visits += 1);
        }
        assert_eq!(visits, 100_000);
        assert!(
            paths.last().unwrap().shares(&deepest),
            "unchanged paths stay shared"
        );
        // Renaming the outermost suite gives every path a new chain, still
        // one link per suite, with the rest of the names kept.
        let mut visits = 0usize;
        let mut seen = SharedPaths::default();
        for path in paths.iter_mut() {
            seen.visit(path, &mut |t| {
                visits += 1;
                if t == "s0" {
                    *t = "root".into();
                }
            });
        }
        assert_eq!(visits, 100_000);
        let renamed = paths.last().unwrap();
        assert_eq!(renamed.iter().next(), Some("root"));
        assert!(renamed.parent().unwrap().shares(&paths[paths.len() - 2]));
        // Dropping the chains does not recurse 100,000 deep.
        drop(paths);
        drop(deepest);
    }

    #[test]
    fn a_suite_path_is_shared_until_a_name_changes_and_reads_as_a_list() {
        let path = SuitePath::from(&["outer", "inner"][..]);
        let mut a = path.clone();
        let mut b = path.clone();
        a.for_each_mut(&mut |_| {});
        assert!(a.shares(&path), "an unchanged path is not copied");
        b.for_each_mut(&mut |t| {
            if t == "inner" {
                *t = "changed".into();
            }
        });
        assert_eq!(b.to_vec(), ["outer", "changed"]);
        assert_eq!(path.to_vec(), ["outer", "inner"], "the others keep theirs");
        assert!(
            b.parent().unwrap().shares(path.parent().unwrap()),
            "links outside the change stay shared"
        );
        assert_eq!(path.last(), Some("inner"));
        assert_eq!(path.len(), 2);
        assert_eq!(path.child("leaf".into()).join("/"), "outer/inner/leaf");
        let json = serde_json::to_string(&path).unwrap();
        assert_eq!(json, r#"["outer","inner"]"#);
        assert_eq!(serde_json::from_str::<SuitePath>(&json).unwrap(), path);
        assert_eq!(format!("{path:?}"), r#"["outer", "inner"]"#);
    }

    fn failing(kind: FailureKind) -> Attempt {
        Attempt {
            failures: vec![Failure::new(kind)],
            ..Attempt::default()
        }
    }

    #[test]
    fn precedence_error_over_failure_over_skipped() {
        let mut a = failing(FailureKind::Failure);
        a.skipped = Some(Box::default());
        assert_eq!(a.status(), AttemptStatus::Failed);
        a.failures.push(Failure::new(FailureKind::Error));
        assert_eq!(a.status(), AttemptStatus::Error);
        let s = Attempt {
            skipped: Some(Box::new(Skip {
                message: Some("why".into()),
                ..Skip::default()
            })),
            ..Attempt::default()
        };
        assert_eq!(s.status(), AttemptStatus::Skipped);
    }

    #[test]
    fn pass_after_failure_is_flaky_and_counts_as_passed() {
        let attempts = vec![failing(FailureKind::Failure), Attempt::default()];
        assert_eq!(Outcome::from_attempts(&attempts), Outcome::Flaky);
        let mut s = Summary::default();
        s.add(Outcome::Flaky);
        assert_eq!((s.tests, s.passed, s.flaky), (1, 1, 1));
        let attempts = vec![Attempt::default(), failing(FailureKind::Error)];
        assert_eq!(Outcome::from_attempts(&attempts), Outcome::Error);
    }

    #[test]
    fn failures_of_flaky_test_come_from_last_failing_attempt() {
        let mut first = failing(FailureKind::Failure);
        first.failures[0].message = Some("boom".into());
        let case = TestCase::new(TestId::default(), vec![first, Attempt::default()]);
        assert_eq!(case.outcome, Outcome::Flaky);
        assert_eq!(case.failures()[0].message.as_deref(), Some("boom"));
    }

    #[test]
    fn full_text_does_not_repeat_message_contained_in_body() {
        let mut f = Failure::new(FailureKind::Failure);
        f.message = Some("expected 1".into());
        f.body = Some("AssertionError: expected 1\n  at foo".into());
        assert_eq!(f.full_text(), "AssertionError: expected 1\n  at foo");
        f.body = Some("  at foo".into());
        assert_eq!(f.full_text(), "expected 1\n  at foo");
    }

    #[test]
    fn the_shared_full_text_is_the_body_itself_when_the_body_says_it_all() {
        let mut f = Failure::new(FailureKind::Failure);
        f.message = Some("expected 1".into());
        f.body = Some("AssertionError: expected 1\n  at foo".into());
        let shared = f.full_text_shared();
        assert!(
            std::sync::Arc::ptr_eq(&shared, f.body.as_ref().unwrap()),
            "no copy"
        );
        // Every other shape is the same text as `full_text`, built anew.
        for (message, body) in [
            (Some("expected 1"), Some("  at foo")),
            (None, Some("\nbody with a leading line break")),
            (Some("m"), Some("body ending in a line break\n")),
            (Some("only a message"), None),
            (None, Some("   ")),
            (None, None),
        ] {
            f.message = message.map(Into::into);
            f.body = body.map(Into::into);
            f.r#type = Some("Type".into());
            assert_eq!(
                &*f.full_text_shared(),
                f.joined_text(),
                "{message:?} {body:?}"
            );
            if let Some(b) = &f.body {
                assert!(
                    !std::sync::Arc::ptr_eq(&f.full_text_shared(), b) || f.joined_text() == **b
                );
            }
        }
    }

    #[test]
    fn key_prefers_classname_then_suite() {
        let mut id = TestId {
            suite: vec!["s".into()].into(),
            classname: None,
            name: "t".into(),
        };
        assert_eq!(id.key(), "s::t");
        id.classname = Some("c".into());
        assert_eq!(id.key(), "c::t");
    }
}
