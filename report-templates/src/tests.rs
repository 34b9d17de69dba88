//! Rendering tests on reports built by hand (the public functions take a
//! `Sanitized<Report>`, which only the pipeline makes; these call the
//! functions behind them). `tests/pipeline.rs` renders a real pipeline's report.

use std::collections::BTreeMap;

use failtale_core::history::annotate::{ClusterHistory, FailureHistory, HistoryReport};
use failtale_core::history::flake::FlakeReason;
use failtale_core::history::stability::{TestStability, Trend, Verdict};
use failtale_core::model::{
    Analysis, Category, Citation, CollectStatus, Evidence, Outcome, Provenance, Severity,
    SignatureComponent, Summary,
};
use failtale_core::report::{
    Report, ReportCluster, ReportFailure, ReportInput, ReportRepresentative, SCHEMA_VERSION,
};

use super::*;

const XSS: &str = "<script>alert(1)</script>";

fn failure_text(n: usize) -> String {
    format!(
        "java.net.ConnectException: Connection refused (attempt {n})\n\tat org.pg.Driver.connect(Driver.java:12)\n\tat app.Db.open(Db.java:40)\n\tat app.OrdersTest.setUp(OrdersTest.java:9)\n\tat junit.Runner.run(Runner.java:1)"
    )
}

fn cluster(id: &str, tests: Vec<String>, analysis: Option<Analysis>) -> ReportCluster {
    ReportCluster {
        id: id.into(),
        fingerprint: format!("{id}-fingerprint"),
        signature: vec![
            SignatureComponent::new("kind", "java.net.ConnectException"),
            SignatureComponent::info("language", "java"),
        ],
        occurrences: tests.len(),
        representative: Some(ReportRepresentative {
            test: tests[0].clone(),
            text: 0,
        }),
        tests,
        mass_failure: false,
        label: None,
        merged_from: vec![format!("{id}-fingerprint")],
        evidence: Vec::new(),
        analysis,
        analysis_error: None,
    }
}

fn analysis(category: Category, severity: Severity, cause: &str) -> Analysis {
    let mut analysis = Analysis::new(
        cause,
        category,
        severity,
        "Start the database before the tests, or point DATABASE_URL at one that runs.",
        0.82,
        "rules",
    );
    analysis.grounded = true;
    analysis
}

fn stability(test: &str, verdict: Verdict, grade: char, history: &[Outcome]) -> TestStability {
    TestStability {
        test: test.into(),
        grade,
        verdict,
        reason: format!("{verdict} for a reason"),
        flakiness: 0.25,
        pass_rate: 0.75,
        flip_rate: 0.25,
        runs: history.len(),
        skipped: 0,
        trend: Trend::Worsening,
        history: history.to_vec(),
        slow: None,
    }
}

