//! Errors of the junit-ingest crate.
//!
//! Reading never fails with an error type of its own: readers put the reason
//! in [`Ingested::error`](failtale_core::stage::Ingested::error) and keep what
//! they read. These are the errors of writing.

/// Why the enriched JUnit XML could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// quick-junit could not serialize the report, or the writer failed.
    #[error("failed to write enriched JUnit XML")]
    Serialize(#[source] quick_junit::SerializeError),
}
