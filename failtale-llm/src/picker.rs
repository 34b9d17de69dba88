//! An LLM that reads a failure and names the configured hosts worth
//! collecting from ([`HostPicker`]).
//!
//! The model sees the sanitized failure and the inventory (host names, their
//! roles and the roles' descriptions) and answers with host *names* only; the
//! JSON schema of the request limits the answer to the inventory's names, and
//! the collect stage checks it again and runs only configured collectors. A
//! model can therefore neither add a host nor a command. Any failure (HTTP,
//! timeout, invalid answer) means "no extra hosts".

use std::sync::Arc;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_trait::async_trait;
use failtale_collect::{HostInfo, HostPicker};
use failtale_core::Sanitized;
use failtale_core::analyze::prompt::evidence_document;
use failtale_core::model::{Cluster, TestRun};
use serde_json::{Value, json};

use crate::analyzer::{chat_body, chat_client, complete, strip_fence};
use crate::http::Stats;
use crate::provider::LlmSettings;

/// Size of the failure text shown to the picker, in bytes.
const PICK_BUDGET: usize = 3_000;

/// The system prompt of the host picker.
pub const PICKER_SYSTEM: &str = "You help debug failed automated tests. You receive one failure and a list of hosts, each with the roles it plays. \
Name the hosts whose logs or state most likely explain the failure, most relevant first, at most the number asked for. \
Answer with one JSON object {\"hosts\": [names]}, using names exactly as listed; an empty list when no host is relevant. Never name anything that is not in the list.";

/// [`HostPicker`] backed by an OpenAI-compatible model.
pub struct LlmHostPicker {
    settings: LlmSettings,
    client: Client<OpenAIConfig>,
    stats: Arc<Stats>,
}

impl std::fmt::Debug for LlmHostPicker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmHostPicker")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl LlmHostPicker {
    /// A picker asking the model of `settings` (temperature 0).
    pub fn new(settings: LlmSettings) -> Self {
        let stats = Arc::new(Stats::default());
        LlmHostPicker {
            client: chat_client(&settings, &stats),
            settings,
            stats,
        }
    }

    /// HTTP counters: attempts and retry delays.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// The request body: the sanitized failure and the inventory; with JSON
/// schema support, the answer's items are limited to the inventory's names.
pub fn pick_request_body(
    settings: &LlmSettings,
    failure: &str,
    inventory: &[HostInfo],
    limit: usize,
) -> Value {
    let mut hosts = String::new();
    for h in inventory {
        let roles: Vec<String> = h
            .roles
            .iter()
            .map(|(r, d)| {
                if d.is_empty() {
                    r.clone()
                } else {
                    format!("{r} ({d})")
                }
            })
            .collect();
        hosts.push_str(&format!("- {}: {}\n", h.name, roles.join(", ")));
    }
    let user = format!("Failure:\n\n{failure}\n\nHosts:\n{hosts}\nName at most {limit} host(s).");
    let names: Vec<&str> = inventory.iter().map(|h| h.name.as_str()).collect();
    let schema = json!({
        "type": "object", "additionalProperties": false, "required": ["hosts"],
        "properties": {"hosts": {"type": "array", "maxItems": limit,
            "items": {"type": "string", "enum": names}}},
    });
    let messages = vec![
        json!({"role": "system", "content": PICKER_SYSTEM}),
        json!({"role": "user", "content": user}),
    ];
    chat_body(settings, messages, 0.0, "failtale_hosts", schema)
}

/// Reads `{"hosts": [...]}` (tolerating a code fence) and keeps only names in
/// the inventory, each once, at most `limit`.
pub fn parse_picks(content: &str, inventory: &[HostInfo], limit: usize) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<Value>(strip_fence(content)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for name in v["hosts"].as_array().into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        if inventory.iter().any(|h| h.name == name) && !out.iter().any(|o| o == name) {
            out.push(name.to_owned());
        }
    }
    out.truncate(limit);
    out
}

#[async_trait]
impl HostPicker for LlmHostPicker {
    async fn pick(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        inventory: &[HostInfo],
        limit: usize,
    ) -> Vec<String> {
        if inventory.is_empty() || limit == 0 {
            return Vec::new();
        }
        let failure = evidence_document(cluster, run, &[], None, PICK_BUDGET);
        let body = pick_request_body(&self.settings, &failure, inventory, limit);
        match complete(&self.client, body).await {
            Ok(content) => parse_picks(&content, inventory, limit),
            Err(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

    fn inventory() -> Vec<HostInfo> {
        vec![
            HostInfo {
                name: "db1".into(),
                roles: vec![("database".into(), "PostgreSQL primary".into())],
            },
            HostInfo {
                name: "api1".into(),
                roles: vec![("api".into(), String::new())],
            },
        ]
    }

    #[test]
    fn only_inventory_names_survive_once_and_up_to_the_limit() {
        let inv = inventory();
        let answer = r#"```json
{"hosts": ["evil.example.com", "db1", "db1; rm -rf ~", "api1", "db1", 7]}
```"#;
        assert_eq!(parse_picks(answer, &inv, 3), ["db1", "api1"]);
        assert_eq!(parse_picks(answer, &inv, 1), ["db1"]);
        assert!(parse_picks("not json", &inv, 3).is_empty());
        assert!(parse_picks(r#"{"hosts": "db1"}"#, &inv, 3).is_empty());
    }

    #[test]
    fn the_schema_limits_the_answer_to_the_inventory() {
        let s = LlmSettings::new(Provider::Custom, "http://x/v1", "m");
        let body = pick_request_body(&s, "connection refused", &inventory(), 2);
        let schema = &body["response_format"]["json_schema"]["schema"]["properties"]["hosts"];
        assert_eq!(schema["items"]["enum"], json!(["db1", "api1"]));
        assert_eq!(schema["maxItems"], 2);
        let user = body["messages"][1]["content"].as_str().unwrap();
        assert!(
            user.contains("- db1: database (PostgreSQL primary)"),
            "{user}"
        );
        assert!(user.contains("at most 2 host(s)"), "{user}");
    }
}