/// Three clusters: a database outage with evidence, citations and history;
/// one not analysed; one whose test is named like a script tag.
fn sample() -> Report {
    let db_tests: Vec<String> = (0..14)
        .map(|i| format!("app.OrdersTest::case_{i:02}"))
        .collect();
    let mut db = cluster(
        "c1",
        db_tests.clone(),
        Some(analysis(
            Category::Network,
            Severity::High,
            "PostgreSQL refused connections on localhost:5432",
        )),
    );
    db.evidence = vec![
        Evidence::new(
            "10:00:01 LOG: starting\n10:00:02 FATAL: could not bind IPv4 address \"0.0.0.0\": Address in use\n10:00:03 LOG: shutting down\n10:00:04 LOG: database system is shut down",
            {
                let mut provenance = Provenance::default();
                provenance.collector = "ssh".into();
                provenance.host = Some("db1".into());
                provenance.command = Some("journalctl -u postgresql | tail -n 50".into());
                provenance.exit_status = Some(0);
                provenance.duration_ms = Some(1250);
                provenance.truncated = true;
                provenance.label = Some("database: postgres journal".into());
                provenance.status = Some(CollectStatus::Ok);
                provenance
            },
        ),
        Evidence::new(String::new(), {
            let mut provenance = Provenance::default();
            provenance.collector = "command".into();
            provenance.command = Some("df -h".into());
            provenance.error = Some("timed out after 30 s".into());
            provenance.status = Some(CollectStatus::TimedOut);
            provenance
        }),
    ];
    if let Some(a) = &mut db.analysis {
        a.evidence = vec![
            Citation::new(
                "java.net.ConnectException: Connection refused (attempt 1)",
                "failure:app.OrdersTest::case_00",
            ),
            Citation::new(
                "FATAL:   could not bind IPv4 address \"0.0.0.0\": Address in use",
                "evidence:ssh@db1 journalctl -u postgresql | tail -n 50",
            ),
            Citation::new("pool exhausted", "stdout:app.OrdersTest::case_00"),
        ];
    }
    let mut plain = cluster(
        "c2",
        vec!["util::parses".into(), "util::formats".into()],
        None,
    );
    plain.analysis_error = Some("custom analyzer crashed".into());
    plain.representative = Some(ReportRepresentative {
        test: "util::parses".into(),
        text: 1,
    });
    let mut xss = cluster(
        "c3",
        vec![XSS.into()],
        Some(analysis(Category::Assertion, Severity::Low, XSS)),
    );
    xss.representative = Some(ReportRepresentative {
        test: XSS.into(),
        text: 2,
    });
    let clusters = vec![db, plain, xss];
    let failures = clusters
        .iter()
        .flat_map(|c| c.tests.iter())
        .map(|t| ReportFailure {
            test: t.clone(),
            suite: None,
            file: None,
            line: None,
            kind: "error".into(),
            text: 0,
            attempts: 1,
        })
        .collect();
    let history = HistoryReport {
        store: Some("target/failtale/history.db".into()),
        run_id: 7,
        runs_stored: 7,
        pruned: 0,
        commit: Some("0123456789abcdef0123".into()),
        branch: Some("main".into()),
        clusters: vec![
            ClusterHistory {
                id: "c1".into(),
                fingerprint: "c1-fingerprint".into(),
                new: false,
                first_seen: "2024-05-01T10:00:00Z".into(),
                last_seen: Some("2024-05-03T10:00:00Z".into()),
                runs_seen: 3,
                first_commit: Some("abc".into()),
                pass_without_change_share: Some(0.5),
            },
            ClusterHistory {
                id: "c3".into(),
                fingerprint: "c3-fingerprint".into(),
                new: true,
                first_seen: "2024-05-04T10:00:00Z".into(),
                last_seen: None,
                runs_seen: 1,
                first_commit: None,
                pass_without_change_share: None,
            },
        ],
        failures: vec![FailureHistory {
            test: "app.OrdersTest::case_00".into(),
            outcome: Outcome::Error,
            cluster: Some("c1".into()),
            flake_probability: 0.7,
            reasons: vec![FlakeReason {
                signal: "cluster-history".into(),
                weight: 1.0,
                detail: "went away without a code change before".into(),
            }],
            grade: 'D',
            verdict: Verdict::Flaky,
            verdict_reason: "flipped".into(),
        }],
        stability: vec![
            stability(
                "app.OrdersTest::case_00",
                Verdict::Flaky,
                'D',
                &[
                    Outcome::Passed,
                    Outcome::Skipped,
                    Outcome::Failed,
                    Outcome::Flaky,
                    Outcome::Error,
                ],
            ),
            stability(XSS, Verdict::New, 'F', &[Outcome::Failed]),
        ],
    };
    Report {
        schema_version: SCHEMA_VERSION,
        summary: {
            let mut summary = Summary::default();
            summary.tests = 30;
            summary.passed = 12;
            summary.failed = 2;
            summary.errors = 15;
            summary.skipped = 1;
            summary.flaky = 1;
            summary
        },
        inputs: vec![ReportInput {
            path: "target/nextest/ci/junit.xml".into(),
            format: None,
            producer: Some("nextest".into()),
            tests: 30,
            error: Some("line 9, column 3: unexpected end of file".into()),
            warnings: vec!["line 4: unparsable time `abc`".into()],
        }],
        texts: vec![
            failure_text(1).into(),
            "assertion `left == right` failed\n  left: 1\n right: 2".into(),
            format!("expected {XSS} to be escaped").into(),
        ],
        failures,
        clusters,
        redactions: BTreeMap::from([("github_token".to_owned(), 2), ("password".to_owned(), 1)]),
        history: Some(history),
    }
}

