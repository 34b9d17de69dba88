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

/// Why the requested provider cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// Unknown provider name.
    #[error("unknown provider `{0}` (expected openai, groq, ollama, anthropic or custom)")]
    UnknownProvider(String),
    /// `custom` without a URL.
    #[error("provider `custom` needs --llm-base-url")]
    MissingBaseUrl,
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
}
