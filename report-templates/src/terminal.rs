//! The terminal summary: counts, then one block per root cause, largest
//! first, then where the documents are.
//!
//! Everything printed comes from a [`Sanitized`] report, so `analyze` and
//! `report` print the same thing for the same report.

use std::io::{self, Write};
use std::path::Path;

use anstyle::{AnsiColor, Style};
use failtale_core::Sanitized;
use failtale_core::analyze::{category_name, severity_name};
use failtale_core::history::annotate::HistoryReport;
use failtale_core::model::{Analysis, Severity};
use failtale_core::report::{Report, ReportCluster};

use crate::style::{BOLD, DIM, GREEN, RED, YELLOW};

/// How much to print.
#[derive(Debug, Clone, Copy)]
pub struct SummaryOptions {
    /// Clusters to show before "+K more".
    pub max_clusters: usize,
    /// Only the counts and the report path.
    pub quiet: bool,
}

/// Tests listed per cluster before "+K more".
const TESTS_SHOWN: usize = 3;
/// A flake probability at or above this is "likely flaky".
const LIKELY_FLAKY: f64 = 0.5;
/// Below this (and never passing on retry) a failure is "consistent".
const CONSISTENT: f64 = 0.2;

const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const CRITICAL: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::White)))
    .bg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));

/// The style of a severity: critical stands out most, low least.
fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => CRITICAL,
        Severity::High => RED,
        Severity::Medium => YELLOW,
        Severity::Low => CYAN,
    }
}

/// The headline: `no failures`, `1 failure → 1 root cause`, `4 failures → 3 root causes`.
pub fn headline(failing: usize, causes: usize) -> String {
    if failing == 0 {
        return "no failures".to_owned();
    }
    format!(
        "{failing} failure{} → {causes} root cause{}",
        plural(failing),
        plural(causes)
    )
}

/// Writes the summary. Colour codes are written unconditionally; the caller's
/// stream strips them when colour is off (NO_COLOR, not a terminal). Takes
/// sanitized data only, so no raw test output reaches the terminal.
/// `report_path` is report.json; the HTML report is named next to it.
pub fn write_summary(
    w: &mut dyn Write,
    report: &Sanitized<Report>,
    report_path: &Path,
    opts: &SummaryOptions,
) -> io::Result<()> {
    let mut guard = CommandGuard::new(w);
    summary(&mut guard, report, report_path, opts)?;
    guard.finish().map(drop)
}

