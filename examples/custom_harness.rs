//! A custom test harness that hands its own results to failtale and gets the
//! whole product: its own collector, history, and every output.
//!
//! Harnesses that do not write JUnit (an installer test rig, a VM harness, a
//! bespoke runner) build a `TestRun` directly; the pipeline then sanitizes,
//! clusters, collects (here with the harness's own collector, which reads
//! the phase log of each failing test), analyzes, records the run in a
//! history store and writes report.json, report.html, summary.md, an
//! enriched junit.xml and the terminal summary (to stderr), into OUT_DIR
//! (default: a `failtale-custom-harness` directory in the system's
//! temporary directory). It prints report.json on stdout.
//!
//! Run with: `cargo run -p failtale --example custom_harness [-- OUT_DIR]`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use failtale::core::capped::CappedText;
use failtale::core::model::{
    Attempt, Cluster, Evidence, Failure, FailureKind, InputStatus, Provenance, TestCase, TestId,
    TestRun,
};
use failtale::core::pipeline::IngestReport;
use failtale::core::{Collect, Sanitized};
use failtale::report_templates::terminal::SummaryOptions;
use failtale::{Output, SharedWrite, TerminalSummary};

fn failing(message: &str, output: &str) -> Attempt {
    let mut failure = Failure::new(FailureKind::Failure);
    failure.message = Some(message.to_owned());
    let mut attempt = Attempt::with_failures(vec![failure]);
    attempt.duration = Some(Duration::from_millis(1200));
    attempt.stdout = Some(Box::new(CappedText::complete(output)));
    attempt
}

/// The harness's own context: which install phase each failing test was in,
/// from the `::PHASE::` markers its output carries.
struct PhaseLog;

#[async_trait]
impl Collect for PhaseLog {
    fn name(&self) -> &str {
        "installer-phases"
    }

    async fn collect(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Vec<Evidence> {
        let mut phases: Vec<String> = cluster
            .case_indices
            .iter()
            .filter_map(|&i| run.cases.get(i))
            .flat_map(|c| &c.attempts)
            .filter_map(|a| a.stdout.as_ref())
            .flat_map(|out| out.text.lines().map(str::to_owned).collect::<Vec<_>>())
            .filter_map(|l| l.strip_prefix("::PHASE::").map(str::to_owned))
            .collect();
        phases.dedup();
        if phases.is_empty() {
            return Vec::new();
        }
        vec![Evidence::new(
            format!("failed during install phase(s): {}", phases.join(", ")),
            Provenance::new(self.name()),
        )]
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = |name: &str| TestId::new(vec!["install".into()].into(), None, name);
    let cases = vec![
        TestCase::new(id("partition_disk"), vec![Attempt::default()]),
        TestCase::new(
            id("install_packages"),
            vec![failing(
                "mirror unreachable: connection timed out",
                "::PHASE::download\nmirror auth token=ghp_16C7e42F292c6912E7710c838347Ae178B4a\n",
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
        {
            let mut input_status = InputStatus::default();
            input_status.path = "installer-harness".into();
            input_status
        },
        cases,
        Vec::new(),
    );

    let out_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("failtale-custom-harness"));
    std::fs::create_dir_all(&out_dir)?;
    let store_path = out_dir.join("history.db");
    let pipeline = failtale::pipeline()
        .with_collector(Box::new(PhaseLog))
        .with_history(
            failtale::open_history(&store_path)?,
            Default::default(),
            Some(store_path.display().to_string()),
        );

    // Every output: the four files, and the terminal summary on stderr.
    let mut files = failtale::outputs(&out_dir);
    // Colours only where the terminal takes them (NO_COLOR, pipes: none).
    let mut stderr = anstream::AutoStream::auto(std::io::stderr());
    let shared = SharedWrite::new(&mut stderr);
    let mut terminal = TerminalSummary::new(
        &shared,
        files.json.path(),
        SummaryOptions {
            max_clusters: 10,
            quiet: false,
        },
    );
    let [json, html, markdown, junit] = files.as_dyn();
    let mut outputs: [&mut dyn Output; 5] = [json, html, markdown, junit, &mut terminal];
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let finish = runtime.block_on(pipeline.process_to(
        IngestReport {
            run,
            ignored: Vec::new(),
        },
        &mut outputs,
    ));
    if let Some((name, e)) = finish.failed.first() {
        return Err(format!("{name}: {e}").into());
    }
    let report = &finish.report;
    assert_eq!(report.summary.failed, 2);
    assert_eq!(report.summary.flaky, 1);
    assert_eq!(report.clusters.len(), 1, "both timeouts share one cause");
    assert!(
        finish.output.clusters[0]
            .evidence
            .iter()
            .any(|e| e.text.contains("download")),
        "the harness's own collector was run"
    );
    assert!(report.history.is_some(), "the run was recorded");
    assert_eq!(finish.written.len(), 4);
    let json = std::fs::read_to_string(out_dir.join("report.json"))?;
    let junit = std::fs::read_to_string(out_dir.join("junit.xml"))?;
    assert!(junit.contains("mirror auth token="), "the output is kept");
    assert!(
        !json.contains("ghp_16C7e42F") && !junit.contains("ghp_16C7e42F"),
        "the token was redacted"
    );

    let mut stdout = std::io::stdout().lock();
    stdout.write_all(json.as_bytes())?;
    Ok(())
}
