//! Remote commands over the system's OpenSSH client.
//!
//! One multiplexed connection per host (the `openssh` crate's control
//! master) carries all of a host's commands for the whole run. Host keys are
//! checked strictly against known_hosts; `~/.ssh/config`, the agent and
//! identity files work as they do for `ssh`. Connection attempts are retried
//! with backoff only when the failure is transient (refused, timed out).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use failtale_core::capped::CappedBuf;
use failtale_core::model::CollectStatus;
use openssh::{KnownHosts, Session, SessionBuilder};
use tokio::io::AsyncReadExt;
use tokio::sync::OnceCell;

use crate::config::{Host, SshDefaults};
use crate::filter::{EXIT_MARKER, LIMIT_VAR, OMITTED_MARKER, omitted_lines_marker};
use crate::local::{Outcome, human};
use crate::template::quote;

/// Why a host could not be used.
#[derive(Clone, Debug)]
pub struct ConnectFailure {
    /// `unreachable`, `auth-failed`, `host-key-rejected` or `failed`.
    pub status: CollectStatus,
    /// What ssh said.
    pub message: String,
}

/// Classifies what ssh reported about a failed connection; `true` when a retry may help.
pub fn classify(message: &str, kind: Option<std::io::ErrorKind>) -> (CollectStatus, bool) {
    let m = message.to_ascii_lowercase();
    if m.contains("host key verification failed")
        || m.contains("remote host identification has changed")
        || m.contains("host key for") && m.contains("has changed")
        || m.contains("no matching host key")
        || m.contains("host key is known") && m.contains("no ")
    {
        return (CollectStatus::HostKeyRejected, false);
    }
    if m.contains("permission denied (")
        || m.contains("too many authentication failures")
        || m.contains("no more authentication methods")
    {
        return (CollectStatus::AuthFailed, false);
    }
    let transient = matches!(
        kind,
        Some(std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::TimedOut)
    ) || m.contains("connection refused")
        || m.contains("timed out")
        || m.contains("connection reset");
    (CollectStatus::Unreachable, transient)
}

/// A host's connection, opened once: the session or why it failed.
type Connection = OnceCell<Result<Arc<Session>, ConnectFailure>>;

/// The connections of one run, one per host, opened on first use.
#[derive(Debug, Default)]
pub struct SshPool {
    conns: Mutex<HashMap<String, Arc<Connection>>>,
}

impl SshPool {
    /// The host's session, connecting (with retries) the first time. A
    /// failure is remembered: the rest of the run does not try again.
    pub async fn session(
        &self,
        host: &Host,
        ssh: &SshDefaults,
    ) -> Result<Arc<Session>, ConnectFailure> {
        let cell = {
            let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(conns.entry(host.name.clone()).or_default())
        };
        cell.get_or_init(|| async { connect(host, ssh).await.map(Arc::new) })
            .await
            .clone()
    }

    /// Closes every connection.
    pub async fn close(&self) {
        let cells: Vec<_> = {
            let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
            conns.drain().map(|(_, c)| c).collect()
        };
        for cell in cells {
            if let Some(Ok(s)) = Arc::into_inner(cell).and_then(|c| c.into_inner())
                && let Some(s) = Arc::into_inner(s)
            {
                let _ = s.close().await;
            }
        }
    }
}

fn builder(host: &Host, ssh: &SshDefaults) -> SessionBuilder {
    let mut b = SessionBuilder::default();
    b.known_hosts_check(KnownHosts::Strict)
        .connect_timeout(ssh.connect_timeout.max(Duration::from_secs(1)))
        .server_alive_interval(Duration::from_secs(15))
        .control_directory(&ssh.control_directory);
    if let Some(u) = &host.user {
        b.user(u.clone());
    }
    if let Some(p) = host.port {
        b.port(p);
    }
    if let Some(k) = &host.identity_file {
        b.keyfile(k);
    }
    if let Some(f) = &ssh.config_file {
        b.config_file(f);
    }
    if let Some(f) = &ssh.known_hosts_file {
        b.user_known_hosts_file(f);
    }
    if !host.jump_hosts.is_empty() {
        b.jump_hosts(&host.jump_hosts);
    }
    b
}

