//! The LLM analyzer against a local OpenAI-compatible server with scripted answers.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use failtale_core::Pipeline;
use failtale_core::analyze::MemoryCache;
use failtale_core::model::{Attempt, Category, Failure, FailureKind, TestCase, TestId, TestRun};
use failtale_core::sanitize::Redactions;
use failtale_core::stage::Sanitize;
use failtale_llm::{LlmAnalyzer, LlmSettings, Provider};
use serde_json::json;
use support::server::{Reply, Seen, Server, start};

const SECRET: &str = "sk-live-PLANTED0SECRET";

struct Mask;
impl Sanitize for Mask {
    fn sanitize<'a>(&self, text: &'a str, state: &mut Redactions) -> std::borrow::Cow<'a, str> {
        if !text.contains(SECRET) {
            return std::borrow::Cow::Borrowed(text);
        }
        std::borrow::Cow::Owned(text.replace(SECRET, &state.placeholder("api_key", SECRET)))
    }
}

/// One failing test per scenario marker; each is its own cluster.
fn run(scenarios: &[&str]) -> TestRun {
    let cases = scenarios
        .iter()
        .map(|s| {
            let mut f = Failure::new(FailureKind::Failure);
            f.message = Some(format!(
                "thread 'db' panicked at src/db.rs:12:5:\nconnection refused connecting to localhost:5432 SCENARIO={s}\nusing token {SECRET}"
            ));
            TestCase::new(
                {
let mut test_id = TestId::default();
test_id.name = format!("test_{s}");
test_id
},
                vec![Attempt::with_failures(vec![f])],
            )
        })
        .collect();
    let mut run = TestRun::default();
    run.push_input(
        {
            let mut input_status = failtale_core::model::InputStatus::default();
            input_status.path = "mem".into();
            input_status
        },
        cases,
        Vec::new(),
    );
    run
}

fn answer(scenario: &str, critic: bool, extra_cause: &str, files: serde_json::Value) -> String {
    let mut a = json!({
        "root_cause": format!("{extra_cause}Nothing listened on localhost:5432 when the test connected."),
        "category": "network",
        "severity": "high",
        "fix_suggestion": "Start the database before the tests.",
        "confidence": 0.8,
        "evidence": [{"quote": format!("connection refused connecting to localhost:5432 SCENARIO={scenario}"), "source": format!("failure:test_{scenario}")}],
        "files": files,
    });
    if critic {
        a["agrees"] = json!(true);
    }
    a.to_string()
}

fn scenario_of(s: &Seen) -> String {
    let t = s.user_text();
    let i = t.find("SCENARIO=").map(|i| i + 9).unwrap_or(0);
    t[i..].split_whitespace().next().unwrap_or("").to_owned()
}

/// The scripted server: behaviour chosen by the scenario marker in the prompt.
async fn scripted() -> Server {
    let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    start(Arc::new(move |s: &Seen| {
        let sc = scenario_of(s);
        let n = {
            let mut c = counts.lock().unwrap();
            let e = c.entry(sc.clone()).or_insert(0);
            *e += 1;
            *e
        };
        let good = |s: &Seen| Reply::content(&answer(&sc, s.is_critic(), "", json!([{"path": "src/db.rs", "line": 12}])));
        match sc.as_str() {
            "malformed" => Reply::content("{\"root_cause\": \"truncated"),
            "malformed-once" if n == 1 => Reply::content("Sure! Here is the analysis: not json"),
            "hallucinated" if s.is_critic() => Reply::content(&answer(
                &sc,
                true,
                "The pool in src/pool/imaginary.rs:77 leaks connections. ",
                json!([{"path": "src/pool/imaginary.rs", "line": 77}, {"path": "src/db.rs", "line": 12}]),
            )),
            "ratelimit" if n == 1 => Reply::error(429, "rate_limit_error").header("retry-after", "1"),
            "flaky500" if n == 1 => Reply::error(500, "server_error"),
            x if x.starts_with("slow") => good(s).after(Duration::from_millis(1500)),
            _ => good(s),
        }
    }))
    .await
}

fn settings(server: &Server) -> LlmSettings {
    let mut s = LlmSettings::new(Provider::Custom, server.base_url(), "test-model");
    s.api_key = Some("test-key".into());
    s.backoff = Duration::from_millis(10);
    s.max_retries = 2;
    s.request_timeout = Duration::from_secs(5);
    s
}

