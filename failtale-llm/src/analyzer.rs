//! The analyzer → critic flow for one cluster.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_trait::async_trait;
use failtale_core::Sanitized;
use failtale_core::analyze::cache::settings_hash;
use failtale_core::analyze::grounding::{Claim, FileRef, ground, normalize};
use failtale_core::analyze::prompt::{
    ANALYZER_SYSTEM, CRITIC_SYSTEM, HistoryLookup, PROMPT_VERSION, SINGLE_PASS_SYSTEM,
    analyzer_user_message, critic_user_message, evidence_document,
};
use failtale_core::analyze::{
    AnalysisCache, CacheKey, MemoryCache, OfflineAnalyzer, parse_category, parse_severity,
};
use failtale_core::error::AnalyzeError;
use failtale_core::model::{Analysis, Citation, Cluster, Evidence, TestRun};
use failtale_core::stage::Analyze;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::http::{RetryPolicy, RetryService, Stats};
use crate::provider::{LlmSettings, StructuredOutput};

/// The answer a model must give, as parsed and validated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Root cause.
    pub root_cause: String,
    /// Category name.
    pub category: String,
    /// Severity name.
    pub severity: String,
    /// Fix.
    pub fix_suggestion: String,
    /// Confidence, 0–1.
    pub confidence: f32,
    /// Quotes with their source.
    #[serde(default)]
    pub evidence: Vec<Citation>,
    /// Files named.
    #[serde(default)]
    pub files: Vec<FileRef>,
    /// Critic only: whether it kept the proposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agrees: Option<bool>,
}

impl Answer {
    /// Parses and validates a model's message content.
    pub fn parse(content: &str) -> Result<Answer, String> {
        let a: Answer = serde_json::from_str(strip_fence(content))
            .map_err(|e| format!("not valid JSON for the schema: {e}"))?;
        if a.root_cause.trim().is_empty() {
            return Err("root_cause is empty".into());
        }
        if a.fix_suggestion.trim().is_empty() {
            return Err("fix_suggestion is empty".into());
        }
        if parse_category(&a.category).is_none() {
            return Err(format!("unknown category `{}`", a.category));
        }
        if parse_severity(&a.severity).is_none() {
            return Err(format!("unknown severity `{}`", a.severity));
        }
        if !(0.0..=1.0).contains(&a.confidence) {
            return Err(format!("confidence {} is outside 0–1", a.confidence));
        }
        Ok(a)
    }
}

/// The JSON schema of an answer (`critic` adds `agrees`).
pub fn response_schema(critic: bool) -> Value {
    let mut props = json!({
        "root_cause": {"type": "string"},
        "category": {"type": "string", "enum": failtale_core::analyze::CATEGORIES.iter().map(|c| failtale_core::analyze::category_name(*c)).collect::<Vec<_>>()},
        "severity": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
        "fix_suggestion": {"type": "string"},
        "confidence": {"type": "number"},
        "evidence": {"type": "array", "items": {"type": "object", "additionalProperties": false,
            "required": ["quote", "source"],
            "properties": {"quote": {"type": "string"}, "source": {"type": "string"}}}},
        "files": {"type": "array", "items": {"type": "object", "additionalProperties": false,
            "required": ["path", "line"],
            "properties": {"path": {"type": "string"}, "line": {"type": ["integer", "null"]}}}},
    });
    let mut required = vec![
        "root_cause",
        "category",
        "severity",
        "fix_suggestion",
        "confidence",
        "evidence",
        "files",
    ];
    if critic {
        props["agrees"] = json!({"type": "boolean"});
        required.push("agrees");
    }
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": props})
}

/// Builds one chat-completions request body. The texts given here are the
/// only content sent: callers pass sanitized text (the evidence document is
/// built from the pipeline's sanitized run and evidence).
pub fn request_body(
    settings: &LlmSettings,
    system: &str,
    user: &str,
    repair: Option<(&str, &str)>,
    temperature: f64,
    critic: bool,
) -> Value {
    let mut messages = vec![
        json!({"role": "system", "content": system}),
        json!({"role": "user", "content": user}),
    ];
    if let Some((bad, problem)) = repair {
        messages.push(json!({"role": "assistant", "content": bad}));
        messages.push(json!({"role": "user", "content": format!(
            "That answer is invalid: {problem}. Reply with only the corrected JSON object."
        )}));
    }
    let name = if critic {
        "failtale_review"
    } else {
        "failtale_analysis"
    };
    chat_body(
        settings,
        messages,
        temperature,
        name,
        response_schema(critic),
    )
}