fn passing() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        summary: Summary::new(120, 0, 0, 0, 2),
        inputs: Vec::new(),
        texts: Vec::new(),
        failures: Vec::new(),
        clusters: Vec::new(),
        redactions: BTreeMap::new(),
        history: None,
    }
}

/// Every `http://`, `https://` or protocol-relative `//` in a `src`,
/// `href`, `action` or `url(…)`.
fn external_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for attr in ["src=", "href=", "action=", "url(", "@import"] {
        for (i, _) in lower.match_indices(attr) {
            let value = lower[i + attr.len()..]
                .trim_start_matches(['"', '\'', ' '])
                .to_owned();
            if value.starts_with("http:") || value.starts_with("https:") || value.starts_with("//")
            {
                found.push(lower[i..(i + 60).min(lower.len())].to_owned());
            }
        }
    }
    found
}

#[test]
fn embedded_templates_are_listed() {
    assert!(get(HTML_TEMPLATE).is_some());
    assert!(get(MARKDOWN_TEMPLATE).unwrap().source.contains("{{"));
    assert!(get("missing.tera").is_none());
}

#[test]
fn html_is_self_contained_with_a_strict_policy() {
    let page = html(&sample(), &RenderOptions::default()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">"#
    ));
    assert_eq!(external_references(&page), Vec::<String>::new());
    assert!(!page.contains("<link rel=\"stylesheet\""));
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "only failtale's own script"
    );
    assert!(page.contains("@media (prefers-color-scheme: dark)"));
    assert!(page.contains("@media print"));
}

#[test]
fn every_value_is_escaped() {
    let page = html(&sample(), &RenderOptions::default()).unwrap();
    assert!(!page.contains(XSS), "a raw script tag in the page");
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
    // The test name, the root cause, the failure text and the stability row.
    assert!(page.matches("&lt;script&gt;alert(1)").count() >= 4);
}

#[test]
fn clusters_are_cards_with_evidence_in_context() {
    let page = html(&sample(), &RenderOptions::default()).unwrap();
    assert_eq!(page.matches("<article class=\"cluster").count(), 3);
    let c1 = &page[page.find("id=\"c1\"").unwrap()..page.find("id=\"c2\"").unwrap()];
    assert!(c1.contains("data-severity=\"high\" data-category=\"network\""));
    assert!(c1.contains("PostgreSQL refused connections on localhost:5432"));
    // The cited line is marked, with the next lines as context.
    assert!(c1.contains("<mark>java.net.ConnectException: Connection refused (attempt 1)</mark>"));
    assert!(c1.contains("at org.pg.Driver.connect(Driver.java:12)"));
    // Found in the collected evidence despite different whitespace.
    assert!(c1.contains("<mark>10:00:02 FATAL: could not bind IPv4 address"));
    assert!(c1.contains("10:00:01 LOG: starting"));
    // Quoted from output the report does not hold: the quote alone.
    assert!(c1.contains("pool exhausted"));
    assert!(c1.contains("is not part of the report"));
    // Affected tests: ten shown, four folded away.
    assert!(c1.contains("4 more tests</summary>"));
    assert!(c1.contains("case_13"));
    // Provenance of the collected context.
    assert!(c1.contains("Collected context (2)"));
    assert!(c1.contains("journalctl -u postgresql | tail -n 50"));
    assert!(c1.contains("<dt>took</dt><dd>1.25 s</dd>"));
    assert!(c1.contains("<dt>exit status</dt><dd>0</dd>"));
    assert!(c1.contains("timed out after 30 s"));
    assert!(c1.contains("<dt>status</dt><dd>timed-out</dd>"));
    // Why grouped and history.
    assert!(c1.contains("java.net.ConnectException</code>"));
    assert!(c1.contains("no, shown to explain"));
    assert!(c1.contains("Seen in 3 runs since 2024-05-01T10:00:00Z"));
    assert!(c1.contains("likely flake (70%)"));
    let c2 = &page[page.find("id=\"c2\"").unwrap()..page.find("id=\"c3\"").unwrap()];
    assert!(c2.contains("data-severity=\"none\""));
    assert!(c2.contains("The analysis failed: custom analyzer crashed"));
    // Filters list what is there.
    assert!(page.contains("<option value=\"high\">high (1)</option>"));
    assert!(page.contains("<option value=\"none\">not analysed (1)</option>"));
    assert!(page.contains("3 of 3 clusters"));
}

