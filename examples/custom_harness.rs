//! A custom test harness that hands its own results to failtale.
//!
//! Harnesses that do not write JUnit (an installer test rig, a VM harness, a
//! bespoke runner) build a `TestRun` directly and use every later stage.
//! Run with: `cargo run -p failtale-core --example custom_harness`.

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
    std::io::Write::write_all(
        &mut stdout,
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    Ok(())
}
