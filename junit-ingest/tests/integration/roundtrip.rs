//! Round trip: quick-junit report → XML → [`JunitReader`] → [`TestRun`] →
//! [`to_junit`] → the same report, after a normalisation of what JUnit or
//! failtale's model cannot keep apart.
//!
//! The normalisation (applied to the generated report before it is written
//! as XML, so the XML holds only what the model can say):
//!
//! - the `<testsuites>` element's `name`, `uuid`, `timestamp` and `time` are
//!   dropped: the model keeps no report-level element (a run is many files);
//! - the report's and suites' count attributes are recomputed from the cases
//!   (the writer does that; the generator already does too);
//! - a failing test's reruns written as `<flakyFailure>` (a contradiction
//!   Surefire never writes: flaky reruns belong to tests that passed) become
//!   `<rerunFailure>`: the reader orders flaky runs before the main result and
//!   reruns after it, and the writer writes a failing test's first failure as
//!   the main result;
//! - a rerun's text description and its `<stackTrace>` both become the one
//!   failure body of that attempt, which the writer writes as `<stackTrace>`;
//!   they are compared as that one text, joined by a newline;
//!
//! And on both sides before comparing:
//!
//! - empty `system-out`/`system-err` elements count as absent (the model
//!   keeps no empty output), and so do an empty `classname` (the model's
//!   classname is "present and non-empty") and empty `message`/`type`
//!   attributes of results (the reader drops them);
//! - a rerun's body is compared trimmed and without the spaces after each
//!   newline: quick-junit's pretty printer indents a rerun's children, and a
//!   rerun's own text and its `stackTrace` become one body in the model.

use std::time::Duration;

use failtale_core::Ingest;
use failtale_core::Sanitized;
use failtale_core::model::{InputStatus, TestRun};
use failtale_core::sanitize::{Redactions, sanitize_run};
use failtale_core::stage::NoRedaction;
use junit_ingest::junit::JunitReader;
use junit_ingest::writer::{Enrichment, to_junit, write_junit};
use proptest::prelude::*;
use quick_junit::{FlakyOrRerun, Report, TestCaseStatus, TestRerun, XmlString};

/// Normalisation applied to both sides.
fn both(mut r: Report) -> Report {
    let empty = |o: &mut Option<XmlString>| {
        if o.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *o = None;
        }
    };
    for suite in &mut r.test_suites {
        empty(&mut suite.system_out);
        empty(&mut suite.system_err);
        for case in &mut suite.test_cases {
            empty(&mut case.classname);
            empty(&mut case.system_out);
            empty(&mut case.system_err);
            let reruns: &mut [TestRerun] = match &mut case.status {
                TestCaseStatus::Success { flaky_runs } => flaky_runs,
                TestCaseStatus::NonSuccess {
                    reruns,
                    message,
                    ty,
                    ..
                } => {
                    empty(message);
                    empty(ty);
                    &mut reruns.runs
                }
                TestCaseStatus::Skipped { message, ty, .. } => {
                    empty(message);
                    empty(ty);
                    &mut []
                }
            };
            for run in reruns {
                empty(&mut run.message);
                empty(&mut run.ty);
                empty(&mut run.system_out);
                empty(&mut run.system_err);
                if let Some(t) = &run.stack_trace {
                    let t = collapse_indentation(t);
                    run.stack_trace = (!t.is_empty()).then(|| XmlString::new(t));
                }
            }
        }
    }
    r
}

/// Trims the text and drops the spaces and tabs after each newline: the
/// indentation quick-junit's pretty printer puts between a rerun's children.
fn collapse_indentation(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut after_newline = false;
    for c in t.trim().chars() {
        if after_newline && (c == ' ' || c == '\t') {
            continue;
        }
        after_newline = c == '\n';
        out.push(c);
    }
    out
}

fn normalise(mut r: Report) -> Report {
    r.name = None;
    r.uuid = None;
    r.timestamp = None;
    r.time = None;
    for suite in &mut r.test_suites {
        for case in &mut suite.test_cases {
            let reruns: &mut [TestRerun] = match &mut case.status {
                TestCaseStatus::Success { flaky_runs } => flaky_runs,
                TestCaseStatus::NonSuccess { reruns, .. } => {
                    reruns.kind = FlakyOrRerun::Rerun;
                    &mut reruns.runs
                }
                TestCaseStatus::Skipped { .. } => &mut [],
            };
            for run in reruns {
                let body = [run.description.take(), run.stack_trace.take()]
                    .into_iter()
                    .flatten()
                    .map(XmlString::into_string)
                    .collect::<Vec<_>>()
                    .join("\n");
                run.stack_trace = (!body.is_empty()).then(|| XmlString::new(body));
            }
        }
    }
    let suites = std::mem::take(&mut r.test_suites);
    let (tests, failures, errors, skipped) = (r.tests, r.failures, r.errors, r.skipped);
    r.tests = 0;
    r.failures = 0;
    r.errors = 0;
    r.skipped = 0;
    r.disabled = None;
    r.add_test_suites(suites);
    debug_assert_eq!(
        (tests, failures, errors, skipped),
        (r.tests, r.failures, r.errors, r.skipped)
    );
    r
}

