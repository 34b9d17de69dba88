//! Enriched JUnit writer (stub).