#[test]
fn header_says_what_was_read_and_redacted() {
    let page = html(&sample(), &RenderOptions::default()).unwrap();
    assert!(page.contains("<h1>17 failing tests → 3 root causes</h1>"));
    assert!(page.contains("branch <code>main</code>"));
    assert!(page.contains("1 input file could not be read fully"));
    assert!(page.contains("github_token ×2, password ×1"));
    assert!(page.contains("unexpected end of file"));
    assert!(page.contains("unparsable time `abc`"));
}

#[test]
fn stability_trend_is_drawn_oldest_first() {
    let page = html(&sample(), &RenderOptions::default()).unwrap();
    let table = &page[page.find("id=\"stability\"").unwrap()..];
    let row = &table[table.find("app.OrdersTest::case_00").unwrap()..];
    let svg = &row[row.find("<svg class=\"trend\"").unwrap()..row.find("</svg>").unwrap()];
    assert!(svg.contains(
        "aria-label=\"last 5 runs, oldest first: 1 passed, 1 flaky, 1 failed, 1 error, 1 skipped\""
    ));
    let outcomes: Vec<&str> = svg
        .split("<rect class=\"o-")
        .skip(1)
        .map(|r| &r[..r.find('"').unwrap()])
        .collect();
    assert_eq!(outcomes, ["passed", "skipped", "failed", "flaky", "error"]);
    let xs: Vec<usize> = svg
        .split(" x=\"")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(xs, [0, 8, 16, 24, 32], "left to right");
    assert!(svg.contains("<title>run 1 of 5: passed</title>"));
    assert!(table.contains("class=\"this-run\""));
}

#[test]
fn a_run_without_failures_is_a_green_page() {
    let page = html(&passing(), &RenderOptions::default()).unwrap();
    assert!(page.contains("<h1>All 120 tests passed</h1>"));
    assert!(page.contains("class=\"allgood\""));
    assert!(page.contains("2 of them passed only on a retry"));
    assert!(!page.contains("id=\"clusters\""));
    assert!(!page.contains("id=\"stability\""));
    let none = Report {
        summary: Summary::default(),
        ..passing()
    };
    assert!(
        html(&none, &RenderOptions::default())
            .unwrap()
            .contains("No tests found")
    );
}

#[test]
fn a_run_without_analysis_or_history_still_renders() {
    let mut report = sample();
    report.history = None;
    for c in &mut report.clusters {
        c.analysis = None;
        c.evidence.clear();
    }
    let page = html(&report, &RenderOptions::default()).unwrap();
    assert!(page.contains("No analysis was made for this run"));
    assert_eq!(
        page.matches("<article class=\"cluster sev-none\"").count(),
        3
    );
    assert!(!page.contains("id=\"stability\""));
    assert!(!page.contains("<h4>History</h4>"));
}

