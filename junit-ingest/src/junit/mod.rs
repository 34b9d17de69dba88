//! JUnit XML reader for every dialect.
//!
//! The file is streamed with quick-xml (no DOM), so memory is bounded by the
//! failure text and output kept — each capped — not by the file size. The
//! reader recounts everything from the `<testcase>` elements: header counts
//! (`tests=`, `failures=`) are never trusted.
//!
//! What it understands, beyond the plain schema:
//!
//! - `<testsuites>`, bare `<testsuite>` or bare `<testcase>` roots (and the
//!   Eclipse JUnit view's `<testrun>` export), suites nested at any depth, and
//!   test cases directly under `<testsuites>`;
//! - several results in one test case (one attempt with several failures;
//!   precedence is [`Attempt::status`](failtale_core::model::Attempt::status));
//! - retries: Surefire/Gradle `flakyFailure`/`flakyError` (failed attempts
//!   before the passing one) and `rerunFailure`/`rerunError` (further failed
//!   attempts), each with its own `stackTrace`, output, `time` and
//!   `timestamp`; and retries written as a repeated test case after a failing
//!   one (pytest-rerunfailures, Jest, …), merged into one test with several
//!   attempts;
//! - `status="notrun|disabled|skipped"`, googletest's `result="suppressed"`
//!   and `DISABLED_` names (skipped unless a failure says otherwise);
//! - `time` with decimal commas or thousands separators;
//! - UTF-8 with or without BOM, UTF-16 (any byte order, with or without BOM,
//!   whatever the declaration claims) and 8-bit encodings named in the
//!   declaration, transcoded while streaming;
//! - control characters that make a file invalid XML are kept as text.
//!
//! Entities other than the five predefined ones and character references are
//! never expanded: a DOCTYPE is skipped, and an unknown reference such as
//! `&xxe;` is kept literally with a warning, so neither external entities
//! (XXE) nor entity bombs can do harm.

mod attrs;
mod parse;
mod producer;
mod source;
mod time;

use std::io::Read;

use failtale_core::stage::{Ingest, Ingested, Sniff};

use crate::sniff::{head_text, root_element};

/// Default cap on the text kept for one failure body or property value: 1 MiB.
pub const DEFAULT_MAX_FAILURE_TEXT: usize = 1024 * 1024;

/// Default budget for suite-level output kept whole in one file: 16 MiB.
pub const DEFAULT_MAX_SUITE_OUTPUT_TOTAL: usize = 16 * 1024 * 1024;

/// Bytes of file per test case assumed when reserving room for a large
/// file's cases (a passing `<testcase …/>` line takes 60–150).
const BYTES_PER_CASE_GUESS: u64 = 256;

/// The most cases room is reserved for from a file's size (a sparse file
/// may claim any size): 4M, 640 MB of address space. A larger run grows
/// its list as it reads.
const MAX_SIZE_RESERVED_CASES: u64 = 1 << 22;

/// Files from this size on get room reserved from their size.
const RESERVE_FROM_BYTES: u64 = 64 * 1024 * 1024;

/// Reads JUnit XML of every dialect.
///
/// ```
/// use failtale_core::Ingest;
/// use junit_ingest::junit::JunitReader;
///
/// let xml = br#"<testsuites><testsuite name="s" tests="99">
///   <testcase name="a" time="0,5"/>
///   <testcase name="b"><flakyFailure message="boom"/></testcase>
/// </testsuite></testsuites>"#;
/// let read = JunitReader::default().ingest(&mut &xml[..]);
/// assert!(read.error.is_none());
/// assert_eq!(read.cases.len(), 2);
/// assert_eq!(read.cases[1].attempts.len(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct JunitReader {
    /// Cap, in bytes, on one captured `system-out`/`system-err` stream
    /// (head and tail are kept).
    pub max_output: usize,
    /// Cap, in bytes, on one failure body, message or property value
    /// (head and tail are kept).
    pub max_failure_text: usize,
    /// Keep the captured output of attempts that passed. Off by default:
    /// failtale explains failures, and a large suite's passing output would
    /// otherwise dominate memory. Markers in that output (`::PHASE::`, …) are
    /// still turned into timeline events either way.
    pub keep_passing_output: bool,
    /// Bytes of suite-level `system-out`/`system-err` kept whole (each
    /// still capped at `max_output`) in one file; past it, each further
    /// suite output keeps 1 KiB (head and tail) and the file gets a
    /// warning. Suites whose tests all passed keep no output unless
    /// `keep_passing_output` is set. Default 16 MiB: a file of any size
    /// then holds a bounded amount of suite logs.
    pub max_suite_output_total: usize,
}

impl Default for JunitReader {
    fn default() -> Self {
        JunitReader {
            max_output: failtale_core::capped::DEFAULT_CAP,
            max_failure_text: DEFAULT_MAX_FAILURE_TEXT,
            keep_passing_output: false,
            max_suite_output_total: DEFAULT_MAX_SUITE_OUTPUT_TOTAL,
        }
    }
}

/// True for the root elements this reader reads (namespace prefix removed).
fn is_junit_root(local: &str) -> bool {
    matches!(local, "testsuites" | "testsuite" | "testcase")
}

impl Ingest for JunitReader {
    fn name(&self) -> &str {
        "junit"
    }

    fn sniff(&self, head: &[u8]) -> Sniff {
        let text = head_text(head);
        match root_element(&text) {
            Some(root) if is_junit_root(root) => Sniff::Yes,
            // The Eclipse JUnit view exports `<testrun>` around ordinary suites.
            Some("testrun") if text.contains("<testsuite") => Sniff::Maybe,
            _ => Sniff::No,
        }
    }

    fn ingest(&self, input: &mut dyn Read) -> Ingested {
        parse::read(self, input)
    }

    /// Reserves room for one test case per [`BYTES_PER_CASE_GUESS`] bytes of
    /// a large file. Test cases range from 30 bytes to megabytes, so this
    /// may reserve more than is used; room never written costs address
    /// space, not memory, and a large list is not shrunk afterwards. What it
    /// saves is growing the list by doubling, where each step holds the old
    /// and the new list at once (measured on a 1 GB file of 1.66M tests: the
    /// last step added 230 MiB to the peak).
    fn ingest_sized(&self, input: &mut dyn Read, size: Option<u64>) -> Ingested {
        let cases = size.filter(|&s| s >= RESERVE_FROM_BYTES).map_or(0, |s| {
            usize::try_from((s / BYTES_PER_CASE_GUESS).min(MAX_SIZE_RESERVED_CASES)).unwrap_or(0)
        });
        parse::read_reserving(self, input, cases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_gets_room_for_its_cases_and_a_claimed_size_is_bounded() {
        let xml = b"<testsuite name='s'><testcase name='a'/><testcase name='b'/></testsuite>";
        let read = |size| JunitReader::default().ingest_sized(&mut &xml[..], size);
        let small = read(Some(xml.len() as u64));
        assert_eq!(small.cases.len(), 2);
        assert!(small.cases.capacity() < 1024, "{}", small.cases.capacity());
        let large = read(Some(RESERVE_FROM_BYTES));
        assert_eq!(large.cases.len(), 2);
        assert_eq!(
            large.cases.capacity() as u64,
            RESERVE_FROM_BYTES / BYTES_PER_CASE_GUESS,
            "room kept: not shrunk after reading"
        );
        // A sparse file claiming a petabyte reserves no more than the bound.
        let huge = read(Some(1 << 50));
        assert_eq!(huge.cases.len(), 2);
        assert_eq!(huge.cases.capacity() as u64, MAX_SIZE_RESERVED_CASES);
    }
}
