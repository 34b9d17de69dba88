//! Data-driven tests: one test per fixture file under `tests/fixtures/`.
//!
//! Beside every fixture `NAME.xml` / `NAME.jsonl` lies `NAME.xml.expect` /
//! `NAME.jsonl.expect`, a JSON object with the expected result:
//!
//! ```json
//! { "tests": 3, "passed": 1, "failed": 1, "errors": 0, "skipped": 1, "flaky": 0,
//!   "format": "junit", "error": null, "warnings": 0,
//!   "cases": [ { "index": 1, "name": "b", "outcome": "failed", "message_contains": "boom",
//!                "attempts": 2, "file": "x.py", "line": 3, "duration": 0.5, "events": 1,
//!                "classname": "C", "suite": ["outer", "inner"], "stdout_contains": "...",
//!                "property": ["name", "value"], "stdout_kept": false } ] }
//! ```
//!
//! `error` is `null` (no error) or a substring the error must contain;
//! `warnings` is the minimum number of warnings; every `cases` field is optional.

use std::path::Path;

use failtale_core::Ingest;
use failtale_core::model::{Outcome, Summary};
use junit_ingest::AutoIngest;
use serde_json::Value;

fn check(path: &Path, contents: Vec<u8>) -> datatest_stable::Result<()> {
    let expect_path = format!("{}.expect", path.display());
    let expect: Value = serde_json::from_str(
        &std::fs::read_to_string(&expect_path)
            .map_err(|e| format!("missing {expect_path}: {e}"))?,
    )?;
    let read = AutoIngest::default().ingest(&mut contents.as_slice());
    let mut summary = Summary::default();
    for c in &read.cases {
        summary.add(c.outcome);
    }
    let mut problems = Vec::new();
    let mut eq =
        |what: &str, got: Value, want: Option<&Value>| expect_eq(&mut problems, what, got, want);
    for (key, got) in [
        ("tests", summary.tests),
        ("passed", summary.passed),
        ("failed", summary.failed),
        ("errors", summary.errors),
        ("skipped", summary.skipped),
        ("flaky", summary.flaky),
    ] {
        eq(key, got.into(), expect.get(key));
    }
    eq(
        "format",
        read.format.map(|f| f.as_str()).into(),
        expect.get("format"),
    );
    match (expect.get("error"), &read.error) {
        (None | Some(Value::Null), None) => {}
        (None | Some(Value::Null), Some(e)) => problems.push(format!("unexpected error: {e}")),
        (Some(Value::String(s)), Some(e)) if e.to_string().contains(s.as_str()) => {}
        (Some(want), got) => {
            problems.push(format!("error: got {got:?}, want one containing {want}"))
        }
    }
    let min_warnings = expect.get("warnings").and_then(Value::as_u64).unwrap_or(0) as usize;
    if read.warnings.len() < min_warnings {
        problems.push(format!(
            "warnings: got {:?}, want at least {min_warnings}",
            read.warnings
        ));
    }
    for check in expect
        .get("cases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let index = check["index"].as_u64().ok_or("case check needs an index")? as usize;
        let Some(case) = read.cases.get(index) else {
            problems.push(format!("case {index}: missing"));
            continue;
        };
        let p = |f: &str| format!("case {index} {f}");
        let mut eq = |what: String, got: Value, want: Option<&Value>| {
            expect_eq(&mut problems, &what, got, want)
        };
        eq(p("name"), case.id.name.clone().into(), check.get("name"));
        eq(
            p("classname"),
            case.id.classname.as_deref().into(),
            check.get("classname"),
        );
        eq(
            p("suite"),
            case.id.suite.to_vec().into(),
            check.get("suite"),
        );
        eq(
            p("outcome"),
            outcome_name(case.outcome).into(),
            check.get("outcome"),
        );
        eq(
            p("attempts"),
            case.attempt_count().into(),
            check.get("attempts"),
        );
        eq(p("file"), case.file.clone().into(), check.get("file"));
        eq(p("line"), case.line.into(), check.get("line"));
        eq(p("events"), case.events().len().into(), check.get("events"));
        if let Some(want) = check.get("duration").and_then(Value::as_f64) {
            let got = case.duration.map(|d| d.as_secs_f64());
            if got.is_none_or(|g| (g - want).abs() > 1e-6) {
                problems.push(format!("{}: got {got:?}, want {want}", p("duration")));
            }
        }
        if check.get("duration").is_some_and(Value::is_null) && case.duration.is_some() {
            problems.push(format!(
                "{}: got {:?}, want none",
                p("duration"),
                case.duration
            ));
        }
        if let Some(want) = check.get("message_contains").and_then(Value::as_str) {
            let got = case
                .primary_failure()
                .map(|f| f.full_text())
                .unwrap_or_default();
            if !got.contains(want) {
                problems.push(format!(
                    "{}: {got:?} does not contain {want:?}",
                    p("message")
                ));
            }
        }
        let kept = case
            .attempts
            .iter()
            .any(|a| a.stdout.is_some() || a.stderr.is_some());
        expect_eq(
            &mut problems,
            &p("stdout_kept"),
            kept.into(),
            check.get("stdout_kept"),
        );
        if let Some(want) = check.get("stdout_contains").and_then(Value::as_str) {
            let got: String = case
                .attempts
                .iter()
                .filter_map(|a| a.stdout.as_ref())
                .map(|o| o.text.as_str())
                .collect();
            if !got.contains(want) {
                problems.push(format!(
                    "{}: {got:?} does not contain {want:?}",
                    p("stdout")
                ));
            }
        }
        if let Some([name, value]) = check
            .get("property")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            && !case.properties().iter().any(|pr| {
                Some(pr.name.as_str()) == name.as_str() && Some(pr.value.as_str()) == value.as_str()
            })
        {
            {
                problems.push(format!(
                    "{}: {:?} lacks {name}={value}",
                    p("properties"),
                    case.properties()
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n  {}", path.display(), problems.join("\n  ")).into())
    }
}

/// Records a mismatch when an expectation is present and differs.
fn expect_eq(problems: &mut Vec<String>, what: &str, got: Value, want: Option<&Value>) {
    if let Some(want) = want.filter(|w| **w != got) {
        problems.push(format!("{what}: got {got}, want {want}"));
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    o.as_str()
}

datatest_stable::harness! {
    { test = check, root = "tests/fixtures", pattern = r"\.(xml|jsonl)$" },
}