/// A chat-completions body asking for JSON the way the provider supports:
/// a strict JSON schema named `schema_name`, JSON mode, or the prompt alone.
pub(crate) fn chat_body(
    settings: &LlmSettings,
    messages: Vec<Value>,
    temperature: f64,
    schema_name: &str,
    schema: Value,
) -> Value {
    let mut body = json!({
        "model": settings.model,
        "messages": messages,
        "temperature": temperature,
        "stream": false,
    });
    match settings.structured {
        StructuredOutput::JsonSchema => {
            body["response_format"] = json!({"type": "json_schema", "json_schema": {
                "name": schema_name,
                "strict": true,
                "schema": schema,
            }});
        }
        StructuredOutput::JsonObject => body["response_format"] = json!({"type": "json_object"}),
        StructuredOutput::PromptOnly => {}
    }
    body
}

/// The JSON inside a model's answer: some models wrap it in a code fence
/// even in JSON mode.
pub(crate) fn strip_fence(content: &str) -> &str {
    let t = content.trim();
    t.strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .map(|s| s.trim_end().trim_end_matches("```"))
        .unwrap_or(t)
        .trim()
}

/// An OpenAI-compatible client for `settings`, retrying as they say and
/// counting into `stats`.
pub(crate) fn chat_client(settings: &LlmSettings, stats: &Arc<Stats>) -> Client<OpenAIConfig> {
    let service = RetryService::new(
        reqwest::Client::new(),
        RetryPolicy {
            max_retries: settings.max_retries,
            backoff: settings.backoff,
            timeout: settings.request_timeout,
        },
        stats.clone(),
    );
    let mut config = OpenAIConfig::new().with_api_base(settings.base_url.clone());
    if let Some(k) = &settings.api_key {
        config = config.with_api_key(k.clone());
    }
    Client::with_config(config).with_http_service(service)
}

