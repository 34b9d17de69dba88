//! Errors of the core crate.
//!
//! Findings (a failed test, a failed collector) are data in the report, not
//! errors. These types mean "could not do the job asked for".

use crate::model::Location;

/// Why a result file could not be read (fully).
///
/// Readers return the test cases read before the error alongside it, so a
/// truncated file still shows its tests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file is not well-formed in its format.
    #[error("malformed {format} at {location}: {message}")]
    Malformed {
        /// Format name (`JUnit XML`, `libtest JSON`).
        format: &'static str,
        /// Where the problem is.
        location: Location,
        /// What the problem is.
        message: String,
    },
    /// The file is of a format failtale does not read.
    #[error("not a JUnit or libtest JSON file: it looks like {looks_like}")]
    Unrecognized {
        /// What it looks like (`an NUnit 3 result file`, `a Maven POM`, `binary data`, …).
        looks_like: String,
    },
    /// The file's text encoding is not supported.
    #[error("unsupported text encoding `{0}`")]
    Encoding(String),
    /// Reading failed.
    #[error("failed to read input")]
    Io(#[from] std::io::Error),
}

/// Why an analyzer could not produce an analysis.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// A provider returned an error or an unusable answer.
    #[error("analyzer `{analyzer}` failed: {message}")]
    Provider {
        /// Analyzer name.
        analyzer: String,
        /// What went wrong.
        message: String,
    },
}

/// Formats an error and its chain of sources as `error: …` / `caused by: …` lines.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
