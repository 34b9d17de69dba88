//! What `report.html.tera` is rendered from: the report, with everything a
//! template would otherwise have to compute (excerpts, percentages, trend
//! marks, filters) worked out here, so the template stays simple.
//!
//! The view is the template's contract: custom templates see exactly these
//! fields, as the embedded `report.html.tera` uses them.

use std::collections::{BTreeMap, HashMap, HashSet};

use failtale_core::analyze::{category_name, evidence_label, severity_name};
use failtale_core::history::annotate::{ClusterHistory, FailureHistory, HistoryReport};
use failtale_core::history::stability::TestStability;
use failtale_core::model::{Analysis, Citation, Evidence, Outcome, SignatureComponent, Summary};
use failtale_core::report::{Report, ReportCluster};
use serde::Serialize;

use crate::excerpt::{self, Line, cut};

/// Affected tests listed before the rest are folded away.
pub(crate) const TESTS_SHOWN: usize = 10;
/// Tests of one cluster listed with their flake probability.
const FLAKES_SHOWN: usize = 5;
/// Flake probabilities from this one up are listed per test.
const NOTABLE_FLAKE: f64 = 0.2;
/// Width in pixels of one run in a trend.
const MARK_STEP: usize = 8;

/// The whole page.
#[derive(Debug, Serialize)]
pub(crate) struct HtmlView<'a> {
    /// `failtale 0.1.0`.
    pub generator: String,
    /// `report.json`'s schema version.
    pub schema_version: u32,
    /// `failed` (something failed), `passed` (tests ran, none failed) or `empty` (no tests).
    pub status: &'static str,
    /// `12 failing tests → 3 root causes`, `All 120 tests passed`, `No tests found`.
    pub headline: String,
    /// Counts.
    pub summary: &'a Summary,
    /// Failed + errors.
    pub failing: usize,
    /// Per input file.
    pub inputs: Vec<InputView<'a>>,
    /// Inputs that could not be read fully.
    pub input_errors: usize,
    /// Warnings over all inputs.
    pub input_warnings: usize,
    /// Redactions by kind, most first.
    pub redactions: Vec<Count>,
    /// Every redaction.
    pub redaction_total: usize,
    /// Commit of the run, when history recorded one.
    pub commit: Option<&'a str>,
    /// Branch of the run, when history recorded one.
    pub branch: Option<&'a str>,
    /// The history store, when the run was recorded.
    pub history: Option<HistoryHead<'a>>,
    /// Clusters, largest first.
    pub clusters: Vec<ClusterView<'a>>,
    /// Clusters with an analysis.
    pub analysed: usize,
    /// Severity filter choices, most severe first (`none` for clusters without analysis).
    pub severities: Vec<Choice>,
    /// Category filter choices, most clusters first.
    pub categories: Vec<Choice>,
    /// The stability table, worst first (empty without history).
    pub stability: Vec<StabilityRow<'a>>,
}

/// A count of something named.
#[derive(Debug, Serialize)]
pub(crate) struct Count {
    /// What.
    pub name: String,
    /// How many.
    pub count: usize,
}

/// One value of a filter.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    /// The value cards carry in `data-severity` / `data-category`.
    pub value: &'static str,
    /// Clusters with it.
    pub count: usize,
}

/// One input file.
#[derive(Debug, Serialize)]
pub(crate) struct InputView<'a> {
    pub path: &'a str,
    pub format: Option<&'static str>,
    pub producer: Option<&'a str>,
    pub tests: usize,
    pub error: Option<&'a str>,
    pub warnings: &'a [String],
}

/// Where the run was recorded.
#[derive(Debug, Serialize)]
pub(crate) struct HistoryHead<'a> {
    pub store: Option<&'a str>,
    pub run_id: i64,
    pub runs_stored: u64,
}

