//! The analyze stage's building blocks: offline rules, known failures from a
//! repository-local file, the analysis cache, and the pieces an LLM analyzer
//! needs that do not depend on any HTTP client — prompt budgeting and
//! grounding checks. The LLM client itself lives in the `failtale-llm` crate.

pub mod cache;
pub mod grounding;
pub mod known;
mod prefilter;
pub mod prompt;
pub mod rules;

use std::path::PathBuf;

use crate::model::{Category, Citation, Cluster, Evidence, Severity, TestRun};

pub use cache::{AnalysisCache, CacheKey, MemoryCache};
pub use known::KnownFailures;
pub use rules::{OfflineAnalyzer, RuleMatch, RuleSet};

/// Why a rule file or a known-failures file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The file could not be read.
    #[error("failed to read `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("invalid rules in {origin}")]
    Toml {
        /// Which file (or `built-in rules`).
        origin: String,
        /// The cause.
        #[source]
        source: toml::de::Error,
    },
    /// A pattern is not a valid regular expression.
    #[error("rule `{id}`: invalid pattern `{pattern}`")]
    Regex {
        /// Rule or entry id.
        id: String,
        /// The pattern.
        pattern: String,
        /// The cause.
        #[source]
        source: regex::Error,
    },
    /// An entry is missing something it needs.
    #[error("{0}")]
    Invalid(String),
}

/// The name of a category as written in `report.json` and rule files.
pub fn category_name(c: Category) -> &'static str {
    match c {
        Category::Assertion => "assertion",
        Category::Panic => "panic",
        Category::Timeout => "timeout",
        Category::Network => "network",
        Category::Resource => "resource",
        Category::Permission => "permission",
        Category::MissingFileOrConfig => "missing-file-or-config",
        Category::Dependency => "dependency",
        Category::Database => "database",
        Category::Crash => "crash",
        Category::Concurrency => "concurrency",
        Category::FlakyInfrastructure => "flaky-infrastructure",
        _ => "other",
    }
}

/// Every category, in documentation order.
pub const CATEGORIES: [Category; 13] = [
    Category::Assertion,
    Category::Panic,
    Category::Timeout,
    Category::Network,
    Category::Resource,
    Category::Permission,
    Category::MissingFileOrConfig,
    Category::Dependency,
    Category::Database,
    Category::Crash,
    Category::Concurrency,
    Category::FlakyInfrastructure,
    Category::Other,
];

/// Parses a category name (`network`, `missing-file-or-config`, …).
pub fn parse_category(s: &str) -> Option<Category> {
    CATEGORIES
        .into_iter()
        .find(|c| category_name(*c) == s.trim())
}

/// The name of a severity.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// Parses a severity name.
pub fn parse_severity(s: &str) -> Option<Severity> {
    match s.trim() {
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

/// One named piece of text an analyzer may cite: a failure's text, captured
/// output, or collected evidence. `label` is what [`Citation::source`] says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// `failure:<test>`, `stdout:<test>`, `stderr:<test>` or `evidence:<collector>[ <command>]`.
    pub label: String,
    /// The (already sanitized) text.
    pub text: String,
    /// True for the failure text itself; output and collected evidence are weaker signals.
    pub primary: bool,
}

/// The texts of a cluster an analyzer looks at, strongest first: the
/// representative's failure text, its captured output, then collected evidence.
pub fn cluster_sources(cluster: &Cluster, run: &TestRun, evidence: &[Evidence]) -> Sources {
    let mut out = Sources::default();
    if let Some(case) = run.cases.get(cluster.representative) {
        let key = case.id.key();
        if let Some(f) = case.primary_failure() {
            out.failure_type = f.r#type.clone();
            out.sources.push(Source {
                label: format!("failure:{key}"),
                text: f.full_text(),
                primary: true,
            });
        }
        let attempt = case
            .attempts
            .iter()
            .rev()
            .find(|a| a.status().is_failing())
            .or(case.attempts.last());
        if let Some(a) = attempt {
            for (name, out_text) in [("stdout", &a.stdout), ("stderr", &a.stderr)] {
                if let Some(t) = out_text.as_ref().filter(|t| !t.text.trim().is_empty()) {
                    out.sources.push(Source {
                        label: format!("{name}:{key}"),
                        text: t.text.clone(),
                        primary: false,
                    });
                }
            }
        }
    }
    for e in evidence {
        if e.text.trim().is_empty() {
            continue;
        }
        out.sources.push(Source {
            label: evidence_label(e),
            text: e.text.clone(),
            primary: false,
        });
    }
    out
}

/// The failure texts of the project's own category evaluation set
/// (`tests/analyze/eval.jsonl`), for tests that compare two ways of
/// reading texts.
#[cfg(test)]
pub(crate) fn own_eval_texts() -> Vec<String> {
    include_str!("../../tests/analyze/eval.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// How a piece of collected evidence is named in citations.
pub fn evidence_label(e: &Evidence) -> String {
    let p = &e.provenance;
    let mut s = format!("evidence:{}", p.collector);
    if let Some(h) = &p.host {
        s.push('@');
        s.push_str(h);
    }
    if let Some(c) = &p.command {
        s.push(' ');
        s.push_str(c);
    }
    s
}

/// The texts of one cluster, with the failure's exception type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// Exception or failure type of the representative failure.
    pub failure_type: Option<String>,
    /// The texts, strongest first.
    pub sources: Vec<Source>,
}

impl Sources {
    /// Sources made of one failure text (for tests and the evaluation set).
    pub fn from_failure(failure_type: Option<&str>, text: &str) -> Self {
        Sources {
            failure_type: failure_type.map(str::to_owned),
            sources: vec![Source {
                label: "failure".into(),
                text: text.to_owned(),
                primary: true,
            }],
        }
    }
}

/// Finds the line of `text` that contains byte offset `at`, trimmed: an exact quote for a citation.
pub(crate) fn line_at(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    text[start..end].trim()
}

/// A citation of one line.
pub(crate) fn cite(source: &Source, at: usize) -> Option<Citation> {
    let quote = line_at(&source.text, at);
    if quote.is_empty() {
        return None;
    }
    let quote: String = if quote.chars().count() > 300 {
        quote.chars().take(300).collect()
    } else {
        quote.to_owned()
    };
    Some(Citation {
        quote,
        source: source.label.clone(),
    })
}
