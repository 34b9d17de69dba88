//! JUnit XML reader (stub).
use failtale_core::stage::{Ingest, Ingested, Sniff};
use std::io::Read;

/// Reads JUnit XML of every dialect.
#[derive(Clone, Debug, Default)]
pub struct JunitReader {}

impl Ingest for JunitReader {
    fn name(&self) -> &str {
        "junit"
    }
    fn sniff(&self, _head: &[u8]) -> Sniff {
        Sniff::No
    }
    fn ingest(&self, _input: &mut dyn Read) -> Ingested {
        Ingested::default()
    }
}
