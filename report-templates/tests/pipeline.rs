//! The public API on a report made by the real pipeline (the only way to get
//! a `Sanitized<Report>`).

use failtale_core::Pipeline;
use failtale_core::model::{Attempt, Failure, FailureKind, InputStatus, TestCase, TestId, TestRun};
use failtale_core::report::Report;
use report_templates::{GITHUB_STEP_SUMMARY_MAX, RenderOptions, render_html, render_markdown};

fn failing(message: &str) -> Attempt {
    let mut f = Failure::new(FailureKind::Error);
    f.message = Some(message.to_owned());
    Attempt::with_failures(vec![f])
}

#[test]
fn a_pipeline_report_renders_as_html_and_markdown() {
    let secret = format!("ghp_{}", "Zk4Rt8".repeat(6));
    let id = |name: &str| {
        let mut test_id = TestId::default();
        test_id.name = name.into();
        test_id
    };
    let cases = vec![
        TestCase::new(id("passes"), vec![Attempt::default()]),
        TestCase::new(
            id("<b>bold</b>"),
            vec![failing(&format!(
                "connection refused: localhost:5432 with {secret}"
            ))],
        ),
        TestCase::new(id("times_out"), vec![failing("Timed out after 30 seconds")]),
    ];
    let mut run = TestRun::default();
    run.push_input(InputStatus::default(), cases, Vec::new());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let output = runtime.block_on(Pipeline::default().process_run(run));
    let report = Report::from_output(&output);
    assert_eq!(report.clusters.len(), 2);

    let page = render_html(&report, &RenderOptions::default()).unwrap();
    assert_eq!(page.matches("<article class=\"cluster").count(), 2);
    assert!(page.contains("&lt;b&gt;bold&lt;&#x2F;b&gt;"));
    assert!(!page.contains("<b>bold"));
    assert!(!page.contains(&secret));
    assert!(page.contains("[REDACTED:github_token#1]"));

    let md = render_markdown(&report, &RenderOptions::default(), GITHUB_STEP_SUMMARY_MAX).unwrap();
    assert!(
        md.starts_with("## ❌ failtale: 2 failing tests → 2 root causes\n"),
        "{md}"
    );
    assert!(!md.contains("<b>"));
    assert!(!md.contains(&secret));
}