fn summary(
    w: &mut dyn Write,
    report: &Sanitized<Report>,
    report_path: &Path,
    opts: &SummaryOptions,
) -> io::Result<()> {
    let broken: Vec<_> = report.inputs.iter().filter(|i| i.error.is_some()).collect();
    let files = report.inputs.len();
    write!(
        w,
        "{BOLD}failtale{BOLD:#}: read {files} result file{}",
        plural(files)
    )?;
    if !broken.is_empty() {
        write!(w, " ({RED}{} could not be read fully{RED:#})", broken.len())?;
    }
    writeln!(w)?;
    write_redaction_notice(w, &report.redactions)?;
    for input in &broken {
        let error = input.error.as_deref().unwrap_or_default();
        let kept = if input.tests > 0 {
            format!(" ({} tests read before the error are kept)", input.tests)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {RED}error{RED:#} {}: {}{kept}",
            OneLine(&input.path),
            OneLine(error)
        )?;
    }
    if !opts.quiet {
        for input in &report.inputs {
            for warning in &input.warnings {
                writeln!(
                    w,
                    "  {YELLOW}warning{YELLOW:#} {}: {}",
                    OneLine(&input.path),
                    OneLine(&warning.to_string())
                )?;
            }
        }
    }

    let s = &report.summary;
    write!(
        w,
        "{BOLD}{}{BOLD:#} test{}: {GREEN}{} passed{GREEN:#}",
        s.tests,
        plural(s.tests),
        s.passed
    )?;
    if s.flaky > 0 {
        write!(w, " ({YELLOW}{} flaky{YELLOW:#})", s.flaky)?;
    }
    let failed_style = if s.failed > 0 { RED } else { Style::new() };
    let error_style = if s.errors > 0 { RED } else { Style::new() };
    writeln!(
        w,
        ", {failed_style}{} failed{failed_style:#}, {error_style}{} error{}{error_style:#}, {} skipped",
        s.failed,
        s.errors,
        plural(s.errors),
        s.skipped
    )?;

    let failing = s.failed + s.errors;
    let line = headline(failing, report.clusters.len());
    if failing == 0 {
        writeln!(w, "{GREEN}{line}{GREEN:#}")?;
    } else {
        writeln!(w, "{BOLD}{line}{BOLD:#}")?;
        if !opts.quiet {
            for cluster in report.clusters.iter().take(opts.max_clusters) {
                writeln!(w)?;
                write_cluster(w, report, cluster)?;
            }
            let hidden = report.clusters.len().saturating_sub(opts.max_clusters);
            if hidden > 0 {
                writeln!(
                    w,
                    "\n… and {hidden} more root cause{} in the report",
                    plural(hidden)
                )?;
            }
        }
    }
    writeln!(w)?;
    let html = report_path.with_file_name("report.html");
    writeln!(w, "{BOLD}report:{BOLD:#} {}", html.display())?;
    writeln!(w, "{DIM}json:{DIM:#}   {}", report_path.display())?;
    Ok(())
}

/// The lines `analyze` prints about history after its summary.
pub fn write_history_notes(w: &mut dyn Write, h: &HistoryReport, quiet: bool) -> io::Result<()> {
    let mut guard = CommandGuard::new(w);
    history_notes(&mut guard, h, quiet)?;
    guard.finish().map(drop)
}

fn history_notes(w: &mut dyn Write, h: &HistoryReport, quiet: bool) -> io::Result<()> {
    // Whether each cluster is new, and how likely its tests are flaky, is in
    // the summary's per-cluster lines; here only what is not: tests that
    // passed on retry and look flaky.
    if !quiet {
        let mut likely: Vec<_> = h
            .failures
            .iter()
            .filter(|f| f.cluster.is_none() && f.flake_probability >= 0.5)
            .collect();
        likely.sort_by(|a, b| b.flake_probability.total_cmp(&a.flake_probability));
        for f in likely.iter().take(5) {
            let why = f.reasons.first().map_or("", |r| r.detail.as_str());
            writeln!(
                w,
                "{YELLOW}likely flake{YELLOW:#} ({:.0}%) {}: {}",
                f.flake_probability * 100.0,
                OneLine(&f.test),
                OneLine(why)
            )?;
        }
    }
    writeln!(
        w,
        "history: run {} recorded ({} run{} stored) in {}",
        h.run_id,
        h.runs_stored,
        if h.runs_stored == 1 { "" } else { "s" },
        OneLine(h.store.as_deref().unwrap_or("the history store"))
    )
}

/// One root cause: what, how bad, why, the fix, how sure, flaky or not, which tests.
fn write_cluster(w: &mut dyn Write, report: &Report, cluster: &ReportCluster) -> io::Result<()> {
    let n = cluster.tests.len();
    write!(w, "{BOLD}{}{BOLD:#}  ", cluster.id)?;
    match &cluster.analysis {
        Some(a) => {
            let sev = severity_style(a.severity);
            write!(
                w,
                "{sev}{} · {}{sev:#}",
                category_name(a.category),
                severity_name(a.severity)
            )?;
        }
        None => {
            let kind = cluster
                .tests
                .first()
                .and_then(|t| report.failures.iter().find(|f| &f.test == t))
                .map_or("failure", |f| f.kind.as_str());
            write!(w, "{RED}{kind}{RED:#}")?;
        }
    }
    write!(w, "  in {n} test{}", plural(n))?;
    if let Some(seen) = report
        .history
        .as_ref()
        .and_then(|h| seen_note(h, &cluster.id))
    {
        write!(w, " {DIM}·{DIM:#} {seen}")?;
    }
    writeln!(w)?;
    if let Some(label) = &cluster.label {
        let style = if cluster.mass_failure { YELLOW } else { BOLD };
        writeln!(w, "    {style}{}{style:#}", OneLine(label))?;
    }
    if let Some(line) = cluster.failure_headline(report) {
        writeln!(w, "    {}", truncate(&line, 160))?;
    }
    if let Some(loc) = crate::annotations::location(report, cluster, None) {
        let line = loc.line.map(|l| format!(":{l}")).unwrap_or_default();
        writeln!(w, "    {DIM}at{DIM:#} {}{line}", OneLine(&loc.file))?;
    }
    match &cluster.analysis {
        Some(a) => write_analysis(w, a)?,
        None => {
            if let Some(e) = &cluster.analysis_error {
                writeln!(w, "    {DIM}not analyzed: {}{DIM:#}", truncate(e, 200))?;
            }
        }
    }
    let mut facts = Vec::new();
    if let Some(a) = &cluster.analysis {
        let grounded = if a.grounded {
            ""
        } else {
            ", not fully grounded"
        };
        facts.push(format!(
            "confidence {:.0}% {DIM}({}{grounded}){DIM:#}",
            a.confidence * 100.0,
            a.analyzer
        ));
    }
    if let Some(verdict) = report
        .history
        .as_ref()
        .and_then(|h| flake_verdict(h, cluster))
    {
        facts.push(verdict);
    }
    if !facts.is_empty() {
        writeln!(w, "    {}", facts.join(" · "))?;
    }
    let shown: Vec<String> = cluster
        .tests
        .iter()
        .take(TESTS_SHOWN)
        .map(|t| one_line(t))
        .collect();
    let more = n.saturating_sub(TESTS_SHOWN);
    write!(w, "    {DIM}tests:{DIM:#} {}", shown.join(", "))?;
    if more > 0 {
        write!(w, " +{more} more")?;
    }
    writeln!(w)
}

/// `new` or `seen in 4 runs since …`, from the history of the cluster.
fn seen_note(h: &HistoryReport, id: &str) -> Option<String> {
    let c = h.clusters.iter().find(|c| c.id == id)?;
    if c.new {
        return Some(format!("{YELLOW}new in this run{YELLOW:#}"));
    }
    let since = c.first_seen.get(..10).unwrap_or(&c.first_seen);
    let mut note = format!(
        "seen before: in {} run{} since {since}",
        c.runs_seen,
        plural(usize::try_from(c.runs_seen).unwrap_or(usize::MAX))
    );
    if let Some(commit) = &c.first_commit {
        note.push_str(&format!(
            ", first on {}",
            commit.get(..10).unwrap_or(commit)
        ));
    }
    Some(note)
}

/// `likely flaky (p=0.72)`, `possibly flaky (p=0.31)` or `consistent failure`,
/// from the most flake-like of the cluster's tests; `None` without history for them.
pub fn flake_verdict(h: &HistoryReport, cluster: &ReportCluster) -> Option<String> {
    let members: Vec<_> = h
        .failures
        .iter()
        .filter(|f| {
            f.cluster.as_deref() == Some(cluster.id.as_str()) || cluster.tests.contains(&f.test)
        })
        .collect();
    let worst = members
        .iter()
        .max_by(|a, b| a.flake_probability.total_cmp(&b.flake_probability))?;
    let p = worst.flake_probability;
    let flaky = members
        .iter()
        .filter(|f| f.flake_probability >= LIKELY_FLAKY)
        .count();
    Some(if p >= LIKELY_FLAKY {
        let share = if flaky < members.len() {
            format!(", {flaky} of {} tests", members.len())
        } else {
            String::new()
        };
        let why = worst
            .reasons
            .first()
            .map(|r| format!(": {}", truncate(&r.detail, 120)))
            .unwrap_or_default();
        format!("{YELLOW}likely flaky{YELLOW:#} (p={p:.2}{share}){why}")
    } else if p < CONSISTENT {
        format!("consistent failure (p={p:.2})")
    } else {
        format!("possibly flaky (p={p:.2})")
    })
}

/// One line saying what was redacted, when anything was:
/// `redacted 3 secrets (github_token ×2, password ×1) before writing anything`.
fn write_redaction_notice(
    w: &mut dyn Write,
    redactions: &std::collections::BTreeMap<String, usize>,
) -> io::Result<()> {
    let total: usize = redactions.values().sum();
    if total == 0 {
        return Ok(());
    }
    let mut kinds: Vec<(&String, &usize)> = redactions.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    writeln!(
        w,
        "{YELLOW}redacted{YELLOW:#} {total} secret{} ({}) before writing anything",
        plural(total),
        kinds.join(", ")
    )
}

/// The cause and the fix, and why the LLM was not used when it fell back.
fn write_analysis(w: &mut dyn Write, a: &Analysis) -> io::Result<()> {
    writeln!(
        w,
        "    {BOLD}cause:{BOLD:#} {}",
        truncate(&a.root_cause, 240)
    )?;
    writeln!(
        w,
        "    {BOLD}fix:{BOLD:#}   {}",
        truncate(&a.fix_suggestion, 240)
    )?;
    if let Some(r) = &a.fallback_reason {
        writeln!(
            w,
            "    {DIM}LLM fell back to the rules: {}{DIM:#}",
            truncate(r, 200)
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// At most `max` characters of `s`, on one line ([`one_line`]).
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return one_line(s);
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    one_line(&t)
}

/// `s` made safe for one terminal line: control characters (line breaks
/// included, so no text can start a line of its own and forge a CI command)
/// are written as escapes (`\n`, `\u{1b}`), and the in-band command
/// markers of Azure Pipelines (`##vso[`, `##[`) and TeamCity
/// (`##teamcity[`) get a space after their first `#`.
pub fn one_line(s: &str) -> String {
    OneLine(s).to_string()
}

/// [`one_line`] as a `Display`, for formatting without a copy.
#[derive(Debug, Clone, Copy)]
pub struct OneLine<'a>(pub &'a str);

impl std::fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        let s = self.0;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let marker = c == '#' && command_marker(&s[i..]);
            if !(c.is_control() || marker || c == '\u{2028}' || c == '\u{2029}') {
                continue;
            }
            f.write_str(&s[start..i])?;
            if marker {
                f.write_str("# ")?;
            } else {
                for e in c.escape_debug() {
                    f.write_char(e)?;
                }
            }
            start = i + c.len_utf8();
        }
        f.write_str(&s[start..])
    }
}