/// One cluster's card.
#[derive(Debug, Serialize)]
pub(crate) struct ClusterView<'a> {
    pub id: &'a str,
    /// A one-line title: the label, else the failure's first line.
    pub title: String,
    pub tests_count: usize,
    pub occurrences: usize,
    /// `critical` … `low`, or `none` without analysis.
    pub severity: &'static str,
    /// A category name, or `none` without analysis.
    pub category: &'static str,
    pub label: Option<&'a str>,
    pub mass_failure: bool,
    pub analysis: Option<AnalysisView<'a>>,
    pub analysis_error: Option<&'a str>,
    pub representative: Option<Representative<'a>>,
    /// The first [`TESTS_SHOWN`] affected tests …
    pub tests_shown: &'a [String],
    /// … and the rest.
    pub tests_more: &'a [String],
    pub fingerprint: &'a str,
    pub signature: &'a [SignatureComponent],
    /// Exact fingerprints merged into this cluster (empty unless more than one).
    pub merged_from: &'a [String],
    pub evidence: Vec<EvidenceView<'a>>,
    pub history: Option<ClusterHistoryView<'a>>,
    /// Member tests whose flake probability is worth a look (20% or more,
    /// or with a reason), most likely first.
    pub flakes: Vec<FlakeView<'a>>,
    /// Such members not listed.
    pub flakes_more: usize,
    /// The highest flake probability among the members (null without history).
    pub flake_max: Option<String>,
    /// The highest flake probability among the members, when 50% or more.
    pub likely_flake: Option<String>,
}

/// The representative failure.
#[derive(Debug, Serialize)]
pub(crate) struct Representative<'a> {
    pub test: &'a str,
    pub text: &'a str,
}

/// A cluster's analysis.
#[derive(Debug, Serialize)]
pub(crate) struct AnalysisView<'a> {
    pub root_cause: &'a str,
    pub fix: &'a str,
    /// `80%`.
    pub confidence: String,
    pub analyzer: &'a str,
    pub grounded: bool,
    pub critic_override: bool,
    pub fallback_reason: Option<&'a str>,
    pub citations: Vec<CitationView<'a>>,
}

/// One citation with the lines it is on.
#[derive(Debug, Serialize)]
pub(crate) struct CitationView<'a> {
    pub source: &'a str,
    pub quote: &'a str,
    /// Where the quote was found (the source's name), or null when it is not in the report.
    pub found_in: Option<String>,
    /// The cited lines (`cited`) with a few lines of context; empty when not found.
    pub lines: Vec<Line>,
}

/// One piece of collected context.
#[derive(Debug, Serialize)]
pub(crate) struct EvidenceView<'a> {
    pub collector: &'a str,
    pub label: Option<&'a str>,
    pub host: Option<&'a str>,
    pub command: Option<&'a str>,
    pub exit_status: Option<i32>,
    /// `1.25 s`, `340 ms`.
    pub duration: Option<String>,
    pub truncated: bool,
    /// `ok`, `timed-out`, `unreachable`, …
    pub status: Option<String>,
    pub error: Option<&'a str>,
    /// True when collecting failed (an error, or a status other than `ok`).
    pub failed: bool,
    pub text: &'a str,
}

/// "Seen before" for a cluster.
#[derive(Debug, Serialize)]
pub(crate) struct ClusterHistoryView<'a> {
    pub new: bool,
    pub first_seen: &'a str,
    pub last_seen: Option<&'a str>,
    pub runs_seen: u64,
    pub first_commit: Option<&'a str>,
    /// `40%` of earlier failures went away with no code change.
    pub pass_without_change: Option<String>,
}

/// One failing test's flake probability.
#[derive(Debug, Serialize)]
pub(crate) struct FlakeView<'a> {
    pub test: &'a str,
    /// `85%`.
    pub probability: String,
    /// True at 50% or more.
    pub likely: bool,
    /// The strongest signal, in words.
    pub reason: Option<&'a str>,
    pub verdict: &'static str,
    pub grade: char,
}

/// One row of the stability table.
#[derive(Debug, Serialize)]
pub(crate) struct StabilityRow<'a> {
    pub test: &'a str,
    pub grade: char,
    pub verdict: &'static str,
    pub reason: &'a str,
    /// `95%`.
    pub pass_rate: String,
    /// `10%`.
    pub flakiness: String,
    pub runs: usize,
    pub skipped: usize,
    pub trend: &'static str,
    pub slow: Option<&'a str>,
    /// True when the test failed (or passed only on retry) in this run.
    pub this_run: bool,
    pub svg: Trend,
}

/// An inline SVG of a test's recent outcomes, oldest on the left.
#[derive(Debug, Serialize)]
pub(crate) struct Trend {
    pub width: usize,
    pub height: usize,
    /// What the picture says, for screen readers.
    pub label: String,
    pub marks: Vec<Mark>,
}

