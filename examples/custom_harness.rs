//! A custom test harness that hands its own results to failtale.
//!
//! Harnesses that do not write JUnit (an installer test rig, a VM harness, a
//! bespoke runner) build a `TestRun` directly and use every later stage.
//! It prints report.json and writes report.html into OUT_DIR (default: a
//! `failtale-custom-harness` directory in the system's temporary directory).
//! Run with: `cargo run -p failtale-core --example custom_harness [-- OUT_DIR]`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use failtale_core::Pipeline;
use failtale_core::capped::CappedText;
use failtale_core::model::{Attempt, Failure, FailureKind, InputStatus, TestCase, TestId, TestRun};
use failtale_core::report::Report;

fn failing(message: &str, output: &str) -> Attempt {
    let mut failure = Failure::new(FailureKind::Failure);
    failure.message = Some(message.to_owned());
    Attempt {
        failures: vec![failure],
        duration: Some(Duration::from_millis(1200)),
        stdout: Some(CappedText::complete(output)),
        ..Attempt::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = |name: &str| TestId {
        suite: vec!["install".into()],
        classname: None,
        name: name.into(),
    };
    let cases = vec![
        TestCase::new(id("partition_disk"), vec![Attempt::default()]),
        TestCase::new(
            id("install_packages"),
            vec![failing(
                "mirror unreachable: connection timed out",
                "::PHASE::download\n",
            )],
        ),
        TestCase::new(
            id("install_kernel"),
            vec![failing(
                "mirror unreachable: connection timed out",
                "::PHASE::download\n",
            )],
        ),
        // Passed on the second try: counted as passed and as flaky.
        TestCase::new(
            id("configure_network"),
            vec![failing("dhcp lease not obtained", ""), Attempt::default()],
        ),
    ];
    let mut run = TestRun::default();
    run.push_input(
        InputStatus {
            path: "installer-harness".into(),
            ..InputStatus::default()
        },
        cases,
        Vec::new(),
    );

    let pipeline = Pipeline::default();
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let output = runtime.block_on(pipeline.process_run(run));
    let report = Report::from_output(&output);

    assert_eq!(report.summary.failed, 2);
    assert_eq!(report.summary.flaky, 1);
    assert_eq!(report.clusters.len(), 1, "both timeouts share one cause");
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(serde_json::to_string_pretty(&report)?.as_bytes())?;
    stdout.write_all(b"\n")?;

    // The same report as a page people read: one self-contained HTML file.
    let out_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("failtale-custom-harness"));
    let html = report_templates::render_html(&report, &report_templates::RenderOptions::default())?;
    assert!(html.contains("install::install_packages"));
    std::fs::create_dir_all(&out_dir)?;
    let html_path = out_dir.join("report.html");
    std::fs::write(&html_path, html)?;
    writeln!(
        std::io::stderr(),
        "report.html written to {}",
        html_path.display()
    )?;
    Ok(())
}
