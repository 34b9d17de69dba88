//! What an LLM is shown for one cluster: built from sanitized text only, cut
//! to a budget that keeps the head of a long log, most of its tail, and every
//! line that signals an error.
//!
//! [`evidence_document`] returns exactly the text that goes into the request,
//! so the grounding check ([`super::grounding`]) compares against what the
//! model saw.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Cluster, Evidence, TestRun};
use crate::sanitize::Sanitized;

/// Bumped whenever the prompts or the document layout change (part of the cache key).
pub const PROMPT_VERSION: &str = "1";

/// Default size of the evidence document, in characters.
pub const DEFAULT_BUDGET: usize = 12_000;

/// History facts about a cluster, when a history store knows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryFacts {
    /// In how many earlier runs this fingerprint failed.
    pub seen_before: Option<u32>,
    /// When it was first seen (RFC 3339), if ever.
    pub first_seen: Option<String>,
    /// Probability that this failure is a flake, 0–1.
    pub flake_probability: Option<f64>,
}

/// Where an analyzer gets [`HistoryFacts`] from (a history store, usually
/// [`crate::history::lookup::StoreHistory`]). `None`: nothing is known.
pub trait HistoryLookup: Send + Sync + std::fmt::Debug {
    /// What is known about `cluster` from runs before this one.
    fn facts(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Option<HistoryFacts>;
}

fn signal_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)error|panic|fatal|exception|fail|caused by|assert|refused|denied|timed? ?out|killed|abort|segmentation|not found|no such|warning")
            .expect("valid signal regex")
    })
}

