//! Provider presets and detection from flags, configuration and environment.

use std::time::Duration;

/// A known OpenAI-compatible provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// api.openai.com (or `OPENAI_BASE_URL`).
    OpenAi,
    /// Groq's OpenAI-compatible API.
    Groq,
    /// A local Ollama's `/v1` API (`OLLAMA_HOST`).
    Ollama,
    /// Anthropic's OpenAI-compatible endpoint.
    Anthropic,
    /// Any other OpenAI-compatible base URL.
    Custom,
}

/// How a provider is asked for JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructuredOutput {
    /// `response_format: {type: json_schema, …}`.
    JsonSchema,
    /// `response_format: {type: json_object}`.
    JsonObject,
    /// No response_format; the prompt asks for JSON.
    PromptOnly,
}

impl Provider {
    /// Parses `openai`, `groq`, `ollama`, `anthropic`, `custom`.
    pub fn parse(s: &str) -> Option<Provider> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" => Some(Provider::OpenAi),
            "groq" => Some(Provider::Groq),
            "ollama" => Some(Provider::Ollama),
            "anthropic" => Some(Provider::Anthropic),
            "custom" => Some(Provider::Custom),
            _ => None,
        }
    }

    /// The name used in `llm:<provider>/<model>`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Groq => "groq",
            Provider::Ollama => "ollama",
            Provider::Anthropic => "anthropic",
            Provider::Custom => "custom",
        }
    }

    /// The preset base URL.
    pub fn preset_base_url(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("https://api.openai.com/v1"),
            Provider::Groq => Some("https://api.groq.com/openai/v1"),
            Provider::Ollama => Some("http://localhost:11434/v1"),
            Provider::Anthropic => Some("https://api.anthropic.com/v1"),
            Provider::Custom => None,
        }
    }

    /// The environment variable holding the API key.
    pub fn key_env(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("OPENAI_API_KEY"),
            Provider::Groq => Some("GROQ_API_KEY"),
            Provider::Anthropic => Some("ANTHROPIC_API_KEY"),
            Provider::Ollama | Provider::Custom => None,
        }
    }

    /// A reasonable default model (override with `--model`).
    pub fn default_model(self) -> &'static str {
        match self {
            Provider::OpenAi => "gpt-4o-mini",
            Provider::Groq => "llama-3.3-70b-versatile",
            Provider::Ollama => "llama3.1",
            Provider::Anthropic => "claude-3-5-haiku-latest",
            Provider::Custom => "default",
        }
    }

    /// What the provider supports for structured output.
    pub fn structured_output(self) -> StructuredOutput {
        match self {
            Provider::OpenAi | Provider::Ollama | Provider::Custom => StructuredOutput::JsonSchema,
            Provider::Groq => StructuredOutput::JsonObject,
            // The compatibility layer ignores response_format.
            Provider::Anthropic => StructuredOutput::PromptOnly,
        }
    }
}

/// Everything the LLM analyzer needs, validated.
#[derive(Clone)]
pub struct LlmSettings {
    /// Provider.
    pub provider: Provider,
    /// Model name.
    pub model: String,
    /// Base URL ending before `/chat/completions`.
    pub base_url: String,
    /// API key (never logged; sent only in the Authorization header).
    pub api_key: Option<String>,
    /// Clusters analyzed at once.
    pub concurrency: usize,
    /// Limit for one HTTP request.
    pub request_timeout: Duration,
    /// Limit for the whole analysis; clusters left fall back to the rules.
    pub deadline: Duration,
    /// Retries after the first attempt on 429, 5xx and timeouts.
    pub max_retries: u32,
    /// First backoff delay (doubled per retry, plus jitter) when no Retry-After is given.
    pub backoff: Duration,
    /// One request per cluster instead of analyzer + critic (small local models).
    pub single_pass: bool,
    /// Evidence document size, in characters.
    pub budget: usize,
    /// How JSON is requested.
    pub structured: StructuredOutput,
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("concurrency", &self.concurrency)
            .field("single_pass", &self.single_pass)
            .finish_non_exhaustive()
    }
}

