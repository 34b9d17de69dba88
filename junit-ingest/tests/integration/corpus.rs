//! The shared corpus of real result files: every row of its `MANIFEST.tsv`
//! is read with [`AutoIngest`] and compared with the counts the manifest
//! computed independently (Python's `xml.etree` / `json`).
//!
//! Run with
//! `FAILTALE_CORPUS=/path/to/corpus cargo test -p junit-ingest --test integration -- --ignored corpus`.
//!
//! The manifest counts every `<testcase>` element once and calls a test
//! passed when it has no `<failure>`, `<error>` or `<skipped>` child. Where
//! failtale deliberately counts differently, the row is listed below with the
//! reason; everything else must match exactly.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use failtale_core::Ingest;
use failtale_core::model::Summary;
use junit_ingest::AutoIngest;

/// Rows where the manifest's numbers are right by its rule, but failtale
/// counts differently on purpose: (path, reason).
const DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "junit/tst-cpp/mikepenz__testDisabled.xml",
        "status=\"disabled\" test cases without a result element are skipped for failtale, passed for the manifest",
    ),
    (
        "junit/googletest/xunitplugin__googletest_testcase2.xml",
        "status=\"notrun\" (googletest disabled tests) is skipped for failtale, passed for the manifest",
    ),
    (
        "junit/googletest/xunitplugin__googletest_testcase4.xml",
        "status=\"notrun\" (googletest disabled tests) is skipped for failtale, passed for the manifest",
    ),
    (
        "junit/unknown/allure2__TEST-status-attribute.xml",
        "status=\"notrun\" is skipped for failtale, passed for the manifest",
    ),
    (
        "junit/edge-unicode/ctrf__test-junit-problem-string.xml",
        "a test case with only <rerunFailure>/<rerunError> children (every rerun failed) is failed for failtale; the manifest ignores rerun elements and counts it passed",
    ),
    (
        "junit/gotestsum/mikepenz__test_results_junit-server-test_report.xml",
        "gotestsum --rerun-fails repeats a failed test case after it; failtale merges the rerun into one flaky test (3 tests, the manifest counts 4)",
    ),
    (
        "junit/mocha-junit-reporter/testsummary__02-example.xml",
        "mocha reports a timed-out test twice in a row; failtale merges the repeat into one failed test with two attempts",
    ),
    (
        "junit/pytest-rerunfailures/mikepenz__flaky_all_failures.xml",
        "pytest-rerunfailures writes each rerun as a repeated test case; failtale merges them into one test with several attempts",
    ),
    (
        "junit/pytest-rerunfailures/mikepenz__flaky_success_first.xml",
        "pytest-rerunfailures writes each rerun as a repeated test case; failtale merges them into one test with several attempts",
    ),
];

/// Rows the manifest calls malformed (Python's expat rejects them) that
/// failtale reads anyway, on purpose: (path, reason).
const RECOVERED: &[(&str, &str)] = &[
    (
        "junit/edge-encoding/xunitviewer__utf-16.xml",
        "UTF-16 LE with BOM whose declaration names the invalid encoding `UTF-16 LE`: the bytes say UTF-16, so failtale transcodes and reads it",
    ),
    (
        "junit/catch2/catch2__junit.mayfail-generated.approved.xml",
        "approval baseline with the placeholder `<exe-name>` in an attribute value: a raw `<` there is read as text, the rest is well-formed",
    ),
    (
        "junit/catch2/catch2__junit.nested.approved.xml",
        "approval baseline with the placeholder `<exe-name>` in an attribute value: a raw `<` there is read as text, the rest is well-formed",
    ),
    (
        "junit/edge-structure/xunitviewer__complete_single_case_only.xml",
        "raw `<` inside attribute values is read as text; the bare <testcase> root is otherwise well-formed",
    ),
    (
        "junit/web-test-runner/mikepenz__test_results_junit-web-test_expected.xml",
        "snapshot placeholder time='<<computed>>': the raw `<` in the attribute is read as text, the time is dropped with a warning",
    ),
    (
        "junit/unknown/codecov__with-eval-properties-junit.xml",
        "a blank line before the XML declaration: harmless, quick-xml reads past it",
    ),
    (
        "libtest/cargo2junit__cargo_failure.json",
        "the one non-JSON line is plain text a test printed past libtest's capture (`Initialized empty Git repository …`); libtest streams interleave such lines, so they are skipped; counts match the manifest (1532 tests, 2 failed, 4 ignored)",
    ),
    (
        "libtest/cifmt__cargo-libtest.jsonl",
        "the non-JSON lines are cargo's own output (`Compiling`, `Running …`, `error: test failed`); skipped, and `Running` names the suite; counts match the manifest (4 tests, 1 failed, 1 ignored)",
    ),
    (
        "libtest/rust__ui_format-json.normal.run.stdout.jsonl",
        "test `b`'s failed event has raw newlines inside its `stdout` string, splitting it over 4 lines; failtale rejoins them (with a warning) and reads `b` as failed: 4 tests, 1 failed, where the manifest, dropping those lines, counts 3 tests and 0 failed",
    ),
];

