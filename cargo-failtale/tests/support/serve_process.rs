//! A `cargo failtale serve` process on a free loopback port, and plain
//! HTTP/1.1 requests to it: shared by the serve tests and the load
//! benchmark.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server and the logs it wrote after its first line.
pub struct ServerProcess {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    logs: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts `cmd` (a `serve` command listening on `127.0.0.1:0`) and
    /// reads the address from the line it prints first; its later logs are
    /// kept as they come, so it never blocks on a full pipe.
    pub fn start(mut cmd: Command) -> Self {
        let mut child = cmd
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
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
            .to_owned();
        let logs = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&logs);
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            while stderr.read_line(&mut text).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&text);
                text.clear();
            }
        });
        ServerProcess {
            child,
            addr,
            logs,
            reader: Some(reader),
        }
    }

    /// One request to the server (see [`request`]).
    pub fn request(&self, head: &str, body: &[u8]) -> (u16, String) {
        request(&self.addr, head, body)
    }

    /// Stops it as a service manager does (SIGTERM on Linux, else a kill)
    /// and waits at most 20 s; returns how it ended and its logs.
    pub fn stop(mut self) -> (ExitStatus, String) {
        #[cfg(target_os = "linux")]
        #[allow(unsafe_code, reason = "kill(2) to send SIGTERM to the child")]
        // SAFETY: kill has no memory effects; the pid is our live child's.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = self.child.kill();
        let started = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the server did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let logs = self.logs.lock().unwrap().clone();
        (status, logs)
    }
}

/// One HTTP/1.1 request: `head` is the request line and any headers but
/// Host, Connection and Content-Length. Returns the status and the body.
pub fn request(addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut c = TcpStream::connect(addr).unwrap();
    write!(
        c,
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
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
