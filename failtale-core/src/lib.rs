//! # failtale-core
//!
//! The library behind `cargo failtale`: the data model of a test run, the five
//! stage traits ([`Ingest`], [`Sanitize`], [`Fingerprint`], [`Collect`],
//! [`Analyze`]), the [`Pipeline`] that wires them, the built-in secret
//! redaction ([`sanitize`]), and the `report.json` contract ([`report::Report`]).
//!
//! Readers for JUnit XML and libtest JSON live in the `junit-ingest` crate;
//! this crate depends on none of the others, so a custom harness can build a
//! [`TestRun`] itself and still use every later stage.
//!
//! ```
//! use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId, TestRun, InputStatus};
//! use failtale_core::Pipeline;
//!
//! // A harness that already has its results can skip ingest entirely:
//! let failing = Attempt::with_failures(vec![Failure::new(FailureKind::Failure)]);
//! let mut run = TestRun::default();
//! let id = TestId::new(Default::default(), None, "it_works");
//! run.push_input(InputStatus::new("my-harness"), vec![TestCase::new(id, vec![failing])], Vec::new());
//!
//! let pipeline = Pipeline::default();
//! let clusters = pipeline.cluster(&run);
//! assert_eq!(clusters.len(), 1);
//! assert_eq!(run.summary().failed, 1);
//! ```
//!
//! MSRV: Rust 1.89.

pub mod analyze;
pub mod capped;
pub mod cluster;
pub mod error;
pub mod fingerprint;
pub mod history;
pub mod input;
pub mod live;
pub mod model;
pub mod output;
mod par;
pub mod pipeline;
pub mod report;
pub mod sanitize;
pub mod stage;

pub use error::{AnalyzeError, IngestError};
pub use model::{TestCase, TestRun};
pub use output::{Finished, Output, OutputError};
pub use pipeline::Pipeline;
pub use sanitize::{Redactions, RuleSanitizer, Sanitized};
pub use stage::{Analyze, Collect, Fingerprint, Ingest, Sanitize};