/// One run in a trend.
#[derive(Debug, Serialize)]
pub(crate) struct Mark {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
    /// `passed`, `flaky`, `failed`, `error` or `skipped` (a CSS class).
    pub outcome: &'static str,
    /// `run 3 of 20: failed`.
    pub title: String,
}

const SEVERITY_ORDER: [&str; 5] = ["critical", "high", "medium", "low", "none"];

pub(crate) fn percent(x: f64) -> String {
    format!("{:.0}%", (x * 100.0).clamp(0.0, 100.0))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `12 failing tests → 3 root causes`, `All 120 tests passed`, `No tests found`.
pub(crate) fn headline(report: &Report) -> (&'static str, String) {
    let s = &report.summary;
    let failing = s.failed + s.errors;
    if failing > 0 || !report.clusters.is_empty() {
        (
            "failed",
            format!(
                "{} → {}",
                plural(failing, "failing test", "failing tests"),
                plural(report.clusters.len(), "root cause", "root causes")
            ),
        )
    } else if s.tests == 0 {
        ("empty", "No tests found".to_owned())
    } else if s.tests == 1 {
        ("passed", "The 1 test passed".to_owned())
    } else {
        ("passed", format!("All {} tests passed", s.tests))
    }
}

/// A one-line title for a cluster: its label, else the failure's headline
/// (kind and first message line, as the terminal shows it).
pub(crate) fn cluster_title(c: &ReportCluster, report: &Report) -> String {
    if let Some(label) = &c.label {
        return cut(label.trim(), 160);
    }
    c.failure_headline(report)
        .map(|l| cut(&l, 160))
        .or_else(|| {
            c.analysis
                .as_ref()
                .map(|a| cut(a.root_cause.lines().next().unwrap_or(""), 160))
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("cluster {}", c.id))
}

pub(crate) fn severity_of(a: Option<&Analysis>) -> &'static str {
    a.map_or("none", |a| severity_name(a.severity))
}

pub(crate) fn category_of(a: Option<&Analysis>) -> &'static str {
    a.map_or("none", |a| category_name(a.category))
}

/// Builds the view of `report`.
pub(crate) fn build(report: &Report) -> HtmlView<'_> {
    let (status, headline) = headline(report);
    let s = &report.summary;
    let history = report.history.as_ref();
    let cluster_history: HashMap<&str, &ClusterHistory> = history
        .map(|h| h.clusters.iter().map(|c| (c.id.as_str(), c)).collect())
        .unwrap_or_default();
    let mut flakes_by_cluster: HashMap<&str, Vec<&FailureHistory>> = HashMap::new();
    if let Some(h) = history {
        for f in &h.failures {
            if let Some(c) = &f.cluster {
                flakes_by_cluster.entry(c.as_str()).or_default().push(f);
            }
        }
    }
    let clusters: Vec<ClusterView<'_>> = report
        .clusters
        .iter()
        .map(|c| {
            cluster(
                report,
                c,
                cluster_history.get(c.id.as_str()).copied(),
                flakes_by_cluster.remove(c.id.as_str()).unwrap_or_default(),
            )
        })
        .collect();

    let mut severities: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut categories: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in &clusters {
        *severities.entry(c.severity).or_default() += 1;
        *categories.entry(c.category).or_default() += 1;
    }
    let severities = SEVERITY_ORDER
        .iter()
        .filter_map(|v| severities.get(v).map(|&count| Choice { value: v, count }))
        .collect();
    let mut categories: Vec<Choice> = categories
        .into_iter()
        .map(|(value, count)| Choice { value, count })
        .collect();
    // Most clusters first; `none` (not analysed) last.
    categories.sort_by_key(|c| (c.value == "none", std::cmp::Reverse(c.count)));

    let mut redactions: Vec<Count> = report
        .redactions
        .iter()
        .map(|(k, &n)| Count {
            name: k.clone(),
            count: n,
        })
        .collect();
    redactions.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));

    HtmlView {
        generator: format!("failtale {}", env!("CARGO_PKG_VERSION")),
        schema_version: report.schema_version,
        status,
        headline,
        summary: s,
        failing: s.failed + s.errors,
        inputs: report
            .inputs
            .iter()
            .map(|i| InputView {
                path: &i.path,
                format: i.format.map(|f| f.as_str()),
                producer: i.producer.as_deref(),
                tests: i.tests,
                error: i.error.as_deref(),
                warnings: &i.warnings,
            })
            .collect(),
        input_errors: report.inputs.iter().filter(|i| i.error.is_some()).count(),
        input_warnings: report.inputs.iter().map(|i| i.warnings.len()).sum(),
        redaction_total: redactions.iter().map(|r| r.count).sum(),
        redactions,
        commit: history.and_then(|h| h.commit.as_deref()),
        branch: history.and_then(|h| h.branch.as_deref()),
        history: history.map(|h| HistoryHead {
            store: h.store.as_deref(),
            run_id: h.run_id,
            runs_stored: h.runs_stored,
        }),
        analysed: report
            .clusters
            .iter()
            .filter(|c| c.analysis.is_some())
            .count(),
        clusters,
        severities,
        categories,
        stability: history.map(stability).unwrap_or_default(),
    }
}

