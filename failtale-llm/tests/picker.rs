//! The LLM host picker against a local OpenAI-compatible server: the model's
//! answer can add configured hosts to a cluster's plan, and nothing else.

mod support;

use std::sync::Arc;

use failtale_collect::{CollectConfig, ConfiguredCollector};
use failtale_core::Pipeline;
use failtale_core::model::{Attempt, Failure, FailureKind, InputStatus, TestCase, TestId, TestRun};
use failtale_core::sanitize::Redactions;
use failtale_llm::{LlmHostPicker, LlmSettings, Provider};
use support::server::{Reply, Seen, start};

const SECRET: &str = "ghp_PLANTEDplantedPLANTEDplanted01234567";

const CONFIG: &str = r#"
[collect]
max_picked_hosts = 1

[components.database]
description = "PostgreSQL primary"
[[components.database.collectors]]
kind = "ssh"
description = "journal"
argv = ["journalctl", "-u", "postgresql", "--no-pager"]
tail = 50

[components.cache]
description = "Redis"
[[components.cache.collectors]]
kind = "ssh"
description = "redis log"
argv = ["cat", "/var/log/redis/redis.log"]

[[hosts]]
name = "db1"
roles = ["database"]

[[hosts]]
name = "cache1"
roles = ["cache"]
"#;

fn run() -> TestRun {
    let mut f = Failure::new(FailureKind::Failure);
    f.message = Some(format!(
        "could not serialize access due to concurrent update; token {SECRET}"
    ));
    let case = TestCase::new(
        {
            let mut test_id = TestId::default();
            test_id.name = "orders_are_saved".into();
            test_id
        },
        vec![Attempt::with_failures(vec![f])],
    );
    let mut run = TestRun::default();
    run.push_input(
        {
            let mut input_status = InputStatus::default();
            input_status.path = "mem".into();
            input_status
        },
        vec![case],
        Vec::new(),
    );
    run
}

#[tokio::test]
async fn the_model_adds_inventory_hosts_only_and_sees_sanitized_text() {
    // The model names a host outside the inventory, a command, and both real hosts.
    let server = start(Arc::new(|_: &Seen| {
        Reply::content(r#"{"hosts": ["evil.example.com", "rm -rf ~", "db1", "cache1"]}"#)
    }))
    .await;
    let mut settings = LlmSettings::new(Provider::Custom, server.base_url(), "picker-model");
    settings.max_retries = 0;
    let dir = tempfile::tempdir().unwrap();
    let config = CollectConfig::from_toml_str(CONFIG, dir.path()).unwrap();
    let collector =
        ConfiguredCollector::with_picker(config, Some(Box::new(LlmHostPicker::new(settings))));

    let pipeline = Pipeline::default();
    let run = pipeline.sanitize(run(), &mut Redactions::new());
    let clusters = pipeline.cluster(run.get());
    let plan = collector.plan(&clusters[0], &run).await;

    // No select rule matches: every host in the plan came from the model,
    // filtered to the inventory and cut to max_picked_hosts = 1.
    assert_eq!(plan.hosts.iter().collect::<Vec<_>>(), ["db1"]);
    let labels: Vec<&str> = plan.jobs.iter().map(|j| j.label.as_str()).collect();
    assert_eq!(labels, ["database: journal"]);
    assert!(
        plan.jobs
            .iter()
            .all(|j| !j.key.contains("evil") && !j.key.contains("rm -rf"))
    );

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let body = &reqs[0].body;
    assert!(
        !reqs[0].raw.contains(SECRET),
        "planted secret sent: {}",
        reqs[0].raw
    );
    assert_eq!(body["temperature"], 0.0);
    let schema = &body["response_format"]["json_schema"]["schema"]["properties"]["hosts"];
    assert_eq!(
        schema["items"]["enum"],
        serde_json::json!(["db1", "cache1"])
    );
    let user = reqs[0].user_text();
    assert!(
        user.contains("- db1: database (PostgreSQL primary)"),
        "{user}"
    );
    assert!(user.contains("concurrent update"), "{user}");
}

#[tokio::test]
async fn a_failing_model_adds_nothing() {
    let server = start(Arc::new(|_: &Seen| Reply::error(500, "server_error"))).await;
    let mut settings = LlmSettings::new(Provider::Custom, server.base_url(), "m");
    settings.max_retries = 1;
    settings.backoff = std::time::Duration::from_millis(5);
    let dir = tempfile::tempdir().unwrap();
    let config = CollectConfig::from_toml_str(CONFIG, dir.path()).unwrap();
    let collector =
        ConfiguredCollector::with_picker(config, Some(Box::new(LlmHostPicker::new(settings))));
    let pipeline = Pipeline::default();
    let run = pipeline.sanitize(run(), &mut Redactions::new());
    let clusters = pipeline.cluster(run.get());
    let plan = collector.plan(&clusters[0], &run).await;
    assert!(plan.hosts.is_empty() && plan.jobs.is_empty(), "{plan:?}");
    assert_eq!(server.count(), 2, "one retry on 500, then no picks");
}