async fn connect(host: &Host, ssh: &SshDefaults) -> Result<Session, ConnectFailure> {
    let b = builder(host, ssh);
    // ConnectTimeout covers the TCP connect; this also bounds the handshake and login.
    let limit = ssh.connect_timeout * 2 + Duration::from_secs(5);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (message, kind) = match tokio::time::timeout(limit, b.connect(&host.hostname)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(openssh::Error::Connect(e))) => (e.to_string(), Some(e.kind())),
            Ok(Err(e)) => {
                let msg = failtale_core::error::error_chain(&e);
                let status = if matches!(e, openssh::Error::Ssh(_)) {
                    CollectStatus::Failed
                } else {
                    CollectStatus::Unreachable
                };
                return Err(ConnectFailure {
                    status,
                    message: msg,
                });
            }
            Err(_) => (
                format!("connection timed out after {}", human(limit)),
                Some(std::io::ErrorKind::TimedOut),
            ),
        };
        let (status, transient) = classify(&message, kind);
        let message = message.trim().to_owned();
        if !transient || attempt > ssh.retries {
            let tries = if attempt > 1 {
                format!(" (after {attempt} attempts)")
            } else {
                String::new()
            };
            return Err(ConnectFailure {
                status,
                message: format!("{}{tries}", message),
            });
        }
        let backoff = Duration::from_millis(250 * (1 << (attempt - 1).min(4)));
        tokio::time::sleep(backoff).await;
    }
}

/// Decodes chunks as UTF-8 (lossily) without splitting a character across chunks.
#[derive(Default)]
struct Utf8Chunks {
    pending: Vec<u8>,
}

impl Utf8Chunks {
    fn push(&mut self, bytes: &[u8], out: &mut CappedBuf) {
        self.pending.extend_from_slice(bytes);
        let mut rest: &[u8] = &self.pending;
        let mut text = String::new();
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    text.push_str(s);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    text.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match e.error_len() {
                        Some(n) => {
                            text.push('\u{fffd}');
                            rest = &bad[n..];
                        }
                        None => {
                            rest = bad;
                            break;
                        }
                    }
                }
            }
        }
        self.pending = rest.to_vec();
        out.push_str(&text);
    }

    fn finish(self, out: &mut CappedBuf) {
        if !self.pending.is_empty() {
            out.push_str(&String::from_utf8_lossy(&self.pending));
        }
    }
}

/// Extra time the local limit allows over the remote one, for the output of
/// a command the host stopped to arrive.
const REMOTE_GRACE: Duration = Duration::from_secs(3);

/// Exit status of coreutils/busybox `timeout` when the limit was reached.
const TIMEOUT_EXIT: i32 = 124;

/// The script with the host's `timeout` (TERM at the limit, KILL 2 s later)
/// put in front of the command when the host has one: a command that
/// overruns is stopped on the host, not left running after failtale gave up
/// on it (closing a channel without a terminal does not signal it), and the
/// filters still get and print what it wrote before.
fn with_remote_limit(script: &str, timeout: Duration) -> String {
    let secs = timeout.as_secs_f64().ceil().max(1.0) as u64;
    format!(
        "{LIMIT_VAR}=; if command -v timeout >/dev/null 2>&1; then {LIMIT_VAR}='timeout -k 2 {secs}'; fi\n{script}"
    )
}

