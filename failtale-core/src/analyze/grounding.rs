//! Grounding, checked by code: every quote an LLM cites must occur in the
//! evidence that was sent (after the same whitespace normalisation), and every
//! file path and line it names must occur there too. What does not hold is
//! removed and the confidence lowered.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::Citation;

/// Confidence is multiplied by this for each unsupported claim removed.
const PENALTY: f32 = 0.6;

/// A file (and line) an answer names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Path as written.
    pub path: String,
    /// Line, if named.
    #[serde(default)]
    pub line: Option<u32>,
}

/// The checkable parts of an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// Root cause text.
    pub root_cause: String,
    /// Fix text.
    pub fix_suggestion: String,
    /// Citations.
    pub evidence: Vec<Citation>,
    /// Files named.
    pub files: Vec<FileRef>,
    /// Confidence, 0–1.
    pub confidence: f32,
}

/// The claim after checking.
#[derive(Clone, Debug, PartialEq)]
pub struct Grounded {
    /// The claim with unsupported parts removed and confidence lowered.
    pub claim: Claim,
    /// What was removed, one line each.
    pub removed: Vec<String>,
    /// True when everything held and at least one quote supports the answer.
    pub grounded: bool,
}

/// Collapses whitespace runs to one space and trims; drops the ellipses and
/// quote marks a model puts around a quote.
pub fn normalize(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = s
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '`' | '…'))
        .trim_start_matches("...")
        .trim_end_matches("...")
        .trim();
    trimmed.to_owned()
}

fn path_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:[\w.~-]+/)*[\w~-][\w.-]*\.(?:rs|py|java|kt|kts|scala|go|js|mjs|cjs|ts|tsx|jsx|c|cc|cpp|cxx|h|hpp|rb|php|cs|swift|toml|ya?ml|json|xml|sql|sh|cfg|ini|conf|properties|gradle|lock)\b(?::(\d+))?",
        )
        .expect("valid path regex")
    })
}

/// Whether `path` (and `line`, when given) occur in the normalised evidence.
pub fn file_supported(evidence: &str, path: &str, line: Option<u32>) -> bool {
    let path = path.trim();
    if path.is_empty() || !evidence.contains(path) {
        return false;
    }
    let Some(line) = line else { return true };
    let base = path.rsplit('/').next().unwrap_or(path);
    [
        format!("{path}:{line}"),
        format!("{path}\", line {line}"),
        format!("{path}, line {line}"),
        format!("{path} line {line}"),
        format!("({base}:{line})"),
    ]
    .iter()
    .any(|needle| evidence.contains(needle.as_str()))
}

/// Checks a claim against the exact evidence text that was sent.
pub fn ground(mut claim: Claim, evidence_sent: &str) -> Grounded {
    let evidence = normalize_keep(evidence_sent);
    let mut removed = Vec::new();
    claim.evidence.retain(|c| {
        let q = normalize(&c.quote);
        let ok = q.chars().count() >= 4 && evidence.contains(&q);
        if !ok {
            removed.push(format!("quote not in the evidence: {:?}", c.quote));
        }
        ok
    });
    claim.files.retain(|f| {
        let ok = file_supported(&evidence, &f.path, f.line);
        if !ok {
            removed.push(match f.line {
                Some(l) => format!("file not in the evidence: {}:{l}", f.path),
                None => format!("file not in the evidence: {}", f.path),
            });
        }
        ok
    });
    for text in [&mut claim.root_cause, &mut claim.fix_suggestion] {
        *text = drop_unsupported_sentences(text, &evidence, &mut removed);
    }
    let dropped = removed.len();
    if dropped > 0 {
        claim.confidence *= PENALTY.powi(dropped.min(8) as i32);
    }
    claim.confidence = claim.confidence.clamp(0.0, 1.0);
    let grounded = dropped == 0 && !claim.evidence.is_empty();
    if claim.evidence.is_empty() {
        claim.confidence = claim.confidence.min(0.3);
    }
    Grounded {
        claim,
        removed,
        grounded,
    }
}

/// Whitespace-normalised evidence (without stripping quote marks at the ends).
fn normalize_keep(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes sentences that name a file or file:line absent from the evidence.
fn drop_unsupported_sentences(text: &str, evidence: &str, removed: &mut Vec<String>) -> String {
    let mut kept = Vec::new();
    for sentence in split_sentences(text) {
        let bad = path_regex().captures_iter(sentence).find(|c| {
            let whole = c.get(0).map_or("", |m| m.as_str());
            let line = c.get(1).and_then(|m| m.as_str().parse().ok());
            let path = whole.split(':').next().unwrap_or(whole);
            !file_supported(evidence, path, line)
        });
        match bad {
            Some(c) => removed.push(format!(
                "claim names {} which is not in the evidence: {:?}",
                c.get(0).map_or("", |m| m.as_str()),
                sentence.trim()
            )),
            None => kept.push(sentence.trim()),
        }
    }
    kept.join(" ")
}

/// Splits after `. `, `! `, `? ` and newlines, keeping file names like `a.rs` intact.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        let end = match b[i] {
            b'\n' => Some(i),
            b'.' | b'!' | b'?' if b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) => {
                Some(i + 1)
            }
            _ => None,
        };
        if let Some(e) = end {
            if !text[start..e].trim().is_empty() {
                out.push(&text[start..e]);
            }
            start = e;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIDENCE: &str = "thread 'it' panicked at src/db/pool.rs:41:9:\n  called `Result::unwrap()` on an `Err` value:   PoolTimedOut\n File \"tests/test_x.py\", line 12, in test_x";

    fn claim(quotes: &[&str], files: &[(&str, Option<u32>)], cause: &str) -> Claim {
        Claim {
            root_cause: cause.into(),
            fix_suggestion: "Raise the pool size.".into(),
            evidence: quotes
                .iter()
                .map(|q| Citation::new(*q, "failure:it"))
                .collect(),
            files: files
                .iter()
                .map(|(p, l)| FileRef {
                    path: (*p).into(),
                    line: *l,
                })
                .collect(),
            confidence: 0.9,
        }
    }

    #[test]
    fn supported_claim_is_grounded_after_whitespace_normalisation() {
        let g = ground(
            claim(
                &["called `Result::unwrap()` on an `Err` value: PoolTimedOut"],
                &[("src/db/pool.rs", Some(41)), ("tests/test_x.py", Some(12))],
                "The pool in src/db/pool.rs:41 timed out.",
            ),
            EVIDENCE,
        );
        assert!(g.grounded, "{:?}", g.removed);
        assert_eq!(g.claim.confidence, 0.9);
        assert_eq!(
            g.claim.root_cause,
            "The pool in src/db/pool.rs:41 timed out."
        );
    }

    #[test]
    fn invented_quote_file_and_line_are_removed_and_confidence_drops() {
        let g = ground(
            claim(
                &["PoolTimedOut", "connection refused on port 5432"],
                &[("src/db/pool.rs", Some(99)), ("src/main.rs", None)],
                "The pool timed out. The bug is in src/db/config.rs:7.",
            ),
            EVIDENCE,
        );
        assert!(!g.grounded);
        assert_eq!(g.removed.len(), 4, "{:?}", g.removed);
        assert_eq!(g.claim.evidence.len(), 1);
        assert!(g.claim.files.is_empty());
        assert_eq!(g.claim.root_cause, "The pool timed out.");
        assert!(g.claim.confidence < 0.2);
    }
}
