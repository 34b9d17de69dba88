//! A minimal OpenAI-compatible HTTP/1.1 server on 127.0.0.1 for tests and
//! benchmarks: records every request body, checks its shape, and answers
//! with whatever the scenario function returns.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A grounded answer to any request: it quotes the first line of the
/// prompt's first source section (and a critic agrees).
pub fn grounded(s: &Seen) -> Reply {
    let text = s.user_text();
    let mut section = text.split("## Source: ").nth(1).unwrap_or("").lines();
    let label = section.next().unwrap_or("").to_owned();
    let quote = section.next().unwrap_or("").trim().to_owned();
    let mut a = json!({
        "root_cause": "The failing call shown in the evidence.",
        "category": "other",
        "severity": "medium",
        "fix_suggestion": "Look at the quoted line.",
        "confidence": 0.7,
        "evidence": [{"quote": quote, "source": label}],
        "files": [],
    });
    if s.is_critic() {
        a["agrees"] = json!(true);
    }
    Reply::content(&a.to_string())
}

/// What to answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    /// A chat completion whose message content is `content`.
    pub fn content(content: &str) -> Reply {
        let body = json!({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        });
        Reply {
            status: 200,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// An error shaped like OpenAI's.
    pub fn error(status: u16, kind: &str) -> Reply {
        let body = json!({"error": {"message": format!("scripted {status}"), "type": kind, "param": null, "code": null}});
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn after(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

/// A parsed request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
    pub raw: String,
}

impl Seen {
    /// True for the critic's request (temperature 0 and a proposal in the prompt).
    pub fn is_critic(&self) -> bool {
        self.user_text().contains("\nProposal:\n")
    }
    pub fn is_repair(&self) -> bool {
        self.body["messages"]
            .as_array()
            .is_some_and(|m| m.len() > 2)
    }
    pub fn user_text(&self) -> String {
        self.body["messages"][1]["content"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

pub type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

pub struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub shape_errors: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// Checks what every chat-completions request must look like.
fn check_shape(s: &Seen) -> Result<(), String> {
    if s.path != "/v1/chat/completions" {
        return Err(format!("path {}", s.path));
    }
    let b = &s.body;
    if !b["model"].is_string() {
        return Err("no model".into());
    }
    let msgs = b["messages"].as_array().ok_or("no messages")?;
    if msgs.len() < 2 || msgs[0]["role"] != "system" || msgs[1]["role"] != "user" {
        return Err("messages must be system, user[, assistant, user]".into());
    }
    let t = b["temperature"].as_f64().ok_or("no temperature")?;
    let want = if s.is_critic() { 0.0 } else { 0.4 };
    if (t - want).abs() > 1e-6 && (t - 0.2).abs() > 1e-6 {
        return Err(format!("temperature {t}"));
    }
    if let Some(rf) = b.get("response_format")
        && rf["type"] == "json_schema"
        && !rf["json_schema"]["schema"]["properties"]["root_cause"].is_object()
    {
        return Err("json_schema without the analysis schema".into());
    }
    Ok(())
}

pub async fn start(handler: Handler) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shape_errors = Arc::new(Mutex::new(Vec::new()));
    let (seen2, errs2) = (seen.clone(), shape_errors.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (handler, seen, errs) = (handler.clone(), seen2.clone(), errs2.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head_end, content_length) = loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (i + 4, len);
                    }
                };
                while buf.len() < head_end + content_length {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let authorization = head
                    .lines()
                    .find(|l| l.to_lowercase().starts_with("authorization:"))
                    .map(|l| l[14..].trim().to_owned());
                let raw = String::from_utf8_lossy(&buf[head_end..]).to_string();
                let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
                let s = Seen {
                    path,
                    authorization,
                    body,
                    raw,
                };
                if let Err(e) = check_shape(&s) {
                    errs.lock().unwrap().push(e);
                }
                seen.lock().unwrap().push(s.clone());
                let reply = handler(&s);
                tokio::time::sleep(reply.delay).await;
                let reason = match reply.status {
                    200 => "OK",
                    429 => "Too Many Requests",
                    500 => "Internal Server Error",
                    _ => "Status",
                };
                let mut out = format!(
                    "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                    reply.status,
                    reply.body.len()
                );
                for (k, v) in &reply.headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&reply.body);
                let _ = sock.write_all(out.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Server {
        addr,
        seen,
        shape_errors,
    }
}