/// Cuts `text` to about `max_chars`: the first quarter of the budget from the
/// head, up to a quarter for error-signal lines from the middle, and the rest
/// from the tail. Omitted stretches are marked `[… N lines omitted …]`.
pub fn fit(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars {
        return text.to_owned();
    }
    let lines: Vec<&str> = text.lines().collect();
    let head_budget = max_chars / 4;
    let signal_budget = max_chars / 4;
    let tail_budget = max_chars - head_budget - signal_budget;
    let mut head_end = 0;
    let mut used = 0;
    while head_end < lines.len() && used + lines[head_end].len() < head_budget {
        used += lines[head_end].len() + 1;
        head_end += 1;
    }
    let mut tail_start = lines.len();
    used = 0;
    while tail_start > head_end && used + lines[tail_start - 1].len() < tail_budget {
        used += lines[tail_start - 1].len() + 1;
        tail_start -= 1;
    }
    let mut keep = vec![false; lines.len()];
    keep[..head_end].iter_mut().for_each(|k| *k = true);
    keep[tail_start..].iter_mut().for_each(|k| *k = true);
    used = 0;
    for i in head_end..tail_start {
        if signal_regex().is_match(lines[i]) && used + lines[i].len() < signal_budget {
            used += lines[i].len() + 1;
            keep[i] = true;
        }
    }
    // A line longer than the whole budget: keep its start and end.
    if head_end == 0 && tail_start == lines.len() && !keep.iter().any(|k| *k) {
        let start: String = text.chars().take(max_chars / 2).collect();
        let end: String = {
            let n = text.chars().count();
            text.chars().skip(n.saturating_sub(max_chars / 2)).collect()
        };
        return format!("{start}\n[… text omitted …]\n{end}");
    }
    let mut out = String::with_capacity(max_chars + 64);
    let mut skipped = 0;
    for (line, k) in lines.iter().zip(&keep) {
        if *k {
            if skipped > 0 {
                out.push_str(&format!("[… {skipped} lines omitted …]\n"));
                skipped = 0;
            }
            out.push_str(line);
            out.push('\n');
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        out.push_str(&format!("[… {skipped} lines omitted …]\n"));
    }
    out
}

/// The evidence document for one cluster: facts about the cluster, its
/// history, the representative failure, its output and collected evidence,
/// each section labelled with the source name citations must use.
///
/// Takes the sanitized run only: this text is what is sent to an LLM.
pub fn evidence_document(
    cluster: &Cluster,
    run: &Sanitized<TestRun>,
    evidence: &[Evidence],
    history: Option<&HistoryFacts>,
    budget: usize,
) -> String {
    let sources = super::cluster_sources(cluster, run.get(), evidence);
    let mut doc = String::new();
    let n = cluster.tests.len();
    let suites: std::collections::BTreeSet<_> = cluster
        .case_indices
        .iter()
        .filter_map(|&i| run.cases.get(i))
        .filter_map(|c| c.id.suite_name().or(c.id.classname.as_deref()))
        .collect();
    let retried_pass = cluster
        .case_indices
        .iter()
        .filter_map(|&i| run.cases.get(i))
        .filter(|c| c.attempts.len() > 1 && c.attempts.iter().any(|a| !a.status().is_failing()))
        .count();
    doc.push_str("## Cluster\n");
    doc.push_str(&format!(
        "{n} failing test(s), {} failing attempt(s), across {} suite(s).\n",
        cluster.occurrences,
        suites.len().max(1)
    ));
    let shown: Vec<&str> = cluster.tests.iter().take(8).map(String::as_str).collect();
    doc.push_str(&format!("Tests: {}", shown.join(", ")));
    if n > shown.len() {
        doc.push_str(&format!(" (+{} more)", n - shown.len()));
    }
    doc.push('\n');
    if retried_pass > 0 {
        doc.push_str(&format!(
            "In this run {retried_pass} of the tests passed on a retry.\n"
        ));
    }
    match history {
        Some(h) => {
            match (h.seen_before, &h.first_seen) {
                (Some(0), _) => {
                    doc.push_str("History: this failure has not been seen in earlier runs.\n")
                }
                (Some(s), Some(first)) => doc.push_str(&format!(
                    "History: this failure was seen in {s} earlier run(s), first on {first}.\n"
                )),
                (Some(s), None) => doc.push_str(&format!(
                    "History: this failure was seen in {s} earlier run(s).\n"
                )),
                (None, _) => {}
            }
            if let Some(p) = h.flake_probability {
                let word = if p >= 0.5 {
                    "likely a flake"
                } else if p >= 0.2 {
                    "possibly a flake"
                } else {
                    "unlikely to be a flake"
                };
                doc.push_str(&format!(
                    "History: flake probability {p:.2} ({word}, from retries, earlier results on the same commit and how often the tests flip).\n"
                ));
            }
        }
        None => doc.push_str("History: not available.\n"),
    }
    // Budget: half for the failure text, the rest shared by output and evidence.
    let others = sources.sources.len().saturating_sub(1).max(1);
    for (i, s) in sources.sources.iter().enumerate() {
        let share = if i == 0 {
            budget / 2
        } else {
            budget / 2 / others
        };
        doc.push_str(&format!("\n## Source: {}\n", s.label));
        if let (0, Some(t)) = (i, &sources.failure_type) {
            doc.push_str(&format!("(exception type: {t})\n"));
        }
        doc.push_str(&fit(&s.text, share.max(200)));
        if !doc.ends_with('\n') {
            doc.push('\n');
        }
    }
    doc
}

/// The system prompt of the analyzer role.
pub const ANALYZER_SYSTEM: &str = "You analyze failed automated tests. You receive the evidence for one cluster of failures that share a fingerprint. \
Answer with one JSON object: root_cause (one or two sentences), category (one of: assertion, panic, timeout, network, resource, permission, missing-file-or-config, dependency, database, crash, concurrency, flaky-infrastructure, other), \
severity (critical, high, medium or low), fix_suggestion (concrete), confidence (0 to 1), evidence (a list of {quote, source}: each quote copied exactly from one source section, source is that section's name), \
files (a list of {path, line} for files you mention; line may be null). Only name files, lines, functions and APIs that appear in the evidence. If the evidence does not show the cause, say so and lower the confidence.";

/// The system prompt of the critic role.
pub const CRITIC_SYSTEM: &str = "You are a strict reviewer of a proposed root-cause analysis of failed tests. You receive the evidence and the proposal. \
Reject every claim the evidence does not support: quotes that are not copied exactly, files or lines that do not appear, a category that does not fit. \
Answer with the final analysis as one JSON object with the same fields as the proposal (root_cause, category, severity, fix_suggestion, confidence, evidence, files) plus agrees (true when you kept the proposal's root cause and category, false when you replaced them).";

/// The system prompt of the single-pass mode (small local models).
pub const SINGLE_PASS_SYSTEM: &str = "Explain why these tests failed. Reply with JSON only: {\"root_cause\": str, \"category\": one of assertion|panic|timeout|network|resource|permission|missing-file-or-config|dependency|database|crash|concurrency|flaky-infrastructure|other, \
\"severity\": critical|high|medium|low, \"fix_suggestion\": str, \"confidence\": 0-1, \"evidence\": [{\"quote\": exact text from the evidence, \"source\": section name}], \"files\": [{\"path\": str, \"line\": int or null}]}. Quote only text that appears below.";

/// The user message for an analyzer or single-pass request.
pub fn analyzer_user_message(document: &str) -> String {
    format!("Evidence:\n\n{document}")
}

/// The user message for a critic request.
pub fn critic_user_message(document: &str, proposal_json: &str) -> String {
    format!("Evidence:\n\n{document}\n\nProposal:\n{proposal_json}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_log_keeps_head_tail_and_error_lines() {
        let mut log = String::new();
        for i in 0..2000 {
            log.push_str(&format!("line {i} ordinary progress output here\n"));
            if i == 1000 {
                log.push_str("ERROR: disk quota exceeded in the middle\n");
            }
        }
        let out = fit(&log, 4000);
        assert!(out.len() < 4400, "{}", out.len());
        assert!(out.starts_with("line 0 "));
        assert!(out.contains("line 1999 ordinary"));
        assert!(out.contains("ERROR: disk quota exceeded in the middle"));
        assert!(out.contains("lines omitted"));
        // The tail gets more room than the head.
        let tail_from = out.rfind("omitted").unwrap();
        assert!(out.len() - tail_from > tail_from / 2);
    }

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(fit("a\nb", 100), "a\nb");
    }
}
