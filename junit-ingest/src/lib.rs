//! # junit-ingest
//!
//! Streaming, lenient readers for test result files, implementing
//! [`failtale_core::Ingest`]:
//!
//! - [`junit::JunitReader`]: JUnit XML in every dialect (Surefire, Gradle,
//!   pytest, Jest, go-junit-report, gotestsum, nextest, Bazel, xunit,
//!   googletest, PHPUnit, …), streamed with quick-xml — no DOM, so memory is
//!   bounded by the failure text kept, not by the file size;
//! - [`libtest::LibtestReader`]: Rust libtest's `--format json` event stream
//!   (and nextest's emulation of it), tolerant of cargo's interleaved output;
//! - [`AutoIngest`]: picks the reader from the content, never the file name,
//!   and names what a file looks like when it is neither (NUnit, TRX, …).
//!
//! Structured markers in test output become timeline events
//! ([`timeline`]), and [`writer`] writes the run back out as JUnit (streamed,
//! in the form quick-junit writes), enriched with failtale's analysis.
//!
//! ```
//! use failtale_core::Ingest;
//! use junit_ingest::AutoIngest;
//!
//! let xml = br#"<testsuite name="s"><testcase name="a"/><testcase name="b"><failure message="boom"/></testcase></testsuite>"#;
//! let read = AutoIngest::default().ingest(&mut &xml[..]);
//! assert!(read.error.is_none());
//! assert_eq!(read.cases.len(), 2);
//! assert_eq!(read.cases[1].primary_failure().unwrap().message.as_deref(), Some("boom"));
//! ```
//!
//! MSRV: Rust 1.88.

pub mod errors;
pub mod junit;
pub mod libtest;
pub mod sink;
mod sniff;
pub mod timeline;
pub mod writer;
mod xml_out;

pub use sink::EnrichedJunit;
pub use sniff::{AutoIngest, looks_like};
