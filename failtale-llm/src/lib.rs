//! # failtale-llm
//!
//! The LLM analyzer of failtale: for each cluster an **analyzer** (temperature
//! 0.4) proposes a root cause, a **critic** (temperature 0) checks it against
//! the evidence and gives the final answer; then code checks the grounding —
//! every quote must be in the evidence sent, every file and line must occur
//! there. Any failure falls back to the offline rules for that cluster, so a
//! run always completes.
//!
//! It talks to any OpenAI-compatible endpoint through async-openai: presets
//! for OpenAI, Groq, Ollama (`/v1`), Anthropic's compatible endpoint, and a
//! custom base URL ([`provider`]).
//!
//! ```no_run
//! use failtale_llm::{LlmAnalyzer, provider::{detect, LlmRequest}};
//! let env = |k: &str| std::env::var(k).ok();
//! if let Some(settings) = detect(&LlmRequest::default(), &env).unwrap() {
//!     let analyzer = LlmAnalyzer::new(settings);
//!     let pipeline = failtale_core::Pipeline::default().with_analyzer(Box::new(analyzer));
//! }
//! ```
//!
//! MSRV: Rust 1.88.

mod analyzer;
pub mod http;
pub mod picker;
pub mod provider;

pub use analyzer::{Answer, LlmAnalyzer, request_body, response_schema};
pub use picker::LlmHostPicker;
pub use provider::{LlmSettings, Provider, StructuredOutput};