#[test]
fn markdown_has_headline_counts_and_clusters() {
    let opts = RenderOptions {
        html_report_path: Some("report.html".into()),
        ..RenderOptions::default()
    };
    let md = markdown(&sample(), &opts, GITHUB_STEP_SUMMARY_MAX).unwrap();
    assert!(
        md.starts_with("## ❌ failtale: 17 failing tests → 3 root causes\n"),
        "{md}"
    );
    assert!(md.contains(
        "| tests | passed | failed | errors | skipped | flaky |\n|---:|---:|---:|---:|---:|---:|\n| 30 | 12 | 2 | 15 | 1 | 1 |\n"
    ));
    assert!(md.contains("### 1. ConnectException: Connection refused (attempt 1)"));
    assert!(md.contains("🟠 **high** · network · 14 tests · confidence 82% · cluster c1"));
    assert!(md.contains("**Root cause:** PostgreSQL refused connections on localhost:5432"));
    assert!(md.contains("**Fix:** Start the database"));
    assert!(md.contains("app.OrdersTest::case\\_09 +4 more"));
    assert!(md.contains("[report.html](report.html)"));
    assert!(md.contains("Redacted 3 secrets"));
    assert!(md.contains("Branch **main** · commit 0123456789ab\n"));
    assert!(!md.contains(XSS));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.ends_with('\n'));
    assert!(!md.contains("\n\n\n"), "{md}");
}

#[test]
fn markdown_for_a_passing_run() {
    let md = markdown(&passing(), &RenderOptions::default(), 1000).unwrap();
    assert!(
        md.starts_with("## ✅ failtale: All 120 tests passed\n"),
        "{md}"
    );
    assert!(!md.contains("###"));
}

/// A report of `n` clusters, each with long texts and many tests.
fn huge(n: usize) -> Report {
    let mut report = sample();
    let long = "a very long explanation that goes on and on ".repeat(40);
    report.clusters = (0..n)
        .map(|i| {
            let tests = (0..25)
                .map(|t| format!("suite_{i}::a_rather_long_test_name_{t}"))
                .collect();
            let mut c = cluster(
                &format!("c{}", i + 1),
                tests,
                Some(analysis(
                    Category::Database,
                    Severity::Medium,
                    &format!("{i}: {long}"),
                )),
            );
            if let Some(a) = &mut c.analysis {
                a.fix_suggestion = long.clone();
            }
            c
        })
        .collect();
    report
}

#[test]
fn markdown_fits_the_budget_by_summarising() {
    let report = huge(2000);
    let opts = RenderOptions {
        html_report_path: Some("report.html".into()),
        ..RenderOptions::default()
    };
    let md = markdown(&report, &opts, GITHUB_STEP_SUMMARY_MAX).unwrap();
    assert!(md.len() <= GITHUB_STEP_SUMMARY_MAX, "{} bytes", md.len());
    assert!(
        md.len() > GITHUB_STEP_SUMMARY_MAX / 2,
        "uses the room it has: {}",
        md.len()
    );
    assert!(md.ends_with('\n'));
    // The counts table is whole.
    assert!(md.contains(
        "| tests | passed | failed | errors | skipped | flaky |\n|---:|---:|---:|---:|---:|---:|\n| 30 | 12 | 2 | 15 | 1 | 1 |\n"
    ));
    // Every cluster shown is complete: its heading, facts and texts.
    let shown = md.matches("\n### ").count();
    assert!(shown > 10 && shown < 2000, "{shown} clusters shown");
    assert_eq!(md.matches("**Root cause:**").count(), shown);
    assert_eq!(md.matches("**Fix:**").count(), shown);
    // … with less detail, and the rest counted.
    assert!(md.contains(&format!(
        "_{} more root causes in report.html._\n",
        2000 - shown
    )));
    assert!(md.contains("[report.html](report.html)"));
    for line in md.lines() {
        assert!(line.chars().count() < 400, "a long line: {line}");
    }
}