/// Sends one chat completion and returns its message content.
pub(crate) async fn complete(client: &Client<OpenAIConfig>, body: Value) -> Result<String, String> {
    let resp: Value = client
        .chat()
        .create_byot(body)
        .await
        .map_err(|e| format!("request failed: {}", failtale_core::error::error_chain(&e)))?;
    resp["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "invalid answer: no choices[0].message.content".to_owned())
}

/// The LLM analyzer. See the crate docs.
pub struct LlmAnalyzer {
    settings: LlmSettings,
    client: Client<OpenAIConfig>,
    offline: OfflineAnalyzer,
    cache: Arc<dyn AnalysisCache>,
    history: Option<Arc<dyn HistoryLookup>>,
    permits: Arc<Semaphore>,
    started: OnceLock<Instant>,
    stats: Arc<Stats>,
    settings_key: String,
    name: String,
}

impl std::fmt::Debug for LlmAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmAnalyzer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

enum Role {
    Analyzer,
    Critic,
    Single,
}

impl LlmAnalyzer {
    /// An analyzer with the built-in rules as fallback and an in-memory cache.
    pub fn new(settings: LlmSettings) -> Self {
        let stats = Arc::new(Stats::default());
        let client = chat_client(&settings, &stats);
        let settings_key = settings_hash(&[
            settings.provider.name(),
            &settings.base_url,
            &settings.model,
            if settings.single_pass {
                "single"
            } else {
                "critic"
            },
            PROMPT_VERSION,
            &settings.budget.to_string(),
        ]);
        LlmAnalyzer {
            name: settings.analyzer_name(),
            permits: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            settings,
            client,
            offline: OfflineAnalyzer::new(),
            cache: Arc::new(MemoryCache::new()),
            history: None,
            started: OnceLock::new(),
            stats,
            settings_key,
        }
    }

    /// Uses this offline analyzer (rules + known failures) for known failures and fallbacks.
    pub fn with_offline(mut self, offline: OfflineAnalyzer) -> Self {
        self.offline = offline;
        self
    }

    /// Uses this cache (the history store's, to share analyses between runs).
    pub fn with_cache(mut self, cache: Arc<dyn AnalysisCache>) -> Self {
        self.cache = cache;
        self
    }

    /// Tells the model what history knows about each cluster (seen before,
    /// flake probability); without it the prompt says history is not available.
    pub fn with_history(mut self, history: Arc<dyn HistoryLookup>) -> Self {
        self.history = Some(history);
        self
    }

    /// HTTP counters: attempts and retry delays.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The same counters, shared: they go on counting after the analyzer
    /// is handed to a pipeline (a server's `/metrics` reads them).
    pub fn shared_stats(&self) -> Arc<Stats> {
        Arc::clone(&self.stats)
    }

    /// The cache key for a fingerprint under these settings.
    pub fn cache_key(&self, fingerprint: &str) -> CacheKey {
        CacheKey {
            fingerprint: fingerprint.to_owned(),
            settings: self.settings_key.clone(),
        }
    }

    async fn ask(
        &self,
        role: Role,
        document: &str,
        proposal: Option<&str>,
    ) -> Result<Answer, String> {
        let (system, temperature, critic) = match role {
            Role::Analyzer => (ANALYZER_SYSTEM, 0.4, false),
            Role::Critic => (CRITIC_SYSTEM, 0.0, true),
            Role::Single => (SINGLE_PASS_SYSTEM, 0.2, false),
        };
        let user = match proposal {
            Some(p) => critic_user_message(document, p),
            None => analyzer_user_message(document),
        };
        let first = self
            .complete(request_body(
                &self.settings,
                system,
                &user,
                None,
                temperature,
                critic,
            ))
            .await?;
        match Answer::parse(&first) {
            Ok(a) => Ok(a),
            Err(problem) => {
                let second = self
                    .complete(request_body(
                        &self.settings,
                        system,
                        &user,
                        Some((&first, &problem)),
                        temperature,
                        critic,
                    ))
                    .await?;
                Answer::parse(&second)
                    .map_err(|p| format!("invalid answer after one repair request: {p}"))
            }
        }
    }

    async fn complete(&self, body: Value) -> Result<String, String> {
        complete(&self.client, body).await
    }

    async fn analyze_llm(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        evidence: &[Evidence],
        offline: &Analysis,
    ) -> Result<Analysis, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let facts = self.history.as_ref().and_then(|h| h.facts(cluster, run));
        let document =
            evidence_document(cluster, run, evidence, facts.as_ref(), self.settings.budget);
        let (answer, critic_override) = if self.settings.single_pass {
            (self.ask(Role::Single, &document, None).await?, false)
        } else {
            let proposal = self.ask(Role::Analyzer, &document, None).await?;
            let proposal_json =
                serde_json::to_string_pretty(&proposal).map_err(|e| e.to_string())?;
            let review = self
                .ask(Role::Critic, &document, Some(&proposal_json))
                .await?;
            let changed = review.agrees == Some(false)
                || review.category != proposal.category
                || normalize(&review.root_cause) != normalize(&proposal.root_cause);
            (review, changed)
        };
        let checked = ground(
            Claim {
                root_cause: answer.root_cause,
                fix_suggestion: answer.fix_suggestion,
                evidence: answer.evidence,
                files: answer.files,
                confidence: answer.confidence,
            },
            &document,
        );
        let mut claim = checked.claim;
        if claim.root_cause.trim().is_empty() {
            // Every sentence was unsupported: keep the rules' explanation.
            claim.root_cause = offline.root_cause.clone();
        }
        if claim.fix_suggestion.trim().is_empty() {
            claim.fix_suggestion = offline.fix_suggestion.clone();
        }
        let mut analysis = Analysis::new(
            claim.root_cause,
            parse_category(&answer.category).unwrap_or(offline.category),
            parse_severity(&answer.severity).unwrap_or(offline.severity),
            claim.fix_suggestion,
            claim.confidence,
            self.name.clone(),
        );
        analysis.evidence = claim.evidence;
        analysis.critic_override = critic_override;
        analysis.grounded = checked.grounded;
        Ok(analysis)
    }
}

#[async_trait]
impl Analyze for LlmAnalyzer {
    fn name(&self) -> &str {
        &self.name
    }

    async fn analyze(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        let started = *self.started.get_or_init(Instant::now);
        let offline = self.offline.analyze_now(cluster, run, evidence);
        if offline.analyzer == "known-issue" {
            return Ok(Some(offline));
        }
        let key = self.cache_key(&cluster.fingerprint.hash);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(Some(hit));
        }
        let deadline = tokio::time::Instant::from_std(started + self.settings.deadline);
        let fallback = |reason: String| {
            let mut a = offline.clone();
            a.fallback_reason = Some(format!("{}: {reason}", self.name));
            Ok(Some(a))
        };
        match tokio::time::timeout_at(deadline, self.analyze_llm(cluster, run, evidence, &offline))
            .await
        {
            Ok(Ok(a)) => {
                self.cache.put(&key, &a);
                Ok(Some(a))
            }
            Ok(Err(reason)) => fallback(reason),
            Err(_) => fallback(format!(
                "overall deadline of {:?} reached",
                self.settings.deadline
            )),
        }
    }
}
