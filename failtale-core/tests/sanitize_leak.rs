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
        vec![Evidence {
            provenance: Provenance {
                collector: "env".into(),
                command: Some(format!(
                    "curl -H 'Authorization: Bearer {}' /health",
                    token(2)
                )),
                ..Provenance::default()
            },
            text: format!("DB_PASSWORD=collected pass phrase\nNPM_TOKEN={}", token(3)),
        }]
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
        Ok(Some(Analysis {
            root_cause: format!("the token {} expired", token(4)),
            category: Category::Other,
            severity: Severity::High,
            fix_suggestion: "rotate password=answer-Pa55 in the vault".into(),
            confidence: 0.9,
            evidence: vec![Citation {
                quote: format!("GITHUB_TOKEN={}", token(1)),
                source: "failure".into(),
            }],
            analyzer: "llm:test".into(),
            critic_override: false,
            grounded: true,
            // An error message from a provider may echo the key it was sent.
            fallback_reason: Some(format!("401 for key {}", token(4))),
        }))
    }
}

#[tokio::test]
async fn no_secret_from_run_evidence_or_analysis_reaches_the_output() {
    let mut failure = Failure::new(FailureKind::Failure);
    failure.message = Some(format!("push failed: GITHUB_TOKEN={}", token(1)));
    let mut case = TestCase::new(
        TestId {
            name: "pushes".into(),
            ..TestId::default()
        },
        vec![Attempt {
            failures: vec![failure],
            ..Attempt::default()
        }],
    );
    case.properties_mut().push(Property {
        name: "vault.secret".into(),
        value: "Zq8!mK2#vL9".into(),
    });
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
