//! Any bytes: read (JUnit XML or libtest JSON, detected), sanitize, write
//! the enriched junit.xml, and parse it strictly. Panics, and output no
//! strict XML parser accepts, are failures.

#![no_main]

use failtale_core::model::{InputStatus, TestRun};
use failtale_core::stage::Ingest;
use failtale_core::{Pipeline, Redactions};
use junit_ingest::AutoIngest;
use junit_ingest::writer::{Enrichment, keys, write_junit};
use libfuzzer_sys::fuzz_target;

/// Built once: its sanitizer compiles its rules when made.
static PIPELINE: std::sync::LazyLock<Pipeline> = std::sync::LazyLock::new(Pipeline::default);

fuzz_target!(|data: &[u8]| {
    let read = AutoIngest::default().ingest(&mut &data[..]);
    let mut run = TestRun::default();
    run.push_input(InputStatus::default(), read.cases, read.suites);
    let run = PIPELINE.sanitize(run, &mut Redactions::new());
    let mut enrich = Enrichment::default();
    for (i, case) in run.cases.iter().enumerate() {
        if case.outcome.is_failing() {
            enrich.add_property(i, keys::CLUSTER, "c1");
            enrich.set_note(i, "root cause: <&]]>");
            enrich.set_stderr_block(i, "cluster c1\n\u{0}]]>");
        }
    }
    let mut xml = Vec::new();
    write_junit(&run, &enrich, &mut xml).expect("writing to memory cannot fail");
    let text = std::str::from_utf8(&xml).expect("junit.xml is UTF-8");
    if let Err(e) = roxmltree::Document::parse(text) {
        panic!("junit.xml is not well-formed ({e})");
    }
});