/// Runs `script` with `sh -c` on the host over its session.
pub async fn run_remote(
    session: &Session,
    script: &str,
    timeout: Duration,
    max_bytes: usize,
) -> Outcome {
    let line = match quote(&with_remote_limit(script, timeout)) {
        Ok(q) => format!("sh -c {q}"),
        Err(e) => return Outcome::failed(CollectStatus::Failed, e),
    };
    let started = std::time::Instant::now();
    let run = async {
        let mut child = session
            .raw_command(&line)
            .stdin(openssh::Stdio::null())
            .stdout(openssh::Stdio::piped())
            .stderr(openssh::Stdio::piped())
            .spawn()
            .await?;
        let mut stdout = child.stdout().take();
        let mut stderr = child.stderr().take();
        let out = async {
            let mut buf = CappedBuf::new(max_bytes);
            let mut dec = Utf8Chunks::default();
            let mut chunk = vec![0u8; 16 * 1024];
            if let Some(s) = stdout.as_mut() {
                while let Ok(n) = s.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                    dec.push(&chunk[..n], &mut buf);
                }
            }
            dec.finish(&mut buf);
            buf
        };
        let err = async {
            let mut v = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(64 * 1024).read_to_end(&mut v).await;
            }
            String::from_utf8_lossy(&v).into_owned()
        };
        let (out, err) = tokio::join!(out, err);
        let status = child.wait().await;
        Ok::<_, openssh::Error>((out, err, status))
    };
    // The host enforces the limit itself (see `remote_line`), so what the
    // command wrote before it was stopped still arrives; the local limit,
    // a little later, covers a host without `timeout` or a stuck connection.
    match tokio::time::timeout(timeout + REMOTE_GRACE, run).await {
        Err(_) => Outcome::failed(
            CollectStatus::TimedOut,
            format!("timed out after {}", human(timeout)),
        ),
        Ok(Err(e)) => connection_lost(session, e).await,
        Ok(Ok((out, err, status))) => {
            let mut exit = None;
            let mut dropped = 0;
            let mut noise = Vec::new();
            for l in err.lines() {
                if let Some(code) = l.strip_prefix(EXIT_MARKER) {
                    exit = code.trim().parse::<i32>().ok();
                } else if let Some(n) = l.strip_prefix(OMITTED_MARKER) {
                    dropped = n.trim().parse::<u64>().unwrap_or(0);
                } else if !l.trim().is_empty() {
                    noise.push(l);
                }
            }
            let (mut text, byte_cut) = match out.finish() {
                Some(t) => {
                    let cut = !t.is_complete();
                    (t.text, cut)
                }
                None => (String::new(), false),
            };
            if dropped > 0 {
                text = format!("{}\n{text}", omitted_lines_marker(dropped));
            }
            if exit.is_none() {
                // The script did not finish: the shell or the connection died.
                if let Err(e) = status {
                    return connection_lost(session, e).await;
                }
                let mut o = Outcome::failed(
                    CollectStatus::Failed,
                    format!("the remote shell did not finish: {}", noise.join(" / ")),
                );
                o.text = text;
                return o;
            }
            if exit == Some(TIMEOUT_EXIT) && started.elapsed() >= timeout {
                // The host's `timeout` stopped the command: keep what it wrote.
                let mut o = Outcome::failed(
                    CollectStatus::TimedOut,
                    format!("timed out after {}", human(timeout)),
                );
                o.text = text;
                o.exit_status = exit;
                o.truncated = true;
                return o;
            }
            Outcome {
                text,
                status: CollectStatus::Ok,
                exit_status: exit,
                error: (!noise.is_empty()).then(|| format!("remote stderr: {}", noise.join(" / "))),
                truncated: dropped > 0 || byte_cut,
            }
        }
    }
}

async fn connection_lost(session: &Session, e: openssh::Error) -> Outcome {
    let msg = failtale_core::error::error_chain(&e);
    match session.check().await {
        Err(_) => Outcome::failed(
            CollectStatus::Unreachable,
            format!("connection lost: {msg}"),
        ),
        Ok(()) => Outcome::failed(CollectStatus::Failed, msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_messages_are_classified_and_only_transient_ones_retried() {
        use std::io::ErrorKind as K;
        let c = |m: &str, k| classify(m, k);
        assert_eq!(
            c("Host key verification failed.", None),
            (CollectStatus::HostKeyRejected, false)
        );
        assert_eq!(
            c(
                "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.",
                Some(K::ConnectionAborted)
            ),
            (CollectStatus::HostKeyRejected, false)
        );
        assert_eq!(
            c(
                "u@h: Permission denied (publickey).",
                Some(K::PermissionDenied)
            ),
            (CollectStatus::AuthFailed, false)
        );
        assert_eq!(
            c(
                "connect to host h port 22: Connection refused",
                Some(K::ConnectionRefused)
            ),
            (CollectStatus::Unreachable, true)
        );
        assert_eq!(
            c("connect to host h port 22: Connection timed out", None),
            (CollectStatus::Unreachable, true)
        );
        assert_eq!(
            c(
                "Could not resolve hostname nope: Name or service not known",
                Some(K::Other)
            ),
            (CollectStatus::Unreachable, false)
        );
    }

    #[test]
    fn utf8_split_across_chunks_is_kept() {
        let mut buf = CappedBuf::new(100);
        let mut d = Utf8Chunks::default();
        let s = "ключ".as_bytes();
        d.push(&s[..3], &mut buf);
        d.push(&s[3..], &mut buf);
        d.push(b"\xff!", &mut buf);
        d.finish(&mut buf);
        assert_eq!(buf.finish().unwrap().text, "ключ\u{fffd}!");
    }
}
