//! Load on `cargo failtale serve`, loopback only and bounded: 16 clients at
//! once, each uploading a 1,000-test JUnit file 50 times (800 uploads, each
//! with its own Idempotency-Key), against one server on SQLite, one on
//! PostgreSQL and two server processes sharing one PostgreSQL database.
//! Every upload must be answered 201 and recorded exactly once; the table
//! gives uploads per second and the p50/p99 latency of an upload.
//!
//! PostgreSQL comes from `FAILTALE_TEST_POSTGRES_URL` (a database its user
//! may create databases from; each configuration gets a scratch database);
//! without it only SQLite is measured, and the table says so.
//!
//! `cargo bench -p cargo-failtale --bench serve_load`
//! (`FAILTALE_BENCH_UPLOADS=N` uploads per client instead of 50).

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

#[path = "../tests/support/serve_process.rs"]
mod serve_process;

use std::process::Command;
use std::time::{Duration, Instant};

use serve_process::{ServerProcess, request};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-failtale");
const TOKEN: &str = "bench-token";
const CLIENTS: usize = 16;

/// 1,000 tests, 50 failing with 5 causes.
fn junit() -> Vec<u8> {
    let mut x = String::from("<?xml version=\"1.0\"?>\n<testsuite name=\"load\">\n");
    for i in 0..1000 {
        if i % 20 == 0 {
            let cause = [
                "connection refused",
                "timeout after 30s",
                "expected 3 got 4",
                "null pointer",
                "disk full",
            ][i / 20 % 5];
            x.push_str(&format!(
                "<testcase classname=\"load.Suite{}\" name=\"t{i}\"><failure message=\"{cause}\">java.lang.IllegalStateException: {cause}\n\tat load.Service.call(Service.java:{})\n\tat load.Suite.t{i}(Suite.java:10)</failure></testcase>\n",
                i / 100,
                40 + i / 20 % 5
            ));
        } else {
            x.push_str(&format!(
                "<testcase classname=\"load.Suite{}\" name=\"t{i}\" time=\"0.01\"/>\n",
                i / 100
            ));
        }
    }
    x.push_str("</testsuite>\n");
    x.into_bytes()
}

/// `cargo-failtale serve` on a free loopback port, offline, every run
/// kept (the check counts them all).
fn start_server(history: &str, dir: &std::path::Path) -> ServerProcess {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--offline",
        "--keep-runs",
        "0",
        "--history",
        history,
    ])
    .current_dir(dir)
    .env("FAILTALE_SERVE_TOKENS", TOKEN);
    ServerProcess::start(cmd)
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    recorded: u64,
}

fn load(servers: &[ServerProcess], uploads: usize, file: &[u8]) -> Figures {
    let started = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let addr = servers[client % servers.len()].addr.clone();
            let file = file.to_vec();
            std::thread::spawn(move || {
                let mut took = Vec::with_capacity(uploads);
                for n in 0..uploads {
                    let t = Instant::now();
                    let (status, body) = request(
                        &addr,
                        &format!(
                            "POST /v1/runs?branch=main&runner=c{client} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/xml\r\nIdempotency-Key: load-{client}-{n}"
                        ),
                        &file,
                    );
                    took.push(t.elapsed());
                    assert_eq!(status, 201, "upload {client}/{n}: {body}");
                }
                took
            })
        })
        .collect();
    let mut took: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let secs = started.elapsed().as_secs_f64();
    took.sort();
    let at = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)];
    let (status, body) = request(
        &servers[0].addr,
        &format!("GET /v1/runs?limit=1 HTTP/1.1\r\nAuthorization: Bearer {TOKEN}"),
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let total: serde_json::Value = serde_json::from_str(&body).unwrap();
    let recorded = total["total"].as_u64().unwrap();
    assert_eq!(
        recorded,
        (CLIENTS * uploads) as u64,
        "every upload recorded exactly once"
    );
    Figures {
        per_second: took.len() as f64 / secs,
        p50: at(0.50),
        p99: at(0.99),
        recorded,
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let uploads: usize = std::env::var("FAILTALE_BENCH_UPLOADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let file = junit();
    let dir = tempfile::tempdir().unwrap();
    let pg = std::env::var("FAILTALE_TEST_POSTGRES_URL").ok();
    println!(
        "{CLIENTS} clients × {uploads} uploads of a 1,000-test JUnit file ({} KB), loopback",
        file.len() / 1024
    );
    println!("| store | servers | uploads recorded | uploads/s | p50 | p99 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |store: &str, servers: usize, f: &Figures| {
        println!(
            "| {store} | {servers} | {} | {:.1} | {:.0} ms | {:.0} ms |",
            f.recorded,
            f.per_second,
            f.p50.as_secs_f64() * 1000.0,
            f.p99.as_secs_f64() * 1000.0
        );
    };
    {
        let path = dir.path().join("load.db");
        let server = start_server(path.to_str().unwrap(), dir.path());
        let f = load(std::slice::from_ref(&server), uploads, &file);
        let _ = server.stop();
        row("SQLite", 1, &f);
    }
    let Some(admin) = pg else {
        println!("| PostgreSQL | – | not measured: set FAILTALE_TEST_POSTGRES_URL | | | |");
        return;
    };
    for servers in [1, 2] {
        let db = failtale_history::postgres::ScratchDatabase::create(&admin, "failtale_load")
            .expect("create a scratch database");
        let procs: Vec<ServerProcess> = (0..servers)
            .map(|_| start_server(db.url(), dir.path()))
            .collect();
        let f = load(&procs, uploads, &file);
        for p in procs {
            let _ = p.stop();
        }
        row("PostgreSQL", servers, &f);
    }
}