async fn explain(analyzer: LlmAnalyzer, scenarios: &[&str]) -> Vec<failtale_core::model::Analysis> {
    let out = Pipeline::default()
        .with_sanitizer(Box::new(Mask))
        .with_analyzer(Box::new(analyzer))
        .process_run(run(scenarios))
        .await;
    out.clusters
        .into_iter()
        .map(|c| c.into_inner().analysis.expect("always an analysis"))
        .collect()
}

fn assert_clean(server: &Server) {
    assert!(
        server.shape_errors.lock().unwrap().is_empty(),
        "{:?}",
        server.shape_errors.lock().unwrap()
    );
    for r in server.requests() {
        assert!(!r.raw.contains(SECRET), "planted secret sent: {}", r.raw);
        assert_eq!(r.authorization.as_deref(), Some("Bearer test-key"));
    }
}

#[tokio::test]
async fn analyzer_and_critic_per_cluster_then_cache_sends_nothing() {
    let server = scripted().await;
    let cache = Arc::new(MemoryCache::new());
    let a = explain(
        LlmAnalyzer::new(settings(&server)).with_cache(cache.clone()),
        &["good-a", "good-b"],
    )
    .await;
    assert_eq!(
        server.count(),
        4,
        "analyzer + critic for each of 2 clusters"
    );
    let reqs = server.requests();
    assert_eq!(reqs.iter().filter(|r| r.is_critic()).count(), 2);
    for r in &reqs {
        let t = r.body["temperature"].as_f64().unwrap();
        assert_eq!(t, if r.is_critic() { 0.0 } else { 0.4 });
        assert_eq!(r.body["response_format"]["type"], "json_schema");
        assert_eq!(r.body["model"], "test-model");
    }
    for x in &a {
        assert_eq!(x.analyzer, "llm:custom/test-model");
        assert_eq!(x.category, Category::Network);
        assert!(x.grounded);
        assert!(!x.critic_override);
        assert_eq!(x.fallback_reason, None);
        assert!((x.confidence - 0.8).abs() < 1e-6);
    }
    assert_clean(&server);
    assert_eq!(cache.len(), 2);

    // Same fingerprints, same settings: nothing is sent again.
    let again = explain(
        LlmAnalyzer::new(settings(&server)).with_cache(cache.clone()),
        &["good-a", "good-b"],
    )
    .await;
    assert_eq!(server.count(), 4);
    assert_eq!(again, a);

    // A different model is a different cache key.
    let mut other = settings(&server);
    other.model = "other-model".into();
    explain(LlmAnalyzer::new(other).with_cache(cache), &["good-a"]).await;
    assert_eq!(server.count(), 6);
}

#[tokio::test]
async fn malformed_json_gets_one_repair_request_then_falls_back_to_rules() {
    let server = scripted().await;
    let a = explain(LlmAnalyzer::new(settings(&server)), &["malformed"]).await;
    assert_eq!(server.count(), 2, "analyzer + one repair, no critic");
    assert!(server.requests()[1].is_repair());
    assert_eq!(a[0].analyzer, "rules");
    assert_eq!(
        a[0].category,
        Category::Database,
        "the rules still explain it: a refused connection on PostgreSQL's port"
    );
    let reason = a[0].fallback_reason.as_deref().unwrap();
    assert!(
        reason.contains("invalid answer after one repair"),
        "{reason}"
    );
    assert_clean(&server);

    let server = scripted().await;
    let a = explain(LlmAnalyzer::new(settings(&server)), &["malformed-once"]).await;
    assert_eq!(server.count(), 3, "analyzer, repair, critic");
    assert_eq!(a[0].analyzer, "llm:custom/test-model");
    assert!(a[0].grounded);
}

#[tokio::test]
async fn hallucinated_file_is_removed_and_the_answer_is_not_grounded() {
    let server = scripted().await;
    let a = explain(LlmAnalyzer::new(settings(&server)), &["hallucinated"]).await;
    assert_eq!(server.count(), 2);
    let x = &a[0];
    assert_eq!(x.analyzer, "llm:custom/test-model");
    assert!(!x.grounded);
    assert!(x.critic_override, "the critic changed the root cause");
    assert!(!x.root_cause.contains("imaginary"), "{}", x.root_cause);
    assert!(x.root_cause.contains("localhost:5432"));
    assert!(x.confidence < 0.8 * 0.7, "{}", x.confidence);
}