#[derive(Debug)]
struct Row {
    path: String,
    parse: String,
    testcases: usize,
    passed: usize,
}

fn rows(manifest: &str) -> Vec<Row> {
    let mut header: Option<Vec<&str>> = None;
    let mut rows = Vec::new();
    for line in manifest.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(h) = &header else {
            header = Some(cols);
            continue;
        };
        let col = |name: &str| -> &str {
            let i = h
                .iter()
                .position(|c| *c == name)
                .unwrap_or_else(|| panic!("MANIFEST.tsv has no `{name}` column"));
            cols.get(i).copied().unwrap_or("")
        };
        let num = |name: &str| -> usize {
            col(name)
                .parse()
                .unwrap_or_else(|_| panic!("bad `{name}` in row {line:?}"))
        };
        rows.push(Row {
            path: col("path").to_owned(),
            parse: col("parse").to_owned(),
            testcases: num("testcases"),
            passed: num("passed"),
        });
    }
    rows
}

#[test]
#[ignore = "needs FAILTALE_CORPUS (the shared result-file corpus)"]
fn corpus() {
    let dir = PathBuf::from(std::env::var_os("FAILTALE_CORPUS").expect(
        "set FAILTALE_CORPUS to the folder holding the shared corpus and its MANIFEST.tsv",
    ));
    let manifest_path = dir.join("MANIFEST.tsv");
    let manifest = std::fs::read_to_string(&manifest_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest_path.display()));
    let rows = rows(&manifest);
    assert!(
        !rows.is_empty(),
        "{} lists no files",
        manifest_path.display()
    );

    let listed = |table: &[(&str, &str)], path: &str| table.iter().any(|(p, _)| *p == path);
    let mut problems = Vec::new();
    let mut matched = 0;
    for row in &rows {
        let path = dir.join(&row.path);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{}: cannot read: {e}", row.path));
                continue;
            }
        };
        let read = match catch_unwind(AssertUnwindSafe(|| {
            AutoIngest::default().ingest(&mut bytes.as_slice())
        })) {
            Ok(read) => read,
            Err(_) => {
                problems.push(format!("{}: PANIC", row.path));
                continue;
            }
        };
        let mut summary = Summary::default();
        for case in &read.cases {
            summary.add(case.outcome);
        }
        let disagreement = listed(DISAGREEMENTS, &row.path);
        if row.parse == "malformed" {
            let recovered = listed(RECOVERED, &row.path);
            match (&read.error, recovered) {
                (Some(_), false) => matched += 1,
                (None, true) => matched += 1,
                (None, false) if read.cases.is_empty() && !read.warnings.is_empty() => {
                    // An empty file: a warning, not an error (see AutoIngest).
                    matched += 1;
                }
                (None, false) => problems.push(format!(
                    "{}: manifest says malformed, we read {} tests without error (add to RECOVERED with a reason if intended)",
                    row.path, summary.tests
                )),
                (Some(e), true) => problems.push(format!(
                    "{}: listed as RECOVERED but failed: {e}",
                    row.path
                )),
            }
            continue;
        }
        let got = (summary.tests, summary.passed);
        let want = (row.testcases, row.passed);
        let not_junit = row.path.starts_with("junit/not-junit/");
        match (&read.error, not_junit) {
            (Some(_), true) => {
                matched += 1;
                continue;
            }
            (None, true) => {
                problems.push(format!(
                    "{}: a negative sample (not JUnit) was read without error",
                    row.path
                ));
                continue;
            }
            (Some(e), false) => {
                problems.push(format!("{}: unexpected error: {e}", row.path));
                continue;
            }
            (None, false) => {}
        }
        match (got == want, disagreement) {
            (true, false) => matched += 1,
            (false, true) => matched += 1,
            (true, true) => problems.push(format!(
                "{}: listed in DISAGREEMENTS but now agrees with the manifest; remove it",
                row.path
            )),
            (false, false) => problems.push(format!(
                "{}: (tests, passed) = {got:?}, manifest says {want:?}",
                row.path
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "{matched}/{} corpus rows as expected; {} problems:\n  {}",
        rows.len(),
        problems.len(),
        problems.join("\n  ")
    );
}
