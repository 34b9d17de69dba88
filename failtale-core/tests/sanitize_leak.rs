//! Library-side leak test: secrets in the run, in collected evidence and in
//! an analyzer's answer (an LLM may quote what it was shown) never reach the
//! pipeline output or the report.

use async_trait::async_trait;
use failtale_core::model::{
    Analysis, Attempt, Category, Citation, Cluster, Evidence, Failure, FailureKind, InputStatus,
    Property, Provenance, Severity, TestCase, TestId, TestRun,
};
use failtale_core::report::Report;
use failtale_core::stage::{Analyze, Collect};
use failtale_core::{AnalyzeError, Pipeline, Sanitized};

fn token(n: u8) -> String {
    format!("ghp_{}{n:02}", "Zx81kLm2Qp03Rt5vWy7Ab9Cd1Ef3Gh5Jk7L")
}

#[derive(Debug)]
struct EnvCollector;

#[async_trait]
impl Collect for EnvCollector {
    fn name(&self) -> &str {
        "env"
    }
    async fn collect(&self, _cluster: &Cluster, _run: &Sanitized<TestRun>) -> Vec<Evidence> {
        vec![Evidence::new(
            format!("DB_PASSWORD=collected pass phrase\nNPM_TOKEN={}", token(3)),
            {
                let mut provenance = Provenance::default();
                provenance.collector = "env".into();
                provenance.command = Some(format!(
                    "curl -H 'Authorization: Bearer {}' /health",
                    token(2)
                ));
                provenance
            },
        )]
    }
}

#[derive(Debug)]
struct QuotingAnalyzer;

#[async_trait]
impl Analyze for QuotingAnalyzer {
    fn name(&self) -> &str {
        "llm:test"
    }
    async fn analyze(
        &self,
        _cluster: &Cluster,
        _run: &Sanitized<TestRun>,
        _evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        Ok(Some({
            let mut analysis = Analysis::new(
                format!("the token {} expired", token(4)),
                Category::Other,
                Severity::High,
                "rotate password=answer-Pa55 in the vault",
                0.9,
                "llm:test",
            );
            analysis.evidence = vec![Citation::new(
                format!("GITHUB_TOKEN={}", token(1)),
                "failure",
            )];
            analysis.grounded = true;
            // An error message from a provider may echo the key it was sent.
            analysis.fallback_reason = Some(format!("401 for key {}", token(4)));
            analysis
        }))
    }
}

#[tokio::test]
async fn no_secret_from_run_evidence_or_analysis_reaches_the_output() {
    let mut failure = Failure::new(FailureKind::Failure);
    failure.message = Some(format!("push failed: GITHUB_TOKEN={}", token(1)));
    let mut case = TestCase::new(
        {
            let mut test_id = TestId::default();
            test_id.name = "pushes".into();
            test_id
        },
        vec![Attempt::with_failures(vec![failure])],
    );
    case.properties_mut()
        .push(Property::new("vault.secret", "Zq8!mK2#vL9"));
    let mut run = TestRun::default();
    run.push_input(InputStatus::default(), vec![case], Vec::new());

    let pipeline = Pipeline::default()
        .with_collector(Box::new(EnvCollector))
        .with_analyzer(Box::new(QuotingAnalyzer));
    let out = pipeline.process_run(run).await;
    let report = serde_json::to_string(&Report::from_output(&out)).unwrap();
    let debug = format!("{out:?}");
    for secret in [
        token(1),
        token(2),
        token(3),
        token(4),
        "collected pass phrase".into(),
        "answer-Pa55".into(),
        "Zq8!mK2#vL9".into(),
    ] {
        assert!(!report.contains(&secret), "{secret} in report: {report}");
        assert!(!debug.contains(&secret), "{secret} in output: {debug}");
    }
    // The same token quoted by the analyzer has the number it got in the failure.
    let analysis = out.clusters[0].analysis.as_ref().unwrap();
    assert_eq!(
        analysis.evidence[0].quote,
        "GITHUB_TOKEN=[REDACTED:github_token#1]"
    );
    assert!(report.contains("\"redactions\""));
}
