//! `cargo failtale serve`, the real binary: refuses to serve without tokens,
//! serves uploads with them, logs JSON lines without the token, and stops
//! cleanly on SIGTERM.

#[path = "../../failtale-llm/tests/support/server.rs"]
mod llm_server;
mod support {
    pub mod serve_process;
}

use std::process::Command;

use support::serve_process::{ServerProcess, request};

fn bin(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"));
    c.current_dir(dir);
    for k in [
        "FAILTALE_SERVE_TOKENS",
        "OLLAMA_HOST",
        "GROQ_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
    ] {
        c.env_remove(k);
    }
    c
}

#[test]
fn serving_without_a_token_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin(dir.path()).args(["serve"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("FAILTALE_SERVE_TOKENS"), "{err}");
    assert!(err.contains("--no-auth"), "{err}");
    let o = bin(dir.path())
        .args(["serve", "--no-auth", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("loopback"), "{err}");
    let o = bin(dir.path())
        .args(["serve", "--token-file", "missing.sha256"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.sha256"));
}

/// `cargo-failtale serve` on a free loopback port with `token` (and
/// `extra` arguments), in `dir`.
fn start_server(dir: &std::path::Path, token: &str, extra: &[&str]) -> ServerProcess {
    let mut cmd = bin(dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("FAILTALE_SERVE_TOKENS", format!("other,{token}"));
    ServerProcess::start(cmd)
}

#[cfg(target_os = "linux")]
#[test]
fn the_server_records_uploads_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let token = "srv-token-7f3a";
    let server = start_server(dir.path(), token, &["--offline"]);
    let addr = server.addr.clone();
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/results/pytest-api.xml"),
    )
    .unwrap();
    let (status, body) = request(
        &addr,
        &format!(
            "POST /v1/runs?branch=main HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/xml"
        ),
        &file,
    );
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"run_id\":1"), "{body}");
    let (status, body) = request(
        &addr,
        &format!("GET /v1/runs HTTP/1.1\r\nAuthorization: Bearer {token}"),
        b"",
    );
    assert_eq!(status, 200);
    assert!(body.contains("\"total\":1"), "{body}");
    let (status, _) = request(&addr, "GET /healthz HTTP/1.1", b"");
    assert_eq!(status, 200);
    assert!(dir.path().join(".failtale/server.db").is_file());

    // SIGTERM: a clean stop.
    let (status, logs) = server.stop();
    assert!(status.success(), "{status:?}");
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{logs}");
    for l in &lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"));
        assert!(v["level"].is_string(), "{l}");
    }
    assert!(logs.contains("\"route\":\"/v1/runs\""), "{logs}");
    assert!(!logs.contains(token), "the token is never logged");
}

/// The pytest plugin of `examples/pytest-failtale`, with real pytest: a
/// failing test gets the server's analysis in its report and its JUnit
/// properties, and the results it wrote upload to the same server.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs python3 with pytest"]
fn the_pytest_plugin_adds_the_servers_analysis_to_failing_tests() {
    let dir = tempfile::tempdir().unwrap();
    let token = "pytest-token-1";
    let server = start_server(dir.path(), token, &["--offline"]);
    let addr = server.addr.clone();
    let tests = dir.path().join("suite");
    std::fs::create_dir(&tests).unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/pytest-failtale/conftest.py"),
        tests.join("conftest.py"),
    )
    .unwrap();
    std::fs::write(
        tests.join("test_payments.py"),
        "import socket\n\n\
def test_ok():\n    assert 1 + 1 == 2\n\n\
def test_charge():\n    print('charging card via 127.0.0.1:9')\n    \
socket.create_connection(('127.0.0.1', 9), timeout=2)\n",
    )
    .unwrap();
    let run = |url: &str| {
        Command::new("python3")
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--junitxml=results.xml",
            ])
            .current_dir(&tests)
            .env("FAILTALE_URL", url)
            .env("FAILTALE_TOKEN", token)
            .env("FAILTALE_TIMEOUT", "20")
            .output()
            .expect("run python3 -m pytest (needs python3 with pytest)")
    };
    let o = run(&format!("http://{addr}"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "one test fails: {out}");
    assert!(out.contains("failtale"), "{out}");
    assert!(out.contains("root cause (network"), "{out}");
    let junit = std::fs::read_to_string(tests.join("results.xml")).unwrap();
    assert!(
        junit.contains("name=\"failtale.category\" value=\"network\""),
        "{junit}"
    );
    assert!(junit.contains("failtale.root_cause"), "{junit}");
    assert!(junit.contains("failtale.fingerprint"), "{junit}");
    // The results it wrote go to the same server, as the CI recipe does.
    let (status, body) = request(
        &addr,
        &format!(
            "POST /v1/runs?branch=main HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/xml"
        ),
        junit.as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"failed\":1"), "{body}");

    // A server that is down never fails the run for another reason.
    let o = run("http://127.0.0.1:9");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("no analysis: the server did not answer"),
        "{out}"
    );
    let _ = server.stop();
}

/// With an LLM configured, uploads are analysed by it (against a local
/// OpenAI-compatible server here) and `/metrics` counts its requests.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_llm_uploads_are_analysed_by_it_and_metrics_count_its_requests() {
    let llm = llm_server::start(std::sync::Arc::new(llm_server::grounded)).await;
    let base_url = llm.base_url();
    let (status, body, metrics) = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("failtale.toml"),
            format!("[llm]\nprovider = \"custom\"\nbase_url = \"{base_url}\"\nmodel = \"m1\"\nconcurrency = 1\n"),
        )
        .unwrap();
        let token = "llm-token";
        let server = start_server(dir.path(), token, &[]);
        let addr = server.addr.clone();
        let file = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/results/pytest-api.xml"),
        )
        .unwrap();
        let (status, body) = request(
            &addr,
            &format!("POST /v1/runs HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/xml"),
            &file,
        );
        let (_, metrics) = request(
            &addr,
            &format!("GET /metrics HTTP/1.1\r\nAuthorization: Bearer {token}"),
            b"",
        );
        let _ = server.stop();
        (status, body, metrics)
    })
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    // Two root causes, each asked of the analyzer and then the critic.
    assert_eq!(llm.count(), 4);
    assert!(
        body.contains("The failing call shown in the evidence."),
        "{body}"
    );
    assert!(
        metrics.contains("failtale_llm_requests_total 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("failtale_analyses_total{analyzer=\"llm:custom/m1\",result=\"ok\"} 2"),
        "{metrics}"
    );
}