#[tokio::test]
async fn rate_limit_honours_retry_after_and_500_is_retried() {
    let server = scripted().await;
    let analyzer = LlmAnalyzer::new(settings(&server));
    let out = Pipeline::default()
        .with_analyzer(Box::new(analyzer))
        .process_run(run(&["ratelimit"]))
        .await;
    assert_eq!(server.count(), 3, "429, then analyzer and critic");
    let x = out.clusters[0].analysis.as_ref().unwrap();
    assert_eq!(x.analyzer, "llm:custom/test-model");

    let server = scripted().await;
    let an = Arc::new(LlmAnalyzer::new(settings(&server)));
    let cluster_run =
        Pipeline::default().sanitize(run(&["ratelimit", "flaky500"]), &mut Redactions::new());
    let clusters = Pipeline::default().cluster(&cluster_run);
    for c in &clusters {
        let a = failtale_core::stage::Analyze::analyze(&*an, c, &cluster_run, &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.fallback_reason, None);
    }
    assert_eq!(server.count(), 6);
    assert_eq!(an.stats().attempts(), 6);
    let delays = an.stats().delays();
    assert_eq!(delays.len(), 2);
    assert_eq!(delays[0], Duration::from_secs(1), "Retry-After: 1 honoured");
    assert!(
        delays[1] >= Duration::from_millis(10) && delays[1] < Duration::from_millis(16),
        "backoff with jitter: {:?}",
        delays[1]
    );
}

#[tokio::test]
async fn slower_than_the_timeout_is_retried_then_falls_back() {
    let server = scripted().await;
    let mut s = settings(&server);
    s.request_timeout = Duration::from_millis(200);
    s.max_retries = 1;
    let a = explain(LlmAnalyzer::new(s), &["slow", "good-c"]).await;
    // slow: 2 attempts of the analyzer request; good-c: analyzer + critic.
    assert_eq!(server.count(), 4);
    let slow = a
        .iter()
        .find(|x| x.fallback_reason.is_some())
        .expect("slow one fell back");
    assert_eq!(slow.analyzer, "rules");
    assert!(
        slow.fallback_reason
            .as_deref()
            .unwrap()
            .contains("timed out"),
        "{:?}",
        slow.fallback_reason
    );
    assert_eq!(
        a.iter().filter(|x| x.analyzer.starts_with("llm:")).count(),
        1
    );
}

#[tokio::test]
async fn overall_deadline_falls_back_for_what_is_left() {
    let server = scripted().await;
    let mut s = settings(&server);
    s.deadline = Duration::from_millis(300);
    let a = explain(LlmAnalyzer::new(s), &["slow", "slow2"]).await;
    assert!(a.iter().all(|x| x.analyzer == "rules"));
    assert!(
        a.iter()
            .all(|x| x.fallback_reason.as_deref().unwrap().contains("deadline"))
    );
}

/// Facts as a history store would give them, per test name.
#[derive(Debug)]
struct KnownHistory;
impl failtale_core::analyze::prompt::HistoryLookup for KnownHistory {
    fn facts(
        &self,
        cluster: &failtale_core::model::Cluster,
        _run: &failtale_core::Sanitized<TestRun>,
    ) -> Option<failtale_core::analyze::prompt::HistoryFacts> {
        cluster.tests.iter().any(|t| t.contains("good-a")).then(|| {
            failtale_core::analyze::prompt::HistoryFacts {
                seen_before: Some(7),
                first_seen: Some("2026-11-01T10:00:00Z".into()),
                flake_probability: Some(0.83),
            }
        })
    }
}

#[tokio::test]
async fn the_prompt_carries_what_history_knows_about_the_cluster() {
    let server = scripted().await;
    explain(
        LlmAnalyzer::new(settings(&server)).with_history(Arc::new(KnownHistory)),
        &["good-a", "good-b"],
    )
    .await;
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    for r in &reqs {
        let text = r.user_text();
        if scenario_of(r) == "good-a" {
            assert!(
                text.contains("seen in 7 earlier run(s), first on 2026-11-01T10:00:00Z")
                    && text.contains("flake probability 0.83 (likely a flake"),
                "{text}"
            );
        } else {
            assert!(text.contains("History: not available."), "{text}");
        }
    }
    assert_clean(&server);
}