/// `s` with a space after the first `#` of every in-band command marker.
pub(crate) fn defuse_markers(s: String) -> String {
    if !s.contains("##") {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        out.push(c);
        if c == '#' && command_marker(&s[i..]) {
            out.push(' ');
        }
    }
    out
}

/// True when `s` starts with a CI system's in-band command marker.
fn command_marker(s: &str) -> bool {
    ["##vso[", "##[", "##teamcity["]
        .iter()
        .any(|m| s.get(..m.len()).is_some_and(|h| h.eq_ignore_ascii_case(m)))
}

/// A writer for terminal text that no line can turn into a CI command:
/// a line that would start with `::` (a GitHub Actions workflow command,
/// after any indentation) gets a space between the colons, and the Azure
/// and TeamCity markers anywhere in a line get one after their first `#`.
/// Text from test results is also written through [`OneLine`], so it cannot
/// start a line; this guard holds even where a caller forgot.
#[derive(Debug)]
pub struct CommandGuard<W: Write> {
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> CommandGuard<W> {
    /// Guards `inner`.
    pub fn new(inner: W) -> Self {
        CommandGuard {
            inner,
            line: Vec::new(),
        }
    }

    /// Writes what is left of the last line and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.emit()?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    fn emit(&mut self) -> io::Result<()> {
        if self.line.is_empty() {
            return Ok(());
        }
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        let indent = text.len() - text.trim_start().len();
        // ANSI styles before the text do not stop a runner from reading a command.
        let body = strip_styles(&text[indent..]);
        let needs = body.starts_with("::")
            || text.contains("##")
                && (0..text.len()).any(|i| text.is_char_boundary(i) && command_marker(&text[i..]));
        if !needs {
            self.inner.write_all(&line)?;
        } else {
            let mut fixed = String::with_capacity(text.len() + 8);
            let colons = if body.starts_with("::") {
                text[indent..].find("::").map(|at| indent + at)
            } else {
                None
            };
            for (i, c) in text.char_indices() {
                if Some(i) == colons {
                    fixed.push_str(": ");
                    continue;
                }
                fixed.push(c);
                if c == '#' && command_marker(&text[i..]) {
                    fixed.push(' ');
                }
            }
            self.inner.write_all(fixed.as_bytes())?;
        }
        self.line = line;
        self.line.clear();
        Ok(())
    }
}

