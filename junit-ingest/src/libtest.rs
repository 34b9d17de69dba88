//! libtest JSON reader (stub).
use failtale_core::stage::{Ingest, Ingested, Sniff};
use std::io::Read;

/// Reads JUnit XML of libtest JSON.
#[derive(Clone, Debug, Default)]
pub struct LibtestReader {}

impl Ingest for LibtestReader {
    fn name(&self) -> &str {
        "libtest-json"
    }
    fn sniff(&self, _head: &[u8]) -> Sniff {
        Sniff::No
    }
    fn ingest(&self, _input: &mut dyn Read) -> Ingested {
        Ingested::default()
    }
}