fn cluster<'a>(
    report: &'a Report,
    c: &'a ReportCluster,
    history: Option<&'a ClusterHistory>,
    mut flakes: Vec<&'a FailureHistory>,
) -> ClusterView<'a> {
    let shown = c.tests.len().min(TESTS_SHOWN);
    flakes.sort_by(|a, b| {
        b.flake_probability
            .total_cmp(&a.flake_probability)
            .then(a.test.cmp(&b.test))
    });
    let flake_max = flakes.first().map(|f| percent(f.flake_probability));
    let likely_flake = flakes
        .first()
        .filter(|f| f.flake_probability >= 0.5)
        .map(|f| percent(f.flake_probability));
    flakes.retain(|f| f.flake_probability >= NOTABLE_FLAKE || !f.reasons.is_empty());
    let flakes_more = flakes.len().saturating_sub(FLAKES_SHOWN);
    ClusterView {
        id: &c.id,
        title: cluster_title(c, report),
        tests_count: c.tests.len(),
        occurrences: c.occurrences,
        severity: severity_of(c.analysis.as_ref()),
        category: category_of(c.analysis.as_ref()),
        label: c.label.as_deref(),
        mass_failure: c.mass_failure,
        analysis: c.analysis.as_ref().map(|a| AnalysisView {
            root_cause: &a.root_cause,
            fix: &a.fix_suggestion,
            confidence: percent(f64::from(a.confidence)),
            analyzer: &a.analyzer,
            grounded: a.grounded,
            critic_override: a.critic_override,
            fallback_reason: a.fallback_reason.as_deref(),
            citations: a
                .evidence
                .iter()
                .map(|cit| citation(report, c, cit))
                .collect(),
        }),
        analysis_error: c.analysis_error.as_deref(),
        representative: c.representative.as_ref().map(|r| Representative {
            test: &r.test,
            text: report.text(r.text),
        }),
        tests_shown: &c.tests[..shown],
        tests_more: &c.tests[shown..],
        fingerprint: &c.fingerprint,
        signature: &c.signature,
        merged_from: if c.merged_from.len() > 1 {
            &c.merged_from
        } else {
            &[]
        },
        evidence: c.evidence.iter().map(evidence).collect(),
        history: history.map(|h| ClusterHistoryView {
            new: h.new,
            first_seen: &h.first_seen,
            last_seen: h.last_seen.as_deref(),
            runs_seen: h.runs_seen,
            first_commit: h.first_commit.as_deref(),
            pass_without_change: h.pass_without_change_share.map(percent),
        }),
        flakes: flakes
            .into_iter()
            .take(FLAKES_SHOWN)
            .map(|f| FlakeView {
                test: &f.test,
                probability: percent(f.flake_probability),
                likely: f.flake_probability >= 0.5,
                reason: f.reasons.first().map(|r| r.detail.as_str()),
                verdict: f.verdict.as_str(),
                grade: f.grade,
            })
            .collect(),
        flakes_more,
        flake_max,
        likely_flake,
    }
}