impl LlmSettings {
    /// Settings for a provider with its preset URL and default model.
    pub fn new(provider: Provider, base_url: impl Into<String>, model: impl Into<String>) -> Self {
        LlmSettings {
            provider,
            model: model.into(),
            base_url: base_url.into(),
            api_key: None,
            concurrency: 4,
            request_timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(600),
            max_retries: 3,
            backoff: Duration::from_millis(500),
            single_pass: false,
            budget: failtale_core::analyze::prompt::DEFAULT_BUDGET,
            structured: provider.structured_output(),
        }
    }

    /// The analyzer name, `llm:<provider>/<model>`.
    pub fn analyzer_name(&self) -> String {
        format!("llm:{}/{}", self.provider.name(), self.model)
    }
}

/// What the user asked for on the command line or in configuration.
#[derive(Clone, Debug, Default)]
pub struct LlmRequest {
    /// `--provider`.
    pub provider: Option<String>,
    /// `--model`.
    pub model: Option<String>,
    /// `--llm-base-url`.
    pub base_url: Option<String>,
}

/// The `[llm]` table of `failtale.toml`. Every key is optional: command-line
/// flags win over it, and it wins over what the environment suggests.
/// API keys never go in the file; `api_key_env` names the variable to read.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// `openai`, `groq`, `ollama`, `anthropic` or `custom`.
    pub provider: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Base URL of an OpenAI-compatible API.
    pub base_url: Option<String>,
    /// Environment variable holding the API key (default: the provider's own,
    /// e.g. `OPENAI_API_KEY`, then `FAILTALE_LLM_API_KEY`).
    pub api_key_env: Option<String>,
    /// Clusters analyzed at once (default 4).
    pub concurrency: Option<usize>,
    /// One request per cluster instead of analyzer + critic (default false).
    pub single_pass: Option<bool>,
    /// Limit for one HTTP request, in seconds (default 60).
    pub timeout_secs: Option<f64>,
    /// Limit for the whole analysis, in seconds (default 600); clusters left
    /// then fall back to the rules.
    pub deadline_secs: Option<f64>,
    /// Retries on 429, 5xx and timeouts (default 3).
    pub max_retries: Option<u32>,
    /// Size of the evidence sent per cluster, in bytes.
    pub prompt_budget_bytes: Option<usize>,
    /// Never use an LLM, even when the environment offers one (default false).
    pub offline: Option<bool>,
}

impl LlmConfig {
    /// Checks the values that have a valid range; the error names the key.
    pub fn validate(&self) -> Result<(), DetectError> {
        let bad = |key: &'static str, why: &str| {
            Err(DetectError::InvalidConfig {
                key,
                message: why.to_owned(),
            })
        };
        if let Some(p) = &self.provider
            && Provider::parse(p).is_none()
        {
            return Err(DetectError::UnknownProvider(p.clone()));
        }
        if self.concurrency == Some(0) {
            return bad("concurrency", "must be at least 1");
        }
        for (key, v) in [
            ("timeout_secs", self.timeout_secs),
            ("deadline_secs", self.deadline_secs),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v < 1e9)
            {
                return bad(key, "must be a positive number of seconds");
            }
        }
        if self.prompt_budget_bytes.is_some_and(|b| b < 1000) {
            return bad("prompt_budget_bytes", "must be at least 1000");
        }
        if let Some(name) = &self.api_key_env
            && (name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return bad(
                "api_key_env",
                "must be the NAME of an environment variable (letters, digits, _), never the key itself",
            );
        }
        Ok(())
    }
}