/// `s` without leading ANSI style sequences (`ESC [ … m`).
fn strip_styles(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("\u{1b}[") {
        match rest.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
            Some(end) if rest[end..].starts_with('m') => s = &rest[end + 1..],
            _ => break,
        }
    }
    s
}

impl<W: Write> Write for CommandGuard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.line.extend_from_slice(&rest[..=nl]);
            self.emit()?;
            rest = &rest[nl + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::history::annotate::FailureHistory;
    use failtale_core::history::stability::Verdict;
    use failtale_core::model::Outcome;

    #[test]
    fn one_line_escapes_breaks_and_controls_and_defuses_markers() {
        assert_eq!(one_line("a\n::error::x"), r"a\n::error::x");
        assert_eq!(
            one_line("a\r\u{1b}[31mb\u{2028}c"),
            r"a\r\u{1b}[31mb\u{2028}c"
        );
        assert_eq!(
            one_line("x ##vso[task] ##[group] ##TeamCity[m]"),
            "x # #vso[task] # #[group] # #TeamCity[m]"
        );
        assert_eq!(one_line("plain · text #1 ## ok"), "plain · text #1 ## ok");
    }

    #[test]
    fn the_guard_defuses_command_lines_whatever_the_writes() {
        let mut g = CommandGuard::new(Vec::new());
        // Split across writes, indented, styled, and mid-line markers.
        for part in [
            "fine\n::err",
            "or::x\n  \u{1b}[1m::warning::y\u{1b}[0m\n",
            "a ##vso[x] b\rnext ##teamcity[m]\n",
            "tail::",
        ] {
            g.write_all(part.as_bytes()).unwrap();
        }
        let out = String::from_utf8(g.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "fine\n: :error::x\n  \u{1b}[1m: :warning::y\u{1b}[0m\na # #vso[x] b\rnext # #teamcity[m]\ntail::"
        );
        for line in out.split(['\n', '\r']) {
            let body = strip_styles(line.trim_start());
            assert!(
                !body.starts_with("::")
                    && !line.contains("##vso[")
                    && !line.contains("##teamcity["),
                "{line:?}"
            );
        }
    }

    #[test]
    fn headline_words_fit_the_counts() {
        assert_eq!(headline(0, 0), "no failures");
        assert_eq!(headline(1, 1), "1 failure → 1 root cause");
        assert_eq!(headline(4, 3), "4 failures → 3 root causes");
        assert_eq!(headline(2, 1), "2 failures → 1 root cause");
    }

    fn failure(test: &str, p: f64) -> FailureHistory {
        FailureHistory {
            test: test.into(),
            outcome: Outcome::Failed,
            cluster: Some("c1".into()),
            flake_probability: p,
            reasons: Vec::new(),
            grade: 'C',
            verdict: Verdict::Broken,
            verdict_reason: String::new(),
        }
    }

    #[test]
    fn the_flake_verdict_follows_the_most_flake_like_test() {
        let cluster = ReportCluster {
            id: "c1".into(),
            fingerprint: String::new(),
            signature: Vec::new(),
            tests: vec!["a".into(), "b".into()],
            occurrences: 2,
            mass_failure: false,
            label: None,
            merged_from: Vec::new(),
            representative: None,
            evidence: Vec::new(),
            analysis: None,
            analysis_error: None,
        };
        let verdict = |ps: &[f64]| {
            let h = HistoryReport {
                failures: ps
                    .iter()
                    .enumerate()
                    .map(|(i, p)| failure(["a", "b"][i], *p))
                    .collect(),
                ..HistoryReport::default()
            };
            flake_verdict(&h, &cluster).map(|v| anstream::adapter::strip_str(&v).to_string())
        };
        assert_eq!(verdict(&[]), None, "no history for the tests: nothing said");
        assert_eq!(
            verdict(&[0.05, 0.1]).unwrap(),
            "consistent failure (p=0.10)"
        );
        assert_eq!(verdict(&[0.3]).unwrap(), "possibly flaky (p=0.30)");
        assert_eq!(
            verdict(&[0.72, 0.1]).unwrap(),
            "likely flaky (p=0.72, 1 of 2 tests)"
        );
        assert_eq!(verdict(&[0.72, 0.9]).unwrap(), "likely flaky (p=0.90)");
    }
}
