//! `analyze` with the `[llm]` table of failtale.toml against a local
//! OpenAI-compatible server: the table picks provider, model and key
//! variable; the history store caches answers and tells the model what it
//! knows about each failure.

#[path = "../../failtale-llm/tests/support/server.rs"]
mod server;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;
use server::{Server, start};

const RESULTS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="api" tests="3" failures="2">
  <testcase classname="api.Db" name="connects"><failure message="connection refused">Error: connect ECONNREFUSED 127.0.0.1:5432
    at TCPConnectWrap.afterConnect (node:net:1555:16)</failure></testcase>
  <testcase classname="api.Math" name="adds"><failure message="expected 4, got 5">AssertionError: expected 4, got 5
    at Object.adds (test/math.test.js:12:5)</failure></testcase>
  <testcase classname="api.Math" name="passes"/>
</testsuite>
"#;

fn analyze(dir: &Path, extra: &[&str]) -> Value {
    let bin = env!("CARGO_BIN_EXE_cargo-failtale");
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .args(["analyze", "--out", "out", "--config", "failtale.toml"])
        .args(extra)
        .arg("results.xml");
    for k in [
        "OLLAMA_HOST",
        "GROQ_API_KEY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "FAILTALE_LLM_API_KEY",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
    ] {
        cmd.env_remove(k);
    }
    let out = cmd.env("TEAM_LLM_KEY", "team-key").output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(dir.join("out/report.json")).unwrap()).unwrap()
}

fn analyzers(report: &Value) -> Vec<String> {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["analysis"]["analyzer"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_llm_table_configures_the_analyzer_and_history_feeds_the_prompt() {
    let server: Server = start(Arc::new(server::grounded)).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("results.xml"), RESULTS).unwrap();
    std::fs::write(
        dir.path().join("failtale.toml"),
        format!(
            "[llm]\nprovider = \"custom\"\nbase_url = \"{}\"\nmodel = \"cfg-model\"\napi_key_env = \"TEAM_LLM_KEY\"\nconcurrency = 1\ntimeout_secs = 10\n",
            server.base_url()
        ),
    )
    .unwrap();
    let path = dir.path().to_owned();

    // First run: analyzer + critic for each of the two clusters, as configured.
    let first = tokio::task::spawn_blocking({
        let p = path.clone();
        move || analyze(&p, &[])
    })
    .await
    .unwrap();
    assert_eq!(server.count(), 4);
    assert_eq!(analyzers(&first), ["llm:custom/cfg-model"; 2]);
    for r in server.requests() {
        assert_eq!(r.body["model"], "cfg-model");
        assert_eq!(r.authorization.as_deref(), Some("Bearer team-key"));
        // The store was empty: nothing to tell the model yet.
        assert!(r.user_text().contains("History: not available."));
    }

    // Second run, same failures and settings: answered from the cache.
    let second = tokio::task::spawn_blocking({
        let p = path.clone();
        move || analyze(&p, &[])
    })
    .await
    .unwrap();
    assert_eq!(server.count(), 4, "cached analyses are not sent again");
    assert_eq!(analyzers(&second), analyzers(&first));

    // A flag beats the table; new settings, so the model is asked again, and
    // now the prompt says the failure was seen in the two earlier runs.
    let third = tokio::task::spawn_blocking({
        let p = path.clone();
        move || analyze(&p, &["--model", "flag-model"])
    })
    .await
    .unwrap();
    assert_eq!(server.count(), 8);
    assert_eq!(analyzers(&third), ["llm:custom/flag-model"; 2]);
    for r in &server.requests()[4..] {
        assert_eq!(r.body["model"], "flag-model");
        let text = r.user_text();
        assert!(text.contains("seen in 2 earlier run(s)"), "{text}");
        assert!(text.contains("flake probability"), "{text}");
    }
}
