//! The server over real HTTP on 127.0.0.1: uploads, reports, the failure
//! hook, stability, auth, limits, every error status, idempotency (with an
//! upload cut off mid-body), sanitizing and graceful shutdown.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use failtale_core::Pipeline;
use failtale_core::history::RunArchive;
use failtale_history::SqliteStore;
use failtale_serve::{ServeOptions, Server, Tokens};
use junit_ingest::AutoIngest;
use junit_ingest::junit::JunitReader;
use junit_ingest::libtest::LibtestReader;

const TOKEN: &str = "test-token-1";

struct Running {
    addr: SocketAddr,
    store: Arc<dyn RunArchive>,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(TOKEN)
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(TOKEN)
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), &mut self.done)
            .await
            .expect("the server stops")
            .unwrap();
    }
}

fn pipeline() -> Pipeline {
    Pipeline::new(Box::new(AutoIngest::new(
        JunitReader::default(),
        LibtestReader::default(),
    )))
}

async fn start(options: impl FnOnce(&mut ServeOptions), pipeline: Pipeline) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("history.db")).unwrap());
    start_on(store, dir, options, pipeline).await
}

async fn start_on(
    store: Arc<dyn RunArchive>,
    dir: tempfile::TempDir,
    options: impl FnOnce(&mut ServeOptions),
    pipeline: Pipeline,
) -> Running {
    let mut o = ServeOptions::default();
    o.tokens = Some(Tokens::from_list(TOKEN).unwrap());
    o.scratch = Some(dir.path().to_owned());
    options(&mut o);
    let server = Server::new(pipeline, store.clone(), o);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .serve(listener, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running {
        addr,
        store,
        client: reqwest::Client::new(),
        stop: Some(tx),
        done,
        _dir: dir,
    }
}

/// A JUnit file: `passing` tests pass, then one failure per entry of
/// `failures` (test name, message).
fn junit(passing: usize, failures: &[(&str, &str)]) -> String {
    let mut x = String::from("<?xml version=\"1.0\"?>\n<testsuite name=\"svc\">\n");
    for i in 0..passing {
        x.push_str(&format!(
            "<testcase classname=\"svc.T\" name=\"ok_{i}\" time=\"0.01\"/>\n"
        ));
    }
    for (name, message) in failures {
        x.push_str(&format!(
            "<testcase classname=\"svc.T\" name=\"{name}\"><failure message=\"{message}\">{message}\n  at svc.Client.call(Client.java:12)</failure></testcase>\n"
        ));
    }
    x.push_str("</testsuite>\n");
    x
}

const REFUSED: &str = "java.net.ConnectException: Connection refused (127.0.0.1:5432)";

async fn json(r: reqwest::Response) -> serde_json::Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn status_and_error(r: reqwest::RequestBuilder) -> (u16, String) {
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let body = json(r).await;
    assert_eq!(body["error"]["status"], status, "{body}");
    (
        status,
        body["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_recorded_listed_and_their_outputs_served() {
    let s = start(|_| {}, pipeline()).await;
    let file = junit(3, &[("db_a", REFUSED), ("db_b", REFUSED)]);
    let r = s
        .post("/v1/runs?commit=abc123&branch=main&job=build-7&runner=linux")
        .header("content-type", "application/xml")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let answer = json(r).await;
    let run = answer["run_id"].as_i64().unwrap();
    assert_eq!(answer["summary"]["tests"], 5);
    assert_eq!(answer["summary"]["failed"], 2);
    assert_eq!(answer["summary"]["root_causes"], 1, "{answer}");
    assert_eq!(answer["clusters"][0]["tests"], 2);
    assert_eq!(answer["clusters"][0]["category"], "database", "port 5432");
    assert_eq!(answer["inputs"][0]["format"], "junit");

    // Every link works, with its media type.
    for (link, media) in [
        ("report_json", "application/json"),
        ("report_html", "text/html"),
        ("junit_xml", "application/xml"),
        ("summary_md", "text/markdown"),
    ] {
        let path = answer["links"][link].as_str().unwrap();
        let r = s.get(path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with(media), "{path}: {ct}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let body = r.text().await.unwrap();
        let names = if link == "summary_md" { "5432" } else { "db_a" };
        assert!(body.contains(names), "{path}: {body}");
    }
    let report = json(
        s.get(&format!("/v1/runs/{run}/report.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(report["summary"]["failed"], 2);
    assert_eq!(report["history"]["run_id"], run);

    // Several files at once, one of them gzip-compressed libtest JSON.
    let libtest = concat!(
        "{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 2 }\n",
        "{ \"type\": \"test\", \"event\": \"started\", \"name\": \"cache::evicts\" }\n",
        "{ \"type\": \"test\", \"name\": \"cache::evicts\", \"event\": \"failed\", \"stdout\": \"thread 'cache::evicts' panicked at src/cache.rs:40:9:\\nassertion `left == right` failed\\n  left: 1\\n right: 2\\n\" }\n",
        "{ \"type\": \"test\", \"event\": \"started\", \"name\": \"cache::hits\" }\n",
        "{ \"type\": \"test\", \"name\": \"cache::hits\", \"event\": \"ok\" }\n",
        "{ \"type\": \"suite\", \"event\": \"failed\", \"passed\": 1, \"failed\": 1, \"ignored\": 0, \"measured\": 0, \"filtered_out\": 0, \"exec_time\": 0.01 }\n"
    );
    let form = reqwest::multipart::Form::new()
        .part(
            "a",
            reqwest::multipart::Part::bytes(file.into_bytes()).file_name("junit.xml"),
        )
        .part(
            "b",
            reqwest::multipart::Part::bytes(libtest.as_bytes().to_vec()).file_name("cargo.json"),
        );
    let r = s
        .post("/v1/runs?branch=feature")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let answer = json(r).await;
    assert_eq!(answer["summary"]["tests"], 7, "{answer}");
    let names: Vec<&str> = answer["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["junit.xml", "cargo.json"]);

    let r = s
        .post("/v1/runs?branch=main")
        .header("content-type", "application/xml")
        .header("content-encoding", "gzip")
        .body(gzip(junit(1, &[]).as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(json(r).await["summary"]["passed"], 1);

    // Listed newest first, filtered by branch.
    let list = json(s.get("/v1/runs?limit=2").send().await.unwrap()).await;
    assert_eq!(list["total"], 3);
    assert_eq!(list["runs"].as_array().unwrap().len(), 2);
    assert_eq!(list["runs"][0]["summary"]["tests"], 1);
    let main = json(s.get("/v1/runs?branch=main").send().await.unwrap()).await;
    assert_eq!(main["total"], 2);
    let first = &main["runs"][1];
    assert_eq!(first["run_id"], run);
    assert_eq!(first["commit"], "abc123");
    assert_eq!(first["job"], "build-7");
    assert_eq!(first["runner"], "linux");
    assert_eq!(first["summary"]["root_causes"], 1);
    assert!(first["created"].as_str().unwrap().ends_with('Z'));
    s.stop().await;
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_but_healthz_needs_an_accepted_token() {
    let s = start(|_| {}, pipeline()).await;
    let health = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    for path in [
        "/v1/runs",
        "/v1/flaky",
        "/v1/tests/x",
        "/v1/runs/1/report.json",
        "/metrics",
        "/openapi.json",
    ] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let r = s
            .client
            .get(s.url(path))
            .header("authorization", "Basic dXNlcjpwYXNz")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}: not a bearer token");
        let r = s
            .client
            .get(s.url(path))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = s
        .client
        .post(s.url("/v1/runs"))
        .body(junit(1, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        s.store.run_count().unwrap(),
        0,
        "a refused upload records nothing"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_their_status_and_a_message_that_says_what_to_do() {
    let s = start(|o| o.body_limit = 64 * 1024, pipeline()).await;
    let xml = |body: &str| {
        s.post("/v1/runs")
            .header("content-type", "application/xml")
            .body(body.to_owned())
    };
    // The reader's message: what and where.
    let (status, message) =
        status_and_error(xml("<testsuite>\n<testcase name=\"a\">\n<failure>")).await;
    assert_eq!(status, 400);
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("testcase"), "{message}");
    let (status, message) = status_and_error(xml("hello")).await;
    assert_eq!(status, 400, "{message}");

    let (status, message) = status_and_error(
        s.post("/v1/runs")
            .header("content-type", "image/png")
            .body("x"),
    )
    .await;
    assert_eq!(status, 415);
    assert!(message.contains("application/xml"), "{message}");
    let (status, _) = status_and_error(
        s.post("/v1/runs")
            .header("content-type", "application/xml")
            .header("content-encoding", "br")
            .body("x"),
    )
    .await;
    assert_eq!(status, 415);
    let (status, _) = status_and_error(
        s.post("/v1/runs")
            .header("content-encoding", "gzip")
            .body("not gzip"),
    )
    .await;
    assert_eq!(status, 400);

    // Over the limit: as sent, and once decompressed (a small gzip bomb).
    let (status, message) = status_and_error(xml(&junit(2000, &[]))).await;
    assert_eq!(status, 413);
    assert!(message.contains("65536"), "{message}");
    let bomb = gzip(&vec![b' '; 10 << 20]);
    assert!(bomb.len() < 64 * 1024);
    let (status, _) = status_and_error(
        s.post("/v1/runs")
            .header("content-encoding", "gzip")
            .body(bomb),
    )
    .await;
    assert_eq!(status, 413);

    let (status, _) = status_and_error(s.get("/nope")).await;
    assert_eq!(status, 404);
    let (status, _) = status_and_error(s.get("/v1/runs/1/secrets.txt")).await;
    assert_eq!(status, 404);
    let (status, message) = status_and_error(s.get("/v1/runs/999/report.json")).await;
    assert_eq!(status, 404);
    assert!(message.contains("999"), "{message}");
    let (status, _) = status_and_error(s.get("/v1/runs?limit=lots")).await;
    assert_eq!(status, 400);
    let (status, _) = status_and_error(s.get("/v1/tests/never-ran")).await;
    assert_eq!(status, 404);
    let (status, _) = status_and_error(s.post("/v1/analyze").body("{}")).await;
    assert_eq!(status, 415);
    let (status, _) = status_and_error(s.post("/v1/analyze").json(&serde_json::json!({
        "test": "t",
        "failure": "x".repeat(100 * 1024),
    })))
    .await;
    assert_eq!(status, 413);
    let (status, message) = status_and_error(
        s.post("/v1/analyze")
            .header("content-type", "application/json")
            .body("{\"test\": 3}"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("\"failure\""), "{message}");
    let (status, _) = status_and_error(
        s.post("/v1/runs")
            .header("idempotency-key", "bad key with spaces")
            .body(junit(1, &[])),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(s.store.run_count().unwrap(), 0, "nothing was recorded");
    s.stop().await;
}

/// Sends `body`'s first `sent` bytes of a `Content-Length: body.len()`
/// upload, then closes the connection.
fn cut_off_upload(addr: SocketAddr, key: &str, body: &[u8], sent: usize) {
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(
        c,
        "POST /v1/runs HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/xml\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    c.write_all(&body[..sent]).unwrap();
    c.flush().unwrap();
    c.shutdown(std::net::Shutdown::Both).unwrap();
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_upload_is_recorded_once_and_a_cut_off_one_not_at_all() {
    let s = start(|_| {}, pipeline()).await;
    let body = junit(200, &[("db", REFUSED)]).into_bytes();
    let addr = s.addr;
    let b = body.clone();
    tokio::task::spawn_blocking(move || cut_off_upload(addr, "upload-1", &b, 1000))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        s.store.run_count().unwrap(),
        0,
        "half an upload records nothing"
    );

    let send = || {
        s.post("/v1/runs")
            .header("idempotency-key", "upload-1")
            .header("content-type", "application/xml")
            .body(body.clone())
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.text().await.unwrap(),
        first,
        "the first answer, again"
    );
    assert_eq!(s.store.run_count().unwrap(), 1);
    // Another key is another upload.
    let other = s
        .post("/v1/runs")
        .header("idempotency-key", "upload-2")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    assert_eq!(s.store.run_count().unwrap(), 2);
    s.stop().await;
}

/// A key another server holds (claimed in the store, still running) is
/// refused with 409 and left claimed: a third request must not take it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_claimed_elsewhere_is_refused_and_stays_claimed() {
    let s = start(|_| {}, pipeline()).await;
    let now = failtale_core::history::time::now_ms();
    assert_eq!(
        s.store.claim_upload("elsewhere", now, 3_600_000).unwrap(),
        failtale_core::history::UploadClaim::Claimed
    );
    for _ in 0..2 {
        let r = s
            .post("/v1/runs")
            .header("idempotency-key", "elsewhere")
            .body(junit(1, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        assert!(r.headers().contains_key("retry-after"));
    }
    assert_eq!(
        s.store.claim_upload("elsewhere", now, 3_600_000).unwrap(),
        failtale_core::history::UploadClaim::InProgress,
        "the other holder's claim is still there"
    );
    assert_eq!(s.store.run_count().unwrap(), 0);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_markup_in_uploads_come_back_sanitized_and_escaped() {
    let s = start(|_| {}, pipeline()).await;
    let token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A";
    let aws = "AKIAIOSFODNN7EXAMPLE";
    let message = format!(
        "login failed for token {token} with key {aws} &lt;script&gt;alert(1)&lt;/script&gt; ::error::forged"
    );
    let file = junit(1, &[("test_&lt;img src=x onerror=alert(2)&gt;", &message)]);
    let r = s
        .post(&format!("/v1/runs?branch=main&job=ci-{token}"))
        .header("content-type", "application/xml")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let answer = r.text().await.unwrap();
    let run = serde_json::from_str::<serde_json::Value>(&answer).unwrap()["run_id"]
        .as_i64()
        .unwrap();
    let mut served = vec![("answer".to_owned(), answer)];
    for f in ["report.json", "report.html", "junit.xml", "summary.md"] {
        let r = s.get(&format!("/v1/runs/{run}/{f}")).send().await.unwrap();
        served.push((f.to_owned(), r.text().await.unwrap()));
    }
    served.push((
        "list".into(),
        s.get("/v1/runs")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ));
    for (what, text) in &served {
        assert!(!text.contains(token), "{what} leaks the token");
        assert!(!text.contains(aws), "{what} leaks the key");
    }
    let html = &served.iter().find(|(w, _)| w == "report.html").unwrap().1;
    assert!(!html.contains("<script>alert(1)"), "markup is escaped");
    assert!(!html.contains("<img src=x"), "markup is escaped");
    // A malformed file's error quotes the file: sanitized too.
    let (status, message) = status_and_error(
        s.post("/v1/runs")
            .header("content-type", "application/xml")
            .body(format!("<testsuite name=\"{token}\"><testcase")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(!message.contains(token), "{message}");
    // The store keeps only sanitized values.
    let (runs, _) = s
        .store
        .list_runs(&failtale_core::history::RunQuery::new(10, None))
        .unwrap();
    assert!(
        runs.iter()
            .all(|r| !r.ci_job.as_deref().unwrap_or("").contains(token))
    );
    s.stop().await;
}

/// An analyzer that takes its time: a pipeline that stays busy.
struct Slow(Duration);

#[async_trait::async_trait]
impl failtale_core::stage::Analyze for Slow {
    fn name(&self) -> &str {
        "slow"
    }

    async fn analyze(
        &self,
        _: &failtale_core::model::Cluster,
        _: &failtale_core::Sanitized<failtale_core::model::TestRun>,
        _: &[failtale_core::model::Evidence],
    ) -> Result<Option<failtale_core::model::Analysis>, failtale_core::error::AnalyzeError> {
        tokio::time::sleep(self.0).await;
        Ok(None)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_server_answers_503_with_retry_after_and_shutdown_finishes_running_uploads() {
    let s = start(
        |o| {
            o.pipelines_at_once = 1;
            o.queue_wait = Duration::from_millis(200);
        },
        pipeline().with_analyzer(Box::new(Slow(Duration::from_millis(1500)))),
    )
    .await;
    let upload = |name: &'static str| {
        s.post("/v1/runs")
            .header("content-type", "application/xml")
            .body(junit(1, &[(name, REFUSED)]))
            .send()
    };
    let slow = tokio::spawn(upload("first"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = upload("second").await.unwrap();
    assert_eq!(busy.status(), 503);
    let retry: u64 = busy.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    // The failure hook shares the pipelines.
    let r = s
        .post("/v1/analyze")
        .json(&serde_json::json!({"test": "t", "failure": REFUSED}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);

    // Stop while the first upload runs: it still completes.
    let Running {
        stop, done, store, ..
    } = s;
    let _ = stop.unwrap().send(());
    let first = slow.await.unwrap().unwrap();
    assert_eq!(first.status(), 201);
    tokio::time::timeout(Duration::from_secs(30), done)
        .await
        .expect("the server stops once the upload is done")
        .unwrap();
    assert_eq!(store.run_count().unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stability_test_history_and_the_failure_hook_read_every_upload() {
    let s = start(|_| {}, pipeline()).await;
    for i in 0..6 {
        let failures: &[(&str, &str)] = if i % 2 == 0 {
            &[("flips", REFUSED)]
        } else {
            &[]
        };
        let mut file = junit(2, failures);
        if i % 2 == 1 {
            file = file.replace(
                "</testsuite>",
                "<testcase classname=\"svc.T\" name=\"flips\"/></testsuite>",
            );
        }
        let r = s
            .post(&format!(
                "/v1/runs?branch=main&commit=c{i}&runner=r{}",
                i % 3
            ))
            .body(file)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let flaky = json(s.get("/v1/flaky").send().await.unwrap()).await;
    let rows = flaky["tests"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{flaky}");
    assert_eq!(rows[0]["test"], "svc.T::flips");
    assert_eq!(rows[0]["verdict"], "flaky");
    assert_eq!(rows[0]["runs"], 6);

    let history = json(s.get("/v1/tests/svc.T%3A%3Aflips").send().await.unwrap()).await;
    assert_eq!(history["test"], "svc.T::flips");
    let outcomes: Vec<&str> = history["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["failed", "passed", "failed", "passed", "failed", "passed"]
    );

    // The failure hook: analysed offline, with the test's stability.
    let r = s
        .post("/v1/analyze")
        .json(&serde_json::json!({
            "test": "svc.T::flips",
            "failure": format!("{REFUSED}\n  at svc.Client.call(Client.java:12)"),
            "output": "connecting to 127.0.0.1:5432",
            "components": ["db"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let a = json(r).await;
    assert_eq!(a["analysis"]["category"], "database", "{a}");
    assert_eq!(a["flake"]["verdict"], "flaky");
    assert_eq!(a["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(s.store.run_count().unwrap(), 6, "the hook records nothing");

    let metrics = s
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("failtale_requests_total{route=\"/v1/runs\",status=\"201\"} 6"),
        "{metrics}"
    );
    assert!(metrics.contains("failtale_runs_recorded_total 6"));
    assert!(metrics.contains("failtale_pipeline_stage_seconds_count{stage=\"cluster\"} 6"));
    assert!(
        metrics.contains("failtale_analyses_total{analyzer=\"rules\",result=\"ok\"} 4"),
        "{metrics}"
    );
    assert!(!metrics.contains(TOKEN));
    s.stop().await;
}

/// The document kept in the repository is the one the code generates
/// (`FAILTALE_UPDATE_OPENAPI=1` rewrites it), and every path it lists is
/// served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_the_generated_one_and_lists_what_is_served() {
    use utoipa::OpenApi as _;
    let generated = failtale_serve::ApiDoc::openapi().to_pretty_json().unwrap() + "\n";
    let kept = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("FAILTALE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&kept, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&kept).unwrap_or_default();
    assert!(
        on_disk == generated,
        "failtale-serve/openapi.json is out of date: run FAILTALE_UPDATE_OPENAPI=1 cargo test -p failtale-serve --test http"
    );
    let s = start(|_| {}, pipeline()).await;
    let doc = json(s.get("/openapi.json").send().await.unwrap()).await;
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let paths = doc["paths"].as_object().unwrap();
    let operations: usize = paths.values().map(|o| o.as_object().unwrap().len()).sum();
    assert_eq!((paths.len(), operations), (8, 9));
    for (path, ops) in paths {
        let concrete = path.replace("{id}", "1").replace("{file}", "report.json");
        for method in ops.as_object().unwrap().keys() {
            let r = match method.as_str() {
                "get" => s.get(&concrete),
                "post" => s.post(&concrete),
                m => panic!("{m}"),
            }
            .send()
            .await
            .unwrap();
            let body = r.text().await.unwrap_or_default();
            assert!(
                !body.contains("no such endpoint"),
                "{method} {path} is documented but not served"
            );
        }
    }
    s.stop().await;
}

#[test]
fn serving_other_hosts_without_tokens_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn RunArchive> = Arc::new(SqliteStore::open(&dir.path().join("h.db")).unwrap());
    let server = Server::new(pipeline(), store, ServeOptions::default());
    let err = server
        .check_listen("0.0.0.0:5050".parse().unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("FAILTALE_SERVE_TOKENS"), "{err}");
    server
        .check_listen("127.0.0.1:5050".parse().unwrap())
        .unwrap();
    server.check_listen("[::1]:5050".parse().unwrap()).unwrap();
}

/// Two servers over one PostgreSQL database answer as one: an upload made
/// through one is listed, served and replayed by the other, and concurrent
/// uploads through both, each retried on the other, are recorded once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres: set FAILTALE_TEST_POSTGRES_URL"]
async fn two_servers_over_one_postgres_database_behave_as_one() {
    let admin = std::env::var("FAILTALE_TEST_POSTGRES_URL")
        .expect("needs postgres: set FAILTALE_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB");
    // The synchronous client may not run on the runtime's threads.
    let db = tokio::task::spawn_blocking(move || {
        failtale_history::postgres::ScratchDatabase::create(&admin, "failtale_serve").unwrap()
    })
    .await
    .unwrap();
    let connect = || {
        let url = db.url().to_owned();
        async move {
            tokio::task::spawn_blocking(move || {
                Arc::new(failtale_history::PgStore::connect(&url, 4).unwrap())
            })
            .await
            .unwrap()
        }
    };
    let a = start_on(
        connect().await,
        tempfile::tempdir().unwrap(),
        |_| {},
        pipeline(),
    )
    .await;
    let b = start_on(
        connect().await,
        tempfile::tempdir().unwrap(),
        |_| {},
        pipeline(),
    )
    .await;

    let body = junit(20, &[("db_a", REFUSED), ("db_b", REFUSED)]);
    let upload = |s: &Running, key: String| {
        s.post("/v1/runs?branch=main&runner=linux")
            .header("idempotency-key", key)
            .header("content-type", "application/xml")
            .body(body.clone())
            .send()
    };
    let first = upload(&a, "k-0".into()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first = json(first).await;
    let run = first["run_id"].as_i64().unwrap();
    let replay = upload(&b, "k-0".into()).await.unwrap();
    assert_eq!(replay.status(), 200, "the other server replays the answer");
    assert_eq!(json(replay).await, first);
    let html = b
        .get(&format!("/v1/runs/{run}/report.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    assert!(html.text().await.unwrap().contains("db_a"));

    // 16 uploads at once, alternating servers, each retried on the other.
    let mut tasks = Vec::new();
    for i in 1..=16 {
        let (one, other) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let key = format!("k-{i}");
        tasks.push(upload(one, key.clone()));
        tasks.push(upload(other, key));
    }
    let answers = futures_util::future::join_all(tasks).await;
    let mut recorded = std::collections::BTreeSet::new();
    for r in answers {
        let r = r.unwrap();
        let status = r.status().as_u16();
        assert!(
            [200, 201, 409].contains(&status),
            "{status}: {}",
            r.text().await.unwrap()
        );
        if status != 409 {
            recorded.insert(json(r).await["run_id"].as_i64().unwrap());
        }
    }
    assert_eq!(recorded.len(), 16, "one run per key: {recorded:?}");
    assert_eq!(a.store.run_count().unwrap(), 17);
    let list = json(b.get("/v1/runs?limit=100").send().await.unwrap()).await;
    assert_eq!(list["total"], 17);
    assert_eq!(list["runs"][16]["run_id"], run);
    assert_eq!(list["runs"][0]["runner"], "linux");
    let flaky_a = json(a.get("/v1/flaky").send().await.unwrap()).await;
    let flaky_b = json(b.get("/v1/flaky").send().await.unwrap()).await;
    assert_eq!(flaky_a, flaky_b);
    a.stop().await;
    b.stop().await;
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}

/// The failure hook collects from the components a harness names (those
/// the configuration has), and only then: a failure naming none gets no
/// evidence, and a name outside the configuration runs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failure_hook_collects_from_the_components_it_names() {
    let config = failtale_collect::CollectConfig::from_toml_str(
        r#"
[components.db]
description = "the database"
[[components.db.collectors]]
kind = "command"
description = "status"
argv = ["echo", "db-status: accepting connections on 5432"]
"#,
        std::path::Path::new("/"),
    )
    .unwrap();
    let s = start(
        |_| {},
        pipeline().with_collector(Box::new(failtale_collect::ConfiguredCollector::new(config))),
    )
    .await;
    let ask = |components: serde_json::Value| {
        s.post("/v1/analyze")
            .json(&serde_json::json!({
                "test": "svc.T::saves",
                "failure": REFUSED,
                "components": components,
            }))
            .send()
    };
    let a = json(ask(serde_json::json!(["db"])).await.unwrap()).await;
    let evidence = a["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{a}");
    assert!(
        evidence[0]["text"]
            .as_str()
            .unwrap()
            .contains("accepting connections")
    );
    assert_eq!(
        evidence[0]["provenance"]["command"], "echo 'db-status: accepting connections on 5432'",
        "{a}"
    );
    for none in [
        serde_json::json!([]),
        serde_json::json!(["rm -rf /", "cache"]),
    ] {
        let a = json(ask(none).await.unwrap()).await;
        assert!(a["evidence"].as_array().unwrap().is_empty(), "{a}");
    }
    s.stop().await;
}