#[test]
fn markdown_says_less_before_it_drops_clusters() {
    let report = huge(3);
    let full = markdown(&report, &RenderOptions::default(), usize::MAX).unwrap();
    assert!(full.contains("+15 more"), "ten tests per cluster at most");
    let budget = full.len() / 2;
    let md = markdown(&report, &RenderOptions::default(), budget).unwrap();
    assert!(md.len() <= budget);
    assert_eq!(
        md.matches("\n### ").count(),
        3,
        "all clusters, less detail:\n{md}"
    );
    let err = markdown(&report, &RenderOptions::default(), 100).unwrap_err();
    assert!(
        matches!(err, RenderError::TooLarge { max_bytes: 100, .. }),
        "{err}"
    );
}

#[test]
fn user_templates_replace_the_embedded_ones_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("summary.md.tera"),
        "custom: {{ headline }} {% for c in clusters %}[{{ c.title }}]{% endfor %}\n",
    )
    .unwrap();
    let opts = RenderOptions {
        template_dir: Some(dir.path().to_owned()),
        ..RenderOptions::default()
    };
    let md = markdown(&sample(), &opts, 10_000).unwrap();
    assert!(
        md.starts_with("custom: 17 failing tests → 3 root causes"),
        "{md}"
    );
    // Escaped for Markdown in the user's template too.
    assert!(md.contains("[expected &lt;script&gt;alert(1)"), "{md}");
    assert!(!md.contains(XSS));
    // No report.html.tera in the directory: the embedded one is used.
    let page = html(&sample(), &opts).unwrap();
    assert!(page.contains("Content-Security-Policy"));

    std::fs::write(
        dir.path().join("report.html.tera"),
        "<p>{{ headline }}</p>{% for c in clusters %}<i>{{ c.title }}</i>{% endfor %}",
    )
    .unwrap();
    let page = html(&sample(), &opts).unwrap();
    assert!(page.starts_with("<p>17 failing tests"));
    assert!(
        !page.contains(XSS),
        "HTML-escaped in the user's template too"
    );
}

#[test]
fn template_errors_name_the_file_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html.tera");
    std::fs::write(&path, "<p>{% if headline %}unclosed</p>").unwrap();
    let opts = RenderOptions {
        template_dir: Some(dir.path().to_owned()),
        ..RenderOptions::default()
    };
    let err = html(&sample(), &opts).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, RenderError::Syntax { .. }), "{err:?}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("Failed to parse"),
        "the tera error chain: {text}"
    );

    std::fs::write(&path, "{{ no_such_field }}").unwrap();
    let err = html(&sample(), &opts).unwrap_err();
    assert!(matches!(err, RenderError::Render { .. }), "{err:?}");
    assert!(err.to_string().contains("no_such_field"), "{err}");

    let missing = RenderOptions {
        template_dir: Some(dir.path().join("nope")),
        ..RenderOptions::default()
    };
    let err = html(&sample(), &missing).unwrap_err();
    assert!(matches!(err, RenderError::Read { .. }), "{err:?}");
}

#[test]
fn unlikely_flakes_are_one_line_not_a_table() {
    let mut report = sample();
    if let Some(h) = &mut report.history {
        h.failures[0].flake_probability = 0.05;
        h.failures[0].reasons.clear();
    }
    let page = html(&report, &RenderOptions::default()).unwrap();
    let c1 = &page[page.find("id=\"c1\"").unwrap()..page.find("id=\"c2\"").unwrap()];
    assert!(
        c1.contains("Flake probability at most 5% for each of these tests"),
        "{c1}"
    );
    assert!(!c1.contains("How likely each failure is a flake"));
    assert!(!c1.contains("likely flake"));
}