/// The texts a citation may come from, the named source first.
fn candidates<'a>(
    report: &'a Report,
    c: &'a ReportCluster,
    source: &str,
) -> Vec<(String, &'a str)> {
    let mut out: Vec<(String, &'a str)> = Vec::new();
    let failure_text = |key: &str| -> Option<&'a str> {
        match &c.representative {
            Some(r) if r.test == key => Some(report.text(r.text)),
            _ => report
                .failures
                .iter()
                .find(|f| f.test == key)
                .map(|f| report.failure_text(f)),
        }
    };
    if let Some(key) = source.strip_prefix("failure:")
        && let Some(text) = failure_text(key)
    {
        out.push((source.to_owned(), text));
    }
    for e in &c.evidence {
        let label = evidence_label(e);
        if label == source {
            out.push((label, e.text.as_str()));
        }
    }
    // Analyzers sometimes name a source loosely: look in the cluster's other texts too.
    if let Some(r) = &c.representative {
        out.push((format!("failure:{}", r.test), report.text(r.text)));
    }
    for e in &c.evidence {
        out.push((evidence_label(e), e.text.as_str()));
    }
    out
}

fn citation<'a>(report: &'a Report, c: &'a ReportCluster, cit: &'a Citation) -> CitationView<'a> {
    for (name, text) in candidates(report, c, &cit.source) {
        if let Some((start, end)) = excerpt::find(text, &cit.quote) {
            return CitationView {
                source: &cit.source,
                quote: &cit.quote,
                found_in: Some(name),
                lines: excerpt::excerpt(text, start, end),
            };
        }
    }
    CitationView {
        source: &cit.source,
        quote: &cit.quote,
        found_in: None,
        lines: Vec::new(),
    }
}

fn evidence(e: &Evidence) -> EvidenceView<'_> {
    let p = &e.provenance;
    let status = p.status.and_then(|s| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    });
    EvidenceView {
        collector: &p.collector,
        label: p.label.as_deref(),
        host: p.host.as_deref(),
        command: p.command.as_deref(),
        exit_status: p.exit_status,
        duration: p.duration_ms.map(|ms| {
            if ms < 1000 {
                format!("{ms} ms")
            } else {
                format!("{:.2} s", ms as f64 / 1000.0)
            }
        }),
        truncated: p.truncated,
        failed: p.error.is_some() || status.as_deref().is_some_and(|s| s != "ok"),
        status,
        error: p.error.as_deref(),
        text: &e.text,
    }
}

pub(crate) fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Flaky => "flaky",
        Outcome::Failed => "failed",
        Outcome::Error => "error",
        Outcome::Skipped => "skipped",
    }
}

fn stability(h: &HistoryReport) -> Vec<StabilityRow<'_>> {
    let this_run: HashSet<&str> = h.failures.iter().map(|f| f.test.as_str()).collect();
    h.stability
        .iter()
        .map(|s| StabilityRow {
            test: &s.test,
            grade: s.grade,
            verdict: s.verdict.as_str(),
            reason: &s.reason,
            pass_rate: percent(s.pass_rate),
            flakiness: percent(s.flakiness),
            runs: s.runs,
            skipped: s.skipped,
            trend: s.trend.as_str(),
            slow: s.slow.as_deref(),
            this_run: this_run.contains(s.test.as_str()),
            svg: trend(s),
        })
        .collect()
}

/// One mark per run, oldest on the left: `history` is oldest first. The
/// height says the outcome too, so the picture does not rely on colour.
pub(crate) fn trend(s: &TestStability) -> Trend {
    let n = s.history.len();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let marks = s
        .history
        .iter()
        .enumerate()
        .map(|(i, &o)| {
            let outcome = outcome_name(o);
            *counts.entry(outcome).or_default() += 1;
            let (y, height) = match o {
                Outcome::Failed | Outcome::Error => (0, 16),
                Outcome::Flaky => (3, 13),
                Outcome::Passed => (6, 10),
                Outcome::Skipped => (12, 4),
            };
            Mark {
                x: i * MARK_STEP,
                y,
                width: MARK_STEP - 2,
                height,
                outcome,
                title: format!("run {} of {n}: {outcome}", i + 1),
            }
        })
        .collect();
    let parts: Vec<String> = ["passed", "flaky", "failed", "error", "skipped"]
        .iter()
        .filter_map(|k| counts.get(k).map(|c| format!("{c} {k}")))
        .collect();
    Trend {
        width: (n * MARK_STEP).max(MARK_STEP),
        height: 16,
        label: format!(
            "last {}, oldest first: {}",
            plural(n, "run", "runs"),
            if parts.is_empty() {
                "none".to_owned()
            } else {
                parts.join(", ")
            }
        ),
        marks,
    }
}
