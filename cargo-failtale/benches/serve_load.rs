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

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

struct ServerProcess {
    child: Child,
    addr: String,
}

impl ServerProcess {
    fn start(history: &str, dir: &std::path::Path) -> Self {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--offline",
                // Every run kept: the check counts them all.
                "--keep-runs",
                "0",
                "--history",
                history,
            ])
            .current_dir(dir)
            .env("FAILTALE_SERVE_TOKENS", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cargo-failtale serve");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("the server did not start: {line}"))
            .to_owned();
        // Keep draining its logs so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stderr.read_to_end(&mut sink);
        });
        ServerProcess { child, addr }
    }

    fn stop(mut self) {
        #[cfg(target_os = "linux")]
        #[allow(unsafe_code, reason = "kill(2) to send SIGTERM to the child")]
        // SAFETY: kill has no memory effects; the pid is our live child's.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request: the status and the body.
fn request(addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut c = TcpStream::connect(addr).unwrap();
    write!(
        c,
        "{head}\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    c.write_all(body).unwrap();
    let mut text = String::new();
    c.read_to_string(&mut text).unwrap();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
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
                            "POST /v1/runs?branch=main&runner=c{client} HTTP/1.1\r\nContent-Type: application/xml\r\nIdempotency-Key: load-{client}-{n}"
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
    let (status, body) = request(&servers[0].addr, "GET /v1/runs?limit=1 HTTP/1.1", b"");
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
        let server = ServerProcess::start(path.to_str().unwrap(), dir.path());
        let f = load(std::slice::from_ref(&server), uploads, &file);
        server.stop();
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
            .map(|_| ServerProcess::start(db.url(), dir.path()))
            .collect();
        let f = load(&procs, uploads, &file);
        for p in procs {
            p.stop();
        }
        row("PostgreSQL", servers, &f);
    }
}
