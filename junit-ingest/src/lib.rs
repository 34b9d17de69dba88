//! junit-ingest (in progress)
