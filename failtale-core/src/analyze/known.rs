//! Known failures: a repository-local `failtale-known-issues.toml` mapping a
//! fingerprint or a pattern to a description and a link, in the spirit of the
//! failure signatures OpenStack kept for its CI. A match wins over the rules.
//!
//! ```toml
//! [[known]]
//! pattern = 'ssl.SSLError: .*handshake operation timed out'
//! description = "The package mirror drops TLS handshakes under load"
//! link = "https://tracker.example.org/INFRA-812"
//! category = "flaky-infrastructure"   # optional, default `other`
//! severity = "medium"                 # optional, default `medium`
//! fix = "Re-run; INFRA-812 tracks the mirror"   # optional
//!
//! [[known]]
//! fingerprint = "9f0c2a81d3b4e5f6"
//! description = "Known race in the cache warm-up"
//! ```

use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::{RulesError, Sources, cite, parse_category, parse_severity};
use crate::model::{Analysis, Category, Citation, Severity};

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = "failtale-known-issues.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownFile {
    #[serde(default)]
    known: Vec<KnownDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownDef {
    fingerprint: Option<String>,
    pattern: Option<String>,
    description: String,
    link: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    fix: Option<String>,
}

/// One entry.
#[derive(Debug, Clone)]
pub struct KnownFailure {
    /// Exact fingerprint it matches, if any.
    pub fingerprint: Option<String>,
    /// Pattern on the failure text and output, if any.
    pub pattern: Option<Regex>,
    /// What it is.
    pub description: String,
    /// Where it is tracked.
    pub link: Option<String>,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// What to do.
    pub fix: Option<String>,
}

/// The known failures of a repository.
#[derive(Debug, Clone, Default)]
pub struct KnownFailures {
    entries: Vec<KnownFailure>,
    origin: Option<PathBuf>,
}

impl KnownFailures {
    /// Parses the file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, RulesError> {
        let file: KnownFile = toml::from_str(text).map_err(|source| RulesError::Toml {
            origin: origin.to_owned(),
            source,
        })?;
        let mut entries = Vec::new();
        for (i, d) in file.known.into_iter().enumerate() {
            let id = format!("{origin} entry {}", i + 1);
            if d.fingerprint.is_none() && d.pattern.is_none() {
                return Err(RulesError::Invalid(format!(
                    "{id}: needs `fingerprint` or `pattern`"
                )));
            }
            let pattern = match &d.pattern {
                Some(p) => Some(Regex::new(p).map_err(|source| RulesError::Regex {
                    id: id.clone(),
                    pattern: p.clone(),
                    source,
                })?),
                None => None,
            };
            let category = match &d.category {
                Some(c) => parse_category(c)
                    .ok_or_else(|| RulesError::Invalid(format!("{id}: unknown category `{c}`")))?,
                None => Category::Other,
            };
            let severity = match &d.severity {
                Some(s) => parse_severity(s)
                    .ok_or_else(|| RulesError::Invalid(format!("{id}: unknown severity `{s}`")))?,
                None => Severity::Medium,
            };
            entries.push(KnownFailure {
                fingerprint: d.fingerprint.map(|f| f.trim().to_owned()),
                pattern,
                description: d.description,
                link: d.link,
                category,
                severity,
                fix: d.fix,
            });
        }
        Ok(KnownFailures {
            entries,
            origin: None,
        })
    }

    /// Reads a file.
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut k = Self::parse(&text, &path.display().to_string())?;
        k.origin = Some(path.to_owned());
        Ok(k)
    }

    /// Reads `dir/failtale-known-issues.toml` when it exists.
    pub fn discover(dir: &Path) -> Result<Option<Self>, RulesError> {
        let path = dir.join(FILE_NAME);
        if path.is_file() {
            Self::load(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file the entries came from, if loaded from one.
    pub fn origin(&self) -> Option<&Path> {
        self.origin.as_deref()
    }

    /// The first entry matching the fingerprint exactly, else the first whose
    /// pattern matches a text, as an analysis by `known-issue`.
    pub fn find(&self, fingerprint: &str, sources: &Sources) -> Option<Analysis> {
        let by_fingerprint = self
            .entries
            .iter()
            .find(|e| e.fingerprint.as_deref() == Some(fingerprint))
            .map(|e| {
                let quote = Citation::new(fingerprint.to_owned(), "fingerprint");
                let first_line = sources.sources.first().and_then(|s| {
                    s.text
                        .find(|c: char| !c.is_whitespace())
                        .and_then(|at| cite(s, at))
                });
                (
                    e,
                    [Some(quote), first_line]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>(),
                )
            });
        let hit = by_fingerprint.or_else(|| {
            self.entries.iter().find_map(|e| {
                let re = e.pattern.as_ref()?;
                sources.sources.iter().find_map(|s| {
                    let m = re.find(&s.text)?;
                    Some((e, cite(s, m.start()).into_iter().collect()))
                })
            })
        })?;
        let (e, evidence) = hit;
        let link = e
            .link
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        Some(Analysis {
            root_cause: format!("Known failure: {}{link}", e.description),
            category: e.category,
            severity: e.severity,
            fix_suggestion: match &e.fix {
                Some(f) => format!("{f}{link}"),
                None => match &e.link {
                    Some(l) => format!("Follow the tracked workaround at {l}."),
                    None => "Apply the workaround recorded for this known failure.".into(),
                },
            },
            confidence: 0.95,
            evidence,
            analyzer: "known-issue".into(),
            critic_override: false,
            grounded: true,
            fallback_reason: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[known]]
pattern = 'mirror\.example\.org.*handshake'
description = "The package mirror drops TLS handshakes"
link = "https://tracker.example.org/INFRA-812"
category = "flaky-infrastructure"

[[known]]
fingerprint = "00ff00ff00ff00ff"
description = "Known race in cache warm-up"
category = "concurrency"
severity = "high"
"#;

    #[test]
    fn pattern_and_fingerprint_entries_match() {
        let k = KnownFailures::parse(FILE, "t").unwrap();
        assert_eq!(k.len(), 2);
        let s = Sources::from_failure(None, "error: mirror.example.org: TLS handshake timed out");
        let a = k.find("1234", &s).unwrap();
        assert_eq!(a.analyzer, "known-issue");
        assert_eq!(a.category, Category::FlakyInfrastructure);
        assert!(a.root_cause.contains("INFRA-812"));
        assert_eq!(
            a.evidence[0].quote,
            "error: mirror.example.org: TLS handshake timed out"
        );
        let b = k
            .find("00ff00ff00ff00ff", &Sources::from_failure(None, "boom"))
            .unwrap();
        assert_eq!(b.category, Category::Concurrency);
        assert!(
            k.find("1234", &Sources::from_failure(None, "boom"))
                .is_none()
        );
    }

    #[test]
    fn entry_without_matcher_is_rejected() {
        let e = KnownFailures::parse("[[known]]\ndescription = 'x'\n", "f.toml").unwrap_err();
        assert!(e.to_string().contains("fingerprint"), "{e}");
    }
}
