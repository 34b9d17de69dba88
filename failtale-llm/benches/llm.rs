//! 50 clusters against a local server that takes 1 s per answer: with
//! analyzer + critic per cluster and concurrency 4, the analysis should take
//! about 50 × 2 / 4 = 25 s, not 100 s. Concurrency 8 for comparison.
//!
//! Slow by design (each sample is one whole run); `cargo bench --no-run` in CI.
//! `FAILTALE_BENCH_DELAY_MS` scales the server's delay for a quicker look.

#[path = "../tests/support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use failtale_core::Pipeline;
use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId, TestRun};
use failtale_llm::{LlmAnalyzer, LlmSettings, Provider};
use serde_json::json;
use server::{Reply, Seen};

const CLUSTERS: usize = 50;

fn run() -> TestRun {
    let cases = (0..CLUSTERS)
        .map(|i| {
            let mut f = Failure::new(FailureKind::Failure);
            f.message = Some(format!(
                "connection refused connecting to localhost:{}",
                5000 + i
            ));
            TestCase::new(
                {
                    let mut test_id = TestId::default();
                    test_id.name = format!("t{i}");
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
            input_status.path = "bench".into();
            input_status
        },
        cases,
        Vec::new(),
    );
    run
}

fn bench(c: &mut Criterion) {
    let delay = Duration::from_millis(
        std::env::var("FAILTALE_BENCH_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(server::start(Arc::new(move |s: &Seen| {
        let port = s.user_text().split("localhost:").nth(1).and_then(|p| p.split_whitespace().next()).unwrap_or("").to_owned();
        let mut a = json!({
            "root_cause": "Nothing listened on the port.", "category": "network", "severity": "high",
            "fix_suggestion": "Start the service.", "confidence": 0.8,
            "evidence": [{"quote": format!("connection refused connecting to localhost:{port}"), "source": "failure"}],
            "files": [],
        });
        if s.is_critic() {
            a["agrees"] = json!(true);
        }
        Reply::content(&a.to_string()).after(delay)
    })));
    let mut group = c.benchmark_group("llm_50_clusters");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));
    for concurrency in [4usize, 8] {
        group.bench_function(format!("concurrency_{concurrency}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut s = LlmSettings::new(Provider::Custom, server.base_url(), "bench");
                    s.concurrency = concurrency;
                    s.request_timeout = delay * 3;
                    let pipeline = Pipeline::default().with_analyzer(Box::new(LlmAnalyzer::new(s)));
                    let start = Instant::now();
                    let out = rt.block_on(pipeline.process_run(run()));
                    total += start.elapsed();
                    assert!(out.clusters.iter().all(|c| {
                        c.analysis
                            .as_ref()
                            .is_some_and(|a| a.analyzer == "llm:custom/bench")
                    }));
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