/// Resolves the LLM settings from flags, then the `[llm]` table, then the
/// environment. `Ok(None)`: no provider anywhere, or `offline = true` in the
/// table; run the offline rules.
pub fn resolve(
    flags: &LlmRequest,
    config: &LlmConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<LlmSettings>, DetectError> {
    config.validate()?;
    let named_by_flags = flags.provider.is_some() || flags.base_url.is_some();
    if config.offline == Some(true) && !named_by_flags {
        return Ok(None);
    }
    // Provider and URL come as a pair: a flag naming either replaces both of the table's.
    let (provider, base_url) = if named_by_flags {
        (flags.provider.clone(), flags.base_url.clone())
    } else {
        (config.provider.clone(), config.base_url.clone())
    };
    let req = LlmRequest {
        provider,
        base_url,
        model: flags.model.clone().or_else(|| config.model.clone()),
    };
    let Some(mut s) = detect(&req, env)? else {
        return Ok(None);
    };
    if let Some(name) = &config.api_key_env {
        s.api_key = env(name).filter(|v| !v.trim().is_empty());
    }
    if let Some(n) = config.concurrency {
        s.concurrency = n;
    }
    if let Some(b) = config.single_pass {
        s.single_pass = b;
    }
    if let Some(t) = config.timeout_secs {
        s.request_timeout = Duration::from_secs_f64(t);
    }
    if let Some(t) = config.deadline_secs {
        s.deadline = Duration::from_secs_f64(t);
    }
    if let Some(n) = config.max_retries {
        s.max_retries = n;
    }
    if let Some(b) = config.prompt_budget_bytes {
        s.budget = b;
    }
    Ok(Some(s))
}

/// Why the requested provider cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// Unknown provider name.
    #[error("unknown provider `{0}` (expected openai, groq, ollama, anthropic or custom)")]
    UnknownProvider(String),
    /// `custom` without a URL.
    #[error("provider `custom` needs a base URL (--llm-base-url, or base_url in [llm])")]
    MissingBaseUrl,
    /// A value of the `[llm]` table is out of range.
    #[error("[llm] {key}: {message}")]
    InvalidConfig {
        /// The key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Picks a provider: explicit flags first, then the environment
/// (`OLLAMA_HOST`, `GROQ_API_KEY`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, in
/// that order). `Ok(None)` means no provider was found: run the offline rules.
pub fn detect(
    req: &LlmRequest,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<LlmSettings>, DetectError> {
    let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let provider = match (&req.provider, &req.base_url) {
        (Some(p), _) => {
            Provider::parse(p).ok_or_else(|| DetectError::UnknownProvider(p.clone()))?
        }
        (None, Some(_)) => Provider::Custom,
        (None, None) => {
            let found = [
                ("OLLAMA_HOST", Provider::Ollama),
                ("GROQ_API_KEY", Provider::Groq),
                ("OPENAI_API_KEY", Provider::OpenAi),
                ("ANTHROPIC_API_KEY", Provider::Anthropic),
            ]
            .into_iter()
            .find(|(k, _)| env(k).is_some());
            match found {
                Some((_, p)) => p,
                None => return Ok(None),
            }
        }
    };
    let base_url = match (&req.base_url, provider) {
        (Some(u), _) => u.clone(),
        (None, Provider::OpenAi) => {
            env("OPENAI_BASE_URL").unwrap_or_else(|| "https://api.openai.com/v1".into())
        }
        (None, Provider::Ollama) => match env("OLLAMA_HOST") {
            Some(h) => {
                let h = h.trim_end_matches('/');
                let h = if h.contains("://") {
                    h.to_owned()
                } else {
                    format!("http://{h}")
                };
                format!("{h}/v1")
            }
            None => "http://localhost:11434/v1".into(),
        },
        (None, p) => p
            .preset_base_url()
            .ok_or(DetectError::MissingBaseUrl)?
            .into(),
    };
    let model = req
        .model
        .clone()
        .unwrap_or_else(|| provider.default_model().to_owned());
    let mut s = LlmSettings::new(provider, base_url.trim_end_matches('/'), model);
    s.api_key = provider
        .key_env()
        .and_then(env)
        .or_else(|| env("FAILTALE_LLM_API_KEY"));
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn nothing_configured_means_offline() {
        assert!(detect(&LlmRequest::default(), &env(&[])).unwrap().is_none());
    }

    #[test]
    fn environment_is_detected_in_order() {
        let s = detect(
            &LlmRequest::default(),
            &env(&[("OPENAI_API_KEY", "k"), ("OLLAMA_HOST", "gpu:11434")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.provider, Provider::Ollama);
        assert_eq!(s.base_url, "http://gpu:11434/v1");
        let s = detect(
            &LlmRequest::default(),
            &env(&[
                ("OPENAI_API_KEY", "k"),
                ("OPENAI_BASE_URL", "http://proxy/v1/"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (s.provider, s.base_url.as_str(), s.api_key.as_deref()),
            (Provider::OpenAi, "http://proxy/v1", Some("k"))
        );
    }

    #[test]
    fn flags_win_and_custom_needs_a_url() {
        let req = LlmRequest {
            provider: Some("groq".into()),
            model: Some("m".into()),
            base_url: None,
        };
        let s = detect(&req, &env(&[("OPENAI_API_KEY", "k")]))
            .unwrap()
            .unwrap();
        assert_eq!((s.provider, s.model.as_str()), (Provider::Groq, "m"));
        assert_eq!(s.analyzer_name(), "llm:groq/m");
        let req = LlmRequest {
            provider: Some("custom".into()),
            ..LlmRequest::default()
        };
        assert!(matches!(
            detect(&req, &env(&[])),
            Err(DetectError::MissingBaseUrl)
        ));
        let req = LlmRequest {
            base_url: Some("http://127.0.0.1:9/v1".into()),
            ..LlmRequest::default()
        };
        assert_eq!(
            detect(&req, &env(&[])).unwrap().unwrap().provider,
            Provider::Custom
        );
    }

    #[test]
    fn flags_beat_the_config_table_which_beats_the_environment() {
        let config: LlmConfig = toml_like(
            r#"{"provider": "ollama", "base_url": "http://gpu:11434/v1", "model": "qwen",
                "concurrency": 8, "single_pass": true, "timeout_secs": 5.5,
                "deadline_secs": 120, "max_retries": 1, "prompt_budget_bytes": 4000}"#,
        );
        let environment = env(&[("OPENAI_API_KEY", "k")]);
        // The table wins over the environment's OPENAI_API_KEY.
        let s = resolve(&LlmRequest::default(), &config, &environment)
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.provider, s.base_url.as_str(), s.model.as_str()),
            (Provider::Ollama, "http://gpu:11434/v1", "qwen")
        );
        assert_eq!(
            (s.concurrency, s.single_pass, s.max_retries, s.budget),
            (8, true, 1, 4000)
        );
        assert_eq!(s.request_timeout, Duration::from_millis(5500));
        assert_eq!(s.deadline, Duration::from_secs(120));
        // A flag naming the provider replaces the table's provider and URL;
        // the table's model still applies unless a flag names one too.
        let flags = LlmRequest {
            provider: Some("groq".into()),
            ..LlmRequest::default()
        };
        let s = resolve(&flags, &config, &env(&[("GROQ_API_KEY", "g")]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.provider, s.base_url.as_str(), s.model.as_str()),
            (Provider::Groq, "https://api.groq.com/openai/v1", "qwen")
        );
        assert_eq!(s.api_key.as_deref(), Some("g"));
    }

    #[test]
    fn the_table_can_name_the_key_variable_or_switch_the_llm_off() {
        let config: LlmConfig = toml_like(
            r#"{"provider": "custom", "base_url": "http://llm.internal/v1", "api_key_env": "TEAM_LLM_KEY"}"#,
        );
        let s = resolve(
            &LlmRequest::default(),
            &config,
            &env(&[("TEAM_LLM_KEY", "t"), ("FAILTALE_LLM_API_KEY", "f")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.api_key.as_deref(), Some("t"));

        let off: LlmConfig = toml_like(r#"{"offline": true}"#);
        let environment = env(&[("OPENAI_API_KEY", "k")]);
        assert!(
            resolve(&LlmRequest::default(), &off, &environment)
                .unwrap()
                .is_none()
        );
        // An explicit flag still wins over `offline = true` in the file.
        let flags = LlmRequest {
            provider: Some("openai".into()),
            ..LlmRequest::default()
        };
        assert!(resolve(&flags, &off, &environment).unwrap().is_some());
    }

    #[test]
    fn bad_table_values_name_their_key() {
        for (json, key) in [
            (r#"{"concurrency": 0}"#, "concurrency"),
            (r#"{"timeout_secs": -1}"#, "timeout_secs"),
            (r#"{"deadline_secs": 0}"#, "deadline_secs"),
            (r#"{"prompt_budget_bytes": 10}"#, "prompt_budget_bytes"),
            (r#"{"api_key_env": "sk-live-123"}"#, "api_key_env"),
            (r#"{"provider": "gemini"}"#, "gemini"),
        ] {
            let e = resolve(&LlmRequest::default(), &toml_like(json), &env(&[]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{json}: {e}");
        }
        assert!(serde_json::from_str::<LlmConfig>(r#"{"api_key": "x"}"#).is_err());
    }

    fn toml_like(json: &str) -> LlmConfig {
        serde_json::from_str(json).unwrap()
    }
}