fn read_back(xml: &[u8]) -> Result<TestRun, String> {
    let reader = JunitReader {
        keep_passing_output: true,
        ..JunitReader::default()
    };
    let read = reader.ingest(&mut &xml[..]);
    if let Some(e) = read.error {
        return Err(format!("the JUnit reader failed: {e}"));
    }
    let mut run = TestRun::default();
    run.push_input(
        {
            let mut input_status = InputStatus::default();
            input_status.path = "roundtrip.xml".into();
            input_status.format = read.format;
            input_status.producer = read.producer;
            input_status.timestamp = read.timestamp;
            input_status
        },
        read.cases,
        read.suites,
    );
    Ok(run)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn quick_junit_report_survives_read_and_write(report in any::<Report>()) {
        let report = normalise(report);
        let xml = report.to_string().expect("quick-junit serializes its own reports");
        let run = clean(read_back(xml.as_bytes()).map_err(TestCaseError::fail)?);
        let written = both(to_junit(&run, &Enrichment::default()));
        // The streaming writer writes the document to_junit builds.
        let mut streamed = Vec::new();
        write_junit(&run, &Enrichment::default(), &mut streamed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let streamed = String::from_utf8(streamed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let streamed_back = Report::deserialize_from_str(&streamed).map_err(|e| TestCaseError::fail(format!("{e}: {streamed}")))?;
        prop_assert_eq!(&both(streamed_back), &written, "streamed:\n{}", streamed);
        let want = both(report);
        prop_assert_eq!(
            &written,
            &want,
            "XML was:\n{}\nre-written:\n{}",
            xml,
            written.to_string().unwrap_or_default()
        );
    }
}

/// A report with one of each status, readable in a failure message.
#[test]
fn hand_written_report_survives_read_and_write() {
    let mut suite = quick_junit::TestSuite::new("pkg.Suite");
    suite.set_time(Duration::from_millis(2500));
    suite.add_property(("java.version", "21"));
    suite.set_system_out("suite output");
    let mut ok = quick_junit::TestCase::new("passes", TestCaseStatus::success());
    ok.set_classname("pkg.Suite")
        .set_time(Duration::from_millis(10));
    let mut flaky_status = TestCaseStatus::success();
    let mut flaky_run = TestRerun::new(quick_junit::NonSuccessKind::Failure);
    flaky_run
        .set_message("timeout")
        .set_stack_trace("at pkg.Suite.flaky(Suite.java:10)")
        .set_system_out("first try")
        .set_time(Duration::from_millis(300));
    flaky_status.add_rerun(flaky_run);
    let mut flaky = quick_junit::TestCase::new("flaky", flaky_status);
    flaky.set_classname("pkg.Suite");
    let mut failed_status = TestCaseStatus::non_success(quick_junit::NonSuccessKind::Error);
    failed_status
        .set_message("boom")
        .set_type("java.lang.IllegalStateException")
        .set_description("java.lang.IllegalStateException: boom\n\tat pkg.Suite.fails");
    let mut rerun = TestRerun::new(quick_junit::NonSuccessKind::Error);
    rerun.set_message("boom again");
    failed_status.add_rerun(rerun);
    let mut failed = quick_junit::TestCase::new("fails", failed_status);
    failed
        .set_classname("pkg.Suite")
        .set_system_err("stderr text");
    let mut skipped_status = TestCaseStatus::skipped();
    skipped_status.set_message("disabled on CI");
    let skipped = quick_junit::TestCase::new("skips", skipped_status);
    suite.add_test_cases([ok, flaky, failed, skipped]);
    let mut report = Report::new("run");
    report.add_test_suite(suite);

    let report = normalise(report);
    let xml = report.to_string().unwrap();
    let run = read_back(xml.as_bytes()).unwrap();
    let written = both(to_junit(&clean(run), &Enrichment::default()));
    assert_eq!(
        written,
        both(report),
        "XML was:\n{xml}\nre-written:\n{}",
        written.to_string().unwrap()
    );
}

/// The writer takes sanitized runs only; a round trip must not change the text, so no redaction.
fn clean(run: TestRun) -> Sanitized<TestRun> {
    sanitize_run(&NoRedaction, run, &mut Redactions::new())
}
