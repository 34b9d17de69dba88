//! Errors of the junit-ingest crate.
//!
//! Reading never fails with an error type of its own: readers put the reason
//! in [`Ingested::error`](failtale_core::stage::Ingested::error) and keep what
//! they read. These are the errors of writing.

/// Why the enriched JUnit XML could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The writer failed.
    #[error("failed to write enriched JUnit XML")]
    Write(#[source] std::io::Error),
}
